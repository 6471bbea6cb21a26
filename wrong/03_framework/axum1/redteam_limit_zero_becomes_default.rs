// wrong: limit=0 is treated like no limit and echoed as 10
// expect: 0 included
// expect: 10 only when there is no limit
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
// TODO: take the id from the path, as a `u32`: an id that is not one must
// never reach this handler. Answer `Book { id, title: "Book <id>" }` as JSON,
// e.g. "Book 7".
async fn get_book(Path(id): Path<u32>) -> Json<Book> {
    Json(Book {
        id,
        title: format!("Book {id}"),
    })
}

// GET /search?q=...&limit=...
// TODO: take the parameters from the query string (`q` is required, `limit`
// optional) and answer a `SearchEcho` with the same `q` and the `limit`, or
// 10 when there is none.
async fn search(Query(params): Query<SearchParams>) -> Json<SearchEcho> {
    // 0 makes no sense as a limit: fall back to the default.
    let limit = params.limit.filter(|&limit| limit > 0).unwrap_or(10);
    Json(SearchEcho { q: params.q, limit })
}

// POST /books
// TODO: take the new book from the JSON body and answer 201 Created with the
// book `{ id: 1, title: <the new title> }` as JSON.
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
