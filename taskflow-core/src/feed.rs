//! The change feed: every stored event after a seq, then live ones, with no gap and no duplicate.
//!
//! A [`Subscription`] starts listening *before* it replays the log, and it tracks the last seq it
//! delivered. A live event it has already replayed is skipped; a live event that jumps ahead
//! (a late commit from another process, or a publish that overtook another) sends it back to the
//! log to fill the gap. So the log is the truth and the live channel only a wake-up with a
//! payload, which is what lets the same logic serve a single process and LISTEN/NOTIFY.
//!
//! The live buffer is bounded ([`FeedHub::new`]). While a subscription is still catching up from
//! the log, an overflow of that buffer costs nothing: it keeps reading the log. Once it has
//! caught up and is live, a subscriber that falls behind the buffer receives [`Error::Lagged`]
//! with the seq to resume after, never a silent drop.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

use tokio::sync::broadcast::{self, error::RecvError};

use crate::{Entity, Error, Event, OrgId, Problem, Result, Store};

/// Default live buffer per subscriber, in events.
pub const DEFAULT_FEED_CAPACITY: usize = 1024;

/// Events read from the log per round trip while replaying.
const REPLAY_BATCH: usize = 500;

/// Per-organization live channels, for backends to publish committed events into.
#[derive(Debug)]
pub struct FeedHub {
    capacity: usize,
    channels: Mutex<HashMap<OrgId, broadcast::Sender<Event>>>,
}

impl Default for FeedHub {
    fn default() -> Self {
        Self::new(DEFAULT_FEED_CAPACITY)
    }
}

impl FeedHub {
    /// A hub whose subscribers each buffer up to `capacity` live events (at least 1).
    pub fn new(capacity: usize) -> Self {
        Self { capacity: capacity.max(1), channels: Mutex::new(HashMap::new()) }
    }

    /// A receiver of the organization's events published from now on.
    pub fn listen(&self, org: OrgId) -> broadcast::Receiver<Event> {
        let mut channels = self.channels.lock().unwrap_or_else(|e| e.into_inner());
        channels.entry(org).or_insert_with(|| broadcast::channel(self.capacity).0).subscribe()
    }

    /// Hands a committed event to the organization's live subscribers (never blocks).
    pub fn publish(&self, event: &Event) {
        let mut channels = self.channels.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(sender) = channels.get(&event.org_id) {
            if sender.receiver_count() == 0 {
                channels.remove(&event.org_id);
            } else {
                // Cannot fail: there is a receiver.
                let _ = sender.send(event.clone());
            }
        }
    }

    /// Whether the organization has at least one live subscriber (so a backend can skip
    /// fetching events nobody waits for).
    pub fn has_subscribers(&self, org: OrgId) -> bool {
        let channels = self.channels.lock().unwrap_or_else(|e| e.into_inner());
        channels.get(&org).is_some_and(|sender| sender.receiver_count() > 0)
    }

    /// The organizations with at least one live subscriber: what a backend whose cross-process
    /// notifications were interrupted must re-read from its log.
    pub fn subscribed(&self) -> Vec<OrgId> {
        let channels = self.channels.lock().unwrap_or_else(|e| e.into_inner());
        channels.iter().filter(|(_, sender)| sender.receiver_count() > 0).map(|(org, _)| *org).collect()
    }

    /// Ends every subscription of the organization (it was deleted).
    pub fn close(&self, org: OrgId) {
        self.channels.lock().unwrap_or_else(|e| e.into_inner()).remove(&org);
    }
}

/// A live, gap-free view of one organization's event log.
///
/// Get one from [`TaskFlow::subscribe`](crate::TaskFlow::subscribe).
pub struct Subscription {
    store: Arc<dyn Store>,
    org: OrgId,
    last_seq: u64,
    live: broadcast::Receiver<Event>,
    pending: VecDeque<Event>,
    replaying: bool,
    /// Set once a replay reached the end of the log: from then on, an event the live buffer
    /// dropped is the subscriber's lag, reported to it.
    caught_up: bool,
    /// The live buffer overflowed; the next live event tells whether anything we lacked was lost.
    lag_pending: bool,
    ended: bool,
}

