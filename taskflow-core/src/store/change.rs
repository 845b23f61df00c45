//! The typed change every write goes through, and the rules that decide it.
//!
//! The service validates input, checks the principal's permission and builds a [`Change`]: the
//! record to write, the version it was based on and the event to append. A backend applies it
//! atomically in five steps, all inside one transaction:
//!
//! 1. read a [`Snapshot`]: the organization, the actor's membership, the current record at
//!    [`Change::target`], the [`Change::references`] and the usage counters;
//! 2. call [`Change::decide`], which enforces every rule (tenant, version, permission again with
//!    the actor's *current* role, references, limits, last owner) and returns the [`Effects`];
//! 3. write the records, 4. the new counters, and 5. the event with the next seq.
//!
//! The rules live here once, so backends differ only in how they make those steps atomic.

use chrono::{DateTime, Utc};

use crate::permission::allows;
use crate::{
    Action, ConflictReason, Entity, Error, Event, EventKind, LimitKind, Limits, Member, OrgId, Organization,
    Problem, Project, ProjectId, Result, Role, Task, TaskId, UserId,
};

/// One write, with everything a backend needs to apply it atomically.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    /// The organization written to.
    pub org: OrgId,
    /// Who makes the change (must still be a member, with a role that allows it).
    pub actor: UserId,
    /// When (the event's timestamp).
    pub at: DateTime<Utc>,
    /// What to write.
    pub write: Write,
    /// The event to append, with the next seq.
    pub event: EventKind,
}

/// What a change writes. Records carry their new version (the expected one plus one).
#[derive(Debug, Clone, PartialEq)]
pub enum Write {
    /// Registers an organization with its first Owner.
    CreateOrganization {
        /// The new organization (version 1).
        organization: Organization,
        /// Its first Owner: the change's actor.
        owner: Member,
    },
    /// Replaces the organization's tier and custom limits.
    UpdateOrganization {
        /// The organization as it will be stored.
        organization: Organization,
        /// The version it replaces.
        expected_version: u64,
    },
    /// Creates (`Expected::Absent`) or replaces a membership.
    PutMember {
        /// The membership as it will be stored.
        member: Member,
        /// What must be there now.
        expected: Expected,
    },
    /// Ends a membership.
    RemoveMember {
        /// Whose.
        user_id: UserId,
        /// The version it removes.
        expected_version: u64,
    },
    /// Creates or replaces a project.
    PutProject {
        /// The project as it will be stored.
        project: Project,
        /// What must be there now.
        expected: Expected,
    },
    /// Deletes an empty project.
    DeleteProject {
        /// Which.
        project_id: ProjectId,
        /// The version it removes.
        expected_version: u64,
    },
    /// Creates or replaces a task.
    PutTask {
        /// The task as it will be stored.
        task: Task,
        /// What must be there now.
        expected: Expected,
    },
    /// Deletes a task.
    DeleteTask {
        /// Which.
        task_id: TaskId,
        /// Its project (whose counters change).
        project_id: ProjectId,
        /// The version it removes.
        expected_version: u64,
    },
}

/// What the change expects to find at its target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expected {
    /// Nothing: the change creates the record.
    Absent,
    /// The record at this version.
    Version(u64),
}

/// The record a change writes, by key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Target {
    /// The organization row itself.
    Organization,
    /// A membership.
    Member(UserId),
    /// A project.
    Project(ProjectId),
    /// A task.
    Task(TaskId),
}

/// A record of any aggregate.
#[derive(Debug, Clone, PartialEq)]
pub enum Record {
    /// An organization.
    Organization(Organization),
    /// A membership.
    Member(Member),
    /// A project.
    Project(Project),
    /// A task.
    Task(Task),
}

impl Record {
    fn version(&self) -> u64 {
        match self {
            Self::Organization(o) => o.version,
            Self::Member(m) => m.version,
            Self::Project(p) => p.version,
            Self::Task(t) => t.version,
        }
    }
}

