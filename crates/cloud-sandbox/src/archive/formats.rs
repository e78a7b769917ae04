//! The formats' framing: xbstream chunks, qpress files, tar members, gzip members of DEFLATE
//! stored blocks. All integers little-endian, except tar's octal text.

use std::sync::{Arc, Mutex};

use super::{Boxed, Chunks, Concat, Frame, Framed, Literal, Source, Window, for_each_piece};

/// The bytes of an xbstream `P` chunk header besides the path: magic 8, flags 1, type 1, path
/// length 4, payload length 8, offset 8, CRC-32 4.
pub(super) const XBSTREAM_HEADER: u64 = 34;
/// The most payload bytes of an xbstream chunk: xtrabackup's and mariabackup's 10 MiB
/// buffer.
pub(super) const XBSTREAM_CHUNK: u64 = 10 << 20;
/// A qpress block's header: `NEWBNEWB` 8, offset 8, Adler-32 4, QuickLZ header 9.
pub(super) const QPRESS_BLOCK_HEADER: u64 = 29;
/// Decompressed bytes a qpress block: qpress's and xtrabackup's default.
pub(super) const QPRESS_CHUNK: u64 = 64 * 1024;
/// A DEFLATE stored block's header: one byte of `BFINAL` and `BTYPE` 00, `LEN`, `NLEN`.
pub(super) const STORED_HEADER: u64 = 5;
/// The most bytes of a stored block.
const STORED_MAX: u64 = 65_535;
/// The tar bytes a gzip member holds (256 full stored blocks): one member's CRC-32 is
/// computed over at most this much when its trailer is read.
const GZIP_MEMBER_SPAN: u64 = 256 * STORED_MAX;

/// An xbstream `P` chunk header for `len` bytes of `path` at `offset` whose CRC-32 is `crc`.
pub(super) fn xbstream_header(path: &[u8], offset: u64, len: u64, crc: u32) -> Vec<u8> {
    let mut header = xbstream_start(path, b'P');
    header.extend_from_slice(&len.to_le_bytes());
    header.extend_from_slice(&offset.to_le_bytes());
    header.extend_from_slice(&crc.to_le_bytes());
    header
}

/// The start of every xbstream chunk: magic, flags (0), type, path.
fn xbstream_start(path: &[u8], kind: u8) -> Vec<u8> {
    let mut chunk = b"XBSTCK01".to_vec();
    chunk.push(0);
    chunk.push(kind);
    chunk.extend_from_slice(&(path.len() as u32).to_le_bytes());
    chunk.extend_from_slice(path);
    chunk
}

/// An xbstream `E` chunk: the end of `path`.
fn xbstream_end(path: &[u8]) -> Vec<u8> {
    xbstream_start(path, b'E')
}

/// The length of `path`'s `E` chunk.
fn xbstream_end_len(path: &str) -> u64 {
    14 + path.len() as u64
}

/// The 9-byte header of a stored QuickLZ level-1 packet of `len` bytes: flags `0x46`
/// (`01SSLLHC`: level 1, long header, not compressed), the packet's size, the data's size.
pub(super) fn quicklz_stored_header(len: u64) -> [u8; 9] {
    let mut header = [0x46, 0, 0, 0, 0, 0, 0, 0, 0];
    header[1..5].copy_from_slice(&((len + 9) as u32).to_le_bytes());
    header[5..9].copy_from_slice(&(len as u32).to_le_bytes());
    header
}

/// A qpress block header: `NEWBNEWB`, the block's offset in the file (the "recovery
/// information"), the Adler-32 of the packet, the packet's own header.
pub(super) fn qpress_block_header(offset: u64, adler: u32, packet: &[u8; 9]) -> Vec<u8> {
    let mut header = b"NEWBNEWB".to_vec();
    header.extend_from_slice(&offset.to_le_bytes());
    header.extend_from_slice(&adler.to_le_bytes());
    header.extend_from_slice(packet);
    header
}

