//! The one error type of TaskFlow.
//!
//! Every variant carries meaning a caller can act on; backends map their own failures into it by
//! kind (SQLSTATE, I/O kind), never by message text, and keep the source error in
//! [`Error::Backend`].

use std::fmt;

use crate::{Action, LimitKind, Role, Status};

/// A specialized `Result` for TaskFlow operations.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in TaskFlow.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The record does not exist in this organization. A record of another organization answers
    /// exactly this too, so the error never reveals that it exists elsewhere.
    #[error("{entity} not found")]
    NotFound {
        /// What was looked for.
        entity: Entity,
    },
    /// The change collides with the current state; nothing was written.
    #[error("conflict on {entity}: {reason}")]
    Conflict {
        /// The record in conflict.
        entity: Entity,
        /// Why.
        reason: ConflictReason,
    },
    /// A tier limit would be exceeded; nothing was written.
    #[error("limit reached: at most {max} {limit}")]
    LimitExceeded {
        /// Which limit.
        limit: LimitKind,
        /// Its value for the organization.
        max: u32,
    },
    /// The principal's role does not allow the action.
    #[error("permission denied: a {role} cannot {action}")]
    PermissionDenied {
        /// The role the principal holds.
        role: Role,
        /// What it tried to do.
        action: Action,
    },
    /// An input failed validation.
    #[error("invalid {field}: {problem}")]
    Invalid {
        /// The offending field, as named in the API (`title`, `tags`, `time_zone`...).
        field: &'static str,
        /// What is wrong with it.
        problem: Problem,
    },
    /// The status graph has no edge from `from` to `to`.
    #[error("illegal status transition from {from} to {to}")]
    IllegalTransition {
        /// The task's current status.
        from: Status,
        /// The requested status.
        to: Status,
    },
    /// A change-feed subscriber fell behind its bounded buffer. No event was dropped silently:
    /// subscribe again with `after_seq = resume_after` to continue without a gap.
    #[error("change feed subscriber lagged behind its buffer; resume with after_seq = {resume_after}")]
    Lagged {
        /// The last sequence number the subscriber received.
        resume_after: u64,
    },
    /// The storage backend failed; the source error is kept.
    #[error("{store} backend error")]
    Backend {
        /// Which backend (`memory`, `sled`, `postgres`).
        store: &'static str,
        /// The underlying error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync + 'static>,
    },
}

impl Error {
    /// Shorthand for [`Error::NotFound`].
    pub const fn not_found(entity: Entity) -> Self {
        Self::NotFound { entity }
    }

    /// Shorthand for [`Error::Invalid`].
    pub const fn invalid(field: &'static str, problem: Problem) -> Self {
        Self::Invalid { field, problem }
    }

    /// Shorthand for [`Error::Conflict`].
    pub const fn conflict(entity: Entity, reason: ConflictReason) -> Self {
        Self::Conflict { entity, reason }
    }

    /// Wraps a backend's own error, keeping it as the source.
    pub fn backend(
        store: &'static str,
        source: impl Into<Box<dyn std::error::Error + Send + Sync + 'static>>,
    ) -> Self {
        Self::Backend { store, source: source.into() }
    }

    /// The variant without its payload, for matching and comparing outcomes.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::NotFound { .. } => ErrorKind::NotFound,
            Self::Conflict { .. } => ErrorKind::Conflict,
            Self::LimitExceeded { .. } => ErrorKind::LimitExceeded,
            Self::PermissionDenied { .. } => ErrorKind::PermissionDenied,
            Self::Invalid { .. } => ErrorKind::Invalid,
            Self::IllegalTransition { .. } => ErrorKind::IllegalTransition,
            Self::Lagged { .. } => ErrorKind::Lagged,
            Self::Backend { .. } => ErrorKind::Backend,
        }
    }
}

