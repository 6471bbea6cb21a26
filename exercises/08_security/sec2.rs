//! # Request framing: chunked bodies, and request smuggling
//!
//! A body of unknown length (a stream, a file being generated) is sent with
//! `Transfer-Encoding: chunked` (RFC 9112 §7.1): a series of chunks, each a size
//! in hexadecimal and its bytes, ended by a chunk of size 0:
//!
//! ```text
//! 4\r\nWiki\r\n          chunk-size (1*HEXDIG, any case) [;extensions] CRLF, data, CRLF
//! 5;lang=en\r\npedia\r\n  extensions (after `;`) are ignored by who does not know them
//! 0\r\n                  the last chunk
//! X-Checksum: 7f\r\n     trailer fields (optional): read, then dropped here
//! \r\n                   the end of the body
//! ```
//!
//! Decode it strictly. The size is hex digits only: no sign, no `0x`, no leading
//! space (`u64::from_str_radix` accepts `+4`: check the digits yourself), and one
//! too large to count is a size like any other. Each chunk's data is followed by
//! exactly CRLF. Enforce the body limit *while* decoding, before reading a chunk
//! that would pass it (413 Content Too Large): the sizes are the client's word, and
//! a hostile one announces terabytes. A size too big for any integer is past every
//! limit, so it is 413 too, not 400: well formed, only too large.
//!
//! **Why strict: request smuggling.** A proxy in front of your server and the
//! server itself must agree where each request ends. Here is a request with
//! two framings (CL.TE: the proxy goes by `Content-Length`, the server by
//! `Transfer-Encoding`):
//!
//! ```text
//! POST /search HTTP/1.1\r\n
//! Host: shop.example\r\n
//! Content-Length: 48\r\n              the proxy: the body is the next 48 bytes,
//! Transfer-Encoding: chunked\r\n       all of them; it checked POST /search, fine
//! \r\n
//! 0\r\n                                the server: the chunked body ends here...
//! \r\n
//! GET /admin HTTP/1.1\r\n              ...and this is the next request, which
//! Host: shop.example\r\n               the proxy never saw as one
//! \r\n
//! ```
//!
//! The proxy forwards one request; the server answers two, and `GET /admin`
//! passes no check of the proxy's (or, sent without its last lines, is glued
//! to the next user's request on the same connection). The mirror image,
//! TE.CL, has the proxy decode the chunks and the server read a short
//! `Content-Length`: the rest of the chunked body becomes the next request.
//! RFC 9112 §6.1 and §6.3 close these doors:
//! - `Transfer-Encoding` with `Content-Length`: a server MAY reject the request,
//!   or MAY process it by `Transfer-Encoding` alone (ignoring the length);
//!   either way it MUST close the connection after answering. This course
//!   chooses to reject: 400, then close (nothing valid needs both);
//! - `Transfer-Encoding` whose last coding is not `chunked` (the codings of all
//!   `Transfer-Encoding` fields, in order, comma-separated, any case): the body's
//!   length cannot be known: the server MUST answer 400 and close;
//! - `chunked` applied twice is invalid (§6.1: a sender MUST NOT apply it
//!   twice): 400; any other coding before it is one this server does not
//!   implement: 501 Not Implemented (§6.1: SHOULD).
//!
//! After a refusal the provided loop answers and closes: bytes after it are never
//! read as a request. Read more: RFC 9112 §6.1, §6.3, §7.1;
//! https://portswigger.net/web-security/request-smuggling

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::TcpListener;

/// The longest line (request line, header field or chunk-size line), CRLF included.
const MAX_LINE: usize = 1024;
/// The most bytes of header fields (or of trailer fields) in one request.
const MAX_FIELDS: usize = 8 * 1024;

/// A refused request: the status to answer before closing the connection.
type Refusal = &'static str;

struct Request {
    method: String,
    target: String,
    headers: Vec<(String, String)>,
}

impl Request {
    /// The values of every header field called `name` (any case), in order.
    fn values(&self, name: &str) -> Vec<&str> {
        let named = self
            .headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name));
        named.map(|(_, value)| value.as_str()).collect()
    }
}

