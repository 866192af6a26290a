//! Per-target settings that reports repeat: the engine and the jurisdiction.

use std::fmt;

/// How pages are fetched; the browser engine exists because many consent
/// banners only set cookies from JavaScript.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Engine {
    /// Plain HTTP requests: fast, but blind to cookies set by scripts.
    Http,
    /// A real browser, for sites whose cookies only appear once scripts run.
    Browser,
}

impl Engine {
    /// The spelling used in `targets.toml` and in reports, so both agree.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Http => "http",
            Self::Browser => "browser",
        }
    }
}

impl fmt::Display for Engine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which body of rules a site is judged against, since national regulators
/// add requirements on top of the EU baseline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Jurisdiction {
    /// The EU baseline (GDPR and ePrivacy), which applies everywhere.
    #[default]
    Eu,
    /// Belgium, as enforced by the Belgian data protection authority.
    Be,
    /// France, as enforced by the CNIL.
    Fr,
}

impl Jurisdiction {
    /// The spelling used in `targets.toml` and in reports, so both agree.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Eu => "eu",
            Self::Be => "be",
            Self::Fr => "fr",
        }
    }
}

impl fmt::Display for Jurisdiction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What the run-wide politeness budget is counted per: every request of every target to the
/// same key shares one budget (`politeness_key` in `targets.toml`, `--politeness-key`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PolitenessKey {
    /// The host name of the URL.
    Host,
    /// The IP address the host name resolves to: many portals of one platform answer from a
    /// few shared addresses, and those addresses are what a crawl loads (Nutch's `byIP` queue
    /// mode, Heritrix's IP politeness).
    #[default]
    Ip,
    /// The registrable domain of the host (`a.example.org` and `b.example.org` share one).
    Domain,
}

impl PolitenessKey {
    /// The spelling used in `targets.toml`, on the command line and in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Host => "host",
            Self::Ip => "ip",
            Self::Domain => "domain",
        }
    }
}

impl fmt::Display for PolitenessKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The default `max_requests_per_second_per_ip`: 10 requests per second to one address.
///
/// Why 10: it is five targets at the default `delay_ms = 500` going at full pace, so portals on
/// addresses of their own are never slowed by it; a browser showing one portal page loads 20–50
/// resources within a second or two, so 10 requests per second is less than one person reading
/// a page every few seconds, which a small shared host serving many municipal sites bears
/// without notice. Nutch's `byIP` mode (one request per 5 s per address) would take 18 h for the
/// 441 Opendatasoft portals × 30 pages behind one address; at 10 per second that is about half
/// an hour, within a night's cron. A platform fronted by a CDN takes far more: raise it there.
pub const DEFAULT_MAX_REQUESTS_PER_SECOND_PER_IP: f64 = 10.0;

/// The largest accepted `max_requests_per_second_per_ip`: beyond it, the budget no longer
/// protects anything a single machine could send.
pub const MAX_REQUESTS_PER_SECOND_PER_IP: f64 = 100_000.0;

/// The run-wide politeness: how the requests of all targets together are spaced per key.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Politeness {
    /// What a budget is counted per.
    pub key: PolitenessKey,
    /// At most this many requests per second to one key (evenly spaced, no bursts).
    pub max_requests_per_second_per_ip: f64,
}

impl Default for Politeness {
    fn default() -> Self {
        Politeness {
            key: PolitenessKey::Ip,
            max_requests_per_second_per_ip: DEFAULT_MAX_REQUESTS_PER_SECOND_PER_IP,
        }
    }
}
