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
// TODO: derive `Deserialize` so serde_json can build this from JSON.
#[derive(Debug, PartialEq, Deserialize)]
struct CreateUser {
    name: String,
    email: String,
}

/// What the server answers: `{"id": 1, "name": "ada", "email": "ada@example.com"}`.
// TODO: derive `Serialize` so serde_json can turn this into JSON.
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
    // TODO: deserialize `body` with `serde_json::from_str`.
    serde_json::from_str(body)
}

/// Writes the JSON response body.
fn user_to_json(user: &User) -> String {
    // TODO: serialize `user` with `serde_json::to_string`. Serializing a
    // struct of strings and numbers cannot fail, so `.expect(...)` is fine here.
    serde_json::to_string(user).expect("a User always serializes")
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

// ---- grading tests: read them, but do not change them ----
#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    fn post(body: &str) -> (u16, Value) {
        let (status, text) = handle_create_user(body, 7);
        let json: Value = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("the response body {text:?} is not valid JSON: {e}"));
        (status, json)
    }

    #[test]
    fn user_is_written_as_a_json_object() {
        let user = User {
            id: 3,
            name: "grace".to_string(),
            email: "grace@example.com".to_string(),
        };
        let text = user_to_json(&user);
        let json: Value = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("user_to_json gave {text:?}, which is not JSON: {e}"));
        let expected = json!({"id": 3, "name": "grace", "email": "grace@example.com"});
        assert_eq!(
            json, expected,
            "user_to_json gave {text}, expected {expected}"
        );
    }

    #[test]
    fn quotes_and_backslashes_are_escaped() {
        let user = User {
            id: 4,
            name: "ada \"the countess\" \\ lovelace".to_string(),
            email: "ada@example.com".to_string(),
        };
        let text = user_to_json(&user);
        let json: Value = serde_json::from_str(&text).unwrap_or_else(|e| {
            panic!(
                "user_to_json gave {text:?}, which is not JSON ({e}): a `\"` or `\\` inside a \
                 string must be escaped; let serde_json write the JSON instead of format!"
            )
        });
        assert_eq!(
            json["name"], user.name,
            "user_to_json gave {text}, which changed the name {:?}",
            user.name
        );
    }

    #[test]
    fn valid_body_is_201_with_the_new_user() {
        let (status, json) = post(r#"{"name": "ada", "email": "ada@example.com"}"#);
        assert_eq!(
            status, 201,
            "a valid POST /users should answer 201 Created, not {status}"
        );
        let expected = json!({"id": 7, "name": "ada", "email": "ada@example.com"});
        assert_eq!(
            json, expected,
            "POST /users answered {json}, expected {expected}"
        );
    }

    #[test]
    fn missing_field_is_400_with_an_error_message() {
        let (status, json) = post(r#"{"name": "ada"}"#);
        assert_eq!(
            status, 400,
            "a body without \"email\" should answer 400, not {status}"
        );
        let error = json["error"].as_str().unwrap_or_default();
        assert!(
            error.contains("missing field `email`"),
            "the error body should say the email field is missing, but was {json}"
        );
    }

    #[test]
    fn wrong_type_is_400() {
        let (status, json) = post(r#"{"name": 42, "email": "ada@example.com"}"#);
        assert_eq!(
            status, 400,
            "a number as \"name\" should answer 400, not {status} ({json})"
        );
    }

    #[test]
    fn body_that_is_not_json_is_400() {
        let (status, json) = post("name=ada&email=ada@example.com");
        assert_eq!(
            status, 400,
            "a body that is not JSON should answer 400, not {status} ({json})"
        );
    }
}
