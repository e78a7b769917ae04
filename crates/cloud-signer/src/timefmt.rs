//! Timestamp formats (private). Formatting is done by hand so it can never fail.

use time::{OffsetDateTime, UtcOffset};

/// `dt` in UTC. Only a date within a day of `time`'s supported range can fail to convert; it
/// is then used as it is (such a date is meaningless to every provider anyway).
fn utc(dt: OffsetDateTime) -> OffsetDateTime {
    dt.checked_to_offset(UtcOffset::UTC).unwrap_or(dt)
}

/// Appends `n` (below 100) as two digits.
fn push2(out: &mut String, n: u8) {
    out.push(char::from(b'0' + n / 10 % 10));
    out.push(char::from(b'0' + n % 10));
}

/// Formats `dt` (already UTC) with `date_sep` between the date fields and `time_sep` between
/// the time fields, without `format!` when the year has four digits; `None` otherwise.
fn fast(dt: OffsetDateTime, date_sep: &str, time_sep: &str) -> Option<String> {
    let year = u16::try_from(dt.year()).ok().filter(|y| *y <= 9999)?;
    let mut out = String::with_capacity(20);
    push2(&mut out, u8::try_from(year / 100).ok()?);
    push2(&mut out, u8::try_from(year % 100).ok()?);
    out.push_str(date_sep);
    push2(&mut out, u8::from(dt.month()));
    out.push_str(date_sep);
    push2(&mut out, dt.day());
    out.push('T');
    push2(&mut out, dt.hour());
    out.push_str(time_sep);
    push2(&mut out, dt.minute());
    out.push_str(time_sep);
    push2(&mut out, dt.second());
    out.push('Z');
    Some(out)
}

/// `yyyy-MM-ddTHH:mm:ssZ` (Python `%Y-%m-%dT%H:%M:%SZ`) in UTC.
pub(crate) fn iso8601(dt: OffsetDateTime) -> String {
    stamp(dt, "-", ":")
}

/// `yyyyMMddTHHmmssZ` (Python `%Y%m%dT%H%M%SZ`) in UTC.
pub(crate) fn basic(dt: OffsetDateTime) -> String {
    stamp(dt, "", "")
}

/// `yyyy<d>MM<d>ddTHH<t>mm<t>ssZ` in UTC: the fast path, or `format!` for years it does not
/// take.
fn stamp(dt: OffsetDateTime, date_sep: &str, time_sep: &str) -> String {
    let dt = utc(dt);
    fast(dt, date_sep, time_sep).unwrap_or_else(|| {
        format!(
            "{:04}{date_sep}{:02}{date_sep}{:02}T{:02}{time_sep}{:02}{time_sep}{:02}Z",
            dt.year(),
            u8::from(dt.month()),
            dt.day(),
            dt.hour(),
            dt.minute(),
            dt.second()
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn formats_in_utc() {
        let dt = datetime!(2024-01-01 08:30:05.999 +08:00);
        assert_eq!(iso8601(dt), "2024-01-01T00:30:05Z");
        assert_eq!(basic(dt), "20240101T003005Z");
        let early = datetime!(0007-09-03 04:05:06 UTC);
        assert_eq!(iso8601(early), "0007-09-03T04:05:06Z");
        assert_eq!(basic(early), "00070903T040506Z");
        let late = datetime!(9999-12-31 23:59:59 UTC);
        assert_eq!(iso8601(late), "9999-12-31T23:59:59Z");
    }

    #[test]
    fn extreme_dates_do_not_panic() {
        let _ = iso8601(OffsetDateTime::new_in_offset(
            time::Date::MAX,
            time::Time::MIDNIGHT,
            UtcOffset::from_hms(-23, 0, 0).unwrap(),
        ));
        let _ = basic(OffsetDateTime::new_in_offset(
            time::Date::MIN,
            time::Time::MIDNIGHT,
            UtcOffset::from_hms(23, 0, 0).unwrap(),
        ));
    }
}
