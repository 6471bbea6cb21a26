// wrong: runs the checks side by side and names the failing ones in the order they finished, not in the order of the checks
// expect: in the order of the checks
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
    // Run the checks side by side, so that the probe takes as long as the
    // slowest check, not their sum.
    let mut running = tokio::task::JoinSet::new();
    for index in 0..checks.len() {
        let checks = Arc::clone(&checks);
        running.spawn(async move {
            let check = &checks[index];
            let outcome = match tokio::time::timeout(CHECK_TIMEOUT, check.run()).await {
                Ok(Ok(())) => None,
                Ok(Err(details)) => Some(details),
                Err(_elapsed) => Some("timed out".to_string()),
            };
            (check.name(), outcome)
        });
    }
    let mut failing = Vec::new();
    while let Some(done) = running.join_next().await {
        if let Ok((name, Some(error))) = done {
            warn!(check = name, error, "readiness check failed");
            failing.push(name);
        }
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
