//! Users, registration, memberships, roles, organization deletion.

use std::sync::Arc;

use super::{expect_err, last_seq};
use crate::store::MemberQuery;
use crate::testkit::Tenant;
use crate::testkit::fixtures::{unique, user};
use crate::{
    ConflictReason, Error, ErrorKind, EventKind, NewOrganization, NewProject, NewUser, Role, Store, TaskFlow,
    Tier,
};

/// Users are global, e-mails unique (case-insensitively), lookups by id and e-mail agree.
pub async fn users_are_global_and_unique(store: Arc<dyn Store>) {
    let tf = TaskFlow::new(store.clone());
    let email = format!("{}@Example.com", unique("ada"));
    let ada = tf.create_user(NewUser::new(&email, "Ada")).await.expect("create user");
    assert_eq!(ada.email, email.to_lowercase());
    assert_eq!(store.get_user(ada.id).await.expect("get user"), ada);
    assert_eq!(store.find_user_by_email(&ada.email).await.expect("by email"), ada);
    let again = tf.create_user(NewUser::new(email.to_uppercase(), "Ada again")).await;
    let err = expect_err(again, ErrorKind::Conflict, "duplicate e-mail");
    assert!(matches!(err, Error::Conflict { reason: ConflictReason::AlreadyExists("email"), .. }), "{err:?}");
    let unknown = crate::UserId::from_uuid(uuid::Uuid::now_v7());
    expect_err(store.get_user(unknown).await, ErrorKind::NotFound, "unknown user");
    expect_err(tf.create_user(NewUser::new("not-an-email", "X")).await, ErrorKind::Invalid, "bad e-mail");
    expect_err(
        tf.create_user(NewUser::new(format!("{}@example.com", unique("x")), "  ")).await,
        ErrorKind::Invalid,
        "blank name",
    );
}

/// Registration creates the organization and its first Owner, appends seq 1, and refuses a
/// taken slug, a bad slug, an unknown time zone and an unknown owner, writing nothing.
pub async fn registration_creates_owner_and_first_event(store: Arc<dyn Store>) {
    let tf = TaskFlow::new(store.clone());
    let ada = user(&tf, "ada").await;
    let slug = unique("acme");
    let new = NewOrganization::new("Acme", &slug, "America/New_York", Tier::Free);
    let (org, owner) = tf.register(new.clone(), ada.id).await.expect("register");
    assert_eq!((owner.org(), owner.user(), owner.role()), (org.id, ada.id, Role::Owner));
    assert_eq!(org.time_zone, chrono_tz::America::New_York);
    assert_eq!(store.get_organization(org.id).await.expect("get org"), org);
    assert_eq!(store.find_organization_by_slug(&slug).await.expect("by slug"), org);
    let member = store.get_member(org.id, ada.id).await.expect("owner membership");
    assert_eq!((member.role, member.version), (Role::Owner, 1));
    let events = tf.events(&owner, 0, 10).await.expect("events");
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].seq, 1);
    assert!(matches!(&events[0].kind, EventKind::OrganizationCreated { owner, .. } if *owner == ada.id));
    assert_eq!(tf.memberships(ada.id).await.expect("memberships"), vec![member]);

    let bob = user(&tf, "bob").await;
    let taken = tf.register(NewOrganization { name: "Other".into(), ..new.clone() }, bob.id).await;
    expect_err(taken, ErrorKind::Conflict, "taken slug");
    let bad_zone = NewOrganization::new("Z", unique("zone"), "Mars/Olympus", Tier::Free);
    expect_err(tf.register(bad_zone, bob.id).await, ErrorKind::Invalid, "unknown time zone");
    expect_err(
        tf.register(NewOrganization::new("Z", "Bad Slug", "UTC", Tier::Free), bob.id).await,
        ErrorKind::Invalid,
        "bad slug",
    );
    let ghost = crate::UserId::from_uuid(uuid::Uuid::now_v7());
    let ghost_slug = unique("ghost");
    let ghost_org = NewOrganization::new("Ghost", &ghost_slug, "UTC", Tier::Free);
    expect_err(tf.register(ghost_org, ghost).await, ErrorKind::NotFound, "unknown owner");
    expect_err(store.find_organization_by_slug(&ghost_slug).await, ErrorKind::NotFound, "nothing written");
    assert!(tf.memberships(bob.id).await.expect("memberships").is_empty());
}

