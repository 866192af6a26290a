//! The browser engine: a real headless Chromium driven over the Chrome DevTools Protocol.
//!
//! One browser per run ([`Chromium`]), one fresh browser context per target and consent phase
//! ([`context::BrowserPages`]), one tab per page ([`tab`]). The crawl policy (frontier,
//! politeness, limits) is the HTTP engine's: the browser only replaces how a page is loaded.
//!
//! What Chromium is told, and why:
//! - third-party cookies allowed (`cookie_controls_mode` 0 in the profile's preferences), since
//!   an audit is about exactly the cookies a default Chromium would block;
//! - site isolation off, so a cross-site iframe runs in the page's own target and the cookie
//!   hook, the binding and the network events cover it too;
//! - `--resolve` rules passed as host-resolver rules, and the origins they name treated as
//!   secure contexts: they stand in for the real HTTPS site, whose scripts may use secure-only
//!   APIs such as CookieStore.

pub(crate) mod autoconsent;
mod budget;
pub(crate) mod consent;
pub(crate) mod context;
mod frames;
mod guard;
mod hook;
mod pool;
mod process;
mod recorder;
mod tab;

use std::path::{Path, PathBuf};
use std::time::Duration;

use chromiumoxide::browser::Browser;
use chromiumoxide::handler::HandlerConfig;
use futures_util::StreamExt;
use tokio::sync::{Mutex, RwLock};
use tokio::task::JoinHandle;

use crate::crawl::fetch::ResolveRule;

/// Where Chromium is looked for when neither `--chromium` nor `CHROME` names it. Debian's
/// `/usr/bin/chromium` is a wrapper script that adds flags of its own, so the real binary
/// comes first.
const CANDIDATES: &[&str] = &[
    "/usr/lib/chromium/chromium",
    "/usr/bin/chromium",
    "/usr/bin/chromium-browser",
    "/usr/bin/google-chrome",
    "/usr/bin/google-chrome-stable",
];

/// How long Chromium may take to start and print its DevTools address.
const LAUNCH_TIMEOUT: Duration = Duration::from_secs(30);

/// What the browser engine needs to start.
#[derive(Debug, Clone, Default)]
pub(crate) struct BrowserOptions {
    /// The Chromium binary; looked for in the usual places when absent.
    pub executable: Option<PathBuf>,
    /// `--resolve` overrides, passed to Chromium as host-resolver rules.
    pub resolve: Vec<ResolveRule>,
    /// Longest wait for one CDP command.
    pub command_timeout: Duration,
    /// autoconsent's rules for `consent = "auto"`, when installed.
    pub autoconsent: Option<std::sync::Arc<autoconsent::Autoconsent>>,
    /// Tabs open at once over all targets (`--max-tabs`); 0 for the default.
    pub max_tabs: usize,
}

/// Why the browser engine could not start or go on.
#[derive(Debug, thiserror::Error)]
pub(crate) enum BrowserError {
    /// No Chromium binary was found.
    #[error(
        "no Chromium found (looked for {looked}); install Debian's `chromium` package \
         (apt-get install chromium), or name the binary with --chromium PATH or CHROME"
    )]
    NotFound {
        /// The places looked at.
        looked: String,
    },
    /// The named binary does not exist.
    #[error("Chromium binary {0} does not exist; fix --chromium or CHROME")]
    Missing(PathBuf),
    /// The profile directory could not be prepared.
    #[error("cannot prepare a Chromium profile: {0}")]
    Profile(#[from] std::io::Error),
    /// Chromium did not start, or the protocol failed.
    #[error("Chromium: {0}")]
    Cdp(String),
}

impl From<chromiumoxide::error::CdpError> for BrowserError {
    fn from(error: chromiumoxide::error::CdpError) -> Self {
        BrowserError::Cdp(error.to_string())
    }
}

/// The Chromium binary to use: `explicit` (from `--chromium` or `CHROME`) when given, else the
/// first of the usual places that exists.
pub(crate) fn find_executable(explicit: Option<&Path>) -> Result<PathBuf, BrowserError> {
    if let Some(path) = explicit {
        return if path.is_file() {
            Ok(path.to_path_buf())
        } else {
            Err(BrowserError::Missing(path.to_path_buf()))
        };
    }
    CANDIDATES
        .iter()
        .map(PathBuf::from)
        .find(|path| path.is_file())
        .ok_or_else(|| BrowserError::NotFound {
            looked: CANDIDATES.join(", "),
        })
}

