//! What the command line writes: log lines on stderr (text or JSON, credentials masked),
//! messages for people, progress bars when, and only when, stderr is a terminal, and what
//! `-q` leaves of all that (README, "For cron users").

use std::collections::HashMap;
use std::io::{self, IsTerminal, Write};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

use super::args::LogFormat;
use crate::crawl::Progress;
use crate::redact::RedactingWriter;
use crate::report::render::text::{printable, run_summary};
use crate::types::{Report, Severity, TargetReport, TargetStatus};

/// The bars, when shown: log lines and messages are written around them.
static BARS: OnceLock<MultiProgress> = OnceLock::new();
/// True with `--log-format json`: messages go through the log, as JSON.
static JSON: AtomicBool = AtomicBool::new(false);
/// True with `-q`: stdout stays empty and stderr says only what is wrong.
static QUIET: AtomicBool = AtomicBool::new(false);

/// The log target of the lines `-q` keeps though they are not errors (`exit 1: …`, a failed
/// target): the filter lets it through at `warn` whatever the level.
const OUTCOME: &str = "cookie_audit::outcome";

/// At most this many targets get a bar of their own; the rest are counted in the overall line.
const TARGET_BARS: usize = 8;

/// Sets up logging; returns the progress bars when they should be shown.
pub(super) fn init(verbose: u8, quiet: bool, format: LogFormat, progress: bool) -> Option<Bars> {
    let level = match (quiet, verbose) {
        (true, _) => tracing::Level::ERROR,
        (false, 0) => tracing::Level::WARN,
        (false, 1) => tracing::Level::INFO,
        (false, 2) => tracing::Level::DEBUG,
        (false, _) => tracing::Level::TRACE,
    };
    QUIET.store(quiet, Ordering::Relaxed);
    let terminal = io::stderr().is_terminal();
    let bars = (progress && terminal && !quiet && format == LogFormat::Text).then(|| {
        let multi = MultiProgress::with_draw_target(ProgressDrawTarget::stderr_with_hz(4));
        let _ = BARS.set(multi.clone());
        multi
    });
    // chromiumoxide's debug lines quote whole protocol messages, cookie values included.
    let chromiumoxide = match level {
        tracing::Level::DEBUG | tracing::Level::TRACE => tracing::Level::INFO,
        other => other,
    };
    // Its handler warns of every protocol message newer than its bindings ("WS Invalid
    // message"): events it cannot read and we do not use, noise in a cron job's log. Its
    // "WS Connection error" is a dying browser, which the targets it fails already name.
    let handler = match level {
        tracing::Level::TRACE => LevelFilter::DEBUG,
        _ => LevelFilter::OFF,
    };
    let filter = Targets::new()
        .with_default(level)
        .with_target("chromiumoxide", chromiumoxide)
        .with_target("chromiumoxide::handler", handler)
        .with_target(OUTCOME, level.max(tracing::Level::WARN));
    let builder = tracing_subscriber::fmt()
        .with_writer(|| RedactingWriter(LogWriter))
        .with_max_level(level.max(tracing::Level::WARN))
        .with_target(false);
    match format {
        LogFormat::Text => builder.with_ansi(terminal).finish().with(filter).init(),
        LogFormat::Json => {
            JSON.store(true, Ordering::Relaxed);
            let json = builder.json().flatten_event(true).with_ansi(false);
            json.finish().with(filter).init();
        }
    }
    bars.map(Bars::new)
}

/// A message for the person or script running the command (`error: …`, `exit 1: …`,
/// `note: …`): a plain line on stderr, or a log event with `--log-format json`. With `-q` only
/// errors and `exit N: …` lines are said: notes and warnings would make cron mail every night.
pub(super) fn say_line(line: &str) {
    if QUIET.load(Ordering::Relaxed) && !line.starts_with("error") && !line.starts_with("exit ") {
        return;
    }
    alert_line(line);
}

/// Like [`say_line`], but said even with `-q`: something a cron job's reader must learn.
pub(super) fn alert_line(line: &str) {
    let line = crate::redact::credentials(line);
    if JSON.load(Ordering::Relaxed) {
        if line.starts_with("error") {
            tracing::error!("{line}");
        } else {
            tracing::warn!(target: OUTCOME, "{line}");
        }
        return;
    }
    match BARS.get() {
        Some(bars) => bars.suspend(|| eprintln!("{line}")),
        None => eprintln!("{line}"),
    }
}

/// Writes `format!`-style text with [`say_line`].
macro_rules! say {
    ($($arg:tt)*) => {
        $crate::cli::output::say_line(&format!($($arg)*))
    };
}
pub(crate) use say;

