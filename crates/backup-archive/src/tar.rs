//! tar (POSIX ustar, pax and GNU): 512-byte headers, each with a checksum, followed by the
//! member's data padded to 512 bytes; two zero blocks end the archive.

use crate::ArchiveError;
use crate::content::{Content, Sink, Unpack, joined};
use crate::report::{Collector, Member};

const BLOCK: usize = 512;

/// The longest GNU long name or pax header kept.
const MAX_META: u64 = 64 * 1024;

/// Whether `head` (at least the first block, or all of a shorter input) is a tar header.
pub(crate) fn looks_like_tar(head: &[u8]) -> bool {
    head.len() >= BLOCK && (head[257..262] == *b"ustar" || checksum_ok(&head[..BLOCK]))
}

/// Whether a header block's checksum field matches its bytes (summed unsigned, or signed as
/// some old writers did), the field itself counted as spaces.
fn checksum_ok(block: &[u8]) -> bool {
    let Some(stored) = octal(&block[148..156]) else {
        return false;
    };
    let mut unsigned: u64 = 0;
    let mut signed: i64 = 0;
    for (i, &byte) in block.iter().enumerate() {
        let byte = if (148..156).contains(&i) { b' ' } else { byte };
        unsigned += u64::from(byte);
        signed += i64::from(byte as i8);
    }
    stored == unsigned || i64::try_from(stored).is_ok_and(|s| s == signed)
}

/// An octal field: digits, surrounded by spaces or NULs.
fn octal(field: &[u8]) -> Option<u64> {
    let text = std::str::from_utf8(field).ok()?;
    let text = text.trim_matches(|c| c == ' ' || c == '\0');
    if text.is_empty() {
        return Some(0);
    }
    u64::from_str_radix(text, 8).ok()
}

/// The size field: octal, or base-256 (GNU) when its first byte has the high bit set.
fn size_field(field: &[u8]) -> Option<u64> {
    if field[0] & 0x80 != 0 {
        let mut value: u64 = u64::from(field[0] & 0x7f);
        for &byte in &field[1..] {
            value = value.checked_mul(256)?.checked_add(u64::from(byte))?;
        }
        return Some(value);
    }
    octal(field)
}

/// A NUL-terminated text field.
fn text(field: &[u8]) -> String {
    let end = field.iter().position(|&b| b == 0).unwrap_or(field.len());
    String::from_utf8_lossy(&field[..end]).into_owned()
}

enum State {
    Header,
    Data {
        name: String,
        remaining: u64,
        padding: u64,
        size: u64,
        content: Option<Box<Content>>,
        meta: Option<(u8, Vec<u8>)>,
    },
    /// After the first zero block.
    End,
}

/// The tar reader.
pub(crate) struct Reader {
    prefix: String,
    depth: usize,
    state: State,
    buf: Vec<u8>,
    offset: u64,
    header_at: u64,
    long_name: Option<String>,
    /// The previous block was a zero block (the first of the two that end the archive).
    zero_block: bool,
    unpack: Unpack,
}

impl Reader {
    pub(crate) fn new(prefix: &str, depth: usize, unpack: Unpack) -> Self {
        Self {
            prefix: prefix.to_owned(),
            depth,
            unpack,
            state: State::Header,
            buf: Vec::with_capacity(BLOCK),
            offset: 0,
            header_at: 0,
            long_name: None,
            zero_block: false,
        }
    }

    fn header(&mut self, out: &mut Collector) -> Result<(), ArchiveError> {
        let block = std::mem::take(&mut self.buf);
        let at = self.header_at;
        if block.iter().all(|&b| b == 0) {
            if self.zero_block {
                self.state = State::End;
            } else {
                self.zero_block = true;
                self.buf = block;
                self.buf.clear();
                self.header_at = self.offset;
            }
            return Ok(());
        }
        // A lone zero block inside the archive (GNU tar reads on past one).
        self.zero_block = false;
        if !checksum_ok(&block) {
            return Err(ArchiveError::at(
                at + 148,
                format!(
                    "tar header checksum mismatch (member {:?})",
                    text(&block[..100])
                ),
            ));
        }
        out.report.checks.tar_headers += 1;
        let Some(size) = size_field(&block[124..136]) else {
            return Err(ArchiveError::at(
                at + 124,
                "tar header size is not a number",
            ));
        };
        let kind = block[156];
        let mut name = text(&block[..100]);
        if block[257..262] == *b"ustar" {
            let prefix = text(&block[345..500]);
            if !prefix.is_empty() {
                name = format!("{prefix}/{name}");
            }
        }
        if let Some(long) = self.long_name.take() {
            name = long;
        }
        let has_data = matches!(kind, b'0' | b'\0' | b'7' | b'x' | b'g' | b'L' | b'K');
        let size = if has_data { size } else { 0 };
        let meta = matches!(kind, b'x' | b'g' | b'L' | b'K');
        if meta && size > MAX_META {
            return Err(ArchiveError::at(
                at + 124,
                format!("tar extended header of {size} bytes (at most {MAX_META})"),
            ));
        }
        let full = joined(&self.prefix, &name);
        if self.unpack.extracts() && !meta {
            self.extractable(kind, &name, at, out)?;
        }
        let content = (!meta && has_data).then(|| {
            Box::new(Content::with_role(
                &full,
                self.depth,
                self.unpack.member(&name),
            ))
        });
        self.state = State::Data {
            name: full,
            remaining: size,
            padding: (BLOCK as u64 - size % BLOCK as u64) % BLOCK as u64,
            size,
            content,
            meta: meta.then(|| (kind, Vec::new())),
        };
        self.buf = block;
        self.buf.clear();
        if size == 0 {
            self.end_of_data(out)?;
        }
        Ok(())
    }

