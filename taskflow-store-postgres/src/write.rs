//! The one transactional write path: lock, snapshot, decide, write.
//!
//! [`apply_all`] (a batch, all or nothing) and [`apply_each`] (changes of independent callers,
//! each accepted or refused on its own) run inside a transaction already scoped to the
//! organization:
//!
//! 1. lock the organization's counter row (`SELECT … FOR UPDATE`): from here on, no other
//!    write of this tenant runs, in this process or another, so the limits read below stay
//!    true until the commit and the seq taken from the row is the next one in commit order;
//! 2. read every record the changes name, with one query per table (`= ANY($2)`);
//! 3. decide each change in order with [`Change::decide`] against that state, updated in
//!    memory with the effects of the changes before it, so a batch counts against its limits;
//! 4. write the final rows per table with one `UNNEST` statement each, the events likewise,
//!    and queue a `pg_notify` that PostgreSQL delivers only if the transaction commits.
//!
//! In a batch, a refused change returns its error before anything is written and the caller's
//! transaction rolls back. Every write happens after every decision, so nothing is ever half
//! decided.

use std::collections::{BTreeSet, HashMap, HashSet};

use sqlx::PgConnection;
use taskflow_core::store::{
    Change, Effects, OrgUsage, Presence, ProjectUsage, Record, RecordWrite, Reference, Snapshot, Target,
};
use taskflow_core::{Event, Member, OrgId, Organization, Project, ProjectId, Result, Task, TaskId, UserId};
use uuid::Uuid;

use crate::error::SqlResult;
use crate::flush;
use crate::rows::{self, MEMBER_COLUMNS, ORGANIZATION_COLUMNS, PROJECT_COLUMNS, TASK_COLUMNS};

/// One row's state: whether it existed when loaded, what it is now, whether it changed.
#[derive(Debug)]
pub(crate) struct Slot<T> {
    pub(crate) existed: bool,
    pub(crate) now: Option<T>,
    pub(crate) dirty: bool,
}

impl<T> Slot<T> {
    fn loaded(now: Option<T>) -> Self {
        Self { existed: now.is_some(), now, dirty: false }
    }

    fn set(&mut self, now: Option<T>) {
        self.now = now;
        self.dirty = true;
    }
}

/// The tenant's rows a set of changes touches, as loaded and then as decided.
#[derive(Debug)]
pub(crate) struct State {
    pub(crate) org: OrgId,
    pub(crate) organization: Slot<Organization>,
    pub(crate) usage: Slot<OrgUsage>,
    pub(crate) members: HashMap<UserId, Slot<Member>>,
    pub(crate) projects: HashMap<ProjectId, Slot<Project>>,
    pub(crate) project_usage: HashMap<ProjectId, Slot<ProjectUsage>>,
    pub(crate) tasks: HashMap<TaskId, Slot<Task>>,
    users: HashSet<UserId>,
    taken_slugs: HashSet<String>,
}

/// Applies `changes` (all for `org`) inside the caller's tenant transaction and returns their
/// events; nothing is written unless every change is accepted (a batch).
pub(crate) async fn apply_all(c: &mut PgConnection, org: OrgId, changes: &[Change]) -> Result<Vec<Event>> {
    let mut state = State::load(c, org, changes).await?;
    let mut events = Vec::with_capacity(changes.len());
    for change in changes {
        let effects = change.decide(&state.snapshot(change))?;
        events.push(state.absorb(effects));
    }
    flush::write(c, &state, &events).await?;
    Ok(events)
}

/// Applies every accepted change of `changes` inside the caller's tenant transaction: a
/// refused change gets its own error and leaves the state as the changes before it left it,
/// so independent callers' changes can share one transaction (see [`crate::group`]).
pub(crate) async fn apply_each(
    c: &mut PgConnection,
    org: OrgId,
    changes: &[Change],
) -> Result<Vec<Result<Event>>> {
    let mut state = State::load(c, org, changes).await?;
    let mut outcomes = Vec::with_capacity(changes.len());
    let mut events = Vec::with_capacity(changes.len());
    for change in changes {
        match change.decide(&state.snapshot(change)) {
            Ok(effects) => {
                let event = state.absorb(effects);
                events.push(event.clone());
                outcomes.push(Ok(event));
            }
            Err(refused) => outcomes.push(Err(refused)),
        }
    }
    flush::write(c, &state, &events).await?;
    Ok(outcomes)
}

