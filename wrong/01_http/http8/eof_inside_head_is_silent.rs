// wrong: treats end of file inside a head like end of file between two requests: closes without an answer
// expect: in the middle of a head
// expect: 400 Bad Request
//! # A real server on a TCP socket
//!
//! Until now requests were strings. A real server listens on a TCP port, accepts
//! connections, and on each one reads bytes, finds where a request ends, answers,
//! and decides whether to keep the connection open for the next request. The
//! bytes come from strangers: read no more than you decided to, and wait no
//! longer than you decided to.
//!
//! - **The head** ends at the first empty line. Cap its size (431 Request Header
//!   Fields Too Large): a line that never ends must not fill your memory.
//! - **The body** is exactly `Content-Length` bytes (RFC 9112 §6.3), read only
//!   after the head is checked. Never read "until the end": the client keeps the
//!   connection open while it waits for your answer. Refuse a length above your
//!   cap (413 Content Too Large) before you allocate anything.
//! - **Framing must be unambiguous**, or a proxy in front of you and your server
//!   disagree where a request ends, and an attacker hides a second request in
//!   the first ("request smuggling"). So: HTTP/1.1 needs exactly one `Host`
//!   (§3.2); `Content-Length` must be one plain number (§6.3); and this server
//!   does not decode `Transfer-Encoding` (chunked bodies, §7): it answers 501 Not
//!   Implemented. After any refusal, answer and close: nobody knows where the
//!   next request would start. (A complete HTTP/1.1 server decodes chunked
//!   bodies; topic 08, security, goes further: chunked, header counts, deadlines.)
//! - **`Expect: 100-continue`** (RFC 9110 §10.1.1): the client waits to hear
//!   `HTTP/1.1 100 Continue` before it sends the body; refuse with the final status
//!   instead, and it never sends the body at all.
//! - **HEAD** is GET without the body: same status and headers (§9.3.2).
//! - **Persistence.** An HTTP/1.1 connection stays open for the next request,
//!   unless the request says `Connection: close`, or is HTTP/1.0 without
//!   `Connection: keep-alive` (RFC 9112 §9.3).
//!   A read timeout ends a connection whose client went silent.
//! - **Concurrency.** One thread per connection, or one idle client blocks everyone.
//!
//! Try it: `cargo run --bin http8`, then `curl -v http://127.0.0.1:8080/`.
//! Read more: RFC 9112 §2-§9, RFC 9110 §9.3.2 and §10.1.1; https://doc.rust-lang.org/std/net/

use std::io::{self, BufRead, BufReader, ErrorKind, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::thread;
use std::time::Duration;

/// What one client may cost the server. The tests use small ones.
#[derive(Clone, Copy)]
struct Limits {
    /// Bytes of the head: request line, header lines and the empty line, line ends included.
    max_head: usize,
    /// Bytes of a body.
    max_body: usize,
    /// How long to wait for the client's next bytes before giving up on it.
    read_timeout: Duration,
}

const LIMITS: Limits = Limits {
    max_head: 8 * 1024,
    max_body: 1024 * 1024,
    read_timeout: Duration::from_secs(10),
};

/// Why no request could be read.
enum Failure {
    /// Answer with this status, then close the connection.
    Refuse(&'static str),
    /// The connection broke or went silent: close it without an answer.
    Io(io::Error),
}

/// `?` on an I/O error: bytes that are not text are a bad request; others end the connection.
impl From<io::Error> for Failure {
    fn from(e: io::Error) -> Failure {
        match e.kind() {
            ErrorKind::InvalidData => Failure::Refuse("400 Bad Request"),
            _ => Failure::Io(e),
        }
    }
}

struct Request {
    method: String,
    target: String,
    version: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Request {
    /// Provided (http1, http2): parses the lines of a head, without the empty line.
    fn parse_head(lines: &[String]) -> Option<Request> {
        let [method, target, version] = lines.first()?.split(' ').collect::<Vec<_>>()[..] else {
            return None;
        };
        let token = |s: &str| {
            let tchar = |b: u8| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b);
            !s.is_empty() && s.bytes().all(tchar)
        };
        if !token(method) || target.is_empty() || !target.bytes().all(|b| b.is_ascii_graphic()) {
            return None;
        }
        let mut headers = Vec::new();
        for line in &lines[1..] {
            // No space before the colon, no folded lines, no stray CR (RFC 9112 §2.2, §5).
            let (name, value) = line.split_once(':')?;
            if !token(name) || value.contains(['\r', '\0']) {
                return None;
            }
            headers.push((name.to_string(), value.trim().to_string()));
        }
        let (method, target, version) = (method.into(), target.into(), version.into());
        Some(Request {
            method,
            target,
            version,
            headers,
            body: Vec::new(),
        })
    }

    /// The value of the first header called `name` (any case).
    fn header(&self, name: &str) -> Option<&str> {
        let (_, value) = self
            .headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))?;
        Some(value)
    }

    /// Whether the connection closes after the response (RFC 9112 §9.3).
    fn wants_close(&self) -> bool {
        let connection = self.header("Connection").unwrap_or("").to_ascii_lowercase();
        let has = |option: &str| connection.split(',').any(|o| o.trim() == option);
        has("close") || (self.version == "HTTP/1.0" && !has("keep-alive"))
    }
}

