//! The writes of a decided [`State`]: one statement per table, whatever the batch size.
//!
//! Rows go in as parallel arrays through `UNNEST`, so a 10,000-task import is one `INSERT` of
//! tasks and one of events, with a fixed number of bind parameters (PostgreSQL allows at most
//! 65,535 per statement). Order follows the foreign keys: parents are written before their
//! children, and children deleted before their parents.

use std::collections::HashMap;

use sqlx::PgConnection;
use taskflow_core::{Event, Member, Project, Result, Task};
use uuid::Uuid;

use crate::error::SqlResult;
use crate::feed::{CHANNEL, committed_payload};
use crate::rows::{custom_limits, int, payload};
use crate::write::{Slot, State};

pub(crate) async fn write(c: &mut PgConnection, state: &State, events: &[Event]) -> Result<()> {
    organization(c, state).await?;
    usage(c, state).await?;
    members(c, state).await?;
    projects(c, state).await?;
    project_usage(c, state).await?;
    tasks(c, state).await?;
    append(c, state, events).await?;
    deletions(c, state).await?;
    notify(c, state, events).await
}

/// The rows to store (changed and present) with whether they existed before, in key order:
/// ids are UUID v7, so key order is creation order and the B-tree indexes take new rows at
/// their right edge, as they would one by one, instead of at random pages.
fn upserts<K: Ord + Copy, T>(slots: &HashMap<K, Slot<T>>) -> Vec<(bool, &T)> {
    let mut rows: Vec<(K, bool, &T)> = slots
        .iter()
        .filter(|(_, s)| s.dirty)
        .filter_map(|(k, s)| s.now.as_ref().map(|t| (*k, s.existed, t)))
        .collect();
    rows.sort_unstable_by_key(|(k, _, _)| *k);
    rows.into_iter().map(|(_, existed, t)| (existed, t)).collect()
}

/// Rows that are new, and rows that existed.
fn split<T>(rows: Vec<(bool, &T)>) -> (Vec<&T>, Vec<&T>) {
    let (changed, new): (Vec<_>, Vec<_>) = rows.into_iter().partition(|(existed, _)| *existed);
    (new.into_iter().map(|(_, t)| t).collect(), changed.into_iter().map(|(_, t)| t).collect())
}

/// The keys to delete: changed, present before, gone now.
fn removed<K: Copy + Into<Uuid>, T>(slots: &HashMap<K, Slot<T>>) -> Vec<Uuid> {
    slots.iter().filter(|(_, s)| s.dirty && s.existed && s.now.is_none()).map(|(k, _)| (*k).into()).collect()
}

async fn organization(c: &mut PgConnection, state: &State) -> Result<()> {
    let slot = &state.organization;
    let Some(o) = slot.now.as_ref().filter(|_| slot.dirty) else { return Ok(()) };
    let sql = if slot.existed {
        "UPDATE organizations SET name = $2, slug = $3, tier = $4, custom_limits = $5::jsonb, time_zone = $6, \
         created_at = $7, updated_at = $8, version = $9 WHERE org_id = $1"
    } else {
        "INSERT INTO organizations (org_id, name, slug, tier, custom_limits, time_zone, created_at, updated_at, \
         version) VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7, $8, $9)"
    };
    sqlx::query(sql)
        .bind(o.id.as_uuid())
        .bind(&o.name)
        .bind(&o.slug)
        .bind(o.tier.as_str())
        .bind(custom_limits(o)?)
        .bind(o.time_zone.name())
        .bind(o.created_at)
        .bind(o.updated_at)
        .bind(int(o.version)?)
        .execute(&mut *c)
        .await
        .db()?;
    if !slot.existed {
        // The global slug index: its primary key makes a slug taken by a concurrent
        // registration a unique violation, answered as the same Conflict.
        sqlx::query("INSERT INTO org_slugs (slug, org_id) VALUES ($1, $2)")
            .bind(&o.slug)
            .bind(o.id.as_uuid())
            .execute(&mut *c)
            .await
            .db()?;
    }
    Ok(())
}

async fn usage(c: &mut PgConnection, state: &State) -> Result<()> {
    let Some(u) = state.usage.now.filter(|_| state.usage.dirty) else { return Ok(()) };
    let sql = if state.usage.existed {
        "UPDATE org_usage SET members = $2, owners = $3, active_projects = $4, last_seq = $5 WHERE org_id = $1"
    } else {
        "INSERT INTO org_usage (org_id, members, owners, active_projects, last_seq) VALUES ($1, $2, $3, $4, $5)"
    };
    sqlx::query(sql)
        .bind(state.org.as_uuid())
        .bind(i64::from(u.members))
        .bind(i64::from(u.owners))
        .bind(i64::from(u.active_projects))
        .bind(int(u.last_seq)?)
        .execute(c)
        .await
        .db()?;
    Ok(())
}

