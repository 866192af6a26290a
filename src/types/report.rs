//! The report as a whole: the run, each target's crawl and consent phases, and the totals.

use serde::{Deserialize, Serialize};

use super::charter::Charter;
use super::consent::ConsentChoice;
use super::diff::ReportDiff;
use super::finding::{Finding, SeverityCounts};
use super::observed::{MalformedSetCookie, ObservedCookie, Phase, StorageEntry};
use super::settings::{Engine, Jurisdiction, PolitenessKey};

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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
    /// How politely the run went: the run-wide budget per key and the bounds in force. Absent
    /// from reports written before it existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub politeness: Option<RunPoliteness>,
    /// Which run of shards this report belongs to, and which part of it (flattened: its fields
    /// are `run.batch`, `run.config_hash`, `run.shard`, `run.merged`).
    #[serde(flatten)]
    pub sharding: RunSharding,
}

/// The politeness and parallelism a run had, as resolved (command line over `targets.toml`,
/// defaults derived from the machine's open-files limit).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RunPoliteness {
    /// What the budget is counted per: `ip`, `host` or `domain`.
    pub key: PolitenessKey,
    /// At most this many requests per second to one key, over all targets.
    pub max_requests_per_second_per_ip: f64,
    /// Targets audited at once (`--parallel-targets`, or derived).
    pub parallel_targets: u32,
    /// Requests in flight over all targets (`--max-connections`, or derived).
    pub max_connections: u32,
}

/// What `merge` checks before joining reports: that they are shards of one run, each once.
/// Every field is absent from reports written before it existed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunSharding {
    /// What every shard of one run shares: `audit --batch`, else `cfg-` and the
    /// `config_hash`, so that shards started apart from the same files and options agree.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch: Option<String>,
    /// A digest of what decides the run's targets and results: the targets file (and list),
    /// `--only`, `--engine`, the shard count, `--ignore-robots`, `--lifetime-limit-days`,
    /// `--record-values` and the `--cookie-db` file's content.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config_hash: Option<String>,
    /// The part of the run this report holds, with `--shard K/N` or `--shards N`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<ShardOf>,
    /// Which shards a merged report was joined from, and which were missing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merged: Option<MergedShards>,
}

/// Shard K of N: the targets whose 0-based index i in the targets file has i % N == K.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShardOf {
    /// K, from 0.
    pub index: u32,
    /// N.
    pub count: u32,
}

/// The shards a merged report holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MergedShards {
    /// N, the run's shard count.
    pub count: u32,
    /// The indices of the shards joined, in order.
    pub shards: Vec<u32>,
    /// The indices of the shards not given (only with `merge --allow-missing`); their targets
    /// are not in the report.
    pub missing: Vec<u32>,
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
    /// Its 0-based position in the targets file (or `--targets-list`), before `--shard` and
    /// `--only`: the order `merge` puts shards' targets back in. Absent from older reports.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub index: Option<u32>,
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
    /// What the engine that crawled it could not observe, and what to run instead (the HTTP
    /// engine); absent for the browser engine, for failed targets and in older reports.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub engine_limits: Option<EngineLimits>,
}

/// What an engine cannot observe: a cookie it did not see may still be set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EngineLimits {
    /// What it cannot see, one phrase each (cookies set by JavaScript…).
    pub unobservable: Vec<String>,
    /// Declared cookies it never saw that the catalogue knows are set by scripts: their
    /// absence says nothing about the portal.
    #[serde(default)]
    pub declared_by_script: Vec<String>,
    /// What to run to see them.
    pub instead: String,
}

impl TargetReport {
    /// How many distinct cookies were observed, and how many of them are third-party.
    ///
    /// With consent phases `observed` holds one entry per phase a cookie was seen in, so its
    /// length counts a cookie set in every phase three or four times; a person asking "how many
    /// cookies" means distinct ones, identified as the diff identifies them (name, domain, path).
    pub fn distinct_cookies(&self) -> CookieCount {
        let mut seen = std::collections::HashSet::new();
        let mut count = CookieCount::default();
        for cookie in &self.observed {
            if seen.insert((&cookie.name, &cookie.domain, &cookie.path)) {
                count.cookies += 1;
                if cookie.party == crate::site::Party::Third {
                    count.third_party += 1;
                }
            }
        }
        count
    }
}

/// Distinct cookies of a target ([`TargetReport::distinct_cookies`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct CookieCount {
    /// Distinct (name, domain, path).
    pub cookies: usize,
    /// Of which set by a third party.
    pub third_party: usize,
}

/// The consent phases of one target: how the banner was driven and whether each choice worked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsentReport {
    /// How the banner was to be found: `auto`, `opendatasoft` or `steps` (the user's selectors).
    #[serde(default = "steps_mode")]
    pub mode: String,
    /// The accept action as configured: the steps, or the mode's name.
    pub accept: String,
    /// The reject action as configured: the steps, or the mode's name.
    pub reject: String,
    /// The consent manager found (`tarteaucitron`, `opendatasoft`, an autoconsent rule's name…);
    /// null when none was recognised.
    #[serde(default)]
    pub cmp: Option<String>,
    /// One entry per phase, in the order audited (`none`, `reject`, `accept`, then `gpc`).
    pub phases: Vec<PhaseOutcome>,
}

fn steps_mode() -> String {
    "steps".to_owned()
}

/// One consent phase.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhaseOutcome {
    /// Which phase.
    pub phase: Phase,
    /// True only when the choice took effect: the rule's self-test passed, the consent manager
    /// wrote its choice cookie, or the banner closed after the last click (always false for
    /// `none` and `gpc`).
    pub clicked: bool,
    /// Why the choice could not be made, or the phase not crawled.
    pub error: Option<String>,
    /// Pages visited in this phase.
    pub pages: u32,
    /// How the choice was made: `autoconsent` (with the rule in `cmp`), `rule:opendatasoft`,
    /// `text` (a button named like "Tout refuser"), `steps` (the configured selectors) or
    /// `preset-cookie` (the choice cookie written before the phase); null when none was made.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// What was clicked, in order, as a person would name it (`button "Tout refuser"`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub steps: Vec<String>,
    /// The consent manager's own choice cookie after the phase, decoded, when its format is
    /// known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub choice: Option<ConsentChoice>,
    /// Screenshots taken in this phase, as files beside `report.json`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub screenshots: Vec<Screenshot>,
}

/// When a consent screenshot was taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScreenshotMoment {
    /// The banner as found, before any click.
    Banner,
    /// The page once the choice was made.
    AfterChoice,
}

/// One screenshot of a consent phase (JPEG, the viewport only).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Screenshot {
    /// When it was taken.
    pub moment: ScreenshotMoment,
    /// The file, relative to the directory of `report.json`.
    pub file: String,
    /// Its size in bytes.
    pub bytes: u64,
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
    /// Requests not sent because they led to a loopback, private, link-local or unspecified
    /// address nobody vouched for (at most 100, each URL once).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub refused: Vec<RefusedRequest>,
    /// How many requests were refused, beyond those listed too.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub refused_count: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// A request the crawl did not send, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefusedRequest {
    /// The URL a page, redirect or sub-resource asked for.
    pub url: String,
    /// Why it was refused.
    pub reason: String,
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
