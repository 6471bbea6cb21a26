// wrong: PUT invalidates the cache before the write, so a reader can re-cache the old list
// expect: after PUT, GET /notes shows the new text (the cache is invalidated after the write, not before
//! # Capstone, stage 4: a cached list, and a trace of every request
//!
//! The notes API works. Two things a real service adds next. Stages 1 to 3
//! live in the course's modules `support/capstone.rs` and
//! `support/capstone_notes.rs` (declared below: `App`, the `User` extractor,
//! `get_note`, ...), so this file holds only this stage's work.
//!
//! **A cache for the hot read.** Clients poll `GET /notes`; each poll reads
//! the database. Keep each account's list in a moka cache (cache8), keyed by
//! the account id, so that one account never sees another's list. A cache
//! must never answer what the database no longer holds: every write path
//! (create, update, delete) invalidates the writer's entry, after its write
//! (invalidated first, a reader could cache the old list again in between).
//! Forget one path and the list stays stale until the entry expires. The
//! tests count the database reads (`Db::notes_of` counts them) and check
//! that every write shows at once.
//!
//! **A trace of every request** (tracing, topic 09). tower-http's layers do
//! the work around your handlers: `SetRequestIdLayer` gives each request an
//! `x-request-id` (a new UUID, or the one the client sent),
//! `PropagateRequestIdLayer` copies it onto the response, so a user can quote
//! it in a bug report, and `TraceLayer` opens a span per request and logs
//! when the response is ready, with its status and latency. Every log line of
//! the request then carries the span's fields: `request_id`, `method`,
//! `path`. Nothing else of the request goes into the span: its headers carry
//! the bearer token (`include_headers(true)` would log it), and a logged
//! token is a stolen token (OWASP Logging Cheat Sheet, "Data to exclude").
//!
//! Try it: `cargo run --bin cap4` (JSON log lines on standard output; the
//! `listening on` line goes to standard error, so the output stays JSON), then
//! `curl -i localhost:3000/notes -H "authorization: Bearer $TOKEN" -H 'x-request-id: try-1'`
//! Read more: https://docs.rs/moka/0.12/moka/sync/struct.Cache.html,
//! https://docs.rs/tower-http/0.6/tower_http/trace/index.html,
//! https://docs.rs/tower-http/0.6/tower_http/request_id/index.html

#[path = "../../support/capstone.rs"]
mod capstone;
#[path = "../../support/capstone_notes.rs"]
mod capstone_notes;

use axum::body::Body;
use axum::extract::{Json, Path, State, rejection::JsonRejection};
use axum::http::{Request, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::{Router, routing::get, routing::post};
use capstone::{App, Db, NoteText, NotesCache, Problem, User, no_such_note, validate_text};
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use tower::ServiceBuilder;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::{Level, Span};

// TODO: the cache must never answer a list the database no longer holds:
// every path that changes an account's notes leaves no stale list of it behind.

// POST /notes
async fn create_note(
    user: User,
    State(db): State<Db>,
    State(cache): State<NotesCache>,
    note: Result<Json<NoteText>, JsonRejection>,
) -> Result<Response, Problem> {
    let Json(note) = note?;
    validate_text(&note.text)?;
    let text = note.text.clone();
    let id = db
        .call(move |conn| {
            let sql = "INSERT INTO notes (owner, text) VALUES (?1, ?2)";
            conn.execute(sql, (user.id, &text))?;
            Ok(conn.last_insert_rowid())
        })
        .await?;
    cache.invalidate(&user.id);
    let location = [(header::LOCATION, format!("/notes/{id}"))];
    let body = Json(json!({"id": id, "text": note.text}));
    Ok((StatusCode::CREATED, location, body).into_response())
}

// GET /notes
// TODO: answer from `cache` when it holds this account's list; otherwise read
// it with `db.notes_of` (the tests count those reads) and keep it in `cache`.
async fn list_notes(
    user: User,
    State(db): State<Db>,
    State(cache): State<NotesCache>,
) -> Result<Json<Value>, Problem> {
    let notes = match cache.get(&user.id) {
        Some(notes) => notes,
        None => {
            let notes = Arc::new(db.notes_of(user.id).await?);
            cache.insert(user.id, Arc::clone(&notes));
            notes
        }
    };
    Ok(Json(json!({ "notes": notes.as_ref() })))
}

// PUT /notes/{id}
async fn update_note(
    user: User,
    State(db): State<Db>,
    State(cache): State<NotesCache>,
    Path(id): Path<i64>,
    note: Result<Json<NoteText>, JsonRejection>,
) -> Result<Json<Value>, Problem> {
    let Json(note) = note?;
    validate_text(&note.text)?;
    let text = note.text.clone();
    cache.invalidate(&user.id);
    let changed = db
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
    State(db): State<Db>,
    State(cache): State<NotesCache>,
    Path(id): Path<i64>,
) -> Result<StatusCode, Problem> {
    let deleted = db
        .call(move |conn| {
            let sql = "DELETE FROM notes WHERE id = ?1 AND owner = ?2";
            Ok(conn.execute(sql, (id, user.id))?)
        })
        .await?;
    match deleted {
        0 => Err(no_such_note()),
        _ => {
            cache.invalidate(&user.id);
            Ok(StatusCode::NO_CONTENT)
        }
    }
}

/// One span per request, named "request", with the request's id, method and path, and
/// nothing else of the request: its headers carry tokens and cookies.
// TODO: make that span (the id is the `x-request-id` header, set by the time this runs).
fn request_span(request: &Request<Body>) -> Span {
    let request_id = request
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    tracing::info_span!(
        "request",
        request_id = %request_id,
        method = %request.method(),
        path = %request.uri().path(),
    )
}

// TODO: wrap the routes in tower-http's layers (see the lesson), outermost
// first: give every request an `x-request-id` if it has none, trace it in a
// span made by `request_span` with an INFO line when its response is ready,
// and copy the id onto the response.
fn app(app: App) -> Router {
    Router::new()
        .route("/accounts", post(capstone::create_account))
        .route("/accounts/{id}", get(capstone::get_account))
        .route("/sessions", post(capstone::login))
        .route("/notes", post(create_note).get(list_notes))
        .route(
            "/notes/{id}",
            get(capstone_notes::get_note)
                .put(update_note)
                .delete(delete_note),
        )
        .layer(
            ServiceBuilder::new()
                .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
                .layer(
                    TraceLayer::new_for_http()
                        .make_span_with(request_span)
                        .on_response(DefaultOnResponse::new().level(Level::INFO)),
                )
                .layer(PropagateRequestIdLayer::x_request_id()),
        )
        .with_state(app)
}

#[tokio::main]
async fn main() {
    // JSON log lines on standard output, INFO and above.
    tracing_subscriber::fmt()
        .json()
        .with_max_level(Level::INFO)
        .init();
    let db = Db::open_in_memory();
    let secret = Arc::from(capstone::DEV_SECRET);
    let state = App::new(db, Arc::new(capstone::SystemClock), secret);
    capstone::serve_on_port_3000(app(state)).await;
}
