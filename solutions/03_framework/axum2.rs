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
//! guard across an `.await`.
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
use std::sync::{Arc, Mutex};

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
    notes: Mutex<Vec<Note>>,
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
}
