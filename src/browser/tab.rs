//! One tab: navigate, let the page settle, and collect what it stored.
//!
//! Every protocol event of the tab goes through one [`Recorder`]. Cookies come from three
//! places: each response's `Set-Cookie` lines (`Network.responseReceivedExtraInfo`, one event
//! per redirect hop, blocked lines with the browser's reasons), the hook installed before any
//! page script (it reports `document.cookie` and CookieStore writes through a binding, with the
//! writing script's URL), and the context's cookie store (read by [`super::context`]). A tab
//! is reused from page to page: the [`Recorder`] files every event under the visit that caused
//! it.

use std::time::{Duration, Instant};

use chromiumoxide::Page;
use chromiumoxide::cdp::browser_protocol::browser::BrowserContextId;
use chromiumoxide::cdp::browser_protocol::dom_storage::{
    EnableParams as StorageEnable, GetDomStorageItemsParams, StorageId,
};
use chromiumoxide::cdp::browser_protocol::network::{
    EventLoadingFailed, EventLoadingFinished, EventRequestWillBeSent, EventResponseReceived,
    EventResponseReceivedExtraInfo, Headers, ResourceType, SetExtraHttpHeadersParams,
    SetUserAgentOverrideParams,
};
use chromiumoxide::cdp::browser_protocol::page::{
    AddScriptToEvaluateOnNewDocumentParams, EventLifecycleEvent, FrameTree, GetFrameTreeParams,
    NavigateParams,
};
use chromiumoxide::cdp::browser_protocol::target::CreateTargetParams;
use chromiumoxide::cdp::js_protocol::runtime::{
    AddBindingParams, EvaluateParams, EventBindingCalled, EventExecutionContextCreated,
};
use futures_util::stream::{BoxStream, SelectAll, StreamExt};
use url::Url;

use super::hook::cut;
use super::recorder::{Event, QUIET, QUIET_CAP, Recorder, Settling};
use super::{BrowserError, Chromium};
use crate::cookie::{Sighting, StorageEvent};
use crate::types::StorageKind;

/// How often a wait re-checks its condition when no event arrives.
const TICK: Duration = Duration::from_millis(50);

/// How a tab behaves.
#[derive(Debug, Clone)]
pub(crate) struct TabSettings {
    /// Longest wait for a page to load.
    pub timeout: Duration,
    /// Least wait after the load event, so timers run.
    pub settle: Duration,
    /// The rendered HTML is cut at this many bytes.
    pub max_html: usize,
    /// The `User-Agent` the tab sends.
    pub user_agent: String,
    /// The binding the hook reports through.
    pub binding: String,
    /// The hook's source.
    pub hook: String,
    /// A content script run in an isolated world of every frame (autoconsent), when the tab
    /// makes a consent choice.
    pub content_script: Option<ContentScript>,
    /// Send Global Privacy Control: the `Sec-GPC: 1` header and `navigator.globalPrivacyControl`.
    pub gpc: bool,
    /// The target's address rule, when it restricts anything.
    pub guard: Option<crate::crawl::guard::TargetGuard>,
}

/// A script run in an isolated world of every frame before the page's own, reporting through
/// a binding only that world sees.
#[derive(Debug, Clone)]
pub(crate) struct ContentScript {
    /// The world's name.
    pub world: String,
    /// The binding's name.
    pub binding: String,
    /// The script.
    pub source: String,
}

/// Makes `navigator.globalPrivacyControl` true before any page script runs, as in a browser
/// that sends the signal.
const GPC_SCRIPT: &str = "Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', \
     { get: () => true, configurable: true });";

/// The main document's fate.
#[derive(Debug, Default, Clone)]
pub(crate) struct MainDocument {
    pub status: Option<u16>,
    pub final_url: Option<Url>,
    pub redirects: u32,
    /// Why the navigation failed, when it did (`net::ERR_CONNECTION_REFUSED`…).
    pub error: Option<String>,
    /// True when the answer committed no document (204, 205, 304): the tab still shows the
    /// page before, which is not this page's to read.
    pub no_document: bool,
}

type Events = SelectAll<BoxStream<'static, Event>>;

/// One open tab of a browser context.
pub(crate) struct Tab {
    page: Page,
    /// In a mutex only to make the tab `Sync` (the streams are not): it is only ever reached
    /// through `&mut self`, so it is never locked.
    events: std::sync::Mutex<Events>,
    recorder: Recorder,
    settings: TabSettings,
    loader_id: Option<String>,
    navigation_error: Option<String>,
    /// The last navigation committed no document.
    no_document: bool,
}

