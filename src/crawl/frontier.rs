//! The frontier: which pages of the site are still to be visited, shallowest first.

use std::collections::{BTreeMap, HashMap, HashSet};

use url::Url;

use crate::site::Site;

/// A page waiting to be visited.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Queued {
    /// The normalised URL.
    pub url: Url,
    /// Link distance from the start pages.
    pub depth: u32,
}

/// A queue of same-site URLs, each visited once, shallowest first, then in the order found.
///
/// Pages finish out of order when several are in flight, so a slow page's links may arrive after
/// deeper ones. Ordering the queue by depth keeps the crawl breadth first all the same, and a
/// shallower URL found late displaces the deepest one queued when the page budget is short.
/// The queue never holds more URLs than the budget has left, so its memory is bounded whatever
/// the site does (a calendar that links to the next month forever included). A path also gets
/// only so many distinct query strings, so that such a calendar cannot take the whole budget.
#[derive(Debug)]
pub(crate) struct Frontier {
    site: Site,
    max_depth: u32,
    budget: usize,
    popped: usize,
    next_seq: u64,
    queue: BTreeMap<(u32, u64), Url>,
    /// URLs queued or visited: never queued twice.
    seen: HashSet<String>,
    /// Most URLs with a query string queued per path.
    queries_per_path: usize,
    /// URLs with a query string queued so far, per path (scheme, host and port included).
    queries: HashMap<String, usize>,
}

impl Frontier {
    /// An empty frontier for `site`, visiting pages up to `max_depth`, at most `budget` of them.
    pub(crate) fn new(site: Site, max_depth: u32, budget: usize) -> Frontier {
        Frontier {
            site,
            max_depth,
            budget,
            popped: 0,
            next_seq: 0,
            queue: BTreeMap::new(),
            seen: HashSet::new(),
            queries_per_path: usize::MAX,
            queries: HashMap::new(),
        }
    }

    /// Queues at most `limit` distinct query strings per path (the path without a query is
    /// always welcome).
    pub(crate) fn with_query_budget(mut self, limit: usize) -> Frontier {
        self.queries_per_path = limit;
        self
    }

    /// Queues `url` unless it is off-site, too deep, already known, or deeper than everything
    /// the remaining budget can still visit.
    pub(crate) fn push(&mut self, url: Url, depth: u32) -> bool {
        if depth > self.max_depth || !self.site.contains(&url) || self.seen.contains(url.as_str()) {
            return false;
        }
        let path_key = url.query().map(|_| path_of(&url));
        if let Some(key) = &path_key
            && self.queries.get(key).copied().unwrap_or(0) >= self.queries_per_path
        {
            return false;
        }
        let room = self.budget.saturating_sub(self.popped);
        if self.queue.len() >= room {
            match self.queue.last_key_value() {
                Some((&(deepest, _), _)) if depth < deepest => {
                    if let Some((_, evicted)) = self.queue.pop_last() {
                        // Forgotten, so that a shallower link to it may queue it again.
                        self.seen.remove(evicted.as_str());
                        if evicted.query().is_some()
                            && let Some(count) = self.queries.get_mut(&path_of(&evicted))
                        {
                            *count = count.saturating_sub(1);
                        }
                    }
                }
                _ => return false,
            }
        }
        if let Some(key) = path_key {
            *self.queries.entry(key).or_default() += 1;
        }
        self.seen.insert(url.as_str().to_string());
        self.queue.insert((depth, self.next_seq), url);
        self.next_seq += 1;
        true
    }

    /// Remembers a URL reached another way (the end of a redirect) so it is not queued later.
    pub(crate) fn mark_seen(&mut self, url: &Url) {
        self.seen.insert(url.as_str().to_string());
    }

    /// The next page to visit, while the budget lasts.
    pub(crate) fn pop(&mut self) -> Option<Queued> {
        if self.popped >= self.budget {
            return None;
        }
        let ((depth, _), url) = self.queue.pop_first()?;
        self.popped += 1;
        Some(Queued { url, depth })
    }
}

/// The URL without its query and fragment: what the query budget counts by.
fn path_of(url: &Url) -> String {
    let mut path = url.clone();
    path.set_query(None);
    path.set_fragment(None);
    path.into()
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
            3,
            budget,
        )
    }

    #[test]
    fn accepts_each_same_site_url_once_shallowest_first() {
        let mut f = frontier(10);
        assert!(f.push(url("https://www.portal.test/deeper"), 2));
        assert!(f.push(url("https://www.portal.test/"), 0));
        assert!(f.push(url("https://data.portal.test/a"), 1));
        assert!(!f.push(url("https://www.portal.test/"), 1), "duplicate");
        assert!(!f.push(url("https://tracker.test/"), 1), "off-site");
        assert!(
            !f.push(url("https://www.portal.test/too-deep"), 4),
            "too deep"
        );
        assert_eq!(f.pop().unwrap().url.as_str(), "https://www.portal.test/");
        assert_eq!(f.pop().unwrap().depth, 1);
        assert_eq!(f.pop().unwrap().depth, 2);
        assert_eq!(f.pop(), None);
        assert!(
            !f.push(url("https://www.portal.test/"), 0),
            "visited pages stay known"
        );
    }

    #[test]
    fn the_budget_bounds_visits_and_memory_even_for_endless_links() {
        let mut f = frontier(5);
        for n in 0..10_000 {
            f.push(
                url(&format!("https://www.portal.test/calendar?page={n}")),
                1,
            );
        }
        assert_eq!(f.queue.len(), 5);
        assert_eq!(f.seen.len(), 5);
        let visited = std::iter::from_fn(|| f.pop()).count();
        assert_eq!(visited, 5);
        assert!(
            !f.push(url("https://www.portal.test/late"), 1),
            "budget spent"
        );
    }

    #[test]
    fn a_path_gets_only_its_budget_of_query_strings() {
        let mut f = frontier(100).with_query_budget(3);
        for n in 0..50 {
            f.push(
                url(&format!("https://www.portal.test/calendar?page={n}")),
                1,
            );
        }
        assert!(
            f.push(url("https://www.portal.test/calendar"), 1),
            "no query"
        );
        assert!(f.push(url("https://www.portal.test/other?page=1"), 1));
        assert!(!f.push(url("https://www.portal.test/calendar?page=99#x"), 1));
        let calendar = std::iter::from_fn(|| f.pop())
            .filter(|q| q.url.path() == "/calendar" && q.url.query().is_some())
            .count();
        assert_eq!(calendar, 3);
    }

    #[test]
    fn a_shallow_url_found_late_displaces_a_deeper_one() {
        let mut f = frontier(3);
        assert!(f.push(url("https://www.portal.test/"), 0));
        assert_eq!(f.pop().unwrap().depth, 0);
        assert!(f.push(url("https://www.portal.test/d3-a"), 3));
        assert!(f.push(url("https://www.portal.test/d3-b"), 3));
        assert!(
            !f.push(url("https://www.portal.test/d3-c"), 3),
            "no room at the same depth"
        );
        assert!(
            f.push(url("https://www.portal.test/d1"), 1),
            "shallower wins a place"
        );
        let order: Vec<String> = std::iter::from_fn(|| f.pop())
            .map(|q| q.url.path().to_string())
            .collect();
        assert_eq!(order, ["/d1", "/d3-a"]);
    }

    #[test]
    fn redirect_targets_are_not_queued_again() {
        let mut f = frontier(5);
        f.mark_seen(&url("https://www.portal.test/pages/home/"));
        assert!(!f.push(url("https://www.portal.test/pages/home/"), 1));
    }
}
