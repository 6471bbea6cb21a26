//! # Shared state and a store behind a trait
//!
//! A server answers many requests at once, on several threads. What lives
//! longer than one request (a database pool, a cache, the configuration) is
//! *application state*: you give it to the router once with
//! `Router::with_state(state)`, and a handler that needs it asks for it with
//! the `State<T>` extractor. axum clones the state for every request, so it
//! must be cheap to clone: put it behind an `Arc`. Data that requests change
//! also needs a lock (`std::sync::Mutex`), because two requests may change it
//! at the same moment. Keep the lock short, and never hold a `std` mutex
//! guard across an `.await`. A step that reads and then writes shared data
//! (pick the next id, store the note under it) must happen under one lock:
//! between two locks another request can run and read the same thing.
//!
//! The handlers below do not know where notes are kept: they see an
//! `Arc<dyn NoteStore>`. Today that is a `Vec` in memory; in topic 04 it can
//! be SQLite, and in a test it can be a fake, without changing one handler.
//!
//! Read more: https://docs.rs/axum/0.8/axum/index.html#sharing-state-with-handlers
//! and https://doc.rust-lang.org/book/ch16-03-shared-state.html

use axum::{
    Json, Router,
    extract::{Path, State},
    http::StatusCode,
    routing::{get, post},
};
use serde::{Deserialize, Serialize};
use std::cell::RefCell;
use std::ops::{Deref, DerefMut};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

#[derive(Debug, Clone, PartialEq, Serialize)]
struct Note {
    id: u64,
    text: String,
}

#[derive(Debug, Deserialize)]
struct NewNote {
    text: String,
}

/// Where notes are kept. `Send + Sync` lets it be shared between threads.
trait NoteStore: Send + Sync {
    /// Stores a note under the next free id (1, 2, 3, ...) and returns it.
    fn add(&self, text: String) -> Note;
    fn get(&self, id: u64) -> Option<Note>;
}

type SharedStore = Arc<dyn NoteStore>;

#[derive(Default)]
struct MemoryStore {
    notes: Lock<Vec<Note>>,
}

/// A `std::sync::Mutex` with a window for the grading tests (course code, you
/// need not change it). Use it exactly like a `Mutex`:
/// `let mut notes = self.notes.lock().unwrap();`. Each time a guard is
/// dropped and the lock released, a test may let another request run first,
/// as a busy server's scheduler can: so a request that picks its id under one
/// lock and stores its note under another can be caught.
#[derive(Default)]
struct Lock<T>(Mutex<T>);

struct LockGuard<'a, T>(Option<MutexGuard<'a, T>>);

impl<T> Lock<T> {
    fn lock(&self) -> Result<LockGuard<'_, T>, PoisonError<MutexGuard<'_, T>>> {
        self.0.lock().map(|guard| LockGuard(Some(guard)))
    }
}

impl<T> Deref for LockGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        self.0
            .as_ref()
            .expect("a guard holds the lock until dropped")
    }
}

impl<T> DerefMut for LockGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        self.0
            .as_mut()
            .expect("a guard holds the lock until dropped")
    }
}

thread_local! {
    /// What runs on this thread right after it releases a `Lock` (tests only).
    static AFTER_UNLOCK: RefCell<Option<Box<dyn Fn()>>> = RefCell::new(None);
}

impl<T> Drop for LockGuard<'_, T> {
    // not graded: the tests' window into the lock; it does not change what the store does
    fn drop(&mut self) {
        drop(self.0.take());
        AFTER_UNLOCK.with(|hook| {
            if let Some(hook) = hook.borrow().as_ref() {
                hook();
            }
        });
    }
}

impl NoteStore for MemoryStore {
    fn add(&self, text: String) -> Note {
        let mut notes = self.notes.lock().unwrap();
        let note = Note {
            id: notes.len() as u64 + 1,
            text,
        };
        notes.push(note.clone());
        note
    }

    fn get(&self, id: u64) -> Option<Note> {
        let notes = self.notes.lock().unwrap();
        notes.iter().find(|note| note.id == id).cloned()
    }
}

// POST /notes
async fn create_note(
    State(store): State<SharedStore>,
    Json(new_note): Json<NewNote>,
) -> (StatusCode, Json<Note>) {
    (StatusCode::CREATED, Json(store.add(new_note.text)))
}

