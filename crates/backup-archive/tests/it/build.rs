//! Archives built byte by byte from the documented layouts (the crate docs), for tests.

use std::io::Write;

/// One xbstream `P` chunk of `path` at file `offset`.
pub(crate) fn xb_payload(path: &str, offset: u64, payload: &[u8]) -> Vec<u8> {
    let mut chunk = b"XBSTCK01".to_vec();
    chunk.push(0);
    chunk.push(b'P');
    chunk.extend_from_slice(&(path.len() as u32).to_le_bytes());
    chunk.extend_from_slice(path.as_bytes());
    chunk.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    chunk.extend_from_slice(&offset.to_le_bytes());
    chunk.extend_from_slice(&crc32fast::hash(payload).to_le_bytes());
    chunk.extend_from_slice(payload);
    chunk
}

/// One xbstream `E` chunk of `path`.
pub(crate) fn xb_end(path: &str) -> Vec<u8> {
    let mut chunk = b"XBSTCK01".to_vec();
    chunk.push(0);
    chunk.push(b'E');
    chunk.extend_from_slice(&(path.len() as u32).to_le_bytes());
    chunk.extend_from_slice(path.as_bytes());
    chunk
}

/// An xbstream of `files`, each cut into chunks of at most `chunk` bytes, the files'
/// chunks interleaved round-robin as parallel copy threads write them.
pub(crate) fn xbstream(files: &[(&str, &[u8])], chunk: usize) -> Vec<u8> {
    let mut out = Vec::new();
    let mut next: Vec<Option<usize>> = vec![Some(0); files.len()];
    loop {
        let mut any = false;
        for (i, (path, data)) in files.iter().enumerate() {
            let Some(at) = next[i] else { continue };
            any = true;
            if at == data.len() {
                out.extend(xb_end(path));
                next[i] = None;
            } else {
                let end = (at + chunk).min(data.len());
                out.extend(xb_payload(path, at as u64, &data[at..end]));
                next[i] = Some(end);
            }
        }
        if !any {
            return out;
        }
    }
}

/// A qpress archive of one file `name`, in blocks of `chunk_size` (QuickLZ level 1, as
/// xtrabackup writes).
pub(crate) fn qpress(name: &str, data: &[u8], chunk_size: usize) -> Vec<u8> {
    let mut out = b"qpress10".to_vec();
    out.extend_from_slice(&(chunk_size as u64).to_le_bytes());
    out.push(b'F');
    out.extend_from_slice(&(name.len() as u32).to_le_bytes());
    out.extend_from_slice(name.as_bytes());
    out.push(0);
    let mut offset = 0u64;
    for block in data.chunks(chunk_size) {
        let packet = quicklz::compress(block, quicklz::CompressionLevel::Lvl1);
        out.extend_from_slice(b"NEWBNEWB");
        out.extend_from_slice(&offset.to_le_bytes());
        out.extend_from_slice(&adler32(&packet).to_le_bytes());
        out.extend_from_slice(&packet);
        offset += block.len() as u64;
    }
    out.extend_from_slice(b"ENDSENDS");
    out.extend_from_slice(&0u64.to_le_bytes());
    out
}

/// zlib's Adler-32, the textbook loop.
pub(crate) fn adler32(data: &[u8]) -> u32 {
    let (mut a, mut b) = (1u32, 0u32);
    for &byte in data {
        a = (a + u32::from(byte)) % 65_521;
        b = (b + a) % 65_521;
    }
    (b << 16) | a
}

/// `data` gzipped by flate2.
pub(crate) fn gzip(data: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(data).expect("in memory");
    encoder.finish().expect("in memory")
}

/// One xbstream `S` (sparse) chunk of `path` at file `offset`: `map` is (bytes to skip, bytes
/// of payload) entries, `payload` their bytes one after another.
pub(crate) fn xb_sparse(path: &str, offset: u64, map: &[(u32, u32)], payload: &[u8]) -> Vec<u8> {
    let mut chunk = b"XBSTCK01".to_vec();
    chunk.push(0);
    chunk.push(b'S');
    chunk.extend_from_slice(&(path.len() as u32).to_le_bytes());
    chunk.extend_from_slice(path.as_bytes());
    chunk.extend_from_slice(&(map.len() as u32).to_le_bytes());
    chunk.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    chunk.extend_from_slice(&offset.to_le_bytes());
    let mut crc = crc32fast::Hasher::new();
    let mut encoded = Vec::new();
    for (skip, len) in map {
        encoded.extend_from_slice(&skip.to_le_bytes());
        encoded.extend_from_slice(&len.to_le_bytes());
    }
    crc.update(&encoded);
    crc.update(payload);
    chunk.extend_from_slice(&crc.finalize().to_le_bytes());
    chunk.extend_from_slice(&encoded);
    chunk.extend_from_slice(payload);
    chunk
}

/// A ustar archive of regular files, ended by two zero blocks.
pub(crate) fn tar(files: &[(&str, &[u8])]) -> Vec<u8> {
    let entries: Vec<(&str, u8, &str, &[u8])> = files
        .iter()
        .map(|(name, data)| (*name, b'0', "", *data))
        .collect();
    tar_entries(&entries)
}

/// A ustar archive of (name, type, link target, data) entries, ended by two zero blocks.
pub(crate) fn tar_entries(entries: &[(&str, u8, &str, &[u8])]) -> Vec<u8> {
    let mut out = Vec::new();
    for (name, kind, link, data) in entries {
        let mut header = [0u8; 512];
        header[..name.len()].copy_from_slice(name.as_bytes());
        header[157..157 + link.len()].copy_from_slice(link.as_bytes());
        header[100..108].copy_from_slice(b"0000644\0");
        header[108..116].copy_from_slice(b"0000000\0");
        header[116..124].copy_from_slice(b"0000000\0");
        header[124..136].copy_from_slice(format!("{:011o}\0", data.len()).as_bytes());
        header[136..148].copy_from_slice(b"00000000000\0");
        header[156] = *kind;
        header[257..263].copy_from_slice(b"ustar\0");
        header[263..265].copy_from_slice(b"00");
        header[148..156].copy_from_slice(b"        ");
        let sum: u32 = header.iter().map(|&b| u32::from(b)).sum();
        header[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
        out.extend_from_slice(&header);
        out.extend_from_slice(data);
        out.resize(out.len().div_ceil(512) * 512, 0);
    }
    out.extend_from_slice(&[0u8; 1024]);
    out
}

/// Deterministic bytes that compress somewhat (text-like, with repeats).
pub(crate) fn sample(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|i| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            if i % 7 < 4 {
                b"INSERT INTO t VALUES"[i % 20]
            } else {
                (x % 26) as u8 + b'a'
            }
        })
        .collect()
}
