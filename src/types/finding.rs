//! Findings and their severities.

use serde::{Deserialize, Serialize};

/// How much a finding matters; ordered from `info` to `high`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing.
    Info,
    /// Worth fixing.
    Low,
    /// Should be fixed.
    Medium,
    /// Must be fixed.
    High,
}

/// The kinds of finding (`docs/report-schema.md`, "Finding kinds"), snake_case in JSON.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingKind {
    /// A cookie was set that the charter does not declare.
    Undeclared,
    /// The charter declares a cookie that was never seen.
    NotObserved,
    /// A cookie that needs consent was set before any was given (or after a refusal).
    SetWithoutConsent,
    /// The charter files a cookie under a category its purpose does not fit.
    CategoryMismatch,
    /// The cookie lives far longer than the charter says.
    LifetimeMismatch,
    /// The cookie lives longer than the limit of the target's jurisdiction.
    LifetimeOverLimit,
    /// A cookie that should be `Secure`, `HttpOnly` or `SameSite` is not.
    InsecureAttributes,
    /// A `Set-Cookie` header no browser could read.
    MalformedSetCookie,
    /// No readable cookie charter was found.
    CharterMissing,
    /// A consent phase could not be run, so what a choice changes is unknown.
    ConsentNotTested,
    /// A cookie that needs consent was set while the browser sent Global Privacy Control.
    SetDespiteGpc,
    /// A cookie every browser refuses to store (a public suffix or foreign `Domain`, a broken
    /// `__Host-`/`__Secure-` prefix): a misconfiguration, not a cookie the visitor received.
    CookieRejected,
    /// A kind this version does not know: a report written by a newer version still loads.
    #[serde(untagged)]
    Other(String),
}

impl FindingKind {
    /// The kind as written in JSON.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Undeclared => "undeclared",
            Self::NotObserved => "not_observed",
            Self::SetWithoutConsent => "set_without_consent",
            Self::CategoryMismatch => "category_mismatch",
            Self::LifetimeMismatch => "lifetime_mismatch",
            Self::LifetimeOverLimit => "lifetime_over_limit",
            Self::InsecureAttributes => "insecure_attributes",
            Self::MalformedSetCookie => "malformed_set_cookie",
            Self::CharterMissing => "charter_missing",
            Self::ConsentNotTested => "consent_not_tested",
            Self::SetDespiteGpc => "set_despite_gpc",
            Self::CookieRejected => "cookie_rejected",
            Self::Other(kind) => kind,
        }
    }

    /// What the kind means, in a few words (the HTML report's headings); an unknown kind is
    /// shown as written.
    pub fn title(&self) -> &str {
        match self {
            Self::Undeclared => "Not in the charter",
            Self::NotObserved => "Declared but never seen",
            Self::SetWithoutConsent => "Set without consent",
            Self::CategoryMismatch => "Filed under the wrong category",
            Self::LifetimeMismatch => "Lifetime differs from the charter",
            Self::LifetimeOverLimit => "Lifetime over the limit",
            Self::InsecureAttributes => "Insecure attributes",
            Self::MalformedSetCookie => "Malformed Set-Cookie header",
            Self::CharterMissing => "No readable cookie charter",
            Self::ConsentNotTested => "Consent phase not tested",
            Self::SetDespiteGpc => "Set despite Global Privacy Control",
            Self::CookieRejected => "Refused by browsers",
            Self::Other(kind) => kind,
        }
    }
}

/// Scripts and tests compare kinds with their JSON spelling.
impl PartialEq<str> for FindingKind {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for FindingKind {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl std::fmt::Display for FindingKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One thing the audit found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// What kind of finding it is, e.g. `undeclared`.
    pub kind: FindingKind,
    /// How much it matters.
    pub severity: Severity,
    /// The cookie concerned, if any.
    pub cookie: Option<String>,
    /// One sentence a person can act on.
    pub message: String,
    /// What backs the finding.
    pub evidence: serde_json::Value,
}

/// Findings counted by severity.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeverityCounts {
    /// `high` findings.
    pub high: u32,
    /// `medium` findings.
    pub medium: u32,
    /// `low` findings.
    pub low: u32,
    /// `info` findings.
    pub info: u32,
}

impl SeverityCounts {
    /// Adds one finding of `severity`.
    pub fn add(&mut self, severity: Severity) {
        match severity {
            Severity::High => self.high += 1,
            Severity::Medium => self.medium += 1,
            Severity::Low => self.low += 1,
            Severity::Info => self.info += 1,
        }
    }

    /// Findings at `severity` or above.
    pub fn at_or_above(&self, severity: Severity) -> u32 {
        match severity {
            Severity::High => self.high,
            Severity::Medium => self.high + self.medium,
            Severity::Low => self.high + self.medium + self.low,
            Severity::Info => self.high + self.medium + self.low + self.info,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_are_snake_case_in_json_and_unknown_kinds_still_load() {
        let kinds = [
            FindingKind::Undeclared,
            FindingKind::NotObserved,
            FindingKind::SetWithoutConsent,
            FindingKind::CategoryMismatch,
            FindingKind::LifetimeMismatch,
            FindingKind::LifetimeOverLimit,
            FindingKind::InsecureAttributes,
            FindingKind::MalformedSetCookie,
            FindingKind::CharterMissing,
            FindingKind::CookieRejected,
        ];
        for kind in kinds {
            let json = serde_json::to_string(&kind).unwrap();
            assert_eq!(json, format!("\"{}\"", kind.as_str()));
            assert_eq!(serde_json::from_str::<FindingKind>(&json).unwrap(), kind);
            assert_ne!(kind.title(), kind.as_str(), "{kind} has a title");
        }
        let newer: FindingKind = serde_json::from_str("\"tracker_in_iframe\"").unwrap();
        assert_eq!(newer, FindingKind::Other("tracker_in_iframe".into()));
        assert_eq!(
            serde_json::to_string(&newer).unwrap(),
            "\"tracker_in_iframe\""
        );
    }
}
