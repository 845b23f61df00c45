//! `local_day(micros, zone)`: the local date of an instant in an IANA zone.
//!
//! Daily metrics bucket by the organization's local days; chrono-tz knows every zone's
//! daylight-saving rules, so the SQL stays plain and the calendar stays right.

use std::sync::Arc;

use chrono::DateTime;
use chrono_tz::Tz;
use datafusion::arrow::array::{Array, AsArray, Date32Builder};
use datafusion::arrow::datatypes::{DataType, Int64Type};
use datafusion::common::ScalarValue;
use datafusion::error::DataFusionError;
use datafusion::logical_expr::{ColumnarValue, ScalarUDF, Volatility, create_udf};

use crate::export::date32;

/// The `local_day(BIGINT micros since the epoch, VARCHAR zone) -> DATE` function.
pub(crate) fn local_day() -> ScalarUDF {
    create_udf(
        "local_day",
        vec![DataType::Int64, DataType::Utf8],
        DataType::Date32,
        Volatility::Immutable,
        Arc::new(|args: &[ColumnarValue]| {
            let zone = match &args[1] {
                ColumnarValue::Scalar(ScalarValue::Utf8(Some(zone))) => zone
                    .parse::<Tz>()
                    .map_err(|_| DataFusionError::Plan(format!("local_day: unknown time zone {zone:?}")))?,
                _ => {
                    return Err(DataFusionError::Plan(
                        "local_day: the zone must be a constant string".into(),
                    ));
                }
            };
            let day = |micros: i64| {
                DateTime::from_timestamp_micros(micros).map(|at| date32(at.with_timezone(&zone).date_naive()))
            };
            match &args[0] {
                ColumnarValue::Scalar(ScalarValue::Int64(m)) => {
                    Ok(ColumnarValue::Scalar(ScalarValue::Date32(m.and_then(day))))
                }
                ColumnarValue::Array(array) => {
                    let micros = array.as_primitive::<Int64Type>();
                    let mut out = Date32Builder::with_capacity(micros.len());
                    for i in 0..micros.len() {
                        out.append_option(if micros.is_null(i) { None } else { day(micros.value(i)) });
                    }
                    Ok(ColumnarValue::Array(Arc::new(out.finish())))
                }
                other => {
                    Err(DataFusionError::Plan(format!("local_day: expected BIGINT micros, got {other:?}")))
                }
            }
        }),
    )
}
