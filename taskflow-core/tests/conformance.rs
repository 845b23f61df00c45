//! The conformance suite on the in-memory reference store.

use std::sync::Arc;

use taskflow_core::{MemoryStore, Store};

async fn fresh_store() -> Arc<dyn Store> {
    Arc::new(MemoryStore::new())
}

taskflow_core::conformance_suite!(fresh_store);
