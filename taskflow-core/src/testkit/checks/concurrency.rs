//! Optimistic concurrency, lost updates, and the event log's completeness under load.

use std::sync::Arc;

use super::{expect_err, last_seq};
use crate::testkit::Tenant;
use crate::{
    ConflictReason, Error, ErrorKind, NewTask, Priority, Result, Role, Status, Store, Task, TaskPatch, Tier,
};

/// Two updates from the same version: the first wins, the second is a `Conflict` naming both
/// versions and changes nothing. Racing them: exactly one wins.
pub async fn optimistic_concurrency(store: Arc<dyn Store>) {
    let t = Tenant::new(store, Tier::Pro).await;
    let tf = &t.tf;
    let project = t.project("p").await;
    let task = tf.create_task(&t.member, NewTask::new(project.id, "t")).await.expect("create");
    let first = TaskPatch { title: Some("first".into()), ..TaskPatch::default() };
    let second = TaskPatch { priority: Some(Priority::Urgent), ..TaskPatch::default() };
    tf.update_task(&t.member, task.id, 1, first).await.expect("first writer");
    let err =
        expect_err(tf.update_task(&t.admin, task.id, 1, second).await, ErrorKind::Conflict, "second writer");
    assert!(
        matches!(
            err,
            Error::Conflict { reason: ConflictReason::StaleVersion { expected: 1, actual: 2 }, .. }
        ),
        "{err:?}"
    );
    let stored = tf.task(&t.viewer, task.id).await.expect("read");
    assert_eq!((stored.title.as_str(), stored.priority, stored.version), ("first", Priority::Medium, 2));

    for round in 0..10 {
        let current = tf.task(&t.viewer, task.id).await.expect("read");
        let spawn = |title: String| {
            let (tf, p, id, v) = (tf.clone(), t.member, task.id, current.version);
            tokio::spawn(async move {
                tf.update_task(&p, id, v, TaskPatch { title: Some(title), ..TaskPatch::default() }).await
            })
        };
        let (a, b) = (spawn(format!("a{round}")), spawn(format!("b{round}")));
        let results = [a.await.expect("join"), b.await.expect("join")];
        let winners: Vec<&Task> = results.iter().filter_map(|r| r.as_ref().ok()).collect();
        assert_eq!(winners.len(), 1, "round {round}: exactly one of two racing writers wins");
        let loser = results.iter().find_map(|r| r.as_ref().err()).expect("a loser");
        assert_eq!(loser.kind(), ErrorKind::Conflict);
        assert_eq!(&tf.task(&t.viewer, task.id).await.expect("read"), winners[0]);
    }
    let moves = [
        tf.move_task(&t.member, task.id, 12, Status::InProgress).await,
        tf.move_task(&t.member, task.id, 12, Status::Blocked).await,
    ];
    assert!(
        moves[0].is_ok() && moves[1].as_ref().is_err_and(|e| e.kind() == ErrorKind::Conflict),
        "{moves:?}"
    );
    expect_err(
        tf.change_role(&t.owner, t.viewer.user(), 1, Role::Member)
            .await
            .and(tf.change_role(&t.owner, t.viewer.user(), 1, Role::Admin).await),
        ErrorKind::Conflict,
        "stale role",
    );
}

/// 16 writers each add their own tag with read-modify-write and retry on `Conflict`: every
/// tag is there at the end and the version counts every write. Nothing is lost.
pub async fn concurrent_updates_lose_nothing(store: Arc<dyn Store>) {
    let t = Tenant::new(store, Tier::Pro).await;
    let project = t.project("p").await;
    let task = t.tf.create_task(&t.member, NewTask::new(project.id, "shared")).await.expect("create");
    let writers: Vec<_> = (0..16)
        .map(|i| {
            let (tf, p, id) = (t.tf.clone(), t.member, task.id);
            tokio::spawn(async move {
                loop {
                    let current = tf.task(&p, id).await?;
                    let mut tags = current.tags.clone();
                    tags.push(format!("w{i}"));
                    let patch = TaskPatch { tags: Some(tags), ..TaskPatch::default() };
                    match tf.update_task(&p, id, current.version, patch).await {
                        Err(e) if e.kind() == ErrorKind::Conflict => continue,
                        other => return other.map(|_| ()),
                    }
                }
            })
        })
        .collect();
    for w in writers {
        w.await.expect("join").expect("writer");
    }
    let stored = t.tf.task(&t.viewer, task.id).await.expect("read");
    let mut tags = stored.tags.clone();
    tags.sort();
    let mut want: Vec<String> = (0..16).map(|i| format!("w{i}")).collect();
    want.sort();
    assert_eq!(tags, want, "a tag was lost");
    assert_eq!(stored.version, 17);
}

