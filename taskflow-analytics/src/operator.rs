//! The privileged operator session: several organizations in one set of tables.

use std::sync::Arc;

use datafusion::arrow::record_batch::RecordBatch;
use datafusion::prelude::SessionContext;
use taskflow_core::{Entity, Error as CoreError, OrgId, Organization, Store};

use crate::metrics::{self, Metrics};
use crate::sandbox::{self, Caller, SessionLimits};
use crate::{Result, TenantTables, Window};

/// **Privileged**: SQL across the tenants it is given, for the service's operators, never for a
/// tenant's users. Rows keep their `org_id`, so cross-tenant queries group by it. Read-only and
/// limited like a tenant session.
pub struct PrivilegedOperatorSession {
    ctx: SessionContext,
    limits: SessionLimits,
    organizations: Vec<Organization>,
}

impl std::fmt::Debug for PrivilegedOperatorSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PrivilegedOperatorSession").field("organizations", &self.organizations.len()).finish()
    }
}

impl PrivilegedOperatorSession {
    /// Exports every organization in `orgs` into one session.
    pub async fn across_tenants(
        store: Arc<dyn Store>,
        orgs: &[OrgId],
        limits: SessionLimits,
    ) -> Result<Self> {
        let mut tables = TenantTables::default();
        let mut organizations = Vec::with_capacity(orgs.len());
        for org in orgs {
            organizations.push(store.get_organization(*org).await?);
            tables.extend(TenantTables::export(store.clone(), *org).await?);
        }
        let ctx = sandbox::context(&limits)?;
        tables.register(&ctx)?;
        Ok(Self { ctx, limits, organizations })
    }

    /// The organizations it holds.
    pub fn organizations(&self) -> &[Organization] {
        &self.organizations
    }

    /// Runs one read-only SQL statement over every tenant's rows.
    pub async fn sql(&self, query: &str) -> Result<Vec<RecordBatch>> {
        sandbox::run(&self.ctx, &self.limits, query, Caller::User).await
    }

    /// One organization's metrics, in its own time zone.
    pub async fn metrics(&self, org: OrgId, window: Window) -> Result<Metrics> {
        let o = self
            .organizations
            .iter()
            .find(|o| o.id == org)
            .ok_or(CoreError::not_found(Entity::Organization))?;
        metrics::compute(&self.ctx, &self.limits, o.id, o.time_zone, &window).await
    }
}
