//! Reads inside a tenant transaction: point lookups, keyset pages, the event log.
//!
//! Every query names `org_id = $1` itself, although row-level security already hides other
//! tenants' rows: RLS is the second wall, not the first. A lookup that finds nothing checks
//! whether the organization exists, so a missing organization answers `NotFound` for the
//! organization and a missing record `NotFound` for the record, as every backend does.

use sqlx::postgres::PgRow;
use sqlx::{PgConnection, Postgres, QueryBuilder};
use taskflow_core::store::{
    Archived, ChangedTasksQuery, Cursor, MemberQuery, Page, ProjectQuery, TaskQuery, page_size,
};
use taskflow_core::{
    Entity, Error, Event, Member, OrgId, Organization, Project, ProjectId, Result, Task, TaskId, User, UserId,
};
use uuid::Uuid;

use crate::error::SqlResult;
use crate::rows::{
    self, EVENT_COLUMNS, MEMBER_COLUMNS, ORGANIZATION_COLUMNS, PROJECT_COLUMNS, TASK_COLUMNS, USER_COLUMNS,
};

/// `NotFound` for `entity`, or for the organization when that is what is missing.
async fn missing<T>(c: &mut PgConnection, org: OrgId, entity: Entity) -> Result<T> {
    require_org(c, org).await?;
    Err(Error::not_found(entity))
}

pub(crate) async fn require_org(c: &mut PgConnection, org: OrgId) -> Result<()> {
    let found: Option<i32> = sqlx::query_scalar("SELECT 1 FROM organizations WHERE org_id = $1")
        .bind(org.as_uuid())
        .fetch_optional(c)
        .await
        .db()?;
    found.map(drop).ok_or(Error::not_found(Entity::Organization))
}

/// One row decoded by `decode`, or `NotFound` as [`missing`] tells.
async fn one<T>(
    c: &mut PgConnection,
    org: OrgId,
    entity: Entity,
    query: sqlx::query::Query<'_, Postgres, sqlx::postgres::PgArguments>,
    decode: fn(&PgRow) -> Result<T>,
) -> Result<T> {
    match query.fetch_optional(&mut *c).await.db()? {
        Some(row) => decode(&row),
        None => missing(c, org, entity).await,
    }
}

pub(crate) async fn organization(c: &mut PgConnection, org: OrgId) -> Result<Organization> {
    let sql = format!("SELECT {ORGANIZATION_COLUMNS} FROM organizations o WHERE o.org_id = $1");
    let row = sqlx::query(&sql).bind(org.as_uuid()).fetch_optional(c).await.db()?;
    row.as_ref().map(rows::organization).unwrap_or(Err(Error::not_found(Entity::Organization)))
}

/// The organization holding a slug, from the global lookup table.
pub(crate) async fn org_by_slug(c: &mut PgConnection, slug: &str) -> Result<OrgId> {
    let org: Option<Uuid> = sqlx::query_scalar("SELECT org_id FROM org_slugs WHERE slug = $1")
        .bind(slug)
        .fetch_optional(c)
        .await
        .db()?;
    org.map(OrgId::from_uuid).ok_or(Error::not_found(Entity::Organization))
}

pub(crate) async fn member(c: &mut PgConnection, org: OrgId, user: UserId) -> Result<Member> {
    let sql = format!("SELECT {MEMBER_COLUMNS} FROM members WHERE org_id = $1 AND user_id = $2");
    let query = sqlx::query(&sql).bind(org.as_uuid()).bind(user.as_uuid());
    one(c, org, Entity::Member, query, rows::member).await
}

/// The organizations a user belongs to, from the global membership index.
pub(crate) async fn membership_orgs(c: &mut PgConnection, user: UserId) -> Result<Vec<OrgId>> {
    let orgs: Vec<Uuid> =
        sqlx::query_scalar("SELECT org_id FROM memberships WHERE user_id = $1 ORDER BY org_id")
            .bind(user.as_uuid())
            .fetch_all(c)
            .await
            .db()?;
    Ok(orgs.into_iter().map(OrgId::from_uuid).collect())
}

