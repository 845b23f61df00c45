//! The change feed: every stored event after a seq, then live ones, with no gap and no duplicate.
//!
//! A [`Subscription`] starts listening *before* it replays the log, and it tracks the last seq it
//! delivered. A live event it has already replayed is skipped; a live event that jumps ahead
//! (a late commit from another process, or a publish that overtook another) sends it back to the
//! log to fill the gap. So the log is the truth and the live channel only a wake-up with a
//! payload, which is what lets the same logic serve a single process and LISTEN/NOTIFY.
//!
//! The live buffer is bounded ([`FeedHub::new`]). A subscriber that falls behind it receives
//! [`Error::Lagged`] with the seq to resume after, never a silent drop.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

use tokio::sync::broadcast::{self, error::RecvError};

use crate::{Entity, Error, Event, OrgId, Result, Store};

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
    /// Listens first, then replays: nothing committed in between can be missed.
    pub(crate) async fn start(store: Arc<dyn Store>, org: OrgId, after_seq: u64) -> Result<Self> {
        let live = store.listen(org).await?;
        Ok(Self {
            store,
            org,
            last_seq: after_seq,
            live,
            pending: VecDeque::new(),
            replaying: true,
            ended: false,
        })
    }

    /// The seq of the last event delivered (or the `after_seq` it started from).
    pub fn last_seq(&self) -> u64 {
        self.last_seq
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
                    Ok(batch) if batch.is_empty() => self.replaying = false,
                    Ok(batch) => self.pending.extend(batch),
                    // The organization existed when the subscription started: it was deleted.
                    Err(Error::NotFound { entity: Entity::Organization }) => return None,
                    Err(e) => return Some(Err(e)),
                }
                continue;
            }
            match self.live.recv().await {
                Ok(event) if event.seq <= self.last_seq => {}
                Ok(event) if event.seq == self.last_seq + 1 => {
                    self.last_seq = event.seq;
                    return Some(Ok(event));
                }
                Ok(_) => self.replaying = true,
                Err(RecvError::Lagged(_)) => {
                    return Some(Err(Error::Lagged { resume_after: self.last_seq }));
                }
                Err(RecvError::Closed) => return None,
            }
        }
    }
}
