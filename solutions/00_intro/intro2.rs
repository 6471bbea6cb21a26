//! # `Result`, `?` and turning errors into responses
//!
//! A request handler does several steps that can each fail: read the path,
//! parse an id, look the record up. In Rust each step returns a `Result`, and
//! the `?` operator stops at the first `Err` and returns it to the caller, so
//! the happy path reads top to bottom without nested `match`es.
//!
//! `?` only passes errors through. Something at the edge of the server must
//! finally turn every `Err` into a response the client understands: a status
//! code and a message. A client that sent garbage gets `400 Bad Request`; a
//! client that asked for something that does not exist gets `404 Not Found`.
//! (The `01_http` topic covers status codes in depth.)
//!
//! `map_err` converts one error type into another, e.g. the `ParseIntError`
//! of `str::parse` into our own `ApiError`, so that `?` can pass it on.
//!
//! Read more: the Rust book, chapter 9.2
//! https://doc.rust-lang.org/book/ch09-02-recoverable-errors-with-result.html
//! and `Result::map_err`: https://doc.rust-lang.org/std/result/enum.Result.html#method.map_err

#[derive(Debug, PartialEq)]
enum ApiError {
    /// The client sent something we cannot understand: answered with 400.
    BadRequest(String),
    /// The client asked for something that does not exist: answered with 404.
    NotFound(String),
}

#[derive(Debug, PartialEq)]
struct Response {
    status: u16,
    body: String,
}

/// Our "database": a fixed list of users.
fn find_user(id: u32) -> Result<&'static str, ApiError> {
    match id {
        1 => Ok("ada"),
        2 => Ok("grace"),
        _ => Err(ApiError::NotFound(format!("no user with id {id}"))),
    }
}

/// Parses the id part of `/users/{id}`.
fn parse_id(segment: &str) -> Result<u32, ApiError> {
    // The whole `segment`, as it is, parsed as a `u32`. If that fails, the
    // error is `ApiError::BadRequest` with the message `invalid user id: {segment}`
    // (e.g. "invalid user id: abc"). Nothing is trimmed or cut off first:
    // `/users/1/` and `/users/ 1` are bad requests, not user 1. What `u32`'s
    // own parser accepts counts as a number (`+1` and `007` are ids 1 and 7).
    // `.map_err(...)` turns the parser's error into ours.
    segment
        .parse::<u32>()
        .map_err(|_| ApiError::BadRequest(format!("invalid user id: {segment}")))
}

/// Handles `GET /users/{id}`; the body of a success is `user {id}: {name}`.
fn get_user(path: &str) -> Result<String, ApiError> {
    let Some(segment) = path.strip_prefix("/users/") else {
        return Err(ApiError::NotFound(format!("no route for {path}")));
    };
    // `?` returns the first error of `parse_id` or `find_user`; else the body is
    // `user {id}: {name}`, e.g. "user 1: ada".
    let id = parse_id(segment)?;
    let name = find_user(id)?;
    Ok(format!("user {id}: {name}"))
}

/// Turns the handler's result into the response sent to the client.
fn into_response(result: Result<String, ApiError>) -> Response {
    // `Ok(body)` becomes status 200 with that body;
    // `BadRequest(message)` becomes 400 and `NotFound(message)` becomes 404,
    // each with the message as the body.
    match result {
        Ok(body) => Response { status: 200, body },
        Err(ApiError::BadRequest(message)) => Response {
            status: 400,
            body: message,
        },
        Err(ApiError::NotFound(message)) => Response {
            status: 404,
            body: message,
        },
    }
}

fn handle(path: &str) -> Response {
    into_response(get_user(path))
}

