//! Backup files as real archives, generated at any offset and of any size.
//!
//! A file is a tree of [`Source`]s: random bytes and literal text at the leaves; above them
//! the framings of the formats the services ship (an xbstream chunk header before each
//! payload, a qpress block header before each QuickLZ packet, a DEFLATE stored-block header
//! before each piece of a gzip member, tar headers and padding). Every byte at any offset is
//! computed from the backup's id on demand: nothing is stored, a range request costs what it
//! reads (plus, at most, one chunk read again for the checksum in its header), and a file of
//! terabytes takes no memory.
//!
//! Each format is written from its public description (the layouts in `backup-archive`'s crate
//! docs), not with `backup-archive`'s code: the sandbox is the independent writer the verifier
//! is tested against. The sizes work out exactly: whatever size the catalogue gives a backup,
//! its archive is that many bytes (see [`Chunks::fitting`] and [`backup`]).

pub(crate) mod backup;
mod formats;

use std::sync::{Arc, Mutex, PoisonError};

use crate::content;

/// A byte stream whose bytes at any offset can be computed.
pub(crate) trait Source: Send {
    /// Its length in bytes.
    fn len(&self) -> u64;

    /// Fills `buf` with the bytes at `offset..`; bytes past the end are zeros.
    fn read_at(&mut self, offset: u64, buf: &mut [u8]);
}

/// A boxed source.
pub(crate) type Boxed = Box<dyn Source>;

impl Source for Boxed {
    fn len(&self) -> u64 {
        (**self).len()
    }

    fn read_at(&mut self, offset: u64, buf: &mut [u8]) {
        (**self).read_at(offset, buf);
    }
}

/// Random bytes: the content generator of [`crate::content`] with its own seed.
pub(crate) struct Random {
    pub(crate) seed: u64,
    pub(crate) len: u64,
}

impl Source for Random {
    fn len(&self) -> u64 {
        self.len
    }

    fn read_at(&mut self, offset: u64, buf: &mut [u8]) {
        let n = clamp(self.len, offset, buf.len());
        let (data, rest) = buf.split_at_mut(n);
        content::fill_seeded(self.seed, offset, data);
        rest.fill(0);
    }
}

/// Bytes held in memory (headers, text files).
pub(crate) struct Literal(pub(crate) Vec<u8>);

impl Source for Literal {
    fn len(&self) -> u64 {
        self.0.len() as u64
    }

    fn read_at(&mut self, offset: u64, buf: &mut [u8]) {
        let n = clamp(self.len(), offset, buf.len());
        let (data, rest) = buf.split_at_mut(n);
        if let Some(bytes) = usize::try_from(offset)
            .ok()
            .and_then(|start| self.0.get(start..start + n))
        {
            data.copy_from_slice(bytes);
        }
        rest.fill(0);
    }
}

/// How many of `want` bytes at `offset` a source of `len` bytes has.
fn clamp(len: u64, offset: u64, want: usize) -> usize {
    usize::try_from(len.saturating_sub(offset)).map_or(want, |left| left.min(want))
}

/// Sources one after the other.
#[derive(Default)]
pub(crate) struct Concat {
    parts: Vec<Boxed>,
    starts: Vec<u64>,
    len: u64,
}

impl Concat {
    /// Appends `part`; returns the offset it starts at.
    pub(crate) fn push(&mut self, part: impl Source + 'static) -> u64 {
        let start = self.len;
        self.len = self.len.saturating_add(part.len());
        self.starts.push(start);
        self.parts.push(Box::new(part));
        start
    }

    /// Appends literal bytes; returns the offset they start at.
    pub(crate) fn bytes(&mut self, bytes: Vec<u8>) -> u64 {
        self.push(Literal(bytes))
    }
}

impl Source for Concat {
    fn len(&self) -> u64 {
        self.len
    }

