//! The exit codes of every command (README, "Exit codes"), and how a command that fails says
//! so: it returns a [`Failure`], which `cli::main` prints once, the same way for every command.

use std::fmt::Display;

/// Audit done, nothing at or above `--fail-on`.
pub(super) const EXIT_OK: u8 = 0;

/// Findings at or above `--fail-on`.
pub(super) const EXIT_FINDINGS: u8 = 1;

/// Bad usage or configuration; nothing was crawled.
pub(super) const EXIT_USAGE: u8 = 2;

/// No target could be audited.
pub(super) const EXIT_ALL_FAILED: u8 = 3;

/// Interrupted by SIGINT (128 + 2, as shells report it); the report holds what was done.
pub(super) const EXIT_SIGINT: u8 = 130;

/// Interrupted by SIGTERM (128 + 15); the report holds what was done.
pub(super) const EXIT_SIGTERM: u8 = 143;

/// What a command returns: the exit code of a command that did its job, or why it could not.
pub(crate) type Outcome = Result<u8, Failure>;

/// A command that could not do its job: what to say on stderr (after `error: `) and the exit
/// code that tells a script which kind of failure it was.
#[derive(Debug)]
pub(crate) struct Failure {
    /// The exit code.
    pub(crate) code: u8,
    /// One line for a person.
    pub(crate) message: String,
}

impl Failure {
    /// Bad usage or configuration, or an input that cannot be read: exit 2.
    pub(crate) fn usage(error: impl Display) -> Failure {
        Failure {
            code: EXIT_USAGE,
            message: error.to_string(),
        }
    }

    /// The work was done but its result could not be written or shown: exit 3.
    pub(crate) fn unwritten(error: impl Display) -> Failure {
        Failure {
            code: EXIT_ALL_FAILED,
            message: error.to_string(),
        }
    }
}
