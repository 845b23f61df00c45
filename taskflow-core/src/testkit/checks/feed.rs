//! The change feed: replay then live with no gap and no duplicate, resume, lag, end.

use std::sync::Arc;
use std::time::Duration;

use crate::feed::DEFAULT_FEED_CAPACITY;
use crate::testkit::Tenant;
use crate::{Error, Event, NewTask, Status, Store, Subscription, Tier};

/// Waits at most this long for one event: a hung feed fails the check instead of the run.
const PATIENCE: Duration = Duration::from_secs(20);

async fn next(feed: &mut Subscription) -> Option<crate::Result<Event>> {
    tokio::time::timeout(PATIENCE, feed.next()).await.expect("the feed delivered nothing within 20 s")
}

async fn take(feed: &mut Subscription, n: usize) -> Vec<Event> {
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        out.push(next(feed).await.expect("feed ended early").expect("feed event"));
    }
    out
}

fn assert_consecutive(events: &[Event], first: u64) {
    let seqs: Vec<u64> = events.iter().map(|e| e.seq).collect();
    let want: Vec<u64> = (first..first + events.len() as u64).collect();
    assert_eq!(seqs, want, "the feed skipped or repeated a seq");
}

/// Stored events first, then live ones written concurrently with the reading, in seq order;
/// the feed ends when the organization is deleted.
pub async fn feed_replays_then_goes_live(store: Arc<dyn Store>) {
    let t = Tenant::new(store, Tier::Pro).await;
    let project = t.project("p").await;
    let mut feed = t.tf.subscribe(&t.viewer, 0).await.expect("subscribe");
    let writer = {
        let (tf, member, pid) = (t.tf.clone(), t.member, project.id);
        tokio::spawn(async move {
            for i in 0..40 {
                let task = tf.create_task(&member, NewTask::new(pid, format!("t{i}"))).await?;
                tf.move_task(&member, task.id, task.version, Status::InProgress).await?;
            }
            Ok::<(), Error>(())
        })
    };
    let events = take(&mut feed, 5 + 80).await;
    writer.await.expect("join").expect("writer");
    assert_consecutive(&events, 1);
    assert_eq!(events[0].kind.name(), "organization_created");
    assert_eq!(events[4].kind.name(), "project_created");
    let stored = t.tf.events(&t.owner, 0, 1000).await.expect("log");
    assert_eq!(events, stored, "the feed delivers exactly the log");
    let version = t.tf.organization(&t.owner).await.expect("org").version;
    t.tf.delete_organization(&t.owner, version).await.expect("delete org");
    let end = tokio::time::timeout(PATIENCE, feed.next()).await.expect("feed must end");
    assert!(end.is_none(), "a deleted organization's feed ends: {end:?}");
}

/// Subscribing after any seq yields exactly the events after it; a client that drops its
/// connection and resubscribes with its last seq misses nothing and sees nothing twice.
pub async fn feed_resumes_from_any_seq(store: Arc<dyn Store>) {
    let t = Tenant::new(store, Tier::Pro).await;
    let project = t.project("p").await;
    for i in 0..10 {
        t.tf.create_task(&t.member, NewTask::new(project.id, format!("t{i}"))).await.expect("create");
    }
    let last = 15;
    for after in [0, 1, 7, last - 1] {
        let mut feed = t.tf.subscribe(&t.viewer, after).await.expect("subscribe");
        let events = take(&mut feed, (last - after) as usize).await;
        assert_consecutive(&events, after + 1);
        assert_eq!(feed.last_seq(), last);
    }
    let mut feed = t.tf.subscribe(&t.viewer, last).await.expect("subscribe at the head");
    t.tf.create_project(&t.admin, crate::NewProject::named("live")).await.expect("write");
    assert_eq!(take(&mut feed, 1).await[0].seq, last + 1);

    // Reconnect in the middle of a stream of writes.
    let mut seen = Vec::new();
    let mut cursor = 0;
    for chunk in 0..4 {
        let mut feed = t.tf.subscribe(&t.viewer, cursor).await.expect("reconnect");
        for i in 0..3 {
            t.tf.create_task(&t.member, NewTask::new(project.id, format!("c{chunk}-{i}")))
                .await
                .expect("create");
        }
        let got = take(&mut feed, 5).await;
        cursor = got.last().expect("events").seq;
        seen.extend(got);
        drop(feed);
    }
    assert_consecutive(&seen, 1);
}

/// A live subscriber that stops reading while more events than its buffer commit gets
/// `Lagged { resume_after }` with the last seq it received; resuming there loses nothing.
/// Writers were never blocked by it. A subscriber still catching up from the log never lags.
/// (Assumes the backend's default feed capacity.)
pub async fn feed_reports_lag(store: Arc<dyn Store>) {
    let t = Tenant::new(store, Tier::Pro).await;
    let project = t.project("p").await;
    let writes = DEFAULT_FEED_CAPACITY + 100;
    let create = |i: usize| {
        let (tf, member) = (t.tf.clone(), t.member);
        async move { tf.create_task(&member, NewTask::new(project.id, format!("t{i}"))).await.expect("write") }
    };

    // Catching up: more than a buffer's worth committed before the first read is no lag.
    let mut catching_up = t.tf.subscribe(&t.viewer, 0).await.expect("subscribe");
    for i in 0..writes {
        create(i).await;
    }
    let head = 5 + writes as u64;
    let all = take(&mut catching_up, head as usize).await;
    assert_consecutive(&all, 1);

    // Live: read until the subscription has caught up with the log, then stop reading.
    let mut live = t.tf.subscribe(&t.viewer, head).await.expect("subscribe at the head");
    let mut written = writes;
    while !live.is_live() {
        assert!(written < writes + 50, "the subscription never caught up");
        let (event, ()) = tokio::join!(next(&mut live), async {
            tokio::time::sleep(Duration::from_millis(20)).await;
            create(written).await;
        });
        written += 1;
        assert_eq!(event.expect("feed open").expect("event").seq, 5 + written as u64);
    }
    let head = 5 + written as u64;
    for i in 0..writes {
        create(written + i).await;
    }
    let end = head + writes as u64;
    let mut delivered = Vec::new();
    let resume_after = loop {
        match next(&mut live).await {
            Some(Ok(event)) => delivered.push(event),
            Some(Err(Error::Lagged { resume_after })) => break resume_after,
            other => panic!("expected Lagged, got {other:?}"),
        }
    };
    assert!(next(&mut live).await.is_none(), "a lagged subscription ends");
    assert_consecutive(&delivered, head + 1);
    assert_eq!(resume_after, head + delivered.len() as u64, "resume_after is the last seq delivered");
    assert!(resume_after < end, "the subscriber really fell behind");
    let mut resumed = t.tf.subscribe(&t.viewer, resume_after).await.expect("resubscribe");
    let rest = take(&mut resumed, (end - resume_after) as usize).await;
    assert_consecutive(&rest, resume_after + 1);

    let beyond = t.tf.subscribe(&t.viewer, end + 1).await;
    assert!(matches!(beyond, Err(Error::Invalid { field: "after_seq", .. })), "{beyond:?}");
}
