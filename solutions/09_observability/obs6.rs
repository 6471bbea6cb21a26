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
//! - **`tracestate`**, a second header, carries the tracing vendors' own
//!   data for the same trace (`congo=t61rcWkgMzE,rojo=00f067aa0ba902b7`).
//!   A service that continues the trace must send it on (§3.3): all the
//!   `tracestate` headers received, in order, joined with `,` (one list,
//!   RFC 9110 §5.3), empty ones left out. It belongs to the trace: when you
//!   start a new trace, drop it.
//!
//! The header comes from outside, so it is parsed strictly (§3.2): lowercase
//! hex only, exactly 2-32-16-2 digits joined by `-`; an all-zero trace id or
//! parent id is invalid, and so is version `ff`. Version `00` has exactly
//! these four fields. A higher version may add more after them: read the
//! first four in the same way and allow more only after a `-` (§3.2.4).
//! A request with more than one `traceparent` header has no valid one
//! either: which would you trust? Anything else is no trace context at all:
//! start a new trace (a new random trace id of 32 hex digits, sampled) and
//! never pass the bad value on. A random id is never all zero either.
//!
//! Read more: https://www.w3.org/TR/trace-context/#traceparent-header,
//! https://www.w3.org/TR/trace-context/#versioning-of-traceparent,
//! https://www.w3.org/TR/trace-context/#tracestate-header,
//! https://opentelemetry.io/docs/concepts/context-propagation/

use axum::{
    Router,
    extract::{Path, State},
    http::{HeaderMap, Request},
    routing::get,
};
use rand::{RngCore, SeedableRng};
use std::sync::{Arc, Mutex};
use tracing::{Instrument, info};

const TRACEPARENT: &str = "traceparent";
const TRACESTATE: &str = "tracestate";

/// What a valid incoming `traceparent` says.
#[derive(Debug, Clone, PartialEq)]
struct TraceParent {
    trace_id: String,
    parent_id: String,
    sampled: bool,
}

/// Reads a `traceparent` value by the rules of W3C Trace Context §3.2 and
/// §3.2.4 (higher versions); `None` if it is not valid.
fn parse_traceparent(value: &str) -> Option<TraceParent> {
    let hex = |s: &str, len: usize| {
        s.len() == len && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    };
    let zero = |s: &str| s.bytes().all(|b| b == b'0');
    let bytes = value.as_bytes();
    if bytes.len() < 55 || !bytes[..55].is_ascii() {
        return None;
    }
    let (version, rest) = (&value[..2], &value[55..]);
    let (trace_id, parent_id, flags) = (&value[3..35], &value[36..52], &value[53..55]);
    let dashes = bytes[2] == b'-' && bytes[35] == b'-' && bytes[52] == b'-';
    let valid = dashes
        && hex(version, 2)
        && version != "ff"
        && hex(trace_id, 32)
        && hex(parent_id, 16)
        && hex(flags, 2)
        && !zero(trace_id)
        && !zero(parent_id)
        && (rest.is_empty() || (version != "00" && rest.starts_with('-')));
    let flags = u8::from_str_radix(flags, 16).ok()?;
    valid.then(|| TraceParent {
        trace_id: trace_id.to_string(),
        parent_id: parent_id.to_string(),
        sampled: flags & 1 == 1,
    })
}

