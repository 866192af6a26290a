//! Strict loading of `targets.toml`, the list of sites to audit.
//!
//! The file is walked as toml's spanned document tree instead of going through
//! `#[derive(Deserialize)]`: serde's errors know neither which `[[target]]`
//! they happened in nor what the user should write instead, and a typo in a
//! crawl limit must never silently fall back to a default. Every check
//! therefore reports the exact line and column of the offending key or value
//! together with a concrete fix.

use std::collections::HashMap;
use std::fmt;
use std::io;
use std::ops::Range;
use std::path::{Path, PathBuf};

use toml::Spanned;
use toml::de::{DeString, DeTable, DeValue};
use url::Url;

use crate::types::{Engine, Jurisdiction};

/// Sent when a config does not set `user_agent`, so site operators can tell
/// the audit apart from real visitors and find out what it is.
pub const DEFAULT_USER_AGENT: &str = concat!(
    "cookie-audit/",
    env!("CARGO_PKG_VERSION"),
    " (automated cookie audit)"
);

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

/// The longest accepted consent selector, in bytes; real ones are far shorter,
/// so anything longer is a pasting accident.
const MAX_SELECTOR_BYTES: usize = 1_000;

/// Selectors of the Opendatasoft portal's banner; each lists several class
/// names for the same button so that one preset fits portals whose markup differs.
const OPENDATASOFT_ACCEPT: &str = ".ods-cookies-banner__button--accept, \
                                   .ods-cookie-consent__accept, \
                                   button[data-consent=\"accept\"]";
const OPENDATASOFT_REJECT: &str = ".ods-cookies-banner__button--refuse, \
                                   .ods-cookie-consent__refuse, \
                                   button[data-consent=\"refuse\"]";

const DEFAULT_MAX_PAGES: usize = 30;
const DEFAULT_MAX_DEPTH: usize = 2;
const DEFAULT_CONCURRENCY: usize = 2;
const DEFAULT_DELAY_MS: u64 = 500;
const DEFAULT_TIMEOUT_SECS: u64 = 30;
const DEFAULT_MAX_BODY_BYTES: u64 = 10 * 1024 * 1024;
const DEFAULT_SETTLE_MS: u64 = 1000;
/// Ten minutes: a 30-page crawl at the default politeness takes well under a minute, so a target
/// still running after ten is stuck, and a cron run must not wait on it forever.
const DEFAULT_TARGET_TIMEOUT_SECS: u64 = 600;
/// Calendars, facets and sort orders give one path endless query strings; ten variants show
/// what the path sets without letting it eat the page budget.
const DEFAULT_MAX_QUERIES_PER_PATH: usize = 10;

const TOP_LEVEL_KEYS: &[&str] = &["defaults", "target"];
const TARGET_ONLY_KEYS: &[&str] = &["name", "url", "charter", "start", "jurisdiction"];
const SETTINGS_KEYS: &[&str] = &[
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
const CONSENT_KEYS: &[&str] = &["accept", "reject"];
const CONSENT_PRESETS: &[&str] = &["opendatasoft"];

/// Where a site's published cookie charter lives; local files let an auditor
/// keep a dated copy when the online version keeps changing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CharterSource {
    /// An `http(s)` page to fetch.
    Url(Url),
    /// A local file, already resolved against the directory of `targets.toml`
    /// so it does not depend on the directory the tool is started from.
    File(PathBuf),
}

/// CSS selectors of a consent banner's buttons; with them the browser engine audits a target
/// without interaction, after refusing, and after accepting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsentSelectors {
    /// The button that accepts every cookie.
    pub accept: String,
    /// The button that refuses every cookie that needs consent.
    pub reject: String,
}

impl ConsentSelectors {
    /// The buttons of the banner Opendatasoft portals share, written
    /// `consent = "opendatasoft"` in `targets.toml`, so the many portals built
    /// on it need no hand-written selectors.
    pub fn opendatasoft() -> Self {
        Self {
            accept: OPENDATASOFT_ACCEPT.to_owned(),
            reject: OPENDATASOFT_REJECT.to_owned(),
        }
    }
}

/// Crawl limits and manners; one set applies per target so a fragile site can
/// be crawled more gently than the rest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CrawlSettings {
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
    /// With the browser engine, the consent banner's buttons; when set, the
    /// target is audited without interaction, after refusing and after
    /// accepting, to show what each choice really changes.
    pub consent: Option<ConsentSelectors>,
}

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

/// One site to audit, with `[defaults]` already merged in so later stages
/// never have to look at two layers of settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
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
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// The `[defaults]` section completed with the built-in defaults; kept for
    /// reports that show which settings were in force.
    pub defaults: CrawlSettings,
    /// Targets in file order, each with its settings resolved.
    pub targets: Vec<Target>,
}

/// A problem in `targets.toml`, located precisely enough for a person to fix
/// it without guessing, and printed like a compiler diagnostic.
#[derive(Debug, thiserror::Error)]
pub struct ConfigError {
    path: PathBuf,
    line: usize,
    column: usize,
    message: String,
    help: Option<String>,
}

impl ConfigError {
    /// The file the problem is in, as it was given to [`load`] or [`parse`].
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// 1-based line of the problem, or 0 when the file could not be read at all.
    pub fn line(&self) -> usize {
        self.line
    }

    /// 1-based column in characters (not bytes), or 0 when the file could not
    /// be read at all.
    pub fn column(&self) -> usize {
        self.column
    }

    /// What is wrong, without location or advice.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// What to write instead, when there is something specific to suggest.
    pub fn help(&self) -> Option<&str> {
        self.help.as_deref()
    }

    fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    fn unreadable(path: &Path, err: &io::Error) -> Self {
        let (reason, help) = match err.kind() {
            io::ErrorKind::NotFound => (
                "no such file".to_owned(),
                Some("pass --targets PATH or create targets.toml"),
            ),
            io::ErrorKind::InvalidData => (
                "it is not valid UTF-8 text".to_owned(),
                Some("save the file with UTF-8 encoding"),
            ),
            io::ErrorKind::IsADirectory => (
                "it is a directory".to_owned(),
                Some("pass the path of the targets.toml file itself"),
            ),
            _ => (err.to_string(), None),
        };
        Self {
            path: path.to_owned(),
            line: 0,
            column: 0,
            message: format!("could not read the targets file: {reason}"),
            help: help.map(str::to_owned),
        }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.path.display())?;
        if self.line > 0 {
            write!(f, ":{}:{}", self.line, self.column)?;
        }
        write!(f, ": {}", self.message)?;
        if let Some(help) = &self.help {
            write!(f, "\n  help: {help}")?;
        }
        Ok(())
    }
}

/// Reads and checks a `targets.toml`.
///
/// # Errors
///
/// Returns a [`ConfigError`] naming `path` when the file cannot be read or
/// when [`parse`] rejects its contents.
pub fn load(path: &Path) -> Result<Config, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|err| ConfigError::unreadable(path, &err))?;
    parse(&text, path)
}

/// Checks the text of a `targets.toml`. `path` is only used in error messages
/// and as the base directory for relative `charter` paths, which keeps this
/// function free of I/O and easy to test.
///
/// # Errors
///
/// Returns the first problem found, in file order within each section.
pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
    parse_document(text, path, true)
}

/// Only the `[defaults]` of a `targets.toml`, for a run whose targets come from a
/// `--targets-list`; its `[[target]]` blocks, if any, are still checked, then left out.
///
/// # Errors
///
/// The first problem found, as [`parse`] would report it.
pub fn parse_defaults_only(text: &str, path: &Path) -> Result<CrawlSettings, ConfigError> {
    parse_document(text, path, false).map(|config| config.defaults)
}

/// [`parse`], with `[[target]]` blocks required or not.
fn parse_document(text: &str, path: &Path, targets_required: bool) -> Result<Config, ConfigError> {
    let src = Source { text, path };
    let document = DeTable::parse(text).map_err(|err| src.syntax_error(&err))?;
    let mut defaults = None;
    let mut targets = None;
    for (key, value) in in_file_order(document.get_ref()) {
        match key_name(key) {
            "defaults" => defaults = Some(parse_defaults(&src, value)?),
            "target" => targets = Some(value),
            _ => return Err(unknown_key(&src, key, Section::TopLevel)),
        }
    }
    let defaults = defaults.unwrap_or_default();
    let targets = if targets.is_none() && !targets_required {
        Vec::new()
    } else {
        parse_targets(&src, targets, &defaults)?
    };
    Ok(Config { defaults, targets })
}

/// A plain list of start URLs, one per line (blank lines and `#` comments skipped), each a
/// target with `defaults`, named after its host (and path, when two share a host).
///
/// # Errors
///
/// A line that is not an absolute http(s) URL, or a URL listed twice, with its line.
pub fn parse_targets_list(
    text: &str,
    path: &Path,
    defaults: &CrawlSettings,
) -> Result<Vec<Target>, ConfigError> {
    let src = Source { text, path };
    let mut targets: Vec<Target> = Vec::new();
    let mut first_line_of: HashMap<String, usize> = HashMap::new();
    let mut offset = 0;
    for (index, line) in text.split_inclusive('\n').enumerate() {
        let start = offset;
        offset += line.len();
        let written = line.trim();
        if written.is_empty() || written.starts_with('#') {
            continue;
        }
        let span = start + (line.len() - line.trim_start().len())..start + line.trim_end().len();
        let url = Url::parse(written)
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some())
            .ok_or_else(|| {
                src.error_at(
                    span.clone(),
                    format!("{written:?} is not an absolute http(s) URL"),
                )
                .with_help("write one start URL per line, e.g. https://opendata.example.org/")
            })?;
        if let Some(first) = first_line_of.get(url.as_str()) {
            return Err(src
                .error_at(span, format!("{url} is listed twice"))
                .with_help(format!(
                    "it is already on line {first}; keep one of the two"
                )));
        }
        first_line_of.insert(url.to_string(), index + 1);
        let host = url.host_str().unwrap_or_default().to_string();
        let name = if targets.iter().any(|t| t.name == host) {
            format!("{host}{}", url.path().trim_end_matches('/'))
        } else {
            host
        };
        targets.push(Target {
            name,
            url,
            charter: None,
            start: Vec::new(),
            jurisdiction: Jurisdiction::default(),
            settings: defaults.clone(),
        });
    }
    if targets.is_empty() {
        return Err(src
            .error_at(0..0, "no URL in the list")
            .with_help("write one start URL per line, e.g. https://opendata.example.org/"));
    }
    Ok(targets)
}