/// Adding, listing, re-roling and removing members, with the rules on who may do what.
pub async fn members_and_roles(store: Arc<dyn Store>) {
    let t = Tenant::new(store.clone(), Tier::Pro).await;
    let tf = &t.tf;
    let carol = t.outsider().await;
    expect_err(
        tf.add_member(&t.member, carol.id, Role::Viewer).await,
        ErrorKind::PermissionDenied,
        "member adds",
    );
    expect_err(
        tf.add_member(&t.admin, carol.id, Role::Owner).await,
        ErrorKind::PermissionDenied,
        "admin adds owner",
    );
    let added = tf.add_member(&t.admin, carol.id, Role::Member).await.expect("admin adds member");
    assert_eq!(tf.member(&t.viewer, carol.id).await.expect("read member"), added);
    expect_err(tf.add_member(&t.admin, carol.id, Role::Viewer).await, ErrorKind::Conflict, "added twice");
    let ghost = crate::UserId::from_uuid(uuid::Uuid::now_v7());
    expect_err(tf.add_member(&t.owner, ghost, Role::Member).await, ErrorKind::NotFound, "unknown user");

    let promoted = tf.change_role(&t.admin, carol.id, 1, Role::Admin).await.expect("promote");
    assert_eq!((promoted.role, promoted.version), (Role::Admin, 2));
    expect_err(
        tf.change_role(&t.admin, carol.id, 1, Role::Viewer).await,
        ErrorKind::Conflict,
        "stale role change",
    );
    expect_err(
        tf.change_role(&t.admin, carol.id, 2, Role::Owner).await,
        ErrorKind::PermissionDenied,
        "admin makes owner",
    );
    tf.change_role(&t.owner, carol.id, 2, Role::Owner).await.expect("owner makes owner");
    expect_err(
        tf.remove_member(&t.admin, carol.id, 3).await,
        ErrorKind::PermissionDenied,
        "admin removes owner",
    );

    let page = tf.list_members(&t.viewer, &MemberQuery::default()).await.expect("list");
    assert_eq!(page.items.len(), 5);
    assert!(page.items.windows(2).all(|w| w[0].user_id < w[1].user_id), "members ordered by user id");
    let first = tf
        .list_members(&t.viewer, &MemberQuery { limit: Some(2), ..MemberQuery::default() })
        .await
        .expect("page 1");
    let rest = tf
        .list_members(&t.viewer, &MemberQuery { after: first.next.clone(), limit: Some(10) })
        .await
        .expect("page 2");
    assert_eq!(first.items.len() + rest.items.len(), 5);
    assert!(rest.next.is_none());

    tf.remove_member(&t.owner, carol.id, 3).await.expect("owner removes owner");
    expect_err(tf.member(&t.owner, carol.id).await, ErrorKind::NotFound, "removed member");
    expect_err(tf.act_as(t.owner.org(), carol.id).await, ErrorKind::NotFound, "removed member acts");
    let kinds: Vec<_> =
        tf.events(&t.owner, 4, 100).await.expect("events").iter().map(|e| e.kind.name()).collect();
    assert_eq!(kinds, ["member_added", "member_role_changed", "member_role_changed", "member_removed"]);
}

