//! # Validation: 400 or 422, explained with problem details
//!
//! A request body can be wrong in two different ways:
//! - it is not JSON at all (`{"guestName": "Ada",` is cut off): the server
//!   cannot even read it. That is **400 Bad Request** (RFC 9110 §15.5.1).
//! - it is JSON, but its content is unacceptable: a string where a number
//!   belongs, a missing field, a party of 0 guests. The server understood the
//!   syntax but cannot process it: **422 Unprocessable Content** (RFC 9110
//!   §15.5.21). serde tells the two apart: `serde_json::Error::is_syntax()` and
//!   `is_eof()` for broken JSON, `is_data()` for JSON of the wrong shape.
//!
//! Either way the client deserves a machine-readable explanation. RFC 9457
//! ("Problem Details for HTTP APIs") defines one, sent with the content type
//! `application/problem+json`:
//!
//! ```json
//! {"type": "about:blank", "title": "Unprocessable Content", "status": 422,
//!  "detail": "partySize must be between 1 and 12"}
//! ```
//!
//! `type` is a URI naming the kind of problem; `about:blank` means "nothing
//! more than the status code", and then `title` should be the status code's
//! reason phrase (RFC 9457 §4.2.1). `status` repeats the HTTP status, `detail`
//! explains this occurrence. Read https://www.rfc-editor.org/rfc/rfc9457#section-3

use serde::{Deserialize, Serialize};

#[derive(Debug, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct NewReservation {
    guest_name: String,
    party_size: u32,
}

/// An RFC 9457 problem details object. `type` is a Rust keyword, hence the rename.
#[derive(Serialize)]
struct Problem {
    #[serde(rename = "type")]
    kind: String,
    title: String,
    status: u16,
    detail: String,
}

struct Response {
    status: u16,
    content_type: String,
    body: String,
}

/// The business rules. `Err` holds a message for the client.
fn validate(r: &NewReservation) -> Result<(), String> {
    let name = r.guest_name.trim();
    if name.is_empty() || name.chars().count() > 50 {
        return Err("guestName must be 1 to 50 characters".into());
    }
    if !(1..=12).contains(&r.party_size) {
        return Err("partySize must be between 1 and 12".into());
    }
    Ok(())
}

/// A problem details response with type "about:blank".
// TODO: build a `Problem` from the arguments and answer it with `status`,
// the content type `application/problem+json` and the problem as JSON body
// (`serde_json::to_string`).
fn problem(status: u16, title: &str, detail: String) -> Response {
    todo!()
}

/// Handles `POST /reservations`.
fn create_reservation(body: &str) -> Response {
    let reservation: NewReservation = match serde_json::from_str(body) {
        Ok(r) => r,
        // TODO: JSON that cannot be read at all is 400 "Bad Request"; readable
        // JSON of the wrong shape is 422 "Unprocessable Content". Use serde's
        // message as the detail.
        Err(e) => return problem(500, "Internal Server Error", e.to_string()),
    };
    if let Err(detail) = validate(&reservation) {
        // TODO: breaking a business rule is not a malformed request. Which status?
        return problem(400, "Bad Request", detail);
    }
    Response {
        status: 201,
        content_type: "application/json".into(),
        body: serde_json::to_string(&reservation).expect("a DTO always serializes"),
    }
}

