//! The frontier: which pages of the site are still to be visited, breadth first.

use std::collections::{HashSet, VecDeque};

use url::Url;

use crate::site::Site;

/// A page waiting to be visited.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Queued {
    /// The normalised URL.
    pub url: Url,
    /// Link distance from the start pages.
    pub depth: u32,
}

/// A first-in, first-out queue of same-site URLs, each accepted once.
///
/// Every accepted URL is visited and counts against the page budget, so the frontier accepts at
/// most `budget` URLs: its memory is bounded by the budget, however many links a site has
/// (a calendar that links to the next month forever included).
#[derive(Debug)]
pub struct Frontier {
    site: Site,
    max_depth: u32,
    budget: usize,
    accepted: usize,
    queue: VecDeque<Queued>,
    seen: HashSet<String>,
}

impl Frontier {
    /// An empty frontier for `site`, accepting URLs up to `max_depth` and at most `budget` of them.
    pub fn new(site: Site, max_depth: u32, budget: usize) -> Frontier {
        Frontier {
            site,
            max_depth,
            budget,
            accepted: 0,
            queue: VecDeque::new(),
            seen: HashSet::new(),
        }
    }

    /// Queues `url` unless it is off-site, too deep, already known, or the budget is spent.
    pub fn push(&mut self, url: Url, depth: u32) -> bool {
        if depth > self.max_depth || self.accepted >= self.budget || !self.site.contains(&url) {
            return false;
        }
        if !self.seen.insert(url.as_str().to_string()) {
            return false;
        }
        self.accepted += 1;
        self.queue.push_back(Queued { url, depth });
        true
    }

    /// Remembers a URL reached another way (the end of a redirect) so it is not queued later.
    pub fn mark_seen(&mut self, url: &Url) {
        self.seen.insert(url.as_str().to_string());
    }

    /// The next page to visit: shallower pages first, then in the order they were found.
    pub fn pop(&mut self) -> Option<Queued> {
        self.queue.pop_front()
    }

    /// True when the budget allows no further URL.
    pub fn is_full(&self) -> bool {
        self.accepted >= self.budget
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    fn frontier(budget: usize) -> Frontier {
        Frontier::new(
            Site::of(&url("https://www.portal.test/")).unwrap(),
            2,
            budget,
        )
    }

    #[test]
    fn accepts_each_same_site_url_once_in_fifo_order() {
        let mut f = frontier(10);
        assert!(f.push(url("https://www.portal.test/"), 0));
        assert!(f.push(url("https://data.portal.test/a"), 1));
        assert!(!f.push(url("https://www.portal.test/"), 1), "duplicate");
        assert!(!f.push(url("https://tracker.test/"), 1), "off-site");
        assert!(!f.push(url("https://www.portal.test/deep"), 3), "too deep");
        assert_eq!(f.pop().unwrap().url.as_str(), "https://www.portal.test/");
        assert_eq!(f.pop().unwrap().depth, 1);
        assert_eq!(f.pop(), None);
    }

    #[test]
    fn the_budget_bounds_what_is_accepted_even_for_endless_links() {
        let mut f = frontier(5);
        let accepted = (0..10_000)
            .filter(|n| {
                f.push(
                    url(&format!("https://www.portal.test/calendar?page={n}")),
                    1,
                )
            })
            .count();
        assert_eq!(accepted, 5);
        assert!(f.is_full());
    }

    #[test]
    fn redirect_targets_are_not_queued_again() {
        let mut f = frontier(5);
        f.mark_seen(&url("https://www.portal.test/pages/home/"));
        assert!(!f.push(url("https://www.portal.test/pages/home/"), 1));
    }
}
