//! The exit codes of every command (README, "Exit codes").

/// Audit done, nothing at or above `--fail-on`.
pub const EXIT_OK: u8 = 0;

/// Findings at or above `--fail-on`.
pub const EXIT_FINDINGS: u8 = 1;

/// Bad usage or configuration; nothing was crawled.
pub const EXIT_USAGE: u8 = 2;

/// No target could be audited.
pub const EXIT_ALL_FAILED: u8 = 3;

/// Interrupted by SIGINT (128 + 2, as shells report it); the report holds what was done.
pub const EXIT_SIGINT: u8 = 130;

/// Interrupted by SIGTERM (128 + 15); the report holds what was done.
pub const EXIT_SIGTERM: u8 = 143;
