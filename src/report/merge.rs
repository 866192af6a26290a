//! Joining the reports of the shards of one run (`audit --shard K/N`) into one report.

use std::collections::HashMap;

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::types::{Report, SCHEMA_VERSION, TargetReport, Tool, Totals};

/// Why reports could not be merged.
#[derive(Debug, thiserror::Error)]
pub(crate) enum MergeError {
    /// No report was given.
    #[error("nothing to merge: give the report.json of every shard of the run")]
    Nothing,
    /// A report of another schema version.
    #[error(
        "{label} has schema_version {found}, but this cookie-audit merges schema_version \
         {expected}: merge it with the cookie-audit that wrote it"
    )]
    SchemaMismatch {
        /// The input's label (its file name).
        label: String,
        /// Its `schema_version`.
        found: u32,
        /// The version this build writes.
        expected: u32,
    },
    /// Two inputs hold different results for the same target.
    #[error(
        "target {name:?} is in both {first} and {second} with different results: shards of one \
         run never share a target, so these are not shards of one run (or one was audited \
         twice); merge each run's shards separately, or leave one of the two out"
    )]
    ConflictingDuplicate {
        /// The target's name.
        name: String,
        /// The input where it was met first.
        first: String,
        /// The input where it was met again.
        second: String,
    },
}

/// Joins reports of shards of one run: targets concatenated in input order, an identical
/// duplicate target kept once, a conflicting duplicate an error, totals recomputed with
/// [`Totals::of`], `run`: the id, engine and tool of the first input, `started_at` the earliest,
/// `finished_at` the latest, `partial` and `values_recorded` if any is, the first
/// `interrupted_by`; `changes` dropped (it belonged to one
/// shard). `tool` is this build, which wrote the merged report.
///
/// Each input comes with a label (e.g. its file name) for the error messages.
pub(crate) fn merge(reports: Vec<(String, Report)>) -> Result<Report, MergeError> {
    let mut inputs = reports.into_iter();
    let (label, first) = inputs.next().ok_or(MergeError::Nothing)?;
    check_schema(&label, &first)?;
    let mut run = first.run;
    let mut targets = Targets::default();
    targets.extend(&label, first.targets)?;
    for (label, report) in inputs {
        check_schema(&label, &report)?;
        if is_earlier(&report.run.started_at, &run.started_at) {
            run.started_at = report.run.started_at;
        }
        if is_earlier(&run.finished_at, &report.run.finished_at) {
            run.finished_at = report.run.finished_at;
        }
        run.partial |= report.run.partial;
        // A shard stopped by a signal, or holding values, makes the whole run so.
        run.values_recorded |= report.run.values_recorded;
        if run.interrupted_by.is_none() {
            run.interrupted_by = report.run.interrupted_by;
        }
        targets.extend(&label, report.targets)?;
    }
    let targets = targets.list;
    Ok(Report {
        schema_version: SCHEMA_VERSION,
        tool: Tool::current(),
        run,
        totals: Totals::of(&targets),
        targets,
        changes: None,
    })
}

fn check_schema(label: &str, report: &Report) -> Result<(), MergeError> {
    if report.schema_version == SCHEMA_VERSION {
        Ok(())
    } else {
        Err(MergeError::SchemaMismatch {
            label: label.to_string(),
            found: report.schema_version,
            expected: SCHEMA_VERSION,
        })
    }
}

/// Whether time `a` is before time `b`, as instants: the strings are RFC 3339 UTC, but a report
/// edited by hand may carry an offset. Unreadable times fall back to comparing the text.
fn is_earlier(a: &str, b: &str) -> bool {
    let instant = |text: &str| OffsetDateTime::parse(text, &Rfc3339).ok();
    match (instant(a), instant(b)) {
        (Some(a), Some(b)) => a < b,
        _ => a < b,
    }
}

/// The merged targets, and which input each name came from.
#[derive(Default)]
struct Targets {
    list: Vec<TargetReport>,
    origin: HashMap<String, (usize, String)>,
}

