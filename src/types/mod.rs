//! The types of `report.json`, schema version 1: the public contract of `DESIGN.md`.
//!
//! Field names here are what scripts depend on. Fields may be added; none may be renamed or
//! removed without raising [`SCHEMA_VERSION`]. Times are RFC 3339 UTC strings, durations whole
//! seconds. `docs/report-schema.md` describes the same shape for readers who do not read Rust.

use serde::{Deserialize, Serialize};

use crate::config::{Engine, Jurisdiction};
use crate::site::Party;

/// The version of this shape; raised on any incompatible change.
pub const SCHEMA_VERSION: u32 = 1;

/// One run of `cookie-audit audit`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// Always [`SCHEMA_VERSION`] for reports written by this version.
    pub schema_version: u32,
    /// The tool that wrote the report.
    pub tool: Tool,
    /// When and how the run happened.
    pub run: Run,
    /// One entry per audited (or failed) target, in `targets.toml` order.
    pub targets: Vec<TargetReport>,
    /// Counts over all targets.
    pub totals: Totals,
    /// What changed since a previous run (`audit --baseline` / `--against-latest`); absent
    /// otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub changes: Option<ReportDiff>,
}

/// What changed between two reports: `cookie-audit diff`, and `changes` in a report audited
/// against a baseline.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ReportDiff {
    /// The older run's id.
    pub old_run: String,
    /// The newer run's id.
    pub new_run: String,
    /// True when anything at all changed.
    pub changed: bool,
    /// One entry per target present in either report that changed, in the newer report's order
    /// (targets only in the older one last).
    pub targets: Vec<TargetDiff>,
}

/// What changed for one target.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TargetDiff {
    /// The target's name.
    pub name: String,
    /// Present only in the newer report.
    pub added: bool,
    /// Present only in the older report.
    pub removed: bool,
    /// `[old, new]` status words (`audited`, `failed`) when the status changed.
    pub status: Option<[String; 2]>,
    /// Why the target failed in the newer run, when its status changed to `failed`.
    #[serde(default)]
    pub error: Option<String>,
    /// `[old, new]` charter status words when the charter's status changed.
    pub charter_status: Option<[String; 2]>,
    /// Cookies set now that were not before.
    pub cookies_appeared: Vec<CookieKey>,
    /// Cookies set before that are not now.
    pub cookies_vanished: Vec<CookieKey>,
    /// Cookies set in both runs whose attributes or lifetime changed.
    pub cookies_changed: Vec<CookieChange>,
    /// Declaration names the charter gained.
    pub declarations_added: Vec<String>,
    /// Declaration names the charter lost.
    pub declarations_removed: Vec<String>,
    /// Findings present now and not before (identified by kind and cookie).
    pub findings_opened: Vec<FindingKey>,
    /// Findings present before and not now.
    pub findings_closed: Vec<FindingKey>,
}

/// A cookie's identity across runs.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct CookieKey {
    /// Name.
    pub name: String,
    /// Domain.
    pub domain: String,
    /// Path.
    pub path: String,
    /// First or third party.
    pub party: Party,
}

/// One cookie's attribute changes between runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CookieChange {
    /// Which cookie.
    #[serde(flatten)]
    pub key: CookieKey,
    /// What changed.
    pub changes: Vec<FieldChange>,
}

/// One field's old and new values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldChange {
    /// The field of `observed[]`, e.g. `lifetime_seconds`, `secure`.
    pub field: String,
    /// Its value in the older report.
    pub old: serde_json::Value,
    /// Its value in the newer report.
    pub new: serde_json::Value,
}

/// A finding's identity across runs, with what a reader needs to see.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FindingKey {
    /// Kind.
    pub kind: String,
    /// The cookie concerned, if any.
    pub cookie: Option<String>,
    /// Severity (in the report it comes from).
    pub severity: Severity,
    /// Message (in the report it comes from).
    pub message: String,
}

/// The tool that wrote the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tool {
    /// `cookie-audit`.
    pub name: String,
    /// The crate version, e.g. `0.1.0`.
    pub version: String,
}

impl Tool {
    /// This build of the tool.
    pub fn current() -> Tool {
        Tool {
            name: env!("CARGO_PKG_NAME").to_string(),
            version: env!("CARGO_PKG_VERSION").to_string(),
        }
    }
}

