//! A deterministic workload generator: organizations working through simulated days.
//!
//! [`run`] registers organizations, users, members and projects, then simulates `days` local
//! days of work in each organization's time zone, through the public [`TaskFlow`] API only, on a
//! [`ManualClock`] and [`SeededIds`]. So analytics tests, examples and benchmarks can replay
//! months of history in seconds, and the same [`WorkloadConfig`] on a fresh store always produces
//! byte-identical ids, events and timestamps.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")] async fn main() -> taskflow_core::Result<()> {
//! use std::sync::Arc;
//! use taskflow_core::MemoryStore;
//! use taskflow_core::testkit::workload::{self, WorkloadConfig};
//!
//! let config = WorkloadConfig { days: 10, ..WorkloadConfig::default() };
//! let workload = workload::run(Arc::new(MemoryStore::new()), &config).await?;
//! assert_eq!(workload.organizations.len(), 2);
//! assert!(workload.organizations[0].counts.tasks_created > 0);
//! # Ok(()) }
//! ```
//!
//! # The model
//!
//! A discrete-event simulation: one agenda, ordered by instant, holds each organization's next
//! local day, the day's task arrivals and every tracked task's next step. Popping an entry sets
//! the clock to its instant, so the clock only moves forward and the log of every organization
//! is in time order, even across time zones.
//!
//! - **Days.** Each organization simulates the `days` local dates starting with the local date
//!   of `start`. Work happens on weekdays (and weekends when asked) between the configured
//!   local hours. A working day brings about `tasks_per_day` new tasks (binomially spread),
//!   at uniform instants of the working window.
//! - **Tasks.** Created by a random writer (Owner, Admin or Member; viewers never write), with a
//!   priority, often tags, a due date a few days ahead, an estimate and an assignee. Each task
//!   then walks the status graph, one step at a time, waiting a working-time delay between steps
//!   that depends on its state and priority: mostly `todo → in_progress → in_review → done`,
//!   sometimes `blocked` and back, sometimes cancelled, sometimes done straight away or sent
//!   back from review. Between steps it is sometimes reassigned or edited (priority, due date
//!   slipping, estimate, tags, title, description). An unassigned task is assigned to whoever
//!   picks it up before it is started. Reviews are moved on by another writer than the assignee.
//! - **After closing.** A done or cancelled task is sometimes reopened (then completed or
//!   cancelled again later), archived or deleted (by an Admin or Owner) some days later;
//!   otherwise it is left alone. A few fresh `todo` tasks are deleted as duplicates.
//! - **End.** Steps that would fall after an organization's last simulated day are not taken:
//!   those tasks stay open, as real work in progress does.
//!
//! Every write names the version the generator last got back from the service, and every move
//! is checked with [`Status::can_move_to`] first, so a run never conflicts: any error is a bug
//! in the store and ends the run with it.
//!
//! # Determinism
//!
//! One [`ChaCha8Rng`] seeded with `seed` makes every choice, in agenda order (ties broken by
//! insertion order), and the generator keeps its own index of live tasks in vectors, never
//! reading the store to decide. Ids come from [`SeededIds::new`]`(seed)` and time from the
//! manual clock. Slugs and e-mail addresses embed the seed, so runs with different seeds share a
//! store without colliding; the same seed twice on one store fails on the first e-mail address.

use std::cmp::Ordering;
use std::collections::BinaryHeap;
use std::sync::Arc;

use chrono::{
    DateTime, Datelike, Days, Duration, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc, Weekday,
};
use chrono_tz::Tz;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::{
    Clock, Error, ManualClock, NewOrganization, NewProject, NewTask, NewUser, OrgId, Principal, Priority,
    Problem, ProjectId, Result, Role, SeededIds, Status, Store, Task, TaskFlow, TaskId, TaskPatch, Tier,
    UserId,
};

/// What to simulate. Every field is public; start from [`Default`] and change what matters.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkloadConfig {
    /// Seeds every random choice and the id source; slugs and e-mails embed it too.
    pub seed: u64,
    /// Where the clock starts: setup (users, organizations, members, projects) happens here,
    /// one second per call, and the first simulated day is the local date of this instant.
    pub start: DateTime<Utc>,
    /// Local days simulated in each organization (weekends included in the count). `0` only
    /// sets up the organizations.
    pub days: u32,
    /// How many organizations to register.
    pub organizations: usize,
    /// Members of each organization, the Owner included (at least 1). The first is the Owner,
    /// the second an Admin, every fifth a Viewer, the rest Members.
    pub members_per_org: usize,
    /// Projects of each organization. With none, no task is ever created.
    pub projects_per_org: usize,
    /// Mean number of new tasks per organization per working day (0 to 100,000). Each task
    /// brings about 6 events, so a year of weekdays at 650 gives about a million events.
    pub tasks_per_day: f64,
    /// Time zones handed out to the organizations in turn (UTC when empty).
    pub time_zones: Vec<Tz>,
    /// Tier of every organization. Free limits stop a run early with `LimitExceeded`; Pro allows
    /// 10,000 active tasks per project, which a long, busy run exceeds (tasks left done stay
    /// active). The default, Enterprise, has no limits.
    pub tier: Tier,
    /// Local hour at which the working day starts (0 to 23).
    pub workday_start_hour: u32,
    /// Local hour at which the working day ends (after the start, at most 24).
    pub workday_end_hour: u32,
    /// Whether Saturdays and Sundays are working days too.
    pub work_on_weekends: bool,
}

impl Default for WorkloadConfig {
    /// Seed 42, 30 days from Monday 2026-01-05 00:00 UTC, 2 organizations of 6 members and 3
    /// projects, 8 new tasks per working day, zones Paris, New York and Tokyo, Enterprise tier,
    /// 09:00 to 18:00 on weekdays.
    fn default() -> Self {
        Self {
            seed: 42,
            start: NaiveDate::from_ymd_opt(2026, 1, 5)
                .expect("a valid date")
                .and_time(NaiveTime::MIN)
                .and_utc(),
            days: 30,
            organizations: 2,
            members_per_org: 6,
            projects_per_org: 3,
            tasks_per_day: 8.0,
            time_zones: vec![chrono_tz::Europe::Paris, chrono_tz::America::New_York, chrono_tz::Asia::Tokyo],
            tier: Tier::Enterprise,
            workday_start_hour: 9,
            workday_end_hour: 18,
            work_on_weekends: false,
        }
    }
}

