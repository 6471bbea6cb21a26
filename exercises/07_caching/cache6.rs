//! # HTTP caching: ETag, If-None-Match and 304, Cache-Control
//!
//! HTTP has caching built in, and the cheapest request is the one the client
//! does not send. `Cache-Control: max-age=60` lets the browser (and proxies)
//! reuse a response for 60 s without asking (RFC 9111 §5.2.2.1);
//! `Cache-Control: no-store` forbids any cache to store it, for sensitive
//! data such as an account page (RFC 9111 §5.2.2.5).
//!
//! After that, the client *revalidates*. A response carries an `ETag`, an
//! opaque validator in double quotes such as `"5f0e3c9a1b2d4e6f"` (RFC 9110
//! §8.8.3). A *strong* ETag changes whenever the body changes, so a hash of
//! the body is one; a *weak* one, `W/"..."`, only promises "equivalent". The
//! client sends the tags it holds in `If-None-Match` (RFC 9110 §13.1.2): a
//! comma-separated list, or `*` meaning "any current representation". If one
//! of them matches, a GET is answered `304 Not Modified` with *no body* but
//! with the `ETag` and `Cache-Control` a 200 would carry (RFC 9110 §15.4.5);
//! the client reuses its copy and the body is not sent again.
//!
//! If-None-Match uses *weak comparison* (RFC 9110 §8.8.3.2): ignore a `W/`
//! prefix on either side and compare the quoted strings. (Tags can contain
//! commas in theory; ours are hex, so splitting the list on `,` is enough.)
//! The hash must be the same on every server and after every restart, so we
//! use FNV-1a, not std's `DefaultHasher` (whose output may change with Rust).
//!
//! Read more: https://www.rfc-editor.org/rfc/rfc9110#section-13.1.2 and
//! https://developer.mozilla.org/en-US/docs/Web/HTTP/Headers/If-None-Match

/// A GET request; all this exercise needs of it is the headers.
struct Request {
    headers: Vec<(String, String)>,
}

#[derive(Debug)]
struct Response {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

/// The first value of header `name`, compared case-insensitively.
fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    let mut found = headers.iter().filter(|(n, _)| n.eq_ignore_ascii_case(name));
    found.next().map(|(_, value)| value.as_str())
}

enum CachePolicy {
    /// Shared data: `Cache-Control: max-age=<seconds>`.
    MaxAge(u32),
    /// Private data: `Cache-Control: no-store`.
    NoStore,
}

/// The 64-bit FNV-1a hash: simple, fast, and the same everywhere.
fn fnv1a_64(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for &byte in bytes {
        hash = (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
    }
    hash
}

/// A strong ETag for `body`: its FNV-1a hash as 16 hex digits, in quotes.
fn etag(body: &str) -> String {
    format!("\"{:016x}\"", fnv1a_64(body.as_bytes()))
}

/// Does `If-None-Match: <if_none_match>` match the strong tag `etag`?
fn if_none_match_matches(if_none_match: &str, etag: &str) -> bool {
    // TODO: `*` (alone, spaces around it allowed) matches. Otherwise split
    // the header on `,`; a tag matches if, after `trim()` and dropping a
    // leading `W/` (on both sides), it equals `etag`.
    todo!()
}

/// Answers a GET for a resource whose current representation is `body`.
fn serve_get(req: &Request, body: &str, policy: CachePolicy) -> Response {
    // TODO: build the response in three steps.
    // 1. Headers, always both: `ETag` with `etag(body)`, and `Cache-Control`
    //    with `max-age=<seconds>` for `MaxAge(seconds)` or `no-store`.
    // 2. If the request has an `If-None-Match` header
    //    (`header(&req.headers, "If-None-Match")`) that matches the ETag:
    //    status 304 and an empty body.
    // 3. Otherwise: status 200 and `body`.
    todo!()
}

fn main() {
    let req = Request { headers: vec![] };
    println!("{:?}", serve_get(&req, "hello", CachePolicy::MaxAge(60)));
}

// ---- grading tests: read them, but do not change them ----
#[cfg(test)]
mod tests {
    use super::*;

    const BODY: &str = r#"{"id":1,"name":"Teapot"}"#;

    #[track_caller]
    fn check(if_none_match: Option<&str>, status: u16, body: &str) {
        let sent = if_none_match.map(|v| ("if-none-match".to_string(), v.to_string()));
        let req = Request {
            headers: sent.into_iter().collect(),
        };
        let resp = serve_get(&req, BODY, CachePolicy::MaxAge(60));
        let tag = etag(BODY);
        let etag = header(&resp.headers, "ETag");
        let cache_control = header(&resp.headers, "Cache-Control");
        let got = (resp.status, resp.body.as_str(), etag, cache_control);
        let want = (status, body, Some(tag.as_str()), Some("max-age=60"));
        let sent = match if_none_match {
            Some(value) => format!("`If-None-Match: {value}`"),
            None => "no If-None-Match".to_string(),
        };
        assert_eq!(
            got, want,
            "a GET with {sent} got the left (status, body, ETag, Cache-Control), but should get the right"
        );
    }

    #[test]
    fn etag_is_a_quoted_strong_validator() {
        let tag = etag(BODY);
        let quoted = tag.len() > 2 && tag.starts_with('"') && tag.ends_with('"');
        assert!(
            quoted,
            "etag(BODY) is {tag}, but an ETag must be in double quotes"
        );
        assert_eq!(
            etag(BODY),
            tag,
            "etag(BODY) must give the same tag every time"
        );
        let other = etag(r#"{"id":1,"name":"Teapot!"}"#);
        assert_ne!(other, tag, "a different body got the same ETag {tag}");
    }

    #[test]
    fn get_without_validator_is_200_with_etag_and_max_age() {
        check(None, 200, BODY);
    }

    #[test]
    fn matching_if_none_match_is_304_without_body() {
        check(Some(&etag(BODY)), 304, "");
    }

    #[test]
    fn outdated_validator_gets_the_current_body() {
        check(Some(&etag("an older version")), 200, BODY);
    }

    #[test]
    fn star_matches_any_current_representation() {
        check(Some("*"), 304, "");
    }

    #[test]
    fn lists_are_searched_for_a_match() {
        let list = format!("\"0000000000000000\", {} ,\"ffffffffffffffff\"", etag(BODY));
        check(Some(&list), 304, "");
        check(
            Some("\"0000000000000000\", \"ffffffffffffffff\""),
            200,
            BODY,
        );
    }

    #[test]
    fn if_none_match_uses_weak_comparison() {
        check(Some(&format!("W/{}", etag(BODY))), 304, "");
    }

    #[test]
    fn private_data_is_no_store() {
        let req = Request {
            headers: Vec::new(),
        };
        let resp = serve_get(&req, BODY, CachePolicy::NoStore);
        let cc = header(&resp.headers, "Cache-Control");
        assert_eq!(
            cc,
            Some("no-store"),
            "CachePolicy::NoStore gave Cache-Control {cc:?}"
        );
    }
}
