//! `cookie-audit render REPORT`: the HTML of a report, written anew, or its summary as text.

use crate::cli::args::RenderArgs;
use crate::cli::exit::{EXIT_OK, Failure, Outcome};
use crate::cli::output::outln;
use crate::report::load::load_report;
use crate::report::render::text::report_text;
use crate::report::write_atomically;

/// Writes the HTML of a report (next to it unless `--output` says where) and prints its path;
/// with `--text`, prints its summary (or writes it to `--output`).
pub(crate) fn run(args: RenderArgs) -> Outcome {
    let report = load_report(&args.report).map_err(Failure::usage)?;
    if args.text {
        let text = report_text(&report);
        match &args.output {
            Some(output) => {
                write_atomically(output, text.as_bytes()).map_err(Failure::unwritten)?;
                outln!("{}", output.display());
            }
            None => print!("{text}"),
        }
        return Ok(EXIT_OK);
    }
    let output = args
        .output
        .unwrap_or_else(|| args.report.with_extension("html"));
    // Screenshots are named relative to the report's own folder.
    let assets = args.report.parent().filter(|p| !p.as_os_str().is_empty());
    let assets = assets.unwrap_or(std::path::Path::new("."));
    let html =
        crate::report::render::html::render(&report, Some(assets)).map_err(Failure::unwritten)?;
    write_atomically(&output, html.as_bytes()).map_err(Failure::unwritten)?;
    outln!("{}", output.display());
    Ok(EXIT_OK)
}
