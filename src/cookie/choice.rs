//! Consent managers' own choice cookies, decoded: after a phase, what the site's banner recorded
//! the visitor chose, so that a report can say "after refusal the portal recorded
//! `matomo:false` — yet `_pk_id` was set".
//!
//! Every value comes from the web: nothing here panics, values over 8 KiB are ignored, and a
//! decoded choice names at most 64 purposes of at most 64 characters each. Anything malformed,
//! or naming no boolean choice, is `None`.

use std::fmt;

use serde::Deserialize;
use serde::de::{Deserializer, MapAccess, Visitor};
use serde_json::Value;

use crate::types::{ConsentChoice, PurposeChoice};

/// The choice cookies [`decode_choice`] knows, the most specific first: a site with Didomi or
/// OneTrust usually also keeps the generic TCF string, which says less.
pub const CHOICE_COOKIES: &[&str] = &[
    OPENDATASOFT,
    TARTEAUCITRON,
    COOKIECONSENT,
    KLARO,
    ONETRUST,
    COOKIEBOT,
    DIDOMI,
    TCF,
];

/// The longest cookie value read; browsers keep at most 4 KiB, so more is not a banner's.
const MAX_VALUE_BYTES: usize = 8 * 1024;
/// The most choices one cookie yields; the rest are dropped.
const MAX_CHOICES: usize = 64;
/// The longest name of a choice, in characters; longer ones are cut.
const MAX_NAME_CHARS: usize = 64;

const OPENDATASOFT: &str = "cookies_preferences";
const TARTEAUCITRON: &str = "tarteaucitron";
const COOKIECONSENT: &str = "cc_cookie";
const KLARO: &str = "klaro";
const ONETRUST: &str = "OptanonConsent";
const COOKIEBOT: &str = "CookieConsent";
const DIDOMI: &str = "didomi_token";
const TCF: &str = "euconsent-v2";

/// What the consent manager's cookie `name`, holding `value`, says the visitor chose; `None`
/// when the value is malformed, too long or names no boolean choice.
///
/// A name outside [`CHOICE_COOKIES`] is read only when its value has the unmistakable shape
/// of a renamed tarteaucitron cookie (`!service=true!…`) or of a klaro one (a JSON object of
/// booleans only): both managers let sites choose the cookie's name.
pub fn decode_choice(name: &str, value: &str) -> Option<ConsentChoice> {
    if value.len() > MAX_VALUE_BYTES {
        return None;
    }
    let value = unquote(value.trim());
    let (manager, choices) = match name {
        OPENDATASOFT => ("opendatasoft", opendatasoft(value)?),
        TARTEAUCITRON => ("tarteaucitron", tarteaucitron(value, false)?),
        COOKIECONSENT => ("vanilla-cookieconsent", cookieconsent(value)?),
        KLARO => ("klaro", klaro(value, false)?),
        ONETRUST => ("onetrust", onetrust(value)?),
        COOKIEBOT => ("cookiebot", cookiebot(value)?),
        DIDOMI => ("didomi", didomi(value)?),
        TCF => ("tcf", tcf(value)?),
        _ => {
            if let Some(choices) = tarteaucitron(value, true) {
                ("tarteaucitron", choices)
            } else {
                ("klaro", klaro(value, true)?)
            }
        }
    };
    Some(ConsentChoice {
        cookie: name.chars().take(MAX_NAME_CHARS).collect(),
        manager: manager.into(),
        choices,
    })
}

/// The choices being gathered, bounded in count and name length.
#[derive(Default)]
struct Choices(Vec<PurposeChoice>);

impl Choices {
    /// Adds `name`, unless it is empty, already there (the first answer stands: a manager
    /// writes each once, so a repeat is noise) or one too many.
    fn push(&mut self, name: &str, allowed: bool) {
        let name: String = name.trim().chars().take(MAX_NAME_CHARS).collect();
        if name.is_empty() || self.0.len() >= MAX_CHOICES || self.0.iter().any(|c| c.name == name) {
            return;
        }
        self.0.push(PurposeChoice { name, allowed });
    }

    /// The choices, or `None` when there is none.
    fn done(self) -> Option<Vec<PurposeChoice>> {
        (!self.0.is_empty()).then_some(self.0)
    }
}

/// `value` without the double quotes RFC 6265 allows around a cookie value.
fn unquote(value: &str) -> &str {
    value
        .strip_prefix('"')
        .and_then(|v| v.strip_suffix('"'))
        .unwrap_or(value)
}

/// `text` with its `%XX` escapes decoded, as `decodeURIComponent` does; `+` stays a `+` (the
/// managers encode with `encodeURIComponent`, and Cookiebot's stamp holds literal `+`). A
/// broken escape is kept as it is; `None` when the bytes are not UTF-8.
fn percent_decode(text: &str) -> Option<String> {
    fn hex(b: u8) -> Option<u8> {
        (b as char).to_digit(16).and_then(|d| u8::try_from(d).ok())
    }
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'%' {
            let high = bytes.get(i + 1).copied().and_then(hex);
            let low = bytes.get(i + 2).copied().and_then(hex);
            if let (Some(high), Some(low)) = (high, low) {
                out.push((high << 4) | low);
                i += 3;
                continue;
            }
        }
        out.push(b);
        i += 1;
    }
    String::from_utf8(out).ok()
}

/// `text`, percent-decoded when it holds an escape.
fn decoded(text: &str) -> Option<String> {
    if text.contains('%') {
        percent_decode(text)
    } else {
        Some(text.to_owned())
    }
}

/// The JSON in `value`, read as it is or else percent-decoded: managers write it either way,
/// and a plain value may hold a literal `%` that decoding would spoil.
fn json<T: for<'de> Deserialize<'de>>(value: &str) -> Option<T> {
    serde_json::from_str(value)
        .ok()
        .or_else(|| serde_json::from_str(&percent_decode(value)?).ok())
}

