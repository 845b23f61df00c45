//! The metrics on small hand-made histories, every expected number worked out by hand.

mod common;

use common::{History, date, utc};
use taskflow_analytics::{
    Analytics, AssigneeMetrics, DailyCount, Distribution, Metrics, StatusCounts, Window,
};
use taskflow_core::Status::*;

fn close(a: Option<f64>, b: f64) -> bool {
    a.is_some_and(|a| (a - b).abs() < 1e-9)
}

fn assert_distribution(d: Distribution, count: u64, mean: f64, p50: f64, p90: f64) {
    assert_eq!(d.count, count, "{d:?}");
    assert!(
        close(d.mean, mean) && close(d.p50, p50) && close(d.p90, p90),
        "{d:?} != {count} {mean} {p50} {p90}"
    );
}

/// Seven tasks over three UTC days (2, 3 and 4 March 2026):
/// - A, created 1 March 10:00 for Alice: started 2nd 09:00, done 12:00 (lead 26 h, cycle 3 h),
///   reopened 14:00, reassigned to Bob 3rd 10:00, started 4th 08:00, done 10:00 (lead 72 h,
///   cycle from its first start 49 h);
/// - B, created 2nd 08:00 for Bob, done 18:00 without ever starting (lead 10 h, no cycle);
/// - C, created 2nd 09:00, started 10:00, cancelled 3rd 11:00;
/// - D, created 3rd 12:00 for Alice, due 3rd, started 13:00: overdue and open at the end;
/// - E, created 4th 09:00, due 10th, blocked 10:00, and moved after the window (ignored);
/// - F, created 2nd 07:00 due 1st, archived 08:00: in `todo` still, never overdue;
/// - G, created 2nd 11:00, deleted 3rd 09:00.
async fn three_days() -> (History, Window) {
    let h = History::in_memory("UTC", utc(2026, 3, 1, 9, 0)).await;
    let a = h.create(utc(2026, 3, 1, 10, 0), Some(h.alice), None).await.id;
    h.moves(a, utc(2026, 3, 2, 9, 0), InProgress).await;
    h.moves(a, utc(2026, 3, 2, 12, 0), Done).await;
    h.moves(a, utc(2026, 3, 2, 14, 0), Todo).await;
    let f = h.create(utc(2026, 3, 2, 7, 0), None, Some(date(2026, 3, 1))).await.id;
    h.archive(f, utc(2026, 3, 2, 8, 0)).await;
    let b = h.create(utc(2026, 3, 2, 8, 0), Some(h.bob), None).await.id;
    h.moves(b, utc(2026, 3, 2, 18, 0), Done).await;
    let c = h.create(utc(2026, 3, 2, 9, 0), None, None).await.id;
    h.moves(c, utc(2026, 3, 2, 10, 0), InProgress).await;
    let g = h.create(utc(2026, 3, 2, 11, 0), None, None).await.id;
    h.assign(a, utc(2026, 3, 3, 10, 0), Some(h.bob)).await;
    h.delete(g, utc(2026, 3, 3, 9, 0)).await;
    h.moves(c, utc(2026, 3, 3, 11, 0), Cancelled).await;
    let d = h.create(utc(2026, 3, 3, 12, 0), Some(h.alice), Some(date(2026, 3, 3))).await.id;
    h.moves(d, utc(2026, 3, 3, 13, 0), InProgress).await;
    h.moves(a, utc(2026, 3, 4, 8, 0), InProgress).await;
    h.moves(a, utc(2026, 3, 4, 10, 0), Done).await;
    let e = h.create(utc(2026, 3, 4, 9, 0), None, Some(date(2026, 3, 10))).await.id;
    h.moves(e, utc(2026, 3, 4, 10, 0), Blocked).await;
    h.moves(e, utc(2026, 3, 5, 9, 0), InProgress).await;
    h.moves(e, utc(2026, 3, 5, 10, 0), Done).await;
    (h, Window::new(utc(2026, 3, 2, 0, 0), utc(2026, 3, 5, 0, 0)).unwrap())
}

async fn metrics_of(h: &History, window: Window) -> Metrics {
    Analytics::for_org(h.store.clone(), h.owner.org()).await.unwrap().metrics(window).await.unwrap()
}

#[tokio::test]
async fn counts_rates_and_distributions() {
    let (h, window) = three_days().await;
    let m = metrics_of(&h, window).await;
    assert_eq!(
        (m.created, m.completed, m.cancelled),
        (6, 3, 1),
        "B-G created; A twice and B done; C cancelled"
    );
    assert!(close(m.completion_rate_pct, 50.0));
    // Lead [10, 26, 72]: mean 36, p50 26, p90 at rank 1.8 = 26 + 0.8 × 46 = 62.8.
    assert_distribution(m.lead_time_hours, 3, 36.0, 26.0, 62.8);
    // Cycle [3, 49] (B never started): mean 26, p50 = 3 + 0.5 × 46, p90 = 3 + 0.9 × 46.
    assert_distribution(m.cycle_time_hours, 2, 26.0, 26.0, 44.4);
    assert_eq!(m.overdue, 1, "D only: F is archived, E is due later");
}