/// The current row of a slot, if any.
fn now<T: Clone>(slot: Option<&Slot<T>>) -> Option<T> {
    slot.and_then(|s| s.now.clone())
}

impl State {
    async fn load(c: &mut PgConnection, org: OrgId, changes: &[Change]) -> Result<Self> {
        let lock = format!(
            "SELECT u.members, u.owners, u.active_projects, u.last_seq, {ORGANIZATION_COLUMNS} \
             FROM org_usage u JOIN organizations o ON o.org_id = u.org_id \
             WHERE u.org_id = $1 FOR UPDATE OF u"
        );
        let row = sqlx::query(&lock).bind(org.as_uuid()).fetch_optional(&mut *c).await.db()?;
        let (organization, usage) = match &row {
            Some(row) => (Some(rows::organization(row)?), Some(rows::org_usage(row)?)),
            None => (None, None),
        };
        let exists = organization.is_some();
        let mut state = State {
            org,
            organization: Slot::loaded(organization),
            usage: Slot::loaded(usage),
            members: HashMap::new(),
            projects: HashMap::new(),
            project_usage: HashMap::new(),
            tasks: HashMap::new(),
            users: HashSet::new(),
            taken_slugs: HashSet::new(),
        };
        let keys = Keys::of(changes);
        // An organization that does not exist has no rows (foreign keys hold that), so a
        // registration reads only the global tables.
        if exists {
            state.members = load(c, org, MEMBER_COLUMNS, "members", "user_id", &keys.members, |row| {
                rows::member(row).map(|m| (m.user_id, m))
            })
            .await?;
            state.projects = load(c, org, PROJECT_COLUMNS, "projects", "id", &keys.projects, |row| {
                rows::project(row).map(|p| (p.id, p))
            })
            .await?;
            state.tasks = load(c, org, TASK_COLUMNS, "tasks", "id", &keys.tasks, |row| {
                rows::task(row).map(|t| (t.id, t))
            })
            .await?;
            let columns = "project_id, tasks, active_tasks";
            state.project_usage = load(c, org, columns, "project_usage", "project_id", &keys.usage, |row| {
                let id = ProjectId::from_uuid(sqlx::Row::try_get(row, "project_id").db()?);
                Ok((id, rows::project_usage(row)?))
            })
            .await?;
        }
        if !keys.users.is_empty() {
            let ids: Vec<Uuid> = keys.users.iter().map(|u| *u.as_uuid()).collect();
            let found: Vec<Uuid> = sqlx::query_scalar("SELECT id FROM users WHERE id = ANY($1)")
                .bind(ids)
                .fetch_all(&mut *c)
                .await
                .db()?;
            state.users = found.into_iter().map(UserId::from_uuid).collect();
        }
        if !keys.slugs.is_empty() {
            let slugs: Vec<String> = keys.slugs.into_iter().collect();
            state.taken_slugs = sqlx::query_scalar("SELECT slug FROM org_slugs WHERE slug = ANY($1)")
                .bind(slugs)
                .fetch_all(&mut *c)
                .await
                .db()?
                .into_iter()
                .collect();
        }
        Ok(state)
    }

    fn snapshot(&self, change: &Change) -> Snapshot {
        let current = match change.target() {
            Target::Organization => None,
            Target::Member(id) => now(self.members.get(&id)).map(Record::Member),
            Target::Project(id) => now(self.projects.get(&id)).map(Record::Project),
            Target::Task(id) => now(self.tasks.get(&id)).map(Record::Task),
        };
        Snapshot {
            organization: self.organization.now.clone(),
            actor: now(self.members.get(&change.actor)),
            current,
            references: change
                .references()
                .into_iter()
                .map(|r| {
                    let presence = self.presence(&r);
                    (r, presence)
                })
                .collect(),
            org_usage: self.usage.now.unwrap_or_default(),
            project_usage: change
                .usage_project()
                .and_then(|p| self.project_usage.get(&p).and_then(|s| s.now))
                .unwrap_or_default(),
        }
    }

    fn presence(&self, reference: &Reference) -> Presence {
        let found = match reference {
            Reference::User(id) => self.users.contains(id),
            Reference::Slug(slug) => self.taken_slugs.contains(slug),
            Reference::Member(id) => self.members.get(id).is_some_and(|s| s.now.is_some()),
            Reference::Project(id) => match self.projects.get(id).and_then(|s| s.now.as_ref()) {
                Some(p) if p.archived => return Presence::Archived,
                found => found.is_some(),
            },
        };
        if found { Presence::Present } else { Presence::Missing }
    }

