//! Sites and parties: which host belongs to which registrable domain.
//!
//! Browsers decide "same site" on registrable domains (eTLD+1 by the Public Suffix List), not on
//! host names, so `www.example.be` and `data.example.be` are one site while `example.be` and
//! `tracker.com` are two. The audit uses the same rule for the crawl scope and for a cookie's party.

use serde::{Deserialize, Serialize};
use url::Url;

/// Whether a cookie belongs to the audited site or to someone else.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Party {
    /// The cookie's registrable domain is the target's.
    First,
    /// Any other registrable domain.
    Third,
}

/// The registrable domain of `host` (lowercase, no trailing dot).
///
/// The list has no answer for IP addresses, `localhost` or hosts that are themselves public
/// suffixes; the host itself is then its own site, which is what browsers do too.
pub fn registrable_domain(host: &str) -> String {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    let host = host.trim_start_matches('[').trim_end_matches(']');
    if host.parse::<std::net::IpAddr>().is_ok() {
        return host.to_string();
    }
    match psl::domain_str(host) {
        Some(domain) => domain.to_string(),
        None => host.to_string(),
    }
}

/// The audited site of one target: the registrable domain of its start URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Site {
    registrable: String,
}

impl Site {
    /// The site that `url` belongs to; `None` for URLs without a host.
    pub fn of(url: &Url) -> Option<Site> {
        url.host_str().map(|host| Site {
            registrable: registrable_domain(host),
        })
    }

    /// The registrable domain, e.g. `bruxelles.be`.
    pub fn registrable_domain(&self) -> &str {
        &self.registrable
    }

    /// True when `host` belongs to this site.
    pub fn contains_host(&self, host: &str) -> bool {
        registrable_domain(host) == self.registrable
    }

    /// True when `url` is an http(s) URL on this site. The scheme is not compared: portals link
    /// to their own `http://` pages, which redirect to `https://`, and both set the site's cookies.
    pub fn contains(&self, url: &Url) -> bool {
        matches!(url.scheme(), "http" | "https")
            && url.host_str().is_some_and(|host| self.contains_host(host))
    }

    /// The party of a cookie whose domain (the `Domain` attribute, or the host that set a
    /// host-only cookie) is `cookie_domain`.
    pub fn party_of(&self, cookie_domain: &str) -> Party {
        if self.contains_host(cookie_domain.trim_start_matches('.')) {
            Party::First
        } else {
            Party::Third
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registrable_domain_follows_the_public_suffix_list() {
        assert_eq!(registrable_domain("opendata.bruxelles.be"), "bruxelles.be");
        assert_eq!(registrable_domain("WWW.Opendata56.FR."), "opendata56.fr");
        // co.uk is a public suffix: the registrable domain keeps one more label.
        assert_eq!(registrable_domain("a.b.example.co.uk"), "example.co.uk");
        // opendatasoft.com portals share one registrable domain.
        assert_eq!(
            registrable_domain("ares-digitalwallonia.opendatasoft.com"),
            "opendatasoft.com"
        );
    }

    #[test]
    fn hosts_the_list_cannot_answer_are_their_own_site() {
        assert_eq!(registrable_domain("127.0.0.1"), "127.0.0.1");
        assert_eq!(registrable_domain("[::1]"), "::1");
        assert_eq!(registrable_domain("localhost"), "localhost");
        // A host that is itself a public suffix.
        assert_eq!(registrable_domain("co.uk"), "co.uk");
    }

    #[test]
    fn party_is_decided_on_registrable_domains() {
        let site = Site::of(&Url::parse("https://opendata.bruxelles.be/").unwrap()).unwrap();
        assert_eq!(site.party_of("opendata.bruxelles.be"), Party::First);
        assert_eq!(site.party_of(".bruxelles.be"), Party::First);
        assert_eq!(site.party_of("www.bruxelles.be"), Party::First);
        assert_eq!(site.party_of("google-analytics.com"), Party::Third);
        assert_eq!(site.party_of("bruxelles.be.evil.com"), Party::Third);
    }

    #[test]
    fn scope_accepts_both_schemes_of_the_same_site_only() {
        let site = Site::of(&Url::parse("https://www.portal.test/").unwrap()).unwrap();
        assert!(site.contains(&Url::parse("http://data.portal.test/x").unwrap()));
        assert!(!site.contains(&Url::parse("https://cdn.tracker.test/x").unwrap()));
        assert!(!site.contains(&Url::parse("ftp://www.portal.test/x").unwrap()));
    }
}
