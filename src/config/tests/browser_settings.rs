//! The browser engine's settings: `settle_ms` and the `consent` banner.

use super::*;

#[test]
fn settle_ms_is_inherited_and_overridden() {
    let config = parse_ok(&doc(&[
        "[defaults]",
        "settle_ms = 2500",
        "[[target]]",
        "name = \"inherits\"",
        "url = \"https://a.example/\"",
        "[[target]]",
        "name = \"overrides\"",
        "url = \"https://b.example/\"",
        "settle_ms = 0",
        "[[target]]",
        "name = \"at-the-limit\"",
        "url = \"https://c.example/\"",
        "settle_ms = 60_000",
    ]));
    assert_eq!(config.defaults.settle_ms, 2500);
    let settle: Vec<u64> = config
        .targets
        .iter()
        .map(|target| target.settings.settle_ms)
        .collect();
    assert_eq!(settle, [2500, 0, MAX_SETTLE_MS]);

    let config = parse_ok(&target_with(""));
    assert_eq!(config.targets[0].settings.settle_ms, 1000);
}

#[test]
fn settle_ms_out_of_range_is_rejected() {
    let cases = [
        (
            target_with("settle_ms = 60001"),
            (4, 13),
            "`settle_ms` must be at most 60000, found 60001",
            "e.g. settle_ms = 1000",
        ),
        (
            doc(&["[defaults]", "settle_ms = -1"]),
            (2, 13),
            "`settle_ms` must not be negative, found -1",
            "e.g. settle_ms = 1000",
        ),
        (
            target_with("settle_ms = \"1s\""),
            (4, 13),
            "`settle_ms` must be a whole number, found the string \"1s\"",
            "write it without quotes or decimals, e.g. settle_ms = 1000",
        ),
    ];
    for (text, position, message, expected_help) in cases {
        let err = parse_err(&text);
        assert_eq!((err.line(), err.column()), position, "{err}");
        assert_eq!(err.message(), message);
        assert_eq!(help(&err), expected_help);
    }
}

fn selectors(accept: &str, reject: &str) -> Option<ConsentSelectors> {
    Some(ConsentSelectors {
        accept: accept.to_owned(),
        reject: reject.to_owned(),
    })
}

#[test]
fn consent_in_defaults_is_inherited_and_false_switches_it_off() {
    let config = parse_ok(&doc(&[
        "[defaults]",
        "engine = \"browser\"",
        "consent = { accept = \"#banner .yes\", reject = \"#banner button.no\" }",
        "[[target]]",
        "name = \"inherits\"",
        "url = \"https://a.example/\"",
        "[[target]]",
        "name = \"opts-out\"",
        "url = \"https://b.example/\"",
        "consent = false",
        "[[target]]",
        "name = \"own-banner\"",
        "url = \"https://c.example/\"",
        "consent = { reject = \"#refuse\", accept = \"#agree\" }",
    ]));
    let banner = selectors("#banner .yes", "#banner button.no");
    assert_eq!(config.defaults.consent, banner);
    let consent: Vec<_> = config
        .targets
        .iter()
        .map(|target| target.settings.consent.clone())
        .collect();
    assert_eq!(consent, [banner, None, selectors("#agree", "#refuse")]);
    assert_eq!(parse_ok(&target_with("")).defaults.consent, None);
}

#[test]
fn consent_may_also_be_written_as_a_sub_table_or_dotted_keys() {
    let expected = selectors("#agree", "#refuse");
    for text in [
        doc(&[
            "[[target]]",
            "name = \"site\"",
            "url = \"https://example.org/\"",
            "[target.consent]",
            "accept = \"#agree\"",
            "reject = \"#refuse\"",
        ]),
        doc(&[
            "[defaults.consent]",
            "accept = \"#agree\"",
            "reject = \"#refuse\"",
            "[[target]]",
            "name = \"site\"",
            "url = \"https://example.org/\"",
        ]),
        target_with("consent.accept = \"#agree\"\nconsent.reject = \"#refuse\""),
    ] {
        let config = parse_ok(&text);
        assert_eq!(config.targets[0].settings.consent, expected, "{text}");
    }
}

#[test]
fn opendatasoft_preset_gives_its_banner_selectors() {
    let config = parse_ok(&doc(&[
        "[defaults]",
        "consent = \"opendatasoft\"",
        "[[target]]",
        "name = \"site\"",
        "url = \"https://example.org/\"",
    ]));
    let expected = selectors(
        ".ods-cookies-banner__button--accept, .ods-cookie-consent__accept, \
         button[data-consent=\"accept\"]",
        ".ods-cookies-banner__button--refuse, .ods-cookie-consent__refuse, \
         button[data-consent=\"refuse\"]",
    );
    assert_eq!(config.targets[0].settings.consent, expected);
    assert_eq!(Some(ConsentSelectors::opendatasoft()), expected);
}

