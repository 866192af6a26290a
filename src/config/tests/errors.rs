//! Each mistake in a `targets.toml` and the message that locates and explains it.

use super::*;

#[test]
fn syntax_errors_keep_the_toml_message_and_position() {
    let err = parse_err(&doc(&[
        "[[target]]",
        "name = \"site\"",
        "url = \"https://example.org/",
    ]));
    assert_eq!((err.line(), err.column()), (3, 28));
    assert!(err.message().contains("string"), "{err}");
}

#[test]
fn duplicate_toml_keys_are_syntax_errors() {
    let err = parse_err(&doc(&[
        "[[target]]",
        "name = \"site\"",
        "url = \"https://example.org/\"",
        "name = \"again\"",
    ]));
    assert_eq!((err.line(), err.column()), (4, 1));
    assert_eq!(err.message(), "duplicate key `name`");
    assert!(help(&err).contains("defined only once"), "{err}");
}

#[test]
fn unknown_target_key_names_the_target_and_suggests_the_fix() {
    let err = parse_err(&doc(&[
        "[[target]]",
        "name = \"opendata.bruxelles.be\"",
        "url = \"https://opendata.bruxelles.be/\"",
        "  max_page = 10",
    ]));
    assert_eq!((err.line(), err.column()), (4, 3));
    assert_eq!(
        err.message(),
        "unknown key `max_page` in [[target]] \"opendata.bruxelles.be\""
    );
    assert!(
        help(&err).starts_with("did you mean `max_pages`? allowed keys: name, url, charter, start, jurisdiction, max_pages, max_depth"),
        "{err}"
    );
    assert!(
        help(&err).ends_with(
            "max_body_bytes, settle_ms, target_timeout_secs, max_queries_per_path, consent, gpc, allow_private_addresses"
        ),
        "{err}"
    );
}

#[test]
fn unknown_key_before_the_name_still_names_the_target() {
    let err = parse_err(&doc(&[
        "[[target]]",
        "delay = 10",
        "name = \"site\"",
        "url = \"https://example.org/\"",
    ]));
    assert_eq!(err.line(), 2);
    assert_eq!(err.message(), "unknown key `delay` in [[target]] \"site\"");
}

#[test]
fn unknown_key_without_a_name_uses_the_target_position() {
    let err = parse_err(&doc(&[
        "[[target]]",
        "name = \"first\"",
        "url = \"https://example.org/\"",
        "[[target]]",
        "colour = \"blue\"",
    ]));
    assert_eq!(err.line(), 5);
    assert_eq!(err.message(), "unknown key `colour` in [[target]] #2");
    assert!(!help(&err).contains("did you mean"), "{err}");
    assert!(help(&err).starts_with("allowed keys: name, url"), "{err}");
}

#[test]
fn unknown_defaults_key_lists_only_settings() {
    let err = parse_err(&doc(&["[defaults]", "max_pages = 5", "timeout = 10"]));
    assert_eq!((err.line(), err.column()), (3, 1));
    assert_eq!(err.message(), "unknown key `timeout` in [defaults]");
    assert_eq!(
        help(&err),
        "did you mean `timeout_secs`? allowed keys: max_pages, max_depth, concurrency, \
         delay_ms, timeout_secs, engine, user_agent, max_body_bytes, settle_ms, target_timeout_secs, max_queries_per_path, consent, gpc, allow_private_addresses, \
         politeness_key, max_requests_per_second_per_ip"
    );
}

#[test]
fn a_bad_politeness_key_names_the_allowed_values() {
    let err = parse_err(&doc(&[
        "[defaults]",
        "politeness_key = \"adress\"",
        "[[target]]",
        "name = \"a\"",
        "url = \"https://example.org/\"",
    ]));
    assert_eq!((err.line(), err.column()), (2, 18));
    assert_eq!(err.message(), "unknown politeness_key \"adress\"");
    assert_eq!(help(&err), "allowed values: ip, host, domain");
    assert!(
        err.to_string().starts_with("targets.toml:2:18: "),
        "file:line:column first: {err}"
    );
}

