//! Time and id sources.
//!
//! All time comes from a [`Clock`] and all ids from an [`IdSource`], both injected into the
//! [`TaskFlow`](crate::TaskFlow) handle, so tests and the workload generator replay months of
//! history deterministically: the same seed and the same clock give the same ids and timestamps.

use std::fmt;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use chrono::{DateTime, Duration, SubsecRound, Utc};
use uuid::{ContextV7, Timestamp, Uuid};

/// A source of the current time.
pub trait Clock: Send + Sync + fmt::Debug {
    /// The current instant, truncated to microseconds (what every backend stores).
    fn now(&self) -> DateTime<Utc>;
}

/// The system's wall clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now().trunc_subsecs(6)
    }
}

/// A clock that only moves when told to: for tests and replayed workloads.
///
/// ```
/// use chrono::{Duration, TimeZone, Utc};
/// use taskflow_core::{Clock, ManualClock};
///
/// let clock = ManualClock::new(Utc.with_ymd_and_hms(2026, 1, 1, 9, 0, 0).unwrap());
/// clock.advance(Duration::hours(2));
/// assert_eq!(clock.now(), Utc.with_ymd_and_hms(2026, 1, 1, 11, 0, 0).unwrap());
/// ```
#[derive(Debug)]
pub struct ManualClock {
    now: Mutex<DateTime<Utc>>,
}

impl ManualClock {
    /// A clock standing at `start` (truncated to microseconds).
    pub fn new(start: DateTime<Utc>) -> Self {
        Self { now: Mutex::new(start.trunc_subsecs(6)) }
    }

    /// Moves the clock forward (or backward, for a negative duration).
    pub fn advance(&self, by: Duration) {
        let mut now = self.now.lock().unwrap_or_else(|e| e.into_inner());
        *now = (*now + by).trunc_subsecs(6);
    }

    /// Puts the clock at `at`.
    pub fn set(&self, at: DateTime<Utc>) {
        *self.now.lock().unwrap_or_else(|e| e.into_inner()) = at.trunc_subsecs(6);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self.now.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A source of new record ids.
pub trait IdSource: Send + Sync + fmt::Debug {
    /// A new UUID v7 whose timestamp is `at`.
    fn next_id(&self, at: DateTime<Utc>) -> Uuid;
}

/// UUID v7 with random bits and a per-process monotonic counter (the default).
#[derive(Debug, Default)]
pub struct RandomIds {
    // ContextV7 keeps its counter in a `Cell`; the mutex makes it shareable across threads.
    context: Mutex<ContextV7>,
}

impl IdSource for RandomIds {
    fn next_id(&self, at: DateTime<Utc>) -> Uuid {
        let secs = u64::try_from(at.timestamp()).unwrap_or(0);
        let context = self.context.lock().unwrap_or_else(|e| e.into_inner());
        Uuid::new_v7(Timestamp::from_unix(&*context, secs, at.timestamp_subsec_nanos()))
    }
}

/// Deterministic UUID v7: the timestamp comes from the clock and the remaining bits from a
/// seeded counter, so a replay with the same seed produces the same ids in the same order.
#[derive(Debug)]
pub struct SeededIds {
    counter: AtomicU64,
}

impl SeededIds {
    /// A source whose sequence is fixed by `seed`.
    pub fn new(seed: u64) -> Self {
        Self { counter: AtomicU64::new(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15)) }
    }
}

impl IdSource for SeededIds {
    fn next_id(&self, at: DateTime<Utc>) -> Uuid {
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        let mut random = [0u8; 10];
        // The counter leads, so ids minted in the same millisecond still sort in mint order.
        random[..8].copy_from_slice(&n.to_be_bytes());
        random[8..].copy_from_slice(&splitmix(n).to_be_bytes()[..2]);
        let millis = u64::try_from(at.timestamp_millis()).unwrap_or(0);
        uuid::Builder::from_unix_timestamp_millis(millis, &random).into_uuid()
    }
}

fn splitmix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn seeded_ids_repeat_for_the_same_seed_and_sort_in_mint_order() {
        let at = Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).unwrap();
        let a = SeededIds::new(7);
        let b = SeededIds::new(7);
        let first: Vec<_> = (0..5).map(|_| a.next_id(at)).collect();
        let second: Vec<_> = (0..5).map(|_| b.next_id(at)).collect();
        assert_eq!(first, second);
        assert!(first.windows(2).all(|w| w[0] < w[1]));
        assert!(first.iter().all(|id| id.get_version_num() == 7));
        assert_ne!(SeededIds::new(8).next_id(at), first[0]);
    }

    #[test]
    fn random_ids_are_v7_and_increase() {
        let ids = RandomIds::default();
        let at = SystemClock.now();
        let (x, y) = (ids.next_id(at), ids.next_id(at));
        assert_eq!(x.get_version_num(), 7);
        assert!(x < y);
    }
}
