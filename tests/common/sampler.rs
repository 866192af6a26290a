//! Running the binary while sampling its whole process tree, Chromium's processes included
//! (for benchmarks).
//!
//! Every 5 s: the sum of the tree's proportional set sizes (PSS, from
//! `/proc/PID/smaps_rollup`: shared pages split between the processes sharing them, so the sum
//! is the memory the run really holds) and the number of processes; over the run, how busy the
//! machine's cores were (`/proc/stat`: the whole machine, the bench's own server included).

use std::path::Path;
use std::time::{Duration, Instant};

/// What a sampled run gave and cost.
pub struct Sampled {
    /// Exit status code and output.
    pub run: super::Run,
    /// Wall time in seconds.
    pub wall: f64,
    /// The largest PSS of the process tree seen, in MB.
    pub peak_pss_mb: f64,
    /// The most processes in the tree seen at once.
    pub peak_processes: usize,
    /// The share of the machine's CPU time that was busy during the run (0 to 1).
    pub busy: f64,
}

impl Sampled {
    /// "the machine's 2 cores 94 % busy; peak PSS 580 MB over 17 processes at most".
    pub fn machine(&self) -> String {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        format!(
            "the machine's {cores} cores {:.0} % busy; peak PSS {:.0} MB over {} processes at most",
            100.0 * self.busy,
            self.peak_pss_mb,
            self.peak_processes
        )
    }
}

/// Runs `cookie-audit` with `argv` in `dir`, sampling its process tree until it exits.
pub fn run_sampled(dir: &Path, argv: &[String]) -> Sampled {
    let out = |name: &str| std::fs::File::create(dir.join(name)).expect("an output file");
    let ticks_before = machine_ticks();
    let started = Instant::now();
    let mut child = super::binary(dir, argv)
        .stdout(out("stdout.log"))
        .stderr(out("stderr.log"))
        .spawn()
        .expect("start cookie-audit");
    let (mut peak_pss_kb, mut peak_processes) = (0u64, 0usize);
    // The first sample 2 s in, once Chromium runs.
    let mut sampled = Instant::now() - Duration::from_secs(3);
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if sampled.elapsed() >= Duration::from_secs(5) {
            sampled = Instant::now();
            let mut processes = super::processes::descendants(child.id());
            processes.push(child.id());
            peak_processes = peak_processes.max(processes.len());
            peak_pss_kb = peak_pss_kb.max(processes.iter().map(|&p| pss_kb(p)).sum());
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let wall = started.elapsed().as_secs_f64();
    let ticks_after = machine_ticks();
    let busy =
        (ticks_after.0 - ticks_before.0) as f64 / (ticks_after.1 - ticks_before.1).max(1) as f64;
    super::keep_reports(dir);
    let read = |name: &str| std::fs::read_to_string(dir.join(name)).unwrap_or_default();
    Sampled {
        run: super::Run {
            code: status.code().unwrap_or(-1),
            stdout: read("stdout.log"),
            stderr: read("stderr.log"),
        },
        wall,
        peak_pss_mb: peak_pss_kb as f64 / 1024.0,
        peak_processes,
        busy,
    }
}

/// The PSS of `pid` in KB, 0 when it is gone.
fn pss_kb(pid: u32) -> u64 {
    let Ok(rollup) = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")) else {
        return 0;
    };
    rollup
        .lines()
        .find_map(|l| l.strip_prefix("Pss:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// The machine's (busy, total) CPU time in ticks, from `/proc/stat`. Chromium's renderers are
/// not reaped by the binary (their parent dies with the browser), so the binary's rusage would
/// miss them: only the whole machine tells.
fn machine_ticks() -> (u64, u64) {
    let stat = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let fields: Vec<u64> = stat
        .lines()
        .next()
        .unwrap_or("")
        .split_whitespace()
        .skip(1)
        .filter_map(|v| v.parse().ok())
        .collect();
    let total: u64 = fields.iter().sum();
    // idle and iowait are the 4th and 5th fields.
    let idle = fields.get(3).copied().unwrap_or(0) + fields.get(4).copied().unwrap_or(0);
    (total - idle, total)
}
