//! Observations: the cookies a crawl saw set, one entry per (name, domain, path).
//!
//! A cookie is usually set again and again as the crawl goes; what matters to an audit is that
//! it exists, what it asked for the first time, on how many pages it came back, and whether a
//! later response asked for something else (a longer lifetime, a dropped `Secure`).

use std::collections::{HashMap, HashSet};
use std::time::SystemTime;

use cookie::Expiration;
use url::Url;

use crate::cookie::{CookieEvent, CookieVia, RAW_HEADER_KEEP, Sighting, StorageEvent};
use crate::site::Site;
use crate::text::truncate_at_char;
use crate::types::{
    CookieAttributes, CookieSource, CookieVariant, MalformedSetCookie, ObservedCookie, Phase,
    SameSite, StorageEntry, StorageKind,
};

/// At most this many differing later sightings are kept per cookie.
const MAX_VARIANTS: usize = 10;
/// At most this many distinct malformed headers are kept per target.
const MAX_MALFORMED: usize = 100;
/// At most this many cookies and storage keys are kept per target, so a site that invents a
/// name per request cannot grow a report without bound.
const MAX_OBSERVATIONS: usize = 10_000;
/// With `--record-values`, values are kept up to this many bytes.
const MAX_VALUE_KEPT: usize = 4096;
/// `Expires`-based lifetimes drift by the seconds between two responses; below this they are
/// the same lifetime.
const LIFETIME_TOLERANCE_SECS: i64 = 60;

/// A cookie's identity within one target's report: name, domain, path and phase (not the
/// report's `CookieKey`, which has no phase).
type CookieIdentity = (String, String, String, Phase);
/// A storage key's identity within one target's report.
type StorageIdentity = (String, StorageKind, String, Phase);

/// Collects the observations of one target.
pub struct ObservationBook {
    site: Site,
    phase: Phase,
    cookies: Vec<ObservedCookie>,
    by_key: HashMap<CookieIdentity, usize>,
    /// Cookies only the browser's store showed, kept in case nothing better shows them.
    store_only: Vec<(CookieIdentity, ObservedCookie)>,
    store_only_keys: HashSet<CookieIdentity>,
    storage: Vec<StorageEntry>,
    storage_keys: HashMap<StorageIdentity, usize>,
    storage_snapshots: Vec<(StorageIdentity, StorageEntry)>,
    storage_snapshot_keys: HashSet<StorageIdentity>,
    pages_of: Vec<HashSet<u32>>,
    page_ids: HashMap<String, u32>,
    malformed: Vec<MalformedSetCookie>,
    malformed_by_raw: HashMap<String, usize>,
    record_values: bool,
}

/// What a book holds once the crawl is over.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Observations {
    /// Cookies in the order they were first set.
    pub cookies: Vec<ObservedCookie>,
    /// Web Storage keys (browser engine), in the order first seen.
    pub storage: Vec<StorageEntry>,
    /// Headers that could not be parsed.
    pub malformed: Vec<MalformedSetCookie>,
}

impl ObservationBook {
    /// An empty book; `site` decides which cookies are first party.
    pub fn new(site: Site) -> ObservationBook {
        ObservationBook {
            site,
            phase: Phase::None,
            cookies: Vec::new(),
            by_key: HashMap::new(),
            store_only: Vec::new(),
            store_only_keys: HashSet::new(),
            storage: Vec::new(),
            storage_keys: HashMap::new(),
            storage_snapshots: Vec::new(),
            storage_snapshot_keys: HashSet::new(),
            pages_of: Vec::new(),
            page_ids: HashMap::new(),
            malformed: Vec::new(),
            malformed_by_raw: HashMap::new(),
            record_values: false,
        }
    }

    /// A book that keeps cookie values and malformed headers verbatim (`--record-values`);
    /// by default only a value's length is kept.
    pub fn recording_values(mut self, record: bool) -> ObservationBook {
        self.record_values = record;
        self
    }

    /// The consent phase the next sightings belong to.
    pub fn set_phase(&mut self, phase: Phase) {
        self.phase = phase;
    }

