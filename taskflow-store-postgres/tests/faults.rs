//! Faults: the server terminates the store's connections in the middle of a write loop.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use taskflow_core::testkit::Tenant;
use taskflow_core::{EventKind, NewTask, TaskId, Tier};
use taskflow_store_postgres::PgError;
use taskflow_store_postgres::testkit::TestDatabase;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn terminated_connections_lose_no_acknowledged_write() {
    let Some(db) = TestDatabase::create("terminated_connections_lose_no_acknowledged_write").await else {
        return;
    };
    let store = taskflow_store_postgres::PgStore::connect_with(
        db.app_config().max_connections(4).application_name("faults"),
    )
    .await
    .expect("store");
    let t = Tenant::new(Arc::new(store.clone()), Tier::Enterprise).await;
    let project = t.project("p").await;

    let writers: Vec<_> = (0..3)
        .map(|w| {
            let (tf, member) = (t.tf.clone(), t.member);
            tokio::spawn(async move {
                let (mut acked, mut unknown) = (Vec::new(), 0);
                for i in 0..100 {
                    match tf.create_task(&member, NewTask::new(project.id, format!("w{w} {i}"))).await {
                        Ok(task) => acked.push(task.id),
                        // Only a commit whose outcome the broken connection hid may fail; every
                        // other lost connection is retried on a fresh one.
                        Err(e) => {
                            let pg = std::error::Error::source(&e).and_then(|s| s.downcast_ref::<PgError>());
                            assert!(matches!(pg, Some(PgError::CommitOutcomeUnknown(_))), "{e:?}");
                            unknown += 1;
                        }
                    }
                }
                (acked, unknown)
            })
        })
        .collect();
    let mut killed = 0i64;
    for _ in 0..8 {
        tokio::time::sleep(Duration::from_millis(40)).await;
        killed += sqlx::query_scalar::<_, i64>(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity \
             WHERE datname = $1 AND application_name LIKE 'faults%'",
        )
        .bind(db.name())
        .fetch_one(db.admin())
        .await
        .expect("terminate");
    }
    let (mut acked, mut unknown) = (Vec::new(), 0);
    for writer in writers {
        let (a, u) = writer.await.expect("writer");
        acked.extend(a);
        unknown += u;
    }
    eprintln!(
        "faults: {killed} connections terminated, {} writes acknowledged, {unknown} unknown",
        acked.len()
    );
    assert!(killed >= 8, "connections were terminated during the loop ({killed})");
    assert!(acked.len() >= 250, "most writes went through on fresh connections ({})", acked.len());

    // The same store serves again, without being rebuilt.
    let after = t.tf.create_task(&t.member, NewTask::new(project.id, "after")).await.expect("serves again");
    acked.push(after.id);

    for id in &acked {
        t.tf.task(&t.viewer, *id).await.expect("an acknowledged write is stored");
    }
    let log = t.tf.events(&t.owner, 0, 10_000).await.expect("log");
    assert!(log.iter().enumerate().all(|(i, e)| e.seq == i as u64 + 1), "the log is gapless");
    let created: Vec<TaskId> = log
        .iter()
        .filter_map(|e| match e.kind {
            EventKind::TaskCreated { task_id, .. } => Some(task_id),
            _ => None,
        })
        .collect();
    let distinct: HashSet<TaskId> = created.iter().copied().collect();
    assert_eq!(distinct.len(), created.len(), "no event is duplicated");
    let q = taskflow_core::store::TaskQuery { limit: Some(500), ..Default::default() };
    let mut stored = HashSet::new();
    let mut page = t.tf.list_tasks(&t.owner, &q).await.expect("list");
    loop {
        stored.extend(page.items.iter().map(|task| task.id));
        let Some(next) = page.next else { break };
        let q = taskflow_core::store::TaskQuery { after: Some(next), ..q.clone() };
        page = t.tf.list_tasks(&t.owner, &q).await.expect("list");
    }
    assert_eq!(stored, distinct, "every stored task has its one event, and every event its task");
    assert!(acked.iter().all(|id| stored.contains(id)));
    assert!(stored.len() <= acked.len() + unknown, "nothing stored beyond what was attempted");
}
