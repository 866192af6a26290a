//! The command line's arguments, as clap reads them.

use std::path::PathBuf;
use std::str::FromStr;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::audit::rules::DEFAULT_LIFETIME_LIMIT_DAYS;
use crate::crawl::fetch::ResolveRule;
use crate::types::{Engine, MAX_REQUESTS_PER_SECOND_PER_IP, PolitenessKey, Severity};

/// Audits the cookies websites set against the cookie charters they publish.
#[derive(Debug, Parser)]
#[command(name = "cookie-audit", version, about, max_term_width = 100)]
pub(super) struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
    /// More log lines on stderr (-v: progress, -vv: every request).
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,
    /// Only errors on stderr.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// How log lines on stderr look: text for people, json (one object per line) for cron
    /// mails and log shippers.
    #[arg(
        long,
        value_enum,
        global = true,
        default_value = "text",
        value_name = "FORMAT"
    )]
    pub log_format: LogFormat,
}

/// `--log-format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(super) enum LogFormat {
    /// Lines for people (with progress bars when stderr is a terminal).
    Text,
    /// One JSON object per line, progress bars never.
    Json,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub(super) enum Command {
    /// Audit every target of targets.toml and write `reports/<run-id>/report.json`.
    Audit(Box<AuditArgs>),
    /// What changed between two reports: cookies, attributes, declarations, findings.
    ///
    /// Exit 0, or 1 with --fail-on-change when anything changed; 2 when a file is not a report.
    Diff(DiffArgs),
    /// Rebuild the HTML report from a JSON report (e.g. old reports with a new template), or
    /// print its summary as text with --text (e.g. for a mail).
    Render(RenderArgs),
    /// Join the reports of shards of one run into one report.
    Merge(MergeArgs),
    /// Fetch or read one cookie charter and print the cookies it declares.
    ///
    /// Exit 0 when cookies were read, 1 when the document was read but declares none that could
    /// be understood, 3 when it could not be fetched or read.
    Charter(CharterArgs),
}

/// Arguments of `diff`.
#[derive(Debug, Args)]
pub(super) struct DiffArgs {
    /// The older report.
    #[arg(value_name = "OLD.json")]
    pub old: PathBuf,
    /// The newer report.
    #[arg(value_name = "NEW.json")]
    pub new: PathBuf,
    /// Print the differences as JSON.
    #[arg(long)]
    pub json: bool,
    /// Exit 1 when anything changed (cron mails only on change).
    #[arg(long)]
    pub fail_on_change: bool,
}

/// Arguments of `render`.
#[derive(Debug, Args)]
pub(super) struct RenderArgs {
    /// The JSON report.
    #[arg(value_name = "report.json")]
    pub report: PathBuf,
    /// Where to write the HTML (default: beside the JSON, with .html), or the text with --text
    /// (default: stdout).
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// The run's summary as text instead of HTML: the totals, then the line per target that
    /// `audit` prints.
    #[arg(long)]
    pub text: bool,
}

/// Arguments of `merge`.
#[derive(Debug, Args)]
pub(super) struct MergeArgs {
    /// The shard reports, in any order.
    #[arg(value_name = "REPORT.json", required = true, num_args = 1..)]
    pub reports: Vec<PathBuf>,
    /// Where to write the merged report.
    #[arg(short, long, value_name = "FILE")]
    pub output: PathBuf,
    /// Join the shards given though some of the run's are missing; the merged report names
    /// them (run.merged.missing) and is partial. Without it a missing shard is an error.
    #[arg(long)]
    pub allow_missing: bool,
}

/// Arguments of `charter`.
#[derive(Debug, Args)]
pub(super) struct CharterArgs {
    /// The charter: an http(s) URL or a local file (HTML, Markdown or plain text).
    #[arg(value_name = "URL|FILE")]
    pub source: String,
    /// Print the report's `charter` object as JSON instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Connect to ADDR whenever HOST:PORT is asked for, as curl's --resolve (repeatable).
    #[arg(long, value_name = "HOST:PORT:ADDR")]
    pub resolve: Vec<ResolveRule>,
    /// Seconds allowed for the request, body included.
    #[arg(long, default_value_t = 30, value_name = "SECS", value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub timeout: u64,
}

