//! Politeness, how often a host is asked: one rate limiter per host.

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};

/// Keeps at least `delay` between two requests to the same host.
///
/// One limiter per host, so a slow or rate-limited host never holds up requests to another.
pub(crate) struct HostLimiter {
    quota: Option<Quota>,
    limiters: Mutex<HashMap<String, Arc<DefaultDirectRateLimiter>>>,
}

impl HostLimiter {
    /// A limiter allowing one request per `delay` per host; no limit for a zero delay.
    pub(crate) fn new(delay: Duration) -> HostLimiter {
        HostLimiter {
            // A burst of one: the first request goes at once, each next one `delay` later.
            quota: Quota::with_period(delay).map(|q| q.allow_burst(NonZeroU32::MIN)),
            limiters: Mutex::new(HashMap::new()),
        }
    }

    /// Spaces requests to `host` by `delay` from now on, when that is longer than the
    /// limiter's own: a robots.txt `Crawl-delay`.
    pub(crate) fn slow_down(&self, host: &str, delay: Duration) {
        if self.quota.is_some_and(|q| q.replenish_interval() >= delay) {
            return;
        }
        let Some(quota) = Quota::with_period(delay).map(|q| q.allow_burst(NonZeroU32::MIN)) else {
            return;
        };
        let mut limiters = self.limiters.lock().unwrap_or_else(|p| p.into_inner());
        limiters.insert(
            host.to_ascii_lowercase(),
            Arc::new(RateLimiter::direct(quota)),
        );
    }

    /// Waits until a request to `host` is allowed.
    pub(crate) async fn wait(&self, host: &str) {
        let limiter = {
            let mut limiters = self.limiters.lock().unwrap_or_else(|p| p.into_inner());
            let key = host.to_ascii_lowercase();
            match (limiters.get(&key), self.quota) {
                (Some(limiter), _) => limiter.clone(),
                (None, Some(quota)) => limiters
                    .entry(key)
                    .or_insert_with(|| Arc::new(RateLimiter::direct(quota)))
                    .clone(),
                (None, None) => return,
            }
        };
        limiter.until_ready().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ready_now(limiter: &HostLimiter, host: &str) -> bool {
        let limiters = limiter.limiters.lock().unwrap();
        limiters.get(host).is_none_or(|l| l.check().is_ok())
    }

    #[test]
    fn a_crawl_delay_longer_than_the_delay_spaces_that_host_only() {
        let limiter = HostLimiter::new(Duration::from_millis(1));
        limiter.slow_down("Slow.test", Duration::from_secs(60));
        assert!(
            ready_now(&limiter, "slow.test"),
            "the first request goes at once"
        );
        assert!(
            !ready_now(&limiter, "slow.test"),
            "the next one waits for the crawl delay"
        );
        // A shorter Crawl-delay than the target's own delay changes nothing.
        let strict = HostLimiter::new(Duration::from_secs(60));
        strict.slow_down("fast.test", Duration::from_millis(1));
        assert!(!strict.limiters.lock().unwrap().contains_key("fast.test"));
        // With no delay at all, a Crawl-delay still applies.
        let open = HostLimiter::new(Duration::ZERO);
        open.slow_down("slow.test", Duration::from_secs(60));
        assert!(ready_now(&open, "slow.test"));
        assert!(!ready_now(&open, "slow.test"));
    }
}
