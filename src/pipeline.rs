//! The audit pipeline: targets → crawl → observations + charter → findings → report.
//!
//! The command line calls [`audit`]; benchmarks and tests call it too, so everything the
//! `audit` command does apart from arguments, output and exit codes lives here.

use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use time::OffsetDateTime;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use url::Url;

use crate::audit::catalog::Catalog;
use crate::audit::rules::{self, Rules};
use crate::browser::context::BrowserPages;
use crate::browser::{BrowserError, BrowserOptions, Chromium, consent};
use crate::charter::discover::{DocumentSource, find_charter};
use crate::config::Target;
use crate::cookie::Sighting;
use crate::crawl::fetch::ResolveRule;
use crate::crawl::stop::{Stop, StopReason};
use crate::crawl::{CrawlOutcome, Crawler, CrawlerError, Document, PageLoader, Progress, Session};
use crate::observe::{ObservationBook, Observations};
use crate::site::Site;
use crate::types::Engine;
use crate::types::{
    Charter, ConsentReport, Crawl, CrawlStop, Page, Phase, PhaseOutcome, Report, Run,
    SCHEMA_VERSION, TargetReport, TargetStatus, Tool, Totals,
};

/// How a run goes, beyond each target's own settings.
#[derive(Debug, Clone)]
pub(crate) struct AuditOptions {
    /// `--resolve` overrides.
    pub resolve: Vec<ResolveRule>,
    /// Honour robots.txt (off with `--ignore-robots`).
    pub respect_robots: bool,
    /// Requests in flight over all targets.
    pub max_connections: usize,
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
    /// this bounds the sockets and memory of a run whatever the length of the list.
    pub parallel_targets: usize,
    /// Keep cookie values in the report (`--record-values`).
    pub record_values: bool,
    /// Told of targets and pages as they go (the command line's progress bars).
    pub progress: Option<Arc<dyn Progress>>,
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
        let task = tasks.spawn(async move {
            let _slot = slot;
            let stop = Stop::on(interrupt)
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
            };
            let mut report = visit_target(&run, target).await;
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

/// What every target of a run is audited with.
struct TargetRun<'r> {
    crawler: &'r Crawler,
    chromium: Option<&'r Arc<Chromium>>,
    stop: &'r Stop,
    record_values: bool,
    progress: Option<Arc<dyn Progress>>,
}

/// Crawls one target and reads its charter: everything its findings are judged from.
async fn visit_target(run: &TargetRun<'_>, target: Target) -> TargetReport {
    let TargetRun {
        crawler,
        chromium,
        stop,
        record_values,
        ..
    } = *run;
    tracing::info!(target = %target.name, url = %target.url, engine = %target.settings.engine, "crawl started");
    let Some(site) = Site::of(&target.url) else {
        let why = format!("the start URL {} has no host", target.url);
        return target_report(
            &target,
            Crawled::failed(why),
            Charter::not_found("not looked for"),
            None,
        );
    };
    // One book for the crawl and the charter fetches: the charter page's cookies count too.
    let book = Mutex::new(ObservationBook::new(site).recording_values(record_values));
    let (crawled, charter) = match (target.settings.engine, chromium) {
        (Engine::Browser, Some(chromium)) => crawl_in_browser(run, chromium, &target, &book).await,
        _ => {
            let session = crawler
                .session(&target)
                .stopping_on(stop.clone())
                .reporting_to(run.progress.clone());
            let mut outcome = session.crawl(|event| record(&book, &event)).await;
            let charter = read_charter(&session, &target, &outcome, &book, stop).await;
            outcome.requests = session.requests();
            (Crawled::single(outcome), charter)
        }
    };
    let observations = book
        .into_inner()
        .unwrap_or_else(|p| p.into_inner())
        .finish();
    let outcome = &crawled.outcome;
    match &outcome.failure {
        Some(why) => tracing::warn!(target = %target.name, "target failed: {why}"),
        None => tracing::info!(
            target = %target.name,
            pages = outcome.pages.len(),
            requests = outcome.requests,
            cookies = observations.cookies.len(),
            charter = ?charter.status,
            ms = outcome.duration.as_millis() as u64,
            "target audited"
        ),
    }
    target_report(&target, crawled, charter, Some(observations))
}

/// A target's crawl, all phases together.
struct Crawled {
    outcome: CrawlOutcome,
    /// The phase of each page of `outcome.pages`, when consent phases ran.
    page_phases: Vec<Option<Phase>>,
    consent: Option<ConsentReport>,
}

impl Crawled {
    fn single(outcome: CrawlOutcome) -> Crawled {
        Crawled {
            page_phases: vec![None; outcome.pages.len()],
            outcome,
            consent: None,
        }
    }