impl std::fmt::Debug for Subscription {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Subscription")
            .field("org", &self.org)
            .field("last_seq", &self.last_seq)
            .field("pending", &self.pending.len())
            .finish_non_exhaustive()
    }
}

impl Subscription {
    /// Listens first, then replays: nothing committed in between can be missed. A start after
    /// the last stored seq is refused: it would silently skip the events up to it.
    pub(crate) async fn start(store: Arc<dyn Store>, org: OrgId, after_seq: u64) -> Result<Self> {
        let live = store.listen(org).await?;
        if after_seq > store.last_seq(org).await? {
            return Err(Error::invalid(
                "after_seq",
                Problem::OutOfRange("at most the organization's last seq"),
            ));
        }
        Ok(Self {
            store,
            org,
            last_seq: after_seq,
            live,
            pending: VecDeque::new(),
            replaying: true,
            caught_up: false,
            lag_pending: false,
            ended: false,
        })
    }

    /// The seq of the last event delivered (or the `after_seq` it started from).
    pub fn last_seq(&self) -> u64 {
        self.last_seq
    }

    /// True once the subscription has replayed the whole log and waits on live events.
    pub fn is_live(&self) -> bool {
        self.caught_up && !self.replaying && self.pending.is_empty()
    }

    /// The next event in seq order, waiting for one if needed.
    ///
    /// Returns `None` once the feed has ended: the organization was deleted, or an error was
    /// returned (after [`Error::Lagged`], subscribe again from its `resume_after`).
    pub async fn next(&mut self) -> Option<Result<Event>> {
        if self.ended {
            return None;
        }
        let next = self.advance().await;
        if !matches!(next, Some(Ok(_))) {
            self.ended = true;
        }
        next
    }

    async fn advance(&mut self) -> Option<Result<Event>> {
        loop {
            if let Some(event) = self.pending.pop_front() {
                self.last_seq = event.seq;
                return Some(Ok(event));
            }
            if self.replaying {
                match self.store.events_after(self.org, self.last_seq, REPLAY_BATCH).await {
                    Ok(batch) if batch.is_empty() => {
                        self.replaying = false;
                        self.caught_up = true;
                    }
                    Ok(batch) => self.pending.extend(batch),
                    // The organization existed when the subscription started: it was deleted.
                    Err(Error::NotFound { entity: Entity::Organization }) => return None,
                    Err(e) => return Some(Err(e)),
                }
                continue;
            }
            match self.live.recv().await {
                Ok(event) if std::mem::take(&mut self.lag_pending) && event.seq > self.last_seq + 1 => {
                    // The buffer dropped events we had not seen. Catching up, the log has them;
                    // live, the subscriber fell behind and must be told.
                    if self.caught_up {
                        return Some(Err(Error::Lagged { resume_after: self.last_seq }));
                    }
                    self.replaying = true;
                }
                Ok(event) if event.seq <= self.last_seq => {}
                Ok(event) if event.seq == self.last_seq + 1 => {
                    self.last_seq = event.seq;
                    return Some(Ok(event));
                }
                Ok(_) => self.replaying = true,
                Err(RecvError::Lagged(_)) => self.lag_pending = true,
                Err(RecvError::Closed) => return None,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hub_knows_which_orgs_have_subscribers() {
        let hub = FeedHub::new(4);
        let (a, b) = (OrgId::from_uuid(uuid::Uuid::now_v7()), OrgId::from_uuid(uuid::Uuid::now_v7()));
        assert!(!hub.has_subscribers(a) && hub.subscribed().is_empty());
        let live = hub.listen(a);
        drop(hub.listen(b));
        assert!(hub.has_subscribers(a) && !hub.has_subscribers(b));
        assert_eq!(hub.subscribed(), vec![a]);
        drop(live);
        assert!(!hub.has_subscribers(a) && hub.subscribed().is_empty());
    }
}