impl Targets {
    /// Appends `targets` of the input `label`. A target already present is kept once when the
    /// entries are equal: merging the same shard twice (a retried job) is harmless.
    fn extend(&mut self, label: &str, targets: Vec<TargetReport>) -> Result<(), MergeError> {
        for target in targets {
            if let Some((index, first)) = self.origin.get(&target.name) {
                if self.list[*index] != target {
                    return Err(MergeError::ConflictingDuplicate {
                        name: target.name,
                        first: first.clone(),
                        second: label.to_string(),
                    });
                }
                continue;
            }
            self.origin
                .insert(target.name.clone(), (self.list.len(), label.to_string()));
            self.list.push(target);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::load::fixtures::{cookie, failed_target, finding, report, target};
    use crate::types::Engine;
    use crate::types::{ReportDiff, SeverityCounts};

    fn names(report: &Report) -> Vec<&str> {
        report.targets.iter().map(|t| t.name.as_str()).collect()
    }

    fn shard(id: &str, started: &str, finished: &str, targets: Vec<TargetReport>) -> Report {
        let mut shard = report(id, targets);
        shard.run.started_at = started.to_string();
        shard.run.finished_at = finished.to_string();
        shard
    }

    fn plain(name: &str) -> TargetReport {
        target(name, vec![cookie("c", name, 10)], &["c"], vec![])
    }

    #[test]
    fn shards_concatenate_in_input_order_and_totals_are_recomputed() {
        let a = report(
            "run",
            vec![
                target(
                    "a.be",
                    vec![],
                    &[],
                    vec![finding("undeclared", "high", Some("x"), "m")],
                ),
                failed_target("b.be", "refused"),
            ],
        );
        let b = report(
            "run",
            vec![target(
                "c.be",
                vec![],
                &[],
                vec![
                    finding("undeclared", "medium", Some("y"), "m"),
                    finding("not_observed", "info", Some("z"), "m"),
                ],
            )],
        );
        let merged = merge(vec![("a.json".into(), a), ("b.json".into(), b)]).expect("merge");
        assert_eq!(names(&merged), ["a.be", "b.be", "c.be"]);
        assert_eq!(
            (
                merged.totals.targets,
                merged.totals.audited,
                merged.totals.failed
            ),
            (3, 2, 1)
        );
        assert_eq!(
            merged.totals.findings,
            SeverityCounts {
                high: 1,
                medium: 1,
                low: 0,
                info: 1
            }
        );
    }

    #[test]
    fn an_identical_duplicate_is_kept_once() {
        let a = report("run", vec![plain("a.be"), plain("b.be")]);
        let b = report("run", vec![plain("b.be"), plain("c.be")]);
        let merged = merge(vec![("a.json".into(), a), ("b.json".into(), b)]).expect("merge");
        assert_eq!(names(&merged), ["a.be", "b.be", "c.be"]);
        assert_eq!(merged.totals.targets, 3);
    }

    #[test]
    fn a_conflicting_duplicate_names_both_inputs() {
        let mut other = plain("b.be");
        other.crawl.duration_ms += 1;
        let inputs = vec![
            (
                "shard-0.json".to_string(),
                report("run", vec![plain("a.be")]),
            ),
            (
                "shard-1.json".to_string(),
                report("run", vec![plain("b.be")]),
            ),
            ("shard-2.json".to_string(), report("run", vec![other])),
        ];
        let err = merge(inputs).expect_err("b.be differs");
        assert!(
            matches!(&err, MergeError::ConflictingDuplicate { name, first, second }
                if name == "b.be" && first == "shard-1.json" && second == "shard-2.json"),
            "{err:?}"
        );
        let message = err.to_string();
        assert!(
            message.contains("shard-1.json") && message.contains("shard-2.json"),
            "{message}"
        );
    }

    #[test]
    fn run_spans_the_earliest_start_and_latest_finish() {
        let mut first = shard(
            "20260101T100000Z",
            "2026-01-01T10:00:00Z",
            "2026-01-01T10:05:00Z",
            vec![plain("a.be")],
        );
        first.changes = Some(ReportDiff::default());
        let mut second = shard(
            "20260101T095800Z",
            "2026-01-01T09:58:00Z",
            "2026-01-01T10:07:00Z",
            vec![plain("b.be")],
        );
        second.run.engine = Engine::Browser;
        // 10:30+01:00 is 09:30 UTC: the earliest, though its text sorts last.
        let mut third = shard(
            "x",
            "2026-01-01T10:30:00+01:00",
            "2026-01-01T10:01:00Z",
            vec![plain("c.be")],
        );
        third.run.partial = true;
        third.run.interrupted_by = Some("SIGTERM".into());
        second.run.values_recorded = true;
        let merged = merge(vec![
            ("0".into(), first),
            ("1".into(), second),
            ("2".into(), third),
        ])
        .expect("merge");
        assert_eq!(merged.run.id, "20260101T100000Z");
        assert_eq!(merged.run.started_at, "2026-01-01T10:30:00+01:00");
        assert_eq!(merged.run.finished_at, "2026-01-01T10:07:00Z");
        assert_eq!(merged.run.engine, Engine::Http);
        assert!(merged.run.partial);
        assert_eq!(merged.run.interrupted_by.as_deref(), Some("SIGTERM"));
        assert!(merged.run.values_recorded);
        assert_eq!(merged.changes, None);
    }

    #[test]
    fn a_report_of_another_schema_is_refused() {
        let mut newer = report("run", vec![plain("b.be")]);
        newer.schema_version = SCHEMA_VERSION + 1;
        let inputs = vec![
            ("a.json".to_string(), report("run", vec![plain("a.be")])),
            ("b.json".to_string(), newer),
        ];
        let err = merge(inputs).expect_err("schema 2");
        assert!(
            matches!(&err, MergeError::SchemaMismatch { label, found, expected }
                if label == "b.json" && *found == SCHEMA_VERSION + 1 && *expected == SCHEMA_VERSION),
            "{err:?}"
        );
    }

    #[test]
    fn nothing_to_merge_is_an_error() {
        assert!(matches!(merge(Vec::new()), Err(MergeError::Nothing)));
    }

    #[test]
    fn one_report_merges_into_itself_without_its_changes() {
        let mut only = report("run", vec![plain("a.be")]);
        only.changes = Some(ReportDiff {
            changed: true,
            ..ReportDiff::default()
        });
        let merged = merge(vec![("a.json".into(), only.clone())]).expect("merge");
        only.changes = None;
        only.tool = Tool::current();
        assert_eq!(merged, only);
    }
}
