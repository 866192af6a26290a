//! The checked contents of `targets.toml`, as the rest of the crate sees them.

use std::path::PathBuf;

use url::Url;

use crate::types::{Engine, Jurisdiction, Politeness};

/// Sent when a config does not set `user_agent`, so site operators can tell
/// the audit apart from real visitors and find out what it is.
pub(crate) const DEFAULT_USER_AGENT: &str = concat!(
    "cookie-audit/",
    env!("CARGO_PKG_VERSION"),
    " (automated cookie audit)"
);

/// Where a site's published cookie charter lives; local files let an auditor
/// keep a dated copy when the online version keeps changing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum CharterSource {
    /// An `http(s)` page to fetch.
    Url(Url),
    /// A local file, already resolved against the directory of `targets.toml`
    /// so it does not depend on the directory the tool is started from.
    File(PathBuf),
}

/// One thing to click on the way to a consent choice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ClickStep {
    /// The first visible, enabled element matching a CSS selector, looked for in the page, its
    /// open shadow roots and its frames.
    Css(String),
    /// The first visible, enabled button or link whose text is this (case and spacing aside).
    Text(String),
}

/// How the browser engine makes a consent choice; with one, a target is audited without
/// interaction, after refusing and after accepting, to show what each choice really changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ConsentPlan {
    /// The tool finds the banner itself: a consent-automation rule library when installed, then
    /// its own rules (the Opendatasoft banner, buttons named like "Tout refuser").
    Auto,
    /// The Opendatasoft platform's banner, falling back to presetting its choice cookie.
    Opendatasoft,
    /// The user's own steps, clicked in order.
    Steps {
        /// The steps that accept every cookie.
        accept: Vec<ClickStep>,
        /// The steps that refuse every cookie that needs consent.
        reject: Vec<ClickStep>,
    },
}

/// Crawl limits and manners; one set applies per target so a fragile site can
/// be crawled more gently than the rest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CrawlSettings {
    /// Most HTML documents fetched per target.
    pub max_pages: usize,
    /// Most link hops away from the start pages; 0 fetches only the start pages.
    pub max_depth: usize,
    /// Most requests in flight at once per target.
    pub concurrency: usize,
    /// Least time between two requests to the same host, in milliseconds.
    pub delay_ms: u64,
    /// Per-request timeout, in seconds.
    pub timeout_secs: u64,
    /// How pages are fetched.
    pub engine: Engine,
    /// `User-Agent` header sent with every request.
    pub user_agent: String,
    /// Responses larger than this are cut off, so one huge download cannot
    /// exhaust memory.
    pub max_body_bytes: u64,
    /// With the browser engine, the least time in milliseconds to wait after a
    /// page's load event, and then until the network is quiet, before reading
    /// its cookies, so that timers and late scripts have set theirs.
    pub settle_ms: u64,
    /// The whole target (every phase, its charter included) stops after this many seconds; what
    /// was seen until then is reported.
    pub target_timeout_secs: u64,
    /// Most distinct query strings queued for one path (`/calendar?page=…`), so that a link trap
    /// cannot fill the page budget alone.
    pub max_queries_per_path: usize,
    /// With the browser engine, how the consent banner is driven; when set, the
    /// target is audited without interaction, after refusing and after
    /// accepting, to show what each choice really changes.
    pub consent: Option<ConsentPlan>,
    /// With the browser engine, one more phase in a fresh context that sends Global Privacy
    /// Control (`Sec-GPC: 1`) and clicks nothing.
    pub gpc: bool,
    /// Let the crawl reach loopback, private, link-local and unspecified addresses that
    /// neither the start URL nor a `--resolve` rule names (an intranet portal).
    pub allow_private_addresses: bool,
}

/// One site to audit, with `[defaults]` already merged in so later stages
/// never have to look at two layers of settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Target {
    /// Unique label, used to tell targets apart in reports.
    pub name: String,
    /// The page the crawl starts from.
    pub url: Url,
    /// The site's published cookie charter, if the audit should compare against one.
    pub charter: Option<CharterSource>,
    /// Extra start pages, resolved against `url`, in file order; `url` itself
    /// is not repeated here.
    pub start: Vec<Url>,
    /// Rules the site is judged against.
    pub jurisdiction: Jurisdiction,
    /// Crawl settings after applying `[defaults]` and this target's overrides.
    pub settings: CrawlSettings,
}

/// A fully checked `targets.toml`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Config {
    /// The `[defaults]` section completed with the built-in defaults; kept for
    /// reports that show which settings were in force.
    pub defaults: CrawlSettings,
    /// The run-wide politeness of `[defaults]` (`politeness_key`,
    /// `max_requests_per_second_per_ip`), shared by every target.
    pub politeness: Politeness,
    /// Targets in file order, each with its settings resolved.
    pub targets: Vec<Target>,
}
