//! What a consent manager's own cookie says the visitor chose.

use serde::{Deserialize, Serialize};

/// What a consent manager's own cookie says the visitor chose, decoded after a consent phase.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsentChoice {
    /// The cookie it was read from (`cookies_preferences`, `tarteaucitron`, `cc_cookie`, …).
    pub cookie: String,
    /// The consent manager whose format it is (`opendatasoft`, `tarteaucitron`,
    /// `vanilla-cookieconsent`, `klaro`, `onetrust`, `cookiebot`, `didomi`, `tcf`).
    pub manager: String,
    /// Each purpose, service or category the cookie names, and whether it was allowed; in the
    /// cookie's order.
    pub choices: Vec<PurposeChoice>,
}

/// One purpose, service or category of a choice cookie.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PurposeChoice {
    /// The purpose, service or category as the cookie names it (`matomo`, `analytics`,
    /// `C0002 performance`, `7 ad measurement`).
    pub name: String,
    /// Whether the visitor allowed it.
    pub allowed: bool,
}

impl ConsentChoice {
    /// The choices as `name:allowed` pairs, e.g. `matomo:false, ga:false`.
    pub fn summary(&self) -> String {
        self.choices
            .iter()
            .map(|c| format!("{}:{}", c.name, c.allowed))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Whether the cookie allows `name`; `None` when it does not name it.
    pub fn allowed(&self, name: &str) -> Option<bool> {
        // A name repeated in the cookie keeps its first answer, as the decoder does.
        self.choices
            .iter()
            .find(|c| c.name == name)
            .map(|c| c.allowed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn choice() -> ConsentChoice {
        ConsentChoice {
            cookie: "cookies_preferences".into(),
            manager: "opendatasoft".into(),
            choices: vec![
                PurposeChoice {
                    name: "matomo".into(),
                    allowed: false,
                },
                PurposeChoice {
                    name: "ga".into(),
                    allowed: true,
                },
            ],
        }
    }

    #[test]
    fn summary_and_lookup() {
        let c = choice();
        assert_eq!(c.summary(), "matomo:false, ga:true");
        assert_eq!(c.allowed("matomo"), Some(false));
        assert_eq!(c.allowed("ga"), Some(true));
        assert_eq!(c.allowed("xiti"), None);
    }

    #[test]
    fn serialises_as_documented() {
        let json = serde_json::to_value(choice()).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "cookie": "cookies_preferences",
                "manager": "opendatasoft",
                "choices": [
                    {"name": "matomo", "allowed": false},
                    {"name": "ga", "allowed": true}
                ]
            })
        );
        let back: ConsentChoice = serde_json::from_value(json).unwrap();
        assert_eq!(back, choice());
    }
}
