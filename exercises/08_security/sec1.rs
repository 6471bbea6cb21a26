//! # A server that survives hostile clients
//!
//! The server of http8 caps the head and has a read timeout. An attacker
//! still takes it down with a laptop:
//! - **Slowloris.** Send a request one byte every few hundred milliseconds. Each
//!   read succeeds before the read timeout, so the connection lives for ever;
//!   a few thousand such connections hold every thread. The cure is a
//!   **deadline** for the whole request: however the bytes trickle in, the head
//!   must be complete in, say, 10 seconds, or the answer is `408 Request Timeout`
//!   (RFC 9110 §15.5.9). Each request of a keep-alive connection gets its own.
//! - **Many small headers.** A head of 8 KiB holds a thousand empty `X-a:`
//!   fields, each one work (and memory) for every layer above. Cap the number
//!   of fields too: `431 Request Header Fields Too Large` (RFC 6585 §5).
//! - **Many connections.** A thread per connection, without a limit, is a
//!   thread per attacker's socket, until the process cannot make one more. Cap
//!   the connections being served; beyond the cap answer
//!   `503 Service Unavailable` with `Retry-After` (RFC 9110 §15.6.4) and close.
//!   A slot taken must be given back however the connection ends: normally, in
//!   error, or in a panic of a buggy handler (a value whose `Drop` gives it back
//!   does that on every path: the RAII pattern). Many connections arrive at
//!   once, so checking the count and taking a place is ONE atomic step: a load
//!   and then an add lets two of them take the last place. The count in this
//!   file is the course's `AtomicUsize` (`mod watched`, at the bottom: it works
//!   like std's), which lets the tests pause a thread between any two of your
//!   operations on it and make that race happen every time.
//!
//! The provided parser keeps two more rules of HTTP/1.1 that a hostile client
//! leans on: no white space between a field name and its colon (RFC 9112 §5.1:
//! `Content-Length : 5` is refused with 400, or a proxy that reads the length
//! and a server that ignores the odd name disagree on where the request ends,
//! and the body runs as a second request), and the answer to a `HEAD` is the
//! head GET would get, without the content (RFC 9110 §9.3.2).
//!
//! None of these is exotic: servers such as nginx and hyper have a setting for
//! each (`client_header_timeout`, `header_read_timeout`, `max_headers`,
//! `worker_connections`). Read more: RFC 9110 §15.5.9 and §15.6.4, RFC 6585 §5,
//! RFC 9112 §5.1, RFC 9110 §9.3.2;
//! https://en.wikipedia.org/wiki/Slowloris_(cyber_attack)

use std::io::{self, BufRead, BufReader, ErrorKind, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::thread;
use std::time::{Duration, Instant};
use watched::AtomicUsize;

/// What one client may cost the server. The tests use small ones.
#[derive(Clone, Copy)]
struct Limits {
    /// Bytes of the head: request line, header lines and the empty line, line ends included.
    max_head: usize,
    /// Header fields (lines after the request line) in one head.
    max_headers: usize,
    /// How long to wait for the client's next bytes.
    read_timeout: Duration,
    /// How long one request may take to arrive, from when the server starts waiting for it.
    request_deadline: Duration,
    /// Connections served at the same time.
    max_connections: usize,
}

const LIMITS: Limits = Limits {
    max_head: 8 * 1024,
    max_headers: 64,
    read_timeout: Duration::from_secs(5),
    request_deadline: Duration::from_secs(10),
    max_connections: 256,
};

/// Why no request could be read: a status to answer before closing, or a broken connection.
enum Failure {
    Refuse(&'static str),
    Io(io::Error),
}

impl From<io::Error> for Failure {
    fn from(e: io::Error) -> Failure {
        match e.kind() {
            ErrorKind::InvalidData => Failure::Refuse("400 Bad Request"),
            ErrorKind::WouldBlock | ErrorKind::TimedOut => Failure::Refuse("408 Request Timeout"),
            _ => Failure::Io(e),
        }
    }
}

/// Reads from a connection, never waiting past the deadline of the request being read.
struct DeadlineReader {
    stream: TcpStream,
    read_timeout: Duration,
    /// When the request being read must be complete.
    deadline: Option<Instant>,
}

impl Read for DeadlineReader {
    // TODO: a client that trickles one byte at a time makes every read succeed within
    // `read_timeout`. When a `deadline` is set, no read may wait past it: once it has
    // passed, fail with an error of kind `ErrorKind::TimedOut` (the caller answers 408);
    // before, wait at most until the deadline (and never longer than `read_timeout`).
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.stream.set_read_timeout(Some(self.read_timeout))?;
        self.stream.read(buf)
    }
}

/// Provided (http8): the lines of one head, without line ends and the empty line.
/// `Ok(None)`: the client closed the connection between two requests.
fn read_head(reader: &mut impl BufRead, limits: &Limits) -> Result<Option<Vec<String>>, Failure> {
    let (mut lines, mut used) = (Vec::new(), 0);
    loop {
        let mut line = String::new();
        let room = (limits.max_head - used) as u64;
        used += reader.by_ref().take(room).read_line(&mut line)?;
        let Some(line) = line.strip_suffix('\n') else {
            return match (used == limits.max_head, lines.is_empty() && line.is_empty()) {
                (true, _) => Err(Failure::Refuse("431 Request Header Fields Too Large")),
                (false, true) => Ok(None),
                (false, false) => Err(Failure::Refuse("400 Bad Request")),
            };
        };
        let line = line.strip_suffix('\r').unwrap_or(line);
        match (line.is_empty(), lines.is_empty()) {
            (true, true) => continue, // empty lines before a request are ignored (RFC 9112 §2.2)
            (true, false) => return Ok(Some(lines)),
            (false, _) => {}
        }
        // TODO: more than `limits.max_headers` header fields (the lines after the request
        // line, repeated names included) is "431 Request Header Fields Too Large".
        lines.push(line.to_string());
    }
}

/// Provided: reads one request (HTTP/1.1, no body: this server takes none), or why not.
/// The request is its method and target, and whether the client asked to close afterwards.
fn read_request(
    reader: &mut impl BufRead,
    limits: &Limits,
) -> Result<Option<(String, bool)>, Failure> {
    let Some(lines) = read_head(reader, limits)? else {
        return Ok(None);
    };
    let bad = Failure::Refuse("400 Bad Request");
    let parts: Vec<&str> = lines[0].split(' ').collect();
    let [method, target, version] = parts[..] else {
        return Err(bad);
    };
    if version != "HTTP/1.1" {
        return Err(Failure::Refuse("505 HTTP Version Not Supported"));
    }
    let mut close = false;
    for field in &lines[1..] {
        let (name, value) = field
            .split_once(':')
            .ok_or(Failure::Refuse("400 Bad Request"))?;
        // A field name is a token: no white space, and none before the colon (RFC 9112 §5.1:
        // `Content-Length : 5` must be refused with 400, or one reader of it takes the body as
        // a second request while another does not).
        let tchar = |b: u8| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b);
        if name.is_empty() || !name.bytes().all(tchar) {
            return Err(Failure::Refuse("400 Bad Request"));
        }
        let body = name.eq_ignore_ascii_case("content-length") && value.trim() != "0";
        if body || name.eq_ignore_ascii_case("transfer-encoding") {
            return Err(Failure::Refuse("413 Content Too Large"));
        }
        let option = |o: &str| o.trim().eq_ignore_ascii_case("close");
        close |= name.eq_ignore_ascii_case("connection") && value.split(',').any(option);
    }
    Ok(Some((format!("{method} {target}"), close)))
}

