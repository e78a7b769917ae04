//! The demo data (private): instances, and backups generated on demand from their index.

use std::collections::HashMap;
use std::io;

use time::macros::datetime;
use time::{Duration, OffsetDateTime};

use crate::archive::backup::{FileLayout, FileSpec};
use crate::config::{MAX_BACKUPS_PER_INSTANCE, MAX_FLEET};
use crate::demo::{DemoInstance, default_instance};
use crate::{Provider, SandboxConfig, mix, timefmt};

/// The start of the newest backup of every instance (02:00 CST on 2026-11-21, give or take
/// the per-backup jitter): fixed, so the demo data is the same on every run.
const NEWEST: OffsetDateTime = datetime!(2026-11-20 18:00 UTC);

/// Alibaba Cloud backup ids: `ALIYUN_ID_BASE + ordinal * ALIYUN_ID_STRIDE + seq * 3 + 1`.
const ALIYUN_ID_BASE: u64 = 401_000_000;
const ALIYUN_ID_STRIDE: u64 = 10_000_000;
/// Alibaba Cloud `HostInstanceID`s: the primary's, then the secondary's (`+1`).
const ALIYUN_HOST_BASE: u64 = 5_882_781;

const KIB: u64 = 1024;

/// One instance of the catalog.
#[derive(Clone, Debug)]
pub(crate) struct Instance {
    pub(crate) service: Provider,
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) engine: String,
    pub(crate) count: usize,
    /// Its position among its service's instances.
    ordinal: u64,
    salt: u64,
    /// File size overrides, by index.
    sizes: HashMap<usize, u64>,
}

/// The automated backup policy of a simulated instance.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Policy {
    /// Days backups are kept.
    pub(crate) retention_days: u32,
    /// The hour (UTC) the one-hour backup window starts.
    pub(crate) window_hour: u8,
    /// The backup days, 1 (Monday) to 7 (Sunday).
    pub(crate) days: Vec<u8>,
    /// Days log backups are kept.
    pub(crate) log_retention_days: u32,
}

impl Instance {
    /// When the instance was created: 2023-03-01 02:00 UTC plus its ordinal in hours, the
    /// same on every run and before its oldest backup.
    pub(crate) fn created(&self) -> OffsetDateTime {
        datetime!(2023-03-01 02:00 UTC) + Duration::hours(i64::try_from(self.ordinal).unwrap_or(0))
    }

    /// Its automated backup policy: derived from its ordinal, so instances differ.
    pub(crate) fn policy(&self) -> Policy {
        let n = self.ordinal;
        Policy {
            retention_days: 7 * (1 + (n % 3) as u32),
            window_hour: 16 + (n % 6) as u8,
            days: if n.is_multiple_of(2) {
                (1..=7).collect()
            } else {
                vec![1, 3, 5, 7]
            },
            log_retention_days: 7,
        }
    }

    /// The deliberate gap in the log backups of the Huawei Cloud RDS demo instance (three
    /// hours, ten days before the newest backup), so that its restorable time has two
    /// ranges; `None` for every other instance.
    pub(crate) fn log_gap(&self) -> Option<(OffsetDateTime, OffsetDateTime)> {
        (self.service == Provider::HuaweiCloudRds && self.ordinal == 0).then(|| {
            let start = NEWEST - Duration::days(10) + Duration::hours(3);
            (start, start + Duration::hours(3))
        })
    }

    pub(crate) fn describe(&self) -> DemoInstance {
        let mut demo = default_instance(self.service);
        demo.instance_id.clone_from(&self.id);
        demo.name.clone_from(&self.name);
        demo.engine.clone_from(&self.engine);
        demo.backup_count = self.count;
        demo
    }
}

