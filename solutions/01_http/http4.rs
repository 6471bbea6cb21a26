//! # Choosing the status code
//!
//! The status code is what clients, proxies, caches and monitoring act on
//! (RFC 9110 §15): 2xx means it worked, 4xx means the client must change the
//! request, 5xx means the server failed and a retry later may work. A `200`
//! with an error message in the body breaks all of them.
//!
//! - `200 OK` (§15.3.1): success; the body is the result.
//! - `201 Created` (§15.3.2): success; a new resource was created.
//! - `204 No Content` (§15.3.5): success, nothing to send back; the body
//!   must be empty.
//! - `400 Bad Request` (§15.5.1): the request is invalid (a malformed id,
//!   a missing required value). Retrying it unchanged will not help.
//! - `404 Not Found` (§15.5.5): there is nothing at this path.
//! - `405 Method Not Allowed` (§15.5.6): the resource exists but does not
//!   support this method; the response lists the methods it does support
//!   in an `Allow` header (done for you here).
//! - `500 Internal Server Error` (§15.6.1): something broke on our side.
//!   Log the details, but never send them to the client: they reveal paths
//!   and versions to attackers (OWASP Error Handling Cheat Sheet,
//!   https://cheatsheetseries.owasp.org/cheatsheets/Error_Handling_Cheat_Sheet.html).

use std::collections::BTreeMap;

#[derive(Debug)]
struct Response {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Response {
    fn new(status: u16, body: impl Into<String>) -> Response {
        let (headers, body) = (Vec::new(), body.into());
        Response {
            status,
            headers,
            body,
        }
    }

    fn allow(mut self, methods: &str) -> Response {
        self.headers
            .push(("Allow".to_string(), methods.to_string()));
        self
    }
}

/// A small store of notes. Writing can fail, like a real database.
struct Notes {
    notes: BTreeMap<u32, String>,
    next_id: u32,
    disk_full: bool,
}

impl Notes {
    /// One note, "buy milk", with id 1.
    fn example(disk_full: bool) -> Notes {
        let notes = BTreeMap::from([(1, "buy milk".to_string())]);
        Notes {
            notes,
            next_id: 2,
            disk_full,
        }
    }

    fn insert(&mut self, text: &str) -> Result<u32, String> {
        if self.disk_full {
            return Err("write /var/lib/notes/notes.db: no space left on device".to_string());
        }
        let id = self.next_id;
        self.next_id += 1;
        self.notes.insert(id, text.to_string());
        Ok(id)
    }
}

/// A note id is ASCII digits only: `"+1".parse::<u32>()` would accept the sign.
fn parse_id(raw: &str) -> Option<u32> {
    if raw.is_empty() || !raw.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    raw.parse().ok()
}

// Each response below has its right status code (the exercise answered 200).
// In two places the body changed too: a 204 has no body at all, and a
// 500 does not show the client what went wrong inside (the log line keeps
// that): it answers only "internal server error".
fn handle(notes: &mut Notes, method: &str, path: &str, body: &str) -> Response {
    // `/notes/1` has the segments ["notes", "1"]; `/notes/1/x` has three.
    let segments: Vec<&str> = path.split('/').skip(1).collect();
    match (method, segments.as_slice()) {
        ("POST", ["notes"]) if body.trim().is_empty() => Response::new(400, "a note needs text"),
        ("POST", ["notes"]) => match notes.insert(body) {
            Ok(id) => Response::new(201, format!("created note {id}")),
            Err(e) => {
                eprintln!("POST /notes failed: {e}"); // the log keeps the details
                Response::new(500, "internal server error")
            }
        },
        (_, ["notes"]) => Response::new(405, "use POST").allow("POST"),
        (_, ["notes", id]) => {
            let Some(id) = parse_id(id) else {
                return Response::new(400, "a note id is a number");
            };
            match method {
                "GET" => match notes.notes.get(&id) {
                    Some(text) => Response::new(200, text.as_str()),
                    None => Response::new(404, "no such note"),
                },
                "DELETE" => match notes.notes.remove(&id) {
                    Some(_) => Response::new(204, ""),
                    None => Response::new(404, "no such note"),
                },
                _ => Response::new(405, "use GET or DELETE").allow("GET, DELETE"),
            }
        }
        _ => Response::new(404, "nothing here"),
    }
}

// not graded: prints one demo response; the tests call `handle` directly
fn main() {
    let response = handle(&mut Notes::example(false), "GET", "/notes/1", "");
    println!(
        "{} {:?} {:?}",
        response.status, response.headers, response.body
    );
}

// ---- grading tests: read them, but do not change them ----
#[cfg(test)]
mod tests {
    use super::*;

