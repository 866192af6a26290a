//! A target's cookie charter as read: where it was found and what it declares.

use serde::{Deserialize, Serialize};

/// Where the charter came from and what it declares.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Charter {
    /// The URL or file it was read from, if one was found.
    pub source: Option<String>,
    /// How far reading it got.
    pub status: CharterStatus,
    /// Why it is not `parsed`: what was tried and what went wrong, in one sentence.
    pub error: Option<String>,
    /// The portal the charter says it describes ("…sur la plateforme <https://…>"), if it names
    /// one: a charter copied from another portal names the other portal.
    pub portal_url: Option<String>,
    /// The cookies it declares, in charter order.
    pub declared: Vec<Declaration>,
    /// True when it was read from the page as the browser engine rendered it (scripts run: a
    /// consent manager's declaration, a table drawn by a script); false when read from the
    /// document as served.
    #[serde(default)]
    pub rendered: bool,
}

impl Charter {
    /// A charter that was not found, and why.
    pub fn not_found(why: impl Into<String>) -> Charter {
        Charter {
            source: None,
            status: CharterStatus::NotFound,
            error: Some(why.into()),
            portal_url: None,
            declared: Vec::new(),
            rendered: false,
        }
    }

    /// A charter this audit did not read for a reason of its own (the run was interrupted, the
    /// target ran out of time, the browser died, the configured charter file is missing): the
    /// portal is not to blame, so no charter-based finding is raised.
    pub fn not_read(why: impl Into<String>) -> Charter {
        Charter {
            status: CharterStatus::NotRead,
            ..Charter::not_found(why)
        }
    }
}

/// How far reading a charter got.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CharterStatus {
    /// Read, with at least one declared cookie.
    Parsed,
    /// No charter was found.
    NotFound,
    /// A charter was found but could not be fetched.
    Unreachable,
    /// Fetched, but no declared cookie could be read from it.
    Unparsed,
    /// Not read because of the audit, not of the portal: the run was interrupted, the target
    /// ran out of time, the browser died, or the charter file given in targets.toml could not
    /// be read. `error` says which; no charter-based finding is raised.
    NotRead,
}

/// How a declaration's name is compared with cookie names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MatchKind {
    /// The cookie's name equals the declared name (case-sensitive).
    Exact,
    /// The declared name is a family stem such as `_ga_`.
    Prefix,
    /// The declared name has placeholders inside, such as `_pk_id.*.*`.
    Pattern,
}

/// The purpose category of a cookie.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Category {
    /// Strictly necessary for the service asked for.
    Necessary,
    /// Remembers choices; not strictly necessary.
    Functional,
    /// Audience measurement.
    Statistics,
    /// Advertising, tracking across sites.
    Marketing,
    /// Not said or not understood.
    Unknown,
}

impl Category {
    /// The word used in reports, e.g. `statistics`.
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Necessary => "necessary",
            Category::Functional => "functional",
            Category::Statistics => "statistics",
            Category::Marketing => "marketing",
            Category::Unknown => "unknown",
        }
    }
}

/// One cookie declared by a charter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Declaration {
    /// The name as written in the charter.
    pub name: String,
    /// Whether `name` is one cookie or a family.
    #[serde(rename = "match")]
    pub match_kind: MatchKind,
    /// Who sets it, e.g. `Opendatasoft`.
    pub provider: String,
    /// The service and where it runs.
    pub service: String,
    /// What it is for.
    pub purpose: String,
    /// The category the charter files it under.
    pub category: Category,
    /// The duration as written, e.g. `13 mois`.
    pub duration: Option<String>,
    /// The duration in seconds, when it could be read; `0` for a session cookie.
    pub duration_seconds: Option<u64>,
}
