//! # Routing: 404 Not Found vs 405 Method Not Allowed
//!
//! A *router* picks the handler for a request from its method and path. When no
//! route fits, *why* it does not fit decides the status code:
//! - no route has this path at all: **404 Not Found** (RFC 9110 §15.5.5);
//! - the path exists, but not for this method (say `DELETE /users` when only
//!   `GET` and `POST` are routed): **405 Method Not Allowed** (RFC 9110 §15.5.6).
//!   A 405 response MUST carry an `Allow` header listing the methods the path
//!   does support, e.g. `Allow: GET, POST` (RFC 9110 §10.2.1), so a client can
//!   correct itself instead of guessing.
//!
//! Three details every router gets right:
//! - method names are case-sensitive (RFC 9110 §9.1): `get` is not `GET`;
//! - the query is not part of the path: `/users?page=2` is routed as `/users`;
//! - paths are compared exactly: `/users/` is not `/users` (some frameworks
//!   redirect one to the other; here it is simply a 404).
//!
//! Read more: RFC 9110 §9.1, §10.2.1, §15.5.5, §15.5.6.

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
        let path = target.split_once('?').map_or(target, |(path, _query)| path);
        let mut allowed = Vec::new();
        for &(route_method, route_path, handler) in &self.routes {
            if route_path != path {
                continue;
            }
            if route_method == method {
                return handler();
            }
            allowed.push(route_method);
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
}

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
        let msg = format!("{request} answered {got}, expected {want}: {rule}");
        assert_eq!(got, want, "{msg}\nfull response: {response:?}");
        response
    }

    /// Checks the `Allow` header; any order is fine: "POST, GET" is "GET, POST".
    fn check_allow(request: &str, response: &Response, want: &[&str]) {
        let got = response.header("Allow");
        let mut methods: Vec<&str> = got.unwrap_or_default().split(',').map(str::trim).collect();
        methods.sort();
        let rule = "a 405 MUST list the methods of this path, e.g. `Allow: GET, POST`";
        let msg = format!("{request}: the Allow header was {got:?}, expected {want:?}: {rule}");
        assert_eq!(methods, want, "{msg}");
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
    }

    #[test]
    fn a_405_lists_the_allowed_methods() {
        let response = send("DELETE /users", 405, "/users exists, but not for DELETE");
        check_allow("DELETE /users", &response, &["GET", "POST"]);
        let response = send("PUT /health", 405, "/health exists, but not for PUT");
        check_allow("PUT /health", &response, &["GET"]);
    }

    #[test]
    fn methods_are_case_sensitive() {
        let rule = "methods are case-sensitive: `get` is not `GET`";
        let response = send("get /users", 405, rule);
        check_allow("get /users", &response, &["GET", "POST"]);
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
