//! `cookie-audit merge`: the shards of one run joined into one report.

use crate::cli::args::MergeArgs;
use crate::cli::exit::{EXIT_OK, Failure, Outcome};
use crate::cli::output::{alert, outln};
use crate::report::load::load_report;
use crate::report::{merge, write_atomically};

/// Joins shard reports into one and prints what it holds.
pub(crate) fn run(args: MergeArgs) -> Outcome {
    let mut reports = Vec::new();
    for path in &args.reports {
        let report = load_report(path).map_err(Failure::usage)?;
        reports.push((path.display().to_string(), report));
    }
    let options = merge::MergeOptions {
        allow_missing: args.allow_missing,
    };
    let merged = merge::merge(reports, options).map_err(Failure::usage)?;
    let json = serde_json::to_vec_pretty(&merged).map_err(Failure::unwritten)?;
    write_atomically(&args.output, &json).map_err(Failure::unwritten)?;
    if let Some(shards) = &merged.run.sharding.merged
        && !shards.missing.is_empty()
    {
        alert!(
            "warning: {} missing (--allow-missing): {} lacks their targets and says so \
             (run.merged.missing)",
            merge::shard_list(&shards.missing, shards.count),
            args.output.display()
        );
    }
    outln!(
        "{}: {} targets ({} audited, {} failed)",
        args.output.display(),
        merged.totals.targets,
        merged.totals.audited,
        merged.totals.failed
    );
    Ok(EXIT_OK)
}
