//! The run seen by cookie name across portals: how many portals set each name, how many
//! charters declare it, and what it was found doing; the names most portals share first, since
//! a platform's own cookies (and what its default charter says of them) show there.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::charter::names::matches;
use crate::types::{TargetReport, TargetStatus};

/// Rows shown at most: a run of 441 portals may have thousands of names, most set by one portal.
pub(super) const MAX_ROWS: usize = 500;

#[derive(Serialize)]
pub(super) struct CrossView<'a> {
    rows: Vec<CrossRow<'a>>,
    /// Names left out beyond [`MAX_ROWS`].
    omitted: usize,
    /// Audited portals the counts are out of.
    portals: usize,
}

#[derive(Serialize)]
struct CrossRow<'a> {
    name: &'a str,
    setting: usize,
    declaring: usize,
    kinds: Vec<KindCount<'a>>,
}

#[derive(Serialize)]
struct KindCount<'a> {
    kind: &'a str,
    title: &'a str,
    count: usize,
}

#[derive(Default)]
struct Tally<'a> {
    setters: BTreeSet<usize>,
    /// kind → (title, findings of that kind naming the cookie).
    kinds: BTreeMap<&'a str, (&'a str, usize)>,
}

impl<'a> CrossView<'a> {
    /// The view of the audited portals among `targets`, or none when fewer than two were
    /// audited (one portal's own tables say it all).
    pub(super) fn of(targets: &'a [TargetReport]) -> Option<CrossView<'a>> {
        let audited: Vec<&TargetReport> = targets
            .iter()
            .filter(|t| t.status == TargetStatus::Audited)
            .collect();
        if audited.len() < 2 {
            return None;
        }
        let mut names: BTreeMap<&'a str, Tally<'a>> = BTreeMap::new();
        for (i, target) in audited.iter().enumerate() {
            for cookie in &target.observed {
                names.entry(&cookie.name).or_default().setters.insert(i);
            }
            // Findings name cookies that may never have been set (declared, not observed).
            for finding in &target.findings {
                let Some(cookie) = finding.cookie.as_deref() else {
                    continue;
                };
                let tally = names.entry(cookie).or_default();
                tally
                    .kinds
                    .entry(finding.kind.as_str())
                    .or_insert((finding.kind.title(), 0))
                    .1 += 1;
            }
        }
        let mut ranked: Vec<(&'a str, Tally<'a>)> = names.into_iter().collect();
        // Stable, so that names set by as many portals stay in name order.
        ranked.sort_by_key(|(_, tally)| std::cmp::Reverse(tally.setters.len()));
        let omitted = ranked.len().saturating_sub(MAX_ROWS);
        ranked.truncate(MAX_ROWS);
        // Declarations are matched only for the rows shown: patterns cost more than lookups.
        let rows = ranked
            .into_iter()
            .map(|(name, tally)| {
                let declaring = audited.iter().filter(|t| declares(t, name)).count();
                let mut kinds: Vec<KindCount<'a>> = tally
                    .kinds
                    .into_iter()
                    .map(|(kind, (title, count))| KindCount { kind, title, count })
                    .collect();
                kinds.sort_by_key(|k| std::cmp::Reverse(k.count));
                CrossRow {
                    name,
                    setting: tally.setters.len(),
                    declaring,
                    kinds,
                }
            })
            .collect();
        Some(CrossView {
            rows,
            omitted,
            portals: audited.len(),
        })
    }
}

/// Whether `target`'s charter declares `name`: the audit matched a cookie of that name to a
/// declaration, or a declaration (exact, prefix or pattern) covers the name.
fn declares(target: &TargetReport, name: &str) -> bool {
    target
        .observed
        .iter()
        .any(|c| c.name == name && c.declared_as.is_some())
        || target
            .charter
            .declared
            .iter()
            .any(|d| matches(&d.name, d.match_kind, name))
}
