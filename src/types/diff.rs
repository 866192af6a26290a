//! `changes` in a report and the output of `cookie-audit diff`: what changed between two runs.

use serde::{Deserialize, Serialize};

use super::finding::{FindingKind, Severity};
use crate::site::Party;

/// What changed between two reports: `cookie-audit diff`, and `changes` in a report audited
/// against a baseline.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ReportDiff {
    /// The older run's id.
    pub old_run: String,
    /// The newer run's id.
    pub new_run: String,
    /// True when anything at all changed.
    pub changed: bool,
    /// One entry per target present in either report that changed, in the newer report's order
    /// (targets only in the older one last).
    pub targets: Vec<TargetDiff>,
}

/// What changed for one target.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TargetDiff {
    /// The target's name.
    pub name: String,
    /// Present only in the newer report.
    pub added: bool,
    /// Present only in the older report.
    pub removed: bool,
    /// `[old, new]` status words (`audited`, `failed`) when the status changed.
    pub status: Option<[String; 2]>,
    /// Why the target failed in the newer run, when its status changed to `failed`.
    #[serde(default)]
    pub error: Option<String>,
    /// `[old, new]` charter status words when the charter's status changed.
    pub charter_status: Option<[String; 2]>,
    /// Cookies set now that were not before.
    pub cookies_appeared: Vec<CookieKey>,
    /// Cookies set before that are not now.
    pub cookies_vanished: Vec<CookieKey>,
    /// Cookies set in both runs whose attributes or lifetime changed.
    pub cookies_changed: Vec<CookieChange>,
    /// Declaration names the charter gained.
    pub declarations_added: Vec<String>,
    /// Declaration names the charter lost.
    pub declarations_removed: Vec<String>,
    /// Findings present now and not before (identified by kind and cookie).
    pub findings_opened: Vec<FindingKey>,
    /// Findings present before and not now.
    pub findings_closed: Vec<FindingKey>,
}

/// A cookie's identity across runs.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct CookieKey {
    /// Name.
    pub name: String,
    /// Domain.
    pub domain: String,
    /// Path.
    pub path: String,
    /// First or third party.
    pub party: Party,
}

/// One cookie's attribute changes between runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CookieChange {
    /// Which cookie.
    #[serde(flatten)]
    pub key: CookieKey,
    /// What changed.
    pub changes: Vec<FieldChange>,
}

/// One field's old and new values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldChange {
    /// The field of `observed[]`, e.g. `lifetime_seconds`, `secure`.
    pub field: String,
    /// Its value in the older report.
    pub old: serde_json::Value,
    /// Its value in the newer report.
    pub new: serde_json::Value,
}

/// A finding's identity across runs, with what a reader needs to see.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FindingKey {
    /// Kind.
    pub kind: FindingKind,
    /// The cookie concerned, if any.
    pub cookie: Option<String>,
    /// Severity (in the report it comes from).
    pub severity: Severity,
    /// Message (in the report it comes from).
    pub message: String,
}
