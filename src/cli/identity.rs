//! What identifies a run across its shards: `run.batch`, `run.config_hash`, `run.shard` and
//! each target's position in the targets file, recorded so that `merge` can tell the shards of
//! one run from a mix (README, "Shards").
//!
//! Shards are often started apart (the pods of a Kubernetes indexed Job, the jobs of a CI
//! matrix), with nothing to agree on but their files and command line. So the identity is
//! derived from those: what decides which targets a shard takes and what it finds. Paths,
//! `--out`, parallelism, `--resolve` and the Chromium binary differ between machines and change
//! neither, so they are left out.

use std::path::Path;

use crate::cli::args::{AuditArgs, Shard};
use crate::report::render::text::enum_word;
use crate::types::{Engine, Report, RunSharding, ShardOf};

/// The run's identity, computed before anything is crawled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Identity {
    /// `--batch`, else `cfg-` and the config hash.
    pub batch: String,
    /// The digest of the files and options ([`config_hash`]).
    pub config_hash: String,
    /// This shard, when the run is one.
    pub shard: Option<Shard>,
}

impl Identity {
    /// The identity of an audit with these arguments, taking shard `shard`.
    pub(super) fn of(args: &AuditArgs, shard: Option<Shard>) -> Result<Identity, String> {
        let config_hash = config_hash(args, shard.map(|s| s.count))?;
        let batch = match &args.batch {
            Some(batch) => batch.clone(),
            None => format!("cfg-{config_hash}"),
        };
        Ok(Identity {
            batch,
            config_hash,
            shard,
        })
    }

    /// Writes the identity into the report, and into each target its position in the targets
    /// file: `positions` are those of the report's targets, in the same order.
    pub(super) fn record(&self, report: &mut Report, positions: &[usize]) {
        report.run.sharding = RunSharding {
            batch: Some(self.batch.clone()),
            config_hash: Some(self.config_hash.clone()),
            shard: self.shard.map(|s| ShardOf {
                index: to_u32(s.index),
                count: to_u32(s.count),
            }),
            merged: None,
        };
        for (target, position) in report.targets.iter_mut().zip(positions) {
            target.index = Some(to_u32(*position));
        }
    }
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// The hex digest of what decides a run's targets and findings: the bytes of the targets file
/// (when read) and of `--targets-list`, the sorted `--only` names, `--engine`, the shard count,
/// `--ignore-robots`, `--lifetime-limit-days`, `--record-values` and the `--cookie-db` file.
fn config_hash(args: &AuditArgs, shard_count: Option<usize>) -> Result<String, String> {
    let mut digest = Digest::new();
    // A version of this recipe: raising it when the recipe changes keeps old digests apart.
    digest.field("recipe", b"1");
    let read = |path: &Path, what: &str| {
        std::fs::read(path).map_err(|e| format!("cannot read {what} {}: {e}", path.display()))
    };
    // With --targets-list, targets.toml only gives [defaults] and may be absent.
    if args.targets_list.is_none() || args.targets.exists() {
        digest.field("targets", &read(&args.targets, "the targets file")?);
    }
    if let Some(list) = &args.targets_list {
        digest.field("targets-list", &read(list, "the targets list")?);
    }
    let mut only: Vec<&str> = args.only.iter().map(String::as_str).collect();
    only.sort_unstable();
    only.dedup();
    digest.field("only", only.join("\n").as_bytes());
    let engine = args.engine.map(|e| enum_word(&Engine::from(e)));
    digest.field("engine", engine.unwrap_or_default().as_bytes());
    let shards = shard_count.map(|n| n.to_string()).unwrap_or_default();
    digest.field("shards", shards.as_bytes());
    digest.field("ignore-robots", &[u8::from(args.ignore_robots)]);
    digest.field("lifetime", args.lifetime_limit_days.to_string().as_bytes());
    digest.field("record-values", &[u8::from(args.record_values)]);
    // A file that cannot be read is left to the catalogue's loading, which says why in its
    // own words (and stops the run).
    if let Some(bytes) = args
        .cookie_db
        .as_ref()
        .and_then(|db| std::fs::read(db).ok())
    {
        digest.field("cookie-db", &bytes);
    }
    Ok(digest.hex())
}

/// FNV-1a over 64 bits, written out here because its value must never change between builds
/// or machines (std's `DefaultHasher` promises neither). It guards against mistakes, not
/// forgery: any shard's report can be edited anyway.
struct Digest(u64);

impl Digest {
    fn new() -> Digest {
        Digest(0xcbf2_9ce4_8422_2325)
    }

    fn bytes(&mut self, bytes: &[u8]) {
        for byte in bytes {
            self.0 ^= u64::from(*byte);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }

    /// A named, length-prefixed field, so that moving bytes from one field to the next changes
    /// the digest.
    fn field(&mut self, name: &str, value: &[u8]) {
        self.bytes(name.as_bytes());
        self.bytes(&(value.len() as u64).to_le_bytes());
        self.bytes(value);
    }

    fn hex(&self) -> String {
        format!("{:016x}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_digest_is_fnv1a_and_fields_are_delimited() {
        // FNV-1a's published test vectors: empty input, and "a".
        assert_eq!(Digest::new().hex(), "cbf29ce484222325");
        let mut a = Digest::new();
        a.bytes(b"a");
        assert_eq!(a.hex(), "af63dc4c8601ec8c");
        let (mut one, mut two) = (Digest::new(), Digest::new());
        one.field("only", b"ab");
        one.field("engine", b"");
        two.field("only", b"a");
        two.field("engine", b"b");
        assert_ne!(one.hex(), two.hex());
    }
}
