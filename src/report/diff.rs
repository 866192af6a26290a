//! What changed between two runs: `cookie-audit diff`, and `changes` in a report audited against
//! a baseline.
//!
//! The diff is meant for a cron job that alerts a person, so it reports only what a person would
//! act on: a run that could not reach a portal observed nothing, and comparing its (empty) cookie
//! list with the other run's would bury the one real change — the portal went down — under
//! dozens of "vanished" lines.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use serde_json::{Value, json};

use crate::types::{
    CharterStatus, CookieChange, CookieKey, FieldChange, Finding, FindingKey, ObservedCookie,
    Report, ReportDiff, TargetDiff, TargetReport, TargetStatus,
};

/// Lifetimes computed from `Expires` drift by the seconds between two responses' `Date`s; a
/// move this small (or smaller) is the clock, not the site.
const LIFETIME_DRIFT_SECONDS: u64 = 60;

/// What changed from `old` to `new`: per target (matched by name), cookies that appeared or
/// vanished (by name, domain, path), attribute or lifetime changes of cookies in both,
/// declarations added or removed from the charter, findings opened or closed (identified by kind
/// and cookie), status and charter-status changes, targets added or removed.
///
/// Only targets with a change are listed, in `new`'s order, then those only in `old`. Cookies,
/// findings and the charter's status are compared only when both runs audited the target (a
/// failed run looked at nothing), declarations only when both charters were parsed.
pub(crate) fn diff(old: &Report, new: &Report) -> ReportDiff {
    let old_targets = first_by_name(&old.targets);
    let new_targets = first_by_name(&new.targets);
    let mut targets = Vec::new();
    let mut seen = HashSet::new();
    for target in &new.targets {
        if !seen.insert(target.name.as_str()) {
            continue;
        }
        let entry = match old_targets.get(target.name.as_str()) {
            Some(before) => diff_target(before, target),
            None => TargetDiff {
                name: target.name.clone(),
                added: true,
                ..TargetDiff::default()
            },
        };
        if has_changes(&entry) {
            targets.push(entry);
        }
    }
    for target in &old.targets {
        if !new_targets.contains_key(target.name.as_str()) && seen.insert(target.name.as_str()) {
            targets.push(TargetDiff {
                name: target.name.clone(),
                removed: true,
                ..TargetDiff::default()
            });
        }
    }
    ReportDiff {
        old_run: old.run.id.clone(),
        new_run: new.run.id.clone(),
        changed: !targets.is_empty(),
        targets,
    }
}

/// Target names are unique in a report; should one repeat anyway, its first entry stands for it.
fn first_by_name(targets: &[TargetReport]) -> HashMap<&str, &TargetReport> {
    let mut by_name = HashMap::new();
    for target in targets {
        by_name.entry(target.name.as_str()).or_insert(target);
    }
    by_name
}

/// Compared against an empty entry so that a field added to [`TargetDiff`] later counts too.
fn has_changes(entry: &TargetDiff) -> bool {
    *entry
        != TargetDiff {
            name: entry.name.clone(),
            ..TargetDiff::default()
        }
}

fn diff_target(old: &TargetReport, new: &TargetReport) -> TargetDiff {
    let mut entry = TargetDiff {
        name: new.name.clone(),
        ..TargetDiff::default()
    };
    if old.status != new.status {
        entry.status = Some([
            status_word(old.status).into(),
            status_word(new.status).into(),
        ]);
        entry.error.clone_from(&new.error);
    }
    let both_audited = old.status == TargetStatus::Audited && new.status == TargetStatus::Audited;
    if both_audited {
        // A failed target's charter is "not looked for", not a charter that went missing.
        if old.charter.status != new.charter.status {
            entry.charter_status = Some([
                charter_word(old.charter.status).into(),
                charter_word(new.charter.status).into(),
            ]);
        }
        diff_cookies(&old.observed, &new.observed, &mut entry);
        entry.findings_opened = unmatched(&new.findings, &old.findings);
        entry.findings_closed = unmatched(&old.findings, &new.findings);
    }
    let both_parsed =
        old.charter.status == CharterStatus::Parsed && new.charter.status == CharterStatus::Parsed;
    if both_parsed {
        diff_declarations(old, new, &mut entry);
    }
    entry
}

/// The word the report uses for a target status.
fn status_word(status: TargetStatus) -> &'static str {
    match status {
        TargetStatus::Audited => "audited",
        TargetStatus::Failed => "failed",
    }
}

