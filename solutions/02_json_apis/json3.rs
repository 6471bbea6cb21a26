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
//!   only replaces. The body is checked first: a body that is not a whole
//!   note is 400 whatever the id (the request is malformed on its own), and
//!   a whole note for a missing id is 404.
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

    fn replace(&mut self, id: u64, body: &str) -> Response {
        let Ok(new_note) = serde_json::from_str::<Note>(body) else {
            return Response::empty(400);
        };
        match self.notes.get_mut(&id) {
            Some(note) => {
                *note = new_note;
                Response::json(200, note)
            }
            None => Response::empty(404),
        }
    }

    fn delete(&mut self, id: u64) -> Response {
        match self.notes.remove(&id) {
            Some(_) => Response::empty(204),
            None => Response::empty(404),
        }
    }
}

// not graded: prints a demo; the tests call the functions it calls
fn main() {
    // Try it: `cargo run --bin json3`
    let mut api = NotesApi::default();
    let body = r#"{"title": "todo", "text": "write tests"}"#.to_string();
    let (method, path) = ("POST".to_string(), "/notes".to_string());
    let resp = api.handle(&Request { method, path, body });
    let location = resp.header("Location").unwrap_or("(none)");
    println!("{} Location: {location} {}", resp.status, resp.body);
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

    /// Sends a request and checks the status of the response.
    #[track_caller]
    fn expect(api: &mut NotesApi, request: &str, body: &str, status: u16) -> Response {
        let (method, path) = request.split_once(' ').unwrap();
        let (method, path, body) = (method.into(), path.into(), body.into());
        let resp = api.handle(&Request { method, path, body });
        assert_eq!(
            resp.status, status,
            "{request} should answer {status}, but answered {}",
            resp.status
        );
        resp
    }

    fn text_of(resp: &Response) -> String {
        let note: serde_json::Value = serde_json::from_str(&resp.body).unwrap_or_default();
        note["text"].as_str().unwrap_or("(no text)").to_string()
    }

    const MILK: &str = r#"{"title": "shopping", "text": "milk"}"#;
    const EGGS: &str = r#"{"title": "shopping", "text": "eggs"}"#;

    #[test]
    fn post_is_201_with_location() {
        let mut api = NotesApi::default();
        for location in ["/notes/1", "/notes/2"] {
            let resp = expect(&mut api, "POST /notes", MILK, 201);
            assert_eq!(
                resp.header("Location"),
                Some(location),
                "Location should name the new note"
            );
            assert_eq!(
                text_of(&resp),
                "milk",
                "the 201 body should be the new note"
            );
        }
        expect(&mut api, "GET /notes/2", "", 200);
    }

    #[test]
    fn get_of_a_missing_note_is_404() {
        let mut api = NotesApi::default();
        expect(&mut api, "GET /notes/1", "", 404);
    }

    #[test]
    fn put_replaces_and_is_idempotent() {
        let mut api = NotesApi::default();
        expect(&mut api, "POST /notes", MILK, 201);
        let first = expect(&mut api, "PUT /notes/1", EGGS, 200);
        assert_eq!(
            text_of(&first),
            "eggs",
            "PUT should answer the note as it is now (the new one), not the old one"
        );
        let second = expect(&mut api, "PUT /notes/1", EGGS, 200);
        assert_eq!(
            first.body, second.body,
            "the same PUT twice should answer the same note"
        );
        assert_eq!(api.notes.len(), 1, "PUT must replace the note, not add one");
        let resp = expect(&mut api, "GET /notes/1", "", 200);
        assert_eq!(
            text_of(&resp),
            "eggs",
            "after the PUT, GET should show the new text"
        );
    }

    #[test]
    fn put_replaces_the_whole_note_or_nothing() {
        let mut api = NotesApi::default();
        expect(&mut api, "POST /notes", MILK, 201);
        for body in [r#"{"title": "renamed"}"#, r#"{"text": "eggs"}"#, "not json"] {
            let (method, path) = ("PUT".into(), "/notes/1".into());
            let resp = api.handle(&Request {
                method,
                path,
                body: body.into(),
            });
            assert_eq!(
                resp.status, 400,
                "PUT replaces the whole note, so a body that is not a complete note \
                 ({body}) should answer 400 (a partial update would be PATCH), but answered {}",
                resp.status
            );
        }
        let resp = expect(&mut api, "GET /notes/1", "", 200);
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&resp.body).ok(),
            serde_json::from_str(MILK).ok(),
            "a rejected PUT must leave the note exactly as it was"
        );
    }

    #[test]
    fn ids_are_never_reused_after_a_delete() {
        let mut api = NotesApi::default();
        expect(&mut api, "POST /notes", MILK, 201);
        expect(&mut api, "POST /notes", EGGS, 201);
        expect(&mut api, "DELETE /notes/1", "", 204);
        let resp = expect(&mut api, "POST /notes", MILK, 201);
        assert_eq!(
            resp.header("Location"),
            Some("/notes/3"),
            "after notes 1 and 2 were created and note 1 deleted, the next note is \
             note 3: its Location must name it (counting the notes gives 2, which is taken)"
        );
        let resp = expect(&mut api, "GET /notes/2", "", 200);
        assert_eq!(text_of(&resp), "eggs", "note 2 must be untouched");
    }

    #[test]
    fn put_on_a_missing_note_is_404_and_creates_nothing() {
        let mut api = NotesApi::default();
        expect(&mut api, "PUT /notes/5", EGGS, 404);
        assert!(
            api.notes.is_empty(),
            "a PUT answered 404 must not create a note"
        );
    }

    #[test]
    fn delete_is_204_without_body_then_404() {
        let mut api = NotesApi::default();
        expect(&mut api, "POST /notes", MILK, 201);
        let resp = expect(&mut api, "DELETE /notes/1", "", 204);
        assert!(
            resp.body.is_empty(),
            "a 204 response has no body, got {:?}",
            resp.body
        );
        expect(&mut api, "GET /notes/1", "", 404);
        expect(&mut api, "DELETE /notes/1", "", 404);
    }

    #[test]
    fn other_methods_are_405_with_allow() {
        let mut api = NotesApi::default();
        let resp = expect(&mut api, "PATCH /notes", MILK, 405);
        assert_eq!(
            resp.header("Allow"),
            Some("POST"),
            "/notes allows only POST"
        );
        let resp = expect(&mut api, "PATCH /notes/1", MILK, 405);
        assert_eq!(
            resp.header("Allow"),
            Some("GET, PUT, DELETE"),
            "/notes/1 allows GET, PUT and DELETE"
        );
    }

    #[derive(Clone, Debug)]
    enum Op {
        Post(String),
        Get(u64),
        Put(u64, String),
        Delete(u64),
    }

    /// A body: a whole note with any text, or one that is not a note (a field
    /// missing, one too many, a wrong type, not JSON, something after it).
    fn body() -> impl Strategy<Value = String> {
        let text = || crate::generated::tricky_text(0, 6);
        prop_oneof![
            3 => (text(), text()).prop_map(|(t, x)| json!({"title": t, "text": x}).to_string()),
            1 => text().prop_map(|t| json!({"title": t}).to_string()),
            1 => text().prop_map(|x| json!({"text": x}).to_string()),
            1 => text().prop_map(|t| json!({"title": t, "text": "x", "done": true}).to_string()),
            1 => Just(json!({"title": 1, "text": "x"}).to_string()),
            1 => proptest::sample::select(vec!["", "not json", "null", "[]", "{}"]).prop_map(String::from),
            1 => Just(format!("{MILK} x")),
        ]
    }

    fn id() -> impl Strategy<Value = u64> {
        prop_oneof![6 => 0u64..=4, 1 => Just(u64::MAX)]
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            3 => body().prop_map(Op::Post),
            2 => id().prop_map(Op::Get),
            3 => (id(), body()).prop_map(|(i, b)| Op::Put(i, b)),
            2 => id().prop_map(Op::Delete),
        ]
    }

    /// The rules as a reference: the note a body describes, if it is one.
    fn as_note(body: &str) -> Option<Value> {
        let value: Value = serde_json::from_str(body).ok()?;
        let object = value.as_object()?;
        let whole = object.len() == 2 && object["title"].is_string() && object["text"].is_string();
        (object.contains_key("title") && object.contains_key("text") && whole).then_some(value)
    }

    proptest! {
        #![proptest_config(crate::generated::config(96))]

        /// Any sequence of creates, reads, replaces and deletes, with good and
        /// bad bodies on present and missing ids, against a reference model.
        #[test]
        fn any_sequence_of_requests_follows_the_rules(ops in proptest::collection::vec(op(), 1..12)) {
            let mut api = NotesApi::default();
            let mut model: BTreeMap<u64, Value> = BTreeMap::new();
            let mut last = 0u64;
            let mut trail = Vec::new();
            for op in ops {
                let (method, path, body) = match &op {
                    Op::Post(b) => ("POST", "/notes".to_string(), b.clone()),
                    Op::Get(i) => ("GET", format!("/notes/{i}"), String::new()),
                    Op::Put(i, b) => ("PUT", format!("/notes/{i}"), b.clone()),
                    Op::Delete(i) => ("DELETE", format!("/notes/{i}"), String::new()),
                };
                trail.push(format!("{method} {path} {body}"));
                let (status, location, note, why) = match &op {
                    Op::Post(b) => match as_note(b) {
                        Some(n) => {
                            last += 1;
                            model.insert(last, n.clone());
                            (201, Some(format!("/notes/{last}")), Some(n),
                             "a whole note is created under the next id, never reused: 201 with Location")
                        }
                        None => (400, None, None, "a body that is not a whole note is 400 and creates nothing"),
                    },
                    Op::Get(i) => match model.get(i) {
                        Some(n) => (200, None, Some(n.clone()), "GET answers the note as it is now"),
                        None => (404, None, None, "GET of a note that does not exist is 404"),
                    },
                    Op::Put(i, b) => match (as_note(b), model.get_mut(i)) {
                        (None, _) => (400, None, None,
                            "the body is checked first: a body that is not a whole note is 400, \
                             whether or not the note exists, and changes nothing"),
                        (Some(n), Some(slot)) => {
                            *slot = n.clone();
                            (200, None, Some(n), "PUT of a whole note on an existing id replaces it: 200 with the new note")
                        }
                        (Some(_), None) => (404, None, None, "PUT of a whole note on a missing id is 404 and creates nothing"),
                    },
                    Op::Delete(i) => match model.remove(i) {
                        Some(_) => (204, None, None, "DELETE of an existing note is 204 without a body"),
                        None => (404, None, None, "DELETE of a note that does not exist is 404"),
                    },
                };
                let resp = api.handle(&Request { method: method.into(), path: path.clone(), body: body.clone() });
                let got_note: Option<Value> = serde_json::from_str(&resp.body).ok();
                let ok = resp.status == status
                    && (location.is_none() || resp.header("Location") == location.as_deref())
                    && (note.is_none() || got_note == note)
                    && (status != 204 || resp.body.is_empty());
                let before = match trail.len() {
                    1 => "on a new API".to_string(),
                    n => format!("after {}", trail[..n - 1].join("; ")),
                };
                let want = match (&location, &note) {
                    (Some(l), Some(n)) => format!("{status} with Location {l} and {n}"),
                    (None, Some(n)) => format!("{status} with {n}"),
                    _ => status.to_string(),
                };
                prop_assert!(
                    ok,
                    "{}, {} {} with body {:?} answered {} (Location {:?}) {:?}, but should \
                     answer {}: {}",
                    before, method, path, body, resp.status, resp.header("Location"),
                    resp.body, want, why
                );
            }
            let stored: BTreeMap<u64, Value> = api
                .notes
                .iter()
                .map(|(id, n)| (*id, serde_json::to_value(n).unwrap_or_default()))
                .collect();
            prop_assert_eq!(
                &stored, &model,
                "after {} the stored notes (left) should be (right)", trail.join("; ")
            );
        }
    }
}
