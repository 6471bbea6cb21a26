// wrong: extracts the id as i64 and casts it, so -1 becomes 4294967295
// expect: `-1` is not one
//! # Handlers and extractors
//!
//! axum is a web framework on top of tokio (the async runtime) and hyper (the
//! HTTP implementation). You no longer parse requests yourself as in topic 01:
//! a *handler* is an `async fn`, and each of its parameters is an *extractor*
//! that pulls one piece out of the request and converts it to a Rust type:
//!
//! - `Path<T>`: the parts of the URL path matched by `{name}` in the route,
//! - `Query<T>`: the query string (`?q=rust&limit=5`), percent-decoded and
//!   deserialized with serde into your struct,
//! - `Json<T>`: the request body, parsed as JSON into `T`.
//!
//! When an extractor fails, axum answers for you and your handler never runs:
//! a path segment that is not a number or a missing query field gives
//! 400 Bad Request (RFC 9110 §15.5.1), a body without
//! `Content-Type: application/json` gives 415 Unsupported Media Type (§15.5.16),
//! and well-formed JSON of the wrong shape gives 422 Unprocessable Content
//! (§15.5.21). The return value works the other way round: anything that
//! implements `IntoResponse` — a `String`, a `Json<T>`, a
//! `(StatusCode, Json<T>)` tuple — becomes the response.
//!
//! `Json` reads the body, so it must be the last parameter of a handler.
//!
//! Read more: https://docs.rs/axum/0.8/axum/extract/index.html

use axum::{
    Json, Router,
    extract::{Path, Query},
    http::StatusCode,
    routing::{get, post},
};
use serde::{Deserialize, Serialize};

#[derive(Debug, Serialize)]
struct Book {
    id: u32,
    title: String,
}

#[derive(Debug, Deserialize)]
struct NewBook {
    title: String,
}

#[derive(Debug, Deserialize)]
struct SearchParams {
    q: String,
    limit: Option<u32>,
}

#[derive(Debug, Serialize)]
struct SearchEcho {
    q: String,
    limit: u32,
}

// GET /books/{id}
async fn get_book(Path(id): Path<i64>) -> Json<Book> {
    let id = id as u32;
    Json(Book {
        id,
        title: format!("Book {id}"),
    })
}

// GET /search?q=...&limit=...
async fn search(Query(params): Query<SearchParams>) -> Json<SearchEcho> {
    Json(SearchEcho {
        q: params.q,
        limit: params.limit.unwrap_or(10),
    })
}

// POST /books
async fn create_book(Json(new_book): Json<NewBook>) -> (StatusCode, Json<Book>) {
    let book = Book {
        id: 1,
        title: new_book.title,
    };
    (StatusCode::CREATED, Json(book))
}

fn app() -> Router {
    Router::new()
        .route("/books/{id}", get(get_book))
        .route("/books", post(create_book))
        .route("/search", get(search))
}

#[tokio::main]
async fn main() {
    // Try it: `cargo run --bin axum1`, then `curl -i localhost:3000/books/7`.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:3000")
        .await
        .unwrap();
    println!("listening on http://{}", listener.local_addr().unwrap());
    axum::serve(listener, app()).await.unwrap();
}
