//! The HTML report: one self-contained page that auditors read and forward.
//!
//! Rust decides everything (counts, the worst severity, human lifetimes, which URLs may become
//! links, anchors); the template `report.html.j2` only lays it out. The template is registered as
//! `report.html`, so minijinja escapes every value for HTML: strings that came from the web are
//! never marked safe. The only safe value is the page's own inline script, whose SHA-256 the
//! Content-Security-Policy names, so that even a markup injection that slipped past escaping
//! could run no script and fetch nothing.

use std::collections::HashSet;

use minijinja::syntax::SyntaxConfig;
use minijinja::value::Serde;
use minijinja::{Environment, UndefinedBehavior, Value};
use serde::Serialize;
use serde_json::Value as Json;

use crate::duration;
use crate::site::Party;
use crate::types::{
    Category, Charter, CharterStatus, ConsentReport, CookieKey, CookieSource, CrawlStop,
    Declaration, Finding, FindingKey, MatchKind, ObservedCookie, Page, Phase, Report, Run,
    SameSite, Severity, SeverityCounts, StorageEntry, TargetDiff, TargetReport, TargetStatus, Tool,
};

const TEMPLATE: &str = include_str!("report.html.j2");

/// Sorts tables on a header click and filters cookie tables; the page is complete without it.
/// Its last statement marks `<body data-ready="1">` so a browser test can tell that it ran.
// The file's final newline is no part of the script: the CSP hash covers these exact bytes.
const SCRIPT: &str = include_str!("report.js").trim_ascii_end();

/// Why the HTML could not be rendered.
#[derive(Debug, thiserror::Error)]
pub enum HtmlError {
    /// The template failed to compile or to render; minijinja's message says where.
    #[error("the HTML report template failed: {0}")]
    Template(#[from] minijinja::Error),
}

/// The whole HTML report: one self-contained file.
pub fn render(report: &Report) -> Result<String, HtmlError> {
    let mut html = Vec::new();
    render_to(report, &mut html)?;
    // minijinja writes only `str`s, so the bytes are UTF-8.
    Ok(String::from_utf8_lossy(&html).into_owned())
}

/// The HTML report written to `out` as it is rendered, so that a run of many pages never holds
/// the whole page in memory beside the report.
pub fn render_to(report: &Report, out: impl std::io::Write) -> Result<(), HtmlError> {
    let mut env = Environment::new();
    // A misspelt field in the template must fail the tests, not print nothing.
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    // Block tags on their own lines leave no blank lines behind.
    env.set_syntax(
        SyntaxConfig::builder()
            .trim_blocks(true)
            .lstrip_blocks(true)
            .build()?,
    );
    // The `.html` name turns on minijinja's HTML auto-escaping for every value.
    env.add_template("report.html", TEMPLATE)?;
    let page = PageView::of(report);
    env.get_template("report.html")?
        .render_captured_to(Serde(page), out)?;
    Ok(())
}

/// The Content-Security-Policy of the page: nothing may be fetched, only our own script runs.
fn content_security_policy() -> String {
    // Without a hash the script is blocked and the page still reads in full.
    let script = sha256_base64(SCRIPT.as_bytes())
        .map_or_else(|| "'none'".to_string(), |h| format!("'sha256-{h}'"));
    format!(
        "default-src 'none'; style-src 'unsafe-inline'; script-src {script}; img-src data:; \
         base-uri 'none'; form-action 'none'"
    )
}

/// Base64 of the SHA-256 of `bytes`, as CSP hash sources write it.
fn sha256_base64(bytes: &[u8]) -> Option<String> {
    // rustls, already here for TLS with ring, carries a SHA-256: no new dependency for one hash.
    let suite = rustls::crypto::ring::cipher_suite::TLS13_AES_128_GCM_SHA256.tls13()?;
    let digest = suite.common.hash_provider.hash(bytes);
    Some(base64(digest.as_ref()))
}

fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * i) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// A severity as the template shows it: a CSS class key and a text label, never colour alone.
#[derive(Debug, Clone, Copy, Serialize)]
struct Sev {
    key: &'static str,
    label: &'static str,
    /// Sort key for the tables: higher is worse.
    rank: u8,
}

impl Sev {
    const ORDER: [Severity; 4] = [
        Severity::High,
        Severity::Medium,
        Severity::Low,
        Severity::Info,
    ];

    fn of(severity: Severity) -> Sev {
        let (key, label, rank) = match severity {
            Severity::High => ("high", "High", 4),
            Severity::Medium => ("medium", "Medium", 3),
            Severity::Low => ("low", "Low", 2),
            Severity::Info => ("info", "Info", 1),
        };
        Sev { key, label, rank }
    }
}

#[derive(Serialize)]
struct SevCount {
    sev: Sev,
    count: u32,
}

fn sev_counts(counts: &SeverityCounts) -> Vec<SevCount> {
    Sev::ORDER
        .iter()
        .map(|&s| SevCount {
            sev: Sev::of(s),
            count: count_of(counts, s),
        })
        .collect()
}

fn count_of(counts: &SeverityCounts, severity: Severity) -> u32 {
    match severity {
        Severity::High => counts.high,
        Severity::Medium => counts.medium,
        Severity::Low => counts.low,
        Severity::Info => counts.info,
    }
}

fn worst<'f>(findings: impl IntoIterator<Item = &'f Finding>) -> Option<Sev> {
    findings.into_iter().map(|f| f.severity).max().map(Sev::of)
}