/// The text being checked together with its path, so that any check can turn
/// a byte span into a located [`ConfigError`].
struct Source<'a> {
    text: &'a str,
    path: &'a Path,
}

impl Source<'_> {
    fn error_at(&self, span: Range<usize>, message: impl Into<String>) -> ConfigError {
        let (line, column) = line_column(self.text, span.start);
        ConfigError {
            path: self.path.to_owned(),
            line,
            column,
            message: message.into(),
            help: None,
        }
    }

    fn syntax_error(&self, err: &toml::de::Error) -> ConfigError {
        let span = err.span().unwrap_or(0..0);
        let repeated = self.text.get(span.clone()).unwrap_or_default();
        // toml names neither the repeated key nor a fix for this common slip.
        if err.message() == "duplicate key" && !repeated.is_empty() {
            return self
                .error_at(span, format!("duplicate key `{repeated}`"))
                .with_help("a key or [table] may be defined only once; keep one of them");
        }
        self.error_at(span, err.message())
    }

    fn line_of(&self, span: &Range<usize>) -> usize {
        line_column(self.text, span.start).0
    }

    /// Relative charter paths are written from the point of view of the
    /// config file, not of wherever the tool happens to be started.
    fn base_dir(&self) -> &Path {
        self.path.parent().unwrap_or(Path::new(""))
    }
}

/// Converts a byte offset into a 1-based line and a 1-based column counted in
/// characters, which is what editors expect.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |newline| newline + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

type Key<'i> = Spanned<DeString<'i>>;
type Value<'i> = Spanned<DeValue<'i>>;

fn key_name<'a>(key: &'a Key<'_>) -> &'a str {
    key.get_ref()
}

/// toml stores keys sorted by name; checking them in file order makes the
/// reported error the first one the user would run into.
fn in_file_order<'t, 'i>(table: &'t DeTable<'i>) -> Vec<(&'t Key<'i>, &'t Value<'i>)> {
    let mut entries: Vec<_> = table.iter().collect();
    entries.sort_by_key(|(key, _)| key.span().start);
    entries
}

/// Where a key was found, to name it in messages and to know which keys are
/// allowed there.
#[derive(Clone, Copy)]
enum Section<'a> {
    TopLevel,
    Defaults,
    Target {
        /// 1-based position among the `[[target]]` blocks, for targets
        /// whose name is missing or unusable.
        index: usize,
        name: Option<&'a str>,
    },
    /// Inside a `consent` table, wherever that table is.
    Consent,
}

impl Section<'_> {
    fn allowed_keys(self) -> Vec<&'static str> {
        match self {
            Self::TopLevel => TOP_LEVEL_KEYS.to_vec(),
            Self::Defaults => SETTINGS_KEYS.to_vec(),
            Self::Target { .. } => [TARGET_ONLY_KEYS, SETTINGS_KEYS].concat(),
            Self::Consent => CONSENT_KEYS.to_vec(),
        }
    }

    /// Where a key that is valid elsewhere belongs, because "unknown key" is
    /// misleading when the key is merely in the wrong section.
    fn home_of(self, key: &str) -> Option<&'static str> {
        let is_setting = SETTINGS_KEYS.contains(&key);
        let is_target_only = TARGET_ONLY_KEYS.contains(&key);
        match self {
            Self::TopLevel if is_setting => Some("[defaults] or a [[target]]"),
            Self::TopLevel | Self::Defaults if is_target_only => Some("a [[target]]"),
            _ => None,
        }
    }
}

/// Names the section the way it is written in the file, so messages can be
/// matched to the text at a glance.
impl fmt::Display for Section<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TopLevel => f.write_str("the top level"),
            Self::Defaults => f.write_str("[defaults]"),
            Self::Target {
                name: Some(name), ..
            } => write!(f, "[[target]] {name:?}"),
            Self::Target { index, name: None } => write!(f, "[[target]] #{index}"),
            Self::Consent => f.write_str("the `consent` table"),
        }
    }
}

fn unknown_key(src: &Source<'_>, key: &Key<'_>, section: Section<'_>) -> ConfigError {
    let name = key_name(key);
    let allowed = section.allowed_keys();
    let hint = match section.home_of(name) {
        Some(home) => format!("`{name}` belongs in {home}; "),
        None => closest(name, &allowed)
            .map(|suggestion| format!("did you mean `{suggestion}`? "))
            .unwrap_or_default(),
    };
    let preposition = match section {
        Section::TopLevel => "at",
        Section::Defaults | Section::Target { .. } | Section::Consent => "in",
    };
    src.error_at(
        key.span(),
        format!("unknown key `{name}` {preposition} {section}"),
    )
    .with_help(format!("{hint}allowed keys: {}", allowed.join(", ")))
}

/// The allowed word the user most likely meant: a near-identical spelling,
/// or else the only key containing what was written as one of its
/// `_`-separated words (`depth` for `max_depth`), which spelling similarity
/// alone misses.
fn closest<'a>(written: &str, allowed: &[&'a str]) -> Option<&'a str> {
    const MIN_SIMILARITY: f64 = 0.8;
    let written = written.to_lowercase();
    let similar = allowed
        .iter()
        .map(|candidate| (strsim::jaro_winkler(&written, candidate), *candidate))
        .filter(|(similarity, _)| *similarity >= MIN_SIMILARITY)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, candidate)| candidate);
    let mut containing = allowed
        .iter()
        .filter(|candidate| candidate.split('_').any(|word| word == written));
    similar.or(match (containing.next(), containing.next()) {
        (Some(only), None) => Some(*only),
        _ => None,
    })
}

fn parse_defaults(src: &Source<'_>, value: &Value<'_>) -> Result<CrawlSettings, ConfigError> {
    let DeValue::Table(table) = value.get_ref() else {
        return Err(src
            .error_at(value.span(), "`defaults` must be a table")
            .with_help("write a [defaults] section, e.g. [defaults] followed by max_pages = 30"));
    };
    let mut settings = CrawlSettings::default();
    for (key, value) in in_file_order(table) {
        if !apply_setting(src, &mut settings, key_name(key), value)? {
            return Err(unknown_key(src, key, Section::Defaults));
        }
    }
    Ok(settings)
}

fn parse_targets(
    src: &Source<'_>,
    value: Option<&Value<'_>>,
    defaults: &CrawlSettings,
) -> Result<Vec<Target>, ConfigError> {
    let Some(value) = value else {
        return Err(no_targets(src, 0..0));
    };
    let DeValue::Array(blocks) = value.get_ref() else {
        return Err(src
            .error_at(value.span(), "`target` must be a list of [[target]] blocks")
            .with_help("write [[target]] with double brackets, one block per site"));
    };
    if blocks.is_empty() {
        return Err(no_targets(src, value.span()));
    }
    let mut first_line_of_name: HashMap<String, usize> = HashMap::new();
    let mut targets = Vec::with_capacity(blocks.len());
    for (position, block) in blocks.iter().enumerate() {
        let (target, name_span) = parse_target(src, position + 1, block, defaults)?;
        if let Some(first_line) = first_line_of_name.get(&target.name) {
            return Err(src
                .error_at(
                    name_span,
                    format!("duplicate target name {:?}", target.name),
                )
                .with_help(format!(
                    "a target with this name is already defined on line {first_line}; \
                     give each [[target]] a unique name"
                )));
        }
        first_line_of_name.insert(target.name.clone(), src.line_of(&name_span));
        targets.push(target);
    }
    Ok(targets)
}

fn no_targets(src: &Source<'_>, span: Range<usize>) -> ConfigError {
    src.error_at(span, "no [[target]] defined")
        .with_help("add at least one [[target]] with name and url")
}

/// The keys of a `[[target]]` block that are not crawl settings, collected
/// before the checks that need several of them at once.
#[derive(Default)]
struct TargetKeys<'t, 'i> {
    name: Option<Spanned<String>>,
    url: Option<Url>,
    charter: Option<CharterSource>,
    /// Kept raw because relative entries need `url`, which may come later.
    start: Option<&'t Value<'i>>,
    jurisdiction: Option<Jurisdiction>,
}

