//! Metric windows: `[start, end)` in UTC, bucketed into local days of an organization's zone.

use chrono::{DateTime, Days, NaiveDate, SubsecRound, TimeZone, Utc};
use chrono_tz::Tz;

use crate::{Error, Result};

/// A half-open window of time, `[start, end)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    start: DateTime<Utc>,
    end: DateTime<Utc>,
}

impl Window {
    /// The window from `start` (included) to `end` (excluded); `start == end` is an empty window.
    ///
    /// Stored times are whole microseconds, so both bounds are rounded up to the next
    /// microsecond: an event at `t` is inside exactly when `start <= t < end` held for the
    /// bounds as given.
    pub fn new(start: DateTime<Utc>, end: DateTime<Utc>) -> Result<Self> {
        if end < start {
            return Err(Error::InvalidWindow(format!("end {end} is before start {start}")));
        }
        Ok(Self { start: ceil_micros(start), end: ceil_micros(end) })
    }

    /// The local days `first`, `first + 1`, ... `first + days - 1` in `tz`: from the local
    /// midnight that starts `first` to the one that ends the last day (23 or 25 hours long
    /// around a daylight-saving change).
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use taskflow_analytics::Window;
    /// let first = NaiveDate::from_ymd_opt(2026, 3, 28).unwrap();
    /// let w = Window::local_days(chrono_tz::Europe::Paris, first, 3);
    /// assert_eq!(w.days(chrono_tz::Europe::Paris).len(), 3);
    /// // 28 March 00:00 CET to 31 March 00:00 CEST: 71 hours, the 29th has 23.
    /// assert_eq!((w.end() - w.start()).num_hours(), 71);
    /// ```
    pub fn local_days(tz: Tz, first: NaiveDate, days: u32) -> Self {
        let start = local_midnight(tz, first);
        let end = local_midnight(tz, first + Days::new(u64::from(days)));
        Self { start, end }
    }

    /// Where the window starts.
    pub fn start(&self) -> DateTime<Utc> {
        self.start
    }

    /// Where the window ends (excluded).
    pub fn end(&self) -> DateTime<Utc> {
        self.end
    }

    /// True when it holds no instant.
    pub fn is_empty(&self) -> bool {
        self.start == self.end
    }

    /// Every local day of `tz` that the window touches, in order (none for an empty window).
    pub fn days(&self, tz: Tz) -> Vec<NaiveDate> {
        if self.is_empty() {
            return Vec::new();
        }
        let first = self.start.with_timezone(&tz).date_naive();
        let last = (self.end - chrono::Duration::microseconds(1)).with_timezone(&tz).date_naive();
        first.iter_days().take_while(|d| *d <= last).collect()
    }

    /// The local date of the window's end (overdue means due before it).
    pub fn end_date(&self, tz: Tz) -> NaiveDate {
        self.end.with_timezone(&tz).date_naive()
    }
}

/// The first whole microsecond at or after `at`.
fn ceil_micros(at: DateTime<Utc>) -> DateTime<Utc> {
    let truncated = at.trunc_subsecs(6);
    if truncated == at { at } else { truncated + chrono::Duration::microseconds(1) }
}

/// The first instant of a local date: its midnight, or — where a daylight-saving jump skips
/// midnight — the first instant that exists.
fn local_midnight(tz: Tz, date: NaiveDate) -> DateTime<Utc> {
    let midnight = date.and_hms_opt(0, 0, 0).expect("midnight is a time");
    (0..=180)
        .find_map(|minutes| {
            tz.from_local_datetime(&(midnight + chrono::Duration::minutes(minutes))).earliest()
        })
        .map_or_else(|| midnight.and_utc(), |at| at.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_of_a_window_in_local_time() {
        let tz = chrono_tz::America::New_York;
        let start = Utc.with_ymd_and_hms(2026, 1, 1, 3, 0, 0).unwrap(); // 31 Dec, 22:00 local
        let end = Utc.with_ymd_and_hms(2026, 1, 2, 5, 0, 0).unwrap(); // 2 Jan, 00:00 local
        let w = Window::new(start, end).unwrap();
        let day = |m, d| NaiveDate::from_ymd_opt(2025 + i32::from(m == 1), m, d).unwrap();
        assert_eq!(w.days(tz), vec![day(12, 31), day(1, 1)], "the end's midnight starts no day");
        assert_eq!(w.end_date(tz), day(1, 2));
        assert!(Window::new(end, start).is_err());
        assert!(Window::new(start, start).unwrap().days(tz).is_empty());
    }

    #[test]
    fn bounds_round_up_to_whole_microseconds() {
        let at = Utc.with_ymd_and_hms(2026, 1, 1, 12, 0, 0).unwrap();
        let w = Window::new(at, at + chrono::Duration::nanoseconds(1)).unwrap();
        assert_eq!((w.start(), w.end()), (at, at + chrono::Duration::microseconds(1)));
        assert!(!w.is_empty(), "an event at `at` is inside [at, at + 1 ns)");
    }

    #[test]
    fn a_skipped_midnight_starts_the_day_at_the_first_instant() {
        // Santiago skipped 00:00-01:00 on 2022-09-11.
        let tz = chrono_tz::America::Santiago;
        let day = NaiveDate::from_ymd_opt(2022, 9, 11).unwrap();
        let start = local_midnight(tz, day);
        assert_eq!(start.with_timezone(&tz).date_naive(), day);
        assert_eq!(start, Utc.with_ymd_and_hms(2022, 9, 11, 4, 0, 0).unwrap());
    }
}
