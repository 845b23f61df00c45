//! The change feed across processes: committed events into the in-process [`FeedHub`].
//!
//! Two paths publish into the hub. The store that commits a change publishes its events right
//! after the commit; every store also runs a [`listen`] task that wakes on the `pg_notify` each
//! committing transaction queues, reads the new events from the log and publishes them. A
//! per-organization mark of the last seq published keeps the two from delivering an event
//! twice. The [`Subscription`](taskflow_core::Subscription) on top follows seq and repairs any
//! gap or reordering from the log, so the hub only has to deliver *something* newer for a
//! subscriber to catch up; after the listening connection is lost and re-established, the task
//! re-reads the tail of every organization with live subscribers, so nothing committed while it
//! was away is missed.

pub(crate) mod listen;

use std::collections::HashMap;
use std::sync::Mutex;

use taskflow_core::feed::FeedHub;
use taskflow_core::{Entity, Error, Event, OrgId, Result};

use crate::db::tenant;
use crate::read;
use crate::shared::Shared;

/// The channel every TaskFlow store of a database notifies and listens on.
pub(crate) const CHANNEL: &str = "taskflow_events";

/// Most events a wake-up reads from the log: subscribers further behind read the log themselves.
const WINDOW: u64 = 1000;

/// The payload of a commit's notification (far below the 8,000-byte limit).
pub(crate) fn committed_payload(org: OrgId, first: u64, last: u64) -> String {
    format!("{org} {first} {last}")
}

/// The payload announcing that an organization was deleted.
pub(crate) fn deleted_payload(org: OrgId) -> String {
    format!("{org} deleted")
}

/// What a notification says.
#[derive(Debug, PartialEq, Eq)]
enum Notice {
    Committed { org: OrgId, first: u64, last: u64 },
    Deleted(OrgId),
}

fn parse(payload: &str) -> Option<Notice> {
    let mut parts = payload.split(' ');
    let org = parts.next()?.parse::<OrgId>().ok()?;
    let notice = match (parts.next()?, parts.next()) {
        ("deleted", None) => Notice::Deleted(org),
        (first, Some(last)) => {
            Notice::Committed { org, first: first.parse().ok()?, last: last.parse().ok()? }
        }
        _ => return None,
    };
    parts.next().is_none().then_some(notice)
}

/// The hub, with the last seq published per organization that has subscribers.
#[derive(Debug)]
pub(crate) struct Relay {
    hub: FeedHub,
    published: Mutex<HashMap<OrgId, u64>>,
}

impl Relay {
    pub(crate) fn new(capacity: usize) -> Self {
        Self { hub: FeedHub::new(capacity), published: Mutex::new(HashMap::new()) }
    }

    pub(crate) fn hub(&self) -> &FeedHub {
        &self.hub
    }

    /// Publishes committed events of one organization (ascending), skipping those already
    /// published. Marks are kept only while the organization has subscribers.
    pub(crate) fn publish(&self, events: &[Event]) {
        let Some(org) = events.first().map(|e| e.org_id) else { return };
        let mut published = self.published.lock().unwrap_or_else(|e| e.into_inner());
        if !self.hub.has_subscribers(org) {
            published.remove(&org);
            return;
        }
        let mark = published.entry(org).or_insert(0);
        for event in events.iter().filter(|e| e.org_id == org) {
            if event.seq > *mark {
                self.hub.publish(event);
                *mark = event.seq;
            }
        }
    }

    fn published(&self, org: OrgId) -> Option<u64> {
        self.published.lock().unwrap_or_else(|e| e.into_inner()).get(&org).copied()
    }

    /// Ends the organization's subscriptions (it was deleted).
    pub(crate) fn close(&self, org: OrgId) {
        self.published.lock().unwrap_or_else(|e| e.into_inner()).remove(&org);
        self.hub.close(org);
    }
}

impl Shared {
    /// Handles one notification.
    async fn on_notice(&self, payload: &str) -> Result<()> {
        match parse(payload) {
            Some(Notice::Committed { org, first, last }) => {
                if !self.relay.hub.has_subscribers(org) {
                    return Ok(());
                }
                let mark = self.relay.published(org);
                if mark.is_some_and(|m| m >= last) {
                    return Ok(());
                }
                let after = mark.unwrap_or(first.saturating_sub(1)).max(last.saturating_sub(WINDOW));
                self.publish_range(org, after, last).await
            }
            Some(Notice::Deleted(org)) => {
                self.relay.close(org);
                Ok(())
            }
            // Not a TaskFlow payload: someone else notifies on the channel.
            None => Ok(()),
        }
    }

    /// Re-reads the tail of every organization with live subscribers: what a reconnected
    /// listener may have missed while it was away.
    async fn resync(&self) -> Result<()> {
        for org in self.relay.hub.subscribed() {
            let last = match tenant!(self, org, |c| read::last_seq(c, org)) {
                Ok(last) => last,
                Err(Error::NotFound { entity: Entity::Organization }) => {
                    self.relay.close(org);
                    continue;
                }
                Err(e) => return Err(e),
            };
            let after = self.relay.published(org).unwrap_or(0).max(last.saturating_sub(WINDOW));
            if after < last {
                self.publish_range(org, after, last).await?;
            }
        }
        Ok(())
    }

    async fn publish_range(&self, org: OrgId, after: u64, last: u64) -> Result<()> {
        let limit = usize::try_from(last - after).unwrap_or(usize::MAX);
        let events = tenant!(self, org, |c| read::events_after(c, org, after, limit))?;
        self.relay.publish(&events);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(org: OrgId, seq: u64) -> Event {
        let nil = taskflow_core::UserId::from_uuid(uuid::Uuid::nil());
        let kind = taskflow_core::EventKind::MemberAdded { user_id: nil, role: taskflow_core::Role::Viewer };
        Event { org_id: org, seq, at: chrono::Utc::now(), actor: nil, kind }
    }

    #[test]
    fn the_relay_publishes_each_seq_once_and_forgets_orgs_nobody_watches() {
        let relay = Relay::new(16);
        let org = OrgId::from_uuid(uuid::Uuid::now_v7());
        relay.publish(&[event(org, 1)]);
        assert_eq!(relay.published(org), None, "no subscriber, no mark");
        let mut rx = relay.hub().listen(org);
        relay.publish(&[event(org, 2), event(org, 3)]);
        // The listener's read overlaps what the committing store published already.
        relay.publish(&[event(org, 3), event(org, 4)]);
        relay.publish(&[event(org, 2)]);
        let got: Vec<u64> = std::iter::from_fn(|| rx.try_recv().ok()).map(|e| e.seq).collect();
        assert_eq!(got, [2, 3, 4]);
        assert_eq!(relay.published(org), Some(4));
        relay.close(org);
        assert_eq!(relay.published(org), None);
        assert!(rx.try_recv().is_err(), "closed");
    }

    #[test]
    fn payloads_round_trip_and_strangers_are_ignored() {
        let org = OrgId::from_uuid(uuid::Uuid::now_v7());
        assert!(committed_payload(org, 1, 10_000).len() < 100, "far below the 8,000-byte limit");
        assert_eq!(parse(&committed_payload(org, 3, 7)), Some(Notice::Committed { org, first: 3, last: 7 }));
        assert_eq!(parse(&deleted_payload(org)), Some(Notice::Deleted(org)));
        for stranger in
            ["", "hello", &format!("{org}"), &format!("{org} 1"), &format!("{org} 1 2 3"), "x 1 2"]
        {
            assert_eq!(parse(stranger), None, "{stranger:?}");
        }
    }
}
