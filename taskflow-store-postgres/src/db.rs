//! Transactions scoped to one tenant, and the bounded retry around them.
//!
//! Every transaction the store runs starts with `SET LOCAL taskflow.org_id = '<uuid>'`, sent in
//! the same round trip as its `BEGIN`. `SET` takes no bind parameter, so the value is written as
//! a literal; it is the `Display` of a parsed [`OrgId`] (hex digits and dashes), so it cannot
//! carry a quote. `SET LOCAL` rather than `set_config()`: Citus forwards `SET LOCAL` to its
//! workers (with `citus.propagate_set_commands = 'local'`) but not `set_config()`. And `LOCAL`,
//! so the setting ends with the transaction and never leaks to the next borrower of a pooled
//! connection.

use std::future::Future;
use std::time::Duration;

use sqlx::{PgPool, Postgres, Transaction};
use taskflow_core::{OrgId, Result};

use crate::error::{PgError, SqlResult, is_retryable};

/// Attempts of one operation before its error is returned.
const ATTEMPTS: u32 = 5;

/// A transaction whose row-level security context is one organization.
pub(crate) type Tx = Transaction<'static, Postgres>;

/// The pool, with tenant-scoped transactions.
#[derive(Debug, Clone)]
pub(crate) struct Db {
    pub(crate) pool: PgPool,
}

impl Db {
    /// Begins a transaction scoped to `org`.
    pub(crate) async fn begin(&self, org: OrgId) -> Result<Tx> {
        self.pool.begin_with(format!("BEGIN; {}", set_tenant(org))).await.db()
    }

    /// Begins a transaction with no tenant: only the global tables are visible.
    pub(crate) async fn begin_global(&self) -> Result<Tx> {
        self.pool.begin().await.db()
    }

    /// Runs `op` (which opens and commits its own transaction) until it succeeds, fails for a
    /// reason that running it again cannot change, or has been tried [`ATTEMPTS`] times.
    /// Only failures after which nothing was committed are retried (see [`PgError`]).
    pub(crate) async fn retry<T, F, Fut>(&self, mut op: F) -> Result<T>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        let mut attempt = 1;
        loop {
            match op().await {
                Err(e) if attempt < ATTEMPTS && is_retryable(&e) => {
                    // A short, growing pause: a deadlock victim or a killed connection
                    // usually succeeds on the next try.
                    tokio::time::sleep(Duration::from_millis(5 * u64::from(attempt * attempt))).await;
                    attempt += 1;
                }
                result => return result,
            }
        }
    }
}

/// The statement that scopes the current transaction to `org`.
pub(crate) fn set_tenant(org: OrgId) -> String {
    // `OrgId`'s Display is the hyphenated UUID: [0-9a-f-] only, safe inside quotes.
    format!("SET LOCAL taskflow.org_id = '{org}'")
}

/// Commits, telling a broken connection during the commit (outcome unknown, never retried)
/// apart from a serialization failure at commit (rolled back, retried).
pub(crate) async fn commit(tx: Tx) -> Result<()> {
    tx.commit().await.map_err(|e| PgError::CommitOutcomeUnknown(e).into())
}

/// Runs a read in a transaction scoped to an organization, retried like every operation:
/// `tenant!(shared, org, |c| read::task(c, org, id))`, where `shared` has a `db: Db` field
/// and the closure's captures are `Copy` (ids, references).
macro_rules! tenant {
    ($shared:expr, $org:expr, |$c:ident| $read:expr) => {{
        let db = &$shared.db;
        let org = $org;
        db.retry(move || async move {
            let mut tx = db.begin(org).await?;
            let $c: &mut sqlx::PgConnection = &mut tx;
            let found = $read.await?;
            // Read-only: a failed commit changes nothing and is retried like any read.
            crate::error::SqlResult::db(tx.commit().await)?;
            Ok(found)
        })
        .await
    }};
}

pub(crate) use tenant;
