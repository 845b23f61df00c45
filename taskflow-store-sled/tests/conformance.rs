//! The whole conformance suite from `taskflow-core`, on a fresh sled directory per test.

use std::sync::Arc;

use taskflow_core::Store;
use taskflow_store_sled::SledStore;

async fn fresh_store() -> Arc<dyn Store> {
    Arc::new(SledStore::open_temporary().await.expect("open a temporary sled store"))
}

taskflow_core::conformance_suite!(fresh_store);
