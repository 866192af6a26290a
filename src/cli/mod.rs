//! The command line, a thin shell over the library: `args` (clap), one runner per command in
//! `commands/`, `signals`, `output` (logging, progress bars) and `exit` (codes, and the one
//! place a failed command is reported).
//!
//! Exit codes: 0 done and nothing at or above `--fail-on`; 1 findings at or above it;
//! 2 bad usage or configuration, nothing crawled; 3 no target could be audited at all (or the
//! report could not be written); 130 / 143 interrupted by SIGINT / SIGTERM, partial report written.

mod args;
mod commands;
mod exit;
mod identity;
mod limits;
mod output;
mod signals;

use std::process::ExitCode;
use std::sync::Arc;

use clap::Parser;

use args::{Cli, Command};
use output::say;

/// Parses the arguments, runs the command and returns the process exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let progress = matches!(cli.command, Command::Audit(_));
    let bars = output::init(cli.verbose, cli.quiet, cli.log_format, progress).map(Arc::new);
    let outcome = match cli.command {
        Command::Audit(args) => commands::audit::run(*args, bars),
        Command::Charter(args) => commands::charter::run(args),
        Command::Diff(args) => commands::diff::run(args),
        Command::Render(args) => commands::render::run(args),
        Command::Merge(args) => commands::merge::run(args),
    };
    let code = outcome.unwrap_or_else(|failure| {
        say!("error: {}", failure.message);
        failure.code
    });
    ExitCode::from(code)
}
