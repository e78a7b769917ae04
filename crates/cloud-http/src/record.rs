//! [`Record`]: one item of a response, decoded and as received.

use serde::Deserialize;
use serde::de::{DeserializeOwned, Deserializer, Error as _};
use serde_json::Value;

/// One item of a response, twice: [`value`](Self::value), decoded into the typed `T`, and
/// [`raw`](Self::raw), the item's JSON exactly as the server sent it (a numeric id stays a
/// number, a misspelt key stays misspelt, fields `T` does not know stay there).
///
/// For tools that show or store the provider's own record next to the typed view, such as the
/// `*_records` paging streams of the provider crates, which page exactly as their typed
/// streams do.
///
/// `Record<T>` implements [`Deserialize`] for every `T: DeserializeOwned`: it reads the value
/// into `raw` first, then decodes `value` from it. It is refused exactly when `T` refuses the
/// value, so a field such as `#[serde(deserialize_with = "cloud_http::lenient::vec")]
/// items: Vec<Record<T>>` keeps the same items as a `Vec<T>` would.
///
/// ```
/// use cloud_http::Record;
/// use serde::Deserialize;
///
/// #[derive(Deserialize)]
/// struct Backup {
///     #[serde(rename = "BackupId", default, deserialize_with = "cloud_http::lenient::string")]
///     backup_id: Option<String>,
/// }
///
/// let raw = serde_json::json!({"BackupId": 321020562, "Extra": [1, 2]});
/// let record: Record<Backup> = Record::from_raw(raw.clone())?;
/// assert_eq!(record.value.backup_id.as_deref(), Some("321020562"));
/// assert_eq!(record.raw, raw); // the number stays a number, `Extra` stays
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Record<T> {
    /// The item, decoded.
    pub value: T,
    /// The item as received.
    pub raw: Value,
}

impl<T> Record<T> {
    /// A record of `value`, decoded from `raw`.
    pub fn new(value: T, raw: Value) -> Self {
        Self { value, raw }
    }

    /// The decoded item and the item as received.
    pub fn into_parts(self) -> (T, Value) {
        (self.value, self.raw)
    }
}

impl<T: DeserializeOwned> Record<T> {
    /// Decodes `raw` into `T` and keeps `raw` beside it.
    ///
    /// # Errors
    ///
    /// When `T` refuses `raw` (for the lenient generated types: when `raw` is not an object).
    pub fn from_raw(raw: Value) -> Result<Self, serde_json::Error> {
        let value = T::deserialize(&raw)?;
        Ok(Self { value, raw })
    }
}

impl<'de, T: DeserializeOwned> Deserialize<'de> for Record<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Self::from_raw(Value::deserialize(deserializer)?).map_err(D::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Default, PartialEq, Deserialize)]
    struct Item {
        #[serde(default, deserialize_with = "crate::lenient::string")]
        id: Option<String>,
    }

    /// A page as a provider crate's records view declares it.
    #[derive(Debug, Deserialize)]
    #[serde(bound = "T: Deserialize<'de>")]
    struct Page<T> {
        #[serde(default, deserialize_with = "crate::lenient::vec")]
        items: Vec<T>,
    }

    #[test]
    fn a_lenient_list_keeps_what_the_typed_list_keeps_and_the_raw_items() {
        let text =
            r#"{"items": [{"id": 7, "x": {"y": [1.5, null]}}, "junk", 3, {"id ": "b"}, null, []]}"#;
        let typed: Page<Item> = serde_json::from_str(text).unwrap();
        let records: Page<Record<Item>> = serde_json::from_str(text).unwrap();
        let values: Vec<&Item> = records.items.iter().map(|r| &r.value).collect();
        assert_eq!(values, typed.items.iter().collect::<Vec<_>>());
        // The object, the misspelt one, and `[]` (a struct accepts a sequence).
        assert_eq!(typed.items.len(), 3);
        let served: Value = serde_json::from_str(text).unwrap();
        assert_eq!(records.items[0].raw, served["items"][0]);
        assert!(records.items[0].raw["id"].is_u64());
        assert_eq!(records.items[1].raw, served["items"][3]);
    }

    #[test]
    fn a_value_the_type_refuses_is_an_error() {
        assert!(Record::<Item>::from_raw(Value::from("text")).is_err());
        let (value, raw) = Record::<Item>::from_raw(serde_json::json!({"id": "a"}))
            .unwrap()
            .into_parts();
        assert_eq!(value.id.as_deref(), Some("a"));
        assert_eq!(raw, serde_json::json!({"id": "a"}));
        assert_eq!(Record::new(1, Value::Null).into_parts(), (1, Value::Null));
    }
}