/// When and how the run happened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Run {
    /// The run's identifier, also the name of its folder under `reports/`.
    pub id: String,
    /// RFC 3339 UTC.
    pub started_at: String,
    /// RFC 3339 UTC.
    pub finished_at: String,
    /// `browser` when any target used the browser engine (the run needed Chromium), else `http`.
    pub engine: Engine,
    /// True when the run was interrupted and the report holds only what was done.
    pub partial: bool,
    /// The signal that interrupted the run (`SIGINT`, `SIGTERM`), when one did.
    #[serde(default)]
    pub interrupted_by: Option<String>,
    /// True when cookie values were recorded (`--record-values`): the report then holds them.
    #[serde(default)]
    pub values_recorded: bool,
}

/// Whether a target could be audited at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TargetStatus {
    /// Its start page answered; the rest of the entry is filled.
    Audited,
    /// Its start page could not be fetched (DNS, refused, TLS, timeout); `error` says why.
    Failed,
}

/// Everything learned about one target.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TargetReport {
    /// The target's unique name from `targets.toml`.
    pub name: String,
    /// Its start URL.
    pub url: String,
    /// Which consent rules apply (`eu`, `be`, `fr`).
    pub jurisdiction: Jurisdiction,
    /// The engine that crawled it.
    pub engine: Engine,
    /// Whether it could be audited.
    pub status: TargetStatus,
    /// Why it could not be audited, when `status` is `failed`.
    pub error: Option<String>,
    /// The published cookie charter and what it declares.
    pub charter: Charter,
    /// The pages visited and what it cost.
    pub crawl: Crawl,
    /// Every cookie set, one entry per (name, domain, path).
    pub observed: Vec<ObservedCookie>,
    /// `localStorage` / `sessionStorage` keys (browser engine only).
    pub storage: Vec<StorageEntry>,
    /// `Set-Cookie` headers that could not be parsed, kept verbatim (truncated).
    pub malformed_set_cookies: Vec<MalformedSetCookie>,
    /// What the audit found.
    pub findings: Vec<Finding>,
    /// How the consent phases went (browser engine with `consent` selectors); absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consent: Option<ConsentReport>,
}

/// The consent phases of one target: which buttons were clicked and whether that worked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsentReport {
    /// The CSS selector of the accept button.
    pub accept: String,
    /// The CSS selector of the reject button.
    pub reject: String,
    /// One entry per phase, in the order audited (`none`, `reject`, `accept`).
    pub phases: Vec<PhaseOutcome>,
}

/// One consent phase.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhaseOutcome {
    /// Which phase.
    pub phase: Phase,
    /// True when the phase's button was found and clicked (always false for `none`).
    pub clicked: bool,
    /// Why the button could not be clicked, or the phase not crawled.
    pub error: Option<String>,
    /// Pages visited in this phase.
    pub pages: u32,
}

/// Where the charter came from and what it declares.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Charter {
    /// The URL or file it was read from, if one was found.
    pub source: Option<String>,
    /// How far reading it got.
    pub status: CharterStatus,
    /// Why it is not `parsed`: what was tried and what went wrong, in one sentence.
    pub error: Option<String>,
    /// The portal the charter says it describes ("…sur la plateforme <https://…>"), if it names
    /// one: a charter copied from another portal names the other portal.
    pub portal_url: Option<String>,
    /// The cookies it declares, in charter order.
    pub declared: Vec<Declaration>,
}

impl Charter {
    /// A charter that was not found, and why.
    pub fn not_found(why: impl Into<String>) -> Charter {
        Charter {
            source: None,
            status: CharterStatus::NotFound,
            error: Some(why.into()),
            portal_url: None,
            declared: Vec::new(),
        }
    }
}

/// How far reading a charter got.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CharterStatus {
    /// Read, with at least one declared cookie.
    Parsed,
    /// No charter was found.
    NotFound,
    /// A charter was found but could not be fetched.
    Unreachable,
    /// Fetched, but no declared cookie could be read from it.
    Unparsed,
}

/// How a declaration's name is compared with cookie names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MatchKind {
    /// The cookie's name equals the declared name (case-sensitive).
    Exact,
    /// The declared name is a family stem such as `_ga_`.
    Prefix,
    /// The declared name has placeholders inside, such as `_pk_id.*.*`.
    Pattern,
}

