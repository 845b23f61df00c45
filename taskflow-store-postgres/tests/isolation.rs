//! Row-level security as the second wall, proven with raw SQL as the run-time role; and the
//! store's refusal of roles that would bypass it.

use std::sync::Arc;

use sqlx::{Connection, PgConnection, Row};
use taskflow_core::testkit::Tenant;
use taskflow_core::{NewTask, OrgId, Tier};
use taskflow_store_postgres::schema::TENANT_TABLES;
use taskflow_store_postgres::testkit::{APP_ROLE, TestDatabase};
use taskflow_store_postgres::{PgError, PgStore};

/// Two tenants with a project and a task each, written through the store.
async fn two_tenants(db: &TestDatabase) -> (OrgId, OrgId) {
    let store = Arc::new(db.store(4).await);
    let mut orgs = Vec::new();
    for name in ["a", "b"] {
        let t = Tenant::new(store.clone(), Tier::Pro).await;
        let project = t.project(name).await;
        t.tf.create_task(&t.member, NewTask::new(project.id, name)).await.expect("task");
        orgs.push(t.owner.org());
    }
    (orgs[0], orgs[1])
}

async fn app_connection(db: &TestDatabase) -> PgConnection {
    PgConnection::connect_with(&db.options_for(APP_ROLE, "taskflow-test-only"))
        .await
        .expect("connect as the app role")
}

