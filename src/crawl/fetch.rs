//! The HTTP fetcher: one request chain (redirects followed by hand), its `Set-Cookie` headers,
//! and a body read under a cap.
//!
//! reqwest's own redirect handling would hide the intermediate responses and their cookies, so
//! redirects are off in the client and followed here, hop by hop, each hop's cookies recorded
//! with the hop's URL. The cookie jar is ours for the same reason: every header is seen, parsed
//! once, stored the way a browser would store it, and sent back on the next request.

use std::net::{IpAddr, SocketAddr};
use std::str::FromStr;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use cookie_store::CookieStore;
use reqwest::header::{self, HeaderMap, HeaderValue};
use tokio::sync::Semaphore;
use url::Url;

use super::guard::{AddressPolicy, GuardedResolver, TargetGuard, refusal_in};

use super::politeness::RunLimiter;
use super::rate_limit::HostLimiter;
use crate::cookie::{SetCookie, value_bytes};

/// The longest robots.txt `Crawl-delay` obeyed: a site asking for more would make its audit
/// last hours (30 pages at a minute each); Nutch caps it alike (`fetcher.max.crawl.delay`).
pub(crate) const MAX_CRAWL_DELAY: Duration = Duration::from_secs(30);

/// At most this many redirect hops are followed for one request.
pub(crate) const MAX_REDIRECTS: u32 = 10;

/// Responses may carry far more headers than hyper's default of 100 (a portal sending 150
/// `Set-Cookie` headers must be read whole).
const MAX_RESPONSE_HEADERS: usize = 1024;

/// `--resolve HOST:PORT:ADDR`: connect to ADDR whenever HOST:PORT is asked for, as curl does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ResolveRule {
    /// The host name as it appears in URLs.
    pub host: String,
    /// The port as it appears in URLs.
    pub port: u16,
    /// The address to connect to instead.
    pub addr: IpAddr,
}

impl FromStr for ResolveRule {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let usage = || format!("`{s}` is not HOST:PORT:ADDR, e.g. portal.test:8080:127.0.0.1");
        let (host, rest) = s.split_once(':').ok_or_else(usage)?;
        let (port, addr) = rest.split_once(':').ok_or_else(usage)?;
        if host.is_empty() {
            return Err(usage());
        }
        let port: u16 = port
            .parse()
            .map_err(|_| format!("`{port}` in `{s}` is not a port number (1-65535)"))?;
        let addr_text = addr.trim_start_matches('[').trim_end_matches(']');
        let addr: IpAddr = addr_text
            .parse()
            .map_err(|_| format!("`{addr}` in `{s}` is not an IP address"))?;
        // Written as in a URL, the host must read as a URL's host does: a URL parser turns
        // `bruxellés.test` into `xn--bruxells-h1a.test`, and a rule kept in Unicode would
        // match no request, silently leaving the real name to be looked up.
        let host = url::Host::parse(host)
            .map_err(|err| format!("`{host}` in `{s}` is not a host name ({err})"))?
            .to_string();
        Ok(ResolveRule { host, port, addr })
    }
}

/// The TLS settings of a run: built once (the system's roots are read once), shared by every
/// session's client.
pub(crate) fn tls_config() -> Result<rustls::ClientConfig, rustls::Error> {
    use rustls_platform_verifier::BuilderVerifierExt;
    // ring instead of aws-lc: far lighter to build.
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_platform_verifier()?
        .with_no_client_auth();
    // A preconfigured config must name the protocols the client speaks.
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(config)
}

/// Builds an HTTP client: one per session, so that its pooled connections close when the
/// target is done and a run of 500 targets never holds 500 hosts' sockets at once.
pub(crate) fn build_client(
    resolve: &[ResolveRule],
    tls: &rustls::ClientConfig,
    policy: Option<std::sync::Arc<AddressPolicy>>,
) -> Result<reqwest::Client, reqwest::Error> {
    let mut builder = reqwest::Client::builder()
        .tls_backend_preconfigured(tls.clone())
        .redirect(reqwest::redirect::Policy::none())
        .http1_max_headers(MAX_RESPONSE_HEADERS)
        // A header line with a control character would otherwise fail the whole response;
        // browsers skip the line and keep the page (and its other cookies).
        .http1_ignore_invalid_headers_in_responses(true)
        .no_proxy()
        .pool_idle_timeout(Duration::from_secs(30))
        .tcp_nodelay(true);
    if let Some(policy) = policy {
        builder = builder.dns_resolver(GuardedResolver { policy });
    }
    for rule in resolve {
        // reqwest maps a host to one socket address, whatever port the URL asks for; the rule's
        // port is the one the URL names, so HOST:PORT connects to ADDR:PORT as with curl.
        builder = builder.resolve(&rule.host, SocketAddr::new(rule.addr, rule.port));
    }
    builder.build()
}

