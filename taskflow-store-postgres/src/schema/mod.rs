//! The schema: its tables, the embedded migrations, the grants of the run-time role, the Citus
//! distribution, and the checks a store makes when it connects.

mod check;
mod migrate;

pub(crate) use check::verify;
pub use migrate::{grant_runtime_role, migrate};

use sqlx::migrate::Migrator;

/// The migrations, embedded at build time from `migrations/`.
pub(crate) static MIGRATOR: Migrator = sqlx::migrate!();

/// Tables holding one tenant's rows: their primary keys lead with `org_id`, their unique
/// constraints and foreign keys include it, row-level security is enabled and forced on them,
/// and on Citus they are distributed by `org_id`, co-located with `organizations`.
pub const TENANT_TABLES: [&str; 7] =
    ["organizations", "org_usage", "members", "projects", "project_usage", "tasks", "events"];

/// Global tables, read without a tenant (users, the slug lookup, the user → organizations
/// index). On Citus they are reference tables, copied to every node.
pub const GLOBAL_TABLES: [&str; 3] = ["users", "org_slugs", "memberships"];

/// The newest migration this build knows: a database migrated further is refused.
pub fn schema_version() -> i64 {
    MIGRATOR.iter().map(|m| m.version).max().unwrap_or(0)
}

/// The statements `migrate()` runs on a database with the `citus` extension, right after the
/// migration that creates the tables and before the one that adds the foreign keys (Citus
/// refuses to distribute a table that a plain table still references): global tables become
/// reference tables, tenant tables are distributed by `org_id`, co-located with
/// `organizations` so a tenant's rows of every table live on the same node.
pub fn citus_distribution() -> Vec<String> {
    distribution().into_iter().map(|(_, statement)| statement).collect()
}

/// `(table, statement)` pairs, in the order they run.
fn distribution() -> Vec<(&'static str, String)> {
    let reference = GLOBAL_TABLES.iter().map(|t| (*t, format!("SELECT create_reference_table('{t}')")));
    let distributed = TENANT_TABLES.iter().map(|t| {
        let statement = match *t {
            "organizations" => "SELECT create_distributed_table('organizations', 'org_id')".to_string(),
            t => {
                format!("SELECT create_distributed_table('{t}', 'org_id', colocate_with => 'organizations')")
            }
        };
        (*t, statement)
    });
    reference.chain(distributed).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_table_is_distributed_once_and_organizations_first() {
        let plan = distribution();
        assert_eq!(plan.len(), TENANT_TABLES.len() + GLOBAL_TABLES.len());
        let first_tenant = plan.iter().position(|(t, _)| TENANT_TABLES.contains(t)).unwrap();
        assert_eq!(plan[first_tenant].0, "organizations", "the co-location anchor is distributed first");
        for (table, statement) in &plan {
            assert_eq!(plan.iter().filter(|(t, _)| t == table).count(), 1, "{table}");
            assert!(statement.contains(&format!("'{table}'")), "{statement}");
        }
    }

    #[test]
    fn the_embedded_migrations_are_ordered() {
        let versions: Vec<i64> = MIGRATOR.iter().map(|m| m.version).collect();
        assert_eq!(versions, [1, 2]);
        assert_eq!(schema_version(), 2);
    }
}