/// A JSON object's members in the order the cookie has them (`serde_json`'s map sorts them).
struct Members(Vec<(String, Value)>);

impl<'de> Deserialize<'de> for Members {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct MembersVisitor;
        impl<'de> Visitor<'de> for MembersVisitor {
            type Value = Members;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Members, A::Error> {
                let mut members = Vec::new();
                while let Some(member) = map.next_entry::<String, Value>()? {
                    members.push(member);
                }
                Ok(Members(members))
            }
        }
        deserializer.deserialize_map(MembersVisitor)
    }
}

/// The boolean members of a JSON object, in order; with `strict`, `None` unless every member
/// is a boolean.
fn boolean_members(members: Members, strict: bool) -> Option<Vec<PurposeChoice>> {
    let mut choices = Choices::default();
    for (name, value) in members.0 {
        match value {
            Value::Bool(allowed) => choices.push(&name, allowed),
            _ if strict => return None,
            _ => {}
        }
    }
    choices.done()
}

/// Opendatasoft's `cookies_preferences`: `{"functional_cookies":false,"ga":false,
/// "matomo":false,…,"timestamp":1700000000000}`, URL-encoded or not; the timestamp and any
/// other non-boolean member are skipped.
fn opendatasoft(value: &str) -> Option<Vec<PurposeChoice>> {
    boolean_members(json(value)?, false)
}

/// Klaro's cookie (`klaro` unless renamed): `encodeURIComponent(JSON.stringify(consents))`,
/// an object of service name → boolean. `strict` (for a name that is not klaro's) takes only
/// an object of booleans alone.
fn klaro(value: &str, strict: bool) -> Option<Vec<PurposeChoice>> {
    boolean_members(json(value)?, strict)
}

/// tarteaucitron's cookie: each choice appended as `!service=status` (`cookie.create` in
/// tarteaucitron.js), the status `true`, `false` or `wait` (not answered yet); other entries
/// (`!id=…` on some sites) are skipped. tarteaucitron writes it unencoded; a percent-encoded
/// copy is read too. `strict` (for a name that is not tarteaucitron's) takes only a value
/// starting with `!` and made of `!key=value` entries alone.
fn tarteaucitron(value: &str, strict: bool) -> Option<Vec<PurposeChoice>> {
    let value = decoded(value)?;
    if strict && !value.starts_with('!') {
        return None;
    }
    let mut choices = Choices::default();
    for entry in value.split('!').filter(|e| !e.is_empty()) {
        let Some((service, status)) = entry.split_once('=') else {
            if strict {
                return None;
            }
            continue;
        };
        let is_key = !service.is_empty()
            && service
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
        if strict && !is_key {
            return None;
        }
        match status {
            "true" => choices.push(service, true),
            "false" => choices.push(service, false),
            _ => {}
        }
    }
    choices.done()
}

/// The members of vanilla-cookieconsent's `cc_cookie` that say what was accepted.
#[derive(Deserialize)]
struct CookieConsentValue {
    /// v3: the accepted categories.
    #[serde(default)]
    categories: Option<Vec<Value>>,
    /// v2: the accepted categories.
    #[serde(default)]
    level: Option<Vec<Value>>,
    /// v3: per category, the accepted services.
    #[serde(default)]
    services: Option<Members>,
}

/// vanilla-cookieconsent's `cc_cookie`: v3 writes `encodeURIComponent(JSON.stringify(…))` with
/// `categories` (the accepted ones) and `services` (per category, the accepted services); v2
/// wrote `level` instead of `categories`, plain or encoded. Only what was accepted is in it,
/// so every choice is allowed: a refusal shows as the categories that are missing.
fn cookieconsent(value: &str) -> Option<Vec<PurposeChoice>> {
    let parsed: CookieConsentValue = json(value)?;
    let mut choices = Choices::default();
    let categories = parsed.categories.or(parsed.level).unwrap_or_default();
    for category in &categories {
        if let Value::String(category) = category {
            choices.push(category, true);
        }
    }
    for (_, services) in parsed.services.map(|s| s.0).unwrap_or_default() {
        if let Value::Array(services) = services {
            for service in &services {
                if let Value::String(service) = service {
                    choices.push(service, true);
                }
            }
        }
    }
    choices.done()
}

/// OneTrust's standard cookie categories, by group code.
const ONETRUST_GROUPS: &[(&str, &str)] = &[
    ("C0001", "C0001 necessary"),
    ("C0002", "C0002 performance"),
    ("C0003", "C0003 functional"),
    ("C0004", "C0004 targeting"),
    ("C0005", "C0005 social media"),
];

/// OneTrust's `OptanonConsent`: a query string whose `groups` member lists each group as
/// `code:1` (allowed) or `code:0`: `…&groups=C0001%3A1%2CC0002%3A0&…`. Standard codes are
/// named after their category; other codes (`SPD_BG`, `V2STACK42`) stay as they are.
fn onetrust(value: &str) -> Option<Vec<PurposeChoice>> {
    // Copied or re-set cookies are sometimes encoded once more, `=` and `&` included.
    let value = if value.contains('=') {
        value.to_owned()
    } else {
        percent_decode(value)?
    };
    let groups = url::form_urlencoded::parse(value.as_bytes())
        .find(|(key, _)| key == "groups")
        .map(|(_, groups)| groups)?;
    let mut choices = Choices::default();
    for group in groups.split(',') {
        let Some((code, flag)) = group.split_once(':') else {
            continue;
        };
        let code = code.trim();
        let name = ONETRUST_GROUPS
            .iter()
            .find(|(c, _)| *c == code)
            .map_or(code, |(_, name)| name);
        match flag.trim() {
            "1" => choices.push(name, true),
            "0" => choices.push(name, false),
            _ => {}
        }
    }
    choices.done()
}