/// The purpose category of a cookie.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Category {
    /// Strictly necessary for the service asked for.
    Necessary,
    /// Remembers choices; not strictly necessary.
    Functional,
    /// Audience measurement.
    Statistics,
    /// Advertising, tracking across sites.
    Marketing,
    /// Not said or not understood.
    Unknown,
}

impl Category {
    /// The word used in reports, e.g. `statistics`.
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Necessary => "necessary",
            Category::Functional => "functional",
            Category::Statistics => "statistics",
            Category::Marketing => "marketing",
            Category::Unknown => "unknown",
        }
    }
}

/// One cookie declared by a charter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Declaration {
    /// The name as written in the charter.
    pub name: String,
    /// Whether `name` is one cookie or a family.
    #[serde(rename = "match")]
    pub match_kind: MatchKind,
    /// Who sets it, e.g. `Opendatasoft`.
    pub provider: String,
    /// The service and where it runs.
    pub service: String,
    /// What it is for.
    pub purpose: String,
    /// The category the charter files it under.
    pub category: Category,
    /// The duration as written, e.g. `13 mois`.
    pub duration: Option<String>,
    /// The duration in seconds, when it could be read; `0` for a session cookie.
    pub duration_seconds: Option<u64>,
}

/// The crawl of one target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Crawl {
    /// Every page taken from the frontier, in the order they were taken.
    pub pages: Vec<Page>,
    /// HTTP requests sent, every redirect hop, sub-resource, robots.txt and sitemap included.
    pub requests: u64,
    /// Wall time of the crawl.
    pub duration_ms: u64,
    /// Sub-resources (images, scripts, frames, styles…) fetched once each to record their cookies.
    pub subresources: u64,
    /// Why the crawl ended before it had visited everything it meant to, if it did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stopped: Option<CrawlStop>,
}

/// Why a target's crawl ended early.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CrawlStop {
    /// The run was interrupted (SIGINT, SIGTERM).
    Interrupted,
    /// The target used up its `target_timeout_secs`.
    TargetTimeout,
}

/// One page taken from the frontier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Page {
    /// The URL as linked (normalised).
    pub url: String,
    /// The final HTTP status, after redirects; null when no response came.
    pub status: Option<u16>,
    /// Link distance from the start pages (sitemap URLs are at depth 1).
    pub depth: u32,
    /// Why the page could not be fetched whole, if so.
    pub error: Option<String>,
    /// Where redirects ended, when the page redirected.
    pub final_url: Option<String>,
    /// Redirect hops followed.
    pub redirects: u32,
    /// Body bytes read (after decompression).
    pub bytes: u64,
    /// True when the body was larger than the cap and was cut.
    pub truncated: bool,
    /// The consent phase the page was visited in (browser engine with consent phases only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phase: Option<Phase>,
}

/// How a cookie came to be set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CookieSource {
    /// A `Set-Cookie` response header.
    Http,
    /// A script (`document.cookie`, CookieStore API).
    Javascript,
}

/// The consent phase a cookie was seen in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Phase {
    /// No interaction with a consent banner.
    None,
    /// After refusing consent.
    Reject,
    /// After accepting.
    Accept,
}

/// The `SameSite` attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum SameSite {
    /// `SameSite=Strict`.
    Strict,
    /// `SameSite=Lax`.
    Lax,
    /// `SameSite=None`.
    None,
}

/// The attributes a site asked for when it set a cookie.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CookieAttributes {
    /// `Secure`.
    pub secure: bool,
    /// `HttpOnly`.
    pub http_only: bool,
    /// `SameSite`, when given.
    pub same_site: Option<SameSite>,
    /// No `Max-Age` nor `Expires`: the cookie ends with the browser session.
    pub session: bool,
    /// The lifetime asked for (`Max-Age`, else `Expires` against the response's `Date`), before
    /// any browser cap; null for session cookies.
    pub lifetime_seconds: Option<i64>,
}

/// A later sighting of a cookie whose attributes differ from the first one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CookieVariant {
    /// The attributes of that sighting.
    #[serde(flatten)]
    pub attributes: CookieAttributes,
    /// The response that set it.
    pub set_by: String,
    /// The page being visited.
    pub seen_on: String,
}

