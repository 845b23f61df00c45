//! Reading the event log and subscribing to the change feed.

use super::{Principal, TaskFlow};
use crate::{Action, Error, Event, Problem, Result, Subscription};

/// Most events one [`TaskFlow::events`] call returns.
pub const MAX_EVENTS_PER_READ: usize = 10_000;

impl TaskFlow {
    /// Up to `limit` (1 to 10,000) stored events with `seq > after_seq`, in order.
    pub async fn events(&self, principal: &Principal, after_seq: u64, limit: usize) -> Result<Vec<Event>> {
        principal.require(Action::Read)?;
        if !(1..=MAX_EVENTS_PER_READ).contains(&limit) {
            return Err(Error::invalid("limit", Problem::OutOfRange("from 1 to 10000")));
        }
        self.store.events_after(principal.org, after_seq, limit).await
    }

    /// Every stored event after `after_seq`, then live ones as they commit, with no gap and no
    /// duplicate across the hand-over. A client that reconnects with the last seq it saw misses
    /// nothing.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> taskflow_core::Result<()> {
    /// # use std::sync::Arc;
    /// # use taskflow_core::*;
    /// # let tf = TaskFlow::new(Arc::new(MemoryStore::new()));
    /// # let ada = tf.create_user(NewUser::new("ada@example.com", "Ada")).await?;
    /// let (_, owner) = tf.register(NewOrganization::new("Acme", "acme", "UTC", Tier::Pro), ada.id).await?;
    /// let mut feed = tf.subscribe(&owner, 0).await?;
    /// tf.create_project(&owner, NewProject::named("Docs")).await?;
    /// assert_eq!(feed.next().await.unwrap()?.kind.name(), "organization_created");
    /// assert_eq!(feed.next().await.unwrap()?.kind.name(), "project_created");
    /// # Ok(()) }
    /// ```
    pub async fn subscribe(&self, principal: &Principal, after_seq: u64) -> Result<Subscription> {
        principal.require(Action::Read)?;
        Subscription::start(self.store.clone(), principal.org, after_seq).await
    }
}
