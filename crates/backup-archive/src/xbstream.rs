//! xbstream (Percona XtraBackup `--stream=xbstream`, MariaDB `mbstream`): a sequence of
//! chunks, each file's chunks in order but files interleaved; see the crate docs for the
//! layout.

use std::collections::HashMap;

use crate::ArchiveError;
use crate::content::{Content, Sink, Unpack, joined};
use crate::report::{Collector, Member};

/// The magic every chunk starts with.
pub(crate) const MAGIC: &[u8] = b"XBSTCK01";

/// The fixed part of a chunk header: magic, flags, type, path length.
const CONSTANT: usize = 14;

/// The longest path a chunk may carry (the readers' `FN_REFLEN` - 1).
pub(crate) const MAX_PATH: usize = 511;

/// The most sparse-map entries one chunk may carry (Percona 8.0 `S` chunks).
pub(crate) const MAX_SPARSE_ENTRIES: u32 = 65_536;

/// The most files open at once (begun, their end-of-file chunk not yet seen). xtrabackup
/// interleaves as many as it has copy threads.
pub(crate) const MAX_OPEN_FILES: usize = 1024;

/// The chunk flag of a chunk a reader may skip when it does not know its type.
const FLAG_IGNORABLE: u8 = 0x01;

/// Where the reader is.
enum State {
    /// Reading a header; `need` is how many bytes it has in all, known so far.
    Header { need: usize },
    /// Passing `remaining` payload bytes of `path` on.
    Payload {
        path: String,
        remaining: u64,
        expected: u32,
        crc: crc32fast::Hasher,
        skip: bool,
        /// A sparse chunk's map still to apply: (bytes to skip, bytes of payload) entries.
        sparse: std::collections::VecDeque<(u64, u64)>,
    },
}

/// One file of the stream being reassembled.
struct OpenFile {
    next_offset: u64,
    content: Content,
}

/// The xbstream reader.
pub(crate) struct Reader {
    prefix: String,
    depth: usize,
    state: State,
    head: Vec<u8>,
    offset: u64,
    chunk_start: u64,
    files: HashMap<String, OpenFile>,
    unpack: Unpack,
}

impl Reader {
    pub(crate) fn new(prefix: &str, depth: usize, unpack: Unpack) -> Self {
        Self {
            prefix: prefix.to_owned(),
            depth,
            unpack,
            state: State::Header { need: CONSTANT },
            head: Vec::with_capacity(CONSTANT + MAX_PATH + 24),
            offset: 0,
            chunk_start: 0,
            files: HashMap::new(),
        }
    }

    /// The header so far is complete up to `need`: either a larger `need`, or the chunk's
    /// payload state (or the end of a file).
    fn header_step(&mut self, out: &mut Collector) -> Result<(), ArchiveError> {
        let head = &self.head;
        let at = self.chunk_start;
        if &head[..8] != MAGIC {
            return Err(ArchiveError::at(
                at,
                "not an xbstream chunk: the magic XBSTCK01 is missing",
            ));
        }
        let flags = head[8];
        let kind = head[9];
        let path_len = u32_le(&head[10..14]) as usize;
        if path_len > MAX_PATH {
            return Err(ArchiveError::at(
                at + 10,
                format!("chunk path of {path_len} bytes (at most {MAX_PATH})"),
            ));
        }
        let after_path = CONSTANT + path_len;
        if head.len() < after_path {
            self.state = State::Header { need: after_path };
            return Ok(());
        }
        let path = String::from_utf8_lossy(&head[CONSTANT..after_path]).into_owned();
        if path.is_empty() {
            return Err(ArchiveError::at(at + 14, "chunk with an empty path"));
        }
        match kind {
            b'E' => {
                self.end_of_file(&path, out)?;
                self.next_chunk();
                Ok(())
            }
            b'P' | b'S' => self.payload_header(path, kind, after_path, false),
            _ if flags & FLAG_IGNORABLE != 0 => self.payload_header(path, kind, after_path, true),
            other => Err(ArchiveError::at(
                at + 9,
                format!(
                    "unknown chunk type {:?} in a chunk of {path}",
                    char::from(other)
                ),
            )),
        }
    }

