//! One target: its crawl (HTTP, or the browser once per consent phase), its charter, and its
//! part of the report.

use std::sync::{Arc, Mutex};
use std::time::Instant;

use url::Url;

use crate::browser::context::BrowserPages;
use crate::browser::{Chromium, consent};
use crate::charter::discover::{DocumentSource, find_charter};
use crate::config::Target;
use crate::cookie::Sighting;
use crate::crawl::stop::Stop;
use crate::crawl::{CrawlOutcome, Crawler, Document, PageLoader, Progress, Session};
use crate::observe::{ObservationBook, Observations};
use crate::site::Site;
use crate::types::{
    Charter, ConsentReport, Crawl, CrawlStop, Engine, Page, Phase, PhaseOutcome, TargetReport,
    TargetStatus,
};

/// What every target of a run is audited with.
pub(super) struct TargetRun<'r> {
    pub(super) crawler: &'r Crawler,
    pub(super) chromium: Option<&'r Arc<Chromium>>,
    pub(super) stop: &'r Stop,
    pub(super) record_values: bool,
    pub(super) progress: Option<Arc<dyn Progress>>,
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
