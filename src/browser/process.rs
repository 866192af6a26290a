//! Chromium's process, started by the tool itself rather than by chromiumoxide, for two reasons:
//! its life is tied to ours (the kernel kills it when we die, even by SIGKILL), and its death is
//! seen the moment it happens, so the targets still using it fail instead of waiting forever
//! for answers from a browser that is gone.

use std::path::Path;
use std::process::Stdio;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, ChildStderr, Command};
use tokio::sync::oneshot;
use tokio_util::sync::CancellationToken;

use super::BrowserError;

/// Whether the browser is still usable, and why not once it is not: set by whichever notices
/// first, the process's exit or the DevTools connection's end.
#[derive(Debug, Default)]
pub(crate) struct Life {
    dead: CancellationToken,
    reason: OnceLock<String>,
}

impl Life {
    /// Marks the browser dead; the first reason given is the one kept.
    pub(crate) fn die(&self, reason: impl Into<String>) {
        let _ = self.reason.set(reason.into());
        self.dead.cancel();
    }

    /// Why the browser is gone, if it is.
    pub(crate) fn death(&self) -> Option<&str> {
        self.dead
            .is_cancelled()
            .then(|| self.reason.get().map_or("", String::as_str))
    }

    /// Resolves once the browser is gone, with the reason.
    pub(crate) async fn died(&self) -> String {
        self.dead.cancelled().await;
        self.reason.get().cloned().unwrap_or_default()
    }
}

/// The running Chromium: asked to stop through [`Process::kill`], watched by a task that
/// reaps it and marks [`Life`] when it exits.
#[derive(Debug)]
pub(crate) struct Process {
    kill: CancellationToken,
    exited: CancellationToken,
    exit: Arc<OnceLock<String>>,
}