/// Something a change points at, which must exist in the same tenant (or globally, for users
/// and slugs).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Reference {
    /// A user account (global).
    User(UserId),
    /// A member of the change's organization.
    Member(UserId),
    /// A project of the change's organization.
    Project(ProjectId),
    /// An organization slug (global); must be free.
    Slug(String),
}

/// What the backend found for a [`Reference`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Presence {
    /// Not there (or in another tenant: the same answer).
    Missing,
    /// There, and active.
    Present,
    /// There, archived (projects only).
    Archived,
}

/// Per-organization counters, kept by every backend in the same atomic write as the change.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OrgUsage {
    /// Members, every role.
    pub members: u32,
    /// Members with the Owner role.
    pub owners: u32,
    /// Projects not archived.
    pub active_projects: u32,
    /// The seq of the last event appended (0 before the first).
    pub last_seq: u64,
}

/// Per-project counters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ProjectUsage {
    /// Tasks, archived ones included.
    pub tasks: u32,
    /// Tasks not archived.
    pub active_tasks: u32,
}

/// What the backend read, inside its atomic unit, before deciding.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Snapshot {
    /// The organization, if it exists.
    pub organization: Option<Organization>,
    /// The actor's membership of it, if any.
    pub actor: Option<Member>,
    /// The record at [`Change::target`], if any (`None` for organization targets).
    pub current: Option<Record>,
    /// Each of [`Change::references`] with what was found, in the same order.
    pub references: Vec<(Reference, Presence)>,
    /// The organization's counters.
    pub org_usage: OrgUsage,
    /// The counters of [`Change::usage_project`], when it names one.
    pub project_usage: ProjectUsage,
}

/// One record to write.
#[derive(Debug, Clone, PartialEq)]
#[expect(
    clippy::large_enum_variant,
    reason = "short-lived values; boxing would cost an allocation per write"
)]
pub enum RecordWrite {
    /// Store `new`; `old` is what it replaces (for index maintenance).
    Put {
        /// The replaced record, if any.
        old: Option<Record>,
        /// The record to store.
        new: Record,
    },
    /// Remove `old`.
    Remove {
        /// The record to remove.
        old: Record,
    },
}

/// What a backend writes once [`Change::decide`] accepts a change.
#[derive(Debug, Clone, PartialEq)]
pub struct Effects {
    /// Records to write, in order.
    pub writes: Vec<RecordWrite>,
    /// The organization's new counters (`last_seq` is the event's seq).
    pub org_usage: OrgUsage,
    /// The new counters of [`Change::usage_project`], when it names one.
    pub project_usage: Option<(ProjectId, ProjectUsage)>,
    /// The event to append.
    pub event: Event,
}

impl Change {
    /// The key of the record the change writes.
    pub fn target(&self) -> Target {
        match &self.write {
            Write::CreateOrganization { .. } | Write::UpdateOrganization { .. } => Target::Organization,
            Write::PutMember { member, .. } => Target::Member(member.user_id),
            Write::RemoveMember { user_id, .. } => Target::Member(*user_id),
            Write::PutProject { project, .. } => Target::Project(project.id),
            Write::DeleteProject { project_id, .. } => Target::Project(*project_id),
            Write::PutTask { task, .. } => Target::Task(task.id),
            Write::DeleteTask { task_id, .. } => Target::Task(*task_id),
        }
    }

    /// The references the backend must resolve into [`Snapshot::references`].
    pub fn references(&self) -> Vec<Reference> {
        match &self.write {
            Write::CreateOrganization { organization, owner } => {
                vec![Reference::User(owner.user_id), Reference::Slug(organization.slug.clone())]
            }
            Write::PutMember { member, expected: Expected::Absent } => {
                vec![Reference::User(member.user_id)]
            }
            Write::PutTask { task, .. } => std::iter::once(Reference::Project(task.project_id))
                .chain(task.assignee.map(Reference::Member))
                .collect(),
            _ => Vec::new(),
        }
    }

