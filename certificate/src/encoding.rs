//! How tokens travel: base64url without padding, in the `c` query parameter
//! of a verification URL.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

use crate::Invalid;

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

/// The verification URL of a token: `<public url>/verify?c=<token>`.
pub fn verification_url(public_url: &str, token_b64: &str) -> String {
    format!("{}/verify?c={token_b64}", public_url.trim_end_matches('/'))
}

/// The token in what a person gives: the token itself, or a verification URL
/// (what a QR code decodes to) carrying it in `c`.
pub fn token_from_input(input: &str) -> &str {
    let input = input.trim();
    match input.split_once('?') {
        Some((_, query)) if input.contains("://") || input.starts_with('/') => query
            .split('&')
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
        assert_eq!(token_from_input("  abc \n"), "abc");
        assert_eq!(token_from_input("https://x.test/verify?x=1"), "");
        assert_eq!(unb64(&b64(b"\x00\xff")).unwrap(), b"\x00\xff");
        assert_eq!(unb64("AP8=").unwrap(), b"\x00\xff");
        assert_eq!(unb64("not base64!"), Err(Invalid::NotBase64));
    }
}
