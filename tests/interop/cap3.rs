// Appended to solutions/11_capstone/cap3.rs by tests/interop.rs: the capstone's notes API on a
// real socket, against curl, Python's http.client and PyJWT.
#[cfg(test)]
mod interop {
    use super::clients::{curl, python};
    use super::*;

    const SECRET: &str = "an interop secret of forty bytes, or so!";

    /// Runs the app on its own runtime, in the background, with the system clock; its port.
    fn start() -> String {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Runtime::new().unwrap();
            runtime.block_on(async {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                tx.send(listener.local_addr().unwrap()).unwrap();
                let state = App::new(
                    capstone::Db::open_in_memory(),
                    Arc::new(capstone::SystemClock),
                    Arc::from(SECRET.as_bytes()),
                );
                axum::serve(listener, app(state)).await.unwrap();
            });
        });
        rx.recv().unwrap().port().to_string()
    }

    #[test]
    fn curl_signs_up_logs_in_and_writes_a_note() {
        let port = start();
        let url = format!("http://127.0.0.1:{port}");
        let json = ["-H", "content-type: application/json"];
        let body = r#"{"name":"ada","password":"correct horse"}"#;
        let (out, _, _) = curl(
            &[
                &["-sS", "-i"][..],
                &json,
                &["-d", body, &format!("{url}/accounts")],
            ]
            .concat(),
        );
        assert!(out.starts_with("HTTP/1.1 201 Created\r\n"), "{out}");
        assert!(out.contains("\r\nlocation: /accounts/1\r\n"), "{out}");
        assert!(out.ends_with(r#"{"id":1,"name":"ada"}"#), "{out}");
        let (out, _, _) = curl(
            &[
                &["-sS", "-i"][..],
                &json,
                &["-d", body, &format!("{url}/sessions")],
            ]
            .concat(),
        );
        assert!(out.starts_with("HTTP/1.1 200 OK\r\n"), "{out}");
        assert!(out.contains("\r\ncache-control: no-store\r\n"), "{out}");
        let token = out
            .split("\"token\":\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap();
        let auth = format!("authorization: Bearer {token}");
        let note = r#"{"text":"buy milk"}"#;
        let args = ["-sS", "-i", "-H", &auth, "-d", note];
        let (out, _, _) = curl(&[&args[..], &json, &[&format!("{url}/notes")]].concat());
        assert!(out.starts_with("HTTP/1.1 201 Created\r\n"), "{out}");
        assert!(out.contains("\r\nlocation: /notes/1\r\n"), "{out}");
        let args = [
            "-sS",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
            "-X",
            "DELETE",
            "-H",
            &auth,
        ];
        let (code, _, _) = curl(&[&args[..], &[&format!("{url}/notes/1")]].concat());
        assert_eq!(code, "204");
        let args = ["-sS", "-i", &format!("{url}/notes")];
        let (out, _, _) = curl(&args);
        assert!(out.starts_with("HTTP/1.1 401 Unauthorized\r\n"), "{out}");
        assert!(
            out.contains("\r\nwww-authenticate: Bearer realm=\"notes\"\r\n"),
            "{out}"
        );
    }

    #[test]
    fn python_and_pyjwt_agree_with_the_api() {
        let port = start();
        let script = r#"
import http.client, json, sys, time, jwt
port, secret = int(sys.argv[1]), sys.argv[2]
def call(method, path, body=None, token=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    headers = {}
    if body is not None:
        headers["Content-Type"] = "application/json"
        body = json.dumps(body)
    if token:
        headers["Authorization"] = "Bearer " + token
    conn.request(method, path, body=body, headers=headers)
    r = conn.getresponse(); data = r.read(); conn.close()
    return r.status, r.headers, (json.loads(data) if data else None)
s, h, b = call("POST", "/accounts", {"name": "Émile", "password": "correct horse"})
assert s == 201 and h["Location"] == "/accounts/1" and b == {"id": 1, "name": "Émile"}, (s, b)
s, h, b = call("POST", "/accounts", {"name": "émile", "password": "12345678"})
assert s == 409 and h["Content-Type"] == "application/problem+json", (s, b)
s, h, b = call("POST", "/sessions", {"name": "ÉMILE", "password": "correct horse"})
assert s == 200 and h["Cache-Control"] == "no-store", (s, b)
claims = jwt.decode(b["token"], secret, algorithms=["HS256"])
assert claims["sub"] == "1" and claims["name"] == "Émile", claims
assert claims["exp"] - claims["iat"] == 3600 and abs(claims["iat"] - time.time()) < 60, claims
token = b["token"]
s, h, b = call("POST", "/notes", {"text": "naïve ☕"}, token)
assert s == 201 and h["Location"] == "/notes/1" and b == {"id": 1, "text": "naïve ☕"}, (s, b)
s, h, b = call("GET", "/notes", None, token)
assert s == 200 and b == {"notes": [{"id": 1, "text": "naïve ☕"}]}, (s, b)
now = int(time.time())
mine = jwt.encode({"sub": "1", "name": "Émile", "iat": now, "exp": now + 60}, secret, algorithm="HS256")
s, h, b = call("GET", "/notes/1", None, mine)
assert s == 200 and b == {"id": 1, "text": "naïve ☕"}, (s, b)
forged = jwt.encode({"sub": "1", "name": "x", "iat": now, "exp": now + 60}, "another secret of forty bytes, or more!!", algorithm="HS256")
expired = jwt.encode({"sub": "1", "name": "x", "iat": now - 7200, "exp": now - 3600}, secret, algorithm="HS256")
for bad in [forged, expired]:
    s, h, b = call("GET", "/notes/1", None, bad)
    assert s == 401 and 'error="invalid_token"' in h["WWW-Authenticate"], (s, h)
other = jwt.encode({"sub": "2", "name": "y", "iat": now, "exp": now + 60}, secret, algorithm="HS256")
s, h, b = call("GET", "/notes/1", None, other)
assert s == 404 and b["status"] == 404, (s, b)
s, h, b = call("PUT", "/notes/1", {"text": ""}, token)
assert s == 422, (s, b)
s, h, b = call("DELETE", "/notes/1", None, token)
assert s == 204 and b is None, (s, b)
print("ok")
"#;
        assert_eq!(python(script, &[&port, SECRET]), "ok");
    }
}
