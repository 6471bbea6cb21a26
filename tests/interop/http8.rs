// Appended to solutions/01_http/http8.rs by tests/interop.rs: the server against curl,
// Python's http.client and raw sockets.
#[cfg(test)]
mod interop {
    use super::clients::{curl, python};
    use super::*;
    use std::time::Duration;

    /// Starts the server with its production limits; its base URL.
    fn start() -> String {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        thread::spawn(move || serve(listener, LIMITS));
        format!("http://{addr}")
    }

    fn port(url: &str) -> &str {
        url.rsplit(':').next().unwrap()
    }

    #[test]
    fn curl_get_head_and_post() {
        let url = start();
        let (body, _, _) = curl(&["-sS", &format!("{url}/")]);
        assert_eq!(body, "hello\n", "curl GET /");
        let (head, _, _) = curl(&["-sS", "-I", &format!("{url}/")]);
        assert!(
            head.starts_with("HTTP/1.1 200 OK\r\n"),
            "curl HEAD /: {head:?}"
        );
        assert!(
            head.contains("Content-Length: 6\r\n"),
            "HEAD has GET's length: {head:?}"
        );
        let (echo, _, _) = curl(&["-sS", "--data-binary", "pïng", &format!("{url}/echo")]);
        assert_eq!(echo, "pïng", "curl POST /echo");
        // Two URLs on one connection: curl reuses it (keep-alive) and says so.
        let (both, log, _) = curl(&["-sS", "-v", &format!("{url}/"), &format!("{url}/nope")]);
        assert_eq!(
            both, "hello\nnot found\n",
            "two requests on one curl connection"
        );
        assert!(
            log.contains("Re-using existing") || log.contains("left intact"),
            "curl should keep the connection open between the two requests:\n{log}"
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
        let (echo, log, took) = curl(&[&args[..], &[&format!("{url}/echo")]].concat());
        assert_eq!(echo, "ping");
        assert!(
            log.contains("HTTP/1.1 100 Continue"),
            "no 100 Continue:\n{log}"
        );
        // Without `100 Continue`, curl waits 1 s (its --expect100-timeout) before the body.
        assert!(
            took < Duration::from_millis(700),
            "curl waited {took:?}:\n{log}"
        );
    }

    #[test]
    fn curl_chunked_upload_is_refused_and_the_server_keeps_serving() {
        let url = start();
        let args = ["-sS", "-o", "/dev/null", "-w", "%{http_code}", "-H"];
        let chunked = [
            &args[..],
            &["Transfer-Encoding: chunked", "--data-binary", "ping"],
        ];
        let (code, _, _) = curl(&[&chunked.concat()[..], &[&format!("{url}/echo")]].concat());
        assert_eq!(code, "501", "a chunked upload: 501 Not Implemented");
        let (body, _, _) = curl(&["-sS", &format!("{url}/")]);
        assert_eq!(body, "hello\n", "the server still serves after a refusal");
    }

    #[test]
    fn python_http_client_keeps_the_connection_alive() {
        let url = start();
        let script = r#"
import http.client, sys
conn = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]), timeout=5)
conn.request("GET", "/")
r = conn.getresponse(); assert (r.status, r.read()) == (200, b"hello\n")
sock = conn.sock
conn.request("POST", "/echo", body=b"\x00\xffbinary")
r = conn.getresponse(); assert (r.status, r.read()) == (200, b"\x00\xffbinary")
conn.request("HEAD", "/")
r = conn.getresponse()
assert r.status == 200 and r.getheader("Content-Length") == "6", r.getheaders()
assert r.read() == b""
conn.request("GET", "/nope")
r = conn.getresponse(); assert (r.status, r.read()) == (404, b"not found\n")
assert conn.sock is sock, "http.client had to open a new connection: keep-alive broken"
conn.request("GET", "/", headers={"Connection": "close"})
r = conn.getresponse(); assert r.getheader("Connection") == "close"; r.read()
print("ok")
"#;
        assert_eq!(python(script, &[port(&url)]), "ok");
    }

    #[test]
    fn python_raw_sockets_hostile_requests() {
        let url = start();
        let script = r#"
import socket, sys
port = int(sys.argv[1])
def exchange(data):
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    s.sendall(data)
    got = b""
    try:
        while chunk := s.recv(65536):
            got += chunk
    except ConnectionResetError:
        pass
    s.close()
    return got
def refused(data, status, why):
    got = exchange(data)
    assert got.startswith(b"HTTP/1.1 " + status), (why, got)
    assert got.count(b"HTTP/1.1 ") == 1, (why, "more than one response", got)
    assert b"Connection: close\r\n" in got, (why, got)
H = b"Host: localhost\r\n"
refused(b"POST /echo HTTP/1.1\r\n" + H + b"Content-Length: 1000000000000\r\n\r\n", b"413", "a terabyte")
refused(b"POST /echo HTTP/1.1\r\n" + H + b"Content-Length: 99999999999999999999999\r\n\r\n", b"413", "beyond u64")
smuggle = b"0\r\n\r\nGET /nope HTTP/1.1\r\n" + H + b"\r\n"
refused(b"POST /echo HTTP/1.1\r\n" + H + b"Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n" + smuggle, b"501", "TE and CL")
refused(b"POST /echo HTTP/1.1\r\n" + H + b"Transfer-Encoding: gzip\r\n\r\nxx", b"400", "TE not ending in chunked")
refused(b"POST /echo HTTP/1.1\r\n" + H + b"Content-Length: 4\r\nContent-Length: 5\r\n\r\npingx", b"400", "two lengths")
refused(b"GET / HTTP/1.1\r\n\r\n", b"400", "no Host")
refused(b"GET / HTTP/1.1\r\n" + H + H + b"\r\n", b"400", "two Hosts")
refused(b"GET / HTTP/1.1\r\n" + H + b"X: " + b"a" * 9000 + b"\r\n\r\n", b"431", "a 9 KB header")
refused(b"GET / HTTP/1.1\r\n" + b"a" * 20000, b"431", "a line that never ends")
refused(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n", b"400", "a TLS hello")
refused(b"GET / HTTP/2.0\r\n" + H + b"\r\n", b"505", "HTTP/2.0 in text")
# Empty lines before a request are ignored (RFC 9112 2.2); HEAD has no body.
got = exchange(b"\r\nHEAD / HTTP/1.1\r\n" + H + b"Connection: close\r\n\r\n")
assert got == b"HTTP/1.1 200 OK\r\nContent-Length: 6\r\nConnection: close\r\n\r\n", got
assert exchange(b"GET / HTTP/1.0\r\n\r\n").endswith(b"\r\n\r\nhello\n")
print("ok")
"#;
        assert_eq!(python(script, &[port(&url)]), "ok");
        let (body, _, _) = curl(&["-sS", &format!("{url}/")]);
        assert_eq!(body, "hello\n", "the server still serves after all that");
    }
}
