//! The metrics of the design, computed by SQL over the event history.
//!
//! | metric | definition |
//! |---|---|
//! | created | `task_created` events in the window |
//! | completed / cancelled | status changes to `done` / `cancelled` in the window (a task completed twice counts twice) |
//! | completion_rate_pct | 100 × completed / created; `None` when created = 0 |
//! | lead_time_hours | per completion in the window: its time − the task's `created_at`; mean, p50, p90 |
//! | cycle_time_hours | per completion: its time − the task's first entry into `in_progress` before it; completions never started are left out |
//! | throughput_daily | completions per local day, every day of the window (zeros included) |
//! | wip_daily | tasks in `in_progress`, `in_review` or `blocked` at the end of each local day |
//! | overdue | at the window's end: tasks not archived, not `done` or `cancelled`, due before the end's local date |
//! | per assignee | completions credited to the assignee at that moment, their mean lead time, open tasks (not `done`/`cancelled`, not deleted) assigned to them at the end, productivity_pct = 100 × completed / (completed + open) |
//! | status_daily | tasks in each status at the end of each local day; a deleted task leaves at its deletion, an archived one stays in its status |
//!
//! Window `[start, end)`; days are the organization's local days (the last day's "end" is the
//! window's end when the window stops mid-day). Percentiles are exact with linear
//! interpolation, as PostgreSQL's `percentile_cont`; means arithmetic; hours fractional.

mod read;
mod sql;

use chrono::NaiveDate;
use chrono_tz::Tz;
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::prelude::SessionContext;
use taskflow_core::{OrgId, UserId};

use crate::sandbox::{Caller, SessionLimits, run};
use crate::{Result, Window};

/// Count, mean and exact percentiles of a set of durations, in hours.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Distribution {
    /// How many values.
    pub count: u64,
    /// Arithmetic mean; `None` when there are none.
    pub mean: Option<f64>,
    /// Median (exact, interpolated).
    pub p50: Option<f64>,
    /// 90th percentile (exact, interpolated).
    pub p90: Option<f64>,
}

/// A count for one local day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DailyCount {
    /// The local day.
    pub day: NaiveDate,
    /// The count.
    pub count: u64,
}

/// Tasks per status at the end of one local day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[allow(missing_docs)] // One field per status, named after it.
pub struct StatusCounts {
    pub day: NaiveDate,
    pub todo: u64,
    pub in_progress: u64,
    pub in_review: u64,
    pub blocked: u64,
    pub done: u64,
    pub cancelled: u64,
}

/// One assignee's numbers for a window.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AssigneeMetrics {
    /// The assignee.
    pub assignee_id: UserId,
    /// Completions credited to them (assigned at the moment of completion).
    pub completed: u64,
    /// Mean lead time of those completions, in hours.
    pub mean_lead_time_hours: Option<f64>,
    /// Tasks not `done`/`cancelled` (and not deleted) assigned to them at the window's end.
    pub open_tasks: u64,
    /// 100 × completed / (completed + open); `None` when both are 0.
    pub productivity_pct: Option<f64>,
}

/// Every metric of a window.
#[derive(Debug, Clone, PartialEq)]
pub struct Metrics {
    /// The window.
    pub window: Window,
    /// The zone whose local days bucket the daily metrics.
    pub time_zone: Tz,
    /// Tasks created.
    pub created: u64,
    /// Completions.
    pub completed: u64,
    /// Cancellations.
    pub cancelled: u64,
    /// 100 × completed / created.
    pub completion_rate_pct: Option<f64>,
    /// Creation to completion.
    pub lead_time_hours: Distribution,
    /// First start to completion.
    pub cycle_time_hours: Distribution,
    /// Completions per local day.
    pub throughput_daily: Vec<DailyCount>,
    /// Work in progress at the end of each local day.
    pub wip_daily: Vec<DailyCount>,
    /// Overdue tasks at the window's end.
    pub overdue: u64,
    /// Per assignee, by assignee id.
    pub per_assignee: Vec<AssigneeMetrics>,
    /// Status counts at the end of each local day.
    pub status_daily: Vec<StatusCounts>,
}

/// The same metrics as record batches, straight from the SQL.
#[derive(Debug, Clone)]
pub struct MetricBatches {
    /// One row: created, completed, cancelled, completion_rate_pct, lead_count, lead_mean,
    /// lead_p50, lead_p90, cycle_count, cycle_mean, cycle_p50, cycle_p90, overdue.
    pub summary: Vec<RecordBatch>,
    /// day, completed.
    pub throughput_daily: Vec<RecordBatch>,
    /// day, todo, in_progress, in_review, blocked, done, cancelled, wip.
    pub status_daily: Vec<RecordBatch>,
    /// assignee_id, completed, mean_lead_time_hours, open_tasks, productivity_pct.
    pub per_assignee: Vec<RecordBatch>,
}

/// Runs the metric SQL for `org` over the tables registered in `ctx`.
pub(crate) async fn batches(
    ctx: &SessionContext,
    limits: &SessionLimits,
    org: OrgId,
    tz: Tz,
    window: &Window,
) -> Result<MetricBatches> {
    let days = window.days(tz);
    let (first, last) = match (days.first(), days.last()) {
        (Some(first), Some(last)) => (*first, *last),
        _ => (window.end_date(tz), window.end_date(tz)),
    };
    let params = sql::Params::new(org, tz, window, first, last);
    let query = |sql: String| async move { run(ctx, limits, &sql, Caller::Library).await };
    let summary = query(params.summary()).await?;
    let (throughput_daily, status_daily) = if days.is_empty() {
        (Vec::new(), Vec::new())
    } else {
        (query(params.throughput_daily()).await?, query(params.status_daily()).await?)
    };
    let per_assignee = query(params.per_assignee()).await?;
    Ok(MetricBatches { summary, throughput_daily, status_daily, per_assignee })
}

/// Runs the metric SQL and reads the batches into [`Metrics`].
pub(crate) async fn compute(
    ctx: &SessionContext,
    limits: &SessionLimits,
    org: OrgId,
    tz: Tz,
    window: &Window,
) -> Result<Metrics> {
    let b = batches(ctx, limits, org, tz, window).await?;
    let summary = read::summary(&b.summary)?;
    let status_daily = read::status_daily(&b.status_daily)?;
    Ok(Metrics {
        window: *window,
        time_zone: tz,
        created: summary.created,
        completed: summary.completed,
        cancelled: summary.cancelled,
        completion_rate_pct: summary.completion_rate_pct,
        lead_time_hours: summary.lead,
        cycle_time_hours: summary.cycle,
        throughput_daily: read::daily(&b.throughput_daily)?,
        wip_daily: status_daily
            .iter()
            .map(|s| DailyCount { day: s.day, count: s.in_progress + s.in_review + s.blocked })
            .collect(),
        overdue: summary.overdue,
        per_assignee: read::per_assignee(&b.per_assignee)?,
        status_daily,
    })
}
