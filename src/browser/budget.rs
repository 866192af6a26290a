//! The run's budget of open tabs, shared by every browser target.
//!
//! Each open tab costs a renderer's memory (measured in BENCHMARKS.md) and a share of the
//! browser process, which serves every tab's protocol traffic on one thread: past a few tabs
//! per core, more tabs only queue there. The budget bounds both, whatever the number of targets.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Memory one more tab may take on a real page: a renderer with a heavy portal's scripts.
const MEMORY_PER_TAB: u64 = 256 * 1024 * 1024;
/// Tabs per core: loading pages waits on the network and the browser process as much as on
/// the renderer, so a core keeps a few busy.
const TABS_PER_CORE: usize = 4;
/// Bounds of the default.
const MIN_TABS: usize = 2;
const MAX_DEFAULT_TABS: usize = 64;

/// The default number of tabs: four per core, fewer when the memory available would not hold
/// them at 256 MB each; between 2 and 64.
pub(crate) fn default_max_tabs() -> usize {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let by_cores = cores.saturating_mul(TABS_PER_CORE);
    let by_memory = available_memory().map_or(usize::MAX, |bytes| {
        usize::try_from(bytes / MEMORY_PER_TAB).unwrap_or(usize::MAX)
    });
    by_cores.min(by_memory).clamp(MIN_TABS, MAX_DEFAULT_TABS)
}

/// `MemAvailable` of `/proc/meminfo`, in bytes, where there is one.
fn available_memory() -> Option<u64> {
    let meminfo = std::fs::read_to_string("/proc/meminfo").ok()?;
    let kb: u64 = meminfo
        .lines()
        .find_map(|line| line.strip_prefix("MemAvailable:"))?
        .split_whitespace()
        .next()?
        .parse()
        .ok()?;
    Some(kb * 1024)
}

/// The run's tabs: a permit per open tab, handed out first come, first served.
#[derive(Debug)]
pub(crate) struct TabBudget {
    permits: Arc<Semaphore>,
    waiting: AtomicUsize,
    size: usize,
}

/// One open tab's share of the budget, given back when dropped.
#[derive(Debug)]
pub(crate) struct TabPermit(#[allow(dead_code)] OwnedSemaphorePermit);

impl TabBudget {
    /// A budget of `size` tabs (at least one).
    pub(crate) fn new(size: usize) -> TabBudget {
        let size = size.max(1);
        TabBudget {
            permits: Arc::new(Semaphore::new(size)),
            waiting: AtomicUsize::new(0),
            size,
        }
    }

    /// How many tabs may be open at once.
    pub(crate) fn size(&self) -> usize {
        self.size
    }

    /// Waits for a tab, in turn with every other waiter (`None` only if the budget was closed,
    /// which it never is).
    pub(crate) async fn wait(&self) -> Option<TabPermit> {
        struct Waiting<'a>(&'a AtomicUsize);
        impl Drop for Waiting<'_> {
            fn drop(&mut self) {
                self.0.fetch_sub(1, Ordering::SeqCst);
            }
        }
        self.waiting.fetch_add(1, Ordering::SeqCst);
        let _waiting = Waiting(&self.waiting);
        self.permits
            .clone()
            .acquire_owned()
            .await
            .ok()
            .map(TabPermit)
    }

    /// A tab if one is free now.
    pub(crate) fn try_take(&self) -> Option<TabPermit> {
        self.permits.clone().try_acquire_owned().ok().map(TabPermit)
    }

    /// True when someone waits for a tab: a target holding more than one should give one up.
    pub(crate) fn contended(&self) -> bool {
        self.waiting.load(Ordering::SeqCst) > 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn waiters_make_the_budget_contended_until_served() {
        let budget = Arc::new(TabBudget::new(1));
        let first = budget.wait().await.expect("a tab");
        assert!(budget.try_take().is_none(), "one tab only");
        assert!(!budget.contended());
        let waiter = tokio::spawn({
            let budget = budget.clone();
            async move { budget.wait().await }
        });
        while !budget.contended() {
            tokio::task::yield_now().await;
        }
        drop(first);
        let second = waiter.await.expect("served").expect("a tab");
        assert!(!budget.contended(), "served waiters no longer count");
        drop(second);
        assert!(budget.try_take().is_some());
    }

    #[test]
    fn the_default_stays_within_its_bounds() {
        let tabs = default_max_tabs();
        assert!((MIN_TABS..=MAX_DEFAULT_TABS).contains(&tabs));
    }
}