/// One backup, generated from its instance and index.
#[derive(Clone, Debug)]
pub(crate) struct Backup<'a> {
    pub(crate) instance: &'a Instance,
    pub(crate) id: String,
    pub(crate) start: OffsetDateTime,
    pub(crate) end: OffsetDateTime,
    /// The file's length in bytes (a multiple of 1024 for Huawei Cloud).
    pub(crate) size: u64,
    pub(crate) manual: bool,
    /// Capital Online: a logical (rather than physical) backup.
    pub(crate) logical: bool,
    /// Alibaba Cloud: the host that made it.
    pub(crate) host_instance_id: u64,
    pub(crate) file_name: String,
}

impl Backup<'_> {
    pub(crate) fn service(&self) -> Provider {
        self.instance.service
    }

    /// What its file is made from (undamaged).
    pub(crate) fn file_spec(&self) -> FileSpec {
        FileSpec {
            layout: FileLayout::of_name(&self.file_name),
            backup_id: self.id.clone(),
            size: self.size,
            service: self.service(),
            start: self.start,
            end: self.end,
            damaged: false,
        }
    }

    /// The size in KB (Huawei Cloud; exact, the size is a multiple of 1024).
    pub(crate) fn size_kb(&self) -> u64 {
        self.size / KIB
    }
}

/// Every instance the sandbox serves.
#[derive(Clone, Debug)]
pub(crate) struct Catalog {
    instances: Vec<Instance>,
}

fn invalid(message: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, message)
}

impl Catalog {
    /// The demo instances, changed and extended as `config` says.
    pub(crate) fn new(config: &SandboxConfig) -> io::Result<Self> {
        let mut instances: Vec<Instance> = Provider::ALL
            .iter()
            .copied()
            .map(|service| {
                let demo = default_instance(service);
                Instance {
                    service,
                    salt: mix::hash_parts(&[service.name(), &demo.instance_id]),
                    id: demo.instance_id,
                    name: demo.name,
                    engine: demo.engine,
                    count: demo.backup_count,
                    ordinal: 0,
                    sizes: HashMap::new(),
                }
            })
            .collect();
        for (service, id, count) in &config.backup_counts {
            check_instance_id(id)?;
            if *count > MAX_BACKUPS_PER_INSTANCE {
                return Err(invalid(format!(
                    "{service} instance {id:?}: {count} backups is more than the \
                     {MAX_BACKUPS_PER_INSTANCE} the sandbox allows"
                )));
            }
            if let Some(instance) = instances
                .iter_mut()
                .find(|i| i.service == *service && i.id == *id)
            {
                instance.count = *count;
                continue;
            }
            let ordinal = instances.iter().filter(|i| i.service == *service).count() as u64;
            let demo = default_instance(*service);
            instances.push(Instance {
                service: *service,
                id: id.clone(),
                name: format!("{}-{ordinal}", demo.name),
                engine: demo.engine,
                count: *count,
                ordinal,
                salt: mix::hash_parts(&[service.name(), id]),
                sizes: HashMap::new(),
            });
        }
        if config.fleet > MAX_FLEET {
            return Err(invalid(format!(
                "a fleet of {} instances per service is more than the {MAX_FLEET} the sandbox \
                 allows",
                config.fleet
            )));
        }
        if config.fleet_backups > MAX_BACKUPS_PER_INSTANCE {
            return Err(invalid(format!(
                "{} backups per fleet instance is more than the {MAX_BACKUPS_PER_INSTANCE} the \
                 sandbox allows",
                config.fleet_backups
            )));
        }
        for service in Provider::ALL.iter().copied() {
            let demo = default_instance(service);
            for k in 1..=config.fleet {
                let id = fleet_instance_id(service, k);
                let ordinal = instances.iter().filter(|i| i.service == service).count() as u64;
                instances.push(Instance {
                    service,
                    salt: mix::hash_parts(&[service.name(), &id]),
                    id,
                    name: format!("{}-fleet-{k}", demo.name),
                    engine: demo.engine.clone(),
                    count: config.fleet_backups,
                    ordinal,
                    sizes: HashMap::new(),
                });
            }
        }
        for (service, id, index, bytes) in &config.file_sizes {
            let Some(instance) = instances
                .iter_mut()
                .find(|i| i.service == *service && i.id == *id)
            else {
                return Err(invalid(format!(
                    "with_file_size: {service} has no instance {id:?}"
                )));
            };
            if *index >= instance.count {
                return Err(invalid(format!(
                    "with_file_size: {service} instance {id:?} has {} backups, so no backup \
                     number {index}",
                    instance.count
                )));
            }
            let bytes = if service.is_huawei() {
                bytes.div_ceil(KIB).saturating_mul(KIB)
            } else {
                *bytes
            };
            instance.sizes.insert(*index, bytes);
        }
        Ok(Self { instances })
    }

