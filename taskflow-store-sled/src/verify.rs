//! The integrity check: one streaming pass over both trees, with point lookups for the
//! cross-checks, so it needs memory for one organization's project counters, not for the store.

use std::collections::BTreeMap;
use std::fmt;

use sled::Tree;
use taskflow_core::store::{OrgUsage, ProjectUsage};
use taskflow_core::{Event, Member, OrgId, Organization, Project, ProjectId, Result, Role, Task, User};

use crate::codec::{decode, decode_org_usage, decode_project_usage};
use crate::error::sled_err;
use crate::keys;

/// What [`SledStore::verify`](crate::SledStore::verify) found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VerifyReport {
    /// Organizations walked.
    pub organizations: u64,
    /// Tasks walked.
    pub tasks: u64,
    /// Events walked.
    pub events: u64,
    /// Every inconsistency, in key order.
    pub problems: Vec<Inconsistency>,
}

impl VerifyReport {
    /// True when nothing is wrong.
    pub fn is_clean(&self) -> bool {
        self.problems.is_empty()
    }
}

/// One thing wrong with the stored data.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Inconsistency {
    /// A value that does not decode (unknown version, damaged bytes) or a malformed key.
    Undecodable {
        /// The key, hex.
        key: String,
        /// Why.
        detail: String,
    },
    /// An index entry whose task does not exist.
    IndexWithoutRecord {
        /// The index key, hex.
        key: String,
    },
    /// An index entry that does not match its task (an old status, assignee...).
    StaleIndexEntry {
        /// The index key, hex.
        key: String,
    },
    /// A task missing from one of its indexes.
    MissingIndexEntry {
        /// The index key that should exist, hex.
        key: String,
    },
    /// A counter that disagrees with the rows it counts.
    CounterMismatch {
        /// The organization.
        org: OrgId,
        /// Which counter (`members`, `owners`, `active_projects`, `last_seq`, `tasks of <project>`...).
        counter: String,
        /// What the counter says.
        stored: u64,
        /// What the rows say.
        actual: u64,
    },
    /// The event log skips or repeats a seq.
    EventGap {
        /// The organization.
        org: OrgId,
        /// The seq that should come next.
        expected: u64,
        /// The seq found.
        found: u64,
    },
    /// A lookup entry (slug, e-mail, membership) that points at nothing, or a record without one.
    DanglingLookup {
        /// The key, hex.
        key: String,
    },
}

impl fmt::Display for Inconsistency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Undecodable { key, detail } => write!(f, "undecodable value at {key}: {detail}"),
            Self::IndexWithoutRecord { key } => write!(f, "index entry {key} has no task"),
            Self::StaleIndexEntry { key } => write!(f, "index entry {key} does not match its task"),
            Self::MissingIndexEntry { key } => write!(f, "index entry {key} is missing"),
            Self::CounterMismatch { org, counter, stored, actual } => {
                write!(f, "organization {org}: counter {counter} is {stored}, the rows say {actual}")
            }
            Self::EventGap { org, expected, found } => {
                write!(f, "organization {org}: event log expected seq {expected}, found {found}")
            }
            Self::DanglingLookup { key } => write!(f, "lookup entry {key} does not match a record"),
        }
    }
}

fn hex(key: &[u8]) -> String {
    key.iter().map(|b| format!("{b:02x}")).collect()
}

/// What one organization's rows add up to while walking them.
#[derive(Default)]
struct Tally {
    org: Option<OrgId>,
    stored: Option<OrgUsage>,
    counted: OrgUsage,
    stored_projects: BTreeMap<ProjectId, ProjectUsage>,
    counted_projects: BTreeMap<ProjectId, ProjectUsage>,
}

struct Walk<'a> {
    global: &'a Tree,
    tenants: &'a Tree,
    report: VerifyReport,
}

