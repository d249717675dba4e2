//! Who is acting: the authenticated subject and the role it acts in.

use serde::{Deserialize, Serialize};

/// The roles a caller can hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Applicant,
    Examiner,
    SeniorExaminer,
    Ministry,
    Admin,
}

impl Role {
    /// Parses the snake_case role name used in tokens and on the command line.
    pub fn parse(s: &str) -> Option<Role> {
        Some(match s {
            "applicant" => Role::Applicant,
            "examiner" => Role::Examiner,
            "senior_examiner" => Role::SeniorExaminer,
            "ministry" => Role::Ministry,
            "admin" => Role::Admin,
            _ => return None,
        })
    }

    /// The snake_case name of the role.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Applicant => "applicant",
            Role::Examiner => "examiner",
            Role::SeniorExaminer => "senior_examiner",
            Role::Ministry => "ministry",
            Role::Admin => "admin",
        }
    }

    /// Examiners and senior examiners work cases.
    pub fn is_examiner(self) -> bool {
        matches!(self, Role::Examiner | Role::SeniorExaminer)
    }
}

/// An authenticated caller acting on an aggregate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    /// The token subject.
    pub id: String,
    /// The role the subject acts in.
    pub role: Role,
}

impl Actor {
    /// Builds an actor.
    pub fn new(id: impl Into<String>, role: Role) -> Self {
        Self {
            id: id.into(),
            role,
        }
    }
}