    /// The ranges a point-in-time restore of `instance` can reach at `now`: from the end of
    /// its oldest backup to a minute before `now` (the log backups' lag), split by its
    /// [log gap](Instance::log_gap); none without backups.
    pub(crate) fn restore_ranges(
        &self,
        instance: &Instance,
        now: OffsetDateTime,
    ) -> Vec<(OffsetDateTime, OffsetDateTime)> {
        let Some(oldest) = instance.count.checked_sub(1) else {
            return Vec::new();
        };
        let start = self.backup(instance, oldest).end;
        let end = now - Duration::minutes(1);
        if end <= start {
            return Vec::new();
        }
        match instance.log_gap() {
            Some((gap_start, gap_end)) if start < gap_start && gap_end < end => {
                vec![(start, gap_start), (gap_end, end)]
            }
            _ => vec![(start, end)],
        }
    }

    /// How many log (binlog) files `instance` has at `now`: one an hour, from the hour of its
    /// oldest backup's start to five minutes before `now` (the upload lag). Capital Online
    /// has none.
    pub(crate) fn log_count(&self, instance: &Instance, now: OffsetDateTime) -> u64 {
        if instance.service == Provider::CapitalOnlineMysql {
            return 0;
        }
        let Some(first) = self.log_origin(instance) else {
            return 0;
        };
        let last = now - Duration::minutes(5);
        if last <= first {
            return 0;
        }
        u64::try_from((last - first).whole_hours()).unwrap_or(0)
    }

    /// The start of log file 0: the hour of the oldest backup's start.
    fn log_origin(&self, instance: &Instance) -> Option<OffsetDateTime> {
        let oldest = instance.count.checked_sub(1)?;
        let start = self.backup(instance, oldest).start;
        Some(start.replace_time(time::Time::from_hms(start.hour(), 0, 0).ok()?))
    }

