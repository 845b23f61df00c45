//! The key layout.
//!
//! Two trees. `tenants` holds every record of every organization, each key leading with the
//! 16-byte organization id, so one tenant is one contiguous range. `global` holds what is not
//! owned by a tenant: users, e-mail and slug lookups, and the user → organizations index.
//! Numbers are big-endian so byte order is numeric order; ids are UUID v7, so id order is
//! creation order.
//!
//! | tree | key | value |
//! |---|---|---|
//! | tenants | `org O` | organization |
//! | tenants | `org C` | organization counters (members, owners, active projects, last seq) |
//! | tenants | `org c project` | project counters (tasks, active tasks) |
//! | tenants | `org m user` | membership |
//! | tenants | `org p project` | project |
//! | tenants | `org t archived task` | task (active and archived ones in two runs) |
//! | tenants | `org e seq` | event |
//! | tenants | `org i S archived status task` | index: by status |
//! | tenants | `org i A archived assignee task` | index: by assignee |
//! | tenants | `org i Q archived project status task` | index: by project, and project and status |
//! | tenants | `org i U updated_at task` | index: by last change (incremental export) |
//!
//! Every index entry is one more write in every task change, so there are as few as the queries
//! need: the task records themselves, split by the archived flag, serve the unfiltered listing;
//! `Q` serves a project filter by merging its six status runs (still a page's worth of reads);
//! `S` and `A` serve status and assignee filters.
//! | global | `u user` / `e email` / `s slug` / `m user org` | user / user id / org id / () |

use taskflow_core::{OrgId, ProjectId, Status, Task, TaskId, UserId};

pub(crate) const ORGANIZATION: u8 = b'O';
pub(crate) const ORG_USAGE: u8 = b'C';
pub(crate) const PROJECT_USAGE: u8 = b'c';
pub(crate) const MEMBER: u8 = b'm';
pub(crate) const PROJECT: u8 = b'p';
pub(crate) const TASK: u8 = b't';
pub(crate) const EVENT: u8 = b'e';
pub(crate) const INDEX: u8 = b'i';

pub(crate) const IDX_STATUS: u8 = b'S';
pub(crate) const IDX_ASSIGNEE: u8 = b'A';
pub(crate) const IDX_PROJECT_STATUS: u8 = b'Q';
pub(crate) const IDX_UPDATED: u8 = b'U';

pub(crate) const G_USER: u8 = b'u';
pub(crate) const G_EMAIL: u8 = b'e';
pub(crate) const G_SLUG: u8 = b's';
pub(crate) const G_MEMBERSHIP: u8 = b'm';
/// The format marker key (no other global key is a single byte long... this one is 7).
pub(crate) const G_FORMAT: &[u8] = b"\x00format";

/// A key under construction.
pub(crate) struct Key(Vec<u8>);

impl Key {
    pub(crate) fn org(org: OrgId) -> Self {
        let mut k = Vec::with_capacity(64);
        k.extend_from_slice(org.as_bytes());
        Self(k)
    }

    pub(crate) fn global(tag: u8) -> Self {
        let mut k = Vec::with_capacity(48);
        k.push(tag);
        Self(k)
    }

    pub(crate) fn tag(mut self, tag: u8) -> Self {
        self.0.push(tag);
        self
    }

    pub(crate) fn bytes(mut self, bytes: &[u8]) -> Self {
        self.0.extend_from_slice(bytes);
        self
    }

    pub(crate) fn u64(mut self, n: u64) -> Self {
        self.0.extend_from_slice(&n.to_be_bytes());
        self
    }

    pub(crate) fn done(self) -> Vec<u8> {
        self.0
    }
}

pub(crate) fn organization(org: OrgId) -> Vec<u8> {
    Key::org(org).tag(ORGANIZATION).done()
}

pub(crate) fn org_usage(org: OrgId) -> Vec<u8> {
    Key::org(org).tag(ORG_USAGE).done()
}

pub(crate) fn project_usage(org: OrgId, project: ProjectId) -> Vec<u8> {
    Key::org(org).tag(PROJECT_USAGE).bytes(project.as_bytes()).done()
}

pub(crate) fn member(org: OrgId, user: UserId) -> Vec<u8> {
    Key::org(org).tag(MEMBER).bytes(user.as_bytes()).done()
}

pub(crate) fn project(org: OrgId, id: ProjectId) -> Vec<u8> {
    Key::org(org).tag(PROJECT).bytes(id.as_bytes()).done()
}

