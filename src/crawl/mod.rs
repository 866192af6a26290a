//! The crawl of one target: a breadth-first walk of its pages, every response's cookies handed
//! to a sink as they arrive.
//!
//! Pages come from the [`frontier`], requests go through the [`fetch`]er under the rules of
//! [`politeness`], and [`extract`] reads links and sub-resources out of the pages. Sub-resources
//! (images, scripts, frames, styles…) are fetched once each, wherever they live, because a
//! browser would load them and they set cookies too; they are never crawled further.

pub mod extract;
pub mod fetch;
pub mod frontier;
pub mod politeness;

use std::collections::{HashSet, VecDeque};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use url::Url;

use crate::config::Target;
use crate::site::Site;
use extract::PageRefs;
use fetch::{BodyPolicy, FetchError, FetchSettings, Fetched, Fetcher, ResolveRule, SetCookie};
use frontier::Frontier;
use politeness::{RobotsCache, RobotsRules};

/// At most this many sitemap files are read per target (an index and its children).
const MAX_SITEMAP_FILES: usize = 10;
/// At most this many distinct sub-resources are fetched per target.
const MAX_SUBRESOURCES: usize = 10_000;
/// At most this many distinct links that mention cookies are kept per target.
const MAX_COOKIE_LINKS: usize = 50;

/// A link whose text or URL mentions cookies: a candidate for the site's cookie charter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CookieLink {
    /// Where it points.
    pub url: Url,
    /// Its text, whitespace collapsed.
    pub text: String,
    /// The page it was found on.
    pub found_on: Url,
}

/// A `Set-Cookie` header and the page being visited when it arrived.
#[derive(Debug)]
pub struct CookieEvent {
    /// The header.
    pub set_cookie: SetCookie,
    /// The page being visited (for robots.txt and sitemaps: the target's start page).
    pub page: Url,
}

/// One page taken from the frontier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageVisit {
    /// The URL as queued.
    pub url: Url,
    /// The final status, after redirects.
    pub status: Option<u16>,
    /// Link distance from the start pages.
    pub depth: u32,
    /// Why the page was not fetched whole.
    pub error: Option<String>,
    /// Where redirects ended, when they did.
    pub final_url: Option<Url>,
    /// Redirect hops followed.
    pub redirects: u32,
    /// Body bytes read.
    pub bytes: u64,
    /// True when the body was cut at the cap.
    pub truncated: bool,
}

/// What the crawl of one target produced, cookies apart (they went to the sink).
#[derive(Debug, Clone)]
pub struct CrawlOutcome {
    /// Pages in the order they were taken from the frontier.
    pub pages: Vec<PageVisit>,
    /// HTTP requests sent.
    pub requests: u64,
    /// Distinct sub-resources fetched.
    pub subresources: u64,
    /// Links that mention cookies, first found first.
    pub cookie_links: Vec<CookieLink>,
    /// Wall time.
    pub duration: Duration,
    /// Why the target could not be audited (its start page unreachable), if so.
    pub failure: Option<String>,
}

/// Crawls targets; one per run, shared by all targets (one connection pool, one global bound).
pub struct Crawler {
    client: reqwest::Client,
    connections: Arc<Semaphore>,
    respect_robots: bool,
}

/// Why a crawler could not be built.
#[derive(Debug, thiserror::Error)]
#[error("cannot build the HTTP client: {0}")]
pub struct CrawlerError(#[from] reqwest::Error);

impl Crawler {
    /// A crawler connecting through `resolve` overrides, with at most `max_connections`
    /// requests in flight over all targets.
    pub fn new(
        resolve: &[ResolveRule],
        max_connections: usize,
        respect_robots: bool,
    ) -> Result<Crawler, CrawlerError> {
        Ok(Crawler {
            client: fetch::build_client(resolve)?,
            connections: Arc::new(Semaphore::new(max_connections.max(1))),
            respect_robots,
        })
    }

    /// A fresh session for `target`: its own cookie jar and politeness, as a new browser
    /// profile would have.
    pub fn session<'t>(&self, target: &'t Target) -> Session<'t> {
        let settings = &target.settings;
        let fetcher = Fetcher::new(
            self.client.clone(),
            self.connections.clone(),
            &FetchSettings {
                user_agent: settings.user_agent.clone(),
                timeout: Duration::from_secs(settings.timeout_secs),
                max_body: settings.max_body_bytes,
                delay: Duration::from_millis(settings.delay_ms),
            },
        );
        Session {
            target,
            ctx: Arc::new(PageContext {
                fetcher,
                robots: RobotsCache::default(),
                respect_robots: self.respect_robots,
            }),
        }
    }
}

