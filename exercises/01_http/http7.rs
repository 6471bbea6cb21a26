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
//! Be strict about what an id looks like: only ASCII digits. Careful, Rust's
//! `"+7".parse::<u64>()` returns `Ok(7)`, and a 30-digit id does not fit in a
//! `u64`; both must be a 400, never a 200 or a panic (a panicking handler means
//! a 500 or a dropped connection for the client).
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
// TODO: split both on '/' and compare them segment by segment:
// - different numbers of segments: `None`;
// - a pattern segment `{name}` matches any non-empty segment: insert
//   (name, segment) into the `Params`; an empty segment: `None`;
// - any other pattern segment must equal the path segment, or `None`.
fn match_path(pattern: &str, path: &str) -> Option<Params> {
    todo!()
}

/// A valid id is one or more ASCII digits that fit in a `u64`.
// TODO: return `None` unless `raw` is non-empty and all ASCII digits; then
// parse it, turning an overflow into `None` as well (no `unwrap`!).
fn parse_id(raw: &str) -> Option<u64> {
    todo!()
}

/// The handler for `GET /users/{id}`.
fn get_user(params: &Params) -> Response {
    let raw = &params["id"];
    // TODO: this `unwrap` panics on `/users/abc`. When `parse_id` returns `None`,
    // answer 400 instead, with a body that says what is wrong.
    let id = parse_id(raw).unwrap();
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

// ---- grading tests: read them, but do not change them ----
#[cfg(test)]
mod tests {
    use super::*;

    fn matches(pattern: &str, path: &str, want: Option<&[(&str, &str)]>, rule: &str) {
        let got = match_path(pattern, path);
        let want: Option<Params> =
            want.map(|list| list.iter().map(|&(k, v)| (k.into(), v.into())).collect());
        let msg = format!("match_path({pattern:?}, {path:?}) returned {got:?}, expected {want:?}");
        assert_eq!(got, want, "{msg}: {rule}");
    }

    fn get(path: &str, want: u16, rule: &str) -> Response {
        let outcome = std::panic::catch_unwind(|| handle(path));
        let response = outcome.unwrap_or_else(|_| {
            panic!("GET {path} panicked instead of answering {want} ({rule}); see the panic above")
        });
        let got = response.status;
        let msg = format!("GET {path} answered {got}, expected {want}: {rule}");
        assert_eq!(got, want, "{msg}\nfull response: {response:?}");
        response
    }

    #[test]
    fn a_parameter_captures_its_segment() {
        let rule = "`{id}` captures the segment in its place";
        matches("/users/{id}", "/users/42", Some(&[("id", "42")]), rule);
        let want: &[_] = &[("id", "7"), ("post", "hello")];
        matches(
            "/users/{id}/posts/{post}",
            "/users/7/posts/hello",
            Some(want),
            rule,
        );
    }

    #[test]
    fn literal_segments_must_be_equal() {
        matches("/users/{id}", "/teams/42", None, "`users` is not `teams`");
        matches("/users/{id}", "/Users/42", None, "paths are case-sensitive");
    }

    #[test]
    fn segment_counts_must_be_equal() {
        let rule = "the path needs exactly as many segments as the pattern";
        matches("/users/{id}", "/users", None, rule);
        matches("/users/{id}", "/users/42/extra", None, rule);
    }

    #[test]
    fn a_parameter_is_never_empty() {
        let rule = "`{id}` matches one non-empty segment";
        matches("/users/{id}", "/users/", None, rule);
        matches("/users/{id}/posts", "/users//posts", None, rule);
    }

    #[test]
    fn existing_user_is_200() {
        let response = get("/users/2", 200, "user 2 exists");
        assert_eq!(
            response.body, "bob\n",
            "GET /users/2 should answer bob's name"
        );
    }

    #[test]
    fn unknown_user_is_404() {
        get(
            "/users/99",
            404,
            "99 is a valid id, but there is no such user",
        );
    }

    #[test]
    fn missing_id_is_404() {
        get("/users/", 404, "no route matches a path without an id");
        get("/users", 404, "no route matches a path without an id");
    }

    #[test]
    fn non_numeric_id_is_400() {
        for id in ["abc", "1a", "-1", "1.0", "1e3"] {
            get(
                &format!("/users/{id}"),
                400,
                "the id must be ASCII digits only",
            );
        }
    }

    #[test]
    fn plus_sign_is_400() {
        get(
            "/users/+1",
            400,
            "\"+1\".parse::<u64>() accepts the sign; ids must be digits only",
        );
    }

    #[test]
    fn id_too_large_is_400_not_a_panic() {
        let rule = "an id that does not fit in a u64 is malformed, not a reason to panic";
        get("/users/99999999999999999999999", 400, rule);
    }
}
