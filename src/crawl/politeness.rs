//! Politeness across the whole run: one budget per key (the IP address a request goes to, its
//! host, or its registrable domain), shared by every target.
//!
//! Each target's own limiter ([`super::rate_limit`]) spaces its requests to a host by
//! `delay_ms`; that says nothing about 441 portals of one platform answering from the same
//! few addresses, all crawled at once. This limiter does, as mature crawlers do (Nutch's
//! `fetcher.queue.mode = byIP`, Heritrix's IP politeness): every request of the run, whichever
//! target sends it, first takes a turn on its key, and the turns of one key are spaced by
//! 1 / `max_requests_per_second_per_ip`. A request waits for both.
//!
//! Turns are handed out by reservation (each request books the next free instant of its key and
//! sleeps until then) rather than by `governor`'s `until_ready`: with hundreds of requests
//! waiting on one address, `until_ready` wakes them all at each free instant, one wins and the
//! rest sleep again, in no particular order; a reservation wakes each waiter once, in the order
//! they came, and gives the server evenly spaced requests.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{OnceCell, OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;
use url::{Host, Url};

use crate::types::{Politeness, PolitenessKey};

/// How long a host's address is looked up before its host name stands in as the key (the
/// request itself then fails or waits on its own timeout).
const LOOKUP_TIMEOUT: Duration = Duration::from_secs(10);

/// Hosts whose key is kept; beyond this the cache starts over (a run meeting this many hosts
/// is no longer a list of portals, and a lookup is cheap next to a request).
const MAX_CACHED_HOSTS: usize = 100_000;

/// The run's budget per key, shared by all targets' fetchers and the scheduler of targets.
pub(crate) struct RunLimiter {
    politeness: Politeness,
    /// The least time between two requests to one key.
    period: Duration,
    /// The `--resolve` rules' host names (as URLs write them) and addresses, in order.
    resolve: Vec<(String, IpAddr)>,
    /// Each host's key, looked up once per run (concurrent askers wait for the one lookup).
    keys: Mutex<HashMap<String, Arc<OnceCell<String>>>>,
    /// Each key's next free instant.
    next: Mutex<HashMap<String, Instant>>,
    /// Targets running per key (see [`RunLimiter::admit`]).
    admissions: Mutex<HashMap<String, Arc<Semaphore>>>,
}

impl RunLimiter {
    /// A limiter keyed as `politeness` says; `resolve` are the hosts and addresses of the run's
    /// `--resolve` rules, which decide a host's address before the system resolver does, as
    /// they do for connections.
    pub(crate) fn new(
        politeness: Politeness,
        resolve: impl IntoIterator<Item = (String, IpAddr)>,
    ) -> RunLimiter {
        let rate = politeness.max_requests_per_second_per_ip;
        // Validated by the config and the command line; a library caller's nonsense is no limit.
        let period = if rate.is_finite() && rate > 0.0 {
            Duration::from_secs_f64(1.0 / rate)
        } else {
            Duration::ZERO
        };
        RunLimiter {
            politeness,
            period,
            resolve: resolve.into_iter().collect(),
            keys: Mutex::default(),
            next: Mutex::default(),
            admissions: Mutex::default(),
        }
    }

    /// Waits for `url`'s turn on its key.
    pub(crate) async fn wait(&self, url: &Url) {
        if self.period.is_zero() {
            return;
        }
        let key = self.key_of(url).await;
        let at = self.reserve(&key, Instant::now());
        tokio::time::sleep_until(at).await;
    }

    /// Books the next free instant of `key` at or after `now`.
    fn reserve(&self, key: &str, now: Instant) -> Instant {
        let mut next = self.next.lock().unwrap_or_else(|p| p.into_inner());
        let at = next.get(key).map_or(now, |free| (*free).max(now));
        next.insert(key.to_string(), at + self.period);
        at
    }

