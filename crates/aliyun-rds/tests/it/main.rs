//! Integration tests of the generated types: the values that matter in every
//! documented example, odd values, and the wire parameters of requests.

mod client;
mod describe_backups;
mod errors;
mod operations;
mod requests;

/// The text of an example in `fixtures/aliyun-rds/examples/`.
macro_rules! example {
    ($file:literal) => {
        include_str!(concat!("../../fixtures/examples/", $file))
    };
}
pub(crate) use example;

/// Decodes JSON text, naming the JSON path on failure.
pub(crate) fn decode<T: serde::de::DeserializeOwned>(text: &str) -> T {
    let mut deserializer = serde_json::Deserializer::from_str(text);
    match serde_path_to_error::deserialize(&mut deserializer) {
        Ok(value) => value,
        Err(error) => panic!("{} at `{}`", error.inner(), error.path()),
    }
}