    /// Extracting: a directory entry is made a directory; only regular files and directories
    /// are extracted, so a link (which could point anywhere), a device or a FIFO is an error.
    fn extractable(
        &self,
        kind: u8,
        name: &str,
        at: u64,
        out: &mut Collector,
    ) -> Result<(), ArchiveError> {
        let what = match kind {
            b'0' | b'\0' | b'7' => return Ok(()),
            b'5' => {
                if let Unpack::Into { dir, .. } = &self.unpack {
                    out.directory(&joined(dir, name), at)?;
                }
                return Ok(());
            }
            b'1' => "a hard link",
            b'2' => "a symbolic link",
            b'3' | b'4' => "a device",
            b'6' => "a FIFO",
            _ => "an entry of a type this tool does not extract",
        };
        Err(ArchiveError::at(
            at + 156,
            format!(
                "tar member {name:?} is {what} (type {:?}): only regular files and directories \
                 are extracted",
                char::from(kind)
            ),
        ))
    }

    fn end_of_data(&mut self, out: &mut Collector) -> Result<(), ArchiveError> {
        let state = std::mem::replace(&mut self.state, State::Header);
        if let State::Data {
            name,
            size,
            content,
            meta,
            ..
        } = state
        {
            if let Some((kind, data)) = meta {
                let text = String::from_utf8_lossy(&data).into_owned();
                self.long_name = match kind {
                    b'L' => Some(text.trim_end_matches('\0').to_owned()),
                    b'x' => pax_path(&text),
                    _ => self.long_name.take(),
                };
            } else if let Some(mut content) = content {
                let at = self.offset;
                content
                    .finish(out)
                    .map_err(|e| e.inside(&name, at, "data"))?;
                out.member(
                    Member {
                        name,
                        bytes: size,
                        content: content.format(),
                        decompressed_bytes: None,
                    },
                    at,
                )?;
            } else {
                out.member(
                    Member {
                        name,
                        bytes: 0,
                        content: None,
                        decompressed_bytes: None,
                    },
                    self.offset,
                )?;
            }
        }
        self.header_at = self.offset;
        Ok(())
    }
}

/// The `path` of a pax extended header (`<len> path=<value>\n` records).
fn pax_path(text: &str) -> Option<String> {
    text.lines().find_map(|line| {
        let (_, record) = line.split_once(' ')?;
        record.strip_prefix("path=").map(str::to_owned)
    })
}

impl Sink for Reader {
    fn write(&mut self, mut data: &[u8], out: &mut Collector) -> Result<(), ArchiveError> {
        while !data.is_empty() {
            match &mut self.state {
                State::Header => {
                    let take = (BLOCK - self.buf.len()).min(data.len());
                    self.buf.extend_from_slice(&data[..take]);
                    self.offset += take as u64;
                    data = &data[take..];
                    if self.buf.len() == BLOCK {
                        self.header(out)?;
                    }
                }
                State::Data {
                    name,
                    remaining,
                    padding,
                    content,
                    meta,
                    ..
                } => {
                    if *remaining > 0 {
                        let take = (*remaining).min(data.len() as u64) as usize;
                        let piece = &data[..take];
                        if let Some(content) = content {
                            let at = self.offset;
                            content
                                .write(piece, out)
                                .map_err(|e| e.inside(name, at, "data"))?;
                        }
                        if let Some((_, kept)) = meta {
                            kept.extend_from_slice(piece);
                        }
                        *remaining -= take as u64;
                        self.offset += take as u64;
                        data = &data[take..];
                    } else {
                        let take = (*padding).min(data.len() as u64) as usize;
                        *padding -= take as u64;
                        self.offset += take as u64;
                        data = &data[take..];
                    }
                    if let State::Data {
                        remaining: 0,
                        padding: 0,
                        ..
                    } = self.state
                    {
                        self.end_of_data(out)?;
                    }
                }
                State::End => {
                    // Zero blocks up to the record size follow; anything else is ignored
                    // (nothing after the end marker is part of the archive).
                    self.offset += data.len() as u64;
                    data = &[];
                }
            }
        }
        Ok(())
    }

    fn finish(&mut self, _out: &mut Collector) -> Result<(), ArchiveError> {
        match &self.state {
            State::End => {}
            State::Header if self.buf.is_empty() => {
                let what = if self.zero_block {
                    "truncated: the tar archive ends after the first of its two end-of-archive blocks"
                } else {
                    "truncated: the tar archive has no end-of-archive blocks"
                };
                return Err(ArchiveError::at(self.offset, what));
            }
            State::Header => {
                return Err(ArchiveError::truncated(self.offset, "a tar header"));
            }
            State::Data { name, .. } => {
                return Err(ArchiveError::truncated(
                    self.offset,
                    &format!("the data of tar member {name}"),
                ));
            }
        }
        Ok(())
    }
}