/// One response in a redirect chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Hop {
    /// The URL asked for.
    pub url: Url,
    /// Its status.
    pub status: u16,
}

/// Why a fetch did not end with a whole response.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum FetchError {
    /// No response at all: DNS, refused, TLS, timeout before the headers.
    #[error("{0}")]
    Transport(String),
    /// Not sent: the address is internal and nobody vouched for it.
    #[error("{0}")]
    Refused(String),
    /// A redirect led back to a URL of the same chain.
    #[error("redirect loop: {0} was already visited in this chain")]
    RedirectLoop(String),
    /// More than [`MAX_REDIRECTS`] hops.
    #[error("more than {MAX_REDIRECTS} redirects")]
    TooManyRedirects,
    /// A redirect without a usable `Location`.
    #[error("redirect with {0}")]
    BadRedirect(String),
    /// The headers came but the body broke off (timeout, reset).
    #[error("body cut short: {0}")]
    Body(String),
}

/// What a fetch returned.
#[derive(Debug)]
pub(crate) struct Fetched {
    /// Every response received, redirects first.
    pub hops: Vec<Hop>,
    /// The last URL asked for.
    pub final_url: Url,
    /// The last response's `Content-Type`.
    pub content_type: Option<String>,
    /// The body, when it was wanted (see [`BodyPolicy`]).
    pub body: Vec<u8>,
    /// Body bytes read after decompression, kept or not.
    pub bytes: u64,
    /// True when the body was longer than the cap.
    pub truncated: bool,
    /// Why the chain did not end with a whole response.
    pub error: Option<FetchError>,
    /// Every `Set-Cookie` of every hop, in order.
    pub set_cookies: Vec<SetCookie>,
}

impl Fetched {
    /// The status of the last response, if any came.
    pub(crate) fn status(&self) -> Option<u16> {
        self.hops.last().map(|hop| hop.status)
    }

    /// Redirects followed.
    pub(crate) fn redirects(&self) -> u32 {
        self.hops.len().saturating_sub(1) as u32
    }

    /// True when the last response is an HTML document.
    pub(crate) fn is_html(&self) -> bool {
        match &self.content_type {
            Some(content_type) => is_html_mime(content_type),
            // No Content-Type: sniff as browsers do, on the first bytes.
            None => self
                .body
                .iter()
                .find(|b| !b.is_ascii_whitespace())
                .is_some_and(|b| *b == b'<'),
        }
    }
}

/// True for `text/html` and `application/xhtml+xml`, whatever the parameters.
fn is_html_mime(content_type: &str) -> bool {
    let mime = content_type.split(';').next().unwrap_or("").trim();
    mime.eq_ignore_ascii_case("text/html") || mime.eq_ignore_ascii_case("application/xhtml+xml")
}

/// Which body to keep.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BodyPolicy {
    /// Keep the body when the response is HTML (pages: their links are read).
    Html,
    /// Keep any body (robots.txt, sitemaps).
    Any,
    /// Keep nothing; read a little so the connection can be reused (sub-resources).
    Discard,
}

/// Sub-resource bodies are read up to this much (to keep the connection), then dropped.
const DISCARD_READ_LIMIT: u64 = 256 * 1024;

/// Fetches for one target: its cookie jar, its politeness, its limits.
pub(crate) struct Fetcher {
    client: reqwest::Client,
    guard: TargetGuard,
    jar: Mutex<CookieStore>,
    limiter: HostLimiter,
    run: std::sync::Arc<RunLimiter>,
    connections: std::sync::Arc<Semaphore>,
    headers: HeaderMap,
    timeout: Duration,
    max_body: u64,
    requests: AtomicU64,
}

