//! Listing: every filter, keyset pagination under concurrent writes, the changed-tasks export.

use std::collections::BTreeSet;
use std::sync::Arc;

use chrono::{Duration, NaiveDate, TimeZone, Utc};

use crate::store::{Archived, ChangedTasksQuery, Page, TaskQuery};
use crate::testkit::Tenant;
use crate::{Clock, ManualClock, NewTask, Principal, Priority, Status, Store, Task, TaskFlow, TaskId, Tier};

/// Reads every page of a query, asserting each page respects the limit.
async fn all_pages(tf: &TaskFlow, p: &Principal, query: &TaskQuery) -> Vec<Task> {
    let mut query = query.clone();
    let mut out = Vec::new();
    loop {
        let Page { items, next } = tf.list_tasks(p, &query).await.expect("list tasks");
        assert!(items.len() <= query.limit.unwrap_or(50) as usize, "page over its limit");
        out.extend(items);
        match next {
            Some(cursor) => query.after = Some(cursor),
            None => return out,
        }
    }
}

/// Every filter alone and combined, compared with the same filter applied by hand.
pub async fn task_filters(store: Arc<dyn Store>) {
    let t = Tenant::new(store, Tier::Pro).await;
    let tf = &t.tf;
    let (alpha, beta) = (t.project("alpha").await, t.project("beta").await);
    let day = |d| NaiveDate::from_ymd_opt(2026, 4, d);
    let mut all = Vec::new();
    for i in 0..24u32 {
        let new = NewTask {
            priority: Priority::ALL[(i % 4) as usize],
            assignee: [None, Some(t.member.user()), Some(t.admin.user())][(i % 3) as usize],
            due_date: if i % 5 == 0 { None } else { day(1 + i % 20) },
            tags: if i % 2 == 0 { vec!["even".into()] } else { vec!["odd".into(), "x".into()] },
            ..NewTask::new(if i % 2 == 0 { alpha.id } else { beta.id }, format!("task {i}"))
        };
        let mut task = tf.create_task(&t.member, new).await.expect("create");
        if i % 4 == 1 {
            task = tf.move_task(&t.member, task.id, task.version, Status::InProgress).await.expect("start");
        }
        if i % 6 == 5 {
            task = tf.set_task_archived(&t.member, task.id, task.version, true).await.expect("archive");
        }
        all.push(task);
    }
    let queries = vec![
        TaskQuery::default(),
        TaskQuery { project: Some(alpha.id), ..TaskQuery::default() },
        TaskQuery { status: Some(Status::InProgress), ..TaskQuery::default() },
        TaskQuery { assignee: Some(t.member.user()), ..TaskQuery::default() },
        TaskQuery { priority: Some(Priority::Urgent), ..TaskQuery::default() },
        TaskQuery { tag: Some("x".into()), ..TaskQuery::default() },
        TaskQuery { tag: Some("nope".into()), ..TaskQuery::default() },
        TaskQuery { due_from: day(5), ..TaskQuery::default() },
        TaskQuery { due_before: day(10), ..TaskQuery::default() },
        TaskQuery { due_from: day(5), due_before: day(10), ..TaskQuery::default() },
        TaskQuery { archived: Archived::Only, ..TaskQuery::default() },
        TaskQuery { archived: Archived::Include, ..TaskQuery::default() },
        TaskQuery {
            project: Some(beta.id),
            status: Some(Status::InProgress),
            assignee: Some(t.member.user()),
            archived: Archived::Include,
            ..TaskQuery::default()
        },
        TaskQuery {
            project: Some(alpha.id),
            tag: Some("even".into()),
            due_from: day(3),
            limit: Some(2),
            ..TaskQuery::default()
        },
    ];
    for query in queries {
        let got: Vec<TaskId> = all_pages(tf, &t.viewer, &query).await.iter().map(|t| t.id).collect();
        let mut want: Vec<TaskId> = all.iter().filter(|t| query.matches(t)).map(|t| t.id).collect();
        want.sort();
        assert_eq!(got, want, "filter {query:?}");
    }
}

