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
    let allowed = |c: char| {
        if mutant(11) {
            // Spaces, control and non-ASCII characters pass.
            c != '"' && c != '\\'
        } else if mutant(12) {
            // Quotes and backslashes pass.
            c.is_ascii_graphic()
        } else {
            c.is_ascii_graphic() && c != '"' && c != '\\'
        }
    };
    if mutant(4) {
        // Only checks for characters that break the JSON: any scheme passes.
        return !url.is_empty() && url.chars().all(allowed);
    }
    if mutant(9) {
        // A block list: only javascript: is refused.
        let scheme = url.split(':').next().unwrap_or("");
        return !scheme.eq_ignore_ascii_case("javascript") && url.chars().all(allowed);
    }
    // mutant(10): nothing after the scheme passes.
    rest.is_some_and(|rest| (mutant(10) || !rest.is_empty()) && rest.chars().all(allowed))
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
        if mutant(7) {
            // The URL is stored before it is checked.
            self.urls.push(url.to_string());
        }
        if !is_web_url(url) {
            let text = "the link must be an http:// or https:// URL".to_string();
            return Response::new(422, vec![("Content-Type", "text/plain".into())], text);
        }
        if !mutant(7) {
            self.urls.push(url.to_string());
        }
        let code = self.urls.len();
        // mutant(3): JSON labelled as plain text.
        let content_type = if mutant(3) {
            "text/plain"
        } else {
            "application/json"
        };
        let mut headers = vec![("Content-Type", content_type.to_string())];
        // mutant(2): the Location header is forgotten.
        if !mutant(2) {
            // mutant(8): every Location names the first link.
            let named = if mutant(8) { 1 } else { code };
            headers.push(("Location", format!("/links/{named}")));
        }
        // mutant(6): the body leaves out the URL.
        let body = if mutant(6) {
            format!(r#"{{"code":{code}}}"#)
        } else {
            format!(r#"{{"code":{code},"url":"{url}"}}"#)
        };
        // mutant(1): 200 instead of 201.
        let status = if mutant(1) { 200 } else { 201 };
        Response::new(status, headers, body)
    }

    fn follow(&self, code: &str) -> Response {
        let index = code.parse::<usize>().ok().and_then(|n| n.checked_sub(1));
        // mutant(5): the code is used as the index, off by one.
        let index = if mutant(5) {
            code.parse::<usize>().ok()
        } else {
            index
        };
        match index.and_then(|i| self.urls.get(i)) {
            // mutant(13): the redirect has no Location.
            Some(_) if mutant(13) => Response::new(302, Vec::new(), String::new()),
            // mutant(14): every redirect leads to the newest link's URL.
            Some(_) if mutant(14) => {
                let newest = self.urls.last().cloned().unwrap_or_default();
                Response::new(302, vec![("Location", newest)], String::new())
            }
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
