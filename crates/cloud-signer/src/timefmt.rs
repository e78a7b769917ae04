//! Timestamp formats (private). Formatting is done by hand so it can never fail.

use time::{OffsetDateTime, UtcOffset};

/// `dt` in UTC. Only a date within a day of `time`'s supported range can fail to convert; it
/// is then used as it is (such a date is meaningless to every provider anyway).
fn utc(dt: OffsetDateTime) -> OffsetDateTime {
    dt.checked_to_offset(UtcOffset::UTC).unwrap_or(dt)
}

/// `yyyy-MM-ddTHH:mm:ssZ` (Python `%Y-%m-%dT%H:%M:%SZ`) in UTC.
pub(crate) fn iso8601(dt: OffsetDateTime) -> String {
    let dt = utc(dt);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        dt.year(),
        u8::from(dt.month()),
        dt.day(),
        dt.hour(),
        dt.minute(),
        dt.second()
    )
}

/// `yyyyMMddTHHmmssZ` (Python `%Y%m%dT%H%M%SZ`) in UTC.
pub(crate) fn basic(dt: OffsetDateTime) -> String {
    let dt = utc(dt);
    format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
        dt.year(),
        u8::from(dt.month()),
        dt.day(),
        dt.hour(),
        dt.minute(),
        dt.second()
    )
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
