#![doc = include_str!("../README.md")]

mod config;
mod db;
mod delete;
mod error;
mod feed;
mod flush;
mod group;
mod read;
mod rows;
pub mod schema;
mod shared;
mod store;
#[cfg(feature = "testkit")]
pub mod testkit;
mod write;

pub use config::{DEFAULT_MAX_CONNECTIONS, PgConfig};
pub use error::PgError;
pub use schema::{grant_runtime_role, migrate};
pub use store::PgStore;