/// Checks one `[[target]]` block and also returns the span of its name, so
/// the caller can point at a duplicate.
fn parse_target(
    src: &Source<'_>,
    index: usize,
    block: &Value<'_>,
    defaults: &CrawlSettings,
) -> Result<(Target, Range<usize>), ConfigError> {
    let DeValue::Table(table) = block.get_ref() else {
        return Err(src
            .error_at(block.span(), format!("[[target]] #{index} must be a table"))
            .with_help("write each target as a [[target]] block with name and url"));
    };
    let section = Section::Target {
        index,
        name: table.get("name").and_then(|name| name.get_ref().as_str()),
    };
    let mut settings = defaults.clone();
    let mut keys = TargetKeys::default();
    for (key, value) in in_file_order(table) {
        match key_name(key) {
            "name" => keys.name = Some(target_name(src, value)?),
            "url" => keys.url = Some(site_url(src, value)?),
            "charter" => keys.charter = Some(charter(src, value)?),
            "start" => keys.start = Some(value),
            "jurisdiction" => keys.jurisdiction = Some(keyword(src, "jurisdiction", value)?),
            other => {
                if !apply_setting(src, &mut settings, other, value)? {
                    return Err(unknown_key(src, key, section));
                }
            }
        }
    }
    let name = keys
        .name
        .ok_or_else(|| missing_key(src, block, section, "name", "\"example.org\""))?;
    let url = keys
        .url
        .ok_or_else(|| missing_key(src, block, section, "url", "\"https://example.org/\""))?;
    let start = match keys.start {
        Some(value) => start_pages(src, &url, value)?,
        None => Vec::new(),
    };
    let name_span = name.span();
    let target = Target {
        name: name.into_inner(),
        url,
        charter: keys.charter,
        start,
        jurisdiction: keys.jurisdiction.unwrap_or_default(),
        settings,
    };
    Ok((target, name_span))
}

fn missing_key(
    src: &Source<'_>,
    block: &Value<'_>,
    section: Section<'_>,
    key: &str,
    example: &str,
) -> ConfigError {
    src.error_at(block.span(), format!("{section} has no `{key}`"))
        .with_help(format!("add {key} = {example}"))
}

/// Applies one crawl-setting key, shared by `[defaults]` and `[[target]]`.
/// Returns `false` when `key` is not a setting, so the caller can report it
/// with the keys allowed in its own section.
fn apply_setting(
    src: &Source<'_>,
    settings: &mut CrawlSettings,
    key: &str,
    value: &Value<'_>,
) -> Result<bool, ConfigError> {
    match key {
        "max_pages" => {
            let rule = NumberRule {
                min: 1,
                max: MAX_PAGES_LIMIT,
                example: DEFAULT_MAX_PAGES,
            };
            settings.max_pages = number(src, key, value, rule)?;
        }
        "max_depth" => {
            let rule = NumberRule {
                min: 0,
                max: MAX_DEPTH_LIMIT,
                example: DEFAULT_MAX_DEPTH,
            };
            settings.max_depth = number(src, key, value, rule)?;
        }
        "concurrency" => {
            let rule = NumberRule {
                min: 1,
                max: MAX_CONCURRENCY,
                example: DEFAULT_CONCURRENCY,
            };
            settings.concurrency = number(src, key, value, rule)?;
        }
        "delay_ms" => {
            let rule = NumberRule {
                min: 0,
                max: MAX_DELAY_MS,
                example: DEFAULT_DELAY_MS,
            };
            settings.delay_ms = number(src, key, value, rule)?;
        }
        "timeout_secs" => {
            let rule = NumberRule {
                min: 1,
                max: MAX_TIMEOUT_SECS,
                example: DEFAULT_TIMEOUT_SECS,
            };
            settings.timeout_secs = number(src, key, value, rule)?;
        }
        "max_body_bytes" => {
            let rule = NumberRule {
                min: 1,
                max: MAX_BODY_BYTES_LIMIT,
                example: DEFAULT_MAX_BODY_BYTES,
            };
            settings.max_body_bytes = number(src, key, value, rule)?;
        }
        "settle_ms" => {
            let rule = NumberRule {
                min: 0,
                max: MAX_SETTLE_MS,
                example: DEFAULT_SETTLE_MS,
            };
            settings.settle_ms = number(src, key, value, rule)?;
        }
        "target_timeout_secs" => {
            let rule = NumberRule {
                min: 1,
                max: MAX_TIMEOUT_SECS,
                example: DEFAULT_TARGET_TIMEOUT_SECS,
            };
            settings.target_timeout_secs = number(src, key, value, rule)?;
        }
        "max_queries_per_path" => {
            let rule = NumberRule {
                min: 0,
                max: MAX_PAGES_LIMIT,
                example: DEFAULT_MAX_QUERIES_PER_PATH,
            };
            settings.max_queries_per_path = number(src, key, value, rule)?;
        }
        "consent" => settings.consent = consent(src, value)?,
        "engine" => settings.engine = keyword(src, key, value)?,
        "user_agent" => settings.user_agent = user_agent(src, value)?,
        _ => return Ok(false),
    }
    Ok(true)
}

/// The accepted range of a numeric setting, and a sensible value to show in
/// help texts.
struct NumberRule<T> {
    min: T,
    max: T,
    example: T,
}

fn number<T>(
    src: &Source<'_>,
    key: &str,
    value: &Value<'_>,
    rule: NumberRule<T>,
) -> Result<T, ConfigError>
where
    T: Copy + PartialOrd + fmt::Display + TryFrom<i128>,
{
    let example = format!("{key} = {}", rule.example);
    let error = |message: String| {
        src.error_at(value.span(), message)
            .with_help(format!("e.g. {example}"))
    };
    let DeValue::Integer(integer) = value.get_ref() else {
        return Err(type_error(
            src,
            &format!("`{key}`"),
            value,
            "a whole number",
            &format!("write it without quotes or decimals, e.g. {example}"),
        ));
    };
    let Ok(written) = i128::from_str_radix(integer.as_str(), integer.radix()) else {
        return Err(error(format!("`{key}` = {integer} is far too large")));
    };
    if written < 0 {
        return Err(error(format!(
            "`{key}` must not be negative, found {written}"
        )));
    }
    let in_range = T::try_from(written).ok().filter(|n| *n <= rule.max);
    let Some(n) = in_range else {
        return Err(error(format!(
            "`{key}` must be at most {}, found {written}",
            rule.max
        )));
    };
    if n < rule.min {
        return Err(error(format!(
            "`{key}` must be at least {}, found {n}",
            rule.min
        )));
    }
    Ok(n)
}

/// Words with a fixed set of spellings in `targets.toml`.
trait Keyword: Copy + 'static {
    const ALL: &'static [Self];
    fn spelling(self) -> &'static str;
}

impl Keyword for Engine {
    const ALL: &'static [Self] = &[Self::Http, Self::Browser];
    fn spelling(self) -> &'static str {
        self.as_str()
    }
}

impl Keyword for Jurisdiction {
    const ALL: &'static [Self] = &[Self::Eu, Self::Be, Self::Fr];
    fn spelling(self) -> &'static str {
        self.as_str()
    }
}

fn keyword<T: Keyword>(src: &Source<'_>, key: &str, value: &Value<'_>) -> Result<T, ConfigError> {
    let allowed: Vec<&str> = T::ALL.iter().map(|word| word.spelling()).collect();
    let example = format!(
        "{key} = \"{}\"",
        allowed.first().copied().unwrap_or_default()
    );
    let written = string(src, key, value, &example)?;
    if let Some(word) = T::ALL.iter().find(|word| word.spelling() == written) {
        return Ok(*word);
    }
    let hint = closest(written, &allowed)
        .map(|suggestion| format!("did you mean \"{suggestion}\"? "))
        .unwrap_or_default();
    Err(src
        .error_at(value.span(), format!("unknown {key} {written:?}"))
        .with_help(format!("{hint}allowed values: {}", allowed.join(", "))))
}

fn type_error(
    src: &Source<'_>,
    subject: &str,
    value: &Value<'_>,
    expected: &str,
    help: &str,
) -> ConfigError {
    let found = describe(value.get_ref());
    src.error_at(
        value.span(),
        format!("{subject} must be {expected}, found {found}"),
    )
    .with_help(help)
}

/// Names a value the way the user wrote it, so type errors show what is there.
fn describe(value: &DeValue<'_>) -> String {
    match value {
        DeValue::String(text) => format!("the string {text:?}"),
        DeValue::Integer(integer) => format!("the number {integer}"),
        DeValue::Float(float) => format!("the decimal number {}", float.as_str()),
        DeValue::Boolean(flag) => format!("`{flag}`"),
        DeValue::Datetime(datetime) => format!("the date {datetime}"),
        DeValue::Array(_) => "a list".to_owned(),
        DeValue::Table(_) => "a table".to_owned(),
    }
}

fn string<'v>(
    src: &Source<'_>,
    key: &str,
    value: &'v Value<'_>,
    example: &str,
) -> Result<&'v str, ConfigError> {
    value.get_ref().as_str().ok_or_else(|| {
        type_error(
            src,
            &format!("`{key}`"),
            value,
            "a string",
            &format!("put the value in quotes, e.g. {example}"),
        )
    })
}

fn has_control_chars(text: &str) -> bool {
    text.chars().any(char::is_control)
}

fn target_name(src: &Source<'_>, value: &Value<'_>) -> Result<Spanned<String>, ConfigError> {
    const EXAMPLE: &str = "name = \"example.org\"";
    let name = string(src, "name", value, EXAMPLE)?;
    if name.trim().is_empty() {
        return Err(src
            .error_at(value.span(), "`name` must not be empty")
            .with_help(format!(
                "give the target a short unique label, e.g. {EXAMPLE}"
            )));
    }
    if has_control_chars(name) {
        return Err(src
            .error_at(
                value.span(),
                format!("`name` must not contain control characters, found {name:?}"),
            )
            .with_help(format!("use printable characters only, e.g. {EXAMPLE}")));
    }
    Ok(Spanned::new(value.span(), name.to_owned()))
}

fn is_http(url: &Url) -> bool {
    matches!(url.scheme(), "http" | "https")
}

