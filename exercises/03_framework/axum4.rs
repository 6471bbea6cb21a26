//! # Middleware: request ids and timing
//!
//! Some work belongs to every request: give it an id, time it, log it.
//! Instead of repeating it in each handler, wrap the router in *middleware*.
//! axum is built on tower: a `Layer` wraps a service (here the router) in a
//! new service that sees each request before the handler and each response
//! after it. The easiest way to write one is an `async fn(Request, Next)`
//! made into a layer with `axum::middleware::from_fn`:
//!
//! ```text
//! async fn mw(req: Request, next: Next) -> Response {
//!     /* before the handler */ let response = next.run(req).await; /* after */ response
//! }
//! ```
//!
//! A request id ties together every log line of one request, across
//! services. `x-request-id` is a common convention, not a standard: a proxy
//! may already have set one, and then the server keeps it; otherwise the
//! server makes one. Either way it is sent back in the response. The client
//! controls that header, so accept only short, plain ids, or an attacker
//! writes what they like into your logs (OWASP Logging Cheat Sheet, "log
//! injection"). Middleware passes data to handlers in the request's
//! *extensions*; a handler reads them with the `Extension<T>` extractor.
//!
//! `Server-Timing: app;dur=1.25` tells the client how many milliseconds the
//! server worked on the request (W3C Server Timing). A fast handler takes a
//! fraction of a millisecond, so say it with the fraction (to the
//! microsecond), not rounded down to a whole `0`. Measure with tokio's
//! `Instant` (imported below): it is `std`'s, except that tests can pause and
//! advance it, so the grading tests know exactly how long a handler took.
//!
//! Read more: https://docs.rs/axum/0.8/axum/middleware/index.html,
//! https://www.w3.org/TR/server-timing/

use axum::{
    Extension, Router,
    extract::Request,
    http::HeaderValue,
    middleware::{self, Next},
    response::Response,
    routing::get,
};
use std::sync::atomic::{AtomicU64, Ordering};
use tokio::time::Instant;

const REQUEST_ID: &str = "x-request-id";

/// The id of the request being handled, put in the extensions by the middleware.
#[derive(Debug, Clone)]
struct RequestId(String);

fn new_request_id() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    format!("req-{}", NEXT.fetch_add(1, Ordering::Relaxed))
}

// TODO: an incoming id is acceptable if it has 1 to 64 characters, each an
// ASCII letter or digit, `-`, `_` or `.`.
fn is_acceptable(id: &str) -> bool {
    todo!("decide whether {id:?} is a safe request id")
}

fn choose_request_id(incoming: Option<&str>) -> String {
    match incoming {
        Some(id) if is_acceptable(id) => id.to_string(),
        _ => new_request_id(),
    }
}

// TODO: finish the middleware; the id is already chosen and given to the
// handlers. Every response, whatever its status, leaves with two headers:
//   x-request-id: <id>
//   server-timing: app;dur=<milliseconds the handler took, with the
//                  fraction to the microsecond, e.g. 1.250 or 0.042>
async fn request_id_and_timing(mut req: Request, next: Next) -> Response {
    let incoming = req.headers().get(REQUEST_ID).and_then(|v| v.to_str().ok());
    let id = choose_request_id(incoming);
    req.extensions_mut().insert(RequestId(id.clone()));

    next.run(req).await
}

// GET /slow: takes at least 25 ms, like a handler waiting for a database.
async fn slow() -> &'static str {
    tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    "done"
}

// GET /hello
async fn hello(Extension(RequestId(id)): Extension<RequestId>) -> String {
    format!("hello, your request id is {id}")
}

fn app() -> Router {
    Router::new()
        .route("/hello", get(hello))
        .route("/slow", get(slow))
        .layer(middleware::from_fn(request_id_and_timing))
}

