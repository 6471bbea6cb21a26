//! # Trace context across services
//!
//! One click in a shop can cross five services, and each logs its own lines.
//! To follow the click you need one id that all of them log: the **trace
//! id**. The W3C Trace Context standard says how it travels, in one header:
//!
//! ```text
//! traceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01
//!      version ^^ trace-id (32 hex digits)       parent-id (16)   ^^ flags
//! ```
//!
//! - The **trace id** names the whole journey: keep the one you receive, put
//!   it in your logs (a field of the request's span), and send it on.
//! - The **parent id** is the id of the caller's span. Your own work is a new
//!   span with a new random id (16 hex digits), and your outbound calls carry
//!   *that* id as their parent, so a tracing backend can draw the tree.
//! - **flags**: bit 0 (`01`) means "sampled", the caller records this trace.
//!   Keep that bit; send the bits you do not know as zero.
//!
//! The header comes from outside, so it is parsed strictly (§3.2): lowercase
//! hex only, exactly 2-32-16-2 digits joined by `-`; an all-zero trace id or
//! parent id is invalid, and so is version `ff`. Version `00` has exactly
//! these four fields. A higher version may add more after them: read the
//! first four in the same way and allow more only after a `-` (§3.2.4).
//! Anything else is no trace context at all: start a new trace (a new random
//! trace id of 32 hex digits, sampled) and never pass the bad value on. A
//! random id is never all zero either.
//!
//! Read more: https://www.w3.org/TR/trace-context/#traceparent-header,
//! https://www.w3.org/TR/trace-context/#versioning-of-traceparent,
//! https://opentelemetry.io/docs/concepts/context-propagation/

use axum::{
    Router,
    extract::{Path, State},
    http::{HeaderMap, Request},
    routing::get,
};
use rand::{RngCore, SeedableRng};
use std::sync::{Arc, Mutex};
use tracing::info;

const TRACEPARENT: &str = "traceparent";

/// What a valid incoming `traceparent` says.
#[derive(Debug, Clone, PartialEq)]
struct TraceParent {
    trace_id: String,
    parent_id: String,
    sampled: bool,
}

// TODO: read a `traceparent` value by the rules of W3C Trace Context §3.2
// and §3.2.4 (the lesson sums them up): answer `None` for anything that is
// not valid. `sampled` is bit 0 of the flags.
fn parse_traceparent(value: &str) -> Option<TraceParent> {
    todo!()
}

// TODO: `bytes` random bytes from `rng`, written as lowercase hex (two
// digits per byte), and never all zero.
fn new_id(rng: &mut dyn RngCore, bytes: usize) -> String {
    todo!()
}

/// The stock service this one calls.
trait Upstream: Send + Sync {
    fn call(&self, request: Request<()>) -> u32;
}

#[derive(Clone)]
struct AppState {
    rng: Arc<Mutex<Box<dyn RngCore + Send>>>,
    upstream: Arc<dyn Upstream>,
}

// GET /orders/{id}
// TODO: continue the caller's trace. Keep the trace id and the sampled flag
// of a valid incoming traceparent, or else start a new trace (new trace id,
// sampled). Give this request's work a new span id. Log every event inside
// a span named "request" with the fields `trace_id` and `span_id`
// (Display). Send the stock service a version-00 traceparent with this
// trace id, this span's id as parent, and the sampled flag. A header that
// is not valid is never sent on.
async fn get_order(
    State(state): State<AppState>,
    Path(id): Path<u64>,
    headers: HeaderMap,
) -> String {
    info!(order_id = id, "checking stock");
    let mut request = Request::get(format!("http://stock.internal/stock/{id}"));
    if let Some(incoming) = headers.get(TRACEPARENT) {
        request = request.header(TRACEPARENT, incoming);
    }
    let stock = state.upstream.call(request.body(()).unwrap());
    info!(order_id = id, stock, "order checked");
    format!("order {id}: {stock} in stock")
}

fn app(rng: Box<dyn RngCore + Send>, upstream: Arc<dyn Upstream>) -> Router {
    let state = AppState {
        rng: Arc::new(Mutex::new(rng)),
        upstream,
    };
    Router::new()
        .route("/orders/{id}", get(get_order))
        .with_state(state)
}

