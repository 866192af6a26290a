//! Politeness, what a host allows: its robots.txt, read once per origin and shared by the
//! target's requests.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use texting_robots::Robot;
use tokio::sync::OnceCell;
use url::Url;

use super::fetch::{BodyPolicy, FetchError, Fetched, Fetcher};

/// The product token matched against `User-agent:` lines of robots.txt.
pub(crate) const ROBOTS_AGENT: &str = "cookie-audit";

/// What one origin's robots.txt allows.
#[derive(Debug)]
pub(crate) enum RobotsRules {
    /// No usable robots.txt (missing, 4xx, unreadable): everything is allowed (RFC 9309 §2.3.1.3).
    AllowAll,
    /// robots.txt answered with a server error: nothing is allowed (RFC 9309 §2.3.1.4).
    DisallowAll(String),
    /// The host could not be reached at all (DNS, refused, TLS, timeout): nothing is allowed,
    /// and the reason is why the host is unreachable.
    Unreachable(String),
    /// The rules of the file.
    Rules(Box<Robot>),
}

impl RobotsRules {
    /// Why `url` may not be fetched, or `None` when it may.
    pub(crate) fn refusal(&self, url: &Url) -> Option<String> {
        match self {
            RobotsRules::AllowAll => None,
            RobotsRules::DisallowAll(why) => Some(format!("not fetched: {why}")),
            RobotsRules::Unreachable(why) => {
                Some(format!("not fetched: robots.txt unreachable ({why})"))
            }
            RobotsRules::Rules(robot) => (!robot.allowed(url.as_str()))
                .then(|| "not fetched: disallowed by robots.txt".to_string()),
        }
    }

    /// Sitemaps the file names.
    pub(crate) fn sitemaps(&self) -> &[String] {
        match self {
            RobotsRules::Rules(robot) => &robot.sitemaps,
            _ => &[],
        }
    }
}

/// The rules of each origin, fetched once.
#[derive(Default)]
pub(crate) struct RobotsCache {
    by_origin: Mutex<HashMap<String, Arc<OnceCell<Arc<RobotsRules>>>>>,
}

/// The rules for a URL, and the robots.txt fetch when this call made it (its cookies count).
pub(crate) struct RobotsAnswer {
    /// The origin's rules.
    pub rules: Arc<RobotsRules>,
    /// The fetch of robots.txt, for the one caller that made it.
    pub fetched: Option<Fetched>,
}

impl RobotsCache {
    /// The rules for `url`'s origin, fetching its robots.txt the first time it is asked for.
    pub(crate) async fn rules_for(&self, url: &Url, fetcher: &Fetcher) -> RobotsAnswer {
        let origin = url.origin().ascii_serialization();
        let cell = {
            let mut map = self.by_origin.lock().unwrap_or_else(|p| p.into_inner());
            map.entry(origin.clone()).or_default().clone()
        };
        let mut fetched = None;
        let rules = cell
            .get_or_init(|| async {
                let Ok(robots_url) = Url::parse(&format!("{origin}/robots.txt")) else {
                    return Arc::new(RobotsRules::AllowAll);
                };
                let response = fetcher.fetch(&robots_url, BodyPolicy::Any).await;
                let rules = Arc::new(rules_from(&response));
                if let (RobotsRules::Rules(robot), Some(host)) = (&*rules, url.host_str())
                    && let Some(seconds) = robot.delay
                {
                    fetcher.respect_crawl_delay(host, seconds);
                }
                fetched = Some(response);
                rules
            })
            .await
            .clone();
        RobotsAnswer { rules, fetched }
    }
}

fn rules_from(response: &Fetched) -> RobotsRules {
    match (&response.error, response.status()) {
        (Some(FetchError::Transport(why)), None) => RobotsRules::Unreachable(why.clone()),
        (_, Some(status)) if status >= 500 => {
            RobotsRules::DisallowAll(format!("robots.txt answered HTTP {status}"))
        }
        (_, Some(status)) if (200..300).contains(&status) => {
            match Robot::new(ROBOTS_AGENT, &response.body) {
                Ok(robot) => RobotsRules::Rules(Box::new(robot)),
                Err(_) => RobotsRules::AllowAll,
            }
        }
        // 4xx, or a redirect chain that went nowhere: as if there were no file.
        _ => RobotsRules::AllowAll,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn robots_rules_match_our_agent() {
        let robot = Robot::new(
            ROBOTS_AGENT,
            b"User-agent: *\nDisallow: /private/\n\nSitemap: https://p.test/sm.xml\n",
        )
        .unwrap();
        let rules = RobotsRules::Rules(Box::new(robot));
        assert!(
            rules
                .refusal(&Url::parse("https://p.test/private/x").unwrap())
                .is_some()
        );
        assert!(
            rules
                .refusal(&Url::parse("https://p.test/public").unwrap())
                .is_none()
        );
        assert_eq!(rules.sitemaps(), ["https://p.test/sm.xml"]);
        let down = RobotsRules::DisallowAll("robots.txt answered HTTP 503".into());
        assert!(
            down.refusal(&Url::parse("https://p.test/").unwrap())
                .unwrap()
                .contains("503")
        );
    }
}