    /// Records one thing the crawl saw the site store.
    pub fn record(&mut self, sighting: &Sighting) {
        match sighting {
            Sighting::Cookie(event) => self.record_cookie(event),
            Sighting::Storage(event) => self.record_storage(event),
        }
    }

    /// Records one cookie line: a header, a script's write, or the store's word.
    pub fn record_cookie(&mut self, event: &CookieEvent) {
        let header = &event.set_cookie;
        let cookie = match &header.parsed {
            Ok(cookie) => cookie,
            Err(error) => return self.record_malformed(event, error),
        };
        let Some(lifetime) = requested_lifetime(cookie, header.response_date) else {
            // An expiry in the past deletes a cookie; nothing is set.
            return;
        };
        let (domain, host_only) = match cookie.domain() {
            Some(domain) if !domain.is_empty() => {
                (domain.trim_start_matches('.').to_ascii_lowercase(), false)
            }
            _ => (header.scope.host_str().unwrap_or("").to_string(), true),
        };
        let path = match cookie.path() {
            Some(path) if path.starts_with('/') => path.to_string(),
            _ => default_path(&header.scope),
        };
        let attributes = CookieAttributes {
            secure: cookie.secure().unwrap_or(false),
            http_only: cookie.http_only().unwrap_or(false),
            same_site: cookie.same_site().map(|s| match s {
                cookie::SameSite::Strict => SameSite::Strict,
                cookie::SameSite::Lax => SameSite::Lax,
                cookie::SameSite::None => SameSite::None,
            }),
            session: lifetime.is_none(),
            lifetime_seconds: lifetime,
        };
        let key = (cookie.name().to_string(), domain, path, self.phase);
        let source = match header.via {
            CookieVia::Header => CookieSource::Http,
            CookieVia::Script => CookieSource::Javascript,
            // Scripts cannot set HttpOnly cookies; anything else the store alone showed was
            // most likely written by a script the hook did not reach (a worker, say).
            CookieVia::Store if attributes.http_only => CookieSource::Http,
            CookieVia::Store => CookieSource::Javascript,
        };
        if header.via == CookieVia::Store {
            if !self.by_key.contains_key(&key)
                && self.store_only.len() < MAX_OBSERVATIONS
                && self.store_only_keys.insert(key.clone())
            {
                let observed = self.new_observation(&key, host_only, source, attributes, event);
                self.store_only.push((key, observed));
            }
            return;
        }
        let page_id = self.page_id(&event.page);
        if let Some(&index) = self.by_key.get(&key) {
            self.pages_of[index].insert(page_id);
            let observed = &mut self.cookies[index];
            observed.seen_on_pages = self.pages_of[index].len() as u32;
            if observed.blocked.is_none() {
                observed.blocked.clone_from(&header.refused);
            }
            if !same_attributes(&observed.attributes, &attributes)
                && !observed
                    .variants
                    .iter()
                    .any(|v| same_attributes(&v.attributes, &attributes))
                && observed.variants.len() < MAX_VARIANTS
            {
                observed.variants.push(CookieVariant {
                    attributes,
                    set_by: header.set_by.to_string(),
                    seen_on: event.page.to_string(),
                });
            }
            return;
        }
        if self.cookies.len() >= MAX_OBSERVATIONS {
            return;
        }
        let observed = self.new_observation(&key, host_only, source, attributes, event);
        self.by_key.insert(key, self.cookies.len());
        self.pages_of.push(HashSet::from([page_id]));
        self.cookies.push(observed);
    }

    fn new_observation(
        &self,
        key: &CookieIdentity,
        host_only: bool,
        source: CookieSource,
        attributes: CookieAttributes,
        event: &CookieEvent,
    ) -> ObservedCookie {
        let (name, domain, path, phase) = key.clone();
        let header = &event.set_cookie;
        ObservedCookie {
            party: self.site.party_of(&domain),
            name,
            domain,
            host_only,
            path,
            source,
            phase,
            attributes,
            value_length: header
                .value_bytes
                .unwrap_or_else(|| header.parsed.as_ref().map_or(0, |c| c.value().len())),
            value: header
                .parsed
                .as_ref()
                .ok()
                .filter(|_| self.record_values)
                .map(|c| truncate_at_char(c.value(), MAX_VALUE_KEPT).to_string()),
            set_by: header.set_by.to_string(),
            first_seen_on: event.page.to_string(),
            seen_on_pages: 1,
            declared_as: None,
            blocked: header.refused.clone(),
            variants: Vec::new(),
        }
    }

