//! Users and memberships.

use serde::{Deserialize, Serialize};

use super::{Principal, TaskFlow};
use crate::store::{Expected, MemberQuery, Page, Write};
use crate::validation::{self, MAX_NAME_LEN};
use crate::{Action, Entity, Error, EventKind, Member, Problem, Result, Role, User, UserId};

/// Longest e-mail address (RFC 5321).
const MAX_EMAIL_LEN: usize = 254;

/// Input for creating a user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewUser {
    /// E-mail address, unique (compared lower-cased).
    pub email: String,
    /// Display name.
    pub name: String,
}

impl NewUser {
    /// Both fields at once.
    pub fn new(email: impl Into<String>, name: impl Into<String>) -> Self {
        Self { email: email.into(), name: name.into() }
    }
}

fn email(value: &str) -> Result<String> {
    let email = validation::required_text("email", value, MAX_EMAIL_LEN)?.to_lowercase();
    match email.split_once('@') {
        Some((local, domain))
            if !local.is_empty() && domain.contains('.') && !email.contains(char::is_whitespace) =>
        {
            Ok(email)
        }
        _ => Err(Error::invalid("email", Problem::Malformed("an address like name@example.com"))),
    }
}

impl TaskFlow {
    /// Creates a user account (global; it joins organizations through memberships).
    pub async fn create_user(&self, new: NewUser) -> Result<User> {
        let now = self.now();
        let user = User {
            id: self.new_id(now),
            email: email(&new.email)?,
            name: validation::required_text("name", &new.name, MAX_NAME_LEN)?,
            created_at: now,
        };
        self.store.insert_user(&user).await?;
        Ok(user)
    }

    /// A user account by id. Users are global; authenticating who asks is the host's job.
    pub async fn user(&self, id: UserId) -> Result<User> {
        self.store.get_user(id).await
    }

    /// A user account by e-mail (any case).
    pub async fn user_by_email(&self, email: &str) -> Result<User> {
        self.store.find_user_by_email(&email.trim().to_lowercase()).await
    }

    /// A user's memberships across organizations, to pick a tenant after login (the host
    /// authenticates the user first).
    pub async fn memberships(&self, user: UserId) -> Result<Vec<Member>> {
        self.store.list_memberships(user).await
    }

    /// Adds an existing user to the principal's organization. Admins add up to Admin; only an
    /// Owner adds an Owner. Counts against the member limit.
    pub async fn add_member(&self, principal: &Principal, user: UserId, role: Role) -> Result<Member> {
        principal.require(Action::ManageMembers)?;
        if role == Role::Owner {
            principal.require(Action::ManageOwners)?;
        }
        let now = self.now();
        let member = Member { org_id: principal.org, user_id: user, role, joined_at: now, version: 1 };
        let write = Write::PutMember { member: member.clone(), expected: Expected::Absent };
        self.apply(principal, now, write, EventKind::MemberAdded { user_id: user, role }).await?;
        Ok(member)
    }

    /// Changes a member's role. Granting or taking away Owner needs an Owner; the last Owner
    /// cannot be demoted.
    pub async fn change_role(
        &self,
        principal: &Principal,
        user: UserId,
        expected_version: u64,
        role: Role,
    ) -> Result<Member> {
        principal.require(Action::ManageMembers)?;
        let current = self.store.get_member(principal.org, user).await?;
        Self::expect_version(Entity::Member, current.version, expected_version)?;
        if role == Role::Owner || current.role == Role::Owner {
            principal.require(Action::ManageOwners)?;
        }
        if role == current.role {
            return Ok(current);
        }
        let member = Member { role, version: expected_version + 1, ..current.clone() };
        let write =
            Write::PutMember { member: member.clone(), expected: Expected::Version(expected_version) };
        let event = EventKind::MemberRoleChanged { user_id: user, from: current.role, to: role };
        self.apply(principal, self.now(), write, event).await?;
        Ok(member)
    }

    /// Removes a member. Removing an Owner needs an Owner; the last Owner cannot be removed.
    /// Tasks assigned to the member keep their assignee until reassigned.
    pub async fn remove_member(
        &self,
        principal: &Principal,
        user: UserId,
        expected_version: u64,
    ) -> Result<()> {
        principal.require(Action::ManageMembers)?;
        let current = self.store.get_member(principal.org, user).await?;
        Self::expect_version(Entity::Member, current.version, expected_version)?;
        if current.role == Role::Owner {
            principal.require(Action::ManageOwners)?;
        }
        let write = Write::RemoveMember { user_id: user, expected_version };
        let event = EventKind::MemberRemoved { user_id: user, role: current.role };
        self.apply(principal, self.now(), write, event).await?;
        Ok(())
    }

    /// One member of the principal's organization.
    pub async fn member(&self, principal: &Principal, user: UserId) -> Result<Member> {
        principal.require(Action::Read)?;
        self.store.get_member(principal.org, user).await
    }

    /// Members of the principal's organization, a page at a time.
    pub async fn list_members(&self, principal: &Principal, query: &MemberQuery) -> Result<Page<Member>> {
        principal.require(Action::Read)?;
        self.store.list_members(principal.org, query).await
    }
}

#[cfg(test)]
mod tests {
    use super::email;

    #[test]
    fn emails_are_checked_and_lower_cased() {
        assert_eq!(email(" Ada@Example.COM ").unwrap(), "ada@example.com");
        for bad in ["", "ada", "@example.com", "ada@localhost", "a da@example.com"] {
            assert!(email(bad).unwrap_err().to_string().starts_with("invalid email"), "{bad}");
        }
    }
}