    /// Log file `k` (0 = oldest) of `instance`, as a backup file (its id names it in download
    /// paths; its content and checksums are generated like a backup's); `None` past the
    /// count or inside the instance's [log gap](Instance::log_gap).
    pub(crate) fn log_file<'a>(
        &self,
        instance: &'a Instance,
        k: u64,
        now: OffsetDateTime,
    ) -> Option<Backup<'a>> {
        if k >= self.log_count(instance, now) {
            return None;
        }
        let start = self.log_origin(instance)? + Duration::hours(i64::try_from(k).ok()?);
        let end = start + Duration::hours(1);
        if let Some((gap_start, gap_end)) = instance.log_gap()
            && start < gap_end
            && end > gap_start
        {
            return None;
        }
        let random = |stream: u64| mix::nth(instance.salt ^ mix::splitmix64(0x10_9000 + stream), k);
        let size = 16 * KIB + random(1) % (240 * KIB);
        let (id, size) = match instance.service {
            Provider::HuaweiCloudRds | Provider::HuaweiCloudGaussDb => {
                let suffix = if instance.service == Provider::HuaweiCloudRds {
                    "br01"
                } else {
                    "br07"
                };
                (
                    format!("{:016x}{k:012x}0000{suffix}", random(2)),
                    size / KIB * KIB,
                )
            }
            _ => (format!("binlog-{k:07}"), size),
        };
        Some(Backup {
            instance,
            id,
            start,
            end,
            size,
            manual: false,
            logical: false,
            host_instance_id: ALIYUN_HOST_BASE + instance.ordinal * 10,
            file_name: format!("mysql-bin.{:06}", k + 1),
        })
    }

    /// The log file whose id is `id`, if `instance` has it at `now`.
    pub(crate) fn find_log<'a>(
        &self,
        instance: &'a Instance,
        id: &str,
        now: OffsetDateTime,
    ) -> Option<Backup<'a>> {
        let k = match instance.service {
            Provider::HuaweiCloudRds | Provider::HuaweiCloudGaussDb => {
                u64::from_str_radix(id.get(16..28)?, 16).ok()?
            }
            _ => id.strip_prefix("binlog-")?.parse().ok()?,
        };
        self.log_file(instance, k, now).filter(|file| file.id == id)
    }

    /// The log files of `instance` at `now` whose logs overlap `range` (all without one),
    /// oldest first.
    pub(crate) fn log_files<'a>(
        &'a self,
        instance: &'a Instance,
        now: OffsetDateTime,
        range: Option<(OffsetDateTime, OffsetDateTime)>,
    ) -> impl Iterator<Item = Backup<'a>> + 'a {
        let count = self.log_count(instance, now);
        let origin = self.log_origin(instance);
        // Only the hours the range covers: a narrow range costs a few files, not thousands.
        let (first, last) = match (range, origin) {
            (Some((from, to)), Some(origin)) => {
                let hours = |t: OffsetDateTime| (t - origin).whole_hours();
                let first = u64::try_from(hours(from).saturating_sub(1)).unwrap_or(0);
                let last = u64::try_from(hours(to).saturating_add(1)).unwrap_or(0);
                (first, last.min(count))
            }
            _ => (0, count),
        };
        (first..last.max(first))
            .filter_map(move |k| self.log_file(instance, k, now))
            .filter(move |file| range.is_none_or(|(from, to)| file.end > from && file.start < to))
    }

    /// Every instance, in service order.
    pub(crate) fn instances(&self) -> impl Iterator<Item = &Instance> {
        Provider::ALL.iter().copied().flat_map(move |service| {
            self.instances
                .iter()
                .filter(move |instance| instance.service == service)
        })
    }

    /// The instance `id` of `service`.
    pub(crate) fn instance(&self, service: Provider, id: &str) -> Option<&Instance> {
        self.instances
            .iter()
            .find(|i| i.service == service && i.id == id)
    }

    /// Backup number `index` (0 = newest) of `instance`; `index` must be below its count.
    pub(crate) fn backup<'a>(&self, instance: &'a Instance, index: usize) -> Backup<'a> {
        generate(instance, index)
    }

    /// The backups of `instance`, newest first.
    pub(crate) fn backups<'a>(
        &self,
        instance: &'a Instance,
    ) -> impl Iterator<Item = Backup<'a>> + 'a {
        (0..instance.count).map(move |index| generate(instance, index))
    }

    /// The backup `id` of `service`, whatever its instance.
    pub(crate) fn find(&self, service: Provider, id: &str) -> Option<Backup<'_>> {
        self.instances
            .iter()
            .filter(|i| i.service == service)
            .find_map(|instance| find_in(instance, id))
    }

    /// The backup `id` of `instance`.
    pub(crate) fn find_in<'a>(&self, instance: &'a Instance, id: &str) -> Option<Backup<'a>> {
        find_in(instance, id)
    }
}

