//! Small builders the checks share: a fresh tenant with members of every role.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::{NewOrganization, NewProject, NewUser, Principal, Project, Role, Store, TaskFlow, Tier, User};

static UNIQUE: AtomicU64 = AtomicU64::new(0);

/// A name no other fixture in this process (or, with the random part, another process on the
/// same store) has used.
pub(crate) fn unique(prefix: &str) -> String {
    let n = UNIQUE.fetch_add(1, Ordering::Relaxed);
    let salt = uuid::Uuid::now_v7().simple().to_string();
    format!("{prefix}-{n}-{}", &salt[20..])
}

/// A freshly registered organization with one member of each role.
#[derive(Debug, Clone)]
pub struct Tenant {
    /// The handle everything was made with.
    pub tf: TaskFlow,
    /// The first Owner.
    pub owner: Principal,
    /// An Admin.
    pub admin: Principal,
    /// A Member.
    pub member: Principal,
    /// A Viewer.
    pub viewer: Principal,
}

impl Tenant {
    /// Registers an organization on `tier` (in `Europe/Paris`) and adds an Admin, a Member and
    /// a Viewer: four members in all.
    pub async fn new(store: Arc<dyn Store>, tier: Tier) -> Tenant {
        let tf = TaskFlow::new(store);
        Self::with(tf, tier).await
    }

    /// Same as [`Tenant::new`] on an existing handle (to share a clock).
    pub async fn with(tf: TaskFlow, tier: Tier) -> Tenant {
        let slug = unique("org");
        let owner_user = user(&tf, "owner").await;
        let (_, owner) = tf
            .register(NewOrganization::new(format!("Org {slug}"), slug, "Europe/Paris", tier), owner_user.id)
            .await
            .expect("registration");
        let mut roles = Vec::new();
        for role in [Role::Admin, Role::Member, Role::Viewer] {
            let u = user(&tf, role.as_str()).await;
            tf.add_member(&owner, u.id, role).await.expect("add member");
            roles.push(tf.act_as(owner.org(), u.id).await.expect("principal"));
        }
        Tenant { owner, admin: roles[0], member: roles[1], viewer: roles[2], tf }
    }

    /// A new active project, created by the owner.
    pub async fn project(&self, name: &str) -> Project {
        self.tf.create_project(&self.owner, NewProject::named(name)).await.expect("create project")
    }

    /// A new user, not yet a member of anything.
    pub async fn outsider(&self) -> User {
        user(&self.tf, "outsider").await
    }
}

/// Creates a user with a unique e-mail.
pub(crate) async fn user(tf: &TaskFlow, name: &str) -> User {
    let email = format!("{}@example.com", unique(name));
    tf.create_user(NewUser::new(email, name)).await.expect("create user")
}
