// wrong: can_modify is `admin || owner`: an auditor may edit notes they own
// expect: an auditor none, not even one they own
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
//! - a member may edit only their own notes: the note's `owner_id` is the
//!   user's `id` (the note's own id in the URL says nothing about its owner);
//! - an admin may edit any note;
//! - an auditor may read every note (elsewhere) but edit none. Deny by
//!   default: a permission goes only to the roles a rule names, so a role
//!   added next year gets nothing until someone decides otherwise.
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
//! No answer but the 200 may contain the note: an error body that quotes
//! someone else's note leaks it just as well as a 200 would.
//!
//! Read more: OWASP API Security Top 10 2023, API1
//! https://owasp.org/API-Security/editions/2023/en/0xa1-broken-object-level-authorization/
//! and the OWASP Authorization Cheat Sheet ("Deny by Default").

use std::collections::HashMap;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Role {
    Member,
    Admin,
    Auditor,
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

// TODO: may `user` modify `note`? Follow the rules above; anyone they do not
// name may not.
fn can_modify(user: &User, note: &Note) -> bool {
    user.role == Role::Admin || note.owner_id == user.id
}

type Notes = HashMap<u64, Note>;

/// `PUT /notes/{id}`, with the new text as the body. `user` is whoever the
/// bearer token belongs to, `None` for a request without a valid token.
fn update_note(notes: &mut Notes, user: Option<&User>, id: u64, text: &str) -> Response {
    // TODO: this checks only that the note exists, so anyone can change any
    // note. Give the answers of the lesson, in its order, and change the text
    // only when every check has passed.
    let Some(user) = user else {
        return unauthorized();
    };
    let Some(note) = notes.get_mut(&id) else {
        return respond(404, "no such note");
    };
    if !can_modify(user, note) {
        return respond(403, "you may not edit this note");
    }
    note.text = text.to_string();
    respond(200, text)
}

fn main() {
    let text = "buy milk".to_string();
    let mut notes = HashMap::from([(10, Note { owner_id: 1, text })]);
    let (id, role) = (2, Role::Member);
    let bob = User { id, role };
    let response = update_note(&mut notes, Some(&bob), 10, "hacked");
    println!("{} {}", response.status, response.body);
    println!("{:?}", response.headers);
}
