//! Writes on `PgStore` beside plain sqlx on the same server, the same table and the same rows,
//! in the same run.
//!
//! - `create_task_pool_of_8`: 8 concurrent callers each create one task, on a pool of 8. The
//!   store's create is one transaction (tenant setting, counter-row lock, snapshot reads, task,
//!   counters, event, notify). The baseline is a plain autocommit `INSERT` of the same task row
//!   by each caller on its own pool of 8, as the table owner.
//! - `import_10000_tasks`: `TaskFlow::import_tasks` of 10,000 tasks (each decided, each with
//!   its event) beside one plain `INSERT … SELECT FROM UNNEST` and one `COPY` of the same
//!   10,000 task rows (tasks only, no events), each into an emptied table.
//!
//! Needs `TASKFLOW_TEST_DATABASE_URL` (a superuser URL; a fresh database is created and dropped).
//! Besides criterion's own report it prints rows per second and the ratios, from the timed runs.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use sqlx::PgPool;
use sqlx::postgres::PgPoolOptions;
use taskflow_benches::{Bench, runtime};
use taskflow_core::{NewTask, Priority, Store};
use taskflow_store_postgres::testkit::TestDatabase;
use uuid::Uuid;

const BULK: usize = 10_000;
const CALLERS: usize = 8;
const DESCRIPTION: &str = "A task of typical size, with a sentence of description.";

fn new_task(bench: &Bench, i: usize) -> NewTask {
    NewTask {
        priority: Priority::High,
        tags: vec!["backend".into(), "bench".into()],
        description: Some(DESCRIPTION.into()),
        ..NewTask::new(bench.project.id, format!("Benchmark task number {i}"))
    }
}

