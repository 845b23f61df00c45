//! The one transactional write path.
//!
//! A change (or a batch of them) is one sled transaction over both trees: read the snapshot,
//! let [`Change::decide`] rule, write records, index entries, counters and the event. sled
//! transactions are optimistic and may run the closure again on a conflict, which is why the
//! closure does nothing but reads and writes of the transaction (deciding is pure); the event is
//! published to live subscribers only after the commit.

use sled::transaction::{ConflictableTransactionError, TransactionError, TransactionalTree};
use sled::{Transactional, Tree};
use taskflow_core::store::{
    Change, Effects, Expected, OrgUsage, Presence, ProjectUsage, Record, RecordWrite, Reference, Snapshot,
    Target, Write,
};
use taskflow_core::{Error, Event, Member, OrgId, Organization, Project, Result, Task, User};

use crate::codec::{
    decode, decode_org_usage, decode_project_usage, encode, encode_org_usage, encode_project_usage,
};
use crate::error::sled_err;
use crate::keys;

type TxResult<T> = std::result::Result<T, ConflictableTransactionError<Error>>;

fn abort(e: impl Into<Error>) -> ConflictableTransactionError<Error> {
    ConflictableTransactionError::Abort(e.into())
}

fn finish<T>(result: std::result::Result<T, TransactionError<Error>>) -> Result<T> {
    match result {
        Ok(value) => Ok(value),
        Err(TransactionError::Abort(e)) => Err(e),
        Err(TransactionError::Storage(e)) => Err(sled_err(e)),
    }
}

fn get<T: serde::de::DeserializeOwned>(tree: &TransactionalTree, key: &[u8]) -> TxResult<Option<T>> {
    match tree.get(key)? {
        Some(bytes) => decode(key, &bytes).map(Some).map_err(abort),
        None => Ok(None),
    }
}

/// Whether a change reads or writes the global tree (users, slugs, the membership index). Most
/// changes — every task and project change — do not, and run as cheaper one-tree transactions.
fn touches_global(change: &Change) -> bool {
    matches!(
        change.write,
        Write::CreateOrganization { .. }
            | Write::PutMember { expected: Expected::Absent, .. }
            | Write::RemoveMember { .. }
    )
}

/// Applies the changes in order as one transaction and returns their events.
pub(crate) fn apply(global: &Tree, tenants: &Tree, changes: &[Change]) -> Result<Vec<Event>> {
    let run = |g: Option<&TransactionalTree>, t: &TransactionalTree| {
        let mut events = Vec::with_capacity(changes.len());
        for change in changes {
            let snapshot = snapshot(g, t, change)?;
            let effects = change.decide(&snapshot).map_err(abort)?;
            write(g, t, change.org, &effects)?;
            events.push(effects.event);
        }
        Ok(events)
    };
    if changes.iter().any(touches_global) {
        finish((global, tenants).transaction(|(g, t)| run(Some(g), t)))
    } else {
        finish(tenants.transaction(|t| run(None, t)))
    }
}

/// The global tree of a transaction that needs it.
fn global(g: Option<&TransactionalTree>) -> TxResult<&TransactionalTree> {
    g.ok_or_else(|| {
        abort(Error::backend("sled", "a change touching global keys ran without the global tree"))
    })
}

/// A task from whichever run (active or archived) holds it.
fn task_in_tx(t: &TransactionalTree, org: OrgId, id: taskflow_core::TaskId) -> TxResult<Option<Task>> {
    match get::<Task>(t, &keys::task(org, false, id))? {
        Some(task) => Ok(Some(task)),
        None => get::<Task>(t, &keys::task(org, true, id)),
    }
}

