//! Export throughput and the full metric set on a generated tenant of about 1,000,000 events,
//! beside the same SQL on batches already in memory (same run), so the export's share shows.

use std::sync::Arc;
use std::time::Instant;

use chrono::Duration;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use taskflow_analytics::export::Exporter;
use taskflow_analytics::{Analytics, SessionLimits, TenantTables, Window};
use taskflow_benches::runtime;
use taskflow_core::testkit::workload::{self, WorkloadConfig};
use taskflow_core::{MemoryStore, Store};

fn analytics(c: &mut Criterion) {
    let rt = runtime();
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let config =
        WorkloadConfig { organizations: 1, days: 365, tasks_per_day: 650.0, ..WorkloadConfig::default() };
    let started = Instant::now();
    let run = rt.block_on(workload::run(store.clone(), &config)).expect("workload");
    let org = &run.organizations[0];
    println!(
        "generated {} events, {} tasks in {:.1?}",
        org.counts.events,
        org.counts.tasks_created,
        started.elapsed()
    );
    let window = Window::new(config.start, config.start + Duration::days(365)).expect("window");
    let limits = SessionLimits {
        memory_bytes: 4 << 30,
        time: std::time::Duration::from_secs(600),
        ..SessionLimits::default()
    };

    let mut group = c.benchmark_group("analytics_1m_events");
    group.sample_size(10);
    group.throughput(Throughput::Elements(org.counts.events));
    group.bench_function("export_events_to_batches", |b| {
        b.to_async(&rt).iter(|| {
            let exporter = Exporter::new(store.clone(), org.id);
            async move {
                let mut events = exporter.events_after(0);
                let mut rows = 0;
                while let Some(batch) = events.next_batch().await.expect("export") {
                    rows += batch.num_rows();
                }
                rows
            }
        });
    });
    group.bench_function("metrics_export_and_sql", |b| {
        b.to_async(&rt).iter(|| {
            let store = store.clone();
            async move {
                let session = Analytics::for_org_with_limits(store, org.id, limits).await.expect("session");
                session.metrics(window).await.expect("metrics")
            }
        });
    });
    let organization = rt.block_on(store.get_organization(org.id)).expect("org");
    let tables = rt.block_on(TenantTables::export(store.clone(), org.id)).expect("tables");
    let in_memory = Analytics::from_tables(organization, tables, limits).expect("session");
    group.bench_function("metrics_sql_on_batches_in_memory", |b| {
        b.to_async(&rt).iter(|| async { in_memory.metrics(window).await.expect("metrics") });
    });
    group.finish();
    let m = rt.block_on(in_memory.metrics(window)).expect("metrics");
    println!(
        "created {}, completed {}, lead p90 {:?} h, overdue {}",
        m.created, m.completed, m.lead_time_hours.p90, m.overdue
    );
}

criterion_group!(benches, analytics);
criterion_main!(benches);
