//! The conformance suite every backend runs, the model-based test and the workload generator.
//!
//! Enabled by the `testkit` feature, for backends' own tests:
//!
//! ```no_run
//! // tests/conformance.rs of a backend crate (here the in-memory store)
//! use std::sync::Arc;
//! use taskflow_core::{MemoryStore, Store};
//!
//! async fn fresh_store() -> Arc<dyn Store> {
//!     Arc::new(MemoryStore::new())
//! }
//!
//! taskflow_core::conformance_suite!(fresh_store);
//! # fn main() {}
//! ```
//!
//! The macro stamps out one `#[test]` per check plus the model-based run, each on a fresh store
//! from the factory, on a multi-threaded runtime so the races are real. A factory may also return
//! `Option<Arc<dyn Store>>`: `None` skips (a server-backed store with no server configured; the
//! factory says so loudly, or fails under `CI=true`).
//!
//! Checks are plain `async fn(Arc<dyn Store>)` in [`checks`], usable one by one, and they only
//! ever create fresh organizations, so they also pass on a store that holds other data.

pub mod checks;
mod fixtures;
pub mod model;
pub mod workload;

use std::future::Future;

pub use fixtures::Tenant;

/// Runs a future to completion on a fresh multi-threaded runtime (what the generated tests use,
/// so the backend crate needs no runtime of its own in its dev-dependencies).
pub fn block_on<F: Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .enable_all()
        .build()
        .expect("a tokio runtime for the conformance suite")
        .block_on(future)
}

/// Stamps out the whole conformance suite for a backend.
///
/// The argument is a path to an `async fn` (or any `Fn() -> impl Future`) returning
/// `Arc<dyn Store>` or `Option<Arc<dyn Store>>`, called once per test.
#[macro_export]
macro_rules! conformance_suite {
    ($factory:path) => {
        $crate::conformance_suite!(@checks $factory;
            users_are_global_and_unique,
            registration_creates_owner_and_first_event,
            members_and_roles,
            last_owner_is_kept,
            store_rechecks_the_current_role,
            projects_lifecycle,
            tasks_lifecycle,
            bulk_import_is_all_or_nothing,
            invalid_input_is_refused_and_writes_nothing,
            task_filters,
            pagination_is_stable_under_writes,
            changed_tasks_export,
            tenant_isolation,
            member_limit_race,
            project_limit_race,
            task_limit_race,
            archived_rows_free_their_slot,
            tier_downgrade_keeps_rows_and_blocks_new_ones,
            optimistic_concurrency,
            concurrent_updates_lose_nothing,
            event_completeness,
            seq_is_gapless_under_concurrency,
            feed_replays_then_goes_live,
            feed_resumes_from_any_seq,
            feed_reports_lag,
            organization_deletion
        );

        #[test]
        fn model_based() {
            $crate::testkit::model::run(|| async { ::std::option::Option::from($factory().await) });
        }
    };
    (@checks $factory:path; $($check:ident),* $(,)?) => {
        $(
            #[test]
            fn $check() {
                $crate::testkit::block_on(async {
                    let store: ::std::option::Option<::std::sync::Arc<dyn $crate::Store>> =
                        ::std::option::Option::from($factory().await);
                    if let ::std::option::Option::Some(store) = store {
                        $crate::testkit::checks::$check(store).await;
                    }
                });
            }
        )*
    };
}
