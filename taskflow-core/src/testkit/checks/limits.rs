//! Tier limits: exact under races, archived rows free their slot, downgrades keep rows.

use std::sync::Arc;

use super::{expect_err, last_seq};
use crate::store::{MemberQuery, ProjectQuery, TaskQuery};
use crate::testkit::Tenant;
use crate::testkit::fixtures::user;
use crate::{Error, ErrorKind, LimitKind, Limits, NewProject, NewTask, Result, Role, Store, Tier};

/// Runs `n` operations at once on the runtime's worker threads and sorts the outcomes.
async fn race<T, F, Fut>(n: usize, op: F) -> (usize, Vec<Error>)
where
    T: Send + 'static,
    F: Fn(usize) -> Fut,
    Fut: std::future::Future<Output = Result<T>> + Send + 'static,
{
    let handles: Vec<_> = (0..n).map(|i| tokio::spawn(op(i))).collect();
    let mut ok = 0;
    let mut errors = Vec::new();
    for handle in handles {
        match handle.await.expect("task panicked") {
            Ok(_) => ok += 1,
            Err(e) => errors.push(e),
        }
    }
    (ok, errors)
}

fn assert_all_limit(errors: &[Error], limit: LimitKind, max: u32) {
    for e in errors {
        assert!(matches!(e, Error::LimitExceeded { limit: l, max: m } if *l == limit && *m == max), "{e:?}");
    }
}

async fn with_limits(t: &Tenant, limits: Limits) {
    t.tf.change_tier(&t.owner, 1, Tier::Free, Some(limits)).await.expect("custom limits");
}

/// 20 concurrent additions with 6 free member slots: exactly 6 land.
pub async fn member_limit_race(store: Arc<dyn Store>) {
    let t = Tenant::new(store, Tier::Free).await;
    with_limits(&t, Limits { members: Some(10), projects: Some(3), tasks_per_project: Some(100) }).await;
    let mut users = Vec::new();
    for _ in 0..20 {
        users.push(user(&t.tf, "racer").await.id);
    }
    let seq = last_seq(&t.tf, &t.owner).await;
    let (ok, errors) = race(20, |i| {
        let (tf, owner, id) = (t.tf.clone(), t.owner, users[i]);
        async move { tf.add_member(&owner, id, Role::Member).await }
    })
    .await;
    assert_eq!(ok, 6, "successes at a member limit of 10 with 4 members");
    assert_all_limit(&errors, LimitKind::Members, 10);
    let members =
        t.tf.list_members(&t.owner, &MemberQuery { limit: Some(500), ..MemberQuery::default() })
            .await
            .expect("list");
    assert_eq!(members.items.len(), 10);
    assert_eq!(last_seq(&t.tf, &t.owner).await, seq + 6, "one event per success, none per refusal");
}

/// 12 concurrent project creations on Free (3 projects): exactly 3 land.
pub async fn project_limit_race(store: Arc<dyn Store>) {
    let t = Tenant::new(store, Tier::Free).await;
    let (ok, errors) = race(12, |i| {
        let (tf, admin) = (t.tf.clone(), t.admin);
        async move { tf.create_project(&admin, NewProject::named(format!("p{i}"))).await }
    })
    .await;
    assert_eq!(ok, 3);
    assert_all_limit(&errors, LimitKind::Projects, 3);
    let projects = t.tf.list_projects(&t.owner, &ProjectQuery::default()).await.expect("list");
    assert_eq!(projects.items.len(), 3);
}

/// 32 concurrent task creations in a project limited to 10 tasks: exactly 10 land.
pub async fn task_limit_race(store: Arc<dyn Store>) {
    let t = Tenant::new(store, Tier::Free).await;
    with_limits(&t, Limits { members: Some(5), projects: Some(3), tasks_per_project: Some(10) }).await;
    let project = t.project("p").await;
    let other = t.project("other").await;
    let (ok, errors) = race(32, |i| {
        let (tf, member) = (t.tf.clone(), t.member);
        // A quarter go to the other project, whose own limit is far away.
        let target = if i % 4 == 0 { other.id } else { project.id };
        async move { tf.create_task(&member, NewTask::new(target, format!("t{i}"))).await }
    })
    .await;
    assert_eq!(ok, 18, "10 in the full project and all 8 in the other");
    assert_all_limit(&errors, LimitKind::TasksPerProject, 10);
    let q = TaskQuery { project: Some(project.id), limit: Some(500), ..TaskQuery::default() };
    assert_eq!(t.tf.list_tasks(&t.owner, &q).await.expect("list").items.len(), 10);
}

