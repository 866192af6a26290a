//! Each finding kind where it should be, and its negative twin where it should not.

use super::*;
use crate::types::{
    Charter, CookieAttributes, CookieSource, Crawl, MalformedSetCookie, TargetStatus,
};
use crate::types::{Engine, Jurisdiction};

const MINUTE: i64 = 60;
const MONTH: i64 = crate::duration::MONTH as i64;
const YEAR: i64 = crate::duration::YEAR as i64;

fn cookie(name: &str, party: Party, lifetime: Option<i64>) -> ObservedCookie {
    let domain = match party {
        Party::First => "www.portal.test",
        Party::Third => "tracker.test",
    };
    ObservedCookie {
        name: name.into(),
        domain: domain.into(),
        host_only: true,
        path: "/".into(),
        party,
        source: CookieSource::Http,
        phase: Phase::None,
        attributes: CookieAttributes {
            secure: true,
            http_only: true,
            same_site: Some(SameSite::Lax),
            session: lifetime.is_none(),
            lifetime_seconds: lifetime,
        },
        value_length: 10,
        value: None,
        set_by: format!("https://{domain}/x"),
        first_seen_on: "https://www.portal.test/".into(),
        seen_on_pages: 1,
        declared_as: None,
        blocked: None,
        variants: Vec::new(),
    }
}

fn declared(name: &str, kind: MatchKind, category: Category, seconds: Option<u64>) -> Declaration {
    Declaration {
        name: name.into(),
        match_kind: kind,
        provider: "Portal".into(),
        service: String::new(),
        purpose: "test".into(),
        category,
        duration: seconds.map(|s| format!("{s} seconds")),
        duration_seconds: seconds,
    }
}

fn target(
    jurisdiction: Jurisdiction,
    declared: Vec<Declaration>,
    observed: Vec<ObservedCookie>,
) -> TargetReport {
    TargetReport {
        name: "portal".into(),
        index: None,
        url: "https://www.portal.test/".into(),
        jurisdiction,
        engine: Engine::Http,
        status: TargetStatus::Audited,
        error: None,
        charter: Charter {
            source: Some("https://www.portal.test/charte".into()),
            status: CharterStatus::Parsed,
            error: None,
            portal_url: None,
            declared,
            rendered: false,
        },
        crawl: Crawl {
            pages: Vec::new(),
            requests: 0,
            duration_ms: 0,
            subresources: 0,
            stopped: None,
            refused: Vec::new(),
            refused_count: 0,
        },
        observed,
        storage: Vec::new(),
        malformed_set_cookies: Vec::new(),
        findings: Vec::new(),
        consent: None,
        engine_limits: None,
    }
}

/// The findings of `kind` for `cookie` after auditing.
fn audited(mut target: TargetReport) -> TargetReport {
    let catalog = Catalog::built_in();
    let rules = Rules {
        catalog: &catalog,
        lifetime_limit_seconds: DEFAULT_LIFETIME_LIMIT_DAYS * DAY as u64,
    };
    add_findings(&mut target, &rules);
    target
}

fn kinds_for(target: &TargetReport, cookie: &str) -> Vec<(String, Severity)> {
    target
        .findings
        .iter()
        .filter(|f| f.cookie.as_deref() == Some(cookie))
        .map(|f| (f.kind.to_string(), f.severity))
        .collect()
}

fn has(target: &TargetReport, cookie: &str, kind: &str) -> bool {
    kinds_for(target, cookie).iter().any(|(k, _)| k == kind)
}

use Category::{Marketing, Necessary, Statistics};
use MatchKind::{Exact, Prefix};
use Party::{First, Third};

#[test]
fn a_declared_family_covers_its_members_and_nothing_else() {
    let t = audited(target(
        Jurisdiction::Eu,
        vec![declared("_ga_*", Prefix, Statistics, None)],
        vec![
            cookie("_ga_ABC123", First, Some(MONTH)),
            cookie("_gid", First, Some(DAY)),
        ],
    ));
    assert!(!has(&t, "_ga_ABC123", "undeclared"));
    assert_eq!(t.observed[0].declared_as.as_deref(), Some("_ga_*"));
    assert!(has(&t, "_gid", "undeclared"));
    assert_eq!(t.observed[1].declared_as, None);
}

