//! What a store, its change-feed listener and its write workers share, and the write
//! transactions they run.

use taskflow_core::store::Change;
use taskflow_core::{Event, OrgId, Result};

use crate::db::{Db, Tx, tenant};
use crate::error::PgError;
use crate::feed::Relay;
use crate::group::Groups;
use crate::{read, write};

#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) db: Db,
    pub(crate) relay: Relay,
    pub(crate) groups: Groups,
}

impl Shared {
    /// Applies a batch, all or nothing, in one transaction, then publishes its events.
    pub(crate) async fn commit_all(&self, org: OrgId, changes: &[Change]) -> Result<Vec<Event>> {
        let db = &self.db;
        let events = db
            .retry(move || async move {
                let mut tx = db.begin(org).await?;
                let events = write::apply_all(&mut tx, org, changes).await?;
                self.commit(tx, org, events.first()).await?;
                Ok(events)
            })
            .await?;
        self.relay.publish(&events);
        Ok(events)
    }

    /// Applies every accepted change in one transaction, then publishes their events.
    pub(crate) async fn commit_each(&self, org: OrgId, changes: &[Change]) -> Result<Vec<Result<Event>>> {
        let db = &self.db;
        let outcomes = db
            .retry(move || async move {
                let mut tx = db.begin(org).await?;
                let outcomes = write::apply_each(&mut tx, org, changes).await?;
                self.commit(tx, org, outcomes.iter().find_map(|o| o.as_ref().ok())).await?;
                Ok(outcomes)
            })
            .await?;
        let events: Vec<Event> = outcomes.iter().filter_map(|o| o.as_ref().ok().cloned()).collect();
        self.relay.publish(&events);
        Ok(outcomes)
    }

    /// Commits a transaction that appended `first` as its first event. When the connection
    /// breaks during the `COMMIT`, the log tells what happened: the event is there (committed)
    /// or its seq is free or another's (rolled back, and the error is retryable like any lost
    /// connection). Only when even that read fails is the outcome unknown.
    async fn commit(&self, tx: Tx, org: OrgId, first: Option<&Event>) -> Result<()> {
        let Err(broken) = tx.commit().await else { return Ok(()) };
        let Some(first) = first else { return Err(PgError::CommitOutcomeUnknown(broken).into()) };
        let after = first.seq - 1;
        match tenant!(self, org, |c| read::events_after(c, org, after, 1)) {
            Ok(found) if found.first() == Some(first) => Ok(()),
            Ok(_) => Err(PgError::Sql(broken).into()),
            Err(_) => Err(PgError::CommitOutcomeUnknown(broken).into()),
        }
    }
}
