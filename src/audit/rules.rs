//! The rules: each finding kind (`docs/report-schema.md`, "Finding kinds"), decided for one
//! audited target.
//!
//! A cookie's purpose comes from its charter declaration when that is right, from the catalogue
//! of known cookies when the declaration is missing or contradicted by it (a `_ga` filed as
//! necessary is Google Analytics all the same).

use std::collections::HashSet;

use serde_json::{Value, json};

use super::catalog::{Appears, Catalog, KnownCookie, Necessity};
use super::consent;
use crate::charter::names;
use crate::duration;
use crate::site::Party;
use crate::types::Jurisdiction;
use crate::types::{
    Category, CharterStatus, ConsentChoice, Declaration, Engine, EngineLimits, Finding,
    FindingKind, MatchKind, ObservedCookie, Phase, SameSite, Severity, TargetReport,
};

/// The CNIL's limit for cookie lifetimes: 13 months, as days.
pub(crate) const DEFAULT_LIFETIME_LIMIT_DAYS: u64 = 395;

const DAY: i64 = duration::DAY as i64;

/// What the rules need beyond the target itself.
#[derive(Debug, Clone)]
pub(crate) struct Rules<'c> {
    /// Known cookies and their real purposes.
    pub catalog: &'c Catalog,
    /// `lifetime_over_limit` above this many seconds.
    pub lifetime_limit_seconds: u64,
}

/// Fills `declared_as` of every observed cookie and the findings of an audited target.
pub(crate) fn add_findings(target: &mut TargetReport, rules: &Rules<'_>) {
    let mut findings = Vec::new();
    let declared = &target.charter.declared;
    let charter_read = target.charter.status == CharterStatus::Parsed;
    // A charter this audit did not read (interrupted, timed out, our own file missing) says
    // nothing about the portal: no charter-based finding blames it for our failure.
    let charter_judged = target.charter.status != CharterStatus::NotRead;
    let https = target.url.starts_with("https://");
    if !charter_read && charter_judged {
        findings.push(charter_missing(target));
    }
    // With consent phases a cookie is observed once per phase it appeared in; it is judged
    // once, and its consent is judged in the worst phase it appeared in (after a refusal).
    let refused_too: HashSet<(String, String, String)> = target
        .observed
        .iter()
        .filter(|c| c.phase == Phase::Reject)
        .map(identity)
        .collect();
    let refusal = consent::refusal_recorded(target.consent.as_ref()).cloned();
    let mut judged_already = HashSet::new();
    for cookie in &mut target.observed {
        let declaration = declaration_for(declared, &cookie.name);
        cookie.declared_as = declaration.map(|d| d.name.clone());
        let cookie = &*cookie;
        let known = rules.catalog.lookup(&cookie.name, &cookie.domain);
        let purpose = Purpose::of(declaration, known);
        let judged = Judged {
            cookie,
            declaration,
            known,
            purpose,
        };
        let key = identity(cookie);
        // A cookie every browser refuses never reached the visitor: it is a misconfiguration
        // to fix, not a cookie to declare or to ask consent for.
        if let Some(reason) = refused_everywhere(cookie) {
            if judged_already.insert(key) {
                findings.push(cookie_rejected(&judged, reason));
            }
            continue;
        }
        let worst_phase = match cookie.phase {
            Phase::Reject => true,
            Phase::None => !refused_too.contains(&key),
            // A choice was made, or the `gpc` phase has its own finding.
            Phase::Accept | Phase::Gpc => false,
        };
        if worst_phase {
            findings.extend(set_without_consent(
                &judged,
                target.jurisdiction,
                refusal.as_ref(),
            ));
        }
        if cookie.phase == Phase::Gpc {
            findings.extend(set_despite_gpc(&judged, target.jurisdiction));
        }
        if !judged_already.insert(key) {
            continue;
        }
        if charter_judged {
            findings.extend(undeclared(&judged, charter_read));
        }
        findings.extend(category_mismatch(&judged));
        findings.extend(lifetime_mismatch(&judged));
        findings.extend(lifetime_over_limit(
            &judged,
            rules.lifetime_limit_seconds,
            target.jurisdiction,
        ));
        findings.extend(insecure_attributes(&judged, https));
    }
    // A crawl cut short did not visit every page it meant to: a declared cookie it missed may
    // be on one of them, so it is not reported as never set.
    if target.crawl.stopped.is_none() {
        for declaration in declared {
            findings.extend(not_observed(
                declaration,
                &target.observed,
                rules.catalog,
                target.engine,
            ));
        }
    }
    target.engine_limits = engine_limits(target, rules.catalog);
    findings.extend(consent::not_tested(target.consent.as_ref()));
    for malformed in &target.malformed_set_cookies {
        findings.push(Finding {
            kind: FindingKind::MalformedSetCookie,
            severity: Severity::Low,
            cookie: None,
            message: format!(
                "A Set-Cookie header from {} cannot be parsed ({}); browsers may drop it or read it \
                 differently: fix the header.",
                malformed.set_by, malformed.error
            ),
            evidence: json!({
                "raw": malformed.raw,
                "error": malformed.error,
                "set_by": malformed.set_by,
                "seen_on": malformed.seen_on,
                "count": malformed.count,
            }),
        });
    }
    // Worst first; within a severity, in the order cookies were seen.
    findings.sort_by_key(|f| std::cmp::Reverse(f.severity));
    target.findings = findings;
}