impl Tab {
    /// Opens a blank tab in `context` with the hook installed and every listener attached.
    pub(super) async fn open(
        chromium: &Chromium,
        context: &BrowserContextId,
        settings: &TabSettings,
    ) -> Result<Tab, BrowserError> {
        let page = {
            let browser = chromium.browser.read().await;
            let params = CreateTargetParams::builder()
                .url("about:blank")
                .browser_context_id(context.clone())
                .build()
                .map_err(BrowserError::Cdp)?;
            browser.new_page(params).await?
        };
        let mut events: Events = SelectAll::new();
        events.push(
            page.event_listener::<EventRequestWillBeSent>()
                .await?
                .map(|e| Event::Request {
                    id: e.request_id.inner().clone(),
                    url: e.request.url.clone(),
                    wall_ms: e.wall_time.inner() * 1000.0,
                    redirect: e.redirect_response.is_some(),
                    loader: e.loader_id.inner().clone(),
                    long_lived: matches!(
                        e.r#type,
                        Some(ResourceType::EventSource | ResourceType::Ping)
                    ),
                })
                .boxed(),
        );
        events.push(
            page.event_listener::<EventResponseReceived>()
                .await?
                .map(|e| Event::Response {
                    id: e.request_id.inner().clone(),
                    url: e.response.url.clone(),
                    status: e.response.status,
                })
                .boxed(),
        );
        events.push(
            page.event_listener::<EventResponseReceivedExtraInfo>()
                .await?
                .map(|e| Event::ExtraInfo {
                    id: e.request_id.inner().clone(),
                    status: Some(e.status_code),
                    headers: e.headers.inner().clone(),
                    blocked: e
                        .blocked_cookies
                        .iter()
                        .map(|b| {
                            let reasons = b
                                .blocked_reasons
                                .iter()
                                .map(|r| r.as_ref().to_string())
                                .collect();
                            (b.cookie_line.clone(), reasons)
                        })
                        .collect(),
                })
                .boxed(),
        );
        events.push(
            page.event_listener::<EventLoadingFinished>()
                .await?
                .map(|e| Event::Finished(e.request_id.inner().clone()))
                .boxed(),
        );
        events.push(
            page.event_listener::<EventLoadingFailed>()
                .await?
                .map(|e| Event::Finished(e.request_id.inner().clone()))
                .boxed(),
        );
        events.push(
            page.event_listener::<EventLifecycleEvent>()
                .await?
                .filter_map(|e| {
                    let loaded = (e.name == "load").then(|| Event::Loaded {
                        frame: e.frame_id.inner().clone(),
                        loader: e.loader_id.inner().clone(),
                    });
                    std::future::ready(loaded)
                })
                .boxed(),
        );
        events.push(
            page.event_listener::<EventBindingCalled>()
                .await?
                .map(|e| Event::Binding {
                    name: e.name.clone(),
                    payload: e.payload.clone(),
                    context: *e.execution_context_id.inner(),
                })
                .boxed(),
        );
        events.push(
            page.event_listener::<EventExecutionContextCreated>()
                .await?
                .map(|e| {
                    let aux = e.context.aux_data.as_ref();
                    let field = |key: &str| aux.and_then(|a| a.get(key));
                    Event::Context {
                        id: *e.context.id.inner(),
                        frame: field("frameId")
                            .and_then(|f| f.as_str())
                            .unwrap_or_default()
                            .to_string(),
                        default: field("isDefault").and_then(|d| d.as_bool()) == Some(true),
                    }
                })
                .boxed(),
        );
        page.execute(AddBindingParams::new(settings.binding.clone()))
            .await?;
        page.execute(AddScriptToEvaluateOnNewDocumentParams::new(
            settings.hook.clone(),
        ))
        .await?;
        if let Some(script) = &settings.content_script {
            let binding = AddBindingParams::builder()
                .name(script.binding.clone())
                .execution_context_name(script.world.clone())
                .build()
                .map_err(BrowserError::Cdp)?;
            page.execute(binding).await?;
            let install = AddScriptToEvaluateOnNewDocumentParams::builder()
                .source(script.source.clone())
                .world_name(script.world.clone())
                .build()
                .map_err(BrowserError::Cdp)?;
            page.execute(install).await?;
        }
        if settings.gpc {
            page.execute(AddScriptToEvaluateOnNewDocumentParams::new(GPC_SCRIPT))
                .await?;
            let headers = Headers::new(serde_json::json!({ "Sec-GPC": "1" }));
            page.execute(SetExtraHttpHeadersParams::new(headers))
                .await?;
        }
        page.execute(SetUserAgentOverrideParams::new(settings.user_agent.clone()))
            .await?;
        page.execute(StorageEnable::default()).await?;
        if let Some(guard) = &settings.guard {
            super::guard::intercept(&page, guard.clone()).await?;
        }
        // A page target's main frame has the target's id.
        let main_frame = page.target_id().inner().clone();
        Ok(Tab {
            page,
            events: std::sync::Mutex::new(events),
            recorder: Recorder::new(main_frame),
            settings: settings.clone(),
            loader_id: None,
            navigation_error: None,
            no_document: false,
        })
    }

