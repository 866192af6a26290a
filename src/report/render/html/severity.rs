//! Severities as the page shows them: badges, counts and the bars that compare portals.

use serde::Serialize;

use crate::types::{Finding, Severity, SeverityCounts};

/// A severity as the template shows it: a CSS class key and a text label, never colour alone.
#[derive(Debug, Clone, Copy, Serialize)]
pub(super) struct SeverityStyle {
    key: &'static str,
    label: &'static str,
    /// Sort key for the tables: higher is worse.
    rank: u8,
}

impl SeverityStyle {
    pub(super) const ORDER: [Severity; 4] = [
        Severity::High,
        Severity::Medium,
        Severity::Low,
        Severity::Info,
    ];

    pub(super) fn of(severity: Severity) -> SeverityStyle {
        let (key, label, rank) = match severity {
            Severity::High => ("high", "High", 4),
            Severity::Medium => ("medium", "Medium", 3),
            Severity::Low => ("low", "Low", 2),
            Severity::Info => ("info", "Info", 1),
        };
        SeverityStyle { key, label, rank }
    }

    /// The CSS class key: `high`, `medium`, `low`, `info`.
    pub(super) fn key(self) -> &'static str {
        self.key
    }
}

/// How many findings of one severity (the template reads the field names).
#[derive(Serialize)]
pub(super) struct SeverityTally {
    sev: SeverityStyle,
    count: u32,
}

pub(super) fn severity_tallies(counts: &SeverityCounts) -> Vec<SeverityTally> {
    SeverityStyle::ORDER
        .iter()
        .map(|&s| SeverityTally {
            sev: SeverityStyle::of(s),
            count: count_of(counts, s),
        })
        .collect()
}

/// The count of one severity.
pub(super) fn count_of(counts: &SeverityCounts, severity: Severity) -> u32 {
    match severity {
        Severity::High => counts.high,
        Severity::Medium => counts.medium,
        Severity::Low => counts.low,
        Severity::Info => counts.info,
    }
}

pub(super) fn worst<'f>(findings: impl IntoIterator<Item = &'f Finding>) -> Option<SeverityStyle> {
    findings
        .into_iter()
        .map(|f| f.severity)
        .max()
        .map(SeverityStyle::of)
}

#[derive(Serialize)]
pub(super) struct BarSegment {
    pub(super) key: &'static str,
    pub(super) x: String,
    pub(super) width: String,
}

/// The stacked bar of findings by severity, scaled to the portal with most findings so that
/// bars compare across portals.
pub(super) fn bar(counts: &SeverityCounts, widest: usize) -> Vec<BarSegment> {
    let mut x = 0.0;
    let mut segments = Vec::new();
    for severity in SeverityStyle::ORDER {
        let count = count_of(counts, severity);
        if count == 0 || widest == 0 {
            continue;
        }
        let width = 100.0 * f64::from(count) / widest as f64;
        segments.push(BarSegment {
            key: SeverityStyle::of(severity).key,
            x: format!("{x:.2}"),
            width: format!("{width:.2}"),
        });
        x += width;
    }
    segments
}