#[tokio::main]
async fn main() {
    // Try it: `cargo run --bin axum4`, then `curl -i localhost:3000/hello`.
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
    use axum::http::StatusCode;
    use proptest::prelude::*;
    use std::time::Duration;
    use tower::ServiceExt;

    struct Reply {
        status: StatusCode,
        request_id: Option<String>,
        server_timing: Option<String>,
        body: String,
    }

    /// Sends `GET uri` (no socket), with `x-request-id: <incoming>` if given.
    async fn call(uri: &str, incoming: Option<&str>) -> Reply {
        let mut request = Request::get(uri);
        if let Some(id) = incoming {
            request = request.header(REQUEST_ID, id);
        }
        let request = request.body(Body::empty()).unwrap();
        let response = tokio::time::timeout(Duration::from_secs(5), app().oneshot(request))
            .await
            .expect("the router did not answer within 5 s")
            .unwrap();
        let header = |name| {
            response
                .headers()
                .get(name)
                .map(|v| v.to_str().unwrap().to_string())
        };
        let (request_id, server_timing) = (header(REQUEST_ID), header("server-timing"));
        let status = response.status();
        let body = to_bytes(response.into_body(), 64 * 1024).await.unwrap();
        let body = String::from_utf8_lossy(&body).into_owned();
        Reply {
            status,
            request_id,
            server_timing,
            body,
        }
    }

    fn request_id_of(reply: &Reply, what: &str) -> String {
        let id = reply.request_id.clone();
        id.unwrap_or_else(|| {
            panic!(
                "{what}: the response has no x-request-id header (status {}, body {:?})",
                reply.status, reply.body
            )
        })
    }

    #[tokio::test]
    async fn every_response_gets_a_new_request_id() {
        let first = call("/hello", None).await;
        assert_eq!(
            first.status, 200,
            "GET /hello should answer 200, but answered {} with {:?}",
            first.status, first.body
        );
        let (a, b) = (
            request_id_of(&first, "GET /hello"),
            request_id_of(&call("/hello", None).await, "GET /hello"),
        );
        assert!(
            is_acceptable(&a),
            "a new request id should be acceptable itself, but was {a:?}"
        );
        assert_ne!(
            a, b,
            "two requests got the same id {a:?}; each request needs its own"
        );
    }

    #[tokio::test]
    async fn handler_sees_the_id_of_the_response() {
        let reply = call("/hello", None).await;
        let id = request_id_of(&reply, "GET /hello");
        assert_eq!(
            reply.body,
            format!("hello, your request id is {id}"),
            "the handler should see (through Extension<RequestId>) the same id as the x-request-id response header"
        );
    }

    #[tokio::test]
    async fn acceptable_incoming_id_is_kept() {
        let reply = call("/hello", Some("proxy-7f3a.b_2")).await;
        let id = request_id_of(&reply, "GET /hello with x-request-id: proxy-7f3a.b_2");
        assert_eq!(
            id, "proxy-7f3a.b_2",
            "an acceptable incoming x-request-id should be kept, but the response had {id:?}"
        );
        assert_eq!(
            reply.body, "hello, your request id is proxy-7f3a.b_2",
            "the handler should see the incoming id"
        );
    }

    #[test]
    fn acceptable_ids_are_short_plain_ascii() {
        let longest = "b".repeat(64);
        for id in ["a", "proxy-7f3a.b_2", "ABC-123", longest.as_str()] {
            assert!(
                is_acceptable(id),
                "{id:?} ({} characters, all ASCII letters, digits, `-`, `_`, `.`) \
                 should be acceptable: 1 to 64 characters, both ends included",
                id.len()
            );
        }
        let too_long = "c".repeat(65);
        for id in [
            "",
            too_long.as_str(),
            "café",
            "ünïcode",
            "日本",
            "a b",
            "a/b",
            "a\tb",
        ] {
            assert!(
                !is_acceptable(id),
                "{id:?} should not be acceptable: only 1 to 64 ASCII letters, digits, \
                 `-`, `_` and `.` (letters like é or 日 are not ASCII)"
            );
        }
    }

    #[tokio::test]
    async fn unacceptable_incoming_ids_are_replaced() {
        let too_long = "a".repeat(65);
        for incoming in ["", "has space", "quote\"s", "a;b=c", too_long.as_str()] {
            let reply = call("/hello", Some(incoming)).await;
            let id = request_id_of(
                &reply,
                &format!("GET /hello with x-request-id: {incoming:?}"),
            );
            assert_ne!(
                id, incoming,
                "the incoming x-request-id {incoming:?} is not acceptable and should be replaced by a new id"
            );
            assert!(
                is_acceptable(&id),
                "the replacement id should be acceptable, but was {id:?}"
            );
        }
    }

    #[tokio::test]
    async fn server_timing_reports_milliseconds() {
        let reply = call("/hello", None).await;
        let timing = reply
            .server_timing
            .expect("the response should have a server-timing header");
        let millis = timing
            .strip_prefix("app;dur=")
            .and_then(|ms| ms.parse::<f64>().ok());
        let millis = millis.unwrap_or_else(|| {
            panic!("server-timing should look like \"app;dur=0.125\", but was {timing:?}")
        });
        assert!(
            (0.0..5000.0).contains(&millis),
            "server-timing says the request took {millis} ms, which cannot be right"
        );
        let reply = call("/slow", None).await;
        let timing = reply.server_timing.unwrap_or_default();
        let millis = timing
            .strip_prefix("app;dur=")
            .and_then(|ms| ms.parse().ok());
        assert!(
            millis.is_some_and(|ms: f64| (25.0..5000.0).contains(&ms)),
            "GET /slow takes at least 25 ms, so server-timing should say app;dur=25 or \
             more (milliseconds, measured around the whole handler), but it was {timing:?}"
        );
    }

    #[tokio::test]
    async fn unknown_routes_get_the_headers_too() {
        let reply = call("/nope", Some("lost-1")).await;
        assert_eq!(
            reply.status, 404,
            "GET /nope should answer 404, but answered {}",
            reply.status
        );
        assert_eq!(
            reply.request_id.as_deref(),
            Some("lost-1"),
            "the middleware should also wrap the 404 answer and add its headers whatever \
             the status (use Router::layer, not route_layer)"
        );
        assert!(
            reply.server_timing.is_some(),
            "the 404 answer should have a server-timing header too"
        );
        let reply = call("/nope", None).await;
        let id = request_id_of(&reply, "GET /nope without an id");
        assert!(
            is_acceptable(&id),
            "a 404 gets a new request id too, but it was {id:?}"
        );
    }

    /// The rule as a reference: 1 to 64 characters, each an ASCII letter or
    /// digit, `-`, `_` or `.`.
    fn acceptable(id: &str) -> bool {
        let allowed = |c: char| c.is_ascii_alphanumeric() || "-_.".contains(c);
        (1..=64).contains(&id.chars().count()) && id.chars().all(allowed)
    }

    /// An id of 0 to 66 characters: mostly allowed ones, sometimes anything.
    fn any_id() -> impl Strategy<Value = String> {
        let allowed = prop_oneof![
            proptest::char::range('a', 'z'),
            proptest::char::range('A', 'Z'),
            proptest::char::range('0', '9'),
            proptest::sample::select(vec!['-', '_', '.']),
        ];
        let other = prop_oneof![
            crate::generated::tricky_char(),
            proptest::sample::select(vec![' ', '"', ';', '=', '/', ':', '+', '%', '~', '\u{7f}']),
        ];
        let len = prop_oneof![
            Just(0usize),
            Just(1),
            Just(63),
            Just(64),
            Just(65),
            0usize..=66
        ];
        (
            len,
            proptest::collection::vec((0u8..12, allowed, other), 66),
        )
            .prop_map(|(len, picks)| {
                picks
                    .into_iter()
                    .take(len)
                    .map(|(p, a, o)| if p == 0 { o } else { a })
                    .collect()
            })
    }

    fn paused_runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .start_paused(true)
            .build()
            .unwrap()
    }

    proptest! {
        #![proptest_config(crate::generated::config(192))]

        /// Any id, at and around the length limits, with any characters.
        #[test]
        fn any_id_is_judged_by_the_rule(id in any_id()) {
            prop_assert_eq!(
                is_acceptable(&id),
                acceptable(&id),
                "is_acceptable({:?}) ({} characters) was {}, but an id is acceptable exactly \
                 when it has 1 to 64 characters, each an ASCII letter or digit, `-`, `_` or `.`",
                id, id.chars().count(), is_acceptable(&id)
            );
        }

        /// Any incoming header: kept exactly when acceptable, else replaced by
        /// a new acceptable id.
        #[test]
        fn any_incoming_id_is_kept_only_when_acceptable(id in any_id()) {
            let Ok(value) = HeaderValue::from_bytes(id.as_bytes()) else {
                return Ok(()); // not sendable as a header value at all
            };
            let request = Request::get("/hello").header(REQUEST_ID, value).body(Body::empty()).unwrap();
            let response = paused_runtime().block_on(app().oneshot(request)).unwrap();
            let got = response.headers().get(REQUEST_ID).and_then(|v| v.to_str().ok()).map(str::to_string);
            let got = got.unwrap_or_default();
            if acceptable(&id) {
                prop_assert_eq!(&got, &id, "the acceptable incoming x-request-id {:?} should be kept", id);
            } else {
                prop_assert!(
                    got != id && acceptable(&got),
                    "the incoming x-request-id {:?} is not acceptable, so it should be replaced \
                     by a new acceptable id, but the response had {:?}", id, got
                );
            }
        }

        /// Any handler time, with sub-millisecond parts: server-timing says it in
        /// milliseconds, to the microsecond. (Tokio's clock is paused and the
        /// handler advances it by exactly that long.)
        #[test]
        fn server_timing_is_exact_to_the_microsecond(
            took in crate::generated::duration_up_to(Duration::from_secs(30)),
        ) {
            let router = Router::new()
                .route("/work", get(move || async move {
                    tokio::time::advance(took).await;
                    "done"
                }))
                .layer(middleware::from_fn(request_id_and_timing));
            let request = Request::get("/work").body(Body::empty()).unwrap();
            let response = paused_runtime().block_on(router.oneshot(request)).unwrap();
            let timing = response
                .headers()
                .get("server-timing")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("(none)")
                .to_string();
            let want = took.as_secs_f64() * 1000.0;
            let said = timing.strip_prefix("app;dur=").and_then(|ms| ms.parse::<f64>().ok());
            prop_assert!(
                said.is_some_and(|ms| (ms - want).abs() <= 0.001 + want * 1e-12),
                "the handler took {:?} ({:.6} ms), but server-timing was {:?}: it should be \
                 app;dur=<milliseconds>, with the fraction, to the microsecond (e.g. {:.3}), \
                 measured with tokio::time::Instant",
                took, want, timing, want
            );
        }
    }
}
