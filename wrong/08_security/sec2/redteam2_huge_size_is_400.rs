// wrong: a chunk size too big to count gives 400 instead of 413
// expect: 413 Content Too Large
// expect: however large the number
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
//! too large to count is refused. Each chunk's data is followed by exactly CRLF.
//! Enforce the body limit *while* decoding, before reading a chunk that would pass
//! it (413 Content Too Large): the sizes are the client's word, and a hostile one
//! announces terabytes.
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
    let te = request.values("Transfer-Encoding");
    if te.is_empty() {
        return content_length(request, max_body).map(Framing::Length);
    }
    if !request.values("Content-Length").is_empty() {
        return Err("400 Bad Request");
    }
    let codings: Vec<String> = te
        .iter()
        .flat_map(|v| v.split(','))
        .map(|c| c.trim_matches([' ', '\t']).to_ascii_lowercase())
        .filter(|c| !c.is_empty())
        .collect();
    match codings.last() {
        Some(last) if last == "chunked" => {}
        _ => return Err("400 Bad Request"),
    }
    if codings.iter().filter(|c| *c == "chunked").count() > 1 {
        return Err("400 Bad Request");
    }
    if codings.len() > 1 {
        return Err("501 Not Implemented");
    }
    Ok(Framing::Chunked)
}

/// Reads a chunked body (RFC 9112 §7.1), trailer fields included, and returns its data.
// TODO: decode the chunks up to the last one (size 0) and its trailer fields (`read_fields`
// reads them; drop them). A size is one or more hex digits (any case), then optionally
// spaces or tabs and `;` with extensions to ignore; anything else is "400 Bad Request". A
// chunk that would take the body past `max_body` is "413 Content Too Large" before any of
// its data is read (a size too big to count, too). The data must be followed by exactly
// "\r\n" ("400 Bad Request"; so is input that ends too early).
fn read_chunked(reader: &mut impl BufRead, max_body: usize) -> Result<Vec<u8>, Refusal> {
    let mut body = Vec::new();
    loop {
        let line = read_line(reader)?.ok_or("400 Bad Request")?;
        let size_part = match line.find([' ', '\t', ';']) {
            Some(i) => {
                let (digits, rest) = line.split_at(i);
                if !rest.trim_start_matches([' ', '\t']).starts_with(';') {
                    return Err("400 Bad Request");
                }
                digits
            }
            None => line.as_str(),
        };
        if size_part.is_empty() || !size_part.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err("400 Bad Request");
        }
        let size = usize::from_str_radix(size_part, 16).or(Err("400 Bad Request"))?;
        if size > max_body - body.len() {
            return Err("413 Content Too Large");
        }
        if size == 0 {
            read_fields(reader, MAX_FIELDS)?;
            return Ok(body);
        }
        let start = body.len();
        body.resize(start + size, 0);
        reader
            .read_exact(&mut body[start..])
            .or(Err("400 Bad Request"))?;
        let mut crlf = [0u8; 2];
        reader.read_exact(&mut crlf).or(Err("400 Bad Request"))?;
        if &crlf != b"\r\n" {
            return Err("400 Bad Request");
        }
    }
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