/// Archiving frees a slot; restoring takes one and fails when none is free; deleting frees one.
pub async fn archived_rows_free_their_slot(store: Arc<dyn Store>) {
    let t = Tenant::new(store, Tier::Free).await;
    let tf = &t.tf;
    let mut projects = Vec::new();
    for i in 0..3 {
        projects.push(t.project(&format!("p{i}")).await);
    }
    let err = expect_err(
        tf.create_project(&t.admin, NewProject::named("p3")).await,
        ErrorKind::LimitExceeded,
        "4th project",
    );
    assert!(matches!(err, Error::LimitExceeded { limit: LimitKind::Projects, max: 3 }));
    let archived = tf.set_project_archived(&t.admin, projects[0].id, 1, true).await.expect("archive");
    tf.create_project(&t.admin, NewProject::named("p3")).await.expect("slot freed by archiving");
    let restore = tf.set_project_archived(&t.admin, archived.id, archived.version, false).await;
    expect_err(restore, ErrorKind::LimitExceeded, "restore without a slot");

    with_limits(&t, Limits { members: Some(5), projects: Some(3), tasks_per_project: Some(2) }).await;
    let p = &projects[1];
    let a = tf.create_task(&t.member, NewTask::new(p.id, "a")).await.expect("a");
    let b = tf.create_task(&t.member, NewTask::new(p.id, "b")).await.expect("b");
    expect_err(
        tf.create_task(&t.member, NewTask::new(p.id, "c")).await,
        ErrorKind::LimitExceeded,
        "3rd task",
    );
    let a = tf.set_task_archived(&t.member, a.id, a.version, true).await.expect("archive a");
    let c = tf.create_task(&t.member, NewTask::new(p.id, "c")).await.expect("slot freed");
    expect_err(
        tf.set_task_archived(&t.member, a.id, a.version, false).await,
        ErrorKind::LimitExceeded,
        "restore a",
    );
    let a = tf
        .move_task(&t.member, a.id, a.version, crate::Status::InProgress)
        .await
        .expect("archived tasks can still move");
    tf.delete_task(&t.admin, b.id, b.version).await.expect("delete b");
    tf.set_task_archived(&t.member, a.id, a.version, false).await.expect("restore a after delete");
    expect_err(
        tf.create_task(&t.member, NewTask::new(p.id, "d")).await,
        ErrorKind::LimitExceeded,
        "full again",
    );
    tf.delete_task(&t.admin, c.id, c.version).await.expect("delete c");
}

/// A downgrade below usage keeps every row; new creations fail naming the limit until usage is
/// back under it.
pub async fn tier_downgrade_keeps_rows_and_blocks_new_ones(store: Arc<dyn Store>) {
    let t = Tenant::new(store, Tier::Pro).await;
    let tf = &t.tf;
    expect_err(
        tf.change_tier(&t.admin, 1, Tier::Free, None).await,
        ErrorKind::PermissionDenied,
        "admin changes tier",
    );
    let mut projects = Vec::new();
    for i in 0..4 {
        projects.push(t.project(&format!("p{i}")).await);
    }
    let extra = [user(tf, "extra").await, user(tf, "extra").await, user(tf, "late").await];
    tf.add_member(&t.admin, extra[0].id, Role::Member).await.expect("5th member");
    tf.add_member(&t.admin, extra[1].id, Role::Member).await.expect("6th member");

    let org = tf.change_tier(&t.owner, 1, Tier::Free, None).await.expect("downgrade");
    assert_eq!((org.tier, org.version), (Tier::Free, 2));
    expect_err(tf.change_tier(&t.owner, 1, Tier::Pro, None).await, ErrorKind::Conflict, "stale tier change");
    let listed = tf.list_projects(&t.owner, &ProjectQuery::default()).await.expect("projects kept");
    assert_eq!(listed.items.len(), 4);
    let err = expect_err(
        tf.create_project(&t.admin, NewProject::named("x")).await,
        ErrorKind::LimitExceeded,
        "project over",
    );
    assert_eq!(err.to_string(), "limit reached: at most 3 active projects");
    let err = expect_err(
        tf.add_member(&t.admin, extra[2].id, Role::Member).await,
        ErrorKind::LimitExceeded,
        "member over",
    );
    assert!(matches!(err, Error::LimitExceeded { limit: LimitKind::Members, max: 5 }));

    for p in &projects[..2] {
        tf.set_project_archived(&t.admin, p.id, p.version, true).await.expect("archive");
    }
    tf.create_project(&t.admin, NewProject::named("x")).await.expect("back under the limit");
    tf.remove_member(&t.admin, extra[0].id, 1).await.expect("remove");
    tf.remove_member(&t.admin, extra[1].id, 1).await.expect("remove");
    tf.add_member(&t.admin, extra[2].id, Role::Member).await.expect("member back under the limit");
    let events = tf.events(&t.owner, 0, 1000).await.expect("events");
    assert_eq!(events.iter().filter(|e| e.kind.name() == "tier_changed").count(), 1);
}
