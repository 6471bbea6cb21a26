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
    let mut escaped = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => escaped.push_str("\\\\"),
            '"' => escaped.push_str("\\\""),
            '\n' => escaped.push_str("\\n"),
            c => escaped.push(c),
        }
    }
    escaped
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

// not graded: the demo route's body; the tests count requests to it in the metrics and never read what it answers
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

// not graded: reads the real clock for `main`; the tests pass a fake clock to `app`
impl Clock for SystemClock {
    fn now(&self) -> Duration {
        self.0.elapsed()
    }
}

// not graded: a demo server on port 3000 on the real clock; the tests call `app` with a fake clock
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

// ---- grading tests: read them, but do not change them ----
#[cfg(test)]
#[path = "../../support/generated.rs"]
mod generated;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generated::{duration_up_to, tricky_char};
    use axum::body::{Body, to_bytes};
    use proptest::prelude::*;
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

    /// One sample of the text format: name, labels (unescaped) and value.
    #[derive(Debug, PartialEq)]
    struct Sample {
        name: String,
        labels: Vec<(String, String)>,
        value: f64,
    }

    /// Reads one sample line the way Prometheus does; `None` if it is not one.
    fn parse_sample(line: &str) -> Option<Sample> {
        let end = line.find(['{', ' ']).unwrap_or(line.len());
        let (name, mut rest) = line.split_at(end);
        let mut labels = Vec::new();
        if let Some(after) = rest.strip_prefix('{') {
            rest = after;
            loop {
                if let Some(after) = rest.strip_prefix('}') {
                    rest = after;
                    break;
                }
                let (label, after) = rest.split_once("=\"")?;
                let mut value = String::new();
                let mut chars = after.char_indices();
                let close = loop {
                    match chars.next()? {
                        (_, '\\') => match chars.next()?.1 {
                            '\\' => value.push('\\'),
                            '"' => value.push('"'),
                            'n' => value.push('\n'),
                            _ => return None,
                        },
                        (at, '"') => break at,
                        (_, c) => value.push(c),
                    }
                };
                labels.push((label.to_string(), value));
                rest = &after[close + 1..];
                rest = rest.strip_prefix(',').unwrap_or(rest);
            }
        }
        let value = rest.strip_prefix(' ')?.parse().ok()?;
        Some(Sample {
            name: name.to_string(),
            labels,
            value,
        })
    }

    fn samples(text: &str) -> Vec<Sample> {
        let lines = text
            .lines()
            .filter(|l| !l.starts_with('#') && !l.is_empty());
        lines
            .map(|l| parse_sample(l).unwrap_or_else(|| panic!("{l:?} is not a sample line")))
            .collect()
    }

    /// The value of the sample whose name and labels are exactly `series`.
    fn sample(text: &str, series: &str) -> Option<f64> {
        let want = parse_sample(&format!("{series} 0")).unwrap();
        let mut all = text.lines().filter_map(parse_sample);
        let found = all.find(|s| s.name == want.name && s.labels == want.labels)?;
        Some(found.value)
    }

    /// The count of the bucket whose bound is `le` as a number: `1`, `1.0`
    /// and `1e0` are the same bound.
    fn bucket(text: &str, le: &str) -> f64 {
        let want: f64 = le.parse().unwrap();
        let name = "http_request_duration_seconds_bucket";
        let found = text.lines().filter_map(parse_sample).find(|s| {
            let bound = s.labels.iter().find(|(l, _)| l == "le");
            let bound = bound.and_then(|(_, v)| v.parse::<f64>().ok());
            s.name == name && bound == Some(want)
        });
        let found = found.unwrap_or_else(|| {
            panic!("the output has no line `{name}{{le=\"{le}\"}} <count>`:\n{text}")
        });
        found.value
    }

    /// A line with its bucket bound and its value written as numbers (so that
    /// `le="1.0"` compares equal to `le="1"`).
    fn normalized(line: &str) -> String {
        let Some(mut sample) = parse_sample(line).filter(|_| !line.starts_with('#')) else {
            return line.to_string();
        };
        for (label, value) in &mut sample.labels {
            if label == "le" {
                if let Ok(bound) = value.parse::<f64>() {
                    *value = format!("{bound}");
                }
            }
        }
        format!("{:?}", sample)
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
                normalized(got),
                normalized(want),
                "line {} of /metrics differs from the text format (HELP and TYPE lines \
                 first, series sorted by method, route, status; then the buckets, +Inf, \
                 _sum and _count). The whole output:\n{text}",
                n + 1
            );
        }
        assert_eq!(
            text.lines().count(),
            want.lines().count(),
            "/metrics should have exactly these lines, no more and no fewer:\n{want}\nbut \
             it had:\n{text}"
        );
        assert!(
            text.ends_with('\n') && !text.ends_with("\n\n"),
            "the output should end with one line feed, nothing more"
        );
    }

    /// The standard methods, labelled by name.
    const STANDARD: [&str; 9] = [
        "GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH",
    ];

    /// A method a client could send: a standard one, a standard one in
    /// another case, or an invented token.
    fn any_method() -> impl Strategy<Value = String> {
        prop_oneof![
            2 => proptest::sample::select(STANDARD.to_vec()).prop_map(String::from),
            1 => proptest::sample::select(STANDARD.to_vec()).prop_map(|m| m.to_lowercase()),
            3 => "[A-Za-z][A-Za-z0-9!#$%&'*+.^_`|~-]{0,11}",
        ]
    }

    fn any_path() -> impl Strategy<Value = &'static str> {
        proptest::sample::select(vec!["/users/1", "/users/42", "/users/x", "/nope", "/users"])
    }

    /// The bucket bounds in nanoseconds, to compare durations exactly.
    const BOUNDS_NS: [u128; 8] = [
        5_000_000,
        10_000_000,
        25_000_000,
        50_000_000,
        100_000_000,
        250_000_000,
        500_000_000,
        1_000_000_000,
    ];

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
    }

    proptest! {
        #![proptest_config(crate::generated::config(64))]

        /// Whatever the durations (sub-millisecond parts, exactly at a bound,
        /// one nanosecond over), every bucket counts the requests that took at
        /// most its bound, `_sum` adds them up in seconds and `_count` counts them.
        #[test]
        fn the_histogram_counts_any_durations(
            durations in proptest::collection::vec(duration_up_to(Duration::from_millis(1200)), 1..12),
        ) {
            let text = runtime().block_on(async {
                let mut server = Server::new();
                for took in &durations {
                    server.send("GET", "/users/1", *took).await;
                }
                server.scrape().await
            });
            for (bound, le) in BOUNDS_NS.iter().zip(BUCKETS) {
                let want = durations.iter().filter(|d| d.as_nanos() <= *bound).count();
                let got = bucket(&text, &le.to_string());
                prop_assert_eq!(
                    got,
                    want as f64,
                    "after requests taking {:?}, bucket le=\"{}\" should count {} (every \
                     request that took at most {} s, compared to the nanosecond). /metrics \
                     said:\n{}",
                    durations, le, want, le, text
                );
            }
            let n = durations.len() as f64;
            prop_assert_eq!(bucket(&text, "+Inf"), n, "le=\"+Inf\" counts every request");
            let count = sample(&text, "http_request_duration_seconds_count");
            prop_assert_eq!(count, Some(n), "_count counts every request");
            let total: Duration = durations.iter().sum();
            let sum = sample(&text, "http_request_duration_seconds_sum").unwrap_or(f64::NAN);
            prop_assert!(
                (sum - total.as_secs_f64()).abs() < 1e-9,
                "after requests taking {:?}, http_request_duration_seconds_sum should be {} \
                 (the durations added up, in seconds, to the nanosecond), but was {}",
                durations, total.as_secs_f64(), sum
            );
        }

        /// Any method a client invents, on any path: the method label is one of
        /// the standard methods or "other", the route a template or "unmatched",
        /// and the series come out sorted whatever order the requests came in.
        #[test]
        fn labels_stay_few_and_series_sorted(
            requests in proptest::collection::vec((any_method(), any_path()), 1..16),
        ) {
            let text = runtime().block_on(async {
                let mut server = Server::new();
                for (method, path) in &requests {
                    server.send(method, path, ms(1)).await;
                }
                server.scrape().await
            });
            let counted: Vec<Sample> = samples(&text)
                .into_iter()
                .filter(|s| s.name == "http_requests_total")
                .collect();
            let label = |s: &Sample, name: &str| {
                let found = s.labels.iter().find(|(l, _)| l == name);
                found.map(|(_, v)| v.clone()).unwrap_or_default()
            };
            for series in &counted {
                let method = label(series, "method");
                prop_assert!(
                    STANDARD.contains(&method.as_str()) || method == "other",
                    "after the requests {:?}, /metrics has a series with method=\"{}\": a \
                     client can send any method, and each new label value is a new series \
                     kept in memory forever. Label the standard methods (case-sensitive) by \
                     name and every other method \"other\". /metrics said:\n{}",
                    requests, method, text
                );
                let route = label(series, "route");
                prop_assert!(
                    route == "/users/{id}" || route == "unmatched" || route == "/metrics",
                    "after the requests {:?}, /metrics has a series with route=\"{}\": use the \
                     route template or \"unmatched\". /metrics said:\n{}",
                    requests, route, text
                );
            }
            let keys: Vec<(String, String, String)> = counted
                .iter()
                .map(|s| (label(s, "method"), label(s, "route"), label(s, "status")))
                .collect();
            let mut sorted = keys.clone();
            sorted.sort();
            prop_assert_eq!(
                &keys,
                &sorted,
                "after the requests {:?}, the http_requests_total series should be sorted by \
                 method, then route, then status, whatever order the requests came in. \
                 /metrics said:\n{}",
                requests, text
            );
            let others = requests
                .iter()
                .filter(|(m, _)| !STANDARD.contains(&m.as_str()))
                .count();
            let counted_others: f64 = counted
                .iter()
                .filter(|s| label(s, "method") == "other")
                .map(|s| s.value)
                .sum();
            prop_assert_eq!(
                counted_others,
                others as f64,
                "after the requests {:?}, the series with method=\"other\" should count the \
                 {} request(s) whose method is not a standard one. /metrics said:\n{}",
                requests, others, text
            );
        }

        /// Any label value comes back unchanged when Prometheus reads the line.
        #[test]
        fn any_label_value_reads_back(
            route in proptest::collection::vec(
                prop_oneof![
                    3 => tricky_char(),
                    2 => proptest::sample::select(vec!['\\', '"', '\n', 'n', '{', '}', ',', '=']),
                ],
                0..16,
            ).prop_map(|c| c.into_iter().collect::<String>()),
        ) {
            let mut metrics = Metrics::default();
            metrics.record("GET", &route, 200, ms(1));
            let text = metrics.render();
            let line = text.lines().find(|l| l.starts_with("http_requests_total"));
            let read = line.and_then(parse_sample);
            let value = read
                .as_ref()
                .and_then(|s| s.labels.iter().find(|(l, _)| l == "route"))
                .map(|(_, v)| v.clone());
            prop_assert_eq!(
                value.as_deref(),
                Some(route.as_str()),
                "the route {:?} was written as the line {:?}, which Prometheus reads back as \
                 {:?}: in a label value write \\ as \\\\, \" as \\\" and a line feed as \\n, \
                 and nothing else",
                route, line, value
            );
        }
    }
}
