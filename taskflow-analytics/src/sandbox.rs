//! The sandbox every session runs in: read-only SQL, bounded memory, bounded time, no files.
//!
//! Walls, from the outside in:
//! 1. Only queries run: the statement is parsed first and anything but a query (`SELECT`,
//!    `WITH`, `VALUES`) is refused before planning — DDL, DML, `COPY`, `SET`, `EXPLAIN`...
//!    Then the plan is checked again with `SQLOptions` (no DDL, DML or statements), which walks
//!    subqueries too.
//! 2. URL tables are never enabled, so `SELECT * FROM '/etc/passwd'` names an unknown table;
//!    there are no table factories (no `CREATE EXTERNAL TABLE` format), and the object-store
//!    registry refuses every URL, `file://` included.
//! 3. Memory comes from a bounded pool with spilling to disk disabled: a query that needs more
//!    stops with [`Error::MemoryLimit`](crate::Error::MemoryLimit) instead of growing the process.
//! 4. Every query runs under a timeout; on expiry its stream is dropped, which cancels it.
//!    Recursive CTEs are disabled, so a query cannot recurse forever.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use datafusion::arrow::record_batch::RecordBatch;
use datafusion::error::DataFusionError;
use datafusion::execution::disk_manager::{DiskManagerBuilder, DiskManagerMode};
use datafusion::execution::object_store::ObjectStoreRegistry;
use datafusion::execution::runtime_env::RuntimeEnvBuilder;
use datafusion::execution::session_state::SessionStateBuilder;
use datafusion::prelude::{SQLOptions, SessionConfig, SessionContext};
use datafusion::sql::parser::Statement as DfStatement;
use datafusion::sql::sqlparser::ast::Statement as SqlStatement;

use crate::{Error, Result};

/// The limits of a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionLimits {
    /// Memory a query may use for its operators (joins, sorts, aggregations), in bytes.
    pub memory_bytes: usize,
    /// How long a query may run.
    pub time: Duration,
    /// Most rows a user query may return.
    pub max_rows: usize,
    /// Parallelism of one query (small tenants are fastest with 1 or 2).
    pub target_partitions: usize,
}

impl Default for SessionLimits {
    /// 512 MiB, 30 s, 100,000 rows, 2 partitions.
    fn default() -> Self {
        Self {
            memory_bytes: 512 * 1024 * 1024,
            time: Duration::from_secs(30),
            max_rows: 100_000,
            target_partitions: 2,
        }
    }
}

/// An object-store registry that has no store for any URL: no query can reach a file or a
/// remote object, whatever it names.
#[derive(Debug)]
struct NoObjectStores;

impl ObjectStoreRegistry for NoObjectStores {
    fn register_store(
        &self,
        _url: &url::Url,
        _store: Arc<dyn datafusion::object_store::ObjectStore>,
    ) -> Option<Arc<dyn datafusion::object_store::ObjectStore>> {
        None
    }

    fn get_store(
        &self,
        url: &url::Url,
    ) -> datafusion::error::Result<Arc<dyn datafusion::object_store::ObjectStore>> {
        Err(DataFusionError::Plan(format!("no object store is available to analytics sessions ({url})")))
    }
}

/// A fresh, empty, sandboxed context.
pub(crate) fn context(limits: &SessionLimits) -> Result<SessionContext> {
    let runtime = RuntimeEnvBuilder::new()
        .with_memory_limit(limits.memory_bytes, 1.0)
        .with_disk_manager_builder(DiskManagerBuilder::default().with_mode(DiskManagerMode::Disabled))
        .with_object_store_registry(Arc::new(NoObjectStores))
        .build_arc()?;
    let mut config = SessionConfig::new()
        .with_information_schema(true)
        .with_target_partitions(limits.target_partitions.max(1))
        .with_batch_size(8192);
    config.options_mut().execution.enable_recursive_ctes = false;
    let state = SessionStateBuilder::new()
        .with_config(config)
        .with_runtime_env(runtime)
        .with_default_features()
        .with_table_factories(HashMap::new())
        .build();
    let ctx = SessionContext::new_with_state(state);
    ctx.register_udf(crate::udf::local_day());
    Ok(ctx)
}

/// Who wrote the SQL: users are capped in rows, the library's own metric queries are not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Caller {
    User,
    Library,
}

/// Plans, checks and runs one read-only statement within the limits.
pub(crate) async fn run(
    ctx: &SessionContext,
    limits: &SessionLimits,
    sql: &str,
    caller: Caller,
) -> Result<Vec<RecordBatch>> {
    let options = SQLOptions::new().with_allow_ddl(false).with_allow_dml(false).with_allow_statements(false);
    let work = async {
        let state = ctx.state();
        let dialect = state.config().options().sql_parser.dialect;
        let statement = state.sql_to_statement(sql, &dialect).map_err(|e| classify(e, limits))?;
        if !matches!(&statement, DfStatement::Statement(s) if matches!(**s, SqlStatement::Query(_))) {
            let verb = sql.split_whitespace().next().unwrap_or_default().to_uppercase();
            return Err(Error::Refused(format!("only queries may run, not {verb}")));
        }
        let plan = state.statement_to_plan(statement).await.map_err(|e| classify(e, limits))?;
        options.verify_plan(&plan).map_err(|e| Error::Refused(e.strip_backtrace()))?;
        let mut frame = ctx.execute_logical_plan(plan).await.map_err(|e| classify(e, limits))?;
        if caller == Caller::User {
            frame = frame.limit(0, Some(limits.max_rows + 1)).map_err(|e| classify(e, limits))?;
        }
        frame.collect().await.map_err(|e| classify(e, limits))
    };
    let batches =
        tokio::time::timeout(limits.time, work).await.map_err(|_| Error::Timeout(limits.time))??;
    if caller == Caller::User && batches.iter().map(RecordBatch::num_rows).sum::<usize>() > limits.max_rows {
        return Err(Error::TooManyRows { max_rows: limits.max_rows });
    }
    Ok(batches)
}

/// Sorts DataFusion's errors by kind: an exhausted memory pool is the session's limit.
fn classify(e: DataFusionError, limits: &SessionLimits) -> Error {
    if matches!(e.find_root(), DataFusionError::ResourcesExhausted(_)) {
        Error::MemoryLimit { limit_bytes: limits.memory_bytes }
    } else {
        Error::Query(e)
    }
}
