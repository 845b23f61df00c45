//! Tasks: create, edit, move through the status graph, assign, archive, delete, read, list.
//!
//! Every change names the version it read. The service applies the change to the task as it is
//! stored now; the store refuses it with `Conflict` if that is not the version named, so two
//! writers from the same version never both win and no field is lost.

use chrono::{DateTime, Utc};

use super::{Principal, TaskFlow};
use crate::store::{Change, Expected, MAX_BATCH, Page, TaskQuery, Write};
use crate::{
    Action, Entity, Error, EventKind, NewTask, Problem, Result, Status, Task, TaskId, TaskPatch, UserId,
};

impl TaskFlow {
    /// Creates a task in `todo`. Members and up; the project must be active and the assignee a
    /// member; counts against the project's task limit.
    pub async fn create_task(&self, principal: &Principal, new: NewTask) -> Result<Task> {
        principal.require(Action::CreateTask)?;
        let (task, change) = self.new_task_change(principal, &new, self.now())?;
        self.store.apply(change).await?;
        Ok(task)
    }

    fn new_task_change(
        &self,
        principal: &Principal,
        new: &NewTask,
        now: DateTime<Utc>,
    ) -> Result<(Task, Change)> {
        let new = new.validated()?;
        let task = Task {
            id: self.new_id(now),
            org_id: principal.org,
            project_id: new.project_id,
            title: new.title,
            description: new.description,
            status: Status::Todo,
            priority: new.priority,
            assignee: new.assignee,
            created_by: principal.user,
            due_date: new.due_date,
            estimate_hours: new.estimate_hours,
            tags: new.tags,
            created_at: now,
            updated_at: now,
            started_at: None,
            completed_at: None,
            archived: false,
            version: 1,
        };
        let event = EventKind::TaskCreated {
            task_id: task.id,
            project_id: task.project_id,
            title: task.title.clone(),
            priority: task.priority,
            assignee_id: task.assignee,
            due_date: task.due_date,
        };
        let write = Write::PutTask { task: task.clone(), expected: Expected::Absent };
        Ok((task, Change { org: principal.org, actor: principal.user, at: now, write, event }))
    }

    /// Creates many tasks in one atomic unit (a bulk import): all of them with their events, or
    /// none. Every task is validated and checked like [`TaskFlow::create_task`], and limits count
    /// the batch itself. At most [`MAX_BATCH`] tasks per call.
    pub async fn import_tasks(&self, principal: &Principal, tasks: Vec<NewTask>) -> Result<Vec<Task>> {
        principal.require(Action::CreateTask)?;
        if tasks.len() > MAX_BATCH {
            return Err(Error::invalid("tasks", Problem::TooMany { max: MAX_BATCH, len: tasks.len() }));
        }
        let now = self.now();
        let mut created = Vec::with_capacity(tasks.len());
        let mut changes = Vec::with_capacity(tasks.len());
        for new in &tasks {
            let (task, change) = self.new_task_change(principal, new, now)?;
            created.push(task);
            changes.push(change);
        }
        self.store.apply_batch(changes).await?;
        Ok(created)
    }

    /// One task.
    pub async fn task(&self, principal: &Principal, id: TaskId) -> Result<Task> {
        principal.require(Action::Read)?;
        self.store.get_task(principal.org, id).await
    }

    /// Tasks matching the query, a page at a time.
    pub async fn list_tasks(&self, principal: &Principal, query: &TaskQuery) -> Result<Page<Task>> {
        principal.require(Action::Read)?;
        self.store.list_tasks(principal.org, query).await
    }

    /// Edits a task's own fields.
    pub async fn update_task(
        &self,
        principal: &Principal,
        id: TaskId,
        expected_version: u64,
        patch: TaskPatch,
    ) -> Result<Task> {
        principal.require(Action::UpdateTask)?;
        let patch = patch.validated()?;
        self.change_task(principal, id, expected_version, |task, _| {
            patch.apply_to(task);
            Ok(EventKind::TaskUpdated { task_id: task.id, project_id: task.project_id, patch: patch.clone() })
        })
        .await
    }

    /// Moves a task through the status graph (see [`Status`]).
    pub async fn move_task(
        &self,
        principal: &Principal,
        id: TaskId,
        expected_version: u64,
        to: Status,
    ) -> Result<Task> {
        principal.require(Action::UpdateTask)?;
        self.change_task(principal, id, expected_version, |task, now| {
            let from = task.status;
            task.move_to(to, now)?;
            Ok(EventKind::TaskStatusChanged { task_id: task.id, project_id: task.project_id, from, to })
        })
        .await
    }

    /// Assigns a task to a member of the organization, or unassigns it with `None`.
    pub async fn assign_task(
        &self,
        principal: &Principal,
        id: TaskId,
        expected_version: u64,
        assignee: Option<UserId>,
    ) -> Result<Task> {
        principal.require(Action::UpdateTask)?;
        self.change_task(principal, id, expected_version, |task, _| {
            let from = std::mem::replace(&mut task.assignee, assignee);
            Ok(EventKind::TaskAssigned { task_id: task.id, project_id: task.project_id, from, to: assignee })
        })
        .await
    }

    /// Archives (`true`) or restores a task. Archiving frees its slot in the project's task
    /// limit; restoring needs a free slot and an active project.
    pub async fn set_task_archived(
        &self,
        principal: &Principal,
        id: TaskId,
        expected_version: u64,
        archived: bool,
    ) -> Result<Task> {
        principal.require(Action::UpdateTask)?;
        self.change_task(principal, id, expected_version, |task, _| {
            task.archived = archived;
            Ok(EventKind::TaskArchived { task_id: task.id, project_id: task.project_id, archived })
        })
        .await
    }

    /// Deletes a task for good. Admins and Owners.
    pub async fn delete_task(&self, principal: &Principal, id: TaskId, expected_version: u64) -> Result<()> {
        principal.require(Action::DeleteTask)?;
        let task = self.store.get_task(principal.org, id).await?;
        let write = Write::DeleteTask { task_id: id, project_id: task.project_id, expected_version };
        let event = EventKind::TaskDeleted { task_id: id, project_id: task.project_id };
        self.apply(principal, self.now(), write, event).await?;
        Ok(())
    }

    async fn change_task(
        &self,
        principal: &Principal,
        id: TaskId,
        expected_version: u64,
        edit: impl FnOnce(&mut Task, DateTime<Utc>) -> Result<EventKind>,
    ) -> Result<Task> {
        let current = self.store.get_task(principal.org, id).await?;
        Self::expect_version(Entity::Task, current.version, expected_version)?;
        // One instant for the whole change: completed_at, updated_at and the event's time agree.
        let now = self.now();
        let mut task = current.clone();
        let event = edit(&mut task, now)?;
        if task == current {
            return Ok(current);
        }
        task.updated_at = now;
        task.version = expected_version + 1;
        let write = Write::PutTask { task: task.clone(), expected: Expected::Version(expected_version) };
        self.apply(principal, now, write, event).await?;
        Ok(task)
    }
}
