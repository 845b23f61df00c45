//! Connection settings, whose `Debug` never shows a password.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::PgConnectOptions;
use taskflow_core::feed::DEFAULT_FEED_CAPACITY;

use crate::error::PgError;

/// The pool size when none is given: enough for concurrent writers to overlap their commits.
pub const DEFAULT_MAX_CONNECTIONS: u32 = 10;

/// How to connect a [`PgStore`](crate::PgStore).
///
/// ```
/// use taskflow_store_postgres::PgConfig;
///
/// let config = PgConfig::from_url("postgres://app:s3cret@db.internal:5432/tasks")?
///     .max_connections(16)
///     .application_name("billing-service");
/// assert!(!format!("{config:?}").contains("s3cret"));
/// # Ok::<(), taskflow_core::Error>(())
/// ```
#[derive(Clone)]
pub struct PgConfig {
    pub(crate) options: PgConnectOptions,
    pub(crate) max_connections: u32,
    pub(crate) acquire_timeout: Duration,
    pub(crate) feed_capacity: usize,
}

impl PgConfig {
    /// Settings from a `postgres://` URL (any parameter libpq accepts in a URL, for example
    /// `?sslmode=`, `?application_name=`, `?options=-c%20search_path%3Dtaskflow`).
    ///
    /// A URL that does not parse is [`PgError::InvalidUrl`].
    pub fn from_url(url: &str) -> taskflow_core::Result<Self> {
        let options = PgConnectOptions::from_str(url).map_err(PgError::InvalidUrl)?;
        Ok(Self::from_options(options))
    }

    /// Settings from sqlx connect options built by the caller.
    pub fn from_options(options: PgConnectOptions) -> Self {
        let options = match options.get_application_name() {
            Some(_) => options,
            None => options.application_name("taskflow"),
        };
        Self {
            options,
            max_connections: DEFAULT_MAX_CONNECTIONS,
            acquire_timeout: Duration::from_secs(30),
            feed_capacity: DEFAULT_FEED_CAPACITY,
        }
    }

    /// The pool's size (default 10; at least 1).
    pub fn max_connections(mut self, n: u32) -> Self {
        self.max_connections = n.max(1);
        self
    }

    /// How long a call waits for a free connection, or for the first connection to be made
    /// (default 30 s).
    pub fn acquire_timeout(mut self, timeout: Duration) -> Self {
        self.acquire_timeout = timeout;
        self
    }

    /// Live events each change-feed subscriber buffers (default 1024).
    pub fn feed_capacity(mut self, capacity: usize) -> Self {
        self.feed_capacity = capacity;
        self
    }

    /// The `application_name` the connections report (default `taskflow`): it tells them
    /// apart in `pg_stat_activity`. The change-feed listener adds ` (change feed)`.
    pub fn application_name(mut self, name: &str) -> Self {
        self.options = self.options.application_name(name);
        self
    }

    /// `host:port/database`, for messages.
    pub(crate) fn target(&self) -> String {
        target(&self.options)
    }
}

/// `host:port/database` of connect options (never the user's password).
pub(crate) fn target(options: &PgConnectOptions) -> String {
    format!("{}:{}/{}", options.get_host(), options.get_port(), options.get_database().unwrap_or("(default)"))
}

impl fmt::Debug for PgConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // sqlx's own `PgConnectOptions` Debug prints the password: show only what is safe.
        f.debug_struct("PgConfig")
            .field("target", &self.target())
            .field("username", &self.options.get_username())
            .field("application_name", &self.options.get_application_name())
            .field("max_connections", &self.max_connections)
            .field("acquire_timeout", &self.acquire_timeout)
            .field("feed_capacity", &self.feed_capacity)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_the_password() {
        let config = PgConfig::from_url("postgres://app:hunter2@db.example:6543/tasks").unwrap();
        let shown = format!("{config:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("db.example:6543/tasks") && shown.contains("\"app\""), "{shown}");
    }

    #[test]
    fn malformed_urls_are_refused() {
        for bad in ["postgres://app@db:notaport/tasks", "postgres://app@db/tasks?sslmode=sometimes"] {
            let err = PgConfig::from_url(bad).unwrap_err();
            let source = std::error::Error::source(&err).and_then(|s| s.downcast_ref::<PgError>());
            assert!(matches!(source, Some(PgError::InvalidUrl(_))), "{bad}: {err:?}");
        }
    }
}
