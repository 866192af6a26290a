//! One tab: navigate, let the page settle, and collect what it stored.
//!
//! Every protocol event of the tab goes through one [`Recorder`]. Cookies come from three
//! places: each response's `Set-Cookie` lines (`Network.responseReceivedExtraInfo`, one event
//! per redirect hop, blocked lines with the browser's reasons), the hook installed before any
//! page script (it reports `document.cookie` and CookieStore writes through a binding, with the
//! writing script's URL), and the context's cookie store (read by [`super::context`]).

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant, SystemTime};

use chromiumoxide::Page;
use chromiumoxide::cdp::browser_protocol::browser::BrowserContextId;
use chromiumoxide::cdp::browser_protocol::dom_storage::{
    EnableParams as StorageEnable, GetDomStorageItemsParams, StorageId,
};
use chromiumoxide::cdp::browser_protocol::network::{
    EventLoadingFailed, EventLoadingFinished, EventRequestWillBeSent, EventResponseReceived,
    EventResponseReceivedExtraInfo, Headers, SetExtraHttpHeadersParams, SetUserAgentOverrideParams,
};
use chromiumoxide::cdp::browser_protocol::page::{
    AddScriptToEvaluateOnNewDocumentParams, EventLoadEventFired, FrameTree, GetFrameTreeParams,
    NavigateParams,
};
use chromiumoxide::cdp::browser_protocol::target::CreateTargetParams;
use chromiumoxide::cdp::js_protocol::runtime::{
    AddBindingParams, EvaluateParams, EventBindingCalled, EventExecutionContextCreated,
};
use futures_util::stream::{BoxStream, SelectAll, StreamExt};
use url::Url;

use super::hook::{HookReport, ReportKind, cut, header_cookies};
use super::{BrowserError, Chromium};
use crate::cookie::{CookieVia, SetCookie, StorageEvent, parse_set_cookie};
use crate::types::StorageKind;

/// The network counts as quiet after this long without a request starting or ending.
const QUIET: Duration = Duration::from_millis(500);
/// After the load event and the settle time, the network gets at most this long to go quiet
/// (long polls and beacons never do).
const QUIET_CAP: Duration = Duration::from_secs(3);
/// How often a wait re-checks its condition when no event arrives.
const TICK: Duration = Duration::from_millis(50);
/// At most this many script reports are kept per page, whatever a page does.
const MAX_REPORTS: usize = 5_000;

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
}

/// What a page stored, as the crawl understands it.
#[derive(Debug, Default)]
pub(crate) struct Stored {
    pub cookies: Vec<SetCookie>,
    pub storage: Vec<StorageEvent>,
}

enum Event {
    Request {
        id: String,
        url: String,
        wall_ms: f64,
        redirect: bool,
    },
    Response {
        id: String,
        url: String,
        status: i64,
    },
    ExtraInfo {
        id: String,
        /// The hop's raw HTTP status: Chromium sends no response event for some (a 304 it
        /// has nothing cached for).
        status: Option<i64>,
        headers: serde_json::Value,
        blocked: Vec<(String, Vec<String>)>,
    },
    Finished(String),
    Load,
    Binding {
        name: String,
        payload: String,
        context: i64,
    },
    Context {
        id: i64,
        frame: String,
        default: bool,
    },
}

/// One hop's response as the extra-info event gave it.
struct ExtraInfo {
    id: String,
    hop: usize,
    headers: serde_json::Value,
    blocked: Vec<(String, Vec<String>)>,
}

/// Everything the tab's events said, kept until it is taken.
#[derive(Default)]
struct Recorder {
    in_flight: HashSet<String>,
    last_activity: Option<Instant>,
    loaded_at: Option<Instant>,
    /// Per request, the URL and send time of each hop, in order.
    hops: HashMap<String, Vec<(String, f64)>>,
    extra_seen: HashMap<String, usize>,
    extras: Vec<ExtraInfo>,
    responses: HashMap<String, (String, i64)>,
    /// The last raw HTTP status of each request, from its extra-info events.
    raw_status: HashMap<String, i64>,
    reports: Vec<String>,
    /// Messages of the consent driver's binding, with the execution context that sent each.
    consent_messages: Vec<(i64, String)>,
    /// Each frame's main-world execution context, by frame id.
    main_worlds: HashMap<String, i64>,
    /// The frame of each execution context.
    frame_of: HashMap<i64, String>,
}