pub(crate) fn task(org: OrgId, archived: bool, id: TaskId) -> Vec<u8> {
    Key::org(org).tag(TASK).tag(u8::from(archived)).bytes(id.as_bytes()).done()
}

/// The prefix of one run of task records.
pub(crate) fn task_prefix(org: OrgId, archived: bool) -> Vec<u8> {
    Key::org(org).tag(TASK).tag(u8::from(archived)).done()
}

pub(crate) fn event(org: OrgId, seq: u64) -> Vec<u8> {
    Key::org(org).tag(EVENT).u64(seq).done()
}

pub(crate) fn user(id: UserId) -> Vec<u8> {
    Key::global(G_USER).bytes(id.as_bytes()).done()
}

pub(crate) fn email(email: &str) -> Vec<u8> {
    Key::global(G_EMAIL).bytes(email.as_bytes()).done()
}

pub(crate) fn slug(slug: &str) -> Vec<u8> {
    Key::global(G_SLUG).bytes(slug.as_bytes()).done()
}

pub(crate) fn membership(user: UserId, org: OrgId) -> Vec<u8> {
    Key::global(G_MEMBERSHIP).bytes(user.as_bytes()).bytes(org.as_bytes()).done()
}

/// The byte a status has in index keys.
pub(crate) fn status_byte(status: Status) -> u8 {
    Status::ALL.iter().position(|s| *s == status).map_or(u8::MAX, |i| i as u8)
}

/// Microseconds since the epoch, shifted so negative times still sort before positive ones.
pub(crate) fn time_key(micros: i64) -> u64 {
    (micros as u64) ^ (1 << 63)
}

/// The prefix of one index partition: `org i kind archived value`.
pub(crate) fn index_prefix(org: OrgId, kind: u8, archived: bool, value: &[u8]) -> Vec<u8> {
    Key::org(org).tag(INDEX).tag(kind).tag(u8::from(archived)).bytes(value).done()
}

/// Every index key a task has, in a fixed order.
pub(crate) fn task_index_keys(task: &Task) -> Vec<Vec<u8>> {
    let (org, id, a) = (task.org_id, task.id.as_bytes(), task.archived);
    let status = [status_byte(task.status)];
    let project = task.project_id.as_bytes();
    let mut keys = vec![
        with_id(index_prefix(org, IDX_STATUS, a, &status), id),
        with_id(index_prefix(org, IDX_PROJECT_STATUS, a, &[project.as_slice(), &status].concat()), id),
        Key::org(org)
            .tag(INDEX)
            .tag(IDX_UPDATED)
            .u64(time_key(task.updated_at.timestamp_micros()))
            .bytes(id)
            .done(),
    ];
    if let Some(assignee) = task.assignee {
        keys.push(with_id(index_prefix(org, IDX_ASSIGNEE, a, assignee.as_bytes()), id));
    }
    keys
}

fn with_id(mut prefix: Vec<u8>, id: &[u8; 16]) -> Vec<u8> {
    prefix.extend_from_slice(id);
    prefix
}

/// The 16 bytes at the end of a key, as a UUID (ids end every record and index key).
pub(crate) fn trailing_id(key: &[u8]) -> Option<uuid::Uuid> {
    let start = key.len().checked_sub(16)?;
    uuid::Uuid::from_slice(&key[start..]).ok()
}

/// The smallest key after every key that starts with `prefix`.
pub(crate) fn prefix_end(prefix: &[u8]) -> Option<Vec<u8>> {
    let mut end = prefix.to_vec();
    while let Some(last) = end.pop() {
        if last < u8::MAX {
            end.push(last + 1);
            return Some(end);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_keys_sort_like_times() {
        let times = [-5_000_000i64, -1, 0, 1, 1_700_000_000_000_000];
        let keys: Vec<u64> = times.iter().map(|t| time_key(*t)).collect();
        assert!(keys.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn prefix_end_is_the_next_prefix() {
        assert_eq!(prefix_end(b"ab"), Some(b"ac".to_vec()));
        assert_eq!(prefix_end(&[1, 0xff]), Some(vec![2]));
        assert_eq!(prefix_end(&[0xff, 0xff]), None);
    }

    #[test]
    fn status_bytes_are_distinct() {
        let bytes: std::collections::BTreeSet<u8> = Status::ALL.iter().map(|s| status_byte(*s)).collect();
        assert_eq!(bytes.len(), Status::ALL.len());
    }
}