/// A DEFLATE stored block header for `len` bytes.
pub(super) fn stored_header(last: bool, len: u64) -> Vec<u8> {
    let len = len as u16;
    let mut header = vec![u8::from(last)];
    header.extend_from_slice(&len.to_le_bytes());
    header.extend_from_slice(&(!len).to_le_bytes());
    header
}

/// One xbstream file: its `P` chunks (at most 10 MiB each) and its `E` chunk.
pub(super) fn xbstream_file(path: &str, data: impl Source + 'static) -> Concat {
    let chunks = Chunks::regular(data.len(), XBSTREAM_CHUNK);
    xbstream_framed(path, data, chunks)
}

/// One xbstream file in `chunks`.
fn xbstream_framed(path: &str, data: impl Source + 'static, chunks: Chunks) -> Concat {
    let mut file = Concat::default();
    let frame = Frame::Xbstream {
        path: path.as_bytes().to_vec(),
    };
    file.push(Framed::new(data, chunks, frame));
    file.bytes(xbstream_end(path.as_bytes()));
    file
}

/// The xbstream file `path` of exactly `size` bytes (chunks and `E` chunk) whose data of
/// the length that leaves comes from `data`; `None` when `size` is too small.
pub(super) fn xbstream_file_fitting<S: Source + 'static>(
    path: &str,
    size: u64,
    data: impl FnOnce(u64) -> Option<S>,
) -> Option<Concat> {
    let unframed = xbstream_end_len(path);
    let header = XBSTREAM_HEADER + path.len() as u64;
    fitting(
        size,
        unframed,
        XBSTREAM_CHUNK,
        header,
        data,
        |data, chunks| xbstream_framed(path, data, chunks),
    )
}

/// A file of exactly `size` bytes: `unframed` bytes around chunks of at most `chunk` bytes
/// behind `header` bytes each, the data (of the length that leaves) from `data`, put
/// together by `build`; `None` when `size` is too small.
fn fitting<S: Source + 'static>(
    size: u64,
    unframed: u64,
    chunk: u64,
    header: u64,
    data: impl FnOnce(u64) -> Option<S>,
    build: impl FnOnce(S, Chunks) -> Concat,
) -> Option<Concat> {
    let chunks = Chunks::fitting(size.checked_sub(unframed)?, chunk, header)?;
    let data = data(chunks.len)?;
    (data.len() == chunks.len).then(|| build(data, chunks))
}

/// The bytes of a qpress file around its blocks: the archive header and `F` record before,
/// `ENDSENDS` after.
fn qpress_overhead(name: &str) -> u64 {
    16 + 6 + name.len() as u64 + 16
}

/// A qpress archive of one file `name` holding `data`, in 64 KiB blocks.
pub(super) fn qpress_file(name: &str, data: impl Source + 'static) -> Concat {
    let chunks = Chunks::regular(data.len(), QPRESS_CHUNK);
    qpress_framed(name, data, chunks)
}

/// A qpress archive of one file `name` holding `data` in `chunks`.
fn qpress_framed(name: &str, data: impl Source + 'static, chunks: Chunks) -> Concat {
    let mut head = b"qpress10".to_vec();
    head.extend_from_slice(&QPRESS_CHUNK.to_le_bytes());
    head.push(b'F');
    head.extend_from_slice(&(name.len() as u32).to_le_bytes());
    head.extend_from_slice(name.as_bytes());
    head.push(0);
    let mut file = Concat::default();
    file.bytes(head);
    file.push(Framed::new(data, chunks, Frame::Qpress));
    let mut end = b"ENDSENDS".to_vec();
    end.extend_from_slice(&0u64.to_le_bytes());
    file.bytes(end);
    file
}

/// A qpress archive of one file `name` that is exactly `size` bytes, its data (of the
/// length that leaves) from `data`; `None` when `size` is too small.
pub(super) fn qpress_file_fitting<S: Source + 'static>(
    name: &str,
    size: u64,
    data: impl FnOnce(u64) -> Option<S>,
) -> Option<Concat> {
    let unframed = qpress_overhead(name);
    fitting(
        size,
        unframed,
        QPRESS_CHUNK,
        QPRESS_BLOCK_HEADER,
        data,
        |data, chunks| qpress_framed(name, data, chunks),
    )
}

