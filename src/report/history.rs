//! Each portal's findings over the last runs kept in the `--out` folder, for the HTML report's
//! small history charts.
//!
//! Earlier reports are read with a struct that names only the fields the chart needs, so that a
//! large report costs its bytes and a parse, never a whole [`Report`] in memory.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use crate::types::{Report, Severity, SeverityCounts, TargetStatus};

/// Earlier runs read at most, besides the current one.
pub(crate) const EARLIER_RUNS: usize = 10;

/// One run of one portal: its findings by severity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryPoint {
    /// The run's id, the name of its folder.
    pub run: String,
    /// The portal's findings in that run, by severity (all zero when it failed).
    pub counts: SeverityCounts,
    /// True when the portal could not be audited in that run: no findings is then no news.
    pub failed: bool,
}

/// Per portal name, its points oldest first; the current run, when given, is the last point.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct History {
    targets: BTreeMap<String, Vec<HistoryPoint>>,
}

impl History {
    /// No earlier run: the `render` command, which has no `--out` folder to look in.
    pub fn empty() -> History {
        History::default()
    }

    /// The history of `current`'s portals from the last 10 run folders of `out`
    /// whose ids sort before the current run's, then the current run. Folders starting with `.`,
    /// unreadable or corrupt reports and partial runs are skipped: a chart must not show an
    /// interrupted run's few findings as an improvement.
    pub fn load(out: &Path, current: &Report) -> History {
        let mut history = History::default();
        let current_key = run_key(&current.run.id);
        let mut ids: Vec<String> = std::fs::read_dir(out)
            .into_iter()
            .flatten()
            .flatten()
            // Run folders only: `latest` is a link to one of them, and would count it twice.
            .filter(|entry| entry.file_type().is_ok_and(|kind| kind.is_dir()))
            .filter_map(|entry| entry.file_name().into_string().ok())
            .filter(|name| !name.starts_with('.'))
            .filter(|name| run_key(name) < current_key)
            .collect();
        ids.sort_by(|a, b| run_key(a).cmp(&run_key(b)));
        // Newest first, so that only as many files are read as make the chart.
        let mut earlier = Vec::new();
        for id in ids.iter().rev() {
            if earlier.len() == EARLIER_RUNS {
                break;
            }
            if let Some(run) = read_run(&out.join(id).join("report.json")) {
                earlier.push((id.clone(), run));
            }
        }
        for (id, run) in earlier.into_iter().rev() {
            for target in run.targets {
                history.push(
                    target.name,
                    point(
                        id.clone(),
                        target.status,
                        target.findings.iter().map(|f| f.severity),
                    ),
                );
            }
        }
        for target in &current.targets {
            history.push(
                target.name.clone(),
                point(
                    current.run.id.clone(),
                    target.status,
                    target.findings.iter().map(|f| f.severity),
                ),
            );
        }
        // A portal no longer audited has nothing to chart beside.
        history
            .targets
            .retain(|name, _| current.targets.iter().any(|t| &t.name == name));
        history
    }

    /// The points of the portal `name`, oldest first; empty when none is known.
    pub fn of(&self, name: &str) -> &[HistoryPoint] {
        self.targets.get(name).map_or(&[], Vec::as_slice)
    }

    fn push(&mut self, name: String, point: HistoryPoint) {
        let points = self.targets.entry(name).or_default();
        // A name twice in one run (a hand-merged report) keeps its first entry.
        if points.last().is_none_or(|last| last.run != point.run) {
            points.push(point);
        }
    }
}

fn point(
    run: String,
    status: TargetStatus,
    severities: impl Iterator<Item = Severity>,
) -> HistoryPoint {
    let failed = status == TargetStatus::Failed;
    let mut counts = SeverityCounts::default();
    if !failed {
        severities.for_each(|s| counts.add(s));
    }
    HistoryPoint {
        run,
        counts,
        failed,
    }
}

/// How run ids sort: by their time stamp, then by the `-N` suffix of a second run in the same
/// second as a number (`…Z-10` after `…Z-9`), none first.
fn run_key(id: &str) -> (&str, u64) {
    match id.rsplit_once('-') {
        Some((base, n)) if !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) => {
            (base, n.parse().unwrap_or(u64::MAX))
        }
        _ => (id, 0),
    }
}

/// The part of an earlier `report.json` the history needs; every other field is skipped.
#[derive(Deserialize)]
struct RunSummary {
    run: RunFlags,
    targets: Vec<TargetSummary>,
}

#[derive(Deserialize)]
struct RunFlags {
    partial: bool,
}

#[derive(Deserialize)]
struct TargetSummary {
    name: String,
    status: TargetStatus,
    #[serde(default)]
    findings: Vec<FindingSeverity>,
}

#[derive(Deserialize)]
struct FindingSeverity {
    severity: Severity,
}

