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

// One page of `owner`'s notes, by the rules of the lesson: it reads `limit`
// and `after` with `number` (it answers the 422s), answers from `app.pages`
// when it holds this page, else asks the database for exactly this page (and
// whether a note follows it) with `app.db.call`, and keeps the page in
// `app.pages`. The page is `{"notes": [{"id", "text"}, ...], "next": ...}`.
async fn page_of(
    app: &App,
    owner: i64,
    query: &HashMap<String, String>,
) -> Result<Arc<Value>, Problem> {
    let limit = number(query, "limit", 20, 1..=100)?;
    let after = number(query, "after", 0, 0..=i64::MAX)?;
    let key = (owner, after, limit);
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

// not graded: a demo server on port 3000 logging JSON to stdout; the tests serve `app` on a listener of their own
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

// ---- grading tests: read them, but do not change them ----
#[cfg(test)]
#[path = "../../support/server_check.rs"]
mod server_check;

#[cfg(test)]
#[path = "../../support/generated.rs"]
mod generated;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capstone::{Claims, Clock, DEV_SECRET, Db};
    use crate::server_check::{Check, Run};
    use jsonwebtoken::{EncodingKey, Header};
    use proptest::prelude::*;
    use std::net::SocketAddr;
    use std::sync::atomic::{AtomicI64, Ordering};

    const NOW: f64 = 1_900_000_000.0;
    const PASSWORD: &str = "correct horse battery";

    struct TestClock;

    impl Clock for TestClock {
        fn now(&self) -> f64 {
            NOW
        }
    }

    /// Starts `app` on a free port, on a runtime of its own in a background thread.
    fn serve(state: App) -> SocketAddr {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                tx.send(listener.local_addr().unwrap()).unwrap();
                axum::serve(listener, app(state)).await.unwrap();
            });
        });
        rx.recv().expect("the server did not start: `app` panicked")
    }

    fn new_server() -> (SocketAddr, Db) {
        let db = Db::open_in_memory();
        let state = App::new(db.clone(), Arc::new(TestClock), Arc::from(DEV_SECRET));
        (serve(state), db)
    }

    /// A fresh server where Ada has logged in and written `notes` notes ("note 1", ...):
    /// the run, the database and her token. Later checks depend on "Ada's notes".
    fn start(notes: usize) -> (Run, Db, String) {
        let (addr, db) = new_server();
        let mut run = Run::new(addr).replay("cargo run --bin cap5", "http://127.0.0.1:3000");
        let body = json!({"name": "Ada", "password": PASSWORD});
        let sign_up = Check::new("sign up Ada")
            .post("/accounts")
            .json(body.clone());
        run.check(sign_up.expect_status(201));
        let login = Check::new("log in Ada")
            .post("/sessions")
            .json(body)
            .expect_status(200)
            .capture("ADA", "token");
        let token = run.check(login).json_str("/token");
        let mut written = !token.is_empty();
        for k in 1..=notes {
            let note = json!({ "text": format!("note {k}") });
            let write = Check::new("write").post("/notes").bearer(&token).json(note);
            written = written && run.quiet_check(write).status == 201;
        }
        let why = format!("Ada could not write her {notes} notes (stage 3)");
        run.record("Ada's notes", written, &why);
        (run, db, token)
    }

    /// The notes with these ids, as the API shows them.
    fn notes(ids: &[u64]) -> Value {
        let notes = ids
            .iter()
            .map(|id| json!({"id": id, "text": format!("note {id}")}));
        Value::Array(notes.collect())
    }

    fn expect_page(what: &str, token: &str, path: &str, ids: &[u64], next: Value) -> Check {
        let check = Check::new(what)
            .get(path)
            .bearer(token)
            .depends_on("Ada's notes");
        let body = json!({"notes": notes(ids), "next": next});
        check.expect_status(200).expect_json(body)
    }

    #[test]
    fn follow_next_to_the_last_page() {
        let (mut run, _, ada) = start(5);
        let next = json!("/notes?limit=2&after=2");
        run.check(expect_page(
            "page 1 of 3 (limit=2)",
            &ada,
            "/notes?limit=2",
            &[1, 2],
            next,
        ));
        let next = json!("/notes?limit=2&after=4");
        let what = "page 2: the notes after id 2";
        run.check(expect_page(
            what,
            &ada,
            "/notes?limit=2&after=2",
            &[3, 4],
            next,
        ));
        let what = "page 3, the last: one note, and next is null";
        run.check(expect_page(
            what,
            &ada,
            "/notes?limit=2&after=4",
            &[5],
            Value::Null,
        ));
        let what = "after the last note: an empty page, next is null";
        run.check(expect_page(
            what,
            &ada,
            "/notes?limit=2&after=5",
            &[],
            Value::Null,
        ));
        run.finish();
    }

    #[test]
    fn an_exactly_full_last_page_has_no_next() {
        let (mut run, _, ada) = start(4);
        let next = json!("/notes?limit=2&after=2");
        run.check(expect_page(
            "page 1 (limit=2)",
            &ada,
            "/notes?limit=2",
            &[1, 2],
            next,
        ));
        let what = "page 2 holds the last 2 notes: it is full, but no note follows, so no next";
        run.check(expect_page(
            what,
            &ada,
            "/notes?limit=2&after=2",
            &[3, 4],
            Value::Null,
        ));
        let what = "limit=4 holds all 4 notes: no next";
        run.check(expect_page(
            what,
            &ada,
            "/notes?limit=4",
            &[1, 2, 3, 4],
            Value::Null,
        ));
        let what = "limit=3 leaves one note for a next page";
        let next = json!("/notes?limit=3&after=3");
        run.check(expect_page(what, &ada, "/notes?limit=3", &[1, 2, 3], next));
        run.finish();
    }

    #[test]
    fn limit_is_1_to_100_and_20_by_default() {
        let (mut run, _, ada) = start(21);
        let first20: Vec<u64> = (1..=20).collect();
        let next = json!("/notes?limit=20&after=20");
        run.check(expect_page(
            "no limit: 20 notes",
            &ada,
            "/notes",
            &first20,
            next.clone(),
        ));
        let what = "limit=1";
        run.check(expect_page(
            what,
            &ada,
            "/notes?limit=1",
            &[1],
            json!("/notes?limit=1&after=1"),
        ));
        let all: Vec<u64> = (1..=21).collect();
        run.check(expect_page(
            "limit=100",
            &ada,
            "/notes?limit=100",
            &all,
            Value::Null,
        ));
        let problem =
            json!({"type": "about:blank", "title": "Unprocessable Content", "status": 422});
        for query in [
            "limit=0",
            "limit=101",
            "limit=-1",
            "limit=abc",
            "limit=",
            "limit=2.5",
            "after=-1",
            "after=x",
        ] {
            let what = format!("GET /notes?{query} is 422");
            let check = Check::new(&what)
                .get(&format!("/notes?{query}"))
                .bearer(&ada);
            let check = check.depends_on("Ada's notes").expect_status(422);
            run.check(check.expect_json_subset(problem.clone()));
        }
        run.finish();
    }

    #[test]
    fn each_page_is_cached_and_writes_show_at_once() {
        let (mut run, db, ada) = start(5);
        let calls = || db.calls.load(Ordering::SeqCst);
        let page = |run: &mut Run, what: &str, path: &str, ids: &[u64], next: Value| {
            let before = calls();
            run.check(expect_page(what, &ada, path, ids, next));
            calls() - before
        };
        let next = json!("/notes?limit=2&after=2");
        let first = page(&mut run, "page 1", "/notes?limit=2", &[1, 2], next.clone());
        let again = page(&mut run, "page 1 again", "/notes?limit=2", &[1, 2], next);
        let why = format!(
            "page 1 cost {first} database calls the first time and {again} the second: a page \
             is read with one query, then answered from `app.pages` until a write"
        );
        let ok = first == 1 && again == 0;
        run.record("a page costs one database call, then none", ok, &why);
        let other = json!("/notes?limit=3&after=3");
        let what = "limit=3 is another page than limit=2, though both start after 0";
        page(&mut run, what, "/notes?limit=3", &[1, 2, 3], other);
        let delete = Check::new("Ada deletes note 2")
            .delete("/notes/2")
            .bearer(&ada);
        run.check(delete.depends_on("Ada's notes").expect_status(204));
        let next = json!("/notes?limit=2&after=3");
        let what = "page 1 after note 2 was deleted: the cached page was dropped";
        page(&mut run, what, "/notes?limit=2", &[1, 3], next);
        let write = Check::new("Ada writes note 6").post("/notes").bearer(&ada);
        let write = write.json(json!({"text": "note 6"}));
        run.check(write.depends_on("Ada's notes").expect_status(201));
        let what = "the new note shows on the last page at once";
        page(
            &mut run,
            what,
            "/notes?limit=2&after=4",
            &[5, 6],
            Value::Null,
        );
        run.finish();
    }

    #[test]
    fn another_accounts_pages_stay_its_own() {
        let (mut run, _, ada) = start(3);
        let body = json!({"name": "grace", "password": PASSWORD});
        let sign_up = Check::new("sign up grace")
            .post("/accounts")
            .json(body.clone());
        run.check(sign_up.expect_status(201));
        let login = Check::new("log in grace").post("/sessions").json(body);
        let login = login.expect_status(200).capture("GRACE", "token");
        let grace = run.check(login).json_str("/token");
        run.check(expect_page(
            "Ada's page 1",
            &ada,
            "/notes?limit=2",
            &[1, 2],
            json!("/notes?limit=2&after=2"),
        ));
        let what = "grace's page 1 (she has no notes) is empty, not Ada's cached page";
        let check = Check::new(what).get("/notes?limit=2").bearer(&grace);
        let check = check.depends_on("log in grace").expect_status(200);
        run.check(check.expect_json(json!({"notes": [], "next": null})));
        run.finish();
    }

    /// One generated scenario: an account's note ids (written in another order than their
    /// ids, between another account's), a page size, and a note deleted between two pages.
    #[derive(Debug, Clone)]
    struct Scenario {
        /// (id, Ada's?) in the order they are written.
        written: Vec<(i64, bool)>,
        limit: i64,
        /// After reading this many pages, delete Ada's note at this index (of her ids).
        delete: Option<(usize, usize)>,
    }

    fn scenario() -> impl Strategy<Value = Scenario> {
        let ids = proptest::collection::btree_set(1i64..=300, 0..=24);
        let owners = proptest::collection::vec(proptest::bool::weighted(0.7), 24);
        let written = (ids, owners).prop_flat_map(|(ids, owners)| {
            let pairs: Vec<(i64, bool)> = ids.into_iter().zip(owners).collect();
            Just(pairs).prop_shuffle()
        });
        let limit = prop_oneof![Just(1i64), Just(2), 1i64..=6, Just(100), 1i64..=30];
        let delete = proptest::option::of((0usize..6, 0usize..24));
        (written, limit, delete).prop_map(|(written, limit, delete)| Scenario {
            written,
            limit,
            delete,
        })
    }

    /// A server for the generated scenarios, and the next account id to use.
    fn shared() -> &'static (SocketAddr, Db, AtomicI64) {
        static SERVER: std::sync::OnceLock<(SocketAddr, Db, AtomicI64)> =
            std::sync::OnceLock::new();
        SERVER.get_or_init(|| {
            let (addr, db) = new_server();
            (addr, db, AtomicI64::new(1))
        })
    }

    /// A token the app accepts for account `owner`.
    fn token_for(owner: i64) -> String {
        let claims = Claims {
            sub: owner.to_string(),
            name: format!("user{owner}"),
            iat: NOW,
            exp: NOW + 3600.0,
            nbf: None,
        };
        let key = EncodingKey::from_secret(DEV_SECRET);
        jsonwebtoken::encode(&Header::default(), &claims, &key).unwrap()
    }

    proptest! {
        #![proptest_config(crate::generated::config(48))]

        #[test]
        fn pages_follow_ids_across_a_delete(s in scenario()) {
            let (addr, db, next_owner) = shared();
            let ada = next_owner.fetch_add(2, Ordering::SeqCst);
            let base = ada * 1000; // ids of this scenario: base + 1 ..= base + 300
            {
                let conn = db.conn.lock().unwrap_or_else(|e| e.into_inner());
                for owner in [ada, ada + 1] {
                    let sql = "INSERT INTO accounts (id, name, name_key, password_hash) \
                               VALUES (?1, ?2, ?2, 'not a hash')";
                    conn.execute(sql, (owner, format!("user{owner}"))).unwrap();
                }
                for (id, mine) in &s.written {
                    let owner = if *mine { ada } else { ada + 1 };
                    let sql = "INSERT INTO notes (id, owner, text) VALUES (?1, ?2, ?3)";
                    conn.execute(sql, (base + id, owner, format!("n{id}"))).unwrap();
                }
            }
            let mut ids: Vec<i64> = s.written.iter().filter(|w| w.1).map(|w| base + w.0).collect();
            ids.sort();
            let token = token_for(ada);
            let order: Vec<i64> = s.written.iter().map(|w| w.0).collect();
            let story = format!(
                "notes written in the order {order:?} (ids, plus {base}; Ada's: {:?}), limit={}",
                ids.iter().map(|id| id - base).collect::<Vec<_>>(),
                s.limit
            );
            let mut deleted = None;
            let mut path = format!("/notes?limit={}", s.limit);
            let (mut after, mut pages, mut seen) = (0i64, 0usize, Vec::new());
            loop {
                let mut run = Run::new(*addr);
                let reply = run.check(Check::new("page").get(&path).bearer(&token));
                prop_assert_eq!(reply.status, 200, "{}: GET {} answered {}", story, path, reply.status);
                let body = reply.json();
                let got: Vec<i64> = body["notes"]
                    .as_array()
                    .map(|a| a.iter().filter_map(|n| n["id"].as_i64()).collect())
                    .unwrap_or_default();
                let rest: Vec<i64> = ids.iter().copied().filter(|id| *id > after).collect();
                let want: Vec<i64> = rest.iter().copied().take(s.limit as usize).collect();
                prop_assert_eq!(
                    &got,
                    &want,
                    "{}{}: GET {} should hold Ada's next notes by id (after {}, at most {}), \
                     whatever order they were written in",
                    story,
                    deleted.map(|d: i64| format!(", note {} deleted after page {pages}", d - base)).unwrap_or_default(),
                    path,
                    after,
                    s.limit
                );
                let more = rest.len() > want.len();
                let next = body["next"].clone();
                let want_next = match (more, want.last()) {
                    (true, Some(last)) => json!(format!("/notes?limit={}&after={last}", s.limit)),
                    _ => Value::Null,
                };
                prop_assert_eq!(
                    &next,
                    &want_next,
                    "{}: the next link of GET {} (more notes follow: {})",
                    story,
                    path,
                    more
                );
                seen.extend(got.iter().copied());
                pages += 1;
                if let Some((at, which)) = s.delete
                    && at + 1 == pages
                    && deleted.is_none()
                    && !ids.is_empty()
                {
                    let id = ids[which % ids.len()];
                    let mut run = Run::new(*addr);
                    let delete = Check::new("delete").delete(&format!("/notes/{id}")).bearer(&token);
                    let status = run.check(delete).status;
                    prop_assert_eq!(status, 204, "{}: DELETE /notes/{} answered {}", story, id, status);
                    ids.retain(|n| *n != id);
                    deleted = Some(id);
                }
                let Some(link) = next.as_str() else { break };
                path = link.to_string();
                after = *want.last().unwrap_or(&after);
                prop_assert!(pages <= 301, "{}: more than 300 pages: the next links go round", story);
            }
        }
    }
}