/// One target's visit: the crawl and every later fetch (its charter) share one cookie jar and
/// one politeness, so the site sees one visitor and every cookie it sets is recorded.
pub struct Session<'t> {
    target: &'t Target,
    ctx: Arc<PageContext>,
}

/// A document fetched outside the crawl (a charter).
#[derive(Debug, Clone)]
pub struct Document {
    /// Where redirects ended.
    pub url: Url,
    /// The final status, if a response came.
    pub status: Option<u16>,
    /// The final `Content-Type`.
    pub content_type: Option<String>,
    /// The body, cut at the target's `max_body_bytes`.
    pub body: Vec<u8>,
    /// True when the body was cut.
    pub truncated: bool,
    /// Why no whole document came, if so.
    pub error: Option<String>,
}

impl Session<'_> {
    /// Crawls the target, handing every `Set-Cookie` to `sink` as it arrives.
    pub async fn crawl(&self, mut sink: impl FnMut(CookieEvent)) -> CrawlOutcome {
        let started = Instant::now();
        let target = self.target;
        let Some(site) = Site::of(&target.url) else {
            // targets.toml only accepts http(s) URLs, which have a host; a library caller may not.
            return CrawlOutcome {
                pages: Vec::new(),
                requests: 0,
                subresources: 0,
                cookie_links: Vec::new(),
                duration: started.elapsed(),
                failure: Some(format!("the start URL {} has no host", target.url)),
            };
        };
        let mut run = TargetCrawl::new(target, site, self.ctx.clone());
        let failure = run.walk(&mut sink).await;
        CrawlOutcome {
            pages: run.pages.into_iter().flatten().collect(),
            requests: self.ctx.fetcher.requests(),
            subresources: run.subresources_seen.len() as u64,
            cookie_links: run.cookie_links,
            duration: started.elapsed(),
            failure,
        }
    }

    /// Fetches one document (robots.txt permitting), its cookies handed to `sink` with the
    /// document itself as the page being visited.
    pub async fn fetch_document(&self, url: &Url, mut sink: impl FnMut(CookieEvent)) -> Document {
        if self.ctx.respect_robots {
            let answer = self.ctx.robots.rules_for(url, &self.ctx.fetcher).await;
            emit(&mut sink, answer.fetched.map(|f| f.set_cookies), url);
            if let Some(refusal) = answer.rules.refusal(url) {
                return Document {
                    url: url.clone(),
                    status: None,
                    content_type: None,
                    body: Vec::new(),
                    truncated: false,
                    error: Some(format!("{refusal} (--ignore-robots to read it anyway)")),
                };
            }
        }
        let fetched = self.ctx.fetcher.fetch(url, BodyPolicy::Any).await;
        let document = Document {
            url: fetched.final_url.clone(),
            status: fetched.status(),
            content_type: fetched.content_type.clone(),
            truncated: fetched.truncated,
            error: fetched.error.as_ref().map(ToString::to_string),
            body: fetched.body,
        };
        emit(&mut sink, Some(fetched.set_cookies), url);
        document
    }

    /// HTTP requests sent in this session so far.
    pub fn requests(&self) -> u64 {
        self.ctx.fetcher.requests()
    }
}

/// What every job of one target's crawl shares.
struct PageContext {
    fetcher: Fetcher,
    robots: RobotsCache,
    respect_robots: bool,
}

/// The state of one target's crawl, owned by its loop.
struct TargetCrawl<'t> {
    target: &'t Target,
    site: Site,
    ctx: Arc<PageContext>,
    frontier: Frontier,
    pages: Vec<Option<PageVisit>>,
    subresources: VecDeque<(Url, Url)>,
    subresources_seen: HashSet<String>,
    cookie_links: Vec<CookieLink>,
}

enum Done {
    Page(Box<PageDone>),
    Subresource { page: Url, cookies: Vec<SetCookie> },
}

struct PageDone {
    index: usize,
    visit: PageVisit,
    refs: PageRefs,
    cookies: Vec<SetCookie>,
    unreachable: Option<String>,
}

