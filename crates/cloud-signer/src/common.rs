//! What the algorithm modules share (private): the stage type, redaction, header helpers.

use std::borrow::Cow;

/// What a Debug impl prints instead of a secret or a security token.
pub(crate) const REDACTED: &str = "** redacted **";

/// Defines a stage of an algorithm: a value holding the exact text that is hashed or signed.
///
/// `Display` prints that text byte for byte (so a failing vector shows which stage differs).
/// When the text contains a security token, `Debug` prints `** redacted **` instead.
macro_rules! stage_type {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        ///
        /// `Display` writes the exact text; `as_str` borrows it. When the request carries a
        /// security token, that token is part of the text, so do not log the `Display` form in
        /// production; `Debug` then prints `** redacted **` instead of the text.
        #[derive(Clone, PartialEq, Eq)]
        pub struct $name {
            text: String,
            sensitive: bool,
        }

        impl $name {
            pub(crate) fn new(text: String, sensitive: bool) -> Self {
                Self { text, sensitive }
            }

            /// The exact text of this stage.
            pub fn as_str(&self) -> &str {
                &self.text
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(&self.text)
            }
        }

        impl ::std::fmt::Debug for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                let shown: &str = if self.sensitive {
                    $crate::common::REDACTED
                } else {
                    &self.text
                };
                f.debug_tuple(stringify!($name)).field(&shown).finish()
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.text
            }
        }
    };
}

pub(crate) use stage_type;

