//! Typed values beside the raw ones of the generated types: sizes in bytes (the API counts in
//! kB) and parsed times (the API sends `2018-08-06T12:41:14+0800`; one doc example spaces it
//! out as `2018 - 08 - 06 T12: 41: 14 + 0800`).
//!
//! The raw fields stay as received; these methods return `None` when a value is missing or
//! does not parse.

use huaweicloud_core::convert::{kb_to_bytes, parse_time};
use time::OffsetDateTime;

use crate::{Backup, BackupFile};

impl Backup {
    /// The backup's size in bytes: [`size`](Self::size) is in kB, so `size × 1024`. `None`
    /// when the size is missing or negative.
    ///
    /// ```
    /// let backup: huaweicloud_rds::Backup = serde_json::from_str(r#"{"size": 2803}"#)?;
    /// assert_eq!(backup.size, Some(2803)); // kB, as documented
    /// assert_eq!(backup.size_bytes(), Some(2_870_272));
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn size_bytes(&self) -> Option<u64> {
        self.size.and_then(kb_to_bytes)
    }

    /// [`begin_time`](Self::begin_time) as a time with its UTC offset.
    ///
    /// Accepts `2018-08-06T12:41:14+0800`, the docs' spaced-out
    /// `2018 - 08 - 06 T12: 41: 14 + 0800`, `Z`, `+08:00` and fractional seconds; see
    /// [`huaweicloud_core::convert::parse_time`].
    ///
    /// ```
    /// use time::macros::datetime;
    ///
    /// let backup: huaweicloud_rds::Backup =
    ///     serde_json::from_str(r#"{"begin_time": "2018 - 08 - 06 T12: 41: 14 + 0800"}"#)?;
    /// assert_eq!(backup.begin_time_parsed(), Some(datetime!(2018-08-06 12:41:14 +08:00)));
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn begin_time_parsed(&self) -> Option<OffsetDateTime> {
        self.begin_time.as_deref().and_then(parse_time)
    }

    /// [`end_time`](Self::end_time) as a time with its UTC offset (same formats as
    /// [`begin_time_parsed`](Self::begin_time_parsed)).
    pub fn end_time_parsed(&self) -> Option<OffsetDateTime> {
        self.end_time.as_deref().and_then(parse_time)
    }
}

impl BackupFile {
    /// The file's size in bytes: [`size`](Self::size) is in kB, so `size × 1024`. `None`
    /// when the size is missing or negative.
    pub fn size_bytes(&self) -> Option<u64> {
        self.size.and_then(kb_to_bytes)
    }

    /// [`link_expired_time`](Self::link_expired_time), when the download link expires, as a
    /// time with its UTC offset. Tolerates the three-digit day of the doc example
    /// (`2018-08-016T10:15:14+0800` is read as the 16th).
    pub fn link_expired_time_parsed(&self) -> Option<OffsetDateTime> {
        self.link_expired_time.as_deref().and_then(parse_time)
    }
}
