// wrong: escapes label values with str::escape_default, which escapes more than the three characters
// expect: Prometheus reads back
//! # Metrics in the Prometheus text format
//!
//! Logs tell the story of one request; **metrics** tell how the whole
//! service is doing: how many requests per second, how many failures, how
//! slow. Prometheus scrapes `GET /metrics` every few seconds and reads plain
//! text like this:
//!
//! ```text
//! # HELP http_requests_total Requests answered, by method, route and status.
//! # TYPE http_requests_total counter
//! http_requests_total{method="GET",route="/users/{id}",status="200"} 1027
//! # HELP http_request_duration_seconds Time taken to answer a request.
//! # TYPE http_request_duration_seconds histogram
//! http_request_duration_seconds_bucket{le="0.005"} 900
//! http_request_duration_seconds_bucket{le="0.01"} 1010
//! ...
//! http_request_duration_seconds_bucket{le="+Inf"} 1027
//! http_request_duration_seconds_sum 4.21
//! http_request_duration_seconds_count 1027
//! ```
//!
//! A **counter** only goes up; each combination of label values is its own
//! series. Label values must be few: the route *template* `/users/{id}`,
//! never the raw path `/users/8812`, or every id becomes a series and the
//! monitoring system drowns ("cardinality explosion"). A request that
//! matches no route is counted as `route="unmatched"`. The method is a
//! label from outside too: HTTP lets a client send any token as a method
//! (`BREW`, `get`, `X7QZ`), and a service that makes a series of each one
//! lets any scanner grow its memory, and its monitoring bill, without
//! bound. Label the standard methods (`GET`, `HEAD`, `POST`, `PUT`,
//! `DELETE`, `CONNECT`, `OPTIONS`, `TRACE`, `PATCH`; method names are
//! case-sensitive, so `get` is not `GET`) by name, and every other method as
//! `method="other"`. Every label's values must form a set you could write
//! down in advance.
//!
//! A **histogram** counts observations into buckets. Bucket `le="0.1"`
//! counts every request that took *less than or equal to* 0.1 s, so the
//! buckets are cumulative and `le="+Inf"` counts them all (it equals
//! `_count`); `_sum` adds up the durations, in seconds.
//!
//! In a label value, `\` is written `\\`, `"` is written `\"` and a line
//! feed is written `\n`; nothing else is escaped. A bucket's bound is a
//! number (`le="1"` and `le="1.0"` are the same bucket). Samples are printed
//! in a stable order: here the counter's series sorted by method, then
//! route, then status, whatever order the requests came in.
//!
//! Read more: https://prometheus.io/docs/instrumenting/exposition_formats/,
//! https://prometheus.io/docs/practices/naming/,
//! https://prometheus.io/docs/practices/histograms/

use axum::{
    Router,
    extract::{MatchedPath, Path, Request, State},
    http::{Method, header},
    middleware::{self, Next},
    response::{IntoResponse, Response},
    routing::get,
};
use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Where request durations come from: a monotonic clock's reading (time
/// since some fixed start). Tests inject a fake.
trait Clock: Send + Sync {
    fn now(&self) -> Duration;
}

/// The upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 8] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0];

#[derive(Default)]
struct Metrics {
    /// Requests answered, by (method, route, status).
    requests: BTreeMap<(String, String, u16), u64>,
    /// `buckets[i]`: requests that took at most `BUCKETS[i]` seconds.
    buckets: [u64; BUCKETS.len()],
    /// All requests, and the time they took together.
    count: u64,
    sum: Duration,
}

/// A label value as the text format writes it between quotes.
fn escape_label(value: &str) -> String {
    value.escape_default().to_string()
}

impl Metrics {
    /// Counts one answered request and observes how long it took.
    fn record(&mut self, method: &str, route: &str, status: u16, took: Duration) {
        let key = (method.to_string(), route.to_string(), status);
        *self.requests.entry(key).or_default() += 1;
        let seconds = took.as_secs_f64();
        for (bound, count) in BUCKETS.iter().zip(&mut self.buckets) {
            if seconds <= *bound {
                *count += 1;
            }
        }
        self.count += 1;
        self.sum += took;
    }