async fn members(c: &mut PgConnection, state: &State) -> Result<()> {
    let rows: Vec<&Member> = upserts(&state.members).into_iter().map(|(_, m)| m).collect();
    if !rows.is_empty() {
        sqlx::query(
            "INSERT INTO members (org_id, user_id, role, joined_at, version) \
             SELECT $1::uuid, * FROM UNNEST($2::uuid[], $3::text[], $4::timestamptz[], $5::bigint[]) \
             ON CONFLICT (org_id, user_id) DO UPDATE \
             SET role = EXCLUDED.role, joined_at = EXCLUDED.joined_at, version = EXCLUDED.version",
        )
        .bind(state.org.as_uuid())
        .bind(rows.iter().map(|m| *m.user_id.as_uuid()).collect::<Vec<_>>())
        .bind(rows.iter().map(|m| m.role.as_str()).collect::<Vec<_>>())
        .bind(rows.iter().map(|m| m.joined_at).collect::<Vec<_>>())
        .bind(rows.iter().map(|m| int(m.version)).collect::<Result<Vec<_>>>()?)
        .execute(&mut *c)
        .await
        .db()?;
    }
    // The global user -> organizations index follows memberships that begin.
    let joined: Vec<Uuid> = state
        .members
        .iter()
        .filter(|(_, s)| s.dirty && !s.existed && s.now.is_some())
        .map(|(id, _)| *id.as_uuid())
        .collect();
    if !joined.is_empty() {
        sqlx::query(
            "INSERT INTO memberships (user_id, org_id) SELECT u, $1::uuid FROM UNNEST($2::uuid[]) AS u",
        )
        .bind(state.org.as_uuid())
        .bind(joined)
        .execute(c)
        .await
        .db()?;
    }
    Ok(())
}

async fn projects(c: &mut PgConnection, state: &State) -> Result<()> {
    let rows: Vec<&Project> = upserts(&state.projects).into_iter().map(|(_, p)| p).collect();
    if rows.is_empty() {
        return Ok(());
    }
    sqlx::query(
        "INSERT INTO projects (org_id, id, name, description, archived, created_by, created_at, updated_at, version) \
         SELECT $1::uuid, * FROM UNNEST($2::uuid[], $3::text[], $4::text[], $5::boolean[], $6::uuid[], \
             $7::timestamptz[], $8::timestamptz[], $9::bigint[]) \
         ON CONFLICT (org_id, id) DO UPDATE SET name = EXCLUDED.name, description = EXCLUDED.description, \
             archived = EXCLUDED.archived, updated_at = EXCLUDED.updated_at, version = EXCLUDED.version",
    )
    .bind(state.org.as_uuid())
    .bind(rows.iter().map(|p| *p.id.as_uuid()).collect::<Vec<_>>())
    .bind(rows.iter().map(|p| p.name.as_str()).collect::<Vec<_>>())
    .bind(rows.iter().map(|p| p.description.as_deref()).collect::<Vec<_>>())
    .bind(rows.iter().map(|p| p.archived).collect::<Vec<_>>())
    .bind(rows.iter().map(|p| *p.created_by.as_uuid()).collect::<Vec<_>>())
    .bind(rows.iter().map(|p| p.created_at).collect::<Vec<_>>())
    .bind(rows.iter().map(|p| p.updated_at).collect::<Vec<_>>())
    .bind(rows.iter().map(|p| int(p.version)).collect::<Result<Vec<_>>>()?)
    .execute(c)
    .await
    .db()?;
    Ok(())
}

async fn project_usage(c: &mut PgConnection, state: &State) -> Result<()> {
    let rows: Vec<(Uuid, i64, i64)> = state
        .project_usage
        .iter()
        .filter(|(_, s)| s.dirty)
        .filter_map(|(id, s)| s.now.map(|u| (*id.as_uuid(), i64::from(u.tasks), i64::from(u.active_tasks))))
        .collect();
    if rows.is_empty() {
        return Ok(());
    }
    sqlx::query(
        "INSERT INTO project_usage (org_id, project_id, tasks, active_tasks) \
         SELECT $1::uuid, * FROM UNNEST($2::uuid[], $3::bigint[], $4::bigint[]) \
         ON CONFLICT (org_id, project_id) DO UPDATE SET tasks = EXCLUDED.tasks, active_tasks = EXCLUDED.active_tasks",
    )
    .bind(state.org.as_uuid())
    .bind(rows.iter().map(|r| r.0).collect::<Vec<_>>())
    .bind(rows.iter().map(|r| r.1).collect::<Vec<_>>())
    .bind(rows.iter().map(|r| r.2).collect::<Vec<_>>())
    .execute(c)
    .await
    .db()?;
    Ok(())
}

