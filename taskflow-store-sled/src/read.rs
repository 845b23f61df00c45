//! Reads: point lookups, keyset pages over records and secondary indexes, the event log.
//!
//! A filtered task listing walks the index that covers its most selective filter (assignee,
//! then project and status together, then project — its six status runs merged by id — then
//! status; otherwise the task records themselves), inside the archived run(s) the query asks
//! for, starting right after the cursor. Each index entry costs one record read, and
//! [`TaskQuery::matches`] applies the remaining filters, so a page costs what it returns (plus
//! what those remaining filters skip), never the size of the tenant.

use std::ops::Bound;

use sled::{IVec, Tree};
use taskflow_core::store::{
    Archived, ChangedTasksQuery, Cursor, MemberQuery, Page, ProjectQuery, TaskQuery, page_size,
};
use taskflow_core::{
    Entity, Error, Event, Member, OrgId, Organization, Project, ProjectId, Result, Status, Task, TaskId,
    User, UserId,
};

use crate::codec::decode;
use crate::error::sled_err;
use crate::keys::{self, Key};

fn read<T: serde::de::DeserializeOwned>(tree: &Tree, key: &[u8], entity: Entity) -> Result<T> {
    match tree.get(key).map_err(sled_err)? {
        Some(bytes) => Ok(decode(key, &bytes)?),
        None => Err(Error::not_found(entity)),
    }
}

/// Listings and the log answer `NotFound` for an organization that does not exist (or no
/// longer does), like every other backend.
fn require_org(tenants: &Tree, org: OrgId) -> Result<()> {
    if tenants.contains_key(keys::organization(org)).map_err(sled_err)? {
        Ok(())
    } else {
        Err(Error::not_found(Entity::Organization))
    }
}

pub(crate) fn user(global: &Tree, id: UserId) -> Result<User> {
    read(global, &keys::user(id), Entity::User)
}

pub(crate) fn user_by_email(global: &Tree, email: &str) -> Result<User> {
    let id = global.get(keys::email(email)).map_err(sled_err)?.ok_or(Error::not_found(Entity::User))?;
    let id = uuid::Uuid::from_slice(&id).map_err(|e| crate::SledError::corrupt(&keys::email(email), e))?;
    user(global, UserId::from_uuid(id))
}

pub(crate) fn organization(tenants: &Tree, org: OrgId) -> Result<Organization> {
    read(tenants, &keys::organization(org), Entity::Organization)
}

pub(crate) fn organization_by_slug(global: &Tree, tenants: &Tree, slug: &str) -> Result<Organization> {
    let key = keys::slug(slug);
    let id = global.get(&key).map_err(sled_err)?.ok_or(Error::not_found(Entity::Organization))?;
    let id = uuid::Uuid::from_slice(&id).map_err(|e| crate::SledError::corrupt(&key, e))?;
    organization(tenants, OrgId::from_uuid(id))
}

pub(crate) fn member(tenants: &Tree, org: OrgId, user: UserId) -> Result<Member> {
    read(tenants, &keys::member(org, user), Entity::Member)
}

pub(crate) fn project(tenants: &Tree, org: OrgId, id: ProjectId) -> Result<Project> {
    read(tenants, &keys::project(org, id), Entity::Project)
}

/// A task from whichever run (active or archived) holds it.
pub(crate) fn task(tenants: &Tree, org: OrgId, id: TaskId) -> Result<Task> {
    match read(tenants, &keys::task(org, false, id), Entity::Task) {
        Err(Error::NotFound { .. }) => read(tenants, &keys::task(org, true, id), Entity::Task),
        found => found,
    }
}

pub(crate) fn memberships(global: &Tree, tenants: &Tree, user: UserId) -> Result<Vec<Member>> {
    let prefix = Key::global(keys::G_MEMBERSHIP).bytes(user.as_bytes()).done();
    let mut out = Vec::new();
    for entry in global.scan_prefix(&prefix) {
        let (key, _) = entry.map_err(sled_err)?;
        let org = keys::trailing_id(&key).ok_or_else(|| crate::SledError::corrupt(&key, "short key"))?;
        out.push(member(tenants, OrgId::from_uuid(org), user)?);
    }
    Ok(out)
}

