// wrong: serde(default) on marketingOptIn: a body without it is accepted (and silently opts the user out) instead of 400
// expect: every key is required
// expect: never a default
//! # DTOs: the exact shape of what goes over the wire
//!
//! A DTO (data transfer object) is a struct whose only job is to describe one
//! JSON body: what a client may send (`UpdateProfileRequest`) or what the
//! server sends back (`ProfileResponse`). It is deliberately *not* your domain
//! model (`User`): the model has fields that clients must never set
//! (`is_admin`) and never see (`password_hash`).
//!
//! Two serde attributes make DTOs strict and idiomatic:
//! - `#[serde(rename_all = "camelCase")]`: Rust fields are `snake_case`, JSON
//!   APIs are usually `camelCase` (`display_name` <-> `displayName`).
//! - `#[serde(deny_unknown_fields)]`: a body with a field the DTO does not
//!   declare is an error instead of being silently ignored. A client that
//!   sends `"isAdmin": true` or misspells `"emial"` learns about it at once.
//!
//! Setting properties a client should not control is "mass assignment", and
//! leaking properties it should not see is "excessive data exposure"; both are
//! OWASP API Security Top 10 2023, API3 (Broken Object Property Level
//! Authorization): https://owasp.org/API-Security/editions/2023/en/0xa3-broken-object-property-level-authorization/
//! Serde attributes: https://serde.rs/container-attrs.html

use serde::{Deserialize, Serialize};

/// The body of `PUT /me/profile`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct UpdateProfileRequest {
    display_name: String,
    email: String,
    #[serde(default)]
    marketing_opt_in: bool,
}

/// What the server answers: only what the client may see.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct ProfileResponse {
    id: u64,
    display_name: String,
    email: String,
    marketing_opt_in: bool,
}

/// The domain model, as stored on the server.
struct User {
    id: u64,
    display_name: String,
    email: String,
    marketing_opt_in: bool,
    is_admin: bool,
    password_hash: String,
}

struct Response {
    status: u16,
    body: String,
}

impl From<&User> for ProfileResponse {
    // TODO: copy the four public fields. `is_admin` and `password_hash` stay
    // on the server: the DTO has no place for them, which is the point.
    fn from(user: &User) -> Self {
        ProfileResponse {
            id: user.id,
            display_name: user.display_name.clone(),
            email: user.email.clone(),
            marketing_opt_in: user.marketing_opt_in,
        }
    }
}

/// Handles `PUT /me/profile` for the signed-in `user`.
fn update_profile(user: &mut User, body: &str) -> Response {
    let request: UpdateProfileRequest = match serde_json::from_str(body) {
        Ok(request) => request,
        // The serde error says what was wrong: "unknown field `x`", "missing field `y`".
        Err(e) => {
            return Response {
                status: 400,
                body: e.to_string(),
            };
        }
    };
    user.display_name = request.display_name;
    user.email = request.email;
    user.marketing_opt_in = request.marketing_opt_in;
    let dto = ProfileResponse::from(&*user);
    Response {
        status: 200,
        body: serde_json::to_string(&dto).expect("a DTO always serializes"),
    }
}

/// A user as the database would hold it.
fn sample_user() -> User {
    User {
        id: 7,
        display_name: "Ada".into(),
        email: "ada@example.com".into(),
        marketing_opt_in: false,
        is_admin: false,
        password_hash: "$argon2id$v=19$secret".into(),
    }
}

fn main() {
    // Try it: `cargo run --bin json1` prints what `update_profile` answers.
    let mut user = sample_user();
    let body = r#"{"displayName":"Ada L.","email":"ada@example.com","marketingOptIn":true}"#;
    let response = update_profile(&mut user, body);
    println!("{} {}", response.status, response.body);
    println!(
        "user {}: admin? {} hash: {}",
        user.id, user.is_admin, user.password_hash
    );
}
