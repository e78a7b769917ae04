//! The one time parser of the workspace: the shapes the providers' APIs really send, with
//! their offsets or in a zone given apart. Every function returns `None` rather than failing.

use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset};

/// A time with its own UTC offset, as RDS sends it: `2018-08-06T12:41:14+0800`, tolerant of
/// the spaced-out form of the docs (`2018 - 08 - 06 T12: 41: 14 + 0800`), of `Z`, `+08:00` and
/// `+08`, of a space instead of `T`, of fractional seconds, and of a three-digit day (`016`,
/// as in a doc example). `None` without an offset or for anything else.
///
/// ```
/// use cloud_http::times::parse_time;
/// use time::macros::datetime;
///
/// let want = datetime!(2018-08-06 12:41:14 +08:00);
/// assert_eq!(parse_time("2018-08-06T12:41:14+0800"), Some(want));
/// assert_eq!(parse_time("2018 - 08 - 06 T12: 41: 14 + 0800"), Some(want));
/// assert_eq!(parse_time("2018-08-06T04:41:14Z"), Some(want));
/// assert_eq!(parse_time("2018-08-06 12:41:14+08:00"), Some(want));
/// assert_eq!(parse_time("2018-08-06T12:41:14"), None); // no offset
/// ```
pub fn parse_time(text: &str) -> Option<OffsetDateTime> {
    let (local, offset) = parse_parts(text)?;
    Some(local.assume_offset(offset?))
}

/// A local time with the zone given apart, as GaussDB sends it: `created` =
/// `2026-01-04 17:30:30` with `time_zone` = `UTC+08:00`. A time that carries its own offset
/// keeps it; otherwise the zone must parse (see [`parse_zone`]). `None` otherwise.
///
/// ```
/// use cloud_http::times::parse_time_in_zone;
/// use time::macros::datetime;
///
/// assert_eq!(
///     parse_time_in_zone("2026-01-04 17:30:30", Some("UTC+08:00")),
///     Some(datetime!(2026-01-04 17:30:30 +08:00))
/// );
/// assert_eq!(parse_time_in_zone("2026-01-04 17:30:30", None), None);
/// ```
pub fn parse_time_in_zone(text: &str, zone: Option<&str>) -> Option<OffsetDateTime> {
    let (local, offset) = parse_parts(text)?;
    let offset = match offset {
        Some(offset) => offset,
        None => parse_zone(zone?)?,
    };
    Some(local.assume_offset(offset))
}

/// A zone as the APIs write it: `UTC+08:00`, `UTC-03:30`, `GMT+8`, `+0800`, `UTC` or `Z`.
///
/// ```
/// use cloud_http::times::parse_zone;
/// use time::macros::offset;
///
/// assert_eq!(parse_zone("UTC+08:00"), Some(offset!(+8)));
/// assert_eq!(parse_zone("UTC-03:30"), Some(offset!(-3:30)));
/// assert_eq!(parse_zone("UTC"), Some(offset!(UTC)));
/// assert_eq!(parse_zone("Asia/Shanghai"), None);
/// ```
pub fn parse_zone(zone: &str) -> Option<UtcOffset> {
    let zone = zone.trim();
    if zone.is_empty() {
        // No zone is not UTC: nothing is guessed.
        return None;
    }
    let upper = zone.to_ascii_uppercase();
    let rest = upper
        .strip_prefix("UTC")
        .or_else(|| upper.strip_prefix("GMT"))
        .unwrap_or(&upper);
    let mut cursor = Cursor::new(rest);
    if cursor.at_end() {
        return Some(UtcOffset::UTC);
    }
    let offset = cursor.offset()?;
    cursor.at_end().then_some(offset)
}

