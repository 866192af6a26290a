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

fn selectors(accept: &str, reject: &str) -> Option<ConsentPlan> {
    Some(ConsentPlan::Steps {
        accept: vec![ClickStep::Css(accept.to_owned())],
        reject: vec![ClickStep::Css(reject.to_owned())],
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
fn presets_name_the_tool_s_own_ways_to_find_the_banner() {
    for (written, expected) in [
        ("auto", ConsentPlan::Auto),
        ("opendatasoft", ConsentPlan::Opendatasoft),
    ] {
        let config = parse_ok(&doc(&[
            "[defaults]",
            &format!("consent = \"{written}\""),
            "gpc = true",
            "[[target]]",
            "name = \"site\"",
            "url = \"https://example.org/\"",
        ]));
        assert_eq!(config.targets[0].settings.consent, Some(expected));
        assert!(config.targets[0].settings.gpc);
    }
    assert!(!parse_ok(&target_with("")).targets[0].settings.gpc);
}

#[test]
fn steps_mix_selectors_and_button_texts() {
    let config = parse_ok(&target_with(
        "consent = { accept = \"#ok\", reject = [\"#settings\", { text = \"Tout refuser\" }, \"#save\"] }",
    ));
    assert_eq!(
        config.targets[0].settings.consent,
        Some(ConsentPlan::Steps {
            accept: vec![ClickStep::Css("#ok".into())],
            reject: vec![
                ClickStep::Css("#settings".into()),
                ClickStep::Text("Tout refuser".into()),
                ClickStep::Css("#save".into()),
            ],
        })
    );
}

#[test]
fn bad_steps_are_named() {
    let cases = [
        (
            "consent = { accept = \"#ok\", reject = [] }",
            "`consent.reject` has no steps",
        ),
        (
            "consent = { accept = \"#ok\", reject = [{ txt = \"Non\" }] }",
            "unknown key `txt` in a step of `consent.reject`",
        ),
        (
            "consent = { accept = \"#ok\", reject = [{ text = \" \" }] }",
            "the `text` of a step of `consent.reject` must be 1 to 1000 bytes long",
        ),
        (
            "consent = { accept = \"#ok\", reject = [1] }",
            "`consent.reject` must be a CSS selector, or a list of steps, found the number 1",
        ),
        (
            "gpc = \"yes\"",
            "`gpc` must be `true` or `false`, found the string \"yes\"",
        ),
        ("consent = \"autoo\"", "unknown consent preset \"autoo\""),
    ];
    for (line, message) in cases {
        let err = parse_err(&target_with(line));
        assert_eq!(err.message(), message, "{line}");
    }
    let nine = ["\"#a\""; 9].join(", ");
    let err = parse_err(&target_with(&format!(
        "consent = {{ accept = \"#ok\", reject = [{nine}] }}"
    )));
    assert_eq!(
        err.message(),
        "`consent.reject` has 9 steps; at most 8 are allowed"
    );
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
            "`consent.accept` must be a CSS selector, or a list of steps, found the number 1"
                .to_owned(),
            "e.g. accept = \"#cookie-banner .accept\", or accept = [\"#cookie-settings\", \
             { text = \"Tout refuser\" }]",
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
    let forms = "write consent = \"auto\" to let the tool find the banner, \
                 consent = \"opendatasoft\" for the Opendatasoft banner, \
                 or the buttons' CSS selectors, e.g. consent = { accept = \
                 \"#cookie-banner .accept\", reject = \"#cookie-banner .reject\" }";
    let cases = [
        (
            target_with("consent = 3"),
            4,
            "`consent` must be \"auto\", a preset name, a table of CSS selectors or \
             `false`, found the number 3",
            forms.to_owned(),
        ),
        (
            target_with("consent = [\"#agree\", \"#refuse\"]"),
            4,
            "`consent` must be \"auto\", a preset name, a table of CSS selectors or \
             `false`, found a list",
            forms.to_owned(),
        ),
        (
            doc(&["[defaults]", "consent = true"]),
            2,
            "`consent = true` does not say how to find the banner",
            format!("{forms}; consent = false audits without consent phases"),
        ),
        (
            target_with("consent = \"OpenDataSoft\""),
            4,
            "unknown consent preset \"OpenDataSoft\"",
            "did you mean \"opendatasoft\"? known presets: \"auto\", \"opendatasoft\"; or give the \
             buttons' CSS selectors, e.g. consent = { accept = \"#cookie-banner .accept\", \
             reject = \"#cookie-banner .reject\" }"
                .to_owned(),
        ),
        (
            target_with("consent = \"onetrust\""),
            4,
            "unknown consent preset \"onetrust\"",
            "known presets: \"auto\", \"opendatasoft\"; or give the buttons' CSS selectors, \
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
