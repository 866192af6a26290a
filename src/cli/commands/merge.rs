//! `cookie-audit merge`: the shards of one run joined into one report.

use crate::cli::args::MergeArgs;
use crate::cli::exit::{EXIT_ALL_FAILED, EXIT_OK, EXIT_USAGE};
use crate::cli::output::say;
use crate::report::load::load_report;
use crate::report::{merge, write_atomically};

pub(crate) fn run_merge(args: MergeArgs) -> u8 {
    let mut reports = Vec::new();
    for path in &args.reports {
        match load_report(path) {
            Ok(report) => reports.push((path.display().to_string(), report)),
            Err(error) => {
                say!("error: {error}");
                return EXIT_USAGE;
            }
        }
    }
    let merged = match merge::merge(reports) {
        Ok(merged) => merged,
        Err(error) => {
            say!("error: {error}");
            return EXIT_USAGE;
        }
    };
    let written = serde_json::to_vec_pretty(&merged)
        .map_err(|e| e.to_string())
        .and_then(|json| write_atomically(&args.output, &json).map_err(|e| e.to_string()));
    match written {
        Ok(()) => {
            println!(
                "{}: {} targets ({} audited, {} failed)",
                args.output.display(),
                merged.totals.targets,
                merged.totals.audited,
                merged.totals.failed
            );
            EXIT_OK
        }
        Err(error) => {
            say!("error: {error}");
            EXIT_ALL_FAILED
        }
    }
}