#[test]
fn undeclared_severity_follows_party_and_purpose() {
    let t = audited(target(
        Jurisdiction::Eu,
        vec![],
        vec![
            cookie("mystery", First, None),         // unknown purpose, first party
            cookie("AWSALB", First, Some(7 * DAY)), // known load balancing
            cookie("_gid", First, Some(DAY)),       // known statistics
            cookie("pixel", Third, None),           // third party
        ],
    ));
    let severity = |name| {
        kinds_for(&t, name)
            .into_iter()
            .find(|(k, _)| k == "undeclared")
            .map(|(_, s)| s)
    };
    assert_eq!(severity("mystery"), Some(Severity::Medium));
    assert_eq!(severity("AWSALB"), Some(Severity::Medium));
    assert_eq!(severity("_gid"), Some(Severity::High));
    assert_eq!(severity("pixel"), Some(Severity::High));
}

#[test]
fn a_third_party_pixel_is_undeclared_and_set_without_consent() {
    let t = audited(target(
        Jurisdiction::Be,
        vec![],
        vec![cookie("pixel", Third, Some(MONTH))],
    ));
    assert!(has(&t, "pixel", "undeclared"));
    assert!(has(&t, "pixel", "set_without_consent"));
    // Its twin: a declared, strictly necessary first-party cookie raises neither.
    let t = audited(target(
        Jurisdiction::Be,
        vec![declared("csrftoken", Exact, Necessary, Some(YEAR as u64))],
        vec![cookie("csrftoken", First, Some(YEAR))],
    ));
    assert!(
        kinds_for(&t, "csrftoken").is_empty(),
        "{:?}",
        kinds_for(&t, "csrftoken")
    );
}

#[test]
fn cnil_exempts_first_party_audience_measurement_that_apd_does_not() {
    let observed = || vec![cookie("_pk_ses.1.ab", First, Some(30 * MINUTE))];
    let declarations = || vec![declared("_pk_ses.*", Prefix, Statistics, Some(1800))];
    let fr = audited(target(Jurisdiction::Fr, declarations(), observed()));
    assert!(!has(&fr, "_pk_ses.1.ab", "set_without_consent"));
    let be = audited(target(Jurisdiction::Be, declarations(), observed()));
    assert!(has(&be, "_pk_ses.1.ab", "set_without_consent"));
    let eu = audited(target(Jurisdiction::Eu, declarations(), observed()));
    assert!(has(&eu, "_pk_ses.1.ab", "set_without_consent"));
    // The exemption stops at 13 months and at the site's own domain.
    let long = audited(target(
        Jurisdiction::Fr,
        vec![],
        vec![cookie("_pk_id.1.ab", First, Some(2 * YEAR))],
    ));
    assert!(has(&long, "_pk_id.1.ab", "set_without_consent"));
    let third = audited(target(
        Jurisdiction::Fr,
        vec![],
        vec![cookie("_ga", Third, Some(MONTH))],
    ));
    assert!(has(&third, "_ga", "set_without_consent"));
}

#[test]
fn ga_filed_as_necessary_is_a_category_mismatch_and_still_needs_consent() {
    let t = audited(target(
        Jurisdiction::Be,
        vec![declared("_ga", Exact, Necessary, Some(2 * YEAR as u64))],
        vec![cookie("_ga", First, Some(2 * YEAR))],
    ));
    assert!(has(&t, "_ga", "category_mismatch"));
    assert!(
        has(&t, "_ga", "set_without_consent"),
        "the catalogue's purpose wins over a wrong declaration"
    );
    let twin = audited(target(
        Jurisdiction::Be,
        vec![declared("_ga", Exact, Statistics, Some(2 * YEAR as u64))],
        vec![cookie("_ga", First, Some(2 * YEAR))],
    ));
    assert!(!has(&twin, "_ga", "category_mismatch"));
}

#[test]
fn lifetimes_are_compared_with_their_declaration() {
    let case = |declared_secs: Option<u64>, lives: Option<i64>| {
        let t = audited(target(
            Jurisdiction::Eu,
            vec![declared("pref", Exact, Necessary, declared_secs)],
            vec![cookie("pref", First, lives)],
        ));
        has(&t, "pref", "lifetime_mismatch")
    };
    assert!(
        !case(Some(1800), Some(30 * MINUTE)),
        "30 minutes declared \"30 minutes\""
    );
    assert!(
        case(Some(1800), Some(2 * DAY)),
        "30 minutes declared, 2 days lived"
    );
    assert!(
        !case(Some(1800), Some(1800 + 3 * 3600)),
        "1.5x exceeded but by less than a day"
    );
    assert!(
        !case(Some(360 * DAY as u64), Some(YEAR)),
        "\"Up to 12 months\" for a year is within 1.5x"
    );
    assert!(case(Some(0), Some(YEAR)), "declared session, persists");
    assert!(!case(Some(0), None), "declared session, is one");
    assert!(
        case(Some(YEAR as u64), None),
        "declared a year, is a session cookie"
    );
    assert!(
        !case(None, Some(10 * YEAR)),
        "no declared duration, nothing to compare"
    );
}

