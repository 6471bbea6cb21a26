// wrong: the reason phrase is written by hand and every other code says Internal Server Error
// expect: the status-line of a 400 response must be exactly
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
            match self.status {
                200 => "OK",
                201 => "Created",
                204 => "No Content",
                304 => "Not Modified",
                404 => "Not Found",
                _ => "Internal Server Error",
            }
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

fn main() {
    let response = Response::new(200)
        .header("Content-Type", "text/plain; charset=utf-8")
        .body("héllo");
    println!("{:?}", String::from_utf8_lossy(&response.to_bytes()));
}
