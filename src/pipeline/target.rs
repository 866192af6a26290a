//! One target: its crawl (HTTP, or the browser once per consent phase), its charter, and its
//! part of the report.

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use url::Url;

use crate::browser::Chromium;
use crate::browser::consent::{self, Choice};
use crate::browser::context::BrowserPages;
use crate::charter::discover::{DocumentSource, find_charter};
use crate::config::{CharterSource, ClickStep, ConsentPlan, Target};
use crate::cookie::Sighting;
use crate::crawl::guard::TargetGuard;
use crate::crawl::stop::Stop;
use crate::crawl::{CrawlOutcome, Crawler, Document, PageLoader, Progress, Session};
use crate::observe::{ObservationBook, Observations};
use crate::report::render::text::enum_word;
use crate::site::Site;
use crate::types::{
    Charter, CharterStatus, ConsentChoice, ConsentReport, Crawl, CrawlStop, Engine, Page, Phase,
    PhaseOutcome, Screenshot, ScreenshotMoment, TargetReport, TargetStatus,
};

/// What every target of a run is audited with.
pub(super) struct TargetRun<'r> {
    pub(super) crawler: &'r Crawler,
    pub(super) chromium: Option<&'r Arc<Chromium>>,
    pub(super) stop: &'r Stop,
    pub(super) record_values: bool,
    pub(super) progress: Option<Arc<dyn Progress>>,
    /// Where consent screenshots go, when they are kept.
    pub(super) evidence: Option<Evidence<'r>>,
}

/// The folder consent screenshots are written to, and the target's place in the run (file
/// names must differ between targets whose names fold to the same text).
#[derive(Clone, Copy)]
pub(super) struct Evidence<'r> {
    pub(super) dir: &'r Path,
    pub(super) index: usize,
}

impl Evidence<'_> {
    /// Writes one screenshot; the report's reference to it, or None when it cannot be kept.
    fn keep(
        &self,
        target: &str,
        phase: Phase,
        moment: ScreenshotMoment,
        jpeg: &[u8],
    ) -> Option<Screenshot> {
        let slug: String = target
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_lowercase()
                } else {
                    '-'
                }
            })
            .take(40)
            .collect();
        let moment_name = match moment {
            ScreenshotMoment::Banner => "banner",
            ScreenshotMoment::AfterChoice => "after",
        };
        let name = format!(
            "{:03}-{slug}-{}-{moment_name}.jpg",
            self.index + 1,
            enum_word(&phase)
        );
        match std::fs::write(self.dir.join(&name), jpeg) {
            Ok(()) => Some(Screenshot {
                moment,
                file: format!("screenshots/{name}"),
                bytes: jpeg.len() as u64,
            }),
            Err(error) => {
                tracing::warn!(target = %target, "cannot keep a consent screenshot: {error}");
                None
            }
        }
    }
}

