//! The command line: arguments, logging, the summary on stdout and the exit code.
//!
//! Exit codes (DESIGN): 0 done and nothing at or above `--fail-on`; 1 findings at or above it;
//! 2 bad usage or configuration, nothing crawled; 3 no target could be audited at all (or the
//! report could not be written); 130 / 143 interrupted by SIGINT / SIGTERM, partial report written.

mod output;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::str::FromStr;

use std::sync::{Arc, OnceLock};

use clap::{Args, Parser, Subcommand, ValueEnum};
use tokio_util::sync::CancellationToken;

use output::say;

use url::Url;

use crate::audit::catalog::Catalog;
use crate::audit::rules::DEFAULT_LIFETIME_LIMIT_DAYS;
use crate::charter::discover::{DocumentSource, read_configured, read_file};
use crate::config::{self, CharterSource, CrawlSettings, Target};
use crate::crawl::fetch::ResolveRule;
use crate::crawl::{Crawler, Document, Session};
use crate::pipeline::{self, AuditOptions};
use crate::report::load::load_report;
use crate::report::{diff, merge, write_atomically};
use crate::types::{Charter, CharterStatus, Report, Severity, TargetStatus};
use crate::types::{Engine, Jurisdiction};

/// Audit done, nothing at or above `--fail-on`.
pub const EXIT_OK: u8 = 0;
/// Findings at or above `--fail-on`.
pub const EXIT_FINDINGS: u8 = 1;
/// Bad usage or configuration; nothing was crawled.
pub const EXIT_USAGE: u8 = 2;
/// No target could be audited.
pub const EXIT_ALL_FAILED: u8 = 3;
/// Interrupted by SIGINT (128 + 2, as shells report it); the report holds what was done.
pub const EXIT_SIGINT: u8 = 130;
/// Interrupted by SIGTERM (128 + 15); the report holds what was done.
pub const EXIT_SIGTERM: u8 = 143;