/// The task columns as parallel arrays. `tags` is an array per row, and UNNEST flattens
/// arrays of arrays: each row's tags travel as one array literal, cast back by the server.
const TASK_ROWS: &str = "UNNEST($2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::text[], $7::text[], \
     $8::uuid[], $9::uuid[], $10::date[], $11::float8[], $12::text[], $13::timestamptz[], $14::timestamptz[], \
     $15::timestamptz[], $16::timestamptz[], $17::boolean[], $18::bigint[]) \
     AS u(id, project_id, title, description, status, priority, assignee, created_by, due_date, \
     estimate_hours, tags, created_at, updated_at, started_at, completed_at, archived, version)";

/// New tasks and changed ones go in separate statements: a plain `INSERT` of new rows skips
/// the speculative insertion an `ON CONFLICT` costs on every row of a bulk import.
async fn tasks(c: &mut PgConnection, state: &State) -> Result<()> {
    let (new, changed) = split(upserts(&state.tasks));
    if !new.is_empty() {
        let sql = format!(
            "INSERT INTO tasks (org_id, id, project_id, title, description, status, priority, assignee, \
                 created_by, due_date, estimate_hours, tags, created_at, updated_at, started_at, completed_at, \
                 archived, version) \
             SELECT $1::uuid, id, project_id, title, description, status, priority, assignee, created_by, \
                 due_date, estimate_hours, tags::text[], created_at, updated_at, started_at, completed_at, \
                 archived, version \
             FROM {TASK_ROWS}"
        );
        bind_tasks(sqlx::query(&sql), state, &new)?.execute(&mut *c).await.db()?;
    }
    if !changed.is_empty() {
        let sql = format!(
            "UPDATE tasks t SET title = u.title, description = u.description, status = u.status, \
                 priority = u.priority, assignee = u.assignee, due_date = u.due_date, \
                 estimate_hours = u.estimate_hours, tags = u.tags::text[], updated_at = u.updated_at, \
                 started_at = u.started_at, completed_at = u.completed_at, archived = u.archived, \
                 version = u.version \
             FROM {TASK_ROWS} WHERE t.org_id = $1 AND t.id = u.id"
        );
        bind_tasks(sqlx::query(&sql), state, &changed)?.execute(&mut *c).await.db()?;
    }
    Ok(())
}

type Query<'q> = sqlx::query::Query<'q, sqlx::Postgres, sqlx::postgres::PgArguments>;

