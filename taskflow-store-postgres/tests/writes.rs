//! The write path against the real server: races decided by constraints, awkward values, and a
//! 10,000-task import.

use std::sync::Arc;

use taskflow_core::testkit::Tenant;
use taskflow_core::{
    ConflictReason, Entity, Error, ErrorKind, NewOrganization, NewTask, NewUser, Store, TaskFlow, Tier,
};
use taskflow_store_postgres::testkit::TestDatabase;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn racing_writers_get_conflicts_never_backend_errors() {
    let Some(db) = TestDatabase::create("racing_writers_get_conflicts_never_backend_errors").await else {
        return;
    };
    let store: Arc<dyn Store> = Arc::new(db.store(8).await);
    let tf = TaskFlow::new(store);

    // Eight registrations of one slug at once: the slug's primary key lets one through and
    // answers the others (23505) with the same Conflict the write path gives.
    let mut founders = Vec::new();
    for i in 0..8 {
        founders.push(tf.create_user(NewUser::new(format!("founder{i}@example.com"), "F")).await.unwrap());
    }
    let races: Vec<_> = founders
        .iter()
        .map(|u| {
            let (tf, id) = (tf.clone(), u.id);
            tokio::spawn(async move {
                tf.register(NewOrganization::new("Acme", "acme", "UTC", Tier::Free), id).await
            })
        })
        .collect();
    let mut won = 0;
    for race in races {
        match race.await.unwrap() {
            Ok(_) => won += 1,
            Err(Error::Conflict {
                entity: Entity::Organization,
                reason: ConflictReason::AlreadyExists("slug"),
            }) => {}
            Err(e) => panic!("a racing registration failed otherwise: {e:?}"),
        }
    }
    assert_eq!(won, 1);

    // Eight sign-ups with one e-mail at once.
    let races: Vec<_> = (0..8)
        .map(|_| {
            let tf = tf.clone();
            tokio::spawn(async move { tf.create_user(NewUser::new("same@example.com", "S")).await })
        })
        .collect();
    let mut won = 0;
    for race in races {
        match race.await.unwrap() {
            Ok(_) => won += 1,
            Err(Error::Conflict { entity: Entity::User, reason: ConflictReason::AlreadyExists("email") }) => {
            }
            Err(e) => panic!("a racing sign-up failed otherwise: {e:?}"),
        }
    }
    assert_eq!(won, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn awkward_values_round_trip() {
    let Some(db) = TestDatabase::create("awkward_values_round_trip").await else { return };
    let t = Tenant::new(Arc::new(db.store(2).await), Tier::Pro).await;
    let project = t.project("p").await;
    let tags: Vec<String> = ["NULL", "a,b", "{x}", "quote\"d", "back\\slash", " spaced ", "日本語", "'"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let new = NewTask {
        tags: tags.clone(),
        description: Some("line one\nline two; DROP TABLE tasks; --".into()),
        estimate_hours: Some(0.1 + 0.2),
        ..NewTask::new(project.id, "Ünïcödé 'title' \"quoted\"")
    };
    let created = t.tf.create_task(&t.member, new).await.expect("create");
    let read = t.tf.task(&t.viewer, created.id).await.expect("read");
    assert_eq!(read, created, "stored exactly as written");
    assert_eq!(read.tags.len(), tags.len(), "{:?}", read.tags);
    for tag in ["NULL", "a,b", "quote\"d", "back\\slash"] {
        let q = taskflow_core::store::TaskQuery { tag: Some(tag.into()), ..Default::default() };
        assert_eq!(t.tf.list_tasks(&t.viewer, &q).await.unwrap().items.len(), 1, "filter by tag {tag:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ten_thousand_task_import_is_one_unit_with_every_event() {
    let Some(db) = TestDatabase::create("a_ten_thousand_task_import_is_one_unit_with_every_event").await
    else {
        return;
    };
    let t = Tenant::new(Arc::new(db.store(2).await), Tier::Pro).await;
    let project = t.project("p").await;
    let batch =
        |n: usize, tag: &str| (0..n).map(|i| NewTask::new(project.id, format!("{tag} {i}"))).collect();
    let before = t.tf.store().last_seq(t.owner.org()).await.unwrap();

    // Pro allows 10,000 active tasks per project: one more than that, in one batch, is refused
    // whole (the limit counts the batch itself)...
    let over = t.tf.import_tasks(&t.member, batch(10_001, "over")).await;
    assert!(matches!(over, Err(Error::Invalid { .. } | Error::LimitExceeded { .. })), "{over:?}");
    assert_eq!(t.tf.store().last_seq(t.owner.org()).await.unwrap(), before, "nothing was written");

    // ...and exactly 10,000 go in, each with its event.
    let started = std::time::Instant::now();
    let tasks = t.tf.import_tasks(&t.member, batch(10_000, "bulk")).await.expect("import");
    eprintln!("import of 10,000 tasks (debug build): {:?}", started.elapsed());
    assert_eq!(tasks.len(), 10_000);
    let events = t.tf.events(&t.owner, before, 10_000).await.unwrap();
    assert_eq!(events.len(), 10_000);
    assert!(events.iter().zip(&tasks).all(|(e, task)| e.kind.task_id() == Some(task.id)));
    assert!(events.iter().enumerate().all(|(i, e)| e.seq == before + 1 + i as u64));
    assert_eq!(t.tf.task(&t.viewer, tasks[9_999].id).await.unwrap(), tasks[9_999]);
    let more = t.tf.create_task(&t.member, NewTask::new(project.id, "one more")).await;
    assert_eq!(more.unwrap_err().kind(), ErrorKind::LimitExceeded, "the project is full");
}