/// Audits the cookies websites set against the cookie charters they publish.
#[derive(Debug, Parser)]
#[command(name = "cookie-audit", version, about, max_term_width = 100)]
pub struct Cli {
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
pub enum LogFormat {
    /// Lines for people (with progress bars when stderr is a terminal).
    Text,
    /// One JSON object per line, progress bars never.
    Json,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Audit every target of targets.toml and write `reports/<run-id>/report.json`.
    Audit(AuditArgs),
    /// What changed between two reports: cookies, attributes, declarations, findings.
    ///
    /// Exit 0, or 1 with --fail-on-change when anything changed; 2 when a file is not a report.
    Diff(DiffArgs),
    /// Rebuild the HTML report from a JSON report (e.g. old reports with a new template).
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
pub struct DiffArgs {
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
pub struct RenderArgs {
    /// The JSON report.
    #[arg(value_name = "report.json")]
    pub report: PathBuf,
    /// Where to write the HTML (default: beside the JSON, with .html).
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// Arguments of `merge`.
#[derive(Debug, Args)]
pub struct MergeArgs {
    /// The shard reports, in shard order.
    #[arg(value_name = "REPORT.json", required = true, num_args = 1..)]
    pub reports: Vec<PathBuf>,
    /// Where to write the merged report.
    #[arg(short, long, value_name = "FILE")]
    pub output: PathBuf,
}

/// Arguments of `charter`.
#[derive(Debug, Args)]
pub struct CharterArgs {
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
pub struct AuditArgs {
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
    /// Requests in flight over all targets together.
    #[arg(long, default_value_t = 64, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=4096))]
    pub max_connections: u32,
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
    /// Targets audited at the same time (the others wait their turn).
    #[arg(long, default_value_t = 64, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=1024))]
    pub parallel_targets: u32,
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
pub struct Shard {
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
    pub fn includes(&self, index: usize) -> bool {
        index % self.count == self.index
    }
}

/// Parses the arguments, runs the command and returns the process exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let progress = matches!(cli.command, Command::Audit(_));
    let bars = output::init(cli.verbose, cli.quiet, cli.log_format, progress).map(Arc::new);
    let code = match cli.command {
        Command::Audit(args) => run_audit(args, bars),
        Command::Charter(args) => run_charter(args),
        Command::Diff(args) => run_diff(args),
        Command::Render(args) => run_render(args),
        Command::Merge(args) => run_merge(args),
    };
    ExitCode::from(code)
}

fn run_audit(args: AuditArgs, bars: Option<Arc<output::Bars>>) -> u8 {
    let targets = match load_targets(&args) {
        Ok(targets) => targets,
        Err(message) => {
            say!("error: {message}");
            return EXIT_USAGE;
        }
    };
    let mut targets = targets;
    if let Some(engine) = args.engine {
        for target in &mut targets {
            target.settings.engine = engine.into();
        }
    }
    // The run's engine, for the report header: the one every target used, else the browser's
    // when any target used it (the run then needed Chromium).
    if let Some(bars) = &bars {
        bars.set_targets(targets.len());
    }
    let engine = if targets.iter().any(|t| t.settings.engine == Engine::Browser) {
        Engine::Browser
    } else {
        Engine::Http
    };
    let baseline = match load_baseline(&args) {
        Ok(baseline) => baseline,
        Err(message) => {
            say!("error: {message}");
            return EXIT_USAGE;
        }
    };
    let catalog = match load_catalog(args.cookie_db.as_deref()) {
        Ok(catalog) => catalog,
        Err(message) => {
            say!("error: {message}");
            return EXIT_USAGE;
        }
    };
    // Taken before anything is crawled, held until the report is written.
    let _lock = match crate::report::lock::lock(&args.out) {
        Ok(lock) => lock,
        Err(error) => {
            say!("error: {error}");
            return EXIT_USAGE;
        }
    };
    let runtime = match runtime(tokio::runtime::Builder::new_multi_thread()) {
        Ok(runtime) => runtime,
        Err(code) => return code,
    };
    let interrupt = CancellationToken::new();
    let signalled = Arc::new(OnceLock::new());
    {
        // Installed before the first request, so that a signal always finds the handler.
        let _entered = runtime.enter();
        match Signals::install() {
            Ok(signals) => {
                runtime.spawn(signals.watch(interrupt.clone(), signalled.clone()));
            }
            Err(error) => tracing::warn!("cannot watch SIGINT/SIGTERM: {error}"),
        }
    }
    let options = AuditOptions {
        resolve: args.resolve.clone(),
        respect_robots: !args.ignore_robots,
        max_connections: args.max_connections as usize,
        engine,
        catalog: std::sync::Arc::new(catalog),
        lifetime_limit_seconds: args.lifetime_limit_days * 86_400,
        browser: crate::browser::BrowserOptions {
            executable: args.chromium.clone(),
            resolve: Vec::new(),
            command_timeout: std::time::Duration::from_secs(30),
        },
        parallel_targets: args.parallel_targets as usize,
        record_values: args.record_values,
        progress: bars
            .clone()
            .map(|bars| bars as Arc<dyn crate::crawl::Progress>),
        interrupt,
    };
    let mut report = match runtime.block_on(pipeline::audit(targets, &options)) {
        Ok(report) => report,
        Err(error) => {
            say!("error: {error}");
            return EXIT_USAGE;
        }
    };
    if let Some(bars) = &bars {
        bars.finish();
    }
    let signal = signalled.get().copied();
    report.run.interrupted_by = signal.map(|s: Signal| s.name().to_string());
    if let Some(baseline) = &baseline {
        report.changes = Some(diff::diff(baseline, &report));
    }
    tracing::info!(
        targets = report.targets.len(),
        peak_rss_mb = peak_rss_mb()
            .map(|mb| format!("{mb:.1}"))
            .unwrap_or_default(),
        "run finished"
    );
    let written = crate::report::write_run(&args.out, &mut report);
    print_summary(&report);
    match written {
        Ok(paths) => {
            println!(
                "reports: {} {}",
                paths.report_json.display(),
                paths.report_html.display()
            );
            println!(
                "latest:  {} {}",
                paths.latest_json.display(),
                paths.latest_html.display()
            );
        }
        Err(error) => {
            say!("error: {error}");
            say!("exit {EXIT_ALL_FAILED}: the audit ran but its report could not be written");
            // The audit ran but its result is lost: a script must not take this run for a pass.
            return EXIT_ALL_FAILED;
        }
    }
    if let Some(signal) = signal {
        say!(
            "exit {}: interrupted by {}; the report holds what was done (\"partial\": true)",
            signal.exit_code(),
            signal.name()
        );
        return signal.exit_code();
    }
    exit_code(&report, args.fail_on.map(Severity::from))
}

/// The signals that stop a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Signal {
    Interrupt,
    Terminate,
}

impl Signal {
    fn name(self) -> &'static str {
        match self {
            Signal::Interrupt => "SIGINT",
            Signal::Terminate => "SIGTERM",
        }
    }

