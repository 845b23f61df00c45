//! A filtered page of 50 tasks at 10,000 and at 1,000,000 tasks in the tenant, same store, same
//! run: keyset pages over secondary indexes should cost the page, not the tenant.

use std::sync::Arc;
use std::time::Instant;

use criterion::{Criterion, criterion_group, criterion_main};
use taskflow_benches::{Bench, runtime};
use taskflow_core::store::TaskQuery;
use taskflow_core::{NewProject, NewTask, NewUser, ProjectId, Role, Store, UserId};
use taskflow_store_sled::SledStore;

const PROJECTS: usize = 10;
const ASSIGNEES: usize = 10;
const CHUNK: usize = 10_000;

struct Tenant {
    bench: Bench,
    projects: Vec<ProjectId>,
    assignees: Vec<UserId>,
}

async fn tenant(store: Arc<dyn Store>, slug: &str, tasks: usize) -> Tenant {
    let bench = Bench::new(store, slug).await;
    let mut projects = vec![bench.project.id];
    for i in 1..PROJECTS {
        projects.push(
            bench.tf.create_project(&bench.owner, NewProject::named(format!("p{i}"))).await.expect("p").id,
        );
    }
    let mut assignees = Vec::new();
    for i in 0..ASSIGNEES {
        let user =
            bench.tf.create_user(NewUser::new(format!("{slug}-{i}@bench.example"), "m")).await.expect("u");
        bench.tf.add_member(&bench.owner, user.id, Role::Member).await.expect("member");
        assignees.push(user.id);
    }
    let started = Instant::now();
    for chunk in 0..tasks.div_ceil(CHUNK) {
        let batch: Vec<NewTask> = (chunk * CHUNK..((chunk + 1) * CHUNK).min(tasks))
            .map(|i| NewTask {
                assignee: Some(assignees[i % ASSIGNEES]),
                ..NewTask::new(projects[i % PROJECTS], format!("task {i}"))
            })
            .collect();
        bench.tf.import_tasks(&bench.owner, batch).await.expect("import");
    }
    println!("{slug}: {tasks} tasks imported in {:.1?}", started.elapsed());
    Tenant { bench, projects, assignees }
}

fn lists(c: &mut Criterion) {
    let rt = runtime();
    let dir = tempfile::tempdir().expect("tempdir");
    let store: Arc<dyn Store> =
        Arc::new(rt.block_on(SledStore::open_path(dir.path().join("store"))).expect("open"));
    let small = rt.block_on(tenant(store.clone(), "small", 10_000));
    let large = rt.block_on(tenant(store, "large", 1_000_000));

    let mut group = c.benchmark_group("list_page_of_50");
    for (name, t) in [("10k", &small), ("1m", &large)] {
        let by_project = TaskQuery { project: Some(t.projects[3]), limit: Some(50), ..TaskQuery::default() };
        let by_assignee =
            TaskQuery { assignee: Some(t.assignees[7]), limit: Some(50), ..TaskQuery::default() };
        for (filter, query) in [("project", by_project), ("assignee", by_assignee)] {
            group.bench_function(format!("{filter}/{name}"), |b| {
                b.to_async(&rt).iter(|| {
                    let (tf, owner, query) = (t.bench.tf.clone(), t.bench.owner, query.clone());
                    async move {
                        let page = tf.list_tasks(&owner, &query).await.expect("list");
                        assert_eq!(page.items.len(), 50);
                        page
                    }
                });
            });
        }
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30);
    targets = lists
}
criterion_main!(benches);
