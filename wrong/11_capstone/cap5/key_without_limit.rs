// wrong: caches a page under the account and `after` only, so another limit gets the cached page
// expect: limit=3 is another page than limit=2
//! # Capstone, stage 5: pages that survive writes
//!
//! A list endpoint that answers everything at once breaks the day an account
//! has 50 000 notes. `GET /notes` now answers one page:
//! `{"notes": [...], "next": "/notes?limit=2&after=4"}`, where `next` is the
//! link to the following page, or `null` on the last one. Stages 1 to 4 live
//! in the course's modules `support/capstone.rs` and
//! `support/capstone_notes.rs` (declared below), so this file holds only
//! this stage's work.
//!
//! - `limit`: how many notes a page holds, 1 to 100, 20 when absent. Anything
//!   else (0, 101, -1, `abc`, empty) is 422: a client that asks for a million
//!   rows must not get them, nor a silent default it did not ask for.
//! - `after`: the id of the last note of the previous page (0 when absent, a
//!   whole number otherwise, else 422). A page holds the account's notes with
//!   a greater id, in id order, whatever order they were written in. This is
//!   *keyset* (cursor) pagination. An offset ("skip 2") would skip or repeat
//!   a note as soon as one is deleted or added between two pages; an id does
//!   not move.
//! - `next` only when more notes follow: a full page is not proof of that
//!   (the last page may be exactly full), so look one note further.
//!   Its `limit` is the page's limit, so the client keeps its page size.
//!
//! **Page in the database.** Keyset paging pays off only if the database
//! does the work: the query asks for the notes after the cursor, in id order,
//! one more than the page holds (`WHERE owner = ?1 AND id > ?2 ORDER BY id
//! LIMIT ?3`, which the index on `(owner, id)` answers without reading the
//! rest). Loading the whole list and cutting a page out of it in Rust costs
//! what paging was meant to save.
//!
//! **Cache each page** (stage 4) in `app.pages`, under everything that makes
//! the page what it is: the account, `after` and `limit`. The writes of
//! stage 4 already call `app.forget(owner)` after they change an account's
//! notes, which drops every cached page of that account. (A page read just
//! before a write and cached just after it can still be stale until its
//! 300 s TTL ends: cache-aside's known race.)
//!
//! Try it: `cargo run --bin cap5`, then `curl -s 'localhost:3000/notes?limit=2' -H "authorization: Bearer $TOKEN"`
//! Read more: https://use-the-index-luke.com/no-offset, RFC 8288 (the `Link`
//! header, another place for `next`), https://docs.rs/axum/0.8/axum/extract/struct.Query.html

#[path = "../../support/capstone.rs"]
mod capstone;
#[path = "../../support/capstone_notes.rs"]
mod capstone_notes;

use axum::extract::{Json, Query, State};
use axum::http::StatusCode;
use axum::{Router, routing::get, routing::post};
use capstone::{App, Problem, User};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Arc;

// TODO: one page of `owner`'s notes, by the rules of the lesson: read `limit`
// and `after` with `number` (it answers the 422s), answer from `app.pages`
// when it holds this page, else ask the database for exactly this page (and
// whether a note follows it) with `app.db.call`, and keep the page in
// `app.pages`. The page is `{"notes": [{"id", "text"}, ...], "next": ...}`.
async fn page_of(
    app: &App,
    owner: i64,
    query: &HashMap<String, String>,
) -> Result<Arc<Value>, Problem> {
    let limit = number(query, "limit", 20, 1..=100)?;
    let after = number(query, "after", 0, 0..=i64::MAX)?;
    let key = (owner, after, 0);
    if let Some(page) = app.pages.get(&key) {
        return Ok(page);
    }
    let mut notes = app
        .db
        .call(move |conn| {
            // One more than the page holds: is there a next page?
            let sql =
                "SELECT id, text FROM notes WHERE owner = ?1 AND id > ?2 ORDER BY id LIMIT ?3";
            let mut select = conn.prepare(sql)?;
            let rows = select.query_map((owner, after, limit + 1), |row| {
                Ok((row.get::<_, i64>(0)?, row.get::<_, String>(1)?))
            })?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
        .await?;
    let more = notes.len() > limit as usize;
    notes.truncate(limit as usize);
    let next = match (more, notes.last()) {
        (true, Some((last, _))) => json!(format!("/notes?limit={limit}&after={last}")),
        _ => Value::Null,
    };
    let notes: Vec<Value> = notes
        .into_iter()
        .map(|(id, text)| json!({"id": id, "text": text}))
        .collect();
    let page = Arc::new(json!({"notes": notes, "next": next}));
    app.pages.insert(key, page.clone());
    Ok(page)
}

/// Reads a whole number in `range` from the query, or says what is wrong with it.
fn number(
    query: &HashMap<String, String>,
    name: &str,
    default: i64,
    range: std::ops::RangeInclusive<i64>,
) -> Result<i64, Problem> {
    let Some(text) = query.get(name) else {
        return Ok(default);
    };
    let value = text.parse::<i64>().ok().filter(|v| range.contains(v));
    let detail = format!(
        "{name} must be a whole number from {} to {}",
        range.start(),
        range.end()
    );
    value.ok_or_else(|| Problem::new(StatusCode::UNPROCESSABLE_ENTITY, detail))
}

// GET /notes?limit=&after=
async fn list_notes(
    user: User,
    State(app): State<App>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<Value>, Problem> {
    let page = page_of(&app, user.id, &query).await?;
    Ok(Json(page.as_ref().clone()))
}

fn app(app: App) -> Router {
    use capstone_notes::{delete_note, get_note, update_note};
    let routes = Router::new()
        .route("/accounts", post(capstone::create_account))
        .route("/accounts/{id}", get(capstone::get_account))
        .route("/sessions", post(capstone::login))
        .route("/notes", post(capstone::create_note).get(list_notes))
        .route(
            "/notes/{id}",
            get(get_note).put(update_note).delete(delete_note),
        )
        .with_state(app);
    capstone_notes::traced(routes)
}

#[tokio::main]
async fn main() {
    // JSON log lines on standard output, INFO and above.
    tracing_subscriber::fmt()
        .json()
        .with_max_level(tracing::Level::INFO)
        .init();
    let db = capstone::Db::open_in_memory();
    let secret = Arc::from(capstone::DEV_SECRET);
    let state = App::new(db, Arc::new(capstone::SystemClock), secret);
    capstone::serve_on_port_3000(app(state)).await;
}
