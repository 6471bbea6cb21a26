// wrong: escapes decoded only with uppercase hex digits (%C3 but not %c3)
// expect: upper- or lowercase hex
//! # Query strings and percent-decoding
//!
//! In `GET /search?q=caf%C3%A9+au+lait&page=2 HTTP/1.1` the part after `?` is
//! the *query*: `name=value` pairs joined by `&`, and only by `&`. (Some old
//! servers also split on `;`. A cache or firewall that does not then sees other
//! parameters than the server: the "parameter cloaking" attack.) Characters that
//! mean something in a URL (`&`, `=`, `/`, `?`, `#`, space, anything non-ASCII) cannot appear
//! as themselves inside a value, so they are *percent-encoded*: each byte is
//! written as `%` and two hex digits (RFC 3986 §2.1). `%2F` is `/`, and `%C3%A9`
//! are the two UTF-8 bytes of `é`.
//!
//! HTML forms add one rule (`application/x-www-form-urlencoded`, WHATWG URL
//! Standard §5): a space may be sent as `+`, so a real `+` arrives as `%2B`.
//! That rule is for queries and form bodies only; in a path, `+` is just `+`.
//!
//! The order of the steps matters, and getting it wrong is a classic bug:
//! - split on `&` and on the first `=` *before* decoding, or `q=a%26b`
//!   (the value `a&b`) is cut in two; names are decoded exactly like values
//!   (`first+name=x` is the name `first name`);
//! - turn `+` into a space *before* percent-decoding, or `%2B` becomes a space.
//!
//! A `%` that is not followed by two hex digits is malformed. The WHATWG parser
//! lets it through unchanged; we are stricter and reject it (and decoded bytes
//! that are not UTF-8), so the server can answer 400 Bad Request instead of
//! guessing what the client meant.
//!
//! Read more: RFC 3986 §2.1 and §3.4; https://url.spec.whatwg.org/#urlencoded-parsing

#[derive(Debug, PartialEq)]
enum DecodeError {
    /// A `%` not followed by two hex digits, e.g. `%zz` or a lone `%` at the end.
    InvalidEscape,
    /// The decoded bytes are not valid UTF-8, e.g. `%FF`.
    InvalidUtf8,
}

/// Percent-decodes one component (RFC 3986 §2.1). `+` stays `+`.
fn percent_decode(input: &str) -> Result<String, DecodeError> {
    let bytes = input.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = |b: u8| match b {
                b'0'..=b'9' => Some(u32::from(b - b'0')),
                b'A'..=b'F' => Some(u32::from(b - b'A' + 10)),
                _ => None,
            };
            let hi = bytes.get(i + 1).and_then(|&b| hex(b));
            let lo = bytes.get(i + 2).and_then(|&b| hex(b));
            match (hi, lo) {
                (Some(hi), Some(lo)) => out.push((hi * 16 + lo) as u8),
                _ => return Err(DecodeError::InvalidEscape),
            }
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| DecodeError::InvalidUtf8)
}

/// Decodes one form-encoded name or value: `+` is a space, then percent-decoding.
fn form_decode(input: &str) -> Result<String, DecodeError> {
    percent_decode(&input.replace('+', " "))
}

/// Parses a query string (without the `?`) into decoded `(name, value)` pairs,
/// in order. Empty pieces (`a=1&&b=2`) are skipped; `flag` without `=` has the
/// value `""`.
fn parse_query(query: &str) -> Result<Vec<(String, String)>, DecodeError> {
    let mut pairs = Vec::new();
    for piece in query.split('&').filter(|piece| !piece.is_empty()) {
        let (name, value) = piece.split_once('=').unwrap_or((piece, ""));
        pairs.push((form_decode(name)?, form_decode(value)?));
    }
    Ok(pairs)
}

fn main() {
    // Try it: `cargo run --bin http5`
    println!("{:?}", parse_query("q=caf%C3%A9+au+lait&page=2"));
}