    fn exit_code(self) -> u8 {
        match self {
            Signal::Interrupt => EXIT_SIGINT,
            Signal::Terminate => EXIT_SIGTERM,
        }
    }
}

/// SIGINT and SIGTERM handlers: the first stops the run gracefully, a second quits at once.
struct Signals {
    interrupt: tokio::signal::unix::Signal,
    terminate: tokio::signal::unix::Signal,
}

impl Signals {
    /// Must run inside the runtime.
    fn install() -> std::io::Result<Signals> {
        use tokio::signal::unix::{SignalKind, signal};
        Ok(Signals {
            interrupt: signal(SignalKind::interrupt())?,
            terminate: signal(SignalKind::terminate())?,
        })
    }

    async fn next(&mut self) -> Signal {
        tokio::select! {
            _ = self.interrupt.recv() => Signal::Interrupt,
            _ = self.terminate.recv() => Signal::Terminate,
        }
    }

    async fn watch(mut self, interrupt: CancellationToken, signalled: Arc<OnceLock<Signal>>) {
        let first = self.next().await;
        let _ = signalled.set(first);
        say!(
            "{}: stopping; writing the report of what was done ({} again to quit without one)",
            first.name(),
            first.name()
        );
        interrupt.cancel();
        let second = self.next().await;
        say!("{}: quitting now, no report written", second.name());
        std::process::exit(i32::from(second.exit_code()));
    }
}

/// The report to compare with: `--baseline`, or `<out>/latest.json` with `--against-latest`
/// (absent on a first run, which is not an error).
fn load_baseline(args: &AuditArgs) -> Result<Option<Report>, String> {
    let path = match (&args.baseline, args.against_latest) {
        (Some(path), _) => path.clone(),
        (None, true) => {
            let latest = args.out.join("latest.json");
            if !latest.exists() {
                say!(
                    "note: {} does not exist yet: nothing to compare this run with",
                    latest.display()
                );
                return Ok(None);
            }
            latest
        }
        (None, false) => return Ok(None),
    };
    load_report(&path).map(Some).map_err(|e| e.to_string())
}

fn run_diff(args: DiffArgs) -> u8 {
    let (old, new) = match (load_report(&args.old), load_report(&args.new)) {
        (Ok(old), Ok(new)) => (old, new),
        (Err(error), _) | (_, Err(error)) => {
            say!("error: {error}");
            return EXIT_USAGE;
        }
    };
    let changes = diff::diff(&old, &new);
    if args.json {
        match serde_json::to_string_pretty(&changes) {
            Ok(json) => println!("{json}"),
            Err(error) => {
                say!("error: {error}");
                return EXIT_USAGE;
            }
        }
    } else {
        print!("{}", crate::report::render::text::render_text(&changes));
    }
    if changes.changed && args.fail_on_change {
        EXIT_FINDINGS
    } else {
        EXIT_OK
    }
}

fn run_render(args: RenderArgs) -> u8 {
    let report = match load_report(&args.report) {
        Ok(report) => report,
        Err(error) => {
            say!("error: {error}");
            return EXIT_USAGE;
        }
    };
    let output = args
        .output
        .unwrap_or_else(|| args.report.with_extension("html"));
    let written = crate::report::render::html::render(&report)
        .map_err(|e| e.to_string())
        .and_then(|html| write_atomically(&output, html.as_bytes()).map_err(|e| e.to_string()));
    match written {
        Ok(()) => {
            println!("{}", output.display());
            EXIT_OK
        }
        Err(error) => {
            say!("error: {error}");
            EXIT_ALL_FAILED
        }
    }
}

fn run_merge(args: MergeArgs) -> u8 {
    let mut reports = Vec::new();
    for path in &args.reports {
        match load_report(path) {
            Ok(report) => reports.push((path.display().to_string(), report)),
            Err(error) => {
                say!("error: {error}");
                return EXIT_USAGE;
            }
        }
    }
    let merged = match merge::merge(reports) {
        Ok(merged) => merged,
        Err(error) => {
            say!("error: {error}");
            return EXIT_USAGE;
        }
    };
    let written = serde_json::to_vec_pretty(&merged)
        .map_err(|e| e.to_string())
        .and_then(|json| write_atomically(&args.output, &json).map_err(|e| e.to_string()));
    match written {
        Ok(()) => {
            println!(
                "{}: {} targets ({} audited, {} failed)",
                args.output.display(),
                merged.totals.targets,
                merged.totals.audited,
                merged.totals.failed
            );
            EXIT_OK
        }
        Err(error) => {
            say!("error: {error}");
            EXIT_ALL_FAILED
        }
    }
}

fn run_charter(args: CharterArgs) -> u8 {
    let source = match Url::parse(&args.source) {
        Ok(url) if matches!(url.scheme(), "http" | "https") => CharterSource::Url(url),
        _ => CharterSource::File(PathBuf::from(&args.source)),
    };
    let settings = CrawlSettings {
        timeout_secs: args.timeout,
        delay_ms: 0,
        ..CrawlSettings::default()
    };
    let charter = match &source {
        CharterSource::File(path) => read_file(path, settings.max_body_bytes),
        CharterSource::Url(url) => {
            let runtime = match runtime(tokio::runtime::Builder::new_current_thread()) {
                Ok(runtime) => runtime,
                Err(code) => return code,
            };
            // The user named this URL: robots.txt is not asked.
            let crawler = match Crawler::new(&args.resolve, 4, false) {
                Ok(crawler) => crawler,
                Err(error) => {
                    say!("error: {error}");
                    return EXIT_USAGE;
                }
            };
            let target = Target {
                name: "charter".to_string(),
                url: url.clone(),
                charter: None,
                start: Vec::new(),
                jurisdiction: Jurisdiction::Eu,
                settings,
            };
            let session = crawler.session(&target);
            runtime.block_on(read_configured(
                &source,
                &Quiet(&session),
                target.settings.max_body_bytes,
            ))
        }
    };
    if args.json {
        match serde_json::to_string_pretty(&charter) {
            Ok(json) => println!("{json}"),
            Err(error) => {
                say!("error: {error}");
                return EXIT_ALL_FAILED;
            }
        }
    } else {
        print_charter(&charter);
    }
    match charter.status {
        CharterStatus::Parsed => EXIT_OK,
        CharterStatus::Unparsed => {
            say!("{}", explain_charter(&charter));
            EXIT_FINDINGS
        }
        CharterStatus::Unreachable | CharterStatus::NotFound => {
            say!("{}", explain_charter(&charter));
            EXIT_ALL_FAILED
        }
    }
}

/// Builds an async runtime, or says why it could not and gives the exit code.
fn runtime(mut builder: tokio::runtime::Builder) -> Result<tokio::runtime::Runtime, u8> {
    builder.enable_all().build().map_err(|error| {
        say!("error: cannot start the async runtime: {error}");
        EXIT_USAGE
    })
}

/// A session as a document source that keeps no cookies: `charter` only reads.
struct Quiet<'a>(&'a Session<'a>);

impl DocumentSource for Quiet<'_> {
    fn fetch(&self, url: &Url) -> impl std::future::Future<Output = Document> + Send {
        self.0.fetch_document(url, |_| {})
    }
}

fn explain_charter(charter: &Charter) -> String {
    format!(
        "error: no declared cookie could be read from {}: {}",
        printable(charter.source.as_deref().unwrap_or("the charter")),
        printable(charter.error.as_deref().unwrap_or("unknown reason"))
    )
}

fn print_charter(charter: &Charter) {
    if charter.status != CharterStatus::Parsed {
        return;
    }
    println!(
        "source: {}",
        printable(charter.source.as_deref().unwrap_or("-"))
    );
    if let Some(portal) = &charter.portal_url {
        println!("portal: {}", printable(portal));
    }
    println!("{} cookie(s) declared\n", charter.declared.len());
    let rows: Vec<[String; 6]> = charter
        .declared
        .iter()
        .map(|d| {
            [
                printable(&d.name),
                enum_word(&d.match_kind),
                enum_word(&d.category),
                printable(d.duration.as_deref().unwrap_or("-")),
                printable(&d.provider),
                shorten(&printable(&d.purpose), 60),
            ]
        })
        .collect();
    let header = [
        "NAME", "MATCH", "CATEGORY", "DURATION", "PROVIDER", "PURPOSE",
    ]
    .map(String::from);
    let mut widths = header.clone().map(|h| h.chars().count());
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count()).min(40);
        }
    }
    for row in std::iter::once(&header).chain(&rows) {
        let line: Vec<String> = row
            .iter()
            .zip(widths)
            .map(|(cell, width)| format!("{:width$}", shorten(cell, width)))
            .collect();
        println!("{}", line.join("  ").trim_end());
    }
}

