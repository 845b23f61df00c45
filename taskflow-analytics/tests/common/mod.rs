//! Hand-made histories: a clock set to exact instants and a tenant to act in.

#![allow(dead_code, unreachable_pub)] // Each test file uses a part of it.

use std::sync::Arc;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use taskflow_core::{
    ManualClock, MemoryStore, NewOrganization, NewProject, NewTask, NewUser, Principal, ProjectId, Role,
    SeededIds, Status, Store, Task, TaskFlow, TaskId, Tier, UserId,
};

pub struct History {
    pub store: Arc<dyn Store>,
    pub clock: Arc<ManualClock>,
    pub tf: TaskFlow,
    pub owner: Principal,
    pub alice: UserId,
    pub bob: UserId,
    pub project: ProjectId,
}

/// An instant given in UTC.
pub fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, min, 0).single().expect("a valid UTC time")
}

pub fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("a valid date")
}

impl History {
    /// An organization in `zone` with two members (Alice, Bob) and a project, set up at `at`.
    pub async fn new(store: Arc<dyn Store>, zone: &str, at: DateTime<Utc>) -> History {
        let clock = Arc::new(ManualClock::new(at));
        let tf = TaskFlow::new(store.clone()).with_clock(clock.clone()).with_ids(Arc::new(SeededIds::new(1)));
        let owner_user = tf
            .create_user(NewUser::new(format!("owner-{zone}@x.example").replace('/', "-"), "Owner"))
            .await
            .unwrap();
        let slug = format!("org-{}", zone.to_lowercase().replace(['/', '_'], "-"));
        let (_, owner) = tf
            .register(NewOrganization::new("Org", slug, zone, Tier::Enterprise), owner_user.id)
            .await
            .unwrap();
        let mut ids = Vec::new();
        for name in ["alice", "bob"] {
            let u = tf
                .create_user(NewUser::new(format!("{name}-{}@x.example", owner.org()), name))
                .await
                .unwrap();
            tf.add_member(&owner, u.id, Role::Member).await.unwrap();
            ids.push(u.id);
        }
        let project = tf.create_project(&owner, NewProject::named("p")).await.unwrap().id;
        History { store, clock, tf, owner, alice: ids[0], bob: ids[1], project }
    }

    /// The same on a fresh in-memory store.
    pub async fn in_memory(zone: &str, at: DateTime<Utc>) -> History {
        Self::new(Arc::new(MemoryStore::new()), zone, at).await
    }

    pub async fn create(&self, at: DateTime<Utc>, assignee: Option<UserId>, due: Option<NaiveDate>) -> Task {
        self.clock.set(at);
        let new = NewTask { assignee, due_date: due, ..NewTask::new(self.project, "t") };
        self.tf.create_task(&self.owner, new).await.unwrap()
    }

    async fn current(&self, id: TaskId) -> Task {
        self.tf.task(&self.owner, id).await.unwrap()
    }

    pub async fn moves(&self, id: TaskId, at: DateTime<Utc>, to: Status) {
        self.clock.set(at);
        let task = self.current(id).await;
        self.tf.move_task(&self.owner, id, task.version, to).await.unwrap();
    }

    pub async fn assign(&self, id: TaskId, at: DateTime<Utc>, to: Option<UserId>) {
        self.clock.set(at);
        let task = self.current(id).await;
        self.tf.assign_task(&self.owner, id, task.version, to).await.unwrap();
    }

    pub async fn archive(&self, id: TaskId, at: DateTime<Utc>) {
        self.clock.set(at);
        let task = self.current(id).await;
        self.tf.set_task_archived(&self.owner, id, task.version, true).await.unwrap();
    }

    pub async fn delete(&self, id: TaskId, at: DateTime<Utc>) {
        self.clock.set(at);
        let task = self.current(id).await;
        self.tf.delete_task(&self.owner, id, task.version).await.unwrap();
    }
}