/// The offset of the middle of the first block's data in a qpress file of `name` (where a
/// flipped byte breaks that block's Adler-32), if it has a block.
pub(super) fn qpress_first_block_middle(name: &str, file: &Concat) -> Option<u64> {
    let data = file.len().checked_sub(qpress_overhead(name))?;
    let first = data.checked_sub(QPRESS_BLOCK_HEADER)?.min(QPRESS_CHUNK);
    (first > 0).then(|| 16 + 6 + name.len() as u64 + QPRESS_BLOCK_HEADER + first / 2)
}

/// A tar member: the 512-byte ustar header, the data, zeros to the next 512 bytes.
pub(super) fn tar_member(tar: &mut Concat, name: &str, mtime: u64, data: impl Source + 'static) {
    let len = data.len();
    tar.bytes(tar_header(name, len, mtime));
    tar.push(data);
    let pad = tar_padded(len) - len;
    if pad > 0 {
        tar.bytes(vec![0; pad as usize]);
    }
}

/// The bytes of a tar member of `len` bytes of data.
pub(super) fn tar_member_len(len: u64) -> u64 {
    512 + tar_padded(len)
}

/// `len` rounded up to 512.
fn tar_padded(len: u64) -> u64 {
    len.div_ceil(512) * 512
}

/// The end of a tar archive: two zero blocks.
pub(super) const TAR_END: u64 = 1024;

/// A ustar header of a regular file (mode 0640, owner mysql 27:27).
fn tar_header(name: &str, len: u64, mtime: u64) -> Vec<u8> {
    let mut header = vec![0u8; 512];
    let put = |header: &mut [u8], at: usize, bytes: &[u8]| {
        let end = (at + bytes.len()).min(header.len());
        header[at..end].copy_from_slice(&bytes[..end - at]);
    };
    put(&mut header, 0, &name.as_bytes()[..name.len().min(100)]);
    put(&mut header, 100, b"0000640\0");
    put(&mut header, 108, b"0000033\0");
    put(&mut header, 116, b"0000033\0");
    put(&mut header, 124, format!("{len:011o}\0").as_bytes());
    put(
        &mut header,
        136,
        format!("{:011o}\0", mtime & 0o777_7777_7777).as_bytes(),
    );
    put(&mut header, 148, b"        ");
    header[156] = b'0';
    put(&mut header, 257, b"ustar\0");
    put(&mut header, 263, b"00");
    put(&mut header, 265, b"mysql");
    put(&mut header, 297, b"mysql");
    let sum: u32 = header.iter().map(|&b| u32::from(b)).sum();
    put(&mut header, 148, format!("{sum:06o}\0 ").as_bytes());
    header
}

