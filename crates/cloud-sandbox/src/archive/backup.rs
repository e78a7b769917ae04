//! What a backup file holds: which archive, which members, what their text says.
//!
//! | file name | layout | like |
//! |---|---|---|
//! | `…_qp.xb` (Alibaba Cloud) | xbstream of qpress files, one per backup file (`ibdata1.qp`, …), `xtrabackup_checkpoints` uncompressed | `xtrabackup --backup --stream=xbstream --compress` |
//! | `….qp` (Huawei Cloud) | a qpress archive of one file, `<backup id>.xbstream`, an xbstream of the backup's files | `xtrabackup --stream=xbstream \| qpress` |
//! | `physical_….tar.gz` (Capital Online) | gzip of a tar of the backup directory | `tar -czf` of `xtrabackup --backup --target-dir` |
//! | `logical_….tar.gz` (Capital Online) | gzip of a tar of a `mydumper` directory: `metadata`, schema files, `INSERT` lines | `tar -czf` of `mydumper --outputdir` |
//! | anything else (binlogs) | random bytes, [`crate::content`] | |
//!
//! A physical backup's files: `ibdata1`, `mysql/innodb_table_stats.ibd`,
//! `mysql/innodb_index_stats.ibd`, `shop/customers.ibd`, `shop/orders.ibd`,
//! `xtrabackup_logfile`, `xtrabackup_binlog_info`, `backup-my.cnf`, `xtrabackup_checkpoints`
//! and `xtrabackup_info` (the last four text, saying what xtrabackup would: the backup's LSNs,
//! times and tool). `shop/orders.ibd` takes whatever size is left, so the file has the size
//! the catalogue says; a file under 256 KiB has no `ibdata1` or `mysql`/`customers` tables,
//! and one too small for any archive (a few KiB) is random bytes. Data files are random bytes:
//! they do not compress, so the archives hold them stored (QuickLZ stored packets, DEFLATE
//! stored blocks), as real tools do with incompressible data.

use time::OffsetDateTime;

use super::formats::{self, TAR_END};
use super::{Boxed, Concat, Literal, Random, Source};
use crate::{Provider, mix, timefmt};

/// What kind of file a backup file is, from its name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FileLayout {
    /// Random bytes: binlogs, and files too small for an archive.
    Raw,
    /// Alibaba Cloud's `_qp.xb`: an xbstream archive of qpress files.
    XbstreamOfQpress,
    /// Huawei Cloud's `.qp`: a qpress archive holding an xbstream archive.
    QpressOfXbstream,
    /// A `.tar.gz` of a physical backup's directory.
    PhysicalTarGz,
    /// A `.tar.gz` of a logical (`mydumper`) backup.
    LogicalTarGz,
}

impl FileLayout {
    /// The layout of a file called `name`.
    pub(crate) fn of_name(name: &str) -> Self {
        if name.ends_with("_qp.xb") {
            FileLayout::XbstreamOfQpress
        } else if name.ends_with(".qp") {
            FileLayout::QpressOfXbstream
        } else if name.ends_with(".tar.gz") {
            if name.starts_with("logical") {
                FileLayout::LogicalTarGz
            } else {
                FileLayout::PhysicalTarGz
            }
        } else {
            FileLayout::Raw
        }
    }
}

/// Everything a backup file's bytes are made from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct FileSpec {
    pub(crate) layout: FileLayout,
    pub(crate) backup_id: String,
    pub(crate) size: u64,
    pub(crate) service: Provider,
    pub(crate) start: OffsetDateTime,
    pub(crate) end: OffsetDateTime,
    /// Served with one byte flipped inside a member's data (the `damaged` fault).
    pub(crate) damaged: bool,
}

/// A backup file's bytes, and where its damage (if any) is.
pub(crate) struct File {
    source: Boxed,
    /// The offset of the flipped byte, when the file is damaged.
    damage_at: Option<u64>,
    /// The layout it really has ([`FileLayout::Raw`] when too small for its own).
    pub(crate) layout: FileLayout,
}

impl File {
    /// Bytes `offset..offset + buf.len()` of the file.
    pub(crate) fn read_at(&mut self, offset: u64, buf: &mut [u8]) {
        self.source.read_at(offset, buf);
        if let Some(at) = self.damage_at
            && let Some(i) = at.checked_sub(offset)
            && let Some(byte) = usize::try_from(i).ok().and_then(|i| buf.get_mut(i))
        {
            *byte ^= 0xFF;
        }
    }