impl Recorder {
    fn absorb(&mut self, event: Event, binding: &str, consent_binding: Option<&str>) {
        let now = Instant::now();
        match event {
            Event::Request {
                id,
                url,
                wall_ms,
                redirect,
            } => {
                self.last_activity = Some(now);
                self.in_flight.insert(id.clone());
                let hops = self.hops.entry(id).or_default();
                if hops.is_empty() || redirect {
                    hops.push((url, wall_ms));
                }
            }
            Event::Response { id, url, status } => {
                self.responses.insert(id, (url, status));
            }
            Event::ExtraInfo {
                id,
                status,
                headers,
                blocked,
            } => {
                if let Some(status) = status {
                    self.raw_status.insert(id.clone(), status);
                }
                let hop = self.extra_seen.entry(id.clone()).or_default();
                self.extras.push(ExtraInfo {
                    id,
                    hop: *hop,
                    headers,
                    blocked,
                });
                *hop += 1;
            }
            Event::Finished(id) => {
                self.last_activity = Some(now);
                self.in_flight.remove(&id);
            }
            Event::Load => {
                self.loaded_at.get_or_insert(now);
            }
            Event::Binding {
                name,
                payload,
                context,
            } => {
                if name == binding && self.reports.len() < MAX_REPORTS {
                    self.reports.push(payload);
                } else if consent_binding == Some(name.as_str())
                    && self.consent_messages.len() < MAX_REPORTS
                {
                    self.consent_messages.push((context, payload));
                }
            }
            Event::Context { id, frame, default } => {
                if default {
                    self.main_worlds.insert(frame.clone(), id);
                }
                self.frame_of.insert(id, frame);
            }
        }
    }

    /// The request id of the navigation to `asked` when it was answered with no document to
    /// load (204 No Content, 205 Reset Content, 304 Not Modified): no load event will come.
    fn no_document(&self, asked: &Url) -> Option<String> {
        let statuses = self.responses.iter().map(|(id, (_, status))| (id, status));
        statuses.chain(&self.raw_status).find_map(|(id, status)| {
            let first = self.hops.get(id)?.first()?;
            (matches!(status, 204 | 205 | 304) && first.0 == asked.as_str()).then(|| id.clone())
        })
    }

    /// How far the page is from being read: loaded, the network quiet, and either its short
    /// timers have run (asked of the page) or the settle time is over.
    fn state(&self, now: Instant, settle: Duration) -> Settling {
        let Some(loaded) = self.loaded_at else {
            return Settling::Loading;
        };
        if now >= loaded + settle + QUIET_CAP {
            return Settling::Done;
        }
        let quiet_since = self.last_activity.map_or(loaded, |t| t.max(loaded));
        if !self.in_flight.is_empty() || now < quiet_since + QUIET {
            return Settling::Busy;
        }
        if now >= loaded + settle {
            Settling::Done
        } else {
            Settling::AskTimers
        }
    }

    #[cfg(test)]
    fn settled(&self, now: Instant, settle: Duration) -> bool {
        self.state(now, settle) == Settling::Done
    }
}

