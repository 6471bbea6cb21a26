//! # Authorization: roles and ownership
//!
//! Authentication answers "who are you?"; authorization answers "may you do
//! this?". A valid token proves the caller is user 2; it does not mean user 2
//! may edit note 1. Forgetting that check is the most common API
//! vulnerability there is: OWASP ranks "Broken Object Level Authorization"
//! first in its API Security Top 10 (2023). An attacker logs in as themselves
//! and simply tries `PUT /notes/1`, `/notes/2`, ... with their own token.
//!
//! So every request that touches an object checks, on the server, whether
//! this user may touch *this* object. Who the user is comes from the verified
//! token (auth9), never from the request: a `user_id` in the body or the URL
//! is just more attacker input. The rules here:
//! - a member may edit only their own notes (`note.owner_id == user.id`);
//! - an admin may edit any note.
//!
//! And the answers, checked in this order:
//! - `401 Unauthorized` (with `WWW-Authenticate`, auth9): no authenticated
//!   user. Checked first, so anonymous callers learn nothing, not even which
//!   notes exist.
//! - `404 Not Found`: no note with this id.
//! - `403 Forbidden` (RFC 9110 §15.5.4): we know who you are, and you may not.
//!   (Some APIs answer 404 here too, so that nobody learns that the note
//!   exists, as GitHub does for private repositories. Either way, be
//!   consistent.)
//!
//! Read more: OWASP API Security Top 10 2023, API1
//! https://owasp.org/API-Security/editions/2023/en/0xa1-broken-object-level-authorization/
//! and the OWASP Authorization Cheat Sheet ("Deny by Default").

use std::collections::HashMap;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Role {
    Member,
    Admin,
}

#[derive(Debug)]
struct User {
    id: u64,
    role: Role,
}

#[derive(Debug)]
struct Note {
    owner_id: u64,
    text: String,
}

#[derive(Debug)]
struct Response {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

fn respond(status: u16, body: &str) -> Response {
    let (headers, body) = (Vec::new(), body.to_string());
    Response {
        status,
        headers,
        body,
    }
}

/// 401 with the `WWW-Authenticate` header it needs (auth9).
fn unauthorized() -> Response {
    let mut response = respond(401, "log in first");
    let challenge = "Bearer realm=\"notes\"".to_string();
    let header = ("WWW-Authenticate".to_string(), challenge);
    response.headers.push(header);
    response
}

// TODO: an admin may modify any note; a member only the notes they own.
fn can_modify(user: &User, note: &Note) -> bool {
    todo!()
}

type Notes = HashMap<u64, Note>;

/// `PUT /notes/{id}`, with the new text as the body. `user` is whoever the
/// bearer token belongs to, `None` for a request without a valid token.
fn update_note(notes: &mut Notes, user: Option<&User>, id: u64, text: &str) -> Response {
    // TODO: this checks only that the note exists, so anyone can change any
    // note. Check in this order: no `user` is `unauthorized()` (401); no note
    // with this id is 404; a user who may not modify the note (`can_modify`)
    // is 403. Only then change the text.
    let Some(note) = notes.get_mut(&id) else {
        return respond(404, "no such note");
    };
    note.text = text.to_string();
    respond(200, text)
}

fn main() {
    let text = "buy milk".to_string();
    let mut notes = HashMap::from([(1, Note { owner_id: 1, text })]);
    let (id, role) = (2, Role::Member);
    let bob = User { id, role };
    let response = update_note(&mut notes, Some(&bob), 1, "hacked");
    println!("{} {}", response.status, response.body);
    println!("{:?}", response.headers);
}

// ---- grading tests: read them, but do not change them ----
#[cfg(test)]
mod tests {
    use super::*;

    const fn user(id: u64, role: Role) -> User {
        User { id, role }
    }

    const ALICE: User = user(1, Role::Member);
    const BOB: User = user(2, Role::Member);
    const ADMIN: User = user(3, Role::Admin);

    /// Note 1 is alice's, note 2 is bob's.
    fn notes() -> Notes {
        let mut notes = Notes::new();
        for (id, text) in [(1, "alice's note"), (2, "bob's note")] {
            let (owner_id, text) = (id, text.to_string());
            notes.insert(id, Note { owner_id, text });
        }
        notes
    }

    /// Sends `PUT /notes/{id}` as `user` and checks the status code and the
    /// note's text afterwards.
    fn put(user: Option<&User>, id: u64, status: u16, text_after: Option<&str>) {
        let mut notes = notes();
        let who = user.map_or("an anonymous".to_string(), |u| format!("user {}'s", u.id));
        let request = format!("{who} PUT /notes/{id}");
        let response = update_note(&mut notes, user, id, "edited");
        let got = response.status;
        let why = format!("{request} answered {got}, but should answer {status}");
        assert_eq!(got, status, "{why}");
        let headers = &response.headers;
        let challenge = headers.iter().any(|(name, _)| name == "WWW-Authenticate");
        let why = "a 401 must carry WWW-Authenticate (and only a 401 needs it)";
        assert_eq!(challenge, status == 401, "{request} answered {got}: {why}");
        let text = notes.get(&id).map(|note| note.text.as_str());
        let why = format!("after {request}, note {id} should be {text_after:?}");
        assert_eq!(text, text_after, "{why}");
    }

    #[test]
    fn can_modify_follows_ownership_and_role() {
        let notes = notes();
        let cases = [
            (ALICE, 1, true),
            (ALICE, 2, false),
            (ADMIN, 1, true),
            (ADMIN, 2, true),
        ];
        for (user, id, allowed) in cases {
            let got = can_modify(&user, &notes[&id]);
            let what = format!("can_modify({user:?}, note {id} of user {id}) returned {got}");
            let rule = "admins may modify any note, members only their own";
            assert_eq!(got, allowed, "{what}, but should return {allowed}: {rule}");
        }
    }

    #[test]
    fn anonymous_requests_are_401_even_for_missing_notes() {
        put(None, 1, 401, Some("alice's note"));
        put(None, 99, 401, None);
    }

    #[test]
    fn missing_notes_are_404() {
        put(Some(&ALICE), 99, 404, None);
        put(Some(&ADMIN), 99, 404, None);
    }

    #[test]
    fn someone_elses_note_is_403_and_stays_unchanged() {
        put(Some(&BOB), 1, 403, Some("alice's note"));
        put(Some(&ALICE), 2, 403, Some("bob's note"));
    }

    #[test]
    fn owners_may_edit_their_notes() {
        put(Some(&ALICE), 1, 200, Some("edited"));
        put(Some(&BOB), 2, 200, Some("edited"));
    }

    #[test]
    fn admins_may_edit_any_note() {
        put(Some(&ADMIN), 1, 200, Some("edited"));
        put(Some(&ADMIN), 2, 200, Some("edited"));
    }
}
