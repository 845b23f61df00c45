//! Export: the contract schemas, bounded chunks, incremental reads; and the metrics of one
//! generated history through two very different stores.

use std::sync::Arc;

use chrono::Duration;
use taskflow_analytics::arrow::array::{AsArray, RecordBatch};

use taskflow_analytics::arrow::datatypes::{DataType, Int64Type, TimeUnit, TimestampMicrosecondType};
use taskflow_analytics::export::Exporter;
use taskflow_analytics::{Analytics, Window, schema};
use taskflow_core::store::{Archived, TaskQuery};
use taskflow_core::testkit::workload::{self, WorkloadConfig};
use taskflow_core::{MemoryStore, Store};
use taskflow_store_sled::SledStore;

fn names(schema: &taskflow_analytics::arrow::datatypes::Schema) -> Vec<&str> {
    schema.fields().iter().map(|f| f.name().as_str()).collect()
}

#[test]
fn the_tables_have_the_contract_columns() {
    assert_eq!(
        names(&schema::tasks()),
        [
            "org_id",
            "task_id",
            "project_id",
            "title",
            "status",
            "priority",
            "assignee_id",
            "created_by",
            "created_at",
            "updated_at",
            "started_at",
            "completed_at",
            "due_date",
            "estimate_hours",
            "tags",
            "archived",
        ]
    );
    assert_eq!(
        &names(&schema::events())[..10],
        [
            "org_id",
            "seq",
            "at",
            "actor_id",
            "kind",
            "task_id",
            "project_id",
            "from_status",
            "to_status",
            "assignee_id"
        ]
    );
    assert_eq!(
        names(&schema::projects()),
        ["org_id", "project_id", "name", "description", "archived", "created_by", "created_at", "updated_at"]
    );
    assert_eq!(names(&schema::members()), ["org_id", "user_id", "role", "joined_at"]);
    let micros_utc = DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into()));
    for (schema, column) in
        [(schema::tasks(), "created_at"), (schema::events(), "at"), (schema::members(), "joined_at")]
    {
        assert_eq!(schema.field_with_name(column).unwrap().data_type(), &micros_utc);
    }
    assert_eq!(schema::tasks().field_with_name("task_id").unwrap().data_type(), &DataType::Utf8);
    assert_eq!(schema::tasks().field_with_name("due_date").unwrap().data_type(), &DataType::Date32);
}

async fn drain_events(exporter: &Exporter, after: u64) -> (Vec<RecordBatch>, u64) {
    let mut batches = Vec::new();
    let mut stream = exporter.events_after(after);
    while let Some(batch) = stream.next_batch().await.unwrap() {
        batches.push(batch);
    }
    (batches, stream.last_seq())
}

fn seqs(batches: &[RecordBatch]) -> Vec<i64> {
    batches.iter().flat_map(|b| b.column(1).as_primitive::<Int64Type>().values().to_vec()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exports_come_in_bounded_chunks_and_resume_where_they_stopped() {
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let run = workload::run(
        store.clone(),
        &WorkloadConfig { days: 15, organizations: 1, ..WorkloadConfig::default() },
    )
    .await
    .unwrap();
    let org = &run.organizations[0];
    let exporter = Exporter::new(store.clone(), org.id).with_chunk_rows(100);

    let (batches, last) = drain_events(&exporter, 0).await;
    assert!(batches.iter().all(|b| b.num_rows() <= 100 && b.num_rows() > 0), "chunks stay within 100 rows");
    assert_eq!(seqs(&batches), (1..=org.counts.events as i64).collect::<Vec<_>>());
    assert_eq!(last, org.counts.events);
    let (tail, _) = drain_events(&exporter, 250).await;
    assert_eq!(seqs(&tail).first(), Some(&251), "an incremental export starts after its seq");
    let (nothing, last) = drain_events(&exporter, org.counts.events).await;
    assert!(nothing.is_empty() && last == org.counts.events);

    let everything = TaskQuery { archived: Archived::Include, limit: Some(500), ..TaskQuery::default() };
    let stored = store.list_tasks(org.id, &everything).await.unwrap().items.len();
    let mut tasks = exporter.tasks();
    let mut exported = 0;
    while let Some(batch) = tasks.next_batch().await.unwrap() {
        assert!(batch.num_rows() <= 100);
        exported += batch.num_rows();
    }
    assert_eq!(exported, stored, "every stored task, archived ones included");
    let since = tasks.high_water().unwrap() - Duration::days(3);
    let mut recent = exporter.tasks_changed_since(since);
    while let Some(batch) = recent.next_batch().await.unwrap() {
        let updated = batch.column(9).as_primitive::<TimestampMicrosecondType>();
        assert!((0..updated.len()).all(|i| updated.value(i) >= since.timestamp_micros()));
    }
    let projects: usize = exporter.projects().await.unwrap().iter().map(RecordBatch::num_rows).sum();
    let members: usize = exporter.members().await.unwrap().iter().map(RecordBatch::num_rows).sum();
    assert_eq!((projects, members), (org.projects.len(), org.members.len()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_history_gives_the_same_metrics_on_two_stores() {
    let config = WorkloadConfig { days: 21, ..WorkloadConfig::default() };
    let memory: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let sled: Arc<dyn Store> = Arc::new(SledStore::open_temporary().await.unwrap());
    let on_memory = workload::run(memory.clone(), &config).await.unwrap();
    let on_sled = workload::run(sled.clone(), &config).await.unwrap();
    assert_eq!(on_memory, on_sled, "the generator is deterministic");
    for org in &on_memory.organizations {
        let a = Analytics::for_org(memory.clone(), org.id).await.unwrap();
        let b = Analytics::for_org(sled.clone(), org.id).await.unwrap();
        let start = config.start + Duration::days(3);
        for window in [
            Window::new(start, start + Duration::days(7)).unwrap(),
            Window::local_days(org.time_zone, (config.start + Duration::days(10)).date_naive(), 11),
        ] {
            let (ma, mb) = (a.metrics(window).await.unwrap(), b.metrics(window).await.unwrap());
            assert_eq!(ma, mb, "org {} window {window:?}", org.slug);
            assert!(
                ma.completed > 0 && ma.created > 0 && !ma.per_assignee.is_empty(),
                "a busy window: {ma:?}"
            );
        }
    }
}
