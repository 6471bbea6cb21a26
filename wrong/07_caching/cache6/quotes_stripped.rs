// wrong: the double quotes are stripped before comparing, so an unquoted value matches
// expect: is not an entity-tag
//! # HTTP caching: ETag, If-None-Match and 304, Cache-Control
//!
//! HTTP has caching built in, and the cheapest request is the one the client
//! does not send. `Cache-Control: max-age=60` lets any cache, the browser's
//! and shared ones (proxies, CDNs), reuse a response for 60 s without asking
//! (RFC 9111 §5.2.2.1). Data of one user (their cart, their profile) must
//! never sit in a shared cache, where the next user could be served it:
//! `private, max-age=60` lets only that user's own browser keep it (RFC 9111
//! §5.2.2.7). `no-store` forbids every cache, the browser's too (§5.2.2.5):
//! only for what must not even be written to the user's disk, such as a
//! one-time code. Per-user data does not need `no-store`; `private` is
//! the directive made for it.
//!
//! After that, the client *revalidates*. A response carries an `ETag`, an
//! opaque validator in double quotes such as `"5f0e3c9a1b2d4e6f"` (RFC 9110
//! §8.8.3). A *strong* ETag changes whenever the body changes, so a hash of
//! the body is one; a *weak* one, `W/"..."`, only promises "equivalent". The
//! client sends the tags it holds in `If-None-Match` (RFC 9110 §13.1.2): a
//! comma-separated list, or `*` meaning "any current representation". A list
//! may also arrive on several `If-None-Match` lines: together they are one
//! list, as if joined with commas (RFC 9110 §5.3), so a server that reads only
//! the first line misses tags the client holds. The white space allowed
//! around the members is only spaces and tabs (RFC 9110 §5.6.3), not every
//! character Rust's `trim()` removes. If one
//! of them matches, a GET is answered `304 Not Modified` with *no body* but
//! with the `ETag` and `Cache-Control` a 200 would carry (RFC 9110 §15.4.5);
//! the client reuses its copy and the body is not sent again.
//!
//! If-None-Match uses *weak comparison* (RFC 9110 §8.8.3.2): ignore a `W/`
//! prefix on either side and compare the quoted strings byte for byte: the
//! quotes belong to the tag, and `"ABC"` is not `"abc"`. (Tags can contain
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

/// The first value of header `name`, compared case-insensitively. (A field
/// that is a list may come on several lines: this returns only the first.)
fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    let mut found = headers.iter().filter(|(n, _)| n.eq_ignore_ascii_case(name));
    found.next().map(|(_, value)| value.as_str())
}

#[derive(Debug, Clone, Copy)]
enum CachePolicy {
    /// The same for every user (a product page): any cache may keep it for
    /// `max_age` seconds. `Cache-Control: max-age=<max_age>`.
    Shared { max_age: u32 },
    /// One user's data (their cart): only their own browser may keep it.
    /// `Cache-Control: private, max-age=<max_age>`.
    PerUser { max_age: u32 },
    /// Secret data (a one-time code): no cache may keep it at all.
    /// `Cache-Control: no-store`.
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
    // Optional white space in HTTP is spaces and tabs only (RFC 9110 §5.6.3).
    let ows = |c: char| c == ' ' || c == '\t';
    if if_none_match.trim_matches(ows) == "*" {
        return true;
    }
    let opaque = |tag: &str| {
        let tag = tag.trim_matches(ows);
        let tag = tag.strip_prefix("W/").unwrap_or(tag);
        tag.trim_matches('"').to_string()
    };
    let etag = opaque(etag);
    if_none_match.split(',').any(|tag| opaque(tag) == etag)
}

/// Answers a GET for a resource whose current representation is `body`.
fn serve_get(req: &Request, body: &str, policy: CachePolicy) -> Response {
    let tag = etag(body);
    let cache_control = match policy {
        CachePolicy::Shared { max_age } => format!("max-age={max_age}"),
        CachePolicy::PerUser { max_age } => format!("private, max-age={max_age}"),
        CachePolicy::NoStore => "no-store".to_string(),
    };
    let headers = vec![
        ("ETag".to_string(), tag.clone()),
        ("Cache-Control".to_string(), cache_control),
    ];
    // Several If-None-Match lines are one list (RFC 9110 §5.3).
    let lines: Vec<&str> = req
        .headers
        .iter()
        .filter(|(name, _)| name.eq_ignore_ascii_case("If-None-Match"))
        .map(|(_, value)| value.as_str())
        .collect();
    let not_modified = !lines.is_empty() && if_none_match_matches(&lines.join(","), &tag);
    let (status, body) = match not_modified {
        true => (304, String::new()),
        false => (200, body.to_string()),
    };
    Response {
        status,
        headers,
        body,
    }
}

fn main() {
    let req = Request { headers: vec![] };
    let policy = CachePolicy::Shared { max_age: 60 };
    println!("{:?}", serve_get(&req, "hello", policy));
}
