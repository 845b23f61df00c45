//! A tenant's four tables, exported and held as Arrow batches.

use std::sync::Arc;

use datafusion::arrow::record_batch::RecordBatch;
use datafusion::datasource::MemTable;
use datafusion::prelude::SessionContext;
use taskflow_core::{OrgId, Store};

use crate::export::Exporter;
use crate::{Result, schema};

/// The `tasks`, `events`, `projects` and `members` tables of one or more organizations.
#[derive(Debug, Clone, Default)]
pub struct TenantTables {
    /// `tasks` rows.
    pub tasks: Vec<RecordBatch>,
    /// `events` rows.
    pub events: Vec<RecordBatch>,
    /// `projects` rows.
    pub projects: Vec<RecordBatch>,
    /// `members` rows.
    pub members: Vec<RecordBatch>,
}

impl TenantTables {
    /// Exports every row of `org` from the store, chunk by chunk.
    pub async fn export(store: Arc<dyn Store>, org: OrgId) -> Result<Self> {
        let exporter = Exporter::new(store, org);
        let mut tables = TenantTables {
            projects: exporter.projects().await?,
            members: exporter.members().await?,
            ..TenantTables::default()
        };
        let mut events = exporter.events_after(0);
        while let Some(batch) = events.next_batch().await? {
            tables.events.push(batch);
        }
        let mut tasks = exporter.tasks();
        while let Some(batch) = tasks.next_batch().await? {
            tables.tasks.push(batch);
        }
        Ok(tables)
    }

    /// Adds another organization's rows (for the privileged operator session).
    pub fn extend(&mut self, other: TenantTables) {
        self.tasks.extend(other.tasks);
        self.events.extend(other.events);
        self.projects.extend(other.projects);
        self.members.extend(other.members);
    }

    /// Registers the four tables (and nothing else) in a context.
    pub(crate) fn register(self, ctx: &SessionContext) -> Result<()> {
        let tables = [
            ("tasks", schema::tasks(), self.tasks),
            ("events", schema::events(), self.events),
            ("projects", schema::projects(), self.projects),
            ("members", schema::members(), self.members),
        ];
        for (name, schema, batches) in tables {
            let table = MemTable::try_new(schema, vec![batches])?;
            ctx.register_table(name, Arc::new(table))?;
        }
        Ok(())
    }
}
