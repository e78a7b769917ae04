//! Lenient JSON decoding for the generated response types.
//!
//! The providers' servers do not always send what their documentation says: a
//! number where the table says string (`"BackupId": 321020562`), a string where
//! it says number (`"total_count": "1"`, `"size": "74464.0"`), an object where it
//! says string (`"Encryption": {}`), `null` or nothing at all for optional
//! fields. The generated types therefore decode every field through one of the
//! helpers below, used as
//!
//! ```
//! #[derive(serde::Deserialize)]
//! struct Backup {
//!     #[serde(rename = "BackupId", default, deserialize_with = "cloud_http::lenient::string")]
//!     backup_id: Option<String>,
//!     #[serde(rename = "BackupSize", default, deserialize_with = "cloud_http::lenient::integer")]
//!     backup_size: Option<i64>,
//! }
//!
//! let backup: Backup = serde_json::from_str(r#"{"BackupId": 321020562, "BackupSize": "2167808"}"#)?;
//! assert_eq!(backup.backup_id.as_deref(), Some("321020562"));
//! assert_eq!(backup.backup_size, Some(2_167_808));
//! # Ok::<(), serde_json::Error>(())
//! ```
//!
//! The rules, shared by every helper:
//!
//! * A value of the wrong shape becomes `None` (or is skipped, for array
//!   elements); it is **never** an error. One odd field never fails a whole page.
//! * `null` is the same as a missing field.
//! * Malformed JSON is still an error: leniency is about shapes, not syntax.
//!
//! | helper | yields | accepts |
//! |---|---|---|
//! | [`string`] | `Option<String>` | strings as sent; numbers as their JSON text (`321020562` → `"321020562"`); booleans as `"true"`/`"false"`; objects and arrays as compact JSON text (`{}` → `"{}"`) |
//! | [`integer`] | `Option<i64>` | integers; floats with a zero fraction (`12.0`); strings holding either, surrounding whitespace ignored (`" 12 "`, `"74464.0"`) |
//! | [`number`] | `Option<f64>` | numbers; strings holding a finite number |
//! | [`boolean`] | `Option<bool>` | booleans; `"true"`/`"false"` in any case; `0`/`1` as numbers or strings |
//! | [`vec()`] | `Vec<T>` | arrays; elements that do not decode as `T` are skipped; anything else is an empty `Vec` |
//! | [`object`] | `Option<T>` | objects decoded as `T`; anything else is `None` |
//!
//! Scalars are decoded by [`serde::de::Visitor`]s straight from the input, with
//! no intermediate [`serde_json::Value`]; only an object or array that lands in
//! a [`string`] field is buffered to produce its text.

use std::fmt;
use std::marker::PhantomData;

use serde::Deserialize;
use serde::de::value::{
    BoolDeserializer, BorrowedStrDeserializer, F64Deserializer, I64Deserializer,
    MapAccessDeserializer, SeqAccessDeserializer, StrDeserializer, StringDeserializer,
    U64Deserializer, UnitDeserializer,
};
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

/// Decodes a text field: any scalar becomes its text, `null` becomes `None`.
///
/// Strings are kept as sent (also the empty string, which some providers use to
/// mean "not available"). Integers become their decimal text, floats the text
/// serde_json would write for them (`74464.0`), booleans `"true"`/`"false"`.
/// An object or array becomes its compact JSON text (`"Encryption": {}` →
/// `Some("{}")`; object keys come out in serde_json's map order).
///
/// # Errors
///
/// Only when the input is not valid JSON; no shape of a valid value is an error.
pub fn string<'de, D>(deserializer: D) -> Result<Option<String>, D::Error>
where
    D: Deserializer<'de>,
{
    deserializer.deserialize_any(ScalarVisitor::<String>::NEW)
}

