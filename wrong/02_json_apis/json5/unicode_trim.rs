// wrong: str::trim() around media types: a no-break space or other Unicode white space counts as HTTP's white space
// expect: only spaces and tabs
//! # Content negotiation: 415 and 406
//!
//! Two headers say which formats travel in each direction (RFC 9110 §12):
//! - `Content-Type` on the request names the format of the *request body*.
//!   A JSON API that receives `text/plain` or a form must refuse it:
//!   **415 Unsupported Media Type** (RFC 9110 §15.5.16), with an `Accept:
//!   application/json` response header that says what would have worked.
//!   Media types are case-insensitive and may carry parameters:
//!   `Application/JSON; charset=utf-8` is JSON, `application/jsonp` is not.
//! - `Accept` on the request lists the formats the client can read in the
//!   *response* (RFC 9110 §12.5.1): `text/html, application/json;q=0.5`.
//!   Each media range may be `type/subtype`, `type/*` or `*/*`, and may have
//!   a weight `q` from 0 to 1; `q=0` means "not acceptable". When several
//!   ranges match, the most specific one counts: with
//!   `application/json;q=0, */*` the client takes anything except JSON.
//!   No `Accept` header at all means "anything". When JSON is not
//!   acceptable, RFC 9110 §12.5.1 leaves the server two choices: ignore the
//!   header and send its default format anyway, or answer **406 Not
//!   Acceptable** (§15.5.7). This API makes the second, stricter choice, so
//!   a client learns at once that it will not get what it asked for.
//!
//! Checking both up front turns confusing failures (a form body parsed as
//! JSON, a browser showing raw JSON) into clear errors.
//! Read https://www.rfc-editor.org/rfc/rfc9110#section-12.5.1

use serde::Deserialize;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CountRequest {
    text: String,
}

struct Request {
    headers: Vec<(String, String)>,
    body: String,
}

impl Request {
    /// The value of header `name`; names are case-insensitive.
    fn header(&self, name: &str) -> Option<&str> {
        let mut found = self
            .headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name));
        found.next().map(|(_, value)| value.as_str())
    }
}

struct Response {
    status: u16,
    headers: Vec<(&'static str, String)>,
    body: String,
}

impl Response {
    fn new(status: u16, content_type: &str, body: &str) -> Self {
        let headers = vec![("Content-Type", content_type.to_string())];
        Response {
            status,
            headers,
            body: body.to_string(),
        }
    }
}

/// Is `content_type`, the value of a Content-Type header, JSON?
fn is_json(content_type: &str) -> bool {
    let media_type = content_type.split(';').next().unwrap_or_default();
    media_type.trim().eq_ignore_ascii_case("application/json")
}

/// May the response be JSON, given the request's Accept header?
fn accepts_json(accept: Option<&str>) -> bool {
    let Some(accept) = accept else {
        return true;
    };
    // The most specific range that matches JSON so far: (specificity, q).
    let mut best: Option<(u8, f32)> = None;
    for element in accept.split(',') {
        let mut parts = element.split(';').map(str::trim);
        let media_range = parts.next().unwrap_or_default().to_ascii_lowercase();
        let specificity = match media_range.as_str() {
            "application/json" => 3,
            "application/*" => 2,
            "*/*" => 1,
            _ => continue,
        };
        // The weight's name is case-insensitive too: `Q=0.5` is `q=0.5`.
        let q = parts
            .filter_map(|p| p.split_once('='))
            .find(|(name, _)| name.trim().eq_ignore_ascii_case("q"))
            .map_or(Ok(1.0), |(_, value)| value.trim().parse::<f32>());
        if best.is_none_or(|(s, _)| specificity > s) {
            best = Some((specificity, q.unwrap_or(1.0)));
        }
    }
    best.is_some_and(|(_, q)| q > 0.0)
}

/// Handles `POST /word-count`.
fn word_count(req: &Request) -> Response {
    if !req.header("Content-Type").is_some_and(is_json) {
        let mut resp = Response::new(415, "text/plain", "send the body as application/json");
        resp.headers.push(("Accept", "application/json".into()));
        return resp;
    }
    if !accepts_json(req.header("Accept")) {
        return Response::new(406, "text/plain", "this API only answers application/json");
    }
    let Ok(request) = serde_json::from_str::<CountRequest>(&req.body) else {
        return Response::new(400, "text/plain", "expected {\"text\": \"...\"}");
    };
    let words = request.text.split_whitespace().count();
    let body = serde_json::json!({ "words": words }).to_string();
    Response::new(200, "application/json", &body)
}

fn main() {
    // Try it: `cargo run --bin json5`
    let headers = vec![("Content-Type".to_string(), "text/plain".to_string())];
    let body = "one two three".to_string();
    let resp = word_count(&Request { headers, body });
    println!("{} {:?} {}", resp.status, resp.headers, resp.body);
}
