//! Throwaway databases on a real PostgreSQL server, for tests and benchmarks (feature `testkit`).
//!
//! The server comes from [`URL_VAR`] (`TASKFLOW_TEST_DATABASE_URL`, for example
//! `postgres://postgres@127.0.0.1:5432/test`), read at run time and connecting as a role that
//! may create databases and roles. Without it, [`TestDatabase::create`] prints a loud `SKIP`
//! and returns `None`, except under `CI=true`, where it panics; a server that is set but cannot
//! be reached always panics.
//!
//! Each [`TestDatabase`] is a fresh database (`taskflow_test_<time>_<pid>_<n>`), migrated by the
//! admin role, which owns the tables, with the run-time role [`APP_ROLE`] granted: a role that
//! owns nothing, is not a superuser and has no `BYPASSRLS`, exactly what a service runs as. It is
//! dropped with the value; databases left by a killed run are removed by the next run.

use std::io::Write;
use std::str::FromStr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{ConnectOptions, PgConnection, PgPool};
use taskflow_core::Store;

use crate::{PgConfig, PgStore, grant_runtime_role, migrate};

/// The environment variable naming the test server.
pub const URL_VAR: &str = "TASKFLOW_TEST_DATABASE_URL";

/// The run-time role of test stores (roles are cluster-wide: one fixed name, created once).
pub const APP_ROLE: &str = "taskflow_test_app";

/// Its password (for servers that ask for one; trust authentication ignores it).
const APP_PASSWORD: &str = "taskflow-test-only";

const PREFIX: &str = "taskflow_test_";

/// Leftovers older than this, and not in use, are dropped when a test run starts.
const STALE: Duration = Duration::from_secs(15 * 60);

/// The test server's admin connect options, or `None` (after a loud message) when none is
/// configured outside CI.
///
/// # Panics
///
/// Under `CI=true` without [`URL_VAR`], and when the URL does not parse.
pub fn server(test: &str) -> Option<PgConnectOptions> {
    let Ok(url) = std::env::var(URL_VAR) else {
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("{URL_VAR} is not set and CI=true: the PostgreSQL tests need a server ({test})");
        }
        // Straight to the process's stderr: the test harness captures `eprintln!` of a test
        // that passes, and a skip must be seen.
        let _unwritable = writeln!(
            std::io::stderr(),
            "*** SKIP {test}: {URL_VAR} is not set, this PostgreSQL test did not run \
             (set it, e.g. postgres://postgres@127.0.0.1:5432/test, to run it) ***"
        );
        return None;
    };
    Some(PgConnectOptions::from_str(&url).unwrap_or_else(|e| panic!("{URL_VAR} does not parse: {e}")))
}

/// A fresh, migrated database, dropped when this value is.
#[derive(Debug)]
pub struct TestDatabase {
    name: String,
    server: PgConnectOptions,
    admin: PgPool,
    /// False once the database's lifetime was handed to something else.
    armed: bool,
}

static SERIAL: AtomicU64 = AtomicU64::new(0);
static SWEPT: AtomicBool = AtomicBool::new(false);

impl TestDatabase {
    /// Creates the database, migrates it as the admin role and grants [`APP_ROLE`] on it.
    /// `None` when no server is configured (see [`server`]).
    ///
    /// # Panics
    ///
    /// When the server is configured but cannot be reached or refuses the set-up.
    pub async fn create(test: &str) -> Option<Self> {
        let server = server(test)?;
        let mut conn = connect(&server).await;
        if !SWEPT.swap(true, Ordering::SeqCst) {
            sweep(&mut conn).await;
        }
        let now = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
        let name = format!("{PREFIX}{now}_{}_{}", std::process::id(), SERIAL.fetch_add(1, Ordering::Relaxed));
        exec(&mut conn, &format!("CREATE DATABASE {name}")).await;
        let admin = PgPoolOptions::new()
            .max_connections(2)
            .connect_with(server.clone().database(&name))
            .await
            .unwrap_or_else(|e| panic!("connect to {name}: {e}"));
        let db = TestDatabase { name, server, admin, armed: true };
        migrate(&db.admin).await.unwrap_or_else(|e| panic!("migrate {}: {e:?}", db.name));
        ensure_role(&mut conn, APP_ROLE).await;
        grant_runtime_role(&db.admin, APP_ROLE).await.unwrap_or_else(|e| panic!("grant: {e:?}"));
        Some(db)
    }

    /// The database's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// A pool connected as the admin role, which owns the tables (and, as the test server's
    /// superuser, bypasses row-level security).
    pub fn admin(&self) -> &PgPool {
        &self.admin
    }

    /// Connect options for `role` on this database.
    pub fn options_for(&self, role: &str, password: &str) -> PgConnectOptions {
        self.server.clone().database(&self.name).username(role).password(password)
    }

    /// Settings for a store connected as [`APP_ROLE`].
    pub fn app_config(&self) -> PgConfig {
        PgConfig::from_options(self.options_for(APP_ROLE, APP_PASSWORD))
    }

