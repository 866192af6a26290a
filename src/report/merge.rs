//! Joining the reports of the shards of one run (`audit --shard K/N`) into one report.
//!
//! Shards are checked before they are joined: a report records its shard (`run.shard`) and what
//! all shards of its run share (`run.batch`, `run.config_hash`), so a shard of another night, of
//! other options, given twice or left out is named rather than merged into a report that looks
//! whole. Reports written before these fields existed are joined as before, in input order.

use std::collections::{BTreeMap, HashMap};

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::report::render::text::enum_word;
use crate::types::{
    Engine, MergedShards, Report, SCHEMA_VERSION, ShardOf, TargetReport, Tool, Totals,
};

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
    /// Two inputs were audited with different engines.
    #[error(
        "{label} was audited with the {engine} engine but {first} with the {first_engine} \
         engine: the shards of one run share their engine; merge each engine's run separately"
    )]
    MixedEngines {
        /// The first input.
        first: String,
        /// Its engine.
        first_engine: String,
        /// The input that differs.
        label: String,
        /// Its engine.
        engine: String,
    },
    /// Some inputs are shards and some are not.
    #[error(
        "{label} is not a shard (no run.shard: it was audited without --shard/--shards, or by \
         an older cookie-audit) but {first} is shard {index}/{count}: give only the shards of \
         one run"
    )]
    NotAShard {
        /// The first shard.
        first: String,
        /// Its shard.
        index: u32,
        /// Its shard count.
        count: u32,
        /// The input without a shard.
        label: String,
    },
    /// Shards of different runs: their `run.batch` differs.
    #[error(
        "{label} is of run batch {batch} but {first} of batch {first_batch}: these are shards \
         of different runs (another night, or other --batch values); give the shards of one \
         run, whose reports share run.batch"
    )]
    DifferentRuns {
        /// The first input.
        first: String,
        /// Its batch.
        first_batch: String,
        /// The input that differs.
        label: String,
        /// Its batch.
        batch: String,
    },
    /// Shards of one batch audited from different files or options.
    #[error(
        "{label} and {first} are both of batch {batch} but were audited from different targets \
         files or options (run.config_hash {config_hash} and {first_hash}): every shard must \
         run the same targets file and options, or the shards do not add up to the run"
    )]
    DifferentConfig {
        /// The first input.
        first: String,
        /// Its config hash.
        first_hash: String,
        /// The input that differs.
        label: String,
        /// Its config hash.
        config_hash: String,
        /// The batch both claim.
        batch: String,
    },
    /// Shards of different shard counts.
    #[error(
        "{label} is shard {index}/{count} but {first} is shard {first_index}/{first_count}: the \
         shards of one run share their count N"
    )]
    DifferentCounts {
        /// The first input.
        first: String,
        /// Its shard index.
        first_index: u32,
        /// Its shard count.
        first_count: u32,
        /// The input that differs.
        label: String,
        /// Its shard index.
        index: u32,
        /// Its shard count.
        count: u32,
    },
    /// The same shard given twice.
    #[error("shard {index}/{count} is given twice, {first} and {second}: give each shard once")]
    SameShardTwice {
        /// The shard.
        index: u32,
        /// The shard count.
        count: u32,
        /// The first input holding it.
        first: String,
        /// The second.
        second: String,
    },
    /// Shards are missing.
    #[error(
        "{} missing (given: {given}): give the report of every shard, or merge with \
         --allow-missing to join the others (the merged report then names the missing ones)",
        shard_list(.missing, *.count)
    )]
    MissingShards {
        /// The indices of the missing shards.
        missing: Vec<u32>,
        /// The shard count.
        count: u32,
        /// The inputs given, for the message.
        given: String,
    },
}

/// "shard 2/4" or "shards 1/4, 3/4".
pub(crate) fn shard_list(indices: &[u32], count: u32) -> String {
    let names: Vec<String> = indices.iter().map(|i| format!("{i}/{count}")).collect();
    match names.len() {
        1 => format!("shard {}", names[0]),
        _ => format!("shards {}", names.join(", ")),
    }
}

/// How to merge.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct MergeOptions {
    /// Join the shards given though some of the run's are missing (`--allow-missing`).
    pub allow_missing: bool,
}

