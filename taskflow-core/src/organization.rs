//! Organizations (tenants), subscription tiers and their limits.

use std::fmt;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::OrgId;

/// A tenant: every other record belongs to exactly one organization.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Organization {
    /// Its id.
    pub id: OrgId,
    /// Display name.
    pub name: String,
    /// Unique, URL-safe handle (see [`validation::slug`](crate::validation::slug)).
    pub slug: String,
    /// Subscription tier.
    pub tier: Tier,
    /// Limits that replace the tier's, when set (negotiated contracts).
    pub custom_limits: Option<Limits>,
    /// IANA time zone: daily analytics buckets are local days in this zone.
    pub time_zone: Tz,
    /// When it was registered.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
    /// Optimistic-concurrency version, 1 on creation.
    pub version: u64,
}

impl Organization {
    /// The limits in force: the custom ones when set, else the tier's.
    pub fn limits(&self) -> Limits {
        self.custom_limits.unwrap_or_else(|| self.tier.limits())
    }
}

/// Subscription tiers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Tier {
    /// 5 members, 3 projects, 100 tasks per project.
    Free,
    /// 50 members, 100 projects, 10,000 tasks per project.
    Pro,
    /// No limits.
    Enterprise,
}

impl Tier {
    /// The limits that come with the tier.
    ///
    /// ```
    /// use taskflow_core::{LimitKind, Tier};
    /// assert_eq!(Tier::Free.limits().max(LimitKind::Projects), Some(3));
    /// assert_eq!(Tier::Enterprise.limits().max(LimitKind::Members), None);
    /// ```
    pub const fn limits(self) -> Limits {
        match self {
            Self::Free => Limits { members: Some(5), projects: Some(3), tasks_per_project: Some(100) },
            Self::Pro => Limits { members: Some(50), projects: Some(100), tasks_per_project: Some(10_000) },
            Self::Enterprise => Limits { members: None, projects: None, tasks_per_project: None },
        }
    }

    /// The name used in events and tables.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Free => "free",
            Self::Pro => "pro",
            Self::Enterprise => "enterprise",
        }
    }
}

impl fmt::Display for Tier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Usage limits; `None` means unlimited.
///
/// Archived rows do not count: archiving a project or a task frees its slot, so a user at the
/// limit can archive to make room. Restoring an archived row takes a slot again and fails with
/// [`Error::LimitExceeded`](crate::Error::LimitExceeded) when none is free.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Limits {
    /// Members of the organization (every role counts).
    pub members: Option<u32>,
    /// Active (not archived) projects.
    pub projects: Option<u32>,
    /// Active (not archived) tasks in one project.
    pub tasks_per_project: Option<u32>,
}

impl Limits {
    /// The maximum for one kind of limit.
    pub const fn max(&self, kind: LimitKind) -> Option<u32> {
        match kind {
            LimitKind::Members => self.members,
            LimitKind::Projects => self.projects,
            LimitKind::TasksPerProject => self.tasks_per_project,
        }
    }
}

/// The kinds of limit a tier sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum LimitKind {
    /// Members of the organization.
    Members,
    /// Active projects.
    Projects,
    /// Active tasks in one project.
    TasksPerProject,
}

impl fmt::Display for LimitKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Members => "members",
            Self::Projects => "active projects",
            Self::TasksPerProject => "active tasks per project",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tier_limits_follow_the_design() {
        let cases = [
            (Tier::Free, Some(5), Some(3), Some(100)),
            (Tier::Pro, Some(50), Some(100), Some(10_000)),
            (Tier::Enterprise, None, None, None),
        ];
        for (tier, members, projects, tasks) in cases {
            let l = tier.limits();
            assert_eq!((l.members, l.projects, l.tasks_per_project), (members, projects, tasks));
        }
    }

    #[test]
    fn custom_limits_replace_the_tier() {
        let custom = Limits { members: Some(2), projects: None, tasks_per_project: Some(7) };
        let org = Organization {
            id: OrgId::from_uuid(uuid::Uuid::nil()),
            name: "Acme".into(),
            slug: "acme".into(),
            tier: Tier::Free,
            custom_limits: Some(custom),
            time_zone: chrono_tz::Europe::Paris,
            created_at: Utc::now(),
            updated_at: Utc::now(),
            version: 1,
        };
        assert_eq!(org.limits(), custom);
        let json = serde_json::to_string(&org).unwrap();
        assert!(json.contains("\"Europe/Paris\""), "{json}");
        assert_eq!(serde_json::from_str::<Organization>(&json).unwrap(), org);
    }
}