#[test]
fn lifetimes_over_thirteen_months_are_flagged() {
    let t = audited(target(
        Jurisdiction::Eu,
        vec![],
        vec![
            cookie("long", First, Some(2 * YEAR)),
            cookie("edge", First, Some(395 * DAY)),
            cookie("sess", First, None),
        ],
    ));
    assert!(has(&t, "long", "lifetime_over_limit"));
    assert!(!has(&t, "edge", "lifetime_over_limit"));
    assert!(!has(&t, "sess", "lifetime_over_limit"));
}

#[test]
fn insecure_attributes_on_the_sites_own_cookies() {
    let mut weak = cookie("sessionid", First, Some(14 * DAY));
    weak.attributes.secure = false;
    weak.attributes.http_only = false;
    let mut csrf = cookie("csrftoken", First, Some(YEAR));
    csrf.attributes.http_only = false;
    let mut none = cookie("embed", First, None);
    none.attributes.same_site = Some(SameSite::None);
    none.attributes.secure = false;
    let mut third = cookie("IDE", Third, Some(MONTH));
    third.attributes.secure = false;
    let t = audited(target(
        Jurisdiction::Eu,
        vec![],
        vec![weak, csrf, none, third, cookie("fine", First, None)],
    ));
    let message = |name: &str| {
        t.findings
            .iter()
            .find(|f| f.kind == "insecure_attributes" && f.cookie.as_deref() == Some(name))
            .map(|f| f.message.clone())
    };
    let weak = message("sessionid").expect("sessionid");
    assert!(
        weak.contains("no Secure") && weak.contains("HttpOnly"),
        "{weak}"
    );
    assert!(
        message("csrftoken").is_none(),
        "Django's csrftoken must stay readable by scripts"
    );
    assert!(
        message("embed")
            .unwrap()
            .contains("SameSite=None without Secure")
    );
    assert!(
        message("IDE").is_none(),
        "third-party cookies are the third party's"
    );
    assert!(message("fine").is_none());
}

#[test]
fn malformed_headers_and_missing_charters() {
    let mut t = target(Jurisdiction::Eu, vec![], vec![]);
    t.malformed_set_cookies.push(MalformedSetCookie {
        raw: "=oops".into(),
        error: "the cookie has no name".into(),
        set_by: "https://www.portal.test/".into(),
        seen_on: "https://www.portal.test/".into(),
        count: 2,
    });
    t.charter = Charter::not_found("no link");
    let t = audited(t);
    let kinds: Vec<(&str, Severity)> = t
        .findings
        .iter()
        .map(|f| (f.kind.as_str(), f.severity))
        .collect();
    assert_eq!(
        kinds,
        [
            ("charter_missing", Severity::High),
            ("malformed_set_cookie", Severity::Low)
        ]
    );
    assert_eq!(t.findings[1].evidence["raw"], "=oops");
    let twin = audited(target(Jurisdiction::Eu, vec![], vec![]));
    assert!(twin.findings.is_empty());
}

#[test]
fn declared_but_never_seen_says_when_it_would_be() {
    let t = audited(target(
        Jurisdiction::Eu,
        vec![
            declared("sessionid", Exact, Necessary, None),
            declared("cookies_preferences", Exact, Necessary, None),
            declared("_pk_id.*", Prefix, Statistics, None),
            declared("seen", Exact, Necessary, None),
        ],
        vec![cookie("seen", First, None)],
    ));
    let info: Vec<(&str, &str)> = t
        .findings
        .iter()
        .filter(|f| f.kind == "not_observed")
        .map(|f| (f.cookie.as_deref().unwrap(), f.message.as_str()))
        .collect();
    assert_eq!(info.len(), 3, "{info:?}");
    assert!(info[0].1.contains("after login"), "{}", info[0].1);
    assert!(info[1].1.contains("after consent"), "{}", info[1].1);
    assert!(
        t.findings
            .iter()
            .all(|f| f.cookie.as_deref() != Some("seen"))
    );
    assert!(
        t.findings
            .iter()
            .filter(|f| f.kind == "not_observed")
            .all(|f| f.severity == Severity::Info)
    );
}

