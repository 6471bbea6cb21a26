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

// not graded: prints demo lookups; the tests call `handle` directly
fn main() {
    // Try it: `cargo run --bin http7`
    for path in ["/users/1", "/users/abc", "/users/99", "/users/"] {
        println!("{path} -> {:?}", handle(path));
    }
}

// ---- grading tests: read them, but do not change them ----
#[cfg(test)]
#[path = "../../support/generated.rs"]
mod generated;

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

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
        let msg = format!("GET {path} should answer {want} ({rule}), but answered {got}");
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
        let rule = "`posts` is not `likes`: every literal segment counts, not only the first";
        matches("/users/{id}/posts", "/users/7/likes", None, rule);
    }

    #[test]
    fn segment_counts_must_be_equal() {
        let rule = "the path needs exactly as many segments as the pattern";
        matches("/users/{id}", "/users", None, rule);
        matches("/users/{id}", "/users/42/extra", None, rule);
        matches("/users/{id}", "/users/42/", None, rule);
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
        let rule = "a valid id, but there is no such user";
        get("/users/99", 404, rule);
        get("/users/0", 404, rule);
        get(
            "/users/18446744073709551615",
            404,
            "the largest u64 is a valid id",
        );
    }

    #[test]
    fn a_path_that_does_not_match_is_404() {
        let rule = "no route matches this path";
        get("/users/", 404, rule);
        get("/users", 404, rule);
        get("/users/2/", 404, rule);
        get("/users/2/extra", 404, rule);
    }

    #[test]
    fn non_numeric_id_is_400() {
        for id in ["abc", "1a", "-1", "1.0", "1e3", "%32", "٣"] {
            let response = get(
                &format!("/users/{id}"),
                400,
                "the id must be ASCII digits only",
            );
            assert!(
                !response.body.trim().is_empty(),
                "the 400 for /users/{id} has an empty body; say what is wrong with the id"
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
    fn leading_zero_is_400() {
        let rule = "an id has one spelling: `02` would be a second URL for user 2";
        get("/users/02", 400, rule);
        get("/users/00", 400, rule);
    }

    #[test]
    fn id_too_large_is_400_not_a_panic() {
        let rule = "an id that does not fit in a u64 is malformed, not a reason to panic";
        get("/users/18446744073709551616", 400, rule);
        get("/users/99999999999999999999999", 400, rule);
    }

    /// The id rule, written out: ASCII digits only, no leading zero, fits a u64.
    fn id_oracle(raw: &str) -> Option<u64> {
        let digits = !raw.is_empty() && raw.bytes().all(|b| b.is_ascii_digit());
        let canonical = raw == "0" || !raw.starts_with('0');
        raw.parse().ok().filter(|_| digits && canonical)
    }

    fn raw_id() -> impl Strategy<Value = String> {
        prop_oneof![
            3 => (0u64..5).prop_map(|n| n.to_string()),
            2 => crate::generated::edge_u64(u64::MAX).prop_map(|n| n.to_string()),
            1 => Just("18446744073709551616".to_string()),
            1 => (0u64..5, 1usize..3).prop_map(|(n, zeros)| format!("{}{n}", "0".repeat(zeros))),
            2 => proptest::collection::vec(
                proptest::sample::select(vec!["1", "0", "+", "-", " ", "\u{ff11}", "\u{661}", "\u{b9}", "e", "%31", "\u{a0}"]),
                0..4,
            ).prop_map(|p| p.concat()),
        ]
    }

    proptest! {
        #![proptest_config(crate::generated::config(256))]

        #[test]
        fn any_id_gets_the_verdict_of_the_rules(raw in raw_id()) {
            let got = parse_id(&raw);
            let want = id_oracle(&raw);
            prop_assert_eq!(
                got, want,
                "parse_id({:?}) gave the left, but should give the right: an id is one or \
                 more ASCII digits (not a sign, a space, a fullwidth, Arabic-Indic or \
                 superscript digit), no leading zero, and fits in a u64 (up to {})",
                raw, u64::MAX
            );
        }

        #[test]
        fn any_users_path_gets_the_right_answer(
            raw in raw_id(),
            prefix in proptest::sample::select(vec!["/users/", "/users/", "/users/", "/Users/", "/users//", "users/", "/users"]),
            suffix in proptest::sample::select(vec!["", "", "", "/", "/x", "?"]),
        ) {
            let path = format!("{prefix}{raw}{suffix}");
            let response = handle(&path);
            let segments: Vec<&str> = path.split('/').collect();
            let matched = segments.len() == 3
                && segments[0].is_empty()
                && segments[1] == "users"
                && !segments[2].is_empty();
            let want = match matched.then(|| id_oracle(segments[2])) {
                None => 404,
                Some(None) => 400,
                Some(Some(id)) if USERS.iter().any(|(u, _)| *u == id) => 200,
                Some(Some(_)) => 404,
            };
            prop_assert_eq!(
                response.status, want,
                "GET {:?} answered {} with body {:?}, but should answer {}: the path matches \
                 /users/{{id}} only with exactly those segments and a non-empty id; an id that \
                 breaks the rules is 400, a valid id without a user is 404",
                path, response.status, response.body, want
            );
        }
    }
}
