// wrong: streaming deserializer without end(): trailing garbage after the JSON object is accepted
// expect: is not JSON: 400
//! # JSON in and out with serde
//!
//! Most backends speak JSON: clients send a JSON request body, the server
//! answers with a JSON response body. In Rust this is done with two crates:
//! - `serde` defines the traits `Serialize` (Rust value -> data) and
//!   `Deserialize` (data -> Rust value). You rarely implement them by hand:
//!   `#[derive(Serialize, Deserialize)]` writes the code for your struct,
//!   using the field names as the JSON keys.
//! - `serde_json` is the JSON format: `serde_json::from_str::<T>(text)` reads
//!   JSON into a `T`, `serde_json::to_string(&value)` writes JSON text.
//!
//! Deserializing is also validation: if the body is not JSON, lacks a
//! required field or has a field of the wrong type, `from_str` returns an
//! `Err` (never panics), and the server answers `400 Bad Request` instead of
//! working with half a value.
//!
//! Read more: https://serde.rs/derive.html and
//! https://docs.rs/serde_json/latest/serde_json/

use serde::{Deserialize, Serialize};

/// The body a client sends to create a user: `{"name": "ada", "email": "ada@example.com"}`.
#[derive(Debug, PartialEq, Deserialize)]
struct CreateUser {
    name: String,
    email: String,
}

/// What the server answers: `{"id": 1, "name": "ada", "email": "ada@example.com"}`.
#[derive(Debug, PartialEq, Serialize)]
struct User {
    id: u64,
    name: String,
    email: String,
}

/// The body of an error response: `{"error": "..."}`. (This one is done.)
#[derive(Debug, Serialize)]
struct ErrorBody {
    error: String,
}

/// Reads the JSON request body.
fn parse_create_user(body: &str) -> Result<CreateUser, serde_json::Error> {
    let mut de = serde_json::Deserializer::from_str(body);
    CreateUser::deserialize(&mut de)
}

/// Writes the JSON response body.
fn user_to_json(user: &User) -> String {
    serde_json::to_string(user).expect("a user always serializes")
}

/// Handles `POST /users`: returns the status code and the JSON body.
fn handle_create_user(body: &str, next_id: u64) -> (u16, String) {
    match parse_create_user(body) {
        Ok(input) => {
            let user = User {
                id: next_id,
                name: input.name,
                email: input.email,
            };
            (201, user_to_json(&user))
        }
        Err(e) => {
            let error = ErrorBody {
                error: format!("invalid request body: {e}"),
            };
            (
                400,
                serde_json::to_string(&error).expect("always serializes"),
            )
        }
    }
}

fn main() {
    let body = r#"{"name": "ada", "email": "ada@example.com"}"#;
    println!("{:?}", handle_create_user(body, 1));
}
