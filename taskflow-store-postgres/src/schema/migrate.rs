//! Running the migrations (as the schema owner) and granting the run-time role.

use sqlx::migrate::Migrate;
use sqlx::{Acquire, PgConnection, PgPool};
use taskflow_core::Result;

use super::{GLOBAL_TABLES, MIGRATOR, TENANT_TABLES, distribution, schema_version};
use crate::error::{PgError, SqlResult};

/// Brings the database's schema up to this build's version.
///
/// Run it on a pool connected as the role that is to own the tables (not the store's run-time
/// role; see [`grant_runtime_role`]). It is safe to run concurrently from several processes
/// (an advisory lock serializes them) and again on an up-to-date database (a no-op). It refuses
/// a database migrated by a newer build ([`PgError::SchemaTooNew`]) and one whose applied
/// migrations differ from this build's ([`PgError::SchemaDamaged`]).
///
/// On a database with the `citus` extension, tables are distributed (see
/// [`citus_distribution`](crate::schema::citus_distribution)) after each migration, which puts
/// the distribution between the tables and their foreign keys.
pub async fn migrate(admin: &PgPool) -> Result<()> {
    let mut conn = admin.acquire().await.db()?;
    conn.lock().await.map_err(PgError::from)?;
    let outcome = run(&mut conn).await;
    conn.unlock().await.map_err(PgError::from)?;
    outcome
}

async fn run(conn: &mut PgConnection) -> Result<()> {
    conn.ensure_migrations_table().await.map_err(PgError::from)?;
    if let Some(version) = conn.dirty_version().await.map_err(PgError::from)? {
        return Err(PgError::SchemaDamaged(format!("migration {version} was left half applied")).into());
    }
    let applied = conn.list_applied_migrations().await.map_err(PgError::from)?;
    let supported = schema_version();
    if let Some(found) = applied.iter().map(|m| m.version).max().filter(|v| *v > supported) {
        return Err(PgError::SchemaTooNew { found, supported }.into());
    }
    for migration in MIGRATOR.iter() {
        match applied.iter().find(|a| a.version == migration.version) {
            Some(a) if a.checksum != migration.checksum => {
                let detail = format!("migration {} differs from this build's", migration.version);
                return Err(PgError::SchemaDamaged(detail).into());
            }
            Some(_) => {}
            None => {
                conn.apply(migration).await.map_err(PgError::from)?;
                distribute(conn).await?;
            }
        }
    }
    Ok(())
}

/// On Citus, distributes the tables that exist and are not distributed yet.
async fn distribute(conn: &mut PgConnection) -> Result<()> {
    let citus: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus')")
            .fetch_one(&mut *conn)
            .await
            .db()?;
    if !citus {
        return Ok(());
    }
    for (table, statement) in distribution() {
        let pending: bool = sqlx::query_scalar(
            "SELECT to_regclass($1) IS NOT NULL \
             AND NOT EXISTS (SELECT 1 FROM pg_dist_partition WHERE logicalrelid = to_regclass($1))",
        )
        .bind(table)
        .fetch_one(&mut *conn)
        .await
        .db()?;
        if pending {
            sqlx::query(&statement).execute(&mut *conn).await.db()?;
        }
    }
    Ok(())
}

/// Grants `role` exactly what the store needs at run time, on the tables of the current schema:
/// read and write on tenant tables (the event log: no `UPDATE`, it is append-only), read and
/// insert on users, read, insert and delete on the slug and membership lookups, and read on
/// the migration history (the store checks the schema version when it connects).
///
/// Run it as the tables' owner, after [`migrate`]. The role itself is created by whoever
/// manages roles, as one that owns nothing, is not a superuser and has no `BYPASSRLS`:
/// `CREATE ROLE taskflow_app LOGIN PASSWORD '…' NOSUPERUSER NOBYPASSRLS;`.
pub async fn grant_runtime_role(admin: &PgPool, role: &str) -> Result<()> {
    // PostgreSQL truncates identifiers past 63 bytes: refuse rather than grant to another name.
    if role.is_empty() || role.len() > 63 || role.contains('\0') {
        return Err(PgError::InvalidRoleName(role.to_string()).into());
    }
    let role = quote_ident(role);
    let mut conn = admin.acquire().await.db()?;
    let schema: String = sqlx::query_scalar("SELECT current_schema()").fetch_one(&mut *conn).await.db()?;
    let tenant = TENANT_TABLES.iter().filter(|t| **t != "events").copied().collect::<Vec<_>>().join(", ");
    let [users, slugs, memberships] = GLOBAL_TABLES;
    let grants = [
        format!("GRANT USAGE ON SCHEMA {} TO {role}", quote_ident(&schema)),
        format!("GRANT SELECT, INSERT, UPDATE, DELETE ON {tenant} TO {role}"),
        format!("GRANT SELECT, INSERT, DELETE ON events TO {role}"),
        format!("GRANT SELECT, INSERT ON {users} TO {role}"),
        format!("GRANT SELECT, INSERT, DELETE ON {slugs}, {memberships} TO {role}"),
        format!("GRANT SELECT ON _sqlx_migrations TO {role}"),
    ];
    let mut tx = conn.begin().await.db()?;
    for grant in &grants {
        sqlx::query(grant).execute(&mut *tx).await.db()?;
    }
    tx.commit().await.db()
}

/// An SQL identifier, double-quoted, its quotes doubled.
fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

#[cfg(test)]
mod tests {
    use super::quote_ident;

    #[test]
    fn identifiers_are_quoted() {
        assert_eq!(quote_ident("taskflow_app"), "\"taskflow_app\"");
        assert_eq!(quote_ident("we\"ird; DROP"), "\"we\"\"ird; DROP\"");
    }
}
