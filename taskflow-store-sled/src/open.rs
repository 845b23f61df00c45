//! Opening a directory: refuse what is not ours, lock it, check the format.

use std::fs::{self, File, TryLockError};
use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};

use crate::config::SledConfig;
use crate::error::SledError;
use crate::keys::G_FORMAT;

/// The marker file that says "this directory is a TaskFlow sled store, format N".
const MARKER: &str = "TASKFLOW_STORE";
/// The marker while it is being written.
const MARKER_TMP: &str = "TASKFLOW_STORE.tmp";
/// The lock file held for as long as the store is open.
const LOCK: &str = "taskflow.lock";
/// sled's own files live below this.
const DATA: &str = "data";
/// The format this build reads and writes.
pub(crate) const FORMAT: &str = "taskflow-sled/1";

/// An opened, locked store directory.
pub(crate) struct Opened {
    pub(crate) db: sled::Db,
    pub(crate) global: sled::Tree,
    pub(crate) tenants: sled::Tree,
    /// Held open: the exclusive lock lasts as long as the file handle.
    pub(crate) lock: File,
}

pub(crate) fn open(config: &SledConfig) -> Result<Opened, SledError> {
    let path = config.path.as_path();
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| SledError::Io { path, source }
    };
    let fresh = match fs::metadata(path) {
        Err(e) if e.kind() == ErrorKind::NotFound => {
            let parent = match path.parent() {
                Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
                _ => PathBuf::from("."),
            };
            if !parent.is_dir() {
                return Err(SledError::MissingParent(path.to_path_buf()));
            }
            fs::create_dir(path).map_err(io(path))?;
            true
        }
        Err(e) => return Err(SledError::Io { path: path.to_path_buf(), source: e }),
        Ok(meta) if !meta.is_dir() => return Err(SledError::NotADirectory(path.to_path_buf())),
        Ok(_) => match fs::read_to_string(path.join(MARKER)) {
            Ok(found) if found.trim() == FORMAT => false,
            Ok(found) => {
                return Err(SledError::UnsupportedFormat {
                    found: found.trim().to_owned(),
                    supported: FORMAT,
                });
            }
            Err(e) if e.kind() == ErrorKind::NotFound => {
                // Only our own lock or half-written marker may be there: a store whose creation
                // was interrupted before the marker landed.
                let foreign = fs::read_dir(path).map_err(io(path))?.any(|entry| {
                    entry.map_or(true, |e| e.file_name() != LOCK && e.file_name() != MARKER_TMP)
                });
                if foreign {
                    return Err(SledError::NotATaskFlowStore(path.to_path_buf()));
                }
                true
            }
            Err(e) => return Err(SledError::Io { path: path.join(MARKER), source: e }),
        },
    };

    let lock_path = path.join(LOCK);
    let lock =
        File::options().create(true).truncate(false).write(true).open(&lock_path).map_err(io(&lock_path))?;
    match lock.try_lock() {
        Ok(()) => {}
        Err(TryLockError::WouldBlock) => return Err(SledError::Locked(path.to_path_buf())),
        Err(TryLockError::Error(e)) => return Err(SledError::Io { path: lock_path, source: e }),
    }
    if fresh {
        write_marker(path).map_err(io(path))?;
    }

    let db = sled::Config::new()
        .path(path.join(DATA))
        .cache_capacity(config.cache_capacity_bytes)
        .flush_every_ms(Some(500))
        .open()?;
    let global = db.open_tree("global")?;
    let tenants = db.open_tree("tenants")?;
    match global.get(G_FORMAT)? {
        Some(found) if found.as_ref() == FORMAT.as_bytes() => {}
        Some(found) => {
            return Err(SledError::UnsupportedFormat {
                found: String::from_utf8_lossy(&found).into_owned(),
                supported: FORMAT,
            });
        }
        None if tenants.is_empty() => {
            global.insert(G_FORMAT, FORMAT.as_bytes())?;
            db.flush()?;
        }
        None => return Err(SledError::corrupt(G_FORMAT, "data without a format marker")),
    }
    Ok(Opened { db, global, tenants, lock })
}

/// Writes the marker atomically (write a temporary file, then rename it into place).
fn write_marker(dir: &Path) -> std::io::Result<()> {
    let tmp = dir.join(MARKER_TMP);
    let mut file = File::create(&tmp)?;
    file.write_all(format!("{FORMAT}\n").as_bytes())?;
    file.sync_all()?;
    fs::rename(&tmp, dir.join(MARKER))
}
