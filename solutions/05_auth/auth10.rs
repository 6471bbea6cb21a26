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
//! - an auditor may read every note (elsewhere) but edit none, not even
//!   one they own. Deny by default: a permission goes only to the roles a
//!   rule names, so a role added next year gets nothing until someone
//!   decides otherwise.
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

fn can_modify(user: &User, note: &Note) -> bool {
    user.role == Role::Admin || (user.role == Role::Member && note.owner_id == user.id)
}

type Notes = HashMap<u64, Note>;

/// `PUT /notes/{id}`, with the new text as the body. `user` is whoever the
/// bearer token belongs to, `None` for a request without a valid token.
fn update_note(notes: &mut Notes, user: Option<&User>, id: u64, text: &str) -> Response {
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

// not graded: a demo; the tests call the functions it calls
fn main() {
    let text = "buy milk".to_string();
    let mut notes = HashMap::from([(10, Note { owner_id: 1, text })]);
    let (id, role) = (2, Role::Member);
    let bob = User { id, role };
    let response = update_note(&mut notes, Some(&bob), 10, "hacked");
    println!("{} {}", response.status, response.body);
    println!("{:?}", response.headers);
}

// ---- grading tests: read them, but do not change them ----
#[cfg(test)]
#[path = "../../support/generated.rs"]
mod generated;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generated::edge_u64;
    use proptest::prelude::*;

    const fn user(id: u64, role: Role) -> User {
        User { id, role }
    }

    const ALICE: User = user(1, Role::Member);
    const BOB: User = user(2, Role::Member);
    const ADMIN: User = user(3, Role::Admin);
    const AUDITOR: User = user(4, Role::Auditor);

    /// (note id, owner id, text). Note ids are not user ids: no note 1 or 2.
    const NOTES: [(u64, u64, &str); 3] = [
        (10, 1, "alice: buy milk"),
        (11, 2, "bob: call the bank"),
        (12, 1, "alice: dentist at 3"),
    ];

    fn notes() -> Notes {
        let mut notes = Notes::new();
        for (id, owner_id, text) in NOTES {
            let text = text.to_string();
            notes.insert(id, Note { owner_id, text });
        }
        notes
    }

    /// Sends `PUT /notes/{id}` as `user` and checks the status code, the
    /// headers, that the body reveals no note unless it is a 200, and the
    /// note's text afterwards.
    fn put(user: Option<&User>, id: u64, status: u16, text_after: Option<&str>, why: &str) {
        let mut notes = notes();
        let who = user.map_or("an anonymous".to_string(), |u| format!("user {}'s", u.id));
        let request = format!("{who} PUT /notes/{id}");
        let response = update_note(&mut notes, user, id, "edited");
        let got = response.status;
        let what = format!("{request} answered {got}, but should answer {status}");
        assert_eq!(got, status, "{what}: {why}");
        let headers = &response.headers;
        let challenge = headers.iter().any(|(name, _)| name == "WWW-Authenticate");
        let rule = "a 401 must carry WWW-Authenticate (and only a 401 needs it)";
        assert_eq!(challenge, status == 401, "{request} answered {got}: {rule}");
        for (_, _, text) in NOTES.iter().filter(|_| status != 200) {
            let body = &response.body;
            let leak = format!("{request} answered {got} with the body {body:?}");
            let rule = "an error answer must not reveal any note's text";
            assert!(!body.contains(text), "{leak}: {rule}");
        }
        let text = notes.get(&id).map(|note| note.text.as_str());
        let what = format!("after {request} ({got}), note {id} should be {text_after:?}");
        let rule = [
            "a refused request must change nothing",
            "the edit must be stored",
        ];
        let rule = rule[usize::from(status == 200)];
        assert_eq!(text, text_after, "{what}: {rule}");
    }

    #[test]
    fn can_modify_follows_ownership_and_role() {
        let notes = notes();
        let cases = [
            (ALICE, 10, true),
            (ALICE, 11, false),
            (ALICE, 12, true),
            (BOB, 10, false),
            (BOB, 11, true),
            (ADMIN, 10, true),
            (ADMIN, 11, true),
            (AUDITOR, 10, false),
            (AUDITOR, 11, false),
            (user(1, Role::Auditor), 10, false),
            (user(1, Role::Admin), 11, true),
        ];
        for (user, id, allowed) in cases {
            let owner = notes[&id].owner_id;
            let got = can_modify(&user, &notes[&id]);
            let what = format!("can_modify({user:?}, note {id} of user {owner}) returned {got}");
            let rule = "admins may modify any note, members only those they own, anyone \
                        else nothing (deny by default)";
            assert_eq!(got, allowed, "{what}, but should return {allowed}: {rule}");
        }
    }

    /// The whole table of the lesson: who may edit, by role and by ownership.
    fn allowed(role: Role, owns: bool) -> bool {
        match role {
            Role::Admin => true,
            Role::Member => owns,
            Role::Auditor => false,
        }
    }

    proptest! {
        #![proptest_config(crate::generated::config(64))]

        #[test]
        fn every_role_and_ownership_gets_the_answer_of_the_table(
            user_id in edge_u64(u64::MAX),
            other in edge_u64(u64::MAX),
            note_id in edge_u64(u64::MAX),
        ) {
            let roles = [Role::Member, Role::Admin, Role::Auditor];
            for role in roles {
                for owns in [true, false] {
                    let owner_id = if owns { user_id } else if other == user_id { user_id ^ 1 } else { other };
                    let user = User { id: user_id, role };
                    let whose = if owns { "their own note" } else { "someone else's note" };
                    let want = allowed(role, owns);
                    let rule = "the rules: an admin may edit any note, a member only their own, \
                                an auditor none, not even one they own (deny by default: \
                                owning a note gives no right to a role the rule does not name)";
                    let mut notes = Notes::new();
                    let text = "original".to_string();
                    notes.insert(note_id, Note { owner_id, text });
                    let got = can_modify(&user, &notes[&note_id]);
                    prop_assert_eq!(
                        got, want,
                        "can_modify: a {:?} (user {}) editing {} (owner {}) got {}: {}",
                        role, user_id, whose, owner_id, got, rule
                    );
                    let response = update_note(&mut notes, Some(&user), note_id, "edited");
                    let (status, after) = if want { (200, "edited") } else { (403, "original") };
                    prop_assert_eq!(
                        response.status, status,
                        "PUT /notes/{}: a {:?} (user {}) editing {} (owner {}): {}",
                        note_id, role, user_id, whose, owner_id, rule
                    );
                    prop_assert_eq!(
                        notes[&note_id].text.as_str(), after,
                        "PUT /notes/{} by a {:?} editing {}: {} (a refused request changes nothing)",
                        note_id, role, whose, rule
                    );
                }
            }
        }
    }

    #[test]
    fn anonymous_requests_are_401_even_for_missing_notes() {
        let why = "who are you is asked first";
        put(None, 10, 401, Some("alice: buy milk"), why);
        let why = "who are you is asked first, so anonymous callers do not learn which notes exist";
        put(None, 99, 401, None, why);
    }

    #[test]
    fn missing_notes_are_404() {
        let why = "there is no note 99";
        put(Some(&ALICE), 99, 404, None, why);
        put(Some(&ADMIN), 99, 404, None, why);
        let why = "there is no note 1: user 1 is alice, but ids of users and notes differ";
        put(Some(&ALICE), 1, 404, None, why);
    }

    #[test]
    fn someone_elses_note_is_403_and_stays_unchanged() {
        let why = "note 10 belongs to user 1, not to bob (user 2)";
        put(Some(&BOB), 10, 403, Some("alice: buy milk"), why);
        let why = "note 11 belongs to user 2, not to alice (user 1)";
        put(Some(&ALICE), 11, 403, Some("bob: call the bank"), why);
        let why = "auditors may read notes, not edit them (deny by default)";
        put(Some(&AUDITOR), 12, 403, Some("alice: dentist at 3"), why);
    }

    #[test]
    fn owners_may_edit_their_notes() {
        let why = "compare the note's owner_id with the user's id (not the note's id)";
        put(Some(&ALICE), 10, 200, Some("edited"), why);
        put(Some(&ALICE), 12, 200, Some("edited"), why);
        put(Some(&BOB), 11, 200, Some("edited"), why);
    }

    #[test]
    fn admins_may_edit_any_note() {
        let why = "admins may edit every note";
        put(Some(&ADMIN), 10, 200, Some("edited"), why);
        put(Some(&ADMIN), 11, 200, Some("edited"), why);
    }
}