    /// What `url`'s requests count against: its address, host or registrable domain. An address
    /// that cannot be found makes the host name the key (the request will fail anyway).
    pub(crate) async fn key_of(&self, url: &Url) -> String {
        let Some(host) = url.host() else {
            return url.as_str().to_string();
        };
        let name = match &host {
            Host::Domain(name) => name.to_ascii_lowercase(),
            Host::Ipv4(v4) => return v4.to_string(),
            Host::Ipv6(v6) => return v6.to_string(),
        };
        match self.politeness.key {
            PolitenessKey::Host => name,
            PolitenessKey::Domain => crate::site::registrable_domain(&name),
            PolitenessKey::Ip => {
                let cell = {
                    let mut keys = self.keys.lock().unwrap_or_else(|p| p.into_inner());
                    if keys.len() >= MAX_CACHED_HOSTS {
                        keys.clear();
                    }
                    keys.entry(name.clone()).or_default().clone()
                };
                let port = url.port_or_known_default().unwrap_or(80);
                cell.get_or_init(|| async {
                    match self.address_of(&name, port).await {
                        Some(ip) => ip.to_string(),
                        None => name.clone(),
                    }
                })
                .await
                .clone()
            }
        }
    }

    /// The address a connection to `host` goes to: a `--resolve` rule's (the last one for the
    /// host, as the HTTP client keeps), else the system resolver's first answer.
    async fn address_of(&self, host: &str, port: u16) -> Option<IpAddr> {
        if let Some((_, addr)) = self.resolve.iter().rev().find(|(name, _)| name == host) {
            return Some(*addr);
        }
        let lookup = tokio::net::lookup_host((host, port));
        match tokio::time::timeout(LOOKUP_TIMEOUT, lookup).await {
            Ok(Ok(mut addrs)) => addrs.next().map(|a| a.ip()),
            _ => None,
        }
    }

    /// Waits until the target starting at `start`, whose own pace is one request per `delay`
    /// to its host with `concurrency` in flight, may start: at most `ceil(budget / pace) + 1`
    /// targets run at once per key, the number whose full paces fill the key's budget, plus
    /// one for the idle moments of each. More would only share the same budget more thinly,
    /// each taking longer, until their `target_timeout_secs` cut them short; waiting here,
    /// their clocks have not started. The permit is held while the target runs.
    pub(crate) async fn admit(
        &self,
        start: &Url,
        delay: Duration,
        concurrency: usize,
    ) -> Option<OwnedSemaphorePermit> {
        if self.period.is_zero() {
            return None;
        }
        let key = self.key_of(start).await;
        let semaphore = {
            let mut admissions = self.admissions.lock().unwrap_or_else(|p| p.into_inner());
            admissions
                .entry(key)
                .or_insert_with(|| {
                    Arc::new(Semaphore::new(self.targets_per_key(delay, concurrency)))
                })
                .clone()
        };
        semaphore.acquire_owned().await.ok()
    }

    /// How many targets at full pace fill one key's budget, plus one. A target's pace is one
    /// request per `delay`, and at most `concurrency` requests per [`TYPICAL_RESPONSE`]: a
    /// target without delay does not send a budget of 100,000 per second alone.
    fn targets_per_key(&self, delay: Duration, concurrency: usize) -> usize {
        let by_delay = if delay.is_zero() {
            f64::INFINITY
        } else {
            1.0 / delay.as_secs_f64()
        };
        let by_latency = concurrency.max(1) as f64 / TYPICAL_RESPONSE.as_secs_f64();
        let pace = by_delay.min(by_latency);
        let filling = (self.politeness.max_requests_per_second_per_ip / pace).ceil();
        // A budget of 100,000/s at an hour's delay is 360 million: far beyond any list.
        (filling.min(1_000_000.0) as usize + 1).max(2)
    }
}

/// How long a request typically takes on the web, to bound a target's pace when it has no
/// delay of its own: 100 ms.
const TYPICAL_RESPONSE: Duration = Duration::from_millis(100);

#[cfg(test)]
mod tests {
    use super::*;

