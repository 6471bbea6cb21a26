//! # Health vs readiness
//!
//! An orchestrator (Kubernetes, a load balancer) asks every instance of a
//! service two different questions:
//!
//! - **Liveness** (`GET /healthz`): "is this process stuck?" If not, it
//!   answers 200, and that is all it does. If it fails, the process is
//!   *restarted*. It must not depend on the database: when the database is
//!   down, restarting every instance of the service cures nothing and turns
//!   an outage into a restart storm.
//! - **Readiness** (`GET /readyz`): "can this instance serve traffic right
//!   now?" It runs the dependency checks (can we reach the database?). While
//!   one fails, it answers 503 Service Unavailable and the instance gets no
//!   traffic, but keeps running; when the dependency recovers, the next
//!   probe answers 200 and traffic comes back.
//!
//! A probe has its own deadline (Kubernetes: `timeoutSeconds`). A check that
//! hangs (a database that accepts the connection but never answers) must make
//! readiness *fail* on time, not hang: bound each check with
//! `tokio::time::timeout`. The probe's answer is a small JSON body naming
//! the failing checks, and nothing more: the driver's error text, file paths
//! and hosts are for the server's log, not for whoever can reach the port.
//!
//! Read more: https://kubernetes.io/docs/concepts/configuration/liveness-readiness-startup-probes/,
//! https://docs.rs/tokio/1/tokio/time/fn.timeout.html

use axum::{
    Json, Router,
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Response},
    routing::get,
};
use serde_json::json;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tracing::warn;

/// What a check answers: `Err` carries the details, for the log only.
type CheckFuture<'a> = Pin<Box<dyn Future<Output = Result<(), String>> + Send + 'a>>;

/// A dependency that must work before this instance takes traffic. (`run`
/// returns a boxed future so that checks can be kept as `Box<dyn Check>`.)
trait Check: Send + Sync {
    /// A short, stable name that clients may see: "database".
    fn name(&self) -> &'static str;
    fn run(&self) -> CheckFuture<'_>;
}

/// Asks SQLite to read its schema. The query runs on a blocking thread:
/// a timeout stops *waiting* for it, not the query itself.
struct SqliteCheck(Arc<Mutex<rusqlite::Connection>>);

impl Check for SqliteCheck {
    // not graded: the demo database check's name, used only by `main`; the tests name their fake checks themselves
    fn name(&self) -> &'static str {
        "database"
    }

    fn run(&self) -> CheckFuture<'_> {
        let connection = Arc::clone(&self.0);
        Box::pin(async move {
            let query = tokio::task::spawn_blocking(move || {
                let connection = connection.lock().map_err(|e| e.to_string())?;
                let sql = "SELECT count(*) FROM sqlite_master";
                let ping = connection.query_row(sql, [], |_| Ok(()));
                ping.map_err(|e| e.to_string())
            });
            query.await.map_err(|e| e.to_string())?
        })
    }
}

/// How long one check may take before it counts as failed.
const CHECK_TIMEOUT: Duration = Duration::from_secs(1);

type Checks = Arc<Vec<Box<dyn Check>>>;

// GET /healthz: 200 {"status":"ok"}, whatever the dependencies do.
async fn healthz() -> Response {
    Json(json!({ "status": "ok" })).into_response()
}

// GET /readyz: runs every check, each for at most CHECK_TIMEOUT, on every
// request. All pass: 200 {"status":"ready"}. Otherwise 503 {"status":"not
// ready","failing":[names of the failing checks, in order]}, and each
// failure is logged at WARN with the fields `check` (its name) and `error`
// (the details, or "timed out").
async fn readyz(State(checks): State<Checks>) -> Response {
    let mut failing = Vec::new();
    for check in checks.iter() {
        let error = match tokio::time::timeout(CHECK_TIMEOUT, check.run()).await {
            Ok(Ok(())) => continue,
            Ok(Err(details)) => details,
            Err(_elapsed) => "timed out".to_string(),
        };
        warn!(check = check.name(), error, "readiness check failed");
        failing.push(check.name());
    }
    if failing.is_empty() {
        Json(json!({ "status": "ready" })).into_response()
    } else {
        let body = json!({ "status": "not ready", "failing": failing });
        (StatusCode::SERVICE_UNAVAILABLE, Json(body)).into_response()
    }
}

