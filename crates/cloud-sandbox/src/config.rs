//! [`SandboxConfig`]: port, clock, faults, and the shape of the demo data.

use std::fmt;
use std::sync::Arc;

use time::OffsetDateTime;

use crate::{Faults, Provider};

/// The most backups one instance can have (see [`SandboxConfig::with_backup_count`]).
pub const MAX_BACKUPS_PER_INSTANCE: usize = 1_000_000;

/// The largest file whose checksums the sandbox computes by default, 1 GiB (see
/// [`SandboxConfig::with_checksum_limit`]).
pub const DEFAULT_CHECKSUM_LIMIT: u64 = 1 << 30;

/// The most fleet instances per service ([`SandboxConfig::with_fleet`]).
pub const MAX_FLEET: usize = 10_000;

/// The backups of each fleet instance unless [`SandboxConfig::with_fleet_backups`] says
/// otherwise.
pub const FLEET_BACKUPS: usize = 12;

/// The settings of a [`Sandbox`](crate::Sandbox), with builder-lite `with_*` setters.
///
/// The default: a free port on 127.0.0.1, the system clock, no faults, the
/// [demo instances](crate::demo_instances) with their default backup counts.
///
/// ```
/// use cloud_sandbox::{Faults, SandboxConfig, Provider};
///
/// let config = SandboxConfig::default()
///     // 10,000 backups on the Alibaba Cloud demo instance, for a paging benchmark ...
///     .with_backup_count(Provider::AliyunRds, "rm-demo", 10_000)
///     // ... a second Huawei RDS instance ...
///     .with_backup_count(Provider::HuaweiCloudRds, "00000000000000000000000000000000in01", 3)
///     // ... the newest backup of rm-demo as a 4 GiB file (generated, never stored) ...
///     .with_file_size(Provider::AliyunRds, "rm-demo", 0, 4 << 30)
///     // ... and the first two API calls throttled.
///     .with_faults(Faults::new().with_throttle(2));
/// assert_eq!(config.port(), 0);
/// ```
#[derive(Clone)]
#[non_exhaustive]
pub struct SandboxConfig {
    pub(crate) port: u16,
    pub(crate) clock: Clock,
    pub(crate) faults: Faults,
    pub(crate) backup_counts: Vec<(Provider, String, usize)>,
    pub(crate) file_sizes: Vec<(Provider, String, usize, u64)>,
    pub(crate) checksum_limit: u64,
    pub(crate) fleet: usize,
    pub(crate) fleet_backups: usize,
    pub(crate) credential_lifetime: std::time::Duration,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        Self {
            port: 0,
            clock: Clock::system(),
            faults: Faults::default(),
            backup_counts: Vec::new(),
            file_sizes: Vec::new(),
            checksum_limit: DEFAULT_CHECKSUM_LIMIT,
            fleet: 0,
            fleet_backups: FLEET_BACKUPS,
            credential_lifetime: std::time::Duration::from_secs(3600),
        }
    }
}

impl SandboxConfig {
    /// The default configuration (see the type's docs).
    pub fn new() -> Self {
        Self::default()
    }

    /// Listens on 127.0.0.1 port `port` instead of a free one; `0` (the default) asks the
    /// system for a free port. [`Sandbox::start`](crate::Sandbox::start) fails if the port
    /// is taken.
    pub fn with_port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// The clock the sandbox checks request timestamps against (15 minutes either way) and
    /// dates download links with, instead of the system clock. For tests: a sandbox whose
    /// clock says 2024-01-01 accepts requests signed at 2024-01-01 only.
    ///
    /// ```
    /// use cloud_sandbox::SandboxConfig;
    /// use time::macros::datetime;
    ///
    /// let config = SandboxConfig::default().with_clock(|| datetime!(2024-01-01 00:00 UTC));
    /// # let _ = config;
    /// ```
    pub fn with_clock(mut self, now: impl Fn() -> OffsetDateTime + Send + Sync + 'static) -> Self {
        self.clock = Clock(Arc::new(now));
        self
    }

    /// The faults armed when the sandbox starts; change them later with
    /// [`Sandbox::faults`](crate::Sandbox::faults) or the control endpoint.
    pub fn with_faults(mut self, faults: Faults) -> Self {
        self.faults = faults;
        self
    }

    /// Adds `count` instances to every service (at most [`MAX_FLEET`]), each with
    /// [`FLEET_BACKUPS`] backups (or what [`with_fleet_backups`](Self::with_fleet_backups)
    /// says), beside the demo instances: a fleet for the instance
    /// listings, `--all-instances` and benchmarks. Their ids have each provider's shape
    /// (`rm-fleet00000001`, 32 hex digits then `in01` or `in07`, a UUID for Capital Online)
    /// and are the same on every run.
    ///
    /// ```
    /// use cloud_sandbox::SandboxConfig;
    ///
    /// let config = SandboxConfig::default().with_fleet(50);
    /// # let _ = config;
    /// ```
    pub fn with_fleet(mut self, count: usize) -> Self {
        self.fleet = count;
        self
    }