    /// Navigates to `url` and waits until the page has loaded, settled and gone quiet, or the
    /// timeout passed.
    pub(super) async fn visit(&mut self, url: &Url) {
        let started = Instant::now();
        self.recorder.begin(url);
        self.loader_id = None;
        self.navigation_error = None;
        self.no_document = false;
        let deadline = started + self.settings.timeout;
        // chromiumoxide answers Page.navigate only once the new document has loaded; a 204,
        // 205 or 304 answer commits no document and would be waited for until the timeout, so
        // the events are read meanwhile and such an answer ends the wait.
        let finished = {
            let navigate = self.page.execute(NavigateParams::new(url.as_str()));
            tokio::pin!(navigate);
            let events = self.events.get_mut().unwrap_or_else(|p| p.into_inner());
            let consent_binding = self
                .settings
                .content_script
                .as_ref()
                .map(|c| c.binding.as_str());
            loop {
                tokio::select! {
                    navigated = &mut navigate => break Some(Some(navigated)),
                    Some(event) = events.next() => {
                        self.recorder.absorb(event, &self.settings.binding, consent_binding);
                        if let Some(id) = self.recorder.no_document(url) {
                            // Read as a loaded page: its cookies' extra-info events may still
                            // come, and settling waits for the network to go quiet.
                            self.loader_id = Some(id);
                            self.no_document = true;
                            self.recorder.loaded_now();
                            break Some(None);
                        }
                    }
                    () = tokio::time::sleep_until(deadline.into()) => break None,
                }
            }
        };
        match finished {
            Some(None) => {}
            Some(Some(Ok(response))) => {
                self.loader_id = response.result.loader_id.map(|l| l.inner().clone());
                self.navigation_error = response.result.error_text.clone();
            }
            Some(Some(Err(error))) => self.navigation_error = Some(error.to_string()),
            None => {
                self.navigation_error = Some(format!(
                    "no response within {} s",
                    self.settings.timeout.as_secs()
                ))
            }
        }
        if self.navigation_error.is_some() {
            return;
        }
        self.settle(deadline).await;
    }

    /// Lets the page run again until it settles: after a click.
    pub(super) async fn settle_again(&mut self) {
        let now = Instant::now();
        self.recorder.restart();
        self.settle(now + self.settings.settle + QUIET_CAP + QUIET)
            .await;
    }

    async fn settle(&mut self, deadline: Instant) {
        let settle = self.settings.settle;
        loop {
            self.pump_until(deadline, |r, now| {
                matches!(r.state(now, settle), Settling::AskTimers | Settling::Done)
            })
            .await;
            let now = Instant::now();
            if now >= deadline || self.recorder.state(now, settle) == Settling::Done {
                return;
            }
            if self.short_timers().await == 0 {
                // The probe ran only once the page's running script had finished: a request
                // that script started keeps the page busy; a report it sent is taken in.
                self.drain();
                if self.recorder.state(Instant::now(), settle) != Settling::Busy {
                    return;
                }
                continue;
            }
            let next = Instant::now() + TICK;
            self.pump_until(next.min(deadline), |_, _| false).await;
        }
    }

    /// Timers due within the settle time that have not run yet (0 when the page cannot tell).
    async fn short_timers(&mut self) -> u64 {
        let Ok(evaluate) = EvaluateParams::builder()
            .expression("typeof __cookieAuditTimers === 'function' ? __cookieAuditTimers() : 0")
            .return_by_value(true)
            .build()
        else {
            return 0;
        };
        match self.page.execute(evaluate).await {
            Ok(answer) => answer
                .result
                .result
                .value
                .as_ref()
                .and_then(|v| v.as_u64())
                .unwrap_or(0),
            Err(_) => 0,
        }
    }

    async fn pump_until(&mut self, deadline: Instant, done: impl Fn(&Recorder, Instant) -> bool) {
        loop {
            let now = Instant::now();
            if done(&self.recorder, now) || now >= deadline {
                return;
            }
            let wait = TICK.min(deadline - now);
            match tokio::time::timeout(wait, self.events_mut().next()).await {
                Ok(Some(event)) => self.recorder.absorb(
                    event,
                    &self.settings.binding,
                    self.settings
                        .content_script
                        .as_ref()
                        .map(|c| c.binding.as_str()),
                ),
                // Every listener closed: the tab is gone.
                Ok(None) => return,
                Err(_) => {}
            }
        }
    }

    fn events_mut(&mut self) -> &mut Events {
        self.events.get_mut().unwrap_or_else(|p| p.into_inner())
    }

    /// Takes in every event already delivered, without waiting.
    fn drain(&mut self) {
        while let Some(Some(event)) =
            futures_util::FutureExt::now_or_never(self.events_mut().next())
        {
            self.recorder.absorb(
                event,
                &self.settings.binding,
                self.settings
                    .content_script
                    .as_ref()
                    .map(|c| c.binding.as_str()),
            );
        }
    }

