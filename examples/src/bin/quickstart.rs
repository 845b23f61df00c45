//! The main job: two organizations at work, the change feed, and tenancy holding, on the
//! embedded default store (sled).
//!
//! ```text
//! cargo run -p taskflow-examples --bin quickstart             # in a fresh temporary directory
//! cargo run -p taskflow-examples --bin quickstart -- ./data   # in ./data, kept (must be new)
//! ```

use std::sync::Arc;

use taskflow_core::store::TaskQuery;
use taskflow_core::{
    Error, NewOrganization, NewProject, NewTask, NewUser, Priority, Role, Status, TaskFlow, Tier,
};
use taskflow_store_sled::SledStore;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    match run().await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("quickstart failed: {e}");
            let mut source = std::error::Error::source(&e);
            while let Some(cause) = source {
                eprintln!("  caused by: {cause}");
                source = cause.source();
            }
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), Error> {
    let store = match std::env::args_os().nth(1) {
        Some(dir) => SledStore::open_path(dir).await?,
        None => SledStore::open_temporary().await?,
    };
    let temporary = std::env::args_os().nth(1).is_none();
    println!(
        "TaskFlow quickstart on sled, in {} ({})\n",
        store.path().display(),
        if temporary { "a temporary directory, removed at exit" } else { "kept" }
    );
    let tf = TaskFlow::new(Arc::new(store.clone()));

    // Two tenants, each with an owner and a member.
    let ada = tf.create_user(NewUser::new("ada@acme.example", "Ada")).await?;
    let bob = tf.create_user(NewUser::new("bob@acme.example", "Bob")).await?;
    let eve = tf.create_user(NewUser::new("eve@globex.example", "Eve")).await?;
    let (acme, ada_acme) =
        tf.register(NewOrganization::new("Acme", "acme", "Europe/Paris", Tier::Free), ada.id).await?;
    let (globex, eve_globex) =
        tf.register(NewOrganization::new("Globex", "globex", "America/New_York", Tier::Pro), eve.id).await?;
    tf.add_member(&ada_acme, bob.id, Role::Member).await?;
    let bob_acme = tf.act_as(acme.id, bob.id).await?;
    println!(
        "registered {} ({}, {}) and {} ({}, {})",
        acme.slug, acme.tier, acme.time_zone, globex.slug, globex.tier, globex.time_zone
    );

    // Acme's live feed, from the beginning.
    let mut feed = tf.subscribe(&ada_acme, 0).await?;

    // Work moves through the status graph.
    let launch = tf.create_project(&ada_acme, NewProject::named("Launch")).await?;
    let new = NewTask {
        priority: Priority::High,
        assignee: Some(bob.id),
        ..NewTask::new(launch.id, "Write the press release")
    };
    let task = tf.create_task(&bob_acme, new).await?;
    let mut task = tf.move_task(&bob_acme, task.id, task.version, Status::InProgress).await?;
    for next in [Status::InReview, Status::Done] {
        task = tf.move_task(&bob_acme, task.id, task.version, next).await?;
    }
    println!(
        "'{}' is {} (started {:?}, completed {:?})",
        task.title, task.status, task.started_at, task.completed_at
    );

    // Optimistic concurrency: an update from a stale version is refused.
    let stale = tf.move_task(&ada_acme, task.id, task.version - 1, Status::Todo).await;
    println!("stale update refused: {}", stale.expect_err("stale version"));

    // Tenancy: Globex cannot see or touch Acme's task, and the answer reveals nothing.
    let foreign = tf.task(&eve_globex, task.id).await;
    println!("globex reading acme's task: {}", foreign.expect_err("tenant isolation"));
    let into_acme = tf.create_task(&eve_globex, NewTask::new(launch.id, "sneak in")).await;
    println!("globex creating a task in acme's project: {}", into_acme.expect_err("tenant isolation"));

    // Tier limits: Free allows 3 active projects.
    for name in ["Docs", "Support"] {
        tf.create_project(&ada_acme, NewProject::named(name)).await?;
    }
    let fourth = tf.create_project(&ada_acme, NewProject::named("One too many")).await;
    println!("4th project on Free: {}", fourth.expect_err("limit"));

    // Viewers read, but cannot write.
    let vic = tf.create_user(NewUser::new("vic@acme.example", "Vic")).await?;
    tf.add_member(&ada_acme, vic.id, Role::Viewer).await?;
    let vic_acme = tf.act_as(acme.id, vic.id).await?;
    let done =
        tf.list_tasks(&vic_acme, &TaskQuery { status: Some(Status::Done), ..TaskQuery::default() }).await?;
    println!("vic (viewer) sees {} done task(s)", done.items.len());
    let refused = tf.create_task(&vic_acme, NewTask::new(launch.id, "viewer at work")).await;
    println!("vic creating a task: {}", refused.expect_err("viewer cannot write"));

    // The feed saw every change, in order, with gapless seq.
    let last = tf.events(&ada_acme, 0, 1000).await?.len();
    println!("\nacme's change feed:");
    for _ in 0..last {
        let event = feed.next().await.expect("live feed")?;
        let actor = tf.store().get_user(event.actor).await?.name;
        println!("  #{:<2} {:<22} by {actor}", event.seq, event.kind.name());
    }

    // Durable from here: flushed to disk, and the store checks itself.
    store.flush().await?;
    let report = store.verify().await?;
    println!(
        "\nflushed; integrity check: {} organizations, {} tasks, {} events, {} problems",
        report.organizations,
        report.tasks,
        report.events,
        report.problems.len()
    );
    Ok(())
}
