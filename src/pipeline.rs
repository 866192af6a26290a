//! The audit pipeline: targets → crawl → observations + charter → findings → report.
//!
//! The command line calls [`audit`]; benchmarks and tests call it too, so everything the
//! `audit` command does apart from arguments, output and exit codes lives here.

use std::future::Future;
use std::sync::{Arc, Mutex};

use time::OffsetDateTime;
use tokio::task::JoinSet;
use url::Url;

use crate::audit::catalog::Catalog;
use crate::audit::rules::{self, Rules};
use crate::charter::discover::{DocumentSource, find_charter};
use crate::config::{Engine, Target};
use crate::crawl::fetch::ResolveRule;
use crate::crawl::{CookieEvent, CrawlOutcome, Crawler, CrawlerError, Document, Session};
use crate::observe::{ObservationBook, Observations};
use crate::report::types::{
    Charter, Crawl, Page, Report, Run, SCHEMA_VERSION, TargetReport, TargetStatus, Tool, Totals,
};
use crate::site::Site;

/// How a run goes, beyond each target's own settings.
#[derive(Debug, Clone)]
pub struct AuditOptions {
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
}

/// Audits every target concurrently and returns the report, targets in the order given.
pub async fn audit(targets: Vec<Target>, options: &AuditOptions) -> Result<Report, CrawlerError> {
    let started_at = OffsetDateTime::now_utc();
    let crawler = Arc::new(Crawler::new(
        &options.resolve,
        options.max_connections,
        options.respect_robots,
    )?);
    let mut tasks = JoinSet::new();
    let count = targets.len();
    for (index, target) in targets.into_iter().enumerate() {
        let crawler = crawler.clone();
        let catalog = options.catalog.clone();
        let limit = options.lifetime_limit_seconds;
        tasks.spawn(async move {
            let mut report = audit_target(&crawler, target).await;
            if report.status == TargetStatus::Audited {
                let rules = Rules {
                    catalog: &catalog,
                    lifetime_limit_seconds: limit,
                };
                rules::audit_target(&mut report, &rules);
            }
            (index, report)
        });
    }
    let mut reports: Vec<Option<TargetReport>> = vec![None; count];
    while let Some(joined) = tasks.join_next().await {
        match joined {
            Ok((index, report)) => reports[index] = Some(report),
            // Only a bug panics a target's task; the others are still reported.
            Err(error) => tracing::error!("a target's audit stopped unexpectedly: {error}"),
        }
    }
    let targets: Vec<TargetReport> = reports.into_iter().flatten().collect();
    let finished_at = OffsetDateTime::now_utc();
    Ok(Report {
        schema_version: SCHEMA_VERSION,
        tool: Tool::current(),
        run: Run {
            id: crate::report::run_id(started_at),
            started_at: rfc3339(started_at),
            finished_at: rfc3339(finished_at),
            engine: options.engine,
            partial: false,
        },
        totals: Totals::of(&targets),
        targets,
        changes: None,
    })
}

async fn audit_target(crawler: &Crawler, target: Target) -> TargetReport {
    tracing::info!(target = %target.name, url = %target.url, "crawl started");
    let Some(site) = Site::of(&target.url) else {
        let why = format!("the start URL {} has no host", target.url);
        return target_report(
            &target,
            failed_crawl(why),
            Charter::not_found("not looked for"),
            None,
        );
    };
    // One book for the crawl and the charter fetches: the charter page's cookies count too.
    let book = Mutex::new(ObservationBook::new(site));
    let session = crawler.session(&target);
    let mut outcome = session.crawl(|event| record(&book, &event)).await;
    let charter = match &outcome.failure {
        Some(_) => Charter::not_found("not looked for: the site could not be reached"),
        None => {
            let documents = SessionDocuments {
                session: &session,
                book: &book,
            };
            find_charter(
                target.charter.as_ref(),
                &target.url,
                &outcome.cookie_links,
                &documents,
                target.settings.max_body_bytes,
            )
            .await
        }
    };
    outcome.requests = session.requests();
    let observations = book
        .into_inner()
        .unwrap_or_else(|p| p.into_inner())
        .finish();
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
    target_report(&target, outcome, charter, Some(observations))
}

fn record(book: &Mutex<ObservationBook>, event: &CookieEvent) {
    book.lock().unwrap_or_else(|p| p.into_inner()).record(event);
}

/// The target's session as the charter's document source, recording what it sets.
struct SessionDocuments<'a> {
    session: &'a Session<'a>,
    book: &'a Mutex<ObservationBook>,
}

impl DocumentSource for SessionDocuments<'_> {
    fn fetch(&self, url: &Url) -> impl Future<Output = Document> + Send {
        self.session
            .fetch_document(url, |event| record(self.book, &event))
    }
}

fn failed_crawl(why: String) -> CrawlOutcome {
    CrawlOutcome {
        pages: Vec::new(),
        requests: 0,
        subresources: 0,
        cookie_links: Vec::new(),
        duration: std::time::Duration::ZERO,
        failure: Some(why),
    }
}

fn target_report(
    target: &Target,
    outcome: CrawlOutcome,
    charter: Charter,
    observations: Option<Observations>,
) -> TargetReport {
    let observations = observations.unwrap_or_default();
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
                .map(|visit| Page {
                    url: visit.url.to_string(),
                    status: visit.status,
                    depth: visit.depth,
                    error: visit.error,
                    final_url: visit.final_url.map(|u| u.to_string()),
                    redirects: visit.redirects,
                    bytes: visit.bytes,
                    truncated: visit.truncated,
                })
                .collect(),
            requests: outcome.requests,
            duration_ms: outcome.duration.as_millis() as u64,
            subresources: outcome.subresources,
        },
        observed: observations.cookies,
        storage: Vec::new(),
        malformed_set_cookies: observations.malformed,
        findings: Vec::new(),
    }
}

/// RFC 3339 in UTC to the second, as the report promises.
pub fn rfc3339(at: OffsetDateTime) -> String {
    let at = at
        .to_offset(time::UtcOffset::UTC)
        .replace_nanosecond(0)
        .unwrap_or(at);
    at.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| at.unix_timestamp().to_string())
}