#[test]
fn the_budget_per_address_is_a_positive_number() {
    let ok = parse_ok(&doc(&[
        "[defaults]",
        "max_requests_per_second_per_ip = 0.5",
        &target_with(""),
    ]));
    assert_eq!(ok.politeness.max_requests_per_second_per_ip, 0.5);
    assert_eq!(
        ok.politeness.key,
        crate::types::PolitenessKey::Ip,
        "the default"
    );
    for bad in ["0", "-1", "0.0", "nan", "inf", "1e9"] {
        let err = parse_err(&doc(&[
            "[defaults]",
            &format!("max_requests_per_second_per_ip = {bad}"),
            &target_with(""),
        ]));
        assert_eq!(err.line(), 2, "{bad}: {err}");
        assert!(
            err.message().contains("must be above 0 and at most 100000"),
            "{bad}: {err}"
        );
    }
    let err = parse_err(&doc(&[
        "[defaults]",
        "max_requests_per_second_per_ip = \"10\"",
        &target_with(""),
    ]));
    assert!(help(&err).contains("without quotes"), "{err}");
}

#[test]
fn run_wide_politeness_is_refused_in_a_target() {
    let err = parse_err(&doc(&[
        "[defaults]",
        &target_with("politeness_key = \"host\""),
    ]));
    assert_eq!(err.line(), 5, "{err}");
    assert_eq!(
        err.message(),
        "`politeness_key` in [[target]] \"site\" applies to the whole run, not to one target"
    );
    assert!(help(&err).starts_with("move it to [defaults]"), "{err}");
    let err = parse_err(&doc(&["max_requests_per_second_per_ip = 5", "[[target]]"]));
    assert!(
        help(&err).starts_with("`max_requests_per_second_per_ip` belongs in [defaults]"),
        "{err}"
    );
}

#[test]
fn suggestions_cover_typos_and_missing_word_parts() {
    let keys = SETTINGS_KEYS;
    assert_eq!(closest("max_page", keys), Some("max_pages"));
    assert_eq!(closest("useragent", keys), Some("user_agent"));
    assert_eq!(closest("Max_Depth", keys), Some("max_depth"));
    assert_eq!(closest("depth", keys), Some("max_depth"));
    assert_eq!(closest("bytes", keys), Some("max_body_bytes"));
    assert_eq!(closest("id", &["user_id", "group_id"]), None, "ambiguous");
    assert_eq!(closest("colour", keys), None);
}

#[test]
fn target_only_key_in_defaults_says_where_it_belongs() {
    let err = parse_err(&doc(&["[defaults]", "jurisdiction = \"be\""]));
    assert_eq!(err.line(), 2);
    assert!(
        help(&err).starts_with("`jurisdiction` belongs in a [[target]]; allowed keys: max_pages"),
        "{err}"
    );
}

#[test]
fn unknown_top_level_key_suggests_target() {
    let err = parse_err(&doc(&[
        "[[targets]]",
        "name = \"site\"",
        "url = \"https://example.org/\"",
    ]));
    assert_eq!((err.line(), err.column()), (1, 3));
    assert_eq!(err.message(), "unknown key `targets` at the top level");
    assert_eq!(
        help(&err),
        "did you mean `target`? allowed keys: defaults, target"
    );
}

#[test]
fn setting_at_the_top_level_says_where_it_belongs() {
    let err = parse_err(&doc(&["max_pages = 5", "[[target]]"]));
    assert_eq!(err.line(), 1);
    assert!(
        help(&err).starts_with("`max_pages` belongs in [defaults] or a [[target]]"),
        "{err}"
    );
}

#[test]
fn string_where_a_number_belongs_asks_for_a_whole_number() {
    let err = parse_err(&doc(&["[defaults]", "max_pages = \"30\""]));
    assert_eq!((err.line(), err.column()), (2, 13));
    assert_eq!(
        err.message(),
        "`max_pages` must be a whole number, found the string \"30\""
    );
    assert!(help(&err).contains("e.g. max_pages = 30"), "{err}");
}

#[test]
fn decimal_where_a_number_belongs_is_rejected() {
    let err = parse_err(&target_with("max_depth = 1.5"));
    assert_eq!(err.line(), 4);
    assert!(
        err.message()
            .contains("must be a whole number, found the decimal number 1.5"),
        "{err}"
    );
    assert!(help(&err).contains("max_depth = 2"), "{err}");
}