    fn read_at(&mut self, mut offset: u64, mut buf: &mut [u8]) {
        while !buf.is_empty() {
            // The last part starting at or before `offset` (an empty part is skipped over,
            // since the next one starts at the same offset).
            let index = self
                .starts
                .partition_point(|&s| s <= offset)
                .saturating_sub(1);
            let (Some(part), Some(&start)) = (self.parts.get_mut(index), self.starts.get(index))
            else {
                break;
            };
            let within = offset - start;
            let n = clamp(part.len(), within, buf.len());
            if n == 0 {
                break;
            }
            let (head, tail) = std::mem::take(&mut buf).split_at_mut(n);
            part.read_at(within, head);
            buf = tail;
            offset += n as u64;
        }
        buf.fill(0);
    }
}

/// A source shared by several readers (the tar stream under the members of a gzip file).
pub(crate) type Shared = Arc<Mutex<Boxed>>;

/// Bytes `start..start + len` of a shared source.
pub(crate) struct Window {
    pub(crate) source: Shared,
    pub(crate) start: u64,
    pub(crate) len: u64,
}

impl Source for Window {
    fn len(&self) -> u64 {
        self.len
    }

    fn read_at(&mut self, offset: u64, buf: &mut [u8]) {
        let n = clamp(self.len, offset, buf.len());
        let (data, rest) = buf.split_at_mut(n);
        self.source
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .read_at(self.start.saturating_add(offset), data);
        rest.fill(0);
    }
}

/// How the bytes of a stream are cut into chunks (xbstream payloads, qpress blocks, DEFLATE
/// stored blocks): `count` chunks of `size` bytes, the last shorter; or, when that many
/// chunks would hold too much, the last two splitting what is left between them.
///
/// The second shape is what makes exact sizes possible: with `h` header bytes a chunk,
/// `k` chunks frame `len + k·h` bytes, and a framed length just past `k` full chunks would
/// need `k + 1` headers for a byte or two of data. Splitting the last two chunks keeps the
/// count at `k + 1` with every chunk at most `size` bytes, so every framed length from
/// `h + 1` up can be made exactly ([`Chunks::fitting`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Chunks {
    /// The bytes of data.
    pub(crate) len: u64,
    /// The most bytes a chunk holds.
    size: u64,
    /// How many chunks.
    count: u64,
}

impl Chunks {
    /// `len` bytes in chunks of `size` (the last shorter).
    pub(crate) fn regular(len: u64, size: u64) -> Self {
        Self {
            len,
            size,
            count: len.div_ceil(size.max(1)),
        }
    }

    /// The chunking whose data plus `header` bytes a chunk is exactly `framed` bytes; `None`
    /// when `framed` is too small (at most `header` bytes, not 0) or `size` is not larger than
    /// `header + 2`.
    pub(crate) fn fitting(framed: u64, size: u64, header: u64) -> Option<Self> {
        if size <= header.checked_add(2)? {
            return None;
        }
        let count = framed.div_ceil(size.checked_add(header)?);
        let len = framed.checked_sub(count.checked_mul(header)?)?;
        let chunks = Self { len, size, count };
        // `count` chunks of at most `size` bytes, each at least one byte (the split shape
        // needs at least two chunks).
        let fits =
            len >= count && len <= count.checked_mul(size)? && (chunks.full_tail() || count >= 2);
        fits.then_some(chunks)
    }

    /// Whether the last chunk alone holds what the full ones leave (the usual shape).
    fn full_tail(&self) -> bool {
        self.count == 0 || self.len > (self.count - 1) * self.size
    }

    /// Chunk `index`: its offset in the data and its length.
    pub(crate) fn chunk(&self, index: u64) -> (u64, u64) {
        let size = self.size;
        let full = if self.full_tail() {
            self.count.saturating_sub(1)
        } else {
            self.count.saturating_sub(2)
        };
        if index < full {
            return (index * size, size);
        }
        let rest = self.len.saturating_sub(full * size);
        if self.full_tail() {
            return (full * size, rest);
        }
        let first = rest.div_ceil(2);
        if index == full {
            (full * size, first)
        } else {
            (full * size + first, rest - first)
        }
    }

