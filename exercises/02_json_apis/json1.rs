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
// TODO: the JSON keys are `displayName`, `email` and `marketingOptIn`, in any
// order, spelled exactly so. All three are required (a PUT replaces the whole
// profile: a missing key is a 400, never a default), and a body with any other
// key must be rejected (400), not silently ignored.
#[derive(Debug, Deserialize)]
struct UpdateProfileRequest {
    display_name: String,
    email: String,
    marketing_opt_in: bool,
}

/// What the server answers: only what the client may see.
// TODO: the response must use camelCase keys too.
#[derive(Debug, Serialize)]
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
        todo!()
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

// ---- grading tests: read them, but do not change them ----
#[cfg(test)]
#[path = "../../support/generated.rs"]
mod generated;

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::{Value, json};

    #[test]
    fn camel_case_in_camel_case_out_without_internal_fields() {
        let mut user = sample_user();
        let body = r#"{"displayName":"Ada L.","email":"ada@lovelace.org","marketingOptIn":true}"#;
        let resp = update_profile(&mut user, body);
        assert_eq!(
            resp.status, 200,
            "a valid camelCase body should be answered 200, but got {}: {}",
            resp.status, resp.body
        );
        let got: Value = serde_json::from_str(&resp.body)
            .unwrap_or_else(|e| panic!("the body should be JSON ({e}), got: {}", resp.body));
        let expected = json!({
            "id": 7, "displayName": "Ada L.", "email": "ada@lovelace.org", "marketingOptIn": true
        });
        assert_eq!(
            got, expected,
            "the response should have exactly the keys id, displayName, email, \
             marketingOptIn, with the new values (no isAdmin, no passwordHash)"
        );
    }

    #[test]
    fn snake_case_keys_are_rejected() {
        let mut user = sample_user();
        let body = r#"{"display_name":"Eve","email":"eve@example.com","marketing_opt_in":true}"#;
        let resp = update_profile(&mut user, body);
        assert_eq!(
            resp.status, 400,
            "the API speaks camelCase: `display_name` is not one of its fields, \
             so the body should be answered 400, but got {}",
            resp.status
        );
        assert_eq!(
            user.display_name, "Ada",
            "a rejected body must not change the user"
        );
    }

    #[test]
    fn unknown_field_is_rejected_not_ignored() {
        let mut user = sample_user();
        let body = r#"{"displayName":"Ada","email":"a@b.c","marketingOptIn":false,"isAdmin":true}"#;
        let resp = update_profile(&mut user, body);
        assert_eq!(
            resp.status, 400,
            "a body with the unknown field `isAdmin` should be answered 400, but got {}",
            resp.status
        );
        assert!(
            resp.body.contains("isAdmin"),
            "the 400 body should name the unknown field `isAdmin`, but it was: {}",
            resp.body
        );
        assert!(
            !user.is_admin,
            "a client must never be able to make itself admin"
        );
    }

    #[test]
    fn any_unknown_field_is_rejected_and_changes_nothing() {
        for extra in [r#""passwordHash":"x""#, r#""emial":"eve@example.com""#] {
            let mut user = sample_user();
            let body = format!(
                r#"{{"displayName":"Eve","email":"eve@example.com","marketingOptIn":true,{extra}}}"#
            );
            let resp = update_profile(&mut user, &body);
            assert_eq!(
                resp.status, 400,
                "every key the DTO does not declare must be rejected, not only `isAdmin`: \
                 the body {body} should be answered 400, but got {}",
                resp.status
            );
            assert_eq!(
                (user.display_name.as_str(), user.marketing_opt_in),
                ("Ada", false),
                "a rejected body ({body}) must not change the user"
            );
        }
    }

    const KEYS: [&str; 3] = ["displayName", "email", "marketingOptIn"];

    /// Any string value: Unicode, white space, quotes, controls.
    fn text() -> impl Strategy<Value = String> {
        crate::generated::tricky_text(0, 8)
    }

    /// Any JSON value, nested objects and arrays included.
    fn any_json() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            text().prop_map(Value::from),
        ];
        leaf.prop_recursive(2, 8, 3, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..3).prop_map(Value::from),
                proptest::collection::btree_map(
                    proptest::sample::select(vec!["isAdmin", "displayName", "x"]),
                    inner,
                    0..3
                )
                .prop_map(|m| Value::Object(
                    m.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
                )),
            ]
        })
    }

    /// A key the DTO does not declare: another spelling of a declared one (any
    /// case, snake_case, a look-alike letter, a space), a field of the model, or
    /// any text at all.
    fn unknown_key() -> impl Strategy<Value = String> {
        prop_oneof![
            crate::generated::any_case("displayname"),
            crate::generated::any_case("email"),
            crate::generated::any_case("marketingoptin"),
            proptest::sample::select(vec![
                "display_name",
                "marketing_opt_in",
                "isAdmin",
                "is_admin",
                "passwordHash",
                "id",
                "",
                "email ",
                " email",
                "e\u{301}mail",
                "em\u{430}il",
                "\u{feff}email",
                "email\u{0}",
                "displayName\u{200b}",
            ])
            .prop_map(String::from),
            text(),
        ]
        .prop_filter("a declared key", |k| !KEYS.contains(&k.as_str()))
    }

    /// A body with the given keys in the given order.
    fn body_of(fields: &[(String, Value)]) -> String {
        let members: Vec<String> = fields
            .iter()
            .map(|(k, v)| format!("{}:{}", Value::from(k.as_str()), v))
            .collect();
        format!("{{{}}}", members.join(","))
    }

    fn unchanged(user: &User) -> bool {
        user.display_name == "Ada" && user.email == "ada@example.com" && !user.marketing_opt_in
    }

    proptest! {
        #![proptest_config(crate::generated::config(192))]

        /// The three keys in any order, with any values: 200 and exactly the
        /// four public keys with the new values.
        #[test]
        fn any_order_any_values_are_stored_and_answered(
            order in Just(vec![0usize, 1, 2]).prop_shuffle(),
            name in text(),
            email in text(),
            opt_in in any::<bool>(),
        ) {
            let values = [Value::from(name.clone()), Value::from(email.clone()), Value::from(opt_in)];
            let fields: Vec<(String, Value)> =
                order.iter().map(|&i| (KEYS[i].to_string(), values[i].clone())).collect();
            let body = body_of(&fields);
            let mut user = sample_user();
            let resp = update_profile(&mut user, &body);
            let want = json!({"id": 7, "displayName": name, "email": email, "marketingOptIn": opt_in});
            let got: Value = serde_json::from_str(&resp.body).unwrap_or(Value::Null);
            prop_assert!(
                resp.status == 200 && got == want,
                "PUT /me/profile with {} answered {} {}, but should answer 200 {}: the three \
                 keys in any order, with any text, are a valid body",
                body, resp.status, resp.body, want
            );
            prop_assert!(
                user.display_name == name && user.email == email && user.marketing_opt_in == opt_in,
                "PUT /me/profile with {} answered 200 but did not store the new values", body
            );
        }

        /// One unknown key, with any value (nested too), at any position: 400
        /// naming it, and the user is unchanged.
        #[test]
        fn an_unknown_key_anywhere_is_400(
            key in unknown_key(),
            value in any_json(),
            at in 0usize..=3,
            order in Just(vec![0usize, 1, 2]).prop_shuffle(),
        ) {
            let values = [json!("Eve"), json!("eve@example.com"), json!(true)];
            let mut fields: Vec<(String, Value)> =
                order.iter().map(|&i| (KEYS[i].to_string(), values[i].clone())).collect();
            fields.insert(at, (key.clone(), value));
            let body = body_of(&fields);
            let mut user = sample_user();
            let resp = update_profile(&mut user, &body);
            prop_assert!(
                resp.status == 400 && resp.body.contains(&format!("unknown field `{key}`")),
                "PUT /me/profile with {} answered {} {}, but a key the DTO does not declare \
                 ({:?}), wherever it stands and whatever its value, should be answered 400 \
                 naming it (serde's \"unknown field `…`\"): keys are matched exactly, in \
                 camelCase",
                body, resp.status, resp.body, key
            );
            prop_assert!(unchanged(&user), "a rejected body ({}) must not change the user", body);
        }

        /// Each required key missing in turn (or several): 400 naming one, user
        /// unchanged.
        #[test]
        fn a_missing_key_is_400_never_a_default(
            present in proptest::collection::vec(any::<bool>(), 3)
                .prop_filter("one key missing", |p| p.contains(&false)),
            order in Just(vec![0usize, 1, 2]).prop_shuffle(),
        ) {
            let values = [json!("Eve"), json!("eve@example.com"), json!(false)];
            let fields: Vec<(String, Value)> = order
                .iter()
                .filter(|&&i| present[i])
                .map(|&i| (KEYS[i].to_string(), values[i].clone()))
                .collect();
            let missing: Vec<&str> =
                (0..3).filter(|&i| !present[i]).map(|i| KEYS[i]).collect();
            let body = body_of(&fields);
            let mut user = sample_user();
            let resp = update_profile(&mut user, &body);
            prop_assert!(
                resp.status == 400
                    && missing.iter().any(|k| resp.body.contains(&format!("missing field `{k}`"))),
                "PUT /me/profile with {} answered {} {}, but it lacks {:?}: a PUT replaces the \
                 whole profile, so every key is required and a missing one is a 400 naming it \
                 (serde's \"missing field `…`\"), never a default",
                body, resp.status, resp.body, missing
            );
            prop_assert!(unchanged(&user), "a rejected body ({}) must not change the user", body);
        }
    }
}
