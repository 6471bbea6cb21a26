// wrong: answers 200 instead of 201 when a note is created
// expect: should answer 201
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

// TODO: every response below answers 200. Give each the right status code.
// In two places the body must change too: a 204 has no body at all, and a
// 500 must not show the client what went wrong inside (the log line keeps
// that): it answers only "internal server error".
fn handle(notes: &mut Notes, method: &str, path: &str, body: &str) -> Response {
    // `/notes/1` has the segments ["notes", "1"]; `/notes/1/x` has three.
    let segments: Vec<&str> = path.split('/').skip(1).collect();
    match (method, segments.as_slice()) {
        ("POST", ["notes"]) if body.trim().is_empty() => Response::new(400, "a note needs text"),
        ("POST", ["notes"]) => match notes.insert(body) {
            Ok(id) => Response::new(200, format!("created note {id}")),
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

fn main() {
    let response = handle(&mut Notes::example(false), "GET", "/notes/1", "");
    println!(
        "{} {:?} {:?}",
        response.status, response.headers, response.body
    );
}
