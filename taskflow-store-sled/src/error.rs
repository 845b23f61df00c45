//! The backend's own errors, mapped into [`taskflow_core::Error::Backend`] with `store: "sled"`.
//!
//! They are public so a caller can downcast the source and act on the kind
//! (`err.source().and_then(|s| s.downcast_ref::<SledError>())`).

use std::path::PathBuf;

/// What can go wrong in the sled backend itself.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SledError {
    /// The store's directory would be created in a directory that does not exist.
    #[error("cannot create a store at {0}: its parent directory does not exist")]
    MissingParent(PathBuf),
    /// The path exists and is not a directory.
    #[error("{0} is not a directory")]
    NotADirectory(PathBuf),
    /// The directory holds files and is not a TaskFlow store.
    #[error("{0} is not empty and is not a TaskFlow store")]
    NotATaskFlowStore(PathBuf),
    /// Another open store (in this or another process) holds the directory.
    #[error("{0} is already open in another store (only one may hold it)")]
    Locked(PathBuf),
    /// The store was written by a newer or unknown format.
    #[error("unsupported store format {found:?} (this build reads {supported:?})")]
    UnsupportedFormat {
        /// The format found.
        found: String,
        /// The format this build reads.
        supported: &'static str,
    },
    /// A stored value could not be decoded.
    #[error("corrupt record at key {key}: {detail}")]
    Corrupt {
        /// The key, hex-encoded.
        key: String,
        /// What was wrong.
        detail: String,
    },
    /// A file-system error while opening.
    #[error("I/O error on {path}")]
    Io {
        /// The path involved.
        path: PathBuf,
        /// The error.
        #[source]
        source: std::io::Error,
    },
    /// sled itself failed.
    #[error("sled error")]
    Sled(#[from] sled::Error),
    /// A blocking task panicked or was cancelled.
    #[error("the blocking storage task failed")]
    Join(#[from] tokio::task::JoinError),
}

impl SledError {
    pub(crate) fn corrupt(key: &[u8], detail: impl std::fmt::Display) -> Self {
        let key = key.iter().map(|b| format!("{b:02x}")).collect();
        Self::Corrupt { key, detail: detail.to_string() }
    }
}

impl From<SledError> for taskflow_core::Error {
    fn from(e: SledError) -> Self {
        taskflow_core::Error::backend("sled", e)
    }
}

/// Shorthand: a sled error as a core error.
pub(crate) fn sled_err(e: sled::Error) -> taskflow_core::Error {
    SledError::Sled(e).into()
}