#[test]
fn consent_after_refusal_is_the_worst_case_and_accept_phase_is_fine() {
    let mut refused = cookie("_fbp", Third, Some(3 * MONTH));
    refused.phase = Phase::Reject;
    let mut accepted = cookie("_gcl_au", Third, Some(3 * MONTH));
    accepted.phase = Phase::Accept;
    let t = audited(target(Jurisdiction::Eu, vec![], vec![refused, accepted]));
    let message = t
        .findings
        .iter()
        .find(|f| f.kind == "set_without_consent" && f.cookie.as_deref() == Some("_fbp"))
        .map(|f| f.message.clone())
        .expect("refused");
    assert!(message.contains("refused consent"), "{message}");
    assert!(!has(&t, "_gcl_au", "set_without_consent"));
}

#[test]
fn a_cookie_seen_in_every_phase_is_judged_once_and_its_consent_in_the_worst_phase() {
    let phased = |phase| {
        let mut c = cookie("_fbp", Third, Some(3 * MONTH));
        c.phase = phase;
        c
    };
    let all = vec![
        phased(Phase::None),
        phased(Phase::Reject),
        phased(Phase::Accept),
    ];
    let t = audited(target(Jurisdiction::Eu, vec![], all));
    let kinds: Vec<(&str, Option<Phase>)> = t
        .findings
        .iter()
        .map(|f| {
            let phase = f.evidence["cookie"]["phase"].as_str().map(|p| match p {
                "reject" => Phase::Reject,
                "accept" => Phase::Accept,
                _ => Phase::None,
            });
            (f.kind.as_str(), phase)
        })
        .filter(|(kind, _)| *kind != "charter_missing")
        .collect();
    assert_eq!(
        kinds,
        [
            ("undeclared", Some(Phase::None)),
            ("set_without_consent", Some(Phase::Reject)),
        ]
    );

    // Seen before consent and after acceptance only: judged before consent.
    let t = audited(target(
        Jurisdiction::Eu,
        vec![],
        vec![phased(Phase::None), phased(Phase::Accept)],
    ));
    let consent: Vec<_> = t
        .findings
        .iter()
        .filter(|f| f.kind == "set_without_consent")
        .collect();
    assert_eq!(consent.len(), 1);
    assert!(consent[0].message.contains("before any consent"));
}

#[test]
fn evidence_carries_the_cookie_without_its_value_and_the_declaration() {
    let t = audited(target(
        Jurisdiction::Be,
        vec![declared("_ga", Exact, Necessary, None)],
        vec![cookie("_ga", First, Some(2 * YEAR))],
    ));
    let finding = t
        .findings
        .iter()
        .find(|f| f.kind == "category_mismatch")
        .unwrap();
    assert_eq!(
        finding.evidence["cookie"]["set_by"],
        "https://www.portal.test/x"
    );
    assert_eq!(finding.evidence["cookie"]["value"], "[not stored]");
    assert_eq!(finding.evidence["declaration"]["name"], "_ga");
    assert_eq!(finding.evidence["catalogue"]["category"], "statistics");
    assert_eq!(t.findings[0].severity, Severity::High, "worst first");
}

#[test]
fn marketing_cookies_need_consent_everywhere() {
    for jurisdiction in [Jurisdiction::Eu, Jurisdiction::Be, Jurisdiction::Fr] {
        let t = audited(target(
            jurisdiction,
            vec![declared("ads", Exact, Marketing, None)],
            vec![cookie("ads", First, Some(MONTH))],
        ));
        assert!(has(&t, "ads", "set_without_consent"), "{jurisdiction:?}");
    }
}

#[test]
fn a_charter_not_read_by_the_audit_raises_no_charter_based_finding() {
    let mut t = target(
        Jurisdiction::Eu,
        Vec::new(),
        vec![cookie("IDE", Third, Some(YEAR))],
    );
    t.charter = Charter::not_read("not read: the run was interrupted");
    let t = audited(t);
    assert!(t.findings.iter().all(|f| f.kind != "charter_missing"));
    assert!(!has(&t, "IDE", "undeclared"));
    assert!(has(&t, "IDE", "set_without_consent"), "not charter-based");
}

#[test]
fn only_refusals_every_browser_makes_are_rejected_cookies() {
    let mut invalid = cookie("IDE", Third, Some(YEAR));
    invalid.blocked = Some("blocked by Chromium: InvalidDomain".into());
    let mut policy = cookie("_fbp", Third, Some(YEAR));
    policy.blocked = Some("blocked by Chromium: ThirdPartyPhaseout".into());
    let t = audited(target(Jurisdiction::Eu, Vec::new(), vec![invalid, policy]));
    assert_eq!(
        kinds_for(&t, "IDE"),
        [("cookie_rejected".to_string(), Severity::Low)]
    );
    // Chromium's own policy: another browser keeps it, so it is judged as any cookie.
    assert!(has(&t, "_fbp", "set_without_consent"));
    assert!(has(&t, "_fbp", "undeclared"));
}
