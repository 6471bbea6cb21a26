// Appended to solutions/03_framework/axum6.rs by tests/interop.rs: a request curl has in
// flight when the shutdown signal comes still gets its answer; new connections are refused.
#[cfg(test)]
mod interop {
    use super::*;
    use std::process::{Command, Stdio};
    use std::time::{Duration, Instant};

    #[test]
    fn curl_in_flight_request_finishes_during_shutdown() {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let gate = Arc::new(Gate::default());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let listener = runtime.block_on(TcpListener::bind("127.0.0.1:0")).unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let shutdown = async move {
            let _ = stopped.await;
        };
        let server = runtime.spawn(run(listener, app(gate.clone()), shutdown));

        let slow = Command::new("curl")
            .args(["-sS", "--max-time", "10", &format!("{url}/slow")])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("curl runs (install curl)");
        let entered = runtime.block_on(async {
            tokio::time::timeout(Duration::from_secs(5), gate.started.notified()).await
        });
        assert!(
            entered.is_ok(),
            "curl's GET /slow never reached the handler"
        );
        stop.send(()).unwrap();

        // New connections are refused soon after the signal (curl exit code 7).
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let status = Command::new("curl")
                .args(["-sS", "--max-time", "1", &format!("{url}/health")])
                .stderr(Stdio::null())
                .stdout(Stdio::null())
                .status()
                .unwrap();
            if status.code() == Some(7) {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "the server still accepts connections"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        assert!(
            !server.is_finished(),
            "the server stopped with a request in flight"
        );

        gate.release.notify_one();
        let out = slow.wait_with_output().unwrap();
        let body = String::from_utf8_lossy(&out.stdout);
        let log = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success() && body == "done",
            "curl's in-flight request: {body:?} {log}"
        );
        let result =
            runtime.block_on(async { tokio::time::timeout(Duration::from_secs(5), server).await });
        assert!(
            matches!(result, Ok(Ok(Ok(())))),
            "run should return Ok once the last request is answered"
        );
    }
}