/// Where a page is on its way to being read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Settling {
    Loading,
    Busy,
    /// Quiet, but its short timers may not have run yet.
    AskTimers,
    Done,
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
            page.event_listener::<EventLoadEventFired>()
                .await?
                .map(|_| Event::Load)
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
        Ok(Tab {
            page,
            events: std::sync::Mutex::new(events),
            recorder: Recorder::default(),
            settings: settings.clone(),
            loader_id: None,
            navigation_error: None,
        })
    }

    /// Navigates to `url` and waits until the page has loaded, settled and gone quiet, or the
    /// timeout passed.
    pub(super) async fn visit(&mut self, url: &Url) {
        let started = Instant::now();
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
                            self.recorder.loaded_at.get_or_insert(Instant::now());
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
        self.recorder.loaded_at = Some(now);
        self.recorder.last_activity = Some(now);
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
                // A timer's callback may have just reported; take it in before reading.
                self.drain();
                return;
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
            ..MainDocument::default()
        };
        let Some(id) = &self.loader_id else {
            return main;
        };
        if let Some((url, status)) = self.recorder.responses.get(id) {
            main.status = u16::try_from(*status).ok();
            main.final_url = Url::parse(url).ok().filter(|u| u != asked);
        } else if let Some(status) = self.recorder.raw_status.get(id) {
            main.status = u16::try_from(*status).ok();
        }
        main.redirects = self
            .recorder
            .hops
            .get(id)
            .map_or(0, |h| h.len().saturating_sub(1) as u32);
        main
    }

    /// The rendered document's HTML, cut at the cap.
    pub(super) async fn rendered_html(&mut self) -> Option<String> {
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
    pub(super) async fn storage_snapshot(&mut self, page: &Url) -> Vec<StorageEvent> {
        let Ok(tree) = self.page.execute(GetFrameTreeParams::default()).await else {
            return Vec::new();
        };
        let mut origins = Vec::new();
        collect_origins(&tree.result.frame_tree, &mut origins);
        let mut found = Vec::new();
        for origin in origins {
            for (kind, local) in [(StorageKind::Local, true), (StorageKind::Session, false)] {
                let mut id = StorageId::new(local);
                id.security_origin = Some(origin.clone());
                let Ok(items) = self.page.execute(GetDomStorageItemsParams::new(id)).await else {
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
        }
        found
    }

    /// Takes everything seen so far; with `after_ms`, only what happened at or after that
    /// moment of the page's clock (the rest is dropped).
    pub(super) fn take(&mut self, page: &Url, after_ms: Option<f64>) -> Stored {
        self.drain();
        let mut stored = Stored::default();
        let recorder = &mut self.recorder;
        for extra in recorder.extras.drain(..) {
            let hop = recorder
                .hops
                .get(&extra.id)
                .and_then(|hops| hops.get(extra.hop));
            if let (Some(after), Some((_, sent))) = (after_ms, hop)
                && *sent < after
            {
                continue;
            }
            let set_by = hop
                .and_then(|(url, _)| Url::parse(url).ok())
                .unwrap_or_else(|| page.clone());
            stored
                .cookies
                .extend(header_cookies(&extra.headers, &extra.blocked, &set_by));
        }
        for payload in recorder.reports.drain(..) {
            let Some(report) = HookReport::parse(&payload) else {
                continue;
            };
            if after_ms.is_some_and(|after| report.at_ms < after) {
                continue;
            }
            match report.kind {
                ReportKind::Cookie { raw } => stored.cookies.push(SetCookie {
                    parsed: parse_set_cookie(&raw),
                    raw,
                    set_by: report.script.unwrap_or_else(|| report.document.clone()),
                    scope: report.document,
                    via: CookieVia::Script,
                    response_date: Some(
                        SystemTime::UNIX_EPOCH + Duration::from_millis(report.at_ms as u64),
                    ),
                    refused: None,
                    value_bytes: None,
                }),
                ReportKind::Storage {
                    kind,
                    key,
                    length,
                    origin,
                } => stored.storage.push(StorageEvent {
                    origin,
                    kind,
                    key,
                    value_length: length,
                    set_by: report.script.unwrap_or(report.document),
                    page: page.clone(),
                    from_snapshot: false,
                }),
            }
        }
        stored
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
        std::mem::take(&mut self.recorder.consent_messages)
    }

    /// The main-world execution context of the frame `context` belongs to.
    pub(super) fn main_world_of(&self, context: i64) -> Option<i64> {
        let frame = self.recorder.frame_of.get(&context)?;
        self.recorder.main_worlds.get(frame).copied()
    }

    /// Requests the page made (every hop counted).
    pub(super) fn requests(&self) -> u64 {
        self.recorder.hops.values().map(|h| h.len() as u64).sum()
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_settles_after_load_settle_time_and_quiet_network() {
        let mut r = Recorder::default();
        let t0 = Instant::now();
        let settle = Duration::from_millis(1000);
        assert!(
            !r.settled(t0 + Duration::from_secs(60), settle),
            "no load yet"
        );
        r.loaded_at = Some(t0);
        assert!(!r.settled(t0 + Duration::from_millis(999), settle));
        r.in_flight.insert("1".into());
        assert!(!r.settled(t0 + Duration::from_millis(1600), settle));
        assert!(
            r.settled(t0 + settle + QUIET_CAP, settle),
            "a request that never ends holds the page only so long"
        );
        r.in_flight.clear();
        r.last_activity = Some(t0 + Duration::from_millis(900));
        assert_eq!(
            r.state(t0 + Duration::from_millis(1300), settle),
            Settling::Busy
        );
        assert!(r.settled(t0 + Duration::from_millis(1400), settle));
        r.last_activity = Some(t0 + Duration::from_millis(100));
        assert_eq!(
            r.state(t0 + Duration::from_millis(700), settle),
            Settling::AskTimers,
            "quiet before the settle time: the page's timers decide"
        );
    }
}
