//! Export: a tenant's rows as Arrow record batches, in bounded chunks, incrementally.
//!
//! Memory is bounded by the chunk size, never by the tenant: each call to `next_batch` reads
//! at most one chunk from the store and converts it. Events are exported after a seq (resume
//! from [`EventBatches::last_seq`]); tasks changed at or after a moment (resume from
//! [`TaskBatches::high_water`]).

mod rows;

use std::sync::Arc;

use chrono::{DateTime, Utc};
use datafusion::arrow::record_batch::RecordBatch;
use taskflow_core::store::{
    Archived, ChangedTasksQuery, Cursor, MAX_PAGE_SIZE, MemberQuery, Page, ProjectQuery,
};
use taskflow_core::{MAX_EVENTS_PER_READ, OrgId, Store};

pub(crate) use rows::date32;

use crate::Result;

/// Rows per batch unless told otherwise: large enough that DataFusion is efficient.
pub const DEFAULT_CHUNK_ROWS: usize = 8192;

/// Exports one organization's tables from any [`Store`].
#[derive(Debug, Clone)]
pub struct Exporter {
    store: Arc<dyn Store>,
    org: OrgId,
    chunk_rows: usize,
}

impl Exporter {
    /// An exporter of `org`'s rows in chunks of [`DEFAULT_CHUNK_ROWS`].
    pub fn new(store: Arc<dyn Store>, org: OrgId) -> Self {
        Self { store, org, chunk_rows: DEFAULT_CHUNK_ROWS }
    }

    /// The same with another chunk size (at least 1 row).
    pub fn with_chunk_rows(mut self, rows: usize) -> Self {
        self.chunk_rows = rows.max(1);
        self
    }

    /// The organization's events with `seq > after_seq`, in seq order.
    pub fn events_after(&self, after_seq: u64) -> EventBatches {
        EventBatches { exporter: self.clone(), last_seq: after_seq, done: false }
    }

    /// Tasks whose `updated_at` is at or after `since`, by `(updated_at, id)`, archived ones
    /// included (deleted tasks are gone; their `task_deleted` event says so).
    pub fn tasks_changed_since(&self, since: DateTime<Utc>) -> TaskBatches {
        TaskBatches { exporter: self.clone(), since, after: None, high_water: None, done: false }
    }

    /// Every task of the organization.
    pub fn tasks(&self) -> TaskBatches {
        self.tasks_changed_since(DateTime::<Utc>::MIN_UTC)
    }

    /// Every project, in chunks.
    pub async fn projects(&self) -> Result<Vec<RecordBatch>> {
        let (store, org) = (&self.store, self.org);
        let query = |after| ProjectQuery { archived: Archived::Include, after, limit: Some(MAX_PAGE_SIZE) };
        self.paged(async |after| store.list_projects(org, &query(after)).await, rows::projects).await
    }

    /// Every member, in chunks.
    pub async fn members(&self) -> Result<Vec<RecordBatch>> {
        let (store, org) = (&self.store, self.org);
        let query = |after| MemberQuery { after, limit: Some(MAX_PAGE_SIZE) };
        self.paged(async |after| store.list_members(org, &query(after)).await, rows::members).await
    }

    /// Reads every page of a listing, converting each chunk of rows into a batch.
    async fn paged<T>(
        &self,
        fetch: impl AsyncFn(Option<Cursor>) -> taskflow_core::Result<Page<T>>,
        to_batch: fn(&[T]) -> Result<RecordBatch>,
    ) -> Result<Vec<RecordBatch>> {
        let mut batches = Vec::new();
        let mut rows = Vec::new();
        let mut after = None;
        loop {
            let page = fetch(after).await?;
            rows.extend(page.items);
            if rows.len() >= self.chunk_rows || page.next.is_none() {
                batches.push(to_batch(&rows)?);
                rows.clear();
            }
            match page.next {
                Some(next) => after = Some(next),
                None => return Ok(batches),
            }
        }
    }
}

/// Events as batches, one chunk per [`EventBatches::next_batch`].
#[derive(Debug)]
pub struct EventBatches {
    exporter: Exporter,
    last_seq: u64,
    done: bool,
}

impl EventBatches {
    /// The next chunk, or `None` once every event has been exported.
    pub async fn next_batch(&mut self) -> Result<Option<RecordBatch>> {
        if self.done {
            return Ok(None);
        }
        let Exporter { store, org, chunk_rows } = &self.exporter;
        let mut rows = Vec::with_capacity(*chunk_rows);
        while rows.len() < *chunk_rows {
            let want = (*chunk_rows - rows.len()).min(MAX_EVENTS_PER_READ);
            let events = store.events_after(*org, self.last_seq, want).await?;
            let got = events.len();
            if let Some(last) = events.last() {
                self.last_seq = last.seq;
            }
            rows.extend(events);
            if got < want {
                self.done = true;
                break;
            }
        }
        if rows.is_empty() { Ok(None) } else { rows::events(&rows).map(Some) }
    }

    /// The seq of the last event exported (where an incremental export resumes).
    pub fn last_seq(&self) -> u64 {
        self.last_seq
    }
}

/// Tasks as batches, one chunk per [`TaskBatches::next_batch`].
#[derive(Debug)]
pub struct TaskBatches {
    exporter: Exporter,
    since: DateTime<Utc>,
    after: Option<Cursor>,
    high_water: Option<DateTime<Utc>>,
    done: bool,
}

impl TaskBatches {
    /// The next chunk, or `None` once every task has been exported.
    pub async fn next_batch(&mut self) -> Result<Option<RecordBatch>> {
        if self.done {
            return Ok(None);
        }
        let Exporter { store, org, chunk_rows } = &self.exporter;
        let mut rows = Vec::with_capacity(*chunk_rows);
        while rows.len() < *chunk_rows {
            let want = u32::try_from((*chunk_rows - rows.len()).min(MAX_PAGE_SIZE as usize))
                .unwrap_or(MAX_PAGE_SIZE);
            let query = ChangedTasksQuery { since: self.since, after: self.after.clone(), limit: Some(want) };
            let page = store.list_changed_tasks(*org, &query).await?;
            if let Some(last) = page.items.last() {
                self.high_water = Some(last.updated_at);
            }
            rows.extend(page.items);
            match page.next {
                Some(next) => self.after = Some(next),
                None => {
                    self.done = true;
                    break;
                }
            }
        }
        if rows.is_empty() { Ok(None) } else { rows::tasks(&rows).map(Some) }
    }

    /// The largest `updated_at` exported so far: the next incremental export starts there
    /// (rows updated at exactly that instant are exported again; dedupe on `task_id`).
    pub fn high_water(&self) -> Option<DateTime<Utc>> {
        self.high_water
    }
}
