//! A consent-phase run's cookies against its phases: one row per cookie (name and domain), one
//! column per phase that ran, so that an auditor sees at a glance what a refusal changes.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::types::{ConsentReport, FindingKind, Phase, TargetReport};

#[derive(Serialize)]
pub(super) struct ConsentGrid<'a> {
    phases: Vec<GridPhase>,
    rows: Vec<GridRow<'a>>,
}

#[derive(Serialize)]
struct GridPhase {
    label: &'static str,
    /// False when the phase's choice was not made: it was not crawled, so its column is unknown.
    crawled: bool,
}

#[derive(Serialize)]
struct GridRow<'a> {
    name: &'a str,
    domain: &'a str,
    cells: Vec<GridCell>,
}

#[derive(Serialize)]
struct GridCell {
    set: bool,
    crawled: bool,
    /// Set before consent or after a refusal while it needs consent (a `set_without_consent`
    /// finding names it): the cells an auditor looks for first.
    unlawful: bool,
}

impl<'a> ConsentGrid<'a> {
    /// The grid of `target`'s observed cookies over the phases of `consent`.
    pub(super) fn of(target: &'a TargetReport, consent: &ConsentReport) -> ConsentGrid<'a> {
        let phases: Vec<(Phase, GridPhase)> = consent
            .phases
            .iter()
            .map(|outcome| {
                let chooses = matches!(outcome.phase, Phase::Reject | Phase::Accept);
                let label = match outcome.phase {
                    // The same words as the cookie table's phase column.
                    Phase::None => "before consent",
                    Phase::Reject => "after refusal",
                    Phase::Accept => "after consent",
                    Phase::Gpc => "with Global Privacy Control",
                };
                let crawled = !chooses || outcome.clicked;
                (outcome.phase, GridPhase { label, crawled })
            })
            .collect();
        let needs_consent = |name: &str| {
            target.findings.iter().any(|f| {
                f.kind == FindingKind::SetWithoutConsent && f.cookie.as_deref() == Some(name)
            })
        };
        // (name, domain) → the phases it was set in; sorted by name so a cookie is easy to find.
        let mut seen: BTreeMap<(&'a str, &'a str), Vec<Phase>> = BTreeMap::new();
        for cookie in &target.observed {
            seen.entry((cookie.name.as_str(), cookie.domain.as_str()))
                .or_default()
                .push(cookie.phase);
        }
        let rows = seen
            .into_iter()
            .map(|((name, domain), set_in)| {
                let flagged = needs_consent(name);
                GridRow {
                    name,
                    domain,
                    cells: phases
                        .iter()
                        .map(|(phase, column)| {
                            let set = set_in.contains(phase);
                            GridCell {
                                set,
                                crawled: column.crawled,
                                unlawful: set
                                    && flagged
                                    && matches!(phase, Phase::None | Phase::Reject),
                            }
                        })
                        .collect(),
                }
            })
            .collect();
        ConsentGrid {
            phases: phases.into_iter().map(|(_, column)| column).collect(),
            rows,
        }
    }
}