/// The categories a Cookiebot choice names, in Cookiebot's words.
const COOKIEBOT_CATEGORIES: &[&str] = &["necessary", "preferences", "statistics", "marketing"];

/// Cookiebot's `CookieConsent`: a JavaScript object literal, URL-encoded:
/// `{stamp:%27…%27%2Cnecessary:true%2Cpreferences:false%2Cstatistics:false%2C
/// marketing:false%2Cmethod:%27explicit%27%2Cver:1%2Cutc:…%2Cregion:%27fr%27}`. `-1` means
/// consent does not apply to the visitor, so nothing was chosen.
fn cookiebot(value: &str) -> Option<Vec<PurposeChoice>> {
    if value == "-1" {
        return None;
    }
    let value = decoded(value)?;
    let body = value
        .trim()
        .strip_prefix('{')
        .and_then(|v| v.strip_suffix('}'))?;
    let mut choices = Choices::default();
    for member in split_outside_quotes(body, ',') {
        let Some((key, member_value)) = member.split_once(':') else {
            continue;
        };
        let key = key.trim().trim_matches(|c| c == '\'' || c == '"');
        if !COOKIEBOT_CATEGORIES.contains(&key) {
            continue;
        }
        match member_value.trim() {
            "true" => choices.push(key, true),
            "false" => choices.push(key, false),
            _ => {}
        }
    }
    choices.done()
}

/// `text` split at each `separator` that is not inside single or double quotes.
fn split_outside_quotes(text: &str, separator: char) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut quote: Option<char> = None;
    let mut start = 0;
    for (i, c) in text.char_indices() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == '\'' || c == '"' => quote = Some(c),
            None if c == separator => {
                parts.push(text.get(start..i).unwrap_or_default());
                start = i + c.len_utf8();
            }
            None => {}
        }
    }
    parts.push(text.get(start..).unwrap_or_default());
    parts
}

/// The part of a Didomi token that says which purposes were chosen.
#[derive(Deserialize)]
struct DidomiToken {
    #[serde(default)]
    purposes: Option<DidomiPurposes>,
}

/// Didomi's purposes, enabled and disabled, by Didomi or custom purpose ID.
#[derive(Deserialize)]
struct DidomiPurposes {
    #[serde(default)]
    enabled: Vec<Value>,
    #[serde(default)]
    disabled: Vec<Value>,
}

/// Didomi's `didomi_token`: base64 (standard or URL-safe, padded or not, sometimes
/// URL-encoded) JSON whose `purposes.enabled` and `purposes.disabled` list purpose IDs
/// (`geolocation_data`, `analytics-HpBJrrK7`). Legitimate-interest purposes and vendors are
/// left out: the choice is about consent.
fn didomi(value: &str) -> Option<Vec<PurposeChoice>> {
    let bytes = base64_decode(&decoded(value)?)?;
    let token: DidomiToken = serde_json::from_slice(&bytes).ok()?;
    let purposes = token.purposes?;
    let mut choices = Choices::default();
    for (list, allowed) in [(purposes.enabled, true), (purposes.disabled, false)] {
        for purpose in &list {
            if let Value::String(purpose) = purpose {
                choices.push(purpose, allowed);
            }
        }
    }
    choices.done()
}

/// The 6-bit values of base64 text, either alphabet, trailing `=` ignored; `None` on any
/// other character.
fn sextets(text: &str) -> Option<Vec<u8>> {
    text.trim_end_matches('=')
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' => Some(b - b'A'),
            b'a'..=b'z' => Some(b - b'a' + 26),
            b'0'..=b'9' => Some(b - b'0' + 52),
            b'+' | b'-' => Some(62),
            b'/' | b'_' => Some(63),
            _ => None,
        })
        .collect()
}

/// The bytes base64 `text` encodes, standard or URL-safe alphabet, padded or not; `None` when
/// it is not base64.
pub(crate) fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let sextets = sextets(text)?;
    // One character alone cannot make a byte: the text was cut.
    if sextets.len() % 4 == 1 {
        return None;
    }
    let mut bytes = Vec::with_capacity(sextets.len() * 3 / 4);
    let mut buffer: u32 = 0;
    let mut bits = 0;
    for sextet in sextets {
        buffer = (buffer << 6) | u32::from(sextet);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            bytes.push((buffer >> bits) as u8);
            buffer &= (1 << bits) - 1;
        }
    }
    Some(bytes)
}

/// `len` bits (at most 64) from `start` in a TC string's 6-bit characters, most significant
/// first; `None` past the end.
fn read_bits(sextets: &[u8], start: usize, len: usize) -> Option<u64> {
    let mut out = 0u64;
    for i in start..start.checked_add(len)? {
        let sextet = sextets.get(i / 6)?;
        out = (out << 1) | u64::from((sextet >> (5 - i % 6)) & 1);
    }
    Some(out)
}

/// The width of the core segment's first field, the version.
const TCF_VERSION_BITS: usize = 6;
/// The first bit of the purpose consents (purpose 1's), after the core segment's fixed fields:
/// version (6 bits), created (36), last updated (36), CMP ID (12), CMP version (12), consent
/// screen (6), consent language (12), vendor list version (12), policy version (6), is service
/// specific (1), use non-standard texts (1), special feature opt-ins (12).
const TCF_PURPOSES_START: usize = 6 + 36 + 36 + 12 + 12 + 6 + 12 + 12 + 6 + 1 + 1 + 12;

/// The purposes of TCF 2.2, 1 to 11, by short name.
const TCF_PURPOSES: &[&str] = &[
    "1 store/access on device",
    "2 basic ads",
    "3 ads profile",
    "4 personalised ads",
    "5 content profile",
    "6 personalised content",
    "7 ad measurement",
    "8 content measurement",
    "9 audience research",
    "10 develop products",
    "11 limited data for content",
];

