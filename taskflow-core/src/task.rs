//! Tasks, their inputs and their lifecycle rules.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::validation::{self, MAX_TITLE_LEN};
use crate::{Error, OrgId, Priority, ProjectId, Result, Status, TaskId, UserId};

/// A task of a project.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Task {
    /// Its id.
    pub id: TaskId,
    /// The organization it belongs to.
    pub org_id: OrgId,
    /// The project it belongs to (fixed at creation).
    pub project_id: ProjectId,
    /// Short title (required, at most 500 characters).
    pub title: String,
    /// Optional longer text (at most 20,000 characters).
    pub description: Option<String>,
    /// Lifecycle state.
    pub status: Status,
    /// How urgent.
    pub priority: Priority,
    /// Who works on it: a member of the same organization when assigned.
    pub assignee: Option<UserId>,
    /// Who created it.
    pub created_by: UserId,
    /// When it should be done (a date, no time).
    pub due_date: Option<NaiveDate>,
    /// Estimated effort, in hours.
    pub estimate_hours: Option<f64>,
    /// Free labels (at most 20, each at most 50 characters).
    pub tags: Vec<String>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
    /// First entry into `in_progress`; never cleared.
    pub started_at: Option<DateTime<Utc>>,
    /// Last entry into `done`; cleared when the task is reopened.
    pub completed_at: Option<DateTime<Utc>>,
    /// Archived tasks stay readable but do not count against the project's task limit.
    pub archived: bool,
    /// Optimistic-concurrency version, 1 on creation; every change adds one.
    pub version: u64,
}

impl Task {
    /// Moves the task to `to` at `now`, applying the lifecycle rules: the first entry into
    /// `in_progress` sets `started_at`, entering `done` sets `completed_at`, leaving `done`
    /// clears it.
    ///
    /// ```
    /// # use taskflow_core::{Status, Task};
    /// # fn demo(mut task: Task, now: chrono::DateTime<chrono::Utc>) -> taskflow_core::Result<()> {
    /// task.move_to(Status::InProgress, now)?;
    /// assert_eq!(task.started_at, Some(now));
    /// # Ok(()) }
    /// ```
    pub fn move_to(&mut self, to: Status, now: DateTime<Utc>) -> Result<()> {
        if !self.status.can_move_to(to) {
            return Err(Error::IllegalTransition { from: self.status, to });
        }
        if to == Status::InProgress && self.started_at.is_none() {
            self.started_at = Some(now);
        }
        self.completed_at = (to == Status::Done).then_some(now);
        self.status = to;
        Ok(())
    }
}

/// Input for creating a task. Tasks start in `todo`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewTask {
    /// The project it goes into (must be active, in the same organization).
    pub project_id: ProjectId,
    /// Title (required, at most 500 characters).
    pub title: String,
    /// Optional description.
    #[serde(default)]
    pub description: Option<String>,
    /// Priority, `medium` when not given.
    #[serde(default)]
    pub priority: Priority,
    /// A member of the organization, or nobody.
    #[serde(default)]
    pub assignee: Option<UserId>,
    /// Due date.
    #[serde(default)]
    pub due_date: Option<NaiveDate>,
    /// Estimate in hours.
    #[serde(default)]
    pub estimate_hours: Option<f64>,
    /// Labels.
    #[serde(default)]
    pub tags: Vec<String>,
}

impl NewTask {
    /// A task with a title in a project, everything else default.
    pub fn new(project_id: ProjectId, title: impl Into<String>) -> Self {
        Self {
            project_id,
            title: title.into(),
            description: None,
            priority: Priority::default(),
            assignee: None,
            due_date: None,
            estimate_hours: None,
            tags: Vec::new(),
        }
    }

    /// The same task with a due date given as text (`YYYY-MM-DD`, as a form or a query string
    /// sends it); anything else is [`Error::Invalid`] for `due_date`.
    ///
    /// ```
    /// # use taskflow_core::{NewTask, ProjectId};
    /// # let project = ProjectId::from_uuid(uuid::Uuid::nil());
    /// assert!(NewTask::new(project, "x").with_due_date("2026-07-01").is_ok());
    /// assert!(NewTask::new(project, "x").with_due_date("July 1st").is_err());
    /// ```
    pub fn with_due_date(self, text: &str) -> Result<Self> {
        Ok(Self { due_date: Some(validation::due_date(text)?), ..self })
    }

    /// The input, trimmed and checked.
    pub fn validated(&self) -> Result<Self> {
        Ok(Self {
            project_id: self.project_id,
            title: validation::required_text("title", &self.title, MAX_TITLE_LEN)?,
            description: validation::description(self.description.as_deref())?,
            priority: self.priority,
            assignee: self.assignee,
            due_date: self.due_date,
            estimate_hours: self.estimate_hours.map(validation::estimate_hours).transpose()?,
            tags: validation::tags(&self.tags)?,
        })
    }
}