    fn failed(why: String) -> Crawled {
        Crawled::single(CrawlOutcome::failed(why))
    }

    /// Adds a phase's crawl to the target's: its pages after the others', filed under `phase`.
    fn add_phase(all: &mut Option<Crawled>, outcome: CrawlOutcome, phase: Option<Phase>) {
        match all {
            None => {
                let mut first = Crawled::single(outcome);
                first.page_phases = vec![phase; first.outcome.pages.len()];
                *all = Some(first);
            }
            Some(all) => {
                all.page_phases
                    .extend(std::iter::repeat_n(phase, outcome.pages.len()));
                all.outcome.pages.extend(outcome.pages);
                all.outcome.requests += outcome.requests;
                all.outcome.subresources += outcome.subresources;
            }
        }
    }
}

/// The charter, looked for once the crawl found the site's links.
async fn read_charter<L: PageLoader>(
    session: &Session<'_, L>,
    target: &Target,
    outcome: &CrawlOutcome,
    book: &Mutex<ObservationBook>,
    stop: &Stop,
) -> Charter {
    if outcome.failure.is_some() {
        return Charter::not_found("not looked for: the site could not be reached");
    }
    let documents = SessionDocuments { session, book };
    let found = find_charter(
        target.charter.as_ref(),
        &target.url,
        &outcome.cookie_links,
        &documents,
        target.settings.max_body_bytes,
    );
    stop.run(found)
        .await
        .unwrap_or_else(|reason| Charter::not_found(format!("not read: {reason}")))
}

/// The browser engine: one fresh context per consent phase, each crawled with the same policy.
async fn crawl_in_browser(
    run: &TargetRun<'_>,
    chromium: &Arc<Chromium>,
    target: &Target,
    book: &Mutex<ObservationBook>,
) -> (Crawled, Charter) {
    let started = Instant::now();
    let with_phases = target.settings.consent.is_some();
    let mut crawled: Option<Crawled> = None;
    let mut charter = None;
    let mut phases = Vec::new();
    let mut stopped = None;
    for (phase, selector) in consent::phases(target.settings.consent.as_ref()) {
        let ran = match run.stop.reason() {
            Some(reason) => {
                stopped = Some(reason);
                PhaseRun::NotCrawled {
                    clicked: false,
                    error: Some(format!("not run: {reason}")),
                }
            }
            None => run_phase(run, chromium, target, book, phase, selector).await,
        };
        let (clicked, error, outcome) = match ran {
            PhaseRun::NoContext(why) if phase == Phase::None => {
                return (Crawled::failed(why), Charter::not_found("not looked for"));
            }
            PhaseRun::NoContext(why) => (false, Some(why), None),
            PhaseRun::NotCrawled { clicked, error } => (clicked, error, None),
            PhaseRun::Crawled {
                outcome,
                clicked,
                error,
                charter: read,
            } => {
                charter = charter.or(read);
                (clicked, error, Some(outcome))
            }
        };
        let Some(outcome) = outcome else {
            phases.push(PhaseOutcome {
                phase,
                clicked,
                error,
                pages: 0,
            });
            continue;
        };
        stopped = stopped.or(outcome.stopped);
        let unreachable = outcome.failure.is_some();
        phases.push(PhaseOutcome {
            phase,
            clicked,
            error: error.or_else(|| outcome.failure.clone()),
            pages: outcome.pages.len() as u32,
        });
        Crawled::add_phase(&mut crawled, outcome, with_phases.then_some(phase));
        // A site that cannot be reached will not be reached by clicking either.
        if unreachable && phase == Phase::None {
            break;
        }
    }
    set_phase(book, Phase::None);
    let mut crawled = crawled.unwrap_or_else(|| match stopped {
        Some(reason) => Crawled::failed(format!("{reason} before the start page answered")),
        None => Crawled::failed("no phase ran".into()),
    });
    crawled.outcome.duration = started.elapsed();
    crawled.outcome.stopped = stopped;
    if let Some(selectors) = &target.settings.consent {
        crawled.consent = Some(ConsentReport {
            accept: selectors.accept.clone(),
            reject: selectors.reject.clone(),
            phases,
        });
    }
    let charter = charter.unwrap_or_else(|| Charter::not_found("not looked for"));
    (crawled, charter)
}

/// How one consent phase went.
// At most three of these live per target, one at a time: boxing the crawl would buy nothing.
#[allow(clippy::large_enum_variant)]
enum PhaseRun {
    /// Chromium could not give the phase a fresh context.
    NoContext(String),
    /// The phase ended before crawling: the choice could not be made.
    NotCrawled {
        clicked: bool,
        error: Option<String>,
    },
    /// The phase crawled the site (the charter is read in the no-choice phase only).
    Crawled {
        outcome: CrawlOutcome,
        clicked: bool,
        error: Option<String>,
        charter: Option<Charter>,
    },
}

/// One consent phase: a fresh context, the choice made (unless `Phase::None`), then the crawl.
async fn run_phase(
    run: &TargetRun<'_>,
    chromium: &Arc<Chromium>,
    target: &Target,
    book: &Mutex<ObservationBook>,
    phase: Phase,
    selector: Option<&str>,
) -> PhaseRun {
    let stop = run.stop;
    set_phase(book, phase);
    let pages = match BrowserPages::new(chromium.clone(), &target.settings).await {
        Ok(pages) => pages,
        Err(error) => return PhaseRun::NoContext(format!("browser: {error}")),
    };
    let session = run
        .crawler
        .session_with(target, pages)
        .stopping_on(stop.clone())
        .reporting_to(run.progress.clone());
    let (mut clicked, mut error) = (false, None);
    if let Some(selector) = selector {
        match stop
            .run(session.pages().give_consent(&target.url, selector))
            .await
        {
            Ok(step) => {
                step.sightings.iter().for_each(|s| record(book, s));
                (clicked, error) = (step.clicked, step.error);
            }
            Err(reason) => error = Some(format!("not run: {reason}")),
        }
        if !clicked {
            // Crawling on would file a no-choice visit under a choice nobody made.
            tracing::warn!(target = %target.name, ?phase, "consent not given, phase skipped: {}", error.as_deref().unwrap_or(""));
            session.pages().dispose().await;
            return PhaseRun::NotCrawled { clicked, error };
        }
    }
    let mut outcome = session.crawl(|sighting| record(book, &sighting)).await;
    let charter = if phase == Phase::None {
        Some(read_charter(&session, target, &outcome, book, stop).await)
    } else {
        None
    };
    outcome.requests = session.requests() + session.pages().requests();
    session.pages().dispose().await;
    PhaseRun::Crawled {
        outcome,
        clicked,
        error,
        charter,
    }
}

fn set_phase(book: &Mutex<ObservationBook>, phase: Phase) {
    book.lock()
        .unwrap_or_else(|p| p.into_inner())
        .set_phase(phase);
}

fn record(book: &Mutex<ObservationBook>, event: &Sighting) {
    book.lock().unwrap_or_else(|p| p.into_inner()).record(event);
}

/// The target's session as the charter's document source, recording what it sets.
struct SessionDocuments<'a, L: PageLoader> {
    session: &'a Session<'a, L>,
    book: &'a Mutex<ObservationBook>,
}

