//! Record batches of the metric SQL into typed structs.

use chrono::{Days, NaiveDate};
use datafusion::arrow::array::{Array, AsArray, RecordBatch};
use datafusion::arrow::datatypes::{Date32Type, Float64Type, Int64Type};
use datafusion::common::cast::as_string_array;
use taskflow_core::UserId;

use super::{AssigneeMetrics, DailyCount, Distribution, StatusCounts};
use crate::{Error, Result};

/// The summary row.
pub(crate) struct Summary {
    pub(crate) created: u64,
    pub(crate) completed: u64,
    pub(crate) cancelled: u64,
    pub(crate) completion_rate_pct: Option<f64>,
    pub(crate) lead: Distribution,
    pub(crate) cycle: Distribution,
    pub(crate) overdue: u64,
}

fn column<'a>(batch: &'a RecordBatch, name: &str) -> Result<&'a dyn Array> {
    batch.column_by_name(name).map(|c| c.as_ref()).ok_or_else(|| {
        Error::Query(datafusion::error::DataFusionError::Internal(format!("metric column {name} missing")))
    })
}

fn int(batch: &RecordBatch, name: &str, row: usize) -> Result<u64> {
    let array = column(batch, name)?.as_primitive_opt::<Int64Type>().ok_or_else(|| wrong_type(name))?;
    Ok(if array.is_null(row) { 0 } else { u64::try_from(array.value(row)).unwrap_or(0) })
}

fn float(batch: &RecordBatch, name: &str, row: usize) -> Result<Option<f64>> {
    let array = column(batch, name)?.as_primitive_opt::<Float64Type>().ok_or_else(|| wrong_type(name))?;
    Ok((!array.is_null(row)).then(|| array.value(row)))
}

fn day(batch: &RecordBatch, row: usize) -> Result<NaiveDate> {
    let array = column(batch, "day")?.as_primitive_opt::<Date32Type>().ok_or_else(|| wrong_type("day"))?;
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).expect("the epoch is a date");
    let days = u64::try_from(array.value(row)).map_err(|_| wrong_type("day"))?;
    Ok(epoch + Days::new(days))
}

fn wrong_type(name: &str) -> Error {
    Error::Query(datafusion::error::DataFusionError::Internal(format!(
        "metric column {name} has an unexpected type"
    )))
}

fn rows(batches: &[RecordBatch]) -> impl Iterator<Item = (&RecordBatch, usize)> {
    batches.iter().flat_map(|b| (0..b.num_rows()).map(move |row| (b, row)))
}

pub(crate) fn summary(batches: &[RecordBatch]) -> Result<Summary> {
    let (b, r) = rows(batches).next().ok_or_else(|| wrong_type("summary"))?;
    let distribution = |prefix: &str| -> Result<Distribution> {
        Ok(Distribution {
            count: int(b, &format!("{prefix}_count"), r)?,
            mean: float(b, &format!("{prefix}_mean"), r)?,
            p50: float(b, &format!("{prefix}_p50"), r)?,
            p90: float(b, &format!("{prefix}_p90"), r)?,
        })
    };
    Ok(Summary {
        created: int(b, "created", r)?,
        completed: int(b, "completed", r)?,
        cancelled: int(b, "cancelled", r)?,
        completion_rate_pct: float(b, "completion_rate_pct", r)?,
        lead: distribution("lead")?,
        cycle: distribution("cycle")?,
        overdue: int(b, "overdue", r)?,
    })
}

pub(crate) fn daily(batches: &[RecordBatch]) -> Result<Vec<DailyCount>> {
    rows(batches).map(|(b, r)| Ok(DailyCount { day: day(b, r)?, count: int(b, "completed", r)? })).collect()
}

pub(crate) fn status_daily(batches: &[RecordBatch]) -> Result<Vec<StatusCounts>> {
    rows(batches)
        .map(|(b, r)| {
            Ok(StatusCounts {
                day: day(b, r)?,
                todo: int(b, "todo", r)?,
                in_progress: int(b, "in_progress", r)?,
                in_review: int(b, "in_review", r)?,
                blocked: int(b, "blocked", r)?,
                done: int(b, "done", r)?,
                cancelled: int(b, "cancelled", r)?,
            })
        })
        .collect()
}

pub(crate) fn per_assignee(batches: &[RecordBatch]) -> Result<Vec<AssigneeMetrics>> {
    rows(batches)
        .map(|(b, r)| {
            let ids = as_string_array(column(b, "assignee_id")?)?;
            let assignee_id = ids.value(r).parse::<UserId>()?;
            Ok(AssigneeMetrics {
                assignee_id,
                completed: int(b, "completed", r)?,
                mean_lead_time_hours: float(b, "mean_lead_time_hours", r)?,
                open_tasks: int(b, "open_tasks", r)?,
                productivity_pct: float(b, "productivity_pct", r)?,
            })
        })
        .collect()
}
