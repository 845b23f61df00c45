#![doc = include_str!("../README.md")]

mod codec;
mod config;
mod error;
mod keys;
mod open;
mod read;
mod store;
mod verify;
mod write;

pub use config::{Durability, SledConfig};
pub use error::SledError;
pub use store::SledStore;
pub use verify::{Inconsistency, VerifyReport};