/// Provided: writes a response with `Content-Length`, `extra` headers and the body.
fn write_response(
    out: &mut impl Write,
    status: &str,
    extra: &[(&str, &str)],
    body: &[u8],
    close: bool,
) -> io::Result<()> {
    write_message(out, status, extra, body.len(), body, close)
}

/// Provided: writes a response with `Content-Length: length`, `extra` headers and `content`:
/// the body, or nothing in the answer to a HEAD (`length` is then that of the body GET gets).
fn write_message(
    out: &mut impl Write,
    status: &str,
    extra: &[(&str, &str)],
    length: usize,
    content: &[u8],
    close: bool,
) -> io::Result<()> {
    let mut response = format!("HTTP/1.1 {status}\r\nContent-Length: {length}\r\n");
    for (name, value) in extra {
        response += &format!("{name}: {value}\r\n");
    }
    response += if close {
        "Connection: close\r\n\r\n"
    } else {
        "\r\n"
    };
    let mut response = response.into_bytes();
    response.extend_from_slice(content);
    out.write_all(&response)?; // one write: one packet, for small responses
    out.flush()
}

/// Provided (http8): stop writing, then read and drop what the client still sends for a
/// short while, so that closing does not reset the connection before the answer is read.
fn linger_close(stream: &TcpStream) {
    let _ = stream.shutdown(Shutdown::Write);
    let _ = stream.set_read_timeout(Some(Duration::from_millis(100)));
    let (mut sink, until) = ([0u8; 1024], Instant::now() + Duration::from_millis(500));
    while Instant::now() < until && matches!((&*stream).read(&mut sink), Ok(n) if n > 0) {}
}

fn handle_connection(stream: TcpStream, limits: Limits) -> io::Result<()> {
    stream.set_write_timeout(Some(limits.read_timeout))?;
    let mut out = stream.try_clone()?;
    let read_timeout = limits.read_timeout;
    let reader = DeadlineReader {
        stream,
        read_timeout,
        deadline: None,
    };
    let mut reader = BufReader::new(reader);
    loop {
        // TODO: each request must arrive within `limits.request_deadline` from when the
        // server starts waiting for it (set the reader's deadline).
        let (request, close) = match read_request(&mut reader, &limits) {
            Ok(Some(request)) => request,
            Ok(None) => return Ok(()),
            Err(Failure::Refuse(status)) => {
                let body = format!("{status}\n");
                write_response(&mut out, status, &[], body.as_bytes(), true)?;
                linger_close(&out);
                return Ok(());
            }
            Err(Failure::Io(e)) => return Err(e),
        };
        // HEAD is answered as GET would be, without the content (RFC 9110 §9.3.2).
        let (method, target) = request.split_once(' ').unwrap_or_default();
        let (status, body): (&str, &[u8]) = match (method, target) {
            ("GET" | "HEAD", "/") => ("200 OK", b"hello\n"),
            ("GET" | "HEAD", "/panic") => panic!("/panic: a handler that panics (on purpose)"),
            _ => ("404 Not Found", b"not found\n"),
        };
        let content = if method == "HEAD" { &[][..] } else { body };
        write_message(&mut out, status, &[], body.len(), content, close)?;
        if close {
            return Ok(()); // the request was read whole: closing loses nothing
        }
    }
}

/// A place among the connections being served; dropping it gives the place back.
struct Slot(Arc<AtomicUsize>);

impl Slot {
    // TODO: take a place if fewer than `max` of the `active` count are taken, else `None`.
    // The count is shared: read and change it in one atomic step.
    fn take(active: &Arc<AtomicUsize>, max: usize) -> Option<Slot> {
        todo!()
    }
}

