//! Typed values from what the Huawei APIs send: sizes in kB (or another unit) as numbers or
//! decimal strings, and times in a handful of shapes.
//!
//! Every function returns `None` rather than failing: the raw value stays available on the
//! generated type.

use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset};

/// Bytes in a kB, as the Huawei APIs count them (their sizes are in KiB: `size × 1024`).
pub const KB: u64 = 1024;

/// A size in kB (as RDS sends it) in bytes: `kb × 1024`; `None` when negative or too large.
///
/// ```
/// assert_eq!(huaweicloud_core::convert::kb_to_bytes(2803), Some(2_870_272));
/// assert_eq!(huaweicloud_core::convert::kb_to_bytes(-1), None);
/// ```
pub fn kb_to_bytes(kb: i64) -> Option<u64> {
    u64::try_from(kb).ok()?.checked_mul(KB)
}

/// A size given as a decimal text (`"74464.0"`) in `unit` in bytes, rounded to the nearest
/// byte. The unit is `B`, `KB`, `MB`, `GB` or `TB` (any case, `KiB` style accepted), each
/// 1024 times the previous; no unit means `KB` (what the APIs document). `None` for an
/// unknown unit, a text that is not a finite non-negative number, or a size too large.
///
/// ```
/// use huaweicloud_core::convert::size_to_bytes;
///
/// assert_eq!(size_to_bytes("74464.0", Some("KB")), Some(76_251_136));
/// assert_eq!(size_to_bytes(" 1.5 ", Some("MB")), Some(1_572_864));
/// assert_eq!(size_to_bytes("2", Some("GB")), Some(2 * 1024 * 1024 * 1024));
/// assert_eq!(size_to_bytes("512", Some("B")), Some(512));
/// assert_eq!(size_to_bytes("10", None), Some(10_240));
/// assert_eq!(size_to_bytes("10", Some("parsecs")), None);
/// assert_eq!(size_to_bytes("-1", Some("KB")), None);
/// ```
pub fn size_to_bytes(size: &str, unit: Option<&str>) -> Option<u64> {
    let factor = unit_factor(
        unit.map(str::trim)
            .filter(|u| !u.is_empty())
            .unwrap_or("KB"),
    )?;
    let value: f64 = size.trim().parse().ok()?;
    if !value.is_finite() || value < 0.0 {
        return None;
    }
    let bytes = (value * factor as f64).round();
    // 2^64 as f64: anything at or above it does not fit.
    if bytes >= 18_446_744_073_709_551_616.0 {
        return None;
    }
    // In range and non-negative: the cast is exact for integers of this size.
    Some(bytes as u64)
}

fn unit_factor(unit: &str) -> Option<u64> {
    let unit = unit.to_ascii_uppercase();
    let unit = unit.strip_suffix("IB").map_or(unit.as_str(), |prefix| {
        // KiB → K, but a bare "B" stays.
        if prefix.is_empty() { "B" } else { prefix }
    });
    let unit = unit
        .strip_suffix('B')
        .filter(|p| !p.is_empty())
        .unwrap_or(unit);
    Some(match unit {
        "B" | "BYTE" | "BYTES" => 1,
        "K" => KB,
        "M" => KB.pow(2),
        "G" => KB.pow(3),
        "T" => KB.pow(4),
        _ => return None,
    })
}

/// A time with its own UTC offset, as RDS sends it: `2018-08-06T12:41:14+0800`, tolerant of
/// the spaced-out form of the docs (`2018 - 08 - 06 T12: 41: 14 + 0800`), of `Z`, `+08:00` and
/// `+08`, of a space instead of `T`, of fractional seconds, and of a three-digit day (`016`,
/// as in a doc example). `None` without an offset or for anything else.
///
/// ```
/// use huaweicloud_core::convert::parse_time;
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
/// use huaweicloud_core::convert::parse_time_in_zone;
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
/// use huaweicloud_core::convert::parse_zone;
/// use time::macros::offset;
///
/// assert_eq!(parse_zone("UTC+08:00"), Some(offset!(+8)));
/// assert_eq!(parse_zone("UTC-03:30"), Some(offset!(-3:30)));
/// assert_eq!(parse_zone("UTC"), Some(offset!(UTC)));
/// assert_eq!(parse_zone("Asia/Shanghai"), None);
/// ```
pub fn parse_zone(zone: &str) -> Option<UtcOffset> {
    let zone = zone.trim();
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
    c.expect(b':')?;
    let second = c.number()?;
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
            3 | 4 => (value / 100, value % 100),
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
        assert_eq!(parse_zone(""), Some(offset!(UTC)));
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
    fn sizes() {
        assert_eq!(kb_to_bytes(0), Some(0));
        assert_eq!(kb_to_bytes(i64::MAX), None);
        assert_eq!(size_to_bytes("74464.0", Some("kb")), Some(74464 * 1024));
        assert_eq!(size_to_bytes("1", Some("KiB")), Some(1024));
        assert_eq!(size_to_bytes("1", Some("MiB")), Some(1024 * 1024));
        assert_eq!(size_to_bytes("1", Some("  ")), Some(1024));
        assert_eq!(size_to_bytes("1", Some("TB")), Some(1024u64.pow(4)));
        assert_eq!(size_to_bytes("0.4", Some("B")), Some(0));
        assert_eq!(size_to_bytes("NaN", Some("KB")), None);
        assert_eq!(size_to_bytes("inf", Some("KB")), None);
        assert_eq!(size_to_bytes("", Some("KB")), None);
        assert_eq!(size_to_bytes("1e30", Some("KB")), None);
    }
}