    /// The main document's status, redirects and final URL.
    pub(super) fn main_document(&self, asked: &Url) -> MainDocument {
        let mut main = MainDocument {
            error: self.navigation_error.clone(),
            no_document: self.no_document,
            ..MainDocument::default()
        };
        let Some(id) = &self.loader_id else {
            return main;
        };
        let (status, url, redirects) = self.recorder.navigation(id);
        main.status = status.and_then(|s| u16::try_from(s).ok());
        main.final_url = url
            .and_then(|url| Url::parse(&url).ok())
            .filter(|u| u != asked);
        main.redirects = redirects;
        main
    }

    /// The rendered document's HTML, cut at the cap.
    pub(super) async fn rendered_html(&self) -> Option<String> {
        let evaluate = EvaluateParams::builder()
            .expression("document.documentElement ? document.documentElement.outerHTML : ''")
            .return_by_value(true)
            .build()
            .ok()?;
        let answer = self.page.execute(evaluate).await.ok()?;
        let html = answer.result.result.value?;
        Some(cut(html.as_str()?, self.settings.max_html))
    }

    /// Every Web Storage key of every frame's origin, as weak evidence.
    pub(super) async fn storage_snapshot(&self, page: &Url) -> Vec<StorageEvent> {
        let Ok(tree) = self.page.execute(GetFrameTreeParams::default()).await else {
            return Vec::new();
        };
        let mut origins = Vec::new();
        collect_origins(&tree.result.frame_tree, &mut origins);
        // The areas are read at once: each read is a round trip through a busy browser.
        let reads = origins.into_iter().flat_map(|origin| {
            [(StorageKind::Local, true), (StorageKind::Session, false)].map(|(kind, local)| {
                let mut id = StorageId::new(local);
                id.security_origin = Some(origin.clone());
                let read = self.page.execute(GetDomStorageItemsParams::new(id));
                let origin = origin.clone();
                async move { (origin, kind, read.await) }
            })
        });
        let mut found = Vec::new();
        for (origin, kind, items) in futures_util::future::join_all(reads).await {
            let Ok(items) = items else {
                continue;
            };
            for item in &items.result.entries {
                let [key, value] = item.inner().as_slice() else {
                    continue;
                };
                found.push(StorageEvent {
                    origin: origin.clone(),
                    kind,
                    key: key.clone(),
                    value_length: value.chars().count(),
                    set_by: page.clone(),
                    page: page.clone(),
                    from_snapshot: true,
                });
            }
        }
        found
    }

    /// Takes everything seen so far, each sighting filed under the page whose visit caused
    /// it; with `after_ms`, only what happened at or after that moment of the page's clock.
    pub(super) fn take(&mut self, after_ms: Option<f64>) -> Vec<Sighting> {
        self.drain();
        self.recorder.take(after_ms)
    }

    /// The page, for commands of the consent driver.
    pub(super) fn page(&self) -> &Page {
        &self.page
    }

    /// Waits up to `wait` for events (or until `done` holds), taking them in.
    pub(super) async fn pump(&mut self, wait: Duration) {
        self.pump_until(Instant::now() + wait, |_, _| false).await;
    }

    /// Takes the consent binding's messages received so far, with the context that sent each.
    pub(super) fn take_consent_messages(&mut self) -> Vec<(i64, String)> {
        self.drain();
        self.recorder.take_consent_messages()
    }

    /// The main-world execution context of the frame `context` belongs to.
    pub(super) fn main_world_of(&self, context: i64) -> Option<i64> {
        self.recorder.main_world_of(context)
    }

    /// Requests made since the count was last taken (every hop counted).
    pub(super) fn take_request_count(&mut self) -> u64 {
        self.recorder.take_request_count()
    }

    /// Whether the tab can load another page: its last navigation committed a document.
    /// chromiumoxide answers a navigation once its document has loaded and holds the tab's
    /// next one until then, so after a failure or an answer with no document (204, 205, 304)
    /// the tab is closed rather than left waiting for a load that never comes.
    pub(super) fn reusable(&self) -> bool {
        self.navigation_error.is_none() && !self.no_document
    }

    /// Closes the tab.
    pub(super) async fn close(self) {
        if let Err(error) = self.page.close().await {
            tracing::debug!("closing a tab: {error}");
        }
    }
}

fn collect_origins(tree: &FrameTree, out: &mut Vec<String>) {
    let origin = &tree.frame.security_origin;
    if (origin.starts_with("http://") || origin.starts_with("https://")) && !out.contains(origin) {
        out.push(origin.clone());
    }
    for child in tree.child_frames.iter().flatten() {
        collect_origins(child, out);
    }
}