/// Keyset pages never repeat nor miss a row that exists throughout, even when rows are created,
/// updated and deleted between pages.
pub async fn pagination_is_stable_under_writes(store: Arc<dyn Store>) {
    let t = Tenant::new(store, Tier::Pro).await;
    let tf = &t.tf;
    let project = t.project("p").await;
    let mut stable = BTreeSet::new();
    let mut churn = Vec::new();
    for i in 0..60 {
        let task =
            tf.create_task(&t.member, NewTask::new(project.id, format!("t{i}"))).await.expect("create");
        if i % 3 == 0 {
            churn.push(task)
        } else {
            stable.insert(task.id);
        }
    }
    let mut query = TaskQuery { project: Some(project.id), limit: Some(7), ..TaskQuery::default() };
    let mut seen = Vec::new();
    let mut round = 0;
    loop {
        let page = tf.list_tasks(&t.viewer, &query).await.expect("page");
        seen.extend(page.items.iter().map(|t| t.id));
        // Writes between pages: new rows, edits of stable rows, deletion of churn rows.
        tf.create_task(&t.member, NewTask::new(project.id, format!("late {round}")))
            .await
            .expect("late create");
        if let Some(victim) = churn.pop() {
            tf.delete_task(&t.admin, victim.id, victim.version).await.expect("delete churn");
        }
        if let Some(id) = stable.iter().nth(round) {
            let task = tf.task(&t.viewer, *id).await.expect("read stable");
            tf.move_task(&t.member, task.id, task.version, Status::InProgress).await.expect("edit stable");
        }
        round += 1;
        match page.next {
            Some(cursor) => query.after = Some(cursor),
            None => break,
        }
    }
    let unique: BTreeSet<_> = seen.iter().copied().collect();
    assert_eq!(unique.len(), seen.len(), "a row appeared on two pages");
    assert!(stable.is_subset(&unique), "a row that existed throughout was missed");
    assert!(seen.windows(2).all(|w| w[0] < w[1]), "pages are in key order");
}

/// `list_changed_tasks` returns every task touched at or after a moment, in `(updated_at, id)`
/// order, archived ones included, across pages.
pub async fn changed_tasks_export(store: Arc<dyn Store>) {
    let clock = Arc::new(ManualClock::new(Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).single().expect("date")));
    let tf = TaskFlow::new(store).with_clock(clock.clone());
    let t = Tenant::with(tf, Tier::Pro).await;
    let tf = &t.tf;
    let project = t.project("p").await;
    let mut tasks = Vec::new();
    for i in 0..12 {
        clock.advance(Duration::minutes(1));
        tasks.push(
            tf.create_task(&t.member, NewTask::new(project.id, format!("t{i}"))).await.expect("create"),
        );
    }
    clock.advance(Duration::hours(1));
    let since = clock.now();
    let mut touched = Vec::new();
    for (i, task) in tasks.iter().enumerate().filter(|(i, _)| i % 3 == 0) {
        clock.advance(Duration::seconds(10));
        let updated = if i == 3 {
            tf.set_task_archived(&t.member, task.id, task.version, true).await
        } else {
            tf.move_task(&t.member, task.id, task.version, Status::InProgress).await
        };
        touched.push(updated.expect("touch"));
    }
    let mut query = ChangedTasksQuery { since, after: None, limit: Some(2) };
    let mut got = Vec::new();
    loop {
        let page = tf.store().list_changed_tasks(t.owner.org(), &query).await.expect("changed tasks");
        got.extend(page.items);
        match page.next {
            Some(cursor) => query.after = Some(cursor),
            None => break,
        }
    }
    assert_eq!(got, touched, "changed tasks since {since}");
    let everything = ChangedTasksQuery {
        since: Utc.timestamp_opt(0, 0).single().expect("epoch"),
        after: None,
        limit: Some(500),
    };
    let all = tf.store().list_changed_tasks(t.owner.org(), &everything).await.expect("all").items;
    assert_eq!(all.len(), 12);
    assert!(all.windows(2).all(|w| (w[0].updated_at, w[0].id) < (w[1].updated_at, w[1].id)));
}