    /// The project whose counters the change reads and writes, if any.
    pub fn usage_project(&self) -> Option<ProjectId> {
        match &self.write {
            Write::PutTask { task, .. } => Some(task.project_id),
            Write::DeleteTask { project_id, .. } | Write::DeleteProject { project_id, .. } => {
                Some(*project_id)
            }
            _ => None,
        }
    }

    /// Applies every rule to the snapshot and returns what to write, or the error that rejects
    /// the change (in which case the backend writes nothing).
    pub fn decide(&self, snapshot: &Snapshot) -> Result<Effects> {
        if self.org.is_nil() {
            return Err(Error::invalid("org_id", Problem::Missing));
        }
        if let Write::CreateOrganization { organization, owner } = &self.write {
            return self.decide_registration(snapshot, organization, owner);
        }
        let organization = snapshot.organization.as_ref().ok_or(Error::not_found(Entity::Organization))?;
        let actor = snapshot.actor.as_ref().ok_or(Error::not_found(Entity::Member))?;
        let mut decision = Decision {
            change: self,
            snapshot,
            actor_role: actor.role,
            limits: organization.limits(),
            org_usage: snapshot.org_usage,
            project_usage: snapshot.project_usage,
            writes: Vec::with_capacity(1),
        };
        match &self.write {
            Write::CreateOrganization { .. } => unreachable!("handled above"),
            Write::UpdateOrganization { organization: new, expected_version } => {
                decision.organization(organization, new, *expected_version)?
            }
            Write::PutMember { member, expected } => decision.put_member(member, *expected)?,
            Write::RemoveMember { expected_version, .. } => decision.remove_member(*expected_version)?,
            Write::PutProject { project, expected } => decision.put_project(project, *expected)?,
            Write::DeleteProject { expected_version, .. } => decision.delete_project(*expected_version)?,
            Write::PutTask { task, expected } => decision.put_task(task, *expected)?,
            Write::DeleteTask { project_id, expected_version, .. } => {
                decision.delete_task(*project_id, *expected_version)?
            }
        }
        if !decision.writes.first().is_some_and(|w| event_matches(&self.event, w)) {
            return Err(Error::invalid("event", Problem::Malformed("the event of this very change")));
        }
        Ok(decision.finish())
    }

    fn decide_registration(
        &self,
        snapshot: &Snapshot,
        organization: &Organization,
        owner: &Member,
    ) -> Result<Effects> {
        if snapshot.organization.is_some() {
            return Err(Error::conflict(Entity::Organization, ConflictReason::AlreadyExists("organization")));
        }
        if organization.id != self.org || owner.org_id != self.org {
            return Err(Error::invalid("org_id", Problem::Malformed("the change's organization")));
        }
        if owner.user_id != self.actor || owner.role != Role::Owner {
            return Err(Error::invalid("owner", Problem::Malformed("the registering user as Owner")));
        }
        for (reference, presence) in &snapshot.references {
            match (reference, presence) {
                (Reference::User(_), Presence::Missing) => return Err(Error::not_found(Entity::User)),
                (Reference::Slug(_), Presence::Present | Presence::Archived) => {
                    return Err(Error::conflict(Entity::Organization, ConflictReason::AlreadyExists("slug")));
                }
                _ => {}
            }
        }
        check_version(organization.version, 1)?;
        check_version(owner.version, 1)?;
        let event_ok = matches!(&self.event, EventKind::OrganizationCreated { name, slug, tier, owner: o }
            if *name == organization.name && *slug == organization.slug && *tier == organization.tier && *o == owner.user_id);
        if !event_ok {
            return Err(Error::invalid("event", Problem::Malformed("the event of this very change")));
        }
        let org_usage = OrgUsage { members: 1, owners: 1, active_projects: 0, last_seq: 1 };
        Ok(Effects {
            writes: vec![
                RecordWrite::Put { old: None, new: Record::Organization(organization.clone()) },
                RecordWrite::Put { old: None, new: Record::Member(owner.clone()) },
            ],
            org_usage,
            project_usage: None,
            event: self.event(1),
        })
    }