    /// The rest of a `P` or `S` header (or an ignorable unknown one, read as `P`).
    fn payload_header(
        &mut self,
        path: String,
        kind: u8,
        after_path: usize,
        skip: bool,
    ) -> Result<(), ArchiveError> {
        let at = self.chunk_start;
        let sparse = kind == b'S';
        let mut fixed = after_path + 20;
        if sparse {
            if self.head.len() < after_path + 4 {
                self.state = State::Header {
                    need: after_path + 4,
                };
                return Ok(());
            }
            let entries = u32_le(&self.head[after_path..after_path + 4]);
            if entries > MAX_SPARSE_ENTRIES {
                return Err(ArchiveError::at(
                    at + after_path as u64,
                    format!("sparse map of {entries} entries (at most {MAX_SPARSE_ENTRIES})"),
                ));
            }
            fixed += 4 + 8 * entries as usize;
        }
        if self.head.len() < fixed {
            self.state = State::Header { need: fixed };
            return Ok(());
        }
        let fields = if sparse { after_path + 4 } else { after_path };
        let length = u64_le(&self.head[fields..fields + 8]);
        let file_offset = u64_le(&self.head[fields + 8..fields + 16]);
        let expected = u32_le(&self.head[fields + 16..fields + 20]);
        let mut crc = crc32fast::Hasher::new();
        let mut advance = length;
        let mut entries = std::collections::VecDeque::new();
        if sparse {
            let map = &self.head[fields + 20..fixed];
            crc.update(map);
            let mut mapped = 0u64;
            for entry in map.chunks_exact(8) {
                let (skip, len) = (
                    u64::from(u32_le(&entry[..4])),
                    u64::from(u32_le(&entry[4..])),
                );
                advance = advance.saturating_add(skip);
                mapped = mapped.saturating_add(len);
                entries.push_back((skip, len));
            }
            if mapped != length {
                return Err(ArchiveError::at(
                    at,
                    format!(
                        "sparse chunk of {path}: its map covers {mapped} bytes, its payload is {length}"
                    ),
                ));
            }
        }
        if !skip {
            let open = self.files.len();
            let file = match self.files.get_mut(&path) {
                Some(file) => file,
                None => {
                    if open >= MAX_OPEN_FILES {
                        return Err(ArchiveError::at(
                            at,
                            format!("more than {MAX_OPEN_FILES} files open at once"),
                        ));
                    }
                    let name = joined(&self.prefix, &path);
                    let role = self.unpack.member(&path);
                    self.files.entry(path.clone()).or_insert(OpenFile {
                        next_offset: 0,
                        content: Content::with_role(&name, self.depth, role),
                    })
                }
            };
            if file.next_offset != file_offset {
                return Err(ArchiveError::at(
                    at,
                    format!(
                        "out-of-order chunk: it starts at offset {file_offset}, the file is at {}",
                        file.next_offset
                    ),
                )
                .in_member(path.clone()));
            }
            file.next_offset = file.next_offset.saturating_add(advance);
        }
        self.state = State::Payload {
            path,
            remaining: length,
            expected,
            crc,
            skip,
            sparse: entries,
        };
        Ok(())
    }

    /// An `E` chunk: the file is complete.
    fn end_of_file(&mut self, path: &str, out: &mut Collector) -> Result<(), ArchiveError> {
        let name = joined(&self.prefix, path);
        // A file without payload chunks (empty) has only its `E` chunk.
        let mut file = self.files.remove(path).unwrap_or_else(|| OpenFile {
            next_offset: 0,
            content: Content::with_role(&name, self.depth, self.unpack.member(path)),
        });
        let at = self.chunk_start;
        file.content
            .finish(out)
            .map_err(|e| e.inside(&name, at, "content"))?;
        out.member(
            Member {
                name,
                bytes: file.content.bytes(),
                content: file.content.format(),
                decompressed_bytes: None,
            },
            at,
        )
    }

    fn next_chunk(&mut self) {
        self.head.clear();
        self.chunk_start = self.offset;
        self.state = State::Header { need: CONSTANT };
    }
}

