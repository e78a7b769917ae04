//! The content of backup files: generated from the backup id and the offset, never stored.

use crate::mix;

/// Fills `buf` with the bytes of the backup file of `backup_id` starting at `offset`.
///
/// Every byte is a pure function of `(backup_id, offset + i)`: the sandbox serves a file of
/// any size (gigabytes, for benchmarks) without holding it in memory, a range request gets
/// exactly the bytes at those offsets, and a test can check a download without storing a copy.
/// The bytes look random (they do not compress), and differ between backups.
///
/// ```
/// let mut whole = vec![0; 100];
/// cloud_sandbox::fill_content("321020562", 0, &mut whole);
/// let mut tail = vec![0; 30];
/// cloud_sandbox::fill_content("321020562", 70, &mut tail);
/// assert_eq!(&whole[70..], &tail[..]);
/// ```
pub fn fill_content(backup_id: &str, offset: u64, buf: &mut [u8]) {
    fill_seeded(seed(backup_id), offset, buf);
}

/// The `len` bytes of the backup file of `backup_id` starting at `offset`: see
/// [`fill_content`].
///
/// ```
/// let bytes = cloud_sandbox::content("321020562", 1000, 16);
/// assert_eq!(bytes.len(), 16);
/// assert_eq!(bytes, cloud_sandbox::content("321020562", 1000, 16));
/// assert_ne!(bytes, cloud_sandbox::content("321020563", 1000, 16));
/// ```
pub fn content(backup_id: &str, offset: u64, len: usize) -> Vec<u8> {
    let mut buf = vec![0; len];
    fill_content(backup_id, offset, &mut buf);
    buf
}

/// Word `n` of the stream seeded with `seed`: the SplitMix64 sequence, one mixing round per
/// 8 bytes.
fn word(seed: u64, n: u64) -> u64 {
    mix::splitmix64(seed.wrapping_add(n.wrapping_mul(0x9E37_79B9_7F4A_7C15)))
}

/// The generator's seed for `backup_id`.
pub(crate) fn seed(backup_id: &str) -> u64 {
    mix::hash_parts(&["cloud-sandbox content", backup_id])
}

/// Fills `buf` with the bytes at `offset..` of the stream seeded with `seed`: byte `o` is byte
/// `o % 8` (little-endian) of the 64-bit word `o / 8`.
pub(crate) fn fill_seeded(seed: u64, offset: u64, buf: &mut [u8]) {
    let mut pos = offset;
    let mut out = buf;
    // A partial first word.
    let skip = (pos % 8) as usize;
    if skip != 0 && !out.is_empty() {
        let bytes = word(seed, pos / 8).to_le_bytes();
        let n = (8 - skip).min(out.len());
        out[..n].copy_from_slice(&bytes[skip..skip + n]);
        out = &mut out[n..];
        pos = pos.wrapping_add(n as u64);
    }
    // Whole words, then a partial last one.
    let mut chunks = out.chunks_exact_mut(8);
    for chunk in &mut chunks {
        chunk.copy_from_slice(&word(seed, pos / 8).to_le_bytes());
        pos = pos.wrapping_add(8);
    }
    let rest = chunks.into_remainder();
    if !rest.is_empty() {
        let bytes = word(seed, pos / 8).to_le_bytes();
        let n = rest.len();
        rest.copy_from_slice(&bytes[..n]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PINNED: [u8; 8] = [203, 207, 31, 75, 179, 62, 29, 110];

    #[test]
    fn any_split_gives_the_same_bytes() {
        let whole = content("id", 0, 200);
        for start in 0..40 {
            for len in 0..30 {
                let part = content("id", start, len);
                let start = start as usize;
                assert_eq!(part, &whole[start..start + len], "{start} {len}");
            }
        }
    }

    #[test]
    fn the_bytes_are_pinned() {
        // Users may keep checksums of sandbox files: the bytes must not change by accident.
        assert_eq!(content("321020562", 0, 8), PINNED);
    }

    #[test]
    fn far_offsets_work() {
        let far = u64::MAX - 20;
        assert_eq!(content("id", far, 20).len(), 20);
        assert_eq!(content("id", far + 3, 5), content("id", far, 8)[3..]);
    }
}
