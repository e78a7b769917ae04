//! RFC 3986 percent-encoding, the one every algorithm in this crate uses.
//!
//! All three providers encode names and values the same way: UTF-8 bytes, the *unreserved*
//! characters `A-Z a-z 0-9 - _ . ~` kept as they are, every other byte written as `%XY` with
//! upper-case hex. A space is `%20` (never `+`), `*` is `%2A`, `~` stays `~` and `/` is `%2F`.
//! This is what Python's `urllib.parse.quote(s, safe="~")` produces, which is how the official
//! Alibaba Cloud, Capital Online and Huawei Cloud SDKs encode.

use percent_encoding::percent_decode_str;
#[cfg(test)]
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

/// Every ASCII byte except the RFC 3986 unreserved characters (the reference encoder's set,
/// tests only).
#[cfg(test)]
const RFC3986: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// Percent-encodes `s` per RFC 3986: unreserved characters (`A-Z a-z 0-9 - _ . ~`) are kept,
/// every other UTF-8 byte becomes `%XY` with upper-case hex digits.
///
/// ```
/// use cloud_signer::encoding::percent_encode;
///
/// assert_eq!(percent_encode("a b+c*d~e/f"), "a%20b%2Bc%2Ad~e%2Ff");
/// assert_eq!(percent_encode("2016-02-23T12:46:24Z"), "2016-02-23T12%3A46%3A24Z");
/// assert_eq!(percent_encode("中"), "%E4%B8%AD");
/// ```
pub fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    percent_encode_into(&mut out, s);
    out
}

/// Whether `b` is an RFC 3986 unreserved byte (`A-Z a-z 0-9 - _ . ~`).
const fn is_unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~')
}

/// [`percent_encode`] appending to `out` instead of allocating.
pub(crate) fn percent_encode_into(out: &mut String, s: &str) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let bytes = s.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        if is_unreserved(b) {
            continue;
        }
        // A non-empty `start..i` holds only unreserved ASCII bytes, so it is a valid `str`
        // slice (an empty one may start inside a multi-byte character: skip it).
        if start < i {
            out.push_str(&s[start..i]);
        }
        out.push('%');
        out.push(char::from(HEX[usize::from(b >> 4)]));
        out.push(char::from(HEX[usize::from(b & 0x0f)]));
        start = i + 1;
    }
    // As above: the rest is empty or starts with an unreserved ASCII byte.
    if start < bytes.len() {
        out.push_str(&s[start..]);
    }
}

/// Whether [`percent_encode_into`] agrees with the `percent_encoding` crate (tests only).
#[cfg(test)]
fn reference_encode(s: &str) -> String {
    utf8_percent_encode(s, RFC3986).to_string()
}

/// Decodes every valid `%XY` sequence of `s` and reads the bytes as UTF-8, replacing invalid
/// sequences with U+FFFD; a `%` not followed by two hex digits is kept as it is.
///
/// This is Python's `urllib.parse.unquote(s)` (which the Huawei signer applies to the path
/// before re-encoding it); `+` is *not* turned into a space.
///
/// ```
/// use cloud_signer::encoding::percent_decode_lossy;
///
/// assert_eq!(percent_decode_lossy("a%20b%2B%zz"), "a b+%zz");
/// assert_eq!(percent_decode_lossy("%ff"), "\u{FFFD}");
/// ```
pub fn percent_decode_lossy(s: &str) -> String {
    percent_decode_str(s).decode_utf8_lossy().into_owned()
}

/// Decodes every valid `%XY` sequence of `s`; `None` when the bytes are not UTF-8.
///
/// ```
/// use cloud_signer::encoding::percent_decode;
///
/// assert_eq!(percent_decode("hins1_data%2020.tar.gz").as_deref(), Some("hins1_data 20.tar.gz"));
/// assert_eq!(percent_decode("%ff"), None);
/// ```
pub fn percent_decode(s: &str) -> Option<String> {
    percent_decode_str(s)
        .decode_utf8()
        .ok()
        .map(|decoded| decoded.into_owned())
}

/// `k=v` pairs, each side percent-encoded, joined by `&`.
pub(crate) fn encode_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let mut out = String::new();
    encode_pairs_into(&mut out, pairs);
    out
}

/// [`encode_pairs`] appending to `out` (which need not be empty: a `&` is written between
/// pairs only).
pub(crate) fn encode_pairs_into<'a>(
    out: &mut String,
    pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
) {
    for (i, (name, value)) in pairs.into_iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        percent_encode_into(out, name);
        out.push('=');
        percent_encode_into(out, value);
    }
}

/// Python's `str.strip()`: trims the characters Python calls whitespace, which are Unicode
/// `White_Space` plus the ASCII separators U+001C..U+001F. Both SDKs strip header values with it.
pub(crate) fn py_strip(s: &str) -> &str {
    s.trim_matches(|c: char| c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unreserved_are_kept_everything_else_is_encoded() {
        let unreserved = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~";
        assert_eq!(percent_encode(unreserved), unreserved);
        assert_eq!(
            percent_encode(" !\"#$%&'()*+,/:;<=>?@[\\]^`{|}"),
            "%20%21%22%23%24%25%26%27%28%29%2A%2B%2C%2F%3A%3B%3C%3D%3E%3F%40%5B%5C%5D%5E%60%7B%7C%7D"
        );
        assert_eq!(percent_encode("\u{7f}\u{0}"), "%7F%00");
        assert_eq!(percent_encode("é一"), "%C3%A9%E4%B8%80");
        assert_eq!(percent_encode(""), "");
    }

    #[test]
    fn hand_written_encoder_matches_the_crate() {
        let samples = [
            "",
            "a",
            "%",
            "abc def",
            "中文/路径?x=1&y=2",
            "\u{10ffff}\u{0}\u{7f}\u{80}",
            "~-_.AZaz09",
            "2016-02-23T12:46:24Z",
        ];
        for s in samples {
            assert_eq!(percent_encode(s), reference_encode(s), "{s:?}");
        }
        let all: String = (0u32..0x800).filter_map(char::from_u32).collect();
        assert_eq!(percent_encode(&all), reference_encode(&all));
        let mut out = String::from("x");
        encode_pairs_into(&mut out, [("a b", "c"), ("d", "")]);
        assert_eq!(out, "xa%20b=c&d=");
    }

    #[test]
    fn decode_is_lossy_and_keeps_stray_percent_signs() {
        assert_eq!(percent_decode_lossy("a%20b%2Fc+d"), "a b/c+d");
        assert_eq!(percent_decode_lossy("%zz%4"), "%zz%4");
        assert_eq!(percent_decode_lossy("%E4%B8%AD"), "中");
        assert_eq!(percent_decode_lossy("%E4%B8x%FF"), "\u{fffd}x\u{fffd}");
    }

    #[test]
    fn strip_matches_python() {
        assert_eq!(py_strip(" \t\u{1c}a b\u{3000}\n"), "a b");
        assert_eq!(py_strip(""), "");
    }
}
