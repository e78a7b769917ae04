//! gzip (RFC 1952): one or more members, each a header, a DEFLATE stream, and a trailer with
//! the CRC-32 and length (mod 2^32) of the uncompressed data. `flate2` inflates; the framing
//! and both checks are here, so that every failure has its offset.

use flate2::{Decompress, FlushDecompress, Status};

use crate::ArchiveError;
use crate::content::{Content, Role, Sink, Unpack};
use crate::report::{Collector, Member};

/// The first two bytes of a member.
pub(crate) const MAGIC: [u8; 2] = [0x1f, 0x8b];

/// The longest header field (file name, comment, extra) accepted.
const MAX_FIELD: usize = 64 * 1024;

/// Output buffer per inflate call.
const OUT_BUF: usize = 64 * 1024;

const FTEXT_MASK: u8 = 0b1110_0000;
const FHCRC: u8 = 0x02;
const FEXTRA: u8 = 0x04;
const FNAME: u8 = 0x08;
const FCOMMENT: u8 = 0x10;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// The 10 fixed header bytes.
    Header,
    /// `FEXTRA`'s 2-byte length.
    ExtraLength,
    /// `FEXTRA`'s data.
    Extra(usize),
    /// A NUL-terminated field (`FNAME`, then `FCOMMENT`), with its length so far.
    Text(usize),
    /// `FHCRC`'s 2 bytes.
    HeaderCrc,
    /// The DEFLATE stream.
    Deflate,
    /// The 8-byte trailer.
    Trailer,
    /// Between members: another may start, or the input ends.
    Between,
}

/// The name gunzip gives the content of `name`.
fn gunzipped_name(name: &str) -> String {
    if let Some(stem) = name.strip_suffix(".tgz") {
        format!("{stem}.tar")
    } else if let Some(stem) = name.strip_suffix(".gz")
        && !stem.is_empty()
    {
        stem.to_owned()
    } else {
        format!("{name}.out")
    }
}

/// The gzip reader.
pub(crate) struct Reader {
    name: String,
    state: State,
    pending: u8,
    buf: Vec<u8>,
    offset: u64,
    member_start: u64,
    inflate: Decompress,
    crc: crc32fast::Hasher,
    length: u64,
    out_buf: Vec<u8>,
    content: Content,
    members: u64,
    compressed: u64,
}

impl Reader {
    pub(crate) fn new(prefix: &str, depth: usize, unpack: Unpack) -> Self {
        let name = if prefix.is_empty() {
            "(gzip content)".to_owned()
        } else {
            format!("{prefix}/(gzip content)")
        };
        // Extracted: the content unpacked in turn, or written under the layer's name without
        // `.gz` (`.tgz` becomes `.tar`), as gunzip names it.
        let role = match unpack {
            Unpack::Into { dir, name } => Role::Unpack {
                dir,
                name: name.map(|name| gunzipped_name(&name)),
            },
            _ => Role::Verify,
        };
        Self {
            content: Content::with_role(&name, depth, role),
            name,
            state: State::Header,
            pending: 0,
            buf: Vec::new(),
            offset: 0,
            member_start: 0,
            inflate: Decompress::new(false),
            crc: crc32fast::Hasher::new(),
            length: 0,
            out_buf: vec![0; OUT_BUF],
            members: 0,
            compressed: 0,
        }
    }

    /// The next header field the flags announce (extra, name, comment, header CRC), or the
    /// DEFLATE data.
    fn next_field(&mut self) {
        self.buf.clear();
        let pending = &mut self.pending;
        self.state = if *pending & FEXTRA != 0 {
            *pending &= !FEXTRA;
            State::ExtraLength
        } else if *pending & (FNAME | FCOMMENT) != 0 {
            *pending &= if *pending & FNAME != 0 {
                !FNAME
            } else {
                !FCOMMENT
            };
            State::Text(0)
        } else if *pending & FHCRC != 0 {
            *pending &= !FHCRC;
            State::HeaderCrc
        } else {
            State::Deflate
        };
    }

    /// Feeds compressed bytes to the inflater; returns how many were used.
    fn deflate(&mut self, data: &[u8], out: &mut Collector) -> Result<usize, ArchiveError> {
        let mut used = 0;
        loop {
            let before_in = self.inflate.total_in();
            let before_out = self.inflate.total_out();
            let status = self
                .inflate
                .decompress(&data[used..], &mut self.out_buf, FlushDecompress::None)
                .map_err(|e| {
                    // Where the inflater stopped (it may have taken the bytes before).
                    let consumed = self.inflate.total_in() - before_in;
                    ArchiveError::at(
                        self.offset + used as u64 + consumed,
                        format!("gzip member's DEFLATE data does not decode: {e}"),
                    )
                })?;
            let consumed = (self.inflate.total_in() - before_in) as usize;
            let produced = (self.inflate.total_out() - before_out) as usize;
            used += consumed;
            if produced > 0 {
                let piece = &self.out_buf[..produced];
                self.crc.update(piece);
                self.length += produced as u64;
                let at = self.offset + used as u64;
                let name = self.name.clone();
                self.content
                    .write(piece, out)
                    .map_err(|e| e.inside(&name, at, "uncompressed content"))?;
            }
            match status {
                Status::StreamEnd => {
                    self.state = State::Trailer;
                    self.buf.clear();
                    return Ok(used);
                }
                _ if used == data.len() && produced < self.out_buf.len() => return Ok(used),
                _ if consumed == 0 && produced == 0 => return Ok(used),
                _ => {}
            }
        }
    }

