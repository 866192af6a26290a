//! `cookie-audit audit`: the run a cron job makes.

use std::collections::HashSet;
use std::net::IpAddr;
use std::path::Path;
use std::sync::{Arc, OnceLock};

use tokio_util::sync::CancellationToken;

use super::runtime;
use crate::audit::catalog::Catalog;
use crate::browser::autoconsent::Autoconsent;
use crate::cli::args::{AuditArgs, Shard};
use crate::cli::exit::{EXIT_ALL_FAILED, EXIT_FINDINGS, EXIT_OK, Failure, Outcome};
use crate::cli::identity::Identity;
use crate::cli::limits::{derived_bounds, open_files_limit};
use crate::cli::output::{self, outln, say};
use crate::cli::signals::{Signal, Signals};
use crate::config::{self, CrawlSettings, Target};
use crate::crawl::fetch::ResolveRule;
use crate::pipeline::{self, AuditOptions};
use crate::report::Publish;
use crate::report::diff;
use crate::report::load::load_report;
use crate::report::render::text::enum_word;
use crate::types::{Engine, Politeness, Report, Severity};

/// Audits the targets, writes the reports, prints the summary; the exit code says how it went.
pub(crate) fn run(args: AuditArgs, bars: Option<Arc<output::Bars>>) -> Outcome {
    raise_open_files_limit();
    let (derived_parallel, derived_connections) = derived_bounds(open_files_limit());
    let parallel_targets = args.parallel_targets.unwrap_or(derived_parallel);
    let max_connections = args.max_connections.unwrap_or(derived_connections);
    let (mut targets, positions, identity, mut politeness) =
        load_targets(&args).map_err(Failure::usage)?;
    if let Some(key) = args.politeness_key {
        politeness.key = key.into();
    }
    if let Some(rate) = args.max_requests_per_second_per_ip {
        politeness.max_requests_per_second_per_ip = rate;
    }
    tracing::info!(
        parallel_targets,
        max_connections,
        politeness_key = %politeness.key,
        max_requests_per_second_per_ip = politeness.max_requests_per_second_per_ip,
        "bounds of the run"
    );
    if let Some(engine) = args.engine {
        for target in &mut targets {
            target.settings.engine = engine.into();
        }
    }
    // The run's engine, for the report header: the one every target used, else the browser's
    // when any target used it (the run then needed Chromium).
    if let Some(bars) = &bars {
        bars.set_targets(targets.len());
    }
    let engine = if targets.iter().any(|t| t.settings.engine == Engine::Browser) {
        Engine::Browser
    } else {
        Engine::Http
    };
    let baseline = load_baseline(&args).map_err(Failure::usage)?;
    let catalog = load_catalog(args.cookie_db.as_deref()).map_err(Failure::usage)?;
    let autoconsent = load_autoconsent(&args, &targets).map_err(Failure::usage)?;
    // Taken before anything is crawled, held until the report is written.
    let _lock = crate::report::lock::lock(&args.out).map_err(Failure::usage)?;
    for removed in crate::report::clean_leftovers(&args.out) {
        tracing::info!(
            "removed the leftover of an interrupted run: {}",
            removed.display()
        );
    }
    let evidence = evidence_dir(&args.out, &targets).map_err(Failure::usage)?;
    let runtime = runtime(tokio::runtime::Builder::new_multi_thread())?;
    let interrupt = CancellationToken::new();
    let signalled = Arc::new(OnceLock::new());
    {
        // Installed before the first request, so that a signal always finds the handler.
        let _entered = runtime.enter();
        match Signals::install() {
            Ok(signals) => {
                runtime.spawn(signals.watch(interrupt.clone(), signalled.clone()));
            }
            Err(error) => tracing::warn!("cannot watch SIGINT/SIGTERM: {error}"),
        }
    }
    let options = AuditOptions {
        resolve: args.resolve.clone(),
        respect_robots: !args.ignore_robots,
        max_connections: max_connections as usize,
        politeness,
        engine,
        catalog: std::sync::Arc::new(catalog),
        lifetime_limit_seconds: args.lifetime_limit_days * crate::duration::DAY,
        browser: crate::browser::BrowserOptions {
            executable: args.chromium.clone(),
            resolve: Vec::new(),
            command_timeout: std::time::Duration::from_secs(30),
            autoconsent,
            max_tabs: args.max_tabs.map_or(0, |n| n as usize),
        },
        parallel_targets: parallel_targets as usize,
        record_values: args.record_values,
        progress: bars
            .clone()
            .map(|bars| bars as Arc<dyn crate::crawl::Progress>),
        interrupt,
        evidence_dir: evidence.as_ref().map(|dir| dir.path().to_path_buf()),
    };
    let mut report = runtime
        .block_on(pipeline::audit(targets, &options))
        .map_err(Failure::usage)?;
    if let Some(bars) = &bars {
        bars.finish();
    }
    let signal = signalled.get().copied();
    report.run.interrupted_by = signal.map(|s: Signal| s.name().to_string());
    identity.record(&mut report, &positions);
    if let Some(baseline) = &baseline {
        report.changes = Some(diff::diff(baseline, &report));
    }
    tracing::info!(
        targets = report.targets.len(),
        peak_rss_mb = peak_rss_mb()
            .map(|mb| format!("{mb:.1}"))
            .unwrap_or_default(),
        "run finished"
    );
    // Only a complete run becomes the one later runs compare with.
    let complete = signal.is_none() && !report.run.partial && !all_failed(&report);
    let publish = if complete {
        Publish::AsLatest
    } else {
        Publish::RunOnly
    };
    let written = crate::report::write_run(
        &args.out,
        &mut report,
        evidence.as_ref().map(tempfile::TempDir::path),
        publish,
    );
    let report_json = written.as_ref().ok().map(|p| p.report_json.as_path());
    output::audit_summary(&report, args.fail_on.map(Severity::from), report_json);
    match written {
        Ok(paths) => {
            outln!(
                "reports: {} {}",
                paths.report_json.display(),
                paths.report_html.display()
            );
            match &paths.latest {
                Some((json, html)) => outln!("latest:  {} {}", json.display(), html.display()),
                None => outln!(
                    "latest:  unchanged ({}; this run's report is only under its run id)",
                    if all_failed(&report) && signal.is_none() {
                        "no target could be audited"
                    } else {
                        "the run was interrupted"
                    }
                ),
            }
        }
        Err(error) => {
            say!("error: {error}");
            say!("exit {EXIT_ALL_FAILED}: the audit ran but its report could not be written");
            // The audit ran but its result is lost: a script must not take this run for a pass.
            return Ok(EXIT_ALL_FAILED);
        }
    }
    if let Some(signal) = signal {
        say!(
            "exit {}: interrupted by {}; the report holds what was done (\"partial\": true)",
            signal.exit_code(),
            signal.name()
        );
        return Ok(signal.exit_code());
    }
    Ok(exit_code(&report, args.fail_on.map(Severity::from)))
}