/// A cookie's identity across consent phases.
fn identity(cookie: &ObservedCookie) -> (String, String, String) {
    (
        cookie.name.clone(),
        cookie.domain.clone(),
        cookie.path.clone(),
    )
}

/// The declaration that covers `name`: an exact one first, else the first family in charter
/// order.
pub(crate) fn declaration_for<'d>(
    declared: &'d [Declaration],
    name: &str,
) -> Option<&'d Declaration> {
    declared
        .iter()
        .find(|d| d.match_kind == MatchKind::Exact && d.name == name)
        .or_else(|| {
            declared
                .iter()
                .find(|d| d.match_kind != MatchKind::Exact && names::covers(d, name))
        })
}

/// Where a cookie's purpose was learned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PurposeSource {
    Charter,
    Catalogue,
    Unknown,
}

/// What a cookie is for, as far as the audit can tell.
#[derive(Debug, Clone, Copy)]
struct Purpose {
    category: Category,
    source: PurposeSource,
    /// Why it is strictly necessary, when the catalogue says so and nothing contradicts it.
    necessity: Option<Necessity>,
}

impl Purpose {
    fn of(declaration: Option<&Declaration>, known: Option<&KnownCookie>) -> Purpose {
        let declared = declaration
            .map(|d| d.category)
            .filter(|c| *c != Category::Unknown);
        let catalogued = known.map(|k| k.category);
        let contradicted = matches!(declared, Some(Category::Necessary | Category::Functional))
            && matches!(catalogued, Some(Category::Statistics | Category::Marketing));
        let (category, source) = match (declared, catalogued) {
            (Some(_), Some(real)) if contradicted => (real, PurposeSource::Catalogue),
            (Some(declared), _) => (declared, PurposeSource::Charter),
            (None, Some(real)) => (real, PurposeSource::Catalogue),
            (None, None) => (Category::Unknown, PurposeSource::Unknown),
        };
        // A site that files a necessary cookie as statistics is believed: it asks for consent.
        let necessity = known
            .and_then(|k| k.necessity)
            .filter(|_| matches!(category, Category::Necessary | Category::Functional));
        Purpose {
            category,
            source,
            necessity,
        }
    }

    fn strictly_necessary(&self) -> bool {
        self.category == Category::Necessary || self.necessity.is_some()
    }

    fn describe(&self, known: Option<&KnownCookie>) -> String {
        let category = Category::as_str(self.category);
        match (self.source, known) {
            (PurposeSource::Catalogue, Some(k)) => format!("{category}, {}", k.platform),
            (PurposeSource::Charter, _) => format!("{category} per the charter"),
            _ => "purpose unknown".to_string(),
        }
    }
}

struct Judged<'a> {
    cookie: &'a ObservedCookie,
    declaration: Option<&'a Declaration>,
    known: Option<&'a KnownCookie>,
    purpose: Purpose,
}

impl Judged<'_> {
    fn evidence(&self) -> Value {
        json!({
            "cookie": cookie_evidence(self.cookie),
            "declaration": self.declaration,
            "catalogue": self.known.map(known_evidence),
        })
    }

    fn party(&self) -> &'static str {
        match self.cookie.party {
            Party::First => "first-party",
            Party::Third => "third-party",
        }
    }
}

