// wrong: uses the random bytes as they come, even when they are all zero
// expect: was all zeros
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
    rng.fill_bytes(&mut buffer);
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