/// The last Owner can be neither demoted nor removed; with two Owners, one can go.
pub async fn last_owner_is_kept(store: Arc<dyn Store>) {
    let t = Tenant::new(store, Tier::Pro).await;
    let tf = &t.tf;
    let me = t.owner.user();
    let seq = last_seq(tf, &t.owner).await;
    let err = expect_err(
        tf.change_role(&t.owner, me, 1, Role::Admin).await,
        ErrorKind::Conflict,
        "demote last owner",
    );
    assert!(matches!(err, Error::Conflict { reason: ConflictReason::LastOwner, .. }), "{err:?}");
    expect_err(tf.remove_member(&t.owner, me, 1).await, ErrorKind::Conflict, "remove last owner");
    assert_eq!(last_seq(tf, &t.owner).await, seq, "refusals append nothing");
    let second = tf.change_role(&t.owner, t.admin.user(), 1, Role::Owner).await.expect("second owner");
    tf.change_role(&t.owner, me, 1, Role::Admin).await.expect("first owner steps down");
    let second_owner = tf.act_as(t.owner.org(), second.user_id).await.expect("second owner principal");
    expect_err(
        tf.remove_member(&second_owner, second.user_id, 2).await,
        ErrorKind::Conflict,
        "remove the now-last owner",
    );
    assert_eq!(tf.member(&t.owner, me).await.expect("still member").role, Role::Admin);
}

/// A principal resolved before a demotion or removal cannot write with its old role: the
/// store checks the actor's current membership inside the write.
pub async fn store_rechecks_the_current_role(store: Arc<dyn Store>) {
    let t = Tenant::new(store, Tier::Pro).await;
    let tf = &t.tf;
    let stale_admin = t.admin;
    tf.change_role(&t.owner, t.admin.user(), 1, Role::Viewer).await.expect("demote admin");
    let refused = tf.create_project(&stale_admin, NewProject::named("sneaky")).await;
    expect_err(refused, ErrorKind::PermissionDenied, "demoted admin creates a project");
    let stale_member = t.member;
    tf.remove_member(&t.owner, t.member.user(), 1).await.expect("remove member");
    let project = t.project("p").await;
    let refused = tf.create_task(&stale_member, crate::NewTask::new(project.id, "x")).await;
    expect_err(refused, ErrorKind::NotFound, "removed member creates a task");
    let listed = tf.list_tasks(&t.owner, &crate::store::TaskQuery::default()).await.expect("list");
    assert!(listed.items.is_empty(), "nothing was written");
}

/// Deleting an organization (Owners only, at the version read) removes it and everything in it.
pub async fn organization_deletion(store: Arc<dyn Store>) {
    let t = Tenant::new(store.clone(), Tier::Pro).await;
    let other = Tenant::new(store.clone(), Tier::Pro).await;
    let tf = &t.tf;
    let project = t.project("p").await;
    let task = tf.create_task(&t.member, crate::NewTask::new(project.id, "x")).await.expect("task");
    let other_project = other.project("kept").await;
    expect_err(tf.delete_organization(&t.admin, 1).await, ErrorKind::PermissionDenied, "admin deletes org");
    expect_err(tf.delete_organization(&t.owner, 7).await, ErrorKind::Conflict, "stale version");
    let org = t.owner.org();
    let slug = store.get_organization(org).await.expect("org").slug;
    tf.delete_organization(&t.owner, 1).await.expect("delete org");
    expect_err(store.get_organization(org).await, ErrorKind::NotFound, "org gone");
    expect_err(store.get_task(org, task.id).await, ErrorKind::NotFound, "task gone");
    expect_err(store.get_project(org, project.id).await, ErrorKind::NotFound, "project gone");
    expect_err(store.get_member(org, t.owner.user()).await, ErrorKind::NotFound, "membership gone");
    expect_err(store.find_organization_by_slug(&slug).await, ErrorKind::NotFound, "slug gone");
    expect_err(store.events_after(org, 0, 10).await, ErrorKind::NotFound, "log gone");
    assert!(tf.memberships(t.owner.user()).await.expect("memberships").is_empty());
    assert_eq!(
        other.tf.project(&other.owner, other_project.id).await.expect("other tenant intact"),
        other_project
    );
    // The slug is free again.
    let again = NewOrganization::new("Again", slug, "UTC", Tier::Free);
    tf.register(again, t.owner.user()).await.expect("slug reusable");
}
