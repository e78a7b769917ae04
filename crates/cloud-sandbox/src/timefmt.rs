//! The providers' time formats (private). Formatting is by hand so it never fails.

use time::macros::{format_description, offset};
use time::{OffsetDateTime, PrimitiveDateTime, UtcOffset};

/// China Standard Time, the zone Capital Online and the Huawei Cloud demo region report in.
pub(crate) const CST: UtcOffset = offset!(+8);

fn in_offset(dt: OffsetDateTime, offset: UtcOffset) -> OffsetDateTime {
    dt.checked_to_offset(offset).unwrap_or(dt)
}

/// `dt` in CST as `(year, month, day, hour, minute, second)`.
fn cst_fields(dt: OffsetDateTime) -> (i32, u8, u8, u8, u8, u8) {
    let dt = in_offset(dt, CST);
    let (h, m, s) = dt.to_hms();
    (dt.year(), u8::from(dt.month()), dt.day(), h, m, s)
}

/// `2026-11-20T18:03:12Z` (UTC): Alibaba Cloud. The signer's own `Timestamp` format.
pub(crate) fn utc_iso(dt: OffsetDateTime) -> String {
    cloud_signer::rpc::format_timestamp(dt)
}

/// `2026-11-21 02:03:12` in CST, without a zone: Capital Online and the GaussDB `created`.
pub(crate) fn cst_plain(dt: OffsetDateTime) -> String {
    let (y, mo, d, h, mi, s) = cst_fields(dt);
    format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}")
}

/// `2026-11-21T02:03:12+0800`: Huawei Cloud RDS.
pub(crate) fn cst_huawei(dt: OffsetDateTime) -> String {
    let (y, mo, d, h, mi, s) = cst_fields(dt);
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}+0800")
}

/// `20261121020312` in CST: the stamp in Alibaba Cloud backup file names.
pub(crate) fn cst_compact(dt: OffsetDateTime) -> String {
    let (y, mo, d, h, mi, s) = cst_fields(dt);
    format!("{y:04}{mo:02}{d:02}{h:02}{mi:02}{s:02}")
}

/// `20240101T000000Z`: the Huawei `X-Sdk-Date` format (the signer's own), for error messages.
pub(crate) fn sdk_date(dt: OffsetDateTime) -> String {
    cloud_signer::huawei::format_date(dt)
}

/// An HTTP date (`Sat, 21 Nov 2026 02:03:12 GMT`), for `Last-Modified`.
pub(crate) fn http_date(dt: OffsetDateTime) -> String {
    let dt = in_offset(dt, UtcOffset::UTC);
    let weekday = match dt.weekday() {
        time::Weekday::Monday => "Mon",
        time::Weekday::Tuesday => "Tue",
        time::Weekday::Wednesday => "Wed",
        time::Weekday::Thursday => "Thu",
        time::Weekday::Friday => "Fri",
        time::Weekday::Saturday => "Sat",
        time::Weekday::Sunday => "Sun",
    };
    let month = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ][usize::from(u8::from(dt.month())) - 1];
    format!(
        "{weekday}, {:02} {month} {:04} {:02}:{:02}:{:02} GMT",
        dt.day(),
        dt.year(),
        dt.hour(),
        dt.minute(),
        dt.second()
    )
}

/// Parses `yyyy-MM-ddTHH:mm:ssZ` (UTC): the RPC `Timestamp` and the V3 `x-acs-date`.
pub(crate) fn parse_utc_iso(text: &str) -> Option<OffsetDateTime> {
    let format = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
    PrimitiveDateTime::parse(text, format)
        .ok()
        .map(PrimitiveDateTime::assume_utc)
}

/// Parses `yyyy-MM-ddTHH:mmZ` (UTC): Alibaba Cloud's `StartTime` and `EndTime`.
pub(crate) fn parse_utc_minutes(text: &str) -> Option<OffsetDateTime> {
    let format = format_description!("[year]-[month]-[day]T[hour]:[minute]Z");
    PrimitiveDateTime::parse(text, format)
        .ok()
        .map(PrimitiveDateTime::assume_utc)
}

/// Parses `yyyyMMddTHHmmssZ` (UTC): Huawei's `X-Sdk-Date`.
pub(crate) fn parse_sdk_date(text: &str) -> Option<OffsetDateTime> {
    let format = format_description!("[year][month][day]T[hour][minute][second]Z");
    PrimitiveDateTime::parse(text, format)
        .ok()
        .map(PrimitiveDateTime::assume_utc)
}

/// Parses `yyyy-mm-ddThh:mm:ss+hhmm` (Huawei RDS `begin_time`, `end_time`); a `Z` zone too.
pub(crate) fn parse_huawei(text: &str) -> Option<OffsetDateTime> {
    let with_offset = format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second][offset_hour sign:mandatory][offset_minute]"
    );
    OffsetDateTime::parse(text, with_offset)
        .ok()
        .or_else(|| parse_utc_iso(text))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn formats() {
        let dt = datetime!(2026-11-20 18:03:12 UTC);
        assert_eq!(utc_iso(dt), "2026-11-20T18:03:12Z");
        assert_eq!(cst_plain(dt), "2026-11-21 02:03:12");
        assert_eq!(cst_huawei(dt), "2026-11-21T02:03:12+0800");
        assert_eq!(cst_compact(dt), "20261121020312");
        assert_eq!(sdk_date(dt), "20261120T180312Z");
        assert_eq!(http_date(dt), "Fri, 20 Nov 2026 18:03:12 GMT");
    }

    #[test]
    fn parses() {
        let dt = datetime!(2026-11-20 18:03:12 UTC);
        assert_eq!(parse_utc_iso("2026-11-20T18:03:12Z"), Some(dt));
        assert_eq!(parse_sdk_date("20261120T180312Z"), Some(dt));
        assert_eq!(parse_huawei("2026-11-21T02:03:12+0800"), Some(dt));
        assert_eq!(parse_huawei("2026-11-20T18:03:12Z"), Some(dt));
        assert_eq!(
            parse_utc_minutes("2026-11-20T18:03Z"),
            Some(datetime!(2026-11-20 18:03 UTC))
        );
        assert_eq!(parse_utc_iso("2026-11-20 18:03:12"), None);
        assert_eq!(parse_sdk_date("garbage"), None);
    }
}
