//! Tasks: the lifecycle, edits, assignment, archive, delete, and every refusal of bad input.

use std::sync::Arc;

use chrono::NaiveDate;

use super::{expect_err, last_seq};
use crate::store::TaskQuery;
use crate::testkit::Tenant;
use crate::{
    Entity, Error, ErrorKind, EventKind, NewTask, Priority, Problem, Status, Store, TaskPatch, Tier,
};

/// Create, edit, move through the graph with its timestamps, assign, archive, delete.
pub async fn tasks_lifecycle(store: Arc<dyn Store>) {
    let t = Tenant::new(store, Tier::Pro).await;
    let tf = &t.tf;
    let project = t.project("p").await;
    let due = NaiveDate::from_ymd_opt(2026, 6, 30);
    let new = NewTask {
        description: Some("details".into()),
        priority: Priority::High,
        assignee: Some(t.member.user()),
        due_date: due,
        estimate_hours: Some(3.5),
        tags: vec!["backend".into(), "q3".into()],
        ..NewTask::new(project.id, "Ship it")
    };
    expect_err(tf.create_task(&t.viewer, new.clone()).await, ErrorKind::PermissionDenied, "viewer creates");
    let task = tf.create_task(&t.member, new).await.expect("member creates");
    assert_eq!((task.status, task.version, task.created_by), (Status::Todo, 1, t.member.user()));
    assert_eq!((task.started_at, task.completed_at, task.archived), (None, None, false));
    assert_eq!(tf.task(&t.viewer, task.id).await.expect("read back"), task);

    let patch = TaskPatch { title: Some("Ship it now".into()), due_date: Some(None), ..TaskPatch::default() };
    let task = tf.update_task(&t.member, task.id, 1, patch).await.expect("edit");
    assert_eq!(
        (task.title.as_str(), task.due_date, task.priority, task.version),
        ("Ship it now", None, Priority::High, 2)
    );

    let started = tf.move_task(&t.member, task.id, 2, Status::InProgress).await.expect("start");
    let started_at = started.started_at.expect("started_at set on first entry into in_progress");
    let review = tf.move_task(&t.member, task.id, 3, Status::InReview).await.expect("review");
    let err = expect_err(
        tf.move_task(&t.member, task.id, 4, Status::Todo).await,
        ErrorKind::IllegalTransition,
        "in_review -> todo",
    );
    assert!(matches!(err, Error::IllegalTransition { from: Status::InReview, to: Status::Todo }), "{err:?}");
    let done = tf.move_task(&t.member, task.id, review.version, Status::Done).await.expect("done");
    assert!(done.completed_at.is_some());
    let reopened = tf.move_task(&t.member, task.id, done.version, Status::InProgress).await.expect("reopen");
    assert_eq!((reopened.completed_at, reopened.started_at), (None, Some(started_at)));
    assert_eq!(tf.task(&t.viewer, task.id).await.expect("stored"), reopened);

    let assigned =
        tf.assign_task(&t.member, task.id, reopened.version, Some(t.admin.user())).await.expect("reassign");
    assert_eq!(assigned.assignee, Some(t.admin.user()));
    let outsider = t.outsider().await;
    let err = expect_err(
        tf.assign_task(&t.member, task.id, assigned.version, Some(outsider.id)).await,
        ErrorKind::NotFound,
        "assign a non-member",
    );
    assert!(matches!(err, Error::NotFound { entity: Entity::Assignee }), "{err:?}");
    let unassigned = tf.assign_task(&t.member, task.id, assigned.version, None).await.expect("unassign");
    let archived = tf.set_task_archived(&t.member, task.id, unassigned.version, true).await.expect("archive");
    assert!(archived.archived);
    // Changes that change nothing are not written: same record back, no event.
    let seq = last_seq(tf, &t.owner).await;
    let again =
        tf.set_task_archived(&t.member, task.id, archived.version, true).await.expect("archive again");
    let same_assignee =
        tf.assign_task(&t.member, task.id, archived.version, None).await.expect("unassign again");
    let empty = tf
        .update_task(&t.member, task.id, archived.version, TaskPatch::default())
        .await
        .expect("empty patch");
    assert!(
        [again, same_assignee, empty].iter().all(|x| *x == archived),
        "no-op changes return the record as it is"
    );
    assert_eq!(last_seq(tf, &t.owner).await, seq, "no-op changes append no event");
    assert!(
        tf.list_tasks(&t.viewer, &TaskQuery::default()).await.expect("list").items.is_empty(),
        "archived hidden"
    );
    expect_err(
        tf.delete_task(&t.member, task.id, archived.version).await,
        ErrorKind::PermissionDenied,
        "member deletes",
    );
    tf.delete_task(&t.admin, task.id, archived.version).await.expect("admin deletes");
    expect_err(tf.task(&t.viewer, task.id).await, ErrorKind::NotFound, "deleted task");

    let events = tf.events(&t.owner, 5, 100).await.expect("events");
    let kinds: Vec<_> = events.iter().map(|e| e.kind.name()).collect();
    let expected = [
        "task_created",
        "task_updated",
        "task_status_changed",
        "task_status_changed",
        "task_status_changed",
        "task_status_changed",
        "task_assigned",
        "task_assigned",
        "task_archived",
        "task_deleted",
    ];
    assert_eq!(kinds, expected);
    assert!(
        events.iter().all(|e| e.kind.task_id() == Some(task.id) && e.kind.project_id() == Some(project.id))
    );
    let completion = &events[4];
    assert!(matches!(
        completion.kind,
        EventKind::TaskStatusChanged { from: Status::InReview, to: Status::Done, .. }
    ));
    assert_eq!(Some(completion.at), done.completed_at);
}