/// Declares the type of one signature computation's result: its first stage (`$first`, of type
/// `$first_type`), its string to sign, and the signature itself, with getters and a
/// constant-time [`matches`]. Each algorithm module declares its own, over its own stage types.
macro_rules! signature_type {
    (
        $(#[$meta:meta])* $name:ident {
            $(#[$first_doc:meta])* $first:ident: $first_type:ty,
            $(#[$signature_doc:meta])* signature,
            $(#[$matches_doc:meta])* matches,
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq)]
        #[non_exhaustive]
        pub struct $name {
            $first: $first_type,
            string_to_sign: StringToSign,
            signature: String,
        }

        impl $name {
            $(#[$first_doc])*
            pub fn $first(&self) -> &$first_type {
                &self.$first
            }

            /// The string to sign.
            pub fn string_to_sign(&self) -> &StringToSign {
                &self.string_to_sign
            }

            $(#[$signature_doc])*
            pub fn signature(&self) -> &str {
                &self.signature
            }

            $(#[$matches_doc])*
            pub fn matches(&self, candidate: &str) -> bool {
                $crate::crypto::constant_time_eq(&self.signature, candidate)
            }
        }
    };
}

pub(crate) use signature_type;

/// The getters a signed request shares with its stages (`$stages`, a [`signature_type!`]),
/// plus its `Authorization` value and signed header names; expands inside the signed type's
/// `impl`, whose fields are `signature`, `authorization` and `signed_headers`.
macro_rules! signed_getters {
    ($stages:ty) => {
        /// The canonical request.
        pub fn canonical_request(&self) -> &CanonicalRequest {
            &self.signature.canonical_request
        }

        /// The string to sign.
        pub fn string_to_sign(&self) -> &StringToSign {
            &self.signature.string_to_sign
        }

        /// The lower-case hex signature.
        pub fn signature(&self) -> &str {
            &self.signature.signature
        }

        /// All three stages.
        pub fn stages(&self) -> &$stages {
            &self.signature
        }

        /// The `Authorization` header's value.
        pub fn authorization(&self) -> &str {
            &self.authorization
        }

        /// The signed header names, `;`-separated (as in `Authorization`).
        pub fn signed_headers(&self) -> &str {
            &self.signed_headers
        }
    };
}

pub(crate) use signed_getters;

/// The end of a header-signing canonical request (ACS3, Huawei), after the query and its
/// newline: `name:value\n` for each signed header (a missing one counts as empty, values
/// trimmed), a blank line, the names `;`-separated, a newline and the payload hash.
pub(crate) fn push_canonical_headers<S: AsRef<str>>(
    out: &mut String,
    headers: &[(String, String)],
    signed: &[S],
    payload_hash: &str,
) {
    for name in signed {
        let name = name.as_ref();
        let value = get_header(headers, name).unwrap_or_default();
        out.push_str(name);
        out.push(':');
        out.push_str(crate::encoding::py_strip(value));
        out.push('\n');
    }
    out.push('\n');
    for (i, name) in signed.iter().enumerate() {
        if i > 0 {
            out.push(';');
        }
        out.push_str(name.as_ref());
    }
    out.push('\n');
    out.push_str(payload_hash);
}

/// The string to sign of a header-signing algorithm, `<algorithm>\n[<date>\n]<hex SHA-256
/// of the canonical request>`, and its lower-case hex HMAC-SHA256 under `secret`.
pub(crate) fn sign_canonical_request(
    algorithm: &str,
    date: Option<&str>,
    canonical_request: &str,
    secret: &str,
) -> (String, String) {
    let date_len = date.map_or(0, |date| date.len() + 1);
    let mut string_to_sign = String::with_capacity(algorithm.len() + date_len + 1 + 64);
    string_to_sign.push_str(algorithm);
    string_to_sign.push('\n');
    if let Some(date) = date {
        string_to_sign.push_str(date);
        string_to_sign.push('\n');
    }
    crate::crypto::push_sha256_hex(&mut string_to_sign, canonical_request.as_bytes());
    let signature = crate::crypto::hmac_sha256_hex(secret.as_bytes(), string_to_sign.as_bytes());
    (string_to_sign, signature)
}

/// The signed header names: lower-case, sorted, without duplicates.
pub(crate) fn signed_names<'a>(names: impl Iterator<Item = Cow<'a, str>>) -> Vec<Cow<'a, str>> {
    let mut signed: Vec<Cow<'a, str>> = names.collect();
    signed.sort_unstable();
    signed.dedup();
    signed
}

/// The `Authorization` value of a header-signing algorithm:
/// `<algorithm> <key_label>=<access key id><separator>SignedHeaders=<names><separator>Signature=<hex>`
/// (ACS3: `Credential`, `,`; Huawei: `Access`, `, `).
pub(crate) fn authorization(
    algorithm: &str,
    key_label: &str,
    separator: &str,
    access_key_id: &str,
    signed_headers: &str,
    signature: &str,
) -> String {
    let mut out = String::with_capacity(
        algorithm.len()
            + key_label.len()
            + access_key_id.len()
            + signed_headers.len()
            + signature.len()
            + 2 * separator.len()
            + 24,
    );
    out.push_str(algorithm);
    out.push(' ');
    out.push_str(key_label);
    out.push('=');
    out.push_str(access_key_id);
    out.push_str(separator);
    out.push_str("SignedHeaders=");
    out.push_str(signed_headers);
    out.push_str(separator);
    out.push_str("Signature=");
    out.push_str(signature);
    out
}

/// The headers to send after signing: each value trimmed as it was signed, then
/// `Authorization`.
pub(crate) fn finish_headers(headers: &mut Vec<(String, String)>, authorization: &str) {
    for (_, value) in headers.iter_mut() {
        let trimmed = crate::encoding::py_strip(value);
        if trimmed.len() != value.len() {
            *value = trimmed.to_owned();
        }
    }
    headers.push(("Authorization".to_owned(), authorization.to_owned()));
}

/// `name: value` pairs for a Debug impl, with the values of the names in `secret` redacted
/// (compared ASCII case-insensitively).
pub(crate) struct RedactedPairs<'a> {
    pub(crate) pairs: &'a [(String, String)],
    pub(crate) secret: &'a [&'a str],
}

impl std::fmt::Debug for RedactedPairs<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut list = f.debug_list();
        for (name, value) in self.pairs {
            let value: &str = if self.secret.iter().any(|s| s.eq_ignore_ascii_case(name)) {
                REDACTED
            } else {
                value
            };
            list.entry(&(name, value));
        }
        list.finish()
    }
}