/// Arguments of `audit`.
#[derive(Debug, Args)]
pub(super) struct AuditArgs {
    /// The targets file.
    #[arg(long, default_value = "targets.toml", value_name = "FILE")]
    pub targets: PathBuf,
    /// Where reports are written: `OUT/<run-id>/report.json` and `OUT/latest.json`.
    #[arg(long, default_value = "reports", value_name = "DIR")]
    pub out: PathBuf,
    /// Audit only the target of this name (repeatable).
    #[arg(long, value_name = "NAME")]
    pub only: Vec<String>,
    /// The engine for every target, overriding targets.toml.
    #[arg(long, value_enum)]
    pub engine: Option<EngineArg>,
    /// The Chromium binary for the browser engine (default: Debian's /usr/lib/chromium/chromium,
    /// then /usr/bin/chromium and the like).
    #[arg(long, env = "CHROME", value_name = "PATH")]
    pub chromium: Option<PathBuf>,
    /// Browser tabs open at once over all browser targets, shared among them first come, first
    /// served (each target gets one, spare ones go up to its `concurrency`). Default: four per
    /// core, fewer if the available memory would not hold 256 MB per tab; between 2 and 64
    /// (8 on a 2-core machine). Also the number of browser targets audited at once.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=1024))]
    pub max_tabs: Option<u32>,
    /// The @duckduckgo/autoconsent package folder (…/node_modules/@duckduckgo/autoconsent),
    /// used by consent = "auto"; looked for in ./node_modules and the global npm folders when
    /// not given.
    #[arg(long, env = "COOKIE_AUDIT_AUTOCONSENT", value_name = "DIR")]
    pub autoconsent: Option<PathBuf>,
    /// Exit 1 when a finding at or above this severity exists.
    #[arg(long, value_enum, value_name = "SEVERITY")]
    pub fail_on: Option<SeverityArg>,
    /// Audit only the targets whose 0-based index i satisfies i % N == K.
    #[arg(long, value_name = "K/N")]
    pub shard: Option<Shard>,
    /// Split the targets into N shards and audit the one numbered by JOB_COMPLETION_INDEX (as a
    /// Kubernetes indexed Job sets it); the same as --shard $JOB_COMPLETION_INDEX/N.
    #[arg(long, env = "COOKIE_AUDIT_SHARDS", value_name = "N", conflicts_with = "shard", value_parser = clap::value_parser!(u32).range(1..))]
    pub shards: Option<u32>,
    /// The run this audit is part of, the same for every shard of it (e.g. the night's date, a
    /// Kubernetes Job's name, a CI pipeline's id); recorded as run.batch, which `merge` checks.
    /// Default: derived from the targets file and the options, so that shards started apart
    /// from the same files and options agree.
    #[arg(long, env = "COOKIE_AUDIT_BATCH", value_name = "ID", value_parser = clap::builder::NonEmptyStringValueParser::new())]
    pub batch: Option<String>,
    /// Audit the start URLs of this file (one per line, # comments) instead of the targets of
    /// targets.toml, whose [defaults] still apply when it exists.
    #[arg(long, value_name = "FILE")]
    pub targets_list: Option<PathBuf>,
    /// Connect to ADDR whenever HOST:PORT is asked for, as curl's --resolve (repeatable).
    #[arg(long, value_name = "HOST:PORT:ADDR")]
    pub resolve: Vec<ResolveRule>,
    /// Fetch pages even where robots.txt disallows them.
    #[arg(long)]
    pub ignore_robots: bool,
    /// Requests in flight over all targets together. Default: usable / 2, where usable is the
    /// open-files limit (the soft one, raised to the hard one at start) less min(256, limit / 4)
    /// kept for the run's own files and Chromium's pipes; at most 65536. That is 65536 with a
    /// hard limit of 524288 (systemd) or 1048576 (Docker), 384 where the limit stays at 1024.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=65_536))]
    pub max_connections: Option<u32>,
    /// What the run-wide budget (--max-requests-per-second-per-ip) is counted per: the IP
    /// address a request goes to, its host name, or its registrable domain. Overrides
    /// politeness_key of targets.toml's [defaults] (default: ip).
    #[arg(long, value_enum, value_name = "KEY")]
    pub politeness_key: Option<PolitenessKeyArg>,
    /// At most this many requests per second to one address (or host, or domain, see
    /// --politeness-key), over all targets together; decimals allowed (0.5 is one every 2 s).
    /// Overrides max_requests_per_second_per_ip of targets.toml's [defaults] (default: 10).
    #[arg(long, value_name = "RATE", value_parser = parse_rate)]
    pub max_requests_per_second_per_ip: Option<f64>,
    /// Also know the cookies of the Open Cookie Database (its CSV file).
    #[arg(long, value_name = "CSV")]
    pub cookie_db: Option<PathBuf>,
    /// Compare with this earlier report: the differences go into the new report and its HTML.
    #[arg(long, value_name = "REPORT.json", conflicts_with = "against_latest")]
    pub baseline: Option<PathBuf>,
    /// Compare with `OUT/latest.json`, the previous run (nothing to compare on a first run).
    #[arg(long)]
    pub against_latest: bool,
    /// Report cookies living longer than this many days (the CNIL's 13 months by default).
    #[arg(long, default_value_t = DEFAULT_LIFETIME_LIMIT_DAYS, value_name = "DAYS", value_parser = clap::value_parser!(u64).range(1..=36_500))]
    pub lifetime_limit_days: u64,
    /// Targets audited at the same time (the others wait their turn). Default: every target the
    /// sockets allow, usable / 8 (see --max-connections): 65504 with a hard limit of 524288,
    /// 96 where the limit stays at 1024. Within it, targets whose start URLs share an address
    /// start as its budget allows.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=65_536))]
    pub parallel_targets: Option<u32>,
    /// Keep cookie values (and malformed headers verbatim) in the report; by default only a
    /// value's length is kept. The report says so in its header.
    #[arg(long)]
    pub record_values: bool,
}