fn finding(kind: FindingKind, severity: Severity, judged: &Judged<'_>, message: String) -> Finding {
    Finding {
        kind,
        severity,
        cookie: Some(judged.cookie.name.clone()),
        message,
        evidence: judged.evidence(),
    }
}

fn charter_missing(target: &TargetReport) -> Finding {
    let charter = &target.charter;
    let source = charter.source.as_deref().unwrap_or("-");
    let why = charter.error.as_deref().unwrap_or("no reason given");
    let message = match charter.status {
        CharterStatus::Unreachable => format!(
            "The cookie charter at {source} could not be fetched ({why}): publish it where \
             visitors and this audit can read it."
        ),
        CharterStatus::Unparsed => format!(
            "The cookie charter at {source} was read but declares no cookie this audit could \
             understand ({why}): list each cookie with its name, purpose and duration in a table."
        ),
        _ => format!(
            "No cookie charter was found ({why}): publish one and link it from every page, or set \
             `charter` for this target in targets.toml."
        ),
    };
    Finding {
        kind: FindingKind::CharterMissing,
        severity: Severity::High,
        cookie: None,
        message,
        evidence: json!({ "status": charter.status, "source": charter.source, "error": charter.error }),
    }
}

/// Chromium's refusals (`Network.SetCookieBlockedReason`) that every current browser makes:
/// the cookie line itself is wrong. The others (third-party blocking, `SameSite` in a cross-site
/// context, user settings) are Chromium's policy: another browser would keep the cookie.
const REFUSED_BY_EVERY_BROWSER: [&str; 9] = [
    "SecureOnly",
    "SyntaxError",
    "SchemeNotSupported",
    "OverwriteSecure",
    "InvalidDomain",
    "InvalidPrefix",
    "NameValuePairExceedsMaxSize",
    "DisallowedCharacter",
    "NoCookieContent",
];

/// Why every browser refuses `cookie`, when it does. The HTTP engine's jar refuses only what
/// every browser refuses (a foreign or public-suffix `Domain`, a broken name prefix); the
/// browser engine names Chromium's reasons.
fn refused_everywhere(cookie: &ObservedCookie) -> Option<&str> {
    let blocked = cookie.blocked.as_deref()?;
    match blocked.strip_prefix("blocked by Chromium:") {
        Some(reasons) => reasons
            .split(',')
            .any(|r| REFUSED_BY_EVERY_BROWSER.contains(&r.trim()))
            .then_some(blocked),
        None => Some(blocked),
    }
}

fn cookie_rejected(judged: &Judged<'_>, reason: &str) -> Finding {
    let cookie = judged.cookie;
    let mut finding = finding(
        FindingKind::CookieRejected,
        Severity::Low,
        judged,
        format!(
            "{} is sent by {} but browsers refuse to store it ({reason}), so visitors never \
             get it: fix the Set-Cookie header or stop sending it.",
            cookie.name, cookie.set_by
        ),
    );
    if let Some(evidence) = finding.evidence.as_object_mut() {
        evidence.insert("blocked".into(), json!(reason));
    }
    finding
}

fn undeclared(judged: &Judged<'_>, charter_read: bool) -> Option<Finding> {
    if judged.declaration.is_some() {
        return None;
    }
    let purpose = judged.purpose;
    let serious = judged.cookie.party == Party::Third
        || (!purpose.strictly_necessary() && purpose.category != Category::Unknown);
    let severity = if serious {
        Severity::High
    } else {
        Severity::Medium
    };
    let cookie = judged.cookie;
    let charter = if charter_read {
        "the charter does not declare it"
    } else {
        "no charter declares it"
    };
    Some(finding(
        FindingKind::Undeclared,
        severity,
        judged,
        format!(
            "{} ({}, {}) is set by {} but {charter}: declare it, or stop setting it.",
            cookie.name,
            judged.party(),
            purpose.describe(judged.known),
            cookie.set_by
        ),
    ))
}

