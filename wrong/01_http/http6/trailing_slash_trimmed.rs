// wrong: a trailing `/` is trimmed off the path, so /users/ is served as /users
// expect: /users/ is not /users
//! # Routing: 404, 405, 501 and HEAD
//!
//! A *router* picks the handler for a request from its method and path. When no
//! route fits, *why* it does not fit decides the status code:
//! - the method is not one this server implements at all (`BREW`, or `get`:
//!   methods are case-sensitive, RFC 9110 §9.1): **501 Not Implemented**
//!   (§15.6.2), whatever the path;
//! - no route has this path: **404 Not Found** (§15.5.5);
//! - the path exists, but not for this method (say `DELETE /users` when only
//!   `GET` and `POST` are routed): **405 Method Not Allowed** (§15.5.6).
//!   A 405 MUST carry an `Allow` header listing the methods the path does
//!   support, e.g. `Allow: GET, HEAD, POST` (§10.2.1), so the client can correct
//!   itself instead of guessing.
//!
//! `HEAD` is `GET` without the body (§9.3.2): a client asks for the status and
//! headers only, e.g. to check that a link works. Wherever `GET` is routed,
//! `HEAD` must work too (run the `GET` handler), and `Allow` lists it. The
//! response to a `HEAD` has the same status and headers but never a body,
//! whatever the status.
//!
//! Two more details every router gets right:
//! - the query is not part of the path: `/users?page=2` is routed as `/users`;
//! - paths are compared exactly: `/users/` is not `/users` (some frameworks
//!   redirect one to the other; here it is simply a 404).
//!
//! Read more: RFC 9110 §9.1, §9.3.2, §10.2.1, §15.5.5, §15.5.6, §15.6.2.

/// The methods this server implements (RFC 9110 §9 and PATCH, RFC 5789).
const METHODS: [&str; 7] = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];

#[derive(Debug, Clone, PartialEq)]
struct Response {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Response {
    fn text(status: u16, body: &str) -> Response {
        let headers = vec![("Content-Type".to_string(), "text/plain".to_string())];
        let body = body.to_string();
        Response {
            status,
            headers,
            body,
        }
    }

    /// The value of a header; header names are case-insensitive.
    fn header(&self, name: &str) -> Option<&str> {
        let header = self.headers.iter().find(|h| h.0.eq_ignore_ascii_case(name));
        header.map(|(_, value)| value.as_str())
    }
}

type Handler = fn() -> Response;

struct Router {
    /// (method, path, handler), in the order they were added.
    routes: Vec<(&'static str, &'static str, Handler)>,
}

impl Router {
    fn new() -> Router {
        Router { routes: Vec::new() }
    }

    fn route(mut self, method: &'static str, path: &'static str, handler: Handler) -> Router {
        self.routes.push((method, path, handler));
        self
    }

    /// Answers a request for `target` (a path, maybe with `?query`).
    fn handle(&self, method: &str, target: &str) -> Response {
        let mut response = self.respond(method, target);
        if method == "HEAD" {
            response.body.clear();
        }
        response
    }

    /// The response with its body; `handle` drops the body for HEAD.
    fn respond(&self, method: &str, target: &str) -> Response {
        if !METHODS.contains(&method) {
            return Response::text(501, "not implemented\n");
        }
        let path = target.split_once('?').map_or(target, |(path, _query)| path);
        let path = path.trim_end_matches('/');
        let mut allowed = Vec::new();
        for &(route_method, route_path, handler) in &self.routes {
            if route_path != path {
                continue;
            }
            if route_method == method || (method == "HEAD" && route_method == "GET") {
                return handler();
            }
            allowed.push(route_method);
            if route_method == "GET" {
                allowed.push("HEAD");
            }
        }
        if allowed.is_empty() {
            return Response::text(404, "not found\n");
        }
        let mut response = Response::text(405, "method not allowed\n");
        let allow = ("Allow".to_string(), allowed.join(", "));
        response.headers.push(allow);
        response
    }
}

fn app() -> Router {
    Router::new()
        .route("GET", "/users", || Response::text(200, "alice\nbob\n"))
        .route("POST", "/users", || Response::text(201, "created\n"))
        .route("GET", "/health", || Response::text(200, "ok\n"))
        .route("POST", "/login", || Response::text(200, "welcome\n"))
}

fn main() {
    // Try it: `cargo run --bin http6`
    let response = app().handle("DELETE", "/users");
    println!("{} Allow: {:?}", response.status, response.header("Allow"));
}
