//! `cookie-audit merge`: the shards of one run joined into one report.

use crate::cli::args::MergeArgs;
use crate::cli::exit::{EXIT_OK, Failure, Outcome};
use crate::cli::output::outln;
use crate::report::load::load_report;
use crate::report::{merge, write_atomically};

/// Joins shard reports into one and prints what it holds.
pub(crate) fn run(args: MergeArgs) -> Outcome {
    let mut reports = Vec::new();
    for path in &args.reports {
        let report = load_report(path).map_err(Failure::usage)?;
        reports.push((path.display().to_string(), report));
    }
    let merged = merge::merge(reports).map_err(Failure::usage)?;
    let json = serde_json::to_vec_pretty(&merged).map_err(Failure::unwritten)?;
    write_atomically(&args.output, &json).map_err(Failure::unwritten)?;
    outln!(
        "{}: {} targets ({} audited, {} failed)",
        args.output.display(),
        merged.totals.targets,
        merged.totals.audited,
        merged.totals.failed
    );
    Ok(EXIT_OK)
}
