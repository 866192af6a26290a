//! The crawl of one target: a breadth-first walk of its pages, every response's cookies handed
//! to a sink as they arrive.
//!
//! Pages come from the [`frontier`], requests go through the [`fetch`]er at the pace of
//! [`rate_limit`] and under the rules of [`robots`], and [`extract`] reads links and
//! sub-resources out of the pages. Sub-resources (images, scripts, frames, styles…) are fetched
//! once each, wherever they live, because a browser would load them and they set cookies too;
//! they are never crawled further.

pub mod extract;
pub(crate) mod fetch;
pub(crate) mod frontier;
pub(crate) mod guard;
mod outcome;
pub(crate) mod politeness;
pub(crate) mod rate_limit;
pub(crate) mod robots;
pub(crate) mod stop;

use std::collections::{HashSet, VecDeque};
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use url::Url;

use crate::config::Target;
use crate::cookie::{SetCookie, Sighting, cookie_sightings};
use crate::site::Site;
use crate::types::Politeness;

use extract::PageRefs;
use fetch::{BodyPolicy, FetchError, FetchSettings, Fetched, Fetcher, ResolveRule};
use frontier::Frontier;
use guard::{AddressPolicy, TargetGuard};
use politeness::RunLimiter;
use robots::{RobotsCache, RobotsRules};
use stop::{Stop, StopReason};

pub(crate) use outcome::PageVisit;
pub(crate) use outcome::{CookieLink, CrawlOutcome};

/// At most this many sitemap files are read per target (an index and its children).
const MAX_SITEMAP_FILES: usize = 10;
/// At most this many distinct sub-resources are fetched per target.
const MAX_SUBRESOURCES: usize = 10_000;
/// At most this many distinct links that mention cookies are kept per target.
const MAX_COOKIE_LINKS: usize = 50;

/// Hears how a run goes, for progress bars; every method does nothing unless overridden.
pub(crate) trait Progress: std::fmt::Debug + Send + Sync {
    /// A target's crawl began, with its page budget.
    fn target_started(&self, _target: &str, _max_pages: usize) {}
    /// One more page of the target was visited (or given up).
    fn page_done(&self, _target: &str) {}
    /// The target is done (audited or failed).
    fn target_done(&self, _target: &str) {}
}

/// How one page is loaded: by the HTTP fetcher, or in a browser tab. The crawl policy (which
/// pages, in what order, how politely) is the same for both.
pub(crate) trait PageLoader: Send + Sync + 'static {
    /// Loads `url` (robots.txt has allowed it) and reports what the site stored; `http` is the
    /// target's HTTP fetcher, whose politeness ([`Fetcher::turn`]) every page load obeys.
    fn load(&self, url: &Url, http: &Fetcher) -> impl Future<Output = LoadedPage> + Send;

    /// Whether a loaded page's document is the page as rendered (scripts run), worth reading
    /// a charter from; the HTTP engine's is the document as served, already fetched once.
    fn renders(&self) -> bool {
        false
    }
}

/// What loading one page gave.
#[derive(Debug, Default)]
pub(crate) struct LoadedPage {
    /// The final status, after redirects.
    pub status: Option<u16>,
    /// Where redirects ended.
    pub final_url: Option<Url>,
    /// Redirect hops followed.
    pub redirects: u32,
    /// Body bytes read.
    pub bytes: u64,
    /// True when the body was cut at the cap.
    pub truncated: bool,
    /// Why the page was not loaded whole.
    pub error: Option<String>,
    /// Set when no response came at all (DNS, refused, TLS): the site may be unreachable.
    pub unreachable: Option<String>,
    /// The HTML whose links and sub-resources are read, with its `Content-Type`.
    pub document: Option<(Vec<u8>, Option<String>)>,
    /// What the page stored, in the order seen.
    pub sightings: Vec<Sighting>,
    /// True when loading the page also loaded its sub-resources (a browser does).
    pub loaded_subresources: bool,
}