    /// The chunk holding framed offset `offset` when each chunk has `header` bytes before its
    /// data, and the framed offset it starts at.
    fn locate(&self, offset: u64, header: u64) -> (u64, u64) {
        let last = self.count.saturating_sub(1);
        let mut index = (offset / (self.size + header)).min(last);
        loop {
            let start = index * header + self.chunk(index).0;
            if start > offset && index > 0 {
                index -= 1;
            } else if index < last && offset >= start + header + self.chunk(index).1 {
                index += 1;
            } else {
                return (index, start);
            }
        }
    }
}

/// What goes before each chunk of a [`Framed`] source.
pub(crate) enum Frame {
    /// An xbstream `P` chunk of the file `path`: its header ends with the payload's CRC-32.
    Xbstream { path: Vec<u8> },
    /// A qpress block: `NEWBNEWB`, the block's offset in the file, the Adler-32 of the
    /// QuickLZ packet, and the packet's 9-byte header (flags `0x46`: level 1, stored).
    Qpress,
    /// A DEFLATE stored block: `BFINAL`, `LEN`, `NLEN` (at most 65,535 bytes a block); the
    /// last block is final when `last_is_final`.
    Stored { last_is_final: bool },
}

impl Frame {
    /// The header's length.
    pub(crate) fn header_len(&self) -> u64 {
        match self {
            Frame::Xbstream { path } => formats::XBSTREAM_HEADER + path.len() as u64,
            Frame::Qpress => formats::QPRESS_BLOCK_HEADER,
            Frame::Stored { .. } => formats::STORED_HEADER,
        }
    }
}

/// A source cut into chunks, each behind a header that may carry a checksum of its data.
pub(crate) struct Framed {
    inner: Boxed,
    chunks: Chunks,
    frame: Frame,
    /// The header of the chunk read last: the next read is most likely in the same chunk.
    cached: Option<(u64, Vec<u8>)>,
}

impl Framed {
    /// `inner` in `chunks` (whose length must be `inner`'s), each behind `frame`'s header.
    pub(crate) fn new(inner: impl Source + 'static, chunks: Chunks, frame: Frame) -> Self {
        Self {
            inner: Box::new(inner),
            chunks,
            frame,
            cached: None,
        }
    }

    /// The header of chunk `index`, computed once for consecutive reads.
    fn header(&mut self, index: u64) -> &[u8] {
        if self.cached.as_ref().is_none_or(|(i, _)| *i != index) {
            let (start, len) = self.chunks.chunk(index);
            let last = index + 1 == self.chunks.count;
            let header = match &self.frame {
                Frame::Xbstream { path } => {
                    let mut crc = crc32fast::Hasher::new();
                    for_each_piece(&mut *self.inner, start, len, |piece| crc.update(piece));
                    formats::xbstream_header(path, start, len, crc.finalize())
                }
                Frame::Qpress => {
                    let packet = formats::quicklz_stored_header(len);
                    let mut adler = adler2::Adler32::new();
                    adler.write_slice(&packet);
                    for_each_piece(&mut *self.inner, start, len, |piece| {
                        adler.write_slice(piece)
                    });
                    formats::qpress_block_header(start, adler.checksum(), &packet)
                }
                Frame::Stored { last_is_final } => {
                    formats::stored_header(last && *last_is_final, len)
                }
            };
            self.cached = Some((index, header));
        }
        self.cached.as_ref().map_or(&[], |(_, header)| header)
    }
}

impl Source for Framed {
    fn len(&self) -> u64 {
        self.chunks.len + self.chunks.count * self.frame.header_len()
    }