#[derive(Serialize)]
struct PageView<'a> {
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
    totals: Vec<SevCount>,
    without_consent: Vec<ConsentRow<'a>>,
    changes: Option<ChangesSummary<'a>>,
    targets: Vec<TargetView<'a>>,
}

impl<'a> PageView<'a> {
    fn of(report: &'a Report) -> PageView<'a> {
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
                TargetView::of(target, slug, widest, diff, old_run.unwrap_or(""))
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
            totals: sev_counts(&report.totals.findings),
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
            targets,
        }
    }
}

/// `2026-11-24T11:35:50Z` as `2026-11-24 11:35:50 UTC`; anything else as it is.
fn readable_time(rfc3339: &str) -> String {
    use time::format_description::well_known::Rfc3339;
    let format =
        time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second] UTC");
    time::OffsetDateTime::parse(rfc3339, &Rfc3339)
        .ok()
        .and_then(|t| t.to_offset(time::UtcOffset::UTC).format(&format).ok())
        .unwrap_or_else(|| rfc3339.to_string())
}

fn run_duration(run: &Run) -> Option<String> {
    use time::format_description::well_known::Rfc3339;
    let start = time::OffsetDateTime::parse(&run.started_at, &Rfc3339).ok()?;
    let end = time::OffsetDateTime::parse(&run.finished_at, &Rfc3339).ok()?;
    let seconds = (end - start).whole_seconds();
    (seconds >= 0).then(|| duration::human(seconds))
}

/// `target-<slug>` anchors: ASCII alphanumerics and '-' only, unique even when names slug alike.
fn slugs<'n>(names: impl Iterator<Item = &'n str>) -> Vec<String> {
    let mut used = HashSet::new();
    names
        .map(|name| {
            let mut base = String::new();
            for c in name.chars() {
                if c.is_ascii_alphanumeric() {
                    base.push(c.to_ascii_lowercase());
                } else if !base.is_empty() && !base.ends_with('-') {
                    base.push('-');
                }
            }
            let base = match base.trim_end_matches('-') {
                "" => "portal".to_string(),
                trimmed => trimmed.to_string(),
            };
            let mut slug = base.clone();
            let mut n = 2;
            while !used.insert(slug.clone()) {
                slug = format!("{base}-{n}");
                n += 1;
            }
            slug
        })
        .collect()
}

/// The URL itself when it may become a link: http(s) only, so never `javascript:` or `data:`.
fn http_href(text: &str) -> Option<&str> {
    let url = url::Url::parse(text).ok()?;
    matches!(url.scheme(), "http" | "https").then_some(text)
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

#[derive(Serialize)]
struct TargetView<'a> {
    #[serde(skip)]
    target: &'a TargetReport,
    name: &'a str,
    slug: String,
    url: &'a str,
    url_href: Option<&'a str>,
    jurisdiction: &'static str,
    engine: &'static str,
    failed: bool,
    error: Option<&'a str>,
    pages: &'a [Page],
    requests: u64,
    crawl_time: String,
    /// Why the crawl ended early, in words, if it did.
    stopped: Option<&'static str>,
    counts: Vec<SevCount>,
    findings_total: usize,
    worst: Option<Sev>,
    bar: Vec<BarSegment>,
    findings: Vec<FindingGroup<'a>>,
    charter: CharterView<'a>,
    observed: Vec<CookieView<'a>>,
    third_party: usize,
    storage: &'a [StorageEntry],
    changes: Option<TargetChanges<'a>>,
    /// How the consent phases went; absent when none ran.
    consent: Option<ConsentView<'a>>,
}

impl<'a> TargetView<'a> {
    fn of(
        target: &'a TargetReport,
        slug: String,
        widest: usize,
        diff: Option<&'a TargetDiff>,
        old_run: &'a str,
    ) -> TargetView<'a> {
        let mut counts = SeverityCounts::default();
        for finding in &target.findings {
            counts.add(finding.severity);
        }
        TargetView {
            target,
            name: &target.name,
            slug,
            url: &target.url,
            url_href: http_href(&target.url),
            jurisdiction: jurisdiction(target.jurisdiction),
            engine: target.engine.as_str(),
            failed: target.status == TargetStatus::Failed,
            error: target.error.as_deref(),
            pages: &target.crawl.pages,
            requests: target.crawl.requests,
            crawl_time: duration::human((target.crawl.duration_ms / 1000) as i64),
            stopped: target.crawl.stopped.map(|stop| match stop {
                CrawlStop::Interrupted => "the run was interrupted",
                CrawlStop::TargetTimeout => "the portal used up its time (target_timeout_secs)",
            }),
            counts: sev_counts(&counts),
            findings_total: target.findings.len(),
            worst: worst(&target.findings),
            bar: bar(&counts, widest),
            findings: FindingGroup::all(&target.findings),
            charter: CharterView::of(&target.charter),
            observed: target
                .observed
                .iter()
                .map(|c| CookieView::of(c, &target.findings))
                .collect(),
            third_party: target
                .observed
                .iter()
                .filter(|c| c.party == Party::Third)
                .count(),
            storage: &target.storage,
            changes: diff.map(|d| TargetChanges::of(d, old_run)),
            consent: target.consent.as_ref().map(ConsentView::of),
        }
    }
}

#[derive(Serialize)]
struct ConsentView<'a> {
    phases: Vec<PhaseView<'a>>,
    /// The phases whose button was not clicked, in words: those phases were not crawled, so
    /// the report says nothing about what those choices do.
    not_clicked: Vec<&'static str>,
}

