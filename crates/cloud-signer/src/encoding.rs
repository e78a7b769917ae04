//! RFC 3986 percent-encoding, the one every algorithm in this crate uses.
//!
//! All three providers encode names and values the same way: UTF-8 bytes, the *unreserved*
//! characters `A-Z a-z 0-9 - _ . ~` kept as they are, every other byte written as `%XY` with
//! upper-case hex. A space is `%20` (never `+`), `*` is `%2A`, `~` stays `~` and `/` is `%2F`.
//! This is what Python's `urllib.parse.quote(s, safe="~")` produces, which is how the official
//! Alibaba Cloud, Capital Online and Huawei Cloud SDKs encode.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};

/// Every ASCII byte except the RFC 3986 unreserved characters.
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
    utf8_percent_encode(s, RFC3986).to_string()
}

/// Decodes every valid `%XY` sequence of `s` and reads the bytes as UTF-8, replacing invalid
/// sequences with U+FFFD; a `%` not followed by two hex digits is kept as it is.
///
/// This is Python's `urllib.parse.unquote(s)` (which the Huawei signer applies to the path
/// before re-encoding it); `+` is *not* turned into a space.
pub(crate) fn percent_decode_lossy(s: &str) -> String {
    percent_decode_str(s).decode_utf8_lossy().into_owned()
}

/// `k=v` pairs, each side percent-encoded, joined by `&`.
pub(crate) fn encode_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let mut out = String::new();
    for (name, value) in pairs {
        if !out.is_empty() {
            out.push('&');
        }
        out.push_str(&percent_encode(name));
        out.push('=');
        out.push_str(&percent_encode(value));
    }
    out
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
