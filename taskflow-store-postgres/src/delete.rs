//! Deleting an organization with every row of it, in one tenant transaction.

use sqlx::PgConnection;
use taskflow_core::store::change::check_delete_organization;
use taskflow_core::{OrgId, Result, UserId};
use uuid::Uuid;

use crate::error::SqlResult;
use crate::feed::{CHANNEL, deleted_payload};
use crate::rows::{self, MEMBER_COLUMNS, ORGANIZATION_COLUMNS};

/// Checks the deletion under the counter-row lock (so no write of the tenant runs meanwhile),
/// then removes the tenant's rows children first, its entries in the global tables, and
/// notifies other processes that its feed has ended.
pub(crate) async fn organization(
    c: &mut PgConnection,
    org: OrgId,
    actor: UserId,
    expected: u64,
) -> Result<()> {
    let lock = format!(
        "SELECT {ORGANIZATION_COLUMNS} FROM org_usage u JOIN organizations o ON o.org_id = u.org_id \
         WHERE u.org_id = $1 FOR UPDATE OF u"
    );
    let found = sqlx::query(&lock).bind(org.as_uuid()).fetch_optional(&mut *c).await.db()?;
    let organization = found.as_ref().map(rows::organization).transpose()?;
    let sql = format!("SELECT {MEMBER_COLUMNS} FROM members WHERE org_id = $1 AND user_id = $2");
    let found =
        sqlx::query(&sql).bind(org.as_uuid()).bind(actor.as_uuid()).fetch_optional(&mut *c).await.db()?;
    let member = found.as_ref().map(rows::member).transpose()?;
    check_delete_organization(organization.as_ref(), member.as_ref(), expected)?;

    for table in ["tasks", "project_usage", "projects", "events"] {
        sqlx::query(&format!("DELETE FROM {table} WHERE org_id = $1"))
            .bind(org.as_uuid())
            .execute(&mut *c)
            .await
            .db()?;
    }
    let users: Vec<Uuid> = sqlx::query_scalar("DELETE FROM members WHERE org_id = $1 RETURNING user_id")
        .bind(org.as_uuid())
        .fetch_all(&mut *c)
        .await
        .db()?;
    for table in ["org_usage", "organizations"] {
        sqlx::query(&format!("DELETE FROM {table} WHERE org_id = $1"))
            .bind(org.as_uuid())
            .execute(&mut *c)
            .await
            .db()?;
    }
    sqlx::query("DELETE FROM memberships WHERE org_id = $1 AND user_id = ANY($2)")
        .bind(org.as_uuid())
        .bind(users)
        .execute(&mut *c)
        .await
        .db()?;
    if let Some(o) = &organization {
        sqlx::query("DELETE FROM org_slugs WHERE slug = $1").bind(&o.slug).execute(&mut *c).await.db()?;
    }
    sqlx::query("SELECT pg_notify($1, $2)").bind(CHANNEL).bind(deleted_payload(org)).execute(c).await.db()?;
    Ok(())
}