fn set_without_consent(
    judged: &Judged<'_>,
    jurisdiction: Jurisdiction,
    refusal: Option<&ConsentChoice>,
) -> Option<Finding> {
    let cookie = judged.cookie;
    if !matches!(cookie.phase, Phase::None | Phase::Reject) {
        return None;
    }
    let reason = consent_needed(judged, jurisdiction)?;
    // After a refusal the consent manager's own record is the strongest evidence there is.
    let recorded = refusal.filter(|_| cookie.phase == Phase::Reject);
    let when = match (cookie.phase, recorded) {
        (Phase::Reject, Some(choice)) => {
            match consent::refused_entry(choice, &cookie.name, judged.purpose.category) {
                Some(entry) => format!(
                    "even after the visitor refused consent, although the consent manager \
                     recorded {entry}"
                ),
                None => "even after the visitor refused consent (the worst case)".to_string(),
            }
        }
        (Phase::Reject, None) => "even after the visitor refused consent (the worst case)".into(),
        _ => "before any consent was given".into(),
    };
    let mut finding = finding(
        FindingKind::SetWithoutConsent,
        Severity::High,
        judged,
        format!(
            "{} ({}) is set by {} on {} {when}; {reason}: set it only after consent.",
            cookie.name,
            judged.purpose.describe(judged.known),
            cookie.set_by,
            cookie.first_seen_on
        ),
    );
    if let (Some(choice), Some(evidence)) = (recorded, finding.evidence.as_object_mut()) {
        evidence.insert("choice_recorded".into(), json!(choice));
    }
    Some(finding)
}

/// A cookie that needs consent, set in a browser sending Global Privacy Control.
fn set_despite_gpc(judged: &Judged<'_>, jurisdiction: Jurisdiction) -> Option<Finding> {
    let cookie = judged.cookie;
    let reason = consent_needed(judged, jurisdiction)?;
    Some(finding(
        FindingKind::SetDespiteGpc,
        Severity::Medium,
        judged,
        format!(
            "{} ({}) is set by {} on {} although the browser sent Global Privacy Control \
             (Sec-GPC: 1), a refusal of tracking; {reason}: honour the signal.",
            cookie.name,
            judged.purpose.describe(judged.known),
            cookie.set_by,
            cookie.first_seen_on
        ),
    ))
}

/// Why the cookie needs consent under `jurisdiction`, or `None` when it is exempt.
fn consent_needed(judged: &Judged<'_>, jurisdiction: Jurisdiction) -> Option<String> {
    let rules = match jurisdiction {
        Jurisdiction::Eu => "the ePrivacy Directive (art. 5(3))",
        Jurisdiction::Be => "the rules of the Belgian Data Protection Authority (APD/GBA)",
        Jurisdiction::Fr => "the CNIL's rules",
    };
    let purpose = judged.purpose;
    if purpose.strictly_necessary() {
        return None;
    }
    let cookie = judged.cookie;
    match purpose.category {
        Category::Statistics if jurisdiction == Jurisdiction::Fr => {
            let first_party = cookie.party == Party::First;
            let within = cookie
                .attributes
                .lifetime_seconds
                .is_none_or(|s| s <= 395 * DAY);
            // The CNIL exempts only measurement meeting its conditions: session recordings and
            // heatmaps follow each visitor's every move, which is no audience measurement.
            if let Some(tool) = judged.known.filter(|k| k.recording) {
                return Some(format!(
                    "session recording and heatmaps ({}) are not the audience measurement the \
                     CNIL exempts; they need consent under {rules}",
                    tool.platform
                ));
            }
            if first_party && within {
                // The CNIL exempts first-party audience measurement kept at most 13 months.
                None
            } else if !first_party {
                Some(format!(
                    "third-party audience measurement needs consent under {rules}"
                ))
            } else {
                Some(format!(
                    "audience measurement kept longer than 13 months needs consent under {rules}"
                ))
            }
        }
        Category::Statistics => Some(format!("audience measurement needs consent under {rules}")),
        Category::Marketing => Some(format!(
            "advertising and tracking need consent under {rules}"
        )),
        Category::Functional => Some(format!(
            "only strictly necessary cookies are exempt under {rules}, not preferences"
        )),
        Category::Unknown if cookie.party == Party::Third => Some(format!(
            "a third-party cookie of unknown purpose needs consent under {rules}"
        )),
        Category::Unknown | Category::Necessary => None,
    }
}

