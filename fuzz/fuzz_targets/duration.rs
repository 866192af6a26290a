//! `duration::parse` on arbitrary text: it never panics, and the round trips that
//! tests/properties.rs (and duration.rs's own unit tests) promise hold.

#![no_main]

use cookie_audit::duration::{self, DAY, MONTH, YEAR};
use libfuzzer_sys::fuzz_target;

/// tests/properties.rs `a_parsed_duration_round_trips`: n in 1..2000 with these words, bare
/// and after "jusqu'à".
const PROPERTY_UNITS: &[(&str, u64)] = &[
    ("minutes", 60),
    ("heures", 3_600),
    ("jours", 86_400),
    ("weeks", 604_800),
    ("mois", 2_592_000),
    ("maanden", 2_592_000),
    ("Jahre", 31_536_000),
    ("years", 31_536_000),
];

/// duration.rs `every_unit_word_round_trips`: n in 1..=1000 with every unit word.
const UNIT_WORDS: &[(&str, u64)] = &[
    ("s", 1),
    ("sec", 1),
    ("second", 1),
    ("seconds", 1),
    ("seconde", 1),
    ("secondes", 1),
    ("seconden", 1),
    ("Sekunde", 1),
    ("Sekunden", 1),
    ("min", 60),
    ("minute", 60),
    ("minutes", 60),
    ("minuut", 60),
    ("minuten", 60),
    ("Minuten", 60),
    ("h", 3_600),
    ("hour", 3_600),
    ("hours", 3_600),
    ("heure", 3_600),
    ("heures", 3_600),
    ("uur", 3_600),
    ("uren", 3_600),
    ("Stunde", 3_600),
    ("Stunden", 3_600),
    ("day", DAY),
    ("days", DAY),
    ("jour", DAY),
    ("jours", DAY),
    ("dag", DAY),
    ("dagen", DAY),
    ("Tag", DAY),
    ("Tage", DAY),
    ("week", 7 * DAY),
    ("weeks", 7 * DAY),
    ("semaine", 7 * DAY),
    ("semaines", 7 * DAY),
    ("weken", 7 * DAY),
    ("Woche", 7 * DAY),
    ("Wochen", 7 * DAY),
    ("month", MONTH),
    ("months", MONTH),
    ("mois", MONTH),
    ("maand", MONTH),
    ("maanden", MONTH),
    ("Monat", MONTH),
    ("Monate", MONTH),
    ("year", YEAR),
    ("years", YEAR),
    ("an", YEAR),
    ("ans", YEAR),
    ("année", YEAR),
    ("années", YEAR),
    ("jaar", YEAR),
    ("jaren", YEAR),
    ("Jahr", YEAR),
    ("Jahre", YEAR),
];

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let _ = duration::parse(&text);

    // The first bytes also pick a quantity and a unit word whose round trip is promised.
    if let [a, b, c, ..] = data {
        let pick = u16::from_le_bytes([*a, *b]);
        let n = 1 + u64::from(pick) % 1999;
        let (word, seconds) = PROPERTY_UNITS[usize::from(*c) % PROPERTY_UNITS.len()];
        assert_eq!(duration::parse(&format!("{n} {word}")), Some(n * seconds));
        assert_eq!(
            duration::parse(&format!("jusqu'à {n} {word}")),
            Some(n * seconds)
        );
        let n = 1 + u64::from(pick) % 1000;
        let (word, seconds) = UNIT_WORDS[usize::from(*c) % UNIT_WORDS.len()];
        assert_eq!(duration::parse(&format!("{n} {word}")), Some(n * seconds));
    }
});
