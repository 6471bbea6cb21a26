// wrong: characters are looked up as `c as u8`, so a non-ASCII character like ł passes as B
// expect: only the 64 characters
//! # base64url without padding
//!
//! Tokens travel in URLs, headers and cookies, which only take text. Base64
//! turns any bytes into text: every 3 bytes (24 bits) become 4 characters of
//! 6 bits each, taken from a 64-character alphabet. The standard alphabet ends
//! in `+` and `/`, which mean something in URLs, so "base64url" (RFC 4648 §5)
//! uses `-` and `_` instead. JSON Web Tokens use base64url *without* the `=`
//! padding (RFC 7515 §2, "Base64url Encoding"), and so does this exercise.
//!
//! Without padding the last group can be short:
//! - 3 bytes -> 4 characters, 2 bytes -> 3 characters, 1 byte -> 2 characters;
//! - so going back, 4 characters -> 3 bytes, 3 -> 2, 2 -> 1, and a group of a
//!   single character is impossible (6 bits cannot make a byte): a text whose
//!   length is `4k + 1` is not valid base64url.
//!
//! Take the first 3 bytes `b0 b1 b2` as one number
//! `n = (b0 << 16) | (b1 << 8) | b2`; its characters are the sextets
//! `n >> 18`, `n >> 12`, `n >> 6` and `n`, each masked with `& 0b11_1111`
//! and looked up in `ALPHABET`. Decoding runs the same steps backwards.
//! A decoder must reject anything outside the alphabet, including `+`, `/`,
//! `=` and whitespace: tokens are compared and signed as exact strings.
//! For the same reason it rejects a last group whose leftover bits are not
//! zero: 2 characters carry 12 bits for 1 byte, 3 carry 18 for 2, and the 4
//! or 2 bits left over must be 0. Otherwise `Zg` and `Zh` would both decode
//! to `f`, and one token could be written several ways (RFC 4648 §3.5; the
//! `base64` crate rejects them too).
//!
//! Read more: RFC 4648 §4, §5 and the test vectors in §10.
//! (In real code use the `base64` crate, as the later exercises do; here you
//! write it once by hand to see there is no magic.)

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

#[derive(Debug, PartialEq)]
enum DecodeError {
    InvalidCharacter(char),
    InvalidLength,
    /// The leftover bits of the last group are not all zero.
    NonCanonical,
}

/// The 6-bit value of a base64url character, e.g. `'A'` -> 0, `'_'` -> 63.
fn sextet(c: char) -> Option<u32> {
    ALPHABET
        .iter()
        .position(|&a| a == c as u8)
        .map(|i| i as u32)
}

fn encode(bytes: &[u8]) -> String {
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let mut n = 0u32;
        for (i, &byte) in chunk.iter().enumerate() {
            n |= u32::from(byte) << (16 - 8 * i);
        }
        for i in 0..=chunk.len() {
            out.push(ALPHABET[((n >> (18 - 6 * i)) & 0b11_1111) as usize] as char);
        }
    }
    out
}

fn decode(text: &str) -> Result<Vec<u8>, DecodeError> {
    let mut values = Vec::new();
    for c in text.chars() {
        values.push(sextet(c).ok_or(DecodeError::InvalidCharacter(c))?);
    }
    if values.len() % 4 == 1 {
        return Err(DecodeError::InvalidLength);
    }
    let mut out = Vec::new();
    for group in values.chunks(4) {
        let mut n = 0u32;
        for (i, value) in group.iter().enumerate() {
            n |= value << (18 - 6 * i);
        }
        let bytes = group.len() - 1;
        // The bits below the last decoded byte must all be zero.
        if n & ((1 << (24 - 8 * bytes)) - 1) != 0 {
            return Err(DecodeError::NonCanonical);
        }
        for i in 0..bytes {
            out.push((n >> (16 - 8 * i)) as u8);
        }
    }
    Ok(out)
}

fn main() {
    println!("{}", encode(b"{\"alg\":\"HS256\"}"));
    println!("{:?}", decode("eyJhbGciOiJIUzI1NiJ9"));
}
