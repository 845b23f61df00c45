//! `PgStore`: the storage traits over the schema, every call one tenant-scoped transaction.

use std::sync::Arc;

use async_trait::async_trait;
use sqlx::PgPool;
use sqlx::postgres::PgPoolOptions;
use tokio::sync::broadcast;
use tokio::task::JoinHandle;

use taskflow_core::feed::DEFAULT_FEED_CAPACITY;
use taskflow_core::store::{
    Change, ChangeStore, ChangedTasksQuery, EventStore, MemberQuery, MemberStore, OrganizationStore, Page,
    ProjectQuery, ProjectStore, TaskQuery, TaskStore, UserStore, change,
};
use taskflow_core::{
    Error, Event, Member, OrgId, Organization, Project, ProjectId, Result, Task, TaskId, User, UserId,
};

use crate::config::{PgConfig, target};
use crate::db::{Db, commit, set_tenant, tenant};
use crate::error::{PgError, SqlResult};
use crate::feed::{Relay, listen};
use crate::group::{self, Groups};
use crate::shared::Shared;
use crate::{delete, read, schema};

/// A TaskFlow store on PostgreSQL. Cheap to clone; clones share the pool and the change feed.
///
/// Connect it as the run-time role (see the crate docs: Roles); the schema must have been
/// brought up to date with [`migrate`](crate::migrate) by its owner.
#[derive(Clone)]
pub struct PgStore {
    inner: Arc<Inner>,
}

struct Inner {
    shared: Arc<Shared>,
    listener: JoinHandle<()>,
    target: String,
}

impl Drop for Inner {
    fn drop(&mut self) {
        // The listener holds only what it shares with the store; it has nobody to serve now.
        self.listener.abort();
    }
}

impl std::fmt::Debug for PgStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgStore")
            .field("target", &self.inner.target)
            .field("pool_size", &self.pool().size())
            .finish_non_exhaustive()
    }
}

impl PgStore {
    /// Connects to the database at `url` with the default settings.
    ///
    /// Fails with a clear [`PgError`] (inside [`Error::Backend`]) when the URL is malformed,
    /// the server cannot be reached, the role bypasses row-level security or owns the tables,
    /// or the schema is missing, outdated or newer than this build.
    pub async fn connect(url: &str) -> Result<Self> {
        Self::connect_with(PgConfig::from_url(url)?).await
    }

    /// Connects with explicit settings.
    pub async fn connect_with(config: PgConfig) -> Result<Self> {
        let pool = PgPoolOptions::new()
            .max_connections(config.max_connections)
            .acquire_timeout(config.acquire_timeout)
            .connect_with(config.options.clone())
            .await
            .map_err(|source| PgError::Connect { target: config.target(), source })?;
        Self::start(pool, config.feed_capacity).await
    }

    /// Wraps a pool the service built itself (its size is the store's concurrency), with the
    /// same checks as [`PgStore::connect`].
    pub async fn from_pool(pool: PgPool) -> Result<Self> {
        Self::start(pool, DEFAULT_FEED_CAPACITY).await
    }

    async fn start(pool: PgPool, feed_capacity: usize) -> Result<Self> {
        schema::verify(&pool).await?;
        let options = pool.connect_options();
        let shared =
            Arc::new(Shared { db: Db { pool }, relay: Relay::new(feed_capacity), groups: Groups::default() });
        let listener = listen::spawn(shared.clone(), &options);
        Ok(Self { inner: Arc::new(Inner { shared, listener, target: target(&options) }) })
    }

    /// The connection pool (for the service's own queries, and for tests).
    pub fn pool(&self) -> &PgPool {
        &self.inner.shared.db.pool
    }

    fn shared(&self) -> &Shared {
        &self.inner.shared
    }
}

#[async_trait]
impl UserStore for PgStore {
    async fn insert_user(&self, user: &User) -> Result<()> {
        let pool = self.pool();
        self.shared()
            .db
            .retry(move || async move {
                sqlx::query("INSERT INTO users (id, email, name, created_at) VALUES ($1, $2, $3, $4)")
                    .bind(user.id.as_uuid())
                    .bind(&user.email)
                    .bind(&user.name)
                    .bind(user.created_at)
                    .execute(pool)
                    .await
                    .db()
                    .map(drop)
            })
            .await
    }

    async fn get_user(&self, id: UserId) -> Result<User> {
        let db = &self.shared().db;
        db.retry(move || async move { read::user(&mut *db.pool.acquire().await.db()?, id).await }).await
    }

    async fn find_user_by_email(&self, email: &str) -> Result<User> {
        let db = &self.shared().db;
        db.retry(move || async move { read::user_by_email(&mut *db.pool.acquire().await.db()?, email).await })
            .await
    }
}

