//! `SledStore`: the storage traits over the key layout, each call on the blocking pool.

use std::sync::Arc;

use async_trait::async_trait;
use tokio::sync::broadcast;

use taskflow_core::feed::FeedHub;
use taskflow_core::store::{
    Change, ChangeStore, ChangedTasksQuery, EventStore, MemberQuery, MemberStore, OrganizationStore, Page,
    ProjectQuery, ProjectStore, TaskQuery, TaskStore, UserStore, change,
};
use taskflow_core::{
    Event, Member, OrgId, Organization, Project, ProjectId, Result, Task, TaskId, User, UserId,
};

use crate::config::{Durability, SledConfig};
use crate::error::{SledError, sled_err};
use crate::open::{Opened, open};
use crate::verify::{VerifyReport, verify};
use crate::{read, write};

/// A durable TaskFlow store in a sled directory. Cheap to clone; clones share the database.
#[derive(Clone)]
pub struct SledStore {
    inner: Arc<Inner>,
}

struct Inner {
    db: sled::Db,
    global: sled::Tree,
    tenants: sled::Tree,
    durability: Durability,
    feed: FeedHub,
    path: std::path::PathBuf,
    _lock: std::fs::File,
    /// Set for [`SledStore::open_temporary`]: removed after the database is closed.
    _temporary: Option<tempfile::TempDir>,
}

impl std::fmt::Debug for SledStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SledStore")
            .field("path", &self.inner.path)
            .field("durability", &self.inner.durability)
            .finish_non_exhaustive()
    }
}

impl SledStore {
    /// Opens (or creates) the store in `config.path`.
    ///
    /// Fails with a clear [`SledError`] inside [`taskflow_core::Error::Backend`] when the parent
    /// directory is missing, the path is a file, the directory belongs to something else, another
    /// store holds it, or its format is unknown.
    pub async fn open(config: SledConfig) -> Result<Self> {
        Self::open_in(config, None).await
    }

    /// Opens a new store in a fresh temporary directory, deleted when the last clone is dropped
    /// (for tests, demos and throwaway runs; see [`SledStore::path`] for where it is).
    pub async fn open_temporary() -> Result<Self> {
        let dir = tempfile::Builder::new()
            .prefix("taskflow-sled-")
            .tempdir()
            .map_err(|source| SledError::Io { path: std::env::temp_dir(), source })?;
        Self::open_in(SledConfig::new(dir.path().join("store")), Some(dir)).await
    }

    async fn open_in(config: SledConfig, temporary: Option<tempfile::TempDir>) -> Result<Self> {
        let opened = tokio::task::spawn_blocking(move || open(&config).map(|o| (o, config)))
            .await
            .map_err(SledError::from)??;
        let (Opened { db, global, tenants, lock }, config) = opened;
        Ok(Self {
            inner: Arc::new(Inner {
                db,
                global,
                tenants,
                durability: config.durability,
                feed: FeedHub::new(config.feed_capacity),
                path: config.path,
                _lock: lock,
                _temporary: temporary,
            }),
        })
    }

    /// Opens the store in `path` with the default options.
    pub async fn open_path(path: impl AsRef<std::path::Path>) -> Result<Self> {
        Self::open(SledConfig::new(path)).await
    }

    /// The store's directory.
    pub fn path(&self) -> &std::path::Path {
        &self.inner.path
    }

    /// Writes everything acknowledged so far to disk and waits for it.
    ///
    /// sled uses `sync_file_range` + `fsync` on its log; like any file-system flush, it cannot
    /// force a disk's own volatile write cache to persist (sled issues #1351, #1452).
    pub async fn flush(&self) -> Result<()> {
        self.inner.db.flush_async().await.map_err(sled_err)?;
        Ok(())
    }

    /// Walks the whole store and reports every inconsistency: index entries without their
    /// record, records missing from an index, counters that disagree with the rows, gaps in an
    /// event log, undecodable values.
    pub async fn verify(&self) -> Result<VerifyReport> {
        self.blocking(|i| verify(&i.global, &i.tenants)).await
    }

    /// The two trees, for tests that damage the store on purpose.
    #[cfg(test)]
    pub(crate) fn trees(&self) -> (&sled::Tree, &sled::Tree) {
        (&self.inner.global, &self.inner.tenants)
    }

    /// Runs `f` on tokio's blocking pool: sled calls block on locks and I/O, so they never run
    /// on an executor thread.
    async fn blocking<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&Inner) -> Result<T> + Send + 'static,
    {
        let inner = self.inner.clone();
        tokio::task::spawn_blocking(move || f(&inner)).await.map_err(SledError::from)?
    }

    async fn commit(&self, changes: Vec<Change>) -> Result<Vec<Event>> {
        let events = self
            .blocking(move |i| {
                let events = write::apply(&i.global, &i.tenants, &changes)?;
                if i.durability == Durability::EveryWrite {
                    i.db.flush().map_err(sled_err)?;
                }
                Ok(events)
            })
            .await?;
        for event in &events {
            self.inner.feed.publish(event);
        }
        Ok(events)
    }
}

