//! Projects: the containers of tasks.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::validation::{self, MAX_NAME_LEN};
use crate::{OrgId, ProjectId, Result, UserId};

/// A project of an organization.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Project {
    /// Its id.
    pub id: ProjectId,
    /// The organization it belongs to.
    pub org_id: OrgId,
    /// Display name.
    pub name: String,
    /// Optional longer text.
    pub description: Option<String>,
    /// Archived projects take no new tasks and do not count against the project limit.
    pub archived: bool,
    /// Who created it.
    pub created_by: UserId,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
    /// Optimistic-concurrency version, 1 on creation.
    pub version: u64,
}

/// Input for creating a project.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewProject {
    /// Display name (required, at most 200 characters).
    pub name: String,
    /// Optional description (at most 20,000 characters).
    #[serde(default)]
    pub description: Option<String>,
}

impl NewProject {
    /// A project with a name and no description.
    pub fn named(name: impl Into<String>) -> Self {
        Self { name: name.into(), description: None }
    }

    /// The input, trimmed and checked.
    pub fn validated(&self) -> Result<Self> {
        Ok(Self {
            name: validation::required_text("name", &self.name, MAX_NAME_LEN)?,
            description: validation::description(self.description.as_deref())?,
        })
    }
}

/// Changes to a project's fields; absent fields stay as they are.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProjectPatch {
    /// A new name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// A new description; `Some(None)` clears it.
    #[serde(default, skip_serializing_if = "Option::is_none", with = "crate::patch")]
    pub description: Option<Option<String>>,
}

impl ProjectPatch {
    /// The patch, trimmed and checked.
    pub fn validated(&self) -> Result<Self> {
        Ok(Self {
            name: self
                .name
                .as_deref()
                .map(|n| validation::required_text("name", n, MAX_NAME_LEN))
                .transpose()?,
            description: self
                .description
                .as_ref()
                .map(|d| validation::description(d.as_deref()))
                .transpose()?,
        })
    }

    /// True when it changes nothing.
    pub fn is_empty(&self) -> bool {
        self.name.is_none() && self.description.is_none()
    }

    /// Applies the (validated) patch to `project`.
    pub fn apply_to(&self, project: &mut Project) {
        if let Some(name) = &self.name {
            project.name.clone_from(name);
        }
        if let Some(description) = &self.description {
            project.description.clone_from(description);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patch_keeps_clear_apart_from_absent() {
        let clear: ProjectPatch = serde_json::from_str(r#"{"description":null}"#).unwrap();
        assert_eq!(clear.description, Some(None));
        let absent: ProjectPatch = serde_json::from_str("{}").unwrap();
        assert!(absent.is_empty());
        let json = serde_json::to_string(&clear).unwrap();
        assert_eq!(json, r#"{"description":null}"#);
        assert_eq!(serde_json::from_str::<ProjectPatch>(&json).unwrap(), clear);
    }

    #[test]
    fn validation_names_the_field() {
        let err = NewProject::named("   ").validated().unwrap_err();
        assert_eq!(err.to_string(), "invalid name: must not be empty");
        let patch = ProjectPatch { name: Some("x".repeat(201)), description: None };
        assert!(patch.validated().unwrap_err().to_string().starts_with("invalid name"));
    }
}