/// Joins reports of shards of one run.
///
/// Refused: reports of another schema, of different engines, shards of different runs
/// (`run.batch`) or configurations (`run.config_hash`) or counts, a shard given twice, shards
/// mixed with non-shards, missing shards (unless `allow_missing`). Targets are put in the
/// order of the targets file (`targets[].index`) when every target has one, else left in input
/// order; an identical duplicate target is kept once, a conflicting one is an error. Totals are
/// recomputed with [`Totals::of`]. `run`: the id and engine of the first input, `started_at`
/// the earliest, `finished_at` the latest, `partial` and `values_recorded` if any is (missing
/// shards are said by `merged.missing`, not `partial`, which means a shard was interrupted and
/// which readers and the HTML take so), the first `interrupted_by`, `batch` and `config_hash`
/// kept, `shard` replaced by `merged`; `changes` dropped (it belonged to one shard). `tool` is
/// this build, which wrote the merged report.
///
/// Each input comes with a label (e.g. its file name) for the error messages.
pub(crate) fn merge(
    reports: Vec<(String, Report)>,
    options: MergeOptions,
) -> Result<Report, MergeError> {
    let (first_label, first) = reports.first().ok_or(MergeError::Nothing)?;
    for (label, report) in &reports {
        check_schema(label, report)?;
        check_engine((first_label, first.run.engine), (label, report.run.engine))?;
    }
    let merged = match first.run.sharding.shard {
        Some(shard) => Some(check_shards(&reports, shard, options)?),
        None => {
            let shard = reports
                .iter()
                .find_map(|(label, r)| r.run.sharding.shard.map(|shard| (label, shard)));
            if let Some((label, shard)) = shard {
                return Err(MergeError::NotAShard {
                    first: label.clone(),
                    index: shard.index,
                    count: shard.count,
                    label: first_label.clone(),
                });
            }
            None
        }
    };
    let mut reports = reports;
    // In shard order, so that targets without an index (none, unless edited) follow it.
    reports.sort_by_key(|(_, r)| r.run.sharding.shard.map(|s| s.index));
    let mut inputs = reports.into_iter();
    let (label, first) = inputs.next().ok_or(MergeError::Nothing)?;
    let mut run = first.run;
    let mut targets = Targets::default();
    targets.extend(&label, first.targets)?;
    for (label, report) in inputs {
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
    let mut targets = targets.list;
    if targets.iter().all(|t| t.index.is_some()) {
        targets.sort_by_key(|t| t.index);
    }
    run.sharding.shard = None;
    run.sharding.merged = merged;
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

fn check_engine(first: (&str, Engine), other: (&str, Engine)) -> Result<(), MergeError> {
    if first.1 == other.1 {
        return Ok(());
    }
    Err(MergeError::MixedEngines {
        first: first.0.to_string(),
        first_engine: enum_word(&first.1),
        label: other.0.to_string(),
        engine: enum_word(&other.1),
    })
}

/// Checks that the inputs are distinct shards of one run, the first being shard `first`, and
/// says which shards of the run were given and which are missing.
fn check_shards(
    reports: &[(String, Report)],
    first: ShardOf,
    options: MergeOptions,
) -> Result<MergedShards, MergeError> {
    let (first_label, first_report) = &reports[0];
    let sharding = &first_report.run.sharding;
    let mut given: BTreeMap<u32, &str> = BTreeMap::new();
    for (label, report) in reports {
        let theirs = &report.run.sharding;
        let Some(shard) = theirs.shard else {
            return Err(MergeError::NotAShard {
                first: first_label.clone(),
                index: first.index,
                count: first.count,
                label: label.clone(),
            });
        };
        if theirs.batch != sharding.batch {
            return Err(MergeError::DifferentRuns {
                first: first_label.clone(),
                first_batch: shown(sharding.batch.as_deref()),
                label: label.clone(),
                batch: shown(theirs.batch.as_deref()),
            });
        }
        if theirs.config_hash != sharding.config_hash {
            return Err(MergeError::DifferentConfig {
                first: first_label.clone(),
                first_hash: shown(sharding.config_hash.as_deref()),
                label: label.clone(),
                config_hash: shown(theirs.config_hash.as_deref()),
                batch: shown(theirs.batch.as_deref()),
            });
        }
        if shard.count != first.count {
            return Err(MergeError::DifferentCounts {
                first: first_label.clone(),
                first_index: first.index,
                first_count: first.count,
                label: label.clone(),
                index: shard.index,
                count: shard.count,
            });
        }
        if let Some(earlier) = given.insert(shard.index, label) {
            return Err(MergeError::SameShardTwice {
                index: shard.index,
                count: shard.count,
                first: earlier.to_string(),
                second: label.clone(),
            });
        }
    }
    let missing: Vec<u32> = (0..first.count)
        .filter(|i| !given.contains_key(i))
        .collect();
    if !missing.is_empty() && !options.allow_missing {
        let given = given
            .iter()
            .map(|(index, label)| format!("{label} ({index}/{})", first.count))
            .collect::<Vec<_>>()
            .join(", ");
        return Err(MergeError::MissingShards {
            missing,
            count: first.count,
            given,
        });
    }
    Ok(MergedShards {
        count: first.count,
        shards: given.into_keys().collect(),
        missing,
    })
}

/// A batch or hash for a message; `none` for a report that has none.
fn shown(value: Option<&str>) -> String {
    value.map_or_else(|| "none".to_string(), |v| format!("{v:?}"))
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
    /// entries are equal: old reports without shard information may overlap harmlessly.
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
    use crate::types::{RunSharding, ShardOf};

    fn join(inputs: Vec<(String, Report)>) -> Result<Report, MergeError> {
        merge(inputs, MergeOptions::default())
    }

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
    fn reports_without_shard_information_concatenate_in_input_order_with_totals_recomputed() {
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
        let merged = join(vec![("a.json".into(), a), ("b.json".into(), b)]).expect("merge");
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
        let merged = join(vec![("a.json".into(), a), ("b.json".into(), b)]).expect("merge");
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
        let err = join(inputs).expect_err("b.be differs");
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
        let merged = join(vec![
            ("0".into(), first),
            ("1".into(), second),
            ("2".into(), third),
        ])
        .expect("merge");
        assert_eq!(merged.run.id, "20260101T100000Z");
        assert_eq!(merged.run.started_at, "2026-01-01T10:30:00+01:00");
        assert_eq!(merged.run.finished_at, "2026-01-01T10:07:00Z");
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
        let err = join(inputs).expect_err("schema 2");
        assert!(
            matches!(&err, MergeError::SchemaMismatch { label, found, expected }
                if label == "b.json" && *found == SCHEMA_VERSION + 1 && *expected == SCHEMA_VERSION),
            "{err:?}"
        );
    }

    #[test]
    fn nothing_to_merge_is_an_error() {
        assert!(matches!(join(Vec::new()), Err(MergeError::Nothing)));
    }

    #[test]
    fn one_report_merges_into_itself_without_its_changes() {
        let mut only = report("run", vec![plain("a.be")]);
        only.changes = Some(ReportDiff {
            changed: true,
            ..ReportDiff::default()
        });
        let merged = join(vec![("a.json".into(), only.clone())]).expect("merge");
        only.changes = None;
        only.tool = Tool::current();
        assert_eq!(merged, only);
    }

    /// Shard `index` of `count` of batch `batch`, holding the targets named, each with its
    /// position in the targets file.
    fn part(batch: &str, index: u32, count: u32, targets: &[(&str, u32)]) -> Report {
        let targets = targets
            .iter()
            .map(|(name, position)| {
                let mut target = plain(name);
                target.index = Some(*position);
                target
            })
            .collect();
        let mut shard = report("run", targets);
        shard.run.sharding = RunSharding {
            batch: Some(batch.to_string()),
            config_hash: Some("0123456789abcdef".to_string()),
            shard: Some(ShardOf { index, count }),
            merged: None,
        };
        shard
    }

    fn labelled(reports: Vec<Report>) -> Vec<(String, Report)> {
        reports
            .into_iter()
            .enumerate()
            .map(|(i, r)| (format!("shard-{i}.json"), r))
            .collect()
    }

    #[test]
    fn shards_given_in_any_order_merge_in_targets_file_order() {
        let inputs = labelled(vec![
            part("night", 1, 3, &[("b", 1), ("e", 4)]),
            part("night", 0, 3, &[("a", 0), ("d", 3)]),
            part("night", 2, 3, &[("c", 2)]),
        ]);
        let merged = join(inputs).expect("merge");
        assert_eq!(names(&merged), ["a", "b", "c", "d", "e"]);
        assert_eq!(merged.run.sharding.batch.as_deref(), Some("night"));
        assert_eq!(merged.run.sharding.shard, None);
        assert_eq!(
            merged.run.sharding.merged,
            Some(MergedShards {
                count: 3,
                shards: vec![0, 1, 2],
                missing: vec![]
            })
        );
        assert!(!merged.run.partial);
    }

    #[test]
    fn shards_of_different_runs_are_refused_naming_both_files() {
        let inputs = labelled(vec![
            part("monday", 0, 2, &[("a", 0)]),
            part("tuesday", 1, 2, &[("b", 1)]),
        ]);
        let err = join(inputs).expect_err("two nights");
        assert!(matches!(err, MergeError::DifferentRuns { .. }), "{err:?}");
        let message = err.to_string();
        assert!(
            message.contains("shard-1.json is of run batch \"tuesday\"")
                && message.contains("shard-0.json of batch \"monday\""),
            "{message}"
        );

        let mut other = part("night", 1, 2, &[("b", 1)]);
        other.run.sharding.config_hash = Some("fedcba9876543210".into());
        let err = join(labelled(vec![part("night", 0, 2, &[("a", 0)]), other]))
            .expect_err("other options");
        assert!(matches!(err, MergeError::DifferentConfig { .. }), "{err:?}");

        let err = join(labelled(vec![
            part("night", 0, 2, &[("a", 0)]),
            part("night", 1, 3, &[("b", 1)]),
        ]))
        .expect_err("other count");
        assert!(
            err.to_string()
                .contains("shard-1.json is shard 1/3 but shard-0.json is shard 0/2"),
            "{err}"
        );
    }

    #[test]
    fn the_same_shard_twice_is_refused() {
        let inputs = labelled(vec![
            part("night", 0, 2, &[("a", 0)]),
            part("night", 1, 2, &[("b", 1)]),
            part("night", 1, 2, &[("b", 1)]),
        ]);
        let err = join(inputs).expect_err("twice");
        assert_eq!(
            err.to_string(),
            "shard 1/2 is given twice, shard-1.json and shard-2.json: give each shard once"
        );
    }

    #[test]
    fn missing_shards_are_named_and_joined_only_when_allowed() {
        let inputs = || {
            labelled(vec![
                part("night", 0, 4, &[("a", 0)]),
                part("night", 3, 4, &[("d", 3)]),
            ])
        };
        let err = join(inputs()).expect_err("missing");
        let message = err.to_string();
        assert!(
            message.starts_with(
                "shards 1/4, 2/4 missing (given: shard-0.json (0/4), shard-1.json (3/4))"
            ),
            "{message}"
        );
        assert!(message.contains("--allow-missing"), "{message}");
        let err = join(labelled(vec![part("night", 1, 2, &[("b", 1)])])).expect_err("missing");
        assert!(err.to_string().starts_with("shard 0/2 missing"), "{err}");

        let merged = merge(
            inputs(),
            MergeOptions {
                allow_missing: true,
            },
        )
        .expect("allowed");
        assert_eq!(names(&merged), ["a", "d"]);
        assert!(!merged.run.partial, "no shard was interrupted");
        assert_eq!(
            merged.run.sharding.merged,
            Some(MergedShards {
                count: 4,
                shards: vec![0, 3],
                missing: vec![1, 2]
            })
        );
    }

    #[test]
    fn a_report_that_is_not_a_shard_is_refused_among_shards() {
        let whole = report("run", vec![plain("z")]);
        for inputs in [
            vec![part("night", 0, 2, &[("a", 0)]), whole.clone()],
            vec![whole.clone(), part("night", 0, 2, &[("a", 0)])],
        ] {
            let err = join(labelled(inputs)).expect_err("not a shard");
            assert!(matches!(err, MergeError::NotAShard { .. }), "{err:?}");
            assert!(err.to_string().contains("is not a shard"), "{err}");
        }
    }

    #[test]
    fn reports_of_different_engines_are_refused() {
        let mut browser = part("night", 1, 2, &[("b", 1)]);
        browser.run.engine = Engine::Browser;
        let err =
            join(labelled(vec![part("night", 0, 2, &[("a", 0)]), browser])).expect_err("engines");
        assert_eq!(
            err.to_string(),
            "shard-1.json was audited with the browser engine but shard-0.json with the http \
             engine: the shards of one run share their engine; merge each engine's run separately"
        );
    }
}
