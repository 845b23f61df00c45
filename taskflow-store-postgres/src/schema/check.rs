//! What a store checks when it connects: a role row-level security applies to, and a schema
//! this build can use.

use sqlx::{PgConnection, PgPool};
use taskflow_core::Result;

use super::{TENANT_TABLES, schema_version};
use crate::config::target;
use crate::error::{PgError, SqlResult};

/// Refuses a role that bypasses row-level security or could turn it off, and a schema that is
/// missing, older or newer than this build's.
pub(crate) async fn verify(pool: &PgPool) -> Result<()> {
    let mut conn = pool
        .acquire()
        .await
        .map_err(|source| PgError::Connect { target: target(&pool.connect_options()), source })?;
    let role = role(&mut conn).await?;
    version(&mut conn, &role).await?;
    tables(&mut conn, &role).await
}

async fn role(conn: &mut PgConnection) -> Result<String> {
    let (role, superuser, bypass): (String, bool, bool) = sqlx::query_as(
        "SELECT rolname::text, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user",
    )
    .fetch_one(&mut *conn)
    .await
    .db()?;
    if superuser {
        return Err(PgError::Superuser { role }.into());
    }
    if bypass {
        return Err(PgError::BypassRls { role }.into());
    }
    Ok(role)
}

async fn version(conn: &mut PgConnection, role: &str) -> Result<()> {
    let found: Option<i64> =
        match sqlx::query_scalar("SELECT max(version) FROM _sqlx_migrations WHERE success")
            .fetch_one(&mut *conn)
            .await
        {
            Ok(found) => found,
            Err(e) => {
                return Err(match e.as_database_error().and_then(|d| d.code()).as_deref() {
                    Some("42P01") => PgError::NotMigrated.into(),
                    Some("42501") => PgError::MissingGrants { role: role.to_string() }.into(),
                    _ => crate::error::map(e),
                });
            }
        };
    let supported = schema_version();
    match found {
        None => Err(PgError::NotMigrated.into()),
        Some(found) if found > supported => Err(PgError::SchemaTooNew { found, supported }.into()),
        Some(found) if found < supported => Err(PgError::SchemaOutdated { found, supported }.into()),
        Some(_) => Ok(()),
    }
}

/// The tenant tables must have forced row-level security, must not be the role's own (an owner
/// or a member of the owner's role can turn RLS off), and must be usable by it.
async fn tables(conn: &mut PgConnection, role: &str) -> Result<()> {
    let rows: Vec<(String, bool, bool, bool)> = sqlx::query_as(
        "SELECT c.relname::text, c.relrowsecurity AND c.relforcerowsecurity, \
             pg_has_role(current_user, c.relowner, 'MEMBER'), \
             has_table_privilege(c.oid, 'SELECT, INSERT, DELETE') \
         FROM unnest($1::text[]) AS t(name) JOIN pg_class c ON c.oid = to_regclass(t.name)",
    )
    .bind(TENANT_TABLES.as_slice())
    .fetch_all(&mut *conn)
    .await
    .db()?;
    if rows.len() != TENANT_TABLES.len() {
        return Err(PgError::NotMigrated.into());
    }
    for (table, forced, owner, granted) in rows {
        if owner {
            return Err(PgError::OwnsTables { role: role.to_string(), table }.into());
        }
        if !forced {
            return Err(PgError::RlsNotForced { table }.into());
        }
        if !granted {
            return Err(PgError::MissingGrants { role: role.to_string() }.into());
        }
    }
    Ok(())
}
