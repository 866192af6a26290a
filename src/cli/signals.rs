//! SIGINT and SIGTERM: the first stops the run and its report is written, a second quits.

use std::sync::{Arc, OnceLock};

use tokio_util::sync::CancellationToken;

use super::exit::{EXIT_SIGINT, EXIT_SIGTERM};
use super::output::say;

/// How soon after the first a signal of the same kind is taken as its echo rather than a
/// second request.
const ECHO_WINDOW: std::time::Duration = std::time::Duration::from_secs(2);

/// The signals that stop a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Signal {
    Interrupt,
    Terminate,
}

impl Signal {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Signal::Interrupt => "SIGINT",
            Signal::Terminate => "SIGTERM",
        }
    }

    pub(crate) fn exit_code(self) -> u8 {
        match self {
            Signal::Interrupt => EXIT_SIGINT,
            Signal::Terminate => EXIT_SIGTERM,
        }
    }
}

/// SIGINT and SIGTERM handlers: the first stops the run gracefully, a second quits at once.
pub(crate) struct Signals {
    interrupt: tokio::signal::unix::Signal,
    terminate: tokio::signal::unix::Signal,
}

impl Signals {
    /// Must run inside the runtime.
    pub(crate) fn install() -> std::io::Result<Signals> {
        use tokio::signal::unix::{SignalKind, signal};
        Ok(Signals {
            interrupt: signal(SignalKind::interrupt())?,
            terminate: signal(SignalKind::terminate())?,
        })
    }

    async fn next(&mut self) -> Signal {
        tokio::select! {
            _ = self.interrupt.recv() => Signal::Interrupt,
            _ = self.terminate.recv() => Signal::Terminate,
        }
    }

    pub(crate) async fn watch(
        mut self,
        interrupt: CancellationToken,
        signalled: Arc<OnceLock<Signal>>,
    ) {
        let first = self.next().await;
        let _ = signalled.set(first);
        say!(
            "{}: stopping; writing the report of what was done ({} again to quit without one)",
            first.name(),
            first.name()
        );
        interrupt.cancel();
        let since = std::time::Instant::now();
        let second = loop {
            let next = self.next().await;
            // `timeout` and systemd signal the process and then its whole group (or cgroup): one
            // stop sends the same signal twice within milliseconds, which is not a second request.
            if next != first || since.elapsed() >= ECHO_WINDOW {
                break next;
            }
        };
        say!("{}: quitting now, no report written", second.name());
        std::process::exit(i32::from(second.exit_code()));
    }
}
