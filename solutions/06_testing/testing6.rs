//! # Testing an HTTP handler: status, headers, body
//!
//! A handler is a function from a request to a response, so it is tested like
//! any function: build a `Request`, call it, check the `Response`. No server,
//! no socket. Check all three parts, because clients depend on all three:
//! - the status code decides what the client does next: `201 Created` is not
//!   `200 OK`, and a browser follows `302 Found` (RFC 9110 §15.3.2, §15.4.3);
//! - headers carry meaning too: after a 201, `Location` names the new
//!   resource (RFC 9110 §10.2.2); a redirect without `Location` goes nowhere;
//!   `Content-Type` tells the client how to read the body;
//! - the body is the content itself.
//!
//! Assert the status first: when it is wrong, the body is usually an error
//! text, and "expected 201, got 422" says more than a body mismatch. Look
//! headers up by name (`resp.header("location")` ignores case, as HTTP does)
//! rather than by their position in the list. Test the refusals too: an API
//! that accepts what it should refuse is as broken as one that refuses what
//! it should accept.
//!
//! The handler below is a link shortener: `POST /links` with a URL as body
//! creates a short link at `/links/{code}`; `GET /links/{code}` redirects to it.

struct Request {
    method: String,
    path: String,
    body: String,
}

impl Request {
    fn new(method: &str, path: &str, body: &str) -> Self {
        let (method, path, body) = (method.into(), path.into(), body.into());
        Request { method, path, body }
    }
}

struct Response {
    status: u16,
    headers: Vec<(&'static str, String)>,
    body: String,
}

impl Response {
    fn new(status: u16, headers: Vec<(&'static str, String)>, body: String) -> Self {
        Response {
            status,
            headers,
            body,
        }
    }
    /// The value of the first header called `name`, ignoring case.
    fn header(&self, name: &str) -> Option<&str> {
        let mut matching = self
            .headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name));
        matching.next().map(|(_, value)| value.as_str())
    }
}

/// Only `http://` and `https://` URLs: a `javascript:` link would run script
/// in the browser of whoever follows it. No spaces, quotes or backslashes.
fn is_web_url(url: &str) -> bool {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"));
    let allowed = |c: char| c.is_ascii_graphic() && c != '"' && c != '\\';
    rest.is_some_and(|rest| !rest.is_empty() && rest.chars().all(allowed))
}

#[derive(Default)]
struct Links {
    /// The link with code `n` is `urls[n - 1]`: codes start at 1.
    urls: Vec<String>,
}

impl Links {
    fn handle(&mut self, req: &Request) -> Response {
        let code = req.path.strip_prefix("/links/");
        match (req.method.as_str(), req.path.as_str(), code) {
            ("POST", "/links", _) => self.create(req.body.trim()),
            ("GET", _, Some(code)) => self.follow(code),
            _ => Response::new(404, Vec::new(), String::new()),
        }
    }

    fn create(&mut self, url: &str) -> Response {
        if !is_web_url(url) {
            let text = "the link must be an http:// or https:// URL".to_string();
            return Response::new(422, vec![("Content-Type", "text/plain".into())], text);
        }
        self.urls.push(url.to_string());
        let code = self.urls.len();
        let headers = vec![
            ("Content-Type", "application/json".to_string()),
            ("Location", format!("/links/{code}")),
        ];
        let body = format!(r#"{{"code":{code},"url":"{url}"}}"#);
        Response::new(201, headers, body)
    }

    fn follow(&self, code: &str) -> Response {
        let index = code.parse::<usize>().ok().and_then(|n| n.checked_sub(1));
        match index.and_then(|i| self.urls.get(i)) {
            Some(url) => Response::new(302, vec![("Location", url.clone())], String::new()),
            None => Response::new(404, Vec::new(), String::new()),
        }
    }
}

// not graded: prints demo responses; the learner's tests call `Links::handle`
fn main() {
    let mut links = Links::default();
    let resp = links.handle(&Request::new(
        "POST",
        "/links",
        "https://www.rust-lang.org/",
    ));
    println!("{} {:?} {}", resp.status, resp.headers, resp.body);
    let resp = links.handle(&Request::new("GET", "/links/1", ""));
    println!("{} Location: {:?}", resp.status, resp.header("location"));
}

// ---- your tests: write them below ----
#[cfg(test)]
mod tests {
    use super::*;

    const RUST: &str = "https://www.rust-lang.org/";
    const DOCS: &str = "https://doc.rust-lang.org/book/";

    fn create(links: &mut Links, url: &str) -> Response {
        links.handle(&Request::new("POST", "/links", url))
    }

    #[test]
    fn creating_a_link_is_201_with_location_and_json() {
        let mut links = Links::default();
        create(&mut links, RUST);
        let resp = create(&mut links, DOCS);
        assert_eq!(resp.status, 201, "POST /links should answer 201 Created");
        let location = resp.header("Location");
        assert_eq!(
            location,
            Some("/links/2"),
            "Location should name the second link"
        );
        let content_type = resp.header("Content-Type");
        assert_eq!(content_type, Some("application/json"), "the body is JSON");
        let body = format!(r#"{{"code":2,"url":"{DOCS}"}}"#);
        assert_eq!(resp.body, body, "the body should describe the new link");
    }

    #[test]
    fn following_a_link_is_302_to_its_url() {
        let mut links = Links::default();
        create(&mut links, RUST);
        create(&mut links, DOCS);
        for (path, url) in [("/links/1", RUST), ("/links/2", DOCS)] {
            let resp = links.handle(&Request::new("GET", path, ""));
            assert_eq!(
                resp.status, 302,
                "GET {path} should redirect with 302 Found"
            );
            assert_eq!(
                resp.header("Location"),
                Some(url),
                "GET {path} should redirect to {url}"
            );
        }
    }

    #[test]
    fn unknown_code_is_404() {
        let mut links = Links::default();
        create(&mut links, RUST);
        for path in ["/links/0", "/links/2", "/links/abc"] {
            let resp = links.handle(&Request::new("GET", path, ""));
            assert_eq!(
                resp.status, 404,
                "GET {path} names no link and should be 404"
            );
        }
    }

    #[test]
    fn non_web_urls_are_refused_with_422() {
        let mut links = Links::default();
        // Each way the doc comment says a URL can be bad: another scheme, nothing
        // after the scheme, a space or other white space, a non-ASCII character,
        // a quote, a backslash.
        for url in [
            "javascript:alert(1)",
            "JavaScript:alert(1)",
            "data:text/html,<script>alert(1)</script>",
            "ftp://example.com/",
            "not a url",
            "https://",
            "https://example.com/a b",
            "https://example.com/\tx",
            "https://exämple.com/",
            "https://example.com/\"",
            "https://example.com/a\\b",
        ] {
            let resp = create(&mut links, url);
            assert_eq!(resp.status, 422, "a link to {url:?} should be refused");
            assert_eq!(
                resp.header("Location"),
                None,
                "a refused link has no Location"
            );
        }
        let resp = create(&mut links, RUST);
        let location = resp.header("Location");
        assert_eq!(
            location,
            Some("/links/1"),
            "refused links must not be stored, so the first good link should get code 1"
        );
        let resp = links.handle(&Request::new("GET", "/links/1", ""));
        assert_eq!(
            resp.header("Location"),
            Some(RUST),
            "GET /links/1 should redirect to the first good link, not to a refused one"
        );
    }
}