/// Writes `format!`-style text with [`alert_line`].
macro_rules! alert {
    ($($arg:tt)*) => {
        $crate::cli::output::alert_line(&format!($($arg)*))
    };
}
pub(crate) use alert;

/// `println!` for what a command prints when all went well (a summary, a path written): left
/// out with `-q`. A command's product asked for by name (`diff`, `render --text`) is printed
/// with `println!` and stays.
macro_rules! outln {
    ($($arg:tt)*) => {
        if !$crate::cli::output::quiet() {
            println!($($arg)*);
        }
    };
}
pub(crate) use outln;

/// True with `-q`.
pub(super) fn quiet() -> bool {
    QUIET.load(Ordering::Relaxed)
}

/// The end of an audit for people: the summary on stdout; with `-q`, nothing there, and on
/// stderr only a line per failed target and where the report is, when a target failed, the
/// run was interrupted or findings reach `--fail-on` (the `exit N: …` line follows).
pub(super) fn audit_summary(report: &Report, fail_on: Option<Severity>, written: Option<&Path>) {
    if !quiet() {
        print!("{}", run_summary(report));
        return;
    }
    let failed: Vec<&TargetReport> = report
        .targets
        .iter()
        .filter(|t| t.status == TargetStatus::Failed)
        .collect();
    for target in &failed {
        alert!(
            "failed   {}: {}",
            printable(&target.name),
            printable(target.error.as_deref().unwrap_or("unknown error"))
        );
    }
    let over = fail_on.is_some_and(|t| report.totals.findings.at_or_above(t) > 0);
    if failed.is_empty() && !over && !report.run.partial {
        return;
    }
    if let Some(path) = written {
        alert!("report: {}", path.display());
    }
}

/// stderr, with the progress bars lifted out of the way of each line.
struct LogWriter;

impl Write for LogWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match BARS.get() {
            Some(bars) => bars.suspend(|| io::stderr().write_all(buf))?,
            None => io::stderr().write_all(buf)?,
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        io::stderr().flush()
    }
}

/// Progress bars: the run's targets, and the pages of the targets being audited.
#[derive(Debug)]
pub(super) struct Bars {
    multi: MultiProgress,
    overall: ProgressBar,
    active: Mutex<HashMap<String, ProgressBar>>,
    running: AtomicUsize,
}

impl Bars {
    fn new(multi: MultiProgress) -> Bars {
        let overall = multi.add(ProgressBar::new(0));
        overall.set_style(
            ProgressStyle::with_template(
                "{prefix:.bold} [{bar:30}] {pos}/{len} targets, {elapsed} {msg}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
        );
        overall.set_prefix("audit");
        Bars {
            multi,
            overall,
            active: Mutex::new(HashMap::new()),
            running: AtomicUsize::new(0),
        }
    }

    /// The number of targets of the run.
    pub(super) fn set_targets(&self, count: usize) {
        self.overall.set_length(count as u64);
    }

    /// Removes the bars before the summary is printed.
    pub(super) fn finish(&self) {
        for (_, bar) in self
            .active
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .drain()
        {
            bar.finish_and_clear();
        }
        self.overall.finish_and_clear();
        let _ = self.multi.clear();
    }

    fn update_message(&self) {
        let running = self.running.load(Ordering::Relaxed);
        self.overall.set_message(format!("({running} in progress)"));
    }
}

impl Progress for Bars {
    fn target_started(&self, target: &str, max_pages: usize) {
        self.running.fetch_add(1, Ordering::Relaxed);
        let mut active = self.active.lock().unwrap_or_else(|p| p.into_inner());
        if active.len() < TARGET_BARS {
            let bar = self.multi.add(ProgressBar::new(max_pages as u64));
            bar.set_style(
                ProgressStyle::with_template("  {prefix:40!} [{bar:20}] {pos}/{len} pages")
                    .unwrap_or_else(|_| ProgressStyle::default_bar())
                    .progress_chars("=> "),
            );
            bar.set_prefix(crate::redact::credentials(target).into_owned());
            active.insert(target.to_string(), bar);
        }
        self.update_message();
    }

    fn page_done(&self, target: &str) {
        let active = self.active.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(bar) = active.get(target) {
            bar.inc(1);
        }
    }

    fn target_done(&self, target: &str) {
        let mut active = self.active.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(bar) = active.remove(target) {
            bar.finish_and_clear();
            self.multi.remove(&bar);
        }
        self.running.fetch_sub(1, Ordering::Relaxed);
        self.overall.inc(1);
        self.update_message();
    }
}
