// wrong: PUT looks the note up before parsing the body: a bad body on a missing id answers 404 instead of 400
// expect: the body is checked first
//! # REST semantics: what each method promises
//!
//! In a REST API a URL names a *resource* (`/notes/1`) and the method says
//! what to do with it. Clients, proxies and retry logic rely on the promises
//! each method makes (RFC 9110 §9.3):
//! - `POST /notes` creates a note under an id the server picks. Answer
//!   **201 Created** with a `Location` header naming the new resource
//!   (`Location: /notes/1`, RFC 9110 §15.3.2 and §10.2.2).
//! - `GET /notes/1` reads it: **200** with the note, or **404 Not Found**
//!   when there is no such note (§15.5.5).
//! - `PUT /notes/1` replaces the whole note with the body. PUT is
//!   *idempotent* (§9.2.2): sending the same PUT twice leaves the server
//!   exactly as sending it once, so a client may safely retry it. Here PUT
//!   only replaces; PUT on a missing note is 404.
//! - `DELETE /notes/1` removes it: **204 No Content** (§15.3.5), no body.
//!   DELETE is idempotent too: a second DELETE changes nothing more (it
//!   answers 404, and that is fine: idempotency is about the server's state,
//!   not about identical responses).
//!
//! POST is *not* idempotent: two POSTs create two notes.
//! Read https://www.rfc-editor.org/rfc/rfc9110#section-9.3

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct Note {
    title: String,
    text: String,
}

struct Request {
    method: String,
    path: String,
    body: String,
}

struct Response {
    status: u16,
    headers: Vec<(&'static str, String)>,
    body: String,
}

impl Response {
    fn empty(status: u16) -> Self {
        Response {
            status,
            headers: Vec::new(),
            body: String::new(),
        }
    }
    fn json(status: u16, note: &Note) -> Self {
        Response {
            status,
            headers: vec![("Content-Type", "application/json".into())],
            body: serde_json::to_string(note).expect("a Note always serializes"),
        }
    }
    /// 405 Method Not Allowed, with the methods that are (RFC 9110 §15.5.6).
    fn not_allowed(allow: &str) -> Self {
        let mut resp = Response::empty(405);
        resp.headers.push(("Allow", allow.into()));
        resp
    }
    fn header(&self, name: &str) -> Option<&str> {
        let mut matching = self
            .headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name));
        matching.next().map(|(_, value)| value.as_str())
    }
}

#[derive(Default)]
struct NotesApi {
    /// The notes by id.
    notes: BTreeMap<u64, Note>,
    /// The id of the last note created; the first note gets id 1.
    last_id: u64,
}

impl NotesApi {
    fn handle(&mut self, req: &Request) -> Response {
        let id = req.path.strip_prefix("/notes/").map(str::parse::<u64>);
        match (req.method.as_str(), req.path.as_str(), id) {
            ("POST", "/notes", _) => self.create(&req.body),
            ("GET", _, Some(Ok(id))) => self.get(id),
            ("PUT", _, Some(Ok(id))) => self.replace(id, &req.body),
            ("DELETE", _, Some(Ok(id))) => self.delete(id),
            (_, "/notes", _) => Response::not_allowed("POST"),
            (_, _, Some(Ok(_))) => Response::not_allowed("GET, PUT, DELETE"),
            _ => Response::empty(404),
        }
    }

    fn create(&mut self, body: &str) -> Response {
        let Ok(note) = serde_json::from_str::<Note>(body) else {
            return Response::empty(400);
        };
        self.last_id += 1;
        self.notes.insert(self.last_id, note.clone());
        let mut resp = Response::json(201, &note);
        resp.headers
            .push(("Location", format!("/notes/{}", self.last_id)));
        resp
    }

    fn get(&self, id: u64) -> Response {
        match self.notes.get(&id) {
            Some(note) => Response::json(200, note),
            None => Response::empty(404),
        }
    }

    // TODO: `PUT /notes/{id}`. Parse the body like `create` does (400 if it
    // is not a `Note`). If note `id` exists, replace it and answer 200 with
    // the new note. If not, answer 404 and store nothing.
    fn replace(&mut self, id: u64, body: &str) -> Response {
        let Some(existing) = self.notes.get_mut(&id) else {
            return Response::empty(404);
        };
        let Ok(note) = serde_json::from_str::<Note>(body) else {
            return Response::empty(400);
        };
        *existing = note.clone();
        Response::json(200, &note)
    }

    // TODO: `DELETE /notes/{id}`: remove the note and answer 204 without a
    // body, or 404 if there was no such note.
    fn delete(&mut self, id: u64) -> Response {
        match self.notes.remove(&id) {
            Some(_) => Response::empty(204),
            None => Response::empty(404),
        }
    }
}

fn main() {
    // Try it: `cargo run --bin json3`
    let mut api = NotesApi::default();
    let body = r#"{"title": "todo", "text": "write tests"}"#.to_string();
    let (method, path) = ("POST".to_string(), "/notes".to_string());
    let resp = api.handle(&Request { method, path, body });
    let location = resp.header("Location").unwrap_or("(none)");
    println!("{} Location: {location} {}", resp.status, resp.body);
}