impl<L: PageLoader> DocumentSource for SessionDocuments<'_, L> {
    fn fetch(&self, url: &Url) -> impl Future<Output = Document> + Send {
        self.session
            .fetch_document(url, |event| record(self.book, &event))
    }
}

fn target_report(
    target: &Target,
    crawled: Crawled,
    charter: Charter,
    observations: Option<Observations>,
) -> TargetReport {
    let observations = observations.unwrap_or_default();
    let Crawled {
        outcome,
        page_phases,
        consent,
    } = crawled;
    let (status, error) = match outcome.failure {
        Some(why) => (TargetStatus::Failed, Some(why)),
        None => (TargetStatus::Audited, None),
    };
    TargetReport {
        name: target.name.clone(),
        url: target.url.to_string(),
        jurisdiction: target.jurisdiction,
        engine: target.settings.engine,
        status,
        error,
        charter,
        crawl: Crawl {
            pages: outcome
                .pages
                .into_iter()
                .zip(page_phases.into_iter().chain(std::iter::repeat(None)))
                .map(|(visit, phase)| Page {
                    phase,
                    ..visit.into()
                })
                .collect(),
            requests: outcome.requests,
            duration_ms: outcome.duration.as_millis() as u64,
            subresources: outcome.subresources,
            stopped: outcome.stopped.map(CrawlStop::from),
        },
        observed: observations.cookies,
        storage: observations.storage,
        malformed_set_cookies: observations.malformed,
        findings: Vec::new(),
        consent,
    }
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