/// Decodes an integer field that may arrive as a number or as a string.
///
/// Accepts JSON integers that fit in `i64`, floats with a zero fraction
/// (`2803.0`), and strings holding either, with surrounding whitespace ignored
/// (`"677496"`, `" 12 "`, `"74464.0"`). An empty string, `null`, a fractional
/// or out-of-range number, a boolean, an object or an array become `None`.
///
/// # Errors
///
/// Only when the input is not valid JSON; no shape of a valid value is an error.
pub fn integer<'de, D>(deserializer: D) -> Result<Option<i64>, D::Error>
where
    D: Deserializer<'de>,
{
    deserializer.deserialize_any(ScalarVisitor::<i64>::NEW)
}

/// Decodes a floating-point field that may arrive as a number or as a string.
///
/// Accepts any JSON number and strings holding a finite number (surrounding
/// whitespace ignored). Everything else, including `"NaN"` and `"inf"`,
/// becomes `None`.
///
/// # Errors
///
/// Only when the input is not valid JSON; no shape of a valid value is an error.
pub fn number<'de, D>(deserializer: D) -> Result<Option<f64>, D::Error>
where
    D: Deserializer<'de>,
{
    deserializer.deserialize_any(ScalarVisitor::<f64>::NEW)
}

/// Decodes a boolean field that may arrive as a bool, a string or `0`/`1`.
///
/// Accepts `true`/`false`, the strings `"true"`/`"false"` in any case, and `0`
/// and `1` as integers or strings (surrounding whitespace ignored). Everything
/// else becomes `None`.
///
/// # Errors
///
/// Only when the input is not valid JSON; no shape of a valid value is an error.
pub fn boolean<'de, D>(deserializer: D) -> Result<Option<bool>, D::Error>
where
    D: Deserializer<'de>,
{
    deserializer.deserialize_any(ScalarVisitor::<bool>::NEW)
}

/// Decodes an array field, skipping the elements that do not decode as `T`.
///
/// A missing field (with `#[serde(default)]`), `null`, or a value that is not
/// an array gives an empty `Vec`. Meant for arrays of generated structs, whose
/// own fields are lenient: an element that is not an object is skipped, and an
/// object never fails on the shape of one of its fields.
///
/// # Errors
///
/// Only when the input is not valid JSON, or when `T` fails part-way through an
/// element (which the generated types never do on a well-formed value).
pub fn vec<'de, D, T>(deserializer: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    deserializer.deserialize_any(VecVisitor(PhantomData))
}

/// Decodes a nested object field; a value that is not an object gives `None`.
///
/// `null`, strings, numbers, booleans and arrays become `None`; an object is
/// decoded as `T` (a generated struct, itself lenient).
///
/// # Errors
///
/// Only when the input is not valid JSON, or when `T` fails part-way through the
/// object (which the generated types never do on a well-formed value).
pub fn object<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    deserializer.deserialize_any(ElementVisitor(PhantomData))
}

/// Consumes the rest of an object we are not going to use.
fn skip_map<'de, A: MapAccess<'de>>(map: A) -> Result<(), A::Error> {
    IgnoredAny.visit_map(map).map(|_| ())
}

/// Consumes the rest of an array we are not going to use.
fn skip_seq<'de, A: SeqAccess<'de>>(seq: A) -> Result<(), A::Error> {
    IgnoredAny.visit_seq(seq).map(|_| ())
}

/// The text serde_json writes for a float (`74464.0`, `1.5`, `1e300`).
fn float_text(value: f64) -> String {
    match serde_json::Number::from_f64(value) {
        Some(number) => number.to_string(),
        // Not finite: cannot come from JSON, but do not lose it either.
        None => value.to_string(),
    }
}

/// `Some` when `value` is a whole number that fits in `i64`.
fn float_to_i64(value: f64) -> Option<i64> {
    // 2^63 as f64 is exact; every f64 in [-2^63, 2^63) converts losslessly.
    const LIMIT: f64 = 9_223_372_036_854_775_808.0;
    if value.is_finite() && value.fract() == 0.0 && (-LIMIT..LIMIT).contains(&value) {
        // Whole and in range: the cast is exact.
        Some(value as i64)
    } else {
        None
    }
}

fn parse_integer(text: &str) -> Option<i64> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    match text.parse::<i64>() {
        Ok(value) => Some(value),
        Err(_) => text.parse::<f64>().ok().and_then(float_to_i64),
    }
}

