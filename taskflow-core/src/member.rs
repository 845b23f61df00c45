//! Users, memberships and roles.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::{OrgId, UserId};

/// A person. Users are global; what they may do in an organization comes from a [`Member`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    /// Its id.
    pub id: UserId,
    /// Unique e-mail address, stored lower-cased.
    pub email: String,
    /// Display name.
    pub name: String,
    /// When it was created.
    pub created_at: DateTime<Utc>,
}

/// A user's membership of one organization.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    /// The organization.
    pub org_id: OrgId,
    /// The user.
    pub user_id: UserId,
    /// What the user may do there.
    pub role: Role,
    /// When the membership began.
    pub joined_at: DateTime<Utc>,
    /// Optimistic-concurrency version, 1 on creation.
    pub version: u64,
}

/// Roles, ordered by power: `Viewer < Member < Admin < Owner`.
///
/// What each role may do is decided in one place, [`permission::allows`](crate::permission::allows).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Reads everything in the organization.
    Viewer,
    /// Creates and updates tasks.
    Member,
    /// Manages projects and members.
    Admin,
    /// Changes the tier, manages owners and deletes the organization.
    Owner,
}

impl Role {
    /// Every role, weakest first.
    pub const ALL: [Role; 4] = [Role::Viewer, Role::Member, Role::Admin, Role::Owner];

    /// The name used in events and tables.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Viewer => "viewer",
            Self::Member => "member",
            Self::Admin => "admin",
            Self::Owner => "owner",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_are_ordered_by_power_and_serialize_snake_case() {
        assert!(Role::Viewer < Role::Member && Role::Member < Role::Admin && Role::Admin < Role::Owner);
        for role in Role::ALL {
            let json = serde_json::to_string(&role).unwrap();
            assert_eq!(json, format!("\"{role}\""));
            assert_eq!(serde_json::from_str::<Role>(&json).unwrap(), role);
        }
    }
}
