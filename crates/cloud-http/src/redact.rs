//! Removes signatures and credentials from text before it goes into an error or a log.
//!
//! The runtime never sees secrets except inside the requests that provider crates build, but
//! servers echo parts of a request back (Alibaba's `SignatureDoesNotMatch` quotes the string to
//! sign, gateways quote URLs), so every text that comes from the wire passes through here.

/// What replaces a redacted value.
pub(crate) const REDACTED: &str = "** redacted **";

/// Returns `text` with the value after every `Signature=` / `Signature%3D` and every
/// `Authorization:` / `Authorization=` (any case) replaced by [`REDACTED`].
pub(crate) fn redact(text: &str) -> String {
    let lower = text.to_ascii_lowercase();
    let mut out = String::with_capacity(text.len());
    let mut pos = 0;
    while pos < text.len() {
        match next_secret(&lower, pos) {
            Some((value_start, value_end)) => {
                // Both bounds sit next to ASCII bytes, so they are char boundaries.
                out.push_str(&text[pos..value_start]);
                out.push_str(REDACTED);
                pos = value_end;
            }
            None => {
                out.push_str(&text[pos..]);
                break;
            }
        }
    }
    out
}

/// Finds the next secret value at or after `from`: returns its byte range.
fn next_secret(lower: &str, from: usize) -> Option<(usize, usize)> {
    let rest = &lower[from..];
    let mut best: Option<(usize, usize)> = None;
    for (marker, is_header) in [
        ("signature=", false),
        ("signature%3d", false),
        ("authorization", true),
    ] {
        let mut search = 0;
        while let Some(found) = rest[search..].find(marker) {
            let at = from + search + found;
            let after = at + marker.len();
            let range = if is_header {
                header_value(lower, after)
            } else {
                Some((after, token_end(lower, after)))
            };
            if let Some(range) = range {
                if best.is_none_or(|(start, _)| at < start) {
                    best = Some(range);
                }
                break;
            }
            search += found + marker.len();
        }
    }
    best
}

/// The end of a query-string-like value starting at `start`.
fn token_end(lower: &str, start: usize) -> usize {
    lower[start..]
        .find(|c: char| {
            c == '&'
                || c == ','
                || c == ';'
                || c == '"'
                || c == '\''
                || c == '<'
                || c.is_whitespace()
        })
        .map_or(lower.len(), |end| start + end)
}

/// After the word `authorization`: optional quote and spaces, then `:` or `=`, then the value up
/// to the end of the line or a closing quote.
fn header_value(lower: &str, after: usize) -> Option<(usize, usize)> {
    let bytes = lower.as_bytes();
    let mut i = after;
    while i < bytes.len() && (bytes[i] == b'"' || bytes[i] == b' ') {
        i += 1;
    }
    if i >= bytes.len() || (bytes[i] != b':' && bytes[i] != b'=') {
        return None;
    }
    i += 1;
    while i < bytes.len() && (bytes[i] == b' ' || bytes[i] == b'"') {
        i += 1;
    }
    let end = lower[i..]
        .find(['\n', '\r', '"'])
        .map_or(lower.len(), |end| i + end);
    Some((i, end))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_signature_is_redacted() {
        let text = "GET /?Action=X&Signature=abc%2Bdef%3D&Nonce=1 failed";
        assert_eq!(
            redact(text),
            "GET /?Action=X&Signature=** redacted **&Nonce=1 failed"
        );
    }

    #[test]
    fn encoded_signature_and_neighbours_survive() {
        let text = "SignatureMethod%3DHMAC-SHA1%26Signature%3Dsecretsig%26SignatureNonce%3D1";
        let out = redact(text);
        assert!(!out.contains("secretsig"), "{out}");
        assert!(out.contains("SignatureMethod%3DHMAC-SHA1"), "{out}");
    }

    #[test]
    fn authorization_header_is_redacted() {
        let text =
            "Authorization: SDK-HMAC-SHA256 Access=AK, SignedHeaders=host, Signature=f00\nnext";
        let out = redact(text);
        assert_eq!(out, "Authorization: ** redacted **\nnext");
        let json = r#"{"authorization": "ACS3-HMAC-SHA256 Credential=x,Signature=y", "a": 1}"#;
        let out = redact(json);
        assert!(!out.contains("Credential=x"), "{out}");
        assert!(out.contains(r#""a": 1"#), "{out}");
    }

    #[test]
    fn plain_text_is_unchanged() {
        for text in [
            "",
            "no secrets here",
            "authorization failed",
            "Signature",
            "署名 エラー",
        ] {
            assert_eq!(redact(text), text);
        }
    }

    #[test]
    fn multibyte_text_around_secrets() {
        let out = redact("签名不匹配 Signature=秘密 ok");
        assert_eq!(out, "签名不匹配 Signature=** redacted ** ok");
    }
}