/// Provided: reads one line that ends in CRLF (at most `MAX_LINE` bytes), without the CRLF.
/// `Ok(None)`: the input ended before the line began.
fn read_line(reader: &mut impl BufRead) -> Result<Option<String>, Refusal> {
    let mut line = Vec::new();
    let limit = MAX_LINE as u64;
    let read = reader.by_ref().take(limit).read_until(b'\n', &mut line);
    match read {
        Ok(0) => Ok(None),
        Ok(_) => match line.strip_suffix(b"\r\n") {
            Some(line) => String::from_utf8(line.to_vec())
                .map(Some)
                .or(Err("400 Bad Request")),
            None => Err("400 Bad Request"), // too long, a bare LF, or cut off
        },
        Err(_) => Err("400 Bad Request"),
    }
}

/// Provided: reads header (or trailer) fields up to the empty line, `max` bytes at most.
fn read_fields(reader: &mut impl BufRead, max: usize) -> Result<Vec<(String, String)>, Refusal> {
    let (mut fields, mut used) = (Vec::new(), 0);
    loop {
        let line = read_line(reader)?.ok_or("400 Bad Request")?;
        used += line.len() + 2;
        if used > max {
            return Err("431 Request Header Fields Too Large");
        }
        if line.is_empty() {
            return Ok(fields);
        }
        let (name, value) = line.split_once(':').ok_or("400 Bad Request")?;
        let tchar = |b: u8| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b);
        if name.is_empty() || !name.bytes().all(tchar) {
            return Err("400 Bad Request");
        }
        fields.push((
            name.to_string(),
            value.trim_matches([' ', '\t']).to_string(),
        ));
    }
}

/// Provided (http8): the body length that `Content-Length` gives.
fn content_length(request: &Request, max_body: usize) -> Result<usize, Refusal> {
    match request.values("Content-Length")[..] {
        [] => Ok(0),
        [value] if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) => {
            match value.parse::<usize>() {
                Ok(length) if length <= max_body => Ok(length),
                _ => Err("413 Content Too Large"),
            }
        }
        _ => Err("400 Bad Request"),
    }
}

/// How the body of a request is delimited.
#[derive(Debug, PartialEq)]
enum Framing {
    Length(usize),
    Chunked,
}

/// Decides how the request's body is framed, or refuses the request.
// TODO: this version refuses every `Transfer-Encoding`, as http8 did. Decide by the rules
// of the lesson instead (header names and codings in any case; the codings of all the
// `Transfer-Encoding` fields, in order, split at commas, spaces around them and empty ones
// ignored): `chunked` alone is `Framing::Chunked`; `Transfer-Encoding` together with
// `Content-Length` (this server's choice of the two the RFC allows), or whose last coding is
// not `chunked`, or with `chunked` twice, is "400 Bad Request"; another coding before
// `chunked` is "501 Not Implemented".
fn framing(request: &Request, max_body: usize) -> Result<Framing, Refusal> {
    if !request.values("Transfer-Encoding").is_empty() {
        return Err("501 Not Implemented");
    }
    content_length(request, max_body).map(Framing::Length)
}

/// Reads a chunked body (RFC 9112 §7.1), trailer fields included, and returns its data.
// TODO: decode the chunks up to the last one (size 0) and its trailer fields (`read_fields`
// reads them; drop them). A size is one or more hex digits (any case), then optionally
// spaces or tabs and `;` with extensions to ignore; anything else is "400 Bad Request". A
// chunk that would take the body past `max_body` is "413 Content Too Large" before any of
// its data is read (a size too big to count, too). The data must be followed by exactly
// "\r\n" ("400 Bad Request"; so is input that ends too early).
fn read_chunked(reader: &mut impl BufRead, max_body: usize) -> Result<Vec<u8>, Refusal> {
    todo!()
}

/// Provided: reads one request and its body. `Ok(None)`: the client is done.
fn read_request(
    reader: &mut impl BufRead,
    max_body: usize,
) -> Result<Option<(Request, Vec<u8>)>, Refusal> {
    let Some(line) = read_line(reader)? else {
        return Ok(None);
    };
    let parts: Vec<&str> = line.split(' ').collect();
    let [method, target, version] = parts[..] else {
        return Err("400 Bad Request");
    };
    if version != "HTTP/1.1" {
        return Err("505 HTTP Version Not Supported");
    }
    let (method, target) = (method.into(), target.into());
    let headers = read_fields(reader, MAX_FIELDS)?;
    let request = Request {
        method,
        target,
        headers,
    };
    let body = match framing(&request, max_body)? {
        Framing::Length(length) => {
            let mut body = vec![0; length];
            reader.read_exact(&mut body).or(Err("400 Bad Request"))?;
            body
        }
        Framing::Chunked => read_chunked(reader, max_body)?,
    };
    Ok(Some((request, body)))
}