/// The id of fleet instance `k` of `service`, in the provider's shape, the same on every run.
fn fleet_instance_id(service: Provider, k: usize) -> String {
    let k_text = k.to_string();
    let a = mix::hash_parts(&["fleet", service.name(), &k_text]);
    let b = mix::splitmix64(a);
    match service {
        Provider::AliyunRds => format!("rm-fleet{k:08}"),
        Provider::CapitalOnlineMysql => format!(
            "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
            a >> 32,
            (a >> 16) & 0xffff,
            a & 0xfff,
            0x8000 | ((b >> 48) & 0x3fff),
            b & 0xffff_ffff_ffff
        ),
        Provider::HuaweiCloudRds => format!("{a:016x}{b:016x}in01"),
        Provider::HuaweiCloudGaussDb => format!("{a:016x}{b:016x}in07"),
    }
}

/// An instance id must be usable in a URL path segment and a JSON string as it is.
fn check_instance_id(id: &str) -> io::Result<()> {
    let ok = !id.is_empty()
        && id.len() <= 128
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if ok {
        Ok(())
    } else {
        Err(invalid(format!(
            "invalid instance id {id:?}: use 1 to 128 ASCII letters, digits, '-', '_' or '.'"
        )))
    }
}

/// The sequence number (0 = oldest) encoded in `id`, if `id` has the shape of `instance`'s
/// backup ids; the caller regenerates the backup and compares the whole id.
fn decode_seq(instance: &Instance, id: &str) -> Option<u64> {
    match instance.service {
        Provider::AliyunRds => {
            let value: u64 = id.parse().ok()?;
            let offset = value
                .checked_sub(ALIYUN_ID_BASE)?
                .checked_sub(instance.ordinal.checked_mul(ALIYUN_ID_STRIDE)?)?;
            (offset % 3 == 1).then_some(offset / 3)
        }
        Provider::CapitalOnlineMysql => {
            let tail = id.get(id.len().checked_sub(12)?..)?;
            Some(u64::from_str_radix(tail, 16).ok()? ^ seq_mask(instance))
        }
        Provider::HuaweiCloudRds | Provider::HuaweiCloudGaussDb => {
            let body = id.get(..id.len().checked_sub(4)?)?;
            let tail = body.get(body.len().checked_sub(12)?..)?;
            Some(u64::from_str_radix(tail, 16).ok()? ^ seq_mask(instance))
        }
    }
}

/// What the sequence number is XORed with in the last 12 hex digits of Capital Online and
/// Huawei Cloud ids, so they look random yet decode.
fn seq_mask(instance: &Instance) -> u64 {
    mix::nth(instance.salt, u64::MAX) & 0xFFFF_FFFF_FFFF
}

fn find_in<'a>(instance: &'a Instance, id: &str) -> Option<Backup<'a>> {
    let seq = usize::try_from(decode_seq(instance, id)?).ok()?;
    if seq >= instance.count {
        return None;
    }
    let backup = generate(instance, instance.count - 1 - seq);
    (backup.id == id).then_some(backup)
}

/// Generates backup number `index` (0 = newest) of `instance`.
fn generate(instance: &Instance, index: usize) -> Backup<'_> {
    let seq = (instance.count - 1 - index) as u64;
    let random = |stream: u64| mix::nth(instance.salt ^ mix::splitmix64(stream), seq);
    let hourly = instance.count > 1000;
    let manual = seq % 7 == 3;

    let index_i64 = i64::try_from(index).unwrap_or(i64::MAX);
    let mut start = if hourly {
        NEWEST - Duration::hours(index_i64)
    } else {
        NEWEST - Duration::days(index_i64)
    };
    if manual && !hourly {
        // Manual backups are taken in office hours, 14:00-17:00 CST.
        start += Duration::hours(12) + Duration::minutes((random(1) % 180) as i64);
    }
    start +=
        Duration::minutes((random(2) % 17) as i64) + Duration::seconds((random(3) % 60) as i64);
    generate_seq(
        instance,
        seq,
        start,
        manual,
        instance.sizes.get(&index).copied(),
    )
}

