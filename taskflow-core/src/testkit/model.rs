//! Model-based testing: random multi-tenant operation sequences, applied to the store under test
//! through the service API and to a deliberately simple reference model; every outcome (success
//! or the kind of error) and the final state must agree.
//!
//! The model is a few vectors and the rules written out plainly, in the order the service
//! checks them, so a backend that reorders, forgets or half-applies a rule shows up as a
//! difference, and proptest shrinks it to a short sequence.

use std::future::Future;
use std::sync::Arc;

use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};

use crate::store::{Archived, TaskQuery};
use crate::testkit::Tenant;
use crate::testkit::fixtures::user;
use crate::{
    ErrorKind, Limits, NewProject, NewTask, Principal, ProjectId, Result, Role, Status, Store, Task, TaskId,
    TaskPatch, Tier, UserId,
};

/// Limits small enough that random runs hit them.
const LIMITS: Limits = Limits { members: Some(6), projects: Some(2), tasks_per_project: Some(4) };
/// Organizations per run.
const ORGS: usize = 2;
/// Users outside any organization that `AddMember` draws from.
const OUTSIDERS: usize = 3;

/// One step of a random run. Indices are taken modulo what exists when the step runs.
///
/// Field meanings: `org` picks the organization, `task`/`project`/`member`/`outsider` pick a
/// row, `stale` sends the version before the current one, `blank` sends an empty title.
#[derive(Debug, Clone)]
#[allow(missing_docs)] // The fields are described above, once for all variants.
pub enum Op {
    /// A Member creates a task, maybe assigned, maybe with a blank title.
    CreateTask { org: usize, project: usize, blank_title: bool, assignee: Option<usize> },
    /// A Member edits a title.
    Retitle { org: usize, task: usize, blank: bool, stale: bool },
    /// A Member moves a task to any status (legal or not).
    Move { org: usize, task: usize, to: Status, stale: bool },
    /// A Member assigns a task to anyone (member or not) or nobody.
    Assign { org: usize, task: usize, assignee: Option<usize>, stale: bool },
    /// A Member archives or restores a task.
    Archive { org: usize, task: usize, archived: bool },
    /// An Admin (allowed) or a Member (refused) deletes a task.
    Delete { org: usize, task: usize, as_admin: bool },
    /// An Admin creates a project.
    CreateProject { org: usize },
    /// An Admin archives or restores a project.
    ArchiveProject { org: usize, project: usize, archived: bool },
    /// The Owner reads and moves a task of the other organization.
    ForeignTask { org: usize, task: usize },
    /// The Owner adds a user (possibly a member of the other organization).
    AddMember { org: usize, outsider: usize },
    /// The Owner removes someone other than the acting principals.
    RemoveMember { org: usize, member: usize },
}

fn op() -> impl Strategy<Value = Op> {
    let org = 0..ORGS;
    let status = proptest::sample::select(Status::ALL.to_vec());
    let member = proptest::option::of(0..6usize);
    prop_oneof![
        4 => (org.clone(), 0..3usize, proptest::bool::weighted(0.1), member.clone())
            .prop_map(|(org, project, blank_title, assignee)| Op::CreateTask { org, project, blank_title, assignee }),
        2 => (org.clone(), any::<usize>(), proptest::bool::weighted(0.1), proptest::bool::weighted(0.2))
            .prop_map(|(org, task, blank, stale)| Op::Retitle { org, task, blank, stale }),
        5 => (org.clone(), any::<usize>(), status, proptest::bool::weighted(0.15))
            .prop_map(|(org, task, to, stale)| Op::Move { org, task, to, stale }),
        2 => (org.clone(), any::<usize>(), member, proptest::bool::weighted(0.15))
            .prop_map(|(org, task, assignee, stale)| Op::Assign { org, task, assignee, stale }),
        2 => (org.clone(), any::<usize>(), any::<bool>()).prop_map(|(org, task, archived)| Op::Archive { org, task, archived }),
        1 => (org.clone(), any::<usize>(), any::<bool>()).prop_map(|(org, task, as_admin)| Op::Delete { org, task, as_admin }),
        1 => org.clone().prop_map(|org| Op::CreateProject { org }),
        1 => (org.clone(), 0..3usize, any::<bool>()).prop_map(|(org, project, archived)| Op::ArchiveProject { org, project, archived }),
        1 => (org.clone(), any::<usize>()).prop_map(|(org, task)| Op::ForeignTask { org, task }),
        1 => (org.clone(), 0..OUTSIDERS).prop_map(|(org, outsider)| Op::AddMember { org, outsider }),
        1 => (org, 1..6usize).prop_map(|(org, member)| Op::RemoveMember { org, member }),
    ]
}