    /// Records one Web Storage key.
    pub fn record_storage(&mut self, event: &StorageEvent) {
        let key = (
            event.origin.clone(),
            event.kind,
            event.key.clone(),
            self.phase,
        );
        let entry = StorageEntry {
            origin: event.origin.clone(),
            kind: event.kind,
            key: event.key.clone(),
            value_length: event.value_length,
            set_by: event.set_by.to_string(),
            phase: self.phase,
        };
        if self.storage_keys.contains_key(&key) {
            return;
        }
        if event.from_snapshot {
            // Every page's snapshot shows every key again: a set keeps this linear.
            if self.storage_snapshots.len() < MAX_OBSERVATIONS
                && self.storage_snapshot_keys.insert(key.clone())
            {
                self.storage_snapshots.push((key, entry));
            }
            return;
        }
        if self.storage.len() < MAX_OBSERVATIONS {
            self.storage_keys.insert(key, self.storage.len());
            self.storage.push(entry);
        }
    }

    /// The observations, in the order cookies were first set; what only the browser's store
    /// showed comes last.
    pub fn finish(self) -> Observations {
        let mut cookies = self.cookies;
        for (key, observed) in self.store_only {
            if !self.by_key.contains_key(&key) {
                cookies.push(observed);
            }
        }
        let mut storage = self.storage;
        for (key, entry) in self.storage_snapshots {
            if !self.storage_keys.contains_key(&key) {
                storage.push(entry);
            }
        }
        Observations {
            cookies,
            storage,
            malformed: self.malformed,
        }
    }

    fn page_id(&mut self, page: &Url) -> u32 {
        let next = self.page_ids.len() as u32;
        *self
            .page_ids
            .entry(page.as_str().to_string())
            .or_insert(next)
    }

    fn record_malformed(&mut self, event: &CookieEvent, error: &str) {
        let raw = if self.record_values {
            truncate_at_char(&event.set_cookie.raw, RAW_HEADER_KEEP).to_string()
        } else {
            truncate_at_char(&without_value(&event.set_cookie.raw), RAW_HEADER_KEEP).to_string()
        };
        if let Some(&index) = self.malformed_by_raw.get(&raw) {
            self.malformed[index].count += 1;
            return;
        }
        if self.malformed.len() >= MAX_MALFORMED {
            return;
        }
        self.malformed_by_raw
            .insert(raw.clone(), self.malformed.len());
        self.malformed.push(MalformedSetCookie {
            raw,
            error: error.to_string(),
            set_by: event.set_cookie.set_by.to_string(),
            seen_on: event.page.to_string(),
            count: 1,
        });
    }
}

/// A `Set-Cookie` line with its value replaced by its length (`name=[5 bytes]; Path=/`): the
/// name and attributes say what is wrong with a header, and the value is nobody's business.
/// Without `=`, the whole first part is the value (RFC 6265bis §5.6).
pub fn without_value(raw: &str) -> String {
    let (pair, attributes) = match raw.split_once(';') {
        Some((pair, attributes)) => (pair, Some(attributes)),
        None => (raw, None),
    };
    let mut shown = match pair.split_once('=') {
        Some((name, value)) => format!("{name}=[{} bytes]", value.trim().len()),
        None => format!("[{} bytes]", pair.trim().len()),
    };
    if let Some(attributes) = attributes {
        shown.push(';');
        shown.push_str(attributes);
    }
    shown
}

