//! What the algorithm modules share (private): the stage type, redaction, header helpers.

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
