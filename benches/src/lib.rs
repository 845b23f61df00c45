//! Shared set-up for the TaskFlow benchmarks: tenants to write into and fixtures to compare with.
//!
//! Every comparison runs its baseline in the same process and the same run, on the same data,
//! so the reported ratios compare like with like.

use std::sync::Arc;

use taskflow_core::{NewOrganization, NewProject, NewUser, Principal, Project, Store, TaskFlow, Tier};

/// A registered Enterprise organization (no limits) with one project, ready to take tasks.
pub struct Bench {
    /// The handle.
    pub tf: TaskFlow,
    /// The Owner.
    pub owner: Principal,
    /// The project tasks go into.
    pub project: Project,
}

impl Bench {
    /// Registers the organization on `store`.
    pub async fn new(store: Arc<dyn Store>, slug: &str) -> Bench {
        let tf = TaskFlow::new(store);
        let user =
            tf.create_user(NewUser::new(format!("{slug}@bench.example"), "Bench")).await.expect("user");
        let (_, owner) = tf
            .register(NewOrganization::new("Bench", slug, "UTC", Tier::Enterprise), user.id)
            .await
            .expect("register");
        let project = tf.create_project(&owner, NewProject::named("bench")).await.expect("project");
        Bench { tf, owner, project }
    }
}

/// A multi-threaded runtime for driving async stores from criterion's synchronous loop.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("tokio runtime")
}
