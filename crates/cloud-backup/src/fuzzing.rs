//! What the fuzz targets `manifest`, `file_names` and `records` (`fuzz/` in the repository)
//! and their stable replay call: the readers of what a destination or a provider sends, each
//! with the property the rest of the crate relies on checked. Not part of the API.

use std::path::{Component, Path};

use serde_json::Value;

use crate::Instance;
use crate::model::{Backup, DownloadLink};
use crate::sync::manifest;
use crate::{Provider, transfer};

/// A manifest document as `sync` and `audit` read it from a destination: accepted only when
/// its path stays inside its instance's directory, made only of plain names.
pub fn manifest(data: &[u8]) {
    let Some((&selector, bytes)) = data.split_first() else {
        return;
    };
    let provider = Provider::ALL[usize::from(selector) % Provider::ALL.len()];
    let relative = format!("{}/rm-demo", provider.name());
    let Some(entry) = manifest::accept_entry(bytes, provider, "rm-demo", &relative) else {
        return;
    };
    assert!(entry.path.starts_with(&format!("{relative}/")));
    let root = Path::new("/dest");
    let local = manifest::local(root, &entry.path);
    assert!(local.starts_with(root), "{local:?}");
    assert!(
        local
            .components()
            .all(|c| matches!(c, Component::RootDir | Component::Normal(_))),
        "{local:?}"
    );
}

/// The local names of a backup's files, from the API's names and the URLs' last segments:
/// each a plain name (no separator, not `.` or `..`, no control character, not too long),
/// none the same as another (whatever the case).
pub fn file_names(data: &[u8]) {
    let mut taken = Vec::new();
    for (i, link) in data.split(|&b| b == 1).take(64).enumerate() {
        let (name, url) = match link.iter().position(|&b| b == 0) {
            Some(at) => (Some(&link[..at]), &link[at + 1..]),
            None => (None, link),
        };
        let url = String::from_utf8_lossy(url);
        let mut link = DownloadLink::new(Provider::AliyunRds, "rm-demo", "b-1", url.as_ref());
        link.name = name.map(|n| String::from_utf8_lossy(n).into_owned());
        let name = transfer::unique_name(&link, i, &mut taken);
        assert!(
            !name.is_empty() && name.len() <= transfer::MAX_NAME_BYTES,
            "{name:?}"
        );
        assert!(!name.contains(['/', '\\']) && !name.chars().any(char::is_control));
        assert!(!name.chars().all(|c| c == '.'), "{name:?}");
        assert!(Path::new(&name).components().count() == 1, "{name:?}");
    }
    for (i, a) in taken.iter().enumerate() {
        assert!(!taken[i + 1..].iter().any(|b| b.eq_ignore_ascii_case(a)));
    }
}

/// One element of a provider's listing (JSON of any shape) made into the crate's records;
/// a record always serializes, and its times, when set, are RFC 3339.
pub fn records(data: &[u8]) {
    let Some((&selector, bytes)) = data.split_first() else {
        return;
    };
    let Ok(raw) = serde_json::from_slice::<Value>(bytes) else {
        return;
    };
    let made: (Vec<Backup>, Vec<Instance>) = match selector % 4 {
        #[cfg(feature = "aliyun-rds")]
        0 => {
            let backups = aliyun_rds::Record::from_raw(raw.clone())
                .map(|record| crate::aliyun::backup_from_record("i", record));
            let instances =
                aliyun_rds::Record::from_raw(raw.clone()).map(crate::aliyun::instance_from_record);
            if let Ok(record) = aliyun_rds::Record::from_raw(raw.clone()) {
                let log = crate::aliyun::log_file_from_record("i", record);
                serde_json::to_string(&log).expect("a log file serializes");
            }
            let policy = crate::aliyun::policy_from_record("i", raw);
            serde_json::to_string(&policy).expect("a policy serializes");
            (
                backups.into_iter().collect(),
                instances.into_iter().collect(),
            )
        }
        #[cfg(feature = "capitalonline-mysql")]
        1 => (
            vec![crate::capitalonline::backup_from_record("i", raw.clone())],
            vec![crate::capitalonline::instance_from_record(raw)],
        ),
        #[cfg(feature = "huaweicloud-rds")]
        2 => (
            huaweicloud_rds::Record::from_raw(raw.clone())
                .map(|record| crate::huawei_rds::backup_from_record("i", record))
                .into_iter()
                .collect(),
            huaweicloud_rds::Record::from_raw(raw)
                .map(crate::huawei_rds::instance_from_record)
                .into_iter()
                .collect(),
        ),
        #[cfg(feature = "huaweicloud-gaussdb")]
        3 => (
            huaweicloud_gaussdb::Record::from_raw(raw.clone())
                .map(|record| crate::huawei_gaussdb::backup_from_record("i", record))
                .into_iter()
                .collect(),
            huaweicloud_gaussdb::Record::from_raw(raw)
                .map(crate::huawei_gaussdb::instance_from_record)
                .into_iter()
                .collect(),
        ),
        // A provider this build leaves out.
        _ => {
            drop(raw);
            (Vec::new(), Vec::new())
        }
    };
    let (backups, instances) = made;
    let rfc3339 = &time::format_description::well_known::Rfc3339;
    for backup in &backups {
        serde_json::to_string(backup).expect("a backup serializes");
        for time in [&backup.started_at, &backup.finished_at]
            .into_iter()
            .flatten()
        {
            assert!(
                time::OffsetDateTime::parse(time, rfc3339).is_ok(),
                "{time:?}"
            );
        }
    }
    for instance in &instances {
        serde_json::to_string(instance).expect("an instance serializes");
    }
}