    fn event(&self, seq: u64) -> Event {
        Event { org_id: self.org, seq, at: self.at, actor: self.actor, kind: self.event.clone() }
    }
}

/// Most changes in one [`ChangeStore::apply_batch`](crate::store::ChangeStore::apply_batch).
pub const MAX_BATCH: usize = 10_000;

/// Checks that a batch can be applied as one unit: at most [`MAX_BATCH`] changes, all for the
/// same organization, none registering one.
pub fn check_batch(changes: &[Change]) -> Result<()> {
    if changes.len() > MAX_BATCH {
        return Err(Error::invalid("changes", Problem::TooMany { max: MAX_BATCH, len: changes.len() }));
    }
    let org = changes.first().map(|c| c.org);
    for change in changes {
        if Some(change.org) != org {
            return Err(Error::invalid("org_id", Problem::Malformed("one organization for the whole batch")));
        }
        if matches!(change.write, Write::CreateOrganization { .. }) {
            return Err(Error::invalid("changes", Problem::Malformed("changes to an existing organization")));
        }
    }
    Ok(())
}

/// Checks an organization deletion: the organization exists at the expected
/// version and the actor may delete it. Backends then remove every row of the tenant.
pub fn check_delete_organization(
    organization: Option<&Organization>,
    actor: Option<&Member>,
    expected_version: u64,
) -> Result<()> {
    let organization = organization.ok_or(Error::not_found(Entity::Organization))?;
    let actor = actor.ok_or(Error::not_found(Entity::Member))?;
    authorize(actor.role, Action::DeleteOrganization)?;
    expect_version(Entity::Organization, organization.version, expected_version)
}

/// The state of one decision while its rules run.
struct Decision<'a> {
    change: &'a Change,
    snapshot: &'a Snapshot,
    actor_role: Role,
    limits: Limits,
    org_usage: OrgUsage,
    project_usage: ProjectUsage,
    writes: Vec<RecordWrite>,
}

impl<'a> Decision<'a> {
    fn finish(self) -> Effects {
        let seq = self.org_usage.last_seq + 1;
        Effects {
            writes: self.writes,
            org_usage: OrgUsage { last_seq: seq, ..self.org_usage },
            project_usage: self.change.usage_project().map(|p| (p, self.project_usage)),
            event: self.change.event(seq),
        }
    }

    fn authorize(&self, action: Action) -> Result<()> {
        authorize(self.actor_role, action)
    }