    /// Takes the effects of an accepted change into the state and returns its event.
    fn absorb(&mut self, effects: Effects) -> Event {
        let deleted_project = effects.writes.iter().find_map(|w| match w {
            RecordWrite::Remove { old: Record::Project(p) } => Some(p.id),
            _ => None,
        });
        for write in effects.writes {
            match write {
                RecordWrite::Put { new, .. } => self.put(Some(new), None),
                RecordWrite::Remove { old } => self.put(None, Some(old)),
            }
        }
        self.usage.set(Some(effects.org_usage));
        if let Some((project, usage)) = effects.project_usage {
            // A deleted project takes its counters with it.
            let alive = deleted_project != Some(project);
            slot(&mut self.project_usage, project).set(alive.then_some(usage));
        }
        effects.event
    }

    /// Stores `new`, or removes `old`.
    fn put(&mut self, new: Option<Record>, old: Option<Record>) {
        match (new, old) {
            (Some(Record::Organization(o)), _) => self.organization.set(Some(o)),
            (Some(Record::Member(m)), _) => slot(&mut self.members, m.user_id).set(Some(m)),
            (Some(Record::Project(p)), _) => slot(&mut self.projects, p.id).set(Some(p)),
            (Some(Record::Task(t)), _) => slot(&mut self.tasks, t.id).set(Some(t)),
            (None, Some(Record::Organization(_))) => self.organization.set(None),
            (None, Some(Record::Member(m))) => slot(&mut self.members, m.user_id).set(None),
            (None, Some(Record::Project(p))) => slot(&mut self.projects, p.id).set(None),
            (None, Some(Record::Task(t))) => slot(&mut self.tasks, t.id).set(None),
            (None, None) => {}
        }
    }
}

fn slot<K: std::hash::Hash + Eq, T>(map: &mut HashMap<K, Slot<T>>, key: K) -> &mut Slot<T> {
    map.entry(key).or_insert_with(|| Slot::loaded(None))
}

/// Every key the changes read, per table.
#[derive(Default)]
struct Keys {
    members: BTreeSet<UserId>,
    projects: BTreeSet<ProjectId>,
    tasks: BTreeSet<TaskId>,
    usage: BTreeSet<ProjectId>,
    users: BTreeSet<UserId>,
    slugs: BTreeSet<String>,
}

impl Keys {
    fn of(changes: &[Change]) -> Self {
        let mut keys = Keys::default();
        for change in changes {
            keys.members.insert(change.actor);
            match change.target() {
                Target::Organization => {}
                Target::Member(id) => drop(keys.members.insert(id)),
                Target::Project(id) => drop(keys.projects.insert(id)),
                Target::Task(id) => drop(keys.tasks.insert(id)),
            }
            for reference in change.references() {
                match reference {
                    Reference::User(id) => drop(keys.users.insert(id)),
                    Reference::Member(id) => drop(keys.members.insert(id)),
                    Reference::Project(id) => drop(keys.projects.insert(id)),
                    Reference::Slug(slug) => drop(keys.slugs.insert(slug)),
                }
            }
            if let Some(project) = change.usage_project() {
                keys.usage.insert(project);
            }
        }
        keys
    }
}

/// Loads the rows of `table` whose `key` column is one of `ids`, as a slot for every id asked
/// for (absent ones included).
async fn load<K, T>(
    c: &mut PgConnection,
    org: OrgId,
    columns: &str,
    table: &str,
    key: &str,
    ids: &BTreeSet<K>,
    decode: fn(&sqlx::postgres::PgRow) -> Result<(K, T)>,
) -> Result<HashMap<K, Slot<T>>>
where
    K: Copy + Ord + std::hash::Hash + Into<Uuid>,
{
    let mut map: HashMap<K, Slot<T>> = ids.iter().map(|id| (*id, Slot::loaded(None))).collect();
    if ids.is_empty() {
        return Ok(map);
    }
    let sql = format!("SELECT {columns} FROM {table} WHERE org_id = $1 AND {key} = ANY($2)");
    let wanted: Vec<Uuid> = ids.iter().map(|id| (*id).into()).collect();
    for row in sqlx::query(&sql).bind(org.as_uuid()).bind(wanted).fetch_all(&mut *c).await.db()? {
        let (id, record) = decode(&row)?;
        map.insert(id, Slot::loaded(Some(record)));
    }
    Ok(map)
}