/// The word the report uses for a charter status.
fn charter_word(status: CharterStatus) -> &'static str {
    match status {
        CharterStatus::Parsed => "parsed",
        CharterStatus::NotFound => "not_found",
        CharterStatus::Unreachable => "unreachable",
        CharterStatus::Unparsed => "unparsed",
        CharterStatus::NotRead => "not_read",
    }
}

type CookieIdentity<'a> = (&'a str, &'a str, &'a str);

/// Cookies grouped by (name, domain, path), sorted; a group normally holds one cookie.
fn by_identity(cookies: &[ObservedCookie]) -> BTreeMap<CookieIdentity<'_>, Vec<&ObservedCookie>> {
    let mut groups: BTreeMap<_, Vec<_>> = BTreeMap::new();
    for cookie in cookies {
        groups
            .entry((
                cookie.name.as_str(),
                cookie.domain.as_str(),
                cookie.path.as_str(),
            ))
            .or_default()
            .push(cookie);
    }
    groups
}

fn diff_cookies(old: &[ObservedCookie], new: &[ObservedCookie], entry: &mut TargetDiff) {
    let old = by_identity(old);
    let new = by_identity(new);
    let identities: BTreeSet<_> = old.keys().chain(new.keys()).copied().collect();
    let none = Vec::new();
    for identity in identities {
        let before = old.get(&identity).unwrap_or(&none);
        let after = new.get(&identity).unwrap_or(&none);
        // Pairing in order keeps a (malformed) report with a repeated identity from reporting
        // the repeats as appeared and vanished at once.
        for (old_cookie, new_cookie) in before.iter().zip(after) {
            let changes = field_changes(old_cookie, new_cookie);
            if !changes.is_empty() {
                entry.cookies_changed.push(CookieChange {
                    key: cookie_key(new_cookie),
                    changes,
                });
            }
        }
        let extra_new = after.iter().skip(before.len());
        entry
            .cookies_appeared
            .extend(extra_new.map(|c| cookie_key(c)));
        let extra_old = before.iter().skip(after.len());
        entry
            .cookies_vanished
            .extend(extra_old.map(|c| cookie_key(c)));
    }
}

fn cookie_key(cookie: &ObservedCookie) -> CookieKey {
    CookieKey {
        name: cookie.name.clone(),
        domain: cookie.domain.clone(),
        path: cookie.path.clone(),
        party: cookie.party,
    }
}

/// The attribute changes of one cookie, in the order of `observed[]`'s fields.
fn field_changes(old: &ObservedCookie, new: &ObservedCookie) -> Vec<FieldChange> {
    let mut changes = Vec::new();
    let mut compare = |field: &str, old: Value, new: Value| {
        if old != new {
            changes.push(FieldChange {
                field: field.to_string(),
                old,
                new,
            });
        }
    };
    let (a, b) = (&old.attributes, &new.attributes);
    compare("secure", json!(a.secure), json!(b.secure));
    compare("http_only", json!(a.http_only), json!(b.http_only));
    compare("same_site", json!(a.same_site), json!(b.same_site));
    compare("session", json!(a.session), json!(b.session));
    if lifetime_moved(a.lifetime_seconds, b.lifetime_seconds) {
        let (before, after) = (a.lifetime_seconds, b.lifetime_seconds);
        compare("lifetime_seconds", json!(before), json!(after));
    }
    compare("party", json!(old.party), json!(new.party));
    compare("source", json!(old.source), json!(new.source));
    compare("blocked", json!(old.blocked), json!(new.blocked));
    compare(
        "declared_as",
        json!(old.declared_as),
        json!(new.declared_as),
    );
    changes
}

/// Whether a lifetime changed by more than clock drift (becoming or ceasing to be a session
/// cookie always counts).
fn lifetime_moved(old: Option<i64>, new: Option<i64>) -> bool {
    match (old, new) {
        (Some(old), Some(new)) => old.abs_diff(new) > LIFETIME_DRIFT_SECONDS,
        (old, new) => old != new,
    }
}

fn diff_declarations(old: &TargetReport, new: &TargetReport, entry: &mut TargetDiff) {
    let names = |target: &TargetReport| -> BTreeSet<String> {
        target
            .charter
            .declared
            .iter()
            .map(|declaration| declaration.name.clone())
            .collect()
    };
    let (before, after) = (names(old), names(new));
    entry.declarations_added = after.difference(&before).cloned().collect();
    entry.declarations_removed = before.difference(&after).cloned().collect();
}

