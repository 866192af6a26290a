//! The audit pipeline: targets → crawl → observations + charter → findings → report.
//!
//! The command line calls [`audit`]; benchmarks and tests call it too, so everything the
//! `audit` command does apart from arguments, output and exit codes lives here.

mod target;

use std::sync::Arc;
use std::time::Duration;

use time::OffsetDateTime;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use crate::audit::catalog::Catalog;
use crate::audit::rules::{self, Rules};
use crate::browser::{BrowserError, BrowserOptions, Chromium};
use crate::config::Target;
use crate::crawl::fetch::ResolveRule;
use crate::crawl::stop::{Stop, StopReason};
use crate::crawl::{Crawler, CrawlerError, Progress};
use crate::types::{
    Charter, Engine, Politeness, Report, Run, RunPoliteness, SCHEMA_VERSION, TargetReport,
    TargetStatus, Tool, Totals,
};
use target::{Crawled, Evidence, TargetRun, target_report, visit_target};

/// How a run goes, beyond each target's own settings.
#[derive(Debug, Clone)]
pub(crate) struct AuditOptions {
    /// `--resolve` overrides.
    pub resolve: Vec<ResolveRule>,
    /// Honour robots.txt (off with `--ignore-robots`).
    pub respect_robots: bool,
    /// Requests in flight over all targets.
    pub max_connections: usize,
    /// The run-wide budget per address (or host, or domain), shared by every target.
    pub politeness: Politeness,
    /// The engine named on the command line, for the report header.
    pub engine: Engine,
    /// Known cookies, for the purposes the rules need.
    pub catalog: Arc<Catalog>,
    /// `lifetime_over_limit` above this many seconds.
    pub lifetime_limit_seconds: u64,
    /// How to start Chromium when a target uses the browser engine (`resolve` is taken from
    /// the run's own).
    pub browser: BrowserOptions,
    /// Targets audited at the same time; the others wait their turn. With `max_connections`
    /// this bounds the sockets and memory of a run whatever the length of the list. Within it,
    /// a target also waits while its start URL's address already has as many targets running
    /// as its budget keeps busy.
    pub parallel_targets: usize,
    /// Keep cookie values in the report (`--record-values`).
    pub record_values: bool,
    /// Told of targets and pages as they go (the command line's progress bars).
    pub progress: Option<Arc<dyn Progress>>,
    /// Where consent screenshots are written during the run; moved beside report.json after.
    pub evidence_dir: Option<std::path::PathBuf>,
    /// Cancelled to stop the run early (SIGINT, SIGTERM): every target stops where it is and
    /// the report holds what was done, marked partial.
    pub interrupt: CancellationToken,
}

