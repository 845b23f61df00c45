//! The in-memory reference store.
//!
//! Every operation takes one mutex, so each change is applied (snapshot, decide, write, event,
//! publish) with nothing interleaved: the same all-or-nothing a transactional backend gives.
//! The lock is a `std` mutex never held across an `.await`. Nothing is persisted.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use std::ops::Bound;
use std::sync::{Mutex, MutexGuard};

use async_trait::async_trait;
use tokio::sync::broadcast;

use crate::feed::FeedHub;
use crate::store::{
    Change, ChangeStore, ChangedTasksQuery, Cursor, EventStore, MemberQuery, MemberStore, OrgUsage,
    OrganizationStore, Page, Presence, ProjectQuery, ProjectStore, ProjectUsage, Record, RecordWrite,
    Reference, Snapshot, Target, TaskQuery, TaskStore, UserStore, change, page_size,
};
use crate::{
    ConflictReason, Entity, Error, Event, Member, OrgId, Organization, Project, ProjectId, Result, Task,
    TaskId, User, UserId,
};

/// A complete [`Store`](crate::Store) in memory: the reference the conformance suite and the
/// model-based tests compare other backends with.
#[derive(Debug, Default)]
pub struct MemoryStore {
    state: Mutex<State>,
    feed: FeedHub,
}

#[derive(Debug, Default)]
struct State {
    users: HashMap<UserId, User>,
    emails: HashMap<String, UserId>,
    slugs: HashMap<String, OrgId>,
    tenants: HashMap<OrgId, Tenant>,
}