/// Prints what would be sent, and answers 3.
struct PrintingUpstream;

impl Upstream for PrintingUpstream {
    fn call(&self, request: Request<()>) -> u32 {
        println!(
            "{} {} {:?}",
            request.method(),
            request.uri(),
            request.headers()
        );
        3
    }
}

#[tokio::main]
async fn main() {
    // Try it: `cargo run --bin obs6`, then `curl -i localhost:3000/orders/7 -H
    // 'traceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'`.
    tracing_subscriber::fmt().json().with_span_list(true).init();
    let rng: Box<dyn RngCore + Send> = Box::new(rand::rngs::StdRng::from_entropy());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:3000")
        .await
        .unwrap();
    println!("listening on http://{}", listener.local_addr().unwrap());
    axum::serve(listener, app(rng, Arc::new(PrintingUpstream)))
        .await
        .unwrap();
}

// ---- grading tests: read them, but do not change them ----
#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use rand::rngs::StdRng;
    use serde_json::Value;
    use std::io::Write;
    use tower::ServiceExt;

    const TRACE: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
    const PARENT: &str = "00f067aa0ba902b7";

    fn tp(version: &str, trace: &str, parent: &str, flags: &str) -> String {
        format!("{version}-{trace}-{parent}-{flags}")
    }

    fn parse(value: &str) -> Option<TraceParent> {
        let parsed = std::panic::catch_unwind(|| parse_traceparent(value));
        parsed.unwrap_or_else(|_| {
            panic!(
                "parse_traceparent panicked on {value:?}: a header comes from outside and may \
                 hold anything; check its bytes before slicing it"
            )
        })
    }

    #[test]
    fn a_valid_traceparent_is_read() {
        let cases = [
            (tp("00", TRACE, PARENT, "01"), true, "version 00, sampled"),
            (
                tp("00", TRACE, PARENT, "00"),
                false,
                "version 00, not sampled",
            ),
            (
                tp("00", TRACE, PARENT, "09"),
                true,
                "flags 09: bit 0 is set",
            ),
            (
                tp("00", TRACE, PARENT, "fe"),
                false,
                "flags fe: bit 0 is not set",
            ),
            (tp("01", TRACE, PARENT, "01"), true, "a higher version"),
            (
                tp("cc", TRACE, PARENT, "00") + "-what-ever",
                false,
                "a higher version with more fields after a '-' (§3.2.4)",
            ),
        ];
        for (value, sampled, what) in cases {
            let want = TraceParent {
                trace_id: TRACE.to_string(),
                parent_id: PARENT.to_string(),
                sampled,
            };
            assert_eq!(
                parse(&value),
                Some(want),
                "parse_traceparent({value:?}) should read it ({what}): sampled is bit 0 of \
                 the flags (W3C Trace Context §3.2)"
            );
        }
    }

    #[test]
    fn an_invalid_traceparent_is_refused() {
        let upper = TRACE.to_uppercase();
        let cases = [
            (
                tp("00", &upper, PARENT, "01"),
                "its trace id is uppercase hex: only lowercase is valid",
            ),
            (
                tp("00", TRACE, "00F067AA0BA902B7", "01"),
                "its parent id is uppercase hex: only lowercase is valid",
            ),
            (
                tp("00", TRACE, PARENT, "0A"),
                "its flags are uppercase hex: only lowercase is valid",
            ),
            (
                tp("00", &TRACE[1..], PARENT, "01"),
                "its trace id has 31 hex digits, not 32",
            ),
            (
                tp("00", &format!("{TRACE}a"), PARENT, "01"),
                "its trace id has 33 hex digits, not 32",
            ),
            (
                tp("00", TRACE, &PARENT[1..], "01"),
                "its parent id has 15 hex digits, not 16",
            ),
            (
                tp("00", TRACE, &format!("{PARENT}a"), "01"),
                "its parent id has 17 hex digits, not 16",
            ),
            (
                tp("00", TRACE, PARENT, "1"),
                "its flags have 1 hex digit, not 2",
            ),
            (
                tp("00", TRACE, PARENT, "001"),
                "its flags have 3 hex digits, not 2",
            ),
            (
                tp("00", &"0".repeat(32), PARENT, "01"),
                "an all-zero trace id is invalid",
            ),
            (
                tp("00", TRACE, &"0".repeat(16), "01"),
                "an all-zero parent id is invalid",
            ),
            (tp("ff", TRACE, PARENT, "01"), "version ff is invalid"),
            (tp("0g", TRACE, PARENT, "01"), "its version is not hex"),
            (
                tp("00", TRACE, PARENT, "01") + "-extra",
                "version 00 has exactly four fields: no extra field",
            ),
            (
                tp("00", TRACE, PARENT, "01") + "-",
                "version 00 has exactly four fields: nothing after the flags",
            ),
            (
                tp("00", "4bf92f3577b34da6a3ce929d0e0e473g", PARENT, "01"),
                "its trace id holds a 'g', which is not hex",
            ),
            (
                tp("00", "+bf92f3577b34da6a3ce929d0e0e4736", PARENT, "01"),
                "its trace id starts with '+', which is not hex",
            ),
            (
                tp("00", "4bf92f3577b34da6a3ce929d0e0e473é", PARENT, "01"),
                "its trace id holds an 'é'",
            ),
            (
                format!("00_{TRACE}_{PARENT}_01"),
                "its fields are separated by '_', not '-'",
            ),
            (
                tp("01", TRACE, PARENT, "01") + "x",
                "in a higher version, more may follow the flags only after a '-' (§3.2.4)",
            ),
            (
                tp("01", TRACE, PARENT, "0"),
                "a higher version needs the four fields too: its flags have 1 hex digit",
            ),
            (
                tp("01", &"0".repeat(32), PARENT, "01"),
                "an all-zero trace id is invalid in every version",
            ),
            (String::new(), "it is empty"),
        ];
        for (value, why) in cases {
            let parsed = parse(&value);
            assert!(
                parsed.is_none(),
                "parse_traceparent({value:?}) answered {parsed:?}, but {why} (W3C Trace \
                 Context §3.2): it should answer None, so that a new trace starts"
            );
        }
    }

    /// The stock service: records each request it receives.
    #[derive(Default)]
    struct Recorder(Mutex<Vec<Request<()>>>);

    impl Upstream for Recorder {
        fn call(&self, request: Request<()>) -> u32 {
            self.0.lock().unwrap().push(request);
            3
        }
    }

    /// Answers bytes from a script, then blocks of 8 that start with zeros.
    struct Scripted(Vec<u8>, u8);

    impl RngCore for Scripted {
        fn next_u32(&mut self) -> u32 {
            let mut b = [0; 4];
            self.fill_bytes(&mut b);
            u32::from_be_bytes(b)
        }
        fn next_u64(&mut self) -> u64 {
            let mut b = [0; 8];
            self.fill_bytes(&mut b);
            u64::from_be_bytes(b)
        }
        fn fill_bytes(&mut self, dest: &mut [u8]) {
            for byte in dest {
                if self.0.is_empty() {
                    self.1 = self.1.wrapping_add(1);
                    self.0 = vec![self.1, 0x4d, 0x3c, 0x2b, 0x1a, 0, 0, 0];
                }
                *byte = self.0.pop().unwrap();
            }
        }
        fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand::Error> {
            self.fill_bytes(dest);
            Ok(())
        }
    }

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

    /// What one request did: the traceparent values of its call to the stock
    /// service, its log lines (JSON) and the whole log text.
    struct Served {
        sent: Vec<String>,
        events: Vec<Value>,
        log: String,
    }

    /// Sends GET /orders/7 once for each incoming header (None: no header).
    async fn serve(rng: Box<dyn RngCore + Send>, incoming: &[Option<&str>]) -> Vec<Served> {
        let recorder = Arc::new(Recorder::default());
        let app = app(rng, recorder.clone());
        let mut served = Vec::new();
        for header in incoming {
            let captured = Captured::default();
            let subscriber = tracing_subscriber::fmt()
                .json()
                .with_span_list(true)
                .without_time()
                .with_writer(captured.clone())
                .finish();
            let _default = tracing::subscriber::set_default(subscriber);
            let mut request = Request::get("/orders/7");
            if let Some(value) = header {
                request = request.header(TRACEPARENT, *value);
            }
            let request = request.body(Body::empty()).unwrap();
            let response = app.clone().oneshot(request).await.unwrap();
            assert_eq!(response.status(), 200, "GET /orders/7 should answer 200");
            let mut calls = recorder.0.lock().unwrap();
            assert_eq!(
                calls.len(),
                1,
                "GET /orders/7 should call the stock service once"
            );
            let call = calls.pop().unwrap();
            let sent = call.headers().get_all(TRACEPARENT).iter();
            let sent = sent.map(|v| v.to_str().unwrap().to_string()).collect();
            let log = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
            let events = log
                .lines()
                .map(|l| serde_json::from_str(l).unwrap())
                .collect();
            served.push(Served { sent, events, log });
        }
        served
    }

    fn seeded() -> Box<dyn RngCore + Send> {
        Box::new(StdRng::seed_from_u64(6))
    }

    fn check_id(what: &str, id: &str, digits: usize) {
        let lower_hex = id
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        let advice = match () {
            _ if id.bytes().any(|b| b.is_ascii_uppercase()) => ": uppercase is not valid",
            _ if lower_hex && id.len() < digits => {
                ", two per random byte: a byte below 0x10 keeps its leading zero (0x0a is \"0a\")"
            }
            _ => "",
        };
        assert!(
            id.len() == digits && lower_hex,
            "{what} was {id:?}: it should be exactly {digits} lowercase hex digits{advice} \
             (W3C Trace Context §3.2)"
        );
        assert!(
            id.bytes().any(|b| b != b'0'),
            "{what} was all zeros, which W3C Trace Context §3.2 makes invalid: when the \
             random bytes are all zero, draw again"
        );
    }

    /// Checks the one traceparent sent on, and answers its trace id and parent id.
    fn sent_on(served: &Served, request: &str) -> (String, String, String) {
        let [value] = served.sent.as_slice() else {
            panic!(
                "{request}: the call to the stock service should carry exactly one \
                 traceparent header, but it carried {:?}",
                served.sent
            );
        };
        let parts: Vec<&str> = value.split('-').collect();
        let [version, trace_id, parent_id, flags] = parts[..] else {
            panic!(
                "{request}: the traceparent sent on was {value:?}: it should be 00-<trace id>-<span id>-<flags>"
            );
        };
        assert_eq!(
            version, "00",
            "{request}: the traceparent sent on was {value:?}: this service speaks version 00"
        );
        check_id(&format!("{request}: the trace id sent on"), trace_id, 32);
        check_id(
            &format!("{request}: the parent id sent on (this service's span id)"),
            parent_id,
            16,
        );
        for event in &served.events {
            let message = event["fields"]["message"].as_str().unwrap_or("");
            let spans = event["spans"].as_array();
            let span = spans.and_then(|s| s.iter().find(|span| span["name"] == "request"));
            let span = span.unwrap_or_else(|| {
                panic!("{request}: the event {message:?} was not logged inside a span named \"request\"")
            });
            for (field, want) in [("trace_id", trace_id), ("span_id", parent_id)] {
                let quoted = span[field].as_str().is_some_and(|v| v.starts_with('"'));
                let advice = match quoted {
                    true => " (record the fields with % for Display: ? for Debug adds quotes)",
                    false => "",
                };
                assert!(
                    span[field] == want,
                    "{request}: the event {message:?} should be in a \"request\" span with \
                     {field}={want:?} (the one in the traceparent sent on: {value}), but the \
                     span was {span}{advice}"
                );
            }
        }
        assert!(
            served.events.len() >= 2,
            "{request}: the handler's two events should be logged"
        );
        (
            trace_id.to_string(),
            parent_id.to_string(),
            flags.to_string(),
        )
    }

    #[tokio::test]
    async fn the_trace_id_is_kept_and_this_service_makes_its_own_span() {
        let incoming = tp("00", TRACE, PARENT, "01");
        let served = serve(seeded(), &[Some(&incoming)]).await;
        let request = format!("GET /orders/7 with traceparent {incoming}");
        let (trace_id, span_id, flags) = sent_on(&served[0], &request);
        assert_eq!(
            trace_id, TRACE,
            "{request}: the call to the stock service should carry the incoming trace id, \
             so that both services' logs join up"
        );
        assert_ne!(
            span_id, PARENT,
            "{request}: the traceparent sent on has the caller's span id as parent id: it \
             should have this service's own new span id, so the tree shows this service"
        );
        assert_eq!(
            flags, "01",
            "{request}: the sampled flag (01) should be kept when sent on"
        );
    }

    #[tokio::test]
    async fn the_sampled_flag_is_kept_and_unknown_flags_are_not_sent() {
        for (flags, want) in [("00", "00"), ("09", "01"), ("fe", "00")] {
            let incoming = tp("00", TRACE, PARENT, flags);
            let served = serve(seeded(), &[Some(&incoming)]).await;
            let request = format!("GET /orders/7 with traceparent {incoming}");
            let (trace_id, _, sent) = sent_on(&served[0], &request);
            assert_eq!(
                trace_id, TRACE,
                "{request}: the incoming trace id should be sent on"
            );
            assert_eq!(
                sent, want,
                "{request}: the flags sent on should be {want}: keep the sampled bit (01) \
                 and send the bits you do not know as zero (W3C Trace Context §3.2)"
            );
        }
    }

    #[tokio::test]
    async fn every_request_gets_a_new_span_id() {
        let incoming = tp("00", TRACE, PARENT, "01");
        let served = serve(seeded(), &[Some(&incoming), Some(&incoming)]).await;
        let request = format!("GET /orders/7 with traceparent {incoming}");
        let first = sent_on(&served[0], &request).1;
        let second = sent_on(&served[1], &request).1;
        assert_ne!(
            first, second,
            "two requests sent on the same span id {first}: each request's work is a new span \
             with a new random id"
        );
    }

    #[tokio::test]
    async fn a_missing_or_invalid_traceparent_starts_a_new_trace() {
        let upper = tp("00", &TRACE.to_uppercase(), PARENT, "00");
        let ff = tp("ff", TRACE, PARENT, "00");
        let extra = tp("00", TRACE, PARENT, "00") + "-extra";
        let headers = [
            None,
            Some(upper.as_str()),
            Some(ff.as_str()),
            Some(extra.as_str()),
        ];
        let served = serve(seeded(), &headers).await;
        let mut traces = Vec::new();
        for (header, served) in headers.iter().zip(&served) {
            let request = match header {
                Some(value) => format!("GET /orders/7 with the invalid traceparent {value}"),
                None => "GET /orders/7 without traceparent".to_string(),
            };
            let sent = served.sent.join(", ");
            assert!(
                !sent.to_ascii_lowercase().contains(TRACE),
                "{request}: the call to the stock service carried the trace id of a header \
                 that is not valid ({sent}): start a new trace with a new random trace id instead"
            );
            let (trace_id, _, flags) = sent_on(served, &request);
            assert_eq!(flags, "01", "{request}: a new trace is sampled: flags 01");
            if let Some(value) = header {
                assert!(
                    !served.log.contains(value),
                    "{request}: the invalid header was written into the log; it could carry anything"
                );
            }
            traces.push(trace_id);
        }
        traces.sort();
        traces.dedup();
        assert_eq!(
            traces.len(),
            4,
            "four new traces should have four different trace ids"
        );
    }

    #[tokio::test]
    async fn new_ids_are_never_all_zero_and_keep_their_leading_zeros() {
        // This random generator first answers 24 zero bytes, then bytes whose
        // every block of eight starts with 00 00 00.
        let rng = Box::new(Scripted(vec![0; 24], 0));
        let served = serve(rng, &[None]).await;
        sent_on(
            &served[0],
            "GET /orders/7 without traceparent (the random bytes start with zeros)",
        );
    }
}
