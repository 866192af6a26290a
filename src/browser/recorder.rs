//! What a tab's protocol events said, each tied to the visit (the navigation) that caused it.
//!
//! A tab is reused from page to page, so an event that arrives late (a `Set-Cookie` answer to a
//! request of the previous page, a script of the previous document still running while the
//! next navigation starts) must not be filed under the page being visited now. Chromium tells
//! whose an event is: every request carries the loader id of the document that made it, every
//! script report comes from an execution context created for one document. A loader id or a
//! context first seen during a visit belongs to that visit; everything that follows from it
//! (the request's hops, its extra-info headers, the context's reports) stays with it.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant, SystemTime};

use url::Url;

use super::hook::{HookReport, ReportKind, header_cookies};
use crate::cookie::{CookieEvent, CookieVia, SetCookie, Sighting, StorageEvent, parse_set_cookie};

/// The network counts as quiet after this long without a request of the page starting or
/// ending. The hook reports the page's short timers and every probe of the page waits for its
/// running script, so this only covers the gap between a response and the script it starts.
pub(super) const QUIET: Duration = Duration::from_millis(100);
/// After the load event and the settle time, the network gets at most this long to go quiet
/// (long polls and beacons never do).
pub(super) const QUIET_CAP: Duration = Duration::from_secs(3);
/// At most this many script reports are kept per page, whatever a page does.
const MAX_REPORTS: usize = 5_000;

/// One protocol event, as much of it as the recorder needs.
pub(super) enum Event {
    Request {
        id: String,
        url: String,
        wall_ms: f64,
        redirect: bool,
        /// The document that made the request (for a navigation: the new document).
        loader: String,
        /// Requests that stay open by design (server-sent events, beacons): never waited for.
        long_lived: bool,
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
    /// A frame's document fired its load event.
    Loaded {
        frame: String,
        loader: String,
    },
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

/// One navigation of the tab and what is known of its progress.
struct Visit {
    page: Url,
    /// Requests of this visit not finished yet, with when each started.
    in_flight: HashSet<String>,
    last_activity: Option<Instant>,
    loaded_at: Option<Instant>,
}

/// One hop's response as the extra-info event gave it.
struct ExtraInfo {
    visit: usize,
    id: String,
    hop: usize,
    headers: serde_json::Value,
    blocked: Vec<(String, Vec<String>)>,
}

/// Where a page is on its way to being read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Settling {
    Loading,
    Busy,
    /// Quiet, but its short timers may not have run yet.
    AskTimers,
    Done,
}

/// Everything the tab's events said, kept until it is taken.
#[derive(Default)]
pub(super) struct Recorder {
    /// The tab's main frame: only its load event ends a visit's loading.
    main_frame: String,
    visits: Vec<Visit>,
    /// The visit each document (loader id) belongs to.
    loader_visit: HashMap<String, usize>,
    /// The visit each request belongs to.
    request_visit: HashMap<String, usize>,
    /// Per request, the URL and send time of each hop, in order.
    hops: HashMap<String, Vec<(String, f64)>>,
    /// Hops recorded since the count was last taken.
    new_hops: u64,
    extra_seen: HashMap<String, usize>,
    extras: Vec<ExtraInfo>,
    responses: HashMap<String, (String, i64)>,
    /// The last raw HTTP status of each request, from its extra-info events.
    raw_status: HashMap<String, i64>,
    /// The hook's reports, with the visit of the document that sent each.
    reports: Vec<(usize, String)>,
    /// Messages of the consent driver's binding, with the execution context that sent each.
    consent_messages: Vec<(i64, String)>,
    /// Each frame's main-world execution context, by frame id.
    main_worlds: HashMap<String, i64>,
    /// The frame of each execution context.
    frame_of: HashMap<i64, String>,
    /// The visit each execution context was created in.
    context_visit: HashMap<i64, usize>,
}

impl Recorder {
    /// A recorder for a tab whose main frame is `main_frame`.
    pub(super) fn new(main_frame: String) -> Recorder {
        Recorder {
            main_frame,
            ..Recorder::default()
        }
    }