/// Timed totals per variant, for the rates and ratios printed at the end.
#[derive(Default)]
struct Tally(Mutex<BTreeMap<&'static str, (Duration, u64)>>);

impl Tally {
    fn add(&self, name: &'static str, took: Duration, rows: u64) {
        let mut map = self.0.lock().unwrap();
        let entry = map.entry(name).or_default();
        entry.0 += took;
        entry.1 += rows;
    }

    fn rate(&self, name: &str) -> f64 {
        let map = self.0.lock().unwrap();
        map.get(name).map_or(0.0, |(took, rows)| *rows as f64 / took.as_secs_f64())
    }

    fn report(&self, title: &str, store: &str, baselines: &[&str]) {
        let ours = self.rate(store);
        if ours == 0.0 {
            return; // filtered out of this run
        }
        println!("\n== {title}");
        println!("{store:>28}: {ours:>10.0} rows/s");
        for baseline in baselines {
            let rate = self.rate(baseline);
            println!("{baseline:>28}: {rate:>10.0} rows/s   store / baseline = {:.3}", ours / rate);
        }
    }
}

/// The fixed columns of a task row as the baselines write it (what the store writes for
/// `new_task`).
struct Plain {
    org: Uuid,
    project: Uuid,
    user: Uuid,
}

impl Plain {
    async fn insert_one(&self, pool: &PgPool, i: usize) {
        sqlx::query(
            "INSERT INTO tasks (org_id, id, project_id, title, description, status, priority, assignee, \
                 created_by, due_date, estimate_hours, tags, created_at, updated_at, started_at, completed_at, \
                 archived, version) \
             VALUES ($1, $2, $3, $4, $5, 'todo', 'high', NULL, $6, NULL, NULL, $7, now(), now(), NULL, NULL, \
                 false, 1)",
        )
        .bind(self.org)
        .bind(Uuid::now_v7())
        .bind(self.project)
        .bind(format!("Benchmark task number {i}"))
        .bind(DESCRIPTION)
        .bind(self.user)
        .bind(vec!["backend", "bench"])
        .execute(pool)
        .await
        .expect("plain insert");
    }

    async fn insert_unnest(&self, pool: &PgPool, n: usize) {
        let ids: Vec<Uuid> = (0..n).map(|_| Uuid::now_v7()).collect();
        let titles: Vec<String> = (0..n).map(|i| format!("Benchmark task number {i}")).collect();
        sqlx::query(
            "INSERT INTO tasks (org_id, id, project_id, title, description, status, priority, assignee, \
                 created_by, due_date, estimate_hours, tags, created_at, updated_at, started_at, completed_at, \
                 archived, version) \
             SELECT $1, id, $2, title, $3, 'todo', 'high', NULL, $4, NULL, NULL, '{backend,bench}', now(), now(), \
                 NULL, NULL, false, 1 FROM UNNEST($5::uuid[], $6::text[]) AS u(id, title)",
        )
        .bind(self.org)
        .bind(self.project)
        .bind(DESCRIPTION)
        .bind(self.user)
        .bind(ids)
        .bind(titles)
        .execute(pool)
        .await
        .expect("plain unnest insert");
    }

    async fn copy(&self, pool: &PgPool, n: usize) {
        let now = chrono::Utc::now().to_rfc3339();
        let mut text = String::with_capacity(n * 300);
        for i in 0..n {
            text.push_str(&format!(
                "{}\t{}\t{}\tBenchmark task number {i}\t{DESCRIPTION}\ttodo\thigh\t\\N\t{}\t\\N\t\\N\t\
                 {{backend,bench}}\t{now}\t{now}\t\\N\t\\N\tf\t1\n",
                self.org,
                Uuid::now_v7(),
                self.project,
                self.user
            ));
        }
        let mut conn = pool.acquire().await.expect("connection");
        let mut copy = conn
            .copy_in_raw(
                "COPY tasks (org_id, id, project_id, title, description, status, priority, assignee, created_by, \
                 due_date, estimate_hours, tags, created_at, updated_at, started_at, completed_at, archived, \
                 version) FROM STDIN",
            )
            .await
            .expect("copy in");
        copy.send(text.as_bytes()).await.expect("copy data");
        copy.finish().await.expect("copy finish");
    }
}

fn writes(c: &mut Criterion) {
    let rt = runtime();
    let Some(db) = rt.block_on(TestDatabase::create("the pg_writes benchmark")) else { return };
    let store = rt.block_on(db.store(CALLERS as u32));
    let bench = Arc::new(rt.block_on(Bench::new(Arc::new(store) as Arc<dyn Store>, "pg-writes")));
    // The baselines run as the test server's admin (the table owner), on their own pool of 8.
    let admin = rt
        .block_on(
            PgPoolOptions::new()
                .max_connections(CALLERS as u32)
                .connect_with((*db.admin().connect_options()).clone()),
        )
        .expect("admin pool");
    let plain = Arc::new(Plain {
        org: *bench.owner.org().as_uuid(),
        project: *bench.project.id.as_uuid(),
        user: *bench.owner.user().as_uuid(),
    });
    let tally = Arc::new(Tally::default());

    let mut single = c.benchmark_group("create_task_pool_of_8");
    single.throughput(Throughput::Elements(CALLERS as u64));
    single.measurement_time(Duration::from_secs(10));
    single.bench_function("plain_sqlx_insert", |b| {
        b.to_async(&rt).iter_custom(|iters| {
            let (admin, plain, tally) = (admin.clone(), plain.clone(), tally.clone());
            async move {
                let start = Instant::now();
                for _ in 0..iters {
                    let callers: Vec<_> = (0..CALLERS)
                        .map(|i| {
                            let (admin, plain) = (admin.clone(), plain.clone());
                            tokio::spawn(async move { plain.insert_one(&admin, i).await })
                        })
                        .collect();
                    for caller in callers {
                        caller.await.expect("caller");
                    }
                }
                let took = start.elapsed();
                tally.add("plain_sqlx_insert", took, iters * CALLERS as u64);
                took
            }
        });
    });
    single.bench_function("pgstore_create_task", |b| {
        b.to_async(&rt).iter_custom(|iters| {
            let (bench, tally) = (bench.clone(), tally.clone());
            async move {
                let start = Instant::now();
                for _ in 0..iters {
                    let callers: Vec<_> = (0..CALLERS)
                        .map(|i| {
                            let (tf, owner, task) = (bench.tf.clone(), bench.owner, new_task(&bench, i));
                            tokio::spawn(async move { tf.create_task(&owner, task).await.expect("create") })
                        })
                        .collect();
                    for caller in callers {
                        caller.await.expect("caller");
                    }
                }
                let took = start.elapsed();
                tally.add("pgstore_create_task", took, iters * CALLERS as u64);
                took
            }
        });
    });
    single.finish();
    tally.report(
        "create one task, 8 concurrent callers, pool of 8",
        "pgstore_create_task",
        &["plain_sqlx_insert"],
    );

    let mut bulk = c.benchmark_group("import_10000_tasks");
    bulk.throughput(Throughput::Elements(BULK as u64));
    bulk.sample_size(10);
    bulk.measurement_time(Duration::from_secs(20));
    // Every timed run starts from an empty tasks table (and event log), so the three variants
    // insert into the same table in the same state; emptying it is not timed.
    let empty = |admin: PgPool| async move {
        sqlx::query("TRUNCATE tasks, events").execute(&admin).await.expect("truncate");
    };
    bulk.bench_function("pgstore_import_tasks", |b| {
        b.to_async(&rt).iter_custom(|iters| {
            let (admin, bench, tally) = (admin.clone(), bench.clone(), tally.clone());
            async move {
                let mut took = Duration::ZERO;
                for _ in 0..iters {
                    empty(admin.clone()).await;
                    let tasks: Vec<NewTask> = (0..BULK).map(|i| new_task(&bench, i)).collect();
                    let start = Instant::now();
                    let done = bench.tf.import_tasks(&bench.owner, tasks).await.expect("import");
                    took += start.elapsed();
                    assert_eq!(done.len(), BULK);
                }
                tally.add("pgstore_import_tasks", took, iters * BULK as u64);
                took
            }
        });
    });
    for (name, copy) in [("plain_sqlx_unnest_insert", false), ("plain_copy", true)] {
        bulk.bench_function(name, |b| {
            b.to_async(&rt).iter_custom(|iters| {
                let (admin, plain, tally) = (admin.clone(), plain.clone(), tally.clone());
                async move {
                    let mut took = Duration::ZERO;
                    for _ in 0..iters {
                        empty(admin.clone()).await;
                        let start = Instant::now();
                        if copy {
                            plain.copy(&admin, BULK).await;
                        } else {
                            plain.insert_unnest(&admin, BULK).await;
                        }
                        took += start.elapsed();
                    }
                    tally.add(name, took, iters * BULK as u64);
                    took
                }
            });
        });
    }
    bulk.finish();
    tally.report(
        "import 10,000 tasks (the store also writes 10,000 events)",
        "pgstore_import_tasks",
        &["plain_sqlx_unnest_insert", "plain_copy"],
    );
    drop(db);
}

criterion_group!(benches, writes);
criterion_main!(benches);