/// One consent phase as the report shows it: what was done, whether it worked, what it cost.
#[derive(Serialize)]
struct PhaseView<'a> {
    /// `none`, `reject`, `accept`: the word the JSON and the cookie table's phase stand for.
    key: &'static str,
    /// The phase in words, as the cookie table says it.
    label: &'static str,
    /// The CSS selector of the button clicked first; none for the no-interaction phase.
    selector: Option<&'a str>,
    clicked: bool,
    pages: u32,
    error: Option<&'a str>,
}

impl<'a> ConsentView<'a> {
    fn of(consent: &'a ConsentReport) -> ConsentView<'a> {
        let phases: Vec<PhaseView<'a>> = consent
            .phases
            .iter()
            .map(|outcome| {
                let (key, label, selector) = match outcome.phase {
                    // The same words as the cookie table's phase column.
                    Phase::None => ("none", "before consent", None),
                    Phase::Reject => ("reject", "after refusal", Some(consent.reject.as_str())),
                    Phase::Accept => ("accept", "after consent", Some(consent.accept.as_str())),
                };
                PhaseView {
                    key,
                    label,
                    selector,
                    clicked: outcome.clicked,
                    pages: outcome.pages,
                    error: outcome.error.as_deref(),
                }
            })
            .collect();
        let not_clicked = phases
            .iter()
            .filter(|p| p.selector.is_some() && !p.clicked)
            .map(|p| p.label)
            .collect();
        ConsentView {
            phases,
            not_clicked,
        }
    }
}

#[derive(Serialize)]
struct BarSegment {
    key: &'static str,
    x: String,
    width: String,
}

/// The stacked bar of findings by severity, scaled to the portal with most findings so that
/// bars compare across portals.
fn bar(counts: &SeverityCounts, widest: usize) -> Vec<BarSegment> {
    let mut x = 0.0;
    let mut segments = Vec::new();
    for severity in Sev::ORDER {
        let count = count_of(counts, severity);
        if count == 0 || widest == 0 {
            continue;
        }
        let width = 100.0 * f64::from(count) / widest as f64;
        segments.push(BarSegment {
            key: Sev::of(severity).key,
            x: format!("{x:.2}"),
            width: format!("{width:.2}"),
        });
        x += width;
    }
    segments
}

#[derive(Serialize)]
struct FindingGroup<'a> {
    sev: Sev,
    findings: Vec<FindingView<'a>>,
}

impl<'a> FindingGroup<'a> {
    /// Findings grouped by severity, high first, each group in report order.
    fn all(findings: &'a [Finding]) -> Vec<FindingGroup<'a>> {
        Sev::ORDER
            .iter()
            .map(|&severity| FindingGroup {
                sev: Sev::of(severity),
                findings: findings
                    .iter()
                    .filter(|f| f.severity == severity)
                    .map(|f| FindingView {
                        kind: f.kind.as_str(),
                        title: f.kind.title(),
                        cookie: f.cookie.as_deref(),
                        message: &f.message,
                        evidence: serde_json::to_string_pretty(&f.evidence)
                            .unwrap_or_else(|_| f.evidence.to_string()),
                    })
                    .collect(),
            })
            .filter(|group| !group.findings.is_empty())
            .collect()
    }
}

#[derive(Serialize)]
struct FindingView<'a> {
    kind: &'a str,
    title: &'a str,
    cookie: Option<&'a str>,
    message: &'a str,
    evidence: String,
}

#[derive(Serialize)]
struct CharterView<'a> {
    source: Option<&'a str>,
    source_href: Option<&'a str>,
    status: &'static str,
    parsed: bool,
    error: Option<&'a str>,
    portal_url: Option<&'a str>,
    portal_href: Option<&'a str>,
    declared: Vec<DeclarationView<'a>>,
}

impl<'a> CharterView<'a> {
    fn of(charter: &'a Charter) -> CharterView<'a> {
        CharterView {
            source: charter.source.as_deref(),
            source_href: charter.source.as_deref().and_then(http_href),
            status: charter_status(charter.status),
            parsed: charter.status == CharterStatus::Parsed,
            error: charter.error.as_deref(),
            portal_url: charter.portal_url.as_deref(),
            portal_href: charter.portal_url.as_deref().and_then(http_href),
            declared: charter
                .declared
                .iter()
                .map(|d| DeclarationView {
                    name: &d.name,
                    match_kind: match d.match_kind {
                        MatchKind::Exact => "exact",
                        MatchKind::Prefix => "prefix",
                        MatchKind::Pattern => "pattern",
                    },
                    category: Category::as_str(d.category),
                    duration: d.duration.as_deref(),
                    duration_seconds: d.duration_seconds,
                    understood: duration_in_words(d),
                    provider: &d.provider,
                    service: &d.service,
                    purpose: &d.purpose,
                })
                .collect(),
        }
    }
}

#[derive(Serialize)]
struct DeclarationView<'a> {
    name: &'a str,
    match_kind: &'static str,
    category: &'static str,
    duration: Option<&'a str>,
    duration_seconds: Option<u64>,
    understood: Option<String>,
    provider: &'a str,
    service: &'a str,
    purpose: &'a str,
}

#[derive(Serialize)]
struct CookieView<'a> {
    name: &'a str,
    domain: &'a str,
    path: &'a str,
    party: &'static str,
    source: &'static str,
    phase: &'static str,
    lifetime: String,
    /// Sort key: session cookies before any persistent one.
    lifetime_sort: i64,
    secure: bool,
    http_only: bool,
    same_site: Option<&'static str>,
    declared_as: Option<&'a str>,
    first_seen_on: &'a str,
    set_by: &'a str,
    seen_on_pages: u32,
    blocked: Option<&'a str>,
    /// Only with `--record-values`.
    value: Option<&'a str>,
    worst: Option<Sev>,
}