#[derive(Debug)]
struct Tenant {
    organization: Organization,
    members: BTreeMap<UserId, Member>,
    projects: BTreeMap<ProjectId, Project>,
    tasks: BTreeMap<TaskId, Task>,
    /// `(updated_at, id)` of every task: the order of the changed-tasks export.
    changed: BTreeSet<(DateTime<Utc>, TaskId)>,
    events: Vec<Event>,
    usage: OrgUsage,
    project_usage: HashMap<ProjectId, ProjectUsage>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty store whose live subscribers each buffer `capacity` events.
    pub fn with_feed_capacity(capacity: usize) -> Self {
        Self { state: Mutex::default(), feed: FeedHub::new(capacity) }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock cannot leave half a change: writes happen after decide.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl State {
    fn tenant(&self, org: OrgId) -> Result<&Tenant> {
        self.tenants.get(&org).ok_or(Error::not_found(Entity::Organization))
    }

    fn snapshot(&self, change: &Change) -> Snapshot {
        let tenant = self.tenants.get(&change.org);
        let current = tenant.and_then(|t| match change.target() {
            Target::Organization => None,
            Target::Member(id) => t.members.get(&id).cloned().map(Record::Member),
            Target::Project(id) => t.projects.get(&id).cloned().map(Record::Project),
            Target::Task(id) => t.tasks.get(&id).cloned().map(Record::Task),
        });
        let references = change
            .references()
            .into_iter()
            .map(|r| {
                let presence = self.presence(tenant, &r);
                (r, presence)
            })
            .collect();
        Snapshot {
            organization: tenant.map(|t| t.organization.clone()),
            actor: tenant.and_then(|t| t.members.get(&change.actor).cloned()),
            current,
            references,
            org_usage: tenant.map(|t| t.usage).unwrap_or_default(),
            project_usage: change
                .usage_project()
                .and_then(|p| tenant.and_then(|t| t.project_usage.get(&p).copied()))
                .unwrap_or_default(),
        }
    }

    fn presence(&self, tenant: Option<&Tenant>, reference: &Reference) -> Presence {
        let found = match reference {
            Reference::User(id) => self.users.contains_key(id),
            Reference::Slug(slug) => self.slugs.contains_key(slug),
            Reference::Member(id) => tenant.is_some_and(|t| t.members.contains_key(id)),
            Reference::Project(id) => match tenant.and_then(|t| t.projects.get(id)) {
                Some(p) if p.archived => return Presence::Archived,
                found => found.is_some(),
            },
        };
        if found { Presence::Present } else { Presence::Missing }
    }

    fn write(&mut self, org: OrgId, write: RecordWrite) {
        if let RecordWrite::Put { new: Record::Organization(organization), .. } = &write {
            self.slugs.insert(organization.slug.clone(), org);
            let tenant = self.tenants.entry(org).or_insert_with(|| Tenant::new(organization.clone()));
            tenant.organization = organization.clone();
            return;
        }
        let Some(tenant) = self.tenants.get_mut(&org) else { return };
        match write {
            RecordWrite::Put { new, .. } => match new {
                Record::Organization(_) => unreachable!("handled above"),
                Record::Member(m) => drop(tenant.members.insert(m.user_id, m)),
                Record::Project(p) => drop(tenant.projects.insert(p.id, p)),
                Record::Task(t) => {
                    tenant.changed.insert((t.updated_at, t.id));
                    if let Some(old) = tenant.tasks.insert(t.id, t)
                        && tenant.tasks.get(&old.id).is_some_and(|new| new.updated_at != old.updated_at)
                    {
                        tenant.changed.remove(&(old.updated_at, old.id));
                    }
                }
            },
            RecordWrite::Remove { old } => match old {
                Record::Organization(_) => {}
                Record::Member(m) => drop(tenant.members.remove(&m.user_id)),
                Record::Project(p) => {
                    tenant.projects.remove(&p.id);
                    tenant.project_usage.remove(&p.id);
                }
                Record::Task(t) => {
                    if let Some(old) = tenant.tasks.remove(&t.id) {
                        tenant.changed.remove(&(old.updated_at, old.id));
                    }
                }
            },
        }
    }
}

impl Tenant {
    fn new(organization: Organization) -> Self {
        Self {
            organization,
            members: BTreeMap::new(),
            projects: BTreeMap::new(),
            tasks: BTreeMap::new(),
            changed: BTreeSet::new(),
            events: Vec::new(),
            usage: OrgUsage::default(),
            project_usage: HashMap::new(),
        }
    }
}

/// One keyset page over a map ordered by id.
fn page<K, V, F>(map: &BTreeMap<K, V>, after: Option<&Cursor>, limit: Option<u32>, keep: F) -> Result<Page<V>>
where
    K: Ord + Copy + From<uuid::Uuid> + Into<uuid::Uuid>,
    V: Clone,
    F: Fn(&V) -> bool,
{
    let limit = page_size(limit)?;
    let start = match after {
        Some(cursor) => Bound::Excluded(K::from(cursor.id()?)),
        None => Bound::Unbounded,
    };
    let mut rows = map.range((start, Bound::Unbounded)).filter(|(_, v)| keep(v));
    let items: Vec<(K, V)> = rows.by_ref().take(limit).map(|(k, v)| (*k, v.clone())).collect();
    let next = match (items.last(), rows.next()) {
        (Some((last, _)), Some(_)) => Some(Cursor::after_id((*last).into())),
        _ => None,
    };
    Ok(Page { items: items.into_iter().map(|(_, v)| v).collect(), next })
}

#[async_trait]
impl UserStore for MemoryStore {
    async fn insert_user(&self, user: &User) -> Result<()> {
        let mut state = self.lock();
        if state.emails.contains_key(&user.email) {
            return Err(Error::conflict(Entity::User, ConflictReason::AlreadyExists("email")));
        }
        if state.users.contains_key(&user.id) {
            return Err(Error::conflict(Entity::User, ConflictReason::AlreadyExists("user")));
        }
        state.emails.insert(user.email.clone(), user.id);
        state.users.insert(user.id, user.clone());
        Ok(())
    }

    async fn get_user(&self, id: UserId) -> Result<User> {
        self.lock().users.get(&id).cloned().ok_or(Error::not_found(Entity::User))
    }

    async fn find_user_by_email(&self, email: &str) -> Result<User> {
        let state = self.lock();
        let id = state.emails.get(email).ok_or(Error::not_found(Entity::User))?;
        state.users.get(id).cloned().ok_or(Error::not_found(Entity::User))
    }
}

#[async_trait]
impl OrganizationStore for MemoryStore {
    async fn get_organization(&self, org: OrgId) -> Result<Organization> {
        Ok(self.lock().tenant(org)?.organization.clone())
    }

    async fn find_organization_by_slug(&self, slug: &str) -> Result<Organization> {
        let state = self.lock();
        let org = state.slugs.get(slug).ok_or(Error::not_found(Entity::Organization))?;
        Ok(state.tenant(*org)?.organization.clone())
    }

    async fn delete_organization(&self, org: OrgId, actor: UserId, expected_version: u64) -> Result<()> {
        let mut state = self.lock();
        let tenant = state.tenants.get(&org);
        change::check_delete_organization(
            tenant.map(|t| &t.organization),
            tenant.and_then(|t| t.members.get(&actor)),
            expected_version,
        )?;
        if let Some(tenant) = state.tenants.remove(&org) {
            state.slugs.remove(&tenant.organization.slug);
        }
        self.feed.close(org);
        Ok(())
    }
}

#[async_trait]
impl MemberStore for MemoryStore {
    async fn get_member(&self, org: OrgId, user: UserId) -> Result<Member> {
        let state = self.lock();
        state.tenant(org)?.members.get(&user).cloned().ok_or(Error::not_found(Entity::Member))
    }

    async fn list_members(&self, org: OrgId, query: &MemberQuery) -> Result<Page<Member>> {
        let state = self.lock();
        page(&state.tenant(org)?.members, query.after.as_ref(), query.limit, |m| query.matches(m))
    }

    async fn list_memberships(&self, user: UserId) -> Result<Vec<Member>> {
        let state = self.lock();
        let mut members: Vec<Member> =
            state.tenants.values().filter_map(|t| t.members.get(&user).cloned()).collect();
        members.sort_by_key(|m| m.org_id);
        Ok(members)
    }
}

#[async_trait]
impl ProjectStore for MemoryStore {
    async fn get_project(&self, org: OrgId, id: ProjectId) -> Result<Project> {
        let state = self.lock();
        state.tenant(org)?.projects.get(&id).cloned().ok_or(Error::not_found(Entity::Project))
    }

    async fn list_projects(&self, org: OrgId, query: &ProjectQuery) -> Result<Page<Project>> {
        let state = self.lock();
        page(&state.tenant(org)?.projects, query.after.as_ref(), query.limit, |p| query.matches(p))
    }
}

#[async_trait]
impl TaskStore for MemoryStore {
    async fn get_task(&self, org: OrgId, id: TaskId) -> Result<Task> {
        let state = self.lock();
        state.tenant(org)?.tasks.get(&id).cloned().ok_or(Error::not_found(Entity::Task))
    }

    async fn list_tasks(&self, org: OrgId, query: &TaskQuery) -> Result<Page<Task>> {
        let state = self.lock();
        page(&state.tenant(org)?.tasks, query.after.as_ref(), query.limit, |t| query.matches(t))
    }

    async fn list_changed_tasks(&self, org: OrgId, query: &ChangedTasksQuery) -> Result<Page<Task>> {
        let limit = page_size(query.limit)?;
        let after = query.after.as_ref().map(Cursor::time_id).transpose()?;
        let state = self.lock();
        let tenant = state.tenant(org)?;
        let start = match after {
            Some((at, id)) if at >= query.since => Bound::Excluded((at, TaskId::from_uuid(id))),
            _ => Bound::Included((query.since, TaskId::from_uuid(uuid::Uuid::nil()))),
        };
        let mut keys = tenant.changed.range((start, Bound::Unbounded));
        let rows: Vec<&Task> = keys.by_ref().take(limit).filter_map(|(_, id)| tenant.tasks.get(id)).collect();
        let more = keys.next().is_some();
        let next = rows.last().filter(|_| more).map(|t| Cursor::after_time_id(t.updated_at, *t.id.as_uuid()));
        Ok(Page { items: rows.into_iter().cloned().collect(), next })
    }
}

#[async_trait]
impl EventStore for MemoryStore {
    async fn events_after(&self, org: OrgId, after_seq: u64, limit: usize) -> Result<Vec<Event>> {
        let state = self.lock();
        let events = &state.tenant(org)?.events;
        // Seqs are gapless from 1, so the event with seq n sits at index n - 1.
        let start = usize::try_from(after_seq).unwrap_or(usize::MAX).min(events.len());
        Ok(events[start..].iter().take(limit).cloned().collect())
    }

    async fn last_seq(&self, org: OrgId) -> Result<u64> {
        Ok(self.lock().tenant(org)?.usage.last_seq)
    }

    async fn listen(&self, org: OrgId) -> Result<broadcast::Receiver<Event>> {
        self.lock().tenant(org)?;
        Ok(self.feed.listen(org))
    }
}

#[async_trait]
impl ChangeStore for MemoryStore {
    async fn apply(&self, change: Change) -> Result<Event> {
        let mut state = self.lock();
        let (event, _) = state.apply(&change)?;
        // Published under the lock, so live subscribers see seq order.
        self.feed.publish(&event);
        Ok(event)
    }

    async fn apply_batch(&self, changes: Vec<Change>) -> Result<Vec<Event>> {
        change::check_batch(&changes)?;
        let mut state = self.lock();
        let mut applied: Vec<(Event, Undo)> = Vec::with_capacity(changes.len());
        for change in &changes {
            match state.apply(change) {
                Ok(done) => applied.push(done),
                Err(e) => {
                    for (_, undo) in applied.into_iter().rev() {
                        state.undo(undo);
                    }
                    return Err(e);
                }
            }
        }
        let events: Vec<Event> = applied.into_iter().map(|(event, _)| event).collect();
        for event in &events {
            self.feed.publish(event);
        }
        Ok(events)
    }
}

/// What it takes to revert one applied change (for an all-or-nothing batch).
struct Undo {
    org: OrgId,
    writes: Vec<RecordWrite>,
    usage: OrgUsage,
    project_usage: Option<(ProjectId, Option<ProjectUsage>)>,
}

impl State {
    fn apply(&mut self, change: &Change) -> Result<(Event, Undo)> {
        let effects = change.decide(&self.snapshot(change))?;
        let tenant = self.tenants.get(&change.org);
        let mut undo = Undo {
            org: change.org,
            writes: effects.writes.clone(),
            usage: tenant.map(|t| t.usage).unwrap_or_default(),
            project_usage: effects
                .project_usage
                .map(|(p, _)| (p, tenant.and_then(|t| t.project_usage.get(&p).copied()))),
        };
        for write in effects.writes {
            self.write(change.org, write);
        }
        let tenant = self.tenants.get_mut(&change.org).ok_or(Error::not_found(Entity::Organization))?;
        tenant.usage = effects.org_usage;
        if let Some((project, usage)) = effects.project_usage
            && tenant.projects.contains_key(&project)
        {
            tenant.project_usage.insert(project, usage);
        }
        tenant.events.push(effects.event.clone());
        undo.writes.reverse();
        Ok((effects.event, undo))
    }

    fn undo(&mut self, undo: Undo) {
        for write in undo.writes {
            let revert = match write {
                RecordWrite::Put { old: Some(old), .. } => RecordWrite::Put { old: None, new: old },
                RecordWrite::Put { old: None, new } => RecordWrite::Remove { old: new },
                RecordWrite::Remove { old } => RecordWrite::Put { old: None, new: old },
            };
            self.write(undo.org, revert);
        }
        let Some(tenant) = self.tenants.get_mut(&undo.org) else { return };
        tenant.usage = undo.usage;
        tenant.events.pop();
        match undo.project_usage {
            Some((project, Some(usage))) => drop(tenant.project_usage.insert(project, usage)),
            Some((project, None)) => drop(tenant.project_usage.remove(&project)),
            None => {}
        }
    }
}
