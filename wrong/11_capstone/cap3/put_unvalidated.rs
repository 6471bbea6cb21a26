// wrong: PUT stores the text without the checks POST makes
// expect: PUT an empty text is 422
//! # Capstone, stage 3: notes that belong to someone
//!
//! Stage 2 handed out tokens. Now they open doors: the notes API. Stages 1
//! and 2 live in the course's module `support/capstone.rs` (declared below,
//! with `Db`, `Problem`, `App`, `Claims`, `User` and the handlers you wrote),
//! so this file holds only this stage's work.
//!
//! | request                | answer                                         |
//! |------------------------|------------------------------------------------|
//! | `POST /notes {"text"}` | 201, `Location: /notes/<id>`, `{"id", "text"}` |
//! | `GET /notes`           | 200, `{"notes": [{"id", "text"}, ...]}`, by id |
//! | `GET /notes/{id}`      | 200, `{"id", "text"}`                          |
//! | `PUT /notes/{id}`      | 200, `{"id", "text"}` with the new text        |
//! | `DELETE /notes/{id}`   | 204, no body                                   |
//!
//! **Who is asking?** Every notes request carries `Authorization: Bearer
//! <token>` (auth9). An axum extractor (`FromRequestParts`) turns it into a
//! `User`, or answers 401 before the handler runs: without bearer credentials
//! `WWW-Authenticate: Bearer realm="notes"`; with a token that is malformed,
//! forged or not valid now, `Bearer realm="notes", error="invalid_token"`
//! (RFC 6750 §3). Valid now means, by the app's clock (`app.clock`, auth6;
//! jsonwebtoken's own time checks read the system clock, so switch them off):
//! - not expired: a token has expired once the clock reaches its `exp`
//!   (RFC 7519 §4.1.4: "on or after");
//! - not early: its `nbf` (not before, §4.1.5), when it has one, is at most
//!   `LEEWAY` (30 s, for clocks that drift apart) ahead of the clock;
//! - not from the future: its `iat` (issued at, §4.1.6) is at most `LEEWAY`
//!   ahead of the clock. RFC 7519 leaves `iat` to the application; this
//!   service refuses a token that claims to be issued later than now.
//!
//! Times in a token are NumericDates: seconds that may have a fraction
//! (`1900000030.25`). `Claims` reads them as `f64` and `Clock::now` has a
//! fraction too: compare them as they are, never rounded to whole seconds.
//!
//! **Whose note is it?** A note belongs to the account that wrote it. Anyone
//! else gets 404 Not Found, exactly as for a note that does not exist: a 403
//! would confirm that note 7 exists (OWASP: Insecure Direct Object
//! Reference). Put the owner in the SQL (`WHERE id = ?1 AND owner = ?2`)
//! rather than loading the note and comparing afterwards, which is easy to
//! forget on one path. **Valid text** has 1 to 1000 characters and is not
//! only white space (`validate_text`): else 422, on PUT as on POST.
//!
//! Try it: `cargo run --bin cap3`, sign up and log in as in stage 2, then
//! `curl -i localhost:3000/notes -H "authorization: Bearer $TOKEN" -H 'content-type: application/json' -d '{"text":"milk"}'`
//! Read more: https://docs.rs/axum/0.8/axum/extract/trait.FromRequestParts.html,
//! RFC 6750 §3, RFC 7519 §4.1,
//! https://cheatsheetseries.owasp.org/cheatsheets/Insecure_Direct_Object_Reference_Prevention_Cheat_Sheet.html

#[path = "../../support/capstone.rs"]
mod capstone;

use axum::extract::{FromRequestParts, Json, Path, State, rejection::JsonRejection};
use axum::http::{StatusCode, header, request::Parts};
use axum::response::Response;
use axum::{Router, routing::get, routing::post};
use capstone::{App, Claims, LEEWAY, NoteText, Problem, User};
use capstone::{no_such_note, unauthorized, validate_text};
use jsonwebtoken::{DecodingKey, Validation};
use rusqlite::OptionalExtension;
use serde_json::{Value, json};
use std::sync::Arc;