pub(crate) async fn project(c: &mut PgConnection, org: OrgId, id: ProjectId) -> Result<Project> {
    let sql = format!("SELECT {PROJECT_COLUMNS} FROM projects WHERE org_id = $1 AND id = $2");
    let query = sqlx::query(&sql).bind(org.as_uuid()).bind(id.as_uuid());
    one(c, org, Entity::Project, query, rows::project).await
}

pub(crate) async fn task(c: &mut PgConnection, org: OrgId, id: TaskId) -> Result<Task> {
    let sql = format!("SELECT {TASK_COLUMNS} FROM tasks WHERE org_id = $1 AND id = $2");
    let query = sqlx::query(&sql).bind(org.as_uuid()).bind(id.as_uuid());
    one(c, org, Entity::Task, query, rows::task).await
}

/// Runs a keyset page query built by `build` (which must order by the page key and leave room
/// for `LIMIT`), fetching one row more than the page to learn whether another page follows.
async fn page<T>(
    c: &mut PgConnection,
    org: OrgId,
    mut query: QueryBuilder<'_, Postgres>,
    limit: usize,
    decode: fn(&PgRow) -> Result<T>,
    cursor: fn(&T) -> Cursor,
) -> Result<Page<T>> {
    query.push(" LIMIT ").push_bind(limit as i64 + 1);
    let found = query.build().fetch_all(&mut *c).await.db()?;
    if found.is_empty() {
        require_org(c, org).await?;
    }
    let items = found.iter().take(limit).map(decode).collect::<Result<Vec<T>>>()?;
    let next = if found.len() > limit { items.last().map(cursor) } else { None };
    Ok(Page { items, next })
}

/// `SELECT <columns> FROM <table> WHERE org_id = $1`, to be narrowed further.
fn select<'a>(columns: &str, table: &str, org: OrgId) -> QueryBuilder<'a, Postgres> {
    let mut query = QueryBuilder::new(format!("SELECT {columns} FROM {table} WHERE org_id = "));
    query.push_bind(*org.as_uuid());
    query
}

fn after_id(query: &mut QueryBuilder<'_, Postgres>, column: &str, after: Option<&Cursor>) -> Result<()> {
    if let Some(cursor) = after {
        query.push(format!(" AND {column} > ")).push_bind(cursor.id()?);
    }
    Ok(())
}

fn archived(query: &mut QueryBuilder<'_, Postgres>, archived: Archived) {
    match archived {
        Archived::Exclude => query.push(" AND NOT archived"),
        Archived::Only => query.push(" AND archived"),
        Archived::Include => query,
    };
}

pub(crate) async fn members(c: &mut PgConnection, org: OrgId, q: &MemberQuery) -> Result<Page<Member>> {
    let limit = page_size(q.limit)?;
    let mut query = select(MEMBER_COLUMNS, "members", org);
    after_id(&mut query, "user_id", q.after.as_ref())?;
    query.push(" ORDER BY user_id");
    page(c, org, query, limit, rows::member, |m| Cursor::after_id(*m.user_id.as_uuid())).await
}

pub(crate) async fn projects(c: &mut PgConnection, org: OrgId, q: &ProjectQuery) -> Result<Page<Project>> {
    let limit = page_size(q.limit)?;
    let mut query = select(PROJECT_COLUMNS, "projects", org);
    archived(&mut query, q.archived);
    after_id(&mut query, "id", q.after.as_ref())?;
    query.push(" ORDER BY id");
    page(c, org, query, limit, rows::project, |p| Cursor::after_id(*p.id.as_uuid())).await
}

