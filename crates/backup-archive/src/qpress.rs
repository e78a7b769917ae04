//! qpress (`.qp`, the qpress tool and xtrabackup/mariabackup `--compress`): an archive header,
//! then files (and directory steps), each a sequence of QuickLZ blocks with an Adler-32; see
//! the crate docs for the layout.

use crate::ArchiveError;
use crate::content::{Content, Role, Sink, Unpack, joined};
use crate::report::{Collector, Member};
use crate::xbstream::{u32_le, u64_le};

/// What an archive starts with (`qpress10`; the qpress tool accepts any `qpress1?`).
pub(crate) const MAGIC_PREFIX: &[u8] = b"qpress1";

/// The largest chunk size (decompressed bytes per block) accepted: the qpress tool writes at
/// most 32 MiB (`-K`), xtrabackup 64 KiB by default. A block is held in memory whole.
pub(crate) const MAX_CHUNK_SIZE: u64 = 32 * 1024 * 1024;

/// The longest file or directory name accepted.
pub(crate) const MAX_NAME: u32 = 4096;

/// The most a QuickLZ packet is taken to expand (its format allows about 85 times).
const MAX_EXPANSION: u64 = 100;

/// The most a compressed block may exceed the chunk size (the qpress tool's own bound).
const BLOCK_OVERHEAD: u64 = 400;

const BLOCK_TAG: &[u8] = b"NEWBNEWB";
const END_TAG: &[u8] = b"ENDSENDS";

/// Where the reader is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// The 16-byte archive header.
    ArchiveHeader,
    /// A record's first byte: `F`, `D` or `U`.
    Record,
    /// The 4-byte name length of an `F` (`file`) or `D` record.
    NameLength { file: bool },
    /// The name and its NUL.
    Name { file: bool, len: usize },
    /// A block tag (`NEWBNEWB`) or the file trailer tag (`ENDSENDS`), with what follows:
    /// 8 + 8 + 4 bytes and the first 3 bytes of the QuickLZ header, or 8 + 8.
    Tag,
    /// The rest of the QuickLZ header (the long form has 9 bytes).
    PacketHeader,
    /// The packet body.
    Packet { size: usize },
}

/// The qpress reader.
pub(crate) struct Reader {
    prefix: String,
    depth: usize,
    state: State,
    need: usize,
    buf: Vec<u8>,
    offset: u64,
    record_start: u64,
    chunk_size: u64,
    files: u64,
    dirs: Vec<String>,
    file: Option<(String, Content, u64)>,
    adler: u32,
    unpack: Unpack,
}

impl Reader {
    pub(crate) fn new(prefix: &str, depth: usize, unpack: Unpack) -> Self {
        Self {
            prefix: prefix.to_owned(),
            depth,
            unpack,
            state: State::ArchiveHeader,
            need: 16,
            buf: Vec::new(),
            offset: 0,
            record_start: 0,
            chunk_size: 0,
            files: 0,
            dirs: Vec::new(),
            file: None,
            adler: 0,
        }
    }

    fn expect(&mut self, state: State, need: usize) {
        self.state = state;
        self.need = need;
        self.buf.clear();
        self.record_start = self.offset;
    }

    /// `error`, found in the file being read (a block that fails its Adler-32), names it (as
    /// this layer sees it: an outer layer adds its own member's name).
    fn name_file(&self, error: ArchiveError) -> ArchiveError {
        match &self.file {
            Some((full, _, _)) if error.member().is_none() => {
                let name = full
                    .strip_prefix(&self.prefix)
                    .and_then(|rest| rest.strip_prefix('/'))
                    .unwrap_or(full);
                error.in_member(name.to_owned())
            }
            _ => error,
        }
    }

