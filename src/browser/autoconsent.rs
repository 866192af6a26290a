//! DuckDuckGo's autoconsent (`@duckduckgo/autoconsent`, MPL-2.0): some 800 maintained rules
//! that find a consent manager's banner and refuse or accept through it. It is loaded at run
//! time from an installed npm package, never bundled, and runs as its authors mean it to: as a
//! content script in an isolated world of every frame, talking to us over a binding, with its
//! `eval` requests answered in the frame's main world.

use std::path::{Path, PathBuf};

/// The environment variable naming the package's folder.
pub(crate) const AUTOCONSENT_ENV: &str = "COOKIE_AUDIT_AUTOCONSENT";

/// Where the package is looked for when neither `--autoconsent` nor the environment names it.
const PACKAGE_PLACES: &[&str] = &[
    "node_modules/@duckduckgo/autoconsent",
    "/usr/local/lib/node_modules/@duckduckgo/autoconsent",
    "/usr/lib/node_modules/@duckduckgo/autoconsent",
];

/// The bundle meant for injection over the DevTools protocol.
const BUNDLE: &str = "dist/autoconsent.playwright.js";
/// Every rule, opt-in ones included (the compact file has opt-out rules only).
const RULES: &str = "rules/rules.json";

/// The loaded package: its content script and rules.
#[derive(Debug)]
pub(crate) struct Autoconsent {
    /// The content script.
    pub bundle: String,
    /// `rules.json` as JSON text, handed to the script at its `init`.
    pub rules: String,
    /// The package's folder.
    pub dir: PathBuf,
    /// The package's version, from its `package.json`.
    pub version: Option<String>,
}

/// Why autoconsent could not be loaded from a folder the user named.
#[derive(Debug, thiserror::Error)]
#[error(
    "cannot load autoconsent from {dir}: {why}; install it with \
     `npm install @duckduckgo/autoconsent` and name the package folder \
     (…/node_modules/@duckduckgo/autoconsent) with --autoconsent or {AUTOCONSENT_ENV}"
)]
pub(crate) struct AutoconsentError {
    dir: PathBuf,
    why: String,
}

impl Autoconsent {
    /// Loads the package from `explicit` (`--autoconsent` or the environment variable), else
    /// from the first usual place that has it. `Ok(None)` when no usual place has it; an error
    /// only when a named folder does not hold it.
    pub(crate) fn find(explicit: Option<&Path>) -> Result<Option<Autoconsent>, AutoconsentError> {
        if let Some(dir) = explicit {
            return Autoconsent::load(dir).map(Some);
        }
        let home = std::env::var_os("HOME").map(PathBuf::from);
        let places = PACKAGE_PLACES
            .iter()
            .map(PathBuf::from)
            .chain(home.map(|h| h.join(".npm-global/lib/node_modules/@duckduckgo/autoconsent")));
        for dir in places {
            if dir.join(BUNDLE).is_file() {
                return Autoconsent::load(&dir).map(Some);
            }
        }
        Ok(None)
    }

    fn load(dir: &Path) -> Result<Autoconsent, AutoconsentError> {
        let read = |file: &str| {
            std::fs::read_to_string(dir.join(file)).map_err(|e| AutoconsentError {
                dir: dir.to_path_buf(),
                why: format!("{file}: {e}"),
            })
        };
        let bundle = read(BUNDLE)?;
        let rules = read(RULES)?;
        if serde_json::from_str::<serde_json::Value>(&rules).is_err() {
            return Err(AutoconsentError {
                dir: dir.to_path_buf(),
                why: format!("{RULES} is not JSON"),
            });
        }
        let version = read("package.json").ok().and_then(|text| {
            let json: serde_json::Value = serde_json::from_str(&text).ok()?;
            Some(json.get("version")?.as_str()?.to_string())
        });
        Ok(Autoconsent {
            bundle,
            rules,
            dir: dir.to_path_buf(),
            version,
        })
    }

    /// The script installed in the isolated world: the bridge its bundle expects (two globals
    /// of that world, invisible to the page), the bundle, then its settings and rules at once,
    /// so that it starts looking at document start as in a browser extension rather than after
    /// a round trip through a page that is still loading.
    pub(crate) fn content_script(&self, binding: &str) -> String {
        format!(
            "window.autoconsentSendMessage = (message) => {{ \
               try {{ {binding}(JSON.stringify(message)); }} catch (e) {{}} \
               return Promise.resolve(); }};\n{}\n;window.autoconsentReceiveMessage({});",
            self.bundle,
            self.init_response()
        )
    }

    /// The script's settings and every rule. No automatic action: the driver asks for the
    /// choice once the banner is found, after its screenshot.
    pub(crate) fn init_response(&self) -> String {
        format!(
            "{{\"type\":\"initResp\",\"config\":{},\"rules\":{}}}",
            CONFIG, self.rules
        )
    }
}

