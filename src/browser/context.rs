//! One fresh browser context (a new profile's worth of cookies and storage) as the crawl's page
//! loader: each page in its own tab, the tabs running in parallel up to the target's
//! concurrency.

use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use chromiumoxide::cdp::browser_protocol::browser::BrowserContextId;
use chromiumoxide::cdp::browser_protocol::network::Cookie;
use chromiumoxide::cdp::browser_protocol::storage::GetCookiesParams;
use chromiumoxide::cdp::browser_protocol::target::CreateBrowserContextParams;
use url::Url;

use super::tab::{Tab, TabSettings};
use super::{BrowserError, Chromium};
use crate::config::CrawlSettings;
use crate::cookie::{CookieVia, SetCookie, Sighting, cookie_sightings, parse_set_cookie};
use crate::crawl::fetch::Fetcher;
use crate::crawl::{LoadedPage, PageLoader};

/// The longest wait for a consent banner's button to appear.
const MAX_BANNER_WAIT: Duration = Duration::from_secs(10);

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

/// What clicking a consent button gave.
#[derive(Debug, Default)]
pub(crate) struct ConsentStep {
    /// True when the button was found and clicked.
    pub clicked: bool,
    /// Why it was not, if so.
    pub error: Option<String>,
    /// What the site stored from the click on.
    pub sightings: Vec<Sighting>,
}

/// A fresh browser context: the crawl's page loader for one target and consent phase.
pub(crate) struct BrowserPages {
    chromium: Arc<Chromium>,
    context: BrowserContextId,
    tab: TabSettings,
    /// Cookies the store has already shown, so each snapshot only reports what is new.
    in_store: Mutex<HashSet<(String, String, String)>>,
    requests: AtomicU64,
}

impl BrowserPages {
    /// Opens a fresh context in `chromium` for a target crawled with `settings`.
    pub(crate) async fn new(
        chromium: Arc<Chromium>,
        settings: &CrawlSettings,
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
            },
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

    /// Loads `start`, clicks the first element matching `selector` and lets the page settle:
    /// what the site stores from the click on is the consent phase's first evidence.
    pub(crate) async fn give_consent(&self, start: &Url, selector: &str) -> ConsentStep {
        let mut tab = match Tab::open(&self.chromium, &self.context, &self.tab).await {
            Ok(tab) => tab,
            Err(error) => {
                return ConsentStep {
                    error: Some(error.to_string()),
                    ..ConsentStep::default()
                };
            }
        };
        tab.visit(start).await;
        // What the page stored before the click is the no-interaction phase's business.
        drop(tab.take(start, None));
        let storage_before: HashSet<_> = tab
            .storage_snapshot(start)
            .await
            .into_iter()
            .map(|s| (s.origin, s.kind, s.key))
            .collect();
        drop(self.store_snapshot(start).await);
        let wait = self.tab.timeout.min(MAX_BANNER_WAIT);
        let step = match tab.click(selector, wait).await {
            Ok(clicked_at) => {
                tab.settle_again().await;
                let stored = tab.take(start, Some(clicked_at));
                let mut sightings = cookie_sightings(stored.cookies, start);
                sightings.extend(stored.storage.into_iter().map(Sighting::Storage));
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
                ConsentStep {
                    clicked: true,
                    error: None,
                    sightings,
                }
            }
            Err(error) => ConsentStep {
                clicked: false,
                error: Some(error),
                sightings: Vec::new(),
            },
        };
        self.requests.fetch_add(tab.requests(), Ordering::Relaxed);
        tab.close().await;
        step
    }

    /// The cookies in the context's store that no earlier snapshot showed, as weak evidence
    /// set by `page`.
    async fn store_snapshot(&self, page: &Url) -> Vec<SetCookie> {
        let params = GetCookiesParams::builder()
            .browser_context_id(self.context.clone())
            .build();
        let cookies = {
            let browser = self.chromium.browser.read().await;
            match browser.execute(params).await {
                Ok(answer) => answer.result.cookies,
                Err(error) => {
                    tracing::debug!("reading the cookie store: {error}");
                    return Vec::new();
                }
            }
        };
        let mut seen = self.in_store.lock().unwrap_or_else(|p| p.into_inner());
        let now = SystemTime::now();
        cookies
            .into_iter()
            .filter(|c| seen.insert((c.name.clone(), c.domain.clone(), c.path.clone())))
            .filter_map(|c| store_line(&c, page, now))
            .collect()
    }

    /// Closes the context and everything in it.
    pub(crate) async fn dispose(&self) {
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
        let mut tab = match Tab::open(&self.chromium, &self.context, &self.tab).await {
            Ok(tab) => tab,
            Err(error) => {
                return LoadedPage {
                    error: Some(format!("cannot open a tab: {error}")),
                    ..LoadedPage::default()
                };
            }
        };
        tab.visit(url).await;
        let main = tab.main_document(url);
        let html = match main.error {
            None => tab.rendered_html().await,
            Some(_) => None,
        };
        let stored = tab.take(url, None);
        let storage_snapshot = tab.storage_snapshot(url).await;
        let from_store = self.store_snapshot(url).await;
        self.requests.fetch_add(tab.requests(), Ordering::Relaxed);
        tab.close().await;

        let mut sightings = cookie_sightings(stored.cookies, url);
        sightings.extend(stored.storage.into_iter().map(Sighting::Storage));
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
