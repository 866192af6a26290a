//! A portal's findings over its last runs as a small stacked column chart, drawn here as
//! numbers for an inline SVG: the page fetches nothing, so no chart library can be used.

use serde::Serialize;

use super::severity::{SeverityStyle, count_of};
use crate::report::history::HistoryPoint;
use crate::types::{Severity, SeverityCounts};

/// The chart's drawing box: `0 0 WIDTH HEIGHT`; CSS sizes it.
const WIDTH: f64 = 100.0;
const HEIGHT: f64 = 40.0;

#[derive(Serialize)]
pub(super) struct HistoryChart {
    columns: Vec<Column>,
    /// The findings of each run in words, oldest first: what the chart shows, for everyone.
    summary: String,
    first_run: String,
    last_run: String,
    /// The most findings in one run: the chart's scale.
    most: u32,
}

#[derive(Serialize)]
struct Column {
    run: String,
    x: String,
    width: String,
    failed: bool,
    /// What hovering the column says: the run and its counts.
    title: String,
    segments: Vec<Segment>,
}

#[derive(Serialize)]
struct Segment {
    key: &'static str,
    y: String,
    height: String,
}

impl HistoryChart {
    /// The chart of `points` (oldest first, the current run last), or none when there is no
    /// earlier run to compare with.
    pub(super) fn of(points: &[HistoryPoint]) -> Option<HistoryChart> {
        let (first, last) = (points.first()?, points.last()?);
        if points.len() < 2 {
            return None;
        }
        let most = points.iter().map(|p| total(&p.counts)).max().unwrap_or(0);
        let slot = WIDTH / points.len() as f64;
        let columns = points
            .iter()
            .enumerate()
            .map(|(i, point)| {
                let x = slot * i as f64 + slot * 0.15;
                let mut top = HEIGHT;
                let mut segments = Vec::new();
                // High at the bottom, where a column starts, so that it reads first.
                for severity in SeverityStyle::ORDER {
                    let count = count_of(&point.counts, severity);
                    if count == 0 || most == 0 {
                        continue;
                    }
                    let height = HEIGHT * f64::from(count) / f64::from(most);
                    top -= height;
                    segments.push(Segment {
                        key: SeverityStyle::of(severity).key(),
                        y: format!("{top:.2}"),
                        height: format!("{height:.2}"),
                    });
                }
                Column {
                    run: point.run.clone(),
                    x: format!("{x:.2}"),
                    width: format!("{:.2}", slot * 0.7),
                    failed: point.failed,
                    title: title(point),
                    segments,
                }
            })
            .collect();
        let summary = points
            .iter()
            .map(|p| {
                if p.failed {
                    "failed".to_string()
                } else {
                    total(&p.counts).to_string()
                }
            })
            .collect::<Vec<_>>()
            .join(" \u{2192} ");
        Some(HistoryChart {
            columns,
            summary,
            first_run: first.run.clone(),
            last_run: last.run.clone(),
            most,
        })
    }
}

fn total(counts: &SeverityCounts) -> u32 {
    counts.at_or_above(Severity::Info)
}

fn title(point: &HistoryPoint) -> String {
    if point.failed {
        return format!("run {}: the portal could not be audited", point.run);
    }
    let c = &point.counts;
    format!(
        "run {}: {} findings ({} high, {} medium, {} low, {} info)",
        point.run,
        total(c),
        c.high,
        c.medium,
        c.low,
        c.info
    )
}
