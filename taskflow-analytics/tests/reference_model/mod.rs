//! The reference model: every field of [`Metrics`] computed by replaying an organization's event
//! log in plain Rust, straight from the definitions of `taskflow-analytics/README.md` ("Metrics")
//! and `DESIGN.md` ("Metric definitions"). It shares no code with the SQL of the crate: the
//! only things it takes from the library are the public types it fills in.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Days, Duration, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use taskflow_analytics::{AssigneeMetrics, DailyCount, Distribution, Metrics, StatusCounts, Window};
use taskflow_core::{Event, EventKind, Status, TaskId, UserId};

/// What the replay knows of a live (not deleted) task.
#[derive(Debug, Clone)]
struct TaskState {
    created_at: DateTime<Utc>,
    status: Status,
    assignee: Option<UserId>,
    archived: bool,
    due: Option<NaiveDate>,
    /// The first entry into `in_progress` so far (in seq order).
    first_started: Option<DateTime<Utc>>,
}

/// A completion, with what the task looked like just before it.
struct Completion {
    at: DateTime<Utc>,
    created_at: DateTime<Utc>,
    first_started: Option<DateTime<Utc>>,
    assignee: Option<UserId>,
}

/// The live tasks after some prefix of the log; a deleted task is gone.
#[derive(Default)]
struct Replay {
    tasks: HashMap<TaskId, TaskState>,
}

impl Replay {
    /// Applies one event; returns the completion it is, if it is one.
    fn apply(&mut self, e: &Event) -> Option<Completion> {
        let seq = e.seq;
        fn task<'a>(tasks: &'a mut HashMap<TaskId, TaskState>, id: &TaskId, seq: u64) -> &'a mut TaskState {
            tasks.get_mut(id).unwrap_or_else(|| panic!("seq {seq}: event of unknown task {id}"))
        }
        match &e.kind {
            EventKind::TaskCreated { task_id, assignee_id, due_date, .. } => {
                let fresh = TaskState {
                    created_at: e.at,
                    status: Status::Todo,
                    assignee: *assignee_id,
                    archived: false,
                    due: *due_date,
                    first_started: None,
                };
                assert!(self.tasks.insert(*task_id, fresh).is_none(), "seq {}: task created twice", e.seq);
            }
            EventKind::TaskUpdated { task_id, patch, .. } => {
                if let Some(due) = patch.due_date {
                    task(&mut self.tasks, task_id, seq).due = due;
                }
            }
            EventKind::TaskStatusChanged { task_id, to, .. } => {
                let t = task(&mut self.tasks, task_id, seq);
                let completion = (*to == Status::Done).then_some(Completion {
                    at: e.at,
                    created_at: t.created_at,
                    first_started: t.first_started,
                    assignee: t.assignee,
                });
                if *to == Status::InProgress && t.first_started.is_none() {
                    t.first_started = Some(e.at);
                }
                t.status = *to;
                return completion;
            }
            EventKind::TaskAssigned { task_id, to, .. } => task(&mut self.tasks, task_id, seq).assignee = *to,
            EventKind::TaskArchived { task_id, archived, .. } => {
                task(&mut self.tasks, task_id, seq).archived = *archived;
            }
            EventKind::TaskDeleted { task_id, .. } => {
                assert!(self.tasks.remove(task_id).is_some(), "seq {}: unknown task deleted", e.seq);
            }
            _ => {}
        }
        None
    }

    /// The live tasks as of every event with `at < cutoff`, applied in seq order.
    fn state_before(events: &[Event], cutoff: DateTime<Utc>) -> Replay {
        let mut replay = Replay::default();
        for e in events.iter().filter(|e| e.at < cutoff) {
            replay.apply(e);
        }
        replay
    }
}

/// Hours between two instants, fractional: microseconds / 3.6e9.
fn hours(from: DateTime<Utc>, to: DateTime<Utc>) -> f64 {
    (to - from).num_microseconds().expect("a duration in range") as f64 / 3.6e9
}

/// PostgreSQL's `percentile_cont` over sorted values.
fn percentile_cont(sorted: &[f64], p: f64) -> f64 {
    let position = p * (sorted.len() - 1) as f64;
    let lower = position.floor() as usize;
    let upper = position.ceil() as usize;
    sorted[lower] + (sorted[upper] - sorted[lower]) * (position - lower as f64)
}

