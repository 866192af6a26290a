//! The tabs of one browser context, reused from page to page.
//!
//! Opening a tab costs some twenty protocol round trips through the browser process (create,
//! attach, enable each domain, install the hook) and a renderer; reusing it costs nothing.
//! A context opens its first tab when the run's [`TabBudget`](super::budget::TabBudget) lets
//! it, in turn with every other target, and more (up to the target's `concurrency`) only when
//! tabs are free at once; an extra tab is given back as soon as another target waits.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use chromiumoxide::cdp::browser_protocol::browser::BrowserContextId;
use tokio::sync::Notify;

use super::budget::TabPermit;
use super::tab::{Tab, TabSettings};
use super::{BrowserError, Chromium};
use crate::cookie::Sighting;

/// Counts the context's open tabs; told when one is given back or closed.
#[derive(Default)]
struct Shared {
    open: AtomicUsize,
    returned: Notify,
}

/// One open tab of the pool, with its share of the run's budget.
pub(super) struct PooledTab {
    pub(super) tab: Tab,
    _permit: TabPermit,
    _open: OpenTab,
}

/// One unit of the pool's open count, taken back when dropped (a tab closed, a load cut short).
struct OpenTab {
    shared: Arc<Shared>,
    /// Whether the pool's waiters are told when it is dropped: not for a reservation no tab
    /// was opened for, or a waiter that gives one back would wake itself, and every waiter of
    /// the pool, in a loop that never sleeps while the run's budget is full.
    tell: bool,
}

impl OpenTab {
    /// Gives back a reservation no tab was opened for, telling no one: nothing changed.
    fn cancel(mut self) {
        self.tell = false;
    }
}

impl Drop for OpenTab {
    fn drop(&mut self) {
        self.shared.open.fetch_sub(1, Ordering::SeqCst);
        if self.tell {
            self.shared.returned.notify_waiters();
        }
    }
}

/// The tabs of one context.
pub(super) struct TabPool {
    shared: Arc<Shared>,
    idle: std::sync::Mutex<Vec<PooledTab>>,
    /// The most tabs this context opens: the target's `concurrency`.
    max: usize,
}

impl TabPool {
    /// A pool of at most `max` tabs.
    pub(super) fn new(max: usize) -> TabPool {
        TabPool {
            shared: Arc::default(),
            idle: std::sync::Mutex::new(Vec::new()),
            max: max.max(1),
        }
    }

    fn pop_idle(&self) -> Option<PooledTab> {
        self.idle.lock().unwrap_or_else(|p| p.into_inner()).pop()
    }

    /// Reserves one more open tab when fewer than `below` are open.
    fn reserve(&self, below: usize) -> Option<OpenTab> {
        let open = &self.shared.open;
        let mut now = open.load(Ordering::SeqCst);
        while now < below {
            match open.compare_exchange(now, now + 1, Ordering::SeqCst, Ordering::SeqCst) {
                Ok(_) => {
                    return Some(OpenTab {
                        shared: self.shared.clone(),
                        tell: true,
                    });
                }
                Err(actual) => now = actual,
            }
        }
        None
    }

    /// A tab to load a page in: an idle one of the context, else a new one when the budget
    /// allows, else the next one given back.
    pub(super) async fn take(
        &self,
        chromium: &Chromium,
        context: &BrowserContextId,
        settings: &TabSettings,
    ) -> Result<PooledTab, BrowserError> {
        loop {
            let returned = self.shared.returned.notified();
            tokio::pin!(returned);
            returned.as_mut().enable();
            if let Some(tab) = self.pop_idle() {
                return Ok(tab);
            }
            // The context's first tab waits its turn; more come only from spare budget.
            let (open, permit) = if let Some(first) = self.reserve(1) {
                let permit = chromium.tabs.wait().await;
                (first, permit)
            } else if let Some(extra) = self.reserve(self.max) {
                match chromium.tabs.try_take() {
                    Some(permit) => (extra, Some(permit)),
                    None => {
                        extra.cancel();
                        returned.await;
                        continue;
                    }
                }
            } else {
                returned.await;
                continue;
            };
            let permit =
                permit.ok_or_else(|| BrowserError::Cdp("the run's tab budget is closed".into()))?;
            let tab = Tab::open(chromium, context, settings).await?;
            return Ok(PooledTab {
                tab,
                _permit: permit,
                _open: open,
            });
        }
    }

    /// Gives a tab back after a page: kept for the next page unless it is broken, or it is
    /// one of several while another target waits for a tab.
    pub(super) async fn give_back(&self, pooled: PooledTab, chromium: &Chromium) {
        let several = self.shared.open.load(Ordering::SeqCst) > 1;
        if pooled.tab.reusable() && !(several && chromium.tabs.contended()) {
            self.idle
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .push(pooled);
            self.shared.returned.notify_waiters();
            return;
        }
        pooled.tab.close().await;
    }

    /// What the idle tabs recorded since their last page was read: answers that came late.
    pub(super) fn take_late(&self) -> Vec<Sighting> {
        let mut idle = self.idle.lock().unwrap_or_else(|p| p.into_inner());
        idle.iter_mut()
            .flat_map(|pooled| pooled.tab.take(None))
            .collect()
    }

    /// Closes every idle tab.
    pub(super) async fn close_all(&self) {
        let idle: Vec<PooledTab> =
            std::mem::take(&mut *self.idle.lock().unwrap_or_else(|p| p.into_inner()));
        for pooled in idle {
            pooled.tab.close().await;
        }
    }
}

#[cfg(test)]
mod tests {
    use futures_util::FutureExt;

    use super::*;

    #[test]
    fn a_reservation_given_back_unused_wakes_no_one_but_a_closed_tab_does() {
        let pool = TabPool::new(2);
        let returned = pool.shared.returned.notified();
        tokio::pin!(returned);
        returned.as_mut().enable();

        let first = pool.reserve(pool.max).expect("room for a first tab");
        pool.reserve(pool.max).expect("room for a second").cancel();
        assert_eq!(pool.shared.open.load(Ordering::SeqCst), 1);
        assert!(
            returned.as_mut().now_or_never().is_none(),
            "an unused reservation must not wake the pool's waiters"
        );

        assert!(pool.reserve(1).is_none(), "one tab open already");
        drop(first);
        assert_eq!(pool.shared.open.load(Ordering::SeqCst), 0);
        assert!(
            returned.now_or_never().is_some(),
            "a tab closed wakes the pool's waiters"
        );
    }
}