fn write_response(out: &mut impl Write, status: &str, body: &[u8], close: bool) -> io::Result<()> {
    let close = if close { "Connection: close\r\n" } else { "" };
    let length = body.len();
    write!(
        out,
        "HTTP/1.1 {status}\r\nContent-Length: {length}\r\n{close}\r\n"
    )?;
    out.write_all(body)?;
    out.flush()
}

/// Provided: answers the requests of one connection until it ends or a request is refused.
fn handle_connection(
    reader: &mut impl BufRead,
    out: &mut impl Write,
    max_body: usize,
) -> io::Result<()> {
    loop {
        let (request, body) = match read_request(reader, max_body) {
            Ok(Some(request)) => request,
            Ok(None) => return Ok(()),
            Err(status) => return write_response(out, status, b"", true), // then close
        };
        match (request.method.as_str(), request.target.as_str()) {
            ("POST", "/echo") => write_response(out, "200 OK", &body, false)?,
            ("GET", "/") => write_response(out, "200 OK", b"hello\n", false)?,
            _ => write_response(out, "404 Not Found", b"", false)?,
        }
    }
}

fn main() -> io::Result<()> {
    // Try: curl -v -H 'Transfer-Encoding: chunked' --data-binary ping http://127.0.0.1:8080/echo
    let listener = TcpListener::bind("127.0.0.1:8080")?;
    for stream in listener.incoming() {
        let stream = stream?;
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stream.try_clone()?);
            handle_connection(&mut reader, &mut &stream, 1024 * 1024)
        });
    }
    Ok(())
}