    /// Where the damaged byte is.
    pub(crate) fn damage_at(&self) -> Option<u64> {
        self.damage_at
    }
}

impl FileSpec {
    /// The file, built (cheaply: nothing is generated until read).
    pub(crate) fn open(&self) -> File {
        let built = match self.layout {
            FileLayout::Raw => None,
            FileLayout::XbstreamOfQpress => self.xbstream_of_qpress(),
            FileLayout::QpressOfXbstream => self.qpress_of_xbstream(),
            FileLayout::PhysicalTarGz | FileLayout::LogicalTarGz => self.tar_gz(),
        };
        match built {
            Some((source, damage)) => File {
                source,
                damage_at: self.damaged.then_some(damage),
                layout: self.layout,
            },
            None => File {
                source: Box::new(Random {
                    seed: crate::content::seed(&self.backup_id),
                    len: self.size,
                }),
                // The middle of a file that is no archive: still caught by nothing else.
                damage_at: self.damaged.then_some(self.size / 2),
                layout: FileLayout::Raw,
            },
        }
    }

    /// The seed of member `path`'s data.
    fn seed(&self, path: &str) -> u64 {
        mix::hash_parts(&["cloud-sandbox member", &self.backup_id, path])
    }

    /// The files of a physical backup around the flexible one, in the order xtrabackup
    /// streams them: data files before it, the log and text files after.
    fn physical_files(&self) -> (Vec<Entry>, Vec<Entry>) {
        const PAGE: u64 = 16 * 1024;
        let unit = (self.size / 32 / PAGE * PAGE).max(PAGE);
        let random = |len| Data::Random(len);
        let before = if self.size >= 256 * 1024 {
            vec![
                ("ibdata1", random(4 * unit)),
                ("mysql/innodb_table_stats.ibd", random(PAGE)),
                ("mysql/innodb_index_stats.ibd", random(PAGE)),
                ("shop/customers.ibd", random(2 * unit)),
            ]
        } else {
            Vec::new()
        };
        let log = if self.size >= 256 * 1024 { unit } else { 2048 };
        let after = vec![
            ("xtrabackup_logfile", random(log)),
            ("xtrabackup_binlog_info", Data::Text(self.binlog_info())),
            (
                "backup-my.cnf",
                Data::Text(BACKUP_MY_CNF.as_bytes().to_vec()),
            ),
            ("xtrabackup_checkpoints", Data::Text(self.checkpoints())),
            ("xtrabackup_info", Data::Text(self.info())),
        ];
        (before, after)
    }

    /// A member's data as a source.
    fn data(&self, path: &str, data: &Data) -> Boxed {
        match data {
            Data::Text(text) => Box::new(Literal(text.clone())),
            Data::Random(len) => Box::new(Random {
                seed: self.seed(path),
                len: *len,
            }),
        }
    }