/// The JSON word of a serialisable enum, e.g. `necessary`.
fn enum_word(value: &impl serde::Serialize) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// Text from the web made safe for a terminal: control characters (escape sequences) replaced.
fn printable(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut short: String = text.chars().take(max.saturating_sub(1)).collect();
    short.push('…');
    short
}

/// The built-in catalogue, plus the Open Cookie Database when `--cookie-db` names it. Rows it
/// cannot read are named on stderr and skipped; a file that cannot be read at all is an error.
fn load_catalog(cookie_db: Option<&Path>) -> Result<Catalog, String> {
    let mut catalog = Catalog::built_in();
    if let Some(path) = cookie_db {
        let report = catalog
            .add_open_cookie_database(path)
            .map_err(|error| format!("--cookie-db: {error}"))?;
        for skipped in &report.skipped {
            say!(
                "warning: {}:{}: row skipped: {}",
                path.display(),
                skipped.line,
                skipped.message
            );
        }
        tracing::info!(
            loaded = report.loaded,
            skipped = report.skipped.len(),
            "cookie database loaded"
        );
    }
    Ok(catalog)
}

/// This process's peak resident memory in MiB, where the system says it (Linux `VmHWM`).
///
/// `getrusage`'s `ru_maxrss` would be wrong here: it keeps the high-water mark of the process
/// that spawned us, so a benchmark holding a large site in memory would be charged for it.
fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

