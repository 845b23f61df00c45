//! The conformance checks: each an `async fn(Arc<dyn Store>)` that panics with a clear message
//! when the store breaks the contract.

mod accounts;
mod bulk;
mod concurrency;
mod feed;
mod isolation;
mod limits;
mod listing;
mod projects;
mod tasks;

use std::fmt::Debug;

pub use accounts::{
    last_owner_is_kept, members_and_roles, organization_deletion, registration_creates_owner_and_first_event,
    store_rechecks_the_current_role, users_are_global_and_unique,
};
pub use bulk::bulk_import_is_all_or_nothing;
pub use concurrency::{
    concurrent_updates_lose_nothing, event_completeness, optimistic_concurrency,
    seq_is_gapless_under_concurrency,
};
pub use feed::{feed_replays_then_goes_live, feed_reports_lag, feed_resumes_from_any_seq};
pub use isolation::tenant_isolation;
pub use limits::{
    archived_rows_free_their_slot, member_limit_race, project_limit_race, task_limit_race,
    tier_downgrade_keeps_rows_and_blocks_new_ones,
};
pub use listing::{changed_tasks_export, pagination_is_stable_under_writes, task_filters};
pub use projects::projects_lifecycle;
pub use tasks::{invalid_input_is_refused_and_writes_nothing, tasks_lifecycle};

use crate::{Error, ErrorKind, Principal, Result, TaskFlow};

/// Asserts that `result` failed with `kind`, and returns the error for closer checks.
#[track_caller]
pub(crate) fn expect_err<T: Debug>(result: Result<T>, kind: ErrorKind, what: &str) -> Error {
    match result {
        Ok(value) => panic!("{what}: expected {kind:?}, got Ok({value:?})"),
        Err(e) if e.kind() == kind => e,
        Err(e) => panic!("{what}: expected {kind:?}, got {e:?}"),
    }
}

/// The organization's last seq, read through the log.
pub(crate) async fn last_seq(tf: &TaskFlow, p: &Principal) -> u64 {
    tf.store().last_seq(p.org()).await.expect("last_seq")
}