/// Crawls one target and reads its charter: everything its findings are judged from.
pub(super) async fn visit_target(run: &TargetRun<'_>, target: Target) -> TargetReport {
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
    // One address rule and one log of refusals for every engine and phase of the target.
    let guard = crawler.guard(&target);
    let (crawled, charter) = match (target.settings.engine, chromium) {
        (Engine::Browser, Some(chromium)) => {
            // A browser that dies answers nothing more: the target fails now, naming why,
            // rather than wait for replies that will never come.
            let crawled = tokio::select! {
                crawled = crawl_in_browser(run, chromium, &target, &book, &guard) => Some(crawled),
                _ = chromium.died() => None,
            };
            match crawled {
                Some(crawled) if !hurt_by_death(&crawled.0, chromium).await => crawled,
                _ => {
                    let why = chromium.died().await;
                    (
                        Crawled::failed(format!("the browser died during the audit: {why}")),
                        Charter::not_read("the browser died"),
                    )
                }
            }
        }
        _ => {
            let session = crawler
                .session_guarded(&target, guard.clone())
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
    let mut report = target_report(&target, crawled, charter, Some(observations));
    (report.crawl.refused, report.crawl.refused_count) = guard.refused.take();
    for refused in &report.crawl.refused {
        tracing::warn!(target = %target.name, url = %refused.url, "{}", refused.reason);
    }
    report
}

/// Whether a browser crawl that ended with errors ended so because the browser died: a command
/// in flight fails ("oneshot canceled") a moment before the death is known, so a crawl with
/// errors waits that moment to name the real cause.
async fn hurt_by_death(crawled: &Crawled, chromium: &Chromium) -> bool {
    let outcome = &crawled.outcome;
    let errors = outcome.failure.is_some() || outcome.pages.iter().any(|p| p.error.is_some());
    errors
        && tokio::time::timeout(Duration::from_secs(1), chromium.died())
            .await
            .is_ok()
}

/// A target's crawl, all phases together.
pub(super) struct Crawled {
    pub(super) outcome: CrawlOutcome,
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

    pub(super) fn failed(why: String) -> Crawled {
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
    // A crawl cut short has not seen every link: the charter it would have found may be among
    // those it never reached, so "not found" would blame the portal for our stop.
    if let Some(reason) = outcome.stopped {
        return Charter::not_read(format!("not read: {reason}"));
    }
    let documents = SessionDocuments { session, book };
    let found = find_charter(
        target.charter.as_ref(),
        &target.url,
        &outcome.cookie_links,
        &documents,
        target.settings.max_body_bytes,
    );
    let charter = match stop.run(found).await {
        Ok(charter) => charter,
        Err(reason) => return Charter::not_read(format!("not read: {reason}")),
    };
    // The charter file named in targets.toml is ours: when it cannot be read, the portal's
    // charter was never looked at.
    match target.charter.as_ref() {
        Some(CharterSource::File(_)) if charter.status == CharterStatus::Unreachable => {
            let why = charter.error.as_deref().unwrap_or("it cannot be read");
            Charter {
                status: CharterStatus::NotRead,
                error: Some(format!("not read: the charter file of targets.toml: {why}")),
                ..charter
            }
        }
        _ => charter,
    }
}

/// The browser engine: one fresh context per consent phase, each crawled with the same policy.
async fn crawl_in_browser(
    run: &TargetRun<'_>,
    chromium: &Arc<Chromium>,
    target: &Target,
    book: &Mutex<ObservationBook>,
    guard: &TargetGuard,
) -> (Crawled, Charter) {
    let started = Instant::now();
    let plan = target.settings.consent.as_ref();
    let phases = consent::phases(plan, target.settings.gpc);
    let with_phases = phases.len() > 1;
    let mut crawled: Option<Crawled> = None;
    let mut charter = None;
    let mut outcomes = Vec::new();
    let mut cmp = None;
    let mut stopped = None;
    for phase in phases {
        let ran = match run.stop.reason() {
            Some(reason) => {
                stopped = Some(reason);
                PhaseRun::not_crawled(format!("not run: {reason}"))
            }
            None => run_phase(run, chromium, target, book, phase, guard).await,
        };
        let PhaseRun {
            made,
            outcome,
            charter: read,
        } = ran;
        if made.no_context && phase == Phase::None {
            let why = made.error.unwrap_or_default();
            return (Crawled::failed(why), Charter::not_found("not looked for"));
        }
        charter = charter.or(read);
        cmp = cmp.or(made.cmp.clone());
        let mut report = PhaseOutcome {
            phase,
            clicked: made.clicked,
            error: made.error,
            pages: 0,
            method: made.method,
            steps: made.steps,
            choice: made.choice,
            screenshots: made.screenshots,
        };
        let Some(outcome) = outcome else {
            outcomes.push(report);
            continue;
        };
        stopped = stopped.or(outcome.stopped);
        let unreachable = outcome.failure.is_some();
        report.pages = outcome.pages.len() as u32;
        report.error = report.error.or_else(|| outcome.failure.clone());
        outcomes.push(report);
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
    if with_phases {
        let (mode, accept, reject) = describe_plan(plan);
        crawled.consent = Some(ConsentReport {
            mode,
            accept,
            reject,
            cmp,
            phases: outcomes,
        });
    }
    let charter = charter.unwrap_or_else(|| Charter::not_found("not looked for"));
    (crawled, charter)
}

/// The plan as the report names it: its mode, then the accept and reject actions.
fn describe_plan(plan: Option<&ConsentPlan>) -> (String, String, String) {
    let steps = |steps: &[ClickStep]| {
        steps
            .iter()
            .map(|step| match step {
                ClickStep::Css(css) => css.clone(),
                ClickStep::Text(text) => format!("text {text:?}"),
            })
            .collect::<Vec<_>>()
            .join(" → ")
    };
    match plan {
        None => ("none".into(), String::new(), String::new()),
        Some(ConsentPlan::Auto) => ("auto".into(), "auto".into(), "auto".into()),
        Some(ConsentPlan::Opendatasoft) => (
            "opendatasoft".into(),
            "opendatasoft".into(),
            "opendatasoft".into(),
        ),
        Some(ConsentPlan::Steps { accept, reject }) => {
            ("steps".into(), steps(accept), steps(reject))
        }
    }
}

/// How one phase went, as far as its choice goes.
#[derive(Default)]
struct ChoiceMade {
    /// Chromium could not give the phase a fresh context.
    no_context: bool,
    clicked: bool,
    error: Option<String>,
    method: Option<String>,
    cmp: Option<String>,
    steps: Vec<String>,
    choice: Option<ConsentChoice>,
    screenshots: Vec<Screenshot>,
}

/// One phase: its choice, and its crawl unless the choice could not be made (the charter is
/// read in the no-choice phase only).
struct PhaseRun {
    made: ChoiceMade,
    outcome: Option<CrawlOutcome>,
    charter: Option<Charter>,
}

impl PhaseRun {
    fn not_crawled(error: String) -> PhaseRun {
        PhaseRun {
            made: ChoiceMade {
                error: Some(error),
                ..ChoiceMade::default()
            },
            outcome: None,
            charter: None,
        }
    }
}

/// One phase: a fresh context, the choice made (for `reject` and `accept`), then the crawl.
async fn run_phase(
    run: &TargetRun<'_>,
    chromium: &Arc<Chromium>,
    target: &Target,
    book: &Mutex<ObservationBook>,
    phase: Phase,
    guard: &TargetGuard,
) -> PhaseRun {
    let stop = run.stop;
    set_phase(book, phase);
    let gpc = phase == Phase::Gpc;
    let pages =
        match BrowserPages::new(chromium.clone(), &target.settings, gpc, guard.clone()).await {
            Ok(pages) => pages,
            Err(error) => {
                let mut ran = PhaseRun::not_crawled(format!("browser: {error}"));
                ran.made.no_context = true;
                return ran;
            }
        };
    let session = run
        .crawler
        .session_with(target, pages, guard.clone())
        .stopping_on(stop.clone())
        .reporting_to(run.progress.clone());
    let mut made = ChoiceMade::default();
    if let (Some(choice), Some(plan)) = (Choice::of(phase), target.settings.consent.as_ref()) {
        match stop
            .run(session.pages().give_consent(&target.url, plan, choice))
            .await
        {
            Ok(step) => {
                step.sightings.iter().for_each(|s| record(book, s));
                made = ChoiceMade {
                    clicked: step.clicked,
                    error: step.error,
                    method: step.method,
                    cmp: step.cmp,
                    steps: step.steps,
                    screenshots: step
                        .screenshots
                        .iter()
                        .filter_map(|(moment, jpeg)| {
                            run.evidence?.keep(&target.name, phase, *moment, jpeg)
                        })
                        .collect(),
                    ..ChoiceMade::default()
                };
            }
            Err(reason) => made.error = Some(format!("not run: {reason}")),
        }
        if !made.clicked {
            // Crawling on would file a no-choice visit under a choice nobody made.
            tracing::warn!(target = %target.name, ?phase, "consent not given, phase skipped: {}", made.error.as_deref().unwrap_or(""));
            session.pages().dispose().await;
            return PhaseRun {
                made,
                outcome: None,
                charter: None,
            };
        }
    }
    let mut outcome = session.crawl(|sighting| record(book, &sighting)).await;
    let charter = if phase == Phase::None {
        Some(read_charter(&session, target, &outcome, book, stop).await)
    } else {
        None
    };
    if Choice::of(phase).is_some() {
        // What the consent manager recorded, once the whole phase has run.
        made.choice = session.pages().choice_cookie().await;
    }
    for sighting in session.pages().late_sightings() {
        record(book, &sighting);
    }
    outcome.requests = session.requests() + session.pages().requests();
    session.pages().dispose().await;
    PhaseRun {
        made,
        outcome: Some(outcome),
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
    /// With the browser engine, the page as rendered (a consent manager's declaration or a
    /// script-drawn table exists only there); the document as served when it cannot be
    /// rendered, and always with the HTTP engine.
    async fn fetch(&self, url: &Url) -> Document {
        let rendered = self
            .session
            .render_document(url, |event| record(self.book, &event))
            .await;
        match rendered {
            Some(document)
                if document.error.is_none()
                    && document.status.is_some_and(|s| (200..300).contains(&s)) =>
            {
                document
            }
            _ => {
                self.session
                    .fetch_document(url, |event| record(self.book, &event))
                    .await
            }
        }
    }
}

pub(super) fn target_report(
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
        index: None,
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
            refused: Vec::new(),
            refused_count: 0,
        },
        observed: observations.cookies,
        storage: observations.storage,
        malformed_set_cookies: observations.malformed,
        findings: Vec::new(),
        consent,
        engine_limits: None,
    }
}