impl WorkloadConfig {
    fn check(&self) -> Result<()> {
        if !(self.tasks_per_day.is_finite() && (0.0..=MAX_TASKS_PER_DAY).contains(&self.tasks_per_day)) {
            return Err(Error::invalid("tasks_per_day", Problem::OutOfRange("from 0 to 100000")));
        }
        if self.workday_start_hour >= self.workday_end_hour || self.workday_end_hour > 24 {
            return Err(Error::invalid(
                "workday_end_hour",
                Problem::OutOfRange("after the start hour, at most 24"),
            ));
        }
        // Leaves room for the delays scheduled past the last day, so date arithmetic cannot
        // overflow later.
        let room = Days::new(u64::from(self.days) + 400);
        if self.start.checked_add_days(room).is_none() || self.start.checked_sub_days(Days::new(2)).is_none()
        {
            return Err(Error::invalid(
                "start",
                Problem::OutOfRange("within chrono's range with room for the days"),
            ));
        }
        Ok(())
    }
}

/// Most new tasks per organization per working day (each day samples `4 × mean` coin flips).
const MAX_TASKS_PER_DAY: f64 = 100_000.0;

/// What a run did: per organization, who and what it created and how much happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Workload {
    /// The seed it ran with.
    pub seed: u64,
    /// Where the clock started (the configured `start`).
    pub started_at: DateTime<Utc>,
    /// The clock's final time: the later of the last operation and `start + days`, so every
    /// organization's simulated days are over.
    pub ended_at: DateTime<Utc>,
    /// The organizations, in registration order.
    pub organizations: Vec<OrgWorkload>,
}

impl Workload {
    /// Events appended over all organizations.
    pub fn total_events(&self) -> u64 {
        self.organizations.iter().map(|o| o.counts.events).sum()
    }
}

/// One simulated organization.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgWorkload {
    /// Its id.
    pub id: OrgId,
    /// Its display name.
    pub name: String,
    /// Its slug (embeds the seed).
    pub slug: String,
    /// Its time zone, in which its days and working hours are local.
    pub time_zone: Tz,
    /// The first Owner, who registered it.
    pub owner: Principal,
    /// Every member's principal, the Owner first, in joining order (roles are mixed).
    pub members: Vec<Principal>,
    /// Its projects, in creation order (all active).
    pub projects: Vec<ProjectId>,
    /// What happened in it.
    pub counts: WorkloadCounts,
}

impl OrgWorkload {
    /// The members' user ids, the Owner first.
    pub fn member_ids(&self) -> Vec<UserId> {
        self.members.iter().map(Principal::user).collect()
    }
}

/// Successful operations of one organization, each of which appended exactly one event.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WorkloadCounts {
    /// Tasks created.
    pub tasks_created: u64,
    /// Status changes (every `move_task`).
    pub status_changes: u64,
    /// Moves to `done` (a task completed again after reopening counts again).
    pub completions: u64,
    /// Moves to `cancelled`.
    pub cancellations: u64,
    /// Moves out of `done` or `cancelled`.
    pub reopenings: u64,
    /// Assignments, reassignments and unassignments after creation.
    pub assignments: u64,
    /// Edits of a task's own fields.
    pub edits: u64,
    /// Tasks archived.
    pub archivals: u64,
    /// Tasks deleted.
    pub deletions: u64,
    /// Events appended to the organization's log, setup included: its last seq.
    pub events: u64,
}

/// Simulates the configured organizations on `store` and reports what was done.
///
/// The handle it works through has a [`ManualClock`] starting at `config.start` and
/// [`SeededIds`]`::new(config.seed)`; on a fresh store the same config always produces the same
/// ids, events and timestamps. Fails with `Invalid` for an out-of-range config, and with the
/// store's error if the store refuses an operation (a bug: the generator only asks for legal
/// changes at the current version).
pub async fn run(store: Arc<dyn Store>, config: &WorkloadConfig) -> Result<Workload> {
    config.check()?;
    let clock = Arc::new(ManualClock::new(config.start));
    let tf = TaskFlow::new(store).with_clock(clock.clone()).with_ids(Arc::new(SeededIds::new(config.seed)));
    let mut sim = Sim {
        tf,
        clock,
        config,
        rng: ChaCha8Rng::seed_from_u64(config.seed),
        orgs: Vec::with_capacity(config.organizations),
        agenda: BinaryHeap::new(),
        tie: 0,
        users: 0,
    };
    for index in 0..config.organizations {
        sim.set_up_org(index).await?;
    }
    for org in 0..sim.orgs.len() {
        let first = sim.orgs[org].first_day;
        sim.schedule_day(org, first);
    }
    while let Some(entry) = sim.agenda.pop() {
        sim.clock.set(entry.at);
        match entry.what {
            What::Day(date) => sim.open_day(entry.org, date),
            What::Arrival => sim.create_task(entry.org).await?,
            What::Step(slot) => sim.step(entry.org, slot).await?,
        }
    }
    let nominal_end = config.start + Duration::days(i64::from(config.days));
    let last_horizon = sim.orgs.iter().map(|o| o.horizon).max().unwrap_or(config.start);
    let ended_at = sim.clock_now().max(nominal_end).max(last_horizon);
    sim.clock.set(ended_at);
    Ok(Workload {
        seed: config.seed,
        started_at: config.start,
        ended_at: sim.clock_now(),
        organizations: sim.orgs.into_iter().map(OrgSim::summary).collect(),
    })
}

// ---------------------------------------------------------------------------------------------
// The simulation state.

struct Sim<'a> {
    tf: TaskFlow,
    clock: Arc<ManualClock>,
    config: &'a WorkloadConfig,
    rng: ChaCha8Rng,
    orgs: Vec<OrgSim>,
    agenda: BinaryHeap<Entry>,
    /// Insertion counter: breaks ties between entries at the same instant, deterministically.
    tie: u64,
    /// Users created so far in this run, to number e-mail addresses.
    users: u64,
}