impl<'a> CookieView<'a> {
    fn of(cookie: &'a ObservedCookie, findings: &[Finding]) -> CookieView<'a> {
        let attributes = &cookie.attributes;
        let own = findings
            .iter()
            .filter(|f| f.cookie.as_deref() == Some(cookie.name.as_str()));
        CookieView {
            name: &cookie.name,
            domain: &cookie.domain,
            path: &cookie.path,
            party: party(cookie.party),
            source: match cookie.source {
                CookieSource::Http => "header",
                CookieSource::Javascript => "script",
            },
            phase: match cookie.phase {
                // The crawl never answers the banner in phase `none`: nothing was consented to.
                Phase::None => "before consent",
                Phase::Reject => "after refusal",
                Phase::Accept => "after consent",
            },
            lifetime: lifetime(attributes.session, attributes.lifetime_seconds),
            lifetime_sort: if attributes.session {
                -1
            } else {
                attributes.lifetime_seconds.unwrap_or(-1)
            },
            secure: attributes.secure,
            http_only: attributes.http_only,
            same_site: attributes.same_site.map(|s| match s {
                SameSite::Strict => "Strict",
                SameSite::Lax => "Lax",
                SameSite::None => "None",
            }),
            declared_as: cookie.declared_as.as_deref(),
            first_seen_on: &cookie.first_seen_on,
            set_by: &cookie.set_by,
            seen_on_pages: cookie.seen_on_pages,
            blocked: cookie.blocked.as_deref(),
            value: cookie.value.as_deref(),
            worst: worst(own),
        }
    }
}

/// How long an observed cookie asked to live: "session", "13 months", or "expired at once" for
/// a cookie set in order to delete it.
fn lifetime(session: bool, seconds: Option<i64>) -> String {
    match seconds {
        Some(s) if !session && s > 0 => duration::human(s),
        Some(_) if !session => "expired at once".to_string(),
        _ => "session".to_string(),
    }
}

/// The declared duration in words, when they say more than the charter's own: "13 mois" gets
/// "13 months", "Session" gets nothing.
fn duration_in_words(declaration: &Declaration) -> Option<String> {
    let words = declared_lifetime(declaration.duration_seconds?);
    let written = declaration.duration.as_deref().unwrap_or("").trim();
    (!written.eq_ignore_ascii_case(&words)).then_some(words)
}

/// A declared duration in words; charters write `0` for session cookies.
fn declared_lifetime(seconds: u64) -> String {
    match i64::try_from(seconds) {
        Ok(0) => "session".to_string(),
        Ok(s) => duration::human(s),
        Err(_) => "forever".to_string(),
    }
}

#[derive(Serialize)]
struct TargetChanges<'a> {
    old_run: &'a str,
    added: bool,
    status: Option<&'a [String; 2]>,
    charter_status: Option<&'a [String; 2]>,
    cookies_appeared: &'a [CookieKey],
    cookies_vanished: &'a [CookieKey],
    cookies_changed: Vec<CookieChangeView<'a>>,
    declarations_added: &'a [String],
    declarations_removed: &'a [String],
    findings_opened: Vec<FindingKeyView<'a>>,
    findings_closed: Vec<FindingKeyView<'a>>,
}

impl<'a> TargetChanges<'a> {
    fn of(diff: &'a TargetDiff, old_run: &'a str) -> TargetChanges<'a> {
        let keys = |list: &'a [FindingKey]| -> Vec<FindingKeyView<'a>> {
            list.iter()
                .map(|k| FindingKeyView {
                    sev: Sev::of(k.severity),
                    kind: k.kind.as_str(),
                    title: k.kind.title(),
                    cookie: k.cookie.as_deref(),
                    message: &k.message,
                })
                .collect()
        };
        TargetChanges {
            old_run,
            added: diff.added,
            status: diff.status.as_ref(),
            charter_status: diff.charter_status.as_ref(),
            cookies_appeared: &diff.cookies_appeared,
            cookies_vanished: &diff.cookies_vanished,
            cookies_changed: diff
                .cookies_changed
                .iter()
                .map(|c| CookieChangeView {
                    key: &c.key,
                    changes: c
                        .changes
                        .iter()
                        .map(|f| FieldChangeView {
                            field: field_name(&f.field),
                            old: field_value(&f.field, &f.old),
                            new: field_value(&f.field, &f.new),
                        })
                        .collect(),
                })
                .collect(),
            declarations_added: &diff.declarations_added,
            declarations_removed: &diff.declarations_removed,
            findings_opened: keys(&diff.findings_opened),
            findings_closed: keys(&diff.findings_closed),
        }
    }
}

#[derive(Serialize)]
struct CookieChangeView<'a> {
    key: &'a CookieKey,
    changes: Vec<FieldChangeView<'a>>,
}

#[derive(Serialize)]
struct FieldChangeView<'a> {
    field: &'a str,
    old: String,
    new: String,
}

#[derive(Serialize)]
struct FindingKeyView<'a> {
    sev: Sev,
    kind: &'a str,
    title: &'a str,
    cookie: Option<&'a str>,
    message: &'a str,
}