#[tokio::test]
async fn daily_series_include_every_day() {
    let (h, window) = three_days().await;
    let m = metrics_of(&h, window).await;
    let day = |d, count| DailyCount { day: date(2026, 3, d), count };
    assert_eq!(
        m.throughput_daily,
        vec![day(2, 2), day(3, 0), day(4, 1)],
        "a day with no completion is there"
    );
    assert_eq!(m.wip_daily, vec![day(2, 1), day(3, 1), day(4, 2)]);
    let counts = |d, todo, in_progress, blocked, done, cancelled| StatusCounts {
        day: date(2026, 3, d),
        todo,
        in_progress,
        in_review: 0,
        blocked,
        done,
        cancelled,
    };
    assert_eq!(
        m.status_daily,
        vec![
            counts(2, 3, 1, 0, 1, 0), // A reopened, F archived but todo, G; C; B
            counts(3, 2, 1, 0, 1, 1), // G deleted; D started; C cancelled
            counts(4, 1, 1, 1, 2, 1), // A done again; E blocked
        ]
    );
}

#[tokio::test]
async fn per_assignee_credits_the_assignee_at_completion() {
    let (h, window) = three_days().await;
    let m = metrics_of(&h, window).await;
    let mut want = vec![
        AssigneeMetrics {
            assignee_id: h.alice,
            completed: 1,
            mean_lead_time_hours: Some(26.0),
            open_tasks: 1,
            productivity_pct: Some(50.0),
        },
        AssigneeMetrics {
            assignee_id: h.bob,
            completed: 2,
            mean_lead_time_hours: Some(41.0),
            open_tasks: 0,
            productivity_pct: Some(100.0),
        },
    ];
    want.sort_by_key(|a| a.assignee_id.to_string());
    assert_eq!(m.per_assignee, want);
}

#[tokio::test]
async fn a_past_window_does_not_move_when_tasks_move_today() {
    let (h, window) = three_days().await;
    let before = metrics_of(&h, window).await;
    let tasks = h.tf.list_tasks(&h.owner, &Default::default()).await.unwrap().items;
    for task in tasks.iter().filter(|t| t.status.can_move_to(Cancelled)) {
        h.moves(task.id, utc(2026, 4, 1, 12, 0), Cancelled).await;
    }
    assert_eq!(metrics_of(&h, window).await, before);
}

#[tokio::test]
async fn an_empty_window_and_a_quiet_window() {
    let (h, _) = three_days().await;
    let empty = metrics_of(&h, Window::new(utc(2026, 3, 3, 0, 0), utc(2026, 3, 3, 0, 0)).unwrap()).await;
    assert_eq!((empty.created, empty.completed, empty.cancelled), (0, 0, 0));
    assert_eq!(empty.completion_rate_pct, None);
    assert_eq!(empty.lead_time_hours, Distribution::default());
    assert!(empty.throughput_daily.is_empty() && empty.status_daily.is_empty() && empty.wip_daily.is_empty());
    assert_eq!(empty.overdue, 0, "D is created later on the 3rd");

    let quiet = metrics_of(&h, Window::new(utc(2026, 2, 1, 0, 0), utc(2026, 2, 3, 0, 0)).unwrap()).await;
    assert_eq!((quiet.created, quiet.completed, quiet.completion_rate_pct), (0, 0, None));
    assert_eq!(quiet.throughput_daily.iter().map(|d| d.count).collect::<Vec<_>>(), vec![0, 0]);
    assert!(quiet.per_assignee.is_empty());
}

/// Europe/Paris moves to summer time on 29 March 2026 at 02:00 (a 23-hour day).
#[tokio::test]
async fn days_follow_the_organization_zone_across_a_daylight_saving_change() {
    let paris = chrono_tz::Europe::Paris;
    let h = History::in_memory("Europe/Paris", utc(2026, 3, 27, 8, 0)).await;
    let t1 = h.create(utc(2026, 3, 28, 11, 0), Some(h.alice), None).await.id; // 12:00 CET
    h.moves(t1, utc(2026, 3, 28, 23, 30), Done).await; // 00:30 CET on the 29th
    let t2 = h.create(utc(2026, 3, 28, 11, 0), None, None).await.id;
    h.moves(t2, utc(2026, 3, 28, 12, 0), InProgress).await;
    h.moves(t2, utc(2026, 3, 29, 10, 0), Done).await; // 12:00 CEST: 23 hours after 12:00 CET
    let t3 = h.create(utc(2026, 3, 29, 12, 0), None, None).await.id;
    h.moves(t3, utc(2026, 3, 29, 21, 30), Done).await; // 23:30 CEST on the 29th
    let t4 = h.create(utc(2026, 3, 29, 12, 0), None, None).await.id;
    h.moves(t4, utc(2026, 3, 29, 22, 30), Done).await; // 00:30 CEST on the 30th
    let window = Window::local_days(paris, date(2026, 3, 28), 3);
    assert_eq!(window.start(), utc(2026, 3, 27, 23, 0));
    assert_eq!(window.end(), utc(2026, 3, 30, 22, 0));
    let m = metrics_of(&h, window).await;
    let counts: Vec<(chrono::NaiveDate, u64)> = m.throughput_daily.iter().map(|d| (d.day, d.count)).collect();
    assert_eq!(counts, vec![(date(2026, 3, 28), 0), (date(2026, 3, 29), 3), (date(2026, 3, 30), 1)]);
    assert_eq!(m.completed, 4);
    // t2: 22 hours of cycle (12:00 UTC to 10:00 UTC next day), 23 hours of lead.
    assert_eq!(m.cycle_time_hours.count, 1);
    assert!(close(m.cycle_time_hours.mean, 22.0), "{:?}", m.cycle_time_hours);
    // Leads: t1 12.5, t2 23, t3 9.5, t4 10.5 hours.
    assert_distribution(m.lead_time_hours, 4, 13.875, 11.5, 19.85);
    let wip: Vec<u64> = m.wip_daily.iter().map(|d| d.count).collect();
    assert_eq!(wip, vec![1, 0, 0], "t2 in progress at the end of the 28th only");
}