#[test]
fn non_string_values_ask_for_quotes() {
    let cases = [
        (
            "engine = true",
            "`engine` must be a string, found `true`",
            "engine = \"http\"",
        ),
        (
            "user_agent = 7",
            "`user_agent` must be a string, found the number 7",
            "user_agent = \"",
        ),
        (
            "charter = [\"a\"]",
            "`charter` must be a string, found a list",
            "charter = \"",
        ),
        (
            "jurisdiction = 1",
            "`jurisdiction` must be a string",
            "jurisdiction = \"eu\"",
        ),
    ];
    for (line, message, example) in cases {
        let err = parse_err(&target_with(line));
        assert_eq!(err.line(), 4, "{err}");
        assert!(err.message().starts_with(message), "{err}");
        assert!(help(&err).contains("put the value in quotes"), "{err}");
        assert!(help(&err).contains(example), "{err}");
    }
}

#[test]
fn name_and_url_must_be_strings() {
    let err = parse_err(&doc(&[
        "[[target]]",
        "name = 5",
        "url = \"https://a.example/\"",
    ]));
    assert_eq!(err.line(), 2);
    assert_eq!(err.message(), "`name` must be a string, found the number 5");

    let err = parse_err(&doc(&[
        "[[target]]",
        "name = \"a\"",
        "url = { host = \"a\" }",
    ]));
    assert_eq!(err.line(), 3);
    assert_eq!(err.message(), "`url` must be a string, found a table");
    assert!(
        help(&err).contains("url = \"https://example.org/\""),
        "{err}"
    );
}

#[test]
fn missing_name_points_at_the_target_header() {
    let err = parse_err(&doc(&[
        "[[target]]",
        "name = \"first\"",
        "url = \"https://first.example/\"",
        "",
        "[[target]]",
        "url = \"https://second.example/\"",
    ]));
    assert_eq!((err.line(), err.column()), (5, 1));
    assert_eq!(err.message(), "[[target]] #2 has no `name`");
    assert_eq!(help(&err), "add name = \"example.org\"");
}

#[test]
fn missing_url_points_at_the_target_header() {
    let err = parse_err(&doc(&["[defaults]", "", "[[target]]", "name = \"site\""]));
    assert_eq!((err.line(), err.column()), (3, 1));
    assert_eq!(err.message(), "[[target]] \"site\" has no `url`");
    assert_eq!(help(&err), "add url = \"https://example.org/\"");
}

#[test]
fn duplicate_target_names_point_at_the_second_and_mention_the_first() {
    let err = parse_err(&doc(&[
        "[[target]]",
        "name = \"site\"",
        "url = \"https://a.example/\"",
        "[[target]]",
        "url = \"https://b.example/\"",
        "name = \"site\"",
    ]));
    assert_eq!((err.line(), err.column()), (6, 8));
    assert_eq!(err.message(), "duplicate target name \"site\"");
    assert!(help(&err).contains("already defined on line 2"), "{err}");
}

#[test]
fn a_file_without_targets_is_rejected() {
    for text in ["", "[defaults]\nmax_pages = 3\n", "target = []\n"] {
        let err = parse_err(text);
        assert_eq!(err.line(), 1, "{err}");
        assert_eq!(err.message(), "no [[target]] defined");
        assert_eq!(help(&err), "add at least one [[target]] with name and url");
    }
}

#[test]
fn single_bracket_target_asks_for_double_brackets() {
    let err = parse_err(&doc(&[
        "[defaults]",
        "[target]",
        "name = \"site\"",
        "url = \"https://example.org/\"",
    ]));
    assert_eq!(err.line(), 2);
    assert!(
        help(&err).contains("[[target]] with double brackets"),
        "{err}"
    );
}

#[test]
fn target_entries_must_be_tables() {
    let err = parse_err("target = [\"site\"]\n");
    assert_eq!((err.line(), err.column()), (1, 11));
    assert_eq!(err.message(), "[[target]] #1 must be a table");
}

#[test]
fn relative_url_is_rejected_with_an_example() {
    let err = parse_err(&doc(&[
        "[[target]]",
        "name = \"site\"",
        "url = \"opendata.bruxelles.be\"",
    ]));
    assert_eq!((err.line(), err.column()), (3, 7));
    assert!(
        err.message()
            .starts_with("`url` must be an absolute http(s) URL, found \"opendata.bruxelles.be\""),
        "{err}"
    );
    assert_eq!(
        help(&err),
        "write the full address, e.g. url = \"https://example.org/\""
    );
}

#[test]
fn non_http_url_is_rejected() {
    let err = parse_err(&doc(&[
        "[[target]]",
        "name = \"site\"",
        "url = \"ftp://example.org/\"",
    ]));
    assert_eq!(err.line(), 3);
    assert!(err.message().contains("`ftp` scheme"), "{err}");
}

