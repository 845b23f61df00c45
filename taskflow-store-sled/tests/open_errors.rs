//! Bad input on open: each a clear, typed error, never a panic or a half-created store.

use std::error::Error as _;

use taskflow_core::Error;
use taskflow_store_sled::{SledError, SledStore};

/// The backend error inside a core error.
fn sled_error(err: Error) -> SledError {
    match err {
        Error::Backend { store: "sled", source } => {
            *source.downcast::<SledError>().expect("a SledError source")
        }
        other => panic!("expected a sled backend error, got {other:?}"),
    }
}

async fn open_err(path: &std::path::Path) -> SledError {
    sled_error(SledStore::open_path(path).await.expect_err("open must fail"))
}

#[tokio::test]
async fn missing_parent_directory() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("no/such/parent/store");
    let err = open_err(&path).await;
    assert!(matches!(&err, SledError::MissingParent(p) if *p == path), "{err:?}");
    assert!(err.to_string().contains("parent directory does not exist"), "{err}");
    assert!(!dir.path().join("no").exists(), "nothing was created");
}

#[tokio::test]
async fn a_file_where_the_directory_should_be() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store");
    std::fs::write(&path, b"hello").unwrap();
    assert!(matches!(open_err(&path).await, SledError::NotADirectory(_)));
    assert_eq!(std::fs::read(&path).unwrap(), b"hello", "the file is untouched");
}

#[tokio::test]
async fn a_directory_of_another_program() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("notes.txt"), b"mine").unwrap();
    let err = open_err(dir.path()).await;
    assert!(matches!(err, SledError::NotATaskFlowStore(_)), "{err:?}");
    let entries: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(entries.len(), 1, "nothing was written into a foreign directory");

    // A plain sled database (another program's) is refused too.
    let other = tempfile::tempdir().unwrap();
    drop(sled::open(other.path().join("db")).unwrap());
    assert!(matches!(open_err(other.path()).await, SledError::NotATaskFlowStore(_)));
}

#[tokio::test]
async fn a_directory_locked_by_another_open_store() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store");
    let first = SledStore::open_path(&path).await.unwrap();
    let err = open_err(&path).await;
    assert!(matches!(&err, SledError::Locked(p) if *p == path), "{err:?}");
    drop(first);
    SledStore::open_path(&path).await.expect("free again once the first store is closed");
}

#[tokio::test]
async fn an_unknown_format() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store");
    drop(SledStore::open_path(&path).await.unwrap());
    std::fs::write(path.join("TASKFLOW_STORE"), "taskflow-sled/99\n").unwrap();
    let err = open_err(&path).await;
    assert!(
        matches!(&err, SledError::UnsupportedFormat { found, .. } if found == "taskflow-sled/99"),
        "{err:?}"
    );
    assert!(err.source().is_none());
}