/// The findings of `from` that `against` has no counterpart for, by (kind, cookie) counted as a
/// multiset: a second `undeclared _ga` is news even when the first one is old.
fn unmatched(from: &[Finding], against: &[Finding]) -> Vec<FindingKey> {
    let mut available: HashMap<(&str, Option<&str>), usize> = HashMap::new();
    for finding in against {
        *available.entry(finding_identity(finding)).or_default() += 1;
    }
    from.iter()
        .filter(
            |finding| match available.get_mut(&finding_identity(finding)) {
                Some(count) if *count > 0 => {
                    *count -= 1;
                    false
                }
                _ => true,
            },
        )
        .map(finding_key)
        .collect()
}

fn finding_identity(finding: &Finding) -> (&str, Option<&str>) {
    (finding.kind.as_str(), finding.cookie.as_deref())
}

fn finding_key(finding: &Finding) -> FindingKey {
    FindingKey {
        kind: finding.kind.clone(),
        cookie: finding.cookie.clone(),
        severity: finding.severity,
        message: finding.message.clone(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::report::load::fixtures::{cookie, failed_target, finding, report, target};
    use crate::site::Party;
    use crate::types::Severity;

    fn one_target_diff(old: TargetReport, new: TargetReport) -> TargetDiff {
        let result = diff(&report("old", vec![old]), &report("new", vec![new]));
        assert!(result.changed, "a change was expected: {result:?}");
        assert_eq!(result.targets.len(), 1, "{result:?}");
        result.targets.into_iter().next().expect("one target")
    }

    fn key(name: &str, domain: &str) -> CookieKey {
        CookieKey {
            name: name.into(),
            domain: domain.into(),
            path: "/".into(),
            party: Party::First,
        }
    }

    #[test]
    fn cookies_appear_vanish_and_change() {
        let mut insecure = cookie("csrftoken", "p.be", 31_449_600);
        insecure["secure"] = json!(false);
        insecure["lifetime_seconds"] = json!(63_072_000);
        let old = target(
            "p.be",
            vec![
                cookie("csrftoken", "p.be", 31_449_600),
                cookie("old", "p.be", 10),
            ],
            &[],
            vec![],
        );
        let new = target(
            "p.be",
            vec![
                cookie("zeta", "p.be", 10),
                insecure,
                cookie("alpha", "p.be", 10),
            ],
            &[],
            vec![],
        );
        let entry = one_target_diff(old, new);
        assert_eq!(
            entry.cookies_appeared,
            vec![key("alpha", "p.be"), key("zeta", "p.be")]
        );
        assert_eq!(entry.cookies_vanished, vec![key("old", "p.be")]);
        assert_eq!(
            entry.cookies_changed,
            vec![CookieChange {
                key: key("csrftoken", "p.be"),
                changes: vec![
                    FieldChange {
                        field: "secure".into(),
                        old: json!(true),
                        new: json!(false)
                    },
                    FieldChange {
                        field: "lifetime_seconds".into(),
                        old: json!(31_449_600),
                        new: json!(63_072_000)
                    },
                ],
            }]
        );
    }

    #[test]
    fn the_same_name_on_another_domain_is_another_cookie() {
        let old = target("p.be", vec![cookie("_ga", "p.be", 10)], &[], vec![]);
        let new = target("p.be", vec![cookie("_ga", "www.p.be", 10)], &[], vec![]);
        let entry = one_target_diff(old, new);
        assert_eq!(entry.cookies_appeared, vec![key("_ga", "www.p.be")]);
        assert_eq!(entry.cookies_vanished, vec![key("_ga", "p.be")]);
    }

    #[test]
    fn lifetime_drift_of_a_minute_is_not_a_change() {
        let with_lifetime =
            |seconds| target("p.be", vec![cookie("c", "p.be", seconds)], &[], vec![]);
        for drifted in [1_000 - 60, 1_000 + 1, 1_000 + 60] {
            let result = diff(
                &report("a", vec![with_lifetime(1_000)]),
                &report("b", vec![with_lifetime(drifted)]),
            );
            assert!(!result.changed, "1000 → {drifted} is drift: {result:?}");
        }
        let entry = one_target_diff(with_lifetime(1_000), with_lifetime(1_061));
        assert_eq!(
            entry.cookies_changed[0].changes[0].field,
            "lifetime_seconds"
        );
    }

    #[test]
    fn becoming_a_session_cookie_is_a_change() {
        let mut session = cookie("c", "p.be", 0);
        session["session"] = json!(true);
        session["lifetime_seconds"] = json!(null);
        let old = target("p.be", vec![cookie("c", "p.be", 30)], &[], vec![]);
        let entry = one_target_diff(old, target("p.be", vec![session], &[], vec![]));
        let fields: Vec<&str> = entry.cookies_changed[0]
            .changes
            .iter()
            .map(|change| change.field.as_str())
            .collect();
        assert_eq!(fields, ["session", "lifetime_seconds"]);
    }

    #[test]
    fn declarations_added_and_removed_are_sorted() {
        let old = target("p.be", vec![], &["sessionid", "_ga", "csrftoken"], vec![]);
        let new = target(
            "p.be",
            vec![],
            &["csrftoken", "_pk_id.*", "_ga", "a"],
            vec![],
        );
        let entry = one_target_diff(old, new);
        assert_eq!(entry.declarations_added, ["_pk_id.*", "a"]);
        assert_eq!(entry.declarations_removed, ["sessionid"]);
    }

    #[test]
    fn declarations_are_not_compared_when_a_charter_was_not_read() {
        let old = target("p.be", vec![], &["_ga", "sessionid"], vec![]);
        let mut new = target("p.be", vec![], &[], vec![]);
        new.charter.status = CharterStatus::Unreachable;
        let entry = one_target_diff(old, new);
        assert_eq!(
            entry.charter_status,
            Some(["parsed".to_string(), "unreachable".to_string()])
        );
        assert!(entry.declarations_removed.is_empty(), "{entry:?}");
    }

    #[test]
    fn findings_open_and_close_as_a_multiset_by_kind_and_cookie() {
        let old = target(
            "p.be",
            vec![],
            &[],
            vec![
                finding("undeclared", "medium", Some("_ga"), "old wording"),
                finding(
                    "insecure_attributes",
                    "low",
                    Some("sessionid"),
                    "add Secure",
                ),
            ],
        );
        let new = target(
            "p.be",
            vec![],
            &[],
            vec![
                finding("set_without_consent", "high", Some("_ga"), "ask first"),
                finding("undeclared", "high", Some("_ga"), "new wording"),
                finding("undeclared", "high", Some("_ga"), "second one"),
            ],
        );
        let entry = one_target_diff(old, new);
        let opened: Vec<(&str, &str, Severity)> = entry
            .findings_opened
            .iter()
            .map(|f| (f.kind.as_str(), f.message.as_str(), f.severity))
            .collect();
        // The first `undeclared _ga` of the new run matches the old one; the second is new.
        assert_eq!(
            opened,
            [
                ("set_without_consent", "ask first", Severity::High),
                ("undeclared", "second one", Severity::High)
            ]
        );
        assert_eq!(
            entry.findings_closed,
            vec![FindingKey {
                kind: crate::types::FindingKind::InsecureAttributes,
                cookie: Some("sessionid".into()),
                severity: Severity::Low,
                message: "add Secure".into(),
            }]
        );
    }

    #[test]
    fn targets_added_and_removed_follow_the_new_order_then_the_old() {
        let same = || target("same.be", vec![], &[], vec![]);
        let old = report("a", vec![target("gone.be", vec![], &[], vec![]), same()]);
        let new = report(
            "b",
            vec![
                target("fresh.be", vec![cookie("c", "fresh.be", 1)], &[], vec![]),
                same(),
            ],
        );
        let result = diff(&old, &new);
        assert!(result.changed);
        let summary: Vec<(&str, bool, bool)> = result
            .targets
            .iter()
            .map(|t| (t.name.as_str(), t.added, t.removed))
            .collect();
        assert_eq!(
            summary,
            [("fresh.be", true, false), ("gone.be", false, true)]
        );
        assert!(result.targets[0].cookies_appeared.is_empty());
    }

    #[test]
    fn a_target_that_failed_shows_only_its_status_change() {
        let audited = target(
            "p.be",
            vec![cookie("_ga", "p.be", 10), cookie("sid", "p.be", 10)],
            &["_ga", "sid"],
            vec![finding("undeclared", "high", Some("_ga"), "m")],
        );
        let failed = failed_target("p.be", "cannot connect: refused");
        let down = one_target_diff(audited.clone(), failed.clone());
        assert_eq!(
            down,
            TargetDiff {
                name: "p.be".into(),
                status: Some(["audited".into(), "failed".into()]),
                error: Some("cannot connect: refused".into()),
                ..TargetDiff::default()
            }
        );
        let up = one_target_diff(failed, audited);
        assert_eq!(up.status, Some(["failed".into(), "audited".into()]));
        assert!(up.cookies_appeared.is_empty() && up.findings_opened.is_empty());
        assert!(up.charter_status.is_none() && up.declarations_added.is_empty());
    }
}
