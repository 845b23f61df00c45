//! Bad input answered by clear errors: a malformed URL, an unreachable server, a database with
//! no TaskFlow schema, a role without grants.

use std::time::Duration;

use taskflow_store_postgres::testkit::{APP_ROLE, TestDatabase};
use taskflow_store_postgres::{PgConfig, PgError, PgStore};

fn pg_error(err: &taskflow_core::Error) -> &PgError {
    assert_eq!(err.kind(), taskflow_core::ErrorKind::Backend, "{err:?}");
    std::error::Error::source(err)
        .and_then(|s| s.downcast_ref::<PgError>())
        .unwrap_or_else(|| panic!("expected a PgError, got {err:?}"))
}

#[tokio::test]
async fn malformed_urls_are_refused_before_connecting() {
    for url in ["postgres://app@db:notaport/tasks", "postgres://app@db/tasks?sslmode=sometimes"] {
        let err = PgStore::connect(url).await.expect_err(url);
        assert!(matches!(pg_error(&err), PgError::InvalidUrl(_)), "{url}: {err:?}");
        assert!(pg_error(&err).to_string().contains("invalid PostgreSQL connection URL"));
    }
}

#[tokio::test]
async fn an_unreachable_server_is_named_without_its_password() {
    // Port 1 on the loopback: nothing listens, the connection is refused at once.
    let config = PgConfig::from_url("postgres://app:s3cret@127.0.0.1:1/tasks")
        .unwrap()
        .acquire_timeout(Duration::from_secs(1));
    let err = PgStore::connect_with(config).await.expect_err("nothing listens on port 1");
    let pg = pg_error(&err);
    assert!(matches!(pg, PgError::Connect { target, .. } if target == "127.0.0.1:1/tasks"), "{err:?}");
    let message = format!("{pg} / {pg:?}");
    assert!(message.contains("cannot connect to PostgreSQL at 127.0.0.1:1/tasks"), "{message}");
    assert!(!message.contains("s3cret"), "{message}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_without_the_schema_or_the_grants_is_refused() {
    let Some(db) = TestDatabase::create("a_database_without_the_schema_or_the_grants_is_refused").await
    else {
        return;
    };
    // A role with no grant on this database's tables.
    let stranger = "taskflow_test_stranger";
    let mut admin = db.admin().acquire().await.unwrap();
    let create = format!("CREATE ROLE {stranger} LOGIN PASSWORD 'x'");
    if let Err(e) = sqlx::query(&create).execute(&mut *admin).await {
        let code = e.as_database_error().and_then(|d| d.code()).map(|c| c.into_owned());
        assert!(matches!(code.as_deref(), Some("42710" | "23505")), "{e}");
    }
    let err = PgStore::connect_with(PgConfig::from_options(db.options_for(stranger, "x")))
        .await
        .expect_err("a role without grants");
    assert!(matches!(pg_error(&err), PgError::MissingGrants { .. }), "{err:?}");

    // A schema without TaskFlow tables (the run-time role may use it, and finds nothing).
    sqlx::raw_sql(&format!("CREATE SCHEMA empty; GRANT USAGE ON SCHEMA empty TO {APP_ROLE}"))
        .execute(&mut *admin)
        .await
        .unwrap();
    let elsewhere = db.options_for(APP_ROLE, "taskflow-test-only").options([("search_path", "empty")]);
    let err = PgStore::connect_with(PgConfig::from_options(elsewhere)).await.expect_err("no schema");
    assert!(matches!(pg_error(&err), PgError::NotMigrated), "{err:?}");
    assert!(pg_error(&err).to_string().contains("run taskflow_store_postgres::migrate()"));
}