/// A field of `observed[]` as the cookie tables name it.
fn field_name(field: &str) -> &str {
    match field {
        "lifetime_seconds" => "lifetime",
        "secure" => "Secure",
        "http_only" => "HttpOnly",
        "same_site" => "SameSite",
        "declared_as" => "declared as",
        other => other,
    }
}

/// A changed field's value as a person reads it: lifetimes in words, null as "none".
fn field_value(field: &str, value: &Json) -> String {
    match value {
        Json::Number(n) if field == "lifetime_seconds" => match n.as_i64() {
            Some(s) => lifetime(false, Some(s)),
            None => n.to_string(),
        },
        Json::Null if field == "lifetime_seconds" => "session".to_string(),
        Json::Null => "none".to_string(),
        Json::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn party(party: Party) -> &'static str {
    match party {
        Party::First => "first",
        Party::Third => "third",
    }
}

fn jurisdiction(jurisdiction: crate::types::Jurisdiction) -> &'static str {
    use crate::types::Jurisdiction;
    match jurisdiction {
        Jurisdiction::Eu => "EU (ePrivacy)",
        Jurisdiction::Be => "Belgium (APD)",
        Jurisdiction::Fr => "France (CNIL)",
    }
}

fn charter_status(status: CharterStatus) -> &'static str {
    match status {
        CharterStatus::Parsed => "parsed",
        CharterStatus::NotFound => "not found",
        CharterStatus::Unreachable => "unreachable",
        CharterStatus::Unparsed => "unreadable",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// A payload that would run script if it reached the page unescaped, tagged with the field
    /// it goes into so that each field is checked on its own.
    fn payload(field: &str) -> String {
        format!("<script>alert('{field}')</script>\"><img src=x onerror=alert('{field}')>")
    }

    fn escaped(text: &str) -> String {
        minijinja::HtmlEscape(text).to_string()
    }

    fn observed(name: &str, extra: Json) -> Json {
        let mut cookie = json!({
            "name": name, "domain": "example.org", "host_only": true, "path": "/",
            "party": "first", "source": "http", "phase": "none",
            "secure": true, "http_only": true, "same_site": "Lax",
            "session": false, "lifetime_seconds": 33_696_000,
            "value_length": 8, "set_by": "https://example.org/", "first_seen_on": "https://example.org/",
            "seen_on_pages": 1, "declared_as": null, "blocked": null, "variants": []
        });
        merge(&mut cookie, extra);
        cookie
    }

    fn target(name: &str, extra: Json) -> Json {
        let mut target = json!({
            "name": name, "url": "https://example.org/", "jurisdiction": "be", "engine": "http",
            "status": "audited", "error": null,
            "charter": {"source": "https://example.org/cookies", "status": "parsed", "error": null,
                        "portal_url": null, "declared": []},
            "crawl": {"pages": [], "requests": 3, "duration_ms": 1200, "subresources": 0},
            "observed": [], "storage": [], "malformed_set_cookies": [], "findings": []
        });
        merge(&mut target, extra);
        target
    }

    fn report(targets: Vec<Json>, changes: Json) -> Report {
        let mut report: Report = serde_json::from_value(json!({
            "schema_version": 1,
            "tool": {"name": "cookie-audit", "version": "0.1.0"},
            "run": {"id": "20261124T113550Z", "started_at": "2026-11-24T11:35:50Z",
                    "finished_at": "2026-11-24T11:37:50Z", "engine": "http", "partial": false},
            "targets": targets,
            "totals": {"targets": 0, "audited": 0, "failed": 0,
                       "findings": {"high": 0, "medium": 0, "low": 0, "info": 0}},
            "changes": changes,
        }))
        .expect("a valid report");
        report.totals = crate::types::Totals::of(&report.targets);
        report
    }

    fn merge(base: &mut Json, extra: Json) {
        if let (Some(base), Json::Object(extra)) = (base.as_object_mut(), extra) {
            base.extend(extra);
        }
    }

    /// The part of the page from `id="<id>"` to the end of that section.
    fn section<'h>(html: &'h str, id: &str) -> &'h str {
        let start = html
            .find(&format!("id=\"{id}\""))
            .unwrap_or_else(|| panic!("no section {id}"));
        let end = html[start..].find("</section>").expect("section end") + start;
        &html[start..end]
    }

    fn hostile_report() -> Report {
        let p = payload;
        let cookie = observed(
            &p("cookie-name"),
            json!({"domain": p("cookie-domain"), "path": p("cookie-path"),
                   "set_by": p("set-by"), "first_seen_on": p("first-seen-on"),
                   "declared_as": p("declared-as"), "blocked": p("blocked")}),
        );
        let audited = target(
            &p("target-name"),
            json!({
                "url": p("target-url"),
                "charter": {"source": "javascript:alert(1)", "status": "unparsed",
                            "error": p("charter-error"), "portal_url": " JavaScript:alert(2)",
                            "declared": [{"name": p("decl-name"), "match": "exact",
                                          "provider": p("decl-provider"), "service": p("decl-service"),
                                          "purpose": p("decl-purpose"), "category": "necessary",
                                          "duration": p("decl-duration"), "duration_seconds": null}]},
                "crawl": {"pages": [{"url": p("page-url"), "status": 200, "depth": 0, "error": p("page-error"),
                                     "final_url": null, "redirects": 0, "bytes": 1, "truncated": false}],
                          "requests": 1, "duration_ms": 1, "subresources": 0},
                "observed": [cookie.clone()],
                "storage": [{"origin": p("storage-origin"), "kind": "local", "key": p("storage-key"),
                             "value_length": 1, "set_by": p("storage-set-by"), "phase": "none"}],
                "consent": {"accept": p("consent-accept"), "reject": p("consent-reject"),
                            "phases": [{"phase": "none", "clicked": false, "error": null, "pages": 1},
                                       {"phase": "reject", "clicked": false,
                                        "error": p("consent-error"), "pages": 0},
                                       {"phase": "accept", "clicked": true, "error": null,
                                        "pages": 0}]},
                "findings": [{"kind": "set_without_consent", "severity": "high", "cookie": p("cookie-name"),
                              "message": p("finding-message"),
                              "evidence": {"cookie": cookie, "note": p("evidence")}},
                             {"kind": p("finding-kind"), "severity": "low", "cookie": null,
                              "message": "m", "evidence": null}]
            }),
        );
        let failed = target(
            "failed",
            json!({"status": "failed", "error": p("target-error"), "url": "javascript:alert(3)"}),
        );
        let key = json!({"name": p("appeared"), "domain": "d", "path": "/", "party": "third"});
        report(
            vec![audited, failed],
            json!({"old_run": p("old-run"), "new_run": "n", "changed": true, "targets": [{
                "name": p("target-name"), "added": false, "removed": false, "status": null,
                "charter_status": [p("old-status"), "unparsed"],
                "cookies_appeared": [key], "cookies_vanished": [],
                "cookies_changed": [{"name": "c", "domain": "d", "path": "/", "party": "first",
                                     "changes": [{"field": p("field"), "old": p("old-value"), "new": 1}]}],
                "declarations_added": [p("declaration-added")], "declarations_removed": [],
                "findings_opened": [{"kind": "undeclared", "cookie": "c", "severity": "high",
                                     "message": p("opened")}],
                "findings_closed": []
            }, {
                "name": p("gone"), "added": false, "removed": true, "status": null,
                "charter_status": null, "cookies_appeared": [], "cookies_vanished": [],
                "cookies_changed": [], "declarations_added": [], "declarations_removed": [],
                "findings_opened": [], "findings_closed": []
            }]}),
        )
    }

    #[test]
    fn every_string_from_the_web_is_escaped() {
        let html = render(&hostile_report()).expect("renders");
        let fields = [
            "cookie-name",
            "cookie-domain",
            "cookie-path",
            "set-by",
            "first-seen-on",
            "declared-as",
            "blocked",
            "target-name",
            "target-url",
            "charter-error",
            "decl-name",
            "decl-provider",
            "decl-service",
            "decl-purpose",
            "decl-duration",
            "page-url",
            "page-error",
            "storage-origin",
            "storage-key",
            "storage-set-by",
            "consent-accept",
            "consent-reject",
            "consent-error",
            "finding-message",
            "finding-kind",
            "target-error",
            "old-run",
            "old-status",
            "appeared",
            "field",
            "old-value",
            "declaration-added",
            "opened",
            "gone",
        ];
        for field in fields {
            let raw = payload(field);
            assert!(!html.contains(&raw), "{field} is in the page unescaped");
            assert!(
                html.contains(&escaped(&raw)),
                "{field} is missing from the page"
            );
        }
        // Evidence goes through JSON first: its quotes are backslashed, its markup still escaped.
        assert!(html.contains("&lt;script&gt;alert(&#x27;evidence&#x27;)&lt;&#x2f;script&gt;"));
        assert!(!html.contains("<script>alert("));
        assert!(!html.contains("<img"), "no injected element at all");
        assert_eq!(html.matches("<script").count(), 1, "only our own script");
    }

    #[test]
    fn only_http_urls_become_links() {
        let html = render(&hostile_report()).expect("renders");
        for href in html.split("href=\"").skip(1) {
            assert!(
                href.starts_with('#') || href.starts_with("http:") || href.starts_with("https:"),
                "unexpected link: {}",
                &href[..href.len().min(40)]
            );
        }
        assert!(
            html.contains("javascript:alert(1)"),
            "the source is still shown, as text"
        );
        assert!(!html.to_ascii_lowercase().contains("href=\"javascript"));

        let mut safe = hostile_report();
        safe.targets[0].charter.source = Some("https://example.org/cookies".into());
        let html = render(&safe).expect("renders");
        assert!(html.contains("href=\"https:&#x2f;&#x2f;example.org&#x2f;cookies\""));
    }

    #[test]
    fn anchors_are_unique_even_when_names_slug_alike() {
        let names = ["a.b", "a-b", "A B", "a-b-2", "été", "—"];
        let report = report(
            names.iter().map(|n| target(n, json!({}))).collect(),
            Json::Null,
        );
        let html = render(&report).expect("renders");
        let ids: Vec<&str> = html
            .split("<section class=\"target")
            .skip(1)
            .filter_map(|s| s.split("id=\"").nth(1)?.split('"').next())
            .collect();
        assert_eq!(
            ids,
            [
                "target-a-b",
                "target-a-b-2",
                "target-a-b-3",
                "target-a-b-2-2",
                "target-t",
                "target-portal"
            ]
        );
        for id in &ids {
            assert!(
                id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'),
                "{id}"
            );
            assert!(
                html.contains(&format!("href=\"#{id}\"")),
                "overview links to {id}"
            );
        }
    }

    #[test]
    fn a_failed_target_shows_why() {
        let failed = target(
            "down.example",
            json!({"status": "failed", "error": "DNS lookup failed: down.example"}),
        );
        let html = render(&report(vec![failed], Json::Null)).expect("renders");
        let section = section(&html, "target-down-example");
        assert!(section.contains("role=\"alert\""), "{section}");
        assert!(section.contains("could not be audited:</strong> DNS lookup failed: down.example"));
        assert!(
            !section.contains("Cookies observed"),
            "no empty tables for a failed target"
        );
    }

    #[test]
    fn nothing_is_fetched_when_the_page_is_opened() {
        let mut report = hostile_report();
        report.targets[0].charter.source = Some("https://example.org/cookies".into());
        let html = render(&report).expect("renders");
        let mut links = 0;
        assert!(
            html.contains("content=\"default-src &#x27;none&#x27;;"),
            "a CSP that blocks fetches"
        );
        let script = html.find("<script>").expect("our script");
        // Outside our script every '<' opens a tag, since text has its '<' escaped.
        for tag in html[..script].split('<').skip(1) {
            let tag = &tag[..tag.find('>').unwrap_or(tag.len())];
            let name = tag.split([' ', '>']).next().unwrap_or("");
            assert!(
                ![
                    "img", "link", "iframe", "object", "embed", "base", "video", "audio", "source"
                ]
                .contains(&name),
                "<{tag}>"
            );
            let decoded = tag.replace("&#x2f;", "/");
            let url = decoded.contains("://") || decoded.contains("\"//");
            links += usize::from(name == "a" && url);
            assert!(name == "a" || !url, "fetches on open: <{tag}>");
        }
        assert!(
            links > 0,
            "links to the web are fine: clicking is not opening"
        );
        assert!(!html.contains("@import"));
        assert!(!html.contains("url("), "no CSS url() at all");
    }

    #[test]
    fn the_script_is_the_one_the_csp_allows() {
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
        assert_eq!(base64(b"fooba"), "Zm9vYmE=");
        assert_eq!(base64(b"foob"), "Zm9vYg==");
        // FIPS 180-2's test vector.
        assert_eq!(
            sha256_base64(b"abc").as_deref(),
            Some("ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=")
        );
        let html = render(&report(vec![], Json::Null)).expect("renders");
        assert!(
            html.contains(&format!("<script>{SCRIPT}</script>")),
            "script verbatim"
        );
        let hash = sha256_base64(SCRIPT.as_bytes()).expect("hash");
        assert!(html.contains(&escaped(&format!("script-src 'sha256-{hash}';"))));
    }

    #[test]
    fn an_empty_run_still_renders() {
        let html = render(&report(vec![], Json::Null)).expect("renders");
        assert!(html.contains("This run has no portals."));
        assert!(html.contains("No portal could be audited"));
        assert!(html.contains("<title>Cookie audit — run 20261124T113550Z</title>"));
        assert!(!html.contains("Changes since run"));
    }

    #[test]
    fn changes_are_shown_in_their_target() {
        let html = render(&hostile_report()).expect("renders");
        let section = section(
            &html,
            "target-script-alert-target-name-script-img-src-x-onerror-alert-target-name",
        );
        assert!(section.contains("Changes since run"), "{section}");
        assert!(section.contains("Cookies appeared (1)"));
        assert!(section.contains("Declarations added to the charter"));
        assert!(section.contains("Findings opened (1)"));
        let header = &html[..html.find("<main>").expect("main")];
        assert!(
            header.contains("No longer in this run"),
            "a portal gone since: {header}"
        );

        let mut lifetimes = hostile_report();
        let changes = lifetimes.changes.as_mut().expect("changes");
        changes.targets[0].cookies_changed[0].changes[0] = crate::types::FieldChange {
            field: "lifetime_seconds".into(),
            old: json!(33_696_000),
            new: Json::Null,
        };
        let html = render(&lifetimes).expect("renders");
        assert!(html.contains("lifetime 13 months → <strong>session</strong>"));
    }

    #[test]
    fn consent_table_lists_cookies_set_without_consent_and_where() {
        let cookie = observed(
            "_ga",
            json!({"set_by": "https://gtm.example/gtag.js", "first_seen_on": "https://a.example/page"}),
        );
        let other = observed("csrftoken", json!({}));
        let a = target(
            "a.example",
            json!({"observed": [cookie.clone(), other.clone()], "findings": [
                {"kind": "set_without_consent", "severity": "high", "cookie": "_ga",
                 "message": "m", "evidence": {"cookie": cookie}},
                {"kind": "insecure_attributes", "severity": "low", "cookie": "csrftoken",
                 "message": "m", "evidence": {"cookie": other}},
            ]}),
        );
        let html = render(&report(vec![a], Json::Null)).expect("renders");
        let table = section(&html, "without-consent");
        assert!(
            table.contains("<a href=\"#target-a-example\">a.example</a>"),
            "{table}"
        );
        assert!(table.contains("<code>_ga</code>"));
        assert!(table.contains("https:&#x2f;&#x2f;gtm.example&#x2f;gtag.js"));
        assert!(table.contains("https:&#x2f;&#x2f;a.example&#x2f;page"));
        assert!(
            !table.contains("csrftoken"),
            "only set_without_consent findings"
        );
        let overview = section(&html, "overview");
        assert!(overview.contains("<span class=\"badge sev-high\">High</span>"));
    }

    #[test]
    fn findings_are_grouped_high_first() {
        let finding = |severity: &str, message: &str| {
            json!({"kind": "undeclared", "severity": severity, "cookie": "c", "message": message,
                   "evidence": {}})
        };
        let t = target(
            "t",
            json!({"findings": [finding("info", "INFO-1"), finding("high", "HIGH-1"),
                                finding("low", "LOW-1"), finding("high", "HIGH-2")]}),
        );
        let html = render(&report(vec![t], Json::Null)).expect("renders");
        let at = |needle: &str| html.find(needle).unwrap_or_else(|| panic!("{needle}"));
        assert!(
            at("HIGH-1") < at("HIGH-2") && at("HIGH-2") < at("LOW-1") && at("LOW-1") < at("INFO-1")
        );
        assert!(html.contains("2 high-severity findings"));
    }

    #[test]
    fn lifetimes_read_as_people_say_them() {
        assert_eq!(lifetime(true, None), "session");
        assert_eq!(lifetime(false, Some(33_696_000)), "13 months");
        assert_eq!(lifetime(false, Some(0)), "expired at once");
        assert_eq!(declared_lifetime(0), "session");
        assert_eq!(
            field_value("lifetime_seconds", &json!(63_072_000)),
            "2 years"
        );
        assert_eq!(field_value("same_site", &Json::Null), "none");
    }

    #[test]
    fn bars_compare_across_targets() {
        let counts = SeverityCounts {
            high: 2,
            medium: 0,
            low: 1,
            info: 0,
        };
        let bar = bar(&counts, 6);
        let parts: Vec<(&str, &str, &str)> = bar
            .iter()
            .map(|s| (s.key, s.x.as_str(), s.width.as_str()))
            .collect();
        assert_eq!(
            parts,
            [("high", "0.00", "33.33"), ("low", "33.33", "16.67")]
        );
    }

    #[test]
    fn consent_phases_are_shown_escaped_and_only_when_they_ran() {
        let hostile = "<script>alert(1)</script>";
        let consent = json!({
            "accept": "#banner .yes", "reject": "button[data-consent=\"refuse\"]",
            "phases": [
                {"phase": "none", "clicked": false, "error": null, "pages": 3},
                {"phase": "reject", "clicked": false, "error": hostile, "pages": 2},
                {"phase": "accept", "clicked": true, "error": null, "pages": 4},
            ]
        });
        let page = |phase: &str| {
            json!({"url": format!("https://example.org/{phase}"), "status": 200, "depth": 0,
                   "error": null, "final_url": null, "redirects": 0, "bytes": 1,
                   "truncated": false, "phase": phase})
        };
        let with = target(
            "with.example",
            json!({"engine": "browser", "consent": consent,
                   "crawl": {"pages": [page("none"), page("reject"), page("accept")],
                             "requests": 9, "duration_ms": 1, "subresources": 0}}),
        );
        let without = target(
            "without.example",
            json!({"crawl": {"pages": [page("none")], "requests": 1, "duration_ms": 1,
                             "subresources": 0}}),
        );
        // A report written without phases has no `phase` on its pages at all.
        let mut report = report(vec![with, without], Json::Null);
        report.targets[1].crawl.pages[0].phase = None;
        let html = render(&report).expect("renders");

        let section_with = section(&html, "target-with-example");
        assert!(
            section_with.contains("<h3>Consent phases</h3>"),
            "{section_with}"
        );
        let block = &section_with[section_with.find("Consent phases").unwrap()..];
        let block = &block[..block.find("</table>").unwrap()];
        let rows: Vec<&str> = block.split("<tr>").skip(2).collect();
        assert_eq!(rows.len(), 3, "{block}");
        assert!(rows[0].contains("before consent <span class=\"muted\">(none)</span>"));
        assert!(rows[0].contains("<td class=\"num\">3</td>"));
        assert!(rows[1].contains("after refusal"));
        assert!(rows[1].contains("<code>button[data-consent=&quot;refuse&quot;]</code>"));
        assert!(
            rows[1].contains("<strong>no</strong>"),
            "not clicked: {}",
            rows[1]
        );
        assert!(rows[1].contains(&escaped(hostile)), "{}", rows[1]);
        assert!(rows[2].contains("after consent"));
        assert!(rows[2].contains("<td>yes</td>"));
        assert!(rows[2].contains("<td class=\"num\">4</td>"));
        assert!(
            section_with.contains("Button not clicked (after refusal): that phase was not crawled"),
            "a phase whose button was not clicked is flagged: {section_with}"
        );
        assert!(!html.contains(hostile), "the error is escaped");
        assert_eq!(html.matches("<script").count(), 1, "only our own script");
        // The pages table says which phase each page was visited in.
        assert!(section_with.contains("<th>Phase</th><th>Problem</th>"));
        assert!(section_with.contains("<td>reject</td>"));

        let section_without = section(&html, "target-without-example");
        assert!(
            !section_without.contains("Consent phases"),
            "{section_without}"
        );
        assert!(!section_without.contains("<th>Phase</th><th>Problem</th>"));
        assert!(!section_without.contains("Button not clicked"));
    }

    #[test]
    fn a_run_where_nothing_was_audited_claims_nothing_about_consent() {
        let report: Report = serde_json::from_value(serde_json::json!({
            "schema_version": 1,
            "tool": {"name": "cookie-audit", "version": "0.1.0"},
            "run": {"id": "r", "started_at": "2026-11-24T10:00:00Z",
                    "finished_at": "2026-11-24T10:00:01Z", "engine": "http", "partial": false},
            "targets": [],
            "totals": {"targets": 1, "audited": 0, "failed": 1,
                       "findings": {"high": 0, "medium": 0, "low": 0, "info": 0}}
        }))
        .unwrap();
        let html = render(&report).unwrap();
        assert!(html.contains("No portal could be audited"));
        assert!(!html.contains("No audited portal set a cookie"));
    }
}