struct OrgSim {
    id: OrgId,
    name: String,
    slug: String,
    tz: Tz,
    owner: Principal,
    members: Vec<Principal>,
    /// Owners, Admins and Members: who creates and moves tasks.
    writers: Vec<Principal>,
    /// Owners and Admins: who may delete tasks.
    managers: Vec<Principal>,
    projects: Vec<ProjectId>,
    first_day: NaiveDate,
    /// First local date not simulated.
    end_day: NaiveDate,
    /// Local midnight of `end_day`: nothing is scheduled at or after it.
    horizon: DateTime<Utc>,
    /// Live tasks by slot; a freed slot is reused, which is safe because a task has at most one
    /// pending agenda entry and it is the one being handled when the slot is freed.
    tasks: Vec<Option<Tracked>>,
    free: Vec<usize>,
    /// Numbers task titles.
    created: u64,
    counts: WorkloadCounts,
}

impl OrgSim {
    fn summary(self) -> OrgWorkload {
        OrgWorkload {
            id: self.id,
            name: self.name,
            slug: self.slug,
            time_zone: self.tz,
            owner: self.owner,
            members: self.members,
            projects: self.projects,
            counts: self.counts,
        }
    }

    fn insert(&mut self, task: Tracked) -> usize {
        if let Some(slot) = self.free.pop() {
            self.tasks[slot] = Some(task);
            slot
        } else {
            self.tasks.push(Some(task));
            self.tasks.len() - 1
        }
    }

    fn release(&mut self, slot: usize) {
        self.tasks[slot] = None;
        self.free.push(slot);
    }

    fn principal_of(&self, user: UserId) -> Option<Principal> {
        self.writers.iter().copied().find(|p| p.user() == user)
    }
}

/// What the generator knows of a live task: enough to decide without reading the store.
#[derive(Debug, Clone, Copy)]
struct Tracked {
    id: TaskId,
    number: u64,
    version: u64,
    status: Status,
    assignee: Option<UserId>,
    priority: Priority,
    due_date: Option<NaiveDate>,
    plan: Plan,
}

impl Tracked {
    fn refresh(&mut self, task: &Task) {
        self.version = task.version;
        self.status = task.status;
        self.assignee = task.assignee;
        self.priority = task.priority;
        self.due_date = task.due_date;
    }
}

/// What a task's pending step does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Plan {
    /// Decide then: move on, or first edit or reassign it.
    Advance,
    /// Move to this status (decided earlier: after picking it up, or a reopening).
    Move(Status),
    /// Archive it and stop tracking it.
    Archive,
    /// Delete it and stop tracking it.
    Delete,
}

#[derive(Debug, Clone, Copy)]
enum What {
    /// Open a local day: sample its arrivals and schedule the next day.
    Day(NaiveDate),
    /// Create a task.
    Arrival,
    /// Take the pending step of the task in this slot.
    Step(usize),
}

struct Entry {
    at: DateTime<Utc>,
    tie: u64,
    org: usize,
    what: What,
}

// `BinaryHeap` is a max-heap: reverse the order so the earliest entry (then the first pushed)
// pops first.
impl Ord for Entry {
    fn cmp(&self, other: &Self) -> Ordering {
        (other.at, other.tie).cmp(&(self.at, self.tie))
    }
}

impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Entry {
    fn eq(&self, other: &Self) -> bool {
        (self.at, self.tie) == (other.at, other.tie)
    }
}

impl Eq for Entry {}

// ---------------------------------------------------------------------------------------------
// Behaviour tables. Weights are integers, so choices use exact integer sampling.

const MINUTE: i64 = 60;
const HOUR: i64 = 60 * MINUTE;
/// A working day of the default 9-hour window, as a unit for waiting times.
const WORKDAY: i64 = 9 * HOUR;

/// Where a step from each open status goes, with weights. Every edge is legal (tested).
fn next_statuses(from: Status) -> &'static [(Status, u32)] {
    use Status::*;
    match from {
        Todo => &[(InProgress, 86), (Blocked, 4), (Done, 4), (Cancelled, 6)],
        InProgress => &[(InReview, 62), (Done, 20), (Blocked, 8), (Todo, 5), (Cancelled, 5)],
        InReview => &[(Done, 72), (InProgress, 22), (Blocked, 3), (Cancelled, 3)],
        Blocked => &[(InProgress, 60), (Todo, 25), (Cancelled, 15)],
        Done | Cancelled => &[],
    }
}

const PRIORITIES: [(Priority, u32); 4] =
    [(Priority::Low, 20), (Priority::Medium, 50), (Priority::High, 22), (Priority::Urgent, 8)];

/// Chance that an open task's step is an edit or a reassignment instead of a move.
const SIDE_ACTION: f64 = 0.2;
/// Chance that a step of a fresh `todo` task deletes it as a duplicate.
const DUPLICATE: f64 = 0.015;

const VERBS: [&str; 12] = [
    "Fix",
    "Implement",
    "Refactor",
    "Document",
    "Review",
    "Investigate",
    "Design",
    "Test",
    "Migrate",
    "Update",
    "Remove",
    "Speed up",
];
const OBJECTS: [&str; 16] = [
    "the login flow",
    "the billing page",
    "the search index",
    "onboarding e-mails",
    "API rate limits",
    "dashboard charts",
    "CSV export",
    "the mobile layout",
    "the audit log",
    "webhook retries",
    "password reset",
    "the settings page",
    "invoice PDFs",
    "SSO with SAML",
    "the public API docs",
    "notification preferences",
];
const DESCRIPTIONS: [&str; 6] = [
    "Reported by a customer; see the support ticket for the steps to reproduce.",
    "Agreed in the planning meeting. Keep the change small and behind a flag.",
    "Needs a design review before the implementation starts.",
    "Follow-up of last sprint's incident review.",
    "Blocking the next release: check with the release manager before merging.",
    "Nice to have. Pair with someone from the platform team.",
];
const TAGS: [&str; 12] = [
    "backend",
    "frontend",
    "bug",
    "feature",
    "docs",
    "infra",
    "ux",
    "security",
    "tech-debt",
    "customer",
    "performance",
    "mobile",
];
const ESTIMATES: [f64; 8] = [0.5, 1.0, 2.0, 3.0, 4.0, 6.0, 8.0, 13.0];
const ORG_NAMES: [&str; 10] =
    ["Acme", "Globex", "Initech", "Umbrella", "Hooli", "Vandelay", "Soylent", "Tyrell", "Wonka", "Cyberdyne"];
