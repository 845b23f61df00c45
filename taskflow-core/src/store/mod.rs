//! The storage contract.
//!
//! Small traits per aggregate, grouped under [`Store`]. All of them are dyn-compatible
//! (`Arc<dyn Store>` works) and none has a default method, so a wrapper can never silently skip
//! a backend's own implementation. Every tenant method takes the [`OrgId`] first: no id alone
//! ever reaches a record, and a record of another organization answers
//! [`Error::NotFound`](crate::Error::NotFound) exactly like a missing one.
//!
//! Reads are per-aggregate traits with `*Query` structs; every write goes through one method,
//! [`ChangeStore::apply`], which takes a typed [`Change`] and applies it atomically together
//! with its event (see [`change`] for the steps every backend follows).

pub mod change;
mod query;

use std::fmt::Debug;

use async_trait::async_trait;
use tokio::sync::broadcast;

pub use change::{
    Change, Effects, Expected, MAX_BATCH, OrgUsage, Presence, ProjectUsage, Record, RecordWrite, Reference,
    Snapshot, Target, Write,
};
pub use query::{
    Archived, ChangedTasksQuery, Cursor, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, MemberQuery, Page, ProjectQuery,
    TaskQuery, page_size,
};

use crate::{Event, Member, OrgId, Organization, Project, ProjectId, Result, Task, TaskId, User, UserId};

/// Global user accounts (the only records outside a tenant).
#[async_trait]
pub trait UserStore: Send + Sync {
    /// Stores a new user; an e-mail already taken is a `Conflict`.
    async fn insert_user(&self, user: &User) -> Result<()>;
    /// A user by id.
    async fn get_user(&self, id: UserId) -> Result<User>;
    /// A user by e-mail, compared as stored (lower-cased by the service on the way in).
    async fn find_user_by_email(&self, email: &str) -> Result<User>;
}

/// Organizations.
#[async_trait]
pub trait OrganizationStore: Send + Sync {
    /// An organization by id.
    async fn get_organization(&self, org: OrgId) -> Result<Organization>;
    /// An organization by slug (for resolving a tenant from a URL or a login).
    async fn find_organization_by_slug(&self, slug: &str) -> Result<Organization>;
    /// Deletes the organization and every record of it, after checking with
    /// [`change::check_delete_organization`] inside the same atomic unit. Its event log goes
    /// too, so no event is appended; live subscribers see their feed end.
    async fn delete_organization(&self, org: OrgId, actor: UserId, expected_version: u64) -> Result<()>;
}

/// Memberships.
#[async_trait]
pub trait MemberStore: Send + Sync {
    /// One membership.
    async fn get_member(&self, org: OrgId, user: UserId) -> Result<Member>;
    /// Members of an organization, by user id.
    async fn list_members(&self, org: OrgId, query: &MemberQuery) -> Result<Page<Member>>;
    /// Every membership of a user, across organizations: the user's own list of tenants.
    async fn list_memberships(&self, user: UserId) -> Result<Vec<Member>>;
}

/// Projects.
#[async_trait]
pub trait ProjectStore: Send + Sync {
    /// One project.
    async fn get_project(&self, org: OrgId, id: ProjectId) -> Result<Project>;
    /// Projects of an organization, by id.
    async fn list_projects(&self, org: OrgId, query: &ProjectQuery) -> Result<Page<Project>>;
}

/// Tasks.
#[async_trait]
pub trait TaskStore: Send + Sync {
    /// One task.
    async fn get_task(&self, org: OrgId, id: TaskId) -> Result<Task>;
    /// Tasks matching a query, by id.
    async fn list_tasks(&self, org: OrgId, query: &TaskQuery) -> Result<Page<Task>>;
    /// Tasks changed since a moment, by `(updated_at, id)`: the incremental export.
    async fn list_changed_tasks(&self, org: OrgId, query: &ChangedTasksQuery) -> Result<Page<Task>>;
}

/// The event log.
#[async_trait]
pub trait EventStore: Send + Sync {
    /// Up to `limit` events with `seq > after_seq`, in seq order.
    async fn events_after(&self, org: OrgId, after_seq: u64, limit: usize) -> Result<Vec<Event>>;
    /// The seq of the last event (0 when there is none).
    async fn last_seq(&self, org: OrgId) -> Result<u64>;
    /// A receiver of the events committed from now on, published after their commit. It may
    /// lag (a bounded buffer) and, across processes, deliver out of order: the change feed
    /// ([`Subscription`](crate::Subscription)) repairs both from [`EventStore::events_after`].
    async fn listen(&self, org: OrgId) -> Result<broadcast::Receiver<Event>>;
}

/// The one write path.
#[async_trait]
pub trait ChangeStore: Send + Sync {
    /// Applies the change atomically with its event, or nothing at all, and returns the event.
    async fn apply(&self, change: Change) -> Result<Event>;

    /// Applies every change in order in one atomic unit — all of them with their events, or none
    /// — and returns the events (consecutive seqs). Each change is decided against the state the
    /// previous ones left, so limits count the batch itself. The batch must pass
    /// [`change::check_batch`]: one organization, no registration, at most [`MAX_BATCH`] changes.
    async fn apply_batch(&self, changes: Vec<Change>) -> Result<Vec<Event>>;
}

/// A complete storage backend.
pub trait Store:
    UserStore
    + OrganizationStore
    + MemberStore
    + ProjectStore
    + TaskStore
    + EventStore
    + ChangeStore
    + Debug
    + 'static
{
}

impl<T> Store for T where
    T: UserStore
        + OrganizationStore
        + MemberStore
        + ProjectStore
        + TaskStore
        + EventStore
        + ChangeStore
        + Debug
        + 'static
{
}