    fn read_at(&mut self, mut offset: u64, mut buf: &mut [u8]) {
        let header_len = self.frame.header_len();
        let total = self.len();
        while !buf.is_empty() && offset < total {
            let (index, start) = self.chunks.locate(offset, header_len);
            let (data_start, data_len) = self.chunks.chunk(index);
            let within = offset - start;
            let n = if within < header_len {
                let header = self.header(index);
                let from = usize::try_from(within).unwrap_or(usize::MAX);
                let bytes = header.get(from..).unwrap_or(&[]);
                let n = bytes.len().min(buf.len());
                buf[..n].copy_from_slice(&bytes[..n]);
                n
            } else {
                let at = within - header_len;
                let n = clamp(data_len, at, buf.len());
                self.inner.read_at(data_start + at, &mut buf[..n]);
                n
            };
            if n == 0 {
                break;
            }
            buf = &mut std::mem::take(&mut buf)[n..];
            offset += n as u64;
        }
        buf.fill(0);
    }
}

/// Calls `consume` with bytes `start..start + len` of `source`, 64 KiB at a time.
pub(crate) fn for_each_piece(
    source: &mut dyn Source,
    start: u64,
    len: u64,
    mut consume: impl FnMut(&[u8]),
) {
    const PIECE: u64 = 64 * 1024;
    let mut buf = vec![0; usize::try_from(len.min(PIECE)).unwrap_or(0)];
    let mut done = 0;
    while done < len {
        let n = (len - done).min(PIECE) as usize;
        let piece = &mut buf[..n];
        source.read_at(start + done, piece);
        consume(piece);
        done += n as u64;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fitting_chunks_make_every_framed_length() {
        for (size, header) in [(10, 3), (64, 29), (7, 4)] {
            for framed in 0..400 {
                let Some(chunks) = Chunks::fitting(framed, size, header) else {
                    assert!(framed > 0 && framed <= header, "{framed} {size} {header}");
                    continue;
                };
                assert_eq!(chunks.len + chunks.count * header, framed);
                let mut next = 0;
                for i in 0..chunks.count {
                    let (start, len) = chunks.chunk(i);
                    assert_eq!(start, next, "{framed} {i}");
                    assert!((1..=size).contains(&len), "{framed} {i} {len}");
                    next += len;
                }
                assert_eq!(next, chunks.len);
            }
        }
        assert_eq!(
            Chunks::fitting(100, 5, 3),
            None,
            "a chunk no larger than its header"
        );
        assert_eq!(Chunks::fitting(u64::MAX, u64::MAX, 1), None);
    }

    #[test]
    fn locate_finds_every_offset() {
        let chunks = Chunks::fitting(95, 10, 3).expect("fits");
        let mut offset = 0;
        for i in 0..chunks.count {
            let (_, len) = chunks.chunk(i);
            for _ in 0..3 + len {
                assert_eq!(chunks.locate(offset, 3).0, i, "{offset}");
                offset += 1;
            }
        }
    }

    #[test]
    fn any_split_reads_the_same_bytes() {
        let mut concat = Concat::default();
        concat.bytes(b"head".to_vec());
        concat.bytes(Vec::new());
        let chunks = Chunks::fitting(300, 40, 5).expect("fits");
        concat.push(Framed::new(
            Random {
                seed: 7,
                len: chunks.len,
            },
            chunks,
            Frame::Stored {
                last_is_final: true,
            },
        ));
        concat.bytes(b"tail".to_vec());
        assert_eq!(concat.len(), 308);
        let mut whole = vec![0; 308];
        concat.read_at(0, &mut whole);
        for start in 0..308 {
            for len in [1, 2, 7, 45, 308] {
                let mut part = vec![0xAA; len];
                concat.read_at(start, &mut part);
                let end = (start as usize + len).min(308);
                assert_eq!(&part[..end - start as usize], &whole[start as usize..end]);
                assert!(part[end - start as usize..].iter().all(|&b| b == 0));
            }
        }
    }
}
