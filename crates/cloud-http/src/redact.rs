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
            Some((_, value_start, mut value_end)) => {
                // A marker inside the value (`Signature=abc,,Authorization: …` with no
                // delimiter between) starts a value of its own, which may run further: the
                // redaction runs to the end of that one too (found by the `redact` fuzz
                // target).
                let mut from = value_start;
                while let Some((at, _, end)) = next_secret(&lower, from) {
                    if at >= value_end {
                        break;
                    }
                    value_end = value_end.max(end);
                    from = at + 1;
                }
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

/// Finds the first marker at or after `from` that a secret value follows: returns where the
/// marker starts and the value's byte range.
fn next_secret(lower: &str, from: usize) -> Option<(usize, usize, usize)> {
    let rest = &lower[from..];
    let mut best: Option<(usize, usize, usize)> = None;
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
            // An empty value hides nothing: the search goes on past it (a marker right after
            // it, as in `"authorization": ""authorization": "…"`, is found then).
            if let Some((start, end)) = range.filter(|(start, end)| start < end) {
                if best.is_none_or(|(best_at, _, _)| at < best_at) {
                    best = Some((at, start, end));
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
    // Spaces, then at most one opening quote: `""` is an empty value, not a longer one.
    while i < bytes.len() && bytes[i] == b' ' {
        i += 1;
    }
    if i < bytes.len() && bytes[i] == b'"' {
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

    /// Found by the `redact` fuzz target: an empty quoted value right before a second marker
    /// took that marker as its value, and a value running into a second marker swallowed
    /// it: in both the secret after it survived.
    #[test]
    fn a_marker_in_or_after_another_value_keeps_its_secret_hidden() {
        let text = r#"{"authorization": ""authorization": "Zq7SecretValue9 A"}"#;
        let out = redact(text);
        assert!(!out.contains("Zq7SecretValue9"), "{out}");
        // And a marker inside another's value, with no delimiter between.
        let text = "GE Signature=abc\u{fffd}Authorization: Zq7SecretValue9 4DH\nnext";
        let out = redact(text);
        assert!(!out.contains("Zq7SecretValue9"), "{out}");
        assert!(out.ends_with("\nnext"), "{out}");
        let text = "Signature=&Signature=Zq7SecretValue9&x=1";
        let out = redact(text);
        assert!(!out.contains("Zq7SecretValue9"), "{out}");
        assert!(out.ends_with("&x=1"), "{out}");
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