    fn trailer(&mut self) -> Result<(), ArchiveError> {
        let at = self.offset - 8;
        let crc = u32::from_le_bytes([self.buf[0], self.buf[1], self.buf[2], self.buf[3]]);
        let size = u32::from_le_bytes([self.buf[4], self.buf[5], self.buf[6], self.buf[7]]);
        let computed = std::mem::take(&mut self.crc).finalize();
        if crc != computed {
            return Err(ArchiveError::at(
                at,
                format!(
                    "CRC-32 mismatch in the gzip member at byte {}: the trailer says {crc:08x}, the data has {computed:08x}",
                    self.member_start
                ),
            ));
        }
        if u64::from(size) != self.length & 0xffff_ffff {
            return Err(ArchiveError::at(
                at + 4,
                format!(
                    "length mismatch in the gzip member at byte {}: the trailer says {size} (mod 2^32), the data has {}",
                    self.member_start, self.length
                ),
            ));
        }
        self.members += 1;
        self.length = 0;
        self.inflate.reset(false);
        self.state = State::Between;
        self.buf.clear();
        Ok(())
    }
}

impl Sink for Reader {
    fn write(&mut self, mut data: &[u8], out: &mut Collector) -> Result<(), ArchiveError> {
        self.compressed += data.len() as u64;
        while !data.is_empty() {
            match self.state {
                State::Deflate => {
                    let used = self.deflate(data, out)?;
                    self.offset += used as u64;
                    data = &data[used..];
                    if used == 0 && self.state == State::Deflate {
                        return Err(ArchiveError::at(
                            self.offset,
                            "gzip member's DEFLATE data makes no progress",
                        ));
                    }
                }
                State::Between => {
                    // Another member, or trailing bytes that are not one.
                    self.member_start = self.offset;
                    self.state = State::Header;
                    self.buf.clear();
                }
                State::Text(len) => {
                    let byte = data[0];
                    data = &data[1..];
                    self.offset += 1;
                    if byte == 0 {
                        self.next_field();
                    } else if len >= MAX_FIELD {
                        return Err(ArchiveError::at(
                            self.offset,
                            "gzip header name or comment longer than 64 KiB",
                        ));
                    } else {
                        // Only the length matters: the text is not kept.
                        self.state = State::Text(len + 1);
                    }
                }
                _ => {
                    let need = match self.state {
                        State::Header => 10,
                        State::ExtraLength | State::HeaderCrc => 2,
                        State::Extra(len) => len,
                        _ => 8,
                    };
                    let take = (need - self.buf.len()).min(data.len());
                    self.buf.extend_from_slice(&data[..take]);
                    self.offset += take as u64;
                    data = &data[take..];
                    if self.buf.len() < need {
                        continue;
                    }
                    match self.state {
                        State::Header => {
                            if self.buf[..2] != MAGIC || self.buf[2] != 8 {
                                let what = if self.members > 0 {
                                    "bytes after the last gzip member that are not another member"
                                } else {
                                    "not a gzip member (magic 1f 8b, method 8)"
                                };
                                return Err(ArchiveError::at(self.member_start, what));
                            }
                            let flags = self.buf[3];
                            if flags & FTEXT_MASK != 0 {
                                return Err(ArchiveError::at(
                                    self.member_start + 3,
                                    format!("gzip header flags {flags:#04x} (reserved bits set)"),
                                ));
                            }
                            self.pending = flags;
                            self.next_field();
                        }
                        State::ExtraLength => {
                            let len = usize::from(u16::from_le_bytes([self.buf[0], self.buf[1]]));
                            self.buf.clear();
                            self.state = State::Extra(len);
                            if len == 0 {
                                self.next_field();
                            }
                        }
                        State::Extra(_) | State::HeaderCrc => self.next_field(),
                        State::Trailer => self.trailer()?,
                        _ => {}
                    }
                }
            }
        }
        Ok(())
    }

    fn finish(&mut self, out: &mut Collector) -> Result<(), ArchiveError> {
        match self.state {
            State::Between => {}
            State::Deflate => {
                return Err(ArchiveError::truncated(
                    self.offset,
                    "a gzip member's compressed data",
                ));
            }
            State::Trailer => {
                return Err(ArchiveError::truncated(
                    self.offset,
                    "a gzip member's trailer",
                ));
            }
            _ => {
                return Err(ArchiveError::truncated(
                    self.offset,
                    "a gzip member's header",
                ));
            }
        }
        out.report.checks.gzip_members += self.members;
        let at = self.offset;
        let name = self.name.clone();
        self.content
            .finish(out)
            .map_err(|e| e.inside(&name, at, "uncompressed content"))?;
        out.member(
            Member {
                name: self.name.clone(),
                bytes: self.compressed,
                content: self.content.format(),
                decompressed_bytes: Some(self.content.bytes()),
            },
            at,
        )?;
        Ok(())
    }
}
