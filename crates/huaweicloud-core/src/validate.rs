//! Checks made before a request is sent, so a bad parameter fails at once with a
//! [`Config`](cloud_http::ErrorKind::Config) error naming the operation and the parameter,
//! instead of costing a round trip (and a retry budget) for a server-side validation error.

use cloud_http::Error;

use crate::Result;

/// `value` (the parameter `name` of `operation`) is not empty or blank.
///
/// ```
/// use huaweicloud_core::validate::required;
///
/// assert!(required("ListBackups", "instance_id", "43e4feaab48f11e89039fa163ebaa7e4br01").is_ok());
/// let error = required("ListBackups", "instance_id", " ").unwrap_err();
/// assert_eq!(error.to_string(), "configuration error: ListBackups: instance_id must not be empty");
/// ```
pub fn required(operation: &str, name: &str, value: &str) -> Result<()> {
    if value.trim().is_empty() {
        return Err(Error::config(format!(
            "{operation}: {name} must not be empty"
        )));
    }
    Ok(())
}

/// The largest page both services allow (`limit` 1 to 100), and their default.
pub const MAX_LIMIT: i64 = 100;

/// `limit`, when set, is between 1 and [`MAX_LIMIT`] (100), the range both services document.
///
/// ```
/// use huaweicloud_core::validate::limit;
///
/// assert!(limit("ListBackups", Some(100)).is_ok());
/// assert!(limit("ListBackups", None).is_ok());
/// assert!(limit("ListBackups", Some(0)).is_err());
/// assert!(limit("ListBackups", Some(101)).is_err());
/// ```
pub fn limit(operation: &str, limit: Option<i64>) -> Result<()> {
    match limit {
        Some(limit) if !(1..=MAX_LIMIT).contains(&limit) => Err(Error::config(format!(
            "{operation}: limit must be between 1 and {MAX_LIMIT}, got {limit}"
        ))),
        _ => Ok(()),
    }
}

/// `offset`, when set, is not negative.
///
/// ```
/// use huaweicloud_core::validate::offset;
///
/// assert!(offset("ListBackups", Some(0)).is_ok());
/// assert!(offset("ListBackups", Some(-1)).is_err());
/// ```
pub fn offset(operation: &str, offset: Option<i64>) -> Result<()> {
    match offset {
        Some(offset) if offset < 0 => Err(Error::config(format!(
            "{operation}: offset must not be negative, got {offset}"
        ))),
        _ => Ok(()),
    }
}

/// A backup name as both services accept it: 4 to 64 characters, starting with a letter (or,
/// for GaussDB for MySQL, a Chinese character), then letters, digits, `-` and `_`.
///
/// ```
/// use huaweicloud_core::validate::backup_name;
///
/// assert!(backup_name("CreateManualBackup", "nightly-2026_12").is_ok());
/// assert!(backup_name("CreateManualBackup", "1abc").is_err());
/// assert!(backup_name("CreateManualBackup", "abc").is_err());
/// ```
pub fn backup_name(operation: &str, name: &str) -> Result<()> {
    let count = name.chars().count();
    let first_ok = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || ('\u{4e00}'..='\u{9fff}').contains(&c));
    let rest_ok = name.chars().all(|c| {
        c.is_ascii_alphanumeric()
            || matches!(c, '-' | '_')
            || ('\u{4e00}'..='\u{9fff}').contains(&c)
    });
    if (4..=64).contains(&count) && first_ok && rest_ok {
        Ok(())
    } else {
        Err(Error::config(format!(
            "{operation}: name must be 4 to 64 characters, start with a letter and hold only \
             letters, digits, - and _, not {name:?}"
        )))
    }
}
