//! Which addresses a target's crawl may connect to. A portal's page, redirect or sub-resource
//! must not make the auditor fetch its own machine or network (`http://127.0.0.1:9200/`, the
//! cloud metadata service at 169.254.169.254, an intranet at 10.0.0.5): their answers and
//! cookies would end up in a report that is forwarded outside. Loopback, private, link-local,
//! shared and unspecified addresses are refused, checked after DNS (a public name resolving
//! inward is caught), unless the user vouched for the host: a `--resolve` rule names it, the
//! target's start URL names it, or the target says `allow_private_addresses = true`.

use std::collections::HashSet;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};

use url::{Host, Url};

use crate::types::RefusedRequest;

/// Most refused requests kept per target; the count goes on beyond it.
const MAX_KEPT: usize = 100;

/// What kind of internal address `ip` is, if it is one the crawl must not reach unasked.
pub(crate) fn internal_kind(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => internal_v4(v4),
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return internal_v4(v4);
            }
            let first = v6.segments()[0];
            if v6.is_loopback() {
                Some("loopback")
            } else if v6.is_unspecified() {
                Some("unspecified")
            } else if first & 0xfe00 == 0xfc00 {
                Some("private (unique local)")
            } else if first & 0xffc0 == 0xfe80 {
                Some("link-local")
            } else {
                None
            }
        }
    }
}

fn internal_v4(v4: Ipv4Addr) -> Option<&'static str> {
    let [a, b, ..] = v4.octets();
    if v4.is_loopback() {
        Some("loopback")
    } else if v4.is_unspecified() || a == 0 {
        Some("unspecified")
    } else if v4.is_private() {
        Some("private")
    } else if v4.is_link_local() {
        Some("link-local")
    } else if a == 100 && (64..128).contains(&b) {
        Some("shared (carrier-grade NAT)")
    } else {
        None
    }
}

/// Why a request was not sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Refused {
    /// The host asked for.
    pub host: String,
    /// The address it is or resolved to.
    pub addr: IpAddr,
    /// Loopback, private…
    pub kind: &'static str,
}

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let literal = self.host.trim_matches(['[', ']']).parse::<IpAddr>().is_ok();
        if literal {
            write!(f, "refused: {} is a {} address", self.host, self.kind)?;
        } else {
            write!(
                f,
                "refused: {} resolves to {}, a {} address",
                self.host, self.addr, self.kind
            )?;
        }
        write!(
            f,
            "; internal addresses are reached only for the start URL's host, a --resolve rule \
             or allow_private_addresses = true"
        )
    }
}

impl std::error::Error for Refused {}

/// One target's rule for addresses.
#[derive(Debug, Clone, Default)]
pub(crate) struct AddressPolicy {
    allow_all: bool,
    /// Lower-case host names (and IP literals as written in URLs) the user vouched for.
    vouched: HashSet<String>,
}

impl AddressPolicy {
    /// The policy of a target starting at `start`, with the hosts of the run's `--resolve` rules.
    pub(crate) fn for_target<'h>(
        start: &Url,
        resolved: impl IntoIterator<Item = &'h str>,
        allow_private: bool,
    ) -> Self {
        let mut vouched: HashSet<String> = resolved.into_iter().map(str::to_lowercase).collect();
        if let Some(host) = start.host() {
            vouched.insert(host_key(&host));
        }
        AddressPolicy {
            allow_all: allow_private,
            vouched,
        }
    }

    /// Whether nothing is refused (`allow_private_addresses = true`).
    pub(crate) fn allows_everything(&self) -> bool {
        self.allow_all
    }

    /// Whether `host` (a name, or an address as URLs write it) may reach internal addresses.
    pub(crate) fn vouched(&self, host: &str) -> bool {
        self.allow_all || self.vouched.contains(&host.to_lowercase())
    }

    /// Refuses `url` when its host is an internal address literal not vouched for. Names are
    /// checked when resolved ([`AddressPolicy::filter`]).
    pub(crate) fn check_url(&self, url: &Url) -> Result<(), Refused> {
        let ip = match url.host() {
            Some(Host::Ipv4(v4)) => IpAddr::V4(v4),
            Some(Host::Ipv6(v6)) => IpAddr::V6(v6),
            _ => return Ok(()),
        };
        let host = url.host().map(|h| host_key(&h)).unwrap_or_default();
        match internal_kind(ip) {
            Some(kind) if !self.vouched(&host) => Err(Refused {
                host,
                addr: ip,
                kind,
            }),
            _ => Ok(()),
        }
    }

    /// The addresses of `host` the crawl may connect to: all of them when vouched, else the
    /// public ones; an error when none is left.
    pub(crate) fn filter(
        &self,
        host: &str,
        addrs: Vec<SocketAddr>,
    ) -> Result<Vec<SocketAddr>, Refused> {
        if self.vouched(host) {
            return Ok(addrs);
        }
        let first_internal = addrs
            .iter()
            .find_map(|a| internal_kind(a.ip()).map(|kind| (a.ip(), kind)));
        let public: Vec<SocketAddr> = addrs
            .into_iter()
            .filter(|a| internal_kind(a.ip()).is_none())
            .collect();
        match (public.is_empty(), first_internal) {
            (true, Some((addr, kind))) => Err(Refused {
                host: host.to_string(),
                addr,
                kind,
            }),
            _ => Ok(public),
        }
    }
}

/// A host as the policy keys it: names lower-cased, IPv6 in brackets as URLs write them.
fn host_key(host: &Host<&str>) -> String {
    match host {
        Host::Domain(name) => name.to_lowercase(),
        Host::Ipv4(v4) => v4.to_string(),
        Host::Ipv6(v6) => format!("[{v6}]"),
    }
}

