//! What the crawl of one target produced: its pages, its links to a charter, why it ended.

use std::time::Duration;

use url::Url;

use super::stop::StopReason;
use crate::types::Page;

/// A link whose text or URL mentions cookies: a candidate for the site's cookie charter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CookieLink {
    /// Where it points.
    pub url: Url,
    /// Its text, whitespace collapsed.
    pub text: String,
    /// The page it was found on.
    pub found_on: Url,
}

/// One page taken from the frontier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PageVisit {
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

impl PageVisit {
    /// A page as taken from the frontier, before anything is known of it.
    pub(super) fn queued(url: Url, depth: u32) -> PageVisit {
        PageVisit {
            url,
            status: None,
            depth,
            error: None,
            final_url: None,
            redirects: 0,
            bytes: 0,
            truncated: false,
        }
    }
}

/// The report's page: the visit as it went, in no consent phase.
impl From<PageVisit> for Page {
    fn from(visit: PageVisit) -> Page {
        Page {
            url: visit.url.to_string(),
            status: visit.status,
            depth: visit.depth,
            error: visit.error,
            final_url: visit.final_url.map(|u| u.to_string()),
            redirects: visit.redirects,
            bytes: visit.bytes,
            truncated: visit.truncated,
            phase: None,
        }
    }
}

/// What the crawl of one target produced, cookies apart (they went to the sink).
#[derive(Debug, Clone)]
pub(crate) struct CrawlOutcome {
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
    /// Why the crawl ended before its frontier was done, if it did.
    pub stopped: Option<StopReason>,
}

impl CrawlOutcome {
    /// A target that could not be audited: no page, no request, and why.
    pub(crate) fn failed(why: String) -> CrawlOutcome {
        CrawlOutcome {
            pages: Vec::new(),
            requests: 0,
            subresources: 0,
            cookie_links: Vec::new(),
            duration: Duration::ZERO,
            failure: Some(why),
            stopped: None,
        }
    }
}
