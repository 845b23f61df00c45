//! Input validation: every check names the field and the reason.
//!
//! Validators return the normalized value (trimmed text, deduplicated tags) so callers store
//! exactly what was checked.

use chrono::NaiveDate;
use chrono_tz::Tz;

use crate::{Error, Problem, Result};

/// Longest organization or project name, in characters.
pub const MAX_NAME_LEN: usize = 200;
/// Longest task title, in characters.
pub const MAX_TITLE_LEN: usize = 500;
/// Longest description, in characters.
pub const MAX_DESCRIPTION_LEN: usize = 20_000;
/// Most tags on one task.
pub const MAX_TAGS: usize = 20;
/// Longest tag, in characters.
pub const MAX_TAG_LEN: usize = 50;
/// Largest estimate, in hours (a year of full days).
pub const MAX_ESTIMATE_HOURS: f64 = 8_760.0;

/// A required, trimmed, bounded piece of text (names and titles).
pub fn required_text(field: &'static str, value: &str, max: usize) -> Result<String> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err(Error::invalid(field, Problem::Empty));
    }
    bounded(field, trimmed, max)
}

/// An optional description: trimmed, empty becomes `None`, at most [`MAX_DESCRIPTION_LEN`].
pub fn description(value: Option<&str>) -> Result<Option<String>> {
    match value.map(str::trim) {
        None | Some("") => Ok(None),
        Some(text) => bounded("description", text, MAX_DESCRIPTION_LEN).map(Some),
    }
}

fn bounded(field: &'static str, value: &str, max: usize) -> Result<String> {
    let len = value.chars().count();
    if len > max {
        return Err(Error::invalid(field, Problem::TooLong { max, len }));
    }
    Ok(value.to_owned())
}

/// Tags: each trimmed, non-empty, at most [`MAX_TAG_LEN`]; at most [`MAX_TAGS`]; duplicates
/// dropped, first occurrence kept.
pub fn tags<S: AsRef<str>>(values: &[S]) -> Result<Vec<String>> {
    let mut out: Vec<String> = Vec::with_capacity(values.len());
    for value in values {
        let tag = required_text("tags", value.as_ref(), MAX_TAG_LEN)?;
        if !out.contains(&tag) {
            out.push(tag);
        }
    }
    if out.len() > MAX_TAGS {
        return Err(Error::invalid("tags", Problem::TooMany { max: MAX_TAGS, len: out.len() }));
    }
    Ok(out)
}

/// A slug: 3 to 63 characters of `a-z`, `0-9` and `-`, starting and ending with a letter or digit.
///
/// ```
/// use taskflow_core::validation::slug;
/// assert_eq!(slug("acme-corp").unwrap(), "acme-corp");
/// assert!(slug("Acme Corp").is_err());
/// assert!(slug("-acme").is_err());
/// ```
pub fn slug(value: &str) -> Result<String> {
    const SHAPE: Problem = Problem::Malformed(
        "3 to 63 characters of a-z, 0-9 and '-', starting and ending with a letter or digit",
    );
    let ok_len = (3..=63).contains(&value.len());
    let ok_chars = value.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    let ok_ends = !value.starts_with('-') && !value.ends_with('-');
    if value.is_empty() {
        return Err(Error::invalid("slug", Problem::Empty));
    }
    if !(ok_len && ok_chars && ok_ends) {
        return Err(Error::invalid("slug", SHAPE));
    }
    Ok(value.to_owned())
}

/// An IANA time zone name such as `Europe/Paris`.
pub fn time_zone(value: &str) -> Result<Tz> {
    value.trim().parse::<Tz>().map_err(|_| Error::invalid("time_zone", Problem::UnknownTimeZone))
}

/// A due date written `YYYY-MM-DD`.
pub fn due_date(value: &str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(value.trim(), "%Y-%m-%d")
        .map_err(|_| Error::invalid("due_date", Problem::Malformed("a date written YYYY-MM-DD")))
}

/// An estimate in hours: finite, from 0 to [`MAX_ESTIMATE_HOURS`].
pub fn estimate_hours(value: f64) -> Result<f64> {
    if value.is_finite() && (0.0..=MAX_ESTIMATE_HOURS).contains(&value) {
        Ok(value)
    } else {
        Err(Error::invalid("estimate_hours", Problem::OutOfRange("a number of hours from 0 to 8760")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problem(r: Result<impl std::fmt::Debug>) -> (&'static str, Problem) {
        match r.unwrap_err() {
            Error::Invalid { field, problem } => (field, problem),
            other => panic!("expected Invalid, got {other:?}"),
        }
    }

    #[test]
    fn text_is_trimmed_and_bounded() {
        assert_eq!(required_text("title", "  fix it ", MAX_TITLE_LEN).unwrap(), "fix it");
        assert_eq!(problem(required_text("title", " \t\n", MAX_TITLE_LEN)), ("title", Problem::Empty));
        let long = "é".repeat(501);
        assert_eq!(
            problem(required_text("title", &long, MAX_TITLE_LEN)),
            ("title", Problem::TooLong { max: 500, len: 501 })
        );
        assert!(required_text("title", &"é".repeat(500), MAX_TITLE_LEN).is_ok());
    }

    #[test]
    fn description_is_optional_and_bounded() {
        assert_eq!(description(Some("   ")).unwrap(), None);
        assert_eq!(description(None).unwrap(), None);
        assert!(description(Some(&"x".repeat(20_000))).is_ok());
        assert_eq!(problem(description(Some(&"x".repeat(20_001)))).0, "description");
    }

    #[test]
    fn tags_are_bounded_and_deduplicated() {
        assert_eq!(tags(&["a", " b ", "a"]).unwrap(), vec!["a", "b"]);
        let many: Vec<String> = (0..21).map(|i| format!("t{i}")).collect();
        assert_eq!(problem(tags(&many)), ("tags", Problem::TooMany { max: 20, len: 21 }));
        assert_eq!(problem(tags(&["x".repeat(51)])), ("tags", Problem::TooLong { max: 50, len: 51 }));
        assert_eq!(problem(tags(&[""])), ("tags", Problem::Empty));
    }

    #[test]
    fn slugs_time_zones_dates_and_estimates() {
        for bad in ["ab", "a_b", "ACME", "acme-", "-acme", &"a".repeat(64)] {
            assert_eq!(problem(slug(bad)).0, "slug", "{bad}");
        }
        assert_eq!(problem(slug("")), ("slug", Problem::Empty));
        assert_eq!(time_zone("Europe/Paris").unwrap(), chrono_tz::Europe::Paris);
        assert_eq!(problem(time_zone("Mars/Olympus")), ("time_zone", Problem::UnknownTimeZone));
        assert_eq!(due_date("2026-02-28").unwrap(), NaiveDate::from_ymd_opt(2026, 2, 28).unwrap());
        for bad in ["2026-02-30", "28/02/2026", "tomorrow", ""] {
            assert_eq!(problem(due_date(bad)).0, "due_date", "{bad}");
        }
        assert!(estimate_hours(0.0).is_ok());
        for bad in [-1.0, f64::NAN, f64::INFINITY, 9_000.0] {
            assert_eq!(problem(estimate_hours(bad)).0, "estimate_hours", "{bad}");
        }
    }
}