/// How long Chromium gets to close itself before it is killed.
const CLOSE_TIMEOUT: Duration = Duration::from_secs(10);

/// One running Chromium, shared by every target of a run.
pub(crate) struct Chromium {
    /// Read-locked for every command (they run concurrently), write-locked to close.
    pub(crate) browser: RwLock<Browser>,
    process: process::Process,
    life: std::sync::Arc<process::Life>,
    events: JoinHandle<()>,
    profile: Mutex<Option<tempfile::TempDir>>,
    user_agent: String,
    /// autoconsent's rules, when installed.
    pub(crate) autoconsent: Option<std::sync::Arc<autoconsent::Autoconsent>>,
    /// The run's budget of open tabs.
    pub(crate) tabs: budget::TabBudget,
}

impl Chromium {
    /// Starts Chromium with a fresh temporary profile.
    pub(crate) async fn launch(options: &BrowserOptions) -> Result<Chromium, BrowserError> {
        let executable = find_executable(options.executable.as_deref())?;
        remove_stale_profiles(&std::env::temp_dir());
        let profile = tempfile::Builder::new().prefix(PROFILE_PREFIX).tempdir()?;
        std::fs::write(
            profile.path().join(OWNER_FILE),
            std::process::id().to_string(),
        )?;
        write_preferences(profile.path())?;
        // Chromium's own temporary files (its singleton socket folder) go inside the profile,
        // so removing the profile removes them, even after a Chromium that had to be killed.
        let chromium_tmp = profile.path().join("tmp");
        std::fs::create_dir(&chromium_tmp)?;
        let command_timeout = if options.command_timeout.is_zero() {
            Duration::from_secs(30)
        } else {
            options.command_timeout
        };
        let mut args = launch_args(&options.resolve);
        args.push(format!("user-data-dir={}", profile.path().display()));
        if running_as_root() {
            args.extend(["no-sandbox".into(), "disable-setuid-sandbox".into()]);
        }
        let life = std::sync::Arc::new(process::Life::default());
        let (process, address) = process::Process::start(
            &executable,
            &args,
            &chromium_tmp,
            LAUNCH_TIMEOUT,
            life.clone(),
        )
        .await?;
        let config = HandlerConfig {
            viewport: None,
            request_timeout: command_timeout,
            ..HandlerConfig::default()
        };
        let (browser, mut handler) = match Browser::connect_with_config(address, config).await {
            Ok(connected) => connected,
            Err(error) => {
                process.kill().await;
                return Err(error.into());
            }
        };
        // The handler drives the protocol; it must be polled for anything to happen. A broken
        // connection is the end of the browser: chromiumoxide would keep polling it and leave
        // every command and navigation waiting.
        let watch = life.clone();
        let events = tokio::spawn(async move {
            while let Some(event) = handler.next().await {
                match event {
                    Err(chromiumoxide::error::CdpError::Ws(error)) => {
                        watch.die(format!(
                            "the DevTools connection to Chromium broke: {error}"
                        ));
                        return;
                    }
                    Err(error) => tracing::debug!("CDP: {error}"),
                    Ok(()) => {}
                }
            }
            watch.die("the DevTools connection to Chromium closed");
        });
        let user_agent = browser
            .user_agent()
            .await
            .map(|agent| agent.replace("HeadlessChrome", "Chrome"))
            .unwrap_or_default();
        tracing::info!(binary = %executable.display(), "Chromium started");
        Ok(Chromium {
            browser: RwLock::new(browser),
            process,
            life,
            events,
            profile: Mutex::new(Some(profile)),
            user_agent,
            autoconsent: options.autoconsent.clone(),
            tabs: budget::TabBudget::new(match options.max_tabs {
                0 => budget::default_max_tabs(),
                tabs => tabs,
            }),
        })
    }

    /// Chromium's own `User-Agent`, for the engine to extend with the tool's.
    pub(crate) fn user_agent(&self) -> &str {
        &self.user_agent
    }

    /// Resolves when the browser dies, with the reason: every wait on the browser races this,
    /// so a dead browser fails its targets at once instead of leaving them waiting.
    pub(crate) async fn died(&self) -> String {
        let why = self.life.died().await;
        // The connection breaks a moment before the process is reaped; how the process ended
        // ("killed by signal 15") says more than "connection reset".
        if self.process.exits_within(Duration::from_secs(1)).await
            && let Some(exit) = self.process.exit()
        {
            return exit.to_string();
        }
        why
    }