/// Why a run could not start.
#[derive(Debug, thiserror::Error)]
pub(crate) enum AuditError {
    /// The HTTP client could not be built.
    #[error(transparent)]
    Crawler(#[from] CrawlerError),
    /// Chromium could not be started for the browser engine.
    #[error(transparent)]
    Browser(#[from] BrowserError),
}

/// Audits every target concurrently and returns the report, targets in the order given.
pub(crate) async fn audit(
    targets: Vec<Target>,
    options: &AuditOptions,
) -> Result<Report, AuditError> {
    let started_at = OffsetDateTime::now_utc();
    let crawler = Arc::new(Crawler::new(
        &options.resolve,
        options.max_connections,
        options.respect_robots,
        options.politeness,
    )?);
    // One browser for the whole run, started only when a target needs it.
    let chromium = if targets.iter().any(|t| t.settings.engine == Engine::Browser) {
        let browser_options = BrowserOptions {
            resolve: options.resolve.clone(),
            ..options.browser.clone()
        };
        Some(Arc::new(Chromium::launch(&browser_options).await?))
    } else {
        None
    };
    let reports = audit_targets(targets, options, &crawler, chromium.as_ref()).await;
    if let Some(chromium) = chromium {
        chromium.close().await;
    }
    Ok(assemble_report(reports, options, started_at))
}

/// Schedules the targets: at most `parallel_targets` at once, slots taken in the order given.
/// Returns one report per target, in that order, whatever happened to it.
async fn audit_targets(
    targets: Vec<Target>,
    options: &AuditOptions,
    crawler: &Arc<Crawler>,
    chromium: Option<&Arc<Chromium>>,
) -> Vec<TargetReport> {
    let mut tasks = JoinSet::new();
    let count = targets.len();
    let mut reports: Vec<Option<TargetReport>> = vec![None; count];
    let slots = Arc::new(Semaphore::new(options.parallel_targets.max(1)));
    // Browser targets beyond the tab budget would only wait for a tab with their clock running
    // (target_timeout_secs) and a context open: they wait their turn here instead.
    let browser_turns = Arc::new(Semaphore::new(chromium.map_or(1, |c| c.tabs.size())));
    // Kept to report a target whose task panicked (a bug) as failed rather than lose it.
    let mut by_task = std::collections::HashMap::new();
    let mut queue = targets.into_iter().enumerate();
    // Slots are taken here, in the order of targets.toml, rather than inside each task: tasks
    // would race for them and a later target could start first.
    for (index, target) in queue.by_ref() {
        let slot = tokio::select! {
            biased;
            _ = options.interrupt.cancelled() => None,
            slot = slots.clone().acquire_owned() => slot.ok(),
        };
        let Some(slot) = slot else {
            reports[index] = Some(not_started(&target, StopReason::Interrupted));
            break;
        };
        let spare = target.clone();
        let crawler = crawler.clone();
        let chromium = chromium.cloned();
        let catalog = options.catalog.clone();
        let limit = options.lifetime_limit_seconds;
        let record_values = options.record_values;
        let interrupt = options.interrupt.clone();
        let progress = options.progress.clone();
        let evidence = options.evidence_dir.clone();
        let browser_turns = browser_turns.clone();
        let task = tasks.spawn(async move {
            let _slot = slot;
            // Waiting for the address's budget before the target's clock starts: a target
            // that shares it with many others is not cut short by its target_timeout_secs.
            let _admitted = tokio::select! {
                biased;
                () = interrupt.cancelled() => {
                    return (index, not_started(&target, StopReason::Interrupted));
                }
                admitted = crawler.admit(&target) => admitted,
            };
            let _browser_turn = if target.settings.engine == Engine::Browser {
                tokio::select! {
                    biased;
                    _ = interrupt.cancelled() => {
                        return (index, not_started(&target, StopReason::Interrupted));
                    }
                    turn = browser_turns.acquire_owned() => turn.ok(),
                }
            } else {
                None
            };
            let stop = Stop::on(interrupt.clone())
                .within(Duration::from_secs(target.settings.target_timeout_secs));
            let name = target.name.clone();
            if let Some(progress) = &progress {
                progress.target_started(&name, target.settings.max_pages);
            }
            let run = TargetRun {
                crawler: &crawler,
                chromium: chromium.as_ref(),
                stop: &stop,
                record_values,
                progress: progress.clone(),
                evidence: evidence.as_deref().map(|dir| Evidence { dir, index }),
            };
            let fallback = target.clone();
            let visit = visit_target(&run, target);
            let mut report = tokio::select! {
                report = visit => report,
                why = abandon_after(&stop, &interrupt) => {
                    tracing::error!(target = %name, "{why}");
                    target_report(&fallback, Crawled::failed(why), Charter::not_read("the target was abandoned"), None)
                }
            };
            if let Some(progress) = &progress {
                progress.target_done(&name);
            }
            if report.status == TargetStatus::Audited {
                let rules = Rules {
                    catalog: &catalog,
                    lifetime_limit_seconds: limit,
                };
                rules::add_findings(&mut report, &rules);
            }
            (index, report)
        });
        by_task.insert(task.id(), (index, spare));
    }
    // Only an interruption leaves targets in the queue.
    for (index, target) in queue {
        reports[index] = Some(not_started(&target, StopReason::Interrupted));
    }
    while let Some(joined) = tasks.join_next_with_id().await {
        match joined {
            Ok((_, (index, report))) => reports[index] = Some(report),
            // Only a bug panics a target's task; the others are still reported.
            Err(error) => {
                tracing::error!("a target's audit stopped unexpectedly: {error}");
                if let Some((index, target)) = by_task.remove(&error.id()) {
                    let why = format!("internal error while auditing this target: {error}");
                    reports[index] = Some(target_report(
                        &target,
                        Crawled::failed(why),
                        Charter::not_found("not looked for"),
                        None,
                    ));
                }
            }
        }
    }
    reports.into_iter().flatten().collect()
}

/// How long a target may take to stop once its deadline passed before it is abandoned. Stopping
/// is cooperative (a page in flight finishes, a browser tab is closed); this only bounds a bug or
/// a stuck dependency, so that a cron run always ends.
const STOP_GRACE: Duration = Duration::from_secs(60);

/// The same after an interruption (SIGINT, SIGTERM): systemd and `timeout` wait a few seconds
/// before they kill, and the report must be written by then.
const INTERRUPT_GRACE: Duration = Duration::from_secs(10);

/// Resolves when a target that should have stopped still runs: `STOP_GRACE` after its deadline,
/// or `INTERRUPT_GRACE` after the run was interrupted. Says why.
async fn abandon_after(stop: &Stop, interrupt: &CancellationToken) -> String {
    let overdue = async {
        match stop.deadline() {
            Some(at) => tokio::time::sleep_until(at + STOP_GRACE).await,
            None => std::future::pending().await,
        }
    };
    tokio::select! {
        () = overdue => format!(
            "abandoned: still running {} s after its target_timeout_secs (a stuck page or browser)",
            STOP_GRACE.as_secs()
        ),
        () = async {
            interrupt.cancelled().await;
            tokio::time::sleep(INTERRUPT_GRACE).await;
        } => format!(
            "abandoned: still running {} s after the run was interrupted",
            INTERRUPT_GRACE.as_secs()
        ),
    }
}

/// The report of a run: its header, its targets (credentials masked) and their totals.
fn assemble_report(
    reports: Vec<TargetReport>,
    options: &AuditOptions,
    started_at: OffsetDateTime,
) -> Report {
    // Only targets carry text from the web or from targets.toml; each is redacted alone, so the
    // transient copy is one target's, not the run's.
    let targets: Vec<TargetReport> = reports.into_iter().map(crate::redact::serialised).collect();
    let finished_at = OffsetDateTime::now_utc();
    Report {
        schema_version: SCHEMA_VERSION,
        tool: Tool::current(),
        run: Run {
            id: crate::report::run_id(started_at),
            started_at: rfc3339(started_at),
            finished_at: rfc3339(finished_at),
            engine: options.engine,
            partial: options.interrupt.is_cancelled(),
            interrupted_by: None,
            values_recorded: options.record_values,
            politeness: Some(RunPoliteness {
                key: options.politeness.key,
                max_requests_per_second_per_ip: options.politeness.max_requests_per_second_per_ip,
                parallel_targets: u32::try_from(options.parallel_targets).unwrap_or(u32::MAX),
                max_connections: u32::try_from(options.max_connections).unwrap_or(u32::MAX),
            }),
            sharding: Default::default(),
        },
        totals: Totals::of(&targets),
        targets,
        changes: None,
    }
}

/// A target the run never came to: it was interrupted first.
fn not_started(target: &Target, reason: StopReason) -> TargetReport {
    let mut crawled = Crawled::failed(format!("not audited: {reason} before its turn"));
    crawled.outcome.stopped = Some(reason);
    target_report(target, crawled, Charter::not_found("not looked for"), None)
}

/// RFC 3339 in UTC to the second, as the report promises.
pub(crate) fn rfc3339(at: OffsetDateTime) -> String {
    let at = at
        .to_offset(time::UtcOffset::UTC)
        .replace_nanosecond(0)
        .unwrap_or(at);
    at.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| at.unix_timestamp().to_string())
}
