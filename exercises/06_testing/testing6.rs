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

    // TODO: call `links.handle(&Request::new("POST", "/links", url))` on a
    // `Links::default()` and check the status, the headers (with
    // `resp.header(..)`) and the body. Test that:
    // - creating a link answers 201, `Location: /links/{code}`,
    //   `Content-Type: application/json`, and the body `{"code":..,"url":".."}`
    //   (create two links, so the second one has code 2);
    // - `GET /links/{code}` answers 302 with `Location` set to that link's
    //   URL, for the first and for the second link;
    // - `GET` of a code that names no link (0, too high, not a number) is 404;
    // - a URL that is not http(s), such as `javascript:alert(1)`, is refused
    //   with 422 and not stored: the next good link still gets code 1.
}
