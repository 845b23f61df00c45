//! Opening options.

use std::path::{Path, PathBuf};

use taskflow_core::feed::DEFAULT_FEED_CAPACITY;

/// When a write is on disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Durability {
    /// sled flushes in the background every 500 ms: a crash can lose the writes of the last
    /// half second (never half a write: each change is one transaction). Call
    /// [`SledStore::flush`](crate::SledStore::flush) where a write must be on disk.
    #[default]
    Periodic,
    /// Every successful write is flushed before it returns: slower, nothing acknowledged is lost.
    EveryWrite,
}

/// How to open a [`SledStore`](crate::SledStore).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SledConfig {
    /// The store's directory (created when missing; its parent must exist).
    pub path: PathBuf,
    /// When writes reach the disk.
    pub durability: Durability,
    /// sled's page cache, in bytes.
    pub cache_capacity_bytes: u64,
    /// Live events each change-feed subscriber buffers.
    pub feed_capacity: usize,
}

impl SledConfig {
    /// Defaults for a directory: periodic flushes, a 256 MiB cache, the default feed buffer.
    pub fn new(path: impl AsRef<Path>) -> Self {
        Self {
            path: path.as_ref().to_path_buf(),
            durability: Durability::default(),
            cache_capacity_bytes: 256 * 1024 * 1024,
            feed_capacity: DEFAULT_FEED_CAPACITY,
        }
    }

    /// The same with another durability.
    pub fn durability(mut self, durability: Durability) -> Self {
        self.durability = durability;
        self
    }
}