/// The report to compare with: `--baseline`, or `<out>/latest.json` with `--against-latest`
/// (absent on a first run, which is not an error).
fn load_baseline(args: &AuditArgs) -> Result<Option<Report>, String> {
    let path = match (&args.baseline, args.against_latest) {
        (Some(path), _) => path.clone(),
        (None, true) => {
            let latest = args.out.join("latest.json");
            if !latest.exists() {
                say!(
                    "note: {} does not exist yet: nothing to compare this run with",
                    latest.display()
                );
                return Ok(None);
            }
            latest
        }
        (None, false) => return Ok(None),
    };
    load_report(&path).map(Some).map_err(|e| e.to_string())
}

/// The built-in catalogue, plus the Open Cookie Database when `--cookie-db` names it. Rows it
/// cannot read are named on stderr and skipped; a file that cannot be read at all is an error.
fn load_catalog(cookie_db: Option<&Path>) -> Result<Catalog, String> {
    let mut catalog = Catalog::built_in();
    if let Some(path) = cookie_db {
        let report = catalog
            .add_open_cookie_database(path)
            .map_err(|error| format!("--cookie-db: {error}"))?;
        for skipped in &report.skipped {
            say!(
                "warning: {}:{}: row skipped: {}",
                path.display(),
                skipped.line,
                skipped.message
            );
        }
        tracing::info!(
            loaded = report.loaded,
            skipped = report.skipped.len(),
            "cookie database loaded"
        );
    }
    Ok(catalog)
}

/// This process's peak resident memory in MiB, where the system says it (Linux `VmHWM`).
///
/// `getrusage`'s `ru_maxrss` would be wrong here: it keeps the high-water mark of the process
/// that spawned us, so a benchmark holding a large site in memory would be charged for it.
fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

/// Whether the run had targets and none could be audited.
fn all_failed(report: &Report) -> bool {
    !report.targets.is_empty() && report.totals.audited == 0
}

/// The exit code a finished run deserves.
pub(crate) fn exit_code(report: &Report, fail_on: Option<Severity>) -> u8 {
    if all_failed(report) {
        say!("exit {EXIT_ALL_FAILED}: no target could be audited");
        return EXIT_ALL_FAILED;
    }
    if let Some(threshold) = fail_on {
        let count = report.totals.findings.at_or_above(threshold);
        if count > 0 {
            let word = enum_word(&threshold);
            say!("exit {EXIT_FINDINGS}: {count} finding(s) at or above {word} (--fail-on {word})");
            return EXIT_FINDINGS;
        }
    }
    EXIT_OK
}