/// The local date-time and, if the text has one, its offset.
fn parse_parts(text: &str) -> Option<(PrimitiveDateTime, Option<UtcOffset>)> {
    let mut c = Cursor::new(text);
    let year = c.number()?;
    c.expect(b'-')?;
    let month = c.number()?;
    c.expect(b'-')?;
    let day = c.number()?;
    // `T`, or whitespace (already skipped by the next token) between date and time.
    let spaced = c.skip_ws();
    if !c.eat(b'T') && !c.eat(b't') && !spaced {
        return None;
    }
    let hour = c.number()?;
    c.expect(b':')?;
    let minute = c.number()?;
    // Seconds may be left out (Alibaba's `2019-02-13T12:20Z`).
    let second = if c.expect(b':').is_some() {
        c.number()?
    } else {
        0
    };
    let nanos = if c.eat(b'.') || c.eat(b',') {
        c.fraction_nanos()?
    } else {
        0
    };
    c.skip_ws();
    let offset = if c.at_end() {
        None
    } else {
        let offset = c.offset()?;
        if !c.at_end() {
            return None;
        }
        Some(offset)
    };
    let date = Date::from_calendar_date(
        i32::try_from(year).ok()?,
        Month::try_from(u8::try_from(month).ok()?).ok()?,
        u8::try_from(day).ok()?,
    )
    .ok()?;
    let time = Time::from_hms_nano(
        u8::try_from(hour).ok()?,
        u8::try_from(minute).ok()?,
        u8::try_from(second).ok()?,
        nanos,
    )
    .ok()?;
    Some((PrimitiveDateTime::new(date, time), offset))
}

/// A byte cursor over ASCII-ish text; whitespace is skipped before every token.
struct Cursor<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Cursor<'a> {
    fn new(text: &'a str) -> Self {
        Self {
            bytes: text.as_bytes(),
            at: 0,
        }
    }

    /// Skips whitespace; whether there was any.
    fn skip_ws(&mut self) -> bool {
        let start = self.at;
        while self.bytes.get(self.at).is_some_and(u8::is_ascii_whitespace) {
            self.at += 1;
        }
        self.at > start
    }

    fn at_end(&mut self) -> bool {
        self.skip_ws();
        self.at >= self.bytes.len()
    }

    fn eat(&mut self, byte: u8) -> bool {
        if self.bytes.get(self.at) == Some(&byte) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    fn expect(&mut self, byte: u8) -> Option<()> {
        self.skip_ws();
        self.eat(byte).then_some(())
    }

    /// The digits at the cursor (after whitespace): their value and how many there were.
    fn digits(&mut self) -> Option<(u32, usize)> {
        self.skip_ws();
        let start = self.at;
        while self.bytes.get(self.at).is_some_and(u8::is_ascii_digit) {
            self.at += 1;
        }
        let count = self.at - start;
        if count == 0 || count > 9 {
            return None;
        }
        let text = std::str::from_utf8(&self.bytes[start..self.at]).ok()?;
        Some((text.parse().ok()?, count))
    }

    fn number(&mut self) -> Option<u32> {
        self.digits().map(|(value, _)| value)
    }

    /// Fraction digits (right after the separator) as nanoseconds; beyond 9 digits ignored.
    fn fraction_nanos(&mut self) -> Option<u32> {
        let start = self.at;
        let mut nanos: u32 = 0;
        let mut count = 0;
        while let Some(digit) = self.bytes.get(self.at).filter(|b| b.is_ascii_digit()) {
            if count < 9 {
                nanos = nanos * 10 + u32::from(digit - b'0');
                count += 1;
            }
            self.at += 1;
        }
        if self.at == start {
            return None;
        }
        Some(nanos * 10u32.pow(9 - count))
    }

    /// `Z`, or a sign then `hhmm`, `hh:mm` or `hh`.
    fn offset(&mut self) -> Option<UtcOffset> {
        self.skip_ws();
        if self.eat(b'Z') || self.eat(b'z') {
            return Some(UtcOffset::UTC);
        }
        let sign: i8 = if self.eat(b'+') {
            1
        } else if self.eat(b'-') {
            -1
        } else {
            return None;
        };
        let (value, count) = self.digits()?;
        let (hours, minutes) = match count {
            1 | 2 => {
                let minutes = if self.expect(b':').is_some() {
                    self.number()?
                } else {
                    0
                };
                (value, minutes)
            }
            // `hhmm`; three digits (`-128`) are ambiguous and refused.
            4 => (value / 100, value % 100),
            _ => return None,
        };
        if minutes >= 60 {
            return None;
        }
        UtcOffset::from_hms(
            sign * i8::try_from(hours).ok()?,
            sign * i8::try_from(minutes).ok()?,
            0,
        )
        .ok()
    }
}