    /// Gives each fleet instance ([`with_fleet`](Self::with_fleet)) `count` backups (at most
    /// [`MAX_BACKUPS_PER_INSTANCE`]) instead of [`FLEET_BACKUPS`].
    ///
    /// ```
    /// use cloud_sandbox::SandboxConfig;
    ///
    /// // The issue's benchmark fleet: 200 instances a service, 50 backups each.
    /// let config = SandboxConfig::default().with_fleet(200).with_fleet_backups(50);
    /// # let _ = config;
    /// ```
    pub fn with_fleet_backups(mut self, count: usize) -> Self {
        self.fleet_backups = count;
        self
    }

    /// How long the short-lived keys of the sandbox's metadata services and STS work (an
    /// hour by default; an STS call asking for less gets less). For tests of refreshing:
    /// a few seconds make a listing outlive its first key.
    pub fn with_credential_lifetime(mut self, lifetime: std::time::Duration) -> Self {
        self.credential_lifetime = lifetime;
        self
    }

    /// Gives `instance_id` of `service` exactly `count` backups (at most
    /// [`MAX_BACKUPS_PER_INSTANCE`]): the demo instance's id changes its count, any other id
    /// adds an instance. Backups are generated on demand from their index, so 10,000 or
    /// 1,000,000 cost no memory; a listing with a filter walks them all, though.
    ///
    /// Backups are a day apart (an hour apart beyond 1,000 backups), the newest first; every
    /// seventh is a manual one.
    pub fn with_backup_count(
        mut self,
        service: Provider,
        instance_id: impl Into<String>,
        count: usize,
    ) -> Self {
        let instance_id = instance_id.into();
        self.backup_counts
            .retain(|(s, id, _)| !(*s == service && *id == instance_id));
        self.backup_counts.push((service, instance_id, count));
        self
    }

    /// Makes the file of one backup `bytes` long: backup number `index` of `instance_id`
    /// (0 is the newest, the first one listed), instead of its default size (256 KiB to
    /// 2 MiB). The content is generated as it is sent, so a file of several gigabytes costs
    /// no memory. The APIs report the new size.
    ///
    /// For the Huawei Cloud services, which report sizes in KB, `bytes` is rounded up to a
    /// multiple of 1024 so that the reported size times 1024 is the file's exact length.
    ///
    /// [`Sandbox::start`](crate::Sandbox::start) fails when the instance or the index does not
    /// exist.
    pub fn with_file_size(
        mut self,
        service: Provider,
        instance_id: impl Into<String>,
        index: usize,
        bytes: u64,
    ) -> Self {
        let instance_id = instance_id.into();
        self.file_sizes
            .retain(|(s, id, i, _)| !(*s == service && *id == instance_id && *i == index));
        self.file_sizes.push((service, instance_id, index, bytes));
        self
    }

    /// The largest file, in bytes, whose checksums the sandbox computes (default
    /// [`DEFAULT_CHECKSUM_LIMIT`], 1 GiB).
    ///
    /// A file's checksums (its CRC-64 for Alibaba Cloud, its MD5 for Huawei Cloud) are
    /// computed from the generated bytes on the first request for it, which takes time in
    /// proportion to its size (per GiB, about half a second for a CRC-64 and three seconds for
    /// an MD5 in a release build, ten and thirty-five in a debug one), then kept; the request
    /// waits. A larger file is served without them: no
    /// `x-oss-hash-crc64ecma`, an empty `Checksum` in `DescribeBackups`, and for Huawei Cloud
    /// an `ETag` like those of objects uploaded in parts (`"<32 hex digits>-<parts>"`, not an
    /// MD5). `u64::MAX` computes them for every file; `0` for none but empty ones.
    pub fn with_checksum_limit(mut self, bytes: u64) -> Self {
        self.checksum_limit = bytes;
        self
    }

    /// The port asked for (`0`: any free port).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The faults armed at start.
    pub fn faults(&self) -> &Faults {
        &self.faults
    }
}

impl fmt::Debug for SandboxConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SandboxConfig")
            .field("port", &self.port)
            .field("clock", &self.clock)
            .field("faults", &self.faults)
            .field("backup_counts", &self.backup_counts)
            .field("file_sizes", &self.file_sizes)
            .field("checksum_limit", &self.checksum_limit)
            .finish()
    }
}

/// The sandbox's clock: the system clock unless a test injected another.
#[derive(Clone)]
pub(crate) struct Clock(Arc<dyn Fn() -> OffsetDateTime + Send + Sync>);

impl Clock {
    pub(crate) fn system() -> Self {
        Clock(Arc::new(OffsetDateTime::now_utc))
    }

    pub(crate) fn now(&self) -> OffsetDateTime {
        (self.0)()
    }
}

impl fmt::Debug for Clock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Clock")
    }
}