/// The HTTP engine's way of loading a page: one request chain, the body read for links.
pub(crate) struct HttpPages {
    fetcher: Arc<Fetcher>,
}

impl PageLoader for HttpPages {
    async fn load(&self, url: &Url, _http: &Fetcher) -> LoadedPage {
        let fetched = self.fetcher.fetch(url, BodyPolicy::Html).await;
        let is_html = fetched.is_html() && !fetched.body.is_empty();
        let mut page = LoadedPage {
            status: fetched.status(),
            final_url: (fetched.final_url != *url).then(|| fetched.final_url.clone()),
            redirects: fetched.redirects(),
            bytes: fetched.bytes,
            truncated: fetched.truncated,
            error: fetched.error.as_ref().map(ToString::to_string),
            unreachable: transport_failure(&fetched),
            document: None,
            sightings: cookie_sightings(fetched.set_cookies, url),
            loaded_subresources: false,
        };
        if is_html {
            page.document = Some((fetched.body, fetched.content_type));
        }
        page
    }
}

/// Crawls targets; one per run, shared by all targets (one TLS configuration, one global bound
/// on requests in flight, one budget per address, host or domain); each session gets its own
/// client and connection pool.
pub(crate) struct Crawler {
    client: reqwest::Client,
    tls: rustls::ClientConfig,
    resolve: Vec<ResolveRule>,
    politeness: Arc<RunLimiter>,
    connections: Arc<Semaphore>,
    respect_robots: bool,
}

/// Why a crawler could not be built.
#[derive(Debug, thiserror::Error)]
pub(crate) enum CrawlerError {
    /// The client itself.
    #[error("cannot build the HTTP client: {0}")]
    Http(#[from] reqwest::Error),
    /// Its TLS settings (the system's root certificates, say).
    #[error("cannot set up TLS: {0}")]
    Tls(#[from] rustls::Error),
}

impl Crawler {
    /// A crawler connecting through `resolve` overrides, with at most `max_connections`
    /// requests in flight over all targets, and the requests of all targets to one address (or
    /// host, or domain) spaced as `politeness` says.
    pub(crate) fn new(
        resolve: &[ResolveRule],
        max_connections: usize,
        respect_robots: bool,
        politeness: Politeness,
    ) -> Result<Crawler, CrawlerError> {
        let tls = fetch::tls_config()?;
        Ok(Crawler {
            client: fetch::build_client(resolve, &tls, None)?,
            tls,
            resolve: resolve.to_vec(),
            politeness: Arc::new(RunLimiter::new(
                politeness,
                resolve.iter().map(|rule| (rule.host.clone(), rule.addr)),
            )),
            connections: Arc::new(Semaphore::new(max_connections.max(1))),
            respect_robots,
        })
    }

    /// Waits until `target` may start under the run's budget on its start URL's key (see
    /// [`RunLimiter::admit`]); the permit is held while it runs.
    pub(crate) async fn admit(&self, target: &Target) -> Option<tokio::sync::OwnedSemaphorePermit> {
        let delay = Duration::from_millis(target.settings.delay_ms);
        let concurrency = target.settings.concurrency;
        self.politeness.admit(&target.url, delay, concurrency).await
    }

    /// A fresh session for `target`: its own cookie jar and politeness, as a new browser
    /// profile would have; pages are loaded over HTTP.
    pub(crate) fn session<'t>(&self, target: &'t Target) -> Session<'t, HttpPages> {
        self.session_guarded(target, self.guard(target))
    }

