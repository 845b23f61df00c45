//! Group commit within a process: concurrent changes of one organization share a transaction.
//!
//! Writes of one organization are serialized by its counter-row lock, and a transaction holds
//! that lock through its commit, whose WAL flush is most of its time: one tenant's changes
//! would commit one flush at a time. Instead, the changes that arrive while one of the
//! organization's transactions runs wait in a queue, and the next transaction takes them all
//! (up to [`MAX_BATCH`]): each is decided on its own, in arrival order, against the state the
//! ones before it left — a refused change gets its own error and changes nothing — their events
//! take consecutive seqs, and one commit makes them durable. Every caller is answered when its
//! change is committed or refused. If the shared transaction fails in the database, each change
//! is run again alone, so a failure reaches only the change it belongs to.
//!
//! One task per organization with waiting changes drains its queue, so a caller that stops
//! waiting strands nobody; its change is applied all the same.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::sync::{Arc, Mutex};

use taskflow_core::store::{Change, MAX_BATCH};
use taskflow_core::{Error, Event, OrgId, Result};
use tokio::sync::oneshot;

use crate::shared::Shared;

/// The waiting changes per organization; an organization has an entry while its drain task runs.
#[derive(Debug, Default)]
pub(crate) struct Groups {
    queues: Mutex<HashMap<OrgId, Vec<Waiting>>>,
}

#[derive(Debug)]
struct Waiting {
    change: Change,
    reply: oneshot::Sender<Result<Event>>,
}

/// Applies `change` together with whatever else of its organization is waiting.
pub(crate) async fn apply(shared: &Arc<Shared>, change: Change) -> Result<Event> {
    let (reply, answer) = oneshot::channel();
    let org = change.org;
    let start = {
        let mut queues = shared.groups.queues.lock().unwrap_or_else(|e| e.into_inner());
        match queues.entry(org) {
            Entry::Occupied(mut queue) => {
                queue.get_mut().push(Waiting { change, reply });
                false
            }
            Entry::Vacant(slot) => {
                slot.insert(vec![Waiting { change, reply }]);
                true
            }
        }
    };
    if start {
        tokio::spawn(drain(shared.clone(), org));
    }
    answer.await.unwrap_or_else(|_| Err(Error::backend(crate::error::STORE, "the write task stopped")))
}

/// Applies the organization's waiting changes, group after group, until none waits.
async fn drain(shared: Arc<Shared>, org: OrgId) {
    loop {
        let group: Vec<Waiting> = {
            let mut queues = shared.groups.queues.lock().unwrap_or_else(|e| e.into_inner());
            let Some(queue) = queues.get_mut(&org) else { return };
            if queue.is_empty() {
                queues.remove(&org);
                return;
            }
            let n = queue.len().min(MAX_BATCH);
            queue.drain(..n).collect()
        };
        let (changes, replies): (Vec<Change>, Vec<_>) =
            group.into_iter().map(|w| (w.change, w.reply)).unzip();
        for (reply, outcome) in replies.into_iter().zip(commit(&shared, org, &changes).await) {
            // A caller that stopped waiting needs no answer.
            let _gone = reply.send(outcome);
        }
    }
}

/// The outcome of each change: applied together, or each alone after a database failure.
async fn commit(shared: &Shared, org: OrgId, changes: &[Change]) -> Vec<Result<Event>> {
    match shared.commit_each(org, changes).await {
        Ok(outcomes) => outcomes,
        Err(e) if changes.len() == 1 => vec![Err(e)],
        Err(_) => {
            let mut outcomes = Vec::with_capacity(changes.len());
            for change in changes {
                outcomes.push(match shared.commit_each(org, std::slice::from_ref(change)).await {
                    Ok(mut one) => {
                        one.pop().unwrap_or_else(|| Err(Error::backend(crate::error::STORE, "no outcome")))
                    }
                    Err(e) => Err(e),
                });
            }
            outcomes
        }
    }
}
