// wrong: the id is trimmed before the checks, so Unicode spaces around it are accepted
// expect: an id is one or more ASCII digits
//! # Path parameters and validation
//!
//! REST APIs name things in the path: `GET /users/42`. The route is written as a
//! *pattern*, `/users/{id}`, where `{id}` matches any one non-empty path segment
//! and captures it under the name `id` (axum and OpenAPI use the same syntax).
//! To match, split pattern and path on `/`: they need the same number of
//! segments, literal segments must be equal, and `{name}` segments capture.
//!
//! A captured parameter is untrusted input: validate it before you use it, and
//! pick the status code by whose fault it is:
//! - `/users/abc`: the route matches but `abc` is not an id. The client sent a
//!   malformed request: **400 Bad Request** (RFC 9110 §15.5.1).
//! - `/users/99`: a well-formed id, but no such user: **404 Not Found** (§15.5.5).
//! - `/users/` or `/users/1/extra`: no route matches at all: also **404**.
//!
//! Be strict about what an id looks like: only ASCII digits, and one spelling
//! per id, so no leading zero (`0` itself is fine). `/users/07` would be a
//! second URL for user 7, and a cache, a rate limit or an access rule keyed on
//! the path would treat the two as different users. Careful, Rust's
//! `"+7".parse::<u64>()` returns `Ok(7)`, and a 30-digit id does not fit in a
//! `u64`; all of these must be a 400, never a 200 or a panic (a panicking
//! handler means a 500 or a dropped connection for the client).
//!
//! Read more: RFC 9110 §15.5.1 and §15.5.5;
//! https://cheatsheetseries.owasp.org/cheatsheets/Input_Validation_Cheat_Sheet.html

use std::collections::HashMap;

#[derive(Debug, PartialEq)]
struct Response {
    status: u16,
    body: String,
}

impl Response {
    fn new(status: u16, body: impl Into<String>) -> Response {
        let body = body.into();
        Response { status, body }
    }
}

type Params = HashMap<String, String>;

const USERS: [(u64, &str); 2] = [(1, "alice"), (2, "bob")];

/// Matches `path` against `pattern`, returning the captured parameters,
/// or `None` if the path does not fit the pattern.
fn match_path(pattern: &str, path: &str) -> Option<Params> {
    let pattern_segments: Vec<&str> = pattern.split('/').collect();
    let path_segments: Vec<&str> = path.split('/').collect();
    if pattern_segments.len() != path_segments.len() {
        return None;
    }
    let mut params = Params::new();
    for (want, got) in pattern_segments.iter().zip(&path_segments) {
        if let Some(name) = want.strip_prefix('{').and_then(|w| w.strip_suffix('}')) {
            if got.is_empty() {
                return None;
            }
            params.insert(name.to_string(), got.to_string());
        } else if want != got {
            return None;
        }
    }
    Some(params)
}

/// A valid id is one or more ASCII digits, without a leading zero, that fit
/// in a `u64`.
fn parse_id(raw: &str) -> Option<u64> {
    let raw = raw.trim();
    if raw.is_empty() || !raw.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if raw.len() > 1 && raw.starts_with('0') {
        return None;
    }
    raw.parse().ok()
}

/// The handler for `GET /users/{id}`.
fn get_user(params: &Params) -> Response {
    let raw = &params["id"];
    let Some(id) = parse_id(raw) else {
        let why = "expected digits only, without a leading zero";
        return Response::new(400, format!("invalid user id {raw:?}: {why}\n"));
    };
    match USERS.iter().find(|(user_id, _)| *user_id == id) {
        Some((_, name)) => Response::new(200, format!("{name}\n")),
        None => Response::new(404, format!("no user {id}\n")),
    }
}

/// A one-route router for `GET` requests (a real one loops over its routes and
/// answers 405 as in http6).
fn handle(path: &str) -> Response {
    match match_path("/users/{id}", path) {
        Some(params) => get_user(&params),
        None => Response::new(404, "not found\n"),
    }
}

fn main() {
    // Try it: `cargo run --bin http7`
    for path in ["/users/1", "/users/abc", "/users/99", "/users/"] {
        println!("{path} -> {:?}", handle(path));
    }
}
