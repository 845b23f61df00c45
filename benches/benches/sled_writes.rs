//! Creating tasks on `SledStore` beside raw sled inserts of the same encoded bytes, same run.
//!
//! `SledStore` writes, per task and in one transaction: the record, six index entries, the
//! organization and project counters and the event. The raw baseline writes the record's bytes
//! only, with a plain `insert` (single) or one `sled::Batch` (batched).

use std::sync::Arc;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use taskflow_benches::{Bench, runtime};
use taskflow_core::{NewTask, Priority, Store};
use taskflow_store_sled::SledStore;

const BATCH: usize = 100;

fn new_task(bench: &Bench, i: usize) -> NewTask {
    NewTask {
        priority: Priority::High,
        tags: vec!["backend".into(), "bench".into()],
        description: Some("A task of typical size, with a sentence of description.".into()),
        ..NewTask::new(bench.project.id, format!("Benchmark task number {i}"))
    }
}

/// The bytes SledStore stores for a typical task: version byte + JSON.
fn encoded_task(rt: &tokio::runtime::Runtime, bench: &Bench) -> Vec<u8> {
    let task = rt.block_on(bench.tf.create_task(&bench.owner, new_task(bench, 0))).expect("task");
    let mut bytes = vec![1u8];
    serde_json::to_writer(&mut bytes, &task).expect("encode");
    bytes
}

fn raw_key(org: &[u8; 16]) -> Vec<u8> {
    let mut key = org.to_vec();
    key.push(b't');
    key.extend_from_slice(uuid::Uuid::now_v7().as_bytes());
    key
}

fn writes(c: &mut Criterion) {
    let rt = runtime();
    let dir = tempfile::tempdir().expect("tempdir");
    let store = rt.block_on(SledStore::open_path(dir.path().join("store"))).expect("open");
    let bench = rt.block_on(Bench::new(Arc::new(store) as Arc<dyn Store>, "writes"));
    let raw = sled::Config::new().path(dir.path().join("raw")).open().expect("raw sled");
    let bytes = encoded_task(&rt, &bench);
    let org = *bench.owner.org().as_bytes();
    println!("encoded task: {} bytes", bytes.len());

    let mut single = c.benchmark_group("create_task");
    single.throughput(Throughput::Elements(1));
    single.bench_function("raw_sled_insert", |b| {
        b.iter(|| raw.insert(raw_key(&org), bytes.as_slice()).expect("insert"));
    });
    // sled's own floor for what a create writes: the record, an event of similar size and six
    // small keys, in one transaction, with nothing decided or read.
    let event = vec![7u8; 300];
    single.bench_function("raw_sled_transaction_same_writes", |b| {
        b.iter(|| {
            let keys: Vec<Vec<u8>> = (0..8).map(|_| raw_key(&org)).collect();
            raw.transaction(|tx| {
                tx.insert(keys[0].as_slice(), bytes.as_slice())?;
                tx.insert(keys[1].as_slice(), event.as_slice())?;
                for k in &keys[2..] {
                    tx.insert(k.as_slice(), &[])?;
                }
                Ok::<_, sled::transaction::ConflictableTransactionError<()>>(())
            })
            .expect("transaction")
        });
    });
    let mut n = 0;
    single.bench_function("sledstore_create_task", |b| {
        b.to_async(&rt).iter(|| {
            n += 1;
            let task = new_task(&bench, n);
            let (tf, owner) = (bench.tf.clone(), bench.owner);
            async move { tf.create_task(&owner, task).await.expect("create") }
        });
    });
    single.finish();

    let mut batched = c.benchmark_group("create_task_batch_of_100");
    batched.throughput(Throughput::Elements(BATCH as u64));
    batched.bench_function("raw_sled_batch", |b| {
        b.iter_batched(
            || {
                let mut batch = sled::Batch::default();
                for _ in 0..BATCH {
                    batch.insert(raw_key(&org), bytes.as_slice());
                }
                batch
            },
            |batch| raw.apply_batch(batch).expect("batch"),
            BatchSize::SmallInput,
        );
    });
    batched.bench_function("sledstore_import_tasks", |b| {
        b.to_async(&rt).iter_batched(
            || (0..BATCH).map(|i| new_task(&bench, i)).collect::<Vec<_>>(),
            |tasks| {
                let (tf, owner) = (bench.tf.clone(), bench.owner);
                async move { tf.import_tasks(&owner, tasks).await.expect("import") }
            },
            BatchSize::SmallInput,
        );
    });
    batched.finish();
}

criterion_group!(benches, writes);
criterion_main!(benches);
