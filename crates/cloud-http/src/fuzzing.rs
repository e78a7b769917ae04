//! What the fuzz targets (`fuzz/` in the repository) and their stable replay call: the
//! parsers of everything a server or a file sends, each with the properties the rest of the
//! runtime relies on checked (a broken one panics). Not part of the API.

pub use crate::download::fuzzing::{error_body, header_map, headers, resume_record};
use crate::endpoint::Endpoint;

/// An endpoint as a user or a configuration file gives it: parsed, and when accepted, parsed
/// again from its own text to the same endpoint.
pub fn endpoint(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    if let Ok(endpoint) = Endpoint::parse(&text) {
        let again = Endpoint::parse(endpoint.as_str()).expect("an endpoint's own text parses");
        assert_eq!(again.as_str(), endpoint.as_str());
        assert!(!endpoint.host().is_empty());
    }
}

/// A response body as the transport decodes it (JSON into a value, or the error that says
/// what it was instead: HTML, empty, cut), and the texts quoted from it in errors.
pub fn body(data: &[u8]) {
    let status = data.first().map_or(200, |&b| 200 + u16::from(b % 4) * 100);
    let _ = crate::response::decode_json::<serde_json::Value>(data, status, Some("req"));
    let _ = crate::response::describe_non_json(data);
    let _ = crate::response::excerpt(data);
    // The lenient decoders fail only on what is not JSON: no shape of a valid value.
    let valid = serde_json::from_slice::<serde_json::Value>(data).is_ok();
    let lenient = [
        crate::lenient::string(&mut serde_json::Deserializer::from_slice(data)).is_ok(),
        crate::lenient::integer(&mut serde_json::Deserializer::from_slice(data)).is_ok(),
        crate::lenient::number(&mut serde_json::Deserializer::from_slice(data)).is_ok(),
    ];
    if valid {
        assert_eq!(lenient, [true; 3]);
    }
}

/// Times as the services send them (`2019-02-13T12:20:37Z`, zone-less, `+0800`, milliseconds).
pub fn times(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let (time, zone) = text.split_once('\n').unwrap_or((&text, ""));
    let _ = crate::times::parse_time(time);
    let _ = crate::times::parse_time_in_zone(time, Some(zone));
    if let Some(offset) = crate::times::parse_zone(zone) {
        let _ = crate::times::parse_time_or(time, offset);
    }
}

/// Redaction of what servers echo back: the input made of a prefix, one of the markers a
/// secret follows, a recognisable secret, and a suffix; the secret never survives.
pub fn redact(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let _ = crate::redact::redact(&text);
    let (selector, rest) = data.split_first().unwrap_or((&0, &[]));
    let middle = rest.len() / 2;
    let (prefix, suffix) = (
        String::from_utf8_lossy(&rest[..middle]),
        String::from_utf8_lossy(&rest[middle..]),
    );
    let marker = [
        "Signature=",
        "signature%3D",
        "Authorization: ",
        "\"authorization\": \"",
    ][usize::from(*selector % 4)];
    let secret = "Zq7SecretValue9";
    // A delimiter ends the secret, as on the wire (`&`, a quote, a line end).
    let delimiter = ["&", "\"", "\n", " "][usize::from(*selector / 4 % 4)];
    let input = format!("{prefix}{marker}{secret}{delimiter}{suffix}");
    let out = crate::redact::redact(&input);
    if !prefix.contains(secret) && !suffix.contains(secret) {
        assert!(!out.contains(secret), "{input:?} -> {out:?}");
    }
}

/// A response body decoded into `T` as the transport does (the path-tracking decode when the
/// fast one fails included); a decoded value must serialize and decode again to itself, so
/// that what `--json` prints is what was read.
pub fn round_trip<T>(body: &[u8])
where
    T: serde::de::DeserializeOwned + serde::Serialize + PartialEq + std::fmt::Debug,
{
    let Ok(value) = crate::response::decode_json::<T>(body, 200, Some("fuzz")) else {
        return;
    };
    let text = serde_json::to_vec(&value).expect("a decoded response serializes");
    let again: T = serde_json::from_slice(&text).expect("and decodes again");
    assert_eq!(value, again);
}