/// A folder for the consent phases' screenshots while the run lasts, inside the reports folder
/// so that it becomes the run's `screenshots/` by a rename; only when a target has phases.
fn evidence_dir(out: &Path, targets: &[Target]) -> Result<Option<tempfile::TempDir>, String> {
    let phases = targets.iter().any(|t| {
        t.settings.engine == Engine::Browser && (t.settings.consent.is_some() || t.settings.gpc)
    });
    if !phases {
        return Ok(None);
    }
    std::fs::create_dir_all(out)
        .and_then(|()| {
            tempfile::Builder::new()
                .prefix(crate::report::EVIDENCE_PREFIX)
                .permissions(std::os::unix::fs::PermissionsExt::from_mode(0o777))
                .tempdir_in(out)
        })
        .map(Some)
        .map_err(|e| {
            format!(
                "cannot create a folder for screenshots in {}: {e}",
                out.display()
            )
        })
}

/// autoconsent's rules, when a target drives its banner with `consent = "auto"`: a folder the
/// user named must hold them; otherwise their absence is said once and the tool's own rules
/// carry on alone.
fn load_autoconsent(
    args: &AuditArgs,
    targets: &[Target],
) -> Result<Option<Arc<Autoconsent>>, String> {
    let wanted = targets.iter().any(|t| {
        t.settings.engine == Engine::Browser
            && matches!(t.settings.consent, Some(crate::config::ConsentPlan::Auto))
    });
    if !wanted {
        return Ok(None);
    }
    match Autoconsent::find(args.autoconsent.as_deref()) {
        Err(error) => Err(error.to_string()),
        Ok(None) => {
            say!(
                "warning: consent = \"auto\": @duckduckgo/autoconsent not found; using the \
                 tool's own rules only (install: npm install @duckduckgo/autoconsent, or name \
                 its folder with --autoconsent)"
            );
            Ok(None)
        }
        Ok(Some(package)) => {
            tracing::info!(
                dir = %package.dir.display(),
                version = package.version.as_deref().unwrap_or("?"),
                "autoconsent loaded"
            );
            Ok(Some(Arc::new(package)))
        }
    }
}

/// The targets to audit, their positions in the targets file, the run's identity, and the
/// politeness of the targets file's `[defaults]`.
fn load_targets(
    args: &AuditArgs,
) -> Result<(Vec<Target>, Vec<usize>, Identity, Politeness), String> {
    let shard = shard_of(
        args.shard,
        args.shards,
        std::env::var("JOB_COMPLETION_INDEX").ok(),
    )?;
    let (targets, politeness) = read_targets(args, shard)?;
    let identity = Identity::of(args, shard)?;
    let (positions, targets) = targets.into_iter().unzip();
    Ok((targets, positions, identity, politeness))
}

/// The targets (each with its index in the file) and the run-wide politeness.
type ReadTargets = (Vec<(usize, Target)>, Politeness);

fn read_targets(args: &AuditArgs, shard: Option<Shard>) -> Result<ReadTargets, String> {
    let Some(list) = &args.targets_list else {
        let config = config::load(&args.targets).map_err(|e| e.to_string())?;
        warn_unused_rules(&args.resolve, &config.targets);
        let selected = select_targets(config.targets, &args.only, shard, &args.targets)?;
        return Ok((selected, config.politeness));
    };
    let (defaults, politeness) = if args.targets.exists() {
        let text = std::fs::read_to_string(&args.targets)
            .map_err(|e| format!("cannot read {}: {e}", args.targets.display()))?;
        config::parse_defaults_only(&text, &args.targets).map_err(|e| e.to_string())?
    } else {
        (CrawlSettings::default(), Politeness::default())
    };
    let text = std::fs::read_to_string(list)
        .map_err(|e| format!("cannot read the targets list {}: {e}", list.display()))?;
    let targets = config::parse_targets_list(&text, list, &defaults).map_err(|e| e.to_string())?;
    warn_unused_rules(&args.resolve, &targets);
    Ok((
        select_targets(targets, &args.only, shard, list)?,
        politeness,
    ))
}