/// autoconsent's settings: detect and report, act only when told; no cosmetic hiding (a hidden
/// banner is no choice made), heuristics on for banners no rule knows.
const CONFIG: &str = r#"{"enabled":true,"autoAction":null,"disabledCmps":[],"enablePrehide":false,"enableCosmeticRules":false,"enableGeneratedRules":true,"enableHeuristicDetection":true,"heuristicMode":"tier2","detectRetries":20,"isMainWorld":false,"prehideTimeout":2000,"visualTest":false,"logs":{"lifecycle":false,"rulesteps":false,"detectionsteps":false,"evals":false,"errors":false,"messages":false,"waits":false}}"#;

/// One message of the content script, as far as the driver cares.
#[derive(Debug, PartialEq)]
pub(crate) enum Message {
    /// The script started and asks for its settings.
    Init,
    /// Code to run in the frame's main world; answer with `evalResp` and the same id.
    Eval { id: String, code: String },
    /// A consent manager's code was detected (not necessarily showing).
    Detected { cmp: String },
    /// Its banner is showing.
    PopupFound { cmp: String },
    /// The refusal or acceptance ran; `result` says whether its steps succeeded.
    Result {
        cmp: String,
        result: bool,
        self_test: bool,
    },
    /// The self-test's verdict: did the choice take?
    SelfTest { result: bool },
    /// A rule failed on its way (an opt-in its heuristics cannot make, say).
    Error,
    /// Anything else (reports, done, errors).
    Other,
}

impl Message {
    /// Reads one message; None when it is not one (the binding is hidden from the page, but a
    /// message is checked all the same).
    pub(crate) fn parse(payload: &str) -> Option<Message> {
        let value: serde_json::Value = serde_json::from_str(payload).ok()?;
        let text = |key: &str| {
            value
                .get(key)
                .and_then(|v| v.as_str())
                .map(|s| crate::text::truncate_at_char(s, 200).to_string())
        };
        let flag = |key: &str| value.get(key).and_then(|v| v.as_bool()).unwrap_or(false);
        Some(match value.get("type")?.as_str()? {
            "init" => Message::Init,
            "eval" => Message::Eval {
                id: text("id")?,
                code: value.get("code")?.as_str()?.to_string(),
            },
            "cmpDetected" => Message::Detected { cmp: text("cmp")? },
            "popupFound" => Message::PopupFound { cmp: text("cmp")? },
            "optOutResult" | "optInResult" => Message::Result {
                cmp: text("cmp").unwrap_or_default(),
                result: flag("result"),
                self_test: flag("scheduleSelfTest"),
            },
            "selfTestResult" => Message::SelfTest {
                result: flag("result"),
            },
            "autoconsentError" => Message::Error,
            _ => Message::Other,
        })
    }
}

/// The expression that hands `message` (JSON text) to the content script. It must not wait for
/// the script's answer: an opt-out asks for `eval`s on its way, which only the driver can
/// answer, so waiting here would leave each of them to time out.
pub(crate) fn deliver(message: &str) -> String {
    format!(
        "(() => {{ const r = window.autoconsentReceiveMessage; \
         if (!r) return false; r({message}); return true; }})()"
    )
}

/// The `evalResp` for an `eval` request.
pub(crate) fn eval_response(id: &str, result: &serde_json::Value) -> String {
    serde_json::json!({"type": "evalResp", "id": id, "result": result}).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_read_and_checked() {
        assert_eq!(
            Message::parse(r#"{"type":"init","url":"http://a.test/"}"#),
            Some(Message::Init)
        );
        assert_eq!(
            Message::parse(r#"{"type":"popupFound","cmp":"tarteaucitron.js","url":"x"}"#),
            Some(Message::PopupFound {
                cmp: "tarteaucitron.js".into()
            })
        );
        assert_eq!(
            Message::parse(
                r#"{"type":"optOutResult","cmp":"klaro","result":true,"scheduleSelfTest":true}"#
            ),
            Some(Message::Result {
                cmp: "klaro".into(),
                result: true,
                self_test: true
            })
        );
        assert_eq!(
            Message::parse(r#"{"type":"eval","id":"7","code":"1+1"}"#),
            Some(Message::Eval {
                id: "7".into(),
                code: "1+1".into()
            })
        );
        for bad in ["", "[]", r#"{"type":"eval","id":"7"}"#, r#"{"cmp":"x"}"#] {
            assert_eq!(Message::parse(bad), None, "{bad}");
        }
        assert_eq!(Message::parse(r#"{"type":"report"}"#), Some(Message::Other));
    }

    #[test]
    fn the_init_response_holds_rules_and_takes_no_action_itself() {
        let package = Autoconsent {
            bundle: String::new(),
            rules: r#"{"autoconsent":[]}"#.into(),
            dir: PathBuf::new(),
            version: None,
        };
        let json: serde_json::Value = serde_json::from_str(&package.init_response()).unwrap();
        assert_eq!(json["type"], "initResp");
        assert_eq!(json["config"]["autoAction"], serde_json::Value::Null);
        assert_eq!(json["config"]["enableCosmeticRules"], false);
        assert!(json["rules"]["autoconsent"].is_array());
    }

    #[test]
    fn a_named_folder_without_the_package_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let error = Autoconsent::find(Some(dir.path())).unwrap_err().to_string();
        assert!(error.contains(&dir.path().display().to_string()), "{error}");
        assert!(
            error.contains("npm install @duckduckgo/autoconsent"),
            "{error}"
        );
    }
}