// not graded: prints a demo; the tests call the functions it calls
fn main() {
    for path in ["/users/1", "/users/abc", "/users/7"] {
        println!("GET {path} -> {:?}", handle(path));
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

    fn check(path: &str, status: u16, body: &str) {
        let resp = handle(path);
        assert_eq!(
            resp.status, status,
            "GET {path} answered status {} (body {:?}), but it should answer {status}",
            resp.status, resp.body
        );
        assert_eq!(
            resp.body, body,
            "GET {path} answered the body {:?}, but it should answer {body:?}",
            resp.body
        );
    }

    #[test]
    fn parse_id_accepts_a_number() {
        assert_eq!(parse_id("42"), Ok(42), "parse_id(\"42\") should be Ok(42)");
    }

    #[test]
    fn parse_id_rejects_text_as_bad_request() {
        assert_eq!(
            parse_id("abc"),
            Err(ApiError::BadRequest("invalid user id: abc".to_string())),
            "parse_id(\"abc\") should be a BadRequest saying \"invalid user id: abc\""
        );
    }

    #[test]
    fn existing_user_is_200() {
        check("/users/1", 200, "user 1: ada");
        check("/users/2", 200, "user 2: grace");
    }

    #[test]
    fn id_that_is_not_a_number_is_400() {
        check("/users/abc", 400, "invalid user id: abc");
        check("/users/-1", 400, "invalid user id: -1");
        check("/users/", 400, "invalid user id: ");
    }

    #[test]
    fn id_too_big_for_u32_is_400() {
        check("/users/99999999999", 400, "invalid user id: 99999999999");
    }

    #[test]
    fn unknown_user_is_404() {
        check("/users/7", 404, "no user with id 7");
    }

    #[test]
    fn unknown_path_is_404() {
        check("/teapots/1", 404, "no route for /teapots/1");
    }

    /// The rule as a reference: the whole segment after `/users/`, untouched,
    /// parsed by `u32`'s own parser.
    fn expected(path: &str) -> (u16, String, &'static str) {
        let Some(segment) = path.strip_prefix("/users/") else {
            return (
                404,
                format!("no route for {path}"),
                "only paths that start with /users/ have a route",
            );
        };
        let why = "the id is the whole segment after /users/, parsed as a u32 as it is \
                   (nothing trimmed, no slash dropped): anything u32's parser refuses is a \
                   400, an id nobody has is a 404";
        match segment.parse::<u32>() {
            Err(_) => (400, format!("invalid user id: {segment}"), why),
            Ok(1) => (200, "user 1: ada".to_string(), why),
            Ok(2) => (200, "user 2: grace".to_string(), why),
            Ok(id) => (404, format!("no user with id {id}"), why),
        }
    }

    /// Something a client may put around an id: often nothing, else slashes,
    /// signs, zeros, ASCII and Unicode white space, or any other character.
    fn around() -> impl Strategy<Value = String> {
        prop_oneof![
            4 => Just(String::new()),
            2 => "/{1,2}",
            1 => "[+-]{1,2}",
            1 => "0{1,3}",
            2 => proptest::collection::vec(
                prop_oneof![
                    proptest::sample::select(vec![' ', '\t', '\r', '\n', '\u{b}', '\u{c}']),
                    proptest::sample::select(crate::generated::UNICODE_SPACES.to_vec()),
                ],
                1..=2,
            )
            .prop_map(|c| c.into_iter().collect()),
            1 => crate::generated::tricky_text(1, 2),
        ]
    }

    fn number() -> impl Strategy<Value = String> {
        prop_oneof![
            3 => proptest::sample::select(vec!["1", "2", "7", "0"]).prop_map(String::from),
            1 => (0..=u64::from(u32::MAX) + 1).prop_map(|n| n.to_string()),
            1 => Just(u32::MAX.to_string()),
        ]
    }

    fn path() -> impl Strategy<Value = String> {
        let prefix = prop_oneof![
            8 => Just("/users/"),
            1 => proptest::sample::select(vec!["/users", "/Users/", "//users/", "/users//", " /users/"]),
        ];
        (prefix, around(), number(), around()).prop_map(|(p, a, n, b)| format!("{p}{a}{n}{b}"))
    }

    proptest! {
        #![proptest_config(crate::generated::config(256))]

        /// Any id with anything around it: slashes, signs, zeros, any white space.
        #[test]
        fn the_whole_segment_is_the_id(path in path()) {
            let (status, body, why) = expected(&path);
            let resp = handle(&path);
            prop_assert!(
                resp.status == status && resp.body == body,
                "GET {:?} answered {} {:?}, but should answer {} {:?}: {}",
                path, resp.status, resp.body, status, body, why
            );
        }
    }
}
