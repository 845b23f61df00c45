//! The schema, read back from the catalog: Citus-ready keys, forced RLS, the distribution plan,
//! and migrations that run once, concurrently, and refuse a newer schema.

use sqlx::PgPool;
use taskflow_store_postgres::schema::{GLOBAL_TABLES, TENANT_TABLES, citus_distribution, schema_version};
use taskflow_store_postgres::testkit::TestDatabase;
use taskflow_store_postgres::{PgError, PgStore, migrate};

/// Every table of the schema but sqlx's migration history.
async fn tables(admin: &PgPool) -> Vec<String> {
    sqlx::query_scalar(
        "SELECT relname::text FROM pg_class WHERE relnamespace = current_schema()::regnamespace \
         AND relkind = 'r' AND relname <> '_sqlx_migrations' ORDER BY 1",
    )
    .fetch_all(admin)
    .await
    .expect("tables")
}

/// Every way the schema breaks the tenancy rules, read from the catalog.
async fn violations(admin: &PgPool) -> Vec<String> {
    let mut found = Vec::new();
    let mut listed: Vec<String> =
        TENANT_TABLES.iter().chain(GLOBAL_TABLES.iter()).map(|t| t.to_string()).collect();
    listed.sort();
    let tables = tables(admin).await;
    if tables != listed {
        found.push(format!("tables {tables:?} are not exactly the tenant and global tables {listed:?}"));
    }

    // Primary keys (from pg_index, so the column order is the index's) start with org_id.
    let pk_first: Vec<(String, String)> = sqlx::query_as(
        "SELECT c.relname::text, a.attname::text FROM pg_index i \
         JOIN pg_class c ON c.oid = i.indrelid \
         JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0] \
         WHERE i.indisprimary AND c.relname = ANY($1)",
    )
    .bind(TENANT_TABLES.as_slice())
    .fetch_all(admin)
    .await
    .unwrap();
    if pk_first.len() != TENANT_TABLES.len() {
        found.push(format!("only {} tenant tables have a primary key", pk_first.len()));
    }
    for (table, column) in pk_first.iter().filter(|(_, column)| column != "org_id") {
        found.push(format!("the primary key of {table} starts with {column}"));
    }

    // Every unique index (constraints and bare unique indexes alike) includes org_id.
    let uniques: Vec<(String, String)> = sqlx::query_as(
        "SELECT c.relname::text, ic.relname::text \
         FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid JOIN pg_class ic ON ic.oid = i.indexrelid \
         WHERE i.indisunique AND c.relname = ANY($1) AND NOT EXISTS (SELECT 1 FROM pg_attribute a \
             WHERE a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) AND a.attname = 'org_id')",
    )
    .bind(TENANT_TABLES.as_slice())
    .fetch_all(admin)
    .await
    .unwrap();
    found
        .extend(uniques.iter().map(|(table, index)| format!("unique index {index} on {table} lacks org_id")));

    // Every foreign key pairs org_id with org_id, so it cannot point into another tenant, and
    // none leaves the tenant tables.
    let fks: Vec<(String, String, String, bool)> = sqlx::query_as(
        "SELECT con.conname::text, con.conrelid::regclass::text, con.confrelid::regclass::text, \
             EXISTS (SELECT 1 FROM unnest(con.conkey, con.confkey) AS k(l, r) \
                     JOIN pg_attribute la ON la.attrelid = con.conrelid AND la.attnum = k.l \
                     JOIN pg_attribute ra ON ra.attrelid = con.confrelid AND ra.attnum = k.r \
                     WHERE la.attname = 'org_id' AND ra.attname = 'org_id') \
         FROM pg_constraint con WHERE con.contype = 'f'",
    )
    .fetch_all(admin)
    .await
    .unwrap();
    if fks.len() < 5 {
        found.push(format!("foreign keys are missing: {fks:?}"));
    }
    for (name, from, to, pairs_org) in &fks {
        if !(TENANT_TABLES.contains(&from.as_str()) && TENANT_TABLES.contains(&to.as_str())) {
            found.push(format!("foreign key {name} ({from} -> {to}) leaves the tenant tables"));
        }
        if !pairs_org {
            found.push(format!("foreign key {name} ({from} -> {to}) does not pair org_id with org_id"));
        }
    }

    // Row-level security: enabled and forced on every tenant table, one policy each on the
    // transaction-local setting, for reads and writes alike; global tables have none.
    let policy = "(org_id = (NULLIF(current_setting('taskflow.org_id'::text, true), ''::text))::uuid)";
    let rls: Vec<(String, bool, bool, i64)> = sqlx::query_as(
        "SELECT c.relname::text, c.relrowsecurity, c.relforcerowsecurity, \
             (SELECT count(*) FROM pg_policy p WHERE p.polrelid = c.oid AND p.polcmd = '*' \
              AND pg_get_expr(p.polqual, p.polrelid) = $2 \
              AND pg_get_expr(p.polwithcheck, p.polrelid) = $2) \
         FROM pg_class c WHERE c.relname = ANY($1)",
    )
    .bind(TENANT_TABLES.iter().chain(GLOBAL_TABLES.iter()).copied().collect::<Vec<_>>())
    .bind(policy)
    .fetch_all(admin)
    .await
    .unwrap();
    for (table, enabled, forced, policies) in rls {
        let tenant = TENANT_TABLES.contains(&table.as_str());
        if tenant && !(enabled && forced && policies == 1) {
            found
                .push(format!("{table}: rls enabled {enabled}, forced {forced}, {policies} tenant policies"));
        }
        if !tenant && (enabled || policies > 0) {
            found.push(format!("global table {table} has row-level security"));
        }
    }
    found
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_key_of_a_tenant_table_includes_org_id() {
    let Some(db) = TestDatabase::create("every_key_of_a_tenant_table_includes_org_id").await else { return };
    assert_eq!(violations(db.admin()).await, Vec::<String>::new());

    // The check sees what a careless migration would do.
    sqlx::raw_sql(
        "CREATE UNIQUE INDEX projects_id_alone ON projects (id); \
         ALTER TABLE tasks ADD CONSTRAINT tasks_project_id_only_fk FOREIGN KEY (project_id) REFERENCES projects (id); \
         ALTER TABLE members NO FORCE ROW LEVEL SECURITY; \
         CREATE TABLE audit (id uuid PRIMARY KEY, org_id uuid NOT NULL)",
    )
    .execute(db.admin())
    .await
    .unwrap();
    let found = violations(db.admin()).await;
    for expected in ["projects_id_alone", "tasks_project_id_only_fk", "members: rls", "\"audit\""] {
        assert!(found.iter().any(|v| v.contains(expected)), "{expected} not reported in {found:#?}");
    }
}

#[test]
fn citus_distributes_every_tenant_table_and_references_every_global_one() {
    let plan = citus_distribution();
    assert_eq!(plan.len(), TENANT_TABLES.len() + GLOBAL_TABLES.len());
    for table in GLOBAL_TABLES {
        let want = format!("SELECT create_reference_table('{table}')");
        assert_eq!(plan.iter().filter(|s| **s == want).count(), 1, "{want}");
    }
    assert!(plan.contains(&"SELECT create_distributed_table('organizations', 'org_id')".to_string()));
    for table in TENANT_TABLES.iter().filter(|t| **t != "organizations") {
        let want =
            format!("SELECT create_distributed_table('{table}', 'org_id', colocate_with => 'organizations')");
        assert_eq!(plan.iter().filter(|s| **s == want).count(), 1, "{want}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn migrations_run_once_concurrently_and_refuse_a_newer_schema() {
    let Some(db) = TestDatabase::create("migrations_run_once_concurrently_and_refuse_a_newer_schema").await
    else {
        return;
    };
    // Already migrated by the fixture: running it again, twice at once, changes nothing.
    let (first, second) = tokio::join!(migrate(db.admin()), migrate(db.admin()));
    first.expect("migrate again");
    second.expect("migrate concurrently");
    let applied: Vec<i64> = sqlx::query_scalar("SELECT version FROM _sqlx_migrations ORDER BY version")
        .fetch_all(db.admin())
        .await
        .unwrap();
    assert_eq!(applied, (1..=schema_version()).collect::<Vec<_>>());

    // A newer build migrated this database: both the store and migrate() refuse it, clearly.
    let newer = schema_version() + 1;
    sqlx::query(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
         VALUES ($1, 'from the future', true, '\\x00', 0)",
    )
    .bind(newer)
    .execute(db.admin())
    .await
    .unwrap();
    let refused = |err: taskflow_core::Error| {
        let pg = std::error::Error::source(&err).and_then(|s| s.downcast_ref::<PgError>()).cloned_kind();
        assert_eq!(pg, Some((newer, schema_version())), "{err:?}");
        let message = std::error::Error::source(&err).unwrap().to_string();
        assert!(message.contains("newer than this build"), "{message}");
    };
    refused(PgStore::connect_with(db.app_config()).await.expect_err("a store on a newer schema"));
    refused(migrate(db.admin()).await.expect_err("migrating a newer schema"));
}

/// The `(found, supported)` of a [`PgError::SchemaTooNew`].
trait TooNew {
    fn cloned_kind(self) -> Option<(i64, i64)>;
}

impl TooNew for Option<&PgError> {
    fn cloned_kind(self) -> Option<(i64, i64)> {
        match self {
            Some(PgError::SchemaTooNew { found, supported }) => Some((*found, *supported)),
            _ => None,
        }
    }
}