/// The settings a [`Fetcher`] needs.
#[derive(Debug, Clone)]
pub(crate) struct FetchSettings {
    /// The `User-Agent` header.
    pub user_agent: String,
    /// Per request, headers and body included.
    pub timeout: Duration,
    /// Body cap in bytes, after decompression.
    pub max_body: u64,
    /// At least this long between two requests to one host.
    pub delay: Duration,
}

impl Fetcher {
    /// A fetcher with a fresh cookie jar, as a browser with a new profile; `run` is the run's
    /// budget per address (or host, or domain), `connections` its bound on requests in flight.
    pub(crate) fn new(
        client: reqwest::Client,
        guard: TargetGuard,
        run: std::sync::Arc<RunLimiter>,
        connections: std::sync::Arc<Semaphore>,
        settings: &FetchSettings,
    ) -> Fetcher {
        let mut headers = HeaderMap::new();
        let agent = HeaderValue::from_str(&settings.user_agent)
            .unwrap_or_else(|_| HeaderValue::from_static(crate::config::DEFAULT_USER_AGENT));
        headers.insert(header::USER_AGENT, agent);
        headers.insert(
            header::ACCEPT,
            HeaderValue::from_static("text/html,application/xhtml+xml,*/*;q=0.8"),
        );
        headers.insert(
            header::ACCEPT_LANGUAGE,
            HeaderValue::from_static("fr,nl;q=0.9,en;q=0.8,de;q=0.7"),
        );
        Fetcher {
            client,
            guard,
            jar: Mutex::new(CookieStore::new()),
            limiter: HostLimiter::new(settings.delay),
            run,
            connections,
            headers,
            timeout: settings.timeout,
            max_body: settings.max_body,
            requests: AtomicU64::new(0),
        }
    }

    /// Obeys a robots.txt `Crawl-delay` for `host`: the larger of it and `delay_ms`, capped.
    pub(crate) fn respect_crawl_delay(&self, host: &str, seconds: f32) {
        if seconds.is_finite() && seconds > 0.0 {
            let delay = Duration::from_secs_f32(seconds.min(MAX_CRAWL_DELAY.as_secs_f32()));
            self.limiter.slow_down(host, delay);
        }
    }

    /// HTTP requests sent so far.
    pub(crate) fn requests(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    /// Waits for `url`'s host's turn under the target's delay, then for its turn under the
    /// run's budget per address (or host, or domain), then for one of the run's connection
    /// slots, held until the returned permit is dropped: another engine's page load obeys the
    /// same politeness as a request of this fetcher. `None` when the run is shutting down.
    pub(crate) async fn turn(&self, url: &Url) -> Option<tokio::sync::OwnedSemaphorePermit> {
        if let Some(host) = url.host_str() {
            self.limiter.wait(host).await;
        }
        self.run.wait(url).await;
        match self.connections.clone().try_acquire_owned() {
            Ok(permit) => Some(permit),
            Err(tokio::sync::TryAcquireError::Closed) => None,
            Err(tokio::sync::TryAcquireError::NoPermits) => {
                let permit = self.connections.clone().acquire_owned().await.ok()?;
                // The turn passed while every connection was busy: going now could put this
                // request right behind the next one's turn on the same address. A fresh turn,
                // taken while holding the slot, keeps the spacing the server sees.
                self.run.wait(url).await;
                Some(permit)
            }
        }
    }

    /// Fetches `url`, following redirects, recording every `Set-Cookie`.
    pub(crate) async fn fetch(&self, url: &Url, body: BodyPolicy) -> Fetched {
        let mut fetched = Fetched {
            hops: Vec::new(),
            final_url: url.clone(),
            content_type: None,
            body: Vec::new(),
            bytes: 0,
            truncated: false,
            error: None,
            set_cookies: Vec::new(),
        };
        let mut current = url.clone();
        loop {
            fetched.final_url = current.clone();
            let response = match self.send(&current).await {
                Ok(response) => response,
                Err(error) => {
                    fetched.error = Some(error);
                    return fetched;
                }
            };
            let status = response.status();
            fetched.hops.push(Hop {
                url: current.clone(),
                status: status.as_u16(),
            });
            self.record_cookies(&current, response.headers(), &mut fetched.set_cookies);
            fetched.content_type = response
                .headers()
                .get(header::CONTENT_TYPE)
                .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());

            if status.is_redirection() && status != reqwest::StatusCode::NOT_MODIFIED {
                match self.next_hop(&current, &response, &fetched.hops) {
                    Ok(next) => {
                        // Read the short redirect body so the connection goes back to the pool.
                        let _ = read_capped(response, 16 * 1024, false).await;
                        current = next;
                        continue;
                    }
                    Err(error) => {
                        fetched.error = Some(error);
                        return fetched;
                    }
                }
            }

            let keep = match body {
                BodyPolicy::Any => true,
                // Without a Content-Type the body is kept so that it can be sniffed.
                BodyPolicy::Html => fetched.content_type.as_deref().is_none_or(is_html_mime),
                BodyPolicy::Discard => false,
            };
            let cap = if keep {
                self.max_body
            } else {
                self.max_body.min(DISCARD_READ_LIMIT)
            };
            let read = read_capped(response, cap, keep).await;
            fetched.bytes = read.bytes;
            fetched.truncated = read.truncated && keep;
            fetched.body = read.body;
            if let Some(error) = read.error {
                fetched.error = Some(FetchError::Body(error));
            }
            return fetched;
        }
    }