/// One cookie set during the crawl, identified by (name, domain, path).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObservedCookie {
    /// The cookie's name.
    pub name: String,
    /// The `Domain` attribute (without a leading dot), or the host that set a host-only cookie.
    pub domain: String,
    /// True when no `Domain` attribute was given: only `domain` itself gets the cookie back.
    pub host_only: bool,
    /// The cookie's path.
    pub path: String,
    /// First or third party, on registrable domains.
    pub party: Party,
    /// Header or script.
    pub source: CookieSource,
    /// The consent phase it was seen in.
    pub phase: Phase,
    /// The attributes of the first sighting.
    #[serde(flatten)]
    pub attributes: CookieAttributes,
    /// Length in bytes of the value.
    pub value_length: usize,
    /// The value of the first sighting, only with `--record-values` (cut at 4 KiB).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// URL of the response (or script) that first set it.
    pub set_by: String,
    /// URL of the page being visited when it was first set.
    pub first_seen_on: String,
    /// On how many distinct pages it was set.
    pub seen_on_pages: u32,
    /// The charter declaration it matched, if any.
    pub declared_as: Option<String>,
    /// Why the cookie jar refused to store it, if it did.
    pub blocked: Option<String>,
    /// Later sightings whose attributes or lifetime differed from the first (at most 10).
    pub variants: Vec<CookieVariant>,
}

/// Which Web Storage area a key lives in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StorageKind {
    /// `localStorage`.
    Local,
    /// `sessionStorage`.
    Session,
}

/// One Web Storage key (browser engine only).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StorageEntry {
    /// The origin that owns the storage area.
    pub origin: String,
    /// Local or session storage.
    pub kind: StorageKind,
    /// The key.
    pub key: String,
    /// Length of the value; the value itself is not stored.
    pub value_length: usize,
    /// The page or script that wrote it.
    pub set_by: String,
    /// The consent phase it was seen in.
    pub phase: Phase,
}

/// A `Set-Cookie` header that could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MalformedSetCookie {
    /// The header as received (decoded lossily), cut to 200 bytes.
    pub raw: String,
    /// Why it could not be parsed.
    pub error: String,
    /// The response that carried it.
    pub set_by: String,
    /// The page being visited.
    pub seen_on: String,
    /// How many times this exact header was received.
    pub count: u32,
}

/// How much a finding matters; ordered from `info` to `high`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing.
    Info,
    /// Worth fixing.
    Low,
    /// Should be fixed.
    Medium,
    /// Must be fixed.
    High,
}

/// One thing the audit found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// One of the kinds of `DESIGN.md`, e.g. `undeclared`.
    pub kind: String,
    /// How much it matters.
    pub severity: Severity,
    /// The cookie concerned, if any.
    pub cookie: Option<String>,
    /// One sentence a person can act on.
    pub message: String,
    /// What backs the finding.
    pub evidence: serde_json::Value,
}

/// Counts over all targets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Totals {
    /// Targets in the report.
    pub targets: u32,
    /// Targets audited.
    pub audited: u32,
    /// Targets that failed.
    pub failed: u32,
    /// Findings over audited targets, by severity.
    pub findings: SeverityCounts,
}

/// Findings counted by severity.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeverityCounts {
    /// `high` findings.
    pub high: u32,
    /// `medium` findings.
    pub medium: u32,
    /// `low` findings.
    pub low: u32,
    /// `info` findings.
    pub info: u32,
}

impl SeverityCounts {
    /// Adds one finding of `severity`.
    pub fn add(&mut self, severity: Severity) {
        match severity {
            Severity::High => self.high += 1,
            Severity::Medium => self.medium += 1,
            Severity::Low => self.low += 1,
            Severity::Info => self.info += 1,
        }
    }

    /// Findings at `severity` or above.
    pub fn at_or_above(&self, severity: Severity) -> u32 {
        match severity {
            Severity::High => self.high,
            Severity::Medium => self.high + self.medium,
            Severity::Low => self.high + self.medium + self.low,
            Severity::Info => self.high + self.medium + self.low + self.info,
        }
    }
}

impl Totals {
    /// Recomputes the totals from the targets, so they can never disagree with them.
    pub fn of(targets: &[TargetReport]) -> Totals {
        let mut findings = SeverityCounts::default();
        let mut audited = 0;
        for target in targets {
            if target.status == TargetStatus::Audited {
                audited += 1;
                for finding in &target.findings {
                    findings.add(finding.severity);
                }
            }
        }
        let total = targets.len() as u32;
        Totals {
            targets: total,
            audited,
            failed: total - audited,
            findings,
        }
    }
}