#[test]
fn opendatasoft_selectors_are_valid_css() {
    let preset = ConsentSelectors::opendatasoft();
    for selector in [&preset.accept, &preset.reject] {
        assert!(scraper::Selector::parse(selector).is_ok(), "{selector}");
    }
}

#[test]
fn consent_errors_point_at_the_value() {
    let long = format!("#{}", "a".repeat(MAX_SELECTOR_BYTES));
    let cases = [
        (
            target_with("consent = { accept = \"#agree\" }"),
            (4, 11),
            "`consent` has no `reject`".to_owned(),
            "add reject = \"#cookie-banner .reject\", the CSS selector of the button \
             that refuses every cookie that needs consent",
        ),
        (
            doc(&[
                "[[target]]",
                "name = \"site\"",
                "url = \"https://example.org/\"",
                "[target.consent]",
                "reject = \"#refuse\"",
            ]),
            (4, 1),
            "`consent` has no `accept`".to_owned(),
            "add accept = \"#cookie-banner .accept\", the CSS selector of the button \
             that accepts every cookie",
        ),
        (
            target_with("consent = { accept = \"#a\", reject = \"#r\", click = \"#c\" }"),
            (4, 43),
            "unknown key `click` in the `consent` table".to_owned(),
            "allowed keys: accept, reject",
        ),
        (
            doc(&[
                "[defaults]",
                "consent = { acept = \"#a\", reject = \"#r\" }",
            ]),
            (2, 13),
            "unknown key `acept` in the `consent` table".to_owned(),
            "did you mean `accept`? allowed keys: accept, reject",
        ),
        (
            target_with("consent = { accept = \"button[\", reject = \"#r\" }"),
            (4, 22),
            "`consent.accept` is not a CSS selector: `button[`".to_owned(),
            "e.g. accept = \"#cookie-banner .accept\"",
        ),
        (
            target_with("consent = { accept = \"#a\", reject = \" \" }"),
            (4, 37),
            "`consent.reject` must not be empty".to_owned(),
            "e.g. reject = \"#cookie-banner .reject\"",
        ),
        (
            target_with(&format!(
                "consent = {{ accept = \"{long}\", reject = \"#r\" }}"
            )),
            (4, 22),
            "`consent.accept` must be at most 1000 bytes long, found 1001".to_owned(),
            "e.g. accept = \"#cookie-banner .accept\"",
        ),
        (
            target_with("consent = { accept = 1, reject = \"#r\" }"),
            (4, 22),
            "`consent.accept` must be a string, found the number 1".to_owned(),
            "put the CSS selector in quotes, e.g. accept = \"#cookie-banner .accept\"",
        ),
    ];
    for (text, position, message, expected_help) in cases {
        let err = parse_err(&text);
        assert_eq!((err.line(), err.column()), position, "{err}");
        assert_eq!(err.message(), message);
        assert_eq!(help(&err), expected_help);
    }
}

#[test]
fn consent_must_be_a_preset_a_table_or_false() {
    let forms = "write consent = \"opendatasoft\" for the Opendatasoft banner, \
                 or the buttons' CSS selectors, e.g. consent = { accept = \
                 \"#cookie-banner .accept\", reject = \"#cookie-banner .reject\" }";
    let cases = [
        (
            target_with("consent = 3"),
            4,
            "`consent` must be a preset name, a table of CSS selectors or `false`, \
             found the number 3",
            forms.to_owned(),
        ),
        (
            target_with("consent = [\"#agree\", \"#refuse\"]"),
            4,
            "`consent` must be a preset name, a table of CSS selectors or `false`, \
             found a list",
            forms.to_owned(),
        ),
        (
            doc(&["[defaults]", "consent = true"]),
            2,
            "`consent = true` does not say which buttons to click",
            format!("{forms}; consent = false audits without consent phases"),
        ),
        (
            target_with("consent = \"OpenDataSoft\""),
            4,
            "unknown consent preset \"OpenDataSoft\"",
            "did you mean \"opendatasoft\"? known presets: \"opendatasoft\"; or give the \
             buttons' CSS selectors, e.g. consent = { accept = \"#cookie-banner .accept\", \
             reject = \"#cookie-banner .reject\" }"
                .to_owned(),
        ),
        (
            target_with("consent = \"onetrust\""),
            4,
            "unknown consent preset \"onetrust\"",
            "known presets: \"opendatasoft\"; or give the buttons' CSS selectors, \
             e.g. consent = { accept = \"#cookie-banner .accept\", \
             reject = \"#cookie-banner .reject\" }"
                .to_owned(),
        ),
    ];
    for (text, line, message, expected_help) in cases {
        let err = parse_err(&text);
        assert_eq!((err.line(), err.column()), (line, 11), "{err}");
        assert_eq!(err.message(), message);
        assert_eq!(help(&err), expected_help);
    }
}