    async fn send(&self, url: &Url) -> Result<reqwest::Response, FetchError> {
        if let Err(refused) = self.guard.policy.check_url(url) {
            self.guard.refused.record(url.as_str(), refused.to_string());
            return Err(FetchError::Refused(refused.to_string()));
        }
        let _permit = self
            .turn(url)
            .await
            .ok_or_else(|| FetchError::Transport("the run is shutting down".into()))?;
        let mut request = self
            .client
            .get(url.clone())
            .headers(self.headers.clone())
            .timeout(self.timeout);
        if let Some(cookies) = self.cookie_header(url) {
            request = request.header(header::COOKIE, cookies);
        }
        self.requests.fetch_add(1, Ordering::Relaxed);
        request.send().await.map_err(|e| match refusal_in(&e) {
            Some(refused) => {
                self.guard.refused.record(url.as_str(), refused.to_string());
                FetchError::Refused(refused.to_string())
            }
            None => FetchError::Transport(describe_error(&e, self.timeout)),
        })
    }

    fn cookie_header(&self, url: &Url) -> Option<HeaderValue> {
        let jar = self
            .jar
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let pairs: Vec<String> = jar
            .get_request_values(url)
            .map(|(name, value)| format!("{name}={value}"))
            .collect();
        if pairs.is_empty() {
            return None;
        }
        HeaderValue::from_str(&pairs.join("; ")).ok()
    }

    fn record_cookies(&self, url: &Url, headers: &HeaderMap, out: &mut Vec<SetCookie>) {
        let response_date = headers
            .get(header::DATE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| httpdate::parse_http_date(v).ok());
        let mut jar = self
            .jar
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        for value in headers.get_all(header::SET_COOKIE) {
            // to_str() refuses any byte ≥ 0x80; a browser keeps such cookies, so decode lossily.
            let raw = String::from_utf8_lossy(value.as_bytes()).into_owned();
            let lossy = raw.len() != value.as_bytes().len();
            let mut set_cookie = SetCookie::header(raw, url, response_date);
            set_cookie.value_bytes = lossy.then(|| value_bytes(value.as_bytes()));
            set_cookie.refused = match &set_cookie.parsed {
                Ok(cookie) => store_in_jar(&mut jar, cookie, url),
                Err(_) => None,
            };
            out.push(set_cookie);
        }
    }

    fn next_hop(
        &self,
        current: &Url,
        response: &reqwest::Response,
        hops: &[Hop],
    ) -> Result<Url, FetchError> {
        let location = response
            .headers()
            .get(header::LOCATION)
            .ok_or_else(|| FetchError::BadRedirect("no Location header".into()))?;
        let location = String::from_utf8_lossy(location.as_bytes());
        let mut next = current.join(location.trim()).map_err(|e| {
            FetchError::BadRedirect(format!("an unusable Location `{location}`: {e}"))
        })?;
        next.set_fragment(None);
        if !matches!(next.scheme(), "http" | "https") {
            return Err(FetchError::BadRedirect(format!(
                "a Location that is not http(s): {next}"
            )));
        }
        if hops.iter().any(|hop| hop.url == next) {
            return Err(FetchError::RedirectLoop(next.to_string()));
        }
        if hops.len() as u32 > MAX_REDIRECTS {
            return Err(FetchError::TooManyRedirects);
        }
        Ok(next)
    }
}