const PROJECT_NAMES: [&str; 8] = [
    "Website",
    "Mobile app",
    "Platform",
    "Billing",
    "Data pipeline",
    "Customer support",
    "Marketing site",
    "Infrastructure",
];
const FIRST_NAMES: [&str; 16] = [
    "Ada",
    "Grace",
    "Alan",
    "Edsger",
    "Barbara",
    "Donald",
    "Frances",
    "John",
    "Margaret",
    "Ken",
    "Radia",
    "Dennis",
    "Hedy",
    "Linus",
    "Katherine",
    "Niklaus",
];
const LAST_NAMES: [&str; 16] = [
    "Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Knuth", "Allen", "Backus", "Hamilton", "Thompson",
    "Perlman", "Ritchie", "Lamarr", "Torvalds", "Johnson", "Wirth",
];

fn weighted<T: Copy>(rng: &mut ChaCha8Rng, table: &[(T, u32)]) -> Option<T> {
    let total: u32 = table.iter().map(|(_, w)| w).sum();
    if total == 0 {
        return None;
    }
    let mut roll = rng.random_range(0..total);
    for &(value, weight) in table {
        if roll < weight {
            return Some(value);
        }
        roll -= weight;
    }
    None
}

/// One element of a non-empty slice.
fn any<T: Copy>(rng: &mut ChaCha8Rng, items: &[T]) -> T {
    // Callers only pass non-empty slices (an organization always has its Owner as a writer).
    items[rng.random_range(0..items.len())]
}

/// A count with mean `mean`, close to Poisson: `4 × mean` coin flips of probability 1/4 (integer
/// sampling only, so it is exact on every platform).
fn arrivals(rng: &mut ChaCha8Rng, mean: f64) -> u64 {
    if mean <= 0.0 {
        return 0;
    }
    let trials = (mean * 4.0).ceil().max(1.0);
    let p = (mean / trials).min(1.0);
    // `trials` is at most 400,000 (the config is checked), so the cast is exact.
    (0..trials as u64).filter(|_| rng.random_bool(p)).count() as u64
}

fn next_day(date: NaiveDate) -> NaiveDate {
    // The config check leaves hundreds of days of room after the last simulated day.
    date + Days::new(1)
}

/// The instant of a local wall-clock time. A time that a DST gap skips moves forward to the
/// first one that exists; an ambiguous one takes the earlier instant.
fn local_to_utc(tz: Tz, local: NaiveDateTime) -> DateTime<Utc> {
    let mut probe = local;
    for _ in 0..8 {
        if let Some(at) = tz.from_local_datetime(&probe).earliest() {
            return at.with_timezone(&Utc);
        }
        probe += Duration::minutes(30);
    }
    // No zone has a gap of four hours; reading the time as UTC keeps the run going regardless.
    Utc.from_utc_datetime(&local)
}

// ---------------------------------------------------------------------------------------------
// Setup.

impl Sim<'_> {
    fn clock_now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// Setup calls are one second apart, so their records do not all share a timestamp.
    fn tick(&self) {
        self.clock.advance(Duration::seconds(1));
    }

    async fn new_user(&mut self) -> Result<UserId> {
        let n = self.users;
        self.users += 1;
        let first = any(&mut self.rng, &FIRST_NAMES);
        let last = any(&mut self.rng, &LAST_NAMES);
        // The seed in the domain keeps runs with different seeds apart on a shared store.
        let email = format!(
            "{}.{}.{n}@s{:x}.workload.example",
            first.to_lowercase(),
            last.to_lowercase(),
            self.config.seed
        );
        self.tick();
        Ok(self.tf.create_user(NewUser::new(email, format!("{first} {last}"))).await?.id)
    }

    async fn set_up_org(&mut self, index: usize) -> Result<()> {
        let config = self.config;
        let base = ORG_NAMES[index % ORG_NAMES.len()];
        let name = if index < ORG_NAMES.len() { base.to_owned() } else { format!("{base} {index}") };
        let slug = format!("{}-{:x}-{index}", base.to_lowercase(), config.seed);
        let tz = if config.time_zones.is_empty() {
            Tz::UTC
        } else {
            config.time_zones[index % config.time_zones.len()]
        };
        let owner_user = self.new_user().await?;
        self.tick();
        let (org, owner) = self
            .tf
            .register(NewOrganization::new(name.clone(), slug.clone(), tz.name(), config.tier), owner_user)
            .await?;
        let mut counts = WorkloadCounts { events: 1, ..WorkloadCounts::default() };
        let mut members = vec![owner];
        for i in 1..config.members_per_org.max(1) {
            let role = match i {
                1 => Role::Admin,
                i if i % 5 == 4 => Role::Viewer,
                _ => Role::Member,
            };
            let user = self.new_user().await?;
            self.tick();
            self.tf.add_member(&owner, user, role).await?;
            counts.events += 1;
            members.push(self.tf.act_as(org.id, user).await?);
        }
        let writers: Vec<Principal> = members.iter().copied().filter(|p| p.role() >= Role::Member).collect();
        let managers: Vec<Principal> = members.iter().copied().filter(|p| p.role() >= Role::Admin).collect();
        let mut projects = Vec::with_capacity(config.projects_per_org);
        for i in 0..config.projects_per_org {
            let kind = PROJECT_NAMES[i % PROJECT_NAMES.len()];
            let name = if i < PROJECT_NAMES.len() {
                kind.to_owned()
            } else {
                format!("{kind} {}", i / PROJECT_NAMES.len() + 1)
            };
            let creator = any(&mut self.rng, &managers);
            let new = NewProject { name, description: Some(format!("{kind} work of {}.", org.name)) };
            self.tick();
            projects.push(self.tf.create_project(&creator, new).await?.id);
            counts.events += 1;
        }
        let first_day = config.start.with_timezone(&tz).date_naive();
        let end_day = first_day + Days::new(u64::from(config.days));
        let horizon = local_to_utc(tz, end_day.and_time(NaiveTime::MIN));
        self.orgs.push(OrgSim {
            id: org.id,
            name,
            slug,
            tz,
            owner,
            members,
            writers,
            managers,
            projects,
            first_day,
            end_day,
            horizon,
            tasks: Vec::new(),
            free: Vec::new(),
            created: 0,
            counts,
        });
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// Time: days, working hours, the agenda.

impl Sim<'_> {
    fn works_on(&self, date: NaiveDate) -> bool {
        self.config.work_on_weekends || !matches!(date.weekday(), Weekday::Sat | Weekday::Sun)
    }

    fn window(&self, date: NaiveDate) -> (NaiveDateTime, NaiveDateTime) {
        let midnight = date.and_time(NaiveTime::MIN);
        let open = midnight + Duration::hours(i64::from(self.config.workday_start_hour));
        let close = midnight + Duration::hours(i64::from(self.config.workday_end_hour));
        (open, close)
    }

    /// `from` plus `seconds` of working time in the organization's zone: the clock of work
    /// stops outside working hours and on days off.
    fn after_work(&self, org: usize, from: DateTime<Utc>, mut seconds: i64) -> DateTime<Utc> {
        let tz = self.orgs[org].tz;
        let mut local = from.with_timezone(&tz).naive_local();
        // Bounded: each round either returns or moves to the next day, and the longest wait is
        // a few working days.
        loop {
            let date = local.date();
            let (open, close) = self.window(date);
            if !self.works_on(date) || local >= close {
                local = next_day(date).and_time(NaiveTime::MIN);
                continue;
            }
            local = local.max(open);
            let available = (close - local).num_seconds();
            if seconds < available {
                return local_to_utc(tz, local + Duration::seconds(seconds)).max(from);
            }
            seconds -= available;
            local = next_day(date).and_time(NaiveTime::MIN);
        }
    }

    /// Adds an agenda entry, never in the past and never after the organization's last day.
    fn push(&mut self, org: usize, at: DateTime<Utc>, what: What) {
        let at = at.max(self.clock_now());
        if at < self.orgs[org].horizon {
            self.tie += 1;
            self.agenda.push(Entry { at, tie: self.tie, org, what });
        }
    }

    fn schedule_day(&mut self, org: usize, date: NaiveDate) {
        if date < self.orgs[org].end_day {
            let midnight = local_to_utc(self.orgs[org].tz, date.and_time(NaiveTime::MIN));
            self.push(org, midnight, What::Day(date));
        }
    }

    fn open_day(&mut self, org: usize, date: NaiveDate) {
        if self.works_on(date) && !self.orgs[org].projects.is_empty() {
            let (open, close) = self.window(date);
            let span = (close - open).num_seconds();
            let now = self.clock_now();
            let tz = self.orgs[org].tz;
            for _ in 0..arrivals(&mut self.rng, self.config.tasks_per_day) {
                let at = local_to_utc(tz, open + Duration::seconds(self.rng.random_range(0..span)));
                // The first day may start mid-way: work before the start did not happen.
                if at >= now {
                    self.push(org, at, What::Arrival);
                }
            }
        }
        self.schedule_day(org, next_day(date));
    }

    /// Schedules the task's next step after `seconds` of working time, or leaves it where it is
    /// when that falls after the last day.
    fn schedule(&mut self, org: usize, slot: usize, seconds: i64) {
        let at = self.after_work(org, self.clock_now(), seconds.max(1));
        self.push(org, at, What::Step(slot));
    }

    fn wait(&mut self, min: i64, max: i64) -> i64 {
        self.rng.random_range(min..=max)
    }
}

