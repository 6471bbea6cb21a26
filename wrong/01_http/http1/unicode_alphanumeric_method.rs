// wrong: method letters checked with char::is_alphanumeric, which accepts é and ж
// expect: ASCII token characters only
//! # Parsing the request-line
//!
//! Every HTTP/1.1 request starts with one line, the request-line
//! (RFC 9112 §3): `method SP request-target SP HTTP-version CRLF`, e.g.
//! `GET /users/7?verbose=1 HTTP/1.1`. The parts are separated by exactly one
//! space (SP); the CRLF is already removed before `parse_request_line` sees it,
//! so any other byte left at either end (a space, a stray CR) makes the line
//! invalid.
//!
//! - The method is a *token* (RFC 9110 §5.6.2): one or more letters, digits
//!   or ``!#$%&'*+-.^_`|~``. Methods are case-sensitive (RFC 9110 §9.1):
//!   `get` is not `GET`, so keep the method exactly as sent.
//! - The request-target is usually a path with an optional query, like
//!   `/users/7?x=1` (origin-form, RFC 9112 §3.2.1), or `*` for `OPTIONS`.
//!   It never contains spaces, and anything outside visible ASCII must be
//!   percent-encoded, so we accept a non-empty run of `'!'..='~'` characters.
//! - The version is exactly `HTTP/`, a digit, `.` and a digit
//!   (RFC 9112 §2.3), case-sensitive: `HTTP/1.1`, `HTTP/1.0`.
//!
//! Why so strict? A server that guesses what a malformed line meant may guess
//! differently from the proxy in front of it, and that disagreement is how
//! request smuggling attacks work (RFC 9112 §11.2). An invalid request-line
//! gets `400 Bad Request` (RFC 9112 §3).

#[derive(Debug, PartialEq)]
struct HttpVersion {
    major: u8,
    minor: u8,
}

#[derive(Debug, PartialEq)]
struct RequestLine {
    method: String,
    target: String,
    version: HttpVersion,
}

#[derive(Debug, PartialEq)]
enum ParseError {
    /// Not exactly three parts separated by single spaces.
    Malformed,
    InvalidMethod,
    InvalidTarget,
    InvalidVersion,
}

/// Is `c` allowed in a token such as a method name? (RFC 9110 §5.6.2)
fn is_tchar(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c)
}

/// Parses `HTTP/1.1` into `HttpVersion { major: 1, minor: 1 }`.
fn parse_version(s: &str) -> Result<HttpVersion, ParseError> {
    // TODO: `s` must be `HTTP/` followed by exactly three characters:
    // an ASCII digit, `.`, an ASCII digit. Anything else (`HTTP/1`,
    // `HTTP/1.10`, `http/1.1`) is `ParseError::InvalidVersion`.
    let rest = s.strip_prefix("HTTP/").ok_or(ParseError::InvalidVersion)?;
    match rest.as_bytes() {
        [major @ b'0'..=b'9', b'.', minor @ b'0'..=b'9'] => Ok(HttpVersion {
            major: major - b'0',
            minor: minor - b'0',
        }),
        _ => Err(ParseError::InvalidVersion),
    }
}

fn parse_request_line(line: &str) -> Result<RequestLine, ParseError> {
    // TODO: check the line in this order and return the first error found:
    // 1. Split it on single spaces (`line.split(' ')`): exactly three parts,
    //    otherwise `Malformed`. (Do not use `split_whitespace`: it would
    //    silently accept two spaces in a row.)
    // 2. The method is non-empty and every char `is_tchar`, else `InvalidMethod`.
    // 3. The target is non-empty and every char is visible ASCII
    //    (`char::is_ascii_graphic`), else `InvalidTarget`.
    // 4. The version goes through `parse_version`.
    let parts: Vec<&str> = line.split(' ').collect();
    let [method, target, version] = parts[..] else {
        return Err(ParseError::Malformed);
    };
    if method.is_empty() || !method.chars().all(|c| c.is_alphanumeric() || is_tchar(c)) {
        return Err(ParseError::InvalidMethod);
    }
    if target.is_empty() || !target.chars().all(|c| c.is_ascii_graphic()) {
        return Err(ParseError::InvalidTarget);
    }
    Ok(RequestLine {
        method: method.to_string(),
        target: target.to_string(),
        version: parse_version(version)?,
    })
}

fn main() {
    println!("{:?}", parse_request_line("GET /users/7 HTTP/1.1"));
    println!("{:?}", parse_request_line("GET  /users/7 HTTP/1.1"));
}