    /// Sends `request` ("METHOD /path") and checks the status; `why` explains the rule.
    fn check(notes: &mut Notes, request: &str, body: &str, status: u16, why: &str) -> Response {
        let (method, path) = request.split_once(' ').unwrap();
        let resp = handle(notes, method, path, body);
        assert_eq!(
            resp.status, status,
            "{request} with body {body:?} should answer {status} ({why}), but answered {} \
             with body {:?}",
            resp.status, resp.body
        );
        resp
    }

    fn check_fresh(request: &str, body: &str, status: u16, why: &str) -> Response {
        check(&mut Notes::example(false), request, body, status, why)
    }

    #[test]
    fn existing_note_is_200() {
        let body = check_fresh("GET /notes/1", "", 200, "note 1 exists").body;
        assert_eq!(
            body, "buy milk",
            "GET /notes/1 should answer the note's text"
        );
    }

    #[test]
    fn creating_a_note_is_201() {
        let mut notes = Notes::example(false);
        let why = "a new resource was created";
        let body = check(&mut notes, "POST /notes", "call mom", 201, why).body;
        assert_eq!(body, "created note 2", "POST /notes answered {body:?}");
        check(
            &mut notes,
            "GET /notes/2",
            "",
            200,
            "note 2 was just created",
        );
        let body = check(&mut notes, "POST /notes", "pay rent", 201, why).body;
        assert_eq!(
            body, "created note 3",
            "each POST /notes creates a NEW note with the next id, so the second one is note 3, \
             but it answered {body:?}"
        );
        for (path, text) in [("/notes/2", "call mom"), ("/notes/3", "pay rent")] {
            let got = check(
                &mut notes,
                &format!("GET {path}"),
                "",
                200,
                "it was created",
            )
            .body;
            assert_eq!(
                got, text,
                "a second POST must not replace the first note: GET {path} answered {got:?}"
            );
        }
    }

    #[test]
    fn deleting_is_204_with_an_empty_body() {
        let mut notes = Notes::example(false);
        let why = "it worked and there is nothing to send back";
        let body = check(&mut notes, "DELETE /notes/1", "", 204, why).body;
        assert_eq!(
            body, "",
            "a 204 No Content response must have an empty body, but DELETE /notes/1 answered \
             {body:?} (RFC 9110 §15.3.5)"
        );
        check(&mut notes, "GET /notes/1", "", 404, "note 1 was deleted");
    }

    #[test]
    fn invalid_input_is_400() {
        let why = "the request itself is invalid; retrying it unchanged cannot work";
        check_fresh("POST /notes", "", 400, why);
        check_fresh("POST /notes", "   ", 400, why);
        check_fresh("GET /notes/abc", "", 400, why);
        check_fresh("DELETE /notes/-1", "", 400, why);
        check_fresh(
            "GET /notes/+1",
            "",
            400,
            "a note id is digits only, no sign",
        );
    }

    #[test]
    fn missing_note_is_404_not_400() {
        let why = "the id is well-formed, but there is no such note";
        check_fresh("GET /notes/99", "", 404, why);
        check_fresh("DELETE /notes/99", "", 404, why);
        check_fresh("GET /notes/2", "", 404, why);
    }

    #[test]
    fn unknown_path_is_404() {
        let why = "there is no such resource";
        check_fresh("GET /teapot", "", 404, why);
        check_fresh("GET /notes/1/x", "", 404, why);
        check_fresh("GET //notes/1", "", 404, why);
        let mut notes = Notes::example(false);
        check(&mut notes, "DELETE /notes/1/x", "", 404, why);
        check(
            &mut notes,
            "GET /notes/1",
            "",
            200,
            "DELETE /notes/1/x must not delete note 1",
        );
    }

    #[test]
    fn unsupported_method_is_405_with_allow() {
        let cases = [
            ("PUT /notes/1", "GET, DELETE"),
            ("POST /notes/1", "GET, DELETE"),
            ("GET /notes", "POST"),
        ];
        for (request, allow) in cases {
            let resp = check_fresh(request, "", 405, "the path exists, the method does not");
            let got = resp.headers.iter().find(|(name, _)| name == "Allow");
            let expected = Some(&("Allow".to_string(), allow.to_string()));
            assert_eq!(
                got, expected,
                "a 405 for {request} must list the allowed methods in `Allow: {allow}`"
            );
        }
    }

    #[test]
    fn store_failure_is_500_without_details() {
        let why = "the request was fine, our store failed";
        let resp = check(
            &mut Notes::example(true),
            "POST /notes",
            "call mom",
            500,
            why,
        );
        let expected = "internal server error";
        assert_eq!(
            resp.body, expected,
            "the 500 body must not reveal the internal error (it names a file path on our \
             server); it should be exactly {expected:?}"
        );
        for (name, value) in &resp.headers {
            assert!(
                !value.contains("no space") && !value.contains("/var/"),
                "the 500 response leaks the internal error in its header {name}: {value}"
            );
        }
    }
}