#[test]
fn start_entry_that_is_not_http_is_rejected() {
    let err = parse_err(&doc(&[
        "[[target]]",
        "name = \"site\"",
        "url = \"https://example.org/\"",
        "start = [",
        "  \"/ok/\",",
        "  \"mailto:dpo@example.org\",",
        "]",
    ]));
    assert_eq!((err.line(), err.column()), (6, 3));
    assert!(
        err.message().contains("\"mailto:dpo@example.org\"")
            && err.message().contains("`mailto` URL"),
        "{err}"
    );
    assert!(help(&err).contains("start = [\"/explore/\""), "{err}");
}

#[test]
fn start_entry_that_cannot_be_joined_is_rejected() {
    let err = parse_err(&target_with("start = [\"https://exa mple.org/\"]"));
    assert_eq!((err.line(), err.column()), (4, 10));
    assert!(
        err.message().contains("is not a usable http(s) page"),
        "{err}"
    );
}

#[test]
fn start_must_be_a_list_of_non_empty_strings() {
    let err = parse_err(&target_with("start = \"/explore/\""));
    assert_eq!(err.line(), 4);
    assert_eq!(
        err.message(),
        "`start` must be a list of strings, found the string \"/explore/\""
    );
    assert!(help(&err).contains("start = [\"/explore/\"]"), "{err}");

    let err = parse_err(&target_with("start = [\"/a/\", 3]"));
    assert_eq!((err.line(), err.column()), (4, 17));
    assert_eq!(
        err.message(),
        "each `start` entry must be a string, found the number 3"
    );

    let err = parse_err(&target_with("start = [\" \"]"));
    assert_eq!(err.message(), "`start` entries must not be empty");
}

#[test]
fn empty_charter_is_rejected() {
    let err = parse_err(&target_with("charter = \"\""));
    assert_eq!((err.line(), err.column()), (4, 11));
    assert_eq!(err.message(), "`charter` must not be empty");
    assert!(help(&err).contains("or remove the key"), "{err}");
}

#[test]
fn zero_is_rejected_where_at_least_one_is_needed() {
    for key in ["max_pages", "concurrency", "timeout_secs", "max_body_bytes"] {
        let err = parse_err(&target_with(&format!("{key} = 0")));
        assert_eq!(err.line(), 4, "{err}");
        assert_eq!(
            err.message(),
            format!("`{key}` must be at least 1, found 0")
        );
        assert!(help(&err).starts_with(&format!("e.g. {key} = ")), "{err}");
    }
}

#[test]
fn zero_depth_and_zero_delay_are_allowed() {
    let config = parse_ok(&doc(&[
        "[defaults]",
        "max_depth = 0",
        "delay_ms = 0",
        "[[target]]",
        "name = \"site\"",
        "url = \"https://example.org/\"",
    ]));
    assert_eq!(config.targets[0].settings.max_depth, 0);
    assert_eq!(config.targets[0].settings.delay_ms, 0);
}

#[test]
fn negative_numbers_are_rejected() {
    for key in ["max_depth", "delay_ms", "max_pages"] {
        let err = parse_err(&target_with(&format!("{key} = -5")));
        assert_eq!(err.line(), 4, "{err}");
        assert_eq!(
            err.message(),
            format!("`{key}` must not be negative, found -5")
        );
    }
}

#[test]
fn absurdly_large_values_state_the_limit() {
    let err = parse_err(&target_with("concurrency = 65"));
    assert_eq!(err.line(), 4);
    assert_eq!(err.message(), "`concurrency` must be at most 64, found 65");
    assert_eq!(help(&err), "e.g. concurrency = 2");

    let err = parse_err(&target_with("max_pages = 1_000_001"));
    assert_eq!(
        err.message(),
        "`max_pages` must be at most 1000000, found 1000001"
    );

    let err = parse_err(&target_with(
        "delay_ms = 99999999999999999999999999999999999999999",
    ));
    assert!(err.message().contains("far too large"), "{err}");

    for (line, limit) in [
        ("max_depth = 10001", "10000"),
        ("delay_ms = 3600001", "3600000"),
        ("timeout_secs = 86401", "86400"),
        ("max_body_bytes = 1073741825", "1073741824"),
    ] {
        let err = parse_err(&target_with(line));
        assert!(err.message().contains(&format!("at most {limit}")), "{err}");
    }
}

