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
fn problem(status: u16, title: &str, detail: String) -> Response {
    let problem = Problem {
        kind: "about:blank".into(),
        title: title.into(),
        status,
        detail,
    };
    Response {
        status,
        content_type: "application/problem+json".into(),
        body: serde_json::to_string(&problem).expect("a Problem always serializes"),
    }
}

/// Handles `POST /reservations`.
fn create_reservation(body: &str) -> Response {
    let reservation: NewReservation = match serde_json::from_str(body) {
        Ok(r) => r,
        Err(e) if e.is_data() => return problem(422, "Unprocessable Content", e.to_string()),
        Err(e) => return problem(400, "Bad Request", e.to_string()),
    };
    if let Err(detail) = validate(&reservation) {
        return problem(422, "Unprocessable Content", detail);
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
mod tests {
    use super::*;
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
}
