// wrong: problem details sent as application/json
// expect: "application/problem+json"
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
        content_type: "application/json".into(),
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
