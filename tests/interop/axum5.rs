// Appended to solutions/03_framework/axum5.rs by tests/interop.rs: the axum server on a real
// socket, against curl and Python's http.client.
#[cfg(test)]
mod interop {
    use super::clients::{curl, python};
    use super::*;
    use std::time::Duration;

    /// Runs `serve` on its own runtime, in the background; its base URL.
    fn start() -> String {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Runtime::new().unwrap();
            runtime.block_on(async {
                let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
                tx.send(listener.local_addr().unwrap()).unwrap();
                serve(listener).await.unwrap();
            });
        });
        format!("http://{}", rx.recv().unwrap())
    }

    #[test]
    fn curl_health_reverse_and_not_found() {
        let url = start();
        let (body, _, _) = curl(&["-sS", "-i", &format!("{url}/health")]);
        assert!(body.starts_with("HTTP/1.1 200 OK\r\n"), "{body}");
        assert!(body.contains("content-type: application/json"), "{body}");
        assert!(body.ends_with(r#"{"status":"ok"}"#), "{body}");
        let (reversed, _, _) =
            curl(&["-sS", "--data-binary", "héllo ✓", &format!("{url}/reverse")]);
        assert_eq!(reversed, "✓ olléh", "reversed by characters, not bytes");
        let args = ["-sS", "-o", "/dev/null", "-w", "%{http_code}"];
        let (code, _, _) = curl(&[&args[..], &[&format!("{url}/nope")]].concat());
        assert_eq!(code, "404");
        let (code, _, _) = curl(&[&args[..], &[&format!("{url}/reverse")]].concat());
        assert_eq!(
            code, "405",
            "GET /reverse: the path exists, the method does not"
        );
    }

    #[test]
    fn curl_expect_100_continue_does_not_wait() {
        let url = start();
        let args = [
            "-sS",
            "-v",
            "-H",
            "Expect: 100-continue",
            "--data-binary",
            "ping",
        ];
        let (body, log, took) = curl(&[&args[..], &[&format!("{url}/reverse")]].concat());
        assert_eq!(body, "gnip");
        assert!(
            took < Duration::from_millis(700),
            "curl waited {took:?}:\n{log}"
        );
    }

    #[test]
    fn python_http_client_keep_alive_and_head() {
        let url = start();
        let script = r#"
import http.client, json, sys
conn = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]), timeout=5)
conn.request("GET", "/health")
r = conn.getresponse(); assert json.loads(r.read()) == {"status": "ok"}
sock = conn.sock
conn.request("HEAD", "/health")
r = conn.getresponse(); assert r.status == 200 and r.read() == b"", r.status
conn.request("POST", "/reverse", body="abc")
r = conn.getresponse(); assert r.read() == b"cba"
conn.request("GET", "/missing")
r = conn.getresponse(); assert r.status == 404 and json.loads(r.read()) == {"error": "not found"}
assert conn.sock is sock, "http.client had to reconnect: keep-alive broken"
print("ok")
"#;
        let port = url.rsplit(':').next().unwrap();
        assert_eq!(python(script, &[port]), "ok");
    }
}