#[async_trait]
impl UserStore for SledStore {
    async fn insert_user(&self, user: &User) -> Result<()> {
        let user = user.clone();
        self.blocking(move |i| write::insert_user(&i.global, &user)).await
    }

    async fn get_user(&self, id: UserId) -> Result<User> {
        self.blocking(move |i| read::user(&i.global, id)).await
    }

    async fn find_user_by_email(&self, email: &str) -> Result<User> {
        let email = email.to_owned();
        self.blocking(move |i| read::user_by_email(&i.global, &email)).await
    }
}

#[async_trait]
impl OrganizationStore for SledStore {
    async fn get_organization(&self, org: OrgId) -> Result<Organization> {
        self.blocking(move |i| read::organization(&i.tenants, org)).await
    }

    async fn find_organization_by_slug(&self, slug: &str) -> Result<Organization> {
        let slug = slug.to_owned();
        self.blocking(move |i| read::organization_by_slug(&i.global, &i.tenants, &slug)).await
    }

    async fn delete_organization(&self, org: OrgId, actor: UserId, expected_version: u64) -> Result<()> {
        self.blocking(move |i| {
            write::delete_organization(&i.global, &i.tenants, org, actor, expected_version)?;
            if i.durability == Durability::EveryWrite {
                i.db.flush().map_err(sled_err)?;
            }
            Ok(())
        })
        .await?;
        self.inner.feed.close(org);
        Ok(())
    }
}

#[async_trait]
impl MemberStore for SledStore {
    async fn get_member(&self, org: OrgId, user: UserId) -> Result<Member> {
        self.blocking(move |i| read::member(&i.tenants, org, user)).await
    }

    async fn list_members(&self, org: OrgId, query: &MemberQuery) -> Result<Page<Member>> {
        let query = query.clone();
        self.blocking(move |i| read::members(&i.tenants, org, &query)).await
    }

    async fn list_memberships(&self, user: UserId) -> Result<Vec<Member>> {
        self.blocking(move |i| read::memberships(&i.global, &i.tenants, user)).await
    }
}

#[async_trait]
impl ProjectStore for SledStore {
    async fn get_project(&self, org: OrgId, id: ProjectId) -> Result<Project> {
        self.blocking(move |i| read::project(&i.tenants, org, id)).await
    }

    async fn list_projects(&self, org: OrgId, query: &ProjectQuery) -> Result<Page<Project>> {
        let query = query.clone();
        self.blocking(move |i| read::projects(&i.tenants, org, &query)).await
    }
}

#[async_trait]
impl TaskStore for SledStore {
    async fn get_task(&self, org: OrgId, id: TaskId) -> Result<Task> {
        self.blocking(move |i| read::task(&i.tenants, org, id)).await
    }

    async fn list_tasks(&self, org: OrgId, query: &TaskQuery) -> Result<Page<Task>> {
        let query = query.clone();
        self.blocking(move |i| read::tasks(&i.tenants, org, &query)).await
    }

    async fn list_changed_tasks(&self, org: OrgId, query: &ChangedTasksQuery) -> Result<Page<Task>> {
        let query = query.clone();
        self.blocking(move |i| read::changed_tasks(&i.tenants, org, &query)).await
    }
}

#[async_trait]
impl EventStore for SledStore {
    async fn events_after(&self, org: OrgId, after_seq: u64, limit: usize) -> Result<Vec<Event>> {
        self.blocking(move |i| read::events_after(&i.tenants, org, after_seq, limit)).await
    }

    async fn last_seq(&self, org: OrgId) -> Result<u64> {
        self.blocking(move |i| read::last_seq(&i.tenants, org)).await
    }

    async fn listen(&self, org: OrgId) -> Result<broadcast::Receiver<Event>> {
        self.blocking(move |i| read::organization(&i.tenants, org).map(drop)).await?;
        Ok(self.inner.feed.listen(org))
    }
}

#[async_trait]
impl ChangeStore for SledStore {
    async fn apply(&self, change: Change) -> Result<Event> {
        let mut events = self.commit(vec![change]).await?;
        events.pop().ok_or_else(|| SledError::corrupt(b"", "a committed change returned no event").into())
    }

    async fn apply_batch(&self, changes: Vec<Change>) -> Result<Vec<Event>> {
        change::check_batch(&changes)?;
        if changes.is_empty() {
            return Ok(Vec::new());
        }
        self.commit(changes).await
    }
}
