//! The audit pipeline: targets → crawl → observations → report.
//!
//! The command line calls [`audit`]; benchmarks and tests call it too, so everything the
//! `audit` command does apart from arguments, output and exit codes lives here.

use std::sync::Arc;

use time::OffsetDateTime;
use tokio::task::JoinSet;

use crate::config::{Engine, Target};
use crate::crawl::fetch::ResolveRule;
use crate::crawl::{CrawlOutcome, Crawler, CrawlerError};
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
        tasks.spawn(async move { (index, audit_target(&crawler, target).await) });
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
    })
}

async fn audit_target(crawler: &Crawler, target: Target) -> TargetReport {
    tracing::info!(target = %target.name, url = %target.url, "crawl started");
    let mut book = Site::of(&target.url).map(ObservationBook::new);
    let outcome = crawler
        .crawl(&target, |event| {
            if let Some(book) = book.as_mut() {
                book.record(&event);
            }
        })
        .await;
    let observations = book.map(ObservationBook::finish).unwrap_or(Observations {
        cookies: Vec::new(),
        malformed: Vec::new(),
    });
    match &outcome.failure {
        Some(why) => tracing::warn!(target = %target.name, "target failed: {why}"),
        None => tracing::info!(
            target = %target.name,
            pages = outcome.pages.len(),
            requests = outcome.requests,
            cookies = observations.cookies.len(),
            ms = outcome.duration.as_millis() as u64,
            "crawl finished"
        ),
    }
    target_report(&target, outcome, observations)
}

fn target_report(
    target: &Target,
    outcome: CrawlOutcome,
    observations: Observations,
) -> TargetReport {
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
        charter: Charter::not_found(),
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
