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

// not graded: prints one demo 405; the tests call `app().handle` directly
fn main() {
    // Try it: `cargo run --bin http6`
    let response = app().handle("DELETE", "/users");
    println!("{} Allow: {:?}", response.status, response.header("Allow"));
}
// ---- grading tests: read them, but do not change them ----
#[cfg(test)]
mod tests {
    use super::*;

    /// Sends `request` ("METHOD target") to `app()` and checks the status code.
    fn send(request: &str, want: u16, rule: &str) -> Response {
        let (method, target) = request.split_once(' ').unwrap();
        let response = app().handle(method, target);
        let got = response.status;
        let msg = format!("{request} should answer {want} ({rule}), but answered {got}");
        assert_eq!(got, want, "{msg}\nfull response: {response:?}");
        response
    }

    /// Checks the `Allow` header; any order is fine: "POST, GET" is "GET, POST".
    fn check_allow(request: &str, response: &Response, want: &[&str]) {
        let got = response.header("Allow");
        let mut methods: Vec<&str> = got.unwrap_or_default().split(',').map(str::trim).collect();
        methods.sort();
        let rule = "a 405 MUST list every method of this path, and HEAD wherever GET is";
        let msg = format!("{request}: the Allow header was {got:?}, expected {want:?}: {rule}");
        assert_eq!(methods, want, "{msg}");
    }

    /// Checks that the response to a HEAD request has no body.
    fn no_body(request: &str, response: &Response) {
        let body = &response.body;
        assert!(
            body.is_empty(),
            "{request} answered the body {body:?}, but a response to HEAD never has a body, \
             whatever its status (RFC 9110 §9.3.2)"
        );
    }

    #[test]
    fn each_route_runs_its_own_handler() {
        let response = send("GET /users", 200, "there is a route for it");
        let body = &response.body;
        assert_eq!(
            body, "alice\nbob\n",
            "GET /users answered {body:?}, not the body of its handler"
        );
        send("POST /users", 201, "the POST handler answers 201");
        send("GET /health", 200, "there is a route for it");
    }

    #[test]
    fn unknown_path_is_404_without_allow() {
        let response = send("GET /nope", 404, "no route has the path /nope");
        let allow = response.header("Allow");
        assert_eq!(
            allow, None,
            "a 404 has no Allow header, but it had {allow:?}"
        );
    }

    #[test]
    fn known_path_with_other_method_is_405() {
        send("DELETE /users", 405, "/users exists, but not for DELETE");
        send("POST /health", 405, "/health exists, but not for POST");
        send("GET /login", 405, "/login exists, but only for POST");
    }

    #[test]
    fn a_405_lists_the_allowed_methods() {
        let response = send("DELETE /users", 405, "/users exists, but not for DELETE");
        check_allow("DELETE /users", &response, &["GET", "HEAD", "POST"]);
        let response = send("PUT /health", 405, "/health exists, but not for PUT");
        check_allow("PUT /health", &response, &["GET", "HEAD"]);
        let response = send("GET /login", 405, "/login exists, but only for POST");
        check_allow("GET /login", &response, &["POST"]);
    }

    #[test]
    fn an_unknown_method_is_501() {
        let rule = "this server implements no method BREW (RFC 9110 §15.6.2)";
        send("BREW /users", 501, rule);
        send("BREW /nope", 501, rule);
        let rule = "methods are case-sensitive: `get` is not `GET`, and this server \
                    implements no method `get` (RFC 9110 §9.1)";
        send("get /users", 501, rule);
    }

    #[test]
    fn head_is_get_without_a_body() {
        let rule = "HEAD runs the GET handler wherever GET is routed (RFC 9110 §9.3.2)";
        let response = send("HEAD /users", 200, rule);
        no_body("HEAD /users", &response);
        let got = response.header("Content-Type");
        assert_eq!(
            got,
            Some("text/plain"),
            "HEAD /users must send the same headers as GET /users, only without the body"
        );
        let response = send("HEAD /health?full=1", 200, rule);
        no_body("HEAD /health?full=1", &response);
    }

    #[test]
    fn head_never_has_a_body() {
        let response = send("HEAD /nope", 404, "no route has the path /nope");
        no_body("HEAD /nope", &response);
        let response = send("HEAD /login", 405, "/login has no GET, so no HEAD either");
        check_allow("HEAD /login", &response, &["POST"]);
        no_body("HEAD /login", &response);
    }

    #[test]
    fn the_query_is_not_part_of_the_path() {
        let rule = "the query is not part of the path";
        send("GET /users?page=2", 200, rule);
        send("DELETE /users?id=7", 405, rule);
        send("GET /nope?x=1", 404, rule);
    }

    #[test]
    fn paths_are_compared_exactly() {
        send("GET /users/", 404, "/users/ is not /users");
        send("GET /Users", 404, "paths are case-sensitive");
        send("GET /user", 404, "/user is not /users");
    }
}