    /// A store connected as [`APP_ROLE`] with a pool of `max_connections`.
    ///
    /// # Panics
    ///
    /// When it cannot connect.
    pub async fn store(&self, max_connections: u32) -> PgStore {
        PgStore::connect_with(self.app_config().max_connections(max_connections))
            .await
            .unwrap_or_else(|e| panic!("connect the store to {}: {e:?}", self.name))
    }

    /// Creates `role` on the server if it does not exist (owning nothing, no superuser, no
    /// `BYPASSRLS`, the given password) and grants it the run-time privileges here.
    pub async fn add_runtime_role(&self, role: &str, password: &str) {
        let mut conn = connect(&self.server).await;
        ensure_role(&mut conn, role).await;
        exec(&mut conn, &format!("ALTER ROLE {role} PASSWORD '{password}'")).await;
        grant_runtime_role(&self.admin, role).await.unwrap_or_else(|e| panic!("grant {role}: {e:?}"));
    }

    /// Hands the database's lifetime to the caller: dropping this value no longer drops it.
    fn disarm(mut self) -> Leftover {
        self.armed = false;
        Leftover { name: self.name.clone(), server: self.server.clone() }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if self.armed {
            Leftover { name: self.name.clone(), server: self.server.clone() }.drop_blocking();
        }
    }
}

/// What it takes to drop a test database later, from any runtime.
struct Leftover {
    name: String,
    server: PgConnectOptions,
}

impl Leftover {
    async fn drop_now(&self) {
        // FORCE ends the sessions still open on it (pools of dropped stores).
        let mut conn = connect(&self.server).await;
        exec(&mut conn, &format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name)).await;
    }

    /// Drops the database from a thread of its own, so it works inside or outside a runtime.
    fn drop_blocking(self) {
        let done = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build();
            if let Ok(runtime) = runtime {
                runtime.block_on(self.drop_now());
            }
        })
        .join();
        // A failed drop leaves a database the next run's sweep removes: not worth a panic
        // inside a destructor, which may already run during a panic.
        drop(done);
    }
}

async fn connect(server: &PgConnectOptions) -> PgConnection {
    server
        .connect()
        .await
        .unwrap_or_else(|e| panic!("cannot reach the test server {}: {e}", crate::config::target(server)))
}

async fn exec(conn: &mut PgConnection, sql: &str) {
    sqlx::query(sql).execute(&mut *conn).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
}

/// Creates a role that owns nothing and bypasses nothing. Roles are cluster-wide and tests run
/// in parallel, so a concurrent creation (42710 duplicate_object, or 23505 when both insert at
/// once) means it is there.
async fn ensure_role(conn: &mut PgConnection, role: &str) {
    let sql = format!(
        "CREATE ROLE {role} LOGIN PASSWORD '{APP_PASSWORD}' NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE"
    );
    if let Err(e) = sqlx::query(&sql).execute(&mut *conn).await {
        let code = e.as_database_error().and_then(|d| d.code()).map(|c| c.into_owned());
        if !matches!(code.as_deref(), Some("42710" | "23505")) {
            panic!("{sql}: {e}");
        }
    }
}

/// Drops test databases of earlier runs that are old and no longer in use (a plain `DROP`
/// fails on a database with sessions; that failure is the "in use" test).
async fn sweep(conn: &mut PgConnection) {
    let names: Vec<String> =
        sqlx::query_scalar("SELECT datname::text FROM pg_database WHERE datname LIKE $1")
            .bind(format!("{PREFIX}%"))
            .fetch_all(&mut *conn)
            .await
            .unwrap_or_default();
    let now = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    for name in names {
        let created = name.strip_prefix(PREFIX).and_then(|rest| rest.split('_').next()?.parse::<u64>().ok());
        if created.is_some_and(|at| now.saturating_sub(at) > STALE.as_secs()) {
            let _in_use = sqlx::query(&format!("DROP DATABASE IF EXISTS {name}")).execute(&mut *conn).await;
        }
    }
}

/// Databases of conformance stores, dropped once their store is gone.
static LIVE: Mutex<Vec<(Weak<PgStore>, Leftover)>> = Mutex::new(Vec::new());

/// A factory for `taskflow_core::conformance_suite!`: a store on a fresh database with a pool of
/// 8 connections (so the suite's races are real), or `None` when no server is configured.
///
/// The suite drops each store when its test ends; the database goes with the next call (or
/// the next run's sweep), as a destructor cannot run async code on the test's runtime.
pub async fn conformance_store() -> Option<Arc<dyn Store>> {
    let gone: Vec<Leftover> = {
        let mut live = LIVE.lock().unwrap_or_else(|e| e.into_inner());
        let (gone, kept) =
            std::mem::take(&mut *live).into_iter().partition(|(store, _)| store.strong_count() == 0);
        *live = kept;
        gone.into_iter().map(|(_, leftover)| leftover).collect()
    };
    for leftover in gone {
        leftover.drop_now().await;
    }
    let db = TestDatabase::create("the conformance suite").await?;
    let store = Arc::new(db.store(8).await);
    db.admin.close().await;
    // The database now lives as long as the store.
    let leftover = db.disarm();
    LIVE.lock().unwrap_or_else(|e| e.into_inner()).push((Arc::downgrade(&store), leftover));
    Some(store)
}