/// The variants of [`Error`] without payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// [`Error::NotFound`].
    NotFound,
    /// [`Error::Conflict`].
    Conflict,
    /// [`Error::LimitExceeded`].
    LimitExceeded,
    /// [`Error::PermissionDenied`].
    PermissionDenied,
    /// [`Error::Invalid`].
    Invalid,
    /// [`Error::IllegalTransition`].
    IllegalTransition,
    /// [`Error::Lagged`].
    Lagged,
    /// [`Error::Backend`].
    Backend,
}

/// The kinds of record an error can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Entity {
    /// An organization (tenant).
    Organization,
    /// A user account.
    User,
    /// A membership.
    Member,
    /// A project.
    Project,
    /// A task.
    Task,
    /// The member a task is assigned to.
    Assignee,
}

impl fmt::Display for Entity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Organization => "organization",
            Self::User => "user",
            Self::Member => "member",
            Self::Project => "project",
            Self::Task => "task",
            Self::Assignee => "assignee (a member of this organization)",
        })
    }
}

/// Why a change conflicts with the stored state.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConflictReason {
    /// The record changed since it was read (optimistic concurrency).
    StaleVersion {
        /// The version the change was based on.
        expected: u64,
        /// The version stored now.
        actual: u64,
    },
    /// A unique value is already taken (`slug`, `email`, a membership).
    AlreadyExists(&'static str),
    /// The change would leave the organization without an Owner.
    LastOwner,
    /// The project still holds tasks; archive it, or delete its tasks first.
    NotEmpty,
}

impl fmt::Display for ConflictReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::StaleVersion { expected, actual } => {
                write!(f, "stale version {expected}, the stored version is {actual}")
            }
            Self::AlreadyExists(what) => write!(f, "{what} already exists"),
            Self::LastOwner => f.write_str("the organization must keep at least one owner"),
            Self::NotEmpty => f.write_str("it still holds tasks"),
        }
    }
}

/// What is wrong with an invalid field.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Problem {
    /// Empty or only whitespace.
    Empty,
    /// Longer than allowed (lengths in characters).
    TooLong {
        /// The maximum.
        max: usize,
        /// The length given.
        len: usize,
    },
    /// More items than allowed.
    TooMany {
        /// The maximum.
        max: usize,
        /// The count given.
        len: usize,
    },
    /// Not of the expected shape; says what was expected.
    Malformed(&'static str),
    /// Not a known IANA time zone.
    UnknownTimeZone,
    /// Outside the accepted range; says which.
    OutOfRange(&'static str),
    /// The referenced project is archived and takes no new tasks.
    Archived,
    /// Required by the operation and missing.
    Missing,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => f.write_str("must not be empty"),
            Self::TooLong { max, len } => write!(f, "{len} characters, at most {max} allowed"),
            Self::TooMany { max, len } => write!(f, "{len} items, at most {max} allowed"),
            Self::Malformed(expected) => write!(f, "expected {expected}"),
            Self::UnknownTimeZone => f.write_str("not an IANA time zone name"),
            Self::OutOfRange(range) => write!(f, "must be {range}"),
            Self::Archived => f.write_str("is archived"),
            Self::Missing => f.write_str("is required"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_field_and_reason() {
        let e = Error::invalid("title", Problem::TooLong { max: 500, len: 501 });
        assert_eq!(e.to_string(), "invalid title: 501 characters, at most 500 allowed");
        let e = Error::LimitExceeded { limit: LimitKind::Projects, max: 3 };
        assert_eq!(e.to_string(), "limit reached: at most 3 active projects");
        let e = Error::conflict(Entity::Task, ConflictReason::StaleVersion { expected: 1, actual: 2 });
        assert_eq!(e.kind(), ErrorKind::Conflict);
        assert!(e.to_string().contains("stale version 1"));
    }

    #[test]
    fn backend_keeps_its_source() {
        let io = std::io::Error::other("disk on fire");
        let e = Error::backend("memory", io);
        let source = std::error::Error::source(&e).unwrap();
        assert_eq!(source.to_string(), "disk on fire");
    }
}