/// `bytes` random bytes as lowercase hex, two digits each, never all zero.
fn new_id(rng: &mut dyn RngCore, bytes: usize) -> String {
    let mut buffer = vec![0u8; bytes];
    while buffer.iter().all(|&b| b == 0) {
        rng.fill_bytes(&mut buffer);
    }
    buffer.iter().map(|b| format!("{b:02x}")).collect()
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

// GET /orders/{id}: the trace id is kept (or a new trace begun), this
// request's work is a span with a new id, both are fields of the "request"
// span, and the call to the stock service carries them on, with the
// caller's tracestate when the trace continues.
async fn get_order(
    State(state): State<AppState>,
    Path(id): Path<u64>,
    headers: HeaderMap,
) -> String {
    let mut values = headers.get_all(TRACEPARENT).iter();
    let incoming = match (values.next(), values.next()) {
        (Some(value), None) => value.to_str().ok().and_then(parse_traceparent),
        _ => None, // none, or more than one: no valid trace context
    };
    let tracestate = match incoming {
        Some(_) => {
            let values = headers.get_all(TRACESTATE).iter();
            let values = values.filter_map(|v| v.to_str().ok()).map(str::trim);
            values
                .filter(|v| !v.is_empty())
                .collect::<Vec<_>>()
                .join(",")
        }
        None => String::new(),
    };
    let (trace_id, span_id, sampled) = {
        let mut rng = state.rng.lock().unwrap();
        let (trace_id, sampled) = match incoming {
            Some(parent) => (parent.trace_id, parent.sampled),
            None => (new_id(&mut **rng, 16), true),
        };
        (trace_id, new_id(&mut **rng, 8), sampled)
    };
    let span = tracing::info_span!("request", trace_id = %trace_id, span_id = %span_id);
    async move {
        info!(order_id = id, "checking stock");
        let flags = if sampled { "01" } else { "00" };
        let mut request = Request::get(format!("http://stock.internal/stock/{id}"))
            .header(TRACEPARENT, format!("00-{trace_id}-{span_id}-{flags}"));
        if !tracestate.is_empty() {
            request = request.header(TRACESTATE, tracestate);
        }
        let stock = state.upstream.call(request.body(()).unwrap());
        info!(order_id = id, stock, "order checked");
        format!("order {id}: {stock} in stock")
    }
    .instrument(span)
    .await
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

/// Prints what would be sent (on stderr: stdout carries the JSON log lines),
/// and answers 3.
struct PrintingUpstream;

// not graded: a printing stand-in for `main`; the tests pass a recording upstream to `app`
impl Upstream for PrintingUpstream {
    fn call(&self, request: Request<()>) -> u32 {
        eprintln!(
            "{} {} {:?}",
            request.method(),
            request.uri(),
            request.headers()
        );
        3
    }
}

// not graded: a demo server on port 3000 with OS randomness; the tests call `app` with a seeded RNG and a fake upstream
#[tokio::main]
async fn main() {
    // Try it: `cargo run --bin obs6`, then `curl -i localhost:3000/orders/7 -H
    // 'traceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'`.
    tracing_subscriber::fmt().json().with_span_list(true).init();
    let rng: Box<dyn RngCore + Send> = Box::new(rand::rngs::StdRng::from_entropy());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:3000")
        .await
        .unwrap();
    eprintln!("listening on http://{}", listener.local_addr().unwrap());
    axum::serve(listener, app(rng, Arc::new(PrintingUpstream)))
        .await
        .unwrap();
}

// ---- grading tests: read them, but do not change them ----
#[cfg(test)]
#[path = "../../support/generated.rs"]
mod generated;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generated::any_case;
    use axum::body::Body;
    use proptest::prelude::*;
    use rand::RngCore;
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

    /// What one request did: the traceparent and tracestate values of its call
    /// to the stock service, and its log lines (JSON).
    struct Served {
        sent: Vec<String>,
        state: Vec<String>,
        events: Vec<Value>,
    }

    /// Sends GET /orders/7 once for each incoming header (None: no header).
    async fn serve(rng: Box<dyn RngCore + Send>, incoming: &[Option<&str>]) -> Vec<Served> {
        let requests: Vec<Vec<(String, String)>> = incoming
            .iter()
            .map(|h| {
                h.iter()
                    .map(|v| (TRACEPARENT.into(), v.to_string()))
                    .collect()
            })
            .collect();
        serve_with(rng, &requests).await
    }

    /// Sends GET /orders/7 once for each list of incoming headers (name, value).
    async fn serve_with(
        rng: Box<dyn RngCore + Send>,
        requests: &[Vec<(String, String)>],
    ) -> Vec<Served> {
        let recorder = Arc::new(Recorder::default());
        let app = app(rng, recorder.clone());
        let mut served = Vec::new();
        for headers in requests {
            let captured = Captured::default();
            let subscriber = tracing_subscriber::fmt()
                .json()
                .with_span_list(true)
                .without_time()
                .with_writer(captured.clone())
                .finish();
            let _default = tracing::subscriber::set_default(subscriber);
            let mut request = Request::get("/orders/7");
            for (name, value) in headers {
                request = request.header(name.as_str(), value.as_str());
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
            let values = |name| {
                let values = call.headers().get_all(name).iter();
                values.map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
            };
            let sent = values(TRACEPARENT).collect();
            let state = values(TRACESTATE).collect();
            let log = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
            let events = log
                .lines()
                .map(|l| serde_json::from_str(l).unwrap())
                .collect();
            served.push(Served {
                sent,
                state,
                events,
            });
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

    /// The members of a tracestate list: split at `,`, white space around
    /// each trimmed, empty ones left out.
    fn members(values: &[String]) -> Vec<String> {
        let all = values.iter().flat_map(|v| v.split(','));
        let all = all.map(|m| m.trim_matches([' ', '\t']));
        all.filter(|m| !m.is_empty()).map(String::from).collect()
    }

    #[tokio::test]
    async fn tracestate_is_sent_on_when_the_trace_continues() {
        let incoming = tp("00", TRACE, PARENT, "01");
        let headers = vec![
            (TRACEPARENT.to_string(), incoming.clone()),
            (
                TRACESTATE.to_string(),
                "congo=t61rcWkgMzE, rojo=1".to_string(),
            ),
            (TRACESTATE.to_string(), String::new()),
            (TRACESTATE.to_string(), "baz=3".to_string()),
        ];
        let served = serve_with(seeded(), &[headers]).await;
        let request = format!(
            "GET /orders/7 with traceparent {incoming} and the tracestate headers \
             \"congo=t61rcWkgMzE, rojo=1\", \"\" and \"baz=3\""
        );
        let (trace_id, _, _) = sent_on(&served[0], &request);
        assert_eq!(trace_id, TRACE, "{request}: the trace id should be kept");
        assert_eq!(
            members(&served[0].state),
            ["congo=t61rcWkgMzE", "rojo=1", "baz=3"],
            "{request}: the call to the stock service carried tracestate {:?}: a service \
             that continues a trace must send the caller's tracestate on (W3C Trace Context \
             §3.3), every member, in the order received",
            served[0].state
        );
    }

    #[tokio::test]
    async fn two_traceparent_headers_start_a_new_trace() {
        let first = tp("00", TRACE, PARENT, "01");
        let other = "12345678901234567890123456789012";
        let second = tp("00", other, PARENT, "01");
        let headers = vec![
            (TRACEPARENT.to_string(), first.clone()),
            (TRACEPARENT.to_string(), second.clone()),
            (TRACESTATE.to_string(), "rojo=1".to_string()),
        ];
        let served = serve_with(seeded(), &[headers]).await;
        let request = format!("GET /orders/7 with two traceparent headers, {first} and {second}");
        let (trace_id, _, flags) = sent_on(&served[0], &request);
        assert!(
            trace_id != TRACE && trace_id != other,
            "{request}: the call to the stock service carried the trace id {trace_id} of one \
             of them: with more than one traceparent header none is valid, so start a new trace"
        );
        assert_eq!(flags, "01", "{request}: a new trace is sampled: flags 01");
        assert!(
            members(&served[0].state).is_empty(),
            "{request}: the call carried tracestate {:?}: a new trace does not carry the \
             old trace's tracestate",
            served[0].state
        );
    }

    /// W3C Trace Context §3.2 and §3.2.4 written again, as the oracle: the
    /// parsed value, or the rule the value breaks.
    fn oracle(value: &str) -> Result<TraceParent, &'static str> {
        let fields: Vec<&str> = value.splitn(5, '-').collect();
        let lower_hex = |s: &str, n: usize| {
            s.len() == n
                && s.bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        };
        let zero = |s: &str| s.bytes().all(|b| b == b'0');
        let [version, trace_id, parent_id, flags, ref rest @ ..] = fields[..] else {
            return Err("it does not have four fields separated by '-'");
        };
        if !lower_hex(version, 2) {
            return Err("its version is not 2 lowercase hex digits");
        }
        if version == "ff" {
            return Err("version ff is invalid");
        }
        if !lower_hex(trace_id, 32) {
            return Err("its trace id is not 32 lowercase hex digits");
        }
        if !lower_hex(parent_id, 16) {
            return Err("its parent id is not 16 lowercase hex digits");
        }
        if !lower_hex(flags, 2) {
            return Err(
                "its flags are not 2 lowercase hex digits (in a higher version, \
                        more may follow only after a '-')",
            );
        }
        if zero(trace_id) {
            return Err("an all-zero trace id is invalid");
        }
        if zero(parent_id) {
            return Err("an all-zero parent id is invalid");
        }
        if !rest.is_empty() && version == "00" {
            return Err("version 00 has exactly four fields: nothing may follow the flags");
        }
        let sampled = u8::from_str_radix(flags, 16).unwrap() & 1 == 1;
        Ok(TraceParent {
            trace_id: trace_id.to_string(),
            parent_id: parent_id.to_string(),
            sampled,
        })
    }

    fn hex(len: usize) -> impl Strategy<Value = String> {
        let digit = proptest::sample::select(b"0123456789abcdef".to_vec());
        let digits =
            proptest::collection::vec(digit, len).prop_map(|d| String::from_utf8(d).unwrap());
        prop_oneof![
            8 => digits,
            1 => Just("0".repeat(len)),
            1 => Just(format!("{}1", "0".repeat(len - 1))),
        ]
    }

    /// A traceparent that is valid more often than not: a version (00, ff, or
    /// any other), ids (sometimes all zero), flags and, for any version,
    /// sometimes more after the flags.
    fn well_formed() -> impl Strategy<Value = String> {
        let version = prop_oneof![
            4 => Just("00".to_string()),
            1 => Just("ff".to_string()),
            3 => hex(2),
        ];
        let rest = prop_oneof![
            6 => Just(String::new()),
            1 => Just("-".to_string()),
            1 => Just("-what-ever".to_string()),
            1 => Just(".x".to_string()),
            1 => Just("0".to_string()),
        ];
        (version, hex(32), hex(16), hex(2), rest)
            .prop_map(|(v, t, p, f, rest)| format!("{v}-{t}-{p}-{f}{rest}"))
    }

    /// A character put in place of another, or inserted: hex digits in both
    /// cases, separators, signs, white space, non-ASCII.
    fn edit_char() -> impl Strategy<Value = char> {
        proptest::sample::select(vec![
            '0', '1', '9', 'a', 'f', 'A', 'F', 'g', 'G', 'x', '-', '_', '.', '+', ' ', '\t', 'é',
            '\u{ff10}', '\0',
        ])
    }

    #[derive(Debug, Clone)]
    enum Edit {
        Replace(usize, char),
        Insert(usize, char),
        Remove(usize),
        Upper,
        /// The separator after the version (0), the trace id (1) or the parent id (2).
        Separator(usize, char),
    }

    /// Where to edit: often at a field's first or last character or at a
    /// separator, where length and separator mistakes show.
    fn position() -> impl Strategy<Value = usize> {
        let edges = vec![0, 1, 2, 3, 34, 35, 36, 51, 52, 53, 54, 55];
        prop_oneof![proptest::sample::select(edges), 0usize..60]
    }

    fn edit() -> impl Strategy<Value = Edit> {
        prop_oneof![
            2 => (position(), edit_char()).prop_map(|(at, c)| Edit::Replace(at, c)),
            1 => (position(), edit_char()).prop_map(|(at, c)| Edit::Insert(at, c)),
            1 => position().prop_map(Edit::Remove),
            1 => Just(Edit::Upper),
            2 => (0usize..3, edit_char()).prop_map(|(which, c)| Edit::Separator(which, c)),
        ]
    }

    fn apply(value: &str, edit: &Edit) -> String {
        let mut chars: Vec<char> = value.chars().collect();
        match *edit {
            Edit::Replace(at, c) if at < chars.len() => chars[at] = c,
            Edit::Insert(at, c) => chars.insert(at.min(chars.len()), c),
            Edit::Remove(at) if at < chars.len() => {
                chars.remove(at);
            }
            Edit::Upper => return value.to_uppercase(),
            Edit::Separator(which, c) => {
                let at = [2, 35, 52][which];
                if at < chars.len() {
                    chars[at] = c;
                }
            }
            _ => {}
        }
        chars.into_iter().collect()
    }

    /// A traceparent along every rule: well formed, or one or two characters
    /// off (replaced, inserted, removed), or in uppercase.
    fn traceparent() -> impl Strategy<Value = String> {
        (well_formed(), proptest::collection::vec(edit(), 0..=2))
            .prop_map(|(value, edits)| edits.iter().fold(value, |v, e| apply(&v, e)))
    }

    proptest! {
        #![proptest_config(crate::generated::config(256))]

        #[test]
        fn parse_traceparent_follows_every_rule(value in traceparent()) {
            let got = parse(&value);
            match oracle(&value) {
                Ok(want) => prop_assert_eq!(
                    got,
                    Some(want),
                    "parse_traceparent({:?}) should read it: it is a valid traceparent (W3C \
                     Trace Context §3.2; sampled is bit 0 of the flags)",
                    value
                ),
                Err(rule) => prop_assert!(
                    got.is_none(),
                    "parse_traceparent({:?}) answered {:?}, but {} (W3C Trace Context §3.2): \
                     it should answer None, so that a new trace starts",
                    value, got, rule
                ),
            }
        }
    }

    fn tracestate_member() -> impl Strategy<Value = String> {
        ("[a-z][a-z0-9_*/-]{0,6}", "[!-+.-<>-~]{1,8}").prop_map(|(k, v)| format!("{k}={v}"))
    }

    fn tracestate_value() -> impl Strategy<Value = String> {
        let ows = proptest::sample::select(vec!["", " ", "\t", " \t "]);
        proptest::collection::vec((ows.clone(), tracestate_member(), ows), 0..=3).prop_map(
            |members| {
                let members = members.iter().map(|(a, m, b)| format!("{a}{m}{b}"));
                members.collect::<Vec<_>>().join(",")
            },
        )
    }

    /// A traceparent that a request can carry (no control characters).
    fn header_value() -> impl Strategy<Value = String> {
        let value = prop_oneof![well_formed(), traceparent()];
        value.prop_filter("a header value", |v| {
            !v.chars().any(|c| c.is_control() && c != '\t')
        })
    }

    proptest! {
        #![proptest_config(crate::generated::config(48))]

        /// Any number of traceparent headers (valid or not) and of tracestate
        /// headers, with names in any case.
        #[test]
        fn the_trace_continues_only_from_one_valid_traceparent(
            parents in proptest::collection::vec((any_case("traceparent"), header_value()), 0..=2),
            states in proptest::collection::vec((any_case("tracestate"), tracestate_value()), 0..=3),
        ) {
            let mut headers: Vec<(String, String)> = parents.clone();
            headers.extend(states.iter().cloned());
            let shown: Vec<String> = headers.iter().map(|(n, v)| format!("{n}: {v}")).collect();
            let request = format!("GET /orders/7 with the headers {shown:?}");
            let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
            let served = runtime.block_on(serve_with(seeded(), &[headers]));
            let (trace_id, span_id, flags) = sent_on(&served[0], &request);
            let state_values: Vec<String> = states.iter().map(|(_, v)| v.clone()).collect();
            let valid = match &parents[..] {
                [(_, one)] => oracle(one).ok(),
                _ => None,
            };
            match valid {
                Some(parent) => {
                    prop_assert_eq!(
                        &trace_id, &parent.trace_id,
                        "{}: the one valid traceparent's trace id should be sent on", request
                    );
                    prop_assert_ne!(
                        &span_id, &parent.parent_id,
                        "{}: the parent id sent on should be this service's new span id", request
                    );
                    let want = if parent.sampled { "01" } else { "00" };
                    prop_assert_eq!(
                        &flags, want,
                        "{}: the flags sent on should keep the sampled bit, other bits zero", request
                    );
                    prop_assert_eq!(
                        members(&served[0].state),
                        members(&state_values),
                        "{}: the call carried tracestate {:?}: a service that continues the \
                         trace sends every tracestate member on, in the order received (W3C \
                         Trace Context §3.3)",
                        request, served[0].state
                    );
                }
                None => {
                    let why = match parents.len() {
                        0 => "there is no traceparent",
                        1 => "the traceparent is not valid",
                        _ => "with more than one traceparent header none is valid",
                    };
                    for (_, value) in &parents {
                        let old = value.get(3..35).unwrap_or("-").to_ascii_lowercase();
                        prop_assert!(
                            trace_id != old,
                            "{}: the trace id {} was sent on, but {}: start a new trace",
                            request, trace_id, why
                        );
                    }
                    prop_assert_eq!(&flags, "01", "{}: {}: a new trace is sampled", request, why);
                    prop_assert!(
                        members(&served[0].state).is_empty(),
                        "{}: the call carried tracestate {:?}, but {}: a new trace does not \
                         carry the old trace's tracestate",
                        request, served[0].state, why
                    );
                }
            }
        }
    }
}