fn parse_number(text: &str) -> Option<f64> {
    text.trim()
        .parse::<f64>()
        .ok()
        .filter(|value| value.is_finite())
}

fn parse_boolean(text: &str) -> Option<bool> {
    let text = text.trim();
    if text.eq_ignore_ascii_case("true") || text == "1" {
        Some(true)
    } else if text.eq_ignore_ascii_case("false") || text == "0" {
        Some(false)
    } else {
        None
    }
}

/// A scalar the lenient helpers read from any JSON value: what each kind of value becomes
/// (`None` for what cannot be one). One [`ScalarVisitor`] serves them all.
trait Scalar: Sized {
    /// Whether an object or array is kept (as its compact JSON text, through
    /// [`from_string`](Self::from_string)) rather than skipped as `None`.
    const KEEPS_COMPOUND: bool = false;

    fn from_bool(value: bool) -> Option<Self>;
    fn from_i128(value: i128) -> Option<Self>;
    fn from_u128(value: u128) -> Option<Self>;
    fn from_f64(value: f64) -> Option<Self>;
    fn from_str(value: &str) -> Option<Self>;

    fn from_string(value: String) -> Option<Self> {
        Self::from_str(&value)
    }

    fn from_bytes(value: &[u8]) -> Option<Self> {
        std::str::from_utf8(value).ok().and_then(Self::from_str)
    }
}

impl Scalar for String {
    const KEEPS_COMPOUND: bool = true;

    fn from_bool(value: bool) -> Option<Self> {
        Some(value.to_string())
    }

    fn from_i128(value: i128) -> Option<Self> {
        Some(value.to_string())
    }

    fn from_u128(value: u128) -> Option<Self> {
        Some(value.to_string())
    }

    fn from_f64(value: f64) -> Option<Self> {
        Some(float_text(value))
    }

    fn from_str(value: &str) -> Option<Self> {
        Some(value.to_owned())
    }

    fn from_string(value: String) -> Option<Self> {
        Some(value)
    }

    fn from_bytes(value: &[u8]) -> Option<Self> {
        Some(String::from_utf8_lossy(value).into_owned())
    }
}

impl Scalar for i64 {
    fn from_bool(_: bool) -> Option<Self> {
        None
    }

    fn from_i128(value: i128) -> Option<Self> {
        i64::try_from(value).ok()
    }

    fn from_u128(value: u128) -> Option<Self> {
        i64::try_from(value).ok()
    }

    fn from_f64(value: f64) -> Option<Self> {
        float_to_i64(value)
    }

    fn from_str(value: &str) -> Option<Self> {
        parse_integer(value)
    }
}

impl Scalar for f64 {
    fn from_bool(_: bool) -> Option<Self> {
        None
    }

    fn from_i128(value: i128) -> Option<Self> {
        Some(value as f64)
    }

    fn from_u128(value: u128) -> Option<Self> {
        Some(value as f64)
    }

    fn from_f64(value: f64) -> Option<Self> {
        Some(value).filter(|value| value.is_finite())
    }

    fn from_str(value: &str) -> Option<Self> {
        parse_number(value)
    }
}

impl Scalar for bool {
    fn from_bool(value: bool) -> Option<Self> {
        Some(value)
    }

    fn from_i128(value: i128) -> Option<Self> {
        match value {
            0 => Some(false),
            1 => Some(true),
            _ => None,
        }
    }

    fn from_u128(value: u128) -> Option<Self> {
        i128::try_from(value).ok().and_then(Self::from_i128)
    }

    fn from_f64(_: f64) -> Option<Self> {
        None
    }

    fn from_str(value: &str) -> Option<Self> {
        parse_boolean(value)
    }
}

/// The visitor of [`string`], [`integer`], [`number`] and [`boolean`]: any JSON value, read as
/// the scalar `T` says.
struct ScalarVisitor<T>(PhantomData<T>);

impl<T> ScalarVisitor<T> {
    const NEW: Self = Self(PhantomData);
}

