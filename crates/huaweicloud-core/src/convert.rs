//! Typed values from what the Huawei APIs send: sizes in kB (or another unit) as numbers or
//! decimal strings, and times in a handful of shapes (parsed by [`cloud_http::times`], the
//! one time parser of the workspace, re-exported here).
//!
//! Every function returns `None` rather than failing: the raw value stays available on the
//! generated type.

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

pub use cloud_http::times::{parse_time, parse_time_in_zone, parse_zone};

#[cfg(test)]
mod tests {
    use super::*;

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
