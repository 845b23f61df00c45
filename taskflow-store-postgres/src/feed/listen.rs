//! The background task that turns `NOTIFY`s from every process into published events.
//!
//! It holds one dedicated connection (its own pool of one, so the store's pool keeps its full
//! size), `LISTEN`s on the TaskFlow channel, and for each notification reads the new events from
//! the log (a payload carries the organization and the seq range only). A lost connection is
//! re-established by sqlx and then, because notifications sent in between are gone, every
//! organization with live subscribers is re-read from its last published seq. Any other error
//! drops the connection and starts over after a growing pause (at most two seconds), re-reading
//! likewise. The task ends when its store is dropped.

use std::sync::Arc;
use std::time::{Duration, Instant};

use sqlx::PgPool;
use sqlx::postgres::{PgConnectOptions, PgListener, PgPoolOptions};
use taskflow_core::Result;
use tokio::task::JoinHandle;

use super::CHANNEL;
use crate::error::SqlResult;
use crate::shared::Shared;

const FIRST_PAUSE: Duration = Duration::from_millis(50);
const LONGEST_PAUSE: Duration = Duration::from_secs(2);

/// Starts the listener of a store connected with `options`.
pub(crate) fn spawn(shared: Arc<Shared>, options: &PgConnectOptions) -> JoinHandle<()> {
    let name = format!("{} (change feed)", options.get_application_name().unwrap_or("taskflow"));
    let pool = PgPoolOptions::new()
        .max_connections(1)
        .max_lifetime(None)
        .idle_timeout(None)
        .acquire_timeout(Duration::from_secs(10))
        .connect_lazy_with(options.clone().application_name(&name));
    tokio::spawn(run(shared, pool))
}

async fn run(shared: Arc<Shared>, pool: PgPool) {
    let mut pause = FIRST_PAUSE;
    loop {
        let started = Instant::now();
        // A session only returns with an error; there is nobody to hand it to, and the
        // subscribers' guarantee comes from the re-read when the next session starts.
        let _lost = session(&shared, &pool).await;
        if started.elapsed() > LONGEST_PAUSE * 5 {
            pause = FIRST_PAUSE;
        }
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(LONGEST_PAUSE);
    }
}

async fn session(shared: &Shared, pool: &PgPool) -> Result<()> {
    let mut listener = PgListener::connect_with(pool).await.db()?;
    listener.listen(CHANNEL).await.db()?;
    // Listening from here: whatever committed before is in the log.
    shared.resync().await?;
    loop {
        match listener.try_recv().await.db()? {
            Some(notification) => shared.on_notice(notification.payload()).await?,
            // The connection was lost and sqlx has re-established it, LISTEN included.
            None => shared.resync().await?,
        }
    }
}
