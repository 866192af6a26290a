//! When a target's work stops early: the run was interrupted (SIGINT, SIGTERM) or the target's
//! own time (`target_timeout_secs`) ran out. Either way what was seen until then is reported.

use std::fmt;
use std::future::Future;
use std::time::Duration;

use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::types::CrawlStop;

/// Why a target's work stopped before its end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopReason {
    /// The whole run was asked to stop.
    Interrupted,
    /// The target used up its `target_timeout_secs`.
    TargetTimeout(Duration),
}

/// The report's word for why a crawl stopped early.
impl From<StopReason> for CrawlStop {
    fn from(reason: StopReason) -> CrawlStop {
        match reason {
            StopReason::Interrupted => CrawlStop::Interrupted,
            StopReason::TargetTimeout(_) => CrawlStop::TargetTimeout,
        }
    }
}

impl fmt::Display for StopReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StopReason::Interrupted => write!(f, "the run was interrupted"),
            StopReason::TargetTimeout(limit) => write!(
                f,
                "the target ran out of time (target_timeout_secs = {})",
                limit.as_secs()
            ),
        }
    }
}

/// The stop condition of one target: the run's interruption, and the target's deadline.
#[derive(Debug, Clone)]
pub(crate) struct Stop {
    run: CancellationToken,
    deadline: Option<(Instant, Duration)>,
}

impl Default for Stop {
    fn default() -> Self {
        Stop::never()
    }
}

impl Stop {
    /// Never stops early.
    pub(crate) fn never() -> Stop {
        Stop::on(CancellationToken::new())
    }

    /// Stops when `run` is cancelled.
    pub(crate) fn on(run: CancellationToken) -> Stop {
        Stop {
            run,
            deadline: None,
        }
    }

    /// The same, and also once `limit` has passed from now.
    pub(crate) fn within(self, limit: Duration) -> Stop {
        Stop {
            deadline: Instant::now().checked_add(limit).map(|at| (at, limit)),
            ..self
        }
    }

    /// When the target's time runs out, if it has a deadline.
    pub(crate) fn deadline(&self) -> Option<Instant> {
        self.deadline.map(|(at, _)| at)
    }

    /// Why work must stop now, if it must.
    pub(crate) fn reason(&self) -> Option<StopReason> {
        if self.run.is_cancelled() {
            return Some(StopReason::Interrupted);
        }
        match self.deadline {
            Some((at, limit)) if Instant::now() >= at => Some(StopReason::TargetTimeout(limit)),
            _ => None,
        }
    }

    /// Resolves when work must stop, with the reason.
    pub(crate) async fn stopped(&self) -> StopReason {
        match self.deadline {
            Some((at, limit)) => tokio::select! {
                _ = self.run.cancelled() => StopReason::Interrupted,
                _ = tokio::time::sleep_until(at) => StopReason::TargetTimeout(limit),
            },
            None => {
                self.run.cancelled().await;
                StopReason::Interrupted
            }
        }
    }

    /// Runs `work` unless or until the stop comes first.
    pub(crate) async fn run<F: Future>(&self, work: F) -> Result<F::Output, StopReason> {
        if let Some(reason) = self.reason() {
            return Err(reason);
        }
        tokio::select! {
            // Work that finished wins a tie: its result is worth keeping.
            biased;
            out = work => Ok(out),
            reason = self.stopped() => Err(reason),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn the_deadline_and_the_interruption_each_stop_work() {
        let token = CancellationToken::new();
        let stop = Stop::on(token.clone()).within(Duration::from_secs(5));
        assert_eq!(stop.reason(), None);
        let never = std::future::pending::<()>();
        assert_eq!(
            stop.run(never).await,
            Err(StopReason::TargetTimeout(Duration::from_secs(5)))
        );
        let stop = Stop::on(token.clone()).within(Duration::from_secs(5));
        assert_eq!(stop.run(async { 7 }).await, Ok(7));
        token.cancel();
        assert_eq!(stop.reason(), Some(StopReason::Interrupted));
        assert_eq!(
            stop.run(async { 7 }).await,
            Err(StopReason::Interrupted),
            "nothing starts once interrupted"
        );
    }
}
