//! One fresh browser context (a new profile's worth of cookies and storage) as the crawl's page
//! loader: each page in its own tab, the tabs running in parallel up to the target's
//! concurrency.

use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use chromiumoxide::cdp::browser_protocol::browser::BrowserContextId;
use chromiumoxide::cdp::browser_protocol::network::{Cookie, CookieParam, TimeSinceEpoch};
use chromiumoxide::cdp::browser_protocol::storage::{GetCookiesParams, SetCookiesParams};
use chromiumoxide::cdp::browser_protocol::target::CreateBrowserContextParams;
use url::Url;

use super::consent::{self, Choice};
use super::frames::{self, Worlds};
use super::pool::TabPool;
use super::tab::{ContentScript, Tab, TabSettings};
use super::{BrowserError, Chromium};
use crate::config::{ConsentPlan, CrawlSettings};
use crate::cookie::choice::{CHOICE_COOKIES, decode_choice};
use crate::cookie::{CookieVia, SetCookie, Sighting, cookie_sightings, parse_set_cookie};
use crate::crawl::fetch::Fetcher;
use crate::crawl::guard::TargetGuard;
use crate::crawl::{LoadedPage, PageLoader};
use crate::types::{ConsentChoice, ScreenshotMoment};

/// The longest wait for a consent banner's button to appear.
const MAX_BANNER_WAIT: Duration = Duration::from_secs(10);

/// Opendatasoft's banner keeps the visitor's choice in this first-party cookie.
const ODS_CHOICE_COOKIE: &str = "cookies_preferences";
/// The trackers `cookies_preferences` may name.
const ODS_TRACKERS: &[&str] = &[
    "functional_cookies",
    "ga",
    "matomo",
    "xiti",
    "at",
    "piano",
    "eulerian",
];
/// The banner keeps a choice six months.
const ODS_CHOICE_SECONDS: f64 = 182.0 * 86_400.0;

/// The page's clock (ms since the epoch), so that only what happens from now on is taken.
async fn page_clock(tab: &Tab) -> Option<f64> {
    frames::evaluate(tab.page(), None, "Date.now()")
        .await
        .ok()
        .and_then(|v| v.as_f64())
}

