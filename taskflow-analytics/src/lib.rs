#![doc = include_str!("../README.md")]

mod error;
pub mod export;
pub mod metrics;
mod operator;
mod sandbox;
pub mod schema;
mod tables;
mod tenant;
mod udf;
mod window;

pub use error::{Error, Result};
pub use metrics::{AssigneeMetrics, DailyCount, Distribution, MetricBatches, Metrics, StatusCounts};
pub use operator::PrivilegedOperatorSession;
pub use sandbox::SessionLimits;
pub use tables::TenantTables;
pub use tenant::Analytics;
pub use window::Window;

/// The Arrow crate this library is built with (the one DataFusion uses): use it to read the
/// batches, so there is one arrow in your dependency tree.
pub use datafusion::arrow;