fn app(checks: Vec<Box<dyn Check>>) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .with_state(Arc::new(checks))
}

// not graded: a demo server on port 3000 with a real notes.db; the tests call `app` with fake checks
#[tokio::main]
async fn main() {
    // Try it: `cargo run --bin obs5`, then `curl -i localhost:3000/readyz`.
    tracing_subscriber::fmt().init();
    let connection = rusqlite::Connection::open("notes.db").unwrap();
    let checks: Vec<Box<dyn Check>> = vec![Box::new(SqliteCheck(Arc::new(Mutex::new(connection))))];
    let listener = tokio::net::TcpListener::bind("127.0.0.1:3000")
        .await
        .unwrap();
    eprintln!("listening on http://{}", listener.local_addr().unwrap());
    axum::serve(listener, app(checks)).await.unwrap();
}

// ---- grading tests: read them, but do not change them ----
#[cfg(test)]
#[path = "../../support/generated.rs"]
mod generated;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generated::{duration_up_to, tricky_text};
    use axum::body::{Body, to_bytes};
    use axum::extract::Request;
    use proptest::prelude::*;
    use serde_json::Value;
    use std::io::Write;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use tokio::time::Instant;
    use tower::ServiceExt;

    #[derive(Clone, Debug)]
    enum Behaviour {
        Pass,
        Fail(&'static str),
        Take(Duration),
        Hang,
    }
    use Behaviour::*;

    /// A check that does what the test says, and counts its runs.
    #[derive(Clone)]
    struct FakeCheck {
        name: &'static str,
        behaviour: Arc<Mutex<Behaviour>>,
        runs: Arc<AtomicUsize>,
    }

    impl Check for FakeCheck {
        fn name(&self) -> &'static str {
            self.name
        }

        fn run(&self) -> CheckFuture<'_> {
            self.runs.fetch_add(1, Ordering::SeqCst);
            let behaviour = self.behaviour.lock().unwrap().clone();
            Box::pin(async move {
                match behaviour {
                    Pass => Ok(()),
                    Fail(details) => Err(details.to_string()),
                    Take(duration) => {
                        tokio::time::sleep(duration).await;
                        Ok(())
                    }
                    Hang => std::future::pending().await,
                }
            })
        }
    }

    impl FakeCheck {
        fn set(&self, behaviour: Behaviour) {
            *self.behaviour.lock().unwrap() = behaviour;
        }
    }

    const DRIVER_ERROR: &str = "unable to open database file: /var/lib/notes/notes.db";

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

    struct Probe {
        app: Router,
        database: FakeCheck,
        cache: FakeCheck,
        log: Captured,
    }

    impl Probe {
        fn new() -> Probe {
            let check = |name| FakeCheck {
                name,
                behaviour: Arc::new(Mutex::new(Pass)),
                runs: Arc::default(),
            };
            let (database, cache) = (check("database"), check("cache"));
            let checks: Vec<Box<dyn Check>> =
                vec![Box::new(database.clone()), Box::new(cache.clone())];
            let log = Captured::default();
            Probe {
                app: app(checks),
                database,
                cache,
                log,
            }
        }

        /// GET `uri`: answers (status, body, how long it took).
        async fn get(&self, uri: &str) -> (u16, String, Duration) {
            get(&self.app, &self.log, uri).await
        }

        fn warnings(&self) -> Vec<Value> {
            warnings(&self.log)
        }
    }

    /// GET `uri` from `app`, its events logged into `log`: answers (status,
    /// body, how long it took).
    async fn get(app: &Router, log: &Captured, uri: &str) -> (u16, String, Duration) {
        let subscriber = tracing_subscriber::fmt()
            .json()
            .without_time()
            .with_writer(log.clone())
            .finish();
        let _default = tracing::subscriber::set_default(subscriber);
        let started = Instant::now();
        let request = Request::get(uri).body(Body::empty()).unwrap();
        let response = app.clone().oneshot(request);
        let response = tokio::time::timeout(Duration::from_secs(10), response).await;
        let response = response.unwrap_or_else(|_| match uri {
            "/healthz" => panic!(
                "GET /healthz did not answer within 10 s while the database check hangs: \
                     liveness must not wait for any dependency"
            ),
            _ => panic!(
                "GET {uri} did not answer within 10 s while a check hangs: bound each check \
                     with tokio::time::timeout(CHECK_TIMEOUT, ...) so that a hung dependency \
                     makes readiness fail instead of hang"
            ),
        });
        let took = started.elapsed();
        let response = response.unwrap();
        let status = response.status().as_u16();
        let body = to_bytes(response.into_body(), 64 * 1024).await.unwrap();
        (status, String::from_utf8(body.to_vec()).unwrap(), took)
    }

    /// The events logged at WARN, in order.
    fn warnings(log: &Captured) -> Vec<Value> {
        let text = String::from_utf8(log.0.lock().unwrap().clone()).unwrap();
        let events = text
            .lines()
            .map(|l| serde_json::from_str::<Value>(l).unwrap());
        events.filter(|e| e["level"] == "WARN").collect()
    }

    /// Checks the status and the JSON body (compared as JSON: key order aside).
    fn check_reply(got: (u16, String, Duration), status: u16, body: &str, why: &str) {
        let (got_status, got_body, _) = got;
        let parsed: Option<Value> = serde_json::from_str(&got_body).ok();
        let want: Value = serde_json::from_str(body).unwrap();
        assert!(
            got_status == status && parsed.as_ref() == Some(&want),
            "{why}: it should answer {status} {body}, but answered {got_status} {got_body}"
        );
    }

    const READY: &str = r#"{"status":"ready"}"#;
    const NOT_READY_DB: &str = r#"{"failing":["database"],"status":"not ready"}"#;

    #[tokio::test(start_paused = true)]
    async fn liveness_does_not_depend_on_the_database() {
        let probe = Probe::new();
        for behaviour in [Pass, Fail(DRIVER_ERROR), Hang] {
            probe.database.set(behaviour);
            let reply = probe.get("/healthz").await;
            assert_eq!(
                reply.2,
                Duration::ZERO,
                "GET /healthz took {:?} while the database check hangs: liveness must not wait \
                 for any dependency",
                reply.2
            );
            let why = "GET /healthz, whatever the database does (liveness must not depend on it)";
            check_reply(reply, 200, r#"{"status":"ok"}"#, why);
        }
        let runs = probe.database.runs.load(Ordering::SeqCst);
        assert_eq!(
            runs, 0,
            "GET /healthz ran the database check {runs} time(s): liveness must not depend on it"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn readiness_follows_the_database_down_and_up() {
        let probe = Probe::new();
        let why = "GET /readyz with every check passing";
        check_reply(probe.get("/readyz").await, 200, READY, why);
        probe.database.set(Fail(DRIVER_ERROR));
        let (status, body, took) = probe.get("/readyz").await;
        for internal in ["/var/lib", "notes.db", "unable to open"] {
            assert!(
                !body.contains(internal),
                "the /readyz body must not reveal the check's details ({internal:?}): name the \
                 failing check only, and log the details. The body was {body}"
            );
        }
        let why = "GET /readyz while the database check fails";
        check_reply((status, body, took), 503, NOT_READY_DB, why);
        probe.database.set(Pass);
        check_reply(
            probe.get("/readyz").await,
            200,
            READY,
            "GET /readyz when the database recovers (run the checks again on every probe)",
        );
        let runs = probe.database.runs.load(Ordering::SeqCst);
        assert_eq!(
            runs, 3,
            "each GET /readyz should run the database check once"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn every_failing_check_is_named_in_order() {
        let probe = Probe::new();
        probe.database.set(Fail(DRIVER_ERROR));
        probe.cache.set(Fail("connect to 10.0.0.9:6379: refused"));
        let body = r#"{"failing":["database","cache"],"status":"not ready"}"#;
        let why = "GET /readyz while both checks fail (name every failing check, in the \
                   order of the checks)";
        check_reply(probe.get("/readyz").await, 503, body, why);
        probe.database.set(Pass);
        let body = r#"{"failing":["cache"],"status":"not ready"}"#;
        let why = "GET /readyz while only the cache check fails";
        check_reply(probe.get("/readyz").await, 503, body, why);
    }

    #[tokio::test(start_paused = true)]
    async fn a_hung_check_fails_after_the_timeout() {
        let probe = Probe::new();
        probe.database.set(Hang);
        let (status, body, took) = probe.get("/readyz").await;
        let why = "GET /readyz while the database check hangs";
        check_reply((status, body, took), 503, NOT_READY_DB, why);
        assert!(
            took >= CHECK_TIMEOUT && took < CHECK_TIMEOUT + Duration::from_millis(50),
            "GET /readyz answered after {took:?} while the database check hangs: give up on \
             the check after CHECK_TIMEOUT ({CHECK_TIMEOUT:?})"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_slow_check_within_the_timeout_passes() {
        let probe = Probe::new();
        probe.database.set(Take(Duration::from_millis(900)));
        let why = "GET /readyz while the database check takes 900 ms, under the 1 s \
                   CHECK_TIMEOUT";
        check_reply(probe.get("/readyz").await, 200, READY, why);
        probe.database.set(Take(Duration::from_millis(1100)));
        let why = "GET /readyz while the database check takes 1100 ms, over the 1 s \
                   CHECK_TIMEOUT";
        check_reply(probe.get("/readyz").await, 503, NOT_READY_DB, why);
    }

    #[tokio::test(start_paused = true)]
    async fn failures_are_logged_with_their_details() {
        let probe = Probe::new();
        probe.database.set(Fail(DRIVER_ERROR));
        probe.get("/readyz").await;
        probe.database.set(Hang);
        probe.get("/readyz").await;
        let warnings = probe.warnings();
        let fields: Vec<(&Value, &Value)> = warnings
            .iter()
            .map(|w| (&w["fields"]["check"], &w["fields"]["error"]))
            .collect();
        assert_eq!(
            fields,
            [
                (&Value::from("database"), &Value::from(DRIVER_ERROR)),
                (&Value::from("database"), &Value::from("timed out")),
            ],
            "each failed check should be logged once at WARN with the fields check=<name> \
             and error=<the details, or \"timed out\">; the WARN events were {warnings:?}"
        );
    }

    /// What one check does in a generated probe: pass, fail with details (the
    /// details start with "x-detail" and hold any text), take some time (with
    /// sub-millisecond parts, either side of CHECK_TIMEOUT), or hang.
    fn behaviour() -> impl Strategy<Value = Behaviour> {
        let near = CHECK_TIMEOUT - Duration::from_millis(1)..=CHECK_TIMEOUT;
        prop_oneof![
            2 => Just(Pass),
            2 => tricky_text(0, 12).prop_map(|text| {
                Fail(Box::leak(format!("x-detail: {text}").into_boxed_str()))
            }),
            3 => duration_up_to(Duration::from_secs(3))
                .prop_filter("not within the timer's tick of CHECK_TIMEOUT", move |d| {
                    !near.contains(d) || *d == CHECK_TIMEOUT
                })
                .prop_map(Take),
            1 => Just(Hang),
        ]
    }

    const NAMES: [&str; 5] = ["database", "cache", "queue", "search", "mail"];

    proptest! {
        #![proptest_config(crate::generated::config(64))]

        /// Any number of checks (1 to 5), each passing, failing, slow or hung,
        /// probed up to three times while they change: every probe runs each
        /// check once, names the failing ones in the order of the checks, logs
        /// each failure once, and keeps the details out of the body.
        #[test]
        fn readiness_holds_for_any_mix_of_checks(
            rounds in (1usize..=5).prop_flat_map(|n| {
                proptest::collection::vec(proptest::collection::vec(behaviour(), n), 1..=3)
            }),
        ) {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_time()
                .start_paused(true)
                .build()
                .unwrap();
            runtime.block_on(async {
                let fakes: Vec<FakeCheck> = NAMES[..rounds[0].len()]
                    .iter()
                    .map(|&name| FakeCheck {
                        name,
                        behaviour: Arc::new(Mutex::new(Pass)),
                        runs: Arc::default(),
                    })
                    .collect();
                let checks = fakes.iter().map(|f| Box::new(f.clone()) as Box<dyn Check>);
                let app = app(checks.collect());
                let log = Captured::default();
                for (round, behaviours) in rounds.iter().enumerate() {
                    for (fake, behaviour) in fakes.iter().zip(behaviours) {
                        fake.set(behaviour.clone());
                    }
                    let story: Vec<String> = fakes
                        .iter()
                        .zip(behaviours)
                        .map(|(f, b)| format!("{}: {b:?}", f.name))
                        .collect();
                    let story = format!("probe {} with the checks [{}]", round + 1, story.join(", "));
                    let runs: Vec<usize> = fakes.iter().map(|f| f.runs.load(Ordering::SeqCst)).collect();
                    let (status, body, took) = get(&app, &log, "/healthz").await;
                    prop_assert!(
                        status == 200 && took == Duration::ZERO
                            && serde_json::from_str::<Value>(&body).ok() == Some(json!({"status": "ok"})),
                        "GET /healthz, {}: it should answer 200 {{\"status\":\"ok\"}} at once, \
                         but answered {} {} after {:?}: liveness depends on no check",
                        story, status, body, took
                    );
                    let warned = warnings(&log).len();
                    let (status, body, took) = get(&app, &log, "/readyz").await;
                    // The oracle.
                    let mut failing = Vec::new();
                    let mut expected_log = Vec::new();
                    let mut bound = Duration::from_millis(1);
                    for (fake, behaviour) in fakes.iter().zip(behaviours) {
                        let error = match behaviour {
                            Pass => None,
                            Fail(details) => Some(details.to_string()),
                            Take(d) if *d <= CHECK_TIMEOUT => {
                                bound += *d;
                                None
                            }
                            Take(_) | Hang => {
                                bound += CHECK_TIMEOUT;
                                Some("timed out".to_string())
                            }
                        };
                        bound += Duration::from_millis(1);
                        if let Some(error) = error {
                            failing.push(fake.name);
                            expected_log.push((fake.name.to_string(), error));
                        }
                    }
                    let (want_status, want_body) = match failing.is_empty() {
                        true => (200, json!({"status": "ready"})),
                        false => (503, json!({"status": "not ready", "failing": failing})),
                    };
                    prop_assert!(
                        status == want_status
                            && serde_json::from_str::<Value>(&body).ok() == Some(want_body.clone()),
                        "GET /readyz, {}: it should answer {} {}, but answered {} {}. A check \
                         fails when it returns Err or takes longer than CHECK_TIMEOUT \
                         ({:?}); readiness runs every check on every probe and names each \
                         failing one, in the order of the checks",
                        story, want_status, want_body, status, body, CHECK_TIMEOUT
                    );
                    prop_assert!(
                        !body.contains("x-detail"),
                        "GET /readyz, {}: the body {} reveals a check's details: name the \
                         failing check only, and log the details",
                        story, body
                    );
                    for (fake, before) in fakes.iter().zip(&runs) {
                        let ran = fake.runs.load(Ordering::SeqCst) - before;
                        prop_assert_eq!(
                            ran, 1,
                            "GET /readyz, {}: the {} check ran {} time(s): each probe runs \
                             every check exactly once (GET /healthz none)",
                            story, fake.name, ran
                        );
                    }
                    prop_assert!(
                        took <= bound,
                        "GET /readyz, {}: it answered after {:?}; with each check given at most \
                         CHECK_TIMEOUT ({:?}) it takes at most {:?}",
                        story, took, CHECK_TIMEOUT, bound
                    );
                    let mut logged: Vec<(String, String)> = warnings(&log)[warned..]
                        .iter()
                        .map(|w| {
                            let field = |name: &str| match &w["fields"][name] {
                                Value::String(text) => text.clone(),
                                other => other.to_string(),
                            };
                            (field("check"), field("error"))
                        })
                        .collect();
                    logged.sort();
                    expected_log.sort();
                    prop_assert_eq!(
                        &logged, &expected_log,
                        "GET /readyz, {}: each failing check should be logged once at WARN with \
                         check=<its name> and error=<its details, or \"timed out\">, and a \
                         passing check not at all: (check, error) logged vs expected",
                        story
                    );
                }
                Ok::<(), TestCaseError>(())
            })?;
        }
    }
}