    /// Closes the browser, waits for it to exit, then removes its profile. A dead browser is
    /// only reaped; one that does not close in time is killed.
    pub(crate) async fn close(&self) {
        if self.life.death().is_none() {
            // Commands of targets cut short may still hold the lock; a dead browser answers none.
            let closed = tokio::select! {
                closed = async {
                    let mut browser = self.browser.write().await;
                    // Browser.close answers before Chromium has finished shutting down.
                    matches!(
                        tokio::time::timeout(CLOSE_TIMEOUT, browser.close()).await,
                        Ok(Ok(_))
                    )
                } => closed,
                _ = self.life.died() => false,
            };
            // Browser.close may also lose its answer to the connection closing as Chromium
            // exits (the death is then seen first): either way, give the process its time.
            let asked = closed || self.life.death().is_some();
            let exited = asked && self.process.exits_within(CLOSE_TIMEOUT).await;
            if !exited && !self.process.has_exited() {
                tracing::warn!("Chromium did not close in time; killing it");
            }
        }
        self.process.kill().await;
        self.events.abort();
        if let Some(profile) = self.profile.lock().await.take() {
            remove_profile(profile.keep()).await;
        }
    }
}

/// Removes a closed browser's profile. Its helper processes were killed with it, but on a
/// loaded machine one may not have run its death yet and still hold a file open: a few tries,
/// a moment apart, rather than a profile left behind.
async fn remove_profile(dir: PathBuf) {
    let mut tries = 0;
    loop {
        match std::fs::remove_dir_all(&dir) {
            Ok(()) => return,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return,
            Err(error) if tries == 20 => {
                tracing::warn!(
                    "could not remove the Chromium profile {}: {error}",
                    dir.display()
                );
                return;
            }
            Err(_) => {
                tries += 1;
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
}

/// The temporary profiles' name prefix, under the system's temporary folder.
const PROFILE_PREFIX: &str = "cookie-audit-chromium-";

/// The file in a profile naming the process that made it.
const OWNER_FILE: &str = "cookie-audit.pid";

/// Removes the profiles of runs that were killed before they could (SIGKILL, a power cut): a
/// profile whose owner process is gone. Profiles without an owner file (older versions) go
/// once a day old. Errors are ignored: another user's or a running run's profile is not ours.
fn remove_stale_profiles(temp: &Path) {
    let Ok(entries) = std::fs::read_dir(temp) else {
        return;
    };
    let day_ago = std::time::SystemTime::now() - Duration::from_secs(24 * 3600);
    for entry in entries.flatten() {
        let name = entry.file_name();
        if !name.to_string_lossy().starts_with(PROFILE_PREFIX) {
            continue;
        }
        let dir = entry.path();
        let stale = match std::fs::read_to_string(dir.join(OWNER_FILE)) {
            Ok(pid) => pid
                .trim()
                .parse::<i32>()
                .is_ok_and(|pid| !process_exists(pid)),
            Err(_) => entry
                .metadata()
                .and_then(|m| m.modified())
                .is_ok_and(|modified| modified < day_ago),
        };
        if stale && std::fs::remove_dir_all(&dir).is_ok() {
            tracing::info!(
                "removed the Chromium profile of an earlier run: {}",
                dir.display()
            );
        }
    }
}

/// Whether a process of this id exists (signal 0 checks without sending anything).
fn process_exists(pid: i32) -> bool {
    if pid <= 0 {
        return false;
    }
    // SAFETY: kill with signal 0 only checks the process's existence and our permission.
    let alive = unsafe { libc::kill(pid, 0) } == 0;
    alive || std::io::Error::last_os_error().raw_os_error() != Some(libc::ESRCH)
}

/// Chromium blocks every third-party cookie by default; an audit must see them, so the
/// profile says to allow them (`setCookieControls` over CDP does not reach the same switch).
fn write_preferences(profile: &Path) -> std::io::Result<()> {
    let default = profile.join("Default");
    std::fs::create_dir_all(&default)?;
    std::fs::write(
        default.join("Preferences"),
        br#"{"profile":{"cookie_controls_mode":0,"block_third_party_cookies":false}}"#,
    )
}

fn launch_args(resolve: &[ResolveRule]) -> Vec<String> {
    let mut args: Vec<String> = [
        "headless",
        "disable-gpu",
        "disable-background-networking",
        "disable-component-update",
        "disable-sync",
        "no-first-run",
        "no-default-browser-check",
        "disable-default-apps",
        "disable-extensions",
        "disable-breakpad",
        "disable-dev-shm-usage",
        "disable-hang-monitor",
        "disable-popup-blocking",
        "disable-prompt-on-repost",
        "disable-client-side-phishing-detection",
        "disable-background-timer-throttling",
        "disable-renderer-backgrounding",
        "disable-backgrounding-occluded-windows",
        "metrics-recording-only",
        "mute-audio",
        "hide-scrollbars",
        "password-store=basic",
        "use-mock-keychain",
        "disable-site-isolation-trials",
        // Headless Chromium says `navigator.webdriver === true`; sites that hide their banner
        // from bots, or load trackers only for people, would show an audit a different site.
        "disable-blink-features=AutomationControlled",
        "disable-features=IsolateOrigins,site-per-process,Translate,HttpsUpgrades,\
         HttpsFirstBalancedModeAutoEnable,OptimizationHints,MediaRouter",
        "remote-debugging-port=0",
        "lang=fr",
        "accept-lang=fr,nl,en,de",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    if !resolve.is_empty() {
        let rules: Vec<String> = resolve
            .iter()
            .map(|rule| format!("MAP {}:{} {}", rule.host, rule.port, host_for(rule)))
            .collect();
        args.push(format!("host-resolver-rules={}", rules.join(",")));
        let origins: Vec<String> = resolve
            .iter()
            .map(|rule| format!("http://{}:{}", rule.host, rule.port))
            .collect();
        args.push(format!(
            "unsafely-treat-insecure-origin-as-secure={}",
            origins.join(",")
        ));
    }
    args
}

/// The rule's address with the URL's port, as curl's `--resolve` means it.
fn host_for(rule: &ResolveRule) -> String {
    match rule.addr {
        std::net::IpAddr::V4(v4) => format!("{v4}:{}", rule.port),
        std::net::IpAddr::V6(v6) => format!("[{v6}]:{}", rule.port),
    }
}

/// Chromium's sandbox cannot start as root; outside root it stays on.
fn running_as_root() -> bool {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolve_rules_become_host_resolver_rules_and_secure_origins() {
        let rules: Vec<ResolveRule> = ["portal.test:8080:127.0.0.1", "cdn.test:443:::1"]
            .iter()
            .map(|r| r.parse().unwrap())
            .collect();
        let args = launch_args(&rules);
        assert!(args.contains(
            &"host-resolver-rules=MAP portal.test:8080 127.0.0.1:8080,MAP cdn.test:443 [::1]:443"
                .to_string()
        ));
        assert!(args.contains(
            &"unsafely-treat-insecure-origin-as-secure=http://portal.test:8080,http://cdn.test:443"
                .to_string()
        ));
        assert!(args.contains(&"disable-blink-features=AutomationControlled".to_string()));
        assert!(
            args.iter().all(|a| !a.starts_with("--")),
            "chromiumoxide adds the dashes"
        );
    }

    #[test]
    fn a_named_binary_that_does_not_exist_is_an_error_naming_it() {
        let err = find_executable(Some(Path::new("/nonexistent/chromium"))).unwrap_err();
        assert!(err.to_string().contains("/nonexistent/chromium"), "{err}");
    }

    #[test]
    fn profiles_of_dead_runs_are_removed_and_live_ones_kept() {
        let temp = tempfile::tempdir().unwrap();
        let dead = temp.path().join(format!("{PROFILE_PREFIX}dead"));
        let live = temp.path().join(format!("{PROFILE_PREFIX}live"));
        let other = temp.path().join("someone-else");
        for dir in [&dead, &live, &other] {
            std::fs::create_dir(dir).unwrap();
        }
        // A child that has exited and been reaped: its pid names no process.
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let gone = child.id();
        child.wait().unwrap();
        std::fs::write(dead.join(OWNER_FILE), gone.to_string()).unwrap();
        std::fs::write(live.join(OWNER_FILE), std::process::id().to_string()).unwrap();
        std::fs::write(other.join(OWNER_FILE), gone.to_string()).unwrap();
        remove_stale_profiles(temp.path());
        assert!(!dead.exists());
        assert!(live.exists());
        assert!(other.exists(), "only our own prefix is ever removed");
    }

    #[test]
    fn preferences_allow_third_party_cookies() {
        let dir = tempfile::tempdir().unwrap();
        write_preferences(dir.path()).unwrap();
        let text = std::fs::read_to_string(dir.path().join("Default/Preferences")).unwrap();
        let json: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(json["profile"]["cookie_controls_mode"], 0);
    }
}
