//! Rows to records and back: column lists, enum names, integer ranges.
//!
//! Enums are stored as the snake_case names the core gives them (`as_str`), which the tables'
//! CHECK constraints list; versions, counters and seqs as `bigint`; custom limits and event
//! payloads as `jsonb` written and read as text through serde.

use chrono_tz::Tz;
use sqlx::Row;
use sqlx::postgres::PgRow;
use taskflow_core::store::{OrgUsage, ProjectUsage};
use taskflow_core::{
    Error, Event, EventKind, Limits, Member, OrgId, Organization, Priority, Problem, Project, ProjectId,
    Result, Role, Status, Task, TaskId, Tier, User, UserId,
};
use uuid::Uuid;

use crate::error::{PgError, SqlResult};

pub(crate) const ORGANIZATION_COLUMNS: &str = "o.org_id, o.name, o.slug, o.tier, o.custom_limits::text AS custom_limits, \
     o.time_zone, o.created_at, o.updated_at, o.version";
pub(crate) const MEMBER_COLUMNS: &str = "org_id, user_id, role, joined_at, version";
pub(crate) const PROJECT_COLUMNS: &str =
    "org_id, id, name, description, archived, created_by, created_at, updated_at, version";
pub(crate) const TASK_COLUMNS: &str = "org_id, id, project_id, title, description, status, priority, assignee, \
     created_by, due_date, estimate_hours, tags, created_at, updated_at, started_at, completed_at, archived, version";
pub(crate) const EVENT_COLUMNS: &str = "org_id, seq, at, actor, payload::text AS payload";
pub(crate) const USER_COLUMNS: &str = "id, email, name, created_at";

/// A `u64` (version, seq) as the `bigint` it is stored as. Past 2^63 − 1 it cannot be stored:
/// refused rather than wrapped to a negative number.
pub(crate) fn int(n: u64) -> Result<i64> {
    i64::try_from(n).map_err(|_| Error::invalid("version", Problem::OutOfRange("below 2^63")))
}

fn get<'r, T>(row: &'r PgRow, column: &str) -> Result<T>
where
    T: sqlx::Decode<'r, sqlx::Postgres> + sqlx::Type<sqlx::Postgres>,
{
    row.try_get(column).db()
}

fn unsigned<T: TryFrom<i64>>(row: &PgRow, table: &'static str, column: &str) -> Result<T> {
    let n: i64 = get(row, column)?;
    T::try_from(n).map_err(|_| PgError::corrupt(table, format!("{column} = {n} is out of range")).into())
}

fn named<T: Copy>(all: &[T], name: fn(T) -> &'static str, text: &str, table: &'static str) -> Result<T> {
    all.iter()
        .copied()
        .find(|v| name(*v) == text)
        .ok_or_else(|| PgError::corrupt(table, format!("unknown value {text:?}")).into())
}

const TIERS: [Tier; 3] = [Tier::Free, Tier::Pro, Tier::Enterprise];

pub(crate) fn organization(row: &PgRow) -> Result<Organization> {
    let tier: String = get(row, "tier")?;
    let zone: String = get(row, "time_zone")?;
    let limits: Option<String> = get(row, "custom_limits")?;
    Ok(Organization {
        id: OrgId::from_uuid(get(row, "org_id")?),
        name: get(row, "name")?,
        slug: get(row, "slug")?,
        tier: named(&TIERS, Tier::as_str, &tier, "organizations")?,
        custom_limits: limits
            .map(|json| serde_json::from_str::<Limits>(&json))
            .transpose()
            .map_err(|e| PgError::corrupt("organizations", e))?,
        time_zone: zone.parse::<Tz>().map_err(|e| PgError::corrupt("organizations", e))?,
        created_at: get(row, "created_at")?,
        updated_at: get(row, "updated_at")?,
        version: unsigned(row, "organizations", "version")?,
    })
}

pub(crate) fn custom_limits(organization: &Organization) -> Result<Option<String>> {
    organization
        .custom_limits
        .map(|l| serde_json::to_string(&l))
        .transpose()
        .map_err(|e| PgError::corrupt("organizations", e).into())
}