/// Every bad input answers a clear error naming the field, and appends nothing.
pub async fn invalid_input_is_refused_and_writes_nothing(store: Arc<dyn Store>) {
    let t = Tenant::new(store, Tier::Pro).await;
    let tf = &t.tf;
    let project = t.project("p").await;
    let before = last_seq(tf, &t.owner).await;
    let base = NewTask::new(project.id, "ok");
    let bad_inputs: Vec<(NewTask, &str)> = vec![
        (NewTask { title: "   ".into(), ..base.clone() }, "title"),
        (NewTask { title: "x".repeat(501), ..base.clone() }, "title"),
        (NewTask { description: Some("d".repeat(20_001)), ..base.clone() }, "description"),
        (NewTask { tags: (0..21).map(|i| format!("t{i}")).collect(), ..base.clone() }, "tags"),
        (NewTask { tags: vec!["x".repeat(51)], ..base.clone() }, "tags"),
        (NewTask { estimate_hours: Some(f64::NAN), ..base.clone() }, "estimate_hours"),
    ];
    for (input, field) in bad_inputs {
        let err = expect_err(tf.create_task(&t.member, input).await, ErrorKind::Invalid, field);
        assert!(matches!(err, Error::Invalid { field: f, .. } if f == field), "{field}: {err:?}");
    }
    let ghost_project = crate::ProjectId::from_uuid(uuid::Uuid::now_v7());
    expect_err(
        tf.create_task(&t.member, NewTask::new(ghost_project, "x")).await,
        ErrorKind::NotFound,
        "unknown project",
    );
    let ghost_user = crate::UserId::from_uuid(uuid::Uuid::now_v7());
    let err = expect_err(
        tf.create_task(&t.member, NewTask { assignee: Some(ghost_user), ..base.clone() }).await,
        ErrorKind::NotFound,
        "unknown assignee",
    );
    assert!(matches!(err, Error::NotFound { entity: Entity::Assignee }));
    let err = expect_err(crate::validation::due_date("2026-13-01"), ErrorKind::Invalid, "due date");
    assert!(matches!(err, Error::Invalid { field: "due_date", problem: Problem::Malformed(_) }));

    let task = tf.create_task(&t.member, base.clone()).await.expect("valid task");
    let after_create = last_seq(tf, &t.owner).await;
    assert_eq!(after_create, before + 1);
    let blank = TaskPatch { title: Some(" ".into()), ..TaskPatch::default() };
    expect_err(tf.update_task(&t.member, task.id, 1, blank).await, ErrorKind::Invalid, "blank title patch");
    expect_err(
        tf.move_task(&t.member, task.id, 1, Status::InReview).await,
        ErrorKind::IllegalTransition,
        "todo -> in_review",
    );
    expect_err(
        tf.move_task(&t.member, task.id, 1, Status::Todo).await,
        ErrorKind::IllegalTransition,
        "todo -> todo",
    );
    let ghost_task = crate::TaskId::from_uuid(uuid::Uuid::now_v7());
    expect_err(
        tf.move_task(&t.member, ghost_task, 1, Status::Done).await,
        ErrorKind::NotFound,
        "unknown task",
    );
    let query = TaskQuery { limit: Some(501), ..TaskQuery::default() };
    expect_err(tf.list_tasks(&t.viewer, &query).await, ErrorKind::Invalid, "page of 501");
    let query =
        TaskQuery { after: Some(crate::store::Cursor::from_token("garbage")), ..TaskQuery::default() };
    expect_err(tf.list_tasks(&t.viewer, &query).await, ErrorKind::Invalid, "damaged cursor");
    assert_eq!(last_seq(tf, &t.owner).await, after_create, "refusals append no event");
    assert_eq!(tf.task(&t.viewer, task.id).await.expect("unchanged"), task, "refusals change nothing");
}