    /// Starts a visit of `page`: what happens from now on is this visit's, unless it follows
    /// from a document or request of an earlier one.
    pub(super) fn begin(&mut self, page: &Url) {
        self.visits.push(Visit {
            page: page.clone(),
            in_flight: HashSet::new(),
            last_activity: None,
            loaded_at: None,
        });
        // Late events of the previous visit are still awaited; older ones are not.
        let keep_from = self.current().saturating_sub(1);
        let old: Vec<String> = self
            .request_visit
            .iter()
            .filter(|(_, visit)| **visit < keep_from)
            .map(|(id, _)| id.clone())
            .collect();
        for id in old {
            self.request_visit.remove(&id);
            self.hops.remove(&id);
            self.extra_seen.remove(&id);
            self.responses.remove(&id);
            self.raw_status.remove(&id);
        }
        self.loader_visit.retain(|_, visit| *visit >= keep_from);
    }

    fn current(&self) -> usize {
        self.visits.len().saturating_sub(1)
    }

    fn visit_mut(&mut self) -> Option<&mut Visit> {
        self.visits.last_mut()
    }

    fn visit(&self) -> Option<&Visit> {
        self.visits.last()
    }

    pub(super) fn absorb(&mut self, event: Event, binding: &str, consent_binding: Option<&str>) {
        let now = Instant::now();
        let current = self.current();
        match event {
            Event::Request {
                id,
                url,
                wall_ms,
                redirect,
                loader,
                long_lived,
            } => {
                // A navigation's request has its new document's loader id as its own id: it is
                // always the current visit's (Chromium may reuse the loader id of a navigation
                // that committed nothing, a 204).
                let visit = if id == loader {
                    self.loader_visit.insert(loader, current);
                    current
                } else {
                    *self.loader_visit.entry(loader).or_insert(current)
                };
                self.request_visit.insert(id.clone(), visit);
                if let Some(v) = self.visits.get_mut(visit) {
                    v.last_activity = Some(now);
                    if !long_lived {
                        v.in_flight.insert(id.clone());
                    }
                }
                let hops = self.hops.entry(id).or_default();
                if hops.is_empty() || redirect {
                    hops.push((url, wall_ms));
                    self.new_hops += 1;
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
                let visit = self.request_visit.get(&id).copied().unwrap_or(current);
                let hop = self.extra_seen.entry(id.clone()).or_default();
                self.extras.push(ExtraInfo {
                    visit,
                    id,
                    hop: *hop,
                    headers,
                    blocked,
                });
                *hop += 1;
            }
            Event::Finished(id) => {
                let visit = self.request_visit.get(&id).copied().unwrap_or(current);
                if let Some(v) = self.visits.get_mut(visit) {
                    v.last_activity = Some(now);
                    v.in_flight.remove(&id);
                }
            }
            Event::Loaded { frame, loader } => {
                let ours = self.loader_visit.get(&loader).is_none_or(|v| *v == current);
                if frame == self.main_frame
                    && ours
                    && let Some(visit) = self.visit_mut()
                {
                    visit.loaded_at.get_or_insert(now);
                }
            }
            Event::Binding {
                name,
                payload,
                context,
            } => {
                if name == binding && self.reports.len() < MAX_REPORTS {
                    let visit = self.context_visit.get(&context).copied().unwrap_or(current);
                    self.reports.push((visit, payload));
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
                self.context_visit.insert(id, current);
            }
        }
    }

    /// Marks the visit loaded now (a navigation answered with no document; a click).
    pub(super) fn loaded_now(&mut self) {
        if let Some(visit) = self.visit_mut() {
            visit.loaded_at.get_or_insert(Instant::now());
        }
    }

    /// Lets the page run again as if just loaded: after a click.
    pub(super) fn restart(&mut self) {
        let now = Instant::now();
        if let Some(visit) = self.visit_mut() {
            visit.loaded_at = Some(now);
            visit.last_activity = Some(now);
        }
    }

    /// The request id of the navigation to `asked` when it was answered with no document to
    /// load (204 No Content, 205 Reset Content, 304 Not Modified): no load event will come.
    pub(super) fn no_document(&self, asked: &Url) -> Option<String> {
        let current = self.current();
        let statuses = self.responses.iter().map(|(id, (_, status))| (id, status));
        statuses.chain(&self.raw_status).find_map(|(id, status)| {
            if self.request_visit.get(id) != Some(&current) {
                return None;
            }
            let first = self.hops.get(id)?.first()?;
            (matches!(status, 204 | 205 | 304) && first.0 == asked.as_str()).then(|| id.clone())
        })
    }

    /// How far the visit is from being read: loaded, its own requests quiet, and either its
    /// short timers have run (asked of the page) or the settle time is over.
    pub(super) fn state(&self, now: Instant, settle: Duration) -> Settling {
        let Some(visit) = self.visit() else {
            return Settling::Loading;
        };
        let Some(loaded) = visit.loaded_at else {
            return Settling::Loading;
        };
        if now >= loaded + settle + QUIET_CAP {
            return Settling::Done;
        }
        let quiet_since = visit.last_activity.map_or(loaded, |t| t.max(loaded));
        if !visit.in_flight.is_empty() || now < quiet_since + QUIET {
            return Settling::Busy;
        }
        if now >= loaded + settle {
            Settling::Done
        } else {
            Settling::AskTimers
        }
    }

    /// The status, final URL and redirect count of the request `id`.
    pub(super) fn navigation(&self, id: &str) -> (Option<i64>, Option<String>, u32) {
        let redirects = self
            .hops
            .get(id)
            .map_or(0, |h| h.len().saturating_sub(1) as u32);
        match self.responses.get(id) {
            Some((url, status)) => (Some(*status), Some(url.clone()), redirects),
            None => (self.raw_status.get(id).copied(), None, redirects),
        }
    }

    /// Requests made since the count was last taken (every hop counted).
    pub(super) fn take_request_count(&mut self) -> u64 {
        std::mem::take(&mut self.new_hops)
    }

    pub(super) fn take_consent_messages(&mut self) -> Vec<(i64, String)> {
        std::mem::take(&mut self.consent_messages)
    }

    /// The main-world execution context of the frame `context` belongs to.
    pub(super) fn main_world_of(&self, context: i64) -> Option<i64> {
        let frame = self.frame_of.get(&context)?;
        self.main_worlds.get(frame).copied()
    }

    /// Takes everything seen so far, each cookie and storage write filed under the page whose
    /// visit caused it; with `after_ms`, only what happened at or after that moment of the
    /// page's clock (the rest is dropped).
    pub(super) fn take(&mut self, after_ms: Option<f64>) -> Vec<Sighting> {
        let mut sightings = Vec::new();
        let Some(fallback) = self.visit().map(|v| v.page.clone()) else {
            return sightings;
        };
        let page_of = |visits: &[Visit], visit: usize| {
            visits
                .get(visit)
                .map_or_else(|| fallback.clone(), |v| v.page.clone())
        };
        for extra in self.extras.drain(..) {
            let page = page_of(&self.visits, extra.visit);
            let hop = self
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
            for set_cookie in header_cookies(&extra.headers, &extra.blocked, &set_by) {
                sightings.push(Sighting::Cookie(CookieEvent {
                    set_cookie,
                    page: page.clone(),
                }));
            }
        }
        for (visit, payload) in self.reports.drain(..) {
            let Some(report) = HookReport::parse(&payload) else {
                continue;
            };
            if after_ms.is_some_and(|after| report.at_ms < after) {
                continue;
            }
            let page = page_of(&self.visits, visit);
            match report.kind {
                ReportKind::Cookie { raw } => sightings.push(Sighting::Cookie(CookieEvent {
                    set_cookie: SetCookie {
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
                    },
                    page,
                })),
                ReportKind::Storage {
                    kind,
                    key,
                    length,
                    origin,
                } => sightings.push(Sighting::Storage(StorageEvent {
                    origin,
                    kind,
                    key,
                    value_length: length,
                    set_by: report.script.unwrap_or(report.document),
                    page,
                    from_snapshot: false,
                })),
            }
        }
        sightings
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    fn request(id: &str, loader: &str, url: &str) -> Event {
        Event::Request {
            id: id.into(),
            url: url.into(),
            wall_ms: 0.0,
            redirect: false,
            loader: loader.into(),
            long_lived: false,
        }
    }

    fn set_cookie(id: &str, line: &str) -> Event {
        Event::ExtraInfo {
            id: id.into(),
            status: Some(200),
            headers: serde_json::json!({ "set-cookie": line }),
            blocked: Vec::new(),
        }
    }

    fn cookies(sightings: &[Sighting]) -> Vec<(String, String)> {
        sightings
            .iter()
            .filter_map(|s| match s {
                Sighting::Cookie(c) => Some((
                    c.set_cookie.raw.split('=').next().unwrap_or("").to_string(),
                    c.page.path().to_string(),
                )),
                Sighting::Storage(_) => None,
            })
            .collect()
    }

    #[test]
    fn a_page_settles_after_load_settle_time_and_quiet_network() {
        let mut r = Recorder::new("main".into());
        r.begin(&url("http://a.test/"));
        let t0 = Instant::now();
        let settle = Duration::from_millis(1000);
        assert_eq!(
            r.state(t0 + Duration::from_secs(60), settle),
            Settling::Loading
        );
        r.visits[0].loaded_at = Some(t0);
        r.visits[0].in_flight.insert("1".into());
        assert_eq!(
            r.state(t0 + Duration::from_millis(1600), settle),
            Settling::Busy
        );
        assert_eq!(
            r.state(t0 + settle + QUIET_CAP, settle),
            Settling::Done,
            "a request that never ends holds the page only so long"
        );
        r.visits[0].in_flight.clear();
        r.visits[0].last_activity = Some(t0 + Duration::from_millis(900));
        assert_eq!(
            r.state(t0 + Duration::from_millis(900) + QUIET / 2, settle),
            Settling::Busy
        );
        assert_eq!(
            r.state(t0 + Duration::from_millis(1100) + QUIET, settle),
            Settling::Done
        );
        r.visits[0].last_activity = Some(t0 + Duration::from_millis(100));
        assert_eq!(
            r.state(t0 + Duration::from_millis(100) + QUIET, settle),
            Settling::AskTimers,
            "quiet before the settle time: the page's timers decide"
        );
    }

    #[test]
    fn a_late_answer_to_the_previous_page_stays_with_it() {
        let mut r = Recorder::new("main".into());
        r.begin(&url("http://a.test/one"));
        r.absorb(request("nav1", "L1", "http://a.test/one"), "b", None);
        r.absorb(request("img1", "L1", "http://a.test/slow.gif"), "b", None);
        r.absorb(set_cookie("nav1", "same=1"), "b", None);
        r.begin(&url("http://a.test/two"));
        r.absorb(request("nav2", "L2", "http://a.test/two"), "b", None);
        // The first page's image answers only now, and the second page sets the same name.
        r.absorb(set_cookie("img1", "late=1"), "b", None);
        r.absorb(set_cookie("nav2", "same=2"), "b", None);
        let mut got = cookies(&r.take(None));
        got.sort();
        assert_eq!(
            got,
            [
                ("late".to_string(), "/one".to_string()),
                ("same".to_string(), "/one".to_string()),
                ("same".to_string(), "/two".to_string()),
            ]
        );
    }

    #[test]
    fn the_previous_page_neither_loads_nor_holds_the_next() {
        let mut r = Recorder::new("main".into());
        let settle = Duration::from_millis(1000);
        r.begin(&url("http://a.test/one"));
        r.absorb(request("nav1", "L1", "http://a.test/one"), "b", None);
        r.absorb(request("poll", "L1", "http://a.test/poll"), "b", None);
        r.begin(&url("http://a.test/two"));
        r.absorb(
            Event::Loaded {
                frame: "main".into(),
                loader: "L1".into(),
            },
            "b",
            None,
        );
        assert_eq!(
            r.state(Instant::now(), settle),
            Settling::Loading,
            "the first page's late load event is not the second's"
        );
        r.absorb(request("nav2", "L2", "http://a.test/two"), "b", None);
        r.absorb(Event::Finished("nav2".into()), "b", None);
        r.absorb(
            Event::Loaded {
                frame: "child".into(),
                loader: "L3".into(),
            },
            "b",
            None,
        );
        assert_eq!(r.state(Instant::now(), settle), Settling::Loading);
        r.absorb(
            Event::Loaded {
                frame: "main".into(),
                loader: "L2".into(),
            },
            "b",
            None,
        );
        let later = Instant::now() + QUIET + Duration::from_millis(1);
        assert_eq!(
            r.state(later, settle),
            Settling::AskTimers,
            "the first page's open request does not keep the second busy"
        );
    }
}
