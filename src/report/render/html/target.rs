//! One portal's section of the page: its crawl, findings, charter, cookies and consent phases.

use std::path::Path;

use serde::Serialize;

use super::changes::TargetChanges;
use super::chart::HistoryChart;
use super::consent::ConsentView;
use super::grid::ConsentGrid;
use super::severity::{BarSegment, SeverityStyle, SeverityTally, bar, severity_tallies, worst};
use super::words::{charter_status, duration_in_words, http_href, jurisdiction, lifetime, party};
use crate::duration;
use crate::report::history::HistoryPoint;

use crate::types::{
    Category, Charter, CharterStatus, CookieCount, CookieSource, CrawlStop, EngineLimits, Finding,
    MatchKind, ObservedCookie, Page, Phase, RefusedRequest, SameSite, SeverityCounts, StorageEntry,
    TargetDiff, TargetReport, TargetStatus,
};

#[derive(Serialize)]
pub(super) struct TargetView<'a> {
    #[serde(skip)]
    pub(super) target: &'a TargetReport,
    name: &'a str,
    pub(super) slug: String,
    url: &'a str,
    url_href: Option<&'a str>,
    jurisdiction: &'static str,
    engine: &'static str,
    failed: bool,
    error: Option<&'a str>,
    pages: &'a [Page],
    /// Requests refused for leading to internal addresses, and how many there were.
    refused: &'a [RefusedRequest],
    refused_count: u64,
    requests: u64,
    crawl_time: String,
    /// Why the crawl ended early, in words, if it did.
    stopped: Option<&'static str>,
    counts: Vec<SeverityTally>,
    findings_total: usize,
    worst: Option<SeverityStyle>,
    bar: Vec<BarSegment>,
    findings: Vec<FindingGroup<'a>>,
    charter: CharterView<'a>,
    observed: Vec<CookieView<'a>>,
    /// Distinct cookies (name, domain, path): one seen in several consent phases counts once.
    cookies: CookieCount,
    storage: &'a [StorageEntry],
    changes: Option<TargetChanges<'a>>,
    /// The overview's summary of `changes`; absent when the portal did not change.
    change_counts: Option<ChangeCounts>,
    /// How the consent phases went; absent when none ran.
    consent: Option<ConsentView<'a>>,
    /// Cookies against the consent phases they were set in; absent when no phases ran.
    grid: Option<ConsentGrid<'a>>,
    /// Findings over the earlier runs of the `--out` folder; absent without any.
    history: Option<HistoryChart>,
    /// What the engine could not observe (the HTTP engine), so that a cookie it did not see is
    /// not taken for one the portal does not set.
    engine_limits: Option<&'a EngineLimits>,
}

/// What the overview says of a portal's changes: findings opened and closed since the baseline.
#[derive(Serialize)]
struct ChangeCounts {
    opened: usize,
    closed: usize,
    /// The portal was not in the baseline run.
    added: bool,
}

impl<'a> TargetView<'a> {
    pub(super) fn of(
        target: &'a TargetReport,
        slug: String,
        widest: usize,
        diff: Option<&'a TargetDiff>,
        old_run: &'a str,
        assets: Option<&Path>,
        history: &[HistoryPoint],
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
            refused: &target.crawl.refused,
            refused_count: target.crawl.refused_count,
            requests: target.crawl.requests,
            crawl_time: duration::human((target.crawl.duration_ms / 1000) as i64),
            stopped: target.crawl.stopped.map(|stop| match stop {
                CrawlStop::Interrupted => "the run was interrupted",
                CrawlStop::TargetTimeout => "the portal used up its time (target_timeout_secs)",
            }),
            counts: severity_tallies(&counts),
            findings_total: target.findings.len(),
            worst: worst(&target.findings),
            bar: bar(&counts, widest),
            findings: FindingGroup::all(&target.findings),
            charter: CharterView::of(&target.charter),
            engine_limits: target.engine_limits.as_ref(),
            observed: target
                .observed
                .iter()
                .map(|c| CookieView::of(c, &target.findings))
                .collect(),
            cookies: target.distinct_cookies(),
            storage: &target.storage,
            changes: diff.map(|d| TargetChanges::of(d, old_run)),
            change_counts: diff.map(|d| ChangeCounts {
                opened: d.findings_opened.len(),
                closed: d.findings_closed.len(),
                added: d.added,
            }),
            consent: target
                .consent
                .as_ref()
                .map(|consent| ConsentView::of(consent, assets)),
            grid: target
                .consent
                .as_ref()
                .filter(|_| target.status == TargetStatus::Audited)
                .map(|consent| ConsentGrid::of(target, consent)),
            history: HistoryChart::of(history),
        }
    }
}

#[derive(Serialize)]
struct FindingGroup<'a> {
    sev: SeverityStyle,
    findings: Vec<FindingView<'a>>,
}

impl<'a> FindingGroup<'a> {
    /// Findings grouped by severity, high first, each group in report order.
    fn all(findings: &'a [Finding]) -> Vec<FindingGroup<'a>> {
        SeverityStyle::ORDER
            .iter()
            .map(|&severity| FindingGroup {
                sev: SeverityStyle::of(severity),
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
    worst: Option<SeverityStyle>,
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
                Phase::Gpc => "with Global Privacy Control",
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