// ---------------------------------------------------------------------------------------------
// Work.

impl Sim<'_> {
    async fn create_task(&mut self, org: usize) -> Result<()> {
        let now = self.clock_now();
        let rng = &mut self.rng;
        let o = &mut self.orgs[org];
        let project = any(rng, &o.projects);
        let creator = any(rng, &o.writers);
        o.created += 1;
        let number = o.created;
        let today = now.with_timezone(&o.tz).date_naive();
        let new = NewTask {
            project_id: project,
            title: title(rng, number),
            description: rng.random_bool(0.4).then(|| any(rng, &DESCRIPTIONS).to_owned()),
            priority: weighted(rng, &PRIORITIES).unwrap_or_default(),
            assignee: rng.random_bool(0.65).then(|| any(rng, &o.writers).user()),
            due_date: rng.random_bool(0.7).then(|| today + Days::new(rng.random_range(1..=10))),
            estimate_hours: rng.random_bool(0.6).then(|| any(rng, &ESTIMATES)),
            tags: tags(rng),
        };
        let task = self.tf.create_task(&creator, new).await?;
        let o = &mut self.orgs[org];
        o.counts.tasks_created += 1;
        o.counts.events += 1;
        let tracked = Tracked {
            id: task.id,
            number,
            version: task.version,
            status: task.status,
            assignee: task.assignee,
            priority: task.priority,
            due_date: task.due_date,
            plan: Plan::Advance,
        };
        let slot = o.insert(tracked);
        let wait = self.waiting_time(task.status, task.priority, task.estimate_hours);
        self.schedule(org, slot, wait);
        Ok(())
    }

    /// How long a task stays in `status` before its next step, in working seconds.
    fn waiting_time(&mut self, status: Status, priority: Priority, estimate: Option<f64>) -> i64 {
        match status {
            Status::Todo => match priority {
                Priority::Urgent => self.wait(10 * MINUTE, 2 * HOUR),
                Priority::High => self.wait(30 * MINUTE, WORKDAY),
                Priority::Medium => self.wait(2 * HOUR, 3 * WORKDAY),
                Priority::Low => self.wait(4 * HOUR, 6 * WORKDAY),
            },
            Status::InProgress => match estimate {
                Some(hours) => {
                    // Work takes half to twice and a half the estimate, at least a quarter hour.
                    let factor = self.rng.random_range(0.5..2.5);
                    ((hours * factor * 3600.0) as i64).max(15 * MINUTE)
                }
                None => self.wait(HOUR, 2 * WORKDAY),
            },
            Status::InReview => self.wait(20 * MINUTE, 6 * HOUR),
            Status::Blocked => self.wait(2 * HOUR, 3 * WORKDAY),
            Status::Done | Status::Cancelled => self.wait(HOUR, 3 * WORKDAY),
        }
    }

    async fn step(&mut self, org: usize, slot: usize) -> Result<()> {
        let Some(task) = self.orgs[org].tasks[slot] else { return Ok(()) };
        match task.plan {
            Plan::Advance => self.advance(org, slot, task).await,
            Plan::Move(to) => self.move_task(org, slot, task, to).await,
            Plan::Archive => {
                let actor = self.actor_for(org, &task);
                self.tf.set_task_archived(&actor, task.id, task.version, true).await?;
                let o = &mut self.orgs[org];
                o.counts.archivals += 1;
                o.counts.events += 1;
                o.release(slot);
                Ok(())
            }
            Plan::Delete => {
                let actor = any(&mut self.rng, &self.orgs[org].managers);
                self.tf.delete_task(&actor, task.id, task.version).await?;
                let o = &mut self.orgs[org];
                o.counts.deletions += 1;
                o.counts.events += 1;
                o.release(slot);
                Ok(())
            }
        }
    }

    async fn advance(&mut self, org: usize, slot: usize, task: Tracked) -> Result<()> {
        if task.status == Status::Todo && self.rng.random_bool(DUPLICATE) {
            // Someone notices a duplicate; an Admin deletes it a little later.
            self.set_plan(org, slot, Plan::Delete);
            let wait = self.wait(10 * MINUTE, 4 * HOUR);
            self.schedule(org, slot, wait);
            return Ok(());
        }
        if self.rng.random_bool(SIDE_ACTION) {
            if self.rng.random_bool(0.35) && self.reassign(org, slot, task).await? {
                return Ok(());
            }
            return self.edit(org, slot, task).await;
        }
        let Some(to) = weighted(&mut self.rng, next_statuses(task.status)) else {
            return Ok(());
        };
        if to == Status::InProgress && task.assignee.is_none() {
            // Whoever picks the task up takes it first, then starts it a few minutes later.
            let actor = any(&mut self.rng, &self.orgs[org].writers);
            let updated = self.tf.assign_task(&actor, task.id, task.version, Some(actor.user())).await?;
            self.after_assign(org, slot, &updated, Plan::Move(to));
            let wait = self.wait(2 * MINUTE, 30 * MINUTE);
            self.schedule(org, slot, wait);
            return Ok(());
        }
        self.move_task(org, slot, task, to).await
    }

    async fn move_task(&mut self, org: usize, slot: usize, task: Tracked, to: Status) -> Result<()> {
        let from = task.status;
        if !from.can_move_to(to) {
            // Not reachable with the tables above; re-deciding keeps the run legal regardless.
            self.set_plan(org, slot, Plan::Advance);
            self.schedule(org, slot, 10 * MINUTE);
            return Ok(());
        }
        let actor = if from == Status::InReview && matches!(to, Status::Done | Status::InProgress) {
            self.reviewer(org, &task)
        } else {
            self.actor_for(org, &task)
        };
        let updated = self.tf.move_task(&actor, task.id, task.version, to).await?;
        let o = &mut self.orgs[org];
        o.counts.status_changes += 1;
        o.counts.events += 1;
        o.counts.completions += u64::from(to == Status::Done);
        o.counts.cancellations += u64::from(to == Status::Cancelled);
        o.counts.reopenings += u64::from(from.is_closed() && !to.is_closed());
        let tracked = o.tasks[slot].as_mut().expect("the slot of the task being handled is live");
        tracked.refresh(&updated);
        tracked.plan = Plan::Advance;
        if to.is_closed() {
            self.after_close(org, slot, to);
        } else {
            let wait = self.waiting_time(to, updated.priority, updated.estimate_hours);
            self.schedule(org, slot, wait);
        }
        Ok(())
    }

    /// Decides the fate of a task that was just closed: reopened, archived or deleted later, or
    /// left alone for good (and no longer tracked).
    fn after_close(&mut self, org: usize, slot: usize, status: Status) {
        let roll = self.rng.random_range(0..100);
        let (plan, wait) = match (status, roll) {
            (Status::Done, 0..7) => {
                let to = if self.rng.random_bool(0.6) { Status::InProgress } else { Status::Todo };
                (Plan::Move(to), self.wait(HOUR, 3 * WORKDAY))
            }
            (Status::Done, 7..37) => (Plan::Archive, self.wait(WORKDAY, 10 * WORKDAY)),
            (Status::Done, 37..40) => (Plan::Delete, self.wait(2 * HOUR, 5 * WORKDAY)),
            (Status::Cancelled, 0..8) => (Plan::Move(Status::Todo), self.wait(HOUR, 3 * WORKDAY)),
            (Status::Cancelled, 8..38) => (Plan::Archive, self.wait(WORKDAY, 10 * WORKDAY)),
            (Status::Cancelled, 38..68) => (Plan::Delete, self.wait(2 * HOUR, 5 * WORKDAY)),
            _ => {
                self.orgs[org].release(slot);
                return;
            }
        };
        self.set_plan(org, slot, plan);
        self.schedule(org, slot, wait);
    }

    /// Reassigns the task to another writer, or unassigns it. False when there is nobody else.
    async fn reassign(&mut self, org: usize, slot: usize, task: Tracked) -> Result<bool> {
        let o = &self.orgs[org];
        let others: Vec<UserId> =
            o.writers.iter().map(Principal::user).filter(|u| Some(*u) != task.assignee).collect();
        let to = if task.assignee.is_some() && self.rng.random_bool(0.12) {
            None
        } else if others.is_empty() {
            return Ok(false);
        } else {
            Some(any(&mut self.rng, &others))
        };
        let actor = self.actor_for(org, &task);
        let updated = self.tf.assign_task(&actor, task.id, task.version, to).await?;
        self.after_assign(org, slot, &updated, Plan::Advance);
        let wait = self.wait(10 * MINUTE, 3 * HOUR);
        self.schedule(org, slot, wait);
        Ok(true)
    }

    fn after_assign(&mut self, org: usize, slot: usize, updated: &Task, plan: Plan) {
        let o = &mut self.orgs[org];
        let tracked = o.tasks[slot].as_mut().expect("the slot of the task being handled is live");
        // A change that changes nothing is not written (same version back): no event to count.
        let changed = u64::from(tracked.version != updated.version);
        tracked.refresh(updated);
        o.counts.assignments += changed;
        o.counts.events += changed;
        tracked.plan = plan;
    }

    async fn edit(&mut self, org: usize, slot: usize, task: Tracked) -> Result<()> {
        let today = self.clock_now().with_timezone(&self.orgs[org].tz).date_naive();
        let rng = &mut self.rng;
        let patch = match rng.random_range(0..6) {
            0 => {
                let others: Vec<Priority> =
                    Priority::ALL.into_iter().filter(|p| *p != task.priority).collect();
                TaskPatch { priority: Some(any(rng, &others)), ..TaskPatch::default() }
            }
            1 => {
                // The due date slips (or gets set, if there was none).
                let from = task.due_date.map_or(today, |d| d.max(today));
                TaskPatch {
                    due_date: Some(Some(from + Days::new(rng.random_range(1..=5)))),
                    ..TaskPatch::default()
                }
            }
            2 => TaskPatch { estimate_hours: Some(Some(any(rng, &ESTIMATES))), ..TaskPatch::default() },
            3 => TaskPatch { tags: Some(tags(rng)), ..TaskPatch::default() },
            4 => TaskPatch { title: Some(title(rng, task.number)), ..TaskPatch::default() },
            _ => {
                let description = rng.random_bool(0.85).then(|| any(rng, &DESCRIPTIONS).to_owned());
                TaskPatch { description: Some(description), ..TaskPatch::default() }
            }
        };
        let actor = self.actor_for(org, &task);
        let updated = self.tf.update_task(&actor, task.id, task.version, patch).await?;
        let o = &mut self.orgs[org];
        // An edit to the value already there is not written: no event to count.
        let changed = u64::from(updated.version != task.version);
        o.counts.edits += changed;
        o.counts.events += changed;
        let tracked = o.tasks[slot].as_mut().expect("the slot of the task being handled is live");
        tracked.refresh(&updated);
        tracked.plan = Plan::Advance;
        let wait = self.wait(10 * MINUTE, 3 * HOUR);
        self.schedule(org, slot, wait);
        Ok(())
    }

    fn set_plan(&mut self, org: usize, slot: usize, plan: Plan) {
        if let Some(tracked) = self.orgs[org].tasks[slot].as_mut() {
            tracked.plan = plan;
        }
    }

    /// Mostly the assignee, otherwise any writer.
    fn actor_for(&mut self, org: usize, task: &Tracked) -> Principal {
        let o = &self.orgs[org];
        match task.assignee.and_then(|u| o.principal_of(u)) {
            Some(assignee) if self.rng.random_bool(0.85) => assignee,
            _ => any(&mut self.rng, &o.writers),
        }
    }

    /// A writer other than the assignee, when there is one.
    fn reviewer(&mut self, org: usize, task: &Tracked) -> Principal {
        let o = &self.orgs[org];
        let others: Vec<Principal> =
            o.writers.iter().copied().filter(|p| Some(p.user()) != task.assignee).collect();
        if others.is_empty() { any(&mut self.rng, &o.writers) } else { any(&mut self.rng, &others) }
    }
}