/// Says which `--resolve` rules no target starts on: a mistyped host or port would otherwise
/// send the crawl to the real name without a word. Only start URLs are known before the
/// crawl, so a rule for a host met later (a CDN, a tracker) is said too, and the line says
/// what was checked. All targets of the file count, not only this shard's, so that the shards
/// of one run given the same rules do not each warn about the others' hosts.
fn warn_unused_rules(rules: &[ResolveRule], targets: &[Target]) {
    for rule in unused_rules(rules, targets) {
        let addr = match rule.addr {
            IpAddr::V4(v4) => v4.to_string(),
            IpAddr::V6(v6) => format!("[{v6}]"),
        };
        say!(
            "warning: --resolve {host}:{port}:{addr}: no target starts on {host}:{port} \
             (only the targets' start URLs are known before the crawl)",
            host = rule.host,
            port = rule.port,
        );
    }
}

/// The rules whose host and port no target's start URL (`url` or a `start` page) has.
fn unused_rules<'r>(rules: &'r [ResolveRule], targets: &[Target]) -> Vec<&'r ResolveRule> {
    let starts: HashSet<(&str, u16)> = targets
        .iter()
        .flat_map(|target| std::iter::once(&target.url).chain(&target.start))
        .filter_map(|url| Some((url.host_str()?, url.port_or_known_default()?)))
        .collect();
    rules
        .iter()
        .filter(|rule| !starts.contains(&(rule.host.as_str(), rule.port)))
        .collect()
}

/// The shard to audit: `--shard K/N`, or `--shards N` with K from `JOB_COMPLETION_INDEX`.
fn shard_of(
    shard: Option<Shard>,
    shards: Option<u32>,
    job_index: Option<String>,
) -> Result<Option<Shard>, String> {
    let Some(count) = shards else {
        return Ok(shard);
    };
    let Some(index) = job_index else {
        return Err(format!(
            "--shards {count} needs JOB_COMPLETION_INDEX (a Kubernetes indexed Job sets it);              outside one, use --shard K/{count}"
        ));
    };
    format!("{}/{count}", index.trim())
        .parse::<Shard>()
        .map(Some)
        .map_err(|_| {
            format!(
                "JOB_COMPLETION_INDEX={index:?} is not a shard of --shards {count}:                  it must be a number from 0 to {}",
                count - 1
            )
        })
}

/// Applies `--shard` (on the index in the file) then `--only`; each target comes with that
/// index.
fn select_targets(
    targets: Vec<Target>,
    only: &[String],
    shard: Option<Shard>,
    path: &Path,
) -> Result<Vec<(usize, Target)>, String> {
    for name in only {
        if !targets.iter().any(|t| &t.name == name) {
            let names: Vec<&str> = targets.iter().map(|t| t.name.as_str()).collect();
            return Err(format!(
                "--only {name}: no target of that name in {}; names: {}",
                path.display(),
                names.join(", ")
            ));
        }
    }
    Ok(targets
        .into_iter()
        .enumerate()
        .filter(|(i, _)| shard.is_none_or(|s| s.includes(*i)))
        .filter(|(_, t)| only.is_empty() || only.contains(&t.name))
        .collect())
}

/// Raises the soft limit on open files to the hard one, as servers do: every target in flight
/// holds sockets, and the soft default (often 1024) would otherwise fail connections long before
/// memory or the machine are the bound.
fn raise_open_files_limit() {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit and setrlimit only read and write the struct given.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } != 0 {
        return;
    }
    // An infinite hard limit cannot be the soft one for open files (the kernel's nr_open is).
    let wanted = limit.rlim_max.min(1 << 20);
    if limit.rlim_cur >= wanted {
        return;
    }
    let before = limit.rlim_cur;
    limit.rlim_cur = wanted;
    // SAFETY: as above.
    if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &limit) } == 0 {
        tracing::info!("open files: soft limit raised from {before} to {wanted}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_come_from_the_job_index_when_counted() {
        assert_eq!(
            shard_of(None, Some(4), Some("2".into())),
            Ok(Some(Shard { index: 2, count: 4 }))
        );
        assert_eq!(shard_of(None, None, Some("2".into())), Ok(None));
        let given = Some(Shard { index: 1, count: 3 });
        assert_eq!(shard_of(given, None, Some("2".into())), Ok(given));
        assert!(
            shard_of(None, Some(4), None)
                .unwrap_err()
                .contains("--shard K/4")
        );
        assert!(
            shard_of(None, Some(4), Some("4".into()))
                .unwrap_err()
                .contains("from 0 to 3")
        );
    }

    #[test]
    fn shards_split_by_index() {
        let shard: Shard = "1/3".parse().unwrap();
        let picked: Vec<usize> = (0..7).filter(|i| shard.includes(*i)).collect();
        assert_eq!(picked, [1, 4]);
        assert!("3/3".parse::<Shard>().is_err());
        assert!("0/0".parse::<Shard>().is_err());
        assert!("a/b".parse::<Shard>().is_err());
    }
}