// ---- grading tests: read them, but do not change them ----
#[cfg(test)]
#[path = "../../support/generated.rs"]
mod generated;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generated::any_case;
    use proptest::prelude::*;

    const LIMIT: usize = 16;
    const CHUNKED: &str = "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
    const GET: &str = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
    const HELLO: &str = "HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nhello\n";

    /// Everything the server answers to `input`, sent on one connection.
    fn exchange(input: &str) -> String {
        let (mut reader, mut out) = (input.as_bytes(), Vec::new());
        let run = || handle_connection(&mut reader, &mut out, LIMIT).unwrap();
        if std::panic::catch_unwind(std::panic::AssertUnwindSafe(run)).is_err() {
            panic!(
                "the server panicked (see the message above) on {input:?}: whatever a client \
                 sends, the answer is a status, never a crash"
            );
        }
        String::from_utf8_lossy(&out).into_owned()
    }

    fn echo(body: &str) -> String {
        format!(
            "HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        )
    }

    /// Sends `input` and expects exactly `want` back.
    fn expect(input: &str, want: &str, rule: &str) {
        let got = exchange(input);
        assert!(
            got == want,
            "\n{rule}\n\nsent:     {input:?}\nexpected: {want:?}\nreceived: {got:?}\n"
        );
    }

    /// Sends `input` and expects one refusal with one of `statuses`, then the end.
    fn refused(input: &str, statuses: &[&str], rule: &str) {
        let got = exchange(input);
        let refusal =
            |s: &str| format!("HTTP/1.1 {s}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        let ok = statuses.iter().any(|s| got == refusal(s));
        let want: Vec<String> = statuses
            .iter()
            .map(|s| format!("{:?}", refusal(s)))
            .collect();
        let mut problem = format!("expected only {}", want.join(" or "));
        if got.matches("HTTP/1.1 ").count() > 1 {
            problem += ", and nothing after it: the bytes after a refused request must never \
                        be answered as a request of their own";
        }
        assert!(
            ok,
            "\n{rule}\n\nsent:     {input:?}\nreceived: {got:?}\n{problem}\n"
        );
    }

    #[test]
    fn decodes_a_chunked_body_and_reads_the_next_request() {
        let input = format!("{CHUNKED}4\r\nWiki\r\n5\r\npedia\r\n0\r\n\r\n{GET}");
        let want = format!("{}{HELLO}", echo("Wikipedia"));
        let rule = "the chunks 4 `Wiki` and 5 `pedia` are the body `Wikipedia`; the body ends \
                    after `0\\r\\n\\r\\n`, and the GET after it is the next request";
        expect(&input, &want, rule);
    }

    #[test]
    fn sizes_are_hex_in_any_case_with_leading_zeros() {
        let input = format!("{CHUNKED}A\r\n0123456789\r\n0006\r\nabcdef\r\n0\r\n\r\n");
        let rule = "chunk sizes are hexadecimal: `A` is 10 and `0006` is 6 (the limit of 16 \
                    bytes is reached, not passed)";
        expect(&input, &echo("0123456789abcdef"), rule);
        let input = format!("{CHUNKED}a\r\n0123456789\r\n0\r\n\r\n");
        expect(
            &input,
            &echo("0123456789"),
            "`a` is 10 too: hex digits in any case",
        );
    }

    #[test]
    fn chunk_extensions_are_ignored() {
        let input =
            format!("{CHUNKED}4;name=value\r\nWiki\r\n5 ; q=\"x;y\"\r\npedia\r\n0;end\r\n\r\n");
        let rule = "a chunk extension (`;` and what follows, after optional spaces) is \
                    ignored: the sizes are 4, 5 and 0";
        expect(&input, &echo("Wikipedia"), rule);
    }

    #[test]
    fn trailer_fields_are_read_and_dropped() {
        let input =
            format!("{CHUNKED}4\r\nping\r\n0\r\nX-Checksum: abc\r\nX-Other: 1\r\n\r\n{GET}");
        let want = format!("{}{HELLO}", echo("ping"));
        let rule = "after the last chunk come trailer fields up to an empty line: they belong \
                    to the body, not to a next request";
        expect(&input, &want, rule);
    }

    #[test]
    fn a_size_is_hex_digits_only() {
        let cases = [
            (
                "+4",
                "a sign: `u64::from_str_radix` accepts `+4`, HTTP does not",
            ),
            ("-4", "a negative size"),
            ("0x4", "a `0x` prefix"),
            (" 4", "a space before the size"),
            ("4g", "a digit that is not hex"),
            ("", "an empty size"),
            (";ext", "an extension without a size"),
        ];
        for (size, what) in cases {
            let input = format!("{CHUNKED}{size}\r\nping\r\n0\r\n\r\n{GET}");
            let rule = format!("chunk size {size:?}, {what}, is 400 Bad Request, then close");
            refused(&input, &["400 Bad Request"], &rule);
        }
    }

    #[test]
    fn chunk_data_is_followed_by_exactly_crlf() {
        let cases = [
            ("3\r\nping\r\n0\r\n\r\n", "size 3 but 4 bytes of data"),
            ("4\r\npingX\r\n0\r\n\r\n", "a stray byte after the data"),
            ("4\r\npingXY0\r\n\r\n", "two stray bytes instead of CRLF"),
            ("4\r\nping0\r\n\r\n", "no CRLF after the data"),
            ("4\r\nping\n0\r\n\r\n", "a bare LF after the data"),
            ("4\r\npi", "the input ends inside the data"),
        ];
        for (body, what) in cases {
            let input = format!("{CHUNKED}{body}{GET}");
            let input = if body.ends_with("pi") {
                format!("{CHUNKED}{body}")
            } else {
                input
            };
            let rule = format!(
                "{what}: chunk data must be exactly `size` bytes and CRLF \
                                (RFC 9112 §7.1): 400 Bad Request, then close"
            );
            refused(&input, &["400 Bad Request"], &rule);
        }
    }

    #[test]
    fn the_body_limit_is_enforced_before_reading_a_chunk() {
        let input = format!("{CHUNKED}10\r\n0123456789abcdef\r\n0\r\n\r\n");
        expect(
            &input,
            &echo("0123456789abcdef"),
            "one chunk of 0x10 = 16 bytes: at the limit",
        );
        let rule = "chunks of 8 and 9 bytes add up to 17, over the limit of 16: 413 Content Too \
                    Large as soon as the size 9 is read, before its data arrives (here it never \
                    does: reading it first ends in 400)";
        let input = format!("{CHUNKED}8\r\n01234567\r\n9\r\n");
        refused(&input, &["413 Content Too Large"], rule);
        let rule = "one chunk of 0x11 = 17 bytes is over the limit: 413 before reading it";
        refused(
            &format!("{CHUNKED}11\r\n"),
            &["413 Content Too Large"],
            rule,
        );
        let rule = "a size of 16 f's (2^64 - 1) after 8 bytes: 413, without an overflow \
                    (`len + size` does not fit a usize: compare with what is left instead)";
        let input = format!("{CHUNKED}8\r\n01234567\r\nffffffffffffffff\r\n");
        refused(&input, &["413 Content Too Large"], rule);
        let rule = "a size too big for any integer is still a size, past any limit: 413 Content \
                    Too Large (not 400: it is well formed, only too large), without a panic";
        let input = format!("{CHUNKED}{}\r\nping\r\n0\r\n\r\n", "f".repeat(40));
        refused(&input, &["413 Content Too Large"], rule);
    }

    #[test]
    fn chunked_is_recognised_in_any_case_and_in_a_list() {
        let cases = [
            "Transfer-Encoding: Chunked",
            "transfer-encoding: CHUNKED",
            "Transfer-Encoding: , chunked ",
        ];
        for field in cases {
            let input = format!("POST /echo HTTP/1.1\r\n{field}\r\n\r\n4\r\nping\r\n0\r\n\r\n");
            let rule = format!(
                "`{field}`: names and codings ignore case, empty list \
                                elements and spaces around them do not count"
            );
            expect(&input, &echo("ping"), &rule);
        }
    }

    #[test]
    fn transfer_encoding_that_is_not_chunked_last_is_400() {
        let cases = [
            (
                "Transfer-Encoding: gzip",
                "gzip alone: where does the body end?",
            ),
            (
                "Transfer-Encoding: chunked, gzip",
                "chunked is not the last coding",
            ),
            (
                "Transfer-Encoding: chunked\r\nTransfer-Encoding: gzip",
                "two fields: `chunked, gzip`",
            ),
            (
                "Transfer-Encoding: chunked\r\nTransfer-Encoding: x",
                "a second field hides `x` after chunked",
            ),
            ("Transfer-Encoding: chunked, chunked", "chunked twice"),
            ("Transfer-Encoding: chunkedx", "`chunkedx` is not `chunked`"),
            ("Transfer-Encoding:", "an empty Transfer-Encoding"),
        ];
        for (fields, what) in cases {
            let input = format!("POST /echo HTTP/1.1\r\n{fields}\r\n\r\n0\r\n\r\n{GET}");
            let rule = format!(
                "{what}: the framing is unclear, 400 Bad Request and close \
                                (RFC 9112 §6.3)"
            );
            refused(&input, &["400 Bad Request"], &rule);
        }
    }

    #[test]
    fn an_unknown_coding_before_chunked_is_501() {
        for fields in [
            "Transfer-Encoding: gzip, chunked",
            "Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked",
        ] {
            let input = format!("POST /echo HTTP/1.1\r\n{fields}\r\n\r\n0\r\n\r\n{GET}");
            let rule = format!(
                "`{fields}`: chunked is last, so the body's end is known, but this \
                                server cannot decode gzip: 501 Not Implemented, then close"
            );
            refused(&input, &["501 Not Implemented"], &rule);
        }
    }

    #[test]
    fn transfer_encoding_with_content_length_is_refused() {
        let smuggled = "0\r\n\r\nGET /admin HTTP/1.1\r\nHost: x\r\n\r\n";
        for fields in [
            "Content-Length: 6\r\nTransfer-Encoding: chunked",
            "Transfer-Encoding: chunked\r\ncontent-length: 0",
            "Transfer-Encoding: chunked\r\nContent-Length: 37",
        ] {
            let input = format!("POST /echo HTTP/1.1\r\nHost: x\r\n{fields}\r\n\r\n{smuggled}");
            let rule = "Transfer-Encoding AND Content-Length is how requests are smuggled: a \
                        proxy reads one framing, the server the other, and `GET /admin` slips \
                        through. RFC 9112 §6.1 lets a server reject such a request or read it by \
                        Transfer-Encoding alone, and close the connection either way; this \
                        server rejects it: 400 Bad Request, then close. Never answer the request \
                        hidden in the body";
            refused(&input, &["400 Bad Request"], rule);
        }
    }

    /// MAX_FIELDS: header (or trailer) fields of 8 KiB are read, not one byte more.
    const FIELDS_8_KIB: usize = 8 * 1024;

    /// One chunk of `data` as sent: its size in hex (leading zeros, any case), an extension.
    fn chunk(data: &str, zeros: usize, upper: bool, extension: &str) -> String {
        let size = format!("{}{:x}", "0".repeat(zeros), data.len());
        let size = if upper {
            size.to_ascii_uppercase()
        } else {
            size
        };
        format!("{size}{extension}\r\n{data}\r\n")
    }

    fn extension() -> impl Strategy<Value = &'static str> {
        prop::sample::select(vec![
            "",
            "",
            ";a",
            ";name=value",
            " ;x=\"1;2\"",
            "\t; q = 3",
        ])
    }

    /// A coding as a client may spell it, spaces around it included.
    fn coding() -> impl Strategy<Value = String> {
        let name = prop_oneof![
            3 => any_case("chunked"),
            1 => any_case("gzip"),
            1 => any_case("identity"),
            1 => Just("x-custom".to_string()),
            1 => Just(String::new()),
        ];
        ("[ \t]{0,2}", name, "[ \t]{0,2}").prop_map(|(a, name, b)| format!("{a}{name}{b}"))
    }

    /// What RFC 9112 §6.1 and §6.3 (and this server's choices) answer to these
    /// `Transfer-Encoding` field values: `None` for a chunked body, else the refusal.
    fn oracle(fields: &[String], with_content_length: bool) -> Option<&'static str> {
        let codings: Vec<String> = fields
            .iter()
            .flat_map(|field| field.split(','))
            .map(|c| c.trim_matches([' ', '\t']).to_ascii_lowercase())
            .filter(|c| !c.is_empty())
            .collect();
        if with_content_length {
            return Some("400 Bad Request");
        }
        match codings.split_last() {
            Some((last, before)) if last == "chunked" => {
                if before.iter().any(|c| c == "chunked") {
                    Some("400 Bad Request")
                } else if !before.is_empty() {
                    Some("501 Not Implemented")
                } else {
                    None
                }
            }
            _ => Some("400 Bad Request"),
        }
    }

    thread_local! {
        static QUIET: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    }

    /// Runs a generated case with panics not printed: a failing case is shrunk to a smallest
    /// example by running it many times, and only that example's message is shown.
    fn quiet(case: impl FnOnce() -> Result<(), TestCaseError>) -> Result<(), TestCaseError> {
        static HOOK: std::sync::Once = std::sync::Once::new();
        HOOK.call_once(|| {
            let default = std::panic::take_hook();
            std::panic::set_hook(Box::new(move |info| {
                if !QUIET.with(|quiet| quiet.get()) {
                    default(info);
                }
            }));
        });
        QUIET.with(|quiet| quiet.set(true));
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(case));
        QUIET.with(|quiet| quiet.set(false));
        result.unwrap_or_else(|panic| {
            let text = panic.downcast_ref::<&str>().map(|s| s.to_string());
            let text = text.or_else(|| panic.downcast_ref::<String>().cloned());
            Err(TestCaseError::fail(text.unwrap_or_default()))
        })
    }

    proptest! {
        #![proptest_config(crate::generated::config(128))]

        #[test]
        fn generated_chunked_bodies_decode_or_hit_the_limit(
            chunks in prop::collection::vec(
                ("[a-zA-Z0-9 ]{1,9}", 0usize..3, any::<bool>(), extension()),
                0..5,
            ),
            trailer in prop::sample::select(vec!["", "X-Checksum: 7f\r\n", "a: 1\r\nB: 2\r\n"]),
        ) {
            quiet(|| {
                let body: String = chunks.iter().map(|(data, ..)| data.as_str()).collect();
                let sent: String = chunks
                    .iter()
                    .map(|(data, zeros, upper, ext)| chunk(data, *zeros, *upper, ext))
                    .collect();
                let input = format!("{CHUNKED}{sent}0\r\n{trailer}\r\n{GET}");
                let sizes: Vec<usize> = chunks.iter().map(|(data, ..)| data.len()).collect();
                if body.len() <= LIMIT {
                    let rule = format!(
                        "chunks of {sizes:?} bytes (sizes in hex, any case, leading zeros, \
                         extensions ignored) are a body of {} bytes, within the limit of {LIMIT}; \
                         the GET after the last chunk and its trailer fields is the next request",
                        body.len()
                    );
                    expect(&input, &format!("{}{HELLO}", echo(&body)), &rule);
                } else {
                    let rule = format!(
                        "chunks of {sizes:?} bytes add up to {}, over the limit of {LIMIT}: 413 \
                         Content Too Large as soon as the chunk that passes it is announced",
                        body.len()
                    );
                    refused(&input, &["413 Content Too Large"], &rule);
                }
                Ok(())
            })?;
        }

        #[test]
        fn every_size_past_what_is_left_is_413_however_large(
            sent in 0usize..=LIMIT,
            kind in 0usize..5,
            over in 1u64..1000,
            digits in "[1-9a-fA-F][0-9a-fA-F]{16,40}",
            zeros in 0usize..3,
        ) {
            quiet(|| {
                let left = (LIMIT - sent) as u64;
                let size = match kind {
                    0 => format!("{:x}", left + 1), // just over
                    1 => format!("{:X}", left + over),
                    2 => "f".repeat(16), // u64::MAX
                    3 => format!("1{}", "0".repeat(16)), // 2^64: one past u64::MAX
                    _ => digits.clone(), // more hex digits than any integer holds
                };
                let size = format!("{}{size}", "0".repeat(zeros));
                let data = "x".repeat(sent);
                let first = if sent == 0 { String::new() } else { format!("{sent:x}\r\n{data}\r\n") };
                let input = format!("{CHUNKED}{first}{size}\r\n");
                let rule = format!(
                    "after {sent} bytes of body, {left} are left under the limit of {LIMIT}; a \
                     chunk size of {size:?} is more than that: 413 Content Too Large before any of \
                     its data, however large the number (one too big to count is too large, not \
                     malformed: never 400, never a panic)"
                );
                refused(&input, &["413 Content Too Large"], &rule);
                Ok(())
            })?;
        }

        #[test]
        fn the_field_section_is_limited_in_bytes_and_names_are_tokens(
            total in prop_oneof![
                Just(FIELDS_8_KIB - 1),
                Just(FIELDS_8_KIB),
                Just(FIELDS_8_KIB + 1),
                2000usize..=FIELDS_8_KIB + 2000,
            ],
            in_trailer in any::<bool>(),
            bad_name in prop_oneof![
                Just(None),
                prop::sample::select(vec![
                    "X-Pad ", "X-Pad\t", " X-Pad", "X Pad", "X-P@d", "X-(Pad)", "X-P\u{e1}d", "",
                ])
                .prop_map(Some),
            ],
        ) {
            quiet(|| {
                // Fields of at most 1000 bytes whose lines (CRLF included), with the empty line
                // that ends them, add up to `total` bytes.
                let n = (total - 2).div_ceil(1002);
                let (each, extra) = ((total - 2) / n - 2, (total - 2) % n);
                let fields: String = (0..n)
                    .map(|i| {
                        let length = each + usize::from(i < extra);
                        format!("X:{}\r\n", "a".repeat(length - 2))
                    })
                    .collect();
                let odd = bad_name.map(|name| format!("{name}: 1\r\n")).unwrap_or_default();
                let input = match in_trailer {
                    false => format!("POST /echo HTTP/1.1\r\n{odd}{fields}\r\n{GET}"),
                    true => format!("{CHUNKED}4\r\nping\r\n0\r\n{odd}{fields}\r\n{GET}"),
                };
                let place = if in_trailer { "trailer fields" } else { "header fields" };
                let body = if in_trailer { "ping" } else { "" };
                let sent = total + odd.len();
                match bad_name {
                    Some(name) => {
                        let rule = format!(
                            "the field name {name:?} is not a token (letters, digits and \
                             !#$%&'*+-.^_`|~; no white space, not even before the colon, RFC \
                             9112 §5.1): 400 Bad Request, then close"
                        );
                        refused(&input, &["400 Bad Request"], &rule);
                    }
                    None if sent <= FIELDS_8_KIB => {
                        let rule = format!(
                            "{place} of {sent} bytes (line ends and the empty line included) are \
                             within the limit of {FIELDS_8_KIB}"
                        );
                        expect(&input, &format!("{}{HELLO}", echo(body)), &rule);
                    }
                    None => {
                        let rule = format!(
                            "{place} of {sent} bytes are over the limit of {FIELDS_8_KIB} bytes: \
                             431 Request Header Fields Too Large, then close"
                        );
                        refused(&input, &["431 Request Header Fields Too Large"], &rule);
                    }
                }
                Ok(())
            })?;
        }

        #[test]
        fn generated_content_lengths_are_judged_by_the_rules(
            fields in prop::collection::vec(
                (
                    any_case("content-length"),
                    prop_oneof![
                        4 => (0usize..=LIMIT + 3, 0usize..3)
                            .prop_map(|(n, zeros)| format!("{}{n}", "0".repeat(zeros))),
                        1 => prop::sample::select(vec!["+5", "-1", "0x5", "5,5", "5 5", "", "\u{664}"])
                            .prop_map(str::to_string),
                        1 => Just("99999999999999999999999".to_string()),
                    ],
                ),
                1..3,
            ),
        ) {
            quiet(|| {
                let values: Vec<&str> = fields.iter().map(|(_, v)| v.as_str()).collect();
                let head: String = fields.iter().map(|(n, v)| format!("{n}: {v}\r\n")).collect();
                let body = "0123456789abcdefghij"; // 20 bytes: more than any length that passes
                let input = format!("POST /echo HTTP/1.1\r\n{head}\r\n{body}");
                let digits = |v: &str| !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit());
                match values[..] {
                    [v] if digits(v) => match v.parse::<usize>() {
                        Ok(n) if n <= LIMIT => {
                            // The bytes after the body are the next request: here, a bad one.
                            let got = exchange(&input);
                            let want = echo(&body[..n]);
                            prop_assert!(
                                got.starts_with(&want),
                                "`Content-Length: {}` is a body of {} bytes (leading zeros allowed, \
                                 names in any case); sent {:?}, received {:?}, expected it to start \
                                 with {:?}",
                                v, n, input, got, want
                            );
                        }
                        _ => {
                            let rule = format!(
                                "`Content-Length: {v}` is over the limit of {LIMIT} bytes (or too \
                                 big to count): 413 Content Too Large, then close"
                            );
                            refused(&input, &["413 Content Too Large"], &rule);
                        }
                    },
                    _ => {
                        let rule = format!(
                            "Content-Length values {values:?}: a length is one field of ASCII digits \
                             only (no sign, no list, no other digits); anything else, or two fields, \
                             is 400 Bad Request, then close"
                        );
                        refused(&input, &["400 Bad Request"], &rule);
                    }
                }
                Ok(())
            })?;
        }

        #[test]
        fn generated_transfer_encodings_are_judged_by_the_rfc(
            fields in prop::collection::vec(
                (any_case("transfer-encoding"), prop::collection::vec(coding(), 1..4)),
                1..4,
            ),
            content_length in prop::option::of((any_case("content-length"), any::<bool>())),
        ) {
            quiet(|| {
                let values: Vec<String> = fields.iter().map(|(_, c)| c.join(",")).collect();
                let mut head: Vec<String> = fields
                    .iter()
                    .zip(&values)
                    .map(|((name, _), value)| format!("{name}: {value}"))
                    .collect();
                if let Some((name, first)) = &content_length {
                    let field = format!("{name}: 37");
                    if *first { head.insert(0, field) } else { head.push(field) }
                }
                let smuggled = "0\r\n\r\nGET /admin HTTP/1.1\r\nHost: x\r\n\r\n";
                let input = format!("POST /echo HTTP/1.1\r\n{}\r\n\r\n{smuggled}", head.join("\r\n"));
                let trimmed: Vec<&str> = values.iter().map(|v| v.trim_matches([' ', '\t'])).collect();
                match oracle(&values, content_length.is_some()) {
                    None => {
                        let rule = format!(
                            "the codings {trimmed:?} come down to `chunked` alone (names and \
                             codings in any case, empty list elements and spaces do not count): \
                             the body is the empty chunked body, then GET /admin is the next request"
                        );
                        let want = format!(
                            "{}HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n",
                            echo("")
                        );
                        expect(&input, &want, &rule);
                    }
                    Some(status) => {
                        let why = match status {
                            _ if content_length.is_some() => {
                                "Transfer-Encoding together with Content-Length: this server rejects \
                                 it (one of the two answers RFC 9112 §6.1 allows) and closes"
                            }
                            "501 Not Implemented" => {
                                "chunked is last, but a coding this server cannot decode comes \
                                 before it"
                            }
                            _ => {
                                "the last coding is not `chunked` (the length cannot be known, RFC \
                                 9112 §6.3), or `chunked` is applied twice"
                            }
                        };
                        let rule = format!("Transfer-Encoding values {trimmed:?}: {why}: {status}");
                        refused(&input, &[status], &rule);
                    }
                }
                Ok(())
            })?;
        }
    }
}