/// A keyset page over the records `org tag id`, ordered by id.
fn record_page<T, F>(
    tenants: &Tree,
    org: OrgId,
    tag: u8,
    after: Option<&Cursor>,
    limit: Option<u32>,
    keep: F,
) -> Result<Page<T>>
where
    T: serde::de::DeserializeOwned,
    F: Fn(&T) -> bool,
{
    let limit = page_size(limit)?;
    require_org(tenants, org)?;
    let prefix = Key::org(org).tag(tag).done();
    let start = match after {
        Some(cursor) => Bound::Excluded(Key::org(org).tag(tag).bytes(cursor.id()?.as_bytes()).done()),
        None => Bound::Included(prefix.clone()),
    };
    let end = keys::prefix_end(&prefix).map_or(Bound::Unbounded, Bound::Excluded);
    let mut items = Vec::new();
    let mut last = None;
    for entry in tenants.range::<Vec<u8>, _>((start, end)) {
        let (key, value) = entry.map_err(sled_err)?;
        let record: T = decode(&key, &value)?;
        if !keep(&record) {
            continue;
        }
        if items.len() == limit {
            let next = last.map(Cursor::after_id);
            return Ok(Page { items, next });
        }
        last = keys::trailing_id(&key);
        items.push(record);
    }
    Ok(Page { items, next: None })
}

pub(crate) fn members(tenants: &Tree, org: OrgId, query: &MemberQuery) -> Result<Page<Member>> {
    record_page(tenants, org, keys::MEMBER, query.after.as_ref(), query.limit, |m| query.matches(m))
}

pub(crate) fn projects(tenants: &Tree, org: OrgId, query: &ProjectQuery) -> Result<Page<Project>> {
    record_page(tenants, org, keys::PROJECT, query.after.as_ref(), query.limit, |p| query.matches(p))
}

/// Where a task query reads: a run of task records, or index prefixes whose entries name tasks.
enum Source {
    Records,
    Index(Vec<(u8, Vec<u8>)>),
}

/// Which index serves a task query: `(kind, value)` prefixes, merged by task id.
fn plan(query: &TaskQuery) -> Source {
    let status = |s| [keys::status_byte(s)];
    match (query.project, query.status, query.assignee) {
        (_, _, Some(assignee)) => Source::Index(vec![(keys::IDX_ASSIGNEE, assignee.as_bytes().to_vec())]),
        (Some(p), Some(s), None) => {
            Source::Index(vec![(keys::IDX_PROJECT_STATUS, [p.as_bytes().as_slice(), &status(s)].concat())])
        }
        (Some(p), None, None) => Source::Index(
            Status::ALL
                .iter()
                .map(|s| (keys::IDX_PROJECT_STATUS, [p.as_bytes().as_slice(), &status(*s)].concat()))
                .collect(),
        ),
        (None, Some(s), None) => Source::Index(vec![(keys::IDX_STATUS, status(s).to_vec())]),
        (None, None, None) => Source::Records,
    }
}

/// One ascending run of `(task id, record bytes if the run holds records)` after `after`.
type Run = Box<dyn Iterator<Item = Result<(TaskId, Option<IVec>)>>>;

fn run(tenants: &Tree, prefix: Vec<u8>, after: Option<TaskId>, records: bool) -> Run {
    let start = match after {
        Some(id) => Bound::Excluded([prefix.as_slice(), id.as_bytes()].concat()),
        None => Bound::Included(prefix.clone()),
    };
    let end = keys::prefix_end(&prefix).map_or(Bound::Unbounded, Bound::Excluded);
    Box::new(tenants.range::<Vec<u8>, _>((start, end)).map(move |entry| {
        let (key, value): (IVec, IVec) = entry.map_err(sled_err)?;
        let id = keys::trailing_id(&key)
            .map(TaskId::from_uuid)
            .ok_or_else(|| Error::from(crate::SledError::corrupt(&key, "short key")))?;
        Ok((id, records.then_some(value)))
    }))
}

