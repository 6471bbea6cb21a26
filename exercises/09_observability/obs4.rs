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
//! matches no route is counted as `route="unmatched"`.
//!
//! A **histogram** counts observations into buckets. Bucket `le="0.1"`
//! counts every request that took *less than or equal to* 0.1 s, so the
//! buckets are cumulative and `le="+Inf"` counts them all (it equals
//! `_count`); `_sum` adds up the durations, in seconds.
//!
//! In a label value, `\` is written `\\`, `"` is written `\"` and a line
//! feed is written `\n`. Samples are printed in a stable order: here the
//! counter's series sorted by method, then route, then status.
//!
//! Read more: https://prometheus.io/docs/instrumenting/exposition_formats/,
//! https://prometheus.io/docs/practices/naming/,
//! https://prometheus.io/docs/practices/histograms/

use axum::{
    Router,
    extract::{Path, Request, State},
    http::header,
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

// TODO: a label value as the text format writes it between quotes.
fn escape_label(value: &str) -> String {
    value.to_string()
}

impl Metrics {
    /// Counts one answered request and observes how long it took.
    // TODO: observe `took` in the histogram's fields too.
    fn record(&mut self, method: &str, route: &str, status: u16, took: Duration) {
        let key = (method.to_string(), route.to_string(), status);
        *self.requests.entry(key).or_default() += 1;
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
        // TODO: the histogram's samples: one `_bucket` line per bound, then
        // le="+Inf", `_sum` (in seconds) and `_count`.
        out
    }
}

#[derive(Clone)]
struct AppState {
    metrics: Arc<Mutex<Metrics>>,
    clock: Arc<dyn Clock>,
}

// Records every request, whatever its status: its method, its route, its
// status, and the time the rest of the router took, measured by reading
// the clock once before and once after.
// TODO: the route label is the route template that matched (axum puts it
// in the request's extensions), or "unmatched" when none did.
async fn track(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let route = req.uri().path().to_string();
    let method = req.method().to_string();
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
    println!("listening on http://{}", listener.local_addr().unwrap());
    axum::serve(listener, app(clock)).await.unwrap();
}

// ---- grading tests: read them, but do not change them ----
#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::{Body, to_bytes};
    use std::collections::VecDeque;
    use tower::ServiceExt;

    /// A clock that answers the readings the test planned, in order.
    #[derive(Default)]
    struct ScriptedClock(Mutex<VecDeque<Duration>>);

    impl Clock for ScriptedClock {
        fn now(&self) -> Duration {
            let next = self.0.lock().unwrap().pop_front();
            next.expect(
                "the clock was read more than twice for one request: read it once before \
                 the rest of the router runs and once after",
            )
        }
    }

    struct Server {
        app: Router,
        clock: Arc<ScriptedClock>,
        now: Duration,
    }

    impl Server {
        fn new() -> Server {
            let clock = Arc::new(ScriptedClock::default());
            let app = app(clock.clone());
            // The clock does not start at zero: a duration is a difference.
            let now = Duration::from_secs(1000);
            Server { app, clock, now }
        }

        /// Sends a request that takes `took` by the clock; answers (status, body).
        async fn send(&mut self, method: &str, uri: &str, took: Duration) -> (u16, String) {
            let readings = [self.now, self.now + took];
            self.clock.0.lock().unwrap().extend(readings);
            self.now += took + Duration::from_secs(60);
            let request = Request::builder().method(method).uri(uri);
            let request = request.body(Body::empty()).unwrap();
            let response = self.app.clone().oneshot(request).await.unwrap();
            let left = self.clock.0.lock().unwrap().len();
            assert_eq!(
                left,
                0,
                "{method} {uri}: the clock should be read exactly twice per request, \
                 before and after the rest of the router, but it was read {} time(s)",
                2 - left
            );
            let status = response.status().as_u16();
            let body = to_bytes(response.into_body(), 1 << 20).await.unwrap();
            (status, String::from_utf8(body.to_vec()).unwrap())
        }

        async fn scrape(&mut self) -> String {
            let (status, text) = self.send("GET", "/metrics", Duration::ZERO).await;
            assert_eq!(status, 200, "GET /metrics should answer 200");
            text
        }
    }

    fn ms(millis: u64) -> Duration {
        Duration::from_millis(millis)
    }

    /// The value of the sample whose name and labels are exactly `series`.
    fn sample(text: &str, series: &str) -> Option<f64> {
        let line = text
            .lines()
            .find(|l| l.starts_with(&format!("{series} ")))?;
        line[series.len() + 1..].parse().ok()
    }

    fn bucket(text: &str, le: &str) -> f64 {
        let series = format!("http_request_duration_seconds_bucket{{le=\"{le}\"}}");
        sample(text, &series)
            .unwrap_or_else(|| panic!("the output has no line `{series} <count>`:\n{text}"))
    }

    #[tokio::test]
    async fn requests_are_counted_by_route_template() {
        let mut server = Server::new();
        server.send("GET", "/users/1", ms(3)).await;
        server.send("GET", "/users/2", ms(3)).await;
        server.send("GET", "/users/abc", ms(1)).await;
        server.send("POST", "/users/1", ms(1)).await;
        let text = server.scrape().await;
        for (series, want) in [
            (r#"{method="GET",route="/users/{id}",status="200"}"#, 2.0),
            (r#"{method="GET",route="/users/{id}",status="400"}"#, 1.0),
            (r#"{method="POST",route="/users/{id}",status="405"}"#, 1.0),
        ] {
            let got = sample(&text, &format!("http_requests_total{series}"));
            assert_eq!(
                got,
                Some(want),
                "http_requests_total{series} should be {want}: label requests with the \
                 route template, not the raw path, and count every status. /metrics said:\n{text}"
            );
        }
        assert!(
            !text.contains("/users/1\"") && !text.contains("/users/abc"),
            "raw paths must not be label values (one series per id explodes the number \
             of series): use the route template. /metrics said:\n{text}"
        );
    }

    #[tokio::test]
    async fn unmatched_requests_share_one_label() {
        let mut server = Server::new();
        server.send("GET", "/wp-admin.php", ms(1)).await;
        server.send("GET", "/.env", ms(1)).await;
        let text = server.scrape().await;
        let series = r#"http_requests_total{method="GET",route="unmatched",status="404"}"#;
        assert_eq!(
            sample(&text, series),
            Some(2.0),
            "requests that match no route should be counted as route=\"unmatched\" (a \
             scanner would otherwise create one series per path it tries). /metrics said:\n{text}"
        );
    }

    #[tokio::test]
    async fn a_duration_equal_to_a_bound_is_in_that_bucket() {
        let mut server = Server::new();
        let exactly_5ms = ms(5);
        let just_over_5ms = ms(5) + Duration::from_nanos(1);
        let exactly_100ms = ms(100);
        for took in [
            exactly_5ms,
            just_over_5ms,
            exactly_100ms,
            ms(1000),
            ms(1001),
        ] {
            server.send("GET", "/users/1", took).await;
        }
        let text = server.scrape().await;
        for (le, want, why) in [
            (
                "0.005",
                1.0,
                "5 ms is exactly 0.005 s, and le means less than or equal",
            ),
            ("0.01", 2.0, "5 ms + 1 ns is over 0.005 s but under 0.01 s"),
            ("0.05", 2.0, "nothing took between 0.01 and 0.05 s"),
            (
                "0.1",
                3.0,
                "100 ms is exactly 0.1 s, and le means less than or equal",
            ),
            ("0.5", 3.0, "the buckets are cumulative"),
            (
                "1",
                4.0,
                "1000 ms is exactly 1 s, and le means less than or equal",
            ),
            (
                "+Inf",
                5.0,
                "le=\"+Inf\" counts every request (1001 ms too)",
            ),
        ] {
            assert_eq!(
                bucket(&text, le),
                want,
                "after requests of 5 ms, 5 ms + 1 ns, 100 ms, 1000 ms and 1001 ms, bucket \
                 le=\"{le}\" should count {want}: {why} (each bucket counts every request \
                 that took at most its bound, so the counts are cumulative). /metrics \
                 said:\n{text}"
            );
        }
        let sum = sample(&text, "http_request_duration_seconds_sum").unwrap_or(f64::NAN);
        assert!(
            (sum - 2.111000001).abs() < 1e-6,
            "http_request_duration_seconds_sum should be 2.111000001 (the durations \
             added up, in seconds), but was {sum}"
        );
        let count = sample(&text, "http_request_duration_seconds_count");
        assert_eq!(count, Some(5.0), "http_request_duration_seconds_count");
    }

    #[test]
    fn label_values_are_escaped() {
        let mut metrics = Metrics::default();
        metrics.record("GET", "C:\\notes\\\"q\"\nend", 200, ms(1));
        let text = metrics.render();
        let line =
            r#"http_requests_total{method="GET",route="C:\\notes\\\"q\"\nend",status="200"} 1"#;
        assert!(
            text.lines().any(|l| l == line),
            "a label value should be escaped: \\ as \\\\, \" as \\\" and a line feed as \
             \\n. The route C:\\notes\\\"q\" + line feed + end should give the line\n{line}\n\
             but the output was:\n{text}"
        );
    }

    #[tokio::test]
    async fn the_whole_output_is_exact() {
        let mut server = Server::new();
        server.send("POST", "/users/7", ms(2)).await;
        server.send("GET", "/nope", ms(30)).await;
        server.send("GET", "/users/7", ms(250)).await;
        server.send("GET", "/users/8", ms(70)).await;
        let response = server
            .app
            .clone()
            .oneshot(Request::get("/metrics").body(Body::empty()).unwrap());
        server.clock.0.lock().unwrap().extend([ms(0), ms(0)]);
        let response = response.await.unwrap();
        let content_type = response.headers().get(header::CONTENT_TYPE).cloned();
        let content_type = content_type.map(|v| v.to_str().unwrap().to_string());
        assert!(
            content_type
                .as_deref()
                .is_some_and(|c| c.starts_with("text/plain; version=0.0.4")),
            "GET /metrics should have Content-Type text/plain; version=0.0.4, but had {content_type:?}"
        );
        let body = to_bytes(response.into_body(), 1 << 20).await.unwrap();
        let text = String::from_utf8(body.to_vec()).unwrap();
        let want = "\
# HELP http_requests_total Requests answered, by method, route and status.
# TYPE http_requests_total counter
http_requests_total{method=\"GET\",route=\"/users/{id}\",status=\"200\"} 2
http_requests_total{method=\"GET\",route=\"unmatched\",status=\"404\"} 1
http_requests_total{method=\"POST\",route=\"/users/{id}\",status=\"405\"} 1
# HELP http_request_duration_seconds Time taken to answer a request.
# TYPE http_request_duration_seconds histogram
http_request_duration_seconds_bucket{le=\"0.005\"} 1
http_request_duration_seconds_bucket{le=\"0.01\"} 1
http_request_duration_seconds_bucket{le=\"0.025\"} 1
http_request_duration_seconds_bucket{le=\"0.05\"} 2
http_request_duration_seconds_bucket{le=\"0.1\"} 3
http_request_duration_seconds_bucket{le=\"0.25\"} 4
http_request_duration_seconds_bucket{le=\"0.5\"} 4
http_request_duration_seconds_bucket{le=\"1\"} 4
http_request_duration_seconds_bucket{le=\"+Inf\"} 4
http_request_duration_seconds_sum 0.352
http_request_duration_seconds_count 4
";
        for (n, (got, want)) in text.lines().zip(want.lines()).enumerate() {
            assert_eq!(
                got,
                want,
                "line {} of /metrics differs from the text format (HELP and TYPE lines \
                 first, series sorted by method, route, status; then the buckets, +Inf, \
                 _sum and _count). The whole output:\n{text}",
                n + 1
            );
        }
        assert_eq!(
            text, want,
            "the output should end with a line feed, nothing more"
        );
    }
}