/// Stores `cookie` as a browser would; returns why it was refused, if it was.
fn store_in_jar(
    jar: &mut CookieStore,
    cookie: &cookie::Cookie<'static>,
    url: &Url,
) -> Option<String> {
    // The jar knows nothing of name prefixes; every current browser enforces them.
    if let Some(why) = crate::cookie::prefix_violation(cookie, url) {
        return Some(why);
    }
    let host = url.host_str().unwrap_or("");
    if let Some(domain) = cookie.domain() {
        let domain = domain.trim_start_matches('.').to_ascii_lowercase();
        // The jar has no public suffix list of its own; browsers refuse such cookies. An
        // unknown top-level name (`localdomain`) is no public suffix, but browsers treat it as
        // one all the same: say what it is.
        if let Some(suffix) = psl::suffix(domain.as_bytes())
            && suffix.as_bytes() == domain.as_bytes()
            && host != domain
        {
            return Some(if suffix.is_known() {
                format!("Domain={domain} is a public suffix, which browsers refuse")
            } else {
                format!(
                    "Domain={domain} is a domain of one label, not the site's domain {host}; \
                     browsers refuse it"
                )
            });
        }
    }
    match jar.insert_raw(cookie, url) {
        Ok(_) => None,
        // Deleting a cookie (an expiry in the past) is not a refusal.
        Err(cookie_store::CookieError::Expired) => None,
        Err(cookie_store::CookieError::DomainMismatch) => Some(format!(
            "Domain={} is not the site's domain (the host is {host}); browsers refuse it",
            cookie.domain().unwrap_or("").trim_start_matches('.')
        )),
        Err(other) => Some(other.to_string()),
    }
}

struct BodyRead {
    body: Vec<u8>,
    bytes: u64,
    truncated: bool,
    error: Option<String>,
}

/// Reads at most `cap` decompressed bytes, keeping them when `keep`; never holds more.
async fn read_capped(mut response: reqwest::Response, cap: u64, keep: bool) -> BodyRead {
    let mut read = BodyRead {
        body: Vec::new(),
        bytes: 0,
        truncated: false,
        error: None,
    };
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                let room = cap.saturating_sub(read.bytes);
                let take = (chunk.len() as u64).min(room) as usize;
                if keep {
                    read.body.extend_from_slice(&chunk[..take]);
                }
                read.bytes += take as u64;
                if take < chunk.len() {
                    read.truncated = true;
                    return read;
                }
            }
            Ok(None) => return read,
            Err(e) => {
                read.error = Some(describe_error(&e, Duration::ZERO));
                return read;
            }
        }
    }
}

