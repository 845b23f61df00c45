//! Registering organizations, changing their tier, deleting them.

use serde::{Deserialize, Serialize};

use super::{Principal, TaskFlow};
use crate::store::Write;
use crate::validation::{self, MAX_NAME_LEN};
use crate::{Action, Entity, EventKind, Limits, Member, Organization, Result, Role, Tier, UserId};

/// Input for registering an organization.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewOrganization {
    /// Display name.
    pub name: String,
    /// Unique handle: 3 to 63 characters of `a-z`, `0-9`, `-`.
    pub slug: String,
    /// IANA time zone name, for example `America/New_York`.
    pub time_zone: String,
    /// Starting tier.
    pub tier: Tier,
}

impl NewOrganization {
    /// All four fields at once.
    pub fn new(
        name: impl Into<String>,
        slug: impl Into<String>,
        time_zone: impl Into<String>,
        tier: Tier,
    ) -> Self {
        Self { name: name.into(), slug: slug.into(), time_zone: time_zone.into(), tier }
    }
}

impl TaskFlow {
    /// Registers an organization with `owner` as its first Owner, and returns the organization
    /// with the owner's principal. Its first event (seq 1) is `organization_created`.
    pub async fn register(&self, new: NewOrganization, owner: UserId) -> Result<(Organization, Principal)> {
        let name = validation::required_text("name", &new.name, MAX_NAME_LEN)?;
        let slug = validation::slug(&new.slug)?;
        let time_zone = validation::time_zone(&new.time_zone)?;
        let now = self.now();
        let organization = Organization {
            id: self.new_id(now),
            name,
            slug,
            tier: new.tier,
            custom_limits: None,
            time_zone,
            created_at: now,
            updated_at: now,
            version: 1,
        };
        let principal = Principal { org: organization.id, user: owner, role: Role::Owner };
        let member =
            Member { org_id: organization.id, user_id: owner, role: Role::Owner, joined_at: now, version: 1 };
        let event = EventKind::OrganizationCreated {
            name: organization.name.clone(),
            slug: organization.slug.clone(),
            tier: organization.tier,
            owner,
        };
        let write = Write::CreateOrganization { organization: organization.clone(), owner: member };
        self.apply(&principal, now, write, event).await?;
        Ok((organization, principal))
    }

    /// The principal's organization.
    pub async fn organization(&self, principal: &Principal) -> Result<Organization> {
        principal.require(Action::Read)?;
        self.store.get_organization(principal.org).await
    }

    /// Changes the tier (and optionally sets custom limits that replace the tier's). Owners only.
    ///
    /// Downgrading below current usage is allowed: existing rows stay, and creating more fails
    /// with [`Error::LimitExceeded`](crate::Error::LimitExceeded), naming the limit and its
    /// value, until usage is back under it.
    pub async fn change_tier(
        &self,
        principal: &Principal,
        expected_version: u64,
        tier: Tier,
        custom_limits: Option<Limits>,
    ) -> Result<Organization> {
        principal.require(Action::ChangeTier)?;
        let current = self.store.get_organization(principal.org).await?;
        Self::expect_version(Entity::Organization, current.version, expected_version)?;
        if current.tier == tier && current.custom_limits == custom_limits {
            return Ok(current);
        }
        let now = self.now();
        let organization = Organization {
            tier,
            custom_limits,
            updated_at: now,
            version: expected_version + 1,
            ..current.clone()
        };
        let event = EventKind::TierChanged { from: current.tier, to: tier, custom_limits };
        let write = Write::UpdateOrganization { organization: organization.clone(), expected_version };
        self.apply(principal, now, write, event).await?;
        Ok(organization)
    }

    /// Deletes the organization and everything in it, its event log included. Owners only.
    pub async fn delete_organization(&self, principal: &Principal, expected_version: u64) -> Result<()> {
        principal.require(Action::DeleteOrganization)?;
        self.store.delete_organization(principal.org, principal.user, expected_version).await
    }
}