// GET /notes/{id}
async fn get_note(
    State(store): State<SharedStore>,
    Path(id): Path<u64>,
) -> Result<Json<Note>, StatusCode> {
    store.get(id).map(Json).ok_or(StatusCode::NOT_FOUND)
}

fn app(store: SharedStore) -> Router {
    Router::new()
        .route("/notes", post(create_note))
        .route("/notes/{id}", get(get_note))
        .with_state(store)
}

// not graded: serves the demo on port 3000; the tests call `app()` directly
#[tokio::main]
async fn main() {
    // Try it: `cargo run --bin axum2`, then
    // `curl -i -H 'content-type: application/json' -d '{"text":"hi"}' localhost:3000/notes`.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:3000")
        .await
        .unwrap();
    println!("listening on http://{}", listener.local_addr().unwrap());
    axum::serve(listener, app(Arc::new(MemoryStore::default())))
        .await
        .unwrap();
}

// ---- grading tests: read them, but do not change them ----
#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::{Body, to_bytes};
    use axum::http::{Request, header::CONTENT_TYPE};
    use serde_json::{Value, json};
    use std::time::Duration;
    use tower::ServiceExt;

    /// Sends one request to `router` (no socket) and returns status and JSON body.
    async fn call(router: &Router, request: Request<Body>) -> (StatusCode, Value) {
        let what = format!("{} {}", request.method(), request.uri());
        let answer = tokio::spawn(router.clone().oneshot(request));
        let response = tokio::time::timeout(Duration::from_secs(5), answer)
            .await
            .unwrap_or_else(|_| panic!("{what}: the router did not answer within 5 s"))
            .unwrap_or_else(|e| panic!("{what}: the handler panicked instead of answering: {e}"))
            .unwrap();
        let status = response.status();
        let body = to_bytes(response.into_body(), 64 * 1024).await.unwrap();
        (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
    }

    fn post_note(text: &str) -> Request<Body> {
        let body = json!({ "text": text }).to_string();
        let request = Request::post("/notes").header(CONTENT_TYPE, "application/json");
        request.body(Body::from(body)).unwrap()
    }

    fn get_req(uri: &str) -> Request<Body> {
        Request::get(uri).body(Body::empty()).unwrap()
    }

    fn new_app() -> Router {
        app(Arc::new(MemoryStore::default()))
    }

    #[tokio::test]
    async fn created_note_is_201_and_readable_later() {
        let router = new_app();
        let (status, body) = call(&router, post_note("buy milk")).await;
        assert_eq!(
            status, 201,
            "POST /notes should answer 201 Created, but answered {status}"
        );
        assert_eq!(
            body,
            json!({"id": 1, "text": "buy milk"}),
            "the first note should get id 1"
        );
        let (status, body) = call(&router, get_req("/notes/1")).await;
        assert_eq!(
            status, 200,
            "GET /notes/1 after creating note 1 should answer 200, but answered {status}: is the note kept in the state that all requests share, and looked up by its id?"
        );
        assert_eq!(
            body,
            json!({"id": 1, "text": "buy milk"}),
            "GET /notes/1 should answer the note that was created"
        );
    }

    #[tokio::test]
    async fn every_note_is_found_by_its_id_and_others_are_404() {
        let router = new_app();
        for text in ["first", "second", "third"] {
            call(&router, post_note(text)).await;
        }
        for (id, text) in [(2, "second"), (3, "third"), (1, "first")] {
            let (status, body) = call(&router, get_req(&format!("/notes/{id}"))).await;
            assert_eq!(
                (status.as_u16(), body),
                (200, json!({"id": id, "text": text})),
                "after creating three notes, GET /notes/{id} should answer note {id}"
            );
        }
        for id in ["0", "4", "99", "18446744073709551615"] {
            let (status, _) = call(&router, get_req(&format!("/notes/{id}"))).await;
            assert_eq!(
                status, 404,
                "GET /notes/{id} should answer 404 when there are only notes 1 to 3, \
                 but answered {status}"
            );
        }
    }

    #[tokio::test]
    async fn routers_built_from_one_store_share_its_notes() {
        let store: SharedStore = Arc::new(MemoryStore::default());
        let (first, second) = (app(store.clone()), app(store.clone()));
        call(&first, post_note("shared")).await;
        let (status, _) = call(&second, get_req("/notes/1")).await;
        assert_eq!(
            status, 200,
            "a note created through one router should be visible through another router with the same store, but GET /notes/1 answered {status}"
        );
        assert!(
            store.get(1).is_some(),
            "the store given to app() should hold the created note"
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn concurrent_posts_get_distinct_ids() {
        let router = new_app();
        let mut tasks = Vec::new();
        for i in 0..20 {
            let router = router.clone();
            tasks.push(tokio::spawn(async move {
                call(&router, post_note(&format!("note {i}"))).await
            }));
        }
        let mut ids = Vec::new();
        for task in tasks {
            let (status, body) = task.await.unwrap();
            assert_eq!(
                status, 201,
                "each of 20 concurrent POST /notes should answer 201, but one answered {status}"
            );
            ids.push(body["id"].as_u64().unwrap_or(0));
        }
        ids.sort();
        assert_eq!(
            ids,
            (1..=20).collect::<Vec<u64>>(),
            "20 concurrent POSTs should get the ids 1 to 20, each once"
        );
    }

    /// A store that is not `MemoryStore`: the handlers must only use the trait.
    struct FixedStore;

    impl NoteStore for FixedStore {
        fn add(&self, text: String) -> Note {
            Note { id: 42, text }
        }
        fn get(&self, id: u64) -> Option<Note> {
            (id == 42).then(|| Note {
                id,
                text: "from the fixed store".into(),
            })
        }
    }

    #[tokio::test]
    async fn handlers_use_the_store_from_the_state() {
        let router = app(Arc::new(FixedStore));
        let (status, body) = call(&router, get_req("/notes/42")).await;
        assert_eq!(
            status, 200,
            "GET /notes/42 should answer 200 with FixedStore, but answered {status}"
        );
        assert_eq!(
            body["text"], "from the fixed store",
            "get_note should ask the store in the state, not keep its own notes"
        );
        let (status, body) = call(&router, post_note("x")).await;
        assert_eq!(
            (status.as_u16(), &body["id"]),
            (201, &json!(42)),
            "create_note should answer what store.add returned"
        );
    }

    /// Runs `add("first")` on another thread that pauses right after it
    /// releases the lock for the `pause_at`-th time, runs `add("second")`
    /// during that pause, then lets the first finish. Returns both notes.
    fn add_across_a_pause(pause_at: usize) -> (MemoryStore, Note, Note) {
        use std::sync::mpsc;
        let store = MemoryStore::default();
        let (event_tx, event) = mpsc::channel::<&str>();
        let (resume_tx, resume) = mpsc::channel::<()>();
        let (first, second) = std::thread::scope(|scope| {
            let shared = &store;
            let first = scope.spawn(move || {
                let releases = std::cell::Cell::new(0);
                let paused = event_tx.clone();
                AFTER_UNLOCK.with(|hook| {
                    *hook.borrow_mut() = Some(Box::new(move || {
                        releases.set(releases.get() + 1);
                        if releases.get() == pause_at {
                            paused.send("paused").ok();
                            resume.recv_timeout(Duration::from_secs(5)).ok();
                        }
                    }))
                });
                let note = shared.add("first".to_string());
                AFTER_UNLOCK.with(|hook| hook.borrow_mut().take());
                event_tx.send("done").ok();
                note
            });
            let what = event.recv_timeout(Duration::from_secs(5)).unwrap_or("done");
            let second = shared.add("second".to_string());
            if what == "paused" {
                resume_tx.send(()).ok();
            }
            (first.join().expect("add panicked"), second)
        });
        (store, first, second)
    }

    #[test]
    fn a_request_between_two_locks_cannot_take_the_same_id() {
        for pause_at in 1..=3 {
            let (store, first, second) = add_across_a_pause(pause_at);
            assert_ne!(
                first.id, second.id,
                "note {first:?} was being added when note {second:?} was added in between (after \
                 the first add released the lock {pause_at} time(s)), and both got id {}: picking \
                 the id and storing the note must be one step, under one lock",
                first.id
            );
            let mut ids = [first.id, second.id];
            ids.sort();
            assert_eq!(
                ids,
                [1, 2],
                "two notes added one after another get ids 1 and 2"
            );
            for note in [&first, &second] {
                assert_eq!(
                    store.get(note.id).as_ref(),
                    Some(note),
                    "after adding {first:?} and {second:?}, get({}) should find {note:?}",
                    note.id
                );
            }
        }
    }
}
