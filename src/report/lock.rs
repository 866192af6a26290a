//! One run at a time per `--out` folder: two cron runs that overlap must not interleave their
//! writes to `latest.*`. The second one is refused, and told who holds the folder.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, Write};
use std::os::unix::fs::OpenOptionsExt;
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
    /// Something other than a regular file stands where the lock file goes.
    #[error(
        "{} is {what}; cookie-audit will not write through it. Remove it if it is not yours, \
         and check who can write to this reports folder",
        path.display()
    )]
    NotAFile {
        /// The lock file's path.
        path: PathBuf,
        /// What stands there instead.
        what: &'static str,
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
    // Never through a link: a link planted as the lock file would make a root cron job write
    // (and truncate) whatever it points to.
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(&path)
        .map_err(|source| match source.raw_os_error() {
            Some(libc::ELOOP) => LockError::NotAFile {
                path: path.clone(),
                what: "a symbolic link",
            },
            _ => LockError::Unwritable {
                path: path.clone(),
                source,
            },
        })?;
    let kind = file.metadata().map_err(unwritable(&path))?.file_type();
    if !kind.is_file() {
        return Err(LockError::NotAFile {
            path,
            what: "not a regular file",
        });
    }
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
    fn a_link_planted_as_the_lock_is_refused_and_its_target_left_alone() {
        let out = tempfile::tempdir().unwrap();
        let victim = out.path().join("precious");
        std::fs::write(&victim, "keep me").unwrap();
        let reports = out.path().join("reports");
        std::fs::create_dir(&reports).unwrap();
        std::os::unix::fs::symlink(&victim, reports.join(LOCK_FILE)).unwrap();
        let error = lock(&reports).unwrap_err();
        assert!(matches!(error, LockError::NotAFile { .. }), "{error}");
        assert!(error.to_string().contains("symbolic link"), "{error}");
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep me");
    }

    #[test]
    fn a_fifo_as_the_lock_is_refused_without_blocking() {
        let out = tempfile::tempdir().unwrap();
        let path = out.path().join(LOCK_FILE);
        let name = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).unwrap();
        // SAFETY: a valid C string and mode.
        assert_eq!(unsafe { libc::mkfifo(name.as_ptr(), 0o600) }, 0);
        let error = lock(out.path()).unwrap_err();
        assert!(error.to_string().contains("not a regular file"), "{error}");
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
