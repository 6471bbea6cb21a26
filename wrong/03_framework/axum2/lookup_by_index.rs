// wrong: looks a note up by its position in the Vec (id - 1), which panics for id 0
// expect: GET /notes/0: the handler panicked
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
        notes.get(id as usize - 1).cloned()
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
