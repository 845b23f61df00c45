//! The append-only event log.
//!
//! Every change appends exactly one [`Event`] in the same atomic write as the change itself (a
//! transactional outbox). `seq` counts from 1 per organization with no gaps, so a reader that
//! remembers its last `seq` can always resume exactly where it stopped.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::{
    Limits, OrgId, Priority, ProjectId, ProjectPatch, Role, Status, TaskId, TaskPatch, Tier, UserId,
};

/// One change, as the log records it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// The organization whose log it belongs to.
    pub org_id: OrgId,
    /// Position in that log: 1, 2, 3... with no gaps.
    pub seq: u64,
    /// When the change happened.
    pub at: DateTime<Utc>,
    /// Who made it.
    pub actor: UserId,
    /// What happened.
    pub kind: EventKind,
}

/// What happened. Serialized with a `kind` tag holding [`EventKind::name`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum EventKind {
    /// The organization was registered with its first owner (always seq 1).
    OrganizationCreated {
        /// Its name.
        name: String,
        /// Its slug.
        slug: String,
        /// Its tier.
        tier: Tier,
        /// The first Owner.
        owner: UserId,
    },
    /// The tier or the custom limits changed.
    TierChanged {
        /// The tier before.
        from: Tier,
        /// The tier after.
        to: Tier,
        /// The custom limits after.
        custom_limits: Option<Limits>,
    },
    /// A user joined.
    MemberAdded {
        /// The user.
        user_id: UserId,
        /// The role granted.
        role: Role,
    },
    /// A member's role changed.
    MemberRoleChanged {
        /// The user.
        user_id: UserId,
        /// The role before.
        from: Role,
        /// The role after.
        to: Role,
    },
    /// A member left or was removed.
    MemberRemoved {
        /// The user.
        user_id: UserId,
        /// The role held until then.
        role: Role,
    },
    /// A project was created.
    ProjectCreated {
        /// The project.
        project_id: ProjectId,
        /// Its name.
        name: String,
    },
    /// A project's name or description changed.
    ProjectUpdated {
        /// The project.
        project_id: ProjectId,
        /// The changed fields with their new values.
        patch: ProjectPatch,
    },
    /// A project was archived (`archived: true`) or restored.
    ProjectArchived {
        /// The project.
        project_id: ProjectId,
        /// The new flag.
        archived: bool,
    },
    /// An empty project was deleted.
    ProjectDeleted {
        /// The project.
        project_id: ProjectId,
    },
    /// A task was created (in `todo`); carries what state-at-a-moment metrics need.
    TaskCreated {
        /// The task.
        task_id: TaskId,
        /// Its project.
        project_id: ProjectId,
        /// Its title.
        title: String,
        /// Its priority.
        priority: Priority,
        /// Its assignee.
        assignee_id: Option<UserId>,
        /// Its due date.
        due_date: Option<NaiveDate>,
    },
    /// A task's own fields changed.
    TaskUpdated {
        /// The task.
        task_id: TaskId,
        /// Its project.
        project_id: ProjectId,
        /// The changed fields with their new values.
        patch: TaskPatch,
    },
    /// A task moved through the status graph. A move to `done` is a completion.
    TaskStatusChanged {
        /// The task.
        task_id: TaskId,
        /// Its project.
        project_id: ProjectId,
        /// The status before.
        from: Status,
        /// The status after.
        to: Status,
    },
    /// A task was assigned, reassigned or unassigned.
    TaskAssigned {
        /// The task.
        task_id: TaskId,
        /// Its project.
        project_id: ProjectId,
        /// The assignee before.
        from: Option<UserId>,
        /// The assignee after.
        to: Option<UserId>,
    },
    /// A task was archived (`archived: true`) or restored.
    TaskArchived {
        /// The task.
        task_id: TaskId,
        /// Its project.
        project_id: ProjectId,
        /// The new flag.
        archived: bool,
    },
    /// A task was deleted for good.
    TaskDeleted {
        /// The task.
        task_id: TaskId,
        /// Its project.
        project_id: ProjectId,
    },
}

impl EventKind {
    /// The snake_case name, as stored in the `kind` column of the `events` table.
    ///
    /// ```
    /// # use taskflow_core::{EventKind, ProjectId};
    /// # let id = ProjectId::from_uuid(uuid::Uuid::nil());
    /// assert_eq!(EventKind::ProjectDeleted { project_id: id }.name(), "project_deleted");
    /// ```
    pub const fn name(&self) -> &'static str {
        match self {
            Self::OrganizationCreated { .. } => "organization_created",
            Self::TierChanged { .. } => "tier_changed",
            Self::MemberAdded { .. } => "member_added",
            Self::MemberRoleChanged { .. } => "member_role_changed",
            Self::MemberRemoved { .. } => "member_removed",
            Self::ProjectCreated { .. } => "project_created",
            Self::ProjectUpdated { .. } => "project_updated",
            Self::ProjectArchived { .. } => "project_archived",
            Self::ProjectDeleted { .. } => "project_deleted",
            Self::TaskCreated { .. } => "task_created",
            Self::TaskUpdated { .. } => "task_updated",
            Self::TaskStatusChanged { .. } => "task_status_changed",
            Self::TaskAssigned { .. } => "task_assigned",
            Self::TaskArchived { .. } => "task_archived",
            Self::TaskDeleted { .. } => "task_deleted",
        }
    }

    /// The task the event is about, if any.
    pub const fn task_id(&self) -> Option<TaskId> {
        match self {
            Self::TaskCreated { task_id, .. }
            | Self::TaskUpdated { task_id, .. }
            | Self::TaskStatusChanged { task_id, .. }
            | Self::TaskAssigned { task_id, .. }
            | Self::TaskArchived { task_id, .. }
            | Self::TaskDeleted { task_id, .. } => Some(*task_id),
            _ => None,
        }
    }

    /// The project the event is about (a task event names its task's project).
    pub const fn project_id(&self) -> Option<ProjectId> {
        match self {
            Self::ProjectCreated { project_id, .. }
            | Self::ProjectUpdated { project_id, .. }
            | Self::ProjectArchived { project_id, .. }
            | Self::ProjectDeleted { project_id }
            | Self::TaskCreated { project_id, .. }
            | Self::TaskUpdated { project_id, .. }
            | Self::TaskStatusChanged { project_id, .. }
            | Self::TaskAssigned { project_id, .. }
            | Self::TaskArchived { project_id, .. }
            | Self::TaskDeleted { project_id, .. } => Some(*project_id),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serialized_kind_tag_is_the_table_name() {
        let id = TaskId::from_uuid(uuid::Uuid::now_v7());
        let pid = ProjectId::from_uuid(uuid::Uuid::now_v7());
        let kinds = [
            EventKind::TaskStatusChanged {
                task_id: id,
                project_id: pid,
                from: Status::InReview,
                to: Status::Done,
            },
            EventKind::TaskUpdated {
                task_id: id,
                project_id: pid,
                patch: TaskPatch { due_date: Some(None), ..TaskPatch::default() },
            },
            EventKind::TaskDeleted { task_id: id, project_id: pid },
        ];
        for kind in kinds {
            let json = serde_json::to_value(&kind).unwrap();
            assert_eq!(json["kind"], kind.name());
            assert_eq!(serde_json::from_value::<EventKind>(json).unwrap(), kind);
            assert_eq!((kind.task_id(), kind.project_id()), (Some(id), Some(pid)));
        }
    }
}
