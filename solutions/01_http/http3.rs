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
//! - A `204 No Content` response has no body and must not carry a
//!   `Content-Length` at all (RFC 9110 §8.6 and §15.3.5).
//!
//! Bodies are bytes, not text: an image or a gzip file is not valid UTF-8,
//! so the body is a `Vec<u8>` and the whole response is written as bytes.

/// The reason phrase for a status code (RFC 9110 §15).
fn reason_phrase(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        204 => "No Content",
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
        // TODO: write, in this order, each line ending in "\r\n":
        // 1. the status-line: `HTTP/1.1 {status} {reason_phrase(status)}`;
        // 2. each header as `{name}: {value}`, in the order they were added;
        // 3. `Content-Length: {length of the body in bytes}`, except for 204;
        // 4. an empty line;
        // then the body bytes, unchanged. Hint: `format!(...).into_bytes()`
        // gives a `Vec<u8>`, and `Vec::extend_from_slice` appends bytes.
        let mut head = format!(
            "HTTP/1.1 {} {}\r\n",
            self.status,
            reason_phrase(self.status)
        );
        for (name, value) in &self.headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        if self.status != 204 {
            head.push_str(&format!("Content-Length: {}\r\n", self.body.len()));
        }
        head.push_str("\r\n");
        let mut bytes = head.into_bytes();
        bytes.extend_from_slice(&self.body);
        bytes
    }
}

fn main() {
    let response = Response::new(200)
        .header("Content-Type", "text/plain; charset=utf-8")
        .body("héllo");
    println!("{:?}", String::from_utf8_lossy(&response.to_bytes()));
}

// ---- grading tests: read them, but do not change them ----
#[cfg(test)]
mod tests {
    use super::*;

    fn check(response: Response, expected: &[u8]) {
        let got = response.to_bytes();
        assert!(
            got == expected,
            "the response was written as\n  {:?}\nbut it should be\n  {:?}",
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
        check(response, expected.as_bytes());
    }

    #[test]
    fn status_line_has_the_reason_phrase() {
        let expected = "HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\n\r\nnot found";
        check(Response::new(404).body("not found"), expected.as_bytes());
    }

    #[test]
    fn empty_body_has_content_length_zero() {
        let expected = "HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n";
        check(Response::new(201), expected.as_bytes());
    }

    #[test]
    fn content_length_counts_bytes_not_characters() {
        // 11 characters, but `é` and `ö` are 2 bytes each in UTF-8: 13 bytes.
        let expected = "HTTP/1.1 200 OK\r\nContent-Length: 13\r\n\r\nhéllo wörld";
        check(Response::new(200).body("héllo wörld"), expected.as_bytes());
    }

    #[test]
    fn binary_body_is_sent_unchanged() {
        let body = vec![0xff, 0x00, b'\n', 0xd8];
        let mut expected = b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\n".to_vec();
        expected.extend_from_slice(&body);
        check(Response::new(200).body(body), &expected);
    }

    #[test]
    fn no_content_has_no_content_length() {
        let expected = "HTTP/1.1 204 No Content\r\nX-Request-Id: 7\r\n\r\n";
        check(
            Response::new(204).header("X-Request-Id", "7"),
            expected.as_bytes(),
        );
    }
}
