//! # A real server on a TCP socket
//!
//! Until now requests were strings. A real server listens on a TCP port, accepts
//! connections, and on each one reads bytes, finds where a request ends, answers,
//! and decides whether to keep the connection open for the next request.
//!
//! - **Framing.** The head of a request ends at the first empty line; a body
//!   follows only if `Content-Length` says so, and is exactly that many bytes
//!   (RFC 9112 §6.3). Never read "until the end": the client keeps the
//!   connection open while it waits for your answer, so you would wait forever.
//! - **Persistence.** An HTTP/1.1 connection stays open after a response, so the
//!   client can send its next request on it ("keep-alive"). It closes after the
//!   response if the request says `Connection: close`, or is HTTP/1.0 without
//!   `Connection: keep-alive` (RFC 9112 §9.3); the server then says
//!   `Connection: close` too (§9.6). After a malformed request nobody can tell
//!   where the next one starts: answer 400 and close.
//! - **Concurrency.** Serve each connection on its own thread, or one idle client
//!   blocks everyone (real servers use a pool or async tasks: topic 03).
//!
//! Try it: `cargo run --bin http8`, then `curl -v http://127.0.0.1:8080/`.
//! Read more: RFC 9112 §2.1, §6.3, §9.3, §9.6; https://doc.rust-lang.org/std/net/

use std::io::{self, BufRead, BufReader, ErrorKind, Write};
use std::net::{TcpListener, TcpStream};
use std::thread;

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
        let mut headers = Vec::new();
        for line in &lines[1..] {
            let (name, value) = line.split_once(':')?;
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
        ("GET", "/") => ("200 OK", b"hello\n".to_vec()),
        ("POST", "/echo") => ("200 OK", request.body.clone()),
        _ => ("404 Not Found", b"not found\n".to_vec()),
    }
}

/// Provided (http3): writes a response, with `Connection: close` if `close`.
fn write_response(out: &mut impl Write, status: &str, body: &[u8], close: bool) -> io::Result<()> {
    let length = body.len();
    write!(out, "HTTP/1.1 {status}\r\nContent-Length: {length}\r\n")?;
    if close {
        write!(out, "Connection: close\r\n")?;
    }
    write!(out, "\r\n")?;
    out.write_all(body)?;
    out.flush()
}

/// Reads one request. `Ok(None)`: the client closed the connection instead of
/// sending another request. An error of kind `InvalidData`: a malformed request.
fn read_request(reader: &mut impl BufRead) -> io::Result<Option<Request>> {
    let malformed = || io::Error::new(ErrorKind::InvalidData, "malformed request");
    let mut head = Vec::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            // End of file: fine between two requests, not in the middle of one.
            return if head.is_empty() {
                Ok(None)
            } else {
                Err(malformed())
            };
        }
        let line = line.trim_end_matches(['\r', '\n']);
        if line.is_empty() {
            break;
        }
        head.push(line.to_string());
    }
    let mut request = Request::parse_head(&head).ok_or_else(malformed)?;
    let length = request.header("Content-Length").unwrap_or("0").parse();
    request.body = vec![0; length.map_err(|_| malformed())?]; // no limit yet: topic 08
    reader.read_exact(&mut request.body)?;
    Ok(Some(request))
}

/// Answers the requests of one connection, one after another, until it closes.
fn handle_connection(mut stream: TcpStream) -> io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    loop {
        let request = match read_request(&mut reader) {
            Ok(Some(request)) => request,
            Ok(None) => return Ok(()),
            Err(e) if e.kind() == ErrorKind::InvalidData => {
                return write_response(&mut stream, "400 Bad Request", b"bad request\n", true);
            }
            Err(e) => return Err(e),
        };
        let (status, body) = route(&request);
        let close = request.wants_close();
        write_response(&mut stream, status, &body, close)?;
        if close {
            return Ok(());
        }
    }
}

/// Accepts connections forever.
fn serve(listener: TcpListener) {
    for stream in listener.incoming().flatten() {
        thread::spawn(move || handle_connection(stream));
    }
}

fn main() -> io::Result<()> {
    let listener = TcpListener::bind("127.0.0.1:8080")?;
    println!("listening on http://{}", listener.local_addr()?);
    serve(listener);
    Ok(())
}

// ---- grading tests: read them, but do not change them ----
#[cfg(test)]
mod tests {
    use super::*;
    use std::{io::Read, net::SocketAddr, time::Duration};