    /// `self.buf` holds `self.need` bytes of the current state.
    fn step(&mut self, out: &mut Collector) -> Result<(), ArchiveError> {
        let at = self.record_start;
        match self.state {
            State::ArchiveHeader => {
                if !self.buf.starts_with(MAGIC_PREFIX) {
                    return Err(ArchiveError::at(
                        0,
                        "not a qpress archive: no qpress10 header",
                    ));
                }
                self.chunk_size = u64_le(&self.buf[8..16]);
                if self.chunk_size == 0 || self.chunk_size > MAX_CHUNK_SIZE {
                    return Err(ArchiveError::at(
                        8,
                        format!(
                            "qpress chunk size {} (1 to {MAX_CHUNK_SIZE})",
                            self.chunk_size
                        ),
                    ));
                }
                self.expect(State::Record, 1);
            }
            State::Record => match self.buf[0] {
                b'F' => self.expect_keep_start(State::NameLength { file: true }, 4),
                b'D' => self.expect_keep_start(State::NameLength { file: false }, 4),
                b'U' => {
                    if self.dirs.pop().is_none() {
                        return Err(ArchiveError::at(
                            at,
                            "qpress U record outside any directory",
                        ));
                    }
                    self.expect(State::Record, 1);
                }
                other => {
                    return Err(ArchiveError::at(
                        at,
                        format!("not a qpress record: byte {other:#04x} where F, D or U belongs"),
                    ));
                }
            },
            State::NameLength { file } => {
                let len = u32_le(&self.buf);
                if len == 0 || len > MAX_NAME {
                    return Err(ArchiveError::at(
                        at,
                        format!("qpress name of {len} bytes (1 to {MAX_NAME})"),
                    ));
                }
                self.expect_keep_start(
                    State::Name {
                        file,
                        len: len as usize,
                    },
                    len as usize + 1,
                );
            }
            State::Name { file, len } => {
                if self.buf[len] != 0 {
                    return Err(ArchiveError::at(
                        at,
                        "qpress name not followed by its NUL byte",
                    ));
                }
                let name = String::from_utf8_lossy(&self.buf[..len]).into_owned();
                if name == ".." || name.contains('/') || name.contains('\\') {
                    return Err(ArchiveError::at(
                        at,
                        format!("qpress name {name:?} is not a plain name"),
                    ));
                }
                if file {
                    let mut path = self.dirs.clone();
                    path.push(name);
                    let path = path.join("/");
                    let full = joined(&self.prefix, &path);
                    let role = match &self.unpack {
                        Unpack::Verify => Role::Verify,
                        Unpack::Into { dir, .. } => Role::Unpack {
                            dir: dir.clone(),
                            name: Some(path),
                        },
                        Unpack::OneFile { .. } if self.files > 0 => {
                            return Err(ArchiveError::at(
                                at,
                                "a second file in a .qp member: xtrabackup --decompress \
                                 expects one file per .qp, so it is not extracted",
                            ));
                        }
                        Unpack::OneFile { path } => Role::Raw { path: path.clone() },
                    };
                    let content = Content::with_role(&full, self.depth, role);
                    self.file = Some((full, content, 0));
                    self.files += 1;
                    self.expect(State::Tag, 8);
                } else {
                    if self.dirs.len() >= 64 {
                        return Err(ArchiveError::at(at, "qpress directories nested too deep"));
                    }
                    self.dirs.push(name);
                    if let Unpack::Into { dir, .. } = &self.unpack {
                        out.directory(&joined(dir, &self.dirs.join("/")), at)?;
                    }
                    self.expect(State::Record, 1);
                }
            }
            State::Tag => self.tag(out)?,
            State::PacketHeader => {
                let size = u32_le(&self.buf[BLOCK_FIXED + 1..BLOCK_FIXED + 5]) as u64;
                self.packet_size(size)?;
            }
            State::Packet { .. } => self.packet(out)?,
        }
        Ok(())
    }

    /// Like [`expect`](Self::expect), keeping the record's start offset.
    fn expect_keep_start(&mut self, state: State, need: usize) {
        let start = self.record_start;
        self.expect(state, need);
        self.record_start = start;
    }

    fn tag(&mut self, out: &mut Collector) -> Result<(), ArchiveError> {
        let at = self.record_start;
        if self.buf.len() == 8 {
            if self.buf == BLOCK_TAG {
                // Tag, recovery u64, Adler-32 u32, the QuickLZ header's first 3 bytes.
                self.need = BLOCK_FIXED + 3;
                return Ok(());
            }
            if self.buf == END_TAG {
                self.need = 16;
                return Ok(());
            }
            return Err(ArchiveError::at(
                at,
                "qpress block expected: no NEWBNEWB or ENDSENDS tag here",
            ));
        }
        if self.buf.starts_with(END_TAG) {
            // The trailer's u64 is "recovery information", always written as 0: not checked.
            let Some((name, mut content, raw)) = self.file.take() else {
                return Err(ArchiveError::at(at, "qpress trailer outside a file"));
            };
            content
                .finish(out)
                .map_err(|e| e.inside(&name, at, "decompressed content"))?;
            out.member(
                Member {
                    name,
                    bytes: raw,
                    content: content.format(),
                    decompressed_bytes: Some(content.bytes()),
                },
                at,
            )?;
            self.expect(State::Record, 1);
            return Ok(());
        }
        // A block: the Adler-32, then the packet's header.
        self.adler = u32_le(&self.buf[16..20]);
        let flags = self.buf[BLOCK_FIXED];
        if flags & 0x40 == 0 || flags & 0x80 != 0 || flags & 0x30 != 0 {
            return Err(ArchiveError::at(
                at + BLOCK_FIXED as u64,
                format!(
                    "QuickLZ packet header {flags:#04x} is not one qpress writes (streaming buffer 0)"
                ),
            ));
        }
        if flags & 0x02 != 0 {
            self.state = State::PacketHeader;
            self.need = BLOCK_FIXED + 9;
            return Ok(());
        }
        let size = u64::from(self.buf[BLOCK_FIXED + 1]);
        self.packet_size(size)
    }

    /// The packet (header included) is `size` bytes: check it, then read the body.
    fn packet_size(&mut self, size: u64) -> Result<(), ArchiveError> {
        let at = self.record_start + BLOCK_FIXED as u64;
        let header = if self.buf[BLOCK_FIXED] & 0x02 != 0 {
            9
        } else {
            3
        };
        if size < header || size > self.chunk_size + BLOCK_OVERHEAD {
            return Err(ArchiveError::at(
                at,
                format!(
                    "QuickLZ packet of {size} bytes (from {header} to the chunk size {} + {BLOCK_OVERHEAD})",
                    self.chunk_size
                ),
            ));
        }
        self.state = State::Packet {
            size: size as usize,
        };
        self.need = BLOCK_FIXED + size as usize;
        Ok(())
    }