fn snapshot(g: Option<&TransactionalTree>, t: &TransactionalTree, change: &Change) -> TxResult<Snapshot> {
    let org = change.org;
    let current = match change.target() {
        Target::Organization => None,
        Target::Member(user) => get::<Member>(t, &keys::member(org, user))?.map(Record::Member),
        Target::Project(id) => get::<Project>(t, &keys::project(org, id))?.map(Record::Project),
        Target::Task(id) => task_in_tx(t, org, id)?.map(Record::Task),
    };
    let mut references = Vec::new();
    for reference in change.references() {
        let presence = presence(g, t, org, &reference)?;
        references.push((reference, presence));
    }
    Ok(Snapshot {
        organization: get::<Organization>(t, &keys::organization(org))?,
        actor: get::<Member>(t, &keys::member(org, change.actor))?,
        current,
        references,
        org_usage: org_usage(t, org)?,
        project_usage: match change.usage_project() {
            Some(project) => project_usage(t, org, project)?,
            None => ProjectUsage::default(),
        },
    })
}

fn presence(
    g: Option<&TransactionalTree>,
    t: &TransactionalTree,
    org: OrgId,
    r: &Reference,
) -> TxResult<Presence> {
    let found = match r {
        Reference::User(id) => global(g)?.get(keys::user(*id))?.is_some(),
        Reference::Slug(slug) => global(g)?.get(keys::slug(slug))?.is_some(),
        Reference::Member(id) => t.get(keys::member(org, *id))?.is_some(),
        Reference::Project(id) => match get::<Project>(t, &keys::project(org, *id))? {
            Some(p) if p.archived => return Ok(Presence::Archived),
            found => found.is_some(),
        },
    };
    Ok(if found { Presence::Present } else { Presence::Missing })
}

fn org_usage(t: &TransactionalTree, org: OrgId) -> TxResult<OrgUsage> {
    let key = keys::org_usage(org);
    match t.get(&key)? {
        Some(bytes) => decode_org_usage(&key, &bytes).map_err(abort),
        None => Ok(OrgUsage::default()),
    }
}

fn project_usage(
    t: &TransactionalTree,
    org: OrgId,
    project: taskflow_core::ProjectId,
) -> TxResult<ProjectUsage> {
    let key = keys::project_usage(org, project);
    match t.get(&key)? {
        Some(bytes) => decode_project_usage(&key, &bytes).map_err(abort),
        None => Ok(ProjectUsage::default()),
    }
}

fn write(
    g: Option<&TransactionalTree>,
    t: &TransactionalTree,
    org: OrgId,
    effects: &Effects,
) -> TxResult<()> {
    for w in &effects.writes {
        match w {
            RecordWrite::Put { old, new } => put(g, t, old.as_ref(), new)?,
            RecordWrite::Remove { old } => remove(g, t, old)?,
        }
    }
    t.insert(keys::org_usage(org), &encode_org_usage(&effects.org_usage))?;
    if let Some((project, usage)) = &effects.project_usage {
        let deleted = effects
            .writes
            .iter()
            .any(|w| matches!(w, RecordWrite::Remove { old: Record::Project(p) } if p.id == *project));
        let key = keys::project_usage(org, *project);
        if deleted {
            t.remove(key)?;
        } else {
            t.insert(key, &encode_project_usage(usage))?;
        }
    }
    t.insert(keys::event(org, effects.event.seq), encode(&effects.event))?;
    Ok(())
}

fn put(
    g: Option<&TransactionalTree>,
    t: &TransactionalTree,
    old: Option<&Record>,
    new: &Record,
) -> TxResult<()> {
    match new {
        Record::Organization(o) => {
            t.insert(keys::organization(o.id), encode(o))?;
            if old.is_none() {
                global(g)?.insert(keys::slug(&o.slug), o.id.as_bytes())?;
            }
        }
        Record::Member(m) => {
            t.insert(keys::member(m.org_id, m.user_id), encode(m))?;
            if old.is_none() {
                global(g)?.insert(keys::membership(m.user_id, m.org_id), &[])?;
            }
        }
        Record::Project(p) => {
            t.insert(keys::project(p.org_id, p.id), encode(p))?;
        }
        Record::Task(task) => {
            let old_task = match old {
                Some(Record::Task(o)) => Some(o),
                _ => None,
            };
            if let Some(o) = old_task.filter(|o| o.archived != task.archived) {
                t.remove(keys::task(o.org_id, o.archived, o.id))?;
            }
            t.insert(keys::task(task.org_id, task.archived, task.id), encode(task))?;
            let old_keys = old_task.map(keys::task_index_keys).unwrap_or_default();
            let new_keys = keys::task_index_keys(task);
            for k in old_keys.iter().filter(|k| !new_keys.contains(k)) {
                t.remove(k.as_slice())?;
            }
            for k in new_keys.iter().filter(|k| !old_keys.contains(k)) {
                t.insert(k.as_slice(), &[])?;
            }
        }
    }
    Ok(())
}

