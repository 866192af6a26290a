//! `cookie-audit render REPORT`: the HTML of a report, written anew.

use crate::cli::args::RenderArgs;
use crate::cli::exit::{EXIT_ALL_FAILED, EXIT_OK, EXIT_USAGE};
use crate::cli::output::say;
use crate::report::load::load_report;
use crate::report::write_atomically;

pub(crate) fn run_render(args: RenderArgs) -> u8 {
    let report = match load_report(&args.report) {
        Ok(report) => report,
        Err(error) => {
            say!("error: {error}");
            return EXIT_USAGE;
        }
    };
    let output = args
        .output
        .unwrap_or_else(|| args.report.with_extension("html"));
    let written = crate::report::render::html::render(&report)
        .map_err(|e| e.to_string())
        .and_then(|html| write_atomically(&output, html.as_bytes()).map_err(|e| e.to_string()));
    match written {
        Ok(()) => {
            println!("{}", output.display());
            EXIT_OK
        }
        Err(error) => {
            say!("error: {error}");
            EXIT_ALL_FAILED
        }
    }
}