impl Drop for Slot {
    // TODO: give the place back. `drop` runs however its owner's life ends: a return, an
    // error passed up with `?`, or a panic unwinding the thread.
    fn drop(&mut self) {}
}

/// Accepts connections forever, a thread for each.
// TODO: serve at most `limits.max_connections` connections at a time (a `Slot` each).
// Beyond that, answer "503 Service Unavailable" with a `Retry-After` header (in seconds)
// and close (`linger_close`), without making the accept loop wait on that client. A
// connection gives its place back however it ends: normally, in an error, or in a panic
// of its handler.
fn serve(listener: TcpListener, limits: Limits) {
    for stream in listener.incoming().flatten() {
        let _ = thread::Builder::new().spawn(move || handle_connection(stream, limits));
    }
}

fn main() -> io::Result<()> {
    let listener = TcpListener::bind("127.0.0.1:8080")?;
    println!("listening on http://{}", listener.local_addr()?);
    serve(listener, LIMITS);
    Ok(())
}

/// Course code, no need to change it: the `AtomicUsize` this file uses. It works like
/// `std::sync::atomic::AtomicUsize` (the same methods), and lets the tests pause a thread
/// right after any of its operations, so they can run another thread's `take` in between:
/// the interleaving where two connections race for the last place.
mod watched {
    use std::cell::RefCell;
    use std::sync::atomic::{self, Ordering};

    thread_local! {
        /// What runs on this thread right after each operation (tests only).
        pub static AFTER_OP: RefCell<Option<Box<dyn Fn()>>> = RefCell::new(None);
    }

    // not graded: the tests' window into the count; it does not change what it does
    fn after<T>(value: T) -> T {
        AFTER_OP.with(|hook| {
            if let Some(hook) = hook.borrow().as_ref() {
                hook();
            }
        });
        value
    }

    #[derive(Debug, Default)]
    pub struct AtomicUsize(atomic::AtomicUsize);

    // not graded: each method is std's, then the hook
    #[allow(dead_code)]
    impl AtomicUsize {
        pub const fn new(value: usize) -> Self {
            AtomicUsize(atomic::AtomicUsize::new(value))
        }
        pub fn load(&self, order: Ordering) -> usize {
            after(self.0.load(order))
        }
        pub fn store(&self, value: usize, order: Ordering) {
            after(self.0.store(value, order))
        }
        pub fn swap(&self, value: usize, order: Ordering) -> usize {
            after(self.0.swap(value, order))
        }
        pub fn fetch_add(&self, value: usize, order: Ordering) -> usize {
            after(self.0.fetch_add(value, order))
        }
        pub fn fetch_sub(&self, value: usize, order: Ordering) -> usize {
            after(self.0.fetch_sub(value, order))
        }
        pub fn fetch_max(&self, value: usize, order: Ordering) -> usize {
            after(self.0.fetch_max(value, order))
        }
        pub fn fetch_min(&self, value: usize, order: Ordering) -> usize {
            after(self.0.fetch_min(value, order))
        }
        pub fn compare_exchange(
            &self,
            current: usize,
            new: usize,
            success: Ordering,
            failure: Ordering,
        ) -> Result<usize, usize> {
            after(self.0.compare_exchange(current, new, success, failure))
        }
        pub fn compare_exchange_weak(
            &self,
            current: usize,
            new: usize,
            success: Ordering,
            failure: Ordering,
        ) -> Result<usize, usize> {
            after(self.0.compare_exchange_weak(current, new, success, failure))
        }
        pub fn fetch_update(
            &self,
            set: Ordering,
            fetch: Ordering,
            f: impl FnMut(usize) -> Option<usize>,
        ) -> Result<usize, usize> {
            after(self.0.fetch_update(set, fetch, f))
        }
    }
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
    use std::net::SocketAddr;
    use std::sync::OnceLock;

    const GET: &str = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
    const HELLO: &str = "HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nhello\n";
    /// Small limits, so that the tests reach them quickly.
    const SMALL: Limits = Limits {
        max_head: 1024,
        max_headers: 8,
        read_timeout: Duration::from_millis(200),
        request_deadline: Duration::from_millis(400),
        max_connections: 16,
    };
    /// A cap of 2 connections.
    const TWO: Limits = Limits {
        max_connections: 2,
        ..SMALL
    };
    /// A cap of 2 connections, and time limits that no test reaches.
    const PATIENT: Limits = Limits {
        read_timeout: Duration::from_secs(5),
        request_deadline: Duration::from_secs(5),
        ..TWO
    };

    fn server(limits: Limits) -> SocketAddr {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        thread::spawn(move || serve(listener, limits));
        addr
    }

