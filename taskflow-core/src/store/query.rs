//! Listing queries, pages and opaque cursors.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{Error, Member, Priority, Problem, Project, ProjectId, Result, Status, Task, UserId};

/// Page size used when a query names none.
pub const DEFAULT_PAGE_SIZE: u32 = 50;
/// Largest page a query may ask for.
pub const MAX_PAGE_SIZE: u32 = 500;

/// One page of a listing, in key order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Page<T> {
    /// The rows of this page.
    pub items: Vec<T>,
    /// Where the next page starts; `None` on the last page.
    pub next: Option<Cursor>,
}

/// An opaque position in a listing. Hand it back unchanged to get the next page.
///
/// Pages are keyset-paginated on immutable keys, so rows written between two pages never make
/// a page repeat or skip a row that exists throughout.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Cursor(String);

impl Cursor {
    /// Takes back a token received earlier (for example from an HTTP query string). It is
    /// checked when used: a damaged token answers [`Error::Invalid`] for `cursor`.
    pub fn from_token(token: impl Into<String>) -> Self {
        Self(token.into())
    }

    /// The token to hand to a client.
    pub fn as_token(&self) -> &str {
        &self.0
    }

    /// A cursor after the row with key `id` (for backends).
    pub fn after_id(id: Uuid) -> Self {
        Self(format!("i{}", id.simple()))
    }

    /// The key a cursor made by [`Cursor::after_id`] holds (for backends).
    pub fn id(&self) -> Result<Uuid> {
        self.0.strip_prefix('i').and_then(|hex| Uuid::try_parse(hex).ok()).ok_or_else(malformed)
    }

    /// A cursor after the row with key `(at, id)` (for backends).
    pub fn after_time_id(at: DateTime<Utc>, id: Uuid) -> Self {
        Self(format!("t{}.{}", at.timestamp_micros(), id.simple()))
    }

    /// The key a cursor made by [`Cursor::after_time_id`] holds (for backends).
    pub fn time_id(&self) -> Result<(DateTime<Utc>, Uuid)> {
        let (micros, hex) = self.0.strip_prefix('t').and_then(|s| s.split_once('.')).ok_or_else(malformed)?;
        let at = micros.parse().ok().and_then(DateTime::from_timestamp_micros).ok_or_else(malformed)?;
        let id = Uuid::try_parse(hex).map_err(|_| malformed())?;
        Ok((at, id))
    }
}

fn malformed() -> Error {
    Error::invalid("cursor", Problem::Malformed("a cursor returned by a previous page"))
}

/// The row count a query asks for, checked: default 50, from 1 to 500.
pub fn page_size(limit: Option<u32>) -> Result<usize> {
    match limit.unwrap_or(DEFAULT_PAGE_SIZE) {
        n @ 1..=MAX_PAGE_SIZE => Ok(n as usize),
        _ => Err(Error::invalid("limit", Problem::OutOfRange("from 1 to 500"))),
    }
}

/// Which rows a listing shows by their archived flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Archived {
    /// Only rows that are not archived (the default).
    #[default]
    Exclude,
    /// Only archived rows.
    Only,
    /// Both.
    Include,
}

impl Archived {
    /// Whether a row with this flag is shown.
    pub const fn admits(self, archived: bool) -> bool {
        match self {
            Self::Exclude => !archived,
            Self::Only => archived,
            Self::Include => true,
        }
    }
}

/// Filters and page for listing tasks, ordered by task id (creation order). Every filter that is
/// set must match.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskQuery {
    /// Only tasks of this project.
    pub project: Option<ProjectId>,
    /// Only tasks in this status.
    pub status: Option<Status>,
    /// Only tasks assigned to this user.
    pub assignee: Option<UserId>,
    /// Only tasks of this priority.
    pub priority: Option<Priority>,
    /// Only tasks carrying this tag.
    pub tag: Option<String>,
    /// Only tasks due on or after this date (tasks without a due date never match).
    pub due_from: Option<NaiveDate>,
    /// Only tasks due before this date (tasks without a due date never match).
    pub due_before: Option<NaiveDate>,
    /// Archived rows: excluded unless asked for.
    pub archived: Archived,
    /// Start after this cursor.
    pub after: Option<Cursor>,
    /// Page size (default 50, at most 500).
    pub limit: Option<u32>,
}

impl TaskQuery {
    /// Whether `task` passes every filter (the cursor and limit aside). Backends that narrow
    /// with an index still apply this, so every backend filters alike.
    pub fn matches(&self, task: &Task) -> bool {
        let due_ok = |bound: Option<NaiveDate>, ok: fn(NaiveDate, NaiveDate) -> bool| {
            bound.is_none_or(|b| task.due_date.is_some_and(|d| ok(d, b)))
        };
        self.project.is_none_or(|p| task.project_id == p)
            && self.status.is_none_or(|s| task.status == s)
            && self.assignee.is_none_or(|a| task.assignee == Some(a))
            && self.priority.is_none_or(|p| task.priority == p)
            && self.tag.as_ref().is_none_or(|t| task.tags.contains(t))
            && due_ok(self.due_from, |d, b| d >= b)
            && due_ok(self.due_before, |d, b| d < b)
            && self.archived.admits(task.archived)
    }
}

/// Archived filter and page for listing projects, ordered by project id.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProjectQuery {
    /// Archived rows: excluded unless asked for.
    pub archived: Archived,
    /// Start after this cursor.
    pub after: Option<Cursor>,
    /// Page size (default 50, at most 500).
    pub limit: Option<u32>,
}

impl ProjectQuery {
    /// Whether `project` passes the filter.
    pub fn matches(&self, project: &Project) -> bool {
        self.archived.admits(project.archived)
    }
}

/// Page for listing members, ordered by user id.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberQuery {
    /// Start after this cursor.
    pub after: Option<Cursor>,
    /// Page size (default 50, at most 500).
    pub limit: Option<u32>,
}

impl MemberQuery {
    /// Every member passes; kept for symmetry with the other queries.
    pub fn matches(&self, _member: &Member) -> bool {
        true
    }
}

/// Tasks changed at or after a moment, ordered by `(updated_at, id)`, archived ones included:
/// the incremental export of tasks. Deleted tasks do not appear (their `task_deleted` event does).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangedTasksQuery {
    /// Only tasks whose `updated_at` is at or after this.
    pub since: DateTime<Utc>,
    /// Start after this cursor.
    pub after: Option<Cursor>,
    /// Page size (default 50, at most 500).
    pub limit: Option<u32>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_reject_tampering() {
        let id = Uuid::now_v7();
        assert_eq!(Cursor::after_id(id).id().unwrap(), id);
        let at = DateTime::from_timestamp_micros(1_767_225_600_123_456).unwrap();
        assert_eq!(Cursor::after_time_id(at, id).time_id().unwrap(), (at, id));
        for bad in ["", "i", "ixyz", "t12", "tabc.def", &format!("t1.{}", "z".repeat(32))] {
            let err = Cursor::from_token(bad).time_id().and(Cursor::from_token(bad).id().map(|_| ()));
            assert!(err.unwrap_err().to_string().starts_with("invalid cursor"), "{bad}");
        }
        assert!(Cursor::after_id(id).time_id().is_err());
    }

    #[test]
    fn page_size_is_bounded() {
        assert_eq!(page_size(None).unwrap(), 50);
        assert_eq!(page_size(Some(500)).unwrap(), 500);
        assert!(page_size(Some(0)).is_err());
        assert!(page_size(Some(501)).is_err());
    }
}