/// A time with its own offset, else read in `zone`: Capital Online's zone-less
/// `2020-06-18 04:10:13` is China Standard Time; times with `Z` or an offset keep theirs.
///
/// ```
/// use cloud_http::times::parse_time_or;
/// use time::macros::{datetime, offset};
///
/// assert_eq!(parse_time_or("2020-06-18 04:10:13", offset!(+8)), Some(datetime!(2020-06-18 04:10:13 +08:00)));
/// assert_eq!(parse_time_or("2019-02-13T12:20Z", offset!(+8)), Some(datetime!(2019-02-13 12:20:00 UTC)));
/// ```
pub fn parse_time_or(text: &str, zone: UtcOffset) -> Option<OffsetDateTime> {
    let (local, offset) = parse_parts(text)?;
    Some(local.assume_offset(offset.unwrap_or(zone)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{datetime, offset};

    #[test]
    fn rds_shapes() {
        let want = datetime!(2018-08-06 12:41:14 +08:00);
        for text in [
            "2018-08-06T12:41:14+0800",
            "2018 - 08 - 06 T12: 41: 14 + 0800",
            " 2018-08-06t12:41:14 +08:00 ",
            "2018-08-06T12:41:14+08",
            "2018-08-06T04:41:14Z",
            "2018-08-06T04:41:14.000Z",
        ] {
            assert_eq!(parse_time(text), Some(want), "{text}");
        }
        // The doc example's three-digit day.
        assert_eq!(
            parse_time("2018-08-016T10:15:14+0800"),
            Some(datetime!(2018-08-16 10:15:14 +08:00))
        );
        assert_eq!(
            parse_time("2018-08-06T12:41:14.5-0330"),
            Some(datetime!(2018-08-06 12:41:14.5 -03:30))
        );
    }

    #[test]
    fn garbage_is_none() {
        for text in [
            "",
            "2018-08-06",
            "2018-08-0612:41:14+0800",
            "2018-13-06T12:41:14+0800",
            "2018-02-30T12:41:14+0800",
            "2018-08-06T25:41:14+0800",
            "2018-08-06T12:41:14+0800 x",
            "2018-08-06T12:41:14+0899",
            "2018-08-06T12:41:14 CST",
            "９９",
        ] {
            assert_eq!(parse_time(text), None, "{text}");
        }
    }

    #[test]
    fn zones() {
        assert_eq!(parse_zone("UTC+08:00"), Some(offset!(+8)));
        assert_eq!(parse_zone("utc+8"), Some(offset!(+8)));
        assert_eq!(parse_zone("GMT-05:00"), Some(offset!(-5)));
        assert_eq!(parse_zone("+0530"), Some(offset!(+5:30)));
        assert_eq!(parse_zone("Z"), Some(offset!(UTC)));
        assert_eq!(parse_zone(""), None);
        assert_eq!(parse_zone("UTC"), Some(offset!(UTC)));
        assert_eq!(parse_zone("UTC+08:00 extra"), None);
        assert_eq!(parse_zone("CST"), None);
    }

    #[test]
    fn gaussdb_times() {
        assert_eq!(
            parse_time_in_zone("2026-01-04 17:34:24", Some("UTC+08:00")),
            Some(datetime!(2026-01-04 17:34:24 +08:00))
        );
        // Its own offset wins over the zone.
        assert_eq!(
            parse_time_in_zone("2026-01-04T09:34:24Z", Some("UTC+08:00")),
            Some(datetime!(2026-01-04 09:34:24 UTC))
        );
        assert_eq!(parse_time_in_zone("2026-01-04 17:34:24", Some("??")), None);
    }

    #[test]
    fn minutes_without_seconds() {
        assert_eq!(
            parse_time("2019-02-13T12:20Z"),
            Some(datetime!(2019-02-13 12:20:00 UTC))
        );
        assert_eq!(
            parse_time_or("2019-02-13 12:20", offset!(+8)),
            Some(datetime!(2019-02-13 12:20 +08:00))
        );
    }
}