    /// The same, under `guard` (the target's, shared with its other sessions).
    pub(crate) fn session_guarded<'t>(
        &self,
        target: &'t Target,
        guard: TargetGuard,
    ) -> Session<'t, HttpPages> {
        let fetcher = self.fetcher(target, guard);
        let pages = HttpPages {
            fetcher: fetcher.clone(),
        };
        self.session_loading(target, fetcher, pages)
    }

    /// A fresh session for `target` whose pages are loaded by `pages` (a browser context);
    /// robots.txt, sitemaps and documents still come over HTTP.
    pub(crate) fn session_with<'t, L: PageLoader>(
        &self,
        target: &'t Target,
        pages: L,
        guard: TargetGuard,
    ) -> Session<'t, L> {
        let fetcher = self.fetcher(target, guard);
        self.session_loading(target, fetcher, pages)
    }

    fn session_loading<'t, L: PageLoader>(
        &self,
        target: &'t Target,
        fetcher: Arc<Fetcher>,
        pages: L,
    ) -> Session<'t, L> {
        Session {
            target,
            stop: Stop::never(),
            progress: None,
            ctx: Arc::new(PageContext {
                fetcher,
                pages,
                robots: RobotsCache::default(),
                respect_robots: self.respect_robots,
            }),
        }
    }

    /// The addresses `target` may reach, and a fresh log of what it was refused: given to a
    /// session and to the browser contexts that load its pages, so both engines obey one rule.
    pub(crate) fn guard(&self, target: &Target) -> TargetGuard {
        TargetGuard::new(AddressPolicy::for_target(
            &target.url,
            self.resolve.iter().map(|rule| rule.host.as_str()),
            target.settings.allow_private_addresses,
        ))
    }

    fn fetcher(&self, target: &Target, guard: TargetGuard) -> Arc<Fetcher> {
        let settings = &target.settings;
        // The same settings built the run's client already, so this cannot fail in practice;
        // should it, sharing that client only costs the early closing of connections.
        let client = fetch::build_client(&self.resolve, &self.tls, Some(guard.policy.clone()))
            .unwrap_or_else(|_| self.client.clone());
        Arc::new(Fetcher::new(
            client,
            guard,
            self.politeness.clone(),
            self.connections.clone(),
            &FetchSettings {
                user_agent: settings.user_agent.clone(),
                timeout: Duration::from_secs(settings.timeout_secs),
                max_body: settings.max_body_bytes,
                delay: Duration::from_millis(settings.delay_ms),
            },
        ))
    }
}

/// One target's visit: the crawl and every later fetch (its charter) share one cookie jar and
/// one politeness, so the site sees one visitor and every cookie it sets is recorded.
pub(crate) struct Session<'t, L: PageLoader = HttpPages> {
    target: &'t Target,
    stop: Stop,
    progress: Option<Arc<dyn Progress>>,
    ctx: Arc<PageContext<L>>,
}

/// A document fetched outside the crawl (a charter).
#[derive(Debug, Clone)]
pub(crate) struct Document {
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
    /// True when the body is the page as a browser rendered it, not as served.
    pub rendered: bool,
}