    /// The current record, checked against what the change expects.
    fn current(&self, entity: Entity, expected: Expected) -> Result<Option<&'a Record>> {
        let snapshot: &'a Snapshot = self.snapshot;
        match (expected, &snapshot.current) {
            (Expected::Absent, None) => Ok(None),
            (Expected::Absent, Some(_)) => {
                Err(Error::conflict(entity, ConflictReason::AlreadyExists(entity_name(entity))))
            }
            (Expected::Version(_), None) => Err(Error::not_found(entity)),
            (Expected::Version(v), Some(record)) => {
                expect_version(entity, record.version(), v)?;
                Ok(Some(record))
            }
        }
    }

    fn presence(&self, wanted: &Reference) -> Presence {
        self.snapshot.references.iter().find(|(r, _)| r == wanted).map_or(Presence::Missing, |(_, p)| *p)
    }

    fn same_org(&self, org_id: OrgId) -> Result<()> {
        if org_id == self.change.org {
            Ok(())
        } else {
            Err(Error::invalid("org_id", Problem::Malformed("the change's organization")))
        }
    }

    fn consume(&self, limit: LimitKind, in_use: u32) -> Result<()> {
        match self.limits.max(limit) {
            Some(max) if in_use >= max => Err(Error::LimitExceeded { limit, max }),
            _ => Ok(()),
        }
    }

    fn put(&mut self, old: Option<&Record>, new: Record) {
        self.writes.push(RecordWrite::Put { old: old.cloned(), new });
    }

    fn organization(&mut self, old: &Organization, new: &Organization, expected: u64) -> Result<()> {
        self.authorize(Action::ChangeTier)?;
        expect_version(Entity::Organization, old.version, expected)?;
        self.same_org(new.id)?;
        if new.slug != old.slug || new.created_at != old.created_at {
            return Err(Error::invalid("slug", Problem::Malformed("the organization's current slug")));
        }
        check_version(new.version, expected + 1)?;
        self.writes.push(RecordWrite::Put {
            old: Some(Record::Organization(old.clone())),
            new: Record::Organization(new.clone()),
        });
        Ok(())
    }

    fn put_member(&mut self, member: &Member, expected: Expected) -> Result<()> {
        self.same_org(member.org_id)?;
        let old = self.current(Entity::Member, expected)?;
        let old_role = match old {
            Some(Record::Member(m)) => Some(m.role),
            _ => None,
        };
        self.authorize(Action::ManageMembers)?;
        if member.role == Role::Owner || old_role == Some(Role::Owner) {
            self.authorize(Action::ManageOwners)?;
        }
        if old.is_none() {
            if self.presence(&Reference::User(member.user_id)) == Presence::Missing {
                return Err(Error::not_found(Entity::User));
            }
            self.consume(LimitKind::Members, self.org_usage.members)?;
            self.org_usage.members += 1;
        }
        self.owners_change(old_role == Some(Role::Owner), member.role == Role::Owner)?;
        check_version(member.version, next_version(expected))?;
        self.put(old, Record::Member(member.clone()));
        Ok(())
    }

    fn remove_member(&mut self, expected_version: u64) -> Result<()> {
        let old = self.current(Entity::Member, Expected::Version(expected_version))?.cloned();
        let Some(Record::Member(member)) = &old else { return Err(Error::not_found(Entity::Member)) };
        self.authorize(Action::ManageMembers)?;
        if member.role == Role::Owner {
            self.authorize(Action::ManageOwners)?;
        }
        self.owners_change(member.role == Role::Owner, false)?;
        self.org_usage.members = decrement(self.org_usage.members)?;
        self.writes.push(RecordWrite::Remove { old: Record::Member(member.clone()) });
        Ok(())
    }

    fn owners_change(&mut self, was_owner: bool, is_owner: bool) -> Result<()> {
        match (was_owner, is_owner) {
            (true, false) if self.org_usage.owners <= 1 => {
                Err(Error::conflict(Entity::Member, ConflictReason::LastOwner))
            }
            (true, false) => {
                self.org_usage.owners = decrement(self.org_usage.owners)?;
                Ok(())
            }
            (false, true) => {
                self.org_usage.owners += 1;
                Ok(())
            }
            _ => Ok(()),
        }
    }

    fn put_project(&mut self, project: &Project, expected: Expected) -> Result<()> {
        self.same_org(project.org_id)?;
        let old = self.current(Entity::Project, expected)?;
        self.authorize(Action::ManageProjects)?;
        if old.is_none() && project.archived {
            return Err(Error::invalid("archived", Problem::Malformed("false for a new project")));
        }
        let was_active = matches!(old, Some(Record::Project(p)) if !p.archived);
        if !project.archived && !was_active {
            self.consume(LimitKind::Projects, self.org_usage.active_projects)?;
            self.org_usage.active_projects += 1;
        } else if project.archived && was_active {
            self.org_usage.active_projects = decrement(self.org_usage.active_projects)?;
        }
        check_version(project.version, next_version(expected))?;
        self.put(old, Record::Project(project.clone()));
        Ok(())
    }

    fn delete_project(&mut self, expected_version: u64) -> Result<()> {
        let old = self.current(Entity::Project, Expected::Version(expected_version))?.cloned();
        let Some(Record::Project(project)) = old else { return Err(Error::not_found(Entity::Project)) };
        self.authorize(Action::ManageProjects)?;
        if self.project_usage.tasks > 0 {
            return Err(Error::conflict(Entity::Project, ConflictReason::NotEmpty));
        }
        if !project.archived {
            self.org_usage.active_projects = decrement(self.org_usage.active_projects)?;
        }
        self.writes.push(RecordWrite::Remove { old: Record::Project(project) });
        Ok(())
    }

    fn put_task(&mut self, task: &Task, expected: Expected) -> Result<()> {
        self.same_org(task.org_id)?;
        let old = match self.current(Entity::Task, expected)? {
            Some(Record::Task(t)) => Some(t),
            Some(_) => return Err(Error::not_found(Entity::Task)),
            None => None,
        };
        self.authorize(if old.is_some() { Action::UpdateTask } else { Action::CreateTask })?;
        if old.is_none() && task.archived {
            return Err(Error::invalid("archived", Problem::Malformed("false for a new task")));
        }
        if old.is_some_and(|o| o.project_id != task.project_id) {
            return Err(Error::invalid("project_id", Problem::Malformed("the task's own project")));
        }
        let was_active = old.is_some_and(|o| !o.archived);
        let project = self.presence(&Reference::Project(task.project_id));
        match project {
            Presence::Missing => return Err(Error::not_found(Entity::Project)),
            Presence::Archived if !task.archived && !was_active => {
                return Err(Error::invalid("project_id", Problem::Archived));
            }
            _ => {}
        }
        if let Some(assignee) = task.assignee {
            let changed = old.is_none_or(|o| o.assignee != Some(assignee));
            if changed && self.presence(&Reference::Member(assignee)) == Presence::Missing {
                return Err(Error::not_found(Entity::Assignee));
            }
        }
        if old.is_none() {
            self.project_usage.tasks += 1;
        }
        if !task.archived && !was_active {
            self.consume(LimitKind::TasksPerProject, self.project_usage.active_tasks)?;
            self.project_usage.active_tasks += 1;
        } else if task.archived && was_active {
            self.project_usage.active_tasks = decrement(self.project_usage.active_tasks)?;
        }
        check_version(task.version, next_version(expected))?;
        let old = old.cloned().map(Record::Task);
        self.put(old.as_ref(), Record::Task(task.clone()));
        Ok(())
    }

    fn delete_task(&mut self, project_id: ProjectId, expected_version: u64) -> Result<()> {
        let old = self.current(Entity::Task, Expected::Version(expected_version))?.cloned();
        let Some(Record::Task(task)) = old else { return Err(Error::not_found(Entity::Task)) };
        self.authorize(Action::DeleteTask)?;
        if task.project_id != project_id {
            return Err(Error::invalid("project_id", Problem::Malformed("the task's own project")));
        }
        self.project_usage.tasks = decrement(self.project_usage.tasks)?;
        if !task.archived {
            self.project_usage.active_tasks = decrement(self.project_usage.active_tasks)?;
        }
        self.writes.push(RecordWrite::Remove { old: Record::Task(task) });
        Ok(())
    }
}