/// The exit code a finished run deserves.
pub fn exit_code(report: &Report, fail_on: Option<Severity>) -> u8 {
    if !report.targets.is_empty() && report.totals.audited == 0 {
        say!("exit {EXIT_ALL_FAILED}: no target could be audited");
        return EXIT_ALL_FAILED;
    }
    if let Some(threshold) = fail_on {
        let count = report.totals.findings.at_or_above(threshold);
        if count > 0 {
            let word = enum_word(&threshold);
            say!("exit {EXIT_FINDINGS}: {count} finding(s) at or above {word} (--fail-on {word})");
            return EXIT_FINDINGS;
        }
    }
    EXIT_OK
}

fn load_targets(args: &AuditArgs) -> Result<Vec<Target>, String> {
    let shard = shard_of(
        args.shard,
        args.shards,
        std::env::var("JOB_COMPLETION_INDEX").ok(),
    )?;
    let Some(list) = &args.targets_list else {
        let config = config::load(&args.targets).map_err(|e| e.to_string())?;
        return select_targets(config.targets, &args.only, shard, &args.targets);
    };
    let defaults = if args.targets.exists() {
        let text = std::fs::read_to_string(&args.targets)
            .map_err(|e| format!("cannot read {}: {e}", args.targets.display()))?;
        config::parse_defaults_only(&text, &args.targets).map_err(|e| e.to_string())?
    } else {
        CrawlSettings::default()
    };
    let text = std::fs::read_to_string(list)
        .map_err(|e| format!("cannot read the targets list {}: {e}", list.display()))?;
    let targets = config::parse_targets_list(&text, list, &defaults).map_err(|e| e.to_string())?;
    select_targets(targets, &args.only, shard, list)
}

/// The shard to audit: `--shard K/N`, or `--shards N` with K from `JOB_COMPLETION_INDEX`.
fn shard_of(
    shard: Option<Shard>,
    shards: Option<u32>,
    job_index: Option<String>,
) -> Result<Option<Shard>, String> {
    let Some(count) = shards else {
        return Ok(shard);
    };
    let Some(index) = job_index else {
        return Err(format!(
            "--shards {count} needs JOB_COMPLETION_INDEX (a Kubernetes indexed Job sets it);              outside one, use --shard K/{count}"
        ));
    };
    format!("{}/{count}", index.trim())
        .parse::<Shard>()
        .map(Some)
        .map_err(|_| {
            format!(
                "JOB_COMPLETION_INDEX={index:?} is not a shard of --shards {count}:                  it must be a number from 0 to {}",
                count - 1
            )
        })
}

