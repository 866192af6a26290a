//! Per-target settings that reports repeat: the engine and the jurisdiction.

use std::fmt;

/// How pages are fetched; the browser engine exists because many consent
/// banners only set cookies from JavaScript.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Engine {
    /// Plain HTTP requests: fast, but blind to cookies set by scripts.
    Http,
    /// A real browser, for sites whose cookies only appear once scripts run.
    Browser,
}

impl Engine {
    /// The spelling used in `targets.toml` and in reports, so both agree.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Http => "http",
            Self::Browser => "browser",
        }
    }
}

impl fmt::Display for Engine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which body of rules a site is judged against, since national regulators
/// add requirements on top of the EU baseline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Jurisdiction {
    /// The EU baseline (GDPR and ePrivacy), which applies everywhere.
    #[default]
    Eu,
    /// Belgium, as enforced by the Belgian data protection authority.
    Be,
    /// France, as enforced by the CNIL.
    Fr,
}

impl Jurisdiction {
    /// The spelling used in `targets.toml` and in reports, so both agree.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Eu => "eu",
            Self::Be => "be",
            Self::Fr => "fr",
        }
    }
}

impl fmt::Display for Jurisdiction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