impl<'t> TargetCrawl<'t> {
    fn new(target: &'t Target, site: Site, ctx: Arc<PageContext>) -> TargetCrawl<'t> {
        let settings = &target.settings;
        TargetCrawl {
            target,
            ctx,
            site: site.clone(),
            frontier: Frontier::new(site, settings.max_depth as u32, settings.max_pages),
            pages: Vec::new(),
            subresources: VecDeque::new(),
            subresources_seen: HashSet::new(),
            cookie_links: Vec::new(),
        }
    }

    /// Runs the crawl to its end; returns why the target could not be audited, if so.
    async fn walk(&mut self, sink: &mut impl FnMut(CookieEvent)) -> Option<String> {
        let start = self.target.url.clone();
        let mut robots_sitemaps = Vec::new();
        if self.ctx.respect_robots {
            let answer = self.ctx.robots.rules_for(&start, &self.ctx.fetcher).await;
            emit(sink, answer.fetched.map(|f| f.set_cookies), &start);
            if let RobotsRules::Unreachable(why) = &*answer.rules {
                return Some(why.clone());
            }
            robots_sitemaps = answer.rules.sitemaps().to_vec();
        }

        self.frontier.push(start.clone(), 0);
        for extra in &self.target.start {
            self.frontier.push(extra.clone(), 0);
        }
        if let Err(unreachable) = self.queue_sitemap_urls(&robots_sitemaps, sink).await {
            return Some(unreachable);
        }

        let concurrency = self.target.settings.concurrency.max(1);
        let mut jobs: JoinSet<Done> = JoinSet::new();
        self.fill(&mut jobs, concurrency);
        while let Some(joined) = jobs.join_next().await {
            // A job only panics on a bug; the page is lost but the crawl goes on.
            if let Ok(done) = joined {
                match done {
                    Done::Subresource { page, cookies } => emit(sink, Some(cookies), &page),
                    Done::Page(page) => {
                        if page.index == 0
                            && let Some(why) = &page.unreachable
                        {
                            jobs.abort_all();
                            return Some(why.clone());
                        }
                        self.absorb_page(*page, sink);
                    }
                }
            }
            self.fill(&mut jobs, concurrency);
        }
        None
    }

    /// Starts jobs until `concurrency` are in flight or nothing is left to start.
    fn fill(&mut self, jobs: &mut JoinSet<Done>, concurrency: usize) {
        while jobs.len() < concurrency && self.spawn_next(jobs) {}
    }

    /// Starts the next sub-resource or page; false when there is nothing to start.
    fn spawn_next(&mut self, jobs: &mut JoinSet<Done>) -> bool {
        // Sub-resources first: they belong to pages already visited.
        if let Some((url, page)) = self.subresources.pop_front() {
            let ctx = self.ctx.clone();
            jobs.spawn(async move {
                let fetched = ctx.fetcher.fetch(&url, BodyPolicy::Discard).await;
                Done::Subresource {
                    page,
                    cookies: fetched.set_cookies,
                }
            });
            return true;
        }
        let Some(next) = self.frontier.pop() else {
            return false;
        };
        let index = self.pages.len();
        self.pages.push(None);
        let ctx = self.ctx.clone();
        jobs.spawn(async move {
            Done::Page(Box::new(
                visit_page(&ctx, index, next.url, next.depth).await,
            ))
        });
        true
    }

    fn absorb_page(&mut self, done: PageDone, sink: &mut impl FnMut(CookieEvent)) {
        let PageDone {
            index,
            visit,
            refs,
            cookies,
            ..
        } = done;
        emit(sink, Some(cookies), &visit.url);
        if let Some(final_url) = &visit.final_url {
            self.frontier.mark_seen(final_url);
        }
        let page_url = visit.url.clone();
        for (url, text) in refs.cookie_links {
            if self.cookie_links.len() < MAX_COOKIE_LINKS
                && !self.cookie_links.iter().any(|known| known.url == url)
            {
                self.cookie_links.push(CookieLink {
                    url,
                    text,
                    found_on: page_url.clone(),
                });
            }
        }
        for link in refs.links {
            self.frontier.push(link, visit.depth + 1);
        }
        for sub in refs.subresources {
            if self.subresources_seen.len() >= MAX_SUBRESOURCES {
                break;
            }
            if self.subresources_seen.insert(sub.as_str().to_string()) {
                self.subresources.push_back((sub, page_url.clone()));
            }
        }
        if let Some(slot) = self.pages.get_mut(index) {
            *slot = Some(visit);
        }
    }

    /// Queues the URLs of the site's sitemaps at depth 1, keeping half the page budget for pages
    /// found by links. Fails only when the site cannot be reached at all.
    async fn queue_sitemap_urls(
        &mut self,
        from_robots: &[String],
        sink: &mut impl FnMut(CookieEvent),
    ) -> Result<(), String> {
        let start = self.target.url.clone();
        let mut to_read: VecDeque<Url> = from_robots
            .iter()
            .filter_map(|s| Url::parse(s).ok())
            .filter(|u| self.site.contains(u))
            .collect();
        if to_read.is_empty()
            && let Ok(default) = start.join("/sitemap.xml")
        {
            to_read.push_back(default);
        }
        let limit = (self.target.settings.max_pages / 2).max(1);
        let (mut read, mut queued) = (0, 0);
        while let Some(sitemap_url) = to_read.pop_front() {
            if read >= MAX_SITEMAP_FILES || queued >= limit {
                break;
            }
            read += 1;
            let fetched = self.ctx.fetcher.fetch(&sitemap_url, BodyPolicy::Any).await;
            let unreachable = transport_failure(&fetched);
            let ok = fetched.status().is_some_and(|s| (200..300).contains(&s));
            let body = ok.then(|| extract::parse_sitemap(&fetched.body));
            emit(sink, Some(fetched.set_cookies), &start);
            if let Some(why) = unreachable {
                if read == 1 && !self.ctx.respect_robots {
                    return Err(why);
                }
                continue;
            }
            let Some(sitemap) = body else { continue };
            for loc in sitemap.locs {
                let Some(url) = extract::normalise(&sitemap_url, &loc) else {
                    continue;
                };
                if sitemap.is_index {
                    to_read.push_back(url);
                } else if queued < limit && self.frontier.push(url, 1) {
                    queued += 1;
                }
            }
        }
        Ok(())
    }
}

fn emit(sink: &mut impl FnMut(CookieEvent), cookies: Option<Vec<SetCookie>>, page: &Url) {
    for set_cookie in cookies.into_iter().flatten() {
        sink(CookieEvent {
            set_cookie,
            page: page.clone(),
        });
    }
}

fn transport_failure(fetched: &Fetched) -> Option<String> {
    match &fetched.error {
        Some(FetchError::Transport(why)) if fetched.hops.is_empty() => Some(why.clone()),
        _ => None,
    }
}

async fn visit_page(ctx: &PageContext, index: usize, url: Url, depth: u32) -> PageDone {
    let mut cookies = Vec::new();
    let mut visit = PageVisit {
        url: url.clone(),
        status: None,
        depth,
        error: None,
        final_url: None,
        redirects: 0,
        bytes: 0,
        truncated: false,
    };
    if ctx.respect_robots {
        let answer = ctx.robots.rules_for(&url, &ctx.fetcher).await;
        cookies.extend(answer.fetched.into_iter().flat_map(|f| f.set_cookies));
        if let Some(refusal) = answer.rules.refusal(&url) {
            let unreachable = match &*answer.rules {
                RobotsRules::Unreachable(why) => Some(why.clone()),
                _ => None,
            };
            visit.error = Some(refusal);
            return PageDone {
                index,
                visit,
                refs: PageRefs::default(),
                cookies,
                unreachable,
            };
        }
    }

    let fetched = ctx.fetcher.fetch(&url, BodyPolicy::Html).await;
    let unreachable = transport_failure(&fetched);
    visit.status = fetched.status();
    visit.error = fetched.error.as_ref().map(ToString::to_string);
    visit.redirects = fetched.redirects();
    visit.final_url = (fetched.final_url != url).then(|| fetched.final_url.clone());
    visit.bytes = fetched.bytes;
    visit.truncated = fetched.truncated;
    if visit.truncated && visit.error.is_none() {
        visit.error = Some(format!(
            "body larger than the cap, cut at {} bytes",
            fetched.bytes
        ));
    }
    let refs = if fetched.is_html() && !fetched.body.is_empty() {
        extract::page_refs(
            &fetched.body,
            fetched.content_type.as_deref(),
            &fetched.final_url,
        )
    } else {
        PageRefs::default()
    };
    cookies.extend(fetched.set_cookies);
    PageDone {
        index,
        visit,
        refs,
        cookies,
        unreachable,
    }
}
