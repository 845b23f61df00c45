//! The change feed across processes: events committed through one store reach a subscriber of
//! another store (its own pool, its own role, its own listener), with no gap and no duplicate,
//! also while the listening connection is killed and kept out.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use taskflow_core::testkit::Tenant;
use taskflow_core::{Event, NewTask, Subscription, TaskFlow, Tier};
use taskflow_store_postgres::testkit::TestDatabase;
use taskflow_store_postgres::{PgConfig, PgStore};

const PATIENCE: Duration = Duration::from_secs(20);

/// A role only this test uses, since it locks the role out for a while (roles are cluster-wide).
const READER: &str = "taskflow_test_feed_reader";

async fn take(feed: &mut Subscription, n: usize) -> Vec<Event> {
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        let next = tokio::time::timeout(PATIENCE, feed.next()).await;
        out.push(next.expect("the feed delivered nothing within 20 s").expect("feed open").expect("event"));
    }
    out
}

async fn write(t: &Tenant, project: taskflow_core::ProjectId, n: usize, tag: &str) {
    for i in 0..n {
        t.tf.create_task(&t.member, NewTask::new(project, format!("{tag} {i}"))).await.expect("write");
    }
}

/// Terminates the reader's listening connection and returns how many were killed.
async fn kill_listener(db: &TestDatabase) -> i64 {
    sqlx::query_scalar(
        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity \
         WHERE datname = $1 AND application_name = 'feed-reader (change feed)'",
    )
    .bind(db.name())
    .fetch_one(db.admin())
    .await
    .expect("terminate")
}

async fn set_login(db: &TestDatabase, login: bool) {
    let verb = if login { "LOGIN" } else { "NOLOGIN" };
    sqlx::query(&format!("ALTER ROLE {READER} {verb}")).execute(db.admin()).await.expect("alter role");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_cross_stores_without_gap_or_duplicate_across_reconnects() {
    let Some(db) =
        TestDatabase::create("events_cross_stores_without_gap_or_duplicate_across_reconnects").await
    else {
        return;
    };
    db.add_runtime_role(READER, "reader").await;
    set_login(&db, true).await;
    let writer = PgStore::connect_with(db.app_config().max_connections(4).application_name("feed-writer"))
        .await
        .expect("writer");
    let reader_config = PgConfig::from_options(db.options_for(READER, "reader"))
        .max_connections(2)
        .application_name("feed-reader");
    let reader = PgStore::connect_with(reader_config).await.expect("reader");

    let t = Tenant::new(Arc::new(writer), Tier::Pro).await;
    let project = t.project("p").await;
    let reader_tf = TaskFlow::new(Arc::new(reader));
    let viewer = reader_tf.act_as(t.owner.org(), t.viewer.user()).await.expect("viewer on the reader");
    let mut feed = reader_tf.subscribe(&viewer, 0).await.expect("subscribe on the reader");
    let mut seen = take(&mut feed, 5).await;

    // Live, across stores.
    let (_, live) = tokio::join!(write(&t, project.id, 20, "live"), take(&mut feed, 20));
    seen.extend(live);

    // The listener is killed and kept out: what commits meanwhile cannot reach the reader...
    set_login(&db, false).await;
    assert!(kill_listener(&db).await >= 1, "the reader's listener was connected");
    write(&t, project.id, 15, "while away").await;
    let early = tokio::time::timeout(Duration::from_millis(500), feed.next()).await;
    assert!(early.is_err(), "nothing arrives while the listener is out: {early:?}");
    // ...until it is back: its re-read after reconnecting delivers all of it.
    set_login(&db, true).await;
    seen.extend(take(&mut feed, 15).await);

    // Killed again while writes keep coming: sqlx reconnects at once, the re-read fills in.
    let (_, (killed, during)) = tokio::join!(write(&t, project.id, 30, "during"), async {
        tokio::time::sleep(Duration::from_millis(50)).await;
        let killed = kill_listener(&db).await;
        (killed, take(&mut feed, 30).await)
    });
    assert!(killed >= 1, "the reconnected listener was killed too");
    seen.extend(during);

    let log = t.tf.events(&t.owner, 0, 1000).await.expect("log");
    assert_eq!(seen, log, "the reader saw exactly the log: no gap, no duplicate, in order");
    let seqs: HashSet<u64> = seen.iter().map(|e| e.seq).collect();
    assert_eq!(seqs.len(), 70);
}