/// How long a backup created through the API takes: short, so that a client following it to
/// completion does not wait long.
pub(crate) const CREATED_BACKUP_TAKES: Duration = Duration::seconds(2);

/// A manual backup created through the API: sequence number `seq` (at or past the
/// instance's count, so its id never meets a generated one), started at `start`, done
/// [`CREATED_BACKUP_TAKES`] later.
pub(crate) fn created_backup(instance: &Instance, seq: u64, start: OffsetDateTime) -> Backup<'_> {
    let mut backup = generate_seq(instance, seq, start, true, None);
    backup.end = start + CREATED_BACKUP_TAKES;
    backup
}

/// The backup of sequence number `seq` of `instance`, started at `start`: its id, size,
/// duration, host and file name, all derived from the sequence number.
fn generate_seq(
    instance: &Instance,
    seq: u64,
    start: OffsetDateTime,
    manual: bool,
    size: Option<u64>,
) -> Backup<'_> {
    let random = |stream: u64| mix::nth(instance.salt ^ mix::splitmix64(stream), seq);
    let huawei = instance.service.is_huawei();
    let size = match size {
        Some(size) => size,
        None => {
            let size = 256 * KIB + random(4) % (1792 * KIB);
            if huawei { size / KIB * KIB } else { size }
        }
    };
    // About 32 MiB/s, at most an hour (a file of terabytes must not end past year 9999).
    let seconds = 12 + random(5) % 100 + (size / (32 * KIB * KIB)).min(3600);
    let end = start + Duration::seconds(i64::try_from(seconds).unwrap_or(i64::MAX));

    let host_instance_id = ALIYUN_HOST_BASE + instance.ordinal * 10 + u64::from(seq % 11 == 6);
    let id = match instance.service {
        Provider::AliyunRds => {
            (ALIYUN_ID_BASE + instance.ordinal * ALIYUN_ID_STRIDE + seq * 3 + 1).to_string()
        }
        Provider::CapitalOnlineMysql => {
            let h = random(6);
            let variant = ["8", "9", "a", "b"][(random(7) % 4) as usize];
            format!(
                "{:08x}-{:04x}-4{:03x}-{variant}{:03x}-{:012x}",
                h >> 32,
                (h >> 16) & 0xffff,
                h & 0xfff,
                random(8) & 0xfff,
                seq ^ seq_mask(instance),
            )
        }
        Provider::HuaweiCloudRds | Provider::HuaweiCloudGaussDb => {
            let suffix = if instance.service == Provider::HuaweiCloudRds {
                "br01"
            } else {
                "br07"
            };
            format!(
                "{:016x}{:04x}{:012x}{suffix}",
                random(6),
                random(7) & 0xffff,
                seq ^ seq_mask(instance)
            )
        }
    };
    let logical = seq % 5 == 2;
    let file_name = match instance.service {
        Provider::AliyunRds => format!(
            "hins{host_instance_id}_data_{}_qp.xb",
            timefmt::cst_compact(start)
        ),
        Provider::CapitalOnlineMysql => format!(
            "{}_{}_{}.tar.gz",
            if logical { "logical" } else { "physical" },
            instance.id.get(..8).unwrap_or(&instance.id),
            timefmt::cst_compact(start)
        ),
        Provider::HuaweiCloudRds | Provider::HuaweiCloudGaussDb => format!("{id}.qp"),
    };
    Backup {
        instance,
        id,
        start,
        end,
        size,
        manual,
        logical,
        host_instance_id,
        file_name,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn catalog(config: SandboxConfig) -> Catalog {
        Catalog::new(&config).unwrap()
    }

    #[test]
    fn ids_are_unique_found_again_and_times_descend() {
        let catalog = catalog(SandboxConfig::default());
        for instance in catalog.instances() {
            let backups: Vec<_> = catalog.backups(instance).collect();
            assert_eq!(backups.len(), instance.count);
            let mut ids: Vec<&str> = backups.iter().map(|b| b.id.as_str()).collect();
            ids.sort_unstable();
            ids.dedup();
            assert_eq!(ids.len(), instance.count, "{}", instance.service);
            for pair in backups.windows(2) {
                assert!(pair[0].start > pair[1].end, "{:?}", pair);
            }
            for backup in &backups {
                let found = catalog.find(instance.service, &backup.id).unwrap();
                assert_eq!(found.start, backup.start);
                assert!((256 * KIB..2048 * KIB).contains(&backup.size));
                if instance.service.is_huawei() {
                    assert_eq!(backup.size % KIB, 0);
                }
            }
            assert!(catalog.find(instance.service, "0").is_none());
            assert!(catalog.find(instance.service, "").is_none());
        }
    }

    #[test]
    fn id_shapes() {
        let catalog = catalog(SandboxConfig::default());
        let first = |service| {
            let instance = catalog.instances().find(|i| i.service == service).unwrap();
            catalog.backup(instance, 0).id
        };
        assert!(first(Provider::AliyunRds).parse::<u64>().is_ok());
        let cds = first(Provider::CapitalOnlineMysql);
        assert_eq!(cds.len(), 36);
        assert_eq!(cds.matches('-').count(), 4);
        let rds = first(Provider::HuaweiCloudRds);
        assert_eq!(rds.len(), 36);
        assert!(rds.ends_with("br01"));
        assert!(first(Provider::HuaweiCloudGaussDb).ends_with("br07"));
    }

    #[test]
    fn counts_and_sizes_can_be_changed() {
        let catalog = catalog(
            SandboxConfig::default()
                .with_backup_count(Provider::AliyunRds, "rm-demo", 5000)
                .with_backup_count(Provider::AliyunRds, "rm-other", 3)
                .with_file_size(
                    Provider::HuaweiCloudRds,
                    crate::HUAWEI_RDS_INSTANCE_ID,
                    2,
                    1000,
                )
                .with_file_size(Provider::AliyunRds, "rm-other", 0, 5 << 30)
                .with_file_size(Provider::AliyunRds, "rm-other", 2, u64::MAX),
        );
        let demo = catalog.instance(Provider::AliyunRds, "rm-demo").unwrap();
        assert_eq!(demo.count, 5000);
        let last = catalog.backup(demo, 4999);
        assert_eq!(
            catalog.find(Provider::AliyunRds, &last.id).unwrap().start,
            last.start
        );
        let other = catalog.instance(Provider::AliyunRds, "rm-other").unwrap();
        assert_eq!(catalog.backup(other, 0).size, 5 << 30);
        assert_eq!(catalog.backup(other, 2).size, u64::MAX);
        let other_id = catalog.backup(other, 1).id;
        assert!(catalog.find_in(demo, &other_id).is_none());
        assert_eq!(
            catalog
                .find(Provider::AliyunRds, &other_id)
                .unwrap()
                .instance
                .id,
            "rm-other"
        );
        let rds = catalog
            .instance(Provider::HuaweiCloudRds, crate::HUAWEI_RDS_INSTANCE_ID)
            .unwrap();
        assert_eq!(catalog.backup(rds, 2).size, 1024);
    }

    #[test]
    fn bad_settings_are_refused() {
        for config in [
            SandboxConfig::default().with_backup_count(Provider::AliyunRds, "", 1),
            SandboxConfig::default().with_backup_count(Provider::AliyunRds, "a/b", 1),
            SandboxConfig::default().with_backup_count(Provider::AliyunRds, "x", 2_000_000),
            SandboxConfig::default().with_file_size(Provider::AliyunRds, "nope", 0, 1),
            SandboxConfig::default().with_file_size(Provider::AliyunRds, "rm-demo", 137, 1),
        ] {
            let error = Catalog::new(&config).unwrap_err();
            assert_eq!(error.kind(), io::ErrorKind::InvalidInput);
        }
    }
}