/// Each success appends exactly one event of the right kind; each failure appends none; the
/// log is 1, 2, 3... with no gap.
pub async fn event_completeness(store: Arc<dyn Store>) {
    let t = Tenant::new(store, Tier::Free).await;
    let tf = &t.tf;
    let project = t.project("p").await;
    let task = tf.create_task(&t.member, NewTask::new(project.id, "t")).await.expect("create");
    let outsider = t.outsider().await;
    let steps: Vec<(Result<()>, Option<&str>)> = vec![
        (
            tf.move_task(&t.member, task.id, 1, Status::InProgress).await.map(drop),
            Some("task_status_changed"),
        ),
        (tf.move_task(&t.member, task.id, 1, Status::Done).await.map(drop), None),
        (tf.move_task(&t.member, task.id, 2, Status::Done).await.map(drop), Some("task_status_changed")),
        (tf.move_task(&t.member, task.id, 3, Status::Done).await.map(drop), None),
        (tf.assign_task(&t.member, task.id, 3, Some(outsider.id)).await.map(drop), None),
        (tf.assign_task(&t.member, task.id, 3, Some(t.member.user())).await.map(drop), Some("task_assigned")),
        (tf.update_task(&t.viewer, task.id, 4, TaskPatch::default()).await.map(drop), None),
        (
            tf.update_task(
                &t.member,
                task.id,
                4,
                TaskPatch { title: Some("u".into()), ..TaskPatch::default() },
            )
            .await
            .map(drop),
            Some("task_updated"),
        ),
        (tf.set_task_archived(&t.member, task.id, 5, true).await.map(drop), Some("task_archived")),
        (tf.delete_task(&t.member, task.id, 6).await, None),
        (tf.delete_task(&t.admin, task.id, 6).await, Some("task_deleted")),
        (tf.add_member(&t.admin, outsider.id, Role::Viewer).await.map(drop), Some("member_added")),
        (tf.add_member(&t.admin, t.outsider().await.id, Role::Viewer).await.map(drop), None),
        (tf.change_role(&t.admin, outsider.id, 1, Role::Member).await.map(drop), Some("member_role_changed")),
        (tf.remove_member(&t.admin, outsider.id, 2).await, Some("member_removed")),
        (tf.set_project_archived(&t.admin, project.id, 1, true).await.map(drop), Some("project_archived")),
        (tf.delete_project(&t.admin, project.id, 2).await, Some("project_deleted")),
        (tf.change_tier(&t.owner, 1, Tier::Pro, None).await.map(drop), Some("tier_changed")),
    ];
    let expected: Vec<&str> = steps
        .iter()
        .filter_map(|(r, kind)| {
            assert_eq!(r.is_ok(), kind.is_some(), "step expecting {kind:?} gave {r:?}");
            *kind
        })
        .collect();
    let events = tf.events(&t.owner, 0, 1000).await.expect("events");
    let seqs: Vec<u64> = events.iter().map(|e| e.seq).collect();
    assert_eq!(seqs, (1..=events.len() as u64).collect::<Vec<_>>(), "seq gapless from 1");
    let head = [
        "organization_created",
        "member_added",
        "member_added",
        "member_added",
        "project_created",
        "task_created",
    ];
    let kinds: Vec<&str> = events.iter().map(|e| e.kind.name()).collect();
    assert_eq!(&kinds[..head.len()], head);
    assert_eq!(&kinds[head.len()..], expected.as_slice());
    assert_eq!(last_seq(tf, &t.owner).await, events.len() as u64);
    assert!(events.windows(2).all(|w| w[0].at <= w[1].at), "event times follow seq");
}

/// Concurrent writers in several organizations: every log stays 1..=n with no gap and no
/// duplicate.
pub async fn seq_is_gapless_under_concurrency(store: Arc<dyn Store>) {
    let mut tenants = Vec::new();
    for _ in 0..3 {
        let t = Tenant::new(store.clone(), Tier::Pro).await;
        let p = t.project("p").await;
        tenants.push((t, p));
    }
    let mut handles = Vec::new();
    for (t, p) in &tenants {
        for i in 0..20 {
            let (tf, member, pid) = (t.tf.clone(), t.member, p.id);
            handles.push(tokio::spawn(async move {
                let task = tf.create_task(&member, NewTask::new(pid, format!("t{i}"))).await?;
                tf.move_task(&member, task.id, task.version, Status::InProgress).await.map(drop)
            }));
        }
    }
    for h in handles {
        h.await.expect("join").expect("write");
    }
    for (t, _) in &tenants {
        let events = t.tf.events(&t.owner, 0, 1000).await.expect("events");
        let seqs: Vec<u64> = events.iter().map(|e| e.seq).collect();
        assert_eq!(seqs, (1..=45).collect::<Vec<u64>>(), "5 setup events and 40 writes, in order");
        assert!(events.iter().all(|e| e.org_id == t.owner.org()));
    }
}
