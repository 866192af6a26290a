//! The crawl settings of `[defaults]` and `[[target]]`: their keys, limits and defaults.

use crate::types::Engine;

use super::types::{CrawlSettings, DEFAULT_USER_AGENT};

/// Highest accepted `concurrency`: beyond this an audit stops being polite to
/// the site it inspects.
pub const MAX_CONCURRENCY: usize = 64;

/// Highest accepted `max_pages`: catches a stray extra digit before it turns
/// into a crawl that never ends.
pub const MAX_PAGES_LIMIT: usize = 1_000_000;

/// The largest accepted `max_depth`: deeper than any site's real structure, and small enough
/// for every counter downstream.
pub const MAX_DEPTH_LIMIT: usize = 10_000;

/// The largest accepted `delay_ms`: one hour between two requests to a host.
pub const MAX_DELAY_MS: u64 = 3_600_000;

/// The largest accepted `timeout_secs`: one day, so deadlines never overflow a clock.
pub const MAX_TIMEOUT_SECS: u64 = 86_400;

/// The largest accepted `max_body_bytes`: 1 GiB.
pub const MAX_BODY_BYTES_LIMIT: u64 = 1 << 30;

/// The largest accepted `settle_ms`: one minute, beyond which a page is not
/// settling but stuck, and a crawl of many pages would take forever.
pub const MAX_SETTLE_MS: u64 = 60_000;

pub(super) const DEFAULT_MAX_PAGES: usize = 30;
pub(super) const DEFAULT_MAX_DEPTH: usize = 2;
pub(super) const DEFAULT_CONCURRENCY: usize = 2;
pub(super) const DEFAULT_DELAY_MS: u64 = 500;
pub(super) const DEFAULT_TIMEOUT_SECS: u64 = 30;
pub(super) const DEFAULT_MAX_BODY_BYTES: u64 = 10 * 1024 * 1024;
pub(super) const DEFAULT_SETTLE_MS: u64 = 1000;
/// Ten minutes: a 30-page crawl at the default politeness takes well under a minute, so a target
/// still running after ten is stuck, and a cron run must not wait on it forever.
pub(super) const DEFAULT_TARGET_TIMEOUT_SECS: u64 = 600;
/// Calendars, facets and sort orders give one path endless query strings; ten variants show
/// what the path sets without letting it eat the page budget.
pub(super) const DEFAULT_MAX_QUERIES_PER_PATH: usize = 10;

pub(super) const SETTINGS_KEYS: &[&str] = &[
    "max_pages",
    "max_depth",
    "concurrency",
    "delay_ms",
    "timeout_secs",
    "engine",
    "user_agent",
    "max_body_bytes",
    "settle_ms",
    "target_timeout_secs",
    "max_queries_per_path",
    "consent",
];

impl Default for CrawlSettings {
    /// Conservative values that audit a typical site without straining it.
    fn default() -> Self {
        Self {
            max_pages: DEFAULT_MAX_PAGES,
            max_depth: DEFAULT_MAX_DEPTH,
            concurrency: DEFAULT_CONCURRENCY,
            delay_ms: DEFAULT_DELAY_MS,
            timeout_secs: DEFAULT_TIMEOUT_SECS,
            engine: Engine::Http,
            user_agent: DEFAULT_USER_AGENT.to_owned(),
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            settle_ms: DEFAULT_SETTLE_MS,
            target_timeout_secs: DEFAULT_TARGET_TIMEOUT_SECS,
            max_queries_per_path: DEFAULT_MAX_QUERIES_PER_PATH,
            consent: None,
        }
    }
}
