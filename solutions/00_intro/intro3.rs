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
//! working with half a value. The body must be exactly one JSON value: white
//! space around it is fine, but anything after it (`{...} x`, a second object)
//! makes it not JSON, and `from_str` refuses it too.
//!
//! Read more: https://serde.rs/derive.html and
//! https://docs.rs/serde_json/latest/serde_json/

use serde::{Deserialize, Serialize};

/// The body a client sends to create a user: `{"name": "ada", "email": "ada@example.com"}`.
// Deriving `Deserialize` lets serde_json build this from JSON.
#[derive(Debug, PartialEq, Deserialize)]
struct CreateUser {
    name: String,
    email: String,
}

/// What the server answers: `{"id": 1, "name": "ada", "email": "ada@example.com"}`.
// Deriving `Serialize` lets serde_json turn this into JSON.
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
    // `serde_json::from_str` deserializes `body`.
    serde_json::from_str(body)
}

/// Writes the JSON response body.
fn user_to_json(user: &User) -> String {
    // `serde_json::to_string` serializes `user`. Serializing a
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

// not graded: prints a demo; the tests call the functions it calls
fn main() {
    let body = r#"{"name": "ada", "email": "ada@example.com"}"#;
    println!("{:?}", handle_create_user(body, 1));
}

// ---- grading tests: read them, but do not change them ----
#[cfg(test)]
#[path = "../../support/generated.rs"]
mod generated;

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
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

    /// A string a client may send: any Unicode, quotes, backslashes, controls.
    fn text() -> impl Strategy<Value = String> {
        proptest::collection::vec(
            prop_oneof![
                4 => crate::generated::tricky_char(),
                1 => proptest::sample::select(vec!['"', '\\', '/', '\u{1}', '\u{1f}']),
            ],
            0..=8,
        )
        .prop_map(|c| c.into_iter().collect())
    }

    /// What may follow (or precede) the JSON value: JSON's own white space, other
    /// white space, or bytes that are not white space at all.
    fn extra() -> impl Strategy<Value = String> {
        proptest::collection::vec(
            prop_oneof![
                4 => proptest::sample::select(vec![" ", "\t", "\n", "\r"]),
                1 => proptest::sample::select(vec!["\u{a0}", "\u{feff}", "\u{2028}", "\u{b}", "\u{c}"]),
                2 => proptest::sample::select(vec![
                    "x", "}", "]", ",", "0", "null", "{}", "\"", "\u{0}", "//",
                    r#"{"name": "eve", "email": "eve@example.com"}"#,
                ]),
            ],
            0..=3,
        )
        .prop_map(|parts| parts.concat())
    }

    proptest! {
        #![proptest_config(crate::generated::config(192))]

        /// Any name and email, whatever characters they hold, come back unchanged.
        #[test]
        fn any_name_and_email_round_trip(name in text(), email in text()) {
            let body = serde_json::to_string(&json!({"name": name, "email": email})).unwrap();
            let (status, got) = post(&body);
            let want = json!({"id": 7, "name": name, "email": email});
            prop_assert!(
                status == 201 && got == want,
                "POST /users with {} answered {} {}, but should answer 201 {}: strings are read \
                 and written by serde, whatever characters they hold",
                body, status, got, want
            );
        }

        /// Exactly one JSON value: white space around it is fine, anything else
        /// before or after it is a 400.
        #[test]
        fn the_body_is_exactly_one_json_value(before in extra(), after in extra()) {
            let body = format!(r#"{before}{{"name": "ada", "email": "ada@example.com"}}{after}"#);
            let is_json = serde_json::from_str::<Value>(&body).is_ok();
            let (status, got) = post(&body);
            if is_json {
                prop_assert_eq!(
                    status, 201,
                    "POST /users with {:?} answered {} {}, but JSON white space (space, tab, \
                     CR, LF) around the object is fine: 201", body, status, got
                );
            } else {
                prop_assert_eq!(
                    status, 400,
                    "POST /users with {:?} answered {} {}, but a body with anything besides \
                     JSON white space before or after the object is not JSON: 400",
                    body, status, got
                );
            }
        }

        /// Each required field missing, whatever else the body holds.
        #[test]
        fn each_missing_field_is_400(missing in proptest::sample::select(vec!["name", "email"]), value in text()) {
            let mut body = json!({"name": value, "email": value});
            body.as_object_mut().unwrap().remove(missing);
            let (status, got) = post(&body.to_string());
            let error = got["error"].as_str().unwrap_or_default().to_string();
            prop_assert!(
                status == 400 && error.contains(&format!("missing field `{missing}`")),
                "POST /users with {} answered {} {}, but a body without \"{}\" should answer \
                 400 with an error saying the field is missing",
                body, status, got, missing
            );
        }
    }
}
