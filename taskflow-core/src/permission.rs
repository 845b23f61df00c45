//! The permission matrix: which role may perform which action. One table, in one place.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::Role;

/// Something a principal can ask to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Read the organization, its members, projects, tasks and events.
    Read,
    /// Create a task.
    CreateTask,
    /// Edit, move, assign, archive or restore a task.
    UpdateTask,
    /// Delete a task for good.
    DeleteTask,
    /// Create, edit, archive, restore or delete a project.
    ManageProjects,
    /// Add and remove members and change roles below Owner.
    ManageMembers,
    /// Grant or take away the Owner role (including removing an Owner).
    ManageOwners,
    /// Change the organization's tier or custom limits.
    ChangeTier,
    /// Delete the organization with all its data.
    DeleteOrganization,
}

impl Action {
    /// Every action.
    pub const ALL: [Action; 9] = [
        Action::Read,
        Action::CreateTask,
        Action::UpdateTask,
        Action::DeleteTask,
        Action::ManageProjects,
        Action::ManageMembers,
        Action::ManageOwners,
        Action::ChangeTier,
        Action::DeleteOrganization,
    ];
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Read => "read",
            Self::CreateTask => "create tasks",
            Self::UpdateTask => "update tasks",
            Self::DeleteTask => "delete tasks",
            Self::ManageProjects => "manage projects",
            Self::ManageMembers => "manage members",
            Self::ManageOwners => "manage owners",
            Self::ChangeTier => "change the tier",
            Self::DeleteOrganization => "delete the organization",
        })
    }
}

/// Whether `role` may perform `action`.
///
/// ```
/// use taskflow_core::{permission::allows, Action, Role};
/// assert!(allows(Role::Member, Action::CreateTask));
/// assert!(!allows(Role::Viewer, Action::CreateTask));
/// assert!(!allows(Role::Admin, Action::ChangeTier));
/// ```
pub const fn allows(role: Role, action: Action) -> bool {
    use Action::*;
    match role {
        Role::Viewer => matches!(action, Read),
        Role::Member => matches!(action, Read | CreateTask | UpdateTask),
        Role::Admin => {
            matches!(action, Read | CreateTask | UpdateTask | DeleteTask | ManageProjects | ManageMembers)
        }
        Role::Owner => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The matrix written out as a table, row per action, columns Viewer, Member, Admin, Owner.
    const EXPECTED: [(Action, [bool; 4]); 9] = [
        (Action::Read, [true, true, true, true]),
        (Action::CreateTask, [false, true, true, true]),
        (Action::UpdateTask, [false, true, true, true]),
        (Action::DeleteTask, [false, false, true, true]),
        (Action::ManageProjects, [false, false, true, true]),
        (Action::ManageMembers, [false, false, true, true]),
        (Action::ManageOwners, [false, false, false, true]),
        (Action::ChangeTier, [false, false, false, true]),
        (Action::DeleteOrganization, [false, false, false, true]),
    ];

    #[test]
    fn every_role_action_pair() {
        assert_eq!(EXPECTED.len(), Action::ALL.len());
        for (action, row) in EXPECTED {
            for (role, expected) in Role::ALL.into_iter().zip(row) {
                assert_eq!(allows(role, action), expected, "{role} / {action}");
            }
        }
    }

    #[test]
    fn a_stronger_role_never_loses_a_permission() {
        for action in Action::ALL {
            for pair in Role::ALL.windows(2) {
                assert!(!allows(pair[0], action) || allows(pair[1], action), "{action}");
            }
        }
    }
}
