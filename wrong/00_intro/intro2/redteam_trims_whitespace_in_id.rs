// wrong: id is trimmed before parsing, so ' 1' is accepted
// expect: the id is the whole segment after /users/
// expect: nothing trimmed
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
    segment
        .trim()
        .parse::<u32>()
        .map_err(|_| ApiError::BadRequest(format!("invalid user id: {segment}")))
}

/// Handles `GET /users/{id}`; the body of a success is `user {id}: {name}`.
fn get_user(path: &str) -> Result<String, ApiError> {
    let Some(segment) = path.strip_prefix("/users/") else {
        return Err(ApiError::NotFound(format!("no route for {path}")));
    };
    let id = parse_id(segment)?;
    let name = find_user(id)?;
    Ok(format!("user {id}: {name}"))
}

/// Turns the handler's result into the response sent to the client.
fn into_response(result: Result<String, ApiError>) -> Response {
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

fn main() {
    for path in ["/users/1", "/users/abc", "/users/7"] {
        println!("GET {path} -> {:?}", handle(path));
    }
}
