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

    /// Waits until a request to `host` is allowed.
    pub(crate) async fn wait(&self, host: &str) {
        let Some(quota) = self.quota else { return };
        let limiter = {
            let mut limiters = self.limiters.lock().unwrap_or_else(|p| p.into_inner());
            limiters
                .entry(host.to_ascii_lowercase())
                .or_insert_with(|| Arc::new(RateLimiter::direct(quota)))
                .clone()
        };
        limiter.until_ready().await;
    }
}