    /// A whole block is in `self.buf`: check its Adler-32, decompress it, pass it on.
    fn packet(&mut self, out: &mut Collector) -> Result<(), ArchiveError> {
        let at = self.record_start;
        let packet = &self.buf[BLOCK_FIXED..];
        let computed = adler32(packet);
        if computed != self.adler {
            return Err(ArchiveError::at(
                at,
                format!(
                    "Adler-32 mismatch in a qpress block: the block says {:08x}, its packet has {computed:08x}",
                    self.adler
                ),
            ));
        }
        out.report.checks.qpress_blocks_adler32 += 1;
        // The decompressed size the packet claims, checked before anything is allocated for
        // it: at most the chunk size, and at most what QuickLZ can expand this many bytes to
        // (a match of up to 255 bytes costs 3; the real archives top out near 80 times).
        let long = packet[0] & 0x02 != 0;
        let claimed = if long {
            u64::from(u32_le(&packet[5..9]))
        } else {
            u64::from(packet[2])
        };
        let bound = (packet.len() as u64).saturating_mul(MAX_EXPANSION) + 1024;
        if claimed > self.chunk_size || (packet[0] & 0x01 != 0 && claimed > bound) {
            return Err(ArchiveError::at(
                at + BLOCK_FIXED as u64,
                format!(
                    "QuickLZ packet of {} bytes claims {claimed} decompressed bytes (at most the chunk size {} and {MAX_EXPANSION} times the packet)",
                    packet.len(),
                    self.chunk_size
                ),
            ));
        }
        let max = u32::try_from(self.chunk_size).unwrap_or(u32::MAX);
        let data = quicklz::decompress(&mut std::io::Cursor::new(packet), max).map_err(|e| {
            ArchiveError::at(
                at + BLOCK_FIXED as u64,
                format!("QuickLZ block does not decode: {e}"),
            )
        })?;
        out.report.checks.qpress_blocks_decoded += 1;
        let Some((name, content, raw)) = &mut self.file else {
            return Err(ArchiveError::at(at, "qpress block outside a file"));
        };
        *raw += self.buf.len() as u64;
        content
            .write(&data, out)
            .map_err(|e| e.inside(name, at, "decompressed content"))?;
        self.expect(State::Tag, 8);
        Ok(())
    }
}

/// A block's fixed part before its packet: tag, recovery u64, Adler-32 u32.
const BLOCK_FIXED: usize = 20;

impl Sink for Reader {
    fn write(&mut self, mut data: &[u8], out: &mut Collector) -> Result<(), ArchiveError> {
        while !data.is_empty() {
            let take = (self.need - self.buf.len()).min(data.len());
            self.buf.extend_from_slice(&data[..take]);
            self.offset += take as u64;
            data = &data[take..];
            if self.buf.len() == self.need {
                self.step(out).map_err(|e| self.name_file(e))?;
            }
        }
        Ok(())
    }

    fn finish(&mut self, _out: &mut Collector) -> Result<(), ArchiveError> {
        let what = match (self.state, self.buf.is_empty()) {
            (State::Record, true) if self.file.is_none() => {
                if self.files == 0 {
                    return Err(ArchiveError::at(
                        self.offset,
                        "qpress archive without any file",
                    ));
                }
                return Ok(());
            }
            (State::ArchiveHeader, _) => "the qpress archive header",
            (State::Tag, true) => "a file, before its ENDSENDS trailer",
            (State::Tag | State::PacketHeader | State::Packet { .. }, _) => "a qpress block",
            _ => "a qpress record",
        };
        let mut error = ArchiveError::truncated(self.offset, what);
        if let Some((name, _, _)) = &self.file {
            error = ArchiveError::truncated(self.offset, &format!("{what} of {name}"));
        }
        Err(error)
    }
}

/// zlib's Adler-32 (what qpress computes with its own seed 0x00010000 and swapped halves).
pub(crate) fn adler32(data: &[u8]) -> u32 {
    const MOD: u32 = 65_521;
    let (mut a, mut b) = (1u32, 0u32);
    for chunk in data.chunks(5552) {
        for &byte in chunk {
            a += u32::from(byte);
            b += a;
        }
        a %= MOD;
        b %= MOD;
    }
    (b << 16) | a
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adler32_is_zlibs() {
        assert_eq!(adler32(b""), 1);
        assert_eq!(adler32(b"Wikipedia"), 0x11E6_0398);
        let big = vec![0xffu8; 100_000];
        // zlib.adler32(b"\xff" * 100000) == 0x8e8f5c0c... computed by the reference loop:
        let (mut a, mut b) = (1u64, 0u64);
        for &x in &big {
            a = (a + u64::from(x)) % 65_521;
            b = (b + a) % 65_521;
        }
        assert_eq!(adler32(&big), ((b << 16) | a) as u32);
    }
}