    fn connect(addr: SocketAddr) -> TcpStream {
        let stream = TcpStream::connect(addr).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(2)))
            .unwrap();
        stream
    }

    /// Reads until the server closes (or 2 s pass): what came, and whether it closed.
    fn read_to_close(stream: &mut TcpStream) -> (String, bool) {
        let mut received = Vec::new();
        let closed = stream.read_to_end(&mut received).is_ok();
        (String::from_utf8_lossy(&received).into_owned(), closed)
    }

    /// Reads exactly `want.len()` bytes, which must be `want`.
    fn expect_answer(stream: &mut TcpStream, want: &str, checks: &str) {
        let mut got = vec![0; want.len()];
        let read = stream.read_exact(&mut got);
        let got = String::from_utf8_lossy(&got);
        assert!(
            read.is_ok() && got == want,
            "\n{checks}\nexpected: {want:?}\nreceived: {got:?} ({})\n",
            match read {
                Ok(()) => "wrong bytes".to_string(),
                Err(e) => format!("then: {e}"),
            }
        );
    }

    /// Sends `request` on a new connection; the answer must start with `status` and close.
    fn expect_refusal(addr: SocketAddr, request: &str, status: &str, checks: &str) {
        expect_refusal_within(addr, request, status, checks, Duration::from_secs(2));
    }

    /// `expect_refusal`, waiting at most `patience` for each read (generated cases: a wrong
    /// server that keeps the connection open fails fast).
    fn expect_refusal_within(
        addr: SocketAddr,
        request: &str,
        status: &str,
        checks: &str,
        patience: Duration,
    ) {
        let mut stream = connect(addr);
        stream.set_read_timeout(Some(patience)).unwrap();
        stream.write_all(request.as_bytes()).unwrap();
        let (got, closed) = read_to_close(&mut stream);
        let ok = got.starts_with(&format!("HTTP/1.1 {status}\r\n"))
            && got.contains("Connection: close\r\n")
            && closed;
        assert!(
            ok,
            "\n{checks}\nsent:     {request:?}\nreceived: {got:?}\nexpected `HTTP/1.1 {status}` \
             with `Connection: close`, then the connection closed{}\n",
            if closed { "" } else { " (it stayed open)" }
        );
    }

    /// How long a generated case waits for each read: a right answer takes milliseconds.
    const PATIENCE: Duration = Duration::from_millis(500);

    /// One server for all generated cases of a test (each case is a connection of its own).
    fn shared_server() -> SocketAddr {
        static ADDR: OnceLock<SocketAddr> = OnceLock::new();
        *ADDR.get_or_init(|| {
            server(Limits {
                max_connections: 64,
                ..PATIENT
            })
        })
    }

    /// A server (one per pair of limits, shared by the cases) that allows `max_headers`
    /// fields and `max_head` bytes of head.
    fn server_with(max_headers: usize, max_head: usize) -> SocketAddr {
        static SERVERS: std::sync::Mutex<Vec<((usize, usize), SocketAddr)>> =
            std::sync::Mutex::new(Vec::new());
        let mut servers = SERVERS.lock().unwrap();
        let key = (max_headers, max_head);
        if let Some((_, addr)) = servers.iter().find(|(limits, _)| *limits == key) {
            return *addr;
        }
        let addr = server(Limits {
            max_headers,
            max_head,
            max_connections: 64,
            ..PATIENT
        });
        servers.push((key, addr));
        addr
    }

    fn server_with_max_headers(max_headers: usize) -> SocketAddr {
        server_with(max_headers, 64 * 1024)
    }

    /// Any header name: the framing ones in any case, or a name of letters, digits and `-`.
    fn header_name() -> impl Strategy<Value = String> {
        prop_oneof![
            any_case("content-length"),
            any_case("transfer-encoding"),
            any_case("host"),
            any_case("connection"),
            "[A-Za-z][A-Za-z0-9-]{0,12}",
        ]
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
        #![proptest_config(crate::generated::config(48))]

        #[test]
        fn white_space_before_the_colon_is_400(
            name in header_name(),
            space in "[ \t]{1,3}",
        ) {
            quiet(|| {
                let next = "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
                let request = format!(
                    "GET / HTTP/1.1\r\nHost: x\r\n{name}{space}: {}\r\n\r\n{next}",
                    next.len()
                );
                let checks = format!(
                    "the field `{name}{space}: ...` has white space between its name and the colon: \
                     RFC 9112 §5.1 says a server MUST answer 400 Bad Request (then close here). \
                     Ignoring the odd name, a `Content-Length : 46` is not read as a length, and \
                     the 46 bytes after the head run as a second request"
                );
                expect_refusal_within(
                    shared_server(),
                    &request,
                    "400 Bad Request",
                    &checks,
                    PATIENCE,
                );
                Ok(())
            })?;
        }

        #[test]
        fn more_header_fields_than_the_limit_is_431(
            max_headers in prop_oneof![Just(0usize), Just(1), Just(2), Just(8), Just(100)],
            over in -2i64..=2,
            names in prop::collection::vec(
                prop_oneof![any_case("host"), any_case("x-same"), "[A-Za-z][A-Za-z0-9-]{0,8}"],
                1..4,
            ),
        ) {
            quiet(|| {
                let fields = (max_headers as i64 + over).max(0) as usize;
                let head: String = (0..fields)
                    .map(|n| format!("{}: {n}\r\n", names[n % names.len()]))
                    .collect();
                let request = format!("GET / HTTP/1.1\r\n{head}Connection: close\r\n\r\n");
                // `Connection: close` is one more field.
                let total = fields + 1;
                let addr = server_with_max_headers(max_headers);
                if total <= max_headers {
                    let mut stream = connect(addr);
                    stream.write_all(request.as_bytes()).unwrap();
                    let (got, _) = read_to_close(&mut stream);
                    prop_assert!(
                        got.starts_with("HTTP/1.1 200 OK\r\n"),
                        "{} header fields with a limit of {} are allowed (the limit is included; \
                         the request line is not a field); the answer was {:?}",
                        total, max_headers, got
                    );
                } else {
                    let checks = format!(
                        "{total} header fields (names {names:?}, repeated names count each time) \
                         with a limit of {max_headers}: 431 Request Header Fields Too Large, then \
                         close"
                    );
                    expect_refusal_within(
                        addr,
                        &request,
                        "431 Request Header Fields Too Large",
                        &checks,
                        PATIENCE,
                    );
                }
                Ok(())
            })?;
        }

        #[test]
        fn the_head_is_limited_in_bytes(
            max_head in prop_oneof![Just(64usize), Just(300), Just(1024)],
            over in prop_oneof![Just(-1i64), Just(0), Just(1), -40i64..=40],
            multibyte in any::<bool>(),
        ) {
            quiet(|| {
                let start = "GET / HTTP/1.1\r\nHost: x\r\nX-Pad: ";
                let size = (max_head as i64 + over) as usize;
                let pad_bytes = size.saturating_sub(start.len() + 4);
                // Padding of 2-byte characters where it fits: the limit counts bytes.
                let pad: String = match multibyte {
                    true => "é".repeat(pad_bytes / 2) + &"a".repeat(pad_bytes % 2),
                    false => "a".repeat(pad_bytes),
                };
                let request = format!("{start}{pad}\r\n\r\n");
                let (size, addr) = (request.len(), server_with(8, max_head));
                if size <= max_head {
                    let mut stream = connect(addr);
                    stream.write_all(request.as_bytes()).unwrap();
                    let checks = format!(
                        "a head of {size} bytes (line ends included) with a limit of \
                         {max_head} bytes is allowed"
                    );
                    expect_answer(&mut stream, HELLO, &checks);
                } else {
                    let checks = format!(
                        "a head of {size} bytes is over the limit of {max_head} bytes (bytes, \
                         not characters): 431 Request Header Fields Too Large, then close"
                    );
                    let status = "431 Request Header Fields Too Large";
                    expect_refusal_within(addr, &request, status, &checks, PATIENCE);
                }
                Ok(())
            })?;
        }

        #[test]
        fn a_body_is_refused_whatever_the_case_of_its_field(
            name in prop_oneof![any_case("content-length"), any_case("transfer-encoding")],
            length in prop_oneof![Just(0usize), Just(1), 2usize..100],
        ) {
            quiet(|| {
                let addr = shared_server();
                let framing = name.eq_ignore_ascii_case("transfer-encoding");
                let value = if framing { "chunked".to_string() } else { length.to_string() };
                let request = format!("GET / HTTP/1.1\r\nHost: x\r\n{name}: {value}\r\n\r\n");
                if !framing && length == 0 {
                    let mut stream = connect(addr);
                    stream.write_all(request.as_bytes()).unwrap();
                    let checks = format!("`{name}: 0` announces no body: the request is served");
                    expect_answer(&mut stream, HELLO, &checks);
                } else {
                    let checks = format!(
                        "`{name}: {value}` announces a body, which this server takes none of \
                         (names in any case): 413 Content Too Large, then close, before the \
                         body can be read as a request"
                    );
                    expect_refusal_within(
                        addr,
                        &request,
                        "413 Content Too Large",
                        &checks,
                        PATIENCE,
                    );
                }
                Ok(())
            })?;
        }

        #[test]
        fn connection_close_in_any_case_ends_the_connection(
            options in prop::collection::vec(
                prop_oneof![
                    any_case("close"),
                    Just("keep-alive".to_string()),
                    Just("upgrade".to_string()),
                    Just("closed".to_string()),
                ],
                0..3,
            ),
            spaces in "[ \t]{0,2}",
            decoy in any::<bool>(),
        ) {
            quiet(|| {
                let mut stream = connect(shared_server());
                let value = options.join(&format!(",{spaces}"));
                let decoy = if decoy { "X-Note: close\r\n" } else { "" };
                let field = if options.is_empty() {
                    String::new()
                } else {
                    format!("Connection: {spaces}{value}\r\n")
                };
                let request = format!("GET / HTTP/1.1\r\nHost: x\r\n{decoy}{field}\r\n");
                stream.write_all(request.as_bytes()).unwrap();
                let closing = "HTTP/1.1 200 OK\r\nContent-Length: 6\r\nConnection: close\r\n\r\nhello\n";
                let rule = "the option `close` (any case) in a `Connection` field, and only there, \
                            ends the connection after the answer";
                if options.iter().any(|o| o.eq_ignore_ascii_case("close")) {
                    stream.set_read_timeout(Some(PATIENCE)).unwrap();
                    let (got, closed) = read_to_close(&mut stream);
                    prop_assert!(
                        got == closing && closed,
                        "sent {:?}, received {:?} and the connection {}; expected {:?}, then the \
                         close: {}",
                        request,
                        got,
                        if closed { "closed" } else { "stayed open" },
                        closing,
                        rule
                    );
                } else {
                    let checks = format!("sent {request:?}, which does not ask to close: {rule}");
                    expect_answer(&mut stream, HELLO, &checks);
                    let last = "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
                    let _ = stream.write_all(last.as_bytes());
                    let (got, _) = read_to_close(&mut stream);
                    prop_assert!(
                        got == closing,
                        "sent {:?}, then on the same connection {:?}: the second request got \
                         {:?}, expected {:?}: the connection must stay open when nothing asks \
                         to close it ({})",
                        request,
                        last,
                        got,
                        closing,
                        rule
                    );
                }
                Ok(())
            })?;
        }

        #[test]
        fn a_head_that_is_not_text_or_is_cut_off_is_400(
            bad in prop_oneof![
                (0x80u8..=0xff).prop_map(|b| vec![b]),
                Just(vec![0xc3]),
                Just(vec![0xe2, 0x82]),
            ],
            cut in 1usize..14,
        ) {
            quiet(|| {
                let addr = shared_server();
                let mut request = b"GET / HTTP/1.1\r\nHost: x\r\nX-Name: a".to_vec();
                request.extend_from_slice(&bad);
                request.extend_from_slice(b"\r\n\r\n");
                let mut stream = connect(addr);
                stream.write_all(&request).unwrap();
                let (got, _) = read_to_close(&mut stream);
                prop_assert!(
                    got.starts_with("HTTP/1.1 400 Bad Request\r\n"),
                    "a header value with the bytes {:x?}, which are not UTF-8 text, was answered \
                     {:?}; expected 400 Bad Request (an answer, not a silent close)",
                    bad,
                    got
                );
                let mut stream = connect(addr);
                stream.write_all(&GET.as_bytes()[..cut]).unwrap();
                stream.shutdown(Shutdown::Write).unwrap();
                let (got, _) = read_to_close(&mut stream);
                prop_assert!(
                    got.starts_with("HTTP/1.1 400 Bad Request\r\n"),
                    "a client sent {:?} (a request cut off) and closed its side; the answer was \
                     {:?}, expected 400 Bad Request: only a close between two requests is a \
                     client that is done",
                    &GET[..cut],
                    got
                );
                let mut stream = connect(addr);
                stream.write_all(GET.as_bytes()).unwrap();
                stream.shutdown(Shutdown::Write).unwrap();
                let (got, closed) = read_to_close(&mut stream);
                prop_assert!(
                    got == HELLO && closed,
                    "a client sent one whole request and closed its side: expected the answer \
                     {:?} and then the close, nothing more; got {:?}",
                    HELLO,
                    got
                );
                Ok(())
            })?;
        }

        #[test]
        fn a_head_request_gets_the_head_only(
            path in prop_oneof![
                Just("/".to_string()),
                "/[a-zA-Z0-9._~-]{1,12}(/[a-z0-9]{0,6})?",
                "/\\?[a-z]{1,4}=[0-9]{0,3}",
            ].prop_filter("GET /panic panics on purpose", |p| p != "/panic"),
        ) {
            quiet(|| {
                let mut stream = connect(shared_server());
                let head = format!("HEAD {path} HTTP/1.1\r\nHost: x\r\n\r\n");
                stream.write_all(format!("{head}{GET}").as_bytes()).unwrap();
                let answer = match path.as_str() {
                    "/" => "HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\n",
                    _ => "HTTP/1.1 404 Not Found\r\nContent-Length: 10\r\n\r\n",
                };
                let checks = format!(
                    "`HEAD {path}` then `GET /` on one connection: the answer to HEAD is the status \
                     and header fields GET {path} would get (Content-Length included), and no \
                     content (RFC 9110 §9.3.2); the next bytes are the answer to the GET"
                );
                expect_answer(&mut stream, &format!("{answer}{HELLO}"), &checks);
                Ok(())
            })?;
        }
    }

    #[test]
    fn serves_requests_on_a_kept_alive_connection() {
        let mut stream = connect(server(SMALL));
        for n in 1..=3 {
            stream.write_all(GET.as_bytes()).unwrap();
            let checks = format!("request {n} on one connection is answered");
            expect_answer(&mut stream, HELLO, &checks);
        }
    }

    #[test]
    fn a_slowloris_client_is_cut_off_at_the_request_deadline() {
        let mut stream = connect(server(SMALL));
        stream
            .write_all(b"GET / HTTP/1.1\r\nHost: x\r\nX-Pad: ")
            .unwrap();
        // One byte every 40 ms: each read is far quicker than the read timeout of 200 ms.
        stream
            .set_read_timeout(Some(Duration::from_millis(40)))
            .unwrap();
        let start = Instant::now();
        let mut received = [0; 64];
        let mut n = loop {
            let waited = start.elapsed();
            assert!(
                waited < Duration::from_millis(1500),
                "a client that sends one byte every 40 ms was still being waited for after \
                 {} ms: every read arrives within the read timeout (200 ms), so only a \
                 deadline for the whole request (400 ms here) stops it",
                waited.as_millis()
            );
            match stream.read(&mut received) {
                Ok(n) => break n,
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
                Err(e) => panic!("the connection broke ({e}) instead of a 408 answer"),
            }
            let _ = stream.write_all(b"a");
        };
        let waited = start.elapsed().as_millis();
        let mut got = received[..n].to_vec();
        stream
            .set_read_timeout(Some(Duration::from_secs(1)))
            .unwrap();
        let _ = stream.read_to_end(&mut got);
        n = got.len();
        let got = String::from_utf8_lossy(&got[..n]);
        assert!(
            got.starts_with("HTTP/1.1 408 Request Timeout\r\n") && waited < 1000,
            "a client that trickles its head was answered {got:?} after {waited} ms; expected \
             `HTTP/1.1 408 Request Timeout` when the 400 ms deadline passed (RFC 9110 §15.5.9)"
        );
    }

    #[test]
    fn no_read_waits_past_the_deadline() {
        let mut stream = connect(server(Limits {
            read_timeout: Duration::from_secs(2),
            ..SMALL
        }));
        stream.write_all(b"GET / HTTP/1.1\r\n").unwrap();
        let start = Instant::now();
        let (got, _) = read_to_close(&mut stream);
        let waited = start.elapsed().as_millis();
        assert!(
            got.starts_with("HTTP/1.1 408 Request Timeout\r\n") && waited < 800,
            "a client that sent half a head and went silent was answered {got:?} after {waited} \
             ms; expected `HTTP/1.1 408 Request Timeout` at the deadline of 400 ms: no read may \
             wait past the deadline, even when the read timeout (2 s here) is longer"
        );
    }

    #[test]
    fn each_request_gets_its_own_deadline() {
        let mut stream = connect(server(SMALL));
        let (first, second) = GET.split_at(12);
        stream
            .set_read_timeout(Some(Duration::from_millis(150)))
            .unwrap();
        for n in 1..=4 {
            stream.write_all(first.as_bytes()).unwrap();
            let mut early = [0; 64];
            let what = match stream.read(&mut early) {
                // Waited 150 ms: a slow, honest client.
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => None,
                Ok(0) => Some("closed".to_string()),
                Ok(n) => Some(format!(
                    "answered {:?}",
                    String::from_utf8_lossy(&early[..n])
                )),
                Err(e) => Some(format!("broke ({e})")),
            };
            if let Some(what) = what {
                panic!(
                    "the server {what} when request {n} of a kept-alive connection was half \
                     sent: each request has 400 ms from when the server starts waiting for it, \
                     and this one had used 150 ms (did the deadline start with the connection?)"
                );
            }
            stream.write_all(second.as_bytes()).unwrap();
            stream
                .set_read_timeout(Some(Duration::from_secs(2)))
                .unwrap();
            let checks = format!(
                "request {n} took 150 ms, well within its deadline of 400 ms; the connection \
                 is older than 400 ms from the 3rd request on, but the deadline is per request"
            );
            expect_answer(&mut stream, HELLO, &checks);
            stream
                .set_read_timeout(Some(Duration::from_millis(150)))
                .unwrap();
        }
    }

    #[test]
    fn the_number_of_header_fields_is_limited() {
        let addr = server(SMALL);
        let head = |fields: usize, name: &dyn Fn(usize) -> String| {
            let fields: String = (1..fields)
                .map(|n| format!("{}: {n}\r\n", name(n)))
                .collect();
            format!("GET / HTTP/1.1\r\nHost: x\r\n{fields}\r\n")
        };
        let numbered = |n: usize| format!("X-{n}");
        let mut stream = connect(addr);
        stream.write_all(head(8, &numbered).as_bytes()).unwrap();
        let checks = "8 header fields (Host and X-1..X-7) are the limit, and allowed";
        expect_answer(&mut stream, HELLO, checks);
        let checks = "9 header fields are one over the limit of 8: 431 Request Header Fields Too \
                      Large (RFC 6585 §5), then close";
        let status = "431 Request Header Fields Too Large";
        expect_refusal(addr, &head(9, &numbered), status, checks);
        let checks = "9 header fields, 8 of them `X-Same`: repeated names count, each field is one";
        expect_refusal(addr, &head(9, &|_| "X-Same".into()), status, checks);
    }

    /// Connects and gets an answer on a kept-alive connection, which stays open.
    fn served(addr: SocketAddr, checks: &str) -> TcpStream {
        let mut stream = connect(addr);
        stream.write_all(GET.as_bytes()).unwrap();
        expect_answer(&mut stream, HELLO, checks);
        stream
    }

    /// Connects without sending anything and expects the 503 refusal, then the close.
    fn expect_busy(addr: SocketAddr, checks: &str) {
        let mut stream = connect(addr);
        let start = Instant::now();
        let (got, closed) = read_to_close(&mut stream);
        let head = got.split("\r\n\r\n").next().unwrap_or("").to_string();
        let retry_after = head.lines().find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.eq_ignore_ascii_case("retry-after")
                .then(|| value.trim().to_string())
        });
        let seconds = retry_after
            .as_deref()
            .is_some_and(|v| v.parse::<u32>().is_ok());
        let ok = got.starts_with("HTTP/1.1 503 Service Unavailable\r\n")
            && seconds
            && head.contains("Connection: close")
            && closed;
        assert!(
            ok,
            "\n{checks}\nreceived: {got:?} after {} ms ({})\nexpected at once `HTTP/1.1 503 \
             Service Unavailable` with `Retry-After: <seconds>` (RFC 9110 §10.2.3) and \
             `Connection: close`, then the close\n",
            start.elapsed().as_millis(),
            if closed { "then closed" } else { "still open" }
        );
    }

    /// Retries for up to 2 s until `n` clients are served at once.
    fn eventually_served_together(addr: SocketAddr, n: usize, checks: &str) -> Vec<TcpStream> {
        let start = Instant::now();
        loop {
            let mut streams = Vec::new();
            for _ in 0..n {
                let mut stream = connect(addr);
                stream.write_all(GET.as_bytes()).unwrap();
                let mut got = vec![0; HELLO.len()];
                if stream.read_exact(&mut got).is_ok() && got == HELLO.as_bytes() {
                    streams.push(stream);
                }
            }
            if streams.len() == n {
                return streams;
            }
            assert!(start.elapsed() < Duration::from_secs(2), "\n{checks}\n");
            thread::sleep(Duration::from_millis(20)); // the server notices closes on its own time
        }
    }

    #[test]
    fn connections_beyond_the_cap_get_503_and_retry_after() {
        let addr = server(PATIENT);
        let first = served(addr, "the 1st connection of the 2 allowed is served");
        let _second = served(
            addr,
            "the 2nd connection of the 2 allowed is served (at the cap)",
        );
        let checks = "2 connections are open (the cap, `max_connections`): a 3rd is refused at \
                      once rather than given a thread of its own";
        expect_busy(addr, checks);
        first.shutdown(Shutdown::Both).unwrap();
        let checks = "one of the 2 connections closed: its place must be given back, and a new \
                      client served (it was not, within 2 s)";
        eventually_served_together(addr, 1, checks);
    }

    #[test]
    fn refusing_one_client_does_not_hold_up_the_next() {
        let addr = server(PATIENT);
        let _first = served(addr, "the 1st connection of the 2 allowed is served");
        let _second = served(
            addr,
            "the 2nd connection of the 2 allowed is served (at the cap)",
        );
        // Over the cap, and it keeps sending: a lingering close reads from it for a while.
        let mut pushy = connect(addr);
        let pusher = thread::spawn(move || {
            let stop = Instant::now() + Duration::from_millis(800);
            while Instant::now() < stop && pushy.write_all(b"X-Pad: a\r\n").is_ok() {
                thread::sleep(Duration::from_millis(20)); // a client's pace, not a wait
            }
        });
        let start = Instant::now();
        let checks = "a client over the cap, while another one over the cap is being refused";
        expect_busy(addr, checks);
        let waited = start.elapsed().as_millis();
        assert!(
            waited < 250,
            "a client over the cap waited {waited} ms for its 503 while another one was being \
             refused: refuse in a thread of its own (a short one), so that the accept loop \
             never waits on a client"
        );
        pusher.join().unwrap();
    }

    /// Runs `Slot::take(max)` on a thread that pauses right after its `pause_at`-th
    /// operation on the count, runs another `take` during that pause, then lets the
    /// first finish. Answers (first, second).
    fn take_across_a_pause(
        active: &Arc<AtomicUsize>,
        max: usize,
        pause_at: usize,
    ) -> (Option<Slot>, Option<Slot>) {
        use std::sync::mpsc;
        let (event_tx, event_rx) = mpsc::channel::<bool>(); // true: paused, false: done
        let (go_tx, go_rx) = mpsc::channel::<()>();
        let first = {
            let active = Arc::clone(active);
            let paused = event_tx.clone();
            thread::spawn(move || {
                let ops = std::cell::Cell::new(0);
                watched::AFTER_OP.with(|hook| {
                    *hook.borrow_mut() = Some(Box::new(move || {
                        ops.set(ops.get() + 1);
                        if ops.get() == pause_at {
                            let _ = paused.send(true);
                            let _ = go_rx.recv();
                        }
                    }))
                });
                let slot = Slot::take(&active, max);
                watched::AFTER_OP.with(|hook| *hook.borrow_mut() = None);
                let _ = event_tx.send(false);
                slot
            })
        };
        let second = if event_rx.recv().unwrap() {
            let second = Slot::take(active, max);
            go_tx.send(()).unwrap();
            second
        } else {
            Slot::take(active, max)
        };
        (first.join().unwrap(), second)
    }

    proptest! {
        #![proptest_config(crate::generated::config(48))]

        #[test]
        fn two_takes_never_pass_the_cap_however_they_interleave(
            max in 1usize..6,
            free in 0usize..3,
            pause_at in 1usize..5,
        ) {
            let taken = max.saturating_sub(free);
            let free = max - taken;
            let active = Arc::new(AtomicUsize::new(taken));
            let (first, second) = take_across_a_pause(&active, max, pause_at);
            let got = usize::from(first.is_some()) + usize::from(second.is_some());
            let want = free.min(2);
            prop_assert_eq!(
                got, want,
                "with {} of {} places taken, two connections called Slot::take, the second \
                 while the first was paused after its operation number {} on the count: {} \
                 got a place, but {} should. Check and take in ONE atomic step \
                 (fetch_update, or a compare_exchange loop): a load, then a fetch_add, lets \
                 both see the last free place and both take it",
                taken, max, pause_at, got, want
            );
            prop_assert_eq!(
                active.load(Ordering::SeqCst), taken + got,
                "the count should be the places taken before plus the {} just taken", got
            );
            drop((first, second));
            prop_assert_eq!(
                active.load(Ordering::SeqCst), taken,
                "dropping the places just taken should give them back"
            );
        }
    }

    #[test]
    fn places_are_given_back_however_a_connection_ends() {
        let addr = server(TWO);
        expect_refusal(
            addr,
            "GET /a b c\r\n\r\n",
            "400 Bad Request",
            "a bad request line",
        );
        let mut silent = connect(addr);
        let (got, _) = read_to_close(&mut silent);
        let checks = "a client that sends nothing is answered 408 when its deadline passes";
        assert!(
            got.starts_with("HTTP/1.1 408 Request Timeout\r\n"),
            "{checks}; got {got:?}"
        );
        silent.shutdown(Shutdown::Both).unwrap();
        let (mut panics, start) = (0, Instant::now());
        while panics < 2 {
            let mut stream = connect(addr);
            stream
                .write_all(b"GET /panic HTTP/1.1\r\nHost: x\r\n\r\n")
                .unwrap();
            match read_to_close(&mut stream) {
                (got, true) if got.is_empty() => panics += 1, // the handler panicked: no answer
                (got, _) if got.starts_with("HTTP/1.1 503") => {}
                (got, _) => panic!("GET /panic got {got:?}; the handler should have panicked"),
            }
            let checks = "the places of the 400 and 408 connections were not given back in 2 s";
            assert!(start.elapsed() < Duration::from_secs(2), "{checks}");
            thread::sleep(Duration::from_millis(20)); // the server notices closes on its own time
        }
        let checks = "connections that ended in a 400, in a 408 and in a panic of the handler (GET \
                      /panic) must each give their place back: 2 new clients (the cap) were not \
                      served together within 2 s. A place given back by a line after the \
                      handler call is never given back when the handler panics: a value whose \
                      `Drop` gives it back is";
        let _open = eventually_served_together(addr, 2, checks);
        expect_busy(addr, "and the cap still holds after that");
    }

    #[test]
    fn hostile_clients_do_not_stop_others() {
        let addr = server(Limits {
            max_connections: 4,
            ..SMALL
        });
        let _silent = connect(addr);
        let mut trickling = connect(addr);
        trickling
            .write_all(b"GET / HTTP/1.1\r\nHost: x\r\nX-Pad: aaaa")
            .unwrap();
        let start = Instant::now();
        let _client = served(
            addr,
            "while a silent and a trickling client hold connections",
        );
        let waited = start.elapsed();
        assert!(
            waited < Duration::from_millis(300),
            "a client waited {} ms for its answer while hostile clients were connected",
            waited.as_millis()
        );
    }
}
