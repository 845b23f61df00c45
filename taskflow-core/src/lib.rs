#![doc = include_str!("../README.md")]

pub mod clock;
mod error;
mod event;
pub mod feed;
mod ids;
mod member;
pub mod memory;
mod organization;
mod patch;
pub mod permission;
mod project;
mod service;
mod status;
pub mod store;
mod task;
#[cfg(feature = "testkit")]
pub mod testkit;
pub mod validation;

pub use clock::{Clock, IdSource, ManualClock, RandomIds, SeededIds, SystemClock};
pub use error::{ConflictReason, Entity, Error, ErrorKind, Problem, Result};
pub use event::{Event, EventKind};
pub use feed::Subscription;
pub use ids::{OrgId, ProjectId, TaskId, UserId};
pub use member::{Member, Role, User};
pub use memory::MemoryStore;
pub use organization::{LimitKind, Limits, Organization, Tier};
pub use permission::Action;
pub use project::{NewProject, Project, ProjectPatch};
pub use service::{MAX_EVENTS_PER_READ, NewOrganization, NewUser, Principal, TaskFlow};
pub use status::{Priority, Status};
pub use store::Store;
pub use task::{NewTask, Task, TaskPatch};
