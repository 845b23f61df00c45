//! Reads: point lookups, keyset pages over records and secondary indexes, the event log.
//!
//! A filtered task listing walks the index that covers its most selective filter (assignee,
//! then project and status together, then project, then status; otherwise the index of all
//! tasks), inside the archived partition the query asks for, starting right after the cursor.
//! Each entry costs one record read, and [`TaskQuery::matches`] applies the remaining filters,
//! so a page costs what it returns (plus what those remaining filters skip), never the size of
//! the tenant.

use std::ops::Bound;

use sled::{IVec, Tree};
use taskflow_core::store::{
    Archived, ChangedTasksQuery, Cursor, MemberQuery, Page, ProjectQuery, TaskQuery, page_size,
};
use taskflow_core::{
    Entity, Error, Event, Member, OrgId, Organization, Project, ProjectId, Result, Task, TaskId, User, UserId,
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

pub(crate) fn task(tenants: &Tree, org: OrgId, id: TaskId) -> Result<Task> {
    read(tenants, &keys::task(org, id), Entity::Task)
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

/// Which index serves a task query, as `(kind, value)`.
fn plan(query: &TaskQuery) -> (u8, Vec<u8>) {
    match (query.project, query.status, query.assignee) {
        (_, _, Some(assignee)) => (keys::IDX_ASSIGNEE, assignee.as_bytes().to_vec()),
        (Some(p), Some(s), None) => {
            (keys::IDX_PROJECT_STATUS, [p.as_bytes().as_slice(), &[keys::status_byte(s)]].concat())
        }
        (Some(p), None, None) => (keys::IDX_PROJECT, p.as_bytes().to_vec()),
        (None, Some(s), None) => (keys::IDX_STATUS, vec![keys::status_byte(s)]),
        (None, None, None) => (keys::IDX_ALL, Vec::new()),
    }
}

/// Task ids of one index partition, ascending, after `after`.
fn partition(
    tenants: &Tree,
    org: OrgId,
    kind: u8,
    archived: bool,
    value: &[u8],
    after: Option<TaskId>,
) -> impl Iterator<Item = Result<TaskId>> + use<> {
    let prefix = keys::index_prefix(org, kind, archived, value);
    let start = match after {
        Some(id) => Bound::Excluded([prefix.as_slice(), id.as_bytes()].concat()),
        None => Bound::Included(prefix.clone()),
    };
    let end = keys::prefix_end(&prefix).map_or(Bound::Unbounded, Bound::Excluded);
    tenants.range::<Vec<u8>, _>((start, end)).map(|entry| {
        let (key, _): (IVec, IVec) = entry.map_err(sled_err)?;
        keys::trailing_id(&key)
            .map(TaskId::from_uuid)
            .ok_or_else(|| crate::SledError::corrupt(&key, "short index key").into())
    })
}

pub(crate) fn tasks(tenants: &Tree, org: OrgId, query: &TaskQuery) -> Result<Page<Task>> {
    let limit = page_size(query.limit)?;
    require_org(tenants, org)?;
    let after = query.after.as_ref().map(|c| c.id().map(TaskId::from_uuid)).transpose()?;
    let (kind, value) = plan(query);
    let ids: Box<dyn Iterator<Item = Result<TaskId>>> = match query.archived {
        Archived::Exclude => Box::new(partition(tenants, org, kind, false, &value, after)),
        Archived::Only => Box::new(partition(tenants, org, kind, true, &value, after)),
        Archived::Include => Box::new(merge(
            partition(tenants, org, kind, false, &value, after),
            partition(tenants, org, kind, true, &value, after),
        )),
    };
    let mut items: Vec<Task> = Vec::new();
    for id in ids {
        let task = task(tenants, org, id?)?;
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

/// Merges two ascending id streams into one.
fn merge<A, B>(a: A, b: B) -> impl Iterator<Item = Result<TaskId>>
where
    A: Iterator<Item = Result<TaskId>>,
    B: Iterator<Item = Result<TaskId>>,
{
    let (mut a, mut b) = (a.peekable(), b.peekable());
    std::iter::from_fn(move || match (a.peek(), b.peek()) {
        (Some(Ok(x)), Some(Ok(y))) => {
            if x <= y {
                a.next()
            } else {
                b.next()
            }
        }
        (Some(_), _) => a.next(),
        (None, _) => b.next(),
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