fn title(rng: &mut ChaCha8Rng, number: u64) -> String {
    format!("{} {} (#{number})", any(rng, &VERBS), any(rng, &OBJECTS))
}

fn tags(rng: &mut ChaCha8Rng) -> Vec<String> {
    // Duplicates are dropped by validation; the vector stays small either way.
    (0..rng.random_range(0..=3)).map(|_| any(rng, &TAGS).to_owned()).collect()
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::{EventKind, MAX_EVENTS_PER_READ, MemoryStore};

    async fn all_events(store: &Arc<dyn Store>, org: OrgId) -> Vec<crate::Event> {
        let mut events = Vec::new();
        loop {
            let after = events.len() as u64;
            let page = store.events_after(org, after, MAX_EVENTS_PER_READ).await.unwrap();
            if page.is_empty() {
                return events;
            }
            events.extend(page);
        }
    }

    async fn fresh_run(config: &WorkloadConfig) -> (Arc<dyn Store>, Workload) {
        let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
        let workload = run(store.clone(), config).await.unwrap();
        (store, workload)
    }

    #[test]
    fn transition_tables_only_hold_legal_edges() {
        for from in Status::ALL {
            for (to, weight) in next_statuses(from) {
                assert!(from.can_move_to(*to) && *weight > 0, "{from} -> {to}");
            }
            assert_eq!(next_statuses(from).is_empty(), from.is_closed(), "{from}");
        }
    }

    #[tokio::test]
    async fn same_seed_same_history() {
        let config = WorkloadConfig::default();
        let (a, wa) = fresh_run(&config).await;
        let (b, wb) = fresh_run(&config).await;
        assert_eq!(wa, wb);
        for org in &wa.organizations {
            let ea = all_events(&a, org.id).await;
            assert_eq!(ea, all_events(&b, org.id).await, "{}", org.slug);
            // Byte-identical too, through the public API.
            let tf = TaskFlow::new(b.clone());
            let first = tf.events(&org.owner, 0, MAX_EVENTS_PER_READ).await.unwrap();
            let json = |events: &[crate::Event]| serde_json::to_string(events).unwrap();
            assert_eq!(json(&first), json(&ea[..first.len()]));
        }
    }

    #[tokio::test]
    async fn different_seeds_differ_and_share_a_store() {
        let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
        let one = run(store.clone(), &WorkloadConfig { days: 5, ..WorkloadConfig::default() }).await.unwrap();
        let two = run(store.clone(), &WorkloadConfig { seed: 7, days: 5, ..WorkloadConfig::default() })
            .await
            .unwrap();
        assert_ne!(one.organizations[0].id, two.organizations[0].id);
        assert_ne!(one.organizations[0].slug, two.organizations[0].slug);
        let kinds = |events: Vec<crate::Event>| events.into_iter().map(|e| e.kind).collect::<Vec<_>>();
        let (first, second) = (one.organizations[0].id, two.organizations[0].id);
        assert_ne!(kinds(all_events(&store, first).await), kinds(all_events(&store, second).await));
        assert_ne!(one.organizations[0].counts, two.organizations[0].counts);
        // Same seed on the same store: the e-mail addresses are taken.
        let again = run(store.clone(), &WorkloadConfig { days: 5, ..WorkloadConfig::default() }).await;
        assert!(again.is_err());
    }

    #[tokio::test]
    async fn logs_are_gapless_ordered_and_match_the_counts() {
        let (store, workload) = fresh_run(&WorkloadConfig::default()).await;
        assert_eq!(workload.ended_at, workload.started_at + Duration::days(30));
        let mut busy = 0;
        for org in &workload.organizations {
            let events = all_events(&store, org.id).await;
            let c = org.counts;
            assert_eq!(events.len() as u64, c.events);
            assert_eq!(store.last_seq(org.id).await.unwrap(), c.events);
            for (i, e) in events.iter().enumerate() {
                assert_eq!(e.seq, i as u64 + 1, "gapless from 1");
                assert!(e.at <= workload.ended_at);
            }
            assert!(events.windows(2).all(|w| w[0].at <= w[1].at), "time order");
            assert!(matches!(events[0].kind, EventKind::OrganizationCreated { .. }));

            let mut seen = WorkloadCounts::default();
            let mut per_task: BTreeMap<TaskId, u64> = BTreeMap::new();
            for e in &events {
                if let Some(id) = e.kind.task_id() {
                    *per_task.entry(id).or_default() += 1;
                }
                match &e.kind {
                    EventKind::TaskCreated { .. } => seen.tasks_created += 1,
                    EventKind::TaskStatusChanged { from, to, .. } => {
                        seen.status_changes += 1;
                        seen.completions += u64::from(*to == Status::Done);
                        seen.cancellations += u64::from(*to == Status::Cancelled);
                        seen.reopenings += u64::from(from.is_closed() && !to.is_closed());
                    }
                    EventKind::TaskAssigned { .. } => seen.assignments += 1,
                    EventKind::TaskUpdated { .. } => seen.edits += 1,
                    EventKind::TaskArchived { archived, .. } => seen.archivals += u64::from(*archived),
                    EventKind::TaskDeleted { .. } => seen.deletions += 1,
                    _ => {}
                }
            }
            seen.events = c.events;
            assert_eq!(seen, c, "{}", org.slug);

            // Every stored task's version is one plus the changes it went through.
            let tf = TaskFlow::new(store.clone());
            for (id, n) in per_task {
                match tf.task(&org.owner, id).await {
                    Ok(task) => assert_eq!(task.version, n),
                    Err(e) => assert_eq!(e.kind(), crate::ErrorKind::NotFound),
                }
            }

            // Task work happens on weekdays within local working hours.
            for e in events.iter().filter(|e| e.kind.task_id().is_some()) {
                let local = e.at.with_timezone(&org.time_zone);
                assert!(!matches!(local.weekday(), Weekday::Sat | Weekday::Sun), "{local}");
                assert!((9..18).contains(&chrono::Timelike::hour(&local)), "{local}");
            }

            assert_eq!(org.members.len(), 6);
            assert_eq!(org.member_ids()[0], org.owner.user());
            assert_eq!(org.projects.len(), 3);
            let roles: Vec<Role> = org.members.iter().map(Principal::role).collect();
            assert_eq!(
                roles,
                [Role::Owner, Role::Admin, Role::Member, Role::Member, Role::Viewer, Role::Member]
            );
            for field in [
                c.completions,
                c.cancellations,
                c.reopenings,
                c.assignments,
                c.edits,
                c.archivals,
                c.deletions,
            ] {
                busy += u64::from(field > 0);
            }
        }
        assert_eq!(busy, 14, "every kind of operation happened in each organization");
        assert_eq!(
            workload.total_events(),
            workload.organizations.iter().map(|o| o.counts.events).sum::<u64>()
        );
    }

    #[tokio::test]
    async fn some_days_have_no_completion() {
        let (store, workload) =
            fresh_run(&WorkloadConfig { tasks_per_day: 2.0, ..WorkloadConfig::default() }).await;
        let org = &workload.organizations[0];
        let mut days: BTreeMap<NaiveDate, u64> = BTreeMap::new();
        for e in all_events(&store, org.id).await {
            if let EventKind::TaskStatusChanged { to: Status::Done, .. } = e.kind {
                *days.entry(e.at.with_timezone(&org.time_zone).date_naive()).or_default() += 1;
            }
        }
        assert!(!days.is_empty());
        assert!(days.len() < 30, "weekends at least are quiet");
    }

    #[tokio::test]
    async fn zero_days_only_sets_up() {
        let config = WorkloadConfig { days: 0, ..WorkloadConfig::default() };
        let (store, workload) = fresh_run(&config).await;
        for org in &workload.organizations {
            // Registration, five members, three projects.
            assert_eq!(org.counts, WorkloadCounts { events: 9, ..WorkloadCounts::default() });
            assert_eq!(store.last_seq(org.id).await.unwrap(), 9);
        }
        assert!(workload.ended_at > workload.started_at);
    }

    #[tokio::test]
    async fn edge_configs_work_and_bad_ones_are_refused() {
        let lonely = WorkloadConfig {
            organizations: 1,
            members_per_org: 0,
            projects_per_org: 1,
            time_zones: vec![],
            work_on_weekends: true,
            workday_start_hour: 0,
            workday_end_hour: 24,
            days: 7,
            ..WorkloadConfig::default()
        };
        let (_, w) = fresh_run(&lonely).await;
        assert_eq!(w.organizations[0].members.len(), 1);
        assert_eq!(w.organizations[0].time_zone, Tz::UTC);
        assert!(w.organizations[0].counts.tasks_created > 0);
        let idle = WorkloadConfig { projects_per_org: 0, ..WorkloadConfig::default() };
        assert_eq!(fresh_run(&idle).await.1.organizations[0].counts.tasks_created, 0);
        for bad in [
            WorkloadConfig { tasks_per_day: f64::NAN, ..WorkloadConfig::default() },
            WorkloadConfig { tasks_per_day: -1.0, ..WorkloadConfig::default() },
            WorkloadConfig { workday_start_hour: 18, workday_end_hour: 9, ..WorkloadConfig::default() },
        ] {
            let err = run(Arc::new(MemoryStore::new()), &bad).await.unwrap_err();
            assert_eq!(err.kind(), crate::ErrorKind::Invalid);
        }
    }

    /// `cargo test --release -p taskflow-core --features testkit -- --ignored million --nocapture`
    #[tokio::test]
    #[ignore = "a benchmark: about a million events"]
    async fn a_million_events() {
        let config =
            WorkloadConfig { organizations: 1, days: 365, tasks_per_day: 650.0, ..WorkloadConfig::default() };
        let started = std::time::Instant::now();
        let (_, workload) = fresh_run(&config).await;
        let c = workload.organizations[0].counts;
        println!("{} events, {} tasks in {:?}", c.events, c.tasks_created, started.elapsed());
        assert!(c.events > 900_000);
    }
}
