//! # A span per request
//!
//! A busy server interleaves the log lines of hundreds of requests. To read
//! what happened to *one* of them, every line must say which request it
//! belongs to. With the `tracing` crate you do not add the id to every line
//! by hand: you open a **span**, a period of work with its own fields, and
//! every event (`info!`, `error!`, ...) emitted inside it is recorded with
//! the span's fields.
//!
//! ```text
//! let span = tracing::info_span!("request", request_id = %id, method = %method);
//! async { /* all the work of the request */ }.instrument(span).await
//! ```
//!
//! `%value` records a field with `Display`, `?value` with `Debug` (a
//! `String` then gets quotes around it). In async code a span must follow
//! the *future*, not the thread: `Instrument::instrument` enters the span
//! each time the future is polled and leaves it when the future waits, so
//! two requests served by one thread never see each other's span.
//!
//! Data goes into **fields**, not into the message: `info!(user_id, "loading
//! user")` rather than `info!("loading user {user_id}")`. A log pipeline can
//! then search and count by `user_id`, and the message stays a constant that
//! groups all such lines.
//!
//! Read more: https://docs.rs/tracing/0.1/tracing/#spans,
//! https://docs.rs/tracing/0.1/tracing/trait.Instrument.html,
//! https://cheatsheetseries.owasp.org/cheatsheets/Logging_Cheat_Sheet.html

use axum::{
    Router,
    extract::{Path, Request},
    http::HeaderValue,
    middleware::{self, Next},
    response::Response,
    routing::get,
};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tracing::{Instrument, info};

const REQUEST_ID: &str = "x-request-id";

/// Keeps a proxy's id if it is 1 to 64 ASCII letters, digits, `-`, `_` or
/// `.` (anything else could write what it likes into the logs); otherwise
/// makes a new one.
fn choose_request_id(incoming: Option<&str>) -> String {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    let acceptable = |id: &str| {
        (1..=64).contains(&id.len())
            && id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
    };
    match incoming {
        Some(id) if acceptable(id) => id.to_string(),
        _ => format!("req-{}", NEXT.fetch_add(1, Ordering::Relaxed)),
    }
}

// Every event of a request, from the handler's to "request finished", is
// recorded inside one span named "request" with the fields `request_id`,
// `method` and `path`, all recorded with Display.
async fn trace_requests(req: Request, next: Next) -> Response {
    let incoming = req.headers().get(REQUEST_ID).and_then(|v| v.to_str().ok());
    let id = choose_request_id(incoming);
    let span = tracing::info_span!(
        "request",
        request_id = %id,
        method = %req.method(),
        path = %req.uri().path(),
    );
    async move {
        let mut response = next.run(req).await;
        info!(status = response.status().as_u16(), "request finished");
        let value = HeaderValue::from_str(&id).expect("an acceptable id is a valid header");
        response.headers_mut().insert(REQUEST_ID, value);
        response
    }
    .instrument(span)
    .await
}

/// The database takes 10 ms per id: a slow query.
// not graded: a stand-in for a slow database; the tests only need requests to overlap
fn query_time(user_id: u64) -> Duration {
    Duration::from_millis(10 * user_id)
}

// GET /users/{id}: the message is a constant; the user id is a field.
async fn get_user(Path(user_id): Path<u64>) -> String {
    info!(user_id, "loading user");
    tokio::time::sleep(query_time(user_id)).await;
    info!(user_id, "user loaded");
    format!("user {user_id}")
}

fn app() -> Router {
    Router::new()
        .route("/users/{id}", get(get_user))
        .layer(middleware::from_fn(trace_requests))
}

// not graded: a demo server on port 3000 logging to stdout; the tests call `app` with a captured subscriber
#[tokio::main]
async fn main() {
    // Try it: `cargo run --bin obs1`, then `curl -i localhost:3000/users/7`.
    tracing_subscriber::fmt().json().init();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:3000")
        .await
        .unwrap();
    eprintln!("listening on http://{}", listener.local_addr().unwrap());
    axum::serve(listener, app()).await.unwrap();
}