    /// Alibaba Cloud's `_qp.xb`.
    fn xbstream_of_qpress(&self) -> Option<(Boxed, u64)> {
        let (before, after) = self.physical_files();
        let member = |path: &'static str, data: &Data| -> (String, Boxed) {
            let source = self.data(path, data);
            if path == "xtrabackup_checkpoints" {
                // xtrabackup writes it uncompressed, so that tools can read it in the stream.
                (path.to_owned(), source)
            } else {
                let name = basename(path);
                (
                    format!("{path}.qp"),
                    Box::new(formats::qpress_file(name, source)),
                )
            }
        };
        let before: Vec<_> = before.iter().map(|(p, d)| member(p, d)).collect();
        let after: Vec<_> = after.iter().map(|(p, d)| member(p, d)).collect();
        let flex_path = "shop/orders.ibd";
        let flex_name = basename(flex_path);
        self.xbstream(before, &format!("{flex_path}.qp"), after, |len| {
            let seed = self.seed(flex_path);
            let file =
                formats::qpress_file_fitting(flex_name, len, |len| Some(Random { seed, len }))?;
            let damage = formats::qpress_first_block_middle(flex_name, &file);
            Some((file, damage))
        })
    }

    /// Huawei Cloud's `.qp`.
    fn qpress_of_xbstream(&self) -> Option<(Boxed, u64)> {
        let name = format!("{}.xbstream", self.backup_id);
        let file = formats::qpress_file_fitting(&name, self.size, |len| {
            let (before, after) = self.physical_files();
            let plain = |list: Vec<Entry>| -> Vec<(String, Boxed)> {
                list.iter()
                    .map(|(path, data)| ((*path).to_owned(), self.data(path, data)))
                    .collect()
            };
            let flex = "shop/orders.ibd";
            let seed = self.seed(flex);
            let (stream, _) =
                Self::xbstream_sized(plain(before), flex, plain(after), len, |len| {
                    Some((Random { seed, len }, None))
                })?;
            Some(stream)
        })?;
        // Inside the first qpress block: its Adler-32 no longer matches.
        let damage = formats::qpress_first_block_middle(&name, &file)?;
        Some((Box::new(file), damage))
    }

    /// An xbstream archive of exactly the file's size.
    fn xbstream<S: Source + 'static>(
        &self,
        before: Vec<(String, Boxed)>,
        flex_path: &str,
        after: Vec<(String, Boxed)>,
        flex: impl FnOnce(u64) -> Option<(S, Option<u64>)>,
    ) -> Option<(Boxed, u64)> {
        let (stream, damage) = Self::xbstream_sized(before, flex_path, after, self.size, flex)?;
        Some((Box::new(stream), damage?))
    }

    /// An xbstream archive of exactly `size` bytes: the files `before`, the flexible file
    /// `flex_path` (its data from `flex(len)`, with where in that data a flipped byte would
    /// be caught), the files `after`; and the offset of the flexible file's flipped byte in
    /// the archive.
    fn xbstream_sized<S: Source + 'static>(
        before: Vec<(String, Boxed)>,
        flex_path: &str,
        after: Vec<(String, Boxed)>,
        size: u64,
        flex: impl FnOnce(u64) -> Option<(S, Option<u64>)>,
    ) -> Option<(Concat, Option<u64>)> {
        let files = |list: Vec<(String, Boxed)>| -> Vec<Concat> {
            list.into_iter()
                .map(|(path, data)| formats::xbstream_file(&path, data))
                .collect()
        };
        let (before, after) = (files(before), files(after));
        let fixed: u64 = before.iter().chain(&after).map(Source::len).sum();
        let mut inner_damage = None;
        let flex_file =
            formats::xbstream_file_fitting(flex_path, size.checked_sub(fixed)?, |len| {
                let (data, damage) = flex(len)?;
                inner_damage = damage;
                Some(data)
            })?;
        let mut stream = Concat::default();
        for file in before {
            stream.push(file);
        }
        let flex_len = flex_file.len();
        let flex_start = stream.push(flex_file);
        for file in after {
            stream.push(file);
        }
        // The first chunk's header, then the data: a flipped byte there breaks the chunk's
        // CRC-32 (and, inside a `.qp`, the block's Adler-32).
        let header = formats::XBSTREAM_HEADER + flex_path.len() as u64;
        let data_len = flex_len.saturating_sub(header + 14 + flex_path.len() as u64);
        let damage = inner_damage
            .map(|at| flex_start + header + at)
            .or((data_len > 0)
                .then(|| flex_start + header + data_len.min(formats::XBSTREAM_CHUNK) / 2));
        Some((stream, damage))
    }

    /// A `.tar.gz`, physical or logical.
    fn tar_gz(&self) -> Option<(Boxed, u64)> {
        let mtime = u64::try_from(self.end.unix_timestamp()).unwrap_or(0);
        let logical = self.layout == FileLayout::LogicalTarGz;
        let (before, flex, after) = if logical {
            let before = vec![
                ("metadata", Data::Text(self.mydumper_metadata())),
                ("shop-schema-create.sql", Data::Text(SCHEMA_CREATE.into())),
                ("shop.orders-schema.sql", Data::Text(ORDERS_SCHEMA.into())),
            ];
            (before, "shop.orders.sql", Vec::new())
        } else {
            let (before, after) = self.physical_files();
            (before, "shop/orders.ibd", after)
        };
        let fixed: u64 = before
            .iter()
            .chain(&after)
            .map(|(_, data)| formats::tar_member_len(data.len()))
            .sum();
        let min_tar = fixed + 512 + TAR_END;
        let flex_data_start = before
            .iter()
            .map(|(_, data)| formats::tar_member_len(data.len()))
            .sum::<u64>()
            + 512;
        let mut flex_len = 0;
        let gzip = formats::gzip_tar_fitting(self.size, min_tar, |tar_len| {
            let room = tar_len - min_tar;
            let mut tar = Concat::default();
            for (path, data) in &before {
                formats::tar_member(&mut tar, path, mtime, self.data(path, data));
            }
            let seed = self.seed(flex);
            if logical {
                // Whole lines: the padding takes the rest of the last 512 bytes.
                flex_len = room / SqlLines::WIDTH * SqlLines::WIDTH;
                formats::tar_member(
                    &mut tar,
                    flex,
                    mtime,
                    SqlLines {
                        seed,
                        len: flex_len,
                    },
                );
            } else {
                flex_len = room;
                formats::tar_member(
                    &mut tar,
                    flex,
                    mtime,
                    Random {
                        seed,
                        len: flex_len,
                    },
                );
            }
            for (path, data) in &after {
                formats::tar_member(&mut tar, path, mtime, self.data(path, data));
            }
            tar.bytes(vec![0; TAR_END as usize]);
            Some(Box::new(tar) as Boxed)
        })?;
        // Inside the flexible member's data (or, when it is empty, its header): the gzip
        // member's CRC-32 no longer matches.
        let damage = formats::gzip_offset_of_tar(
            flex_data_start + flex_len / 2 - u64::from(flex_len == 0) * 256,
        );
        Some((Box::new(gzip), damage))
    }

    /// `xtrabackup_checkpoints` of a full backup.
    fn checkpoints(&self) -> Vec<u8> {
        let to_lsn = self.lsn();
        format!(
            "backup_type = full-backuped\nfrom_lsn = 0\nto_lsn = {to_lsn}\nlast_lsn = {}\n\
             flushed_lsn = {to_lsn}\n",
            to_lsn + 9_218
        )
        .into_bytes()
    }

    /// The backup's end LSN: grows with its time, like a real server's.
    fn lsn(&self) -> u64 {
        let seconds = u64::try_from(self.end.unix_timestamp()).unwrap_or(0);
        seconds.saturating_sub(1_700_000_000) * 4_096 + self.seed("lsn") % 4_096
    }

    /// `xtrabackup_binlog_info`: the binlog position the backup is consistent with.
    fn binlog_info(&self) -> Vec<u8> {
        format!(
            "mysql-bin.{:06}\t{}\n",
            1 + self.seed("binlog") % 900,
            154 + self.seed("position") % 1_000_000
        )
        .into_bytes()
    }

    /// `xtrabackup_info`: the tool, the server, the times, the LSNs.
    fn info(&self) -> Vec<u8> {
        let (tool, server) = match self.service {
            Provider::CapitalOnlineMysql => ("2.4.29", "5.7.44-log"),
            Provider::AliyunRds => ("8.0.35-30", "8.0.36"),
            _ => ("8.0.35-30", "8.0.28-231003"),
        };
        let compressed = if self.layout == FileLayout::XbstreamOfQpress {
            "compressed"
        } else {
            "N"
        };
        let (format, command) = if self.layout == FileLayout::PhysicalTarGz {
            ("file", "--backup --target-dir=/data/backup")
        } else if self.layout == FileLayout::XbstreamOfQpress {
            ("xbstream", "--backup --stream=xbstream --compress")
        } else {
            ("xbstream", "--backup --stream=xbstream")
        };
        let id = self.seed("uuid");
        format!(
            "uuid = {:08x}-{:04x}-11ef-{:04x}-{:012x}\nname = \ntool_name = xtrabackup\n\
             tool_command = {command}\ntool_version = {tool}\n\
             ibbackup_version = {tool}\nserver_version = {server}\nstart_time = {}\n\
             end_time = {}\nlock_time = 0\nbinlog_pos = filename 'mysql-bin.{:06}', position \
             '{}'\ninnodb_from_lsn = 0\ninnodb_to_lsn = {}\npartial = N\nincremental = N\n\
             format = {format}\ncompressed = {compressed}\nencrypted = N\n",
            id >> 32,
            (id >> 16) & 0xffff,
            id & 0xfff,
            self.seed("uuid node") & 0xffff_ffff_ffff,
            timefmt::cst_plain(self.start),
            timefmt::cst_plain(self.end),
            1 + self.seed("binlog") % 900,
            154 + self.seed("position") % 1_000_000,
            self.lsn(),
        )
        .into_bytes()
    }

    /// mydumper's `metadata`.
    fn mydumper_metadata(&self) -> Vec<u8> {
        format!(
            "Started dump at: {}\nSHOW MASTER STATUS:\n\tLog: mysql-bin.{:06}\n\tPos: {}\n\t\
             GTID:\n\nFinished dump at: {}\n",
            timefmt::cst_plain(self.start),
            1 + self.seed("binlog") % 900,
            154 + self.seed("position") % 1_000_000,
            timefmt::cst_plain(self.end),
        )
        .into_bytes()
    }
}