/// A gzip file of exactly `size` bytes around the tar archive `tar(len)` makes (`len` a
/// multiple of 512 and at least `min_tar`: the length the tar's flexible member must bring
/// it to). `None` when `size` is too small.
///
/// Members of 256 stored blocks of 65,535 bytes each (the tar is not compressed: a sandbox
/// file's data is random), each a 10-byte header (no name, time 0, OS Unix) and a trailer
/// of the CRC-32 and length. What is left over after the last block (`size` less the tar
/// and the framing, less than a few KiB) is made up with empty stored blocks, as zlib writes
/// at a flush; the last of them is final.
pub(super) fn gzip_tar_fitting(
    size: u64,
    min_tar: u64,
    tar: impl FnOnce(u64) -> Option<Boxed>,
) -> Option<Concat> {
    let framing = |tar_len: u64| {
        let members = tar_len.div_ceil(GZIP_MEMBER_SPAN);
        let blocks =
            tar_len / GZIP_MEMBER_SPAN * 256 + (tar_len % GZIP_MEMBER_SPAN).div_ceil(STORED_MAX);
        members * 18 + blocks * STORED_HEADER
    };
    // The longest tar that fits with its framing, then shorter ones (512 bytes less each
    // time changes what is left over modulo 5) until the rest is whole empty blocks.
    let guess = size.checked_sub(framing(size))? / 512 * 512;
    let (tar_len, empties) = (0..64u64).find_map(|step| {
        let tar_len = guess.checked_sub(step * 512)?;
        if tar_len < min_tar || tar_len == 0 {
            return None;
        }
        let rest = size.checked_sub(tar_len + framing(tar_len))?;
        (rest % STORED_HEADER == 0).then_some((tar_len, rest / STORED_HEADER))
    })?;
    let tar: Arc<Mutex<Boxed>> = Arc::new(Mutex::new(tar(tar_len)?));
    let members = tar_len.div_ceil(GZIP_MEMBER_SPAN);
    let mut gzip = Concat::default();
    for m in 0..members {
        let start = m * GZIP_MEMBER_SPAN;
        let span = GZIP_MEMBER_SPAN.min(tar_len - start);
        let last = m + 1 == members;
        gzip.bytes(vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]);
        let window = || Window {
            source: Arc::clone(&tar),
            start,
            len: span,
        };
        let chunks = Chunks::regular(span, STORED_MAX);
        let last_is_final = !last || empties == 0;
        gzip.push(Framed::new(
            window(),
            chunks,
            Frame::Stored { last_is_final },
        ));
        if last {
            for k in 0..empties {
                gzip.bytes(stored_header(k + 1 == empties, 0));
            }
        }
        gzip.push(GzipTrailer {
            data: window(),
            trailer: None,
        });
    }
    (gzip.len() == size).then_some(gzip)
}

/// Where tar offset `t` is in the gzip file [`gzip_tar_fitting`] makes.
pub(super) fn gzip_offset_of_tar(t: u64) -> u64 {
    let member = t / GZIP_MEMBER_SPAN;
    let within = t % GZIP_MEMBER_SPAN;
    member * (GZIP_MEMBER_SPAN + 256 * STORED_HEADER + 18)
        + 10
        + within / STORED_MAX * (STORED_MAX + STORED_HEADER)
        + STORED_HEADER
        + within % STORED_MAX
}

/// A gzip member's trailer: the CRC-32 and the length (mod 2^32) of its data, computed on
/// the first read.
struct GzipTrailer {
    data: Window,
    trailer: Option<[u8; 8]>,
}

impl Source for GzipTrailer {
    fn len(&self) -> u64 {
        8
    }

    fn read_at(&mut self, offset: u64, buf: &mut [u8]) {
        let trailer = *self.trailer.get_or_insert_with(|| {
            let mut crc = crc32fast::Hasher::new();
            let len = self.data.len();
            for_each_piece(&mut self.data, 0, len, |piece| crc.update(piece));
            let mut trailer = [0; 8];
            trailer[..4].copy_from_slice(&crc.finalize().to_le_bytes());
            trailer[4..].copy_from_slice(&(len as u32).to_le_bytes());
            trailer
        });
        Literal(trailer.to_vec()).read_at(offset, buf);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tar_headers_checksum_like_gnu_tar() {
        // The checksum is the sum of the header's bytes with the field counted as spaces.
        let header = tar_header("a", 5, 0);
        let mut copy = header.clone();
        copy[148..156].copy_from_slice(b"        ");
        let sum: u32 = copy.iter().map(|&b| u32::from(b)).sum();
        let text = std::str::from_utf8(&header[148..154]).expect("octal");
        assert_eq!(u32::from_str_radix(text, 8).expect("octal"), sum);
        assert_eq!(&header[124..136], b"00000000005\0");
    }

    #[test]
    fn stored_headers_carry_the_complement() {
        assert_eq!(stored_header(true, 3), [1, 3, 0, 0xfc, 0xff]);
        assert_eq!(stored_header(false, 0), [0, 0, 0, 0xff, 0xff]);
    }
}
