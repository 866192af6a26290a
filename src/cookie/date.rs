//! `Set-Cookie` attributes read as browsers read them, before the `cookie` crate parses the
//! line: it knows only three strict date formats and reads `Max-Age=` as the largest lifetime,
//! where browsers follow RFC 6265's lenient date algorithm and ignore a `Max-Age` without digits.

use std::borrow::Cow;

use time::{Date, Month, PrimitiveDateTime, Time};

/// `raw` with `Expires` dates rewritten in the one format every parser reads (or dropped when
/// no date can be read from them) and `Max-Age` values without digits dropped, as a browser
/// would ignore them (RFC 6265bis §5.6.1, §5.6.2).
pub fn browser_attributes(raw: &str) -> Cow<'_, str> {
    let mut parts = raw.split(';');
    let Some(pair) = parts.next() else {
        return Cow::Borrowed(raw);
    };
    let mut out = String::with_capacity(raw.len());
    out.push_str(pair);
    let mut changed = false;
    for attribute in parts {
        let (name, value) = attribute.split_once('=').unwrap_or((attribute, ""));
        let name = name.trim();
        let kept = if name.eq_ignore_ascii_case("expires") {
            parse_cookie_date(value.trim()).map(|at| format!(" Expires={}", http_date(at)))
        } else if name.eq_ignore_ascii_case("max-age") && !is_delta_seconds(value.trim()) {
            None
        } else {
            out.push(';');
            out.push_str(attribute);
            continue;
        };
        changed = true;
        if let Some(kept) = kept {
            out.push(';');
            out.push_str(&kept);
        }
    }
    if changed {
        Cow::Owned(out)
    } else {
        Cow::Borrowed(raw)
    }
}

/// `-?DIGIT+`, what RFC 6265bis accepts as a `Max-Age` value.
fn is_delta_seconds(value: &str) -> bool {
    let digits = value.strip_prefix('-').unwrap_or(value);
    !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
}

/// RFC 6265 §5.1.1: tokens split on delimiters, the first token of each kind wins, unknown
/// tokens are skipped, two-digit years are 1970-2069.
pub fn parse_cookie_date(text: &str) -> Option<PrimitiveDateTime> {
    let is_delimiter = |c: char| matches!(c, '\u{9}' | '\u{20}'..='\u{2f}' | '\u{3b}'..='\u{40}' | '\u{5b}'..='\u{60}' | '\u{7b}'..='\u{7e}');
    let (mut time, mut day, mut month, mut year) = (None, None, None, None);
    for token in text.split(is_delimiter).filter(|t| !t.is_empty()) {
        if time.is_none()
            && let Some(hms) = time_of(token)
        {
            time = Some(hms);
        } else if day.is_none()
            && let Some(d) = leading_digits(token, 1, 2)
        {
            day = Some(d);
        } else if month.is_none()
            && let Some(m) = month_of(token)
        {
            month = Some(m);
        } else if year.is_none()
            && let Some(y) = leading_digits(token, 2, 4)
        {
            year = Some(y);
        }
    }
    let (hour, minute, second) = time?;
    let year = match year? {
        y @ 70..=99 => y + 1900,
        y @ 0..=69 => y + 2000,
        y => y,
    };
    if year < 1601 {
        return None;
    }
    let date =
        Date::from_calendar_date(i32::try_from(year).ok()?, month?, u8::try_from(day?).ok()?)
            .ok()?;
    let time = Time::from_hms(hour, minute, second).ok()?;
    Some(PrimitiveDateTime::new(date, time))
}

/// 1-2 digits, then optionally a non-digit and anything: `hh:mm:ss` in three such parts.
fn time_of(token: &str) -> Option<(u8, u8, u8)> {
    let mut fields = token.splitn(3, ':');
    let hour = exact_digits(fields.next()?, 1, 2)?;
    let minute = exact_digits(fields.next()?, 1, 2)?;
    let second = leading_digits(fields.next()?, 1, 2)?;
    Some((
        u8::try_from(hour).ok()?,
        u8::try_from(minute).ok()?,
        u8::try_from(second).ok()?,
    ))
}

/// `min`..=`max` digits, then nothing or a non-digit followed by anything.
fn leading_digits(token: &str, min: usize, max: usize) -> Option<u32> {
    let count = token.bytes().take_while(u8::is_ascii_digit).count();
    if count < min || count > max {
        return None;
    }
    token[..count].parse().ok()
}