fn mean(values: &[f64]) -> Option<f64> {
    (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
}

pub(crate) fn distribution(mut values: Vec<f64>) -> Distribution {
    if values.is_empty() {
        return Distribution::default();
    }
    values.sort_by(f64::total_cmp);
    Distribution {
        count: values.len() as u64,
        mean: mean(&values),
        p50: Some(percentile_cont(&values, 0.5)),
        p90: Some(percentile_cont(&values, 0.9)),
    }
}

fn pct(part: u64, whole: u64) -> Option<f64> {
    (whole != 0).then(|| 100.0 * part as f64 / whole as f64)
}

/// The first instant of a local date: its midnight, or the first existing instant after it
/// when a daylight-saving jump skips midnight (the earlier one when midnight is ambiguous).
pub(crate) fn local_midnight(tz: Tz, date: NaiveDate) -> DateTime<Utc> {
    let midnight = date.and_hms_opt(0, 0, 0).expect("midnight");
    (0..=24 * 60)
        .find_map(|m| tz.from_local_datetime(&(midnight + Duration::minutes(m))).earliest())
        .expect("some instant of the day exists")
        .with_timezone(&Utc)
}

pub(crate) fn local_date(tz: Tz, at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&tz).date_naive()
}

/// Every local day the window touches: from the start's local date to that of the last
/// instant before the end (none when the window is empty).
pub(crate) fn window_days(tz: Tz, start: DateTime<Utc>, end: DateTime<Utc>) -> Vec<NaiveDate> {
    if start >= end {
        return Vec::new();
    }
    let first = local_date(tz, start);
    let last = local_date(tz, end - Duration::microseconds(1));
    let mut days = Vec::new();
    let mut d = first;
    while d <= last {
        days.push(d);
        d = d + Days::new(1);
    }
    days
}

/// Every field of [`Metrics`] for `window`, from `events` (the whole log, in seq order).
pub(crate) fn metrics(events: &[Event], tz: Tz, window: Window) -> Metrics {
    assert!(events.windows(2).all(|w| w[0].seq < w[1].seq), "events in seq order");
    let (start, end) = (window.start(), window.end());
    let in_window = |at: DateTime<Utc>| start <= at && at < end;

    // One pass over the whole log: counts and completions, each seen with the task's state at
    // that moment.
    let mut replay = Replay::default();
    let (mut created, mut cancelled) = (0u64, 0u64);
    let mut leads = Vec::new();
    let mut cycles = Vec::new();
    let mut throughput: BTreeMap<NaiveDate, u64> = BTreeMap::new();
    let mut credited: BTreeMap<UserId, Vec<f64>> = BTreeMap::new();
    for e in events {
        if in_window(e.at) {
            match &e.kind {
                EventKind::TaskCreated { .. } => created += 1,
                EventKind::TaskStatusChanged { to: Status::Cancelled, .. } => cancelled += 1,
                _ => {}
            }
        }
        if let Some(c) = replay.apply(e)
            && in_window(c.at)
        {
            let lead = hours(c.created_at, c.at);
            leads.push(lead);
            if let Some(started) = c.first_started {
                cycles.push(hours(started, c.at));
            }
            *throughput.entry(local_date(tz, c.at)).or_default() += 1;
            if let Some(assignee) = c.assignee {
                credited.entry(assignee).or_default().push(lead);
            }
        }
    }
    let completed = leads.len() as u64;

    // State at the window's end.
    let at_end = Replay::state_before(events, end);
    let end_date = local_date(tz, end);
    let overdue = at_end
        .tasks
        .values()
        .filter(|t| !t.archived && !t.status.is_closed() && t.due.is_some_and(|d| d < end_date))
        .count() as u64;
    let mut open: BTreeMap<UserId, u64> = BTreeMap::new();
    for t in at_end.tasks.values().filter(|t| !t.status.is_closed()) {
        if let Some(a) = t.assignee {
            *open.entry(a).or_default() += 1;
        }
    }
    let mut per_assignee: Vec<AssigneeMetrics> = credited
        .keys()
        .chain(open.keys())
        .copied()
        .collect::<std::collections::BTreeSet<UserId>>()
        .into_iter()
        .map(|assignee_id| {
            let leads = credited.get(&assignee_id).map(Vec::as_slice).unwrap_or_default();
            let completed = leads.len() as u64;
            let open_tasks = open.get(&assignee_id).copied().unwrap_or(0);
            AssigneeMetrics {
                assignee_id,
                completed,
                mean_lead_time_hours: mean(leads),
                open_tasks,
                productivity_pct: pct(completed, completed + open_tasks),
            }
        })
        .collect();
    per_assignee.sort_by_key(|a| a.assignee_id.to_string());

    // Daily series: each day's state at min(next local midnight, window end).
    let days = window_days(tz, start, end);
    let throughput_daily =
        days.iter().map(|d| DailyCount { day: *d, count: throughput.get(d).copied().unwrap_or(0) }).collect();
    let status_daily: Vec<StatusCounts> = days
        .iter()
        .map(|d| {
            let cutoff = local_midnight(tz, *d + Days::new(1)).min(end);
            let mut s = StatusCounts { day: *d, ..StatusCounts::default() };
            for t in Replay::state_before(events, cutoff).tasks.values() {
                match t.status {
                    Status::Todo => s.todo += 1,
                    Status::InProgress => s.in_progress += 1,
                    Status::InReview => s.in_review += 1,
                    Status::Blocked => s.blocked += 1,
                    Status::Done => s.done += 1,
                    Status::Cancelled => s.cancelled += 1,
                }
            }
            s
        })
        .collect();
    let wip_daily = status_daily
        .iter()
        .map(|s| DailyCount { day: s.day, count: s.in_progress + s.in_review + s.blocked })
        .collect();

    Metrics {
        window,
        time_zone: tz,
        created,
        completed,
        cancelled,
        completion_rate_pct: pct(completed, created),
        lead_time_hours: distribution(leads),
        cycle_time_hours: distribution(cycles),
        throughput_daily,
        wip_daily,
        overdue,
        per_assignee,
        status_daily,
    }
}

