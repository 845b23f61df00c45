//! Typed identifiers.
//!
//! Every record has its own id type so an `OrgId` can never be passed where a `TaskId` is meant.
//! Ids are UUID v7: time-ordered, so keyset pagination by id follows creation order, and index
//! inserts land at the end of a B-tree instead of at random pages.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

macro_rules! typed_id {
    ($(#[$doc:meta])* $name:ident, $entity:literal) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(Uuid);

        impl $name {
            /// Wraps an existing UUID (for example one read back from storage).
            pub const fn from_uuid(uuid: Uuid) -> Self {
                Self(uuid)
            }

            /// The underlying UUID.
            pub const fn as_uuid(&self) -> &Uuid {
                &self.0
            }

            /// The 16 bytes of the UUID, big-endian, so byte order is time order.
            pub const fn as_bytes(&self) -> &[u8; 16] {
                self.0.as_bytes()
            }

            /// True for the all-zero UUID, which never names a record.
            pub const fn is_nil(&self) -> bool {
                self.0.is_nil()
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!($entity, "({})"), self.0)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0, f)
            }
        }

        impl FromStr for $name {
            type Err = crate::Error;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s.trim())
                    .map(Self)
                    .map_err(|_| crate::Error::invalid($entity, crate::Problem::Malformed("a UUID")))
            }
        }

        impl From<Uuid> for $name {
            fn from(uuid: Uuid) -> Self {
                Self(uuid)
            }
        }

        impl From<$name> for Uuid {
            fn from(id: $name) -> Uuid {
                id.0
            }
        }
    };
}

typed_id!(
    /// Identifies an organization (a tenant).
    OrgId,
    "org_id"
);
typed_id!(
    /// Identifies a user. Users are global: one user can be a member of several organizations.
    UserId,
    "user_id"
);
typed_id!(
    /// Identifies a project inside an organization.
    ProjectId,
    "project_id"
);
typed_id!(
    /// Identifies a task inside an organization.
    TaskId,
    "task_id"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serde_is_transparent() {
        let id = TaskId::from_uuid(Uuid::now_v7());
        let json = serde_json::to_string(&id).unwrap();
        assert_eq!(json, format!("\"{id}\""));
        assert_eq!(serde_json::from_str::<TaskId>(&json).unwrap(), id);
    }

    #[test]
    fn parse_rejects_garbage_naming_the_field() {
        let err = "not-a-uuid".parse::<OrgId>().unwrap_err();
        assert!(err.to_string().contains("org_id"), "{err}");
        assert_eq!(
            " 0190a1b2-0000-7000-8000-000000000000 ".parse::<OrgId>().unwrap().to_string(),
            "0190a1b2-0000-7000-8000-000000000000"
        );
    }
}