/// Exactly `min`..=`max` digits and nothing else.
fn exact_digits(token: &str, min: usize, max: usize) -> Option<u32> {
    let value = leading_digits(token, min, max)?;
    (token.len() <= max && token.bytes().all(|b| b.is_ascii_digit())).then_some(value)
}

fn month_of(token: &str) -> Option<Month> {
    let prefix = token.get(..3)?.to_ascii_lowercase();
    let month = match prefix.as_str() {
        "jan" => Month::January,
        "feb" => Month::February,
        "mar" => Month::March,
        "apr" => Month::April,
        "may" => Month::May,
        "jun" => Month::June,
        "jul" => Month::July,
        "aug" => Month::August,
        "sep" => Month::September,
        "oct" => Month::October,
        "nov" => Month::November,
        "dec" => Month::December,
        _ => return None,
    };
    Some(month)
}

/// IMF-fixdate (`Thu, 01 Jan 2099 00:00:00 GMT`), the format the `cookie` crate reads.
pub fn http_date(at: PrimitiveDateTime) -> String {
    let weekday = match at.weekday() {
        time::Weekday::Monday => "Mon",
        time::Weekday::Tuesday => "Tue",
        time::Weekday::Wednesday => "Wed",
        time::Weekday::Thursday => "Thu",
        time::Weekday::Friday => "Fri",
        time::Weekday::Saturday => "Sat",
        time::Weekday::Sunday => "Sun",
    };
    let month = match at.month() {
        Month::January => "Jan",
        Month::February => "Feb",
        Month::March => "Mar",
        Month::April => "Apr",
        Month::May => "May",
        Month::June => "Jun",
        Month::July => "Jul",
        Month::August => "Aug",
        Month::September => "Sep",
        Month::October => "Oct",
        Month::November => "Nov",
        Month::December => "Dec",
    };
    format!(
        "{weekday}, {:02} {month} {:04} {:02}:{:02}:{:02} GMT",
        at.day(),
        at.year(),
        at.hour(),
        at.minute(),
        at.second()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_read_as_browsers_read_them() {
        let cases = [
            (
                "Thu, 01 Jan 2099 00:00:00 GMT",
                "Thu, 01 Jan 2099 00:00:00 GMT",
            ),
            (
                "Thu, 01 Jan 2099 00:00:00 UTC",
                "Thu, 01 Jan 2099 00:00:00 GMT",
            ),
            (
                "Thursday, 01-Jan-2099 00:00:00 GMT",
                "Thu, 01 Jan 2099 00:00:00 GMT",
            ),
            ("Sun Nov  6 08:49:37 1994", "Sun, 06 Nov 1994 08:49:37 GMT"),
            (
                "Wed, 21-Oct-15 07:28:00 GMT",
                "Wed, 21 Oct 2015 07:28:00 GMT",
            ),
            ("2099 jan 1 1:2:3", "Thu, 01 Jan 2099 01:02:03 GMT"),
        ];
        for (text, expected) in cases {
            let at = parse_cookie_date(text).unwrap_or_else(|| panic!("{text}"));
            assert_eq!(http_date(at), expected, "{text}");
        }
        for bad in [
            "not a date",
            "Thu, 31 Feb 2099 00:00:00 GMT",
            "01 Jan 1500 00:00:00",
            "Thu, 01 Jan 2099 24:00:00",
            "",
        ] {
            assert_eq!(parse_cookie_date(bad), None, "{bad}");
        }
    }

    #[test]
    fn attributes_browsers_ignore_are_dropped_and_dates_rewritten() {
        assert_eq!(browser_attributes("a=1; Path=/"), "a=1; Path=/");
        assert!(matches!(
            browser_attributes("a=1; Max-Age=60"),
            Cow::Borrowed(_)
        ));
        assert_eq!(browser_attributes("a=1; Max-Age=; Path=/"), "a=1; Path=/");
        assert_eq!(browser_attributes("a=1; max-age=-"), "a=1");
        assert_eq!(browser_attributes("a=1; Max-Age=abc"), "a=1");
        assert_eq!(browser_attributes("a=1; Max-Age=-5"), "a=1; Max-Age=-5");
        assert_eq!(
            browser_attributes("a=1; expires=Thursday, 01-Jan-2099 00:00:00 UTC; Secure"),
            "a=1; Expires=Thu, 01 Jan 2099 00:00:00 GMT; Secure"
        );
        assert_eq!(
            browser_attributes("a=1; Expires=soon; Secure"),
            "a=1; Secure"
        );
    }
}