/// The refused requests of one target, from every engine and phase: bounded, counted beyond.
#[derive(Debug, Default)]
pub(crate) struct RefusalLog {
    inner: Mutex<(Vec<RefusedRequest>, u64)>,
}

impl RefusalLog {
    /// Notes a refused request.
    pub(crate) fn record(&self, url: &str, reason: String) {
        let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        inner.1 += 1;
        if inner.0.len() < MAX_KEPT && !inner.0.iter().any(|r| r.url == url) {
            inner.0.push(RefusedRequest {
                url: url.to_string(),
                reason,
            });
        }
    }

    /// What was refused (at most 100, each URL once) and how many refusals there were.
    pub(crate) fn take(&self) -> (Vec<RefusedRequest>, u64) {
        let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        (std::mem::take(&mut inner.0), std::mem::take(&mut inner.1))
    }
}

/// A target's policy and where its refusals go, shared by its HTTP fetches and its browser
/// contexts.
#[derive(Debug, Clone)]
pub(crate) struct TargetGuard {
    /// What may be reached.
    pub policy: Arc<AddressPolicy>,
    /// What was refused.
    pub refused: Arc<RefusalLog>,
}

impl TargetGuard {
    /// A guard with `policy` and an empty log.
    pub(crate) fn new(policy: AddressPolicy) -> TargetGuard {
        TargetGuard {
            policy: Arc::new(policy),
            refused: Arc::default(),
        }
    }
}

/// reqwest's DNS resolution, with the policy applied to what the system resolver answers.
pub(crate) struct GuardedResolver {
    pub(crate) policy: Arc<AddressPolicy>,
}

impl reqwest::dns::Resolve for GuardedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let policy = self.policy.clone();
        let host = name.as_str().to_string();
        Box::pin(async move {
            let addrs: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let allowed = policy.filter(&host, addrs)?;
            let iter: reqwest::dns::Addrs = Box::new(allowed.into_iter());
            Ok(iter)
        })
    }
}

/// The refusal inside a request error's chain, if that is why it failed.
pub(crate) fn refusal_in<'e>(error: &'e (dyn std::error::Error + 'static)) -> Option<&'e Refused> {
    let mut current = Some(error);
    while let Some(e) = current {
        if let Some(refused) = e.downcast_ref::<Refused>() {
            return Some(refused);
        }
        current = e.source();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_addresses_are_named() {
        let kind = |s: &str| internal_kind(s.parse().unwrap());
        assert_eq!(kind("127.0.0.1"), Some("loopback"));
        assert_eq!(kind("10.1.2.3"), Some("private"));
        assert_eq!(kind("192.168.0.1"), Some("private"));
        assert_eq!(kind("172.16.0.1"), Some("private"));
        assert_eq!(kind("169.254.169.254"), Some("link-local"));
        assert_eq!(kind("0.0.0.0"), Some("unspecified"));
        assert_eq!(kind("100.64.0.1"), Some("shared (carrier-grade NAT)"));
        assert_eq!(kind("::1"), Some("loopback"));
        assert_eq!(kind("::ffff:127.0.0.1"), Some("loopback"));
        assert_eq!(kind("fd00::1"), Some("private (unique local)"));
        assert_eq!(kind("fe80::1"), Some("link-local"));
        assert_eq!(kind("93.184.216.34"), None);
        assert_eq!(kind("2606:2800:220:1::1"), None);
    }

    #[test]
    fn only_the_start_url_and_resolve_rules_vouch_for_internal_hosts() {
        let start = Url::parse("http://intranet.test:8080/").unwrap();
        let policy = AddressPolicy::for_target(&start, ["cdn.test"], false);
        let local: SocketAddr = "127.0.0.1:80".parse().unwrap();
        let public: SocketAddr = "93.184.216.34:80".parse().unwrap();
        assert!(policy.filter("intranet.test", vec![local]).is_ok());
        assert!(policy.filter("CDN.test", vec![local]).is_ok());
        let refused = policy.filter("evil.example", vec![local]).unwrap_err();
        assert_eq!(refused.kind, "loopback");
        assert!(
            refused
                .to_string()
                .contains("evil.example resolves to 127.0.0.1, a loopback"),
            "{refused}"
        );
        // A name with a public address keeps only that one.
        assert_eq!(
            policy.filter("mixed.example", vec![local, public]).unwrap(),
            vec![public]
        );
        // Literals in pages are not vouched for, even on the same machine.
        let literal = Url::parse("http://127.0.0.1:9200/_cat").unwrap();
        assert!(policy.check_url(&literal).is_err());
        assert!(
            policy
                .check_url(&Url::parse("http://[::1]/").unwrap())
                .is_err()
        );
        assert!(
            policy
                .check_url(&Url::parse("http://93.184.216.34/").unwrap())
                .is_ok()
        );
        // ...unless the start URL is that literal, or the target allows it all.
        let own = AddressPolicy::for_target(&literal, [], false);
        assert!(own.check_url(&literal).is_ok());
        let open = AddressPolicy::for_target(&start, [], true);
        assert!(open.check_url(&literal).is_ok());
        assert!(open.filter("evil.example", vec![local]).is_ok());
    }

    #[test]
    fn the_log_keeps_each_url_once_and_counts_all() {
        let log = RefusalLog::default();
        for _ in 0..3 {
            log.record("http://127.0.0.1/", "refused".into());
        }
        for i in 0..200 {
            log.record(&format!("http://10.0.0.1/{i}"), "refused".into());
        }
        let (kept, count) = log.take();
        assert_eq!(count, 203);
        assert_eq!(kept.len(), MAX_KEPT);
    }
}
