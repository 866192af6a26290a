//! What a valid `targets.toml` reads as, and the helpers the other test files share.

use std::path::{Path, PathBuf};

use url::Url;

use crate::types::{Engine, Jurisdiction};

use super::consent::MAX_SELECTOR_BYTES;
use super::error::closest;
use super::settings::{
    DEFAULT_MAX_QUERIES_PER_PATH, DEFAULT_SETTLE_MS, DEFAULT_TARGET_TIMEOUT_SECS, MAX_CONCURRENCY,
    MAX_PAGES_LIMIT, MAX_SETTLE_MS, SETTINGS_KEYS,
};
use super::source::LineStarts;
use super::values::Keyword;
use super::*;

mod browser_settings;
mod errors;

const EVERY_KEY: &str = include_str!("../../../tests/fixtures/config/every_key.toml");

/// Joins lines into a document, so a test can read off the line number of
/// each entry as its position in the slice plus one.
fn doc(lines: &[&str]) -> String {
    let mut text = lines.join("\n");
    text.push('\n');
    text
}

fn parse_ok(text: &str) -> Config {
    parse(text, Path::new("targets.toml")).expect("config should be valid")
}

fn parse_err(text: &str) -> ConfigError {
    parse(text, Path::new("targets.toml")).expect_err("config should be rejected")
}

fn help(err: &ConfigError) -> &str {
    err.help().expect("error should carry a help text")
}

#[test]
fn defaults_only_need_no_target_but_still_check_the_targets_given() {
    let path = Path::new("targets.toml");
    let (defaults, _) = parse_defaults_only(&doc(&["[defaults]", "delay_ms = 7"]), path)
        .expect("no [[target]] is needed");
    assert_eq!(defaults.delay_ms, 7);
    let with_target = doc(&["[defaults]", "delay_ms = 7", &target_with("")]);
    let (defaults, _) = parse_defaults_only(&with_target, path).expect("a valid target is fine");
    assert_eq!(defaults.delay_ms, 7);
    let bad_target = doc(&["[defaults]", "delay_ms = 7", &target_with("colour = 1")]);
    let err = parse_defaults_only(&bad_target, path).expect_err("a bad target is refused");
    assert_eq!(err.line(), 6, "{err}");
    assert!(parse(&doc(&["[defaults]", "delay_ms = 7"]), path).is_err());
}

/// A `[[target]]` whose only extra line is `extra`, which lands on line 4.
fn target_with(extra: &str) -> String {
    doc(&[
        "[[target]]",
        "name = \"site\"",
        "url = \"https://example.org/\"",
        extra,
    ])
}

#[test]
fn defaults_fill_in_and_target_overrides_win() {
    let config = parse_ok(&doc(&[
        "[defaults]",
        "max_pages = 10",
        "engine = \"browser\"",
        "",
        "[[target]]",
        "name = \"plain\"",
        "url = \"https://plain.example/\"",
        "",
        "[[target]]",
        "name = \"tuned\"",
        "url = \"https://tuned.example/\"",
        "max_pages = 99",
        "engine = \"http\"",
        "delay_ms = 0",
    ]));

    let built_in = CrawlSettings::default();
    assert_eq!(config.defaults.max_pages, 10);
    assert_eq!(config.defaults.engine, Engine::Browser);
    assert_eq!(config.defaults.delay_ms, built_in.delay_ms);

    let plain = &config.targets[0];
    assert_eq!(plain.settings, config.defaults);

    let tuned = &config.targets[1];
    assert_eq!(tuned.name, "tuned");
    assert_eq!(tuned.settings.max_pages, 99);
    assert_eq!(tuned.settings.engine, Engine::Http);
    assert_eq!(tuned.settings.delay_ms, 0);
    assert_eq!(tuned.settings.concurrency, built_in.concurrency);
    assert_eq!(tuned.settings.user_agent, DEFAULT_USER_AGENT);
}

#[test]
fn built_in_defaults_apply_without_a_defaults_section() {
    let config = parse_ok(&target_with(""));
    let expected = CrawlSettings {
        max_pages: 30,
        max_depth: 2,
        concurrency: 2,
        delay_ms: 500,
        timeout_secs: 30,
        engine: Engine::Http,
        user_agent: DEFAULT_USER_AGENT.to_owned(),
        max_body_bytes: 10 * 1024 * 1024,
        settle_ms: 1000,
        target_timeout_secs: 600,
        max_queries_per_path: 10,
        consent: None,
        gpc: false,
        allow_private_addresses: false,
    };
    assert_eq!(CrawlSettings::default(), expected);
    assert_eq!(config.defaults, expected);
    let target = &config.targets[0];
    assert_eq!(target.settings, expected);
    assert_eq!(target.url.as_str(), "https://example.org/");
    assert_eq!(target.charter, None);
    assert!(target.start.is_empty());
    assert_eq!(target.jurisdiction, Jurisdiction::Eu);
}

#[test]
fn default_user_agent_names_the_tool_and_version() {
    assert!(DEFAULT_USER_AGENT.starts_with(concat!("cookie-audit/", env!("CARGO_PKG_VERSION"))));
    assert!(DEFAULT_USER_AGENT.ends_with(" (automated cookie audit)"));
}