/// The lifetime a cookie asked for, in seconds: `Some(None)` for a session cookie, `None` for a
/// deletion. `Max-Age` wins over `Expires` (RFC 6265 §5.3); `Expires` is measured against the
/// response's `Date`, so a server with a wrong clock still gets the lifetime it meant.
pub fn requested_lifetime(
    cookie: &cookie::Cookie<'_>,
    response_date: Option<SystemTime>,
) -> Option<Option<i64>> {
    let seconds = if let Some(max_age) = cookie.max_age() {
        max_age.whole_seconds()
    } else {
        match cookie.expires() {
            Some(Expiration::DateTime(expires)) => {
                let now = response_date.unwrap_or_else(SystemTime::now);
                let now = time::OffsetDateTime::from(now);
                (expires - now).whole_seconds()
            }
            Some(Expiration::Session) | None => return Some(None),
        }
    };
    (seconds > 0).then_some(Some(seconds))
}

/// RFC 6265 §5.1.4: the directory of the request path.
pub fn default_path(url: &Url) -> String {
    let path = url.path();
    match path.rfind('/') {
        Some(0) | None => "/".to_string(),
        Some(last) => path[..last].to_string(),
    }
}

fn same_attributes(a: &CookieAttributes, b: &CookieAttributes) -> bool {
    let same_lifetime = match (a.lifetime_seconds, b.lifetime_seconds) {
        (Some(x), Some(y)) => (x - y).abs() <= LIFETIME_TOLERANCE_SECS,
        (x, y) => x == y,
    };
    same_lifetime
        && a.secure == b.secure
        && a.http_only == b.http_only
        && a.same_site == b.same_site
        && a.session == b.session
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cookie::{SetCookie, parse_set_cookie};
    use crate::site::Party;
    use std::time::Duration;

    fn at(secs: u64) -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(secs)
    }

    fn event(raw: &str, set_by: &str, page: &str, date: Option<SystemTime>) -> CookieEvent {
        CookieEvent {
            set_cookie: SetCookie::header(raw.to_string(), &Url::parse(set_by).unwrap(), date),
            page: Url::parse(page).unwrap(),
        }
    }

    fn book() -> ObservationBook {
        ObservationBook::new(Site::of(&Url::parse("https://www.portal.test/").unwrap()).unwrap())
    }

    #[test]
    fn values_are_kept_only_when_asked_for() {
        let page = "https://www.portal.test/";
        let lines = ["sid=s3cret; Path=/", "=n0name; Path=/", "l0nevalue"];
        let mut quiet = book();
        let mut recording = book().recording_values(true);
        for line in lines {
            quiet.record_cookie(&event(line, page, page, None));
            recording.record_cookie(&event(line, page, page, None));
        }
        let (quiet, recording) = (quiet.finish(), recording.finish());
        assert_eq!(quiet.cookies[0].value, None);
        assert_eq!(quiet.cookies[0].value_length, 6);
        let raws: Vec<&str> = quiet.malformed.iter().map(|m| m.raw.as_str()).collect();
        assert_eq!(raws, ["=[6 bytes]; Path=/", "[9 bytes]"]);
        assert_eq!(recording.cookies[0].value.as_deref(), Some("s3cret"));
        let raws: Vec<&str> = recording.malformed.iter().map(|m| m.raw.as_str()).collect();
        assert_eq!(raws, ["=n0name; Path=/", "l0nevalue"]);
    }

    #[test]
    fn max_age_wins_over_expires() {
        let c = parse_set_cookie("a=1; Max-Age=60; Expires=Wed, 21 Oct 2099 07:28:00 GMT").unwrap();
        assert_eq!(requested_lifetime(&c, None), Some(Some(60)));
    }

    #[test]
    fn expires_is_measured_against_the_response_date() {
        // 2015-10-21 07:28:00 GMT is 1445412480; the response says it is one day earlier.
        let c = parse_set_cookie("a=1; Expires=Wed, 21 Oct 2015 07:28:00 GMT").unwrap();
        assert_eq!(
            requested_lifetime(&c, Some(at(1_445_412_480 - 86_400))),
            Some(Some(86_400))
        );
        // The same header against a later clock is a deletion.
        assert_eq!(requested_lifetime(&c, Some(at(1_445_412_480 + 1))), None);
    }

    #[test]
    fn session_cookies_and_deletions() {
        let session = parse_set_cookie("a=1; Path=/").unwrap();
        assert_eq!(requested_lifetime(&session, None), Some(None));
        let deleted = parse_set_cookie("a=; Max-Age=0").unwrap();
        assert_eq!(requested_lifetime(&deleted, None), None);
    }

    #[test]
    fn default_path_is_the_directory_of_the_request() {
        let p = |u| default_path(&Url::parse(u).unwrap());
        assert_eq!(p("https://p.test/"), "/");
        assert_eq!(p("https://p.test/page"), "/");
        assert_eq!(p("https://p.test/a/b/page?x"), "/a/b");
    }

    #[test]
    fn one_observation_per_name_domain_path_with_page_counts_and_variants() {
        let mut b = book();
        let home = "https://www.portal.test/";
        let other = "https://www.portal.test/other";
        b.record_cookie(&event(
            "csrftoken=abcd; Max-Age=1000; Path=/; Secure",
            home,
            home,
            None,
        ));
        b.record_cookie(&event(
            "csrftoken=abcd; Max-Age=1010; Path=/; Secure",
            other,
            other,
            None,
        ));
        b.record_cookie(&event(
            "csrftoken=abcd; Max-Age=1000; Path=/; Secure",
            home,
            home,
            None,
        ));
        b.record_cookie(&event(
            "csrftoken=x; Max-Age=99999; Path=/",
            other,
            other,
            None,
        ));
        // Same name on another path is another cookie.
        b.record_cookie(&event("csrftoken=x; Path=/api", other, other, None));
        let obs = b.finish().cookies;
        assert_eq!(obs.len(), 2);
        let first = &obs[0];
        assert_eq!(
            (first.name.as_str(), first.path.as_str()),
            ("csrftoken", "/")
        );
        assert_eq!(first.domain, "www.portal.test");
        assert!(first.host_only);
        assert_eq!(first.seen_on_pages, 2);
        assert_eq!(first.value_length, 4);
        assert_eq!(first.attributes.lifetime_seconds, Some(1000));
        assert_eq!(
            first.variants.len(),
            1,
            "a 10 s drift is no variant, a new lifetime is"
        );
        assert_eq!(first.variants[0].attributes.lifetime_seconds, Some(99_999));
        assert!(!first.variants[0].attributes.secure);
        assert_eq!(obs[1].path, "/api");
    }

    #[test]
    fn domain_attribute_and_party() {
        let mut b = book();
        let page = "https://www.portal.test/";
        b.record_cookie(&event(
            "_ga=GA1; Domain=.portal.test; Max-Age=63072000",
            page,
            page,
            None,
        ));
        b.record_cookie(&event(
            "IDE=x; Domain=tracker.test; SameSite=None; Secure",
            "https://ad.tracker.test/p.gif",
            page,
            None,
        ));
        let obs = b.finish().cookies;
        assert_eq!(
            (obs[0].domain.as_str(), obs[0].host_only),
            ("portal.test", false)
        );
        assert_eq!(obs[0].party, Party::First);
        assert_eq!(obs[1].party, Party::Third);
        assert_eq!(obs[1].attributes.same_site, Some(SameSite::None));
        assert!(obs[1].attributes.session);
        assert_eq!(obs[1].set_by, "https://ad.tracker.test/p.gif");
        assert_eq!(obs[1].first_seen_on, page);
    }

    #[test]
    fn malformed_headers_are_kept_truncated_and_counted() {
        let mut b = book();
        let page = "https://www.portal.test/";
        let long = format!("={}", "é".repeat(300));
        b.record_cookie(&event(&long, page, page, None));
        b.record_cookie(&event(&long, page, page, None));
        b.record_cookie(&event("no-equals-sign", page, page, None));
        let obs = b.finish();
        assert!(obs.cookies.is_empty());
        assert_eq!(obs.malformed.len(), 2);
        assert!(obs.malformed[0].raw.len() <= RAW_HEADER_KEEP);
        assert_eq!(obs.malformed[0].count, 2);
    }
}
