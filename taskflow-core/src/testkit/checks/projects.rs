//! Projects: create, read, update, archive, restore, delete.

use std::sync::Arc;

use super::expect_err;
use crate::store::{Archived, ProjectQuery};
use crate::testkit::Tenant;
use crate::{ConflictReason, Error, ErrorKind, NewProject, NewTask, ProjectPatch, Store, Tier};

/// The whole life of a project, with the permission and state rules on the way.
pub async fn projects_lifecycle(store: Arc<dyn Store>) {
    let t = Tenant::new(store, Tier::Pro).await;
    let tf = &t.tf;
    expect_err(
        tf.create_project(&t.member, NewProject::named("no")).await,
        ErrorKind::PermissionDenied,
        "member creates project",
    );
    let new = NewProject { name: "  Launch ".into(), description: Some("Q3 launch".into()) };
    let p = tf.create_project(&t.admin, new).await.expect("admin creates project");
    assert_eq!((p.name.as_str(), p.version, p.archived, p.created_by), ("Launch", 1, false, t.admin.user()));
    assert_eq!(tf.project(&t.viewer, p.id).await.expect("viewer reads"), p);

    let patch = ProjectPatch { name: Some("Launch v2".into()), description: Some(None) };
    let p2 = tf.update_project(&t.admin, p.id, 1, patch).await.expect("update");
    assert_eq!((p2.name.as_str(), p2.description.as_deref(), p2.version), ("Launch v2", None, 2));
    assert_eq!(tf.project(&t.viewer, p.id).await.expect("read back"), p2);
    let stale = tf
        .update_project(&t.admin, p.id, 1, ProjectPatch { name: Some("x".into()), description: None })
        .await;
    expect_err(stale, ErrorKind::Conflict, "stale project update");

    let archived = tf.set_project_archived(&t.admin, p.id, 2, true).await.expect("archive");
    assert!(archived.archived);
    let listed = tf.list_projects(&t.viewer, &ProjectQuery::default()).await.expect("list active");
    assert!(listed.items.iter().all(|x| x.id != p.id), "archived projects are hidden by default");
    let only = ProjectQuery { archived: Archived::Only, ..ProjectQuery::default() };
    assert_eq!(
        tf.list_projects(&t.viewer, &only).await.expect("list archived").items,
        vec![archived.clone()]
    );
    let err = expect_err(
        tf.create_task(&t.member, NewTask::new(p.id, "late")).await,
        ErrorKind::Invalid,
        "task in archived project",
    );
    assert!(matches!(err, Error::Invalid { field: "project_id", .. }), "{err:?}");
    let restored = tf.set_project_archived(&t.admin, p.id, 3, false).await.expect("restore");
    let task = tf.create_task(&t.member, NewTask::new(p.id, "now")).await.expect("task in restored project");

    let err = expect_err(
        tf.delete_project(&t.admin, p.id, restored.version).await,
        ErrorKind::Conflict,
        "delete non-empty",
    );
    assert!(matches!(err, Error::Conflict { reason: ConflictReason::NotEmpty, .. }), "{err:?}");
    tf.delete_task(&t.admin, task.id, 1).await.expect("delete its task");
    expect_err(
        tf.delete_project(&t.member, p.id, restored.version).await,
        ErrorKind::PermissionDenied,
        "member deletes",
    );
    expect_err(tf.delete_project(&t.admin, p.id, 1).await, ErrorKind::Conflict, "stale delete");
    tf.delete_project(&t.admin, p.id, restored.version).await.expect("delete empty project");
    expect_err(tf.project(&t.viewer, p.id).await, ErrorKind::NotFound, "deleted project");
    expect_err(
        tf.delete_project(&t.admin, p.id, restored.version).await,
        ErrorKind::NotFound,
        "deleted twice",
    );
    let kinds: Vec<_> =
        tf.events(&t.owner, 4, 100).await.expect("events").iter().map(|e| e.kind.name()).collect();
    let expected = [
        "project_created",
        "project_updated",
        "project_archived",
        "project_archived",
        "task_created",
        "task_deleted",
        "project_deleted",
    ];
    assert_eq!(kinds, expected);
}