#[test]
fn limits_themselves_are_accepted() {
    let config = parse_ok(&doc(&[
        "[defaults]",
        "concurrency = 64",
        "max_pages = 1_000_000",
        "[[target]]",
        "name = \"site\"",
        "url = \"https://example.org/\"",
    ]));
    assert_eq!(config.defaults.concurrency, MAX_CONCURRENCY);
    assert_eq!(config.defaults.max_pages, MAX_PAGES_LIMIT);
}

#[test]
fn unknown_engine_lists_the_allowed_ones() {
    let err = parse_err(&doc(&["[defaults]", "engine = \"chrome\""]));
    assert_eq!((err.line(), err.column()), (2, 10));
    assert_eq!(err.message(), "unknown engine \"chrome\"");
    assert_eq!(help(&err), "allowed values: http, browser");
}

#[test]
fn unknown_jurisdiction_suggests_the_lowercase_spelling() {
    let err = parse_err(&target_with("jurisdiction = \"BE\""));
    assert_eq!(err.line(), 4);
    assert_eq!(err.message(), "unknown jurisdiction \"BE\"");
    assert_eq!(
        help(&err),
        "did you mean \"be\"? allowed values: eu, be, fr"
    );
}

#[test]
fn empty_or_blank_name_is_rejected() {
    for name in ["", "   "] {
        let err = parse_err(&doc(&[
            "[[target]]",
            &format!("name = {name:?}"),
            "url = \"https://example.org/\"",
        ]));
        assert_eq!((err.line(), err.column()), (2, 8), "{err}");
        assert_eq!(err.message(), "`name` must not be empty");
        assert!(help(&err).contains("name = \"example.org\""), "{err}");
    }
}

#[test]
fn name_with_control_characters_is_rejected() {
    let err = parse_err(&doc(&[
        "[[target]]",
        "name = \"two\\nlines\"",
        "url = \"https://example.org/\"",
    ]));
    assert_eq!(err.line(), 2);
    assert_eq!(
        err.message(),
        "`name` must not contain control characters, found \"two\\nlines\""
    );
}

#[test]
fn user_agent_must_be_a_single_non_empty_line() {
    let err = parse_err(&doc(&["[defaults]", "user_agent = \"\""]));
    assert_eq!(err.line(), 2);
    assert_eq!(err.message(), "`user_agent` must not be empty");
    assert!(help(&err).contains(DEFAULT_USER_AGENT), "{err}");

    let err = parse_err(&target_with("user_agent = \"bot\\r\\nX-Injected: 1\""));
    assert_eq!(err.line(), 4);
    assert!(err.message().contains("control characters"), "{err}");
}

#[test]
fn first_error_in_file_order_wins() {
    let err = parse_err(&doc(&[
        "[[target]]",
        "url = \"https://example.org/\"",
        "name = \"site\"",
        "max_pages = 0",
        "concurrency = 0",
    ]));
    assert_eq!(err.line(), 4);
    assert!(err.message().starts_with("`max_pages`"), "{err}");
}

#[test]
fn columns_count_characters_not_bytes() {
    let err = parse_err(&doc(&["[[target]]", "name = \"café\"; url = 1"]));
    // toml rejects the `;`: 13 characters but 14 bytes precede it.
    assert_eq!((err.line(), err.column()), (2, 14));
    let lines = |text: &str, offset| LineStarts::new(text).line_column(text, offset);
    assert_eq!(lines("é\nxé€y", 9), (2, 4));
    assert_eq!(lines("ab", 99), (1, 3));
    assert_eq!(lines("a\n\nb\n", 2), (2, 1));
    assert_eq!(lines("a\n\nb\n", 6), (4, 1));
}

#[test]
fn display_reads_like_a_compiler_diagnostic() {
    let err = parse_err(&doc(&[
        "[[target]]",
        "name = \"site\"",
        "url = \"https://example.org/\"",
        "max_page = 3",
    ]));
    let rendered = err.to_string();
    let mut lines = rendered.lines();
    assert_eq!(
        lines.next(),
        Some("targets.toml:4:1: unknown key `max_page` in [[target]] \"site\"")
    );
    assert!(
        lines
            .next()
            .is_some_and(|line| line.starts_with("  help: did you mean `max_pages`?")),
        "{rendered}"
    );
    assert_eq!(lines.next(), None);
    assert_eq!(err.path(), Path::new("targets.toml"));
}