/// A random enough binding name per run, so a page cannot guess it and report fake cookies.
fn binding_name() -> String {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u128(
        SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    format!("__cookieAudit_{:016x}", hasher.finish())
}

/// What making a consent choice gave.
#[derive(Debug, Default)]
pub(crate) struct ConsentStep {
    /// True only when the choice took effect: the rule's self-test passed, the banner closed
    /// after the last click, or the consent manager wrote its choice cookie.
    pub clicked: bool,
    /// Why it did not, if so.
    pub error: Option<String>,
    /// What the site stored from the choice on.
    pub sightings: Vec<Sighting>,
    /// How the choice was made.
    pub method: Option<String>,
    /// The consent manager recognised.
    pub cmp: Option<String>,
    /// What was clicked, in order.
    pub steps: Vec<String>,
    /// The banner as found and the page after the choice (JPEG).
    pub screenshots: Vec<(ScreenshotMoment, Vec<u8>)>,
}

/// A fresh browser context: the crawl's page loader for one target and consent phase.
pub(crate) struct BrowserPages {
    chromium: Arc<Chromium>,
    context: BrowserContextId,
    tab: TabSettings,
    /// The context's tabs, reused from page to page.
    pool: TabPool,
    /// Cookies the store has already shown, so each snapshot only reports what is new.
    in_store: Mutex<HashSet<(String, String, String)>>,
    requests: AtomicU64,
}

impl BrowserPages {
    /// Opens a fresh context in `chromium` for a target crawled with `settings`.
    pub(crate) async fn new(
        chromium: Arc<Chromium>,
        settings: &CrawlSettings,
        gpc: bool,
        guard: TargetGuard,
    ) -> Result<BrowserPages, BrowserError> {
        let context = {
            let browser = chromium.browser.read().await;
            browser
                .create_browser_context(CreateBrowserContextParams::default())
                .await?
        };
        let binding = binding_name();
        let hook = include_str!("hook.js")
            .replace("__BINDING__", &binding)
            .replace("__SETTLE_MS__", &settings.settle_ms.to_string());
        let user_agent = format!("{} {}", chromium.user_agent(), settings.user_agent)
            .trim()
            .to_string();
        Ok(BrowserPages {
            tab: TabSettings {
                timeout: Duration::from_secs(settings.timeout_secs),
                settle: Duration::from_millis(settings.settle_ms),
                max_html: usize::try_from(settings.max_body_bytes).unwrap_or(usize::MAX),
                user_agent,
                binding,
                hook,
                content_script: None,
                gpc,
                guard: (!guard.policy.allows_everything()).then_some(guard),
            },
            pool: TabPool::new(settings.concurrency),
            chromium,
            context,
            in_store: Mutex::new(HashSet::new()),
            requests: AtomicU64::new(0),
        })
    }

    /// Requests the browser made for pages of this context (every hop and sub-resource).
    pub(crate) fn requests(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    /// Loads `start` and makes `choice` on its consent banner by `plan`, then lets the page
    /// settle: what the site stores from the choice on is the consent phase's first evidence.
    pub(crate) async fn give_consent(
        &self,
        start: &Url,
        plan: &ConsentPlan,
        choice: Choice,
    ) -> ConsentStep {
        let autoconsent = match plan {
            ConsentPlan::Auto => self.chromium.autoconsent.clone(),
            _ => None,
        };
        let mut settings = self.tab.clone();
        settings.content_script = autoconsent.as_ref().map(|package| {
            let binding = binding_name();
            ContentScript {
                world: format!("{binding}_world"),
                source: package.content_script(&binding),
                binding,
            }
        });
        // The consent tab runs its own content script: it is opened for the choice alone, under
        // the run's budget like any other.
        let Some(_permit) = self.chromium.tabs.wait().await else {
            return ConsentStep {
                error: Some("the run's tab budget is closed".into()),
                ..ConsentStep::default()
            };
        };
        let mut tab = match Tab::open(&self.chromium, &self.context, &settings).await {
            Ok(tab) => tab,
            Err(error) => {
                return ConsentStep {
                    error: Some(error.to_string()),
                    ..ConsentStep::default()
                };
            }
        };
        tab.visit(start).await;
        // What the page stored before the choice is the no-interaction phase's business.
        drop(tab.take(None));
        let storage_before: HashSet<_> = tab
            .storage_snapshot(start)
            .await
            .into_iter()
            .map(|s| (s.origin, s.kind, s.key))
            .collect();
        drop(self.store_snapshot(start).await);
        let clock_before = page_clock(&tab).await;
        let wait = self.tab.timeout.min(MAX_BANNER_WAIT);
        let mut worlds = Worlds::new(
            format!("{}_rules", binding_name()),
            consent::RULES_JS.to_string(),
        );
        let drive = consent::drive(
            &mut tab,
            plan,
            choice,
            autoconsent.is_some(),
            &mut worlds,
            wait,
        )
        .await;
        let mut step = ConsentStep {
            method: drive.method,
            cmp: drive.cmp,
            steps: drive.steps,
            error: drive.error,
            ..ConsentStep::default()
        };
        if let Some(banner) = drive.banner {
            step.screenshots.push((ScreenshotMoment::Banner, banner));
        }
        let mut clicked = drive.took_effect;
        if step.method.is_none() && matches!(plan, ConsentPlan::Opendatasoft) {
            // No banner: the portal may have nothing that needs consent. Its choice cookie,
            // written as the banner would, still makes the phase mean something.
            match self.preset_ods_choice(start, choice).await {
                Ok(()) => {
                    step.method = Some("preset-cookie".into());
                    step.error = None;
                }
                Err(why) => step.error = Some(format!("{}; {why}", step.error.unwrap_or_default())),
            }
        }
        if step.method.is_some() && step.error.is_none() {
            tab.settle_again().await;
            let mut sightings = tab.take(clock_before);
            let storage_after = tab.storage_snapshot(start).await;
            sightings.extend(
                storage_after
                    .into_iter()
                    .filter(|s| {
                        !storage_before.contains(&(s.origin.clone(), s.kind, s.key.clone()))
                    })
                    .map(Sighting::Storage),
            );
            sightings.extend(cookie_sightings(self.store_snapshot(start).await, start));
            step.sightings = sightings;
            if let Some(after) = frames::screenshot(tab.page()).await {
                step.screenshots
                    .push((ScreenshotMoment::AfterChoice, after));
            }
            // The consent manager's own record of the choice is evidence it took.
            clicked = clicked || self.choice_cookie().await.is_some();
            if !clicked {
                step.error =
                    Some("clicked, but the banner stayed and no choice cookie was written".into());
            }
        }
        step.clicked = clicked && step.error.is_none();
        self.requests
            .fetch_add(tab.take_request_count(), Ordering::Relaxed);
        tab.close().await;
        step
    }

    /// The consent manager's choice cookie in the context's store, decoded, when its format is
    /// known.
    pub(crate) async fn choice_cookie(&self) -> Option<ConsentChoice> {
        let cookies = self.all_cookies().await;
        CHOICE_COOKIES.iter().find_map(|name| {
            cookies
                .iter()
                .filter(|c| c.name == *name)
                .find_map(|c| decode_choice(&c.name, &c.value))
        })
    }

    /// Writes Opendatasoft's `cookies_preferences` as its banner would for `choice`, and checks
    /// that the store kept it.
    async fn preset_ods_choice(&self, start: &Url, choice: Choice) -> Result<(), String> {
        let allowed = choice == Choice::Accept;
        let now = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap_or_default();
        let mut json = serde_json::Map::new();
        for key in ODS_TRACKERS {
            json.insert((*key).into(), serde_json::Value::Bool(allowed));
        }
        json.insert("timestamp".into(), (now.as_millis() as u64).into());
        let value: String = url::form_urlencoded::byte_serialize(
            serde_json::Value::Object(json).to_string().as_bytes(),
        )
        .collect::<String>()
        .replace('+', "%20");
        let origin = start.origin().ascii_serialization();
        let cookie = CookieParam::builder()
            .name(ODS_CHOICE_COOKIE)
            .value(value)
            .url(format!("{origin}/"))
            .path("/")
            .expires(TimeSinceEpoch::new(now.as_secs_f64() + ODS_CHOICE_SECONDS))
            .build()
            .map_err(|e| format!("cannot preset {ODS_CHOICE_COOKIE}: {e}"))?;
        let params = SetCookiesParams::builder()
            .cookie(cookie)
            .browser_context_id(self.context.clone())
            .build()
            .map_err(|e| format!("cannot preset {ODS_CHOICE_COOKIE}: {e}"))?;
        {
            let browser = self.chromium.browser.read().await;
            browser
                .execute(params)
                .await
                .map_err(|e| format!("cannot preset {ODS_CHOICE_COOKIE}: {e}"))?;
        }
        let kept = self
            .all_cookies()
            .await
            .into_iter()
            .find(|c| c.name == ODS_CHOICE_COOKIE);
        if let Some(c) = kept {
            // The tool wrote it, not the site: it is no observation.
            self.in_store
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .insert((c.name, c.domain, c.path));
            Ok(())
        } else {
            Err(format!(
                "the browser did not keep the preset {ODS_CHOICE_COOKIE}"
            ))
        }
    }

    async fn all_cookies(&self) -> Vec<Cookie> {
        let params = GetCookiesParams::builder()
            .browser_context_id(self.context.clone())
            .build();
        let browser = self.chromium.browser.read().await;
        match browser.execute(params).await {
            Ok(answer) => answer.result.cookies.clone(),
            Err(error) => {
                tracing::debug!("reading the cookie store: {error}");
                Vec::new()
            }
        }
    }

    /// The cookies in the context's store that no earlier snapshot showed, as weak evidence
    /// set by `page`.
    async fn store_snapshot(&self, page: &Url) -> Vec<SetCookie> {
        let cookies = self.all_cookies().await;
        let mut seen = self.in_store.lock().unwrap_or_else(|p| p.into_inner());
        let now = SystemTime::now();
        cookies
            .into_iter()
            .filter(|c| seen.insert((c.name.clone(), c.domain.clone(), c.path.clone())))
            .filter_map(|c| store_line(&c, page, now))
            .collect()
    }

    /// What the context's tabs recorded after their last page was read (an answer to a page's
    /// request that came late), each filed under the page that caused it: taken once the crawl
    /// is over, before [`Self::dispose`].
    pub(crate) fn late_sightings(&self) -> Vec<Sighting> {
        self.pool.take_late()
    }

    /// Closes the context and everything in it.
    pub(crate) async fn dispose(&self) {
        self.pool.close_all().await;
        let browser = self.chromium.browser.read().await;
        if let Err(error) = browser.dispose_browser_context(self.context.clone()).await {
            tracing::debug!("disposing a browser context: {error}");
        }
    }
}

impl PageLoader for BrowserPages {
    fn renders(&self) -> bool {
        true
    }

    async fn load(&self, url: &Url, http: &Fetcher) -> LoadedPage {
        let _slot = http.turn(url).await;
        let mut pooled = match self
            .pool
            .take(&self.chromium, &self.context, &self.tab)
            .await
        {
            Ok(pooled) => pooled,
            Err(error) => {
                return LoadedPage {
                    error: Some(format!("cannot open a tab: {error}")),
                    ..LoadedPage::default()
                };
            }
        };
        let tab = &mut pooled.tab;
        tab.visit(url).await;
        let main = tab.main_document(url);
        // Three reads of a settled page, each a round trip through the browser: at once.
        let (html, storage_snapshot, from_store) = tokio::join!(
            async {
                match (&main.error, main.no_document) {
                    (None, false) => tab.rendered_html().await,
                    _ => None,
                }
            },
            tab.storage_snapshot(url),
            self.store_snapshot(url),
        );
        // Everything recorded so far, late events of earlier pages filed under those pages.
        let mut sightings = tab.take(None);
        self.requests
            .fetch_add(tab.take_request_count(), Ordering::Relaxed);
        self.pool.give_back(pooled, &self.chromium).await;

        sightings.extend(storage_snapshot.into_iter().map(Sighting::Storage));
        sightings.extend(cookie_sightings(from_store, url));
        let truncated = html.as_ref().is_some_and(|h| h.len() >= self.tab.max_html);
        LoadedPage {
            status: main.status,
            final_url: main.final_url,
            redirects: main.redirects,
            bytes: html.as_ref().map_or(0, |h| h.len() as u64),
            truncated,
            // A page that answered (an error page is a page) is no transport failure.
            unreachable: main.error.clone().filter(|_| main.status.is_none()),
            error: main.error,
            document: html.map(|h| (h.into_bytes(), Some("text/html; charset=utf-8".into()))),
            sightings,
            loaded_subresources: true,
        }
    }
}

/// A cookie from the store written back as the `Set-Cookie` line that would have made it.
fn store_line(cookie: &Cookie, page: &Url, now: SystemTime) -> Option<SetCookie> {
    let mut line = format!("{}={}; Path={}", cookie.name, cookie.value, cookie.path);
    // The store writes a leading dot for Domain cookies and none for host-only ones.
    let host = cookie.domain.trim_start_matches('.');
    if cookie.domain.starts_with('.') {
        line.push_str(&format!("; Domain={host}"));
    }
    if !cookie.session && cookie.expires > 0.0 {
        let expires = SystemTime::UNIX_EPOCH + Duration::from_secs_f64(cookie.expires);
        line.push_str(&format!("; Expires={}", httpdate::fmt_http_date(expires)));
    }
    if cookie.secure {
        line.push_str("; Secure");
    }
    if cookie.http_only {
        line.push_str("; HttpOnly");
    }
    if let Some(same_site) = &cookie.same_site {
        line.push_str(&format!("; SameSite={}", same_site.as_ref()));
    }
    let scheme = if cookie.secure {
        "https"
    } else {
        page.scheme()
    };
    let scope = Url::parse(&format!("{scheme}://{host}{}", cookie.path)).ok()?;
    Some(SetCookie {
        parsed: parse_set_cookie(&line),
        raw: line,
        set_by: page.clone(),
        scope,
        via: CookieVia::Store,
        response_date: Some(now),
        refused: None,
        value_bytes: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binding_names_differ_between_runs() {
        assert_ne!(binding_name(), binding_name());
        assert!(binding_name().starts_with("__cookieAudit_"));
    }
}
