//! Tenant isolation: another organization's ids answer `NotFound`, change nothing, and never
//! appear in a listing.

use std::sync::Arc;

use super::{expect_err, last_seq};
use crate::store::{Archived, Change, Expected, MemberQuery, ProjectQuery, TaskQuery, Write};
use crate::testkit::Tenant;
use crate::{Entity, Error, ErrorKind, NewTask, OrgId, ProjectPatch, Role, Status, Store, TaskPatch, Tier};

/// Every operation of tenant A aimed at tenant B's records fails as if they did not exist.
pub async fn tenant_isolation(store: Arc<dyn Store>) {
    let a = Tenant::new(store.clone(), Tier::Pro).await;
    let b = Tenant::new(store.clone(), Tier::Pro).await;
    let tf = &a.tf;
    let (pa, pb) = (a.project("a").await, b.project("b").await);
    let ta = tf.create_task(&a.member, NewTask::new(pa.id, "mine")).await.expect("a task");
    let new_b = NewTask { assignee: Some(b.member.user()), ..NewTask::new(pb.id, "theirs") };
    let tb = b.tf.create_task(&b.member, new_b).await.expect("b task");
    let (seq_a, seq_b) = (last_seq(tf, &a.owner).await, last_seq(tf, &b.owner).await);
    let p = &a.owner;
    let nf = ErrorKind::NotFound;

    expect_err(tf.task(p, tb.id).await, nf, "get foreign task");
    expect_err(
        tf.update_task(p, tb.id, 1, TaskPatch { title: Some("x".into()), ..TaskPatch::default() }).await,
        nf,
        "update",
    );
    expect_err(tf.move_task(p, tb.id, 1, Status::InProgress).await, nf, "move");
    expect_err(tf.assign_task(p, tb.id, 1, Some(p.user())).await, nf, "assign foreign task");
    expect_err(tf.set_task_archived(p, tb.id, 1, true).await, nf, "archive");
    expect_err(tf.delete_task(p, tb.id, 1).await, nf, "delete");
    expect_err(tf.project(p, pb.id).await, nf, "get foreign project");
    expect_err(
        tf.update_project(p, pb.id, 1, ProjectPatch { name: Some("x".into()), description: None }).await,
        nf,
        "update project",
    );
    expect_err(tf.set_project_archived(p, pb.id, 1, true).await, nf, "archive project");
    expect_err(tf.delete_project(p, pb.id, 1).await, nf, "delete project");
    expect_err(tf.create_task(p, NewTask::new(pb.id, "into b")).await, nf, "create in foreign project");
    let err = expect_err(
        tf.assign_task(p, ta.id, 1, Some(b.member.user())).await,
        nf,
        "assign to a foreign member",
    );
    assert!(matches!(err, Error::NotFound { entity: Entity::Assignee }), "{err:?}");
    let with_foreign_assignee = NewTask { assignee: Some(b.member.user()), ..NewTask::new(pa.id, "x") };
    expect_err(tf.create_task(p, with_foreign_assignee).await, nf, "create with a foreign assignee");
    expect_err(tf.member(p, b.member.user()).await, nf, "get foreign member");
    expect_err(tf.change_role(p, b.member.user(), 1, Role::Admin).await, nf, "re-role foreign member");
    expect_err(tf.remove_member(p, b.member.user(), 1).await, nf, "remove foreign member");
    expect_err(tf.act_as(b.owner.org(), a.owner.user()).await, nf, "act in a foreign org");

    // The store itself, without the service in front.
    expect_err(store.get_task(a.owner.org(), tb.id).await, nf, "store get foreign task");
    expect_err(store.get_project(a.owner.org(), pb.id).await, nf, "store get foreign project");
    expect_err(store.get_member(a.owner.org(), b.member.user()).await, nf, "store get foreign member");
    let forged = crate::Task { org_id: b.owner.org(), version: 2, ..tb.clone() };
    let attack = Change {
        org: a.owner.org(),
        actor: a.owner.user(),
        at: tb.updated_at,
        write: Write::PutTask { task: forged.clone(), expected: Expected::Version(1) },
        event: crate::EventKind::TaskDeleted { task_id: tb.id, project_id: pb.id },
    };
    expect_err(store.apply(attack).await, ErrorKind::Invalid, "a change for A carrying B's row");
    let relabelled = crate::Task { org_id: a.owner.org(), ..forged };
    let attack = Change {
        org: a.owner.org(),
        actor: a.owner.user(),
        at: tb.updated_at,
        write: Write::PutTask { task: relabelled, expected: Expected::Version(1) },
        event: crate::EventKind::TaskDeleted { task_id: tb.id, project_id: pb.id },
    };
    expect_err(store.apply(attack).await, nf, "B's task id under A's org");
    let nil = OrgId::from_uuid(uuid::Uuid::nil());
    expect_err(tf.act_as(nil, a.owner.user()).await, ErrorKind::Invalid, "empty tenant context");
    expect_err(store.get_task(nil, tb.id).await, nf, "nil org reads nothing");

    // Listings of A never show B's rows.
    let everything = TaskQuery { archived: Archived::Include, limit: Some(500), ..TaskQuery::default() };
    let tasks = tf.list_tasks(p, &everything).await.expect("list a").items;
    assert_eq!(tasks.iter().map(|t| t.id).collect::<Vec<_>>(), vec![ta.id]);
    let by_foreign_project = TaskQuery { project: Some(pb.id), ..everything.clone() };
    assert!(tf.list_tasks(p, &by_foreign_project).await.expect("list").items.is_empty());
    let by_foreign_assignee = TaskQuery { assignee: Some(b.member.user()), ..everything };
    assert!(tf.list_tasks(p, &by_foreign_assignee).await.expect("list").items.is_empty());
    let projects = tf
        .list_projects(p, &ProjectQuery { archived: Archived::Include, ..ProjectQuery::default() })
        .await
        .expect("projects");
    assert_eq!(projects.items, vec![pa.clone()]);
    let members = tf.list_members(p, &MemberQuery::default()).await.expect("members").items;
    assert!(members.iter().all(|m| m.org_id == a.owner.org()) && members.len() == 4);
    let events = tf.events(p, 0, 1000).await.expect("events");
    assert!(events.iter().all(|e| e.org_id == a.owner.org()));
    assert!(events.iter().all(|e| e.kind.task_id() != Some(tb.id) && e.kind.project_id() != Some(pb.id)));

    // Nothing changed on either side.
    assert_eq!((last_seq(tf, &a.owner).await, last_seq(tf, &b.owner).await), (seq_a, seq_b));
    assert_eq!(b.tf.task(&b.owner, tb.id).await.expect("b task intact"), tb);
    assert_eq!(b.tf.project(&b.owner, pb.id).await.expect("b project intact"), pb);
    assert_eq!(b.tf.member(&b.owner, b.member.user()).await.expect("b member intact").role, Role::Member);
}