// ---- grading tests: read them, but do not change them ----
#[cfg(test)]
#[path = "../../support/generated.rs"]
mod generated;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generated::tricky_text;
    use axum::body::Body;
    use proptest::prelude::*;
    use serde_json::Value;
    use std::io::Write;
    use std::sync::{Arc, Mutex};
    use tower::ServiceExt;

    /// Every log line written while the test runs, one JSON object a line.
    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl Write for Captured {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
        type Writer = Captured;
        fn make_writer(&'a self) -> Captured {
            self.clone()
        }
    }

    impl Captured {
        fn events(&self) -> Vec<Value> {
            let bytes = self.0.lock().unwrap().clone();
            let text = String::from_utf8(bytes).unwrap();
            text.lines()
                .map(|line| serde_json::from_str(line).expect("a log line is JSON"))
                .collect()
        }
    }

    /// Sends the requests (no socket) at the same time, `(uri, x-request-id)`,
    /// and answers the response ids and every event logged meanwhile.
    async fn send(requests: &[(&str, Option<&str>)]) -> (Vec<String>, Vec<Value>) {
        let requests: Vec<(&str, &str, Option<&[u8]>)> = requests
            .iter()
            .map(|&(uri, id)| ("GET", uri, id.map(str::as_bytes)))
            .collect();
        send_raw(&requests).await
    }

    /// Like `send`, with any method and any bytes as the incoming id.
    async fn send_raw(requests: &[(&str, &str, Option<&[u8]>)]) -> (Vec<String>, Vec<Value>) {
        let captured = Captured::default();
        let subscriber = tracing_subscriber::fmt()
            .json()
            .with_current_span(true)
            .with_span_list(true)
            .without_time()
            .with_max_level(tracing::Level::TRACE)
            .with_writer(captured.clone())
            .finish();
        let _default = tracing::subscriber::set_default(subscriber);
        let calls = requests.iter().map(|&(method, uri, incoming)| {
            let mut request = Request::builder().method(method).uri(uri);
            if let Some(id) = incoming {
                let value = HeaderValue::from_bytes(id).expect("a header value");
                request = request.header(REQUEST_ID, value);
            }
            app().oneshot(request.body(Body::empty()).unwrap())
        });
        let mut ids = Vec::new();
        for call in calls.collect::<Vec<_>>() {
            // Started one after another, but all run at once below.
            ids.push(tokio::spawn(call));
        }
        let mut response_ids = Vec::new();
        for task in ids {
            let response = task.await.unwrap().unwrap();
            let id = response.headers().get(REQUEST_ID);
            let id = id.map(|v| v.to_str().unwrap().to_string());
            response_ids.push(id.unwrap_or_default());
        }
        (response_ids, captured.events())
    }

    fn message(event: &Value) -> &str {
        event["fields"]["message"].as_str().unwrap_or("")
    }

    /// The fields of the "request" span that `event` was recorded in.
    fn request_span<'a>(event: &'a Value) -> &'a Value {
        let spans = event["spans"].as_array();
        let span = spans.and_then(|s| s.iter().find(|span| span["name"] == "request"));
        span.unwrap_or_else(|| {
            panic!(
                "the event {:?} was not recorded inside a span named \"request\": \
                 every event of a request must happen inside that request's span \
                 (the whole logged line: {event})",
                message(event)
            )
        })
    }

    fn check_event(event: &Value, request_id: &str, path: &str) {
        check_event_of(event, "GET", request_id, path)
    }

    fn check_event_of(event: &Value, method: &str, request_id: &str, path: &str) {
        let span = request_span(event);
        let what = format!("the event {:?} of {method} {path}", message(event));
        for (field, want) in [
            ("request_id", request_id),
            ("method", method),
            ("path", path),
        ] {
            let got = &span[field];
            let quoted = got.as_str().is_some_and(|v| v.starts_with('"'));
            let advice = match quoted {
                true => " (record the fields with % for Display: ? for Debug adds quotes)",
                false => "",
            };
            assert!(
                *got == want,
                "{what} should be in a span with {field}={want:?}, but the span's {field} \
                 was {got}{advice}. The whole span: {span}"
            );
        }
    }

    #[tokio::test(start_paused = true)]
    async fn every_event_of_a_request_carries_its_id() {
        // The query is not part of the path: it can carry anything, tokens too.
        let (ids, events) = send(&[("/users/7?verbose=1", Some("abc-123"))]).await;
        assert_eq!(
            ids[0], "abc-123",
            "an acceptable incoming x-request-id is kept"
        );
        let messages: Vec<&str> = events.iter().map(message).collect();
        assert_eq!(
            messages,
            ["loading user", "user loaded", "request finished"],
            "GET /users/7?verbose=1 should log exactly these three events, in this order"
        );
        for event in &events {
            check_event(event, "abc-123", "/users/7");
        }
    }

    #[tokio::test(start_paused = true)]
    async fn data_goes_into_fields_not_into_the_message() {
        let (_, events) = send(&[("/users/7", None)]).await;
        assert_eq!(events.len(), 3, "GET /users/7 should log exactly 3 events");
        for event in &events[..2] {
            let text = message(event);
            assert!(
                text == "loading user" || text == "user loaded",
                "the handler's messages should be the constants \"loading user\" and \
                 \"user loaded\", with the user id in a field, but one was {text:?}"
            );
            assert_eq!(
                event["fields"]["user_id"], 7,
                "the event {text:?} should have the field user_id=7 (a number), but its \
                 fields were {}",
                event["fields"]
            );
        }
        let finished = &events[2];
        assert_eq!(
            finished["fields"]["status"], 200,
            "\"request finished\" should have the field status=200, but its fields were {}",
            finished["fields"]
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_missing_or_unacceptable_id_is_replaced() {
        let too_long = "a".repeat(65);
        let (ids, events) = send(&[
            ("/users/1", None),
            ("/users/2", Some("has space")),
            ("/users/3", Some(too_long.as_str())),
        ])
        .await;
        for (n, id) in ids.iter().enumerate() {
            let path = format!("/users/{}", n + 1);
            assert!(
                id.starts_with("req-"),
                "GET {path} had no acceptable x-request-id, so it should get a new one, \
                 but the response had {id:?}"
            );
            let mine = events.iter().filter(|e| request_span(e)["path"] == path);
            assert_eq!(mine.clone().count(), 3, "GET {path} should log 3 events");
            for event in mine {
                check_event(event, id, &path);
            }
        }
    }

    #[tokio::test(start_paused = true)]
    async fn concurrent_requests_do_not_mix() {
        // The first request waits 10 ms for its user, the second 20 ms: their
        // events interleave, and each must keep its own request's span.
        let requests = [
            ("/users/1", Some("first")),
            ("/users/2", Some("second")),
            ("/users/3", Some("third")),
        ];
        let (_, events) = send(&requests).await;
        let order: Vec<&Value> = events.iter().map(|e| &e["fields"]["user_id"]).collect();
        assert_eq!(
            order[..3],
            [1, 2, 3],
            "the three requests should run at the same time: first the three \"loading \
             user\" events, each with its user_id field"
        );
        for (path, id) in requests {
            let user_id: u64 = path["/users/".len()..].parse().unwrap();
            let mine = events.iter().filter(|e| e["fields"]["user_id"] == user_id);
            assert_eq!(mine.clone().count(), 2);
            for event in mine {
                check_event(event, id.unwrap(), path);
            }
        }
        let finished = events.iter().filter(|e| message(e) == "request finished");
        let ids: Vec<&Value> = finished.map(|e| &request_span(e)["request_id"]).collect();
        assert_eq!(
            ids,
            ["first", "second", "third"],
            "each \"request finished\" event should be in its own request's span"
        );
    }

    /// The rule `choose_request_id` follows, written again: 1 to 64 ASCII
    /// letters, digits, `-`, `_` or `.`.
    fn acceptable(id: &[u8]) -> bool {
        (1..=64).contains(&id.len())
            && id
                .iter()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(b))
    }

    /// Percent-encodes everything but ASCII letters and digits.
    fn encode(text: &str) -> String {
        let mut out = String::new();
        for byte in text.bytes() {
            match byte {
                b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' => out.push(byte as char),
                _ => out.push_str(&format!("%{byte:02X}")),
            }
        }
        out
    }

    fn incoming_id() -> impl Strategy<Value = Option<Vec<u8>>> {
        let good = proptest::sample::select(b"aZ09-_.".to_vec());
        prop_oneof![
            1 => Just(None),
            2 => proptest::collection::vec(good, 1..=64).prop_map(Some),
            1 => proptest::collection::vec(b'a'..=b'z', 65..=70).prop_map(Some),
            2 => tricky_text(1, 8).prop_map(|t| Some(t.into_bytes())),
        ]
        .prop_filter("a header value", |id| {
            id.as_ref()
                .is_none_or(|id| HeaderValue::from_bytes(id).is_ok())
        })
    }

    proptest! {
        #![proptest_config(crate::generated::config(48))]

        /// Any method, any user, any query, any incoming id: every event of the
        /// request is in its span, with the method sent, the path without the
        /// query and the id the response carries.
        #[test]
        fn any_request_is_traced_in_its_own_span(
            method in proptest::sample::select(vec!["GET", "POST", "DELETE", "PATCH", "PURGE"]),
            user in 0u64..100,
            query in proptest::option::of(tricky_text(0, 10)),
            incoming in incoming_id(),
        ) {
            let path = format!("/users/{user}");
            let uri = match &query {
                Some(query) => format!("{path}?q={}", encode(query)),
                None => path.clone(),
            };
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_time()
                .start_paused(true)
                .build()
                .unwrap();
            let (ids, events) =
                runtime.block_on(send_raw(&[(method, &uri, incoming.as_deref())]));
            let id = &ids[0];
            let shown = incoming.as_deref().map(String::from_utf8_lossy);
            match incoming.as_deref() {
                Some(raw) if acceptable(raw) => prop_assert_eq!(
                    id.as_bytes(),
                    raw,
                    "{} {} with the acceptable x-request-id {:?}: the response should keep it",
                    method, uri, shown
                ),
                _ => prop_assert!(
                    id.starts_with("req-"),
                    "{} {} with x-request-id {:?} (not acceptable): the response should carry \\
                     a new id req-<n>, but carried {:?}",
                    method, uri, shown, id
                ),
            }
            let want = if method == "GET" { 3 } else { 1 };
            prop_assert_eq!(
                events.len(),
                want,
                "{} {} should log {} event(s) (a method other than GET is answered 405 \\
                 without running the handler), but logged: {:?}",
                method, uri, want, events.iter().map(message).collect::<Vec<_>>()
            );
            for event in &events {
                check_event_of(event, method, id, &path);
            }
        }
    }
}