/// Applies `--shard` (on the index in the file) then `--only`.
fn select_targets(
    targets: Vec<Target>,
    only: &[String],
    shard: Option<Shard>,
    path: &Path,
) -> Result<Vec<Target>, String> {
    for name in only {
        if !targets.iter().any(|t| &t.name == name) {
            let names: Vec<&str> = targets.iter().map(|t| t.name.as_str()).collect();
            return Err(format!(
                "--only {name}: no target of that name in {}; names: {}",
                path.display(),
                names.join(", ")
            ));
        }
    }
    Ok(targets
        .into_iter()
        .enumerate()
        .filter(|(i, _)| shard.is_none_or(|s| s.includes(*i)))
        .map(|(_, t)| t)
        .filter(|t| only.is_empty() || only.contains(&t.name))
        .collect())
}

fn print_summary(report: &Report) {
    for target in &report.targets {
        match target.status {
            TargetStatus::Audited => {
                let third = target
                    .observed
                    .iter()
                    .filter(|c| c.party == crate::site::Party::Third)
                    .count();
                let mut counts = crate::types::SeverityCounts::default();
                for finding in &target.findings {
                    counts.add(finding.severity);
                }
                // Findings are sorted worst first.
                let worst = target
                    .findings
                    .first()
                    .map(|f| {
                        format!(
                            "; worst: {} {} {}",
                            enum_word(&f.severity),
                            f.kind,
                            printable(f.cookie.as_deref().unwrap_or(""))
                        )
                    })
                    .unwrap_or_default();
                println!(
                    "audited  {}: {} pages, {} cookies ({} third-party), charter {}; \
                     findings {} high, {} medium, {} low, {} info{}",
                    printable(&target.name),
                    target.crawl.pages.len(),
                    target.observed.len(),
                    third,
                    enum_word(&target.charter.status),
                    counts.high,
                    counts.medium,
                    counts.low,
                    counts.info,
                    worst.trim_end()
                );
            }
            TargetStatus::Failed => println!(
                "failed   {}: {}",
                printable(&target.name),
                printable(target.error.as_deref().unwrap_or("unknown error"))
            ),
        }
    }
    if let Some(changes) = &report.changes {
        let changed = changes.targets.len();
        if changes.changed {
            println!(
                "changes since run {}: {changed} target(s) changed (details in the report; \
                 `cookie-audit diff` prints them)",
                printable(&changes.old_run)
            );
        } else {
            println!("no changes since run {}", printable(&changes.old_run));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn web_text_cannot_drive_the_terminal() {
        assert_eq!(printable("a\x1b[31mred\x07\nb"), "a [31mred  b");
        assert_eq!(shorten("abcdef", 4), "abc…");
        assert_eq!(shorten("abc", 4), "abc");
    }

    #[test]
    fn shards_come_from_the_job_index_when_counted() {
        assert_eq!(
            shard_of(None, Some(4), Some("2".into())),
            Ok(Some(Shard { index: 2, count: 4 }))
        );
        assert_eq!(shard_of(None, None, Some("2".into())), Ok(None));
        let given = Some(Shard { index: 1, count: 3 });
        assert_eq!(shard_of(given, None, Some("2".into())), Ok(given));
        assert!(
            shard_of(None, Some(4), None)
                .unwrap_err()
                .contains("--shard K/4")
        );
        assert!(
            shard_of(None, Some(4), Some("4".into()))
                .unwrap_err()
                .contains("from 0 to 3")
        );
    }

    #[test]
    fn shards_split_by_index() {
        let shard: Shard = "1/3".parse().unwrap();
        let picked: Vec<usize> = (0..7).filter(|i| shard.includes(*i)).collect();
        assert_eq!(picked, [1, 4]);
        assert!("3/3".parse::<Shard>().is_err());
        assert!("0/0".parse::<Shard>().is_err());
        assert!("a/b".parse::<Shard>().is_err());
    }
}
