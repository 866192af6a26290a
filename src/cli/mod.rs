//! The command line: arguments, logging, the summary on stdout and the exit code.
//!
//! Exit codes (DESIGN): 0 done and nothing at or above `--fail-on`; 1 findings at or above it;
//! 2 bad usage or configuration, nothing crawled; 3 no target could be audited at all (or the
//! report could not be written); 130 / 143 interrupted by SIGINT / SIGTERM, partial report written.

mod args;
mod commands;
mod exit;
mod output;
mod signals;

use std::process::ExitCode;
use std::sync::Arc;

use clap::Parser;

use args::{Cli, Command};
use commands::audit::run_audit;
use commands::charter::run_charter;
use commands::diff::run_diff;
use commands::merge::run_merge;
use commands::render::run_render;

/// Parses the arguments, runs the command and returns the process exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let progress = matches!(cli.command, Command::Audit(_));
    let bars = output::init(cli.verbose, cli.quiet, cli.log_format, progress).map(Arc::new);
    let code = match cli.command {
        Command::Audit(args) => run_audit(args, bars),
        Command::Charter(args) => run_charter(args),
        Command::Diff(args) => run_diff(args),
        Command::Render(args) => run_render(args),
        Command::Merge(args) => run_merge(args),
    };
    ExitCode::from(code)
}