/// Splits `SCHEME k=v<sep>k=v...` into its `k=v` parts (trimmed), if it starts with `scheme`
/// followed by a space.
pub(crate) fn auth_fields<'a>(header: &'a str, scheme: &str) -> Option<Vec<(&'a str, &'a str)>> {
    let rest = header.trim().strip_prefix(scheme)?.strip_prefix(' ')?;
    rest.split(',')
        .map(|part| part.trim().split_once('='))
        .collect()
}

/// The parts of an `Authorization` header in the `<SCHEME> <Key>=.., SignedHeaders=..,
/// Signature=..` form shared by Alibaba Cloud's ACS3-HMAC-SHA256 and Huawei Cloud's
/// SDK-HMAC-SHA256 (see `acs3::parse_authorization` and `huawei::parse_authorization`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ParsedAuthorization {
    access_key_id: String,
    signed_headers: String,
    signature: String,
}

impl ParsedAuthorization {
    /// The access key id: the `Credential` field (ACS3) or the `Access` field (Huawei).
    pub fn access_key_id(&self) -> &str {
        &self.access_key_id
    }

    /// The `SignedHeaders` field (`a;b;c`).
    pub fn signed_headers(&self) -> &str {
        &self.signed_headers
    }

    /// The `Signature` field.
    pub fn signature(&self) -> &str {
        &self.signature
    }
}

/// Parses `<scheme> <key_field>=..,SignedHeaders=..,Signature=..` (fields in any order, spaces
/// around them allowed); `None` if the scheme differs or a field is missing.
pub(crate) fn parse_authorization(
    header: &str,
    scheme: &str,
    key_field: &str,
) -> Option<ParsedAuthorization> {
    let fields = auth_fields(header, scheme)?;
    let field = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| (*v).to_owned())
    };
    Some(ParsedAuthorization {
        access_key_id: field(key_field)?,
        signed_headers: field("SignedHeaders")?,
        signature: field("Signature")?,
    })
}

/// Sets header `name` to `value`, replacing (in place) a header whose name is the same
/// ignoring case; the stored name is the new one.
pub(crate) fn set_header(headers: &mut Vec<(String, String)>, name: String, value: String) {
    match headers.iter_mut().find(|(n, _)| names_eq(n, &name)) {
        Some(pair) => *pair = (name, value),
        None => headers.push((name, value)),
    }
}

/// The value of header `name` (compared ignoring case), if present.
pub(crate) fn get_header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| names_eq(n, name))
        .map(|(_, v)| v.as_str())
}

/// `a.to_lowercase() == b.to_lowercase()`, without allocating when both are ASCII (the usual
/// case; for ASCII the two comparisons agree, while a non-ASCII character such as the Kelvin
/// sign can lower-case to ASCII, so anything else takes the full Unicode path).
pub(crate) fn names_eq(a: &str, b: &str) -> bool {
    if a.is_ascii() && b.is_ascii() {
        a.eq_ignore_ascii_case(b)
    } else {
        a.to_lowercase() == b.to_lowercase()
    }
}

/// `name.to_lowercase()`, borrowed when that changes nothing (ASCII without upper case).
pub(crate) fn lowercase(name: &str) -> std::borrow::Cow<'_, str> {
    if name
        .bytes()
        .all(|b| b.is_ascii() && !b.is_ascii_uppercase())
    {
        std::borrow::Cow::Borrowed(name)
    } else {
        std::borrow::Cow::Owned(name.to_lowercase())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auth_fields_split() {
        assert_eq!(
            auth_fields("X a=1, b=c;d,e=", "X"),
            Some(vec![("a", "1"), ("b", "c;d"), ("e", "")])
        );
        assert_eq!(auth_fields("Y a=1", "X"), None);
        assert_eq!(auth_fields("X a", "X"), None);
        assert_eq!(auth_fields("", "X"), None);
    }

    #[test]
    fn name_comparison_matches_to_lowercase() {
        let names = [
            "host",
            "Host",
            "HOST",
            "x-acs-date",
            "\u{212a}ey",
            "key",
            "İ",
            "i",
            "ß",
            "",
        ];
        for a in names {
            assert_eq!(lowercase(a), a.to_lowercase());
            for b in names {
                assert_eq!(
                    names_eq(a, b),
                    a.to_lowercase() == b.to_lowercase(),
                    "{a} {b}"
                );
            }
        }
    }
}