/// Changes to a task's own fields; absent fields stay as they are. Status and assignee have
/// their own operations (and events).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TaskPatch {
    /// A new title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// A new description; `Some(None)` clears it.
    #[serde(default, skip_serializing_if = "Option::is_none", with = "crate::patch")]
    pub description: Option<Option<String>>,
    /// A new priority.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<Priority>,
    /// A new due date; `Some(None)` clears it.
    #[serde(default, skip_serializing_if = "Option::is_none", with = "crate::patch")]
    pub due_date: Option<Option<NaiveDate>>,
    /// A new estimate; `Some(None)` clears it.
    #[serde(default, skip_serializing_if = "Option::is_none", with = "crate::patch")]
    pub estimate_hours: Option<Option<f64>>,
    /// New tags, replacing the old ones.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<String>>,
}

impl TaskPatch {
    /// The patch, trimmed and checked.
    pub fn validated(&self) -> Result<Self> {
        Ok(Self {
            title: self
                .title
                .as_deref()
                .map(|t| validation::required_text("title", t, MAX_TITLE_LEN))
                .transpose()?,
            description: self
                .description
                .as_ref()
                .map(|d| validation::description(d.as_deref()))
                .transpose()?,
            priority: self.priority,
            due_date: self.due_date,
            estimate_hours: self
                .estimate_hours
                .map(|e| e.map(validation::estimate_hours).transpose())
                .transpose()?,
            tags: self.tags.as_deref().map(validation::tags).transpose()?,
        })
    }

    /// True when it changes nothing.
    pub fn is_empty(&self) -> bool {
        self.title.is_none()
            && self.description.is_none()
            && self.priority.is_none()
            && self.due_date.is_none()
            && self.estimate_hours.is_none()
            && self.tags.is_none()
    }

    /// Applies the (validated) patch to `task`.
    pub fn apply_to(&self, task: &mut Task) {
        if let Some(title) = &self.title {
            task.title.clone_from(title);
        }
        if let Some(description) = &self.description {
            task.description.clone_from(description);
        }
        if let Some(priority) = self.priority {
            task.priority = priority;
        }
        if let Some(due_date) = self.due_date {
            task.due_date = due_date;
        }
        if let Some(estimate) = self.estimate_hours {
            task.estimate_hours = estimate;
        }
        if let Some(tags) = &self.tags {
            task.tags.clone_from(tags);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};

    fn task(at: DateTime<Utc>) -> Task {
        let nil = uuid::Uuid::nil();
        Task {
            id: TaskId::from_uuid(nil),
            org_id: OrgId::from_uuid(nil),
            project_id: ProjectId::from_uuid(nil),
            title: "t".into(),
            description: None,
            status: Status::Todo,
            priority: Priority::Medium,
            assignee: None,
            created_by: UserId::from_uuid(nil),
            due_date: None,
            estimate_hours: None,
            tags: vec![],
            created_at: at,
            updated_at: at,
            started_at: None,
            completed_at: None,
            archived: false,
            version: 1,
        }
    }

    #[test]
    fn lifecycle_timestamps() {
        let t0 = Utc.with_ymd_and_hms(2026, 5, 1, 8, 0, 0).unwrap();
        let at = |h| t0 + Duration::hours(h);
        let mut t = task(t0);
        t.move_to(Status::InProgress, at(1)).unwrap();
        t.move_to(Status::Todo, at(2)).unwrap();
        t.move_to(Status::InProgress, at(3)).unwrap();
        assert_eq!(t.started_at, Some(at(1)), "only the first entry sets started_at");
        t.move_to(Status::Done, at(4)).unwrap();
        assert_eq!(t.completed_at, Some(at(4)));
        t.move_to(Status::Todo, at(5)).unwrap();
        assert_eq!(t.completed_at, None, "reopening clears completed_at");
        t.move_to(Status::Done, at(6)).unwrap();
        assert_eq!(t.completed_at, Some(at(6)));
        let err = t.move_to(Status::Done, at(7)).unwrap_err();
        assert_eq!(err.to_string(), "illegal status transition from done to done");
        t.move_to(Status::InProgress, at(8)).unwrap();
        t.move_to(Status::Cancelled, at(9)).unwrap();
        assert_eq!((t.completed_at, t.started_at), (None, Some(at(1))));
    }

    #[test]
    fn new_task_is_validated() {
        let pid = ProjectId::from_uuid(uuid::Uuid::now_v7());
        let ok = NewTask { tags: vec!["a".into(), "a".into()], ..NewTask::new(pid, " x ") };
        let v = ok.validated().unwrap();
        assert_eq!((v.title.as_str(), v.tags.len()), ("x", 1));
        let long = NewTask::new(pid, "x".repeat(501));
        assert!(long.validated().unwrap_err().to_string().starts_with("invalid title"));
        let negative = NewTask { estimate_hours: Some(-2.0), ..NewTask::new(pid, "x") };
        assert!(negative.validated().unwrap_err().to_string().starts_with("invalid estimate_hours"));
    }

    #[test]
    fn patch_round_trips_with_clears() {
        let patch = TaskPatch {
            due_date: Some(None),
            estimate_hours: Some(Some(1.5)),
            priority: Some(Priority::High),
            ..TaskPatch::default()
        };
        let json = serde_json::to_string(&patch).unwrap();
        assert_eq!(serde_json::from_str::<TaskPatch>(&json).unwrap(), patch);
        let mut t = task(Utc::now());
        t.due_date = NaiveDate::from_ymd_opt(2026, 1, 1);
        patch.apply_to(&mut t);
        assert_eq!((t.due_date, t.estimate_hours, t.priority), (None, Some(1.5), Priority::High));
    }
}
