//! Loading a large `targets.toml` (a benchmark, not a test).
//!
//! `cargo bench --bench config` writes a targets.toml of 100,000 `[[target]]` blocks
//! (`BENCH_TARGETS` sets another count), each with a name, a URL, a charter URL, start pages
//! and a few settings, the last one repeating the first one's name. It then runs
//! `cookie-audit audit` on it: the binary reads and checks every target, finds the duplicate at
//! the end and exits 2 naming its line, before anything is fetched. The time is the whole
//! process's, so it is the wait a user sees for a file of that size (start-up is a few ms).
//! It checks the exit code and the line named, then prints the time and the rate.

#[path = "../tests/common/mod.rs"]
mod common;

use std::fmt::Write as _;
use std::time::Instant;

use common::cookie_audit;

const DEFAULT_TARGETS: usize = 100_000;
/// Lines of one `[[target]]` block, blank line included.
const BLOCK_LINES: usize = 8;

fn main() {
    let count = std::env::var("BENCH_TARGETS")
        .ok()
        .and_then(|n| n.parse::<usize>().ok())
        .filter(|n| *n >= 2)
        .unwrap_or(DEFAULT_TARGETS);
    let dir = tempfile::tempdir().expect("temp dir");
    let text = targets_toml(count);
    std::fs::write(dir.path().join("targets.toml"), &text).expect("write targets.toml");
    let argv: Vec<String> = [
        "audit",
        "--targets",
        "targets.toml",
        "--out",
        "reports",
        "-q",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    let started = Instant::now();
    let run = cookie_audit(dir.path(), &argv);
    let elapsed = started.elapsed().as_secs_f64();
    assert_eq!(
        run.code, 2,
        "the duplicate name is a configuration error: {}",
        run.stderr
    );
    // `[defaults]` takes 3 lines; the duplicate `name` is the 2nd line of the last block.
    let line = 3 + (count - 1) * BLOCK_LINES + 2;
    assert!(
        run.stderr.contains(&format!("targets.toml:{line}:")),
        "line {line} expected: {}",
        run.stderr.lines().next().unwrap_or_default()
    );
    println!(
        "config: {count} targets ({:.1} MB) loaded in {:.2} s ({:.0} targets/s)",
        text.len() as f64 / 1e6,
        elapsed,
        count as f64 / elapsed
    );
}

/// `[defaults]`, then `count` targets, the last named like the first.
fn targets_toml(count: usize) -> String {
    let mut text = String::from("[defaults]\ndelay_ms = 500\n\n");
    for i in 0..count {
        let name = if i + 1 == count { 0 } else { i };
        // Writing to a String cannot fail.
        let _ = write!(
            text,
            "[[target]]\nname = \"portal-{name}.example.org\"\n\
             url = \"https://portal-{i}.example.org/\"\n\
             charter = \"https://portal-{i}.example.org/page/cookies/\"\n\
             start = [\"/explore/\", \"/pages/home/\"]\n\
             max_pages = 30\njurisdiction = \"be\"\n\n"
        );
    }
    text
}
