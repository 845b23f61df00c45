//! The Arrow schemas of the exported tables: their column names and types are the public
//! contract that SQL users rely on.
//!
//! Timestamps are `Timestamp(Microsecond, "UTC")`; ids are UUID strings; dates are `Date32`.

use std::sync::{Arc, LazyLock};

use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit};

fn id(name: &str, nullable: bool) -> Field {
    Field::new(name, DataType::Utf8, nullable)
}

fn text(name: &str, nullable: bool) -> Field {
    Field::new(name, DataType::Utf8, nullable)
}

fn time(name: &str, nullable: bool) -> Field {
    Field::new(name, timestamp_type(), nullable)
}

/// The type of every timestamp column.
pub fn timestamp_type() -> DataType {
    DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into()))
}

/// `tasks`: one row per task (deleted tasks are gone; archived ones stay, flagged).
///
/// | column | type |
/// |---|---|
/// | org_id, task_id, project_id | utf8 (UUID) |
/// | title | utf8 |
/// | status | utf8 (`todo`, `in_progress`, `in_review`, `blocked`, `done`, `cancelled`) |
/// | priority | utf8 (`low`, `medium`, `high`, `urgent`) |
/// | assignee_id | utf8, null when unassigned |
/// | created_by | utf8 |
/// | created_at, updated_at | timestamp µs UTC |
/// | started_at, completed_at | timestamp µs UTC, nullable |
/// | due_date | date32, nullable |
/// | estimate_hours | float64, nullable |
/// | tags | `list<utf8>` |
/// | archived | boolean |
pub fn tasks() -> SchemaRef {
    static SCHEMA: LazyLock<SchemaRef> = LazyLock::new(|| {
        Arc::new(Schema::new(vec![
            id("org_id", false),
            id("task_id", false),
            id("project_id", false),
            text("title", false),
            text("status", false),
            text("priority", false),
            id("assignee_id", true),
            id("created_by", false),
            time("created_at", false),
            time("updated_at", false),
            time("started_at", true),
            time("completed_at", true),
            Field::new("due_date", DataType::Date32, true),
            Field::new("estimate_hours", DataType::Float64, true),
            Field::new("tags", DataType::List(Arc::new(Field::new("item", DataType::Utf8, true))), false),
            Field::new("archived", DataType::Boolean, false),
        ]))
    });
    SCHEMA.clone()
}

/// `events`: the append-only log, one row per change.
///
/// | column | type | meaning |
/// |---|---|---|
/// | org_id | utf8 | |
/// | seq | int64 | 1, 2, 3... per organization, no gaps |
/// | at | timestamp µs UTC | when |
/// | actor_id | utf8 | who |
/// | kind | utf8 | `task_created`, `task_updated`, `task_status_changed`, `task_assigned`, `task_archived`, `task_deleted`, `project_created`, `project_updated`, `project_archived`, `project_deleted`, `member_added`, `member_role_changed`, `member_removed`, `tier_changed`, `organization_created` |
/// | task_id, project_id | utf8, nullable | what it is about |
/// | from_status, to_status | utf8, nullable | for `task_status_changed`; `task_created` has `to_status = 'todo'` |
/// | assignee_id | utf8, nullable | the assignee set by `task_created` or `task_assigned` (null: unassigned) |
/// | due_date | date32, nullable | the due date set by `task_created` or `task_updated` |
/// | due_date_set | boolean | true when the event sets `due_date` (a null then clears it) |
/// | archived | boolean, nullable | the flag set by `task_archived` / `project_archived` |
/// | user_id, role | utf8, nullable | the member and role of `member_*` events |
pub fn events() -> SchemaRef {
    static SCHEMA: LazyLock<SchemaRef> = LazyLock::new(|| {
        Arc::new(Schema::new(vec![
            id("org_id", false),
            Field::new("seq", DataType::Int64, false),
            time("at", false),
            id("actor_id", false),
            text("kind", false),
            id("task_id", true),
            id("project_id", true),
            text("from_status", true),
            text("to_status", true),
            id("assignee_id", true),
            Field::new("due_date", DataType::Date32, true),
            Field::new("due_date_set", DataType::Boolean, false),
            Field::new("archived", DataType::Boolean, true),
            id("user_id", true),
            text("role", true),
        ]))
    });
    SCHEMA.clone()
}

/// `projects`: org_id, project_id, name, description (nullable), archived, created_by,
/// created_at, updated_at.
pub fn projects() -> SchemaRef {
    static SCHEMA: LazyLock<SchemaRef> = LazyLock::new(|| {
        Arc::new(Schema::new(vec![
            id("org_id", false),
            id("project_id", false),
            text("name", false),
            text("description", true),
            Field::new("archived", DataType::Boolean, false),
            id("created_by", false),
            time("created_at", false),
            time("updated_at", false),
        ]))
    });
    SCHEMA.clone()
}

/// `members`: org_id, user_id, role (`viewer`, `member`, `admin`, `owner`), joined_at.
pub fn members() -> SchemaRef {
    static SCHEMA: LazyLock<SchemaRef> = LazyLock::new(|| {
        Arc::new(Schema::new(vec![
            id("org_id", false),
            id("user_id", false),
            text("role", false),
            time("joined_at", false),
        ]))
    });
    SCHEMA.clone()
}