async fn count(c: &mut PgConnection, sql: &str) -> i64 {
    sqlx::query(sql).fetch_one(&mut *c).await.unwrap_or_else(|e| panic!("{sql}: {e}")).get(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rls_hides_and_refuses_other_tenants_rows() {
    let Some(db) = TestDatabase::create("rls_hides_and_refuses_other_tenants_rows").await else { return };
    let (a, b) = two_tenants(&db).await;
    let mut admin = db.admin().acquire().await.expect("admin");
    for table in TENANT_TABLES {
        let stored = count(&mut admin, &format!("SELECT count(*) FROM {table}")).await;
        assert!(stored >= 2, "{table} holds both tenants' rows ({stored})");
    }

    let mut c = app_connection(&db).await;
    // No setting at all, and the empty value a connection reads back after a transaction that
    // set it: no row of any tenant table.
    for table in TENANT_TABLES {
        assert_eq!(count(&mut c, &format!("SELECT count(*) FROM {table}")).await, 0, "{table}, unset");
    }
    sqlx::raw_sql(&format!("BEGIN; SET LOCAL taskflow.org_id = '{a}'; COMMIT"))
        .execute(&mut c)
        .await
        .unwrap();
    let leftover: String = sqlx::query_scalar("SELECT current_setting('taskflow.org_id', true)")
        .fetch_one(&mut c)
        .await
        .unwrap();
    assert_eq!(leftover, "", "SET LOCAL ends with its transaction");
    for table in TENANT_TABLES {
        assert_eq!(count(&mut c, &format!("SELECT count(*) FROM {table}")).await, 0, "{table}, empty");
    }

    // Set to A: A's rows only, even when asking for B's by name.
    let mut tx = c.begin().await.unwrap();
    sqlx::query(&format!("SET LOCAL taskflow.org_id = '{a}'")).execute(&mut *tx).await.unwrap();
    for table in TENANT_TABLES {
        let own = count(&mut tx, &format!("SELECT count(*) FROM {table} WHERE org_id = '{a}'")).await;
        assert!(own >= 1, "{table}: A sees its own rows");
        let theirs = count(&mut tx, &format!("SELECT count(*) FROM {table} WHERE org_id = '{b}'")).await;
        assert_eq!(theirs, 0, "{table}: A sees none of B's rows");
        let deleted = sqlx::query(&format!("DELETE FROM {table} WHERE org_id = '{b}'"))
            .execute(&mut *tx)
            .await
            .expect("delete")
            .rows_affected();
        assert_eq!(deleted, 0, "{table}: A cannot touch B's rows");
    }
    tx.commit().await.unwrap();

    for table in TENANT_TABLES {
        let theirs = count(&mut admin, &format!("SELECT count(*) FROM {table} WHERE org_id = '{b}'")).await;
        assert!(theirs >= 1, "{table}: B's rows are all still there");
    }

    // The event log is append-only for the run-time role.
    let update =
        sqlx::query("UPDATE events SET kind = kind").execute(&mut c).await.expect_err("events updated");
    assert_eq!(update.as_database_error().and_then(|d| d.code()).as_deref(), Some("42501"), "{update}");

    // Nor write a row for B (42501: the policy's WITH CHECK).
    let mut tx = c.begin().await.unwrap();
    sqlx::query(&format!("SET LOCAL taskflow.org_id = '{a}'")).execute(&mut *tx).await.unwrap();
    let insert = sqlx::query(
        "INSERT INTO events (org_id, seq, at, actor, kind, payload) VALUES ($1, 999, now(), $1, 'x', '{}')",
    )
    .bind(b.as_uuid())
    .execute(&mut *tx)
    .await
    .expect_err("a row for B written under A's setting");
    assert_eq!(insert.as_database_error().and_then(|d| d.code()).as_deref(), Some("42501"), "{insert}");
    tx.rollback().await.unwrap();

    // Moving A's row into B is refused the same way.
    let mut tx = c.begin().await.unwrap();
    sqlx::query(&format!("SET LOCAL taskflow.org_id = '{a}'")).execute(&mut *tx).await.unwrap();
    let moved = sqlx::query("UPDATE tasks SET org_id = $1").bind(b.as_uuid()).execute(&mut *tx).await;
    assert!(moved.is_err(), "a row moved to B under A's setting");
    tx.rollback().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pooled_connections_keep_no_tenant_setting() {
    let Some(db) = TestDatabase::create("pooled_connections_keep_no_tenant_setting").await else { return };
    let store = PgStore::connect_with(db.app_config().max_connections(1)).await.expect("store");
    let t = Tenant::new(Arc::new(store.clone()), Tier::Pro).await;
    t.tf.create_project(&t.owner, taskflow_core::NewProject::named("p")).await.expect("project");
    // The store's only connection, right after its transactions.
    let mut c = store.pool().acquire().await.expect("the pooled connection");
    let setting: String = sqlx::query_scalar("SELECT current_setting('taskflow.org_id', true)")
        .fetch_one(&mut *c)
        .await
        .unwrap();
    assert_eq!(setting, "", "no tenant leaks to the next borrower");
    assert_eq!(count(&mut c, "SELECT count(*) FROM projects").await, 0);
}

fn pg_error(err: &taskflow_core::Error) -> &PgError {
    std::error::Error::source(err)
        .and_then(|s| s.downcast_ref::<PgError>())
        .unwrap_or_else(|| panic!("expected a PgError, got {err:?}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn roles_that_bypass_rls_are_refused() {
    let Some(db) = TestDatabase::create("roles_that_bypass_rls_are_refused").await else { return };

    // The admin of the test server is a superuser.
    let superuser = db.admin().connect_options().get_username().to_string();
    let err = PgStore::from_pool(db.admin().clone()).await.expect_err("a superuser store");
    assert!(matches!(pg_error(&err), PgError::Superuser { role } if *role == superuser), "{err:?}");

    let bypass = "taskflow_test_bypassrls";
    db.add_runtime_role(bypass, "bypass").await;
    sqlx::query(&format!("ALTER ROLE {bypass} BYPASSRLS")).execute(db.admin()).await.unwrap();
    let config = taskflow_store_postgres::PgConfig::from_options(db.options_for(bypass, "bypass"));
    let err = PgStore::connect_with(config).await.expect_err("a BYPASSRLS store");
    assert!(matches!(pg_error(&err), PgError::BypassRls { .. }), "{err:?}");
    assert!(err.to_string().contains("postgres") && format!("{}", pg_error(&err)).contains(bypass));

    // A role that owns a tenant table could disable RLS on it.
    let owner = "taskflow_test_owner";
    db.add_runtime_role(owner, "owner").await;
    sqlx::query(&format!("ALTER TABLE tasks OWNER TO {owner}")).execute(db.admin()).await.unwrap();
    let config = taskflow_store_postgres::PgConfig::from_options(db.options_for(owner, "owner"));
    let err = PgStore::connect_with(config).await.expect_err("a store as the owner of tasks");
    assert!(matches!(pg_error(&err), PgError::OwnsTables { table, .. } if table == "tasks"), "{err:?}");

    // The run-time role is accepted.
    db.store(2).await;
}