impl Sink for Reader {
    fn write(&mut self, mut data: &[u8], out: &mut Collector) -> Result<(), ArchiveError> {
        while !data.is_empty() {
            match &mut self.state {
                State::Header { need } => {
                    let take = (*need - self.head.len()).min(data.len());
                    self.head.extend_from_slice(&data[..take]);
                    self.offset += take as u64;
                    data = &data[take..];
                    if self.head.len() == *need {
                        self.header_step(out)?;
                    }
                }
                State::Payload {
                    path,
                    remaining,
                    crc,
                    skip,
                    sparse,
                    ..
                } => {
                    let take = (*remaining).min(data.len() as u64) as usize;
                    let (piece, rest) = data.split_at(take);
                    crc.update(piece);
                    if !*skip && let Some(file) = self.files.get_mut(path.as_str()) {
                        let at = self.offset;
                        let name = joined(&self.prefix, path);
                        pass_on(&mut file.content, sparse, piece, out)
                            .map_err(|e| e.inside(&name, at, "content"))?;
                    }
                    self.offset += take as u64;
                    *remaining -= take as u64;
                    data = rest;
                    if *remaining == 0 {
                        self.end_payload(out)?;
                    }
                }
            }
        }
        // A payload of zero bytes ends as soon as its header does.
        if let State::Payload { remaining: 0, .. } = self.state {
            self.end_payload(out)?;
        }
        Ok(())
    }

    fn finish(&mut self, out: &mut Collector) -> Result<(), ArchiveError> {
        if let State::Payload { remaining: 0, .. } = self.state {
            self.end_payload(out)?;
        }
        match &self.state {
            State::Header { .. } if self.head.is_empty() => {}
            State::Header { .. } => {
                return Err(ArchiveError::truncated(self.offset, "a chunk header"));
            }
            State::Payload { path, .. } => {
                return Err(
                    ArchiveError::truncated(self.offset, "the payload of a chunk")
                        .in_member(path.clone()),
                );
            }
        }
        if let Some(path) = self.files.keys().min() {
            return Err(ArchiveError::at(
                self.offset,
                format!(
                    "truncated: {path} (and {} other file(s)) has no end-of-file chunk",
                    self.files.len() - 1
                ),
            ));
        }
        Ok(())
    }
}

impl Reader {
    /// Completes a chunk whose payload has all been read (or is empty): its CRC-32 (of the
    /// payload, after the sparse map) must be the one its header gave.
    fn end_payload(&mut self, out: &mut Collector) -> Result<(), ArchiveError> {
        if let State::Payload {
            path,
            expected,
            crc,
            skip,
            sparse,
            ..
        } = &mut self.state
        {
            // The map's last skips (a file ending in a hole).
            if !*skip
                && !sparse.is_empty()
                && let Some(file) = self.files.get_mut(path.as_str())
            {
                let name = joined(&self.prefix, path);
                pass_on(&mut file.content, sparse, &[], out)
                    .map_err(|e| e.inside(&name, self.offset, "content"))?;
            }
            let computed = std::mem::take(crc).finalize();
            if computed != *expected {
                return Err(ArchiveError::at(
                    self.chunk_start,
                    format!(
                        "CRC-32 mismatch in a chunk: the chunk says {:08x}, its payload has {computed:08x}",
                        *expected
                    ),
                )
                .in_member(path.clone()));
            }
            out.report.checks.xbstream_chunks_crc32 += 1;
        }
        self.next_chunk();
        Ok(())
    }
}

/// Passes `piece` of a chunk's payload on to `content`: as it is, or, for a sparse chunk, with
/// the holes its map puts before each run of payload bytes (`map` is consumed as it goes; with
/// an empty `piece` the holes left are passed on).
fn pass_on(
    content: &mut Content,
    map: &mut std::collections::VecDeque<(u64, u64)>,
    mut piece: &[u8],
    out: &mut Collector,
) -> Result<(), ArchiveError> {
    if map.is_empty() {
        return content.write(piece, out);
    }
    while let Some((skip, len)) = map.front_mut() {
        if *skip > 0 {
            content.hole(*skip, out)?;
            *skip = 0;
        }
        if *len == 0 {
            map.pop_front();
            continue;
        }
        if piece.is_empty() {
            break;
        }
        let take = (*len).min(piece.len() as u64) as usize;
        content.write(&piece[..take], out)?;
        *len -= take as u64;
        piece = &piece[take..];
    }
    Ok(())
}

pub(crate) fn u32_le(bytes: &[u8]) -> u32 {
    let mut word = [0u8; 4];
    word.copy_from_slice(&bytes[..4]);
    u32::from_le_bytes(word)
}

pub(crate) fn u64_le(bytes: &[u8]) -> u64 {
    let mut word = [0u8; 8];
    word.copy_from_slice(&bytes[..8]);
    u64::from_le_bytes(word)
}