/// Counters never go below zero; one that would has drifted from its rows (a backend bug or a
/// damaged store), and the change is refused rather than wrapping the counter around.
fn decrement(n: u32) -> Result<u32> {
    n.checked_sub(1).ok_or_else(|| Error::backend("taskflow-core", "a usage counter would go below zero"))
}

/// Whether the event tells the truth about the write: the analytics rebuild history from events,
/// so a change whose event disagrees with its record is refused.
fn event_matches(event: &EventKind, write: &RecordWrite) -> bool {
    use EventKind as E;
    match (write, event) {
        (
            RecordWrite::Put { old: None, new: Record::Task(t) },
            E::TaskCreated { task_id, project_id, title, priority, assignee_id, due_date },
        ) => {
            *task_id == t.id
                && *project_id == t.project_id
                && *title == t.title
                && *priority == t.priority
                && *assignee_id == t.assignee
                && *due_date == t.due_date
                && t.status == crate::Status::Todo
        }
        (RecordWrite::Put { old: Some(Record::Task(o)), new: Record::Task(n) }, event) => {
            let same = |status: bool, assignee: bool, archived: bool| {
                (status || o.status == n.status)
                    && (assignee || o.assignee == n.assignee)
                    && (archived || o.archived == n.archived)
            };
            event.task_id() == Some(n.id)
                && event.project_id() == Some(n.project_id)
                && match event {
                    E::TaskUpdated { .. } => same(false, false, false),
                    E::TaskStatusChanged { from, to, .. } => {
                        *from == o.status && *to == n.status && from != to && same(true, false, false)
                    }
                    E::TaskAssigned { from, to, .. } => {
                        *from == o.assignee && *to == n.assignee && same(false, true, false)
                    }
                    E::TaskArchived { archived, .. } => *archived == n.archived && same(false, false, true),
                    _ => false,
                }
        }
        (RecordWrite::Remove { old: Record::Task(t) }, E::TaskDeleted { task_id, project_id }) => {
            *task_id == t.id && *project_id == t.project_id
        }
        (RecordWrite::Put { old: None, new: Record::Project(p) }, E::ProjectCreated { project_id, name }) => {
            *project_id == p.id && *name == p.name
        }
        (RecordWrite::Put { old: Some(Record::Project(o)), new: Record::Project(n) }, event) => match event {
            E::ProjectUpdated { project_id, .. } => *project_id == n.id && o.archived == n.archived,
            E::ProjectArchived { project_id, archived } => *project_id == n.id && *archived == n.archived,
            _ => false,
        },
        (RecordWrite::Remove { old: Record::Project(p) }, E::ProjectDeleted { project_id }) => {
            *project_id == p.id
        }
        (RecordWrite::Put { old: None, new: Record::Member(m) }, E::MemberAdded { user_id, role }) => {
            *user_id == m.user_id && *role == m.role
        }
        (
            RecordWrite::Put { old: Some(Record::Member(o)), new: Record::Member(n) },
            E::MemberRoleChanged { user_id, from, to },
        ) => *user_id == n.user_id && *from == o.role && *to == n.role,
        (RecordWrite::Remove { old: Record::Member(m) }, E::MemberRemoved { user_id, role }) => {
            *user_id == m.user_id && *role == m.role
        }
        (
            RecordWrite::Put { old: Some(Record::Organization(o)), new: Record::Organization(n) },
            E::TierChanged { from, to, custom_limits },
        ) => *from == o.tier && *to == n.tier && *custom_limits == n.custom_limits,
        _ => false,
    }
}

fn authorize(role: Role, action: Action) -> Result<()> {
    if allows(role, action) { Ok(()) } else { Err(Error::PermissionDenied { role, action }) }
}

fn expect_version(entity: Entity, actual: u64, expected: u64) -> Result<()> {
    if actual == expected {
        Ok(())
    } else {
        Err(Error::conflict(entity, ConflictReason::StaleVersion { expected, actual }))
    }
}

const fn next_version(expected: Expected) -> u64 {
    match expected {
        Expected::Absent => 1,
        Expected::Version(v) => v + 1,
    }
}

/// The new record must carry the version after the one it replaces; anything else is a bug in
/// the caller, refused before it can corrupt the version chain.
fn check_version(given: u64, wanted: u64) -> Result<()> {
    if given == wanted {
        Ok(())
    } else {
        Err(Error::invalid("version", Problem::OutOfRange("the version read plus one")))
    }
}

const fn entity_name(entity: Entity) -> &'static str {
    match entity {
        Entity::Organization => "organization",
        Entity::User => "user",
        Entity::Member => "membership",
        Entity::Project => "project",
        Entity::Task => "task",
        Entity::Assignee => "assignee",
    }
}