/// Provided (http6): the application answers with a status line and a body.
fn route(request: &Request) -> (&'static str, Vec<u8>) {
    match (request.method.as_str(), request.target.as_str()) {
        ("GET" | "HEAD", "/") => ("200 OK", b"hello\n".to_vec()), // HEAD: see handle_connection
        ("POST", "/echo") => ("200 OK", request.body.clone()),
        _ => ("404 Not Found", b"not found\n".to_vec()),
    }
}

/// Provided (http3): writes the head of a response whose body is `length` bytes long.
fn write_head(out: &mut impl Write, status: &str, length: usize, close: bool) -> io::Result<()> {
    write!(out, "HTTP/1.1 {status}\r\nContent-Length: {length}\r\n")?;
    if close {
        write!(out, "Connection: close\r\n")?;
    }
    write!(out, "\r\n")?;
    out.flush()
}

/// Provided (http3): writes a whole response.
fn write_response(out: &mut impl Write, status: &str, body: &[u8], close: bool) -> io::Result<()> {
    write_head(out, status, body.len(), close)?;
    out.write_all(body)?;
    out.flush()
}

/// Reads the lines of one head, without their line ends and without the empty line.
/// `Ok(None)`: the client closed the connection instead of starting another request.
fn read_head(reader: &mut impl BufRead, max_head: usize) -> Result<Option<Vec<String>>, Failure> {
    let mut lines = Vec::new();
    let mut used = 0;
    loop {
        // Never let one line take more than what is left of the head's budget.
        let mut line = String::new();
        let room = (max_head - used) as u64;
        used += reader.by_ref().take(room).read_line(&mut line)?;
        let Some(line) = line.strip_suffix('\n') else {
            return if used == max_head {
                Err(Failure::Refuse("431 Request Header Fields Too Large"))
            } else {
                Ok(None) // the client hung up: nothing to answer
            };
        };
        let line = line.strip_suffix('\r').unwrap_or(line);
        match (line.is_empty(), lines.is_empty()) {
            (true, true) => continue, // empty lines before a request are ignored (RFC 9112 §2.2)
            (true, false) => return Ok(Some(lines)),
            (false, _) => lines.push(line.to_string()),
        }
    }
}

/// How many bytes of body follow the head, or why the request's framing is refused.
fn body_length(request: &Request, max_body: usize) -> Result<usize, Failure> {
    let values = |name: &str| -> Vec<&str> {
        let named = request
            .headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name));
        named.map(|(_, value)| value.as_str()).collect()
    };
    let bad = Failure::Refuse("400 Bad Request");
    // Exactly one Host in HTTP/1.1; at most one in HTTP/1.0 (RFC 9112 §3.2).
    match values("Host").len() {
        0 if request.version != "HTTP/1.0" => return Err(bad),
        0 | 1 => {}
        _ => return Err(bad),
    }
    if let Some(codings) = values("Transfer-Encoding").last() {
        // Only a list that ends in `chunked` frames a request body (§6.1); we do not decode it.
        let last = codings.rsplit(',').next().unwrap_or("").trim();
        let chunked = last.eq_ignore_ascii_case("chunked");
        return Err(if chunked {
            Failure::Refuse("501 Not Implemented")
        } else {
            bad
        });
    }
    match values("Content-Length")[..] {
        [] => Ok(0),
        // Only digits: `usize::from_str` would also take "+4".
        [value] if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) => {
            match value.parse::<usize>() {
                Ok(length) if length <= max_body => Ok(length),
                _ => Err(Failure::Refuse("413 Content Too Large")), // too big even for a usize
            }
        }
        _ => Err(bad), // invalid, repeated or conflicting (§6.3)
    }
}