/// Binds the organization and the [`TASK_ROWS`] arrays of `rows`.
fn bind_tasks<'q>(query: Query<'q>, state: &State, rows: &[&'q Task]) -> Result<Query<'q>> {
    Ok(query
        .bind(*state.org.as_uuid())
        .bind(rows.iter().map(|t| *t.id.as_uuid()).collect::<Vec<_>>())
        .bind(rows.iter().map(|t| *t.project_id.as_uuid()).collect::<Vec<_>>())
        .bind(rows.iter().map(|t| t.title.as_str()).collect::<Vec<_>>())
        .bind(rows.iter().map(|t| t.description.as_deref()).collect::<Vec<_>>())
        .bind(rows.iter().map(|t| t.status.as_str()).collect::<Vec<_>>())
        .bind(rows.iter().map(|t| t.priority.as_str()).collect::<Vec<_>>())
        .bind(rows.iter().map(|t| t.assignee.map(Uuid::from)).collect::<Vec<_>>())
        .bind(rows.iter().map(|t| *t.created_by.as_uuid()).collect::<Vec<_>>())
        .bind(rows.iter().map(|t| t.due_date).collect::<Vec<_>>())
        .bind(rows.iter().map(|t| t.estimate_hours).collect::<Vec<_>>())
        .bind(rows.iter().map(|t| text_array_literal(&t.tags)).collect::<Vec<_>>())
        .bind(rows.iter().map(|t| t.created_at).collect::<Vec<_>>())
        .bind(rows.iter().map(|t| t.updated_at).collect::<Vec<_>>())
        .bind(rows.iter().map(|t| t.started_at).collect::<Vec<_>>())
        .bind(rows.iter().map(|t| t.completed_at).collect::<Vec<_>>())
        .bind(rows.iter().map(|t| t.archived).collect::<Vec<_>>())
        .bind(rows.iter().map(|t| int(t.version)).collect::<Result<Vec<_>>>()?))
}

/// Appends the events: the seq comes from the locked counter row, so it is the next one in
/// commit order (a `bigserial` would hand out seqs that can commit out of order).
async fn append(c: &mut PgConnection, state: &State, events: &[Event]) -> Result<()> {
    if events.is_empty() {
        return Ok(());
    }
    sqlx::query(
        "INSERT INTO events (org_id, seq, at, actor, kind, task_id, project_id, payload) \
         SELECT $1::uuid, seq, at, actor, kind, task_id, project_id, payload::jsonb \
         FROM UNNEST($2::bigint[], $3::timestamptz[], $4::uuid[], $5::text[], $6::uuid[], $7::uuid[], $8::text[]) \
             AS u(seq, at, actor, kind, task_id, project_id, payload)",
    )
    .bind(state.org.as_uuid())
    .bind(events.iter().map(|e| int(e.seq)).collect::<Result<Vec<_>>>()?)
    .bind(events.iter().map(|e| e.at).collect::<Vec<_>>())
    .bind(events.iter().map(|e| *e.actor.as_uuid()).collect::<Vec<_>>())
    .bind(events.iter().map(|e| e.kind.name()).collect::<Vec<_>>())
    .bind(events.iter().map(|e| e.kind.task_id().map(Uuid::from)).collect::<Vec<_>>())
    .bind(events.iter().map(|e| e.kind.project_id().map(Uuid::from)).collect::<Vec<_>>())
    .bind(events.iter().map(|e| payload(&e.kind)).collect::<Result<Vec<_>>>()?)
    .execute(c)
    .await
    .db()?;
    Ok(())
}

async fn deletions(c: &mut PgConnection, state: &State) -> Result<()> {
    let org = state.org.as_uuid();
    let plan = [
        ("DELETE FROM tasks WHERE org_id = $1 AND id = ANY($2)", removed(&state.tasks)),
        (
            "DELETE FROM project_usage WHERE org_id = $1 AND project_id = ANY($2)",
            removed(&state.project_usage),
        ),
        ("DELETE FROM projects WHERE org_id = $1 AND id = ANY($2)", removed(&state.projects)),
        ("DELETE FROM members WHERE org_id = $1 AND user_id = ANY($2)", removed(&state.members)),
        ("DELETE FROM memberships WHERE org_id = $1 AND user_id = ANY($2)", removed(&state.members)),
    ];
    for (sql, ids) in plan {
        if !ids.is_empty() {
            sqlx::query(sql).bind(org).bind(ids).execute(&mut *c).await.db()?;
        }
    }
    Ok(())
}

/// Queues the notification other processes' listeners wake on. PostgreSQL delivers it at
/// commit, and drops it on rollback. Payloads are limited to 8,000 bytes, so it carries the
/// organization and the seq range only; listeners read the events themselves.
async fn notify(c: &mut PgConnection, state: &State, events: &[Event]) -> Result<()> {
    let (Some(first), Some(last)) = (events.first(), events.last()) else { return Ok(()) };
    sqlx::query("SELECT pg_notify($1, $2)")
        .bind(CHANNEL)
        .bind(committed_payload(state.org, first.seq, last.seq))
        .execute(c)
        .await
        .db()?;
    Ok(())
}

/// A PostgreSQL array literal of `items`, every element quoted (so `NULL` is a string, not a
/// null) with `"` and `\` escaped.
pub(crate) fn text_array_literal(items: &[String]) -> String {
    let mut out = String::with_capacity(2 + items.iter().map(|i| i.len() + 3).sum::<usize>());
    out.push('{');
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push('"');
        for ch in item.chars() {
            if ch == '"' || ch == '\\' {
                out.push('\\');
            }
            out.push(ch);
        }
        out.push('"');
    }
    out.push('}');
    out
}

#[cfg(test)]
mod tests {
    use super::text_array_literal;

    #[test]
    fn array_literals_quote_every_element() {
        let tags = |t: &[&str]| t.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(text_array_literal(&[]), "{}");
        assert_eq!(text_array_literal(&tags(&["a", "NULL"])), r#"{"a","NULL"}"#);
        assert_eq!(text_array_literal(&tags(&[r#"x"y\z"#, "{,}"])), r#"{"x\"y\\z","{,}"}"#);
    }
}