#[test]
fn every_key_is_read() {
    let config = parse(EVERY_KEY, Path::new("conf/targets.toml")).expect("fixture is valid");

    assert_eq!(
        config.defaults,
        CrawlSettings {
            max_pages: 50,
            max_depth: 3,
            concurrency: 4,
            delay_ms: 250,
            timeout_secs: 20,
            engine: Engine::Browser,
            user_agent: "audit-bot/2.0 (+https://example.org/bot)".to_owned(),
            max_body_bytes: 5_000_000,
            settle_ms: DEFAULT_SETTLE_MS,
            target_timeout_secs: DEFAULT_TARGET_TIMEOUT_SECS,
            max_queries_per_path: DEFAULT_MAX_QUERIES_PER_PATH,
            consent: None,
            gpc: false,
            allow_private_addresses: false,
        }
    );
    assert_eq!(
        config.politeness,
        crate::types::Politeness {
            key: crate::types::PolitenessKey::Host,
            max_requests_per_second_per_ip: 2.5,
        }
    );

    let brussels = &config.targets[0];
    let url = |text: &str| Url::parse(text).expect("test URL");
    assert_eq!(brussels.name, "opendata.bruxelles.be");
    assert_eq!(brussels.url, url("https://opendata.bruxelles.be/"));
    assert_eq!(
        brussels.charter,
        Some(CharterSource::Url(url(
            "https://opendata.bruxelles.be/page/cookies/"
        )))
    );
    assert_eq!(
        brussels.start,
        vec![
            url("https://opendata.bruxelles.be/explore/"),
            url("https://opendata.bruxelles.be/api/"),
        ]
    );
    assert_eq!(brussels.jurisdiction, Jurisdiction::Be);
    assert_eq!(
        brussels.settings,
        CrawlSettings {
            max_pages: 100,
            max_depth: 0,
            concurrency: 1,
            delay_ms: 0,
            timeout_secs: 60,
            engine: Engine::Http,
            user_agent: "audit-bot/2.0 (target override)".to_owned(),
            max_body_bytes: 1_048_576,
            settle_ms: DEFAULT_SETTLE_MS,
            target_timeout_secs: DEFAULT_TARGET_TIMEOUT_SECS,
            max_queries_per_path: DEFAULT_MAX_QUERIES_PER_PATH,
            consent: None,
            gpc: false,
            allow_private_addresses: false,
        }
    );

    let paris = &config.targets[1];
    assert_eq!(paris.jurisdiction, Jurisdiction::Fr);
    assert_eq!(
        paris.charter,
        Some(CharterSource::File(PathBuf::from(
            "conf/charters/service-public.html"
        )))
    );
    assert_eq!(paris.settings, config.defaults);
}

#[test]
fn start_pages_resolve_against_url_in_file_order() {
    let config = parse_ok(&doc(&[
        "[[target]]",
        "name = \"site\"",
        "start = [\"explore/\", \"/about?lang=fr\", \"../up\", \"http://other.example/x\"]",
        "url = \"https://example.org/data/\"",
    ]));
    let start: Vec<&str> = config.targets[0].start.iter().map(Url::as_str).collect();
    assert_eq!(
        start,
        [
            "https://example.org/data/explore/",
            "https://example.org/about?lang=fr",
            "https://example.org/up",
            "http://other.example/x",
        ]
    );
}

#[test]
fn charter_paths_resolve_against_the_config_directory() {
    let charter_of = |value: &str, config_path: &str| {
        let text = target_with(&format!("charter = {value:?}"));
        let config = parse(&text, Path::new(config_path)).expect("valid config");
        config.targets[0].charter.clone()
    };
    assert_eq!(
        charter_of("cookies.html", "audits/targets.toml"),
        Some(CharterSource::File(PathBuf::from("audits/cookies.html")))
    );
    assert_eq!(
        charter_of("cookies.html", "targets.toml"),
        Some(CharterSource::File(PathBuf::from("cookies.html")))
    );
    assert_eq!(
        charter_of("/srv/charters/cookies.html", "audits/targets.toml"),
        Some(CharterSource::File(PathBuf::from(
            "/srv/charters/cookies.html"
        )))
    );
    assert_eq!(
        charter_of("http://example.org/cookies", "audits/targets.toml"),
        Some(CharterSource::Url(
            Url::parse("http://example.org/cookies").expect("test URL")
        ))
    );
}

#[test]
fn numbers_may_use_underscores_and_other_bases() {
    let config = parse_ok(&doc(&[
        "[defaults]",
        "max_pages = 1_000",
        "concurrency = 0x10",
        "delay_ms = 0o17",
        "max_depth = 0b11",
        "[[target]]",
        "name = \"site\"",
        "url = \"https://example.org/\"",
    ]));
    assert_eq!(config.defaults.max_pages, 1000);
    assert_eq!(config.defaults.concurrency, 16);
    assert_eq!(config.defaults.delay_ms, 15);
    assert_eq!(config.defaults.max_depth, 3);
}

#[test]
fn keyword_spellings_match_serde() {
    for engine in Engine::ALL {
        let value = toml::Value::try_from(engine).expect("engine serializes");
        assert_eq!(value.as_str(), Some(engine.as_str()));
        assert_eq!(engine.to_string(), engine.as_str());
    }
    for jurisdiction in Jurisdiction::ALL {
        let value = toml::Value::try_from(jurisdiction).expect("jurisdiction serializes");
        assert_eq!(value.as_str(), Some(jurisdiction.as_str()));
        assert_eq!(jurisdiction.to_string(), jurisdiction.as_str());
    }
    assert_eq!(Jurisdiction::default(), Jurisdiction::Eu);
}