#[async_trait]
impl OrganizationStore for PgStore {
    async fn get_organization(&self, org: OrgId) -> Result<Organization> {
        tenant!(self.shared(), org, |c| read::organization(c, org))
    }

    async fn find_organization_by_slug(&self, slug: &str) -> Result<Organization> {
        let db = &self.shared().db;
        let org = db
            .retry(move || async move { read::org_by_slug(&mut *db.pool.acquire().await.db()?, slug).await })
            .await?;
        tenant!(self.shared(), org, |c| read::organization(c, org))
    }

    async fn delete_organization(&self, org: OrgId, actor: UserId, expected_version: u64) -> Result<()> {
        let db = &self.shared().db;
        db.retry(move || async move {
            let mut tx = db.begin(org).await?;
            delete::organization(&mut tx, org, actor, expected_version).await?;
            commit(tx).await
        })
        .await?;
        self.shared().relay.close(org);
        Ok(())
    }
}

#[async_trait]
impl MemberStore for PgStore {
    async fn get_member(&self, org: OrgId, user: UserId) -> Result<Member> {
        tenant!(self.shared(), org, |c| read::member(c, org, user))
    }

    async fn list_members(&self, org: OrgId, query: &MemberQuery) -> Result<Page<Member>> {
        tenant!(self.shared(), org, |c| read::members(c, org, query))
    }

    /// Reads the global membership index, then each membership under its own tenant setting,
    /// all in one transaction (`SET LOCAL` may change within it).
    async fn list_memberships(&self, user: UserId) -> Result<Vec<Member>> {
        let db = &self.shared().db;
        db.retry(move || async move {
            let mut tx = db.begin_global().await?;
            let mut members = Vec::new();
            for org in read::membership_orgs(&mut tx, user).await? {
                sqlx::query(&set_tenant(org)).execute(&mut *tx).await.db()?;
                match read::member(&mut tx, org, user).await {
                    Ok(member) => members.push(member),
                    // The index is written with the membership; a miss is an organization
                    // deleted under us, which has no members any more.
                    Err(Error::NotFound { .. }) => {}
                    Err(e) => return Err(e),
                }
            }
            tx.commit().await.db()?;
            Ok(members)
        })
        .await
    }
}

#[async_trait]
impl ProjectStore for PgStore {
    async fn get_project(&self, org: OrgId, id: ProjectId) -> Result<Project> {
        tenant!(self.shared(), org, |c| read::project(c, org, id))
    }

    async fn list_projects(&self, org: OrgId, query: &ProjectQuery) -> Result<Page<Project>> {
        tenant!(self.shared(), org, |c| read::projects(c, org, query))
    }
}

#[async_trait]
impl TaskStore for PgStore {
    async fn get_task(&self, org: OrgId, id: TaskId) -> Result<Task> {
        tenant!(self.shared(), org, |c| read::task(c, org, id))
    }

    async fn list_tasks(&self, org: OrgId, query: &TaskQuery) -> Result<Page<Task>> {
        tenant!(self.shared(), org, |c| read::tasks(c, org, query))
    }

    async fn list_changed_tasks(&self, org: OrgId, query: &ChangedTasksQuery) -> Result<Page<Task>> {
        tenant!(self.shared(), org, |c| read::changed_tasks(c, org, query))
    }
}

#[async_trait]
impl EventStore for PgStore {
    async fn events_after(&self, org: OrgId, after_seq: u64, limit: usize) -> Result<Vec<Event>> {
        tenant!(self.shared(), org, |c| read::events_after(c, org, after_seq, limit))
    }

    async fn last_seq(&self, org: OrgId) -> Result<u64> {
        tenant!(self.shared(), org, |c| read::last_seq(c, org))
    }

    async fn listen(&self, org: OrgId) -> Result<broadcast::Receiver<Event>> {
        tenant!(self.shared(), org, |c| read::require_org(c, org))?;
        Ok(self.shared().relay.hub().listen(org))
    }
}

#[async_trait]
impl ChangeStore for PgStore {
    /// Applied together with the organization's other changes waiting at that moment, each
    /// decided on its own (see the crate docs: group commit).
    async fn apply(&self, change: Change) -> Result<Event> {
        group::apply(&self.inner.shared, change).await
    }

    async fn apply_batch(&self, changes: Vec<Change>) -> Result<Vec<Event>> {
        change::check_batch(&changes)?;
        let Some(org) = changes.first().map(|c| c.org) else { return Ok(Vec::new()) };
        self.shared().commit_all(org, &changes).await
    }
}