impl<'de, T: Scalar> Visitor<'de> for ScalarVisitor<T> {
    type Value = Option<T>;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("any JSON value")
    }

    fn visit_bool<E: de::Error>(self, value: bool) -> Result<Self::Value, E> {
        Ok(T::from_bool(value))
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<Self::Value, E> {
        Ok(T::from_i128(i128::from(value)))
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<Self::Value, E> {
        Ok(T::from_i128(i128::from(value)))
    }

    fn visit_i128<E: de::Error>(self, value: i128) -> Result<Self::Value, E> {
        Ok(T::from_i128(value))
    }

    fn visit_u128<E: de::Error>(self, value: u128) -> Result<Self::Value, E> {
        Ok(T::from_u128(value))
    }

    fn visit_f64<E: de::Error>(self, value: f64) -> Result<Self::Value, E> {
        Ok(T::from_f64(value))
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<Self::Value, E> {
        Ok(T::from_str(value))
    }

    fn visit_string<E: de::Error>(self, value: String) -> Result<Self::Value, E> {
        Ok(T::from_string(value))
    }

    fn visit_bytes<E: de::Error>(self, value: &[u8]) -> Result<Self::Value, E> {
        Ok(T::from_bytes(value))
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        if T::KEEPS_COMPOUND {
            let value = serde_json::Value::deserialize(MapAccessDeserializer::new(map))?;
            return Ok(T::from_string(value.to_string()));
        }
        skip_map(map)?;
        Ok(None)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        if T::KEEPS_COMPOUND {
            let value = serde_json::Value::deserialize(SeqAccessDeserializer::new(seq))?;
            return Ok(T::from_string(value.to_string()));
        }
        skip_seq(seq)?;
        Ok(None)
    }
}

/// Arrays: every element goes through [`ElementVisitor`].
struct VecVisitor<T>(PhantomData<T>);

impl<'de, T: Deserialize<'de>> Visitor<'de> for VecVisitor<T> {
    type Value = Vec<T>;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("any JSON value")
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Ok(Vec::new())
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
        Ok(Vec::new())
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
        Ok(Vec::new())
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
        Ok(Vec::new())
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
        Ok(Vec::new())
    }

    fn visit_bytes<E: de::Error>(self, _: &[u8]) -> Result<Self::Value, E> {
        Ok(Vec::new())
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Vec::new())
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Vec::new())
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        skip_map(map)?;
        Ok(Vec::new())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        // Cap the pre-allocation: the hint comes from the input.
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1024));
        while let Some(item) = seq.next_element_seed(ElementSeed::<T>(PhantomData))? {
            if let Some(item) = item {
                items.push(item);
            }
        }
        Ok(items)
    }
}

/// One array element: `Some` when it decodes as `T`, `None` when it is skipped.
struct ElementSeed<T>(PhantomData<T>);

impl<'de, T: Deserialize<'de>> DeserializeSeed<'de> for ElementSeed<T> {
    type Value = Option<T>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(ElementVisitor(PhantomData))
    }
}

/// Offers one value to `T`; `None` when `T` does not take it.
///
/// Scalars have been read whole before `T` sees them, so a refusal costs
/// nothing. For objects and arrays `T` reads from the input itself; when it
/// refuses, the rest of the value is skipped so the surrounding array or object
/// stays in step.
struct ElementVisitor<T>(PhantomData<T>);