fn site_url(src: &Source<'_>, value: &Value<'_>) -> Result<Url, ConfigError> {
    const EXAMPLE: &str = "url = \"https://example.org/\"";
    let written = string(src, "url", value, EXAMPLE)?;
    let problem = match Url::parse(written) {
        Ok(url) if is_http(&url) => return Ok(url),
        Ok(url) => format!("it uses the `{}` scheme", url.scheme()),
        Err(err) => err.to_string(),
    };
    Err(src
        .error_at(
            value.span(),
            format!("`url` must be an absolute http(s) URL, found {written:?} ({problem})"),
        )
        .with_help(format!("write the full address, e.g. {EXAMPLE}")))
}

fn start_pages(src: &Source<'_>, base: &Url, value: &Value<'_>) -> Result<Vec<Url>, ConfigError> {
    let DeValue::Array(entries) = value.get_ref() else {
        return Err(type_error(
            src,
            "`start`",
            value,
            "a list of strings",
            "write a list, even for one page, e.g. start = [\"/explore/\"]",
        ));
    };
    entries
        .iter()
        .map(|entry| start_page(src, base, entry))
        .collect()
}

fn start_page(src: &Source<'_>, base: &Url, entry: &Value<'_>) -> Result<Url, ConfigError> {
    const HELP: &str = "give a path on the site or a full http(s) URL, \
                        e.g. start = [\"/explore/\", \"https://example.org/news/\"]";
    let Some(written) = entry.get_ref().as_str() else {
        return Err(type_error(
            src,
            "each `start` entry",
            entry,
            "a string",
            HELP,
        ));
    };
    if written.trim().is_empty() {
        return Err(src
            .error_at(entry.span(), "`start` entries must not be empty")
            .with_help(HELP));
    }
    let problem = match base.join(written) {
        Ok(url) if is_http(&url) => return Ok(url),
        Ok(url) => format!("it resolves to a `{}` URL", url.scheme()),
        Err(err) => err.to_string(),
    };
    Err(src
        .error_at(
            entry.span(),
            format!("`start` entry {written:?} is not a usable http(s) page ({problem})"),
        )
        .with_help(HELP))
}

fn charter(src: &Source<'_>, value: &Value<'_>) -> Result<CharterSource, ConfigError> {
    const EXAMPLE: &str = "charter = \"https://example.org/cookies/\"";
    let written = string(src, "charter", value, EXAMPLE)?;
    if written.trim().is_empty() {
        return Err(src
            .error_at(value.span(), "`charter` must not be empty")
            .with_help(format!(
                "give the charter's URL or a file path, e.g. {EXAMPLE}, or remove the key"
            )));
    }
    Ok(match Url::parse(written) {
        Ok(url) if is_http(&url) => CharterSource::Url(url),
        _ => CharterSource::File(src.base_dir().join(written)),
    })
}

fn user_agent(src: &Source<'_>, value: &Value<'_>) -> Result<String, ConfigError> {
    const EXAMPLE: &str = "user_agent = \"my-audit/1.0 (+https://example.org/contact)\"";
    let written = string(src, "user_agent", value, EXAMPLE)?;
    if written.trim().is_empty() {
        return Err(src
            .error_at(value.span(), "`user_agent` must not be empty")
            .with_help(format!(
                "remove the key to send the default \"{DEFAULT_USER_AGENT}\", or e.g. {EXAMPLE}"
            )));
    }
    if has_control_chars(written) {
        return Err(src
            .error_at(
                value.span(),
                format!("`user_agent` must not contain control characters, found {written:?}"),
            )
            .with_help("keep it on one line, without tabs or other control characters"));
    }
    Ok(written.to_owned())
}

const CONSENT_TABLE_EXAMPLE: &str =
    "consent = { accept = \"#cookie-banner .accept\", reject = \"#cookie-banner .reject\" }";

/// Both ways of naming a banner's buttons, for help texts that cannot tell
/// which one the user was after.
fn consent_forms() -> String {
    format!(
        "write consent = \"opendatasoft\" for the Opendatasoft banner, \
         or the buttons' CSS selectors, e.g. {CONSENT_TABLE_EXAMPLE}"
    )
}

/// Reads `consent`; `None` means no consent phases, which `false` spells out
/// so a target can switch off a consent set in `[defaults]`.
fn consent(src: &Source<'_>, value: &Value<'_>) -> Result<Option<ConsentSelectors>, ConfigError> {
    match value.get_ref() {
        DeValue::Boolean(false) => Ok(None),
        DeValue::Boolean(true) => Err(src
            .error_at(
                value.span(),
                "`consent = true` does not say which buttons to click",
            )
            .with_help(format!(
                "{}; consent = false audits without consent phases",
                consent_forms()
            ))),
        DeValue::String(preset) => consent_preset(src, value, preset).map(Some),
        DeValue::Table(table) => consent_table(src, value, table).map(Some),
        _ => Err(type_error(
            src,
            "`consent`",
            value,
            "a preset name, a table of CSS selectors or `false`",
            &consent_forms(),
        )),
    }
}

fn consent_preset(
    src: &Source<'_>,
    value: &Value<'_>,
    written: &str,
) -> Result<ConsentSelectors, ConfigError> {
    if written == "opendatasoft" {
        return Ok(ConsentSelectors::opendatasoft());
    }
    let hint = closest(written, CONSENT_PRESETS)
        .map(|suggestion| format!("did you mean \"{suggestion}\"? "))
        .unwrap_or_default();
    let presets: Vec<String> = CONSENT_PRESETS
        .iter()
        .map(|preset| format!("\"{preset}\""))
        .collect();
    Err(src
        .error_at(value.span(), format!("unknown consent preset {written:?}"))
        .with_help(format!(
            "{hint}known presets: {}; or give the buttons' CSS selectors, \
             e.g. {CONSENT_TABLE_EXAMPLE}",
            presets.join(", ")
        )))
}

fn consent_table(
    src: &Source<'_>,
    value: &Value<'_>,
    table: &DeTable<'_>,
) -> Result<ConsentSelectors, ConfigError> {
    let mut accept = None;
    let mut reject = None;
    for (key, selector) in in_file_order(table) {
        match key_name(key) {
            "accept" => accept = Some(css_selector(src, "accept", selector)?),
            "reject" => reject = Some(css_selector(src, "reject", selector)?),
            _ => return Err(unknown_key(src, key, Section::Consent)),
        }
    }
    let missing = |key: &str, example: &str, button: &str| {
        src.error_at(value.span(), format!("`consent` has no `{key}`"))
            .with_help(format!(
                "add {key} = {example}, the CSS selector of the button that {button}"
            ))
    };
    Ok(ConsentSelectors {
        accept: accept.ok_or_else(|| {
            missing(
                "accept",
                "\"#cookie-banner .accept\"",
                "accepts every cookie",
            )
        })?,
        reject: reject.ok_or_else(|| {
            missing(
                "reject",
                "\"#cookie-banner .reject\"",
                "refuses every cookie that needs consent",
            )
        })?,
    })
}

