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
    // `s` must be `HTTP/` followed by exactly three characters:
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
    // The checks, in this order; the first error found is returned:
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
    if method.is_empty() || !method.chars().all(is_tchar) {
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

// not graded: prints two demo parses; the tests call `parse_request_line` directly
fn main() {
    println!("{:?}", parse_request_line("GET /users/7 HTTP/1.1"));
    println!("{:?}", parse_request_line("GET  /users/7 HTTP/1.1"));
}

// ---- grading tests: read them, but do not change them ----
#[cfg(test)]
#[path = "../../support/generated.rs"]
mod generated;

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn parses(line: &str, method: &str, target: &str, major: u8, minor: u8, why: &str) {
        let expected = RequestLine {
            method: method.to_string(),
            target: target.to_string(),
            version: HttpVersion { major, minor },
        };
        let got = parse_request_line(line);
        assert!(
            got.as_ref() == Ok(&expected),
            "parse_request_line({line:?}) should give Ok({expected:?}) ({why}), but gave {got:?}"
        );
    }

    fn rejects(expected: ParseError, cases: &[(&str, &str)]) {
        for (line, why) in cases {
            let got = parse_request_line(line);
            assert!(
                got.as_ref().err() == Some(&expected),
                "the request-line {line:?} should be rejected with {expected:?} ({why}), but parsing gave {got:?}"
            );
        }
    }

    #[test]
    fn parses_valid_request_lines() {
        let why = "a valid request-line";
        parses("GET /index.html HTTP/1.1", "GET", "/index.html", 1, 1, why);
        parses(
            "GET /find?q=a&n=2 HTTP/1.1",
            "GET",
            "/find?q=a&n=2",
            1,
            1,
            why,
        );
        parses("OPTIONS * HTTP/1.0", "OPTIONS", "*", 1, 0, why);
        parses(
            "M-SEARCH * HTTP/1.1",
            "M-SEARCH",
            "*",
            1,
            1,
            "`-` is a tchar",
        );
        let why = "any digit `.` digit is a version; the server decides what it supports";
        parses("GET / HTTP/1.2", "GET", "/", 1, 2, why);
    }

    #[test]
    fn method_is_kept_as_sent() {
        let why = "methods are case-sensitive (RFC 9110 §9.1): keep `get` as sent, never \
                   change its case";
        parses("get / HTTP/1.1", "get", "/", 1, 1, why);
    }

    #[test]
    fn not_three_parts_is_malformed() {
        rejects(
            ParseError::Malformed,
            &[
                ("GET /", "it has no version"),
                ("", "it is empty"),
                ("GET  / HTTP/1.1", "two spaces in a row"),
                (" GET / HTTP/1.1", "a leading space"),
                ("GET / HTTP/1.1 ", "a trailing space"),
                ("GET / HTTP/1.1 x", "four parts"),
                ("GET\t/ HTTP/1.1", "a tab is not the single space SP"),
            ],
        );
    }

    #[test]
    fn method_must_be_a_token() {
        rejects(
            ParseError::InvalidMethod,
            &[
                ("GE(T / HTTP/1.1", "`(` is not a tchar"),
                ("GÉT / HTTP/1.1", "`É` is not ASCII"),
                (" / HTTP/1.1", "the method before the first space is empty"),
            ],
        );
    }

    #[test]
    fn target_must_be_visible_ascii() {
        rejects(
            ParseError::InvalidTarget,
            &[
                (
                    "GET  HTTP/1.1",
                    "the target between the two spaces is empty",
                ),
                ("GET /café HTTP/1.1", "`é` must be percent-encoded"),
                ("GET /a\tb HTTP/1.1", "a tab is not visible ASCII"),
                (
                    "GET /a\u{7f}b HTTP/1.1",
                    "DEL (0x7F) is a control character",
                ),
                ("GET /a\0b HTTP/1.1", "NUL is a control character"),
            ],
        );
    }

    #[test]
    fn version_must_be_http_digit_dot_digit() {
        rejects(
            ParseError::InvalidVersion,
            &[
                ("GET / HTTP/1", "no minor version"),
                ("GET / HTTP/1.10", "two minor digits"),
                ("GET / HTTP/01.1", "two major digits"),
                ("GET / http/1.1", "`HTTP` is case-sensitive"),
                ("GET / HTTP/x.1", "`x` is not a digit"),
                ("GET / HTTP/+.1", "`+` is not a digit"),
                (
                    "GET / HTTP/1.1\r",
                    "a stray CR after the version: never trim it away",
                ),
            ],
        );
    }

    #[test]
    fn the_first_error_in_order_is_reported() {
        let rule = "check the method, then the target, then the version";
        rejects(ParseError::InvalidMethod, &[("GE(T /café HTTP/1", rule)]);
        rejects(ParseError::InvalidTarget, &[("GET /café HTTP/1", rule)]);
    }

    /// The rules of the TODOs, written out independently, as the oracle.
    fn oracle(line: &str) -> Result<RequestLine, ParseError> {
        let parts: Vec<&str> = line.split(' ').collect();
        if parts.len() != 3 {
            return Err(ParseError::Malformed);
        }
        let tchar = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c);
        if parts[0].is_empty() || !parts[0].chars().all(tchar) {
            return Err(ParseError::InvalidMethod);
        }
        if parts[1].is_empty() || !parts[1].chars().all(|c| ('!'..='~').contains(&c)) {
            return Err(ParseError::InvalidTarget);
        }
        let v: Vec<char> = parts[2].chars().collect();
        let digit = |c: char| c.is_ascii_digit();
        match v[..] {
            ['H', 'T', 'T', 'P', '/', a, '.', b] if digit(a) && digit(b) => Ok(RequestLine {
                method: parts[0].to_string(),
                target: parts[1].to_string(),
                version: HttpVersion {
                    major: a as u8 - b'0',
                    minor: b as u8 - b'0',
                },
            }),
            _ => Err(ParseError::InvalidVersion),
        }
    }

    /// A piece of a request line: mostly valid, often with one character from
    /// beyond ASCII (a letter, a Unicode space, a look-alike, a control).
    fn piece(valid: &'static [&'static str]) -> impl Strategy<Value = String> {
        let tricky = (
            crate::generated::tricky_char(),
            any::<proptest::sample::Index>(),
        );
        prop_oneof![
            4 => proptest::sample::select(valid.to_vec()).prop_map(String::from),
            2 => (proptest::sample::select(valid.to_vec()), tricky).prop_map(|(v, (c, at))| {
                let mut chars: Vec<char> = v.chars().collect();
                let i = at.index(chars.len() + 1);
                chars.insert(i, c);
                chars.into_iter().collect()
            }),
            1 => crate::generated::tricky_text(0, 6),
        ]
    }

    fn separator() -> impl Strategy<Value = String> {
        prop_oneof![
            8 => Just(" ".to_string()),
            1 => Just("  ".to_string()),
            1 => Just("\t".to_string()),
            1 => proptest::sample::select(crate::generated::UNICODE_SPACES.to_vec()).prop_map(String::from),
        ]
    }

    proptest! {
        #![proptest_config(crate::generated::config(256))]

        #[test]
        fn any_request_line_gets_the_verdict_of_the_rules(
            method in piece(&["GET", "POST", "DELETE", "M-SEARCH", "get", "X~!#$%&'*+.^_`|"]),
            target in piece(&["/", "/users/7", "/a?b=c&d=%20", "*", "http://x.test/p"]),
            version in piece(&["HTTP/1.1", "HTTP/1.0", "HTTP/2.0", "HTTP/9.9", "HTTP/1", "http/1.1", "HTTP/\u{ff11}.1"]),
            (sep1, sep2) in (separator(), separator()),
            extra in prop_oneof![6 => Just(String::new()), 1 => Just(" ".to_string()), 1 => Just("\r".to_string()), 1 => Just(" HTTP/1.1".to_string())],
        ) {
            let line = format!("{method}{sep1}{target}{sep2}{version}{extra}");
            let want = oracle(&line);
            let got = parse_request_line(&line);
            prop_assert_eq!(
                &got, &want,
                "parse_request_line({:?}) gave the left, but should give the right: exactly \
                 three parts split on single spaces (no other white space, not even Unicode \
                 spaces, RFC 9112 §3), a method of ASCII token characters only (RFC 9110 \
                 §5.6.2), a target of visible ASCII only, and `HTTP/` with one ASCII digit, \
                 `.`, one ASCII digit, case as written (RFC 9112 §2.3); the first rule broken \
                 decides the error",
                line
            );
        }
    }
}
