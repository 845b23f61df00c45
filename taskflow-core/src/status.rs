//! Task status and its transition graph.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Where a task stands in its lifecycle.
///
/// The graph (every other move, including staying put, is illegal):
///
/// | from | to |
/// |---|---|
/// | `todo` | `in_progress`, `blocked`, `done`, `cancelled` |
/// | `in_progress` | `todo`, `in_review`, `blocked`, `done`, `cancelled` |
/// | `in_review` | `in_progress`, `blocked`, `done`, `cancelled` |
/// | `blocked` | `todo`, `in_progress`, `cancelled` |
/// | `done` | `todo`, `in_progress` (reopen) |
/// | `cancelled` | `todo` (reopen) |
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Not started.
    Todo,
    /// Being worked on.
    InProgress,
    /// Waiting for review.
    InReview,
    /// Waiting on something else.
    Blocked,
    /// Finished.
    Done,
    /// Abandoned.
    Cancelled,
}

impl Status {
    /// Every status, in lifecycle order.
    pub const ALL: [Status; 6] = [
        Status::Todo,
        Status::InProgress,
        Status::InReview,
        Status::Blocked,
        Status::Done,
        Status::Cancelled,
    ];

    /// Whether the graph has an edge from `self` to `to`.
    ///
    /// ```
    /// use taskflow_core::Status;
    /// assert!(Status::Todo.can_move_to(Status::InProgress));
    /// assert!(Status::Done.can_move_to(Status::Todo));
    /// assert!(!Status::Cancelled.can_move_to(Status::Done));
    /// ```
    pub const fn can_move_to(self, to: Status) -> bool {
        use Status::*;
        match self {
            Todo => matches!(to, InProgress | Blocked | Done | Cancelled),
            InProgress => matches!(to, Todo | InReview | Blocked | Done | Cancelled),
            InReview => matches!(to, InProgress | Blocked | Done | Cancelled),
            Blocked => matches!(to, Todo | InProgress | Cancelled),
            Done => matches!(to, Todo | InProgress),
            Cancelled => matches!(to, Todo),
        }
    }

    /// `done` and `cancelled`: the task needs no more work.
    pub const fn is_closed(self) -> bool {
        matches!(self, Status::Done | Status::Cancelled)
    }

    /// `in_progress`, `in_review` and `blocked`: work in progress, as the WIP metric counts it.
    pub const fn is_wip(self) -> bool {
        matches!(self, Status::InProgress | Status::InReview | Status::Blocked)
    }

    /// The snake_case name used in events, tables and SQL.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Todo => "todo",
            Self::InProgress => "in_progress",
            Self::InReview => "in_review",
            Self::Blocked => "blocked",
            Self::Done => "done",
            Self::Cancelled => "cancelled",
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How urgent a task is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    /// Whenever.
    Low,
    /// The default.
    #[default]
    Medium,
    /// Soon.
    High,
    /// Now.
    Urgent,
}

impl Priority {
    /// Every priority, lowest first.
    pub const ALL: [Priority; 4] = [Priority::Low, Priority::Medium, Priority::High, Priority::Urgent];

    /// The snake_case name used in events, tables and SQL.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Low => "low",
            Self::Medium => "medium",
            Self::High => "high",
            Self::Urgent => "urgent",
        }
    }
}

impl fmt::Display for Priority {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::Status::*;
    use super::*;

    #[test]
    fn the_whole_graph() {
        let edges = [
            (Todo, [InProgress, Blocked, Done, Cancelled].as_slice()),
            (InProgress, &[Todo, InReview, Blocked, Done, Cancelled]),
            (InReview, &[InProgress, Blocked, Done, Cancelled]),
            (Blocked, &[Todo, InProgress, Cancelled]),
            (Done, &[Todo, InProgress]),
            (Cancelled, &[Todo]),
        ];
        for (from, targets) in edges {
            for to in Status::ALL {
                assert_eq!(from.can_move_to(to), targets.contains(&to), "{from} -> {to}");
            }
        }
    }

    #[test]
    fn names_round_trip_through_serde() {
        for s in Status::ALL {
            assert_eq!(serde_json::to_string(&s).unwrap(), format!("\"{}\"", s.as_str()));
        }
        for p in Priority::ALL {
            assert_eq!(serde_json::from_str::<Priority>(&format!("\"{p}\"")).unwrap(), p);
        }
    }
}
