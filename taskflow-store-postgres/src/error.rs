//! The backend's own errors, and the mapping of database errors into [`taskflow_core::Error`].
//!
//! Database errors are classified by SQLSTATE and constraint name, never by message text:
//! a unique violation (23505) is a `Conflict`, a foreign-key violation (23503) a `NotFound`,
//! serialization failures (40001), deadlocks (40P01) and connections lost before a commit are
//! retried by the store a bounded number of times, and everything else arrives as
//! `Error::Backend { store: "postgres", source }` with this [`PgError`] (and its sqlx source) kept.
//! Downcast the source to act on it:
//! `err.source().and_then(|s| s.downcast_ref::<PgError>())`.

use sqlx::error::{DatabaseError, ErrorKind};
use taskflow_core::{ConflictReason, Entity, Error};

/// The name every backend error carries in [`Error::Backend`].
pub(crate) const STORE: &str = "postgres";

/// What can go wrong in the PostgreSQL backend itself.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PgError {
    /// The connection URL does not parse.
    #[error("invalid PostgreSQL connection URL (expected postgres://user[:password]@host[:port]/database)")]
    InvalidUrl(#[source] sqlx::Error),
    /// No connection could be made (server down, wrong host or port, refused login).
    #[error("cannot connect to PostgreSQL at {target}")]
    Connect {
        /// `host:port/database` (never the password).
        target: String,
        /// The underlying error.
        #[source]
        source: sqlx::Error,
    },
    /// The run-time role is a superuser, which bypasses row-level security.
    #[error(
        "role {role:?} is a superuser and bypasses row-level security; connect the store as a role \
         that owns nothing (see the crate docs: Roles)"
    )]
    Superuser {
        /// The role connected as.
        role: String,
    },
    /// The run-time role has `BYPASSRLS`.
    #[error("role {role:?} has BYPASSRLS and bypasses row-level security; connect as a role without it")]
    BypassRls {
        /// The role connected as.
        role: String,
    },
    /// The run-time role owns (or may act as the owner of) a TaskFlow table, so it could turn
    /// row-level security off.
    #[error(
        "role {role:?} owns table {table:?} (or is a member of its owner) and could disable row-level \
         security; run migrations as the owner and connect the store as another role"
    )]
    OwnsTables {
        /// The role connected as.
        role: String,
        /// One table it owns.
        table: String,
    },
    /// The run-time role lacks the privileges the store needs.
    #[error("role {role:?} lacks privileges on the TaskFlow tables; run grant_runtime_role() as the owner")]
    MissingGrants {
        /// The role connected as.
        role: String,
    },
    /// The database has no TaskFlow schema yet.
    #[error(
        "the database has no TaskFlow schema; run taskflow_store_postgres::migrate() as the schema owner"
    )]
    NotMigrated,
    /// The database schema was migrated by a newer build.
    #[error(
        "the database schema is at version {found}, newer than this build supports ({supported}); \
         upgrade taskflow-store-postgres"
    )]
    SchemaTooNew {
        /// The newest migration applied to the database.
        found: i64,
        /// The newest migration this build knows.
        supported: i64,
    },
    /// The database schema is older than this build needs.
    #[error("the database schema is at version {found}, this build needs {supported}; run migrate()")]
    SchemaOutdated {
        /// The newest migration applied to the database.
        found: i64,
        /// The newest migration this build knows.
        supported: i64,
    },
    /// A migration was left half applied, or an applied one differs from this build's.
    #[error("the TaskFlow schema is damaged: {0}")]
    SchemaDamaged(String),
    /// A tenant table does not have row-level security enabled and forced.
    #[error("row-level security is not enabled and forced on table {table:?}")]
    RlsNotForced {
        /// The table.
        table: String,
    },
    /// A role name given to [`grant_runtime_role`](crate::grant_runtime_role) is empty or too long.
    #[error("invalid role name {0:?}")]
    InvalidRoleName(String),
    /// Running the migrations failed.
    #[error("migration failed")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// The connection broke while committing: the change may or may not be stored. Read it
    /// back before retrying (its ids make a retried create answer `Conflict`, never a duplicate).
    #[error("the connection broke during COMMIT; the change may or may not be stored")]
    CommitOutcomeUnknown(#[source] sqlx::Error),
    /// A stored row could not be decoded.
    #[error("corrupt row in {table}: {detail}")]
    Corrupt {
        /// The table.
        table: &'static str,
        /// What was wrong.
        detail: String,
    },
    /// Any other database error.
    #[error("PostgreSQL error")]
    Sql(#[from] sqlx::Error),
}

impl PgError {
    pub(crate) fn corrupt(table: &'static str, detail: impl std::fmt::Display) -> Self {
        Self::Corrupt { table, detail: detail.to_string() }
    }

    /// Whether the operation can be run again from the start: the server rolled the
    /// transaction back (serialization failure, deadlock) or the connection was lost before
    /// the commit was sent (so nothing was committed).
    pub(crate) fn is_retryable(&self) -> bool {
        match self {
            Self::Sql(e) => transient(e) || connection_lost(e),
            Self::CommitOutcomeUnknown(e) => transient(e),
            _ => false,
        }
    }
}

impl From<PgError> for Error {
    fn from(e: PgError) -> Self {
        Error::backend(STORE, e)
    }
}

/// SQLSTATE classes that mean "rolled back, run it again".
fn transient(e: &sqlx::Error) -> bool {
    matches!(sqlstate(e).as_deref(), Some("40001" | "40P01"))
}

/// The connection died: an I/O error, or the server ended the session (57P01 admin shutdown,
/// as `pg_terminate_backend` does; 57P02/57P03 crash and startup; class 08 connection errors).
fn connection_lost(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Io(_) | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(_) => {
            sqlstate(e).is_some_and(|code| code.starts_with("08") || code.starts_with("57P"))
        }
        _ => false,
    }
}

