//! `cookie-audit diff OLD NEW`: what changed between two reports.

use crate::cli::args::DiffArgs;
use crate::cli::exit::{EXIT_FINDINGS, EXIT_OK, Failure, Outcome};
use crate::report::diff;
use crate::report::load::load_report;

/// Prints what changed between two reports; exit 1 with `--fail-on-change` when anything did.
pub(crate) fn run(args: DiffArgs) -> Outcome {
    let old = load_report(&args.old).map_err(Failure::usage)?;
    let new = load_report(&args.new).map_err(Failure::usage)?;
    let changes = diff::diff(&old, &new);
    if args.json {
        let json = serde_json::to_string_pretty(&changes).map_err(Failure::usage)?;
        println!("{json}");
    } else {
        print!("{}", crate::report::render::text::render_text(&changes));
    }
    Ok(if changes.changed && args.fail_on_change {
        EXIT_FINDINGS
    } else {
        EXIT_OK
    })
}