pub(crate) fn verify(global: &Tree, tenants: &Tree) -> Result<VerifyReport> {
    let mut walk = Walk { global, tenants, report: VerifyReport::default() };
    let mut tally = Tally::default();
    for entry in tenants.iter() {
        let (key, value) = entry.map_err(sled_err)?;
        let Some(org) = keys::trailing_id(&key[..key.len().min(16)]).map(OrgId::from_uuid) else {
            walk.problem(Inconsistency::Undecodable { key: hex(&key), detail: "key too short".into() });
            continue;
        };
        if tally.org != Some(org) {
            walk.close(std::mem::take(&mut tally));
            tally.org = Some(org);
        }
        if let Err(detail) = walk.visit(&mut tally, org, &key, &value) {
            walk.problem(Inconsistency::Undecodable { key: hex(&key), detail });
        }
    }
    walk.close(tally);
    walk.lookups()?;
    Ok(walk.report)
}

impl Walk<'_> {
    fn problem(&mut self, p: Inconsistency) {
        self.report.problems.push(p);
    }

    fn exists(&self, tree: &Tree, key: &[u8]) -> std::result::Result<bool, String> {
        tree.contains_key(key).map_err(|e| e.to_string())
    }

    fn visit(
        &mut self,
        tally: &mut Tally,
        org: OrgId,
        key: &[u8],
        value: &[u8],
    ) -> std::result::Result<(), String> {
        let text = |e: crate::SledError| e.to_string();
        match key.get(16).copied() {
            Some(keys::ORGANIZATION) => {
                let o: Organization = decode(key, value).map_err(text)?;
                self.report.organizations += 1;
                let slug_ok = self.global.get(keys::slug(&o.slug)).map_err(|e| e.to_string())?;
                if slug_ok.as_deref() != Some(o.id.as_bytes().as_slice()) || o.id != org {
                    self.problem(Inconsistency::DanglingLookup { key: hex(&keys::slug(&o.slug)) });
                }
            }
            Some(keys::ORG_USAGE) => tally.stored = Some(decode_org_usage(key, value).map_err(text)?),
            Some(keys::PROJECT_USAGE) => {
                let id = keys::trailing_id(key).map(ProjectId::from_uuid).ok_or("short key")?;
                tally.stored_projects.insert(id, decode_project_usage(key, value).map_err(text)?);
            }
            Some(keys::EVENT) => {
                let event: Event = decode(key, value).map_err(text)?;
                self.report.events += 1;
                let expected = tally.counted.last_seq + 1;
                if event.seq != expected || event.org_id != org || key[17..] != event.seq.to_be_bytes() {
                    self.problem(Inconsistency::EventGap { org, expected, found: event.seq });
                }
                tally.counted.last_seq = event.seq;
            }
            Some(keys::INDEX) => {
                let id = keys::trailing_id(key).map(taskflow_core::TaskId::from_uuid).ok_or("short key")?;
                // Every index but `U` carries the archived flag right after its kind byte.
                let flagged = key.get(17) != Some(&keys::IDX_UPDATED);
                let record_key = |archived| keys::task(org, archived, id);
                let record = if flagged {
                    let key = record_key(key.get(18) == Some(&1));
                    self.tenants.get(&key).map(|v| v.map(|v| (key, v)))
                } else {
                    match self.tenants.get(record_key(false)) {
                        Ok(None) => {
                            self.tenants.get(record_key(true)).map(|v| v.map(|v| (record_key(true), v)))
                        }
                        found => found.map(|v| v.map(|v| (record_key(false), v))),
                    }
                };
                match record.map_err(|e| e.to_string())? {
                    None => self.problem(Inconsistency::IndexWithoutRecord { key: hex(key) }),
                    Some((record_key, bytes)) => {
                        let task: Task = decode(&record_key, &bytes).map_err(text)?;
                        if !keys::task_index_keys(&task).iter().any(|k| k.as_slice() == key) {
                            self.problem(Inconsistency::StaleIndexEntry { key: hex(key) });
                        }
                    }
                }
            }
            Some(keys::MEMBER) => {
                let m: Member = decode(key, value).map_err(text)?;
                tally.counted.members += 1;
                tally.counted.owners += u32::from(m.role == Role::Owner);
                if !self.exists(self.global, &keys::membership(m.user_id, org))? || m.org_id != org {
                    self.problem(Inconsistency::DanglingLookup {
                        key: hex(&keys::membership(m.user_id, org)),
                    });
                }
            }
            Some(keys::PROJECT) => {
                let p: Project = decode(key, value).map_err(text)?;
                tally.counted.active_projects += u32::from(!p.archived);
                tally.counted_projects.entry(p.id).or_default();
            }
            Some(keys::TASK) => {
                let task: Task = decode(key, value).map_err(text)?;
                self.report.tasks += 1;
                if key.get(17) != Some(&u8::from(task.archived)) || task.org_id != org {
                    self.problem(Inconsistency::StaleIndexEntry { key: hex(key) });
                }
                let usage = tally.counted_projects.entry(task.project_id).or_default();
                usage.tasks += 1;
                usage.active_tasks += u32::from(!task.archived);
                for index in keys::task_index_keys(&task) {
                    if !self.exists(self.tenants, &index)? {
                        self.problem(Inconsistency::MissingIndexEntry { key: hex(&index) });
                    }
                }
            }
            _ => return Err("unknown record tag".into()),
        }
        Ok(())
    }

    /// Compares one organization's counters with what its rows added up to.
    fn close(&mut self, tally: Tally) {
        let Some(org) = tally.org else { return };
        let stored = tally.stored.unwrap_or_default();
        let pairs = [
            ("members", stored.members, tally.counted.members),
            ("owners", stored.owners, tally.counted.owners),
            ("active_projects", stored.active_projects, tally.counted.active_projects),
        ];
        for (counter, stored, actual) in pairs {
            self.mismatch(org, counter.to_owned(), u64::from(stored), u64::from(actual));
        }
        self.mismatch(org, "last_seq".into(), stored.last_seq, tally.counted.last_seq);
        let mut projects: Vec<ProjectId> = tally.stored_projects.keys().copied().collect();
        projects.extend(tally.counted_projects.keys().filter(|p| !tally.stored_projects.contains_key(p)));
        for project in projects {
            let s = tally.stored_projects.get(&project).copied().unwrap_or_default();
            let c = tally.counted_projects.get(&project).copied().unwrap_or_default();
            self.mismatch(org, format!("tasks of {project}"), u64::from(s.tasks), u64::from(c.tasks));
            self.mismatch(
                org,
                format!("active tasks of {project}"),
                u64::from(s.active_tasks),
                u64::from(c.active_tasks),
            );
        }
    }

    fn mismatch(&mut self, org: OrgId, counter: String, stored: u64, actual: u64) {
        if stored != actual {
            self.problem(Inconsistency::CounterMismatch { org, counter, stored, actual });
        }
    }

    /// Global lookups: every e-mail, slug and membership entry points at a matching record.
    fn lookups(&mut self) -> Result<()> {
        for entry in self.global.iter() {
            let (key, value) = entry.map_err(sled_err)?;
            let ok = match key.first().copied() {
                Some(keys::G_EMAIL) => uuid::Uuid::from_slice(&value).ok().is_some_and(|id| {
                    let user_key = keys::user(taskflow_core::UserId::from_uuid(id));
                    matches!(self.global.get(&user_key), Ok(Some(v))
                        if decode::<User>(&user_key, &v).is_ok_and(|u| u.email.as_bytes() == &key[1..]))
                }),
                Some(keys::G_SLUG) => uuid::Uuid::from_slice(&value).ok().is_some_and(|id| {
                    let org_key = keys::organization(OrgId::from_uuid(id));
                    matches!(self.tenants.get(&org_key), Ok(Some(v))
                        if decode::<Organization>(&org_key, &v).is_ok_and(|o| o.slug.as_bytes() == &key[1..]))
                }),
                Some(keys::G_MEMBERSHIP) if key.len() == 33 => {
                    let user = uuid::Uuid::from_slice(&key[1..17]).map(taskflow_core::UserId::from_uuid);
                    let org = uuid::Uuid::from_slice(&key[17..]).map(OrgId::from_uuid);
                    match (user, org) {
                        (Ok(u), Ok(o)) => self.tenants.contains_key(keys::member(o, u)).unwrap_or(false),
                        _ => false,
                    }
                }
                Some(keys::G_USER) => decode::<User>(&key, &value).is_ok(),
                _ => key.as_ref() == keys::G_FORMAT,
            };
            if !ok {
                self.problem(Inconsistency::DanglingLookup { key: hex(&key) });
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use taskflow_core::store::OrgUsage;
    use taskflow_core::testkit::Tenant;
    use taskflow_core::{NewTask, Status, Tier};

    use super::Inconsistency;
    use crate::SledStore;
    use crate::codec::encode_org_usage;
    use crate::keys;

    /// A store with one tenant, one moved task and its keys.
    async fn store_with_a_task() -> (SledStore, Tenant, taskflow_core::Task) {
        let store = SledStore::open_temporary().await.unwrap();
        let t = Tenant::new(Arc::new(store.clone()), Tier::Pro).await;
        let project = t.project("p").await;
        let task = t.tf.create_task(&t.member, NewTask::new(project.id, "x")).await.unwrap();
        let task = t.tf.move_task(&t.member, task.id, 1, Status::InProgress).await.unwrap();
        assert!(store.verify().await.unwrap().is_clean());
        (store, t, task)
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn a_missing_index_entry_is_reported() {
        let (store, _, task) = store_with_a_task().await;
        let index = keys::task_index_keys(&task).remove(0);
        store.trees().1.remove(&index).unwrap();
        let problems = store.verify().await.unwrap().problems;
        assert!(matches!(problems.as_slice(), [Inconsistency::MissingIndexEntry { .. }]), "{problems:?}");
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn an_index_entry_without_its_record_and_a_stale_one_are_reported() {
        let (store, _, task) = store_with_a_task().await;
        let mut ghost = task.clone();
        ghost.id = taskflow_core::TaskId::from_uuid(uuid::Uuid::now_v7());
        let mut old = task.clone();
        old.status = Status::Todo;
        let tenants = store.trees().1;
        tenants.insert(keys::task_index_keys(&ghost).remove(0), &[]).unwrap();
        tenants.insert(keys::task_index_keys(&old).remove(0), &[]).unwrap();
        let problems = store.verify().await.unwrap().problems;
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(problems.iter().any(|p| matches!(p, Inconsistency::IndexWithoutRecord { .. })));
        assert!(problems.iter().any(|p| matches!(p, Inconsistency::StaleIndexEntry { .. })));
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn a_wrong_counter_and_an_event_gap_are_reported() {
        let (store, t, _) = store_with_a_task().await;
        let org = t.owner.org();
        let tenants = store.trees().1;
        let usage = OrgUsage { members: 9, owners: 1, active_projects: 1, last_seq: 7 };
        tenants.insert(keys::org_usage(org), &encode_org_usage(&usage)).unwrap();
        tenants.remove(keys::event(org, 3)).unwrap();
        let problems = store.verify().await.unwrap().problems;
        assert!(problems.iter().any(|p| matches!(p, Inconsistency::CounterMismatch { counter, stored: 9, actual: 4, .. } if counter == "members")), "{problems:?}");
        assert!(
            problems.iter().any(|p| matches!(p, Inconsistency::EventGap { expected: 3, found: 4, .. })),
            "{problems:?}"
        );
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn an_unknown_record_version_is_a_clear_error_on_read_and_in_verify() {
        let (store, t, task) = store_with_a_task().await;
        let key = keys::task(t.owner.org(), false, task.id);
        let tenants = store.trees().1;
        let mut bytes = tenants.get(&key).unwrap().unwrap().to_vec();
        bytes[0] = 42;
        tenants.insert(&key, bytes).unwrap();
        let err = t.tf.task(&t.viewer, task.id).await.unwrap_err();
        assert_eq!(err.kind(), taskflow_core::ErrorKind::Backend);
        let source = std::error::Error::source(&err).unwrap().to_string();
        assert!(source.contains("unknown record version 42"), "{source}");
        let problems = store.verify().await.unwrap().problems;
        assert!(
            problems.iter().any(
                |p| matches!(p, Inconsistency::Undecodable { detail, .. } if detail.contains("version 42"))
            ),
            "{problems:?}"
        );
    }
}
