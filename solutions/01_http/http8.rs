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

// not graded: the demo's limits, used only by `main`; the tests pass their own small `Limits`
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
            } else if lines.is_empty() && line.trim().is_empty() {
                Ok(None) // end of file between two requests
            } else {
                Err(Failure::Refuse("400 Bad Request")) // end of file inside a request
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
// not graded: on loopback Linux keeps an answer readable even after a reset, so no test can tell a lingering close from a plain one
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

// not graded: a demo server on port 8080; the tests start `serve` on their own listeners
fn main() -> io::Result<()> {
    let listener = TcpListener::bind("127.0.0.1:8080")?;
    println!("listening on http://{}", listener.local_addr()?);
    serve(listener, LIMITS);
    Ok(())
}

// ---- grading tests: read them, but do not change them ----
#[cfg(test)]
mod tests {
    use super::*;
    use std::net::SocketAddr;
    use std::time::Instant;

    const GET: &str = "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n";
    const HELLO: &str = "HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nhello\n";
    const CLOSE: &str = "HTTP/1.1 200 OK\r\nContent-Length: 6\r\nConnection: close\r\n\r\nhello\n";
    /// Small limits, so that the tests can reach them: a head of 256 bytes, a body of 16.
    const SMALL: Limits = Limits {
        max_head: 256,
        max_body: 16,
        read_timeout: Duration::from_millis(300),
    };

    /// Starts `serve` on a free port, in the background.
    fn server(limits: Limits) -> SocketAddr {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        thread::spawn(move || serve(listener, limits));
        addr
    }

    fn connect(addr: SocketAddr, timeout_ms: u64) -> TcpStream {
        let stream = TcpStream::connect(addr).unwrap();
        let timeout = Duration::from_millis(timeout_ms);
        stream.set_read_timeout(Some(timeout)).unwrap();
        stream
    }

    /// How to replay an exchange by hand, for a failure message.
    fn context(checks: &str, curl: &str, sent: &str, received: &[u8]) -> String {
        let (received, printf) = (String::from_utf8_lossy(received), sent.replace('\r', "\\r"));
        format!(
            "\nthis test checks: {checks}\n\nsent:     {sent:?}\nreceived: {received:?}\n\n\
             replay it: `cargo run --bin http8`, then in another terminal\n  {curl}\n\
             or, byte for byte: printf '{}' | nc 127.0.0.1 8080\n",
            printf.replace('\n', "\\n")
        )
    }

    /// Opens a connection, sends each request and expects exactly its response,
    /// then, if `closes`, expects the server to close the connection.
    fn talk(addr: SocketAddr, checks: &str, curl: &str, steps: &[(&str, &str)], closes: bool) {
        let mut stream = connect(addr, 1000);
        let (mut sent, mut received) = (String::new(), Vec::new());
        for (request, response) in steps {
            sent.push_str(request);
            if let Err(e) = stream.write_all(request.as_bytes()) {
                let problem = format!("could not send the request ({e})");
                panic!("{problem}{}", context(checks, curl, &sent, &received));
            }
            for &want in response.as_bytes() {
                let mut buf = [0; 256];
                let problem = match stream.read(&mut buf[..1]) {
                    Ok(1) if buf[0] == want => {
                        received.push(want);
                        continue;
                    }
                    Ok(1) => {
                        let n = stream.read(&mut buf[1..]).unwrap_or(0); // the rest, to show it
                        received.extend_from_slice(&buf[..n + 1]);
                        format!("expected the response {response:?}")
                    }
                    Ok(_) => format!("the server closed the connection, expected {response:?}"),
                    Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                        format!("no complete answer within 1 s, expected {response:?}")
                    }
                    Err(e) => format!("the connection broke ({e}), expected {response:?}"),
                };
                panic!("{problem}{}", context(checks, curl, &sent, &received));
            }
        }
        if closes && !matches!(read_to_close(&mut stream).1, Ok(())) {
            let problem = "the server should close the connection after this response";
            panic!("{problem}{}", context(checks, curl, &sent, &received));
        }
    }

    /// Reads until the server closes (`Ok`) or stops sending for the read timeout (`Err`).
    fn read_to_close(stream: &mut TcpStream) -> (Vec<u8>, io::Result<()>) {
        let mut received = Vec::new();
        loop {
            let mut buf = [0; 1024];
            match stream.read(&mut buf) {
                Ok(0) => return (received, Ok(())),
                Ok(n) => received.extend_from_slice(&buf[..n]),
                Err(e) if e.kind() == ErrorKind::ConnectionReset => return (received, Ok(())),
                Err(e) => return (received, Err(e)),
            }
        }
    }

    /// Sends `request` and expects ONE answer with one of `statuses`, `Connection: close`, and
    /// the connection closed: after a refused request nobody knows where the next one starts.
    fn refused(addr: SocketAddr, checks: &str, curl: &str, request: &str, statuses: &[&str]) {
        let mut stream = connect(addr, 1000);
        stream.write_all(request.as_bytes()).unwrap();
        let (received, end) = read_to_close(&mut stream);
        let text = String::from_utf8_lossy(&received);
        let wanted = statuses
            .iter()
            .map(|s| format!("`HTTP/1.1 {s}`"))
            .collect::<Vec<_>>();
        let wanted = wanted.join(" or ");
        let head = text.split("\r\n\r\n").next().unwrap_or("");
        let problem = if received.is_empty() && end.is_ok() {
            format!("the server closed the connection without an answer, expected {wanted}")
        } else if received.is_empty() {
            format!("no answer within 1 s (is the server waiting for bytes?), expected {wanted}")
        } else if !statuses
            .iter()
            .any(|s| text.starts_with(&format!("HTTP/1.1 {s}\r\n")))
        {
            format!("expected the answer {wanted}")
        } else if text.matches("HTTP/1.1 ").count() > 1 {
            "the server sent more than one response: it took bytes of the refused request \
             for a second request (or sent 100 Continue before refusing)"
                .to_string()
        } else if !head
            .lines()
            .any(|l| l.eq_ignore_ascii_case("Connection: close"))
        {
            "a refusal must say `Connection: close` (RFC 9112 §9.6), and then close".to_string()
        } else if end.is_err() {
            format!("the server answered {wanted} but did not close the connection")
        } else {
            return;
        };
        panic!("{problem}{}", context(checks, curl, request, &received));
    }

    #[test]
    fn serves_several_connections() {
        let (addr, curl) = (server(SMALL), "curl -v http://127.0.0.1:8080/");
        let first = "a first client is answered (it did not ask to close: no `Connection: close`)";
        for checks in [first, "a second client is answered too", "and a third one"] {
            talk(addr, checks, curl, &[(GET, HELLO)], false);
        }
    }

    #[test]
    fn keeps_the_connection_open_for_the_next_request() {
        let checks = "an HTTP/1.1 connection stays open: a second request on it is answered too";
        let curl = "curl -v http://127.0.0.1:8080/ http://127.0.0.1:8080/nope";
        let nope = "GET /nope HTTP/1.1\r\nHost: localhost\r\n\r\n";
        let not_found = "HTTP/1.1 404 Not Found\r\nContent-Length: 10\r\n\r\nnot found\n";
        talk(
            server(SMALL),
            checks,
            curl,
            &[(GET, HELLO), (nope, not_found)],
            false,
        );
    }

    #[test]
    fn reads_a_body_of_exactly_content_length_bytes_up_to_the_limit() {
        let checks = "a body is Content-Length bytes long (16 is the limit here, and allowed); \
                      the next request follows right after it";
        let curl = "curl -v --data 0123456789abcdef http://127.0.0.1:8080/echo --next http://127.0.0.1:8080/";
        let post =
            "POST /echo HTTP/1.1\r\nHost: localhost\r\nContent-Length: 16\r\n\r\n0123456789abcdef";
        let echo = "HTTP/1.1 200 OK\r\nContent-Length: 16\r\n\r\n0123456789abcdef";
        let both = format!("{post}{GET}"); // sent together, answered one after the other
        talk(
            server(SMALL),
            checks,
            curl,
            &[(&both, echo), ("", HELLO)],
            false,
        );
    }

    #[test]
    fn a_body_over_the_limit_is_413_before_it_is_read() {
        let checks = "Content-Length 17 is over the limit of 16: 413 Content Too Large, at once \
                      (no waiting for the body, nothing allocated), then close";
        let curl = "curl -v --data 0123456789abcdefg http://127.0.0.1:8080/echo";
        let head = "POST /echo HTTP/1.1\r\nHost: localhost\r\nContent-Length: 17\r\n\r\n";
        refused(
            server(SMALL),
            checks,
            curl,
            head,
            &["413 Content Too Large"],
        );
        let checks = "Content-Length 1000000000000 (a terabyte) is refused with 413 at once";
        let huge =
            "POST /echo HTTP/1.1\r\nHost: localhost\r\nContent-Length: 1000000000000\r\n\r\n";
        refused(
            server(SMALL),
            checks,
            curl,
            huge,
            &["413 Content Too Large"],
        );
    }

    #[test]
    fn expect_100_continue_is_answered_before_the_body() {
        let checks = "`Expect: 100-continue` (any case): the client sends the body only after \
                      `HTTP/1.1 100 Continue` (RFC 9110 §10.1.1)";
        let curl = "curl -v -H 'Expect: 100-continue' --data ping http://127.0.0.1:8080/echo";
        let head = "POST /echo HTTP/1.1\r\nHost: localhost\r\nExpect: 100-Continue\r\nContent-Length: 4\r\n\r\n";
        let go_on = "HTTP/1.1 100 Continue\r\n\r\n";
        let pong = "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nping";
        talk(
            server(SMALL),
            checks,
            curl,
            &[(head, go_on), ("ping", pong)],
            false,
        );
        let checks = "a request that will be refused gets its final answer (413) instead of \
                      100 Continue, so the client never sends the body";
        let big = "POST /echo HTTP/1.1\r\nHost: localhost\r\nExpect: 100-continue\r\nContent-Length: 17\r\n\r\n";
        refused(server(SMALL), checks, curl, big, &["413 Content Too Large"]);
    }

    #[test]
    fn head_gets_the_headers_of_get_and_no_body() {
        let checks = "HEAD is answered with the status and headers of GET (Content-Length: 6 \
                      included) and NO body (RFC 9110 §9.3.2); then a GET on the same connection";
        let curl = "curl -v --head http://127.0.0.1:8080/ --next http://127.0.0.1:8080/";
        let head = "HEAD / HTTP/1.1\r\nHost: localhost\r\n\r\n";
        let headers = "HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\n";
        let nope = "HEAD /nope HTTP/1.1\r\nHost: localhost\r\n\r\n";
        let not_found = "HTTP/1.1 404 Not Found\r\nContent-Length: 10\r\n\r\n";
        let steps = [(head, headers), (nope, not_found), (GET, HELLO)];
        talk(server(SMALL), checks, curl, &steps, false);
    }

    #[test]
    fn connection_close_is_honoured() {
        let checks = "after `Connection: close` the server answers `Connection: close` and closes";
        let curl = "curl -v -H 'Connection: close' http://127.0.0.1:8080/";
        let request = "GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
        talk(server(SMALL), checks, curl, &[(request, CLOSE)], true);
    }

    #[test]
    fn http_1_0_closes_by_default_and_needs_no_host() {
        let checks = "an HTTP/1.0 request needs no Host; without `Connection: keep-alive` the \
                      server answers and closes";
        let curl = "curl -v --http1.0 -H 'Host:' http://127.0.0.1:8080/";
        talk(
            server(SMALL),
            checks,
            curl,
            &[("GET / HTTP/1.0\r\n\r\n", CLOSE)],
            true,
        );
    }

    #[test]
    fn http_1_1_needs_exactly_one_host() {
        let (addr, curl) = (server(SMALL), "curl -v -H 'Host:' http://127.0.0.1:8080/");
        let checks = "an HTTP/1.1 request without Host is 400 Bad Request (RFC 9112 §3.2)";
        refused(
            addr,
            checks,
            curl,
            "GET / HTTP/1.1\r\n\r\n",
            &["400 Bad Request"],
        );
        let checks = "a request with two Host lines (`Host` and `host`: names ignore case) is 400 \
                      Bad Request (RFC 9112 §3.2): which site did it ask for?";
        let two = "GET / HTTP/1.1\r\nHost: localhost\r\nhost: evil.example\r\n\r\n";
        refused(addr, checks, curl, two, &["400 Bad Request"]);
    }

    #[test]
    fn content_length_must_be_one_plain_number() {
        let addr = server(SMALL);
        let cases = [
            (
                "Content-Length: +4",
                "a sign (`+4`): Content-Length is digits only",
            ),
            ("Content-Length: -4", "a negative length"),
            ("Content-Length: 0x4", "a hexadecimal length"),
            ("Content-Length: four", "a length that is not a number"),
            ("Content-Length:", "an empty Content-Length"),
            ("Content-Length: 4, 4", "a list of lengths"),
            (
                "Content-Length: 4\r\ncontent-length: 5",
                "two different Content-Length lines",
            ),
            (
                "Content-Length: 4\r\nCONTENT-LENGTH: 4",
                "two Content-Length lines (names ignore case)",
            ),
        ];
        for (header, what) in cases {
            let checks = format!("{what} is 400 Bad Request, then close (RFC 9112 §6.3)");
            let request =
                format!("POST /echo HTTP/1.1\r\nHost: localhost\r\n{header}\r\n\r\npingpong");
            let curl = format!("curl -v -H '{header}' --data ping http://127.0.0.1:8080/echo");
            refused(addr, &checks, &curl, &request, &["400 Bad Request"]);
        }
    }

    #[test]
    fn transfer_encoding_is_refused_with_501() {
        let addr = server(SMALL);
        let checks = "this server does not decode chunked bodies: a request with \
                      `Transfer-Encoding` (any case) is 501 Not Implemented, then close";
        let curl = "curl -v -H 'Transfer-Encoding: chunked' --data ping http://127.0.0.1:8080/echo";
        let chunked = "POST /echo HTTP/1.1\r\nHost: localhost\r\ntransfer-encoding: chunked\r\n\r\n4\r\nping\r\n0\r\n\r\n";
        refused(addr, checks, curl, chunked, &["501 Not Implemented"]);
        let checks = "Transfer-Encoding AND Content-Length is request smuggling (RFC 9112 §6.3): \
                      refuse it (400 or 501) and close; never answer the request hidden in its body";
        let curl = "curl -v -H 'Transfer-Encoding: chunked' -H 'Content-Length: 5' --data ping http://127.0.0.1:8080/echo";
        let smuggled = "POST /echo HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\
                        Content-Length: 5\r\n\r\n0\r\n\r\nGET /nope HTTP/1.1\r\nHost: localhost\r\n\r\n";
        refused(
            addr,
            checks,
            curl,
            smuggled,
            &["501 Not Implemented", "400 Bad Request"],
        );
    }

    #[test]
    fn the_head_has_a_size_limit() {
        let addr = server(SMALL);
        let curl =
            "curl -v -H \"X-Pad: $(head -c 300 /dev/zero | tr '\\0' a)\" http://127.0.0.1:8080/";
        // "GET / HTTP/1.1\r\nHost: localhost\r\nX-Pad: …\r\n\r\n" is 44 bytes and the padding.
        let head = |size: usize| {
            format!(
                "GET / HTTP/1.1\r\nHost: localhost\r\nX-Pad: {}\r\n\r\n",
                "a".repeat(size - 44)
            )
        };
        let checks = "a head of exactly 256 bytes (the limit, line ends included) is answered";
        talk(addr, checks, curl, &[(&head(256), HELLO)], false);
        let checks =
            "a head of 257 bytes, one over the limit, is 431 Request Header Fields Too Large";
        refused(
            addr,
            checks,
            curl,
            &head(257),
            &["431 Request Header Fields Too Large"],
        );
        let checks = "a header line that never ends is 431 as soon as it passes the limit: \
                      never read a line without a bound";
        let endless = format!("GET / HTTP/1.1\r\nX-Pad: {}", "a".repeat(300));
        refused(
            addr,
            checks,
            curl,
            &endless,
            &["431 Request Header Fields Too Large"],
        );
    }

    #[test]
    fn a_silent_client_is_dropped_after_the_read_timeout() {
        let mut stream = connect(server(SMALL), 2000);
        let partial = "GET / HTTP/1.1\r\nHost: local";
        stream.write_all(partial.as_bytes()).unwrap();
        let start = Instant::now();
        let (received, end) = read_to_close(&mut stream);
        let waited = start.elapsed().as_millis();
        let text = String::from_utf8_lossy(&received);
        assert!(
            end.is_ok() && (received.is_empty() || text.starts_with("HTTP/1.1 408")),
            "\nthis test checks: a client that sends half a request and then nothing is dropped \
             after the read timeout (300 ms here: `Limits::read_timeout`), or it holds a thread \
             for ever\n\nsent:     {partial:?}\nreceived: {text:?}\nafter {waited} ms the \
             connection was {}\n",
            if end.is_ok() {
                "closed"
            } else {
                "still open: no read timeout?"
            }
        );
    }

    #[test]
    fn bad_input_is_answered_and_the_server_keeps_serving() {
        let addr = server(SMALL);
        let cases: [(&[u8], &str); 10] = [
            (
                b"GET /a / HTTP/1.1\r\nHost: localhost\r\n\r\n",
                "a request line of four parts",
            ),
            (
                b"GET / HTTP/1.1\r\nHost: localhost\r\nno colon\r\n\r\n",
                "a header line without `:`",
            ),
            (
                b"GET / HTTP/1.1\r\nHost : localhost\r\n\r\n",
                "a space before the colon (§5.1)",
            ),
            (
                b"GET / HTTP/1.1\r\nHost: localhost\r\nX-Pad : a\r\n\r\n",
                "a space before the colon of any header, Host present (RFC 9112 §5.1)",
            ),
            (
                b"GET /\xff\xfe HTTP/1.1\r\nHost: localhost\r\n\r\n",
                "bytes that are not UTF-8",
            ),
            (
                b"G@T / HTTP/1.1\r\nHost: localhost\r\n\r\n",
                "a method that is not a token (RFC 9110 §9.1)",
            ),
            (
                b"GET  HTTP/1.1\r\nHost: localhost\r\n\r\n",
                "an empty request target (RFC 9112 §3.2)",
            ),
            (
                b"GET /caf\xc3\xa9 HTTP/1.1\r\nHost: localhost\r\n\r\n",
                "a target with a byte that is not visible ASCII, here an unencoded \"\u{e9}\" (RFC 9112 §3.2)",
            ),
            (
                b"GET / HTTP/1.1\r\nHost: localhost\r\nX-Pad: a\0b\r\n\r\n",
                "a NUL inside a header value (RFC 9110 §5.5)",
            ),
            (
                b"GET / HTTP/1.1\r\nHost: localhost\r\nX-Pad: a\rb\r\n\r\n",
                "a bare CR inside a header value (RFC 9110 §5.5)",
            ),
        ];
        for (request, what) in cases {
            let checks = format!("{what} is 400 Bad Request, then close; no panic");
            let text = String::from_utf8_lossy(request);
            let curl = "(use printf and nc)";
            let mut stream = connect(addr, 1000);
            stream.write_all(request).unwrap();
            let (received, end) = read_to_close(&mut stream);
            let ok = String::from_utf8_lossy(&received).starts_with("HTTP/1.1 400 Bad Request\r\n");
            if !ok || end.is_err() {
                let problem = "expected `HTTP/1.1 400 Bad Request`, then the connection closed";
                panic!("{problem}{}", context(&checks, curl, &text, &received));
            }
        }
        let checks = "after all that, the server still answers a good request";
        talk(
            addr,
            checks,
            "curl -v http://127.0.0.1:8080/",
            &[(GET, HELLO)],
            false,
        );
    }

    #[test]
    fn end_of_file_inside_a_head_is_400_and_before_a_request_is_silent() {
        let addr = server(SMALL);
        let cut_short = [
            "GET / HTTP/1.1\r\nHost: localhost\r\n",
            "GET / HTTP/1.1\r\nHost: localhost\r\nX-Pad: \r\n",
            "GET / HT",
        ];
        for sent in cut_short {
            let mut stream = connect(addr, 1000);
            stream.write_all(sent.as_bytes()).unwrap();
            stream.shutdown(std::net::Shutdown::Write).unwrap();
            let (received, end) = read_to_close(&mut stream);
            let ok = String::from_utf8_lossy(&received).starts_with("HTTP/1.1 400 Bad Request\r\n");
            if !ok || end.is_err() {
                let checks = "a client that closes its side in the middle of a head (before the \
                              empty line) sent a broken request: 400 Bad Request, then close";
                let problem = "expected `HTTP/1.1 400 Bad Request`, then the connection closed";
                let curl = "(use printf and nc -N)";
                panic!("{problem}{}", context(checks, curl, sent, &received));
            }
        }
        for sent in ["", "\r\n", GET] {
            let mut stream = connect(addr, 1000);
            stream.write_all(sent.as_bytes()).unwrap();
            stream.shutdown(std::net::Shutdown::Write).unwrap();
            let (received, end) = read_to_close(&mut stream);
            let want = if sent == GET { HELLO } else { "" };
            if received != want.as_bytes() || end.is_err() {
                let checks = "a client that closes its side between two requests (before any \
                              line of the next head) gets no answer: the connection just closes";
                let problem = format!("expected exactly {want:?}, then the connection closed");
                panic!(
                    "{problem}{}",
                    context(checks, "(use printf and nc -N)", sent, &received)
                );
            }
        }
    }

    #[test]
    fn an_idle_client_does_not_block_others() {
        let patient = Limits {
            read_timeout: Duration::from_secs(10),
            ..SMALL
        };
        let (addr, curl) = (server(patient), "curl -v http://127.0.0.1:8080/");
        let _idle = TcpStream::connect(addr).unwrap(); // connects, then sends nothing
        let checks = "while another client is connected and silent, this one is answered \
                      (each connection needs a thread of its own)";
        talk(addr, checks, curl, &[(GET, HELLO)], false);
    }
}