fn main() {
    // Try it: `cargo run --bin json2`
    for body in [
        r#"{"guestName": "Ada","#,
        r#"{"guestName": "Ada", "partySize": 0}"#,
    ] {
        let resp = create_reservation(body);
        println!("{} {} {}", resp.status, resp.content_type, resp.body);
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
    use serde_json::{Value, json};

    const UNPROCESSABLE: &str = "Unprocessable Content";

    /// Checks that `resp` is a problem details response and returns its body.
    #[track_caller]
    fn assert_problem(resp: &Response, status: u16, title: &str, why: &str) -> Value {
        let got = (resp.status, resp.content_type.as_str());
        let expected = (status, "application/problem+json");
        assert_eq!(
            got, expected,
            "{why}: expected (status, content type) {expected:?}, got {got:?}"
        );
        let body: Value = serde_json::from_str(&resp.body)
            .unwrap_or_else(|e| panic!("{why}: the body should be JSON ({e}): {}", resp.body));
        let members = [
            (
                "type",
                json!("about:blank"),
                "the problem type `about:blank`",
            ),
            (
                "title",
                json!(title),
                "the status code's reason phrase (RFC 9457 §4.2.1)",
            ),
            ("status", json!(status), "the HTTP status as a JSON number"),
        ];
        for (key, expected, meaning) in members {
            assert_eq!(
                body[key], expected,
                "{why}: `{key}` should be {meaning}, i.e. {expected}, in {body}"
            );
        }
        assert!(
            body["detail"].is_string(),
            "{why}: `detail` should be a string in {body}"
        );
        body
    }

    #[test]
    fn json_that_cannot_be_read_is_400() {
        for (body, why) in [
            (r#"{"guestName": "Ada","#, "a body cut off mid-object"),
            ("", "an empty body"),
            (
                r#"{"guestName": Ada, "partySize": 2}"#,
                "a JSON syntax error (unquoted string)",
            ),
            (
                r#"{"guestName": "Ada", "partySize": 2} {}"#,
                "trailing characters after the JSON value",
            ),
        ] {
            let why = format!("{why} ({body:?}) is not JSON at all, so it should be 400");
            assert_problem(&create_reservation(body), 400, "Bad Request", &why);
        }
    }

    #[test]
    fn json_of_the_wrong_shape_is_422() {
        for body in [
            r#"{"guestName": "Ada", "partySize": "four"}"#,
            r#"{"guestName": "Ada"}"#,
        ] {
            let why = format!("{body} is valid JSON of the wrong shape, so it should be 422");
            assert_problem(&create_reservation(body), 422, UNPROCESSABLE, &why);
        }
    }

    #[test]
    fn rule_violations_are_422_and_name_the_field() {
        for (body, field) in [
            (r#"{"guestName": "Ada", "partySize": 0}"#, "partySize"),
            (r#"{"guestName": "Ada", "partySize": 13}"#, "partySize"),
            (r#"{"guestName": "   ", "partySize": 2}"#, "guestName"),
            (r#"{"guestName": "", "partySize": 2}"#, "guestName"),
        ] {
            let why = format!("{body} breaks a business rule, so it should be 422");
            let problem = assert_problem(&create_reservation(body), 422, UNPROCESSABLE, &why);
            let detail = problem["detail"].as_str().unwrap_or_default();
            assert!(
                detail.contains(field),
                "for {body} the detail should name `{field}`: {detail:?}"
            );
        }
    }

    #[test]
    fn the_boundaries_themselves_are_valid() {
        let fifty = "é".repeat(50);
        for (body, why) in [
            (
                r#"{"guestName": "Ada", "partySize": 1}"#.to_string(),
                "a party of 1",
            ),
            (
                r#"{"guestName": "Ada", "partySize": 12}"#.to_string(),
                "a party of 12",
            ),
            (
                format!(r#"{{"guestName": "{fifty}", "partySize": 2}}"#),
                "a name of 50 characters (100 bytes in UTF-8)",
            ),
        ] {
            let resp = create_reservation(&body);
            assert_eq!(
                resp.status, 201,
                "{why} is within the rules and should be created (201), but got {}: {}",
                resp.status, resp.body
            );
        }
        let long = format!(r#"{{"guestName": "{}", "partySize": 2}}"#, "a".repeat(51));
        let why = "a name of 51 characters breaks the 1-to-50 rule, so it should be 422";
        assert_problem(&create_reservation(&long), 422, UNPROCESSABLE, why);
    }

    #[test]
    fn valid_reservation_is_201_json() {
        let resp = create_reservation(r#"{"guestName": "Ada", "partySize": 4}"#);
        assert_eq!(
            (resp.status, resp.content_type.as_str()),
            (201, "application/json"),
            "a valid reservation should be created: (status, content type); body {}",
            resp.body
        );
    }

    /// A guest name of 0 to 52 characters (many of them multi-byte), often
    /// with white space around it.
    fn guest_name() -> impl Strategy<Value = String> {
        let space = || {
            prop_oneof![
                3 => Just(String::new()),
                1 => proptest::sample::select(vec![" ", "  ", "\t", "\n", "\u{a0}", "\u{3000}"])
                    .prop_map(String::from),
            ]
        };
        let len = prop_oneof![
            Just(0usize),
            Just(1),
            Just(49),
            Just(50),
            Just(51),
            0usize..=52
        ];
        let letters = proptest::collection::vec(
            prop_oneof![
                proptest::char::range('a', 'z'),
                proptest::sample::select(vec!['é', 'ß', 'ж', '中', '😀', 'İ']),
            ],
            52,
        );
        (space(), len, letters, space()).prop_map(|(a, len, letters, b)| {
            let core: String = letters.into_iter().take(len).collect();
            format!("{a}{core}{b}")
        })
    }

    fn party_size() -> impl Strategy<Value = Value> {
        prop_oneof![
            4 => crate::generated::edge_u64(13).prop_map(Value::from),
            1 => proptest::sample::select(vec![
                json!(u32::MAX), json!(4_294_967_296u64), json!(-1), json!(1.5), json!("4"),
                json!(null), json!(true), json!([2]),
            ]),
        ]
    }

    /// A body: a reservation (any name, any size), one with a field missing,
    /// misnamed or extra, or the text of one broken (cut off, or with more
    /// after it). Broken texts hold no wrong type before the break: with both
    /// kinds of mistake, serde reports the one it meets first, and either
    /// answer is fair.
    fn body() -> impl Strategy<Value = String> {
        let fields = || (guest_name(), party_size());
        prop_oneof![
            6 => fields().prop_map(|(n, p)| json!({"guestName": n, "partySize": p}).to_string()),
            1 => guest_name().prop_map(|n| json!({"guestName": n}).to_string()),
            1 => party_size().prop_map(|p| json!({"partySize": p}).to_string()),
            1 => fields().prop_map(|(n, p)| json!({"guest_name": n, "partySize": p}).to_string()),
            1 => fields().prop_map(|(n, p)| json!({"guestName": n, "partySize": p, "vip": true}).to_string()),
            2 => (guest_name(), crate::generated::edge_u64(13), any::<proptest::sample::Index>()).prop_map(|(n, p, at)| {
                let text = json!({"guestName": n, "partySize": p}).to_string();
                let cuts: Vec<usize> = (0..text.len()).filter(|&i| text.is_char_boundary(i)).collect();
                text[..cuts[at.index(cuts.len())]].to_string()
            }),
            1 => (guest_name(), crate::generated::edge_u64(13), proptest::sample::select(vec![" x", "}", ",", " {}", "\u{a0}"]))
                .prop_map(|(n, p, tail)| format!("{}{tail}", json!({"guestName": n, "partySize": p}))),
        ]
    }

    /// The rules as a reference: the status and, for a rule broken, the field.
    fn expected(body: &str) -> (u16, Option<&'static str>) {
        let Ok(value) = serde_json::from_str::<Value>(body) else {
            return (400, None);
        };
        let Some(fields) = value.as_object() else {
            return (422, None);
        };
        let name = fields.get("guestName").and_then(Value::as_str);
        let size = fields
            .get("partySize")
            .and_then(Value::as_u64)
            .filter(|&s| s <= u64::from(u32::MAX));
        let (Some(name), Some(size)) = (name, size) else {
            return (422, None);
        };
        if fields.len() != 2 {
            return (422, None);
        }
        if !(1..=50).contains(&name.trim().chars().count()) {
            return (422, Some("guestName"));
        }
        if !(1..=12).contains(&size) {
            return (422, Some("partySize"));
        }
        (201, None)
    }

    proptest! {
        #![proptest_config(crate::generated::config(256))]

        /// Any body: not JSON is 400, JSON of the wrong shape or breaking a rule
        /// (at and around each boundary, names counted in characters) is 422,
        /// each a problem details object; a valid one is 201 with the reservation.
        #[test]
        fn any_body_gets_the_right_status_and_problem(body in body()) {
            let (status, field) = expected(&body);
            let resp = create_reservation(&body);
            if status == 201 {
                let got: Value = serde_json::from_str(&resp.body).unwrap_or(Value::Null);
                let want: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
                prop_assert!(
                    resp.status == 201 && resp.content_type == "application/json" && got == want,
                    "{} keeps every rule (a name of 1 to 50 characters once trimmed, counted in \
                     characters not bytes; a party of 1 to 12), so it should be 201 \
                     application/json with the reservation, but got {} {} {}",
                    body, resp.status, resp.content_type, resp.body
                );
                return Ok(());
            }
            let title = if status == 400 { "Bad Request" } else { UNPROCESSABLE };
            let why = match (status, field) {
                (400, _) => format!("{body:?} is not JSON at all (cut off, or more after the value), so it should be 400"),
                (_, Some(field)) => format!(
                    "{body} breaks the rule for `{field}` (names 1 to 50 characters once trimmed, \
                     counted in characters not bytes; parties 1 to 12), so it should be 422"
                ),
                _ => format!("{body} is JSON of the wrong shape (a field missing, extra, or of the wrong type or range), so it should be 422"),
            };
            let problem: Value = serde_json::from_str(&resp.body).unwrap_or(Value::Null);
            prop_assert!(
                resp.status == status
                    && resp.content_type == "application/problem+json"
                    && problem["type"] == "about:blank"
                    && problem["title"] == title
                    && problem["status"] == status
                    && problem["detail"].is_string(),
                "{}: expected a problem details response ({} application/problem+json with \
                 type \"about:blank\", title {:?}, status {} and a string detail), but got {} {} {}",
                why, status, title, status, resp.status, resp.content_type, resp.body
            );
            if let Some(field) = field {
                let detail = problem["detail"].as_str().unwrap_or_default();
                prop_assert!(detail.contains(field), "for {} the detail should name `{}`: {:?}", body, field, detail);
            }
        }
    }
}