/// Checks a selector now, because a broken one would otherwise only show up
/// as a banner the browser never clicks, deep into the audit.
fn css_selector(src: &Source<'_>, key: &str, value: &Value<'_>) -> Result<String, ConfigError> {
    let subject = format!("`consent.{key}`");
    let example = format!("{key} = \"#cookie-banner .{key}\"");
    let written = value.get_ref().as_str().ok_or_else(|| {
        type_error(
            src,
            &subject,
            value,
            "a string",
            &format!("put the CSS selector in quotes, e.g. {example}"),
        )
    })?;
    let problem = if written.trim().is_empty() {
        format!("{subject} must not be empty")
    } else if written.len() > MAX_SELECTOR_BYTES {
        format!(
            "{subject} must be at most {MAX_SELECTOR_BYTES} bytes long, found {}",
            written.len()
        )
    } else if scraper::Selector::parse(written).is_err() {
        format!("{subject} is not a CSS selector: `{written}`")
    } else {
        return Ok(written.to_owned());
    };
    Err(src
        .error_at(value.span(), problem)
        .with_help(format!("e.g. {example}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    const EVERY_KEY: &str = include_str!("../tests/fixtures/config/every_key.toml");

    /// Joins lines into a document, so a test can read off the line number of
    /// each entry as its position in the slice plus one.
    fn doc(lines: &[&str]) -> String {
        let mut text = lines.join("\n");
        text.push('\n');
        text
    }

    fn parse_ok(text: &str) -> Config {
        parse(text, Path::new("targets.toml")).expect("config should be valid")
    }

    fn parse_err(text: &str) -> ConfigError {
        parse(text, Path::new("targets.toml")).expect_err("config should be rejected")
    }

    fn help(err: &ConfigError) -> &str {
        err.help().expect("error should carry a help text")
    }

    #[test]
    fn defaults_only_need_no_target_but_still_check_the_targets_given() {
        let path = Path::new("targets.toml");
        let defaults = parse_defaults_only(&doc(&["[defaults]", "delay_ms = 7"]), path)
            .expect("no [[target]] is needed");
        assert_eq!(defaults.delay_ms, 7);
        let with_target = doc(&["[defaults]", "delay_ms = 7", &target_with("")]);
        let defaults = parse_defaults_only(&with_target, path).expect("a valid target is fine");
        assert_eq!(defaults.delay_ms, 7);
        let bad_target = doc(&["[defaults]", "delay_ms = 7", &target_with("colour = 1")]);
        let err = parse_defaults_only(&bad_target, path).expect_err("a bad target is refused");
        assert_eq!(err.line(), 6, "{err}");
        assert!(parse(&doc(&["[defaults]", "delay_ms = 7"]), path).is_err());
    }

    /// A `[[target]]` whose only extra line is `extra`, which lands on line 4.
    fn target_with(extra: &str) -> String {
        doc(&[
            "[[target]]",
            "name = \"site\"",
            "url = \"https://example.org/\"",
            extra,
        ])
    }

    #[test]
    fn defaults_fill_in_and_target_overrides_win() {
        let config = parse_ok(&doc(&[
            "[defaults]",
            "max_pages = 10",
            "engine = \"browser\"",
            "",
            "[[target]]",
            "name = \"plain\"",
            "url = \"https://plain.example/\"",
            "",
            "[[target]]",
            "name = \"tuned\"",
            "url = \"https://tuned.example/\"",
            "max_pages = 99",
            "engine = \"http\"",
            "delay_ms = 0",
        ]));

        let built_in = CrawlSettings::default();
        assert_eq!(config.defaults.max_pages, 10);
        assert_eq!(config.defaults.engine, Engine::Browser);
        assert_eq!(config.defaults.delay_ms, built_in.delay_ms);

        let plain = &config.targets[0];
        assert_eq!(plain.settings, config.defaults);

        let tuned = &config.targets[1];
        assert_eq!(tuned.name, "tuned");
        assert_eq!(tuned.settings.max_pages, 99);
        assert_eq!(tuned.settings.engine, Engine::Http);
        assert_eq!(tuned.settings.delay_ms, 0);
        assert_eq!(tuned.settings.concurrency, built_in.concurrency);
        assert_eq!(tuned.settings.user_agent, DEFAULT_USER_AGENT);
    }

    #[test]
    fn built_in_defaults_apply_without_a_defaults_section() {
        let config = parse_ok(&target_with(""));
        let expected = CrawlSettings {
            max_pages: 30,
            max_depth: 2,
            concurrency: 2,
            delay_ms: 500,
            timeout_secs: 30,
            engine: Engine::Http,
            user_agent: DEFAULT_USER_AGENT.to_owned(),
            max_body_bytes: 10 * 1024 * 1024,
            settle_ms: 1000,
            target_timeout_secs: 600,
            max_queries_per_path: 10,
            consent: None,
        };
        assert_eq!(CrawlSettings::default(), expected);
        assert_eq!(config.defaults, expected);
        let target = &config.targets[0];
        assert_eq!(target.settings, expected);
        assert_eq!(target.url.as_str(), "https://example.org/");
        assert_eq!(target.charter, None);
        assert!(target.start.is_empty());
        assert_eq!(target.jurisdiction, Jurisdiction::Eu);
    }

    #[test]
    fn default_user_agent_names_the_tool_and_version() {
        assert!(
            DEFAULT_USER_AGENT.starts_with(concat!("cookie-audit/", env!("CARGO_PKG_VERSION")))
        );
        assert!(DEFAULT_USER_AGENT.ends_with(" (automated cookie audit)"));
    }

    #[test]
    fn every_key_is_read() {
        let config = parse(EVERY_KEY, Path::new("conf/targets.toml")).expect("fixture is valid");

        assert_eq!(
            config.defaults,
            CrawlSettings {
                max_pages: 50,
                max_depth: 3,
                concurrency: 4,
                delay_ms: 250,
                timeout_secs: 20,
                engine: Engine::Browser,
                user_agent: "audit-bot/2.0 (+https://example.org/bot)".to_owned(),
                max_body_bytes: 5_000_000,
                settle_ms: DEFAULT_SETTLE_MS,
                target_timeout_secs: DEFAULT_TARGET_TIMEOUT_SECS,
                max_queries_per_path: DEFAULT_MAX_QUERIES_PER_PATH,
                consent: None,
            }
        );

        let brussels = &config.targets[0];
        let url = |text: &str| Url::parse(text).expect("test URL");
        assert_eq!(brussels.name, "opendata.bruxelles.be");
        assert_eq!(brussels.url, url("https://opendata.bruxelles.be/"));
        assert_eq!(
            brussels.charter,
            Some(CharterSource::Url(url(
                "https://opendata.bruxelles.be/page/cookies/"
            )))
        );
        assert_eq!(
            brussels.start,
            vec![
                url("https://opendata.bruxelles.be/explore/"),
                url("https://opendata.bruxelles.be/api/"),
            ]
        );
        assert_eq!(brussels.jurisdiction, Jurisdiction::Be);
        assert_eq!(
            brussels.settings,
            CrawlSettings {
                max_pages: 100,
                max_depth: 0,
                concurrency: 1,
                delay_ms: 0,
                timeout_secs: 60,
                engine: Engine::Http,
                user_agent: "audit-bot/2.0 (target override)".to_owned(),
                max_body_bytes: 1_048_576,
                settle_ms: DEFAULT_SETTLE_MS,
                target_timeout_secs: DEFAULT_TARGET_TIMEOUT_SECS,
                max_queries_per_path: DEFAULT_MAX_QUERIES_PER_PATH,
                consent: None,
            }
        );

        let paris = &config.targets[1];
        assert_eq!(paris.jurisdiction, Jurisdiction::Fr);
        assert_eq!(
            paris.charter,
            Some(CharterSource::File(PathBuf::from(
                "conf/charters/service-public.html"
            )))
        );
        assert_eq!(paris.settings, config.defaults);
    }

    #[test]
    fn start_pages_resolve_against_url_in_file_order() {
        let config = parse_ok(&doc(&[
            "[[target]]",
            "name = \"site\"",
            "start = [\"explore/\", \"/about?lang=fr\", \"../up\", \"http://other.example/x\"]",
            "url = \"https://example.org/data/\"",
        ]));
        let start: Vec<&str> = config.targets[0].start.iter().map(Url::as_str).collect();
        assert_eq!(
            start,
            [
                "https://example.org/data/explore/",
                "https://example.org/about?lang=fr",
                "https://example.org/up",
                "http://other.example/x",
            ]
        );
    }

    #[test]
    fn charter_paths_resolve_against_the_config_directory() {
        let charter_of = |value: &str, config_path: &str| {
            let text = target_with(&format!("charter = {value:?}"));
            let config = parse(&text, Path::new(config_path)).expect("valid config");
            config.targets[0].charter.clone()
        };
        assert_eq!(
            charter_of("cookies.html", "audits/targets.toml"),
            Some(CharterSource::File(PathBuf::from("audits/cookies.html")))
        );
        assert_eq!(
            charter_of("cookies.html", "targets.toml"),
            Some(CharterSource::File(PathBuf::from("cookies.html")))
        );
        assert_eq!(
            charter_of("/srv/charters/cookies.html", "audits/targets.toml"),
            Some(CharterSource::File(PathBuf::from(
                "/srv/charters/cookies.html"
            )))
        );
        assert_eq!(
            charter_of("http://example.org/cookies", "audits/targets.toml"),
            Some(CharterSource::Url(
                Url::parse("http://example.org/cookies").expect("test URL")
            ))
        );
    }

    #[test]
    fn numbers_may_use_underscores_and_other_bases() {
        let config = parse_ok(&doc(&[
            "[defaults]",
            "max_pages = 1_000",
            "concurrency = 0x10",
            "delay_ms = 0o17",
            "max_depth = 0b11",
            "[[target]]",
            "name = \"site\"",
            "url = \"https://example.org/\"",
        ]));
        assert_eq!(config.defaults.max_pages, 1000);
        assert_eq!(config.defaults.concurrency, 16);
        assert_eq!(config.defaults.delay_ms, 15);
        assert_eq!(config.defaults.max_depth, 3);
    }

    #[test]
    fn keyword_spellings_match_serde() {
        for engine in Engine::ALL {
            let value = toml::Value::try_from(engine).expect("engine serializes");
            assert_eq!(value.as_str(), Some(engine.as_str()));
            assert_eq!(engine.to_string(), engine.as_str());
        }
        for jurisdiction in Jurisdiction::ALL {
            let value = toml::Value::try_from(jurisdiction).expect("jurisdiction serializes");
            assert_eq!(value.as_str(), Some(jurisdiction.as_str()));
            assert_eq!(jurisdiction.to_string(), jurisdiction.as_str());
        }
        assert_eq!(Jurisdiction::default(), Jurisdiction::Eu);
    }

    #[test]
    fn syntax_errors_keep_the_toml_message_and_position() {
        let err = parse_err(&doc(&[
            "[[target]]",
            "name = \"site\"",
            "url = \"https://example.org/",
        ]));
        assert_eq!((err.line(), err.column()), (3, 28));
        assert!(err.message().contains("string"), "{err}");
    }

    #[test]
    fn duplicate_toml_keys_are_syntax_errors() {
        let err = parse_err(&doc(&[
            "[[target]]",
            "name = \"site\"",
            "url = \"https://example.org/\"",
            "name = \"again\"",
        ]));
        assert_eq!((err.line(), err.column()), (4, 1));
        assert_eq!(err.message(), "duplicate key `name`");
        assert!(help(&err).contains("defined only once"), "{err}");
    }

    #[test]
    fn unknown_target_key_names_the_target_and_suggests_the_fix() {
        let err = parse_err(&doc(&[
            "[[target]]",
            "name = \"opendata.bruxelles.be\"",
            "url = \"https://opendata.bruxelles.be/\"",
            "  max_page = 10",
        ]));
        assert_eq!((err.line(), err.column()), (4, 3));
        assert_eq!(
            err.message(),
            "unknown key `max_page` in [[target]] \"opendata.bruxelles.be\""
        );
        assert!(
            help(&err).starts_with("did you mean `max_pages`? allowed keys: name, url, charter, start, jurisdiction, max_pages, max_depth"),
            "{err}"
        );
        assert!(
            help(&err).ends_with(
                "max_body_bytes, settle_ms, target_timeout_secs, max_queries_per_path, consent"
            ),
            "{err}"
        );
    }

    #[test]
    fn unknown_key_before_the_name_still_names_the_target() {
        let err = parse_err(&doc(&[
            "[[target]]",
            "delay = 10",
            "name = \"site\"",
            "url = \"https://example.org/\"",
        ]));
        assert_eq!(err.line(), 2);
        assert_eq!(err.message(), "unknown key `delay` in [[target]] \"site\"");
    }

    #[test]
    fn unknown_key_without_a_name_uses_the_target_position() {
        let err = parse_err(&doc(&[
            "[[target]]",
            "name = \"first\"",
            "url = \"https://example.org/\"",
            "[[target]]",
            "colour = \"blue\"",
        ]));
        assert_eq!(err.line(), 5);
        assert_eq!(err.message(), "unknown key `colour` in [[target]] #2");
        assert!(!help(&err).contains("did you mean"), "{err}");
        assert!(help(&err).starts_with("allowed keys: name, url"), "{err}");
    }

    #[test]
    fn unknown_defaults_key_lists_only_settings() {
        let err = parse_err(&doc(&["[defaults]", "max_pages = 5", "timeout = 10"]));
        assert_eq!((err.line(), err.column()), (3, 1));
        assert_eq!(err.message(), "unknown key `timeout` in [defaults]");
        assert_eq!(
            help(&err),
            "did you mean `timeout_secs`? allowed keys: max_pages, max_depth, concurrency, \
             delay_ms, timeout_secs, engine, user_agent, max_body_bytes, settle_ms, target_timeout_secs, max_queries_per_path, consent"
        );
    }

    #[test]
    fn suggestions_cover_typos_and_missing_word_parts() {
        let keys = SETTINGS_KEYS;
        assert_eq!(closest("max_page", keys), Some("max_pages"));
        assert_eq!(closest("useragent", keys), Some("user_agent"));
        assert_eq!(closest("Max_Depth", keys), Some("max_depth"));
        assert_eq!(closest("depth", keys), Some("max_depth"));
        assert_eq!(closest("bytes", keys), Some("max_body_bytes"));
        assert_eq!(closest("id", &["user_id", "group_id"]), None, "ambiguous");
        assert_eq!(closest("colour", keys), None);
    }

    #[test]
    fn target_only_key_in_defaults_says_where_it_belongs() {
        let err = parse_err(&doc(&["[defaults]", "jurisdiction = \"be\""]));
        assert_eq!(err.line(), 2);
        assert!(
            help(&err)
                .starts_with("`jurisdiction` belongs in a [[target]]; allowed keys: max_pages"),
            "{err}"
        );
    }

    #[test]
    fn unknown_top_level_key_suggests_target() {
        let err = parse_err(&doc(&[
            "[[targets]]",
            "name = \"site\"",
            "url = \"https://example.org/\"",
        ]));
        assert_eq!((err.line(), err.column()), (1, 3));
        assert_eq!(err.message(), "unknown key `targets` at the top level");
        assert_eq!(
            help(&err),
            "did you mean `target`? allowed keys: defaults, target"
        );
    }

    #[test]
    fn setting_at_the_top_level_says_where_it_belongs() {
        let err = parse_err(&doc(&["max_pages = 5", "[[target]]"]));
        assert_eq!(err.line(), 1);
        assert!(
            help(&err).starts_with("`max_pages` belongs in [defaults] or a [[target]]"),
            "{err}"
        );
    }

    #[test]
    fn string_where_a_number_belongs_asks_for_a_whole_number() {
        let err = parse_err(&doc(&["[defaults]", "max_pages = \"30\""]));
        assert_eq!((err.line(), err.column()), (2, 13));
        assert_eq!(
            err.message(),
            "`max_pages` must be a whole number, found the string \"30\""
        );
        assert!(help(&err).contains("e.g. max_pages = 30"), "{err}");
    }

    #[test]
    fn decimal_where_a_number_belongs_is_rejected() {
        let err = parse_err(&target_with("max_depth = 1.5"));
        assert_eq!(err.line(), 4);
        assert!(
            err.message()
                .contains("must be a whole number, found the decimal number 1.5"),
            "{err}"
        );
        assert!(help(&err).contains("max_depth = 2"), "{err}");
    }

    #[test]
    fn non_string_values_ask_for_quotes() {
        let cases = [
            (
                "engine = true",
                "`engine` must be a string, found `true`",
                "engine = \"http\"",
            ),
            (
                "user_agent = 7",
                "`user_agent` must be a string, found the number 7",
                "user_agent = \"",
            ),
            (
                "charter = [\"a\"]",
                "`charter` must be a string, found a list",
                "charter = \"",
            ),
            (
                "jurisdiction = 1",
                "`jurisdiction` must be a string",
                "jurisdiction = \"eu\"",
            ),
        ];
        for (line, message, example) in cases {
            let err = parse_err(&target_with(line));
            assert_eq!(err.line(), 4, "{err}");
            assert!(err.message().starts_with(message), "{err}");
            assert!(help(&err).contains("put the value in quotes"), "{err}");
            assert!(help(&err).contains(example), "{err}");
        }
    }

    #[test]
    fn name_and_url_must_be_strings() {
        let err = parse_err(&doc(&[
            "[[target]]",
            "name = 5",
            "url = \"https://a.example/\"",
        ]));
        assert_eq!(err.line(), 2);
        assert_eq!(err.message(), "`name` must be a string, found the number 5");

        let err = parse_err(&doc(&[
            "[[target]]",
            "name = \"a\"",
            "url = { host = \"a\" }",
        ]));
        assert_eq!(err.line(), 3);
        assert_eq!(err.message(), "`url` must be a string, found a table");
        assert!(
            help(&err).contains("url = \"https://example.org/\""),
            "{err}"
        );
    }

    #[test]
    fn missing_name_points_at_the_target_header() {
        let err = parse_err(&doc(&[
            "[[target]]",
            "name = \"first\"",
            "url = \"https://first.example/\"",
            "",
            "[[target]]",
            "url = \"https://second.example/\"",
        ]));
        assert_eq!((err.line(), err.column()), (5, 1));
        assert_eq!(err.message(), "[[target]] #2 has no `name`");
        assert_eq!(help(&err), "add name = \"example.org\"");
    }

    #[test]
    fn missing_url_points_at_the_target_header() {
        let err = parse_err(&doc(&["[defaults]", "", "[[target]]", "name = \"site\""]));
        assert_eq!((err.line(), err.column()), (3, 1));
        assert_eq!(err.message(), "[[target]] \"site\" has no `url`");
        assert_eq!(help(&err), "add url = \"https://example.org/\"");
    }

    #[test]
    fn duplicate_target_names_point_at_the_second_and_mention_the_first() {
        let err = parse_err(&doc(&[
            "[[target]]",
            "name = \"site\"",
            "url = \"https://a.example/\"",
            "[[target]]",
            "url = \"https://b.example/\"",
            "name = \"site\"",
        ]));
        assert_eq!((err.line(), err.column()), (6, 8));
        assert_eq!(err.message(), "duplicate target name \"site\"");
        assert!(help(&err).contains("already defined on line 2"), "{err}");
    }

    #[test]
    fn a_file_without_targets_is_rejected() {
        for text in ["", "[defaults]\nmax_pages = 3\n", "target = []\n"] {
            let err = parse_err(text);
            assert_eq!(err.line(), 1, "{err}");
            assert_eq!(err.message(), "no [[target]] defined");
            assert_eq!(help(&err), "add at least one [[target]] with name and url");
        }
    }

    #[test]
    fn single_bracket_target_asks_for_double_brackets() {
        let err = parse_err(&doc(&[
            "[defaults]",
            "[target]",
            "name = \"site\"",
            "url = \"https://example.org/\"",
        ]));
        assert_eq!(err.line(), 2);
        assert!(
            help(&err).contains("[[target]] with double brackets"),
            "{err}"
        );
    }

    #[test]
    fn target_entries_must_be_tables() {
        let err = parse_err("target = [\"site\"]\n");
        assert_eq!((err.line(), err.column()), (1, 11));
        assert_eq!(err.message(), "[[target]] #1 must be a table");
    }

    #[test]
    fn relative_url_is_rejected_with_an_example() {
        let err = parse_err(&doc(&[
            "[[target]]",
            "name = \"site\"",
            "url = \"opendata.bruxelles.be\"",
        ]));
        assert_eq!((err.line(), err.column()), (3, 7));
        assert!(
            err.message().starts_with(
                "`url` must be an absolute http(s) URL, found \"opendata.bruxelles.be\""
            ),
            "{err}"
        );
        assert_eq!(
            help(&err),
            "write the full address, e.g. url = \"https://example.org/\""
        );
    }

    #[test]
    fn non_http_url_is_rejected() {
        let err = parse_err(&doc(&[
            "[[target]]",
            "name = \"site\"",
            "url = \"ftp://example.org/\"",
        ]));
        assert_eq!(err.line(), 3);
        assert!(err.message().contains("`ftp` scheme"), "{err}");
    }

    #[test]
    fn start_entry_that_is_not_http_is_rejected() {
        let err = parse_err(&doc(&[
            "[[target]]",
            "name = \"site\"",
            "url = \"https://example.org/\"",
            "start = [",
            "  \"/ok/\",",
            "  \"mailto:dpo@example.org\",",
            "]",
        ]));
        assert_eq!((err.line(), err.column()), (6, 3));
        assert!(
            err.message().contains("\"mailto:dpo@example.org\"")
                && err.message().contains("`mailto` URL"),
            "{err}"
        );
        assert!(help(&err).contains("start = [\"/explore/\""), "{err}");
    }

    #[test]
    fn start_entry_that_cannot_be_joined_is_rejected() {
        let err = parse_err(&target_with("start = [\"https://exa mple.org/\"]"));
        assert_eq!((err.line(), err.column()), (4, 10));
        assert!(
            err.message().contains("is not a usable http(s) page"),
            "{err}"
        );
    }

    #[test]
    fn start_must_be_a_list_of_non_empty_strings() {
        let err = parse_err(&target_with("start = \"/explore/\""));
        assert_eq!(err.line(), 4);
        assert_eq!(
            err.message(),
            "`start` must be a list of strings, found the string \"/explore/\""
        );
        assert!(help(&err).contains("start = [\"/explore/\"]"), "{err}");

        let err = parse_err(&target_with("start = [\"/a/\", 3]"));
        assert_eq!((err.line(), err.column()), (4, 17));
        assert_eq!(
            err.message(),
            "each `start` entry must be a string, found the number 3"
        );

        let err = parse_err(&target_with("start = [\" \"]"));
        assert_eq!(err.message(), "`start` entries must not be empty");
    }

    #[test]
    fn empty_charter_is_rejected() {
        let err = parse_err(&target_with("charter = \"\""));
        assert_eq!((err.line(), err.column()), (4, 11));
        assert_eq!(err.message(), "`charter` must not be empty");
        assert!(help(&err).contains("or remove the key"), "{err}");
    }

    #[test]
    fn zero_is_rejected_where_at_least_one_is_needed() {
        for key in ["max_pages", "concurrency", "timeout_secs", "max_body_bytes"] {
            let err = parse_err(&target_with(&format!("{key} = 0")));
            assert_eq!(err.line(), 4, "{err}");
            assert_eq!(
                err.message(),
                format!("`{key}` must be at least 1, found 0")
            );
            assert!(help(&err).starts_with(&format!("e.g. {key} = ")), "{err}");
        }
    }

    #[test]
    fn zero_depth_and_zero_delay_are_allowed() {
        let config = parse_ok(&doc(&[
            "[defaults]",
            "max_depth = 0",
            "delay_ms = 0",
            "[[target]]",
            "name = \"site\"",
            "url = \"https://example.org/\"",
        ]));
        assert_eq!(config.targets[0].settings.max_depth, 0);
        assert_eq!(config.targets[0].settings.delay_ms, 0);
    }

    #[test]
    fn negative_numbers_are_rejected() {
        for key in ["max_depth", "delay_ms", "max_pages"] {
            let err = parse_err(&target_with(&format!("{key} = -5")));
            assert_eq!(err.line(), 4, "{err}");
            assert_eq!(
                err.message(),
                format!("`{key}` must not be negative, found -5")
            );
        }
    }

    #[test]
    fn absurdly_large_values_state_the_limit() {
        let err = parse_err(&target_with("concurrency = 65"));
        assert_eq!(err.line(), 4);
        assert_eq!(err.message(), "`concurrency` must be at most 64, found 65");
        assert_eq!(help(&err), "e.g. concurrency = 2");

        let err = parse_err(&target_with("max_pages = 1_000_001"));
        assert_eq!(
            err.message(),
            "`max_pages` must be at most 1000000, found 1000001"
        );

        let err = parse_err(&target_with(
            "delay_ms = 99999999999999999999999999999999999999999",
        ));
        assert!(err.message().contains("far too large"), "{err}");

        for (line, limit) in [
            ("max_depth = 10001", "10000"),
            ("delay_ms = 3600001", "3600000"),
            ("timeout_secs = 86401", "86400"),
            ("max_body_bytes = 1073741825", "1073741824"),
        ] {
            let err = parse_err(&target_with(line));
            assert!(err.message().contains(&format!("at most {limit}")), "{err}");
        }
    }

    #[test]
    fn limits_themselves_are_accepted() {
        let config = parse_ok(&doc(&[
            "[defaults]",
            "concurrency = 64",
            "max_pages = 1_000_000",
            "[[target]]",
            "name = \"site\"",
            "url = \"https://example.org/\"",
        ]));
        assert_eq!(config.defaults.concurrency, MAX_CONCURRENCY);
        assert_eq!(config.defaults.max_pages, MAX_PAGES_LIMIT);
    }

    #[test]
    fn unknown_engine_lists_the_allowed_ones() {
        let err = parse_err(&doc(&["[defaults]", "engine = \"chrome\""]));
        assert_eq!((err.line(), err.column()), (2, 10));
        assert_eq!(err.message(), "unknown engine \"chrome\"");
        assert_eq!(help(&err), "allowed values: http, browser");
    }

    #[test]
    fn unknown_jurisdiction_suggests_the_lowercase_spelling() {
        let err = parse_err(&target_with("jurisdiction = \"BE\""));
        assert_eq!(err.line(), 4);
        assert_eq!(err.message(), "unknown jurisdiction \"BE\"");
        assert_eq!(
            help(&err),
            "did you mean \"be\"? allowed values: eu, be, fr"
        );
    }

    #[test]
    fn empty_or_blank_name_is_rejected() {
        for name in ["", "   "] {
            let err = parse_err(&doc(&[
                "[[target]]",
                &format!("name = {name:?}"),
                "url = \"https://example.org/\"",
            ]));
            assert_eq!((err.line(), err.column()), (2, 8), "{err}");
            assert_eq!(err.message(), "`name` must not be empty");
            assert!(help(&err).contains("name = \"example.org\""), "{err}");
        }
    }

    #[test]
    fn name_with_control_characters_is_rejected() {
        let err = parse_err(&doc(&[
            "[[target]]",
            "name = \"two\\nlines\"",
            "url = \"https://example.org/\"",
        ]));
        assert_eq!(err.line(), 2);
        assert_eq!(
            err.message(),
            "`name` must not contain control characters, found \"two\\nlines\""
        );
    }

    #[test]
    fn user_agent_must_be_a_single_non_empty_line() {
        let err = parse_err(&doc(&["[defaults]", "user_agent = \"\""]));
        assert_eq!(err.line(), 2);
        assert_eq!(err.message(), "`user_agent` must not be empty");
        assert!(help(&err).contains(DEFAULT_USER_AGENT), "{err}");

        let err = parse_err(&target_with("user_agent = \"bot\\r\\nX-Injected: 1\""));
        assert_eq!(err.line(), 4);
        assert!(err.message().contains("control characters"), "{err}");
    }

    #[test]
    fn first_error_in_file_order_wins() {
        let err = parse_err(&doc(&[
            "[[target]]",
            "url = \"https://example.org/\"",
            "name = \"site\"",
            "max_pages = 0",
            "concurrency = 0",
        ]));
        assert_eq!(err.line(), 4);
        assert!(err.message().starts_with("`max_pages`"), "{err}");
    }

    #[test]
    fn columns_count_characters_not_bytes() {
        let err = parse_err(&doc(&["[[target]]", "name = \"café\"; url = 1"]));
        // toml rejects the `;`: 13 characters but 14 bytes precede it.
        assert_eq!((err.line(), err.column()), (2, 14));
        assert_eq!(line_column("é\nxé€y", 9), (2, 4));
        assert_eq!(line_column("ab", 99), (1, 3));
    }

    #[test]
    fn display_reads_like_a_compiler_diagnostic() {
        let err = parse_err(&doc(&[
            "[[target]]",
            "name = \"site\"",
            "url = \"https://example.org/\"",
            "max_page = 3",
        ]));
        let rendered = err.to_string();
        let mut lines = rendered.lines();
        assert_eq!(
            lines.next(),
            Some("targets.toml:4:1: unknown key `max_page` in [[target]] \"site\"")
        );
        assert!(
            lines
                .next()
                .is_some_and(|line| line.starts_with("  help: did you mean `max_pages`?")),
            "{rendered}"
        );
        assert_eq!(lines.next(), None);
        assert_eq!(err.path(), Path::new("targets.toml"));
    }

    #[test]
    fn load_reports_a_missing_file_without_a_position() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("targets.toml");
        let err = load(&path).expect_err("file does not exist");
        assert_eq!((err.line(), err.column()), (0, 0));
        assert_eq!(err.path(), path);
        assert!(err.message().contains("no such file"), "{err}");
        assert!(help(&err).contains("--targets PATH"), "{err}");
        assert!(
            err.to_string()
                .starts_with(&format!("{}: could not read", path.display())),
            "{err}"
        );
    }

    #[test]
    fn load_rejects_non_utf8_files() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("targets.toml");
        std::fs::write(&path, b"name = \"\xff\"\n").expect("write fixture");
        let err = load(&path).expect_err("not UTF-8");
        assert!(err.message().contains("not valid UTF-8"), "{err}");
    }

    #[test]
    fn load_parses_the_file_and_resolves_charters_beside_it() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("targets.toml");
        std::fs::write(&path, target_with("charter = \"cookies.html\"")).expect("write fixture");
        let config = load(&path).expect("valid file");
        assert_eq!(
            config.targets[0].charter,
            Some(CharterSource::File(dir.path().join("cookies.html")))
        );
    }

    #[test]
    fn load_errors_name_the_path_given() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("sites.toml");
        std::fs::write(&path, "[defaults]\n").expect("write fixture");
        let err = load(&path).expect_err("no targets");
        assert_eq!(err.path(), path);
        assert!(
            err.to_string()
                .starts_with(&format!("{}:1:1: no [[target]] defined", path.display())),
            "{err}"
        );
    }

    #[test]
    fn settle_ms_is_inherited_and_overridden() {
        let config = parse_ok(&doc(&[
            "[defaults]",
            "settle_ms = 2500",
            "[[target]]",
            "name = \"inherits\"",
            "url = \"https://a.example/\"",
            "[[target]]",
            "name = \"overrides\"",
            "url = \"https://b.example/\"",
            "settle_ms = 0",
            "[[target]]",
            "name = \"at-the-limit\"",
            "url = \"https://c.example/\"",
            "settle_ms = 60_000",
        ]));
        assert_eq!(config.defaults.settle_ms, 2500);
        let settle: Vec<u64> = config
            .targets
            .iter()
            .map(|target| target.settings.settle_ms)
            .collect();
        assert_eq!(settle, [2500, 0, MAX_SETTLE_MS]);

        let config = parse_ok(&target_with(""));
        assert_eq!(config.targets[0].settings.settle_ms, 1000);
    }

    #[test]
    fn settle_ms_out_of_range_is_rejected() {
        let cases = [
            (
                target_with("settle_ms = 60001"),
                (4, 13),
                "`settle_ms` must be at most 60000, found 60001",
                "e.g. settle_ms = 1000",
            ),
            (
                doc(&["[defaults]", "settle_ms = -1"]),
                (2, 13),
                "`settle_ms` must not be negative, found -1",
                "e.g. settle_ms = 1000",
            ),
            (
                target_with("settle_ms = \"1s\""),
                (4, 13),
                "`settle_ms` must be a whole number, found the string \"1s\"",
                "write it without quotes or decimals, e.g. settle_ms = 1000",
            ),
        ];
        for (text, position, message, expected_help) in cases {
            let err = parse_err(&text);
            assert_eq!((err.line(), err.column()), position, "{err}");
            assert_eq!(err.message(), message);
            assert_eq!(help(&err), expected_help);
        }
    }

    fn selectors(accept: &str, reject: &str) -> Option<ConsentSelectors> {
        Some(ConsentSelectors {
            accept: accept.to_owned(),
            reject: reject.to_owned(),
        })
    }

    #[test]
    fn consent_in_defaults_is_inherited_and_false_switches_it_off() {
        let config = parse_ok(&doc(&[
            "[defaults]",
            "engine = \"browser\"",
            "consent = { accept = \"#banner .yes\", reject = \"#banner button.no\" }",
            "[[target]]",
            "name = \"inherits\"",
            "url = \"https://a.example/\"",
            "[[target]]",
            "name = \"opts-out\"",
            "url = \"https://b.example/\"",
            "consent = false",
            "[[target]]",
            "name = \"own-banner\"",
            "url = \"https://c.example/\"",
            "consent = { reject = \"#refuse\", accept = \"#agree\" }",
        ]));
        let banner = selectors("#banner .yes", "#banner button.no");
        assert_eq!(config.defaults.consent, banner);
        let consent: Vec<_> = config
            .targets
            .iter()
            .map(|target| target.settings.consent.clone())
            .collect();
        assert_eq!(consent, [banner, None, selectors("#agree", "#refuse")]);
        assert_eq!(parse_ok(&target_with("")).defaults.consent, None);
    }

    #[test]
    fn consent_may_also_be_written_as_a_sub_table_or_dotted_keys() {
        let expected = selectors("#agree", "#refuse");
        for text in [
            doc(&[
                "[[target]]",
                "name = \"site\"",
                "url = \"https://example.org/\"",
                "[target.consent]",
                "accept = \"#agree\"",
                "reject = \"#refuse\"",
            ]),
            doc(&[
                "[defaults.consent]",
                "accept = \"#agree\"",
                "reject = \"#refuse\"",
                "[[target]]",
                "name = \"site\"",
                "url = \"https://example.org/\"",
            ]),
            target_with("consent.accept = \"#agree\"\nconsent.reject = \"#refuse\""),
        ] {
            let config = parse_ok(&text);
            assert_eq!(config.targets[0].settings.consent, expected, "{text}");
        }
    }

    #[test]
    fn opendatasoft_preset_gives_its_banner_selectors() {
        let config = parse_ok(&doc(&[
            "[defaults]",
            "consent = \"opendatasoft\"",
            "[[target]]",
            "name = \"site\"",
            "url = \"https://example.org/\"",
        ]));
        let expected = selectors(
            ".ods-cookies-banner__button--accept, .ods-cookie-consent__accept, \
             button[data-consent=\"accept\"]",
            ".ods-cookies-banner__button--refuse, .ods-cookie-consent__refuse, \
             button[data-consent=\"refuse\"]",
        );
        assert_eq!(config.targets[0].settings.consent, expected);
        assert_eq!(Some(ConsentSelectors::opendatasoft()), expected);
    }

    #[test]
    fn opendatasoft_selectors_are_valid_css() {
        let preset = ConsentSelectors::opendatasoft();
        for selector in [&preset.accept, &preset.reject] {
            assert!(scraper::Selector::parse(selector).is_ok(), "{selector}");
        }
    }

    #[test]
    fn consent_errors_point_at_the_value() {
        let long = format!("#{}", "a".repeat(MAX_SELECTOR_BYTES));
        let cases = [
            (
                target_with("consent = { accept = \"#agree\" }"),
                (4, 11),
                "`consent` has no `reject`".to_owned(),
                "add reject = \"#cookie-banner .reject\", the CSS selector of the button \
                 that refuses every cookie that needs consent",
            ),
            (
                doc(&[
                    "[[target]]",
                    "name = \"site\"",
                    "url = \"https://example.org/\"",
                    "[target.consent]",
                    "reject = \"#refuse\"",
                ]),
                (4, 1),
                "`consent` has no `accept`".to_owned(),
                "add accept = \"#cookie-banner .accept\", the CSS selector of the button \
                 that accepts every cookie",
            ),
            (
                target_with("consent = { accept = \"#a\", reject = \"#r\", click = \"#c\" }"),
                (4, 43),
                "unknown key `click` in the `consent` table".to_owned(),
                "allowed keys: accept, reject",
            ),
            (
                doc(&[
                    "[defaults]",
                    "consent = { acept = \"#a\", reject = \"#r\" }",
                ]),
                (2, 13),
                "unknown key `acept` in the `consent` table".to_owned(),
                "did you mean `accept`? allowed keys: accept, reject",
            ),
            (
                target_with("consent = { accept = \"button[\", reject = \"#r\" }"),
                (4, 22),
                "`consent.accept` is not a CSS selector: `button[`".to_owned(),
                "e.g. accept = \"#cookie-banner .accept\"",
            ),
            (
                target_with("consent = { accept = \"#a\", reject = \" \" }"),
                (4, 37),
                "`consent.reject` must not be empty".to_owned(),
                "e.g. reject = \"#cookie-banner .reject\"",
            ),
            (
                target_with(&format!(
                    "consent = {{ accept = \"{long}\", reject = \"#r\" }}"
                )),
                (4, 22),
                "`consent.accept` must be at most 1000 bytes long, found 1001".to_owned(),
                "e.g. accept = \"#cookie-banner .accept\"",
            ),
            (
                target_with("consent = { accept = 1, reject = \"#r\" }"),
                (4, 22),
                "`consent.accept` must be a string, found the number 1".to_owned(),
                "put the CSS selector in quotes, e.g. accept = \"#cookie-banner .accept\"",
            ),
        ];
        for (text, position, message, expected_help) in cases {
            let err = parse_err(&text);
            assert_eq!((err.line(), err.column()), position, "{err}");
            assert_eq!(err.message(), message);
            assert_eq!(help(&err), expected_help);
        }
    }

    #[test]
    fn consent_must_be_a_preset_a_table_or_false() {
        let forms = "write consent = \"opendatasoft\" for the Opendatasoft banner, \
                     or the buttons' CSS selectors, e.g. consent = { accept = \
                     \"#cookie-banner .accept\", reject = \"#cookie-banner .reject\" }";
        let cases = [
            (
                target_with("consent = 3"),
                4,
                "`consent` must be a preset name, a table of CSS selectors or `false`, \
                 found the number 3",
                forms.to_owned(),
            ),
            (
                target_with("consent = [\"#agree\", \"#refuse\"]"),
                4,
                "`consent` must be a preset name, a table of CSS selectors or `false`, \
                 found a list",
                forms.to_owned(),
            ),
            (
                doc(&["[defaults]", "consent = true"]),
                2,
                "`consent = true` does not say which buttons to click",
                format!("{forms}; consent = false audits without consent phases"),
            ),
            (
                target_with("consent = \"OpenDataSoft\""),
                4,
                "unknown consent preset \"OpenDataSoft\"",
                "did you mean \"opendatasoft\"? known presets: \"opendatasoft\"; or give the \
                 buttons' CSS selectors, e.g. consent = { accept = \"#cookie-banner .accept\", \
                 reject = \"#cookie-banner .reject\" }"
                    .to_owned(),
            ),
            (
                target_with("consent = \"onetrust\""),
                4,
                "unknown consent preset \"onetrust\"",
                "known presets: \"opendatasoft\"; or give the buttons' CSS selectors, \
                 e.g. consent = { accept = \"#cookie-banner .accept\", \
                 reject = \"#cookie-banner .reject\" }"
                    .to_owned(),
            ),
        ];
        for (text, line, message, expected_help) in cases {
            let err = parse_err(&text);
            assert_eq!((err.line(), err.column()), (line, 11), "{err}");
            assert_eq!(err.message(), message);
            assert_eq!(help(&err), expected_help);
        }
    }
}