pub(crate) fn org_usage(row: &PgRow) -> Result<OrgUsage> {
    Ok(OrgUsage {
        members: unsigned(row, "org_usage", "members")?,
        owners: unsigned(row, "org_usage", "owners")?,
        active_projects: unsigned(row, "org_usage", "active_projects")?,
        last_seq: unsigned(row, "org_usage", "last_seq")?,
    })
}

pub(crate) fn project_usage(row: &PgRow) -> Result<ProjectUsage> {
    Ok(ProjectUsage {
        tasks: unsigned(row, "project_usage", "tasks")?,
        active_tasks: unsigned(row, "project_usage", "active_tasks")?,
    })
}

pub(crate) fn member(row: &PgRow) -> Result<Member> {
    let role: String = get(row, "role")?;
    Ok(Member {
        org_id: OrgId::from_uuid(get(row, "org_id")?),
        user_id: UserId::from_uuid(get(row, "user_id")?),
        role: named(&Role::ALL, Role::as_str, &role, "members")?,
        joined_at: get(row, "joined_at")?,
        version: unsigned(row, "members", "version")?,
    })
}

pub(crate) fn project(row: &PgRow) -> Result<Project> {
    Ok(Project {
        id: ProjectId::from_uuid(get(row, "id")?),
        org_id: OrgId::from_uuid(get(row, "org_id")?),
        name: get(row, "name")?,
        description: get(row, "description")?,
        archived: get(row, "archived")?,
        created_by: UserId::from_uuid(get(row, "created_by")?),
        created_at: get(row, "created_at")?,
        updated_at: get(row, "updated_at")?,
        version: unsigned(row, "projects", "version")?,
    })
}

pub(crate) fn task(row: &PgRow) -> Result<Task> {
    let status: String = get(row, "status")?;
    let priority: String = get(row, "priority")?;
    Ok(Task {
        id: TaskId::from_uuid(get(row, "id")?),
        org_id: OrgId::from_uuid(get(row, "org_id")?),
        project_id: ProjectId::from_uuid(get(row, "project_id")?),
        title: get(row, "title")?,
        description: get(row, "description")?,
        status: named(&Status::ALL, Status::as_str, &status, "tasks")?,
        priority: named(&Priority::ALL, Priority::as_str, &priority, "tasks")?,
        assignee: get::<Option<Uuid>>(row, "assignee")?.map(UserId::from_uuid),
        created_by: UserId::from_uuid(get(row, "created_by")?),
        due_date: get(row, "due_date")?,
        estimate_hours: get(row, "estimate_hours")?,
        tags: get(row, "tags")?,
        created_at: get(row, "created_at")?,
        updated_at: get(row, "updated_at")?,
        started_at: get(row, "started_at")?,
        completed_at: get(row, "completed_at")?,
        archived: get(row, "archived")?,
        version: unsigned(row, "tasks", "version")?,
    })
}

pub(crate) fn event(row: &PgRow) -> Result<Event> {
    let payload: String = get(row, "payload")?;
    Ok(Event {
        org_id: OrgId::from_uuid(get(row, "org_id")?),
        seq: unsigned(row, "events", "seq")?,
        at: get(row, "at")?,
        actor: UserId::from_uuid(get(row, "actor")?),
        kind: serde_json::from_str::<EventKind>(&payload).map_err(|e| PgError::corrupt("events", e))?,
    })
}

/// The `payload` column of an event: the whole typed kind, as JSON.
pub(crate) fn payload(kind: &EventKind) -> Result<String> {
    serde_json::to_string(kind).map_err(|e| PgError::corrupt("events", e).into())
}

pub(crate) fn user(row: &PgRow) -> Result<User> {
    Ok(User {
        id: UserId::from_uuid(get(row, "id")?),
        email: get(row, "email")?,
        name: get(row, "name")?,
        created_at: get(row, "created_at")?,
    })
}