/// Whether `error` is a TLS failure: rustls's errors rarely say "TLS" ("received corrupt
/// message of type …"), and reach us wrapped in I/O errors, whose `source()` skips what they
/// wrap.
fn is_tls(error: &(dyn std::error::Error + 'static)) -> bool {
    if error.is::<rustls::Error>() {
        return true;
    }
    error
        .downcast_ref::<std::io::Error>()
        .and_then(|io| io.get_ref())
        .is_some_and(|inner| is_tls(inner))
}

/// A one-line reason a person understands: what failed (DNS, connection, TLS, timeout) and the
/// innermost cause, without the layers of wrapping in between.
pub(crate) fn describe_error(error: &reqwest::Error, timeout: Duration) -> String {
    if error.is_timeout() && !timeout.is_zero() {
        return format!("timed out after {} s", timeout.as_secs());
    }
    let mut chain: Vec<String> = Vec::new();
    let mut tls = false;
    let mut source: Option<&dyn std::error::Error> = Some(error);
    while let Some(e) = source {
        chain.push(e.to_string());
        tls |= is_tls(e);
        source = e.source();
    }
    let innermost = chain.last().cloned().unwrap_or_default();
    let mentions = |needle: &str| {
        chain
            .iter()
            .any(|c| c.to_ascii_lowercase().contains(needle))
    };
    let what = if mentions("dns error") {
        "DNS lookup failed"
    } else if tls || mentions("certificate") || mentions("tls") || mentions("handshake") {
        "TLS error"
    } else if error.is_timeout() {
        "timed out"
    } else if error.is_connect() {
        "cannot connect"
    } else if error.is_body() || error.is_decode() {
        "response body unreadable"
    } else {
        "request failed"
    };
    if innermost.is_empty() || innermost == what {
        what.to_string()
    } else {
        format!("{what}: {innermost}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cookie::parse_set_cookie;

    #[test]
    fn resolve_rules_read_like_curl() {
        let rule: ResolveRule = "Portal.test:8080:127.0.0.1".parse().unwrap();
        assert_eq!(rule.host, "portal.test");
        assert_eq!(rule.port, 8080);
        assert_eq!(rule.addr, "127.0.0.1".parse::<IpAddr>().unwrap());
        let v6: ResolveRule = "portal.test:443:[::1]".parse().unwrap();
        assert_eq!(v6.addr, "::1".parse::<IpAddr>().unwrap());
        assert!("portal.test:8080".parse::<ResolveRule>().is_err());
        assert!("portal.test:http:127.0.0.1".parse::<ResolveRule>().is_err());
        assert!("portal.test:80:not-an-ip".parse::<ResolveRule>().is_err());
        assert!(":80:127.0.0.1".parse::<ResolveRule>().is_err());
        assert!("a b.test:80:127.0.0.1".parse::<ResolveRule>().is_err());
    }

    #[test]
    fn resolve_rule_hosts_read_like_url_hosts() {
        for written in ["bruxellés.test", "BRUXELLÉS.test", "bruxell\u{e9}s.Test"] {
            let rule: ResolveRule = format!("{written}:80:127.0.0.1").parse().unwrap();
            let url = Url::parse(&format!("http://{written}/")).unwrap();
            assert_eq!(Some(rule.host.as_str()), url.host_str(), "{written}");
            assert_eq!(rule.host, "xn--bruxells-h1a.test");
        }
    }

    #[test]
    fn the_jar_refuses_what_browsers_refuse() {
        let mut jar = CookieStore::new();
        let url = Url::parse("https://www.portal.test/").unwrap();
        let other = parse_set_cookie("a=1; Domain=tracker.test").unwrap();
        assert!(
            store_in_jar(&mut jar, &other, &url)
                .unwrap()
                .contains("not the site's domain")
        );
        let suffix = parse_set_cookie("a=1; Domain=co.uk").unwrap();
        let uk = Url::parse("https://www.example.co.uk/").unwrap();
        assert!(
            store_in_jar(&mut jar, &suffix, &uk)
                .unwrap()
                .contains("public suffix")
        );
        let com = parse_set_cookie("a=1; Domain=.com").unwrap();
        let shop = Url::parse("https://www.shop.com/").unwrap();
        let why = store_in_jar(&mut jar, &com, &shop).unwrap();
        assert!(why.contains("Domain=com is a public suffix"), "{why}");
        let local = parse_set_cookie("a=1; Domain=localdomain").unwrap();
        let lan = Url::parse("http://intranet.localdomain/").unwrap();
        let why = store_in_jar(&mut jar, &local, &lan).unwrap();
        assert!(why.contains("a domain of one label"), "{why}");
        assert!(!why.contains("public suffix"), "{why}");
        let foreign = parse_set_cookie("a=1; Domain=doubleclick.net").unwrap();
        let why = store_in_jar(&mut jar, &foreign, &url).unwrap();
        assert!(why.contains("not the site's domain"), "{why}");
        let prefixed = parse_set_cookie("__Host-a=1; Secure; Path=/; Domain=portal.test").unwrap();
        let why = store_in_jar(&mut jar, &prefixed, &url).unwrap();
        assert!(why.contains("__Host- prefix"), "{why}");
        let fine = parse_set_cookie("a=1; Domain=portal.test").unwrap();
        assert_eq!(store_in_jar(&mut jar, &fine, &url), None);
        assert_eq!(jar.get_request_values(&url).count(), 1);
    }
}