/// The summary of a complete run's report, or none when it cannot be read, is not a report,
/// or is partial.
fn read_run(path: &Path) -> Option<RunSummary> {
    let bytes = std::fs::read(path).ok()?;
    let run: RunSummary = serde_json::from_slice(&bytes).ok()?;
    (!run.run.partial).then_some(run)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn report_json(id: &str, partial: bool, targets: serde_json::Value) -> serde_json::Value {
        json!({
            "schema_version": 1,
            "tool": {"name": "cookie-audit", "version": "0.1.0"},
            "run": {"id": id, "started_at": "2026-11-24T11:35:50Z",
                    "finished_at": "2026-11-24T11:37:50Z", "engine": "http", "partial": partial},
            "targets": targets,
            "totals": {"targets": 0, "audited": 0, "failed": 0,
                       "findings": {"high": 0, "medium": 0, "low": 0, "info": 0}}
        })
    }

    fn target(name: &str, status: &str, severities: &[&str]) -> serde_json::Value {
        let findings: Vec<_> = severities
            .iter()
            .map(|s| {
                json!({"kind": "undeclared", "severity": s, "cookie": "c", "message": "m",
                            "evidence": {}})
            })
            .collect();
        json!({
            "name": name, "url": "https://example.org/", "jurisdiction": "be", "engine": "http",
            "status": status, "error": null,
            "charter": {"source": null, "status": "not_found", "error": null, "portal_url": null,
                        "declared": []},
            "crawl": {"pages": [], "requests": 0, "duration_ms": 0, "subresources": 0},
            "observed": [], "storage": [], "malformed_set_cookies": [], "findings": findings
        })
    }

    fn write(out: &Path, folder: &str, body: &str) {
        std::fs::create_dir_all(out.join(folder)).unwrap();
        std::fs::write(out.join(folder).join("report.json"), body).unwrap();
    }

    #[test]
    fn earlier_complete_runs_then_the_current_one() {
        let out = tempfile::tempdir().unwrap();
        let out = out.path();
        let run = |id: &str, partial: bool, severities: &[&str]| {
            report_json(id, partial, json!([target("a", "audited", severities)])).to_string()
        };
        // Twelve earlier runs: only the last ten are read.
        for hour in 0..12 {
            let id = format!("20261120T{hour:02}0000Z");
            write(out, &id, &run(&id, false, &["high"; 1]));
        }
        write(out, "20261124T090503Z", &run("x", false, &["high", "low"]));
        // A second run in the same second, and the tenth after it: numbers, not text, order them.
        write(out, "20261124T090503Z-9", &run("x", false, &["low"]));
        write(out, "20261124T090503Z-10", &run("x", false, &["info"]));
        write(out, "20261124T100000Z", &run("x", true, &["low"])); // partial: skipped
        write(out, "20261124T100001Z", "{ not json"); // corrupt: skipped
        write(out, ".20261124T100002Z", &run("x", false, &["low"])); // hidden: skipped
        std::fs::create_dir_all(out.join("20261124T100003Z")).unwrap(); // no report: skipped
        std::fs::write(out.join("latest.json"), "{}").unwrap();
        // `latest` links to a run folder: that run counts once.
        std::os::unix::fs::symlink("20261124T090503Z-10", out.join("latest")).unwrap();
        // Later than the current run (another run's, or a clock gone back): not history.
        write(out, "20261125T000000Z", &run("x", false, &["low"]));

        let current: Report = serde_json::from_value(report_json(
            "20261124T110000Z",
            false,
            json!([target("a", "audited", &[]), target("b", "failed", &[])]),
        ))
        .unwrap();
        let history = History::load(out, &current);
        let runs: Vec<&str> = history.of("a").iter().map(|p| p.run.as_str()).collect();
        assert_eq!(
            runs,
            [
                "20261120T050000Z",
                "20261120T060000Z",
                "20261120T070000Z",
                "20261120T080000Z",
                "20261120T090000Z",
                "20261120T100000Z",
                "20261120T110000Z",
                "20261124T090503Z",
                "20261124T090503Z-9",
                "20261124T090503Z-10",
                "20261124T110000Z",
            ]
        );
        let points = history.of("a");
        assert_eq!(points[7].counts.high, 1);
        assert_eq!(points[7].counts.low, 1);
        assert_eq!(points[9].counts.info, 1);
        assert_eq!(points[10].counts, SeverityCounts::default());
        let b = history.of("b");
        assert_eq!(b.len(), 1);
        assert!(b[0].failed);
        assert!(history.of("gone").is_empty());
    }

    #[test]
    fn no_out_folder_is_the_current_run_alone() {
        let current: Report = serde_json::from_value(report_json(
            "r",
            false,
            json!([target("a", "audited", &["high"])]),
        ))
        .unwrap();
        let history = History::load(Path::new("/nonexistent/cookie-audit"), &current);
        assert_eq!(history.of("a").len(), 1);
        assert_eq!(history.of("a")[0].counts.high, 1);
        assert!(History::empty().of("a").is_empty());
    }
}