pub(crate) fn tasks(tenants: &Tree, org: OrgId, query: &TaskQuery) -> Result<Page<Task>> {
    let limit = page_size(query.limit)?;
    require_org(tenants, org)?;
    let after = query.after.as_ref().map(|c| c.id().map(TaskId::from_uuid)).transpose()?;
    let flags: &[bool] = match query.archived {
        Archived::Exclude => &[false],
        Archived::Only => &[true],
        Archived::Include => &[false, true],
    };
    let mut runs = Vec::new();
    for &archived in flags {
        match plan(query) {
            Source::Records => runs.push(run(tenants, keys::task_prefix(org, archived), after, true)),
            Source::Index(prefixes) => {
                for (kind, value) in prefixes {
                    runs.push(run(tenants, keys::index_prefix(org, kind, archived, &value), after, false));
                }
            }
        }
    }
    let mut items: Vec<Task> = Vec::new();
    for entry in merge(runs) {
        let (id, record) = entry?;
        let task = match record {
            Some(bytes) => decode(&keys::task(org, false, id), &bytes)?,
            None => task(tenants, org, id)?,
        };
        if !query.matches(&task) {
            continue;
        }
        if items.len() == limit {
            let next = items.last().map(|t| Cursor::after_id(*t.id.as_uuid()));
            return Ok(Page { items, next });
        }
        items.push(task);
    }
    Ok(Page { items, next: None })
}

/// Merges ascending runs into one ascending stream (an error ends it).
fn merge(runs: Vec<Run>) -> impl Iterator<Item = Result<(TaskId, Option<IVec>)>> {
    let mut runs: Vec<std::iter::Peekable<Run>> = runs.into_iter().map(Iterator::peekable).collect();
    std::iter::from_fn(move || {
        let mut best: Option<(usize, TaskId)> = None;
        for (i, run) in runs.iter_mut().enumerate() {
            match run.peek() {
                None => {}
                Some(Err(_)) => return run.next(),
                Some(Ok((id, _))) if best.is_none_or(|(_, best_id)| *id < best_id) => best = Some((i, *id)),
                Some(Ok(_)) => {}
            }
        }
        best.and_then(|(i, _)| runs[i].next())
    })
}

pub(crate) fn changed_tasks(tenants: &Tree, org: OrgId, query: &ChangedTasksQuery) -> Result<Page<Task>> {
    let limit = page_size(query.limit)?;
    require_org(tenants, org)?;
    let prefix = Key::org(org).tag(keys::INDEX).tag(keys::IDX_UPDATED).done();
    let at = |t: chrono::DateTime<chrono::Utc>| keys::time_key(t.timestamp_micros());
    let start = match &query.after {
        Some(cursor) => {
            let (time, id) = cursor.time_id()?;
            let from = Key::org(org).tag(keys::INDEX).tag(keys::IDX_UPDATED).u64(at(time.max(query.since)));
            if time >= query.since {
                Bound::Excluded(from.bytes(id.as_bytes()).done())
            } else {
                Bound::Included(from.done())
            }
        }
        None => {
            Bound::Included(Key::org(org).tag(keys::INDEX).tag(keys::IDX_UPDATED).u64(at(query.since)).done())
        }
    };
    let end = keys::prefix_end(&prefix).map_or(Bound::Unbounded, Bound::Excluded);
    let mut items: Vec<Task> = Vec::new();
    for entry in tenants.range::<Vec<u8>, _>((start, end)) {
        let (key, _) = entry.map_err(sled_err)?;
        let id = keys::trailing_id(&key).ok_or_else(|| crate::SledError::corrupt(&key, "short index key"))?;
        if items.len() == limit {
            let next = items.last().map(|t| Cursor::after_time_id(t.updated_at, *t.id.as_uuid()));
            return Ok(Page { items, next });
        }
        items.push(task(tenants, org, TaskId::from_uuid(id))?);
    }
    Ok(Page { items, next: None })
}

pub(crate) fn events_after(tenants: &Tree, org: OrgId, after_seq: u64, limit: usize) -> Result<Vec<Event>> {
    require_org(tenants, org)?;
    let Some(first) = after_seq.checked_add(1) else { return Ok(Vec::new()) };
    let start = keys::event(org, first);
    let end =
        keys::prefix_end(&Key::org(org).tag(keys::EVENT).done()).map_or(Bound::Unbounded, Bound::Excluded);
    tenants
        .range::<Vec<u8>, _>((Bound::Included(start), end))
        .take(limit)
        .map(|entry| {
            let (key, value) = entry.map_err(sled_err)?;
            Ok(decode(&key, &value)?)
        })
        .collect()
}

pub(crate) fn last_seq(tenants: &Tree, org: OrgId) -> Result<u64> {
    require_org(tenants, org)?;
    crate::write::read_last_seq(tenants, org)
}
