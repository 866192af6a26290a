//! The run's bounds on targets and connections when the command line does not give them:
//! derived from the open files the process may hold, not from a constant.
//!
//! A polite run is bound by `delay_ms` per host and the budget per address, not by the machine:
//! 2,000 targets at once take 45 MB (BENCHMARKS.md). What a target in flight does hold is
//! sockets, so the bounds come from the (raised) soft limit on open files, and targets beyond
//! them simply wait their turn.

/// Open files kept for what is not a connection, at most: stdio, the report and HTML being
/// written, the `--out` lock, the log, screenshots, the runtime's own descriptors, DNS lookups
/// and Chromium's pipes and child process.
const RESERVED_FILES: u64 = 256;

/// The largest bound either option takes, given or derived.
pub(super) const MAX_BOUND: u64 = 65_536;

/// `--parallel-targets` and `--max-connections` when not given, for a process that may hold
/// `open_files` files (its soft `RLIMIT_NOFILE`, already raised to the hard one):
///
/// - usable = open_files − min(256, open_files / 4), what is left after the reserve;
/// - max_connections = usable / 2, at most 65,536: requests in flight each hold a socket, and
///   the other half is left to connections idle in the targets' pools (kept up to 30 s);
/// - parallel_targets = usable / 8, at most 65,536: a target holds its `concurrency` (2 by
///   default) requests in flight and a few idle connections to its host and third parties.
///
/// With a hard limit of 524,288 (systemd) or 1,048,576 (Docker): 65,536 and 65,504 or 65,536;
/// with 1,024 (a hard limit that cannot be raised): 384 and 96; never below 1.
pub(super) fn derived_bounds(open_files: u64) -> (u32, u32) {
    let usable = open_files.saturating_sub(RESERVED_FILES.min(open_files / 4));
    let bound = |n: u64| u32::try_from(n.clamp(1, MAX_BOUND)).unwrap_or(u32::MAX);
    (bound(usable / 8), bound(usable / 2))
}

/// The soft limit on open files now in force; 1024, the usual default, when it cannot be read.
pub(super) fn open_files_limit() -> u64 {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit only writes the struct given.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } != 0 {
        return 1024;
    }
    // RLIM_INFINITY is u64::MAX; the bounds are capped anyway.
    limit.rlim_cur
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_follow_the_open_files_limit() {
        assert_eq!(derived_bounds(1_048_576), (65_536, 65_536));
        assert_eq!(derived_bounds(524_288), (65_504, 65_536));
        assert_eq!(derived_bounds(4096), (480, 1920));
        assert_eq!(derived_bounds(1024), (96, 384));
        // A machine starved of descriptors still runs, one target at a time at worst.
        assert_eq!(derived_bounds(100), (9, 37));
        assert_eq!(derived_bounds(0), (1, 1));
        assert_eq!(derived_bounds(u64::MAX), (65_536, 65_536));
    }
}
