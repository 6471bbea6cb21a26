//! # Writing a response
//!
//! An HTTP/1.1 response has the same shape as a request (RFC 9112 §2.1):
//! a status-line, the header fields, an empty line, then the body.
//!
//! - The status-line (RFC 9112 §4) is `HTTP-version SP status-code SP
//!   reason-phrase`, e.g. `HTTP/1.1 404 Not Found`. Clients act on the
//!   three-digit code; the reason phrase is only for humans.
//! - Every line, including the empty one, ends with CRLF (`"\r\n"`), not a
//!   bare `"\n"` (RFC 9112 §2.1).
//! - `Content-Length` is the size of the body in *bytes* (RFC 9110 §8.6),
//!   not in characters: in UTF-8, `é` is 2 bytes. A length that is too small
//!   cuts the body and the client reads the rest as the next response; one
//!   that is too big leaves the client waiting for bytes that never come.
//! - Some responses never have a body, whatever the handler put in it:
//!   `204 No Content` (RFC 9110 §15.3.5) and `304 Not Modified` (§15.4.5)
//!   end right after the empty line. Send no body bytes and no
//!   `Content-Length` for them: a 204 must not carry one at all (§8.6), and
//!   for a 304 it would have to be the length of a body not sent. A client
//!   that gets body bytes after a 204 reads them as the start of the next
//!   response, and every response after that is out of step.
//!
//! Bodies are bytes, not text: an image or a gzip file is not valid UTF-8,
//! so the body is a `Vec<u8>` and the whole response is written as bytes.

/// The reason phrase for a status code (RFC 9110 §15).
fn reason_phrase(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        204 => "No Content",
        304 => "Not Modified",
        400 => "Bad Request",
        404 => "Not Found",
        500 => "Internal Server Error",
        _ => "Unknown",
    }
}

