//! Everything written before a clean close is there after reopening, and seq continues.

use std::sync::Arc;

use taskflow_core::store::{Archived, EventStore, OrganizationStore, TaskQuery, TaskStore};
use taskflow_core::testkit::workload::{self, WorkloadConfig};
use taskflow_core::{NewTask, Status, TaskFlow};
use taskflow_store_sled::SledStore;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reopened_store_holds_everything_and_seq_continues() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store");
    let config = WorkloadConfig { days: 10, ..WorkloadConfig::default() };

    let store = SledStore::open_path(&path).await.unwrap();
    let run = workload::run(Arc::new(store.clone()), &config).await.unwrap();
    let mut before = Vec::new();
    for org in &run.organizations {
        let events = store.events_after(org.id, 0, 100_000).await.unwrap();
        let query = TaskQuery { archived: Archived::Include, limit: Some(500), ..TaskQuery::default() };
        let tasks = store.list_tasks(org.id, &query).await.unwrap();
        before.push((events, tasks, store.get_organization(org.id).await.unwrap()));
    }
    store.flush().await.unwrap();
    drop(store);

    let store = SledStore::open_path(&path).await.unwrap();
    let report = store.verify().await.unwrap();
    assert!(report.is_clean(), "{:?}", report.problems);
    assert_eq!(report.organizations, run.organizations.len() as u64);
    for (org, (events, tasks, organization)) in run.organizations.iter().zip(&before) {
        assert_eq!(&store.events_after(org.id, 0, 100_000).await.unwrap(), events);
        let query = TaskQuery { archived: Archived::Include, limit: Some(500), ..TaskQuery::default() };
        assert_eq!(&store.list_tasks(org.id, &query).await.unwrap(), tasks);
        assert_eq!(&store.get_organization(org.id).await.unwrap(), organization);
    }

    // Writing goes on where it stopped.
    let tf = TaskFlow::new(Arc::new(store.clone()));
    let org = &run.organizations[0];
    let owner = tf.act_as(org.id, org.owner.user()).await.unwrap();
    let task = tf.create_task(&owner, NewTask::new(org.projects[0], "after reopening")).await.unwrap();
    tf.move_task(&owner, task.id, task.version, Status::InProgress).await.unwrap();
    let last = store.last_seq(org.id).await.unwrap();
    assert_eq!(last, org.counts.events + 2, "seq continues with no gap");
    let tail = store.events_after(org.id, org.counts.events, 10).await.unwrap();
    assert_eq!(tail.iter().map(|e| e.seq).collect::<Vec<_>>(), vec![org.counts.events + 1, last]);
}
