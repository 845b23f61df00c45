//! Bulk imports: one atomic unit, limits counting the batch, events for every row.

use std::sync::Arc;

use super::{expect_err, last_seq};
use crate::store::{Archived, TaskQuery};
use crate::testkit::Tenant;
use crate::{ErrorKind, Limits, NewTask, ProjectId, Store, Tier};

fn batch(project: ProjectId, n: usize, tag: &str) -> Vec<NewTask> {
    (0..n).map(|i| NewTask::new(project, format!("{tag} {i}"))).collect()
}

/// An import writes every task with its event, or — when any task is refused (limit, bad
/// input, unknown or foreign project) — nothing at all. Concurrent imports respect the limit.
pub async fn bulk_import_is_all_or_nothing(store: Arc<dyn Store>) {
    let t = Tenant::new(store.clone(), Tier::Free).await;
    let other = Tenant::new(store, Tier::Pro).await;
    let tf = &t.tf;
    let limits = Limits { members: Some(5), projects: Some(3), tasks_per_project: Some(10) };
    tf.change_tier(&t.owner, 1, Tier::Free, Some(limits)).await.expect("limits");
    let project = t.project("p").await;
    let foreign = other.project("theirs").await;
    let count = |p: ProjectId| {
        let tf = tf.clone();
        let owner = t.owner;
        async move {
            let q = TaskQuery {
                project: Some(p),
                archived: Archived::Include,
                limit: Some(500),
                ..TaskQuery::default()
            };
            tf.list_tasks(&owner, &q).await.expect("list").items.len()
        }
    };

    let seq = last_seq(tf, &t.owner).await;
    let first = tf.import_tasks(&t.member, batch(project.id, 5, "first")).await.expect("import 5");
    assert_eq!(first.len(), 5);
    let events = tf.events(&t.owner, seq, 100).await.expect("events");
    assert_eq!(events.len(), 5);
    assert!(events.iter().zip(&first).all(|(e, task)| e.kind.task_id() == Some(task.id)));
    assert_eq!(tf.task(&t.viewer, first[4].id).await.expect("stored"), first[4]);
    let seq = seq + 5;

    let over = tf.import_tasks(&t.member, batch(project.id, 6, "over")).await;
    expect_err(over, ErrorKind::LimitExceeded, "import past the limit");
    let mut bad = batch(project.id, 3, "bad");
    bad[2].title = "  ".into();
    expect_err(tf.import_tasks(&t.member, bad).await, ErrorKind::Invalid, "import with a blank title");
    let mut sneaky = batch(project.id, 3, "sneaky");
    sneaky[1].project_id = foreign.id;
    expect_err(
        tf.import_tasks(&t.member, sneaky).await,
        ErrorKind::NotFound,
        "import into a foreign project",
    );
    expect_err(
        tf.import_tasks(&t.viewer, batch(project.id, 1, "v")).await,
        ErrorKind::PermissionDenied,
        "viewer imports",
    );
    assert!(tf.import_tasks(&t.member, Vec::new()).await.expect("empty import").is_empty());
    assert_eq!(count(project.id).await, 5, "refused imports wrote nothing");
    assert_eq!(last_seq(tf, &t.owner).await, seq, "refused imports appended nothing");
    assert_eq!(count(foreign.id).await, 0);

    let imports: Vec<_> = (0..4)
        .map(|i| {
            let (tf, member, pid) = (tf.clone(), t.member, project.id);
            tokio::spawn(async move { tf.import_tasks(&member, batch(pid, 3, &format!("race {i}"))).await })
        })
        .collect();
    let mut wins = 0;
    for import in imports {
        match import.await.expect("join") {
            Ok(tasks) => wins += tasks.len(),
            Err(e) => assert_eq!(e.kind(), ErrorKind::LimitExceeded, "{e:?}"),
        }
    }
    assert_eq!(wins, 3, "5 free slots take exactly one batch of 3");
    assert_eq!(count(project.id).await, 8);
    let log = tf.events(&t.owner, 0, 1000).await.expect("log");
    assert!(log.iter().enumerate().all(|(i, e)| e.seq == i as u64 + 1), "seq gapless after the batches");
    assert_eq!(log.len() as u64, seq + 3);
}