    /// Everything, in the text exposition format, each line ending in "\n".
    fn render(&self) -> String {
        let mut out = String::new();
        let name = "http_requests_total";
        let help = "Requests answered, by method, route and status.";
        writeln!(out, "# HELP {name} {help}\n# TYPE {name} counter").unwrap();
        for ((method, route, status), count) in &self.requests {
            let (method, route) = (escape_label(method), escape_label(route));
            let labels = format!("method=\"{method}\",route=\"{route}\",status=\"{status}\"");
            writeln!(out, "{name}{{{labels}}} {count}").unwrap();
        }
        let name = "http_request_duration_seconds";
        let help = "Time taken to answer a request.";
        writeln!(out, "# HELP {name} {help}\n# TYPE {name} histogram").unwrap();
        for (bound, count) in BUCKETS.iter().zip(&self.buckets) {
            writeln!(out, "{name}_bucket{{le=\"{bound}\"}} {count}").unwrap();
        }
        writeln!(out, "{name}_bucket{{le=\"+Inf\"}} {}", self.count).unwrap();
        writeln!(out, "{name}_sum {}", self.sum.as_secs_f64()).unwrap();
        writeln!(out, "{name}_count {}", self.count).unwrap();
        out
    }
}

#[derive(Clone)]
struct AppState {
    metrics: Arc<Mutex<Metrics>>,
    clock: Arc<dyn Clock>,
}

/// The method as a label value: a standard method by name, anything else
/// "other" (a client may invent any number of methods).
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::CONNECT => "CONNECT",
        Method::OPTIONS => "OPTIONS",
        Method::TRACE => "TRACE",
        Method::PATCH => "PATCH",
        _ => "other",
    }
}

// Records every request, whatever its status: its method (or "other"), its
// route template (or "unmatched"), its status, and the time the rest of the
// router took, measured by reading the clock once before and once after.
async fn track(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let route = match req.extensions().get::<MatchedPath>() {
        Some(path) => path.as_str().to_string(),
        None => "unmatched".to_string(),
    };
    let method = method_label(req.method());
    let started = state.clock.now();
    let response = next.run(req).await;
    let took = state.clock.now().saturating_sub(started);
    let status = response.status().as_u16();
    let mut metrics = state.metrics.lock().unwrap();
    metrics.record(&method, &route, status, took);
    response
}

async fn show_metrics(State(state): State<AppState>) -> impl IntoResponse {
    let text = state.metrics.lock().unwrap().render();
    let content_type = "text/plain; version=0.0.4; charset=utf-8";
    ([(header::CONTENT_TYPE, content_type)], text)
}

async fn get_user(Path(id): Path<u64>) -> String {
    format!("user {id}")
}

fn app(clock: Arc<dyn Clock>) -> Router {
    let metrics = Arc::new(Mutex::new(Metrics::default()));
    let state = AppState { metrics, clock };
    Router::new()
        .route("/users/{id}", get(get_user))
        .route("/metrics", get(show_metrics))
        .layer(middleware::from_fn_with_state(state.clone(), track))
        .with_state(state)
}

struct SystemClock(std::time::Instant);

impl Clock for SystemClock {
    fn now(&self) -> Duration {
        self.0.elapsed()
    }
}

#[tokio::main]
async fn main() {
    // Try it: `cargo run --bin obs4`, then `curl localhost:3000/users/1` and
    // `curl localhost:3000/metrics`.
    let clock = Arc::new(SystemClock(std::time::Instant::now()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:3000")
        .await
        .unwrap();
    eprintln!("listening on http://{}", listener.local_addr().unwrap());
    axum::serve(listener, app(clock)).await.unwrap();
}
