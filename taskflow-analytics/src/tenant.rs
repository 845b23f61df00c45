//! `Analytics`: one organization's tables in a sandboxed DataFusion session.

use std::sync::Arc;

use datafusion::arrow::record_batch::RecordBatch;
use datafusion::prelude::SessionContext;
use taskflow_core::{OrgId, Organization, Store};

use crate::metrics::{self, MetricBatches, Metrics};
use crate::sandbox::{self, Caller, SessionLimits};
use crate::{Result, TenantTables, Window};

/// One organization's analytics: its `tasks`, `events`, `projects` and `members` tables and
/// nothing else, free read-only SQL over them, and the metrics.
///
/// The tables are a snapshot exported when the session is built; build a new session to see
/// newer rows.
pub struct Analytics {
    ctx: SessionContext,
    limits: SessionLimits,
    organization: Organization,
}

impl std::fmt::Debug for Analytics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Analytics").field("org", &self.organization.id).field("limits", &self.limits).finish()
    }
}

impl Analytics {
    /// Exports `org` from the store into a session with the default [`SessionLimits`].
    pub async fn for_org(store: Arc<dyn Store>, org: OrgId) -> Result<Self> {
        Self::for_org_with_limits(store, org, SessionLimits::default()).await
    }

    /// Same, with chosen limits.
    pub async fn for_org_with_limits(
        store: Arc<dyn Store>,
        org: OrgId,
        limits: SessionLimits,
    ) -> Result<Self> {
        let organization = store.get_organization(org).await?;
        let tables = TenantTables::export(store, org).await?;
        Self::from_tables(organization, tables, limits)
    }

    /// A session over tables already exported (they must be the organization's own).
    pub fn from_tables(
        organization: Organization,
        tables: TenantTables,
        limits: SessionLimits,
    ) -> Result<Self> {
        let ctx = sandbox::context(&limits)?;
        tables.register(&ctx)?;
        Ok(Self { ctx, limits, organization })
    }

    /// The organization.
    pub fn organization(&self) -> &Organization {
        &self.organization
    }

    /// Runs one read-only SQL statement over the organization's tables. DDL, DML, `COPY`,
    /// `SET`, other statements and file or URL reads are refused; the session's memory, time
    /// and row limits apply.
    pub async fn sql(&self, query: &str) -> Result<Vec<RecordBatch>> {
        sandbox::run(&self.ctx, &self.limits, query, Caller::User).await
    }

    /// Every metric of the window, with days in the organization's time zone.
    pub async fn metrics(&self, window: Window) -> Result<Metrics> {
        let o = &self.organization;
        metrics::compute(&self.ctx, &self.limits, o.id, o.time_zone, &window).await
    }

    /// The same metrics as record batches.
    pub async fn metric_batches(&self, window: Window) -> Result<MetricBatches> {
        let o = &self.organization;
        metrics::batches(&self.ctx, &self.limits, o.id, o.time_zone, &window).await
    }
}