// TODO: find out who is asking, by the rules of the lesson. Without bearer
// credentials (no `Authorization` header, or another scheme): `unauthorized(false)`.
// A bearer token that is not an HS256 JWT signed with `app.secret`, or that is
// not valid now by `app.clock` (expired, not yet valid, issued in the future,
// each as the lesson says): `unauthorized(true)`. Else the `User` whose id is
// the token's `sub`.
impl FromRequestParts<App> for User {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<User, Response> {
        let Some(value) = parts.headers.get(header::AUTHORIZATION) else {
            return Err(unauthorized(false));
        };
        let value = value.to_str().map_err(|_| unauthorized(true))?;
        let (scheme, token) = value.split_once(' ').unwrap_or((value, ""));
        if !scheme.eq_ignore_ascii_case("bearer") {
            return Err(unauthorized(false));
        }
        let mut validation = Validation::new(jsonwebtoken::Algorithm::HS256);
        validation.validate_exp = false; // it reads the system clock: checked below instead
        let key = DecodingKey::from_secret(&app.secret);
        let token = token.trim_start_matches(' ');
        let decoded = jsonwebtoken::decode::<Claims>(token, &key, &validation);
        let claims = decoded.map_err(|_| unauthorized(true))?.claims;
        let now = app.clock.now();
        let in_the_future = |time: f64| time > now + LEEWAY;
        let expired = now >= claims.exp;
        if expired || in_the_future(claims.iat) || claims.nbf.is_some_and(in_the_future) {
            return Err(unauthorized(true));
        }
        let id = claims.sub.parse().map_err(|_| unauthorized(true))?;
        Ok(User { id })
    }
}

// TODO: GET, PUT and DELETE on one note, as the lesson's table says. A note
// that does not exist and a note of another account are the same
// `no_such_note()`; PUT checks the text like POST.

// GET /notes/{id}
async fn get_note(
    user: User,
    State(app): State<App>,
    Path(id): Path<i64>,
) -> Result<Json<Value>, Problem> {
    let text = app
        .db
        .call(move |conn| {
            let sql = "SELECT text FROM notes WHERE id = ?1 AND owner = ?2";
            let text = conn.query_row(sql, (id, user.id), |row| row.get::<_, String>(0));
            Ok(text.optional()?)
        })
        .await?;
    let text = text.ok_or_else(no_such_note)?;
    Ok(Json(json!({"id": id, "text": text})))
}

// PUT /notes/{id}
async fn update_note(
    user: User,
    State(app): State<App>,
    Path(id): Path<i64>,
    note: Result<Json<NoteText>, JsonRejection>,
) -> Result<Json<Value>, Problem> {
    let Json(note) = note?;
    let text = note.text.clone();
    let changed = app
        .db
        .call(move |conn| {
            let sql = "UPDATE notes SET text = ?1 WHERE id = ?2 AND owner = ?3";
            Ok(conn.execute(sql, (&text, id, user.id))?)
        })
        .await?;
    if changed == 0 {
        return Err(no_such_note());
    }
    Ok(Json(json!({"id": id, "text": note.text})))
}

// DELETE /notes/{id}
async fn delete_note(
    user: User,
    State(app): State<App>,
    Path(id): Path<i64>,
) -> Result<StatusCode, Problem> {
    let deleted = app
        .db
        .call(move |conn| {
            let sql = "DELETE FROM notes WHERE id = ?1 AND owner = ?2";
            Ok(conn.execute(sql, (id, user.id))?)
        })
        .await?;
    match deleted {
        0 => Err(no_such_note()),
        _ => Ok(StatusCode::NO_CONTENT),
    }
}

fn app(app: App) -> Router {
    Router::new()
        .route("/accounts", post(capstone::create_account))
        .route("/accounts/{id}", get(capstone::get_account))
        .route("/sessions", post(capstone::login))
        .route(
            "/notes",
            post(capstone::create_note).get(capstone::list_notes),
        )
        .route(
            "/notes/{id}",
            get(get_note).put(update_note).delete(delete_note),
        )
        .with_state(app)
}

#[tokio::main]
async fn main() {
    let db = capstone::Db::open_in_memory();
    let secret = Arc::from(capstone::DEV_SECRET);
    let state = App::new(db, Arc::new(capstone::SystemClock), secret);
    capstone::serve_on_port_3000(app(state)).await;
}
