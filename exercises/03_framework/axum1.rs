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
async fn get_book() -> Json<Book> {
    todo!("extract the id from the path and answer the book")
}

// GET /search?q=...&limit=...
// TODO: take the parameters from the query string (`q` is required, `limit`
// optional) and answer a `SearchEcho` with the same `q` and the `limit`, or
// 10 only when there is none (a limit the client gives, 0 included, is
// echoed as it is).
async fn search() -> Json<SearchEcho> {
    todo!("extract the query parameters and echo them")
}

// POST /books
// TODO: take the new book from the JSON body and answer 201 Created with the
// book `{ id: 1, title: <the new title> }` as JSON.
async fn create_book() -> (StatusCode, Json<Book>) {
    todo!("extract the JSON body and answer 201")
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

// ---- grading tests: read them, but do not change them ----
#[cfg(test)]
#[path = "../../support/generated.rs"]
mod generated;

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::{Body, to_bytes};
    use axum::http::{Request, header::CONTENT_TYPE};
    use proptest::prelude::*;
    use serde_json::{Value, json};
    use std::time::Duration;
    use tower::ServiceExt;

    struct Reply {
        what: String,
        status: StatusCode,
        content_type: String,
        body: String,
    }

    /// Sends one request to the router, without any socket (`oneshot`).
    async fn call(request: Request<Body>) -> Reply {
        let what = format!("{} {}", request.method(), request.uri());
        let response = tokio::time::timeout(Duration::from_secs(5), app().oneshot(request))
            .await
            .expect("the router did not answer within 5 s")
            .unwrap();
        let status = response.status();
        let content_type = response
            .headers()
            .get(CONTENT_TYPE)
            .map(|v| v.to_str().unwrap_or(""));
        let content_type = content_type.unwrap_or("").to_string();
        let body = to_bytes(response.into_body(), 64 * 1024).await.unwrap();
        let body = String::from_utf8_lossy(&body).into_owned();
        Reply {
            what,
            status,
            content_type,
            body,
        }
    }

    impl Reply {
        fn expect(&self, status: u16, why: &str) {
            assert_eq!(
                self.status.as_u16(),
                status,
                "{} should answer {status} ({why}), but answered {} with body {:?}",
                self.what,
                self.status,
                self.body
            );
        }

        fn json(&self) -> Value {
            assert_eq!(
                self.content_type, "application/json",
                "{} should answer JSON, but the Content-Type was {:?}",
                self.what, self.content_type
            );
            serde_json::from_str(&self.body).expect("the body should be JSON")
        }
    }

    fn get_req(uri: &str) -> Request<Body> {
        Request::get(uri).body(Body::empty()).unwrap()
    }

    fn post_books(content_type: &str, body: &'static str) -> Request<Body> {
        let request = Request::post("/books").header(CONTENT_TYPE, content_type);
        request.body(Body::from(body)).unwrap()
    }

    #[tokio::test]
    async fn book_id_comes_from_the_path() {
        let reply = call(get_req("/books/7")).await;
        reply.expect(200, "book 7");
        assert_eq!(
            reply.json(),
            json!({"id": 7, "title": "Book 7"}),
            "GET /books/7: wrong book"
        );
    }

    #[tokio::test]
    async fn book_id_that_is_not_a_u32_is_400() {
        for id in ["seven", "-1", "7.5", "4294967296"] {
            let why = format!(
                "a book id is a u32 (0 to 4294967295): `{id}` is not one, and the \
                 extractor must reject it instead of the handler guessing a number"
            );
            call(get_req(&format!("/books/{id}")))
                .await
                .expect(400, &why);
        }
    }

    #[tokio::test]
    async fn search_reads_the_query_string() {
        let reply = call(get_req("/search?q=hello%20world&limit=5")).await;
        reply.expect(200, "both parameters are there");
        assert_eq!(
            reply.json(),
            json!({"q": "hello world", "limit": 5}),
            "the parameters should be echoed (Query<T> decodes %20 to a space)"
        );
    }

    #[tokio::test]
    async fn search_limit_defaults_to_10() {
        let reply = call(get_req("/search?q=axum")).await;
        reply.expect(200, "limit is optional");
        assert_eq!(
            reply.json(),
            json!({"q": "axum", "limit": 10}),
            "limit should default to 10"
        );
    }

    #[tokio::test]
    async fn search_with_a_limit_that_is_not_a_number_is_400() {
        for query in ["q=axum&limit=ten", "q=axum&limit=-5"] {
            call(get_req(&format!("/search?{query}"))).await.expect(
                400,
                "limit is optional, but when it is given it must be a number; \
                 silently using the default would hide the client's mistake",
            );
        }
    }

    #[tokio::test]
    async fn search_without_q_is_400() {
        call(get_req("/search?limit=5"))
            .await
            .expect(400, "q is required: Query<SearchParams> rejects it");
    }

    #[tokio::test]
    async fn create_book_answers_201_with_the_book() {
        let reply = call(post_books("application/json", r#"{"title":"Dune"}"#)).await;
        reply.expect(201, "a book was created");
        assert_eq!(
            reply.json(),
            json!({"id": 1, "title": "Dune"}),
            "the new book should be answered"
        );
    }

    #[tokio::test]
    async fn create_book_without_json_content_type_is_415() {
        let reply = call(post_books("text/plain", r#"{"title":"Dune"}"#)).await;
        reply.expect(415, "the body is not declared as application/json");
    }

    #[tokio::test]
    async fn create_book_with_wrong_field_type_is_422() {
        let reply = call(post_books("application/json", r#"{"title":42}"#)).await;
        reply.expect(422, "the JSON is well-formed but title is not a string");
    }

    fn block_on<F: std::future::Future>(future: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(future)
    }

    /// Percent-encodes every byte but ASCII letters and digits.
    fn encode(text: &str) -> String {
        text.bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() {
                    (b as char).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect()
    }

    /// A number as a client may write it in a URL: any u32 (0 and the maximum
    /// often), one past it, or with something around it.
    fn number_text() -> impl Strategy<Value = String> {
        let number = prop_oneof![
            3 => crate::generated::edge_u64(u64::from(u32::MAX)),
            1 => Just(u64::from(u32::MAX) + 1),
            1 => Just(u64::MAX),
        ];
        let around = || {
            prop_oneof![
                6 => Just(""),
                1 => proptest::sample::select(vec![
                    "+", "-", "0", " ", "\t", "\u{a0}", "\u{ff11}", ".0", "x", "e0",
                ]),
            ]
        };
        (around(), number, around()).prop_map(|(a, n, b)| format!("{a}{n}{b}"))
    }

    proptest! {
        #![proptest_config(crate::generated::config(64))]

        /// Any id: what u32's parser accepts is the book, anything else is 400.
        #[test]
        fn any_book_id_is_a_u32_or_400(id in number_text()) {
            let uri = format!("/books/{}", encode(&id));
            let reply = block_on(call(get_req(&uri)));
            match id.parse::<u32>() {
                Ok(n) => {
                    let got: Value = serde_json::from_str(&reply.body).unwrap_or(Value::Null);
                    let want = json!({"id": n, "title": format!("Book {n}")});
                    prop_assert!(
                        reply.status == StatusCode::OK && got == want,
                        "GET {} ({:?} decoded) answered {} {}, but should answer 200 {}: the id \
                         is a u32, 0 to 4294967295",
                        uri, id, reply.status, reply.body, want
                    );
                }
                Err(_) => prop_assert!(
                    reply.status == StatusCode::BAD_REQUEST,
                    "GET {} ({:?} decoded) answered {} {}, but {:?} is not a u32: 400",
                    uri, id, reply.status, reply.body, id
                ),
            }
        }

        /// Any q (any text) and any limit, or none: echoed as they are, 10 only
        /// when there is no limit, 400 when it is not a u32.
        #[test]
        fn any_q_and_limit_are_echoed(
            q in crate::generated::tricky_text(0, 8),
            limit in proptest::option::of(number_text()),
            limit_first in any::<bool>(),
        ) {
            let mut parts = vec![format!("q={}", encode(&q))];
            if let Some(limit) = &limit {
                parts.push(format!("limit={}", encode(limit)));
                if limit_first {
                    parts.reverse();
                }
            }
            let uri = format!("/search?{}", parts.join("&"));
            let reply = block_on(call(get_req(&uri)));
            match limit.as_deref().map(str::parse::<u32>) {
                Some(Err(_)) => prop_assert!(
                    reply.status == StatusCode::BAD_REQUEST,
                    "GET {} answered {} {}, but the limit {:?} is not a u32: 400, never a \
                     default",
                    uri, reply.status, reply.body, limit.unwrap_or_default()
                ),
                parsed => {
                    let n = parsed.map_or(10, |p| p.unwrap_or_default());
                    let got: Value = serde_json::from_str(&reply.body).unwrap_or(Value::Null);
                    let want = json!({"q": q, "limit": n});
                    prop_assert!(
                        reply.status == StatusCode::OK && got == want,
                        "GET {} answered {} {}, but should answer 200 {}: q is echoed as it \
                         is, and the limit the client gives (0 included) is echoed as it is; \
                         10 only when there is no limit",
                        uri, reply.status, reply.body, want
                    );
                }
            }
        }

        /// Any title comes back unchanged.
        #[test]
        fn any_title_is_created(title in crate::generated::tricky_text(0, 10)) {
            let body = json!({"title": title}).to_string();
            let request = Request::post("/books")
                .header(CONTENT_TYPE, "application/json")
                .body(Body::from(body.clone()))
                .unwrap();
            let reply = block_on(call(request));
            let got: Value = serde_json::from_str(&reply.body).unwrap_or(Value::Null);
            let want = json!({"id": 1, "title": title});
            prop_assert!(
                reply.status == StatusCode::CREATED && got == want,
                "POST /books with {} answered {} {}, but should answer 201 {}",
                body, reply.status, reply.body, want
            );
        }
    }
}
