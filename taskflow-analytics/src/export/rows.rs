//! Rows to Arrow: one function per table, each building exactly the schema of
//! [`crate::schema`].

use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use datafusion::arrow::array::{
    ArrayRef, BooleanBuilder, Date32Builder, Float64Builder, Int64Builder, ListBuilder, StringBuilder,
    TimestampMicrosecondBuilder,
};
use datafusion::arrow::record_batch::RecordBatch;
use taskflow_core::{Event, EventKind, Member, Project, Task};

use crate::Result;
use crate::schema;

fn timestamps(capacity: usize) -> TimestampMicrosecondBuilder {
    TimestampMicrosecondBuilder::with_capacity(capacity).with_timezone("UTC")
}

fn micros(at: DateTime<Utc>) -> i64 {
    at.timestamp_micros()
}

/// Days since 1970-01-01, as `Date32` stores them.
pub(crate) fn date32(date: NaiveDate) -> i32 {
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).expect("the epoch is a date");
    i32::try_from((date - epoch).num_days()).unwrap_or(i32::MAX)
}

fn finish(columns: Vec<ArrayRef>, schema: datafusion::arrow::datatypes::SchemaRef) -> Result<RecordBatch> {
    Ok(RecordBatch::try_new(schema, columns)?)
}

/// The `tasks` table for these rows.
pub(crate) fn tasks(rows: &[Task]) -> Result<RecordBatch> {
    let n = rows.len();
    let mut org = StringBuilder::with_capacity(n, n * 36);
    let mut id = StringBuilder::with_capacity(n, n * 36);
    let mut project = StringBuilder::with_capacity(n, n * 36);
    let mut title = StringBuilder::new();
    let mut status = StringBuilder::new();
    let mut priority = StringBuilder::new();
    let mut assignee = StringBuilder::new();
    let mut created_by = StringBuilder::new();
    let (mut created, mut updated, mut started, mut completed) =
        (timestamps(n), timestamps(n), timestamps(n), timestamps(n));
    let mut due = Date32Builder::with_capacity(n);
    let mut estimate = Float64Builder::with_capacity(n);
    let mut tags = ListBuilder::new(StringBuilder::new());
    let mut archived = BooleanBuilder::with_capacity(n);
    for t in rows {
        org.append_value(t.org_id.to_string());
        id.append_value(t.id.to_string());
        project.append_value(t.project_id.to_string());
        title.append_value(&t.title);
        status.append_value(t.status.as_str());
        priority.append_value(t.priority.as_str());
        assignee.append_option(t.assignee.map(|a| a.to_string()));
        created_by.append_value(t.created_by.to_string());
        created.append_value(micros(t.created_at));
        updated.append_value(micros(t.updated_at));
        started.append_option(t.started_at.map(micros));
        completed.append_option(t.completed_at.map(micros));
        due.append_option(t.due_date.map(date32));
        estimate.append_option(t.estimate_hours);
        for tag in &t.tags {
            tags.values().append_value(tag);
        }
        tags.append(true);
        archived.append_value(t.archived);
    }
    let columns: Vec<ArrayRef> = vec![
        Arc::new(org.finish()),
        Arc::new(id.finish()),
        Arc::new(project.finish()),
        Arc::new(title.finish()),
        Arc::new(status.finish()),
        Arc::new(priority.finish()),
        Arc::new(assignee.finish()),
        Arc::new(created_by.finish()),
        Arc::new(created.finish()),
        Arc::new(updated.finish()),
        Arc::new(started.finish()),
        Arc::new(completed.finish()),
        Arc::new(due.finish()),
        Arc::new(estimate.finish()),
        Arc::new(tags.finish()),
        Arc::new(archived.finish()),
    ];
    finish(columns, schema::tasks())
}

/// What an event puts in the columns beyond the common ones.
#[derive(Default)]
struct EventColumns {
    task: Option<String>,
    project: Option<String>,
    from_status: Option<&'static str>,
    to_status: Option<&'static str>,
    assignee: Option<String>,
    due_date: Option<NaiveDate>,
    due_date_set: bool,
    archived: Option<bool>,
    user: Option<String>,
    role: Option<&'static str>,
}

fn columns_of(kind: &EventKind) -> EventColumns {
    let mut c = EventColumns {
        task: kind.task_id().map(|t| t.to_string()),
        project: kind.project_id().map(|p| p.to_string()),
        ..EventColumns::default()
    };
    match kind {
        EventKind::TaskCreated { assignee_id, due_date, .. } => {
            c.to_status = Some(taskflow_core::Status::Todo.as_str());
            c.assignee = assignee_id.map(|a| a.to_string());
            c.due_date = *due_date;
            c.due_date_set = true;
        }
        EventKind::TaskUpdated { patch, .. } => {
            if let Some(due) = patch.due_date {
                c.due_date = due;
                c.due_date_set = true;
            }
        }
        EventKind::TaskStatusChanged { from, to, .. } => {
            c.from_status = Some(from.as_str());
            c.to_status = Some(to.as_str());
        }
        EventKind::TaskAssigned { to, .. } => c.assignee = to.map(|a| a.to_string()),
        EventKind::TaskArchived { archived, .. } | EventKind::ProjectArchived { archived, .. } => {
            c.archived = Some(*archived);
        }
        EventKind::MemberAdded { user_id, role } | EventKind::MemberRemoved { user_id, role } => {
            c.user = Some(user_id.to_string());
            c.role = Some(role.as_str());
        }
        EventKind::MemberRoleChanged { user_id, to, .. } => {
            c.user = Some(user_id.to_string());
            c.role = Some(to.as_str());
        }
        _ => {}
    }
    c
}

