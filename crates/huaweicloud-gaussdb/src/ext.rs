//! Typed values beside the raw ones of the generated [`BackupV3`]: the size in bytes (sent as
//! a decimal string such as `"74464.0"`, in the unit of `size_unit`) and the times (sent as
//! `2026-01-04 17:30:30`, in the zone of `time_zone`, e.g. `UTC+08:00`).
//!
//! The raw fields stay as received; these methods return `None` when a value is missing or
//! does not parse.

use huaweicloud_core::convert::{parse_time_in_zone, size_to_bytes};
use time::OffsetDateTime;

use crate::BackupV3;

impl BackupV3 {
    /// The backup's size in bytes, from [`size`](Self::size) (a decimal string) in the unit
    /// of [`size_unit`](Self::size_unit): `KB` (× 1024, the documented unit and the default
    /// when `size_unit` is missing), `MB` (× 1024²), `GB` (× 1024³), `B`; rounded to the
    /// nearest byte. `None` when the size is missing or not a number, or the unit unknown.
    ///
    /// ```
    /// let backup: huaweicloud_gaussdb::BackupV3 =
    ///     serde_json::from_str(r#"{"size": "74464.0", "size_unit": "KB"}"#)?;
    /// assert_eq!(backup.size.as_deref(), Some("74464.0")); // as sent
    /// assert_eq!(backup.size_bytes(), Some(76_251_136));
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn size_bytes(&self) -> Option<u64> {
        size_to_bytes(self.size.as_deref()?, self.size_unit.as_deref())
    }

    /// When the backup was created: [`created`](Self::created) (`2026-01-04 17:30:30`) in
    /// the zone of [`time_zone`](Self::time_zone) (`UTC+08:00`). `None` when either is
    /// missing or does not parse (a `created` carrying its own offset needs no zone).
    ///
    /// ```
    /// use time::macros::datetime;
    ///
    /// let backup: huaweicloud_gaussdb::BackupV3 = serde_json::from_str(
    ///     r#"{"created": "2026-01-04 17:30:30", "time_zone": "UTC+08:00"}"#,
    /// )?;
    /// assert_eq!(backup.created_at(), Some(datetime!(2026-01-04 17:30:30 +08:00)));
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn created_at(&self) -> Option<OffsetDateTime> {
        parse_time_in_zone(self.created.as_deref()?, self.time_zone.as_deref())
    }

    /// When the backup was last updated: [`updated`](Self::updated) in the zone of
    /// [`time_zone`](Self::time_zone), as [`created_at`](Self::created_at).
    pub fn updated_at(&self) -> Option<OffsetDateTime> {
        parse_time_in_zone(self.updated.as_deref()?, self.time_zone.as_deref())
    }
}
