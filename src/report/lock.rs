//! One run at a time per `--out` folder: two cron runs that overlap must not interleave their
//! writes to `latest.*`. The second one is refused, and told who holds the folder.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};

/// The lock file's name inside the reports folder.
pub(crate) const LOCK_FILE: &str = ".cookie-audit.lock";

/// Why the reports folder could not be taken.
#[derive(Debug, thiserror::Error)]
pub(crate) enum LockError {
    /// Another run holds it.
    #[error(
        "another cookie-audit run{holder} is writing to {out}; wait for it to finish, or give \
         this run its own --out",
        holder = holder.as_deref().map(|pid| format!(" (pid {pid})")).unwrap_or_default(),
        out = out.display()
    )]
    Busy {
        /// The reports folder.
        out: PathBuf,
        /// The process id the holder wrote, if it could be read.
        holder: Option<String>,
    },
    /// The folder or its lock file cannot be created or written.
    #[error("cannot write to the reports folder {}: {source} (choose another --out)", path.display())]
    Unwritable {
        /// The folder or file that failed.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
}

/// The reports folder, held until dropped (the operating system releases it if the process
/// dies, so a crash never leaves a stale lock behind).
#[derive(Debug)]
pub(crate) struct OutLock {
    _file: File,
}

/// Takes `out` (creating it), or says why not.
pub(crate) fn lock(out: &Path) -> Result<OutLock, LockError> {
    let unwritable = |path: &Path| {
        let path = path.to_path_buf();
        move |source| LockError::Unwritable { path, source }
    };
    std::fs::create_dir_all(out).map_err(unwritable(out))?;
    let path = out.join(LOCK_FILE);
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .map_err(unwritable(&path))?;
    match file.try_lock() {
        Ok(()) => {}
        Err(TryLockError::WouldBlock) => {
            let mut holder = String::new();
            let _ = file.read_to_string(&mut holder);
            let holder = holder.trim();
            return Err(LockError::Busy {
                out: out.to_path_buf(),
                holder: (!holder.is_empty() && holder.len() < 32).then(|| holder.to_string()),
            });
        }
        Err(TryLockError::Error(source)) => return Err(LockError::Unwritable { path, source }),
    }
    // Only the holder writes its pid, for the message a refused run prints.
    let written = file
        .set_len(0)
        .and_then(|()| file.rewind())
        .and_then(|()| writeln!(file, "{}", std::process::id()));
    written.map_err(unwritable(&path))?;
    Ok(OutLock { _file: file })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_holder_is_refused_until_the_first_lets_go() {
        let out = tempfile::tempdir().unwrap();
        let reports = out.path().join("reports");
        let first = lock(&reports).unwrap();
        let refused = lock(&reports).unwrap_err();
        let message = refused.to_string();
        assert!(
            message.contains(&format!("(pid {})", std::process::id())),
            "{message}"
        );
        assert!(message.contains("--out"), "{message}");
        drop(first);
        lock(&reports).expect("free again");
    }

    #[test]
    fn an_out_folder_that_cannot_exist_is_named() {
        let out = tempfile::tempdir().unwrap();
        let file = out.path().join("a-file");
        std::fs::write(&file, "x").unwrap();
        let error = lock(&file.join("reports")).unwrap_err();
        assert!(matches!(error, LockError::Unwritable { .. }));
        assert!(error.to_string().contains("a-file"), "{error}");
    }
}