#[test]
fn load_reports_a_missing_file_without_a_position() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("targets.toml");
    let err = load(&path).expect_err("file does not exist");
    assert_eq!((err.line(), err.column()), (0, 0));
    assert_eq!(err.path(), path);
    assert!(err.message().contains("no such file"), "{err}");
    assert!(help(&err).contains("--targets PATH"), "{err}");
    assert!(
        err.to_string()
            .starts_with(&format!("{}: could not read", path.display())),
        "{err}"
    );
}

#[test]
fn load_rejects_non_utf8_files() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("targets.toml");
    std::fs::write(&path, b"name = \"\xff\"\n").expect("write fixture");
    let err = load(&path).expect_err("not UTF-8");
    assert!(err.message().contains("not valid UTF-8"), "{err}");
}

#[test]
fn load_parses_the_file_and_resolves_charters_beside_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("targets.toml");
    std::fs::write(&path, target_with("charter = \"cookies.html\"")).expect("write fixture");
    std::fs::write(dir.path().join("cookies.html"), "<p>charter</p>").expect("write charter");
    let config = load(&path).expect("valid file");
    assert_eq!(
        config.targets[0].charter,
        Some(CharterSource::File(dir.path().join("cookies.html")))
    );
}

#[test]
fn load_errors_name_the_path_given() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("sites.toml");
    std::fs::write(&path, "[defaults]\n").expect("write fixture");
    let err = load(&path).expect_err("no targets");
    assert_eq!(err.path(), path);
    assert!(
        err.to_string()
            .starts_with(&format!("{}:1:1: no [[target]] defined", path.display())),
        "{err}"
    );
}

#[test]
fn load_rejects_a_local_charter_that_does_not_exist() {
    let dir = tempfile::tempdir().expect("temp dir");
    let conf = dir.path().join("conf");
    std::fs::create_dir(&conf).expect("conf dir");
    std::fs::write(conf.join("cookies.html"), "<p>charter</p>").expect("write charter");
    let path = conf.join("targets.toml");
    std::fs::write(&path, target_with("charter = \"cookeis.html\"")).expect("write fixture");
    let err = load(&path).expect_err("the charter file is missing");
    assert_eq!((err.line(), err.column()), (4, 11), "{err}");
    let tried = conf.join("cookeis.html");
    assert_eq!(
        err.message(),
        format!("`charter` file {} does not exist", tried.display())
    );
    assert!(
        help(&err).starts_with("did you mean `cookies.html`? "),
        "{err}"
    );
    assert!(
        help(&err).contains(&format!("relative to {}", conf.display())),
        "{err}"
    );
    // A folder is no charter either; an http(s) URL is never looked for on disk.
    std::fs::write(&path, target_with("charter = \".\"")).expect("write fixture");
    let err = load(&path).expect_err("a folder");
    assert!(err.message().ends_with("is a folder, not a file"), "{err}");
    let url = target_with("charter = \"https://example.org/cookeis.html\"");
    std::fs::write(&path, url).expect("write fixture");
    assert!(load(&path).is_ok());
}

#[test]
fn line_numbers_stay_exact_deep_in_a_large_file() {
    const TARGETS: usize = 20_000;
    let mut text = String::from("[defaults]\nuser_agent = \"été\"\n");
    for i in 0..TARGETS {
        text.push_str(&format!(
            "\n[[target]]\nname = \"t{i}\"\nurl = \"https://t{i}.example/\"\n"
        ));
    }
    // Each block is 4 lines after the 2 of [defaults]: a blank line, [[target]], name, url.
    let name_line = |i: usize| 2 + 4 * i + 3;
    let duplicate = format!(
        "{text}\n[[target]]\nname = \"t{}\"\nurl = \"https://again.example/\"\n",
        TARGETS - 7
    );
    let err = parse_err(&duplicate);
    assert_eq!((err.line(), err.column()), (name_line(TARGETS), 8), "{err}");
    let first = name_line(TARGETS - 7);
    assert!(
        help(&err).contains(&format!("already defined on line {first};")),
        "{err}"
    );
    // Columns are still characters once a line is found by the index.
    let bad = format!("{text}\n[[target]]\nname = \"é€\"; url = 1\n");
    let err = parse_err(&bad);
    assert_eq!(
        (err.line(), err.column()),
        (name_line(TARGETS), 12),
        "{err}"
    );
}