/// Floats agree within 1e-9 absolute or 1e-9 relative.
fn close(a: f64, b: f64) -> bool {
    let diff = (a - b).abs();
    diff <= 1e-9 || diff <= 1e-9 * a.abs().max(b.abs())
}

fn close_opt(a: Option<f64>, b: Option<f64>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => close(a, b),
        (None, None) => true,
        _ => false,
    }
}

/// Every difference between the reference (`want`) and the library (`got`), one line each:
/// integers exactly, floats within tolerance, `None` only against `None`.
pub(crate) fn differences(want: &Metrics, got: &Metrics) -> Vec<String> {
    let mut out = Vec::new();
    let mut check = |ok: bool, what: &str, w: &dyn std::fmt::Debug, g: &dyn std::fmt::Debug| {
        if !ok {
            out.push(format!("{what}: expected {w:?}, got {g:?}"));
        }
    };
    check(want.window == got.window, "window", &want.window, &got.window);
    check(want.time_zone == got.time_zone, "time_zone", &want.time_zone, &got.time_zone);
    check(want.created == got.created, "created", &want.created, &got.created);
    check(want.completed == got.completed, "completed", &want.completed, &got.completed);
    check(want.cancelled == got.cancelled, "cancelled", &want.cancelled, &got.cancelled);
    check(
        close_opt(want.completion_rate_pct, got.completion_rate_pct),
        "completion_rate_pct",
        &want.completion_rate_pct,
        &got.completion_rate_pct,
    );
    for (name, w, g) in [
        ("lead_time_hours", &want.lead_time_hours, &got.lead_time_hours),
        ("cycle_time_hours", &want.cycle_time_hours, &got.cycle_time_hours),
    ] {
        let ok = w.count == g.count
            && close_opt(w.mean, g.mean)
            && close_opt(w.p50, g.p50)
            && close_opt(w.p90, g.p90);
        check(ok, name, w, g);
    }
    check(want.overdue == got.overdue, "overdue", &want.overdue, &got.overdue);
    check(
        want.throughput_daily == got.throughput_daily,
        "throughput_daily",
        &series_diff(&want.throughput_daily, &got.throughput_daily),
        &"(see left)",
    );
    check(want.wip_daily == got.wip_daily, "wip_daily", &series_diff(&want.wip_daily, &got.wip_daily), &"");
    check(
        want.status_daily == got.status_daily,
        "status_daily",
        &series_diff(&want.status_daily, &got.status_daily),
        &"",
    );
    let same_assignees = want.per_assignee.len() == got.per_assignee.len()
        && want.per_assignee.iter().zip(&got.per_assignee).all(|(w, g)| {
            w.assignee_id == g.assignee_id
                && w.completed == g.completed
                && w.open_tasks == g.open_tasks
                && close_opt(w.mean_lead_time_hours, g.mean_lead_time_hours)
                && close_opt(w.productivity_pct, g.productivity_pct)
        });
    check(same_assignees, "per_assignee", &want.per_assignee, &got.per_assignee);
    out
}

/// The entries of two daily series that differ (or the lengths, when they do).
fn series_diff<T: PartialEq + std::fmt::Debug>(want: &[T], got: &[T]) -> String {
    if want.len() != got.len() {
        return format!("{} days {want:?} vs {} days {got:?}", want.len(), got.len());
    }
    want.iter()
        .zip(got)
        .filter(|(w, g)| w != g)
        .map(|(w, g)| format!("[want {w:?} got {g:?}]"))
        .collect::<Vec<_>>()
        .join(" ")
}