/// The last part of a `/`-separated path.
fn basename(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// A file of a backup: its path and data.
type Entry = (&'static str, Data);

/// A member's data.
enum Data {
    Text(Vec<u8>),
    Random(u64),
}

impl Data {
    fn len(&self) -> u64 {
        match self {
            Data::Text(text) => text.len() as u64,
            Data::Random(len) => *len,
        }
    }
}

/// `INSERT` lines of the same width, one row each, generated at any offset.
struct SqlLines {
    seed: u64,
    len: u64,
}

impl SqlLines {
    /// The width of a line: `INSERT INTO `orders` VALUES (0000000001,'<32 hex>');` and a
    /// newline.
    const WIDTH: u64 = 77;

    fn line(&self, n: u64) -> Vec<u8> {
        let a = mix::nth(self.seed, 2 * n);
        let b = mix::nth(self.seed, 2 * n + 1);
        // Ten digits whatever the line (past 770 GB the ids start again).
        let id = n % 9_999_999_999 + 1;
        format!("INSERT INTO `orders` VALUES ({id:010},'{a:016x}{b:016x}');\n").into_bytes()
    }
}

impl Source for SqlLines {
    fn len(&self) -> u64 {
        self.len
    }

    fn read_at(&mut self, mut offset: u64, mut buf: &mut [u8]) {
        while !buf.is_empty() && offset < self.len {
            let line = self.line(offset / Self::WIDTH);
            let at = (offset % Self::WIDTH) as usize;
            let left = usize::try_from(self.len - offset).unwrap_or(usize::MAX);
            let n = (line.len() - at).min(buf.len()).min(left);
            buf[..n].copy_from_slice(&line[at..at + n]);
            buf = &mut std::mem::take(&mut buf)[n..];
            offset += n as u64;
        }
        buf.fill(0);
    }
}

/// `backup-my.cnf`, as xtrabackup 8.0 writes it.
const BACKUP_MY_CNF: &str = "# This MySQL options file was generated by innobackupex.

# The MySQL server
[mysqld]
innodb_checksum_algorithm=crc32
innodb_log_checksums=1
innodb_data_file_path=ibdata1:12M:autoextend
innodb_log_file_size=1073741824
innodb_page_size=16384
innodb_undo_directory=./
innodb_undo_tablespaces=2
server_id=0
innodb_log_checksums=ON
redo_log_version=1
";

/// mydumper's schema of the database.
const SCHEMA_CREATE: &str =
    "CREATE DATABASE /*!32312 IF NOT EXISTS*/ `shop` /*!40100 DEFAULT CHARACTER SET utf8mb4 */;\n";

/// mydumper's schema of the `orders` table.
const ORDERS_SCHEMA: &str = "/*!40101 SET NAMES binary*/;\n\
/*!40014 SET FOREIGN_KEY_CHECKS=0*/;\n\n\
CREATE TABLE `orders` (\n  `id` bigint NOT NULL,\n  `token` char(32) NOT NULL,\n  \
PRIMARY KEY (`id`)\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;\n";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sql_lines_are_the_same_width() {
        let lines = SqlLines { seed: 1, len: 1000 };
        for n in [0, 1, 99, 9_999_999_998] {
            assert_eq!(lines.line(n).len() as u64, SqlLines::WIDTH);
        }
    }
}
