//! The page as a whole: the run, its totals, the table of cookies set without consent, and one
//! view per portal.

use std::path::Path;

use minijinja::Value;
use serde::Serialize;

use super::cross::CrossView;
use super::script::{SCRIPT, content_security_policy};
use super::severity::{SeverityTally, severity_tallies};
use super::target::TargetView;
use super::words::{party, readable_time, run_duration, slugs};
use crate::report::history::History;
use crate::types::{Phase, Report, Run, TargetReport, Tool};

#[derive(Serialize)]
pub(super) struct PageView<'a> {
    title: String,
    csp: String,
    /// Our own constant, marked safe so that it is byte for byte what the CSP hash covers.
    script: Value,
    tool: &'a Tool,
    run: &'a Run,
    started: String,
    finished: String,
    took: Option<String>,
    targets_total: u32,
    audited: u32,
    failed: u32,
    totals: Vec<SeverityTally>,
    without_consent: Vec<ConsentRow<'a>>,
    changes: Option<ChangesSummary<'a>>,
    /// Cookie names across portals; absent with fewer than two audited portals.
    cross: Option<CrossView<'a>>,
    targets: Vec<TargetView<'a>>,
}

impl<'a> PageView<'a> {
    /// The page of `report`; consent screenshots are read from `assets`, the report's folder,
    /// and each portal's chart of earlier runs from `history`.
    pub(super) fn of(report: &'a Report, assets: Option<&Path>, history: &History) -> PageView<'a> {
        let slugs = slugs(report.targets.iter().map(|t| t.name.as_str()));
        let widest = report
            .targets
            .iter()
            .map(|t| t.findings.len())
            .max()
            .unwrap_or(0);
        let old_run = report.changes.as_ref().map(|c| c.old_run.as_str());
        let targets: Vec<TargetView<'a>> = report
            .targets
            .iter()
            .zip(slugs)
            .map(|(target, slug)| {
                let diff = report
                    .changes
                    .as_ref()
                    .and_then(|c| c.targets.iter().find(|d| d.name == target.name));
                TargetView::of(
                    target,
                    slug,
                    widest,
                    diff,
                    old_run.unwrap_or(""),
                    assets,
                    history.of(&target.name),
                )
            })
            .collect();
        let without_consent = targets
            .iter()
            .flat_map(|view| ConsentRow::all(view.target, &view.slug))
            .collect();
        PageView {
            title: format!("Cookie audit \u{2014} run {}", report.run.id),
            csp: content_security_policy(),
            script: Value::from_safe_string(SCRIPT.to_string()),
            tool: &report.tool,
            run: &report.run,
            started: readable_time(&report.run.started_at),
            finished: readable_time(&report.run.finished_at),
            took: run_duration(&report.run),
            targets_total: report.totals.targets,
            audited: report.totals.audited,
            failed: report.totals.failed,
            totals: severity_tallies(&report.totals.findings),
            without_consent,
            changes: report.changes.as_ref().map(|c| ChangesSummary {
                old_run: &c.old_run,
                changed: c.changed,
                targets_changed: c.targets.len(),
                gone: c
                    .targets
                    .iter()
                    .filter(|d| d.removed || !report.targets.iter().any(|t| t.name == d.name))
                    .map(|d| d.name.as_str())
                    .collect(),
            }),
            cross: CrossView::of(&report.targets),
            targets,
        }
    }
}

#[derive(Serialize)]
struct ConsentRow<'a> {
    portal: &'a str,
    slug: String,
    cookie: Option<&'a str>,
    party: Option<&'a str>,
    after_refusal: bool,
    set_by: Option<&'a str>,
    first_seen_on: Option<&'a str>,
}

impl<'a> ConsentRow<'a> {
    /// One row per `set_without_consent` finding; where and by what it was set come from the
    /// finding's evidence, else from the observed cookie of that name.
    fn all(target: &'a TargetReport, slug: &str) -> impl Iterator<Item = ConsentRow<'a>> {
        target
            .findings
            .iter()
            .filter(|f| f.kind == crate::types::FindingKind::SetWithoutConsent)
            .map(move |finding| {
                let observed = target
                    .observed
                    .iter()
                    .find(|c| Some(&c.name) == finding.cookie.as_ref());
                let field = |key: &str| -> Option<&'a str> {
                    finding.evidence.get("cookie")?.get(key)?.as_str()
                };
                ConsentRow {
                    portal: &target.name,
                    slug: slug.to_string(),
                    cookie: finding.cookie.as_deref(),
                    party: field("party").or(observed.map(|c| party(c.party))),
                    after_refusal: field("phase")
                        .map(|p| p == "reject")
                        .or(observed.map(|c| c.phase == Phase::Reject))
                        .unwrap_or(false),
                    set_by: field("set_by").or(observed.map(|c| c.set_by.as_str())),
                    first_seen_on: field("first_seen_on")
                        .or(observed.map(|c| c.first_seen_on.as_str())),
                }
            })
    }
}

#[derive(Serialize)]
struct ChangesSummary<'a> {
    old_run: &'a str,
    changed: bool,
    targets_changed: usize,
    /// Portals of the older run that this one does not have (they have no section).
    gone: Vec<&'a str>,
}