/// `--engine`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EngineArg {
    /// Plain HTTP requests: `Set-Cookie` headers only.
    Http,
    /// Headless Chromium: cookies set by scripts too.
    Browser,
}

impl From<EngineArg> for Engine {
    fn from(arg: EngineArg) -> Engine {
        match arg {
            EngineArg::Http => Engine::Http,
            EngineArg::Browser => Engine::Browser,
        }
    }
}

/// `--politeness-key`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PolitenessKeyArg {
    /// The IP address the host name resolves to (`--resolve` rules first).
    Ip,
    /// The host name.
    Host,
    /// The registrable domain (Public Suffix List).
    Domain,
}

impl From<PolitenessKeyArg> for PolitenessKey {
    fn from(arg: PolitenessKeyArg) -> PolitenessKey {
        match arg {
            PolitenessKeyArg::Ip => PolitenessKey::Ip,
            PolitenessKeyArg::Host => PolitenessKey::Host,
            PolitenessKeyArg::Domain => PolitenessKey::Domain,
        }
    }
}

/// `--max-requests-per-second-per-ip`: a number above 0, at most the config's own limit.
fn parse_rate(s: &str) -> Result<f64, String> {
    let rate: f64 = s
        .trim()
        .parse()
        .map_err(|_| format!("`{s}` is not a number of requests per second, e.g. 10 or 0.5"))?;
    if rate.is_finite() && rate > 0.0 && rate <= MAX_REQUESTS_PER_SECOND_PER_IP {
        Ok(rate)
    } else {
        Err(format!(
            "`{s}` must be above 0 and at most {MAX_REQUESTS_PER_SECOND_PER_IP} requests per second"
        ))
    }
}

/// `--fail-on`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SeverityArg {
    /// Only high findings fail the run.
    High,
    /// Medium or high.
    Medium,
    /// Low, medium or high.
    Low,
    /// Any finding.
    Info,
}

impl From<SeverityArg> for Severity {
    fn from(arg: SeverityArg) -> Severity {
        match arg {
            SeverityArg::High => Severity::High,
            SeverityArg::Medium => Severity::Medium,
            SeverityArg::Low => Severity::Low,
            SeverityArg::Info => Severity::Info,
        }
    }
}

/// `--shard K/N`: one of N scheduled jobs that split a long target list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Shard {
    /// K, 0-based.
    pub index: usize,
    /// N.
    pub count: usize,
}

impl FromStr for Shard {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || format!("`{s}` is not K/N with 0 <= K < N, e.g. --shard 0/4");
        let (k, n) = s.split_once('/').ok_or_else(bad)?;
        let index: usize = k.trim().parse().map_err(|_| bad())?;
        let count: usize = n.trim().parse().map_err(|_| bad())?;
        if count == 0 || index >= count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }
}

impl Shard {
    /// True when the target at `index` belongs to this shard.
    pub(super) fn includes(&self, index: usize) -> bool {
        index % self.count == self.index
    }
}