/// The IAB TCF v2 string in `euconsent-v2`: its core segment (before the first `.`) is
/// base64url bits, packed six to a character with no byte alignment; the purpose consents
/// follow the fixed-width fields listed at `TCF_PURPOSES_START`. Only version 2 is read.
fn tcf(value: &str) -> Option<Vec<PurposeChoice>> {
    let value = decoded(value)?;
    let core = value.split('.').next()?;
    let sextets = sextets(core)?;
    if read_bits(&sextets, 0, TCF_VERSION_BITS)? != 2 {
        return None;
    }
    let mut choices = Choices::default();
    for (i, name) in TCF_PURPOSES.iter().enumerate() {
        let allowed = read_bits(&sextets, TCF_PURPOSES_START + i, 1)? == 1;
        choices.push(name, allowed);
    }
    choices.done()
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// What `encodeURIComponent` makes of `text`.
    fn encode_uri_component(text: &str) -> String {
        let mut out = String::new();
        for b in text.bytes() {
            if b.is_ascii_alphanumeric() || b"-_.!~*'()".contains(&b) {
                out.push(char::from(b));
            } else {
                out.push_str(&format!("%{b:02X}"));
            }
        }
        out
    }

    /// The choices of `choice` as (name, allowed) pairs.
    fn pairs(choice: &ConsentChoice) -> Vec<(&str, bool)> {
        choice
            .choices
            .iter()
            .map(|c| (c.name.as_str(), c.allowed))
            .collect()
    }

    /// Decodes and checks the manager, returning the pairs.
    fn decode(name: &str, value: &str, manager: &str) -> Vec<(String, bool)> {
        let choice =
            decode_choice(name, value).unwrap_or_else(|| panic!("{name}={value} should decode"));
        assert_eq!(choice.cookie, name);
        assert_eq!(choice.manager, manager);
        pairs(&choice)
            .into_iter()
            .map(|(n, a)| (n.to_owned(), a))
            .collect()
    }

    fn owned(expected: &[(&str, bool)]) -> Vec<(String, bool)> {
        expected
            .iter()
            .map(|(n, a)| ((*n).to_owned(), *a))
            .collect()
    }

    // --- Opendatasoft ---

    const ODS_JSON: &str = r#"{"functional_cookies":false,"ga":false,"matomo":false,"xiti":true,"at":false,"piano":false,"eulerian":false,"timestamp":1717000000000}"#;

    #[test]
    fn opendatasoft_encoded_as_the_banner_writes_it() {
        // As the browser module presets it: form-encoded, `+` turned into `%20`.
        let value: String = url::form_urlencoded::byte_serialize(ODS_JSON.as_bytes())
            .collect::<String>()
            .replace('+', "%20");
        assert!(value.starts_with("%7B%22functional_cookies%22%3Afalse"));
        let expected = owned(&[
            ("functional_cookies", false),
            ("ga", false),
            ("matomo", false),
            ("xiti", true),
            ("at", false),
            ("piano", false),
            ("eulerian", false),
        ]);
        assert_eq!(decode(OPENDATASOFT, &value, "opendatasoft"), expected);
        assert_eq!(
            decode(
                OPENDATASOFT,
                &encode_uri_component(ODS_JSON),
                "opendatasoft"
            ),
            expected
        );
        assert_eq!(decode(OPENDATASOFT, ODS_JSON, "opendatasoft"), expected);
    }

    #[test]
    fn opendatasoft_summary_and_lookup() {
        let choice = decode_choice(OPENDATASOFT, r#"{"matomo":false,"ga":false}"#).unwrap();
        assert_eq!(choice.summary(), "matomo:false, ga:false");
        assert_eq!(choice.allowed("matomo"), Some(false));
        assert_eq!(choice.allowed("xiti"), None);
    }

    #[test]
    fn opendatasoft_malformed() {
        for value in [
            "",
            "true",
            "%7B",
            "{\"ga\":false",
            "[false]",
            "{\"timestamp\":1717000000000}",
            "{}",
            "%7B%22ga%22%3A%22false%22%7D",
            "%FF%FE",
            "null",
        ] {
            assert_eq!(decode_choice(OPENDATASOFT, value), None, "{value}");
        }
    }

    #[test]
    fn cookie_value_in_double_quotes() {
        let quoted = format!("\"{}\"", encode_uri_component(r#"{"ga":true}"#));
        assert_eq!(
            decode(OPENDATASOFT, &quoted, "opendatasoft"),
            owned(&[("ga", true)])
        );
    }

    // --- tarteaucitron ---

    #[test]
    fn tarteaucitron_as_it_writes_it() {
        // `cookie.create` appends `'!' + key + '=' + status` to what the cookie held.
        assert_eq!(
            decode(
                TARTEAUCITRON,
                "!gajs=true!googletagmanager=false!youtube=wait!matomo=false",
                "tarteaucitron"
            ),
            owned(&[
                ("gajs", true),
                ("googletagmanager", false),
                ("matomo", false)
            ])
        );
        // Seen on a site: an `id` entry among the choices, and a trailing `!`.
        assert_eq!(
            decode(
                TARTEAUCITRON,
                "!id=a5c8155833511d18-109da518!atinternet=true!hotjar=false!",
                "tarteaucitron"
            ),
            owned(&[("atinternet", true), ("hotjar", false)])
        );
    }

    #[test]
    fn tarteaucitron_percent_encoded() {
        assert_eq!(
            decode(
                TARTEAUCITRON,
                "%21gtag%3Dfalse%21analytics%3Dtrue",
                "tarteaucitron"
            ),
            owned(&[("gtag", false), ("analytics", true)])
        );
    }

    #[test]
    fn tarteaucitron_malformed_or_unanswered() {
        for value in [
            "",
            "!",
            "!!!",
            "!gtag=wait!facebook=wait",
            "gtag",
            "!=true",
            "!gtag=TRUE",
            "!gtag=1",
            "%21%",
        ] {
            assert_eq!(decode_choice(TARTEAUCITRON, value), None, "{value}");
        }
    }

    // --- vanilla-cookieconsent ---

    #[test]
    fn cookieconsent_v3_as_seen() {
        // v3.x after "reject all": only the read-only category, and the services object.
        let value = "%7B%22categories%22%3A%5B%22necessary%22%5D%2C%22revision%22%3A1%2C%22data%22%3Anull%2C%22consentTimestamp%22%3A%222024-11-20T19%3A02%3A36.823Z%22%2C%22consentId%22%3A%2212fd04af-4af6-48a3-8531-b7cf317849d1%22%2C%22services%22%3A%7B%22necessary%22%3A%5B%5D%2C%22analytics%22%3A%5B%5D%2C%22support%22%3A%5B%5D%7D%2C%22lastConsentTimestamp%22%3A%222024-11-20T19%3A02%3A36.823Z%22%2C%22expirationTime%22%3A1747854156824%7D";
        let choice = decode_choice(COOKIECONSENT, value).unwrap();
        assert_eq!(choice.manager, "vanilla-cookieconsent");
        assert_eq!(pairs(&choice), [("necessary", true)]);
        assert_eq!(choice.allowed("analytics"), None);
    }

    #[test]
    fn cookieconsent_v3_services() {
        let json = r#"{"categories":["necessary","analytics"],"revision":0,"data":null,"services":{"necessary":[],"analytics":["ga","matomo"],"ads":[]},"languageCode":"fr"}"#;
        let expected = owned(&[
            ("necessary", true),
            ("analytics", true),
            ("ga", true),
            ("matomo", true),
        ]);
        assert_eq!(
            decode(
                COOKIECONSENT,
                &encode_uri_component(json),
                "vanilla-cookieconsent"
            ),
            expected
        );
        assert_eq!(
            decode(COOKIECONSENT, json, "vanilla-cookieconsent"),
            expected
        );
    }

    #[test]
    fn cookieconsent_v2_level() {
        assert_eq!(
            decode(
                COOKIECONSENT,
                r#"{"level":["necessary","analytics"],"revision":0,"data":null,"rfc_cookie":false}"#,
                "vanilla-cookieconsent"
            ),
            owned(&[("necessary", true), ("analytics", true)])
        );
        // v2.9 with `rfc_cookie`: encoded, both `categories` and `level`.
        let value = "%7B%22categories%22%3A%5B%22necessary%22%2C%22analytics%22%2C%22targeting%22%5D%2C%22level%22%3A%5B%22necessary%22%2C%22analytics%22%2C%22targeting%22%5D%2C%22revision%22%3A1%2C%22data%22%3Anull%2C%22rfc_cookie%22%3Atrue%7D";
        assert_eq!(
            decode(COOKIECONSENT, value, "vanilla-cookieconsent"),
            owned(&[
                ("necessary", true),
                ("analytics", true),
                ("targeting", true)
            ])
        );
    }

    #[test]
    fn cookieconsent_malformed() {
        for value in [
            "",
            "{}",
            r#"{"categories":[]}"#,
            r#"{"categories":"analytics"}"#,
            r#"{"categories":[1,2,null]}"#,
            r#"{"services":{"analytics":"ga"}}"#,
            "%7B%22categories%22%3A%5B",
            "[\"necessary\"]",
        ] {
            assert_eq!(decode_choice(COOKIECONSENT, value), None, "{value}");
        }
    }

    // --- klaro ---

    #[test]
    fn klaro_as_seen() {
        let value = "%7B%22necessary-cookies%22%3Atrue%2C%22preferences%22%3Afalse%2C%22google-analytics%22%3Afalse%2C%22google-ads%22%3Afalse%7D";
        let expected = owned(&[
            ("necessary-cookies", true),
            ("preferences", false),
            ("google-analytics", false),
            ("google-ads", false),
        ]);
        assert_eq!(decode(KLARO, value, "klaro"), expected);
        assert_eq!(
            decode(
                KLARO,
                r#"{"necessary-cookies":true,"preferences":false,"google-analytics":false,"google-ads":false}"#,
                "klaro"
            ),
            expected
        );
    }

    #[test]
    fn klaro_malformed() {
        for value in [
            "",
            "{}",
            "%7B%22matomo%22%3A0%7D",
            "true",
            "{\"matomo\":",
            "%",
        ] {
            assert_eq!(decode_choice(KLARO, value), None, "{value}");
        }
        // Named klaro's way, non-boolean members are skipped.
        assert_eq!(
            decode(KLARO, r#"{"matomo":false,"v":2}"#, "klaro"),
            owned(&[("matomo", false)])
        );
    }

    #[test]
    fn renamed_cookies_only_in_their_unmistakable_shapes() {
        assert_eq!(
            decode("cookie-consent", "%7B%22matomo%22%3Afalse%7D", "klaro"),
            owned(&[("matomo", false)])
        );
        assert_eq!(
            decode("tac_consent", "!gajs=false!youtube=true", "tarteaucitron"),
            owned(&[("gajs", false), ("youtube", true)])
        );
        for value in [
            r#"{"matomo":false,"timestamp":1}"#,
            r#"{"dark_mode":"true"}"#,
            "true",
            "1",
            "!",
            "!a b=true",
            "!gajs=true!garbage",
            "gajs=true",
            "{}",
        ] {
            assert_eq!(decode_choice("prefs", value), None, "{value}");
        }
    }

    // --- OneTrust ---

    #[test]
    fn onetrust_as_seen() {
        let value = "isGpcEnabled=0&datestamp=Mon+Nov+06+2023+22%3A21%3A17+GMT%2B0200+(Eastern+European+Standard+Time)&version=202310.1.0&browserGpcFlag=0&isIABGlobal=false&hosts=&landingPath=https%3A%2F%2Fwww.example.com%2F&groups=C0001%3A1%2CC0002%3A0%2CC0003%3A0%2CC0004%3A0";
        let choice = decode_choice(ONETRUST, value).unwrap();
        assert_eq!(choice.manager, "onetrust");
        assert_eq!(
            choice.summary(),
            "C0001 necessary:true, C0002 performance:false, C0003 functional:false, C0004 targeting:false"
        );
    }

    #[test]
    fn onetrust_unknown_codes_keep_their_code() {
        let value = "isIABGlobal=false&version=6.39.0&hosts=&landingPath=NotLandingPage&groups=C0001%3A1%2CC0003%3A1%2CSPD_BG%3A0%2CC0005%3A0%2CV2STACK42%3A1&AwaitingReconsent=false";
        assert_eq!(
            decode(ONETRUST, value, "onetrust"),
            owned(&[
                ("C0001 necessary", true),
                ("C0003 functional", true),
                ("SPD_BG", false),
                ("C0005 social media", false),
                ("V2STACK42", true),
            ])
        );
    }

    #[test]
    fn onetrust_plain_and_encoded_twice() {
        let expected = owned(&[("C0001 necessary", true), ("C0002 performance", false)]);
        assert_eq!(
            decode(ONETRUST, "version=6&groups=C0001:1,C0002:0", "onetrust"),
            expected
        );
        assert_eq!(
            decode(
                ONETRUST,
                "version%3D6%26groups%3DC0001%253A1%252CC0002%253A0",
                "onetrust"
            ),
            expected
        );
    }

    #[test]
    fn onetrust_malformed() {
        for value in [
            "",
            "groups=",
            "version=6&hosts=",
            "groups=C0001",
            "groups=C0001%3Ayes",
            "groups=%2C%2C%3A",
            "groups=:1",
            "%%%",
        ] {
            assert_eq!(decode_choice(ONETRUST, value), None, "{value}");
        }
    }

    // --- Cookiebot ---

    #[test]
    fn cookiebot_as_seen() {
        // A refusal; the stamp holds literal `+` and `/` that must not be read as anything.
        let value = "{stamp:%27f+7ywpRuvGmFIujhI+oEbPugblwcsBmNcpD/7RUUNZKavIMY97rzhQ==%27%2Cnecessary:true%2Cpreferences:false%2Cstatistics:false%2Cmarketing:false%2Cmethod:%27explicit%27%2Cver:1%2Cutc:1745620490943%2Cregion:%27pl%27}";
        assert_eq!(
            decode(COOKIEBOT, value, "cookiebot"),
            owned(&[
                ("necessary", true),
                ("preferences", false),
                ("statistics", false),
                ("marketing", false),
            ])
        );
    }

    #[test]
    fn cookiebot_plain_and_fully_encoded() {
        let plain = "{stamp:'a,b:true',necessary:true,preferences:true,statistics:false,marketing:true,method:'explicit',ver:1}";
        let expected = owned(&[
            ("necessary", true),
            ("preferences", true),
            ("statistics", false),
            ("marketing", true),
        ]);
        assert_eq!(decode(COOKIEBOT, plain, "cookiebot"), expected);
        assert_eq!(
            decode(COOKIEBOT, &encode_uri_component(plain), "cookiebot"),
            expected
        );
    }

    #[test]
    fn cookiebot_not_applicable_or_malformed() {
        for value in [
            "-1",
            "",
            "{}",
            "{stamp:'x'}",
            "stamp:'x',necessary:true",
            "{necessary:1}",
            "{necessary:true",
            "{stamp:'unclosed,necessary:true}",
            "{foo:true,bar:false}",
        ] {
            assert_eq!(decode_choice(COOKIEBOT, value), None, "{value}");
        }
    }

    // --- Didomi ---

    #[test]
    fn didomi_as_seen() {
        let value = "eyJ1c2VyX2lkIjoiMTkyZjY2MGUtYzM1Ni02ZGVlLTliZGItZGJmNmM1YjZjNDJkIiwiY3JlYXRlZCI6IjIwMjQtMTEtMDRUMDg6NTM6MjAuMDUzWiIsInVwZGF0ZWQiOiIyMDI0LTExLTA0VDA4OjUzOjIyLjUyOFoiLCJ2ZW5kb3JzIjp7ImVuYWJsZWQiOlsiZ29vZ2xlIiwiYzppbnRlcmNvbSIsImM6Ym9vbGktSkFEeUQ4NmUiXX0sInB1cnBvc2VzIjp7ImVuYWJsZWQiOlsiZ2VvbG9jYXRpb25fZGF0YSIsInByZXN0YW5kYSJdfSwidmVyc2lvbiI6MiwiYWMiOiJDS1dBRUJFa0VVb0EuQUFBQSJ9";
        assert_eq!(
            decode(DIDOMI, value, "didomi"),
            owned(&[("geolocation_data", true), ("prestanda", true)])
        );
    }

    /// `json` as Didomi stores it: standard base64, padded.
    fn didomi_token(json: &str) -> String {
        const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut out = String::new();
        for chunk in json.as_bytes().chunks(3) {
            let mut n = 0u32;
            for (i, b) in chunk.iter().enumerate() {
                n |= u32::from(*b) << (16 - 8 * i);
            }
            for i in 0..4 {
                if i <= chunk.len() {
                    out.push(char::from(ALPHABET[(n >> (18 - 6 * i) & 63) as usize]));
                } else {
                    out.push('=');
                }
            }
        }
        out
    }

    #[test]
    fn didomi_refusal_in_every_base64_form() {
        // `>>>` and `???` at a multiple of three bytes make `Pj4+` and `Pz8/`; one more byte
        // makes padding.
        let json = r#"{"user_id":"x>>>???","purposes":{"enabled":["cookies"],"disabled":["analytics-HpBJrrK7","select_personalized_ads"]},"purposes_li":{"enabled":["market_research"]},"vendors":{"disabled":["google"]},"version":2}"#;
        let standard = didomi_token(json);
        assert!(standard.contains('+') && standard.contains('/') && standard.ends_with('='));
        let url_safe = standard.replace('+', "-").replace('/', "_");
        let unpadded = url_safe.trim_end_matches('=').to_owned();
        let encoded = encode_uri_component(&standard);
        let expected = owned(&[
            ("cookies", true),
            ("analytics-HpBJrrK7", false),
            ("select_personalized_ads", false),
        ]);
        for value in [&standard, &url_safe, &unpadded, &encoded] {
            assert_eq!(decode(DIDOMI, value, "didomi"), expected, "{value}");
        }
    }

    #[test]
    fn didomi_malformed() {
        for value in [
            String::new(),
            "e".into(),
            "not base64!".into(),
            didomi_token("{}"),
            didomi_token(r#"{"vendors":{"enabled":["google"]}}"#),
            didomi_token(r#"{"purposes":{"enabled":[],"disabled":[]}}"#),
            didomi_token(r#"{"purposes":{"enabled":"cookies"}}"#),
            didomi_token("[1,2]"),
            didomi_token("{\"purposes\":"),
        ] {
            assert_eq!(decode_choice(DIDOMI, &value), None, "{value}");
        }
        // The reference one, cut.
        assert_eq!(
            decode_choice(DIDOMI, "eyJ1c2VyX2lkIjoiMTkyZjY2MGUtYzM1"),
            None
        );
    }

    // --- base64 and percent-decoding ---

    #[test]
    fn base64_vectors() {
        // RFC 4648 §10.
        for (text, bytes) in [
            ("", ""),
            ("Zg==", "f"),
            ("Zm8=", "fo"),
            ("Zm9v", "foo"),
            ("Zm9vYg==", "foob"),
            ("Zm9vYmE=", "fooba"),
            ("Zm9vYmFy", "foobar"),
            ("Zg", "f"),
            ("Zm8", "fo"),
        ] {
            assert_eq!(
                base64_decode(text).as_deref(),
                Some(bytes.as_bytes()),
                "{text}"
            );
        }
        assert_eq!(base64_decode("-_-_"), Some(vec![0xfb, 0xff, 0xbf]));
        assert_eq!(base64_decode("+/+/"), Some(vec![0xfb, 0xff, 0xbf]));
        assert_eq!(base64_decode("Zm9vY"), None);
        assert_eq!(base64_decode("Zm 9v"), None);
        assert_eq!(base64_decode("Zm9v\u{e9}"), None);
    }

    #[test]
    fn percent_decoding() {
        assert_eq!(percent_decode("%7B%22a%22%7d").as_deref(), Some("{\"a\"}"));
        assert_eq!(percent_decode("a+b").as_deref(), Some("a+b"));
        assert_eq!(percent_decode("100%").as_deref(), Some("100%"));
        assert_eq!(percent_decode("%zz%4").as_deref(), Some("%zz%4"));
        assert_eq!(percent_decode("%C3%A9").as_deref(), Some("\u{e9}"));
        assert_eq!(percent_decode("%C3"), None);
        assert_eq!(percent_decode("\u{e9}%").as_deref(), Some("\u{e9}%"));
    }

    // --- TCF ---

    /// Bits written most significant first, as a TC string holds them.
    #[derive(Default)]
    struct BitWriter(Vec<bool>);

    impl BitWriter {
        fn put(&mut self, value: u64, width: usize) -> &mut Self {
            for i in (0..width).rev() {
                self.0.push((value >> i) & 1 == 1);
            }
            self
        }

        /// Bit `n` (from 1) of `width` set for each `n` in `ids`.
        fn set(&mut self, ids: &[usize], width: usize) -> &mut Self {
            for n in 1..=width {
                self.0.push(ids.contains(&n));
            }
            self
        }

        /// The bits as base64url without padding, the last character filled with zeros.
        fn base64url(&self) -> String {
            const ALPHABET: &[u8] =
                b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
            self.0
                .chunks(6)
                .map(|chunk| {
                    let mut n = 0;
                    for i in 0..6 {
                        n = (n << 1) | usize::from(chunk.get(i).copied().unwrap_or(false));
                    }
                    char::from(ALPHABET[n])
                })
                .collect()
        }
    }

    /// A whole core segment: `version`, a consent made 2023-11-14 by CMP 7 in English, the
    /// purposes `consented`, no vendors, no restrictions.
    fn tc_core(version: u64, consented: &[usize]) -> String {
        let created = 17_000_000_000; // deciseconds: 2023-11-14T22:13:20Z
        let mut bits = BitWriter::default();
        bits.put(version, 6)
            .put(created, 36)
            .put(created, 36)
            .put(7, 12) // CmpId
            .put(1, 12) // CmpVersion
            .put(1, 6) // ConsentScreen
            .put(4, 6) // ConsentLanguage: E
            .put(13, 6) // and N
            .put(150, 12) // VendorListVersion
            .put(4, 6) // TcfPolicyVersion
            .put(1, 1) // IsServiceSpecific
            .put(0, 1) // UseNonStandardTexts
            .set(&[1], 12) // SpecialFeatureOptIns
            .set(consented, 24) // PurposesConsent
            .set(&[], 24) // PurposesLITransparency
            .put(0, 1) // PurposeOneTreatment
            .put(0, 12) // PublisherCC "AA"
            .put(0, 16) // vendor consents: MaxVendorId
            .put(0, 1) // IsRangeEncoding
            .put(0, 16) // vendor legitimate interests: MaxVendorId
            .put(0, 1) // IsRangeEncoding
            .put(0, 12); // NumPubRestrictions
        bits.base64url()
    }

    #[test]
    fn tcf_written_bit_by_bit() {
        let core = tc_core(2, &[1, 3, 7, 10]);
        // The same consent as the IAB's reference library encodes it (@iabtcf/core 1.5:
        // a TCModel with these fields, then TCString.encode).
        assert_eq!(core, "CP1R2oAP1R2oAAHABBENCWEoAKJAAAAAAAAAAAAAAAAA");
        let value = format!("{core}.YAAAAAAAAAAA");
        let choice = decode_choice(TCF, &value).unwrap();
        assert_eq!(choice.manager, "tcf");
        assert_eq!(
            pairs(&choice),
            [
                ("1 store/access on device", true),
                ("2 basic ads", false),
                ("3 ads profile", true),
                ("4 personalised ads", false),
                ("5 content profile", false),
                ("6 personalised content", false),
                ("7 ad measurement", true),
                ("8 content measurement", false),
                ("9 audience research", false),
                ("10 develop products", true),
                ("11 limited data for content", false),
            ]
        );
        // The core alone, and padded as a careless writer might.
        assert_eq!(decode_choice(TCF, &core).unwrap().choices, choice.choices);
        assert_eq!(
            decode_choice(TCF, &format!("{core}==")).unwrap().choices,
            choice.choices
        );
    }

    #[test]
    fn tcf_refusal_and_acceptance() {
        let refused = decode_choice(TCF, &tc_core(2, &[])).unwrap();
        assert!(refused.choices.iter().all(|c| !c.allowed));
        assert_eq!(refused.choices.len(), 11);
        let all: Vec<usize> = (1..=24).collect();
        let accepted = decode_choice(TCF, &tc_core(2, &all)).unwrap();
        assert!(accepted.choices.iter().all(|c| c.allowed));
        assert_eq!(accepted.allowed("11 limited data for content"), Some(true));
    }

    #[test]
    fn tcf_malformed() {
        let core = tc_core(2, &[1]);
        for value in [
            String::new(),
            ".".into(),
            tc_core(1, &[1]),
            tc_core(3, &[1]),
            core.get(..25).unwrap().to_owned(), // cut inside the purposes
            format!("{}!{}", core.get(..10).unwrap(), core.get(11..).unwrap()),
            "BOXo8CsOXo8CsAAAACFRBr-AAAAht7_______9______9uz_Gv_v_f__33e8__9v_l_7_-___u_-33d4-_1vX99yfm1-7ftr3tp_86ues2_Xur_959__njE".into(),
        ] {
            assert_eq!(decode_choice(TCF, &value), None, "{value}");
        }
        // Purpose 11 is bit 162: 27 characters (162 bits) stop short of it, 28 hold it.
        assert_eq!(decode_choice(TCF, core.get(..27).unwrap()), None);
        assert!(decode_choice(TCF, core.get(..28).unwrap()).is_some());
    }

    // --- bounds ---

    #[test]
    fn long_values_are_ignored() {
        let value = |len: usize| {
            let head = "{\"ga\":false,\"pad\":\"";
            format!("{head}{}\"}}", "x".repeat(len - head.len() - 2))
        };
        assert_eq!(value(MAX_VALUE_BYTES).len(), MAX_VALUE_BYTES);
        assert!(decode_choice(KLARO, &value(MAX_VALUE_BYTES)).is_some());
        assert_eq!(decode_choice(KLARO, &value(MAX_VALUE_BYTES + 1)), None);
    }

    #[test]
    fn output_is_bounded() {
        let many: String = (0..200).map(|i| format!("!s{i}=true")).collect();
        let choice = decode_choice(TARTEAUCITRON, &many).unwrap();
        assert_eq!(choice.choices.len(), MAX_CHOICES);
        assert_eq!(choice.choices.last().unwrap().name, "s63");

        let long = "\u{e9}".repeat(100);
        let choice = decode_choice(KLARO, &format!("{{\"{long}\":true}}")).unwrap();
        assert_eq!(choice.choices[0].name.chars().count(), MAX_NAME_CHARS);

        // A name repeated keeps its first answer.
        let choice = decode_choice(TARTEAUCITRON, "!ga=false!ga=true").unwrap();
        assert_eq!(pairs(&choice), [("ga", false)]);
    }

    #[test]
    fn the_known_names_are_the_ones_decoded() {
        assert_eq!(
            CHOICE_COOKIES,
            [
                "cookies_preferences",
                "tarteaucitron",
                "cc_cookie",
                "klaro",
                "OptanonConsent",
                "CookieConsent",
                "didomi_token",
                "euconsent-v2"
            ]
        );
        // Names are case-sensitive, as cookies' are.
        assert_eq!(decode_choice("optanonconsent", "groups=C0001%3A1"), None);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn never_panics(
            name in prop::sample::select(vec![
                OPENDATASOFT, TARTEAUCITRON, COOKIECONSENT, KLARO, ONETRUST, COOKIEBOT, DIDOMI,
                TCF, "other",
            ]),
            value in "[!=%:,{}\\[\\]\"'a-zA-Z0-9_.+/&-]{0,120}|[ -~\\u{80}-\\u{10ffff}]{0,120}",
        ) {
            if let Some(choice) = decode_choice(name, &value) {
                prop_assert!(!choice.choices.is_empty());
                prop_assert!(choice.choices.len() <= MAX_CHOICES);
                prop_assert!(choice.choices.iter().all(|c| c.name.chars().count() <= MAX_NAME_CHARS));
            }
        }

        #[test]
        fn tcf_reads_back_what_was_written(consented in prop::collection::vec(1usize..=24, 0..24)) {
            let choice = decode_choice(TCF, &tc_core(2, &consented)).unwrap();
            for (i, c) in choice.choices.iter().enumerate() {
                prop_assert_eq!(c.allowed, consented.contains(&(i + 1)));
            }
        }
    }
}