fn category_mismatch(judged: &Judged<'_>) -> Option<Finding> {
    let declaration = judged.declaration?;
    let known = judged.known?;
    let filed_harmless = matches!(
        declaration.category,
        Category::Necessary | Category::Functional
    );
    let really = matches!(known.category, Category::Statistics | Category::Marketing);
    if !(filed_harmless && really) {
        return None;
    }
    Some(finding(
        FindingKind::CategoryMismatch,
        Severity::Medium,
        judged,
        format!(
            "{} is filed as {} in the charter but is a known {} cookie ({}): file it under {} and \
             ask for consent.",
            judged.cookie.name,
            Category::as_str(declaration.category),
            Category::as_str(known.category),
            known.platform,
            Category::as_str(known.category)
        ),
    ))
}

fn lifetime_mismatch(judged: &Judged<'_>) -> Option<Finding> {
    let declaration = judged.declaration?;
    let declared = declaration.duration_seconds?;
    let cookie = judged.cookie;
    let written = declaration.duration.as_deref().unwrap_or("?");
    let problem = match (declared, cookie.attributes.lifetime_seconds) {
        (0, Some(lives)) => format!(
            "is declared a session cookie (\"{written}\") but lives {}",
            duration::human(lives)
        ),
        (declared, None) if declared > 0 => {
            format!("is declared to live \"{written}\" but is a session cookie")
        }
        (declared, Some(lives)) if declared > 0 => {
            // i128: a site may ask for any lifetime (Max-Age saturates at i64::MAX).
            let (lives_wide, declared_wide) = (i128::from(lives), i128::from(declared));
            if lives_wide * 2 > declared_wide * 3 && lives_wide - declared_wide >= i128::from(DAY) {
                format!(
                    "lives {} where the charter says \"{written}\"",
                    duration::human(lives)
                )
            } else {
                return None;
            }
        }
        _ => return None,
    };
    Some(finding(
        FindingKind::LifetimeMismatch,
        Severity::Medium,
        judged,
        format!(
            "{} {problem}: correct the charter or the cookie.",
            cookie.name
        ),
    ))
}

fn lifetime_over_limit(
    judged: &Judged<'_>,
    limit: u64,
    jurisdiction: Jurisdiction,
) -> Option<Finding> {
    let lives = judged.cookie.attributes.lifetime_seconds?;
    if lives <= limit as i64 {
        return None;
    }
    // 13 months is the CNIL's figure: only French targets are told it is the CNIL's.
    let whose = match jurisdiction {
        Jurisdiction::Fr => "the CNIL's 13 months by default",
        Jurisdiction::Be | Jurisdiction::Eu => "this audit's limit, 13 months by default",
    };
    Some(finding(
        FindingKind::LifetimeOverLimit,
        Severity::Medium,
        judged,
        format!(
            "{} is set to live {}, longer than {} ({whose}): shorten it.",
            judged.cookie.name,
            duration::human(lives),
            duration::human(limit as i64)
        ),
    ))
}

fn insecure_attributes(judged: &Judged<'_>, https: bool) -> Option<Finding> {
    let cookie = judged.cookie;
    // The site answers for its own cookies; a third party's are the third party's to fix.
    if cookie.party != Party::First {
        return None;
    }
    let attributes = &cookie.attributes;
    let mut problems = Vec::new();
    if https && !attributes.secure {
        problems.push("no Secure on an HTTPS site, so it may be sent over plain HTTP");
    }
    if attributes.same_site == Some(SameSite::None) && !attributes.secure {
        problems.push("SameSite=None without Secure, which browsers reject");
    }
    // Django's csrftoken is left out on purpose: the page's scripts must read it to send it
    // back, and HttpOnly on it protects nothing (Django's own documentation says so).
    if is_session_identifier(judged) && !attributes.http_only {
        problems.push(
            "a session identifier readable by scripts (no HttpOnly), which an injected script could steal",
        );
    }
    if problems.is_empty() {
        return None;
    }
    Some(finding(
        FindingKind::InsecureAttributes,
        Severity::Low,
        judged,
        format!("{}: {}.", cookie.name, problems.join("; ")),
    ))
}

fn is_session_identifier(judged: &Judged<'_>) -> bool {
    let by_catalogue = judged
        .known
        .and_then(|k| k.necessity)
        .is_some_and(|n| matches!(n, Necessity::Session | Necessity::Authentication));
    let name = judged.cookie.name.to_ascii_lowercase();
    by_catalogue || name.contains("sessid") || name.contains("session") || name == "sid"
}

