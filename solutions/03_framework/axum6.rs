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
//! In production the process also has a deadline: the orchestrator kills
//! it if it has not stopped after a grace period (30 s by default in
//! Kubernetes). That deadline is the orchestrator's (or `main`'s) business,
//! not the server's: `run` waits for every request in flight, however long
//! it takes.
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
async fn run(
    listener: TcpListener,
    router: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router)
        .with_graceful_shutdown(shutdown)
        .await
}

// not graded: a demo server on port 3000 with a timer that opens the gate; the tests call `run` and `app`
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

// ---- grading tests: read them, but do not change them ----
#[cfg(test)]
mod tests {
    use super::*;
    use std::io::ErrorKind::WouldBlock;
    use std::net::SocketAddr;
    use std::time::Duration;
    use tokio::net::TcpStream;
    use tokio::sync::oneshot;
    use tokio::task::JoinHandle;

    /// Awaits `future`, but fails the test after 2 s with `failure`.
    async fn within<T>(failure: &str, future: impl Future<Output = T>) -> T {
        let result = tokio::time::timeout(Duration::from_secs(2), future).await;
        result.unwrap_or_else(|_| panic!("{failure} (waited 2 s)"))
    }

    /// Runs the server on a free port; answers its address, the sender that
    /// triggers the shutdown, and the task that runs `run`.
    async fn start(
        gate: Arc<Gate>,
    ) -> (
        SocketAddr,
        oneshot::Sender<()>,
        JoinHandle<std::io::Result<()>>,
    ) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (shutdown, signal) = oneshot::channel::<()>();
        let server = tokio::spawn(run(listener, app(gate), async {
            signal.await.unwrap_or(())
        }));
        (addr, shutdown, server)
    }

    /// Connects and sends raw bytes (tokio readiness API: no `io-util` needed).
    async fn send(addr: SocketAddr, request: &str) -> TcpStream {
        let stream = TcpStream::connect(addr)
            .await
            .expect("could not connect to the server");
        let mut unsent = request.as_bytes();
        while !unsent.is_empty() {
            stream.writable().await.unwrap();
            match stream.try_write(unsent) {
                Ok(n) => unsent = &unsent[n..],
                Err(e) if e.kind() == WouldBlock => continue,
                Err(e) => panic!("could not send the request: {e}"),
            }
        }
        stream
    }

    /// Reads until the text ends with `end` or, if `end` is empty, until the
    /// server closes the connection.
    async fn read_until(stream: &TcpStream, end: &str) -> String {
        let (mut received, mut buf) = (Vec::new(), [0u8; 4096]);
        while end.is_empty() || !received.ends_with(end.as_bytes()) {
            stream.readable().await.unwrap();
            match stream.try_read(&mut buf) {
                Ok(0) => break,
                Ok(n) => received.extend_from_slice(&buf[..n]),
                Err(e) if e.kind() == WouldBlock => continue,
                Err(_) => break, // reset by the server: answer what came
            }
        }
        String::from_utf8_lossy(&received).into_owned()
    }

    const HEALTH: &str = "GET /health HTTP/1.1\r\nHost: test\r\n\r\n";

    #[tokio::test]
    async fn requests_are_served_before_the_signal() {
        let (addr, _shutdown, _server) = start(Arc::new(Gate::default())).await;
        let stream = send(addr, HEALTH).await;
        let answer = within(
            "GET /health got no answer",
            read_until(&stream, "\r\n\r\nok"),
        )
        .await;
        assert!(
            answer.starts_with("HTTP/1.1 200 OK\r\n"),
            "GET /health should answer 200 while the server runs, but got {answer:?}"
        );
    }

    #[tokio::test]
    async fn idle_server_stops_on_the_signal() {
        let (_addr, shutdown, server) = start(Arc::new(Gate::default())).await;
        shutdown.send(()).unwrap();
        let result = within(
            "run() should return soon after the shutdown signal, but it kept running",
            server,
        )
        .await;
        assert!(
            matches!(result, Ok(Ok(()))),
            "run() should return Ok(()) after a graceful shutdown, but it gave {result:?}"
        );
    }

    #[tokio::test]
    async fn in_flight_request_finishes_before_the_server_stops() {
        let gate = Arc::new(Gate::default());
        let (addr, shutdown, server) = start(gate.clone()).await;
        // An idle keep-alive connection: it has had its answer and stays open.
        let idle = send(addr, HEALTH).await;
        within("GET /health got no answer", read_until(&idle, "\r\n\r\nok")).await;
        // A request in flight: its handler waits for `gate.release`.
        let busy = send(addr, "GET /slow HTTP/1.1\r\nHost: test\r\n\r\n").await;
        within(
            "GET /slow never reached its handler",
            gate.started.notified(),
        )
        .await;

        shutdown.send(()).unwrap();
        let failure = "after the shutdown signal the server should close idle keep-alive connections, but the idle one stayed open: is the signal passed to with_graceful_shutdown?";
        let rest = within(failure, read_until(&idle, "")).await;
        assert_eq!(
            rest, "",
            "the idle connection should be closed without another answer"
        );
        assert!(
            !server.is_finished(),
            "run() returned while GET /slow was still in flight; it must wait until in-flight requests have finished"
        );
        // A new connection after the signal must not be served any more.
        if let Ok(late) = TcpStream::connect(addr).await {
            let late_answer = async {
                let mut unsent = HEALTH.as_bytes();
                while !unsent.is_empty() && late.writable().await.is_ok() {
                    match late.try_write(unsent) {
                        Ok(n) => unsent = &unsent[n..],
                        Err(e) if e.kind() == WouldBlock => continue,
                        Err(_) => break,
                    }
                }
                read_until(&late, "").await
            };
            let failure = "a connection opened after the shutdown signal was kept open \
                           without an answer; it should be refused or closed";
            let late_answer = within(failure, late_answer).await;
            assert!(
                !late_answer.contains("200 OK"),
                "after the shutdown signal the server must stop accepting new \
                 connections, but a new one was served: {late_answer:?}"
            );
        }

        gate.release.notify_one();
        let answer = within(
            "GET /slow was released but its answer never came",
            read_until(&busy, ""),
        )
        .await;
        assert!(
            answer.starts_with("HTTP/1.1 200 OK\r\n"),
            "the in-flight GET /slow should still get its 200 answer after the shutdown signal, but got {answer:?}"
        );
        assert!(
            answer.ends_with("\r\n\r\ndone"),
            "the in-flight GET /slow should answer \"done\", but got {answer:?}"
        );

        let result = within(
            "the server should stop once the last request has finished",
            server,
        )
        .await;
        assert!(
            matches!(result, Ok(Ok(()))),
            "run() should return Ok(()) after a graceful shutdown, but it gave {result:?}"
        );
    }

    enum Event {
        /// 30 days passed on the server's (paused, auto-advancing) clock.
        MonthPassed,
        /// `run` returned this, so long after the signal on the server's clock.
        Returned(std::io::Result<()>, Duration),
    }

    /// Runs the server on its own thread, in a runtime whose clock is paused:
    /// whenever the server only waits, tokio moves its clock straight to the
    /// next timer, so a deadline of any length passes at once. After the
    /// signal (sent on the returned sender), a probe timer of 30 days reports
    /// `MonthPassed`, and `run` returning reports `Returned`.
    fn start_on_a_paused_clock(
        gate: Arc<Gate>,
    ) -> (
        SocketAddr,
        oneshot::Sender<()>,
        tokio::sync::mpsc::UnboundedReceiver<Event>,
    ) {
        let (addr_tx, addr_rx) = std::sync::mpsc::channel();
        let (stop, stop_rx) = oneshot::channel::<()>();
        let (events, events_rx) = tokio::sync::mpsc::unbounded_channel();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .start_paused(true)
                .build()
                .unwrap();
            runtime.block_on(async move {
                let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
                addr_tx.send(listener.local_addr().unwrap()).unwrap();
                let (signal_tx, signal) = oneshot::channel::<()>();
                let mut server = tokio::spawn(run(listener, app(gate), async {
                    signal.await.unwrap_or(())
                }));
                stop_rx.await.ok();
                let signalled = tokio::time::Instant::now();
                signal_tx.send(()).ok();
                let month = tokio::time::sleep(Duration::from_secs(30 * 24 * 3600));
                tokio::select! {
                    result = &mut server => {
                        let result = result.unwrap_or_else(|e| Err(std::io::Error::other(e)));
                        events.send(Event::Returned(result, signalled.elapsed())).ok();
                        return;
                    }
                    _ = month => { events.send(Event::MonthPassed).ok(); }
                }
                let result = server
                    .await
                    .unwrap_or_else(|e| Err(std::io::Error::other(e)));
                events
                    .send(Event::Returned(result, signalled.elapsed()))
                    .ok();
            });
        });
        (addr_rx.recv().unwrap(), stop, events_rx)
    }

    #[tokio::test]
    async fn in_flight_request_is_awaited_however_long_it_takes() {
        let gate = Arc::new(Gate::default());
        let (addr, stop, mut events) = start_on_a_paused_clock(gate.clone());
        let busy = send(addr, "GET /slow HTTP/1.1\r\nHost: test\r\n\r\n").await;
        within(
            "GET /slow never reached its handler",
            gate.started.notified(),
        )
        .await;
        stop.send(()).unwrap();
        let first = within("the server thread stopped reporting", events.recv()).await;
        if let Some(Event::Returned(result, after)) = first {
            panic!(
                "run() returned ({result:?}) {after:?} after the shutdown signal while GET /slow \
                 was still in flight: it must wait for every request in flight, however long \
                 it takes; a grace deadline is the orchestrator's (or main's), not run's"
            );
        }
        gate.release.notify_one();
        let answer = within(
            "GET /slow was released but its answer never came",
            read_until(&busy, ""),
        )
        .await;
        assert!(
            answer.starts_with("HTTP/1.1 200 OK\r\n") && answer.ends_with("\r\n\r\ndone"),
            "GET /slow, in flight for 30 days (on tokio's clock) after the shutdown signal, \
             should still be answered 200 \"done\", but got {answer:?}"
        );
        let last = within(
            "the server should stop once the last request has finished",
            events.recv(),
        )
        .await;
        assert!(
            matches!(last, Some(Event::Returned(Ok(()), _))),
            "run() should return Ok(()) once the last request has finished"
        );
    }
}