struct Response {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Response {
    fn new(status: u16) -> Response {
        Response {
            status,
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    fn header(mut self, name: &str, value: &str) -> Response {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    fn body(mut self, body: impl Into<Vec<u8>>) -> Response {
        self.body = body.into();
        self
    }

    /// The bytes to send on the wire.
    fn to_bytes(&self) -> Vec<u8> {
        // 204 and 304 end at the empty line, whatever the handler set.
        let has_body = !matches!(self.status, 204 | 304);
        let mut head = format!(
            "HTTP/1.1 {} {}\r\n",
            self.status,
            reason_phrase(self.status)
        );
        for (name, value) in &self.headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        if has_body {
            head.push_str(&format!("Content-Length: {}\r\n", self.body.len()));
        }
        head.push_str("\r\n");
        let mut bytes = head.into_bytes();
        if has_body {
            bytes.extend_from_slice(&self.body);
        }
        bytes
    }
}

// not graded: prints a demo response; the tests call `Response` directly
fn main() {
    let response = Response::new(200)
        .header("Content-Type", "text/plain; charset=utf-8")
        .body("héllo");
    println!("{:?}", String::from_utf8_lossy(&response.to_bytes()));
}

// ---- grading tests: read them, but do not change them ----
#[cfg(test)]
#[path = "../../support/generated.rs"]
mod generated;

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Every status this exercise writes, with its status-line (RFC 9110 §15).
    const STATUS_LINES: &[(u16, &str)] = &[
        (200, "HTTP/1.1 200 OK\r\n"),
        (201, "HTTP/1.1 201 Created\r\n"),
        (204, "HTTP/1.1 204 No Content\r\n"),
        (304, "HTTP/1.1 304 Not Modified\r\n"),
        (400, "HTTP/1.1 400 Bad Request\r\n"),
        (404, "HTTP/1.1 404 Not Found\r\n"),
        (500, "HTTP/1.1 500 Internal Server Error\r\n"),
    ];

    /// The expected bytes, written out independently of the code under test.
    fn oracle(
        status_line: &str,
        bodiless: bool,
        headers: &[(String, String)],
        body: &[u8],
    ) -> Vec<u8> {
        let mut head = status_line.to_string();
        for (name, value) in headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        if !bodiless {
            head.push_str(&format!("Content-Length: {}\r\n", body.len()));
        }
        head.push_str("\r\n");
        let mut bytes = head.into_bytes();
        if !bodiless {
            bytes.extend_from_slice(body);
        }
        bytes
    }

    #[test]
    fn every_status_line_is_exact() {
        for &(status, line) in STATUS_LINES {
            let got = Response::new(status).to_bytes();
            let got_line = match got.windows(2).position(|w| w == b"\r\n") {
                Some(end) => String::from_utf8_lossy(&got[..end + 2]).into_owned(),
                None => String::from_utf8_lossy(&got).into_owned(),
            };
            assert!(
                got_line == line,
                "the status-line of a {status} response must be exactly {line:?} (RFC 9112 §4: \
                 `HTTP/1.1 <code> <reason phrase>`, one space each, the reason phrase of \
                 RFC 9110 §15), but it was {got_line:?}"
            );
        }
    }

    fn header_name() -> impl Strategy<Value = String> {
        "[A-Za-z][A-Za-z0-9-]{0,11}"
    }

    fn header_value() -> impl Strategy<Value = String> {
        "[ -~]{0,16}".prop_map(|v| v.trim_matches(' ').to_string())
    }

    proptest! {
        #![proptest_config(crate::generated::config(128))]

        /// Any status, any headers, any body (text with multi-byte characters, or raw
        /// bytes): the bytes written are the status-line, the headers in order,
        /// Content-Length in bytes unless the status is bodiless, CRLF, the body.
        #[test]
        fn any_response_is_written_exactly(
            which in 0..STATUS_LINES.len(),
            headers in proptest::collection::vec((header_name(), header_value()), 0..4),
            text in crate::generated::tricky_text(0, 24),
            raw in proptest::collection::vec(any::<u8>(), 0..24),
            use_raw in any::<bool>(),
        ) {
            let (status, line) = STATUS_LINES[which];
            let body: Vec<u8> = if use_raw { raw } else { text.into_bytes() };
            let mut response = Response::new(status);
            for (name, value) in &headers {
                response = response.header(name, value);
            }
            let response = response.body(body.clone());
            let expected = oracle(line, matches!(status, 204 | 304), &headers, &body);
            let got = response.to_bytes();
            prop_assert!(
                got == expected,
                "a {} response with headers {:?} and a body of {} bytes was written as\n  {:?}\n\
                 but it should be\n  {:?}\n(status-line, the headers in the order added, \
                 Content-Length counting bytes unless the status is 204 or 304, CRLF line \
                 ends, the empty line, then the body bytes unchanged, none for 204 and 304)",
                status,
                headers,
                body.len(),
                String::from_utf8_lossy(&got),
                String::from_utf8_lossy(&expected),
            );
        }
    }

    /// Checks the bytes written; `rule` says what a difference would mean.
    fn check(response: Response, expected: &[u8], rule: &str) {
        let got = response.to_bytes();
        let ends_head = got.windows(4).any(|w| w == b"\r\n\r\n");
        let crlf = "every line ends in CRLF (\\r\\n), not a bare \\n, and an empty line \
                    ends the head; here no \\r\\n\\r\\n was written at all";
        let rule = if ends_head { rule } else { crlf };
        assert!(
            got == expected,
            "{rule}\nthe response was written as\n  {:?}\nbut it should be\n  {:?}",
            String::from_utf8_lossy(&got),
            String::from_utf8_lossy(expected),
        );
    }

    #[test]
    fn writes_status_line_headers_and_body() {
        let response = Response::new(200)
            .header("Content-Type", "text/plain")
            .header("Cache-Control", "no-store")
            .body("hello");
        let expected = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\
                        Cache-Control: no-store\r\nContent-Length: 5\r\n\r\nhello";
        let rule = "status-line, the headers in the order added, Content-Length, an empty \
                    line, the body; every line ends in CRLF (\\r\\n), not a bare \\n";
        check(response, expected.as_bytes(), rule);
    }

    #[test]
    fn status_line_has_the_reason_phrase() {
        let expected = "HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\n\r\nnot found";
        let rule = "the status-line is `HTTP/1.1 <code> <reason phrase>` (RFC 9112 §4)";
        check(
            Response::new(404).body("not found"),
            expected.as_bytes(),
            rule,
        );
    }

    #[test]
    fn empty_body_has_content_length_zero() {
        let expected = "HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n";
        let rule = "an empty body still needs `Content-Length: 0`, or the client cannot \
                    tell where the response ends";
        check(Response::new(201), expected.as_bytes(), rule);
    }

    #[test]
    fn content_length_counts_bytes_not_characters() {
        // 11 characters, but `é` and `ö` are 2 bytes each in UTF-8: 13 bytes.
        let expected = "HTTP/1.1 200 OK\r\nContent-Length: 13\r\n\r\nhéllo wörld";
        let rule = "Content-Length counts bytes, not characters: `é` and `ö` are 2 bytes \
                    each in UTF-8 (RFC 9110 §8.6)";
        check(
            Response::new(200).body("héllo wörld"),
            expected.as_bytes(),
            rule,
        );
    }

    #[test]
    fn binary_body_is_sent_unchanged() {
        let body = vec![0xff, 0x00, b'\n', 0xd8];
        let mut expected = b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\n".to_vec();
        expected.extend_from_slice(&body);
        let rule = "the body is bytes: send them unchanged, even when they are not UTF-8 \
                    text (no lossy conversion, no added newline)";
        check(Response::new(200).body(body), &expected, rule);
    }

    #[test]
    fn no_content_has_no_content_length() {
        let expected = "HTTP/1.1 204 No Content\r\nX-Request-Id: 7\r\n\r\n";
        let rule = "a 204 must not carry a Content-Length (RFC 9110 §8.6)";
        let response = Response::new(204).header("X-Request-Id", "7");
        check(response, expected.as_bytes(), rule);
    }

    #[test]
    fn no_content_never_sends_a_body() {
        let expected = "HTTP/1.1 204 No Content\r\n\r\n";
        let rule = "a 204 ends at the empty line (RFC 9110 §15.3.5): a body set by the \
                    handler must not be sent, or the client reads it as the next response";
        check(
            Response::new(204).body("deleted"),
            expected.as_bytes(),
            rule,
        );
    }

    #[test]
    fn not_modified_never_sends_a_body() {
        let expected = "HTTP/1.1 304 Not Modified\r\nETag: \"v1\"\r\n\r\n";
        let rule = "a 304 ends at the empty line (RFC 9110 §15.4.5): no body bytes and \
                    no Content-Length";
        let response = Response::new(304).header("ETag", "\"v1\"").body("hello");
        check(response, expected.as_bytes(), rule);
    }
}
