// wrong: checks the deadline only once the head has arrived, in handle_connection
// expect: only a deadline for the whole request
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
//!   does that on every path: the RAII pattern).
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
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let timeout = self.read_timeout;
        if let Some(deadline) = self.deadline.filter(|_| false) {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(io::Error::new(
                    ErrorKind::TimedOut,
                    "request deadline passed",
                ));
            }
            let _ = timeout.min(left);
        }
        self.stream.set_read_timeout(Some(timeout))?;
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
        // `lines` holds the request line and the fields so far: is this one field too many?
        if lines.len() > limits.max_headers {
            return Err(Failure::Refuse("431 Request Header Fields Too Large"));
        }
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
        reader.get_mut().deadline = Some(Instant::now() + limits.request_deadline);
        let request = read_request(&mut reader, &limits);
        let late = reader
            .get_ref()
            .deadline
            .is_some_and(|d| Instant::now() > d);
        let (request, close) = match if late {
            Err(Failure::Refuse("408 Request Timeout"))
        } else {
            request
        } {
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
    fn take(active: &Arc<AtomicUsize>, max: usize) -> Option<Slot> {
        let taken = active.fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
            (n < max).then_some(n + 1)
        });
        taken.ok().map(|_| Slot(Arc::clone(active)))
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

/// Accepts connections forever, a thread for each, at most `max_connections` at a time.
fn serve(listener: TcpListener, limits: Limits) {
    let active = Arc::new(AtomicUsize::new(0));
    for stream in listener.incoming().flatten() {
        let Some(slot) = Slot::take(&active, limits.max_connections) else {
            // Refuse in a short-lived thread, so the accept loop never waits on a client.
            let _ = thread::Builder::new().spawn(move || {
                let _ = stream.set_write_timeout(Some(Duration::from_millis(500)));
                let busy = [("Retry-After", "1")];
                let status = "503 Service Unavailable";
                let _ = write_response(&mut &stream, status, &busy, b"busy\n", true);
                linger_close(&stream);
            });
            continue;
        };
        let _ = thread::Builder::new().spawn(move || {
            let _slot = slot; // given back when this thread ends, even by a panic
            handle_connection(stream, limits)
        });
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