/// What the HTTP engine cannot see: cookies written by scripts, Web Storage, what a consent
/// choice changes.
const HTTP_UNOBSERVABLE: [&str; 3] = [
    "cookies set by JavaScript (document.cookie, the CookieStore API)",
    "Web Storage (localStorage, sessionStorage)",
    "cookies set after a consent choice (the HTTP engine never answers a banner)",
];

/// What to run to see what the HTTP engine cannot.
const RUN_BROWSER: &str = "--engine browser (engine = \"browser\" in targets.toml), with \
     consent = \"auto\" for the consent phases";

/// The limits of the engine that crawled `target`, with the declared cookies they leave
/// unverified: a declared `_ga` the HTTP engine never saw says nothing about the portal.
fn engine_limits(target: &TargetReport, catalog: &Catalog) -> Option<EngineLimits> {
    if target.engine != Engine::Http {
        return None;
    }
    let declared_by_script = target
        .charter
        .declared
        .iter()
        .filter(|d| !target.observed.iter().any(|c| names::covers(d, &c.name)))
        .filter(|d| catalog.lookup(&d.name, "").is_some_and(|k| k.by_script))
        .map(|d| d.name.clone())
        .collect();
    Some(EngineLimits {
        unobservable: HTTP_UNOBSERVABLE.iter().map(|s| s.to_string()).collect(),
        declared_by_script,
        instead: RUN_BROWSER.to_string(),
    })
}

fn not_observed(
    declaration: &Declaration,
    observed: &[ObservedCookie],
    catalog: &Catalog,
    engine: Engine,
) -> Option<Finding> {
    if observed.iter().any(|c| names::covers(declaration, &c.name)) {
        return None;
    }
    let known = catalog.lookup(&declaration.name, "");
    let http = engine == Engine::Http;
    let by_script = http && known.is_some_and(|k| k.by_script);
    let expected = match (known.map(|k| k.appears), known) {
        (Some(Appears::AfterLogin), _) => "; expected, as it is set only after login".to_string(),
        (Some(Appears::AfterConsent), _) if http => {
            "; expected, as it is set only after consent is given, which the HTTP engine never \
             gives: run --engine browser with consent = \"auto\" to check it"
                .to_string()
        }
        (Some(Appears::AfterConsent), _) => {
            "; expected, as it is set only after consent is given".to_string()
        }
        (_, Some(k)) if by_script => format!(
            "; expected with the HTTP engine, which cannot see cookies set by JavaScript, and {} \
             sets it from a script: run --engine browser to check it",
            k.platform
        ),
        _ if http => "; it may be set only on pages not visited, by a script (the HTTP engine \
                      sees only Set-Cookie headers, not cookies set by JavaScript: run --engine \
                      browser to check), or no longer at all"
            .to_string(),
        _ => "; it may be set only on pages not visited, or no longer at all".to_string(),
    };
    Some(Finding {
        kind: FindingKind::NotObserved,
        severity: Severity::Info,
        cookie: Some(declaration.name.clone()),
        message: format!(
            "{} is declared in the charter but was never set during the crawl{expected}.",
            declaration.name
        ),
        evidence: json!({ "declaration": declaration, "unseen_by_engine": by_script }),
    })
}

/// The observed cookie as evidence: what the site asked for, never its value.
fn cookie_evidence(cookie: &ObservedCookie) -> Value {
    json!({
        "name": cookie.name,
        "domain": cookie.domain,
        "path": cookie.path,
        "party": cookie.party,
        "source": cookie.source,
        "phase": cookie.phase,
        "secure": cookie.attributes.secure,
        "http_only": cookie.attributes.http_only,
        "same_site": cookie.attributes.same_site,
        "session": cookie.attributes.session,
        "lifetime_seconds": cookie.attributes.lifetime_seconds,
        "value": "[not stored]",
        "value_length": cookie.value_length,
        "set_by": cookie.set_by,
        "first_seen_on": cookie.first_seen_on,
        "seen_on_pages": cookie.seen_on_pages,
    })
}

fn known_evidence(known: &KnownCookie) -> Value {
    json!({
        "name": known.name,
        "family": known.family,
        "platform": known.platform,
        "category": known.category,
        "lifetime_seconds": known.lifetime_seconds,
        "necessity": known.necessity,
        "by_script": known.by_script,
        "recording": known.recording,
        "origin": known.origin,
    })
}

#[cfg(test)]
#[path = "rules_tests.rs"]
mod tests;