    fn limiter(key: PolitenessKey, rate: f64, resolve: &[&str]) -> RunLimiter {
        // HOST:PORT:ADDR, as --resolve reads them; the port does not choose the address.
        let rules = resolve.iter().map(|rule| {
            let mut parts = rule.split(':');
            let host = parts.next().unwrap().to_string();
            (host, parts.nth(1).unwrap().parse().unwrap())
        });
        RunLimiter::new(
            Politeness {
                key,
                max_requests_per_second_per_ip: rate,
            },
            rules,
        )
    }

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    #[tokio::test]
    async fn keys_are_addresses_hosts_or_domains() {
        let rules = [
            "a.portal.test:80:127.0.0.1",
            "b.portal.test:443:127.0.0.1",
            "c.other.test:80:127.0.0.2",
        ];
        let by_ip = limiter(PolitenessKey::Ip, 10.0, &rules);
        assert_eq!(
            by_ip.key_of(&url("http://A.portal.test/x")).await,
            "127.0.0.1"
        );
        assert_eq!(
            by_ip.key_of(&url("https://b.portal.test/")).await,
            "127.0.0.1"
        );
        assert_eq!(
            by_ip.key_of(&url("http://c.other.test/")).await,
            "127.0.0.2"
        );
        // An address literal is its own key, whatever the mode.
        assert_eq!(
            by_ip.key_of(&url("http://10.1.2.3:8080/")).await,
            "10.1.2.3"
        );
        assert_eq!(by_ip.key_of(&url("http://[::1]/")).await, "::1");
        // A host that cannot be resolved falls back to its name.
        assert_eq!(
            by_ip.key_of(&url("http://no-such-host.invalid/")).await,
            "no-such-host.invalid"
        );

        let by_host = limiter(PolitenessKey::Host, 10.0, &rules);
        assert_eq!(
            by_host.key_of(&url("http://a.portal.test/")).await,
            "a.portal.test"
        );
        assert_eq!(
            by_host.key_of(&url("https://b.portal.test/")).await,
            "b.portal.test"
        );

        let by_domain = limiter(PolitenessKey::Domain, 10.0, &rules);
        assert_eq!(
            by_domain.key_of(&url("http://a.portal.test/")).await,
            "portal.test"
        );
        assert_eq!(
            by_domain.key_of(&url("http://x.bruxelles.be/")).await,
            "bruxelles.be"
        );
    }

    #[test]
    fn turns_of_one_key_are_spaced_and_keys_are_apart() {
        let limiter = limiter(PolitenessKey::Ip, 20.0, &[]);
        let now = Instant::now();
        let period = Duration::from_millis(50);
        // Three requests asking at once get three turns, 50 ms apart, in the order they came.
        assert_eq!(limiter.reserve("127.0.0.1", now), now);
        assert_eq!(limiter.reserve("127.0.0.1", now), now + period);
        assert_eq!(limiter.reserve("127.0.0.1", now), now + 2 * period);
        // Another address has its own budget.
        assert_eq!(limiter.reserve("127.0.0.2", now), now);
        // A request long after the last turn goes at once: no credit is saved up for a burst.
        let later = now + Duration::from_secs(10);
        assert_eq!(limiter.reserve("127.0.0.1", later), later);
        assert_eq!(limiter.reserve("127.0.0.1", later), later + period);
    }

    #[test]
    fn targets_admitted_per_key_fill_the_budget() {
        let limiter = limiter(PolitenessKey::Ip, 10.0, &[]);
        // 10 requests/s at one request per 500 ms each: 5 targets fill it, plus one.
        assert_eq!(limiter.targets_per_key(Duration::from_millis(500), 2), 6);
        // A target without delay fills it alone (2 in flight, ~20/s); two run so that one's
        // pauses are used.
        assert_eq!(limiter.targets_per_key(Duration::ZERO, 2), 2);
        assert_eq!(
            limiter.targets_per_key(Duration::from_secs(3600), 2),
            36_001
        );
        // A budget lifted out of the way lets targets without delay all run.
        let lifted = super::tests::limiter(PolitenessKey::Ip, 100_000.0, &[]);
        assert_eq!(lifted.targets_per_key(Duration::ZERO, 2), 5001);
    }

    #[tokio::test(start_paused = true)]
    async fn waiting_requests_pass_at_the_budget() {
        let limiter = Arc::new(limiter(
            PolitenessKey::Ip,
            4.0,
            &[
                "a.test:80:127.0.0.1",
                "b.test:80:127.0.0.1",
                "c.test:80:127.0.0.3",
            ],
        ));
        let started = Instant::now();
        let mut tasks = Vec::new();
        for host in ["a.test", "b.test", "a.test", "b.test", "c.test"] {
            let limiter = limiter.clone();
            let url = url(&format!("http://{host}/"));
            tasks.push(tokio::spawn(async move {
                limiter.wait(&url).await;
                Instant::now() - started
            }));
        }
        let mut at = Vec::new();
        for task in tasks {
            at.push(task.await.unwrap());
        }
        let mut shared: Vec<Duration> = at[..4].to_vec();
        shared.sort();
        // Four requests on 127.0.0.1 at 4/s: 0, 250, 500, 750 ms; c.test on its own address.
        assert_eq!(
            shared,
            [0, 250, 500, 750].map(Duration::from_millis).to_vec()
        );
        assert_eq!(at[4], Duration::ZERO);
    }
}
