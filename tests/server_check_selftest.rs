//! Tests of the course's support module `support/server_check.rs`, against tiny std servers
//! that answer right and wrong: the reports a learner reads are checked word for word where
//! it matters (curl quoting, the caret under a malformed byte, the JSON diff).

#[path = "../support/server_check.rs"]
mod server_check;

use serde_json::json;
use server_check::{Check, Gate, Run};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

/// Reads one request (head, then Content-Length bytes of body) from `stream`.
fn read_request(stream: &mut TcpStream) -> Vec<u8> {
    let mut got = Vec::new();
    let mut buf = [0; 4096];
    loop {
        if let Some(end) = got.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&got[..end]).to_ascii_lowercase();
            let length = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .map_or(0, |v| v.trim().parse().unwrap());
            if got.len() >= end + 4 + length {
                return got;
            }
        }
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => return got,
            Ok(n) => got.extend_from_slice(&buf[..n]),
        }
    }
}

/// A server that answers every request with `response` and closes; what it received goes to
/// the returned channel.
fn server(response: &'static [u8]) -> (SocketAddr, mpsc::Receiver<Vec<u8>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        for stream in listener.incoming() {
            let mut stream = stream.unwrap();
            let request = read_request(&mut stream);
            let _ = tx.send(request);
            let _ = stream.write_all(response);
        }
    });
    (addr, rx)
}

/// A server that reads requests and never answers (nor closes).
fn silent_server() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    thread::spawn(move || {
        let mut open = Vec::new();
        for stream in listener.incoming() {
            open.push(stream.unwrap());
        }
    });
    addr
}

/// The panic message of `f`, or None if it did not panic.
fn panic_message(f: impl FnOnce() + std::panic::UnwindSafe) -> Option<String> {
    let result = std::panic::catch_unwind(f);
    let payload = result.err()?;
    let text = payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()));
    Some(text.unwrap_or_default())
}

const CREATED: &[u8] = b"HTTP/1.1 201 Created\r\nLocation: /notes/1\r\nContent-Type: application/json\r\nContent-Length: 26\r\n\r\n{\"id\":1,\"text\":\"buy milk\"}";

#[test]
fn a_correct_answer_passes_and_the_request_is_well_formed() {
    let (addr, sent) = server(CREATED);
    let mut run = Run::new(addr);
    let reply = run.check(
        Check::new("create a note")
            .post("/notes")
            .bearer("tok.en")
            .json(json!({"text": "buy milk"}))
            .expect_status(201)
            .expect_header("LOCATION", "/notes/1")
            .expect_json(json!({"id": "<number>", "text": "buy milk"}))
            .expect_json_at("/id", 1)
            .expect_not_in_response("hunter2", "the password"),
    );
    run.finish();
    assert_eq!(reply.status, 201);
    assert_eq!(reply.header("location"), Some("/notes/1"));
    assert_eq!(reply.json_str("/text"), "buy milk");
    let request = String::from_utf8(sent.recv().unwrap()).unwrap();
    let want = format!(
        "POST /notes HTTP/1.1\r\nHost: {addr}\r\nauthorization: Bearer tok.en\r\n\
         content-type: application/json\r\nContent-Length: 19\r\nConnection: close\r\n\r\n\
         {{\"text\":\"buy milk\"}}"
    );
    assert_eq!(request, want);
}

