//! The tenant sandbox: only the tenant's tables, read-only, bounded in memory, time and rows.

use std::sync::Arc;
use std::time::Duration;

use taskflow_analytics::arrow::array::{AsArray, RecordBatch};
use taskflow_analytics::{Analytics, Error, PrivilegedOperatorSession, SessionLimits};
use taskflow_core::testkit::workload::{self, WorkloadConfig};
use taskflow_core::{MemoryStore, Store};

async fn two_tenants() -> (Arc<dyn Store>, workload::Workload) {
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let run = workload::run(store.clone(), &WorkloadConfig { days: 10, ..WorkloadConfig::default() })
        .await
        .unwrap();
    (store, run)
}

fn strings(batches: &[RecordBatch], column: usize) -> Vec<String> {
    batches
        .iter()
        .flat_map(|b| {
            let array = b.column(column).as_string::<i32>();
            (0..b.num_rows()).map(|i| array.value(i).to_owned()).collect::<Vec<_>>()
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_holds_its_tenant_and_nothing_else() {
    let (store, run) = two_tenants().await;
    let (a, b) = (&run.organizations[0], &run.organizations[1]);
    let session = Analytics::for_org(store.clone(), a.id).await.unwrap();
    let tables = session
        .sql("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name")
        .await
        .unwrap();
    assert_eq!(strings(&tables, 0), ["events", "members", "projects", "tasks"]);
    let schemas =
        session.sql("SELECT DISTINCT table_schema FROM information_schema.tables ORDER BY 1").await.unwrap();
    assert_eq!(strings(&schemas, 0), ["information_schema", "public"]);
    for table in ["tasks", "events", "projects", "members"] {
        let orgs = session.sql(&format!("SELECT DISTINCT org_id FROM {table}")).await.unwrap();
        assert_eq!(strings(&orgs, 0), [a.id.to_string()], "{table} holds only the tenant's rows");
    }
    let foreign =
        session.sql(&format!("SELECT count(*) FROM events WHERE org_id = '{}'", b.id)).await.unwrap();
    assert_eq!(
        foreign[0].column(0).as_primitive::<taskflow_analytics::arrow::datatypes::Int64Type>().value(0),
        0
    );
    let events = session.sql("SELECT count(*) AS n FROM events").await.unwrap();
    let n = events[0].column(0).as_primitive::<taskflow_analytics::arrow::datatypes::Int64Type>().value(0);
    assert_eq!(n as u64, a.counts.events);

    let operator = PrivilegedOperatorSession::across_tenants(store, &[a.id, b.id], SessionLimits::default())
        .await
        .unwrap();
    let orgs = operator.sql("SELECT DISTINCT org_id FROM events ORDER BY 1").await.unwrap();
    let mut want = vec![a.id.to_string(), b.id.to_string()];
    want.sort();
    assert_eq!(strings(&orgs, 0), want, "the privileged session sees every tenant it was given");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_write_statement_and_file_read_is_refused() {
    let (store, run) = two_tenants().await;
    let session = Analytics::for_org(store, run.organizations[0].id).await.unwrap();
    let refused = [
        "CREATE TABLE t AS SELECT 1",
        "CREATE VIEW v AS SELECT * FROM tasks",
        "DROP TABLE tasks",
        "INSERT INTO tasks SELECT * FROM tasks",
        "DELETE FROM tasks",
        "UPDATE tasks SET title = 'x'",
        "COPY (SELECT * FROM tasks) TO '/tmp/taskflow-leak.csv'",
        "COPY tasks TO '/tmp/taskflow-leak.parquet'",
        "CREATE EXTERNAL TABLE passwd (line VARCHAR) STORED AS CSV LOCATION '/etc/passwd'",
        "SET datafusion.runtime.memory_limit = '100G'",
        "SET datafusion.execution.enable_recursive_ctes = true",
        "EXPLAIN ANALYZE INSERT INTO tasks SELECT * FROM tasks",
    ];
    for sql in refused {
        let err = session.sql(sql).await.expect_err(sql);
        assert!(matches!(err, Error::Refused(_)), "{sql}: {err:?}");
        assert!(err.to_string().starts_with("statement refused: tenant sessions are read-only"), "{err}");
    }
    assert!(!std::path::Path::new("/tmp/taskflow-leak.csv").exists());
    for sql in [
        "SELECT * FROM '/etc/passwd'",
        "SELECT * FROM 'file:///etc/passwd'",
        "SELECT * FROM read_csv('/etc/passwd')",
    ] {
        let err = session.sql(sql).await.expect_err(sql);
        assert!(matches!(err, Error::Query(_)), "{sql}: {err:?}");
    }
    // Tables are still there and still read-only after all that.
    assert!(session.sql("SELECT count(*) FROM tasks").await.is_ok());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn runaway_queries_hit_the_memory_time_and_row_limits() {
    let (store, run) = two_tenants().await;
    let org = run.organizations[0].id;
    let limits = SessionLimits {
        memory_bytes: 4 * 1024 * 1024,
        time: Duration::from_secs(2),
        max_rows: 100,
        target_partitions: 2,
    };
    let session = Analytics::for_org_with_limits(store, org, limits).await.unwrap();

    let cross =
        "SELECT count(DISTINCT (a.seq * 1000 + b.seq) * 1000 + c.seq) FROM events a, events b, events c";
    let err = session.sql(cross).await.expect_err("a cross join of ~300^3 rows, all kept distinct");
    assert!(matches!(err, Error::MemoryLimit { limit_bytes } if limit_bytes == 4 * 1024 * 1024), "{err:?}");
    assert!(err.to_string().contains("memory limit"));

    let started = std::time::Instant::now();
    let err = session.sql("SELECT count(*) FROM range(1, 9223372036854775807)").await.expect_err("endless");
    assert!(matches!(err, Error::Timeout(d) if d == Duration::from_secs(2)), "{err:?}");
    assert!(started.elapsed() < Duration::from_secs(10), "the timeout cancelled the query");

    let recursive = "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT count(*) FROM r";
    assert!(session.sql(recursive).await.is_err(), "recursive CTEs are disabled");

    let err = session.sql("SELECT * FROM events").await.expect_err("more rows than the cap");
    assert!(matches!(err, Error::TooManyRows { max_rows: 100 }), "{err:?}");
    assert_eq!(
        session
            .sql("SELECT * FROM events LIMIT 100")
            .await
            .unwrap()
            .iter()
            .map(RecordBatch::num_rows)
            .sum::<usize>(),
        100
    );
    // The session still works after every refusal.
    assert!(session.sql("SELECT count(*) FROM events").await.is_ok());
}
