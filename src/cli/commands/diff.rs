//! `cookie-audit diff OLD NEW`: what changed between two reports.

use crate::cli::args::DiffArgs;
use crate::cli::exit::{EXIT_FINDINGS, EXIT_OK, EXIT_USAGE};
use crate::cli::output::say;
use crate::report::diff;
use crate::report::load::load_report;

pub(crate) fn run_diff(args: DiffArgs) -> u8 {
    let (old, new) = match (load_report(&args.old), load_report(&args.new)) {
        (Ok(old), Ok(new)) => (old, new),
        (Err(error), _) | (_, Err(error)) => {
            say!("error: {error}");
            return EXIT_USAGE;
        }
    };
    let changes = diff::diff(&old, &new);
    if args.json {
        match serde_json::to_string_pretty(&changes) {
            Ok(json) => println!("{json}"),
            Err(error) => {
                say!("error: {error}");
                return EXIT_USAGE;
            }
        }
    } else {
        print!("{}", crate::report::render::text::render_text(&changes));
    }
    if changes.changed && args.fail_on_change {
        EXIT_FINDINGS
    } else {
        EXIT_OK
    }
}