/// The `events` table for these rows.
pub(crate) fn events(rows: &[Event]) -> Result<RecordBatch> {
    let n = rows.len();
    let mut org = StringBuilder::with_capacity(n, n * 36);
    let mut seq = Int64Builder::with_capacity(n);
    let mut at = timestamps(n);
    let mut actor = StringBuilder::with_capacity(n, n * 36);
    let mut kind = StringBuilder::new();
    let (mut task, mut project) = (StringBuilder::new(), StringBuilder::new());
    let (mut from_status, mut to_status) = (StringBuilder::new(), StringBuilder::new());
    let mut assignee = StringBuilder::new();
    let mut due = Date32Builder::with_capacity(n);
    let mut due_set = BooleanBuilder::with_capacity(n);
    let mut archived = BooleanBuilder::with_capacity(n);
    let (mut user, mut role) = (StringBuilder::new(), StringBuilder::new());
    for e in rows {
        let c = columns_of(&e.kind);
        org.append_value(e.org_id.to_string());
        seq.append_value(i64::try_from(e.seq).unwrap_or(i64::MAX));
        at.append_value(micros(e.at));
        actor.append_value(e.actor.to_string());
        kind.append_value(e.kind.name());
        task.append_option(c.task);
        project.append_option(c.project);
        from_status.append_option(c.from_status);
        to_status.append_option(c.to_status);
        assignee.append_option(c.assignee);
        due.append_option(c.due_date.map(date32));
        due_set.append_value(c.due_date_set);
        archived.append_option(c.archived);
        user.append_option(c.user);
        role.append_option(c.role);
    }
    let columns: Vec<ArrayRef> = vec![
        Arc::new(org.finish()),
        Arc::new(seq.finish()),
        Arc::new(at.finish()),
        Arc::new(actor.finish()),
        Arc::new(kind.finish()),
        Arc::new(task.finish()),
        Arc::new(project.finish()),
        Arc::new(from_status.finish()),
        Arc::new(to_status.finish()),
        Arc::new(assignee.finish()),
        Arc::new(due.finish()),
        Arc::new(due_set.finish()),
        Arc::new(archived.finish()),
        Arc::new(user.finish()),
        Arc::new(role.finish()),
    ];
    finish(columns, schema::events())
}

/// The `projects` table for these rows.
pub(crate) fn projects(rows: &[Project]) -> Result<RecordBatch> {
    let n = rows.len();
    let (mut org, mut id, mut name, mut description) =
        (StringBuilder::new(), StringBuilder::new(), StringBuilder::new(), StringBuilder::new());
    let mut archived = BooleanBuilder::with_capacity(n);
    let mut created_by = StringBuilder::new();
    let (mut created, mut updated) = (timestamps(n), timestamps(n));
    for p in rows {
        org.append_value(p.org_id.to_string());
        id.append_value(p.id.to_string());
        name.append_value(&p.name);
        description.append_option(p.description.as_deref());
        archived.append_value(p.archived);
        created_by.append_value(p.created_by.to_string());
        created.append_value(micros(p.created_at));
        updated.append_value(micros(p.updated_at));
    }
    let columns: Vec<ArrayRef> = vec![
        Arc::new(org.finish()),
        Arc::new(id.finish()),
        Arc::new(name.finish()),
        Arc::new(description.finish()),
        Arc::new(archived.finish()),
        Arc::new(created_by.finish()),
        Arc::new(created.finish()),
        Arc::new(updated.finish()),
    ];
    finish(columns, schema::projects())
}

/// The `members` table for these rows.
pub(crate) fn members(rows: &[Member]) -> Result<RecordBatch> {
    let n = rows.len();
    let (mut org, mut user, mut role) = (StringBuilder::new(), StringBuilder::new(), StringBuilder::new());
    let mut joined = timestamps(n);
    for m in rows {
        org.append_value(m.org_id.to_string());
        user.append_value(m.user_id.to_string());
        role.append_value(m.role.as_str());
        joined.append_value(micros(m.joined_at));
    }
    let columns: Vec<ArrayRef> = vec![
        Arc::new(org.finish()),
        Arc::new(user.finish()),
        Arc::new(role.finish()),
        Arc::new(joined.finish()),
    ];
    finish(columns, schema::members())
}