/// Reads one request: the head, then (once the head is accepted) the body.
fn read_request(
    reader: &mut impl BufRead,
    out: &mut impl Write,
    limits: &Limits,
) -> Result<Option<Request>, Failure> {
    let Some(lines) = read_head(reader, limits.max_head)? else {
        return Ok(None);
    };
    let mut request = Request::parse_head(&lines).ok_or(Failure::Refuse("400 Bad Request"))?;
    if !matches!(request.version.as_str(), "HTTP/1.1" | "HTTP/1.0") {
        return Err(Failure::Refuse("505 HTTP Version Not Supported"));
    }
    let length = body_length(&request, limits.max_body)?;
    let expect = request.header("Expect").unwrap_or("");
    // With no body to wait for, the interim answer is optional (RFC 9110 §10.1.1 "MAY omit").
    if expect.eq_ignore_ascii_case("100-continue") && request.version != "HTTP/1.0" {
        out.write_all(b"HTTP/1.1 100 Continue\r\n\r\n")?;
        out.flush()?;
    }
    request.body = vec![0; length]; // at most `max_body`: `body_length` checked it
    reader.read_exact(&mut request.body)?;
    Ok(Some(request))
}

/// Answers the requests of one connection, one after another, until it closes.
fn handle_connection(mut stream: TcpStream, limits: Limits) -> io::Result<()> {
    stream.set_read_timeout(Some(limits.read_timeout))?;
    stream.set_write_timeout(Some(limits.read_timeout))?; // a client that never reads, too
    let mut reader = BufReader::new(stream.try_clone()?);
    loop {
        let request = match read_request(&mut reader, &mut stream, &limits) {
            Ok(Some(request)) => request,
            Ok(None) => return Ok(()),
            Err(Failure::Refuse(status)) => {
                let body = format!("{status}\n");
                write_response(&mut stream, status, body.as_bytes(), true)?;
                linger_close(&mut stream);
                return Ok(());
            }
            Err(Failure::Io(e)) => return Err(e),
        };
        let (status, body) = route(&request);
        let close = request.wants_close();
        if request.method == "HEAD" {
            write_head(&mut stream, status, body.len(), close)?;
        } else {
            write_response(&mut stream, status, &body, close)?;
        }
        if close {
            return Ok(());
        }
    }
}

/// Closes after a refusal without losing the answer: closing a socket that still holds unread
/// request bytes sends a reset, which can destroy the response before the client reads it. So
/// stop writing, then read and drop what the client still sends, for a short while (the
/// "lingering close" of RFC 9112 §9.6).
fn linger_close(stream: &mut TcpStream) {
    let _ = stream.shutdown(std::net::Shutdown::Write);
    let _ = stream.set_read_timeout(Some(Duration::from_millis(250)));
    let mut sink = [0u8; 4096];
    let (mut drained, deadline) = (0, std::time::Instant::now() + Duration::from_secs(1));
    while drained < 1 << 20 && std::time::Instant::now() < deadline {
        match stream.read(&mut sink) {
            Ok(0) | Err(_) => break,
            Ok(n) => drained += n,
        }
    }
}

/// Accepts connections forever.
fn serve(listener: TcpListener, limits: Limits) {
    for stream in listener.incoming().flatten() {
        // `thread::spawn` panics when no thread can be made; `Builder` returns an error.
        let _ = thread::Builder::new().spawn(move || handle_connection(stream, limits));
    }
}

fn main() -> io::Result<()> {
    let listener = TcpListener::bind("127.0.0.1:8080")?;
    println!("listening on http://{}", listener.local_addr()?);
    serve(listener, LIMITS);
    Ok(())
}