fn remove(g: Option<&TransactionalTree>, t: &TransactionalTree, old: &Record) -> TxResult<()> {
    match old {
        Record::Organization(o) => {
            t.remove(keys::organization(o.id))?;
        }
        Record::Member(m) => {
            t.remove(keys::member(m.org_id, m.user_id))?;
            global(g)?.remove(keys::membership(m.user_id, m.org_id))?;
        }
        Record::Project(p) => {
            t.remove(keys::project(p.org_id, p.id))?;
        }
        Record::Task(task) => {
            t.remove(keys::task(task.org_id, task.archived, task.id))?;
            for k in keys::task_index_keys(task) {
                t.remove(k)?;
            }
        }
    }
    Ok(())
}

/// Stores a new user, refusing a taken e-mail or id.
pub(crate) fn insert_user(global: &Tree, user: &User) -> Result<()> {
    use taskflow_core::{ConflictReason, Entity};
    finish(global.transaction(|g| {
        if g.get(keys::email(&user.email))?.is_some() {
            return Err(abort(Error::conflict(Entity::User, ConflictReason::AlreadyExists("email"))));
        }
        if g.get(keys::user(user.id))?.is_some() {
            return Err(abort(Error::conflict(Entity::User, ConflictReason::AlreadyExists("user"))));
        }
        g.insert(keys::email(&user.email), user.id.as_bytes())?;
        g.insert(keys::user(user.id), encode(user))?;
        Ok(())
    }))
}

/// Deletes an organization: collects its keys, then removes them in one transaction that
/// first checks nothing was written since (the last seq moves with every change).
pub(crate) fn delete_organization(
    global: &Tree,
    tenants: &Tree,
    org: OrgId,
    actor: taskflow_core::UserId,
    expected_version: u64,
) -> Result<()> {
    loop {
        let prefix = org.as_bytes();
        let mut tenant_keys = Vec::new();
        let mut member_users = Vec::new();
        for entry in tenants.scan_prefix(prefix) {
            let (key, _) = entry.map_err(sled_err)?;
            if key.get(16) == Some(&keys::MEMBER)
                && let Some(user) = keys::trailing_id(&key)
            {
                member_users.push(taskflow_core::UserId::from_uuid(user));
            }
            tenant_keys.push(key);
        }
        let seen_seq = read_last_seq(tenants, org)?;
        let outcome = finish((global, tenants).transaction(|(g, t)| {
            if org_usage(t, org)?.last_seq != seen_seq {
                return Ok(false);
            }
            let organization = get::<Organization>(t, &keys::organization(org))?;
            let member = get::<Member>(t, &keys::member(org, actor))?;
            taskflow_core::store::change::check_delete_organization(
                organization.as_ref(),
                member.as_ref(),
                expected_version,
            )
            .map_err(abort)?;
            for key in &tenant_keys {
                t.remove(key.clone())?;
            }
            for user in &member_users {
                g.remove(keys::membership(*user, org))?;
            }
            if let Some(o) = &organization {
                g.remove(keys::slug(&o.slug))?;
            }
            Ok(true)
        }))?;
        if outcome {
            return Ok(());
        }
    }
}

/// The last seq outside a transaction.
pub(crate) fn read_last_seq(tenants: &Tree, org: OrgId) -> Result<u64> {
    let key = keys::org_usage(org);
    match tenants.get(&key).map_err(sled_err)? {
        Some(bytes) => Ok(decode_org_usage(&key, &bytes)?.last_seq),
        None => Ok(0),
    }
}