impl<'de, T: Deserialize<'de>> Visitor<'de> for ElementVisitor<T> {
    type Value = Option<T>;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("any JSON value")
    }

    fn visit_bool<E: de::Error>(self, value: bool) -> Result<Self::Value, E> {
        Ok(T::deserialize(BoolDeserializer::<E>::new(value)).ok())
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<Self::Value, E> {
        Ok(T::deserialize(I64Deserializer::<E>::new(value)).ok())
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<Self::Value, E> {
        Ok(T::deserialize(U64Deserializer::<E>::new(value)).ok())
    }

    fn visit_f64<E: de::Error>(self, value: f64) -> Result<Self::Value, E> {
        Ok(T::deserialize(F64Deserializer::<E>::new(value)).ok())
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<Self::Value, E> {
        Ok(T::deserialize(StrDeserializer::<E>::new(value)).ok())
    }

    fn visit_borrowed_str<E: de::Error>(self, value: &'de str) -> Result<Self::Value, E> {
        Ok(T::deserialize(BorrowedStrDeserializer::<E>::new(value)).ok())
    }

    fn visit_string<E: de::Error>(self, value: String) -> Result<Self::Value, E> {
        Ok(T::deserialize(StringDeserializer::<E>::new(value)).ok())
    }

    fn visit_bytes<E: de::Error>(self, _: &[u8]) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(T::deserialize(UnitDeserializer::<E>::new()).ok())
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        match T::deserialize(MapAccessDeserializer::new(&mut map)) {
            Ok(value) => Ok(Some(value)),
            Err(_) => {
                skip_map(map)?;
                Ok(None)
            }
        }
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        match T::deserialize(SeqAccessDeserializer::new(&mut seq)) {
            Ok(value) => Ok(Some(value)),
            Err(_) => {
                skip_seq(seq)?;
                Ok(None)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use serde::{Deserialize, Serialize};

    use super::*;

    /// One field per helper, as the generated code declares them.
    #[derive(Debug, Default, PartialEq, Deserialize)]
    struct Fields {
        #[serde(default, deserialize_with = "string")]
        s: Option<String>,
        #[serde(default, deserialize_with = "integer")]
        i: Option<i64>,
        #[serde(default, deserialize_with = "number")]
        n: Option<f64>,
        #[serde(default, deserialize_with = "boolean")]
        b: Option<bool>,
        #[serde(default, deserialize_with = "vec")]
        v: Vec<Inner>,
        #[serde(default, deserialize_with = "object")]
        o: Option<Inner>,
    }

    /// A nested struct in the generated style: lenient fields, unknown fields kept.
    #[derive(Debug, Default, PartialEq, Deserialize, Serialize)]
    struct Inner {
        #[serde(rename = "Id", default, deserialize_with = "string")]
        id: Option<String>,
        #[serde(rename = "Size", default, deserialize_with = "integer")]
        size: Option<i64>,
        #[serde(flatten)]
        unknown_fields: serde_json::Map<String, serde_json::Value>,
    }

    /// Decodes `{"<key>": <value>}` three ways: from text, from a
    /// `serde_json::Value`, and nested under a flattened map (serde's buffered
    /// path), and checks they agree.
    fn decode(key: &str, value: &str) -> Fields {
        let text = format!(r#"{{"{key}": {value}}}"#);
        let from_text: Fields = serde_json::from_str(&text).unwrap();
        let tree: serde_json::Value = serde_json::from_str(&text).unwrap();
        let from_value: Fields = serde_json::from_value(tree).unwrap();
        assert_eq!(from_text, from_value, "text vs value for {text}");

        #[derive(Deserialize)]
        struct Outer {
            #[serde(flatten)]
            fields: Fields,
            #[serde(flatten)]
            _rest: serde_json::Map<String, serde_json::Value>,
        }
        let outer: Outer = serde_json::from_str(&text).unwrap();
        assert_eq!(from_text, outer.fields, "text vs flattened for {text}");
        from_text
    }

    #[test]
    fn string_accepts_strings_as_sent() {
        assert_eq!(decode("s", r#""abc""#).s.as_deref(), Some("abc"));
        assert_eq!(decode("s", r#""""#).s.as_deref(), Some(""));
        assert_eq!(decode("s", r#"" padded ""#).s.as_deref(), Some(" padded "));
        assert_eq!(decode("s", r#""a\"b\u00e9""#).s.as_deref(), Some("a\"bé"));
    }

    #[test]
    fn string_keeps_numbers_as_their_text() {
        assert_eq!(decode("s", "321020562").s.as_deref(), Some("321020562"));
        assert_eq!(decode("s", "-5").s.as_deref(), Some("-5"));
        assert_eq!(
            decode("s", "18446744073709551615").s.as_deref(),
            Some("18446744073709551615")
        );
        assert_eq!(decode("s", "74464.0").s.as_deref(), Some("74464.0"));
        assert_eq!(decode("s", "1.5").s.as_deref(), Some("1.5"));
    }

    #[test]
    fn string_takes_booleans_objects_and_arrays_as_text() {
        assert_eq!(decode("s", "true").s.as_deref(), Some("true"));
        assert_eq!(decode("s", "false").s.as_deref(), Some("false"));
        assert_eq!(decode("s", "{}").s.as_deref(), Some("{}"));
        assert_eq!(
            decode("s", r#"{ "a" : [1, 2] }"#).s.as_deref(),
            Some(r#"{"a":[1,2]}"#)
        );
        assert_eq!(decode("s", "[ ]").s.as_deref(), Some("[]"));
        assert_eq!(
            decode("s", r#"["x", null]"#).s.as_deref(),
            Some(r#"["x",null]"#)
        );
    }

    #[test]
    fn string_null_and_missing_are_none() {
        assert_eq!(decode("s", "null").s, None);
        assert_eq!(
            serde_json::from_str::<Fields>("{}").unwrap(),
            Fields::default()
        );
    }

    #[test]
    fn integer_accepts_numbers() {
        assert_eq!(decode("i", "677496").i, Some(677_496));
        assert_eq!(decode("i", "-3").i, Some(-3));
        assert_eq!(decode("i", "0").i, Some(0));
        assert_eq!(decode("i", "2803.0").i, Some(2803));
        assert_eq!(decode("i", "1e3").i, Some(1000));
        assert_eq!(decode("i", "9223372036854775807").i, Some(i64::MAX));
    }

    #[test]
    fn integer_accepts_numeric_strings() {
        assert_eq!(decode("i", r#""677496""#).i, Some(677_496));
        assert_eq!(decode("i", r#"" 12 ""#).i, Some(12));
        assert_eq!(decode("i", r#""74464.0""#).i, Some(74_464));
        assert_eq!(decode("i", r#""-7""#).i, Some(-7));
        assert_eq!(decode("i", r#""+7""#).i, Some(7));
    }

    #[test]
    fn integer_rejects_everything_else_as_none() {
        for value in [
            "null",
            r#""""#,
            r#""   ""#,
            r#""abc""#,
            r#""12abc""#,
            r#""1.5""#,
            r#""NaN""#,
            r#""inf""#,
            "1.5",
            "-0.25",
            "9223372036854775808",
            "18446744073709551615",
            "1e300",
            "true",
            "false",
            "{}",
            r#"{"a": {"b": [1]}}"#,
            "[]",
            "[1, [2, {}]]",
        ] {
            assert_eq!(decode("i", value).i, None, "{value}");
        }
    }

    #[test]
    fn number_accepts_numbers_and_numeric_strings() {
        assert_eq!(decode("n", "1.5").n, Some(1.5));
        assert_eq!(decode("n", "-2").n, Some(-2.0));
        assert_eq!(
            decode("n", "18446744073709551615").n,
            Some(18_446_744_073_709_551_615.0)
        );
        assert_eq!(decode("n", r#""74464.0""#).n, Some(74_464.0));
        assert_eq!(decode("n", r#"" 0.25 ""#).n, Some(0.25));
        assert_eq!(decode("n", r#""1e3""#).n, Some(1000.0));
    }

    #[test]
    fn number_rejects_everything_else_as_none() {
        for value in [
            "null",
            r#""""#,
            r#""abc""#,
            r#""NaN""#,
            r#""inf""#,
            r#""-infinity""#,
            "true",
            "{}",
            "[1.5]",
        ] {
            assert_eq!(decode("n", value).n, None, "{value}");
        }
    }

    #[test]
    fn boolean_accepts_bools_words_and_bits() {
        assert_eq!(decode("b", "true").b, Some(true));
        assert_eq!(decode("b", "false").b, Some(false));
        assert_eq!(decode("b", r#""true""#).b, Some(true));
        assert_eq!(decode("b", r#""TRUE""#).b, Some(true));
        assert_eq!(decode("b", r#""False""#).b, Some(false));
        assert_eq!(decode("b", r#"" false ""#).b, Some(false));
        assert_eq!(decode("b", "1").b, Some(true));
        assert_eq!(decode("b", "0").b, Some(false));
        assert_eq!(decode("b", r#""1""#).b, Some(true));
        assert_eq!(decode("b", r#""0""#).b, Some(false));
    }

    #[test]
    fn boolean_rejects_everything_else_as_none() {
        for value in [
            "null", "2", "-1", "1.0", r#""""#, r#""yes""#, r#""t""#, "{}", "[true]",
        ] {
            assert_eq!(decode("b", value).b, None, "{value}");
        }
    }

    #[test]
    fn vec_decodes_arrays_and_skips_odd_elements() {
        let fields = decode(
            "v",
            r#"[{"Id": 1, "Size": "2"}, 3, "x", null, [], [{"Id": "nested"}], true, {"Id ": "k"}]"#,
        );
        assert_eq!(fields.v.len(), 2, "{:?}", fields.v);
        assert_eq!(fields.v[0].id.as_deref(), Some("1"));
        assert_eq!(fields.v[0].size, Some(2));
        assert_eq!(fields.v[1].id, None);
        assert_eq!(fields.v[1].unknown_fields["Id "], "k");
    }

    #[test]
    fn vec_of_anything_but_an_array_is_empty() {
        for value in ["null", "{}", r#"{"Id": "1"}"#, r#""[]""#, "0", "true"] {
            assert_eq!(decode("v", value).v, Vec::new(), "{value}");
        }
        assert_eq!(decode("v", "[]").v, Vec::new());
    }

    #[test]
    fn vec_of_scalars_skips_elements_of_the_wrong_type() {
        #[derive(Deserialize)]
        struct Names {
            #[serde(deserialize_with = "vec")]
            names: Vec<String>,
        }
        let names: Names =
            serde_json::from_str(r#"{"names": ["a", 1, {"x": 1}, ["b"], null, "c"]}"#).unwrap();
        assert_eq!(names.names, ["a", "c"]);
    }

    #[test]
    fn object_decodes_objects_only() {
        let fields = decode("o", r#"{"Id": 7, "Size": " 8 ", "Extra": [1]}"#);
        let inner = fields.o.unwrap();
        assert_eq!(inner.id.as_deref(), Some("7"));
        assert_eq!(inner.size, Some(8));
        assert_eq!(inner.unknown_fields["Extra"], serde_json::json!([1]));

        for value in ["null", r#""{}""#, "1", "true", "[]", r#"[{"Id": "1"}]"#] {
            assert_eq!(decode("o", value).o, None, "{value}");
        }
    }

    #[test]
    fn one_odd_field_never_fails_the_whole_struct() {
        let text = r#"{
            "s": {"deep": [1, {"x": null}]},
            "i": [1, 2, 3],
            "n": {"n": 1},
            "b": "maybe",
            "v": {"not": "an array"},
            "o": ["not", "an", "object"],
            "extra": 1
        }"#;
        let fields: Fields = serde_json::from_str(text).unwrap();
        assert_eq!(fields.s.as_deref(), Some(r#"{"deep":[1,{"x":null}]}"#));
        assert_eq!(fields.i, None);
        assert_eq!(fields.n, None);
        assert_eq!(fields.b, None);
        assert!(fields.v.is_empty());
        assert_eq!(fields.o, None);
    }

    #[test]
    fn malformed_json_is_still_an_error() {
        assert!(serde_json::from_str::<Fields>(r#"{"i": [1, }"#).is_err());
        assert!(serde_json::from_str::<Fields>(r#"{"v": [{"Id": 1]}"#).is_err());
    }

    #[test]
    fn unknown_fields_round_trip_with_wire_names() {
        let inner: Inner = serde_json::from_str(r#"{"Id": 5, "id ": "x"}"#).unwrap();
        assert_eq!(inner.id.as_deref(), Some("5"));
        let text = serde_json::to_string(&inner).unwrap();
        assert_eq!(text, r#"{"Id":"5","Size":null,"id ":"x"}"#);
    }
}