impl<'t, L: PageLoader> Session<'t, L> {
    /// The same session, its crawl ended early by `stop` (pages in flight are then listed as
    /// not finished, with the reason).
    pub(crate) fn stopping_on(self, stop: Stop) -> Session<'t, L> {
        Session { stop, ..self }
    }

    /// The same session, telling `progress` of every page it visits.
    pub(crate) fn reporting_to(self, progress: Option<Arc<dyn Progress>>) -> Session<'t, L> {
        Session { progress, ..self }
    }

    /// Crawls the target, handing everything the site stores to `sink` as it arrives.
    pub(crate) async fn crawl(&self, mut sink: impl FnMut(Sighting)) -> CrawlOutcome {
        let started = Instant::now();
        let target = self.target;
        let Some(site) = Site::of(&target.url) else {
            // targets.toml only accepts http(s) URLs, which have a host; a library caller may not.
            let why = format!("the start URL {} has no host", target.url);
            return CrawlOutcome {
                duration: started.elapsed(),
                ..CrawlOutcome::failed(why)
            };
        };
        let mut run = TargetCrawl::new(target, site, self.ctx.clone());
        run.progress = self.progress.clone();
        let walked = self.stop.run(run.walk(&mut sink)).await;
        let (failure, stopped) = match walked {
            Ok(failure) => (failure, None),
            Err(reason) => {
                tracing::info!(target = %target.name, "crawl stopped: {reason}");
                (run.stop_pending(reason), Some(reason))
            }
        };
        CrawlOutcome {
            pages: run
                .pages
                .into_iter()
                .filter_map(|slot| match slot {
                    Slot::Done(visit) => Some(visit),
                    Slot::Pending(_) => None,
                })
                .collect(),
            requests: self.ctx.fetcher.requests(),
            subresources: run.subresources_seen.len() as u64,
            cookie_links: run.cookie_links,
            duration: started.elapsed(),
            failure,
            stopped,
        }
    }

    /// Fetches one document (robots.txt permitting), its cookies handed to `sink` with the
    /// document itself as the page being visited.
    pub(crate) async fn fetch_document(
        &self,
        url: &Url,
        mut sink: impl FnMut(Sighting),
    ) -> Document {
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
                    rendered: false,
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
            rendered: false,
        };
        emit(&mut sink, Some(fetched.set_cookies), url);
        document
    }

    /// The document as the page loader renders it (the browser engine: scripts run, the page
    /// settled), what it stored handed to `sink`; `None` when the loader does not render, robots.txt
    /// refuses the page, or no document came.
    pub(crate) async fn render_document(
        &self,
        url: &Url,
        mut sink: impl FnMut(Sighting),
    ) -> Option<Document> {
        if !self.ctx.pages.renders() {
            return None;
        }
        if self.ctx.respect_robots {
            let answer = self.ctx.robots.rules_for(url, &self.ctx.fetcher).await;
            emit(&mut sink, answer.fetched.map(|f| f.set_cookies), url);
            answer.rules.refusal(url).is_none().then_some(())?;
        }
        let loaded = self.ctx.pages.load(url, &self.ctx.fetcher).await;
        loaded.sightings.into_iter().for_each(&mut sink);
        let (body, content_type) = loaded.document?;
        Some(Document {
            url: loaded.final_url.unwrap_or_else(|| url.clone()),
            status: loaded.status,
            content_type,
            body,
            truncated: loaded.truncated,
            error: loaded.error,
            rendered: true,
        })
    }

    /// HTTP requests sent in this session so far (the browser's own requests not included).
    pub(crate) fn requests(&self) -> u64 {
        self.ctx.fetcher.requests()
    }

    /// The page loader, for a caller that needs it between crawls.
    pub(crate) fn pages(&self) -> &L {
        &self.ctx.pages
    }
}

/// What every job of one target's crawl shares.
struct PageContext<L> {
    fetcher: Arc<Fetcher>,
    pages: L,
    robots: RobotsCache,
    respect_robots: bool,
}

/// The state of one target's crawl, owned by its loop.
struct TargetCrawl<'t, L> {
    target: &'t Target,
    site: Site,
    ctx: Arc<PageContext<L>>,
    frontier: Frontier,
    pages: Vec<Slot>,
    subresources: VecDeque<(Url, Url)>,
    subresources_seen: HashSet<String>,
    cookie_links: Vec<CookieLink>,
    progress: Option<Arc<dyn Progress>>,
}

/// A page taken from the frontier: in flight, or visited.
enum Slot {
    Pending(frontier::Queued),
    Done(PageVisit),
}

enum Done {
    Page(Box<PageDone>),
    Subresource { page: Url, cookies: Vec<SetCookie> },
}

struct PageDone {
    index: usize,
    visit: PageVisit,
    refs: PageRefs,
    sightings: Vec<Sighting>,
    unreachable: Option<String>,
}