/// Only the filters that are set become predicates, so the planner picks the index that
/// serves them (project, status, assignee or the primary key) and reads in id order.
pub(crate) async fn tasks(c: &mut PgConnection, org: OrgId, q: &TaskQuery) -> Result<Page<Task>> {
    let limit = page_size(q.limit)?;
    let mut query = select(TASK_COLUMNS, "tasks", org);
    if let Some(project) = q.project {
        query.push(" AND project_id = ").push_bind(*project.as_uuid());
    }
    if let Some(status) = q.status {
        query.push(" AND status = ").push_bind(status.as_str());
    }
    if let Some(assignee) = q.assignee {
        query.push(" AND assignee = ").push_bind(*assignee.as_uuid());
    }
    if let Some(priority) = q.priority {
        query.push(" AND priority = ").push_bind(priority.as_str());
    }
    if let Some(tag) = &q.tag {
        query.push(" AND ").push_bind(tag.clone()).push(" = ANY(tags)");
    }
    if let Some(from) = q.due_from {
        query.push(" AND due_date >= ").push_bind(from);
    }
    if let Some(before) = q.due_before {
        query.push(" AND due_date < ").push_bind(before);
    }
    archived(&mut query, q.archived);
    after_id(&mut query, "id", q.after.as_ref())?;
    query.push(" ORDER BY id");
    page(c, org, query, limit, rows::task, |t| Cursor::after_id(*t.id.as_uuid())).await
}

pub(crate) async fn changed_tasks(
    c: &mut PgConnection,
    org: OrgId,
    q: &ChangedTasksQuery,
) -> Result<Page<Task>> {
    let limit = page_size(q.limit)?;
    let mut query = select(TASK_COLUMNS, "tasks", org);
    query.push(" AND updated_at >= ").push_bind(q.since);
    if let Some(cursor) = &q.after {
        let (at, id) = cursor.time_id()?;
        query.push(" AND (updated_at, id) > (").push_bind(at).push(", ").push_bind(id).push(")");
    }
    query.push(" ORDER BY updated_at, id");
    page(c, org, query, limit, rows::task, |t| Cursor::after_time_id(t.updated_at, *t.id.as_uuid())).await
}

pub(crate) async fn events_after(
    c: &mut PgConnection,
    org: OrgId,
    after_seq: u64,
    limit: usize,
) -> Result<Vec<Event>> {
    let sql =
        format!("SELECT {EVENT_COLUMNS} FROM events WHERE org_id = $1 AND seq > $2 ORDER BY seq LIMIT $3");
    let found = sqlx::query(&sql)
        .bind(org.as_uuid())
        .bind(i64::try_from(after_seq).unwrap_or(i64::MAX))
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .fetch_all(&mut *c)
        .await
        .db()?;
    if found.is_empty() {
        require_org(c, org).await?;
    }
    found.iter().map(rows::event).collect()
}

pub(crate) async fn last_seq(c: &mut PgConnection, org: OrgId) -> Result<u64> {
    let seq: Option<i64> = sqlx::query_scalar("SELECT last_seq FROM org_usage WHERE org_id = $1")
        .bind(org.as_uuid())
        .fetch_optional(c)
        .await
        .db()?;
    let seq = seq.ok_or(Error::not_found(Entity::Organization))?;
    u64::try_from(seq).map_err(|_| crate::PgError::corrupt("org_usage", "negative last_seq").into())
}

pub(crate) async fn user(c: &mut PgConnection, id: UserId) -> Result<User> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1");
    let row = sqlx::query(&sql).bind(id.as_uuid()).fetch_optional(c).await.db()?;
    row.as_ref().map(rows::user).unwrap_or(Err(Error::not_found(Entity::User)))
}

pub(crate) async fn user_by_email(c: &mut PgConnection, email: &str) -> Result<User> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE email = $1");
    let row = sqlx::query(&sql).bind(email).fetch_optional(c).await.db()?;
    row.as_ref().map(rows::user).unwrap_or(Err(Error::not_found(Entity::User)))
}
