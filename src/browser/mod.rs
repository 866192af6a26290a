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
pub(crate) mod consent;
pub(crate) mod context;
mod frames;
mod hook;
mod tab;

use std::path::{Path, PathBuf};
use std::time::Duration;

use chromiumoxide::browser::{Browser, BrowserConfig};
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
const CLOSE_TIMEOUT: Duration = Duration::from_secs(5);

/// One running Chromium, shared by every target of a run.
pub(crate) struct Chromium {
    /// Read-locked for every command (they run concurrently), write-locked to close.
    pub(crate) browser: RwLock<Browser>,
    events: JoinHandle<()>,
    profile: Mutex<Option<tempfile::TempDir>>,
    user_agent: String,
    /// autoconsent's rules, when installed.
    pub(crate) autoconsent: Option<std::sync::Arc<autoconsent::Autoconsent>>,
}

impl Chromium {
    /// Starts Chromium with a fresh temporary profile.
    pub(crate) async fn launch(options: &BrowserOptions) -> Result<Chromium, BrowserError> {
        let executable = find_executable(options.executable.as_deref())?;
        let profile = tempfile::Builder::new()
            .prefix("cookie-audit-chromium-")
            .tempdir()?;
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
        let mut builder = BrowserConfig::builder()
            .chrome_executable(&executable)
            .user_data_dir(profile.path())
            .disable_default_args()
            .launch_timeout(LAUNCH_TIMEOUT)
            .request_timeout(command_timeout)
            .viewport(None)
            .env("TMPDIR", chromium_tmp.display().to_string())
            .args(launch_args(&options.resolve));
        if running_as_root() {
            builder = builder.no_sandbox();
        }
        let config = builder.build().map_err(BrowserError::Cdp)?;
        let (browser, mut handler) = Browser::launch(config).await?;
        // The handler drives the protocol; it must be polled for anything to happen.
        let events = tokio::spawn(async move {
            while let Some(event) = handler.next().await {
                if let Err(error) = event {
                    tracing::debug!("CDP: {error}");
                }
            }
        });
        let user_agent = browser
            .user_agent()
            .await
            .map(|agent| agent.replace("HeadlessChrome", "Chrome"))
            .unwrap_or_default();
        tracing::info!(binary = %executable.display(), "Chromium started");
        Ok(Chromium {
            browser: RwLock::new(browser),
            events,
            profile: Mutex::new(Some(profile)),
            user_agent,
            autoconsent: options.autoconsent.clone(),
        })
    }

    /// Chromium's own `User-Agent`, for the engine to extend with the tool's.
    pub(crate) fn user_agent(&self) -> &str {
        &self.user_agent
    }

    /// Closes the browser, waits for it to exit, then removes its profile.
    pub(crate) async fn close(&self) {
        let mut browser = self.browser.write().await;
        // Browser.close answers before Chromium has finished shutting down: wait for the
        // process to exit, and kill it only when it does not.
        let closed = matches!(
            tokio::time::timeout(CLOSE_TIMEOUT, browser.close()).await,
            Ok(Ok(_))
        ) && tokio::time::timeout(CLOSE_TIMEOUT, browser.wait())
            .await
            .is_ok();
        if !closed {
            tracing::warn!("Chromium did not close in time; killing it");
            let _ = browser.kill().await;
            let _ = browser.wait().await;
        }
        drop(browser);
        self.events.abort();
        if let Some(profile) = self.profile.lock().await.take()
            && let Err(error) = profile.close()
        {
            tracing::warn!("could not remove the Chromium profile: {error}");
        }
    }
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
    fn preferences_allow_third_party_cookies() {
        let dir = tempfile::tempdir().unwrap();
        write_preferences(dir.path()).unwrap();
        let text = std::fs::read_to_string(dir.path().join("Default/Preferences")).unwrap();
        let json: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(json["profile"]["cookie_controls_mode"], 0);
    }
}
