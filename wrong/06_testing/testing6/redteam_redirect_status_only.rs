// wrong: GET /links/{code} checked only for 302, never its Location: a redirect to the wrong URL survives
// expect: following a short link answers 302 with no Location header
// expect: redirects to the URL of the newest link
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
    const DOCS: &str = "http://docs.rs/serde";

    fn post(links: &mut Links, url: &str) -> Response {
        links.handle(&Request::new("POST", "/links", url))
    }

    fn get(links: &mut Links, path: &str) -> Response {
        links.handle(&Request::new("GET", path, ""))
    }

    #[test]
    fn creating_links_answers_201_with_location_and_json() {
        let mut links = Links::default();
        let first = post(&mut links, RUST);
        assert_eq!(first.status, 201, "creating a link answers 201 Created");
        assert_eq!(
            first.header("location"),
            Some("/links/1"),
            "the first link is /links/1"
        );
        assert_eq!(
            first.header("content-type"),
            Some("application/json"),
            "the body is JSON"
        );
        assert_eq!(
            first.body, r#"{"code":1,"url":"https://www.rust-lang.org/"}"#,
            "the body names the code and the URL"
        );
        let second = post(&mut links, DOCS);
        assert_eq!(second.status, 201, "the second link is created too");
        assert_eq!(
            second.header("location"),
            Some("/links/2"),
            "the second link gets code 2"
        );
        assert_eq!(
            second.body, r#"{"code":2,"url":"http://docs.rs/serde"}"#,
            "the second body has code 2"
        );
    }

    #[test]
    fn following_a_link_redirects() {
        let mut links = Links::default();
        post(&mut links, RUST);
        post(&mut links, DOCS);
        assert_eq!(
            get(&mut links, "/links/1").status,
            302,
            "GET /links/1 redirects"
        );
        assert_eq!(
            get(&mut links, "/links/2").status,
            302,
            "GET /links/2 redirects"
        );
    }

    #[test]
    fn unknown_codes_are_404() {
        let mut links = Links::default();
        post(&mut links, RUST);
        for path in ["/links/0", "/links/2", "/links/abc", "/links/"] {
            assert_eq!(
                get(&mut links, path).status,
                404,
                "GET {path} names no link"
            );
        }
    }

    #[test]
    fn non_web_urls_are_refused_and_not_stored() {
        let mut links = Links::default();
        for url in [
            "javascript:alert(1)",
            "ftp://example.com/file",
            "https://",
            "https://a b.com",
            "http://x.com/\"onmouseover",
            "https://x.com/a\\b",
        ] {
            let resp = post(&mut links, url);
            assert_eq!(resp.status, 422, "{url:?} is not an http(s) URL");
            assert_eq!(
                resp.header("location"),
                None,
                "a refused link has no Location"
            );
        }
        let good = post(&mut links, RUST);
        assert_eq!(good.status, 201, "a good link is still accepted");
        assert_eq!(
            good.header("location"),
            Some("/links/1"),
            "nothing refused was stored: code 1"
        );
    }
}