#[test]
fn a_wrong_answer_is_reported_with_a_diff_curl_and_bytes() {
    let (addr, _) = server(
        b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 39\r\n\r\n{\"id\":2,\"hash\":\"$argon2\",\"tags\":[1,2]}\n",
    );
    let message = panic_message(move || {
        let mut run = Run::new(addr).replay("cargo run --bin cap1", "http://127.0.0.1:3000");
        run.check(
            Check::new("create a note")
                .post("/notes")
                .json(json!({"text": "it's"}))
                .expect_status(201)
                .expect_header("location", "/notes/1")
                .expect_json(json!({"id": 1, "text": "it's", "tags": [1, 2, 3]}))
                .expect_not_in_response("$argon2", "the password hash"),
        );
        run.finish();
    })
    .expect("the run should fail");
    let expected = [
        "1 of 1 check against the server failed:",
        "✗ create a note (POST /notes)",
        "  expected: status 201 Created; header location: /notes/1; JSON body",
        "    - status: expected 201 Created, got 200 OK",
        "    - header location: missing (expected \"/notes/1\")",
        "    - body /id: expected 1, got 2",
        "    - body /text: missing (expected \"it's\")",
        "    - body /tags: expected 3 items, got 2",
        "    - body /tags/2: missing (expected 3)",
        "    - body /hash: unexpected \"$argon2\"",
        "    - the response contains the password hash (\"$argon2\"): it must never be sent",
        "  reproduce it (start your server with `cargo run --bin cap1`):",
        "    curl -i -X POST 'http://127.0.0.1:3000/notes' -H 'content-type: application/json' \
         --data-binary '{\"text\":\"it'\\''s\"}'",
        "  sent (",
        "    |POST /notes HTTP/1.1\\r\\n|",
        "  received (110 bytes):",
        "    |HTTP/1.1 200 OK\\r\\n|",
        "    |{\"id\":2,\"hash\":\"$argon2\",\"tags\":[1,2]}\\n|",
    ];
    for line in expected {
        assert!(message.contains(line), "missing {line:?} in:\n{message}");
    }
}

#[test]
fn a_bare_line_feed_gets_a_caret_under_it() {
    let (addr, _) = server(b"HTTP/1.1 200 OK\nContent-Length: 0\r\n\r\n");
    let message = panic_message(move || {
        let mut run = Run::new(addr);
        run.check(Check::new("home").get("/").expect_status(200));
        run.finish();
    })
    .unwrap();
    let lines: Vec<&str> = message.lines().collect();
    let at = lines
        .iter()
        .position(|l| *l == "    |HTTP/1.1 200 OK\\n|")
        .unwrap_or_else(|| panic!("no received line in:\n{message}"));
    let caret = lines[at + 1];
    assert_eq!(
        caret.find('^'),
        Some(5 + "HTTP/1.1 200 OK".len()),
        "{message}"
    );
    assert!(caret.contains("without \\r"), "{message}");
    assert!(
        message.contains("the response is not valid HTTP/1.1"),
        "{message}"
    );
}

#[test]
fn a_bad_status_line_gets_a_caret_under_the_first_bad_byte() {
    let (addr, _) = server(b"HTTP/1.1 2x0 OK\r\nContent-Length: 0\r\n\r\n");
    let message = panic_message(move || {
        let mut run = Run::new(addr);
        run.check(Check::new("home").expect_status(200));
        run.finish();
    })
    .unwrap();
    let lines: Vec<&str> = message.lines().collect();
    let at = lines
        .iter()
        .position(|l| l.starts_with("    |HTTP/1.1 2x0"))
        .unwrap();
    assert_eq!(lines[at + 1].find('^'), Some(5 + 10), "{message}");
    assert!(lines[at + 1].contains("RFC 9112 §4"), "{message}");
}

#[test]
fn a_silent_server_fails_fast() {
    let addr = silent_server();
    let start = Instant::now();
    let message = panic_message(move || {
        let mut run = Run::new(addr).timeout(Duration::from_millis(300));
        run.check(Check::new("home").expect_status(200));
        run.finish();
    })
    .unwrap();
    assert!(start.elapsed() < Duration::from_secs(2));
    assert!(message.contains("no response within 300ms"), "{message}");
}

#[test]
fn a_short_body_is_incomplete() {
    let (addr, _) = server(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc");
    let message = panic_message(move || {
        let mut run = Run::new(addr);
        run.check(Check::new("home").expect_status(200));
        run.finish();
    })
    .unwrap();
    assert!(
        message.contains("closed the connection before the response was complete"),
        "{message}"
    );
}

#[test]
fn a_closed_port_cannot_connect() {
    let addr = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let message = panic_message(move || {
        let mut run = Run::new(addr);
        run.check(Check::new("home").expect_status(200));
        run.finish();
    })
    .unwrap();
    assert!(message.contains("could not connect"), "{message}");
}

#[test]
fn checks_after_a_failed_dependency_are_skipped() {
    let (addr, _) = server(b"HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n");
    let message = panic_message(move || {
        let mut run = Run::new(addr);
        let login = run.check(Check::new("log in").post("/sessions").expect_status(200));
        assert_eq!(
            login.status, 401,
            "a failed check still gives the reply it got"
        );
        let token = login.json_str("/token");
        run.check(
            Check::new("list notes")
                .get("/notes")
                .bearer(&token)
                .depends_on("log in"),
        );
        run.check(Check::new("home").get("/").expect_status(401));
        run.finish();
    })
    .unwrap();
    assert!(
        message.starts_with("1 of 3 checks against the server failed, 1 skipped:"),
        "{message}"
    );
    assert!(
        message.contains("⊘ list notes: not run, it needs \"log in\", which did not pass"),
        "{message}"
    );
    assert!(message.contains("✓ passed: home"), "{message}");
    // The failure comes before what was not run and what passed.
    let failure = message.find("log in").unwrap();
    assert!(failure < message.find("⊘").unwrap(), "{message}");
    assert!(
        message.find("⊘").unwrap() < message.find("✓ passed").unwrap(),
        "{message}"
    );
}

#[test]
fn recorded_checks_fail_and_gate_dependents() {
    let (addr, _) = server(CREATED);
    let message = panic_message(move || {
        let mut run = Run::new(addr);
        run.record(
            "one database read",
            false,
            "GET /notes read the database 2 times",
        );
        run.check(Check::new("cached").depends_on("one database read"));
        run.finish();
    })
    .unwrap();
    assert!(
        message.contains("✗ one database read\n  GET /notes read the database 2 times"),
        "{message}"
    );
    assert!(message.contains("⊘ cached: not run"), "{message}");
}

#[test]
fn subset_matching_and_chunked_bodies() {
    let (addr, _) = server(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/problem+json\r\nTransfer-Encoding: chunked\r\n\r\n\
          10\r\n{\"status\":422,\"t\r\n11\r\nitle\":\"bad name\"}\r\n0\r\n\r\n",
    );
    let mut run = Run::new(addr);
    run.check(
        Check::new("problem")
            .expect_status(200)
            .expect_json_subset(json!({"status": 422}))
            .expect_header_absent("location"),
    );
    run.finish();
}

#[test]
fn non_json_and_extra_headers_are_named() {
    let (addr, _) = server(
        b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\nContent-Length: 2\r\n\r\nok",
    );
    let message = panic_message(move || {
        let mut run = Run::new(addr);
        run.check(
            Check::new("json")
                .expect_json(json!({"ok": true}))
                .expect_header("set-cookie", "a=1")
                .expect_header_absent("content-type"),
        );
        run.finish();
    })
    .unwrap();
    for part in [
        "header content-type: expected application/json (or application/*+json), got \"text/plain\"",
        "body: not JSON",
        "header set-cookie: sent 2 times",
        "header content-type: should not be sent, got \"text/plain\"",
    ] {
        assert!(message.contains(part), "missing {part:?} in:\n{message}");
    }
}

#[test]
fn raw_requests_replay_with_printf_and_nc() {
    let (addr, sent) = server(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
    let message = panic_message(move || {
        let mut run = Run::new(addr).replay("cargo run", "http://127.0.0.1:3000");
        run.check(
            Check::new("two lengths")
                .raw(&b"POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab"[..])
                .expect_status(200),
        );
        run.finish();
    })
    .unwrap();
    assert!(
        message.contains(
            "printf %s $'POST / HTTP/1.1\\r\\nContent-Length: 1\\r\\nContent-Length: 2\\r\\n\\r\\nab' | nc 127.0.0.1 3000"
        ),
        "{message}"
    );
    assert!(
        message.contains("✗ two lengths (raw request POST / HTTP/1.1\\r)"),
        "{message}"
    );
    assert!(
        sent.recv()
            .unwrap()
            .starts_with(b"POST / HTTP/1.1\r\nContent-Length: 1")
    );
}

#[test]
fn only_two_failures_are_shown_in_full() {
    let (addr, _) = server(CREATED);
    let message = panic_message(move || {
        let mut run = Run::new(addr);
        for name in ["a", "b", "c"] {
            run.check(Check::new(name).expect_status(200));
        }
        run.finish();
    })
    .unwrap();
    assert_eq!(message.matches("reproduce it").count(), 2, "{message}");
    assert_eq!(message.matches("✗ ").count(), 3, "{message}");
}

static GATE: Gate<u32> = Gate::new("server_starts");

#[test]
fn a_gate_fails_its_owner_and_skips_the_others() {
    let start = || Err::<u32, _>("the server did not start: port taken\nmore".to_string());
    let owner = thread::Builder::new()
        .name("tests::server_starts".into())
        .spawn(move || {
            panic_message(|| {
                GATE.get(start);
            })
        })
        .unwrap();
    let owner = owner.join().unwrap().unwrap();
    assert_eq!(owner, "the server did not start: port taken\nmore");
    let other = thread::Builder::new()
        .name("tests::notes_work".into())
        .spawn(|| {
            panic_message(|| {
                GATE.get(|| Ok(7));
            })
        })
        .unwrap();
    assert_eq!(
        other.join().unwrap().unwrap(),
        "skipped: the server did not start: port taken (see test server_starts)"
    );
    static GOOD: Gate<u32> = Gate::new("server_starts");
    assert_eq!(*GOOD.get(|| Ok(7)), 7);
}

#[test]
fn text_beyond_ascii_is_shown_as_text_and_broken_bytes_as_hex() {
    let (addr, _) =
        server(b"HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n\xc3\xa9t\xc3\xa9 \xff\x01");
    let message = panic_message(move || {
        let mut run = Run::new(addr);
        run.check(
            Check::new("accents")
                .post("/notes")
                .body("café ☕")
                .expect_status(201),
        );
        run.finish();
    })
    .unwrap();
    assert!(message.contains("    |café ☕|"), "{message}");
    assert!(message.contains("    |été \\xff\\x01|"), "{message}");
    assert!(message.contains("--data-binary 'café ☕'"), "{message}");
}

#[test]
fn a_skipped_check_gives_an_empty_reply() {
    let (addr, _) = server(b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n\r\n");
    let message = panic_message(move || {
        let mut run = Run::new(addr);
        run.check(Check::new("log in").expect_status(200));
        let skipped = run.check(Check::new("notes").depends_on("log in"));
        assert_eq!(skipped.status, 0);
        assert_eq!(skipped.json_str("/token"), "");
        let unknown = run.check(Check::new("typo").depends_on("log-in"));
        assert_eq!(unknown.status, 0);
        run.finish();
    })
    .unwrap();
    assert!(
        message.contains("⊘ typo: not run, no check called \"log-in\" ran before it"),
        "{message}"
    );
}

#[test]
fn interim_responses_and_head_requests_are_framed_right() {
    let (addr, _) = server(
        b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}",
    );
    let mut run = Run::new(addr);
    run.check(
        Check::new("after 100")
            .expect_status(200)
            .expect_json(json!({})),
    );
    run.finish();
    // A HEAD response announces the length of the body it does not send.
    let (addr, _) = server(b"HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\n");
    let mut run = Run::new(addr).timeout(Duration::from_secs(2));
    let start = Instant::now();
    run.check(
        Check::new("head")
            .method("HEAD", "/")
            .expect_status(200)
            .expect_header("content-length", "6"),
    );
    run.finish();
    assert!(
        start.elapsed() < Duration::from_secs(1),
        "HEAD waited for a body"
    );
}

#[test]
fn an_early_answer_is_read_even_if_the_body_could_not_be_sent() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        let mut head = [0; 64];
        let _ = stream.read(&mut head);
        let _ = stream.write_all(
            b"HTTP/1.1 413 Content Too Large\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
        );
        // Closing with unread data resets the connection.
    });
    let mut run = Run::new(addr);
    let big = vec![b'a'; 4 << 20];
    run.check(Check::new("too big").post("/").body(big).expect_status(413));
    run.finish();
}
