//! The crawl settings of `[defaults]` and `[[target]]`, each written once, in the table at the
//! end: its key, its built-in default and how its value is read, range included. The keys that
//! messages list, `CrawlSettings::default()` and the reading of a key all come from that table,
//! so a new setting cannot be added to one of them and forgotten in another.

use std::fmt;
use std::ops::RangeInclusive;

use crate::types::Engine;

use super::consent::consent;
use super::error::ConfigError;
use super::source::{Source, Value};
use super::types::{CrawlSettings, DEFAULT_USER_AGENT};
use super::values::{NumberRule, boolean, keyword, number, user_agent};

/// Highest accepted `concurrency`: beyond this an audit stops being polite to
/// the site it inspects.
pub(crate) const MAX_CONCURRENCY: usize = 64;

/// Highest accepted `max_pages`: catches a stray extra digit before it turns
/// into a crawl that never ends.
pub(crate) const MAX_PAGES_LIMIT: usize = 1_000_000;

/// The largest accepted `max_depth`: deeper than any site's real structure, and small enough
/// for every counter downstream.
pub(crate) const MAX_DEPTH_LIMIT: usize = 10_000;

/// The largest accepted `delay_ms`: one hour between two requests to a host.
pub(crate) const MAX_DELAY_MS: u64 = 3_600_000;

/// The largest accepted `timeout_secs`: one day, so deadlines never overflow a clock.
pub(crate) const MAX_TIMEOUT_SECS: u64 = 86_400;

/// The largest accepted `max_body_bytes`: 1 GiB.
pub(crate) const MAX_BODY_BYTES_LIMIT: u64 = 1 << 30;

/// The largest accepted `settle_ms`: one minute, beyond which a page is not
/// settling but stuck, and a crawl of many pages would take forever.
pub(crate) const MAX_SETTLE_MS: u64 = 60_000;

/// The least time a browser page gets to settle, in milliseconds: one second lets timers and
/// late scripts set their cookies without slowing a crawl much.
pub(super) const DEFAULT_SETTLE_MS: u64 = 1000;

/// Ten minutes: a 30-page crawl at the default politeness takes well under a minute, so a target
/// still running after ten is stuck, and a cron run must not wait on it forever.
pub(super) const DEFAULT_TARGET_TIMEOUT_SECS: u64 = 600;

/// Calendars, facets and sort orders give one path endless query strings; ten variants show
/// what the path sets without letting it eat the page budget.
pub(super) const DEFAULT_MAX_QUERIES_PER_PATH: usize = 10;

/// How the value written for a setting is checked and turned into the setting's type.
trait Reader<T> {
    /// `default` is the setting's built-in value, which help texts give as the example.
    fn read(
        &self,
        src: &Source<'_>,
        key: &str,
        value: &Value<'_>,
        default: &T,
    ) -> Result<T, ConfigError>;
}

/// A whole number within the range.
impl<T> Reader<T> for RangeInclusive<T>
where
    T: Copy + PartialOrd + fmt::Display + TryFrom<i128>,
{
    fn read(
        &self,
        src: &Source<'_>,
        key: &str,
        value: &Value<'_>,
        default: &T,
    ) -> Result<T, ConfigError> {
        let rule = NumberRule {
            min: *self.start(),
            max: *self.end(),
            example: *default,
        };
        number(src, key, value, rule)
    }
}

/// A value that is not a number, read by a function of its own.
struct Custom<T>(fn(&Source<'_>, &str, &Value<'_>) -> Result<T, ConfigError>);

impl<T> Reader<T> for Custom<T> {
    fn read(
        &self,
        src: &Source<'_>,
        key: &str,
        value: &Value<'_>,
        _default: &T,
    ) -> Result<T, ConfigError> {
        (self.0)(src, key, value)
    }
}

/// Turns the rows `key = default, reader;`, each key a field of [`CrawlSettings`], into the
/// list of keys, `CrawlSettings::default()` and `apply_setting`; the compiler then holds the
/// rows to the struct, since a field without a row leaves `default()` incomplete.
macro_rules! crawl_settings {
    ($($key:ident = $default:expr, $reader:expr;)*) => {
        /// The crawl settings' keys, in the order messages list them.
        pub(super) const SETTINGS_KEYS: &[&str] = &[$(stringify!($key)),*];

        impl Default for CrawlSettings {
            /// Conservative values that audit a typical site without straining it.
            fn default() -> Self {
                Self {
                    $($key: $default,)*
                }
            }
        }

        /// Applies one crawl-setting key, shared by `[defaults]` and `[[target]]`.
        /// Returns `false` when `key` is not a setting, so the caller can report it
        /// with the keys allowed in its own section.
        pub(super) fn apply_setting(
            src: &Source<'_>,
            settings: &mut CrawlSettings,
            key: &str,
            value: &Value<'_>,
        ) -> Result<bool, ConfigError> {
            match key {
                $(stringify!($key) => {
                    settings.$key = Reader::read(&$reader, src, key, value, &$default)?;
                })*
                _ => return Ok(false),
            }
            Ok(true)
        }
    };
}

// A default is named only where the tests compare a parsed config against it.
crawl_settings! {
    max_pages = 30, 1..=MAX_PAGES_LIMIT;
    max_depth = 2, 0..=MAX_DEPTH_LIMIT;
    concurrency = 2, 1..=MAX_CONCURRENCY;
    delay_ms = 500, 0..=MAX_DELAY_MS;
    timeout_secs = 30, 1..=MAX_TIMEOUT_SECS;
    engine = Engine::Http, Custom(keyword);
    user_agent = DEFAULT_USER_AGENT.to_owned(), Custom(|src, _, value| user_agent(src, value));
    max_body_bytes = 10 * 1024 * 1024, 1..=MAX_BODY_BYTES_LIMIT;
    settle_ms = DEFAULT_SETTLE_MS, 0..=MAX_SETTLE_MS;
    target_timeout_secs = DEFAULT_TARGET_TIMEOUT_SECS, 1..=MAX_TIMEOUT_SECS;
    max_queries_per_path = DEFAULT_MAX_QUERIES_PER_PATH, 0..=MAX_PAGES_LIMIT;
    consent = None, Custom(|src, _, value| consent(src, value));
    gpc = false, Custom(boolean);
    allow_private_addresses = false, Custom(boolean);
}