impl Process {
    /// Starts `executable` with `args` (without their dashes) and waits, up to `timeout`, for
    /// the DevTools address it prints. `life` is marked when the process exits.
    pub(crate) async fn start(
        executable: &Path,
        args: &[String],
        temp_dir: &Path,
        timeout: Duration,
        life: Arc<Life>,
    ) -> Result<(Process, String), BrowserError> {
        let mut command = Command::new(executable);
        command
            .args(args.iter().map(|arg| format!("--{arg}")))
            .env("TMPDIR", temp_dir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        die_with_parent(&mut command);
        let mut child = command.spawn().map_err(|error| {
            BrowserError::Cdp(format!("cannot start {}: {error}", executable.display()))
        })?;
        let Some(stderr) = child.stderr.take() else {
            return Err(BrowserError::Cdp("Chromium's stderr was not piped".into()));
        };
        let (address_tx, address_rx) = oneshot::channel();
        tokio::spawn(read_stderr(stderr, address_tx));
        let process = Process {
            kill: CancellationToken::new(),
            exited: CancellationToken::new(),
            exit: Arc::default(),
        };
        tokio::spawn(reap(child, process.watch(), life.clone()));
        let address = tokio::select! {
            address = tokio::time::timeout(timeout, address_rx) => match address {
                Ok(Ok(address)) => Ok(address),
                // Its output closes as it exits: wait a moment for how it exited.
                Ok(Err(_)) => match tokio::time::timeout(Duration::from_secs(5), life.died()).await {
                    Ok(why) => Err(format!("Chromium stopped before it could be used: {why}")),
                    Err(_) => Err("Chromium closed its output without a DevTools address".into()),
                },
                Err(_) => Err(format!(
                    "Chromium printed no DevTools address within {} s",
                    timeout.as_secs()
                )),
            },
            why = life.died() => Err(why),
        };
        match address {
            Ok(address) => Ok((process, address)),
            Err(why) => {
                process.kill().await;
                Err(BrowserError::Cdp(why))
            }
        }
    }

    fn watch(&self) -> Reaper {
        Reaper {
            kill: self.kill.clone(),
            exited: self.exited.clone(),
            exit: self.exit.clone(),
        }
    }

    /// How the process ended ("Chromium was killed by signal 15 (SIGTERM)"), once it has.
    pub(crate) fn exit(&self) -> Option<&str> {
        self.exit.get().map(String::as_str)
    }

    /// Whether the process has exited.
    pub(crate) fn has_exited(&self) -> bool {
        self.exited.is_cancelled()
    }

    /// Waits up to `limit` for the process to exit by itself; true when it did.
    pub(crate) async fn exits_within(&self, limit: Duration) -> bool {
        tokio::time::timeout(limit, self.exited.cancelled())
            .await
            .is_ok()
    }

    /// Kills the process and waits until it is reaped.
    pub(crate) async fn kill(&self) {
        self.kill.cancel();
        self.exited.cancelled().await;
    }
}

/// Asks the kernel to kill the child when the thread that starts it ends. That thread is one of
/// the runtime's workers (or the thread blocking on it), which live as long as the process, so
/// in effect Chromium dies with us, even when we are killed by SIGKILL and can clean nothing.
fn die_with_parent(command: &mut Command) {
    let parent = std::process::id() as libc::pid_t;
    // SAFETY: the closure runs in the forked child before exec and only makes async-signal-safe
    // system calls (prctl, getppid).
    unsafe {
        command.pre_exec(move || {
            // Its own process group: the whole tree (zygotes, renderers) is killed at once,
            // and a signal to our group (Ctrl-C, `timeout`, systemd) reaches us, not it: we
            // close it ourselves once the report is safe.
            if libc::setpgid(0, 0) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            // The parent may have died between fork and prctl: then nobody would kill us.
            if libc::getppid() != parent {
                return Err(std::io::Error::other("the parent exited while starting"));
            }
            Ok(())
        });
    }
}

/// The reaping task's side of a [`Process`].
struct Reaper {
    kill: CancellationToken,
    exited: CancellationToken,
    exit: Arc<OnceLock<String>>,
}

/// Reaps the child, killing it first when asked, and says so to everyone waiting.
async fn reap(mut child: Child, reaper: Reaper, life: Arc<Life>) {
    let group = child.id().and_then(|pid| libc::pid_t::try_from(pid).ok());
    let kill_group = || {
        if let Some(group) = group {
            // SAFETY: signals the process group this Chromium leads (its id is the group's).
            unsafe { libc::kill(-group, libc::SIGKILL) };
        }
    };
    let status = tokio::select! {
        status = child.wait() => status,
        () = reaper.kill.cancelled() => {
            kill_group();
            child.wait().await
        }
    };
    // Its helpers outlive a browser process that crashed or was killed, and would keep writing
    // into the profile being removed.
    kill_group();
    let why = match status {
        Ok(status) => describe_exit(status),
        Err(error) => format!("Chromium could not be waited for: {error}"),
    };
    let _ = reaper.exit.set(why.clone());
    life.die(why);
    reaper.exited.cancel();
}

/// "Chromium exited with status 1", "Chromium was killed by signal 9 (SIGKILL)".
fn describe_exit(status: std::process::ExitStatus) -> String {
    use std::os::unix::process::ExitStatusExt;
    match (status.code(), status.signal()) {
        (Some(code), _) => format!("Chromium exited with status {code}"),
        (None, Some(signal)) => {
            let name = match signal {
                libc::SIGKILL => " (SIGKILL)",
                libc::SIGTERM => " (SIGTERM)",
                libc::SIGINT => " (SIGINT)",
                libc::SIGSEGV => " (SIGSEGV)",
                libc::SIGABRT => " (SIGABRT)",
                _ => "",
            };
            format!("Chromium was killed by signal {signal}{name}")
        }
        (None, None) => "Chromium exited".to_string(),
    }
}

/// Longest stderr line kept in a log line: Chromium's are short, a runaway one is cut.
const MAX_LINE: usize = 300;

/// Hands over the DevTools address Chromium prints at start, then keeps draining its stderr (a
/// full pipe would block it) into debug log lines.
async fn read_stderr(stderr: ChildStderr, address: oneshot::Sender<String>) {
    let mut lines = BufReader::new(stderr).lines();
    let mut address = Some(address);
    while let Ok(Some(line)) = lines.next_line().await {
        if let Some(ws) = devtools_address(&line)
            && let Some(sender) = address.take()
        {
            let _ = sender.send(ws.to_string());
            continue;
        }
        let shown: String = line.chars().take(MAX_LINE).collect();
        tracing::debug!("chromium: {shown}");
    }
}

/// The `ws://…/devtools/browser/…` address of a "DevTools listening on" line.
fn devtools_address(line: &str) -> Option<&str> {
    let (_, ws) = line.rsplit_once("listening on ")?;
    let ws = ws.trim();
    (ws.starts_with("ws://") && ws.contains("/devtools/browser/")).then_some(ws)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_devtools_address_is_read_from_chromiums_line() {
        assert_eq!(
            devtools_address("DevTools listening on ws://127.0.0.1:41235/devtools/browser/ab-cd\n"),
            Some("ws://127.0.0.1:41235/devtools/browser/ab-cd")
        );
        assert_eq!(
            devtools_address("[123:456:ERROR:foo.cc] listening on nothing"),
            None
        );
    }

    #[test]
    fn the_first_reason_of_death_is_kept() {
        let life = Life::default();
        assert_eq!(life.death(), None);
        life.die("the DevTools connection closed");
        life.die("Chromium was killed by signal 9 (SIGKILL)");
        assert_eq!(life.death(), Some("the DevTools connection closed"));
    }

    fn script(dir: &Path, body: &str) -> std::path::PathBuf {
        use std::os::unix::fs::PermissionsExt;
        let path = dir.join("fake-chromium");
        std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        path
    }

    #[tokio::test]
    async fn a_browser_that_exits_at_start_is_an_error_naming_its_status() {
        let dir = tempfile::tempdir().unwrap();
        let life = Arc::new(Life::default());
        let exe = script(dir.path(), "exit 3");
        let err = Process::start(&exe, &[], dir.path(), Duration::from_secs(30), life.clone())
            .await
            .unwrap_err();
        assert_eq!(life.died().await, "Chromium exited with status 3");
        assert!(err.to_string().contains("status 3"), "{err}");
    }

    #[tokio::test]
    async fn a_browser_killed_while_running_is_seen_dead_with_the_signal() {
        let dir = tempfile::tempdir().unwrap();
        let life = Arc::new(Life::default());
        let exe = script(
            dir.path(),
            "echo 'DevTools listening on ws://127.0.0.1:9/devtools/browser/x' >&2; exec sleep 600",
        );
        let (process, address) =
            Process::start(&exe, &[], dir.path(), Duration::from_secs(30), life.clone())
                .await
                .unwrap();
        assert_eq!(address, "ws://127.0.0.1:9/devtools/browser/x");
        assert!(life.death().is_none());
        assert!(!process.has_exited());
        process.kill().await;
        assert!(process.has_exited());
        assert_eq!(
            life.died().await,
            "Chromium was killed by signal 9 (SIGKILL)"
        );
    }
}