impl<'t, L: PageLoader> TargetCrawl<'t, L> {
    fn new(target: &'t Target, site: Site, ctx: Arc<PageContext<L>>) -> TargetCrawl<'t, L> {
        let settings = &target.settings;
        TargetCrawl {
            target,
            ctx,
            site: site.clone(),
            frontier: Frontier::new(site, settings.max_depth as u32, settings.max_pages)
                .with_query_budget(settings.max_queries_per_path),
            pages: Vec::new(),
            subresources: VecDeque::new(),
            subresources_seen: HashSet::new(),
            cookie_links: Vec::new(),
            progress: None,
        }
    }

    /// Runs the crawl to its end; returns why the target could not be audited, if so.
    async fn walk(&mut self, sink: &mut impl FnMut(Sighting)) -> Option<String> {
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
        self.pages.push(Slot::Pending(next.clone()));
        let ctx = self.ctx.clone();
        jobs.spawn(async move {
            Done::Page(Box::new(
                visit_page(&ctx, index, next.url, next.depth).await,
            ))
        });
        true
    }

    fn absorb_page(&mut self, done: PageDone, sink: &mut impl FnMut(Sighting)) {
        let PageDone {
            index,
            visit,
            refs,
            sightings,
            ..
        } = done;
        sightings.into_iter().for_each(&mut *sink);
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
            *slot = Slot::Done(visit);
        }
        if let Some(progress) = &self.progress {
            progress.page_done(&self.target.name);
        }
    }

    /// Lists the pages still in flight when the crawl was stopped as not finished, and says
    /// whether the target failed: it did when its start page never answered.
    fn stop_pending(&mut self, reason: StopReason) -> Option<String> {
        let start_answered = matches!(self.pages.first(), Some(Slot::Done(_)));
        for slot in &mut self.pages {
            if let Slot::Pending(queued) = slot {
                *slot = Slot::Done(PageVisit {
                    error: Some(format!("not finished: {reason}")),
                    ..PageVisit::queued(queued.url.clone(), queued.depth)
                });
            }
        }
        (!start_answered).then(|| format!("{reason} before the start page answered"))
    }

    /// Queues the URLs of the site's sitemaps at depth 1, keeping half the page budget for pages
    /// found by links. Fails only when the site cannot be reached at all.
    async fn queue_sitemap_urls(
        &mut self,
        from_robots: &[String],
        sink: &mut impl FnMut(Sighting),
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

fn emit(sink: &mut impl FnMut(Sighting), cookies: Option<Vec<SetCookie>>, page: &Url) {
    for sighting in cookie_sightings(cookies.unwrap_or_default(), page) {
        sink(sighting);
    }
}

fn transport_failure(fetched: &Fetched) -> Option<String> {
    match &fetched.error {
        Some(FetchError::Transport(why)) if fetched.hops.is_empty() => Some(why.clone()),
        _ => None,
    }
}

async fn visit_page<L: PageLoader>(
    ctx: &PageContext<L>,
    index: usize,
    url: Url,
    depth: u32,
) -> PageDone {
    let mut sightings = Vec::new();
    let mut visit = PageVisit::queued(url.clone(), depth);
    if ctx.respect_robots {
        let answer = ctx.robots.rules_for(&url, &ctx.fetcher).await;
        let robots_cookies = answer.fetched.into_iter().flat_map(|f| f.set_cookies);
        sightings.extend(cookie_sightings(robots_cookies.collect(), &url));
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
                sightings,
                unreachable,
            };
        }
    }

    let loaded = ctx.pages.load(&url, &ctx.fetcher).await;
    visit.status = loaded.status;
    visit.error = loaded.error;
    visit.redirects = loaded.redirects;
    visit.final_url = loaded.final_url;
    visit.bytes = loaded.bytes;
    visit.truncated = loaded.truncated;
    if visit.truncated && visit.error.is_none() {
        visit.error = Some(format!(
            "body larger than the cap, cut at {} bytes",
            loaded.bytes
        ));
    }
    let base = visit.final_url.clone().unwrap_or_else(|| url.clone());
    let mut refs = match &loaded.document {
        Some((body, content_type)) => extract::page_refs(body, content_type.as_deref(), &base),
        None => PageRefs::default(),
    };
    if loaded.loaded_subresources {
        refs.subresources.clear();
    }
    sightings.extend(loaded.sightings);
    PageDone {
        index,
        visit,
        refs,
        sightings,
        unreachable: loaded.unreachable,
    }
}
