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

/// One thing the audit found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// One of the kinds of `DESIGN.md`, e.g. `undeclared`.
    pub kind: String,
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
