//! How tokens travel. New QR codes carry `<public url>/verify#c=<digits>`:
//! the COSE_Sign1 bytes deflated and written in decimal digits, which a QR
//! code stores in its numeric mode (10 bits per 3 digits, denser than the
//! alphanumeric mode's base45 and than base64 in byte mode), and which sit
//! in a URL without escaping. In the fragment, browsers never send the token
//! to the server. Tokens issued before travel as base64url in `?c=`; both
//! forms are accepted everywhere.

use std::io::{Read, Write};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use flate2::read::DeflateDecoder;
use flate2::write::DeflateEncoder;
use flate2::Compression;

use crate::Invalid;

/// A token inflating to more than this is refused (a deflate bomb).
const MAX_TOKEN: u64 = 64 << 10;
/// Bytes per group of digits: 7 bytes (56 bits) fit 17 digits.
const GROUP: usize = 7;
/// Digits for a group of 1..=7 bytes: ceil(8 k log10 2), all distinct, so a
/// last, shorter group is recognised by its length.
const DIGITS: [usize; 8] = [0, 3, 5, 8, 10, 13, 15, 17];

/// Base64url (no padding) of bytes.
pub fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Bytes of base64url text; padding and surrounding whitespace are tolerated
/// because people paste tokens from mail and PDFs.
pub fn unb64(text: &str) -> Result<Vec<u8>, Invalid> {
    let text = text.trim().trim_end_matches('=');
    URL_SAFE_NO_PAD.decode(text).map_err(|_| Invalid::NotBase64)
}

/// Bytes as decimal digits, 7 bytes to 17 digits (big-endian per group).
pub fn digits(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 17 / 7 + 17);
    for group in bytes.chunks(GROUP) {
        let value = group.iter().fold(0u64, |acc, b| (acc << 8) | u64::from(*b));
        out.push_str(&format!("{value:0width$}", width = DIGITS[group.len()]));
    }
    out
}

/// Bytes of decimal digits written by `digits`.
pub fn undigits(text: &str) -> Result<Vec<u8>, Invalid> {
    let text = text.trim();
    if !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Invalid::NotBase64);
    }
    let full = text.len() / 17;
    let rest = text.len() % 17;
    let last = DIGITS
        .iter()
        .position(|d| *d == rest)
        .ok_or(Invalid::NotBase64)?;
    let mut out = Vec::with_capacity(full * GROUP + last);
    let mut push = |chunk: &str, n: usize| -> Result<(), Invalid> {
        let value: u64 = chunk.parse().map_err(|_| Invalid::NotBase64)?;
        if n < 8 && value >> (8 * n) != 0 {
            return Err(Invalid::NotBase64);
        }
        out.extend_from_slice(&value.to_be_bytes()[8 - n..]);
        Ok(())
    };
    for i in 0..full {
        push(&text[i * 17..(i + 1) * 17], GROUP)?;
    }
    if last > 0 {
        push(&text[full * 17..], last)?;
    }
    Ok(out)
}

/// The compact form of a token: raw deflate, then digits.
pub fn pack(token: &[u8]) -> String {
    let mut encoder = DeflateEncoder::new(Vec::new(), Compression::best());
    // Writing into memory does not fail.
    let _ = encoder.write_all(token);
    digits(&encoder.finish().unwrap_or_default())
}

/// The token of its compact form.
pub fn unpack(text: &str) -> Result<Vec<u8>, Invalid> {
    let deflated = undigits(text)?;
    let mut token = Vec::new();
    DeflateDecoder::new(deflated.as_slice())
        .take(MAX_TOKEN + 1)
        .read_to_end(&mut token)
        .map_err(|_| Invalid::NotBase64)?;
    if token.len() as u64 > MAX_TOKEN {
        return Err(Invalid::NotBase64);
    }
    Ok(token)
}

/// The token bytes of what travels: digits (the compact form) or base64url.
pub fn token_bytes(text: &str) -> Result<Vec<u8>, Invalid> {
    let text = text.trim();
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        unpack(text)
    } else {
        unb64(text)
    }
}

/// The verification URL printed before compact tokens: `<public url>/verify?c=<base64url>`.
pub fn verification_url(public_url: &str, token_b64: &str) -> String {
    format!("{}/verify?c={token_b64}", public_url.trim_end_matches('/'))
}

/// The verification URL of a token as QR codes carry it now:
/// `<public url>/verify#c=<compact form>`.
pub fn compact_verification_url(public_url: &str, token: &[u8]) -> String {
    format!(
        "{}/verify#c={}",
        public_url.trim_end_matches('/'),
        pack(token)
    )
}

/// The token in what a person gives: the token itself, or a verification URL
/// (what a QR code decodes to) carrying it in `c`, in the query or the fragment.
pub fn token_from_input(input: &str) -> &str {
    let input = input.trim();
    let is_url = input.contains("://") || input.starts_with('/');
    match input.find(['?', '#']) {
        Some(at) if is_url => input[at + 1..]
            .split(['&', '#'])
            .find_map(|pair| pair.strip_prefix("c="))
            .unwrap_or(""),
        _ => input,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_and_bare_tokens_give_the_token() {
        assert_eq!(token_from_input("https://x.test/verify?c=abc_-"), "abc_-");
        assert_eq!(token_from_input("https://x.test/verify?x=1&c=abc"), "abc");
        assert_eq!(token_from_input("https://x.test/verify#c=0123"), "0123");
        assert_eq!(token_from_input("/verify#c=0123"), "0123");
        assert_eq!(token_from_input("  abc \n"), "abc");
        assert_eq!(token_from_input("https://x.test/verify?x=1"), "");
        assert_eq!(unb64(&b64(b"\x00\xff")).unwrap(), b"\x00\xff");
        assert_eq!(unb64("AP8=").unwrap(), b"\x00\xff");
        assert_eq!(unb64("not base64!"), Err(Invalid::NotBase64));
    }

    #[test]
    fn digits_round_trip_every_length_and_refuse_what_no_bytes_give() {
        for len in 0..40 {
            let bytes: Vec<u8> = (0..len).map(|i| (i * 37 + 255) as u8).collect();
            let text = digits(&bytes);
            assert!(text.bytes().all(|b| b.is_ascii_digit()));
            assert_eq!(undigits(&text).unwrap(), bytes, "{len}");
        }
        assert_eq!(digits(&[0xff; 7]), "72057594037927935");
        assert!(undigits("1").is_err(), "no group has 1 digit");
        assert!(undigits("999").is_err(), "999 is more than one byte");
        assert!(undigits("12a").is_err());
        let token = b"a token of some length, as a certificate is".repeat(3);
        assert_eq!(token_bytes(&pack(&token)).unwrap(), token);
        assert_eq!(token_bytes(&b64(&token)).unwrap(), token);
        assert!(pack(&token).len() < b64(&token).len());
    }
}