    const GET: &str = "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n";
    const HELLO: &str = "HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nhello\n";
    const CLOSE: &str = "HTTP/1.1 200 OK\r\nContent-Length: 6\r\nConnection: close\r\n\r\nhello\n";

    /// Starts `serve` on a free port, in the background.
    fn server() -> SocketAddr {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        thread::spawn(move || serve(listener));
        addr
    }

    /// Opens a connection, sends each request and expects exactly its response,
    /// then, if `closes`, expects the server to close the connection.
    /// A failure shows the whole exchange and how to replay it.
    fn talk(addr: SocketAddr, checks: &str, curl: &str, steps: &[(&str, &str)], closes: bool) {
        let mut stream = TcpStream::connect(addr).unwrap();
        let timeout = Some(Duration::from_secs(1));
        stream.set_read_timeout(timeout).unwrap();
        let (mut sent, mut received) = (String::new(), Vec::new());
        let context = |sent: &str, received: &[u8]| {
            let (received, printf) = (String::from_utf8_lossy(received), sent.replace('\r', "\\r"));
            format!(
                "\nthis test checks: {checks}\n\nsent:     {sent:?}\nreceived: {received:?}\n\n\
                 replay it: `cargo run --bin http8`, then in another terminal\n  {curl}\n\
                 or, byte for byte: printf '{}' | nc 127.0.0.1 8080\n",
                printf.replace('\n', "\\n")
            )
        };
        for (request, response) in steps {
            sent.push_str(request);
            if let Err(e) = stream.write_all(request.as_bytes()) {
                let problem = format!("could not send the request ({e})");
                panic!("{problem}{}", context(&sent, &received));
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
                panic!("{problem}{}", context(&sent, &received));
            }
        }
        let closed = |read: io::Result<usize>| match read {
            Ok(n) => n == 0,
            Err(e) => e.kind() == ErrorKind::ConnectionReset,
        };
        if closes && !closed(stream.read(&mut [0; 64])) {
            let problem = "the server should close the connection after this response";
            panic!("{problem}{}", context(&sent, &received));
        }
    }

    #[test]
    fn serves_several_connections() {
        let (addr, curl) = (server(), "curl -v http://127.0.0.1:8080/");
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
        let steps = [(GET, HELLO), (nope, not_found)];
        talk(server(), checks, curl, &steps, false);
    }

    #[test]
    fn reads_exactly_content_length_bytes_of_body() {
        let checks = "a body is Content-Length bytes long; the next request follows right after it";
        let curl = "curl -v --data ping http://127.0.0.1:8080/echo --next http://127.0.0.1:8080/";
        let post = "POST /echo HTTP/1.1\r\nHost: localhost\r\nContent-Length: 4\r\n\r\nping";
        let pong = "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nping";
        let both = format!("{post}{GET}"); // sent together, answered one after the other
        talk(server(), checks, curl, &[(&both, pong), ("", HELLO)], false);
    }

    #[test]
    fn connection_close_is_honoured() {
        let checks = "after `Connection: close` the server answers `Connection: close` and closes";
        let curl = "curl -v -H 'Connection: close' http://127.0.0.1:8080/";
        let request = "GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
        talk(server(), checks, curl, &[(request, CLOSE)], true);
    }

    #[test]
    fn http_1_0_closes_by_default() {
        let checks = "after an HTTP/1.0 request without `Connection: keep-alive` the server closes";
        let curl = "curl -v --http1.0 http://127.0.0.1:8080/";
        let request = "GET / HTTP/1.0\r\n\r\n";
        talk(server(), checks, curl, &[(request, CLOSE)], true);
    }

    #[test]
    fn malformed_request_is_400_and_closes() {
        let checks = "a malformed request line is answered with 400, then the server closes";
        let curl = "curl -v -X 'GET /a' http://127.0.0.1:8080/";
        let request = "GET /a / HTTP/1.1\r\nHost: localhost\r\n\r\n";
        let bad = "HTTP/1.1 400 Bad Request\r\nContent-Length: 12\r\nConnection: close\r\n\r\n";
        let bad = format!("{bad}bad request\n");
        talk(server(), checks, curl, &[(request, &bad)], true);
    }

    #[test]
    fn an_idle_client_does_not_block_others() {
        let (addr, curl) = (server(), "curl -v http://127.0.0.1:8080/");
        let _idle = TcpStream::connect(addr).unwrap(); // connects, then sends nothing
        let checks = "while another client is connected and silent, this one is answered";
        talk(addr, checks, curl, &[(GET, HELLO)], false);
    }
}
