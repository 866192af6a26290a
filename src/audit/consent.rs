//! What the consent phases themselves say: a phase the tool could not run, and what a consent
//! manager recorded after a refusal (the evidence that turns "set without consent" into "set
//! against the visitor's recorded choice").

use serde_json::json;

use crate::types::{
    Category, ConsentChoice, ConsentReport, Finding, FindingKind, Phase, PhaseOutcome, Severity,
};

/// One `consent_not_tested` finding per phase that should have run and did not: a refusal or
/// acceptance not made, a `gpc` phase not crawled. The tool blames nobody: a site without a
/// banner may have nothing that needs consent.
pub(super) fn not_tested(consent: Option<&ConsentReport>) -> Vec<Finding> {
    let Some(consent) = consent else {
        return Vec::new();
    };
    consent
        .phases
        .iter()
        .filter(|outcome| match outcome.phase {
            Phase::Reject | Phase::Accept => !outcome.clicked,
            Phase::Gpc => outcome.pages == 0 && outcome.error.is_some(),
            Phase::None => false,
        })
        .map(|outcome| {
            let what = match outcome.phase {
                Phase::Reject => "The refusal",
                Phase::Accept => "The acceptance",
                _ => "The Global Privacy Control phase",
            };
            let why = outcome.error.as_deref().unwrap_or("no reason given");
            Finding {
                kind: FindingKind::ConsentNotTested,
                severity: Severity::Low,
                cookie: None,
                message: format!(
                    "{what} could not be tested: {why}; what this choice changes is unknown \
                     (check the consent settings of this target)."
                ),
                evidence: json!({
                    "phase": outcome.phase,
                    "method": outcome.method,
                    "steps": outcome.steps,
                    "error": outcome.error,
                }),
            }
        })
        .collect()
}

/// The consent manager's record of the refusal, when it made one.
pub(super) fn refusal_recorded(consent: Option<&ConsentReport>) -> Option<&ConsentChoice> {
    consent?
        .phases
        .iter()
        .find(|outcome: &&PhaseOutcome| outcome.phase == Phase::Reject && outcome.clicked)?
        .choice
        .as_ref()
}

/// Services whose cookies a choice cookie names under its own words: a cookie's name prefix and
/// the choice names that stand for it.
const SERVICES: &[(&[&str], &[&str])] = &[
    (&["_pk_", "mtm_", "matomo"], &["matomo", "piwik"]),
    (
        &["_ga", "_gid", "_gat", "__utm"],
        &[
            "ga",
            "gtag",
            "google analytics",
            "googleanalytics",
            "analytics",
        ],
    ),
    (
        &["atuserid", "atidvisitor", "xtvrn", "_pcid", "_pctx"],
        &["xiti", "at", "atinternet", "piano"],
    ),
    (&["_fbp", "fr"], &["facebook", "facebookpixel", "meta"]),
    (&["_hj"], &["hotjar"]),
];

/// Choice names that stand for a whole category.
fn category_words(category: Category) -> &'static [&'static str] {
    match category {
        Category::Statistics => &[
            "analytics",
            "statistics",
            "statistiques",
            "audience",
            "performance",
            "c0002 performance",
            "8 content measurement",
            "9 audience research",
        ],
        Category::Marketing => &[
            "marketing",
            "advertising",
            "ads",
            "targeting",
            "c0004 targeting",
            "publicité",
            "3 ads profile",
            "4 personalised ads",
        ],
        Category::Functional => &["functional", "functional_cookies", "preferences"],
        Category::Necessary | Category::Unknown => &[],
    }
}

/// The refused entry of `choice` that stands for the cookie `name` of `category`, written
/// "matomo:false": its service first, else its category.
pub(super) fn refused_entry(
    choice: &ConsentChoice,
    name: &str,
    category: Category,
) -> Option<String> {
    let refused = |wanted: &str| {
        choice
            .choices
            .iter()
            .find(|c| !c.allowed && c.name.to_lowercase() == wanted)
            .map(|c| format!("{}:false", c.name))
    };
    let service = SERVICES
        .iter()
        .filter(|(prefixes, _)| prefixes.iter().any(|p| name.starts_with(p)))
        .flat_map(|(_, words)| words.iter())
        .find_map(|word| refused(word));
    service.or_else(|| category_words(category).iter().find_map(|w| refused(w)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::PurposeChoice;

    fn choice(entries: &[(&str, bool)]) -> ConsentChoice {
        ConsentChoice {
            cookie: "cookies_preferences".into(),
            manager: "opendatasoft".into(),
            choices: entries
                .iter()
                .map(|(name, allowed)| PurposeChoice {
                    name: (*name).into(),
                    allowed: *allowed,
                })
                .collect(),
        }
    }

    fn outcome(phase: Phase, clicked: bool, pages: u32, error: Option<&str>) -> PhaseOutcome {
        PhaseOutcome {
            phase,
            clicked,
            error: error.map(str::to_string),
            pages,
            method: None,
            steps: Vec::new(),
            choice: None,
            screenshots: Vec::new(),
        }
    }

    #[test]
    fn a_refused_service_is_named_by_its_cookie_then_by_its_category() {
        let recorded = choice(&[("matomo", false), ("ga", true), ("Statistics", false)]);
        assert_eq!(
            refused_entry(&recorded, "_pk_id.1.abcd", Category::Statistics).as_deref(),
            Some("matomo:false")
        );
        // ga was allowed: the category's refusal is what stands.
        assert_eq!(
            refused_entry(&recorded, "_ga", Category::Statistics).as_deref(),
            Some("Statistics:false")
        );
        assert_eq!(refused_entry(&recorded, "_fbp", Category::Marketing), None);
    }

    #[test]
    fn phases_that_did_not_run_are_low_findings_with_their_reason() {
        let report = ConsentReport {
            mode: "auto".into(),
            accept: "auto".into(),
            reject: "auto".into(),
            cmp: None,
            phases: vec![
                outcome(Phase::None, false, 3, None),
                outcome(
                    Phase::Reject,
                    false,
                    0,
                    Some("no consent banner found within 10 s"),
                ),
                outcome(Phase::Accept, true, 3, None),
                outcome(Phase::Gpc, false, 0, Some("browser: gone")),
            ],
        };
        let findings = not_tested(Some(&report));
        let phases: Vec<_> = findings
            .iter()
            .map(|f| f.evidence["phase"].clone())
            .collect();
        assert_eq!(phases, [json!("reject"), json!("gpc")]);
        assert!(findings.iter().all(|f| f.severity == Severity::Low));
        assert!(
            findings[0].message.contains("no consent banner found"),
            "{}",
            findings[0].message
        );
        assert!(not_tested(None).is_empty());
    }
}
