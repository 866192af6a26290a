//! Severities as the page shows them: badges, counts and the bars that compare portals.

use serde::Serialize;

use crate::types::{Finding, Severity, SeverityCounts};

/// A severity as the template shows it: a CSS class key and a text label, never colour alone.
#[derive(Debug, Clone, Copy, Serialize)]
pub(super) struct Sev {
    key: &'static str,
    label: &'static str,
    /// Sort key for the tables: higher is worse.
    rank: u8,
}

impl Sev {
    pub(super) const ORDER: [Severity; 4] = [
        Severity::High,
        Severity::Medium,
        Severity::Low,
        Severity::Info,
    ];

    pub(super) fn of(severity: Severity) -> Sev {
        let (key, label, rank) = match severity {
            Severity::High => ("high", "High", 4),
            Severity::Medium => ("medium", "Medium", 3),
            Severity::Low => ("low", "Low", 2),
            Severity::Info => ("info", "Info", 1),
        };
        Sev { key, label, rank }
    }
}

#[derive(Serialize)]
pub(super) struct SevCount {
    sev: Sev,
    count: u32,
}

pub(super) fn sev_counts(counts: &SeverityCounts) -> Vec<SevCount> {
    Sev::ORDER
        .iter()
        .map(|&s| SevCount {
            sev: Sev::of(s),
            count: count_of(counts, s),
        })
        .collect()
}

fn count_of(counts: &SeverityCounts, severity: Severity) -> u32 {
    match severity {
        Severity::High => counts.high,
        Severity::Medium => counts.medium,
        Severity::Low => counts.low,
        Severity::Info => counts.info,
    }
}

pub(super) fn worst<'f>(findings: impl IntoIterator<Item = &'f Finding>) -> Option<Sev> {
    findings.into_iter().map(|f| f.severity).max().map(Sev::of)
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
    for severity in Sev::ORDER {
        let count = count_of(counts, severity);
        if count == 0 || widest == 0 {
            continue;
        }
        let width = 100.0 * f64::from(count) / widest as f64;
        segments.push(BarSegment {
            key: Sev::of(severity).key,
            x: format!("{x:.2}"),
            width: format!("{width:.2}"),
        });
        x += width;
    }
    segments
}