/// Runs the model-based test against stores from `factory` (one fresh store per case).
///
/// The number of cases is proptest's (`PROPTEST_CASES`, default 256 here lowered to 48 so a
/// server-backed store stays quick); a failure panics with the shrunk sequence.
pub fn run<F, Fut>(factory: F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = Option<Arc<dyn Store>>>,
{
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime for the model-based test");
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(48);
    let mut runner = TestRunner::new(Config { cases, failure_persistence: None, ..Config::default() });
    let result = runner.run(&proptest::collection::vec(op(), 1..60), |ops| {
        runtime.block_on(async {
            match factory().await {
                Some(store) => check_sequence(store, &ops).await,
                None => Ok(()),
            }
        })
    });
    if let Err(e) = result {
        panic!("model-based run failed: {e}");
    }
}

#[derive(Debug, Clone)]
struct ModelTask {
    id: TaskId,
    project: usize,
    title: String,
    status: Status,
    assignee: Option<UserId>,
    archived: bool,
    started: bool,
    version: u64,
}

#[derive(Debug, Clone)]
struct ModelProject {
    id: ProjectId,
    archived: bool,
    version: u64,
}

#[derive(Debug)]
struct ModelOrg {
    tenant: Tenant,
    /// Candidates for assignment and removal: index 0 is the owner; `present` tracks membership.
    people: Vec<(UserId, bool, u64)>,
    projects: Vec<ModelProject>,
    tasks: Vec<ModelTask>,
    seq: u64,
    kinds: Vec<&'static str>,
}

impl ModelOrg {
    fn member_count(&self) -> usize {
        self.people.iter().filter(|p| p.1).count()
    }

    fn is_member(&self, user: UserId) -> bool {
        self.people.iter().any(|p| p.0 == user && p.1)
    }

    fn active_tasks(&self, project: usize) -> usize {
        self.tasks.iter().filter(|t| t.project == project && !t.archived).count()
    }

    fn active_projects(&self) -> usize {
        self.projects.iter().filter(|p| !p.archived).count()
    }

    fn task_index(&self, pick: usize) -> Option<usize> {
        (!self.tasks.is_empty()).then(|| pick % self.tasks.len())
    }

    fn person(&self, pick: Option<usize>) -> Option<UserId> {
        pick.map(|i| self.people[i % self.people.len()].0)
    }

    fn record(&mut self, kind: &'static str) {
        self.seq += 1;
        self.kinds.push(kind);
    }
}

type Outcome = std::result::Result<(), ErrorKind>;

fn outcome<T>(r: &Result<T>) -> Outcome {
    r.as_ref().map(|_| ()).map_err(|e| e.kind())
}

fn same(op: &Op, want: Outcome, got: Outcome) -> std::result::Result<(), TestCaseError> {
    if want == got {
        Ok(())
    } else {
        Err(TestCaseError::fail(format!("{op:?}: model says {want:?}, store says {got:?}")))
    }
}

async fn setup(store: Arc<dyn Store>) -> (Vec<ModelOrg>, Vec<UserId>) {
    let mut orgs = Vec::new();
    for _ in 0..ORGS {
        let tenant = Tenant::new(store.clone(), Tier::Free).await;
        tenant.tf.change_tier(&tenant.owner, 1, Tier::Free, Some(LIMITS)).await.expect("limits");
        let mut people: Vec<(UserId, bool, u64)> = [tenant.owner, tenant.admin, tenant.member, tenant.viewer]
            .iter()
            .map(|p| (p.user(), true, 1))
            .collect();
        let project = tenant.project("p0").await;
        let extra = user(&tenant.tf, "extra").await;
        tenant.tf.add_member(&tenant.owner, extra.id, Role::Member).await.expect("fifth member");
        people.push((extra.id, true, 1));
        let kinds = vec![
            "organization_created",
            "member_added",
            "member_added",
            "member_added",
            "tier_changed",
            "project_created",
            "member_added",
        ];
        orgs.push(ModelOrg {
            tenant,
            people,
            projects: vec![ModelProject { id: project.id, archived: false, version: 1 }],
            tasks: Vec::new(),
            seq: kinds.len() as u64,
            kinds,
        });
    }
    let tf = orgs[0].tenant.tf.clone();
    let mut outsiders = Vec::new();
    for _ in 0..OUTSIDERS {
        outsiders.push(user(&tf, "outsider").await.id);
    }
    // Outsider 0 of org 1 is org 0's "extra" member: a user of another tenant.
    outsiders[0] = orgs[0].people[4].0;
    (orgs, outsiders)
}

async fn check_sequence(store: Arc<dyn Store>, ops: &[Op]) -> std::result::Result<(), TestCaseError> {
    let (mut orgs, outsiders) = setup(store.clone()).await;
    for op in ops {
        step(&mut orgs, &outsiders, op).await?;
    }
    for (i, org) in orgs.iter().enumerate() {
        compare_final(i, org).await?;
    }
    Ok(())
}

fn version(task: &ModelTask, stale: bool) -> u64 {
    if stale { task.version - 1 } else { task.version }
}

async fn step(
    orgs: &mut [ModelOrg],
    outsiders: &[UserId],
    op: &Op,
) -> std::result::Result<(), TestCaseError> {
    let foreign_task = |orgs: &[ModelOrg], org: usize, pick: usize| {
        let other = &orgs[(org + 1) % ORGS];
        other.task_index(pick).map(|i| other.tasks[i].id)
    };
    match *op {
        Op::CreateTask { org, project, blank_title, assignee } => {
            let m = &mut orgs[org];
            let p = project % m.projects.len();
            let assignee = m.person(assignee);
            let title = if blank_title { "  ".to_string() } else { format!("task {}", m.tasks.len()) };
            let want = if blank_title || m.projects[p].archived {
                Err(ErrorKind::Invalid)
            } else if assignee.is_some_and(|a| !m.is_member(a)) {
                Err(ErrorKind::NotFound)
            } else if m.active_tasks(p) >= 4 {
                Err(ErrorKind::LimitExceeded)
            } else {
                Ok(())
            };
            let new = NewTask { assignee, ..NewTask::new(m.projects[p].id, title.clone()) };
            let got = m.tenant.tf.create_task(&m.tenant.member, new).await;
            same(op, want, outcome(&got))?;
            if let Ok(task) = got {
                m.tasks.push(ModelTask {
                    id: task.id,
                    project: p,
                    title,
                    status: Status::Todo,
                    assignee,
                    archived: false,
                    started: false,
                    version: 1,
                });
                m.record("task_created");
            }
        }
        Op::Retitle { org, task, blank, stale } => {
            let m = &mut orgs[org];
            let Some(i) = m.task_index(task) else { return Ok(()) };
            let t = &m.tasks[i];
            let title = if blank { " ".to_string() } else { format!("{} *", t.title) };
            let want = if blank {
                Err(ErrorKind::Invalid)
            } else if stale {
                Err(ErrorKind::Conflict)
            } else {
                Ok(())
            };
            let patch = TaskPatch { title: Some(title.clone()), ..TaskPatch::default() };
            let got = m.tenant.tf.update_task(&m.tenant.member, t.id, version(t, stale), patch).await;
            same(op, want, outcome(&got))?;
            if got.is_ok() {
                let t = &mut m.tasks[i];
                t.title = title;
                t.version += 1;
                m.record("task_updated");
            }
        }
        Op::Move { org, task, to, stale } => {
            let m = &mut orgs[org];
            let Some(i) = m.task_index(task) else { return Ok(()) };
            let t = &m.tasks[i];
            let want = if stale {
                Err(ErrorKind::Conflict)
            } else if !t.status.can_move_to(to) {
                Err(ErrorKind::IllegalTransition)
            } else {
                Ok(())
            };
            let got = m.tenant.tf.move_task(&m.tenant.member, t.id, version(t, stale), to).await;
            same(op, want, outcome(&got))?;
            if got.is_ok() {
                let t = &mut m.tasks[i];
                t.status = to;
                t.started |= to == Status::InProgress;
                t.version += 1;
                m.record("task_status_changed");
            }
        }
        Op::Assign { org, task, assignee, stale } => {
            let m = &mut orgs[org];
            let Some(i) = m.task_index(task) else { return Ok(()) };
            let assignee = m.person(assignee);
            let t = &m.tasks[i];
            let want = if stale {
                Err(ErrorKind::Conflict)
            } else if assignee.is_some_and(|a| t.assignee != Some(a) && !m.is_member(a)) {
                Err(ErrorKind::NotFound)
            } else {
                Ok(())
            };
            let unchanged = t.assignee == assignee;
            let got = m.tenant.tf.assign_task(&m.tenant.member, t.id, version(t, stale), assignee).await;
            same(op, want, outcome(&got))?;
            if got.is_ok() && !unchanged {
                let t = &mut m.tasks[i];
                t.assignee = assignee;
                t.version += 1;
                m.record("task_assigned");
            }
        }
        Op::Archive { org, task, archived } => {
            let m = &mut orgs[org];
            let Some(i) = m.task_index(task) else { return Ok(()) };
            let t = &m.tasks[i];
            let restoring = t.archived && !archived;
            let unchanged = t.archived == archived;
            let want = if restoring && m.projects[t.project].archived {
                Err(ErrorKind::Invalid)
            } else if restoring && m.active_tasks(t.project) >= 4 {
                Err(ErrorKind::LimitExceeded)
            } else {
                Ok(())
            };
            let got = m.tenant.tf.set_task_archived(&m.tenant.member, t.id, t.version, archived).await;
            same(op, want, outcome(&got))?;
            if got.is_ok() && !unchanged {
                let t = &mut m.tasks[i];
                t.archived = archived;
                t.version += 1;
                m.record("task_archived");
            }
        }
        Op::Delete { org, task, as_admin } => {
            let m = &mut orgs[org];
            let Some(i) = m.task_index(task) else { return Ok(()) };
            let principal = if as_admin { m.tenant.admin } else { m.tenant.member };
            let want = if as_admin { Ok(()) } else { Err(ErrorKind::PermissionDenied) };
            let t = &m.tasks[i];
            let got = m.tenant.tf.delete_task(&principal, t.id, t.version).await;
            same(op, want, outcome(&got))?;
            if got.is_ok() {
                m.tasks.remove(i);
                m.record("task_deleted");
            }
        }
        Op::CreateProject { org } => {
            let m = &mut orgs[org];
            let want = if m.active_projects() >= 2 { Err(ErrorKind::LimitExceeded) } else { Ok(()) };
            let name = format!("p{}", m.projects.len());
            let got = m.tenant.tf.create_project(&m.tenant.admin, NewProject::named(name)).await;
            same(op, want, outcome(&got))?;
            if let Ok(p) = got {
                m.projects.push(ModelProject { id: p.id, archived: false, version: 1 });
                m.record("project_created");
            }
        }
        Op::ArchiveProject { org, project, archived } => {
            let m = &mut orgs[org];
            let p = project % m.projects.len();
            let restoring = m.projects[p].archived && !archived;
            let unchanged = m.projects[p].archived == archived;
            let want =
                if restoring && m.active_projects() >= 2 { Err(ErrorKind::LimitExceeded) } else { Ok(()) };
            let (id, v) = (m.projects[p].id, m.projects[p].version);
            let got = m.tenant.tf.set_project_archived(&m.tenant.admin, id, v, archived).await;
            same(op, want, outcome(&got))?;
            if got.is_ok() && !unchanged {
                m.projects[p].archived = archived;
                m.projects[p].version += 1;
                m.record("project_archived");
            }
        }
        Op::ForeignTask { org, task } => {
            let Some(id) = foreign_task(orgs, org, task) else { return Ok(()) };
            let m = &orgs[org];
            let read = m.tenant.tf.task(&m.tenant.owner, id).await;
            same(op, Err(ErrorKind::NotFound), outcome(&read))?;
            let moved = m.tenant.tf.move_task(&m.tenant.owner, id, 1, Status::Cancelled).await;
            same(op, Err(ErrorKind::NotFound), outcome(&moved))?;
        }
        Op::AddMember { org, outsider } => {
            let m = &mut orgs[org];
            let user = outsiders[outsider];
            let want = if m.is_member(user) {
                Err(ErrorKind::Conflict)
            } else if m.member_count() >= 6 {
                Err(ErrorKind::LimitExceeded)
            } else {
                Ok(())
            };
            let got = m.tenant.tf.add_member(&m.tenant.owner, user, Role::Member).await;
            same(op, want, outcome(&got))?;
            if got.is_ok() {
                match m.people.iter_mut().find(|p| p.0 == user) {
                    Some(p) => *p = (user, true, 1),
                    None => m.people.push((user, true, 1)),
                }
                m.record("member_added");
            }
        }
        Op::RemoveMember { org, member } => {
            let m = &mut orgs[org];
            // The acting principals (owner, admin, member: indices 0 to 2) are never removed.
            let i = 3 + member % (m.people.len() - 3);
            let (user, present, v) = m.people[i];
            let want = if present { Ok(()) } else { Err(ErrorKind::NotFound) };
            let got = m.tenant.tf.remove_member(&m.tenant.owner, user, v).await;
            same(op, want, outcome(&got))?;
            if got.is_ok() {
                m.people[i].1 = false;
                m.record("member_removed");
            }
        }
    }
    Ok(())
}

async fn compare_final(index: usize, m: &ModelOrg) -> std::result::Result<(), TestCaseError> {
    let fail = |what: String| Err(TestCaseError::fail(format!("org {index}: {what}")));
    let tf = &m.tenant.tf;
    let viewer: Principal = m.tenant.owner;
    let mut stored: Vec<Task> = Vec::new();
    let mut query = TaskQuery { archived: Archived::Include, limit: Some(7), ..TaskQuery::default() };
    loop {
        let page = tf.list_tasks(&viewer, &query).await.map_err(|e| TaskCaseErr::from(e).0)?;
        stored.extend(page.items);
        match page.next {
            Some(c) => query.after = Some(c),
            None => break,
        }
    }
    let mut model = m.tasks.clone();
    model.sort_by_key(|t| t.id);
    if stored.len() != model.len() {
        return fail(format!("{} tasks stored, {} in the model", stored.len(), model.len()));
    }
    for (s, t) in stored.iter().zip(&model) {
        let stored_view = (
            s.id,
            &s.title,
            s.status,
            s.assignee,
            s.archived,
            s.version,
            s.started_at.is_some(),
            s.completed_at.is_some(),
        );
        let model_view = (
            t.id,
            &t.title,
            t.status,
            t.assignee,
            t.archived,
            t.version,
            t.started,
            t.status == Status::Done,
        );
        if stored_view != model_view {
            return fail(format!("task differs: stored {stored_view:?}, model {model_view:?}"));
        }
        if s.project_id != m.projects[t.project].id {
            return fail(format!("task {} in the wrong project", s.id));
        }
    }
    let events = tf.events(&viewer, 0, 10_000).await.map_err(|e| TaskCaseErr::from(e).0)?;
    let kinds: Vec<&str> = events.iter().map(|e| e.kind.name()).collect();
    if kinds != m.kinds {
        return fail(format!("event log differs: stored {kinds:?}, model {:?}", m.kinds));
    }
    if events.iter().enumerate().any(|(i, e)| e.seq != i as u64 + 1) || events.len() as u64 != m.seq {
        return fail("event seq is not 1..=n".to_string());
    }
    Ok(())
}

/// A store error during the final comparison fails the case with the error's text.
struct TaskCaseErr(TestCaseError);

impl From<crate::Error> for TaskCaseErr {
    fn from(e: crate::Error) -> Self {
        Self(TestCaseError::fail(format!("store error: {e}")))
    }
}
