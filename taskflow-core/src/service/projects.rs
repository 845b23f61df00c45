//! Projects.

use super::{Principal, TaskFlow};
use crate::store::{Expected, Page, ProjectQuery, Write};
use crate::{Action, Entity, EventKind, NewProject, Project, ProjectId, ProjectPatch, Result};

impl TaskFlow {
    /// Creates a project. Admins and Owners; counts against the active-project limit.
    pub async fn create_project(&self, principal: &Principal, new: NewProject) -> Result<Project> {
        principal.require(Action::ManageProjects)?;
        let new = new.validated()?;
        let now = self.now();
        let project = Project {
            id: self.new_id(now),
            org_id: principal.org,
            name: new.name,
            description: new.description,
            archived: false,
            created_by: principal.user,
            created_at: now,
            updated_at: now,
            version: 1,
        };
        let event = EventKind::ProjectCreated { project_id: project.id, name: project.name.clone() };
        let write = Write::PutProject { project: project.clone(), expected: Expected::Absent };
        self.apply(principal, now, write, event).await?;
        Ok(project)
    }

    /// One project.
    pub async fn project(&self, principal: &Principal, id: ProjectId) -> Result<Project> {
        principal.require(Action::Read)?;
        self.store.get_project(principal.org, id).await
    }

    /// Projects, a page at a time (archived ones only when asked for).
    pub async fn list_projects(&self, principal: &Principal, query: &ProjectQuery) -> Result<Page<Project>> {
        principal.require(Action::Read)?;
        self.store.list_projects(principal.org, query).await
    }

    /// Renames or re-describes a project, based on the version read.
    pub async fn update_project(
        &self,
        principal: &Principal,
        id: ProjectId,
        expected_version: u64,
        patch: ProjectPatch,
    ) -> Result<Project> {
        principal.require(Action::ManageProjects)?;
        let patch = patch.validated()?;
        let event = EventKind::ProjectUpdated { project_id: id, patch: patch.clone() };
        self.change_project(principal, id, expected_version, event, |p| patch.apply_to(p)).await
    }

    /// Archives (`true`) or restores a project. Archived projects take no new tasks and free
    /// their slot in the project limit; restoring needs a free slot.
    pub async fn set_project_archived(
        &self,
        principal: &Principal,
        id: ProjectId,
        expected_version: u64,
        archived: bool,
    ) -> Result<Project> {
        principal.require(Action::ManageProjects)?;
        let event = EventKind::ProjectArchived { project_id: id, archived };
        self.change_project(principal, id, expected_version, event, |p| p.archived = archived).await
    }

    /// Deletes a project that holds no tasks (archive it, or delete its tasks, first).
    pub async fn delete_project(
        &self,
        principal: &Principal,
        id: ProjectId,
        expected_version: u64,
    ) -> Result<()> {
        principal.require(Action::ManageProjects)?;
        let write = Write::DeleteProject { project_id: id, expected_version };
        self.apply(principal, self.now(), write, EventKind::ProjectDeleted { project_id: id }).await?;
        Ok(())
    }

    async fn change_project(
        &self,
        principal: &Principal,
        id: ProjectId,
        expected_version: u64,
        event: EventKind,
        edit: impl FnOnce(&mut Project),
    ) -> Result<Project> {
        let current = self.store.get_project(principal.org, id).await?;
        Self::expect_version(Entity::Project, current.version, expected_version)?;
        let now = self.now();
        let mut project = current.clone();
        edit(&mut project);
        if project == current {
            return Ok(current);
        }
        project.updated_at = now;
        project.version = expected_version + 1;
        let write =
            Write::PutProject { project: project.clone(), expected: Expected::Version(expected_version) };
        self.apply(principal, now, write, event).await?;
        Ok(project)
    }
}
