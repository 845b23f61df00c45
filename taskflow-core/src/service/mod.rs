//! The service API: the [`TaskFlow`] handle.
//!
//! Every operation acts for a [`Principal`] — an organization, a user and the role the user holds
//! there — which can only be obtained from a stored membership ([`TaskFlow::act_as`]) or a
//! registration. So there is no unscoped path: without a principal there is no tenant, and
//! without a tenant nothing is read or written. Each write validates its input, checks the
//! permission matrix, builds a [`Change`](crate::store::Change) and hands it to the store, which
//! re-checks everything atomically (the role may have changed since the principal was resolved).
//!
//! A change that would change nothing (archiving an archived task, assigning the same person, an
//! empty patch, the same role or tier) is not written and appends no event: the current record
//! is returned as it is. A [`Principal`] is a snapshot of a membership: reads trust it, writes
//! re-check it, so resolve one per request rather than keeping it for a session.

mod events;
mod members;
mod organizations;
mod projects;
mod tasks;

use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::clock::{Clock, IdSource, RandomIds, SystemClock};
use crate::permission::allows;
use crate::store::{Change, Write};
use crate::{Action, ConflictReason, Entity, Error, Event, EventKind, OrgId, Result, Role, Store, UserId};

pub use events::MAX_EVENTS_PER_READ;
pub use members::NewUser;
pub use organizations::NewOrganization;

/// The entry point: a store, a clock and an id source.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() -> taskflow_core::Result<()> {
/// use std::sync::Arc;
/// use taskflow_core::{MemoryStore, NewOrganization, NewProject, NewTask, NewUser, Status, TaskFlow, Tier};
///
/// let tf = TaskFlow::new(Arc::new(MemoryStore::new()));
/// let ada = tf.create_user(NewUser::new("ada@example.com", "Ada")).await?;
/// let (org, owner) = tf.register(NewOrganization::new("Acme", "acme", "Europe/Paris", Tier::Free), ada.id).await?;
/// let project = tf.create_project(&owner, NewProject::named("Launch")).await?;
/// let task = tf.create_task(&owner, NewTask::new(project.id, "Write the press release")).await?;
/// let task = tf.move_task(&owner, task.id, task.version, Status::InProgress).await?;
/// assert_eq!(task.status, Status::InProgress);
/// assert_eq!(tf.events(&owner, 0, 10).await?.len(), 4); // org, project, task, move
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct TaskFlow {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    ids: Arc<dyn IdSource>,
}

impl TaskFlow {
    /// A handle over `store` with the system clock and random UUID v7 ids.
    pub fn new(store: Arc<dyn Store>) -> Self {
        Self { store, clock: Arc::new(SystemClock), ids: Arc::new(RandomIds::default()) }
    }

    /// Replaces the clock (tests, replays).
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Replaces the id source (deterministic replays).
    pub fn with_ids(mut self, ids: Arc<dyn IdSource>) -> Self {
        self.ids = ids;
        self
    }

    /// The store underneath (for exports and tests).
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    /// The clock in use.
    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    /// Resolves the principal for `user` in `org` from the stored membership. A user who is not a
    /// member answers `NotFound` for the organization, as if it did not exist.
    pub async fn act_as(&self, org: OrgId, user: UserId) -> Result<Principal> {
        if org.is_nil() {
            return Err(Error::invalid("org_id", crate::Problem::Missing));
        }
        let member = self.store.get_member(org, user).await.map_err(|e| match e {
            Error::NotFound { .. } => Error::not_found(crate::Entity::Organization),
            other => other,
        })?;
        Ok(Principal { org, user, role: member.role })
    }

    fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    fn new_id<T: From<uuid::Uuid>>(&self, at: DateTime<Utc>) -> T {
        T::from(self.ids.next_id(at))
    }

    /// The service builds a change from what it read, so the read must be the version the caller
    /// names; the store then checks that nothing landed since.
    fn expect_version(entity: Entity, actual: u64, expected: u64) -> Result<()> {
        if actual == expected {
            Ok(())
        } else {
            Err(Error::conflict(entity, ConflictReason::StaleVersion { expected, actual }))
        }
    }

    /// Sends a change for the principal to the store.
    async fn apply(
        &self,
        principal: &Principal,
        at: DateTime<Utc>,
        write: Write,
        event: EventKind,
    ) -> Result<Event> {
        self.store.apply(Change { org: principal.org, actor: principal.user, at, write, event }).await
    }
}

/// Who acts: an organization, a user, and the role the user held there when resolved.
///
/// Only [`TaskFlow::act_as`] and [`TaskFlow::register`] make one, so every principal comes from
/// a real membership. The store re-checks the role at write time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Principal {
    org: OrgId,
    user: UserId,
    role: Role,
}

impl Principal {
    /// The organization acted in.
    pub const fn org(&self) -> OrgId {
        self.org
    }

    /// The acting user.
    pub const fn user(&self) -> UserId {
        self.user
    }

    /// The role held when the principal was resolved.
    pub const fn role(&self) -> Role {
        self.role
    }

    /// Fails with `PermissionDenied` unless the role allows `action`.
    pub fn require(&self, action: Action) -> Result<()> {
        if allows(self.role, action) {
            Ok(())
        } else {
            Err(Error::PermissionDenied { role: self.role, action })
        }
    }
}
