//! Hashes, MACs and their text forms (private).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::digest::KeyInit;
use hmac::{Hmac, Mac};
use sha1::Sha1;
use sha2::{Digest, Sha256};

/// Lower-case hex of `bytes`.
pub(crate) fn hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    push_hex(&mut out, bytes);
    out
}

/// Appends the lower-case hex of `bytes` to `out`.
pub(crate) fn push_hex(out: &mut String, bytes: &[u8]) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    out.reserve(bytes.len() * 2);
    for &b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
}

/// Appends the lower-case hex SHA-256 of `data` to `out`.
pub(crate) fn push_sha256_hex(out: &mut String, data: &[u8]) {
    push_hex(out, &Sha256::digest(data));
}

/// Lower-case hex SHA-256 of `data`.
pub(crate) fn sha256_hex(data: &[u8]) -> String {
    hex(&Sha256::digest(data))
}

/// HMAC over `data` with `key`.
fn hmac<M: Mac + KeyInit>(key: &[u8], data: &[u8]) -> hmac::digest::Output<M> {
    // HMAC accepts keys of any length, so `new_from_slice` never fails; the fallback only
    // keeps this function free of panics without an `unwrap`.
    let mut mac = <M as KeyInit>::new_from_slice(key)
        .unwrap_or_else(|_| <M as KeyInit>::new(&Default::default()));
    mac.update(data);
    mac.finalize().into_bytes()
}

/// Lower-case hex HMAC-SHA256.
pub(crate) fn hmac_sha256_hex(key: &[u8], data: &[u8]) -> String {
    hex(&hmac::<Hmac<Sha256>>(key, data))
}

/// Standard (padded) Base64 of HMAC-SHA1.
pub(crate) fn hmac_sha1_base64(key: &[u8], data: &[u8]) -> String {
    STANDARD.encode(hmac::<Hmac<Sha1>>(key, data))
}

/// Compares two strings in time that depends only on their lengths.
pub(crate) fn constant_time_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_digests() {
        assert_eq!(
            sha256_hex(b""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        // RFC 4231 test case 2.
        assert_eq!(
            hmac_sha256_hex(b"Jefe", b"what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        // RFC 2202 test case 2.
        assert_eq!(
            hmac_sha1_base64(b"Jefe", b"what do ya want for nothing?"),
            "7/zfauXrL6LSdBbV8YTfnCWafHk="
        );
        // Keys longer than the block size are hashed first; still no failure.
        assert_eq!(hmac_sha256_hex(&[0xaa; 131], b"x").len(), 64);
        assert_eq!(hmac_sha1_base64(b"", b"").len(), 28);
    }

    #[test]
    fn comparison() {
        assert!(constant_time_eq("abc", "abc"));
        assert!(!constant_time_eq("abc", "abd"));
        assert!(!constant_time_eq("abc", "ab"));
        assert!(constant_time_eq("", ""));
    }
}
