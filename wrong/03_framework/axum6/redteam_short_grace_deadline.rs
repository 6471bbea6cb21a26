// wrong: graceful shutdown with a 5 s deadline: a request still in flight after 5 s is cut off and run returns early
// expect: however long it takes
//! # Graceful shutdown
//!
//! Servers are stopped all the time: every deploy replaces the old process,
//! and Kubernetes or systemd ask it to stop with SIGTERM (Ctrl-C sends
//! SIGINT). If the process just exits, every request it is working on is cut
//! off: the client sees a reset connection, and a half-done operation may
//! never report its result. A *graceful* shutdown, on the signal:
//!
//! 1. stops accepting new connections (the load balancer sends them to the
//!    other instances),
//! 2. closes idle keep-alive connections,
//! 3. lets every request in flight finish and send its response,
//! 4. and only then returns, so `main` can exit.
//!
//! axum does all of this with
//! `axum::serve(listener, router).with_graceful_shutdown(signal)`, where
//! `signal` is any future that completes when it is time to stop, e.g.
//! `tokio::signal::ctrl_c()` in `main`, or a channel in a test. Stopping the
//! server with `tokio::select!` or by aborting its task does step 1 but not
//! 3 and 4: that is not graceful.
//!
//! In production, add a deadline: orchestrators kill the process if it has
//! not stopped after a grace period (30 s by default in Kubernetes).
//!
//! Read more: https://docs.rs/axum/0.8/axum/serve/struct.Serve.html#method.with_graceful_shutdown
//! and the example https://github.com/tokio-rs/axum/tree/main/examples/graceful-shutdown

use axum::{Router, extract::State, routing::get};
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio::sync::Notify;

/// Lets a test hold `GET /slow` in flight for as long as it likes.
#[derive(Default)]
struct Gate {
    /// Notified when a request has entered the slow handler.
    started: Notify,
    /// The slow handler answers once this is notified.
    release: Notify,
}

// GET /slow
async fn slow(State(gate): State<Arc<Gate>>) -> &'static str {
    gate.started.notify_one();
    gate.release.notified().await;
    "done"
}

fn app(gate: Arc<Gate>) -> Router {
    Router::new()
        .route("/health", get(|| async { "ok" }))
        .route("/slow", get(slow))
        .with_state(gate)
}

/// Serves `router` until `shutdown` completes, then shuts down gracefully.
// TODO: this server never stops: it ignores `shutdown`. When `shutdown`
// completes, stop gracefully: no new connections, idle ones closed, the
// requests in flight answered, and only then return.
async fn run(
    listener: TcpListener,
    router: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let (stopping_tx, stopping_rx) = tokio::sync::oneshot::channel::<()>();
    let signal = async move {
        shutdown.await;
        let _ = stopping_tx.send(());
    };
    let server = axum::serve(listener, router).with_graceful_shutdown(signal);
    // Like an orchestrator, do not wait for ever once asked to stop.
    let deadline = async move {
        if stopping_rx.await.is_ok() {
            tokio::time::sleep(std::time::Duration::from_secs(5)).await;
        } else {
            std::future::pending::<()>().await;
        }
    };
    tokio::select! {
        result = server => result,
        _ = deadline => Ok(()),
    }
}

#[tokio::main]
async fn main() {
    // Try it: `cargo run --bin axum6`, `curl -i localhost:3000/slow` (it
    // answers after 10 s), and press Ctrl-C in the server's terminal
    // meanwhile: the server waits for the answer, then stops.
    let gate = Arc::new(Gate::default());
    let opener = gate.clone();
    tokio::spawn(async move {
        loop {
            opener.started.notified().await;
            tokio::time::sleep(std::time::Duration::from_secs(10)).await;
            opener.release.notify_one();
        }
    });
    let listener = TcpListener::bind("127.0.0.1:3000").await.unwrap();
    println!("listening on http://{}", listener.local_addr().unwrap());
    let ctrl_c = async { tokio::signal::ctrl_c().await.unwrap() };
    run(listener, app(gate), ctrl_c).await.unwrap();
    println!("stopped gracefully");
}