fn sqlstate(e: &sqlx::Error) -> Option<String> {
    e.as_database_error().and_then(|d| d.code()).map(|c| c.into_owned())
}

/// Maps a database error into the core error: constraint violations by kind and constraint
/// name, everything else as a backend error keeping its source.
pub(crate) fn map(e: sqlx::Error) -> Error {
    if let Some(db) = e.as_database_error() {
        match db.kind() {
            ErrorKind::UniqueViolation => return unique_violation(db),
            ErrorKind::ForeignKeyViolation => return Error::not_found(referenced_entity(db)),
            _ => {}
        }
    }
    PgError::Sql(e).into()
}

/// A unique violation is a concurrent writer that got there first: the same answer the write
/// path gives when it sees the row, named by the constraint that fired.
fn unique_violation(db: &dyn DatabaseError) -> Error {
    let (entity, what) = match db.constraint() {
        Some("users_email_key") => (Entity::User, "email"),
        Some("users_pkey") => (Entity::User, "user"),
        Some("org_slugs_pkey") => (Entity::Organization, "slug"),
        Some("members_pkey" | "memberships_pkey") => (Entity::Member, "membership"),
        Some("projects_pkey" | "project_usage_pkey") => (Entity::Project, "project"),
        Some("tasks_pkey") => (Entity::Task, "task"),
        _ => (Entity::Organization, "organization"),
    };
    Error::conflict(entity, ConflictReason::AlreadyExists(what))
}

/// The record a failed foreign-key check was looking for.
fn referenced_entity(db: &dyn DatabaseError) -> Entity {
    match db.constraint() {
        Some("tasks_project_fk" | "project_usage_project_fk") => Entity::Project,
        _ => Entity::Organization,
    }
}

/// Shorthand for `?` on sqlx results inside the store.
pub(crate) trait SqlResult<T> {
    /// Maps the error with [`map`].
    fn db(self) -> Result<T, Error>;
}

impl<T> SqlResult<T> for Result<T, sqlx::Error> {
    fn db(self) -> Result<T, Error> {
        self.map_err(map)
    }
}

/// Whether a core error came from a retryable database failure.
pub(crate) fn is_retryable(e: &Error) -> bool {
    match e {
        Error::Backend { source, .. } => source.downcast_ref::<PgError>().is_some_and(PgError::is_retryable),
        _ => false,
    }
}
