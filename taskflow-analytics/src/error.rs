//! Errors of the analytics layer.

use std::time::Duration;

/// A specialized `Result` for analytics.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What can go wrong when exporting, querying or computing metrics.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Reading from the store failed (including `NotFound` for an unknown organization).
    #[error(transparent)]
    Store(#[from] taskflow_core::Error),
    /// The statement is not allowed in a tenant session: sessions are read-only (no DDL, DML,
    /// `COPY`, `SET` or other statements).
    #[error("statement refused: tenant sessions are read-only ({0})")]
    Refused(String),
    /// The query needed more memory than the session's limit.
    #[error("query stopped: it needs more than the session's memory limit of {limit_bytes} bytes")]
    MemoryLimit {
        /// The session's limit.
        limit_bytes: usize,
    },
    /// The query ran longer than the session's time limit; it was cancelled.
    #[error("query stopped: it ran longer than the session's time limit of {0:?}")]
    Timeout(Duration),
    /// The result has more rows than the session returns.
    #[error("query result has more than {max_rows} rows; add a LIMIT or aggregate")]
    TooManyRows {
        /// The session's row cap.
        max_rows: usize,
    },
    /// The window is malformed (end before start).
    #[error("invalid window: {0}")]
    InvalidWindow(String),
    /// DataFusion refused or failed the query (a syntax error, an unknown table or column...).
    #[error("query failed")]
    Query(#[source] datafusion::error::DataFusionError),
    /// Building Arrow data failed (a bug: the schemas are fixed).
    #[error("building Arrow data failed")]
    Arrow(#[from] datafusion::arrow::error::ArrowError),
}

impl From<datafusion::error::DataFusionError> for Error {
    fn from(e: datafusion::error::DataFusionError) -> Self {
        Self::Query(e)
    }
}
