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
        tag.strip_prefix("W/").unwrap_or(tag).to_string()
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

// not graded: prints one demo response; the tests call `serve_get` directly
fn main() {
    let req = Request { headers: vec![] };
    let policy = CachePolicy::Shared { max_age: 60 };
    println!("{:?}", serve_get(&req, "hello", policy));
}

// ---- grading tests: read them, but do not change them ----
#[cfg(test)]
#[path = "../../support/generated.rs"]
mod generated;

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const BODY: &str = r#"{"id":1,"name":"Teapot"}"#;
    const SHARED: CachePolicy = CachePolicy::Shared { max_age: 60 };

    fn get(if_none_match: Option<&str>, policy: CachePolicy) -> Response {
        let sent = if_none_match.map(|v| ("if-none-match".to_string(), v.to_string()));
        let req = Request {
            headers: sent.into_iter().collect(),
        };
        serve_get(&req, BODY, policy)
    }

    /// The directives of a Cache-Control value, in any order.
    fn directives(value: Option<&str>) -> Vec<String> {
        let value = value.unwrap_or("");
        let mut found: Vec<String> = value.split(',').map(|d| d.trim().to_string()).collect();
        found.sort();
        found
    }

    #[track_caller]
    fn check(if_none_match: Option<&str>, status: u16, body: &str, why: &str) {
        let resp = get(if_none_match, SHARED);
        let sent = match if_none_match {
            Some(value) => format!("a GET with `If-None-Match: {value}`"),
            None => "a GET without If-None-Match".to_string(),
        };
        let got = (resp.status, resp.body.as_str());
        assert_eq!(
            got,
            (status, body),
            "{sent} got the left (status, body), but should get the right: {why}"
        );
        let (tag, got) = (etag(BODY), header(&resp.headers, "ETag"));
        assert_eq!(
            got,
            Some(tag.as_str()),
            "{sent} got a {status} with ETag {got:?}: a 200 and a 304 both carry the current ETag (RFC 9110 §15.4.5)"
        );
        let got = header(&resp.headers, "Cache-Control");
        assert_eq!(
            got,
            Some("max-age=60"),
            "{sent} got a {status} with Cache-Control {got:?}: a 200 and a 304 both carry the Cache-Control of the policy, here `max-age=60` (RFC 9110 §15.4.5)"
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
        // Published FNV-1a 64-bit test vectors: the same tag on every machine and Rust version.
        for (body, want) in [
            ("", "\"cbf29ce484222325\""),
            ("a", "\"af63dc4c8601ec8c\""),
            ("foobar", "\"85944171f73967e8\""),
        ] {
            let got = etag(body);
            assert_eq!(
                got, want,
                "etag({body:?}) must be the FNV-1a 64-bit hash of the body as 16 hex digits in \
                 quotes (xor each byte in, then multiply by the FNV prime), but gave {got}"
            );
        }
    }

    #[test]
    fn get_without_validator_is_200_with_etag_and_max_age() {
        check(None, 200, BODY, "there is nothing to compare");
    }

    #[test]
    fn matching_if_none_match_is_304_without_body() {
        let why = "the client holds the current version; a 304 has no body";
        check(Some(&etag(BODY)), 304, "", why);
    }

    #[test]
    fn outdated_validator_gets_the_current_body() {
        let why = "the client's copy is outdated";
        check(Some(&etag("an older version")), 200, BODY, why);
    }

    #[test]
    fn star_matches_any_current_representation() {
        check(Some("*"), 304, "", "`*` matches any current version");
    }

    #[test]
    fn lists_are_searched_for_a_match() {
        let list = format!("\"0000000000000000\", {} ,\"ffffffffffffffff\"", etag(BODY));
        check(Some(&list), 304, "", "the current tag is in the list");
        let list = "\"0000000000000000\", \"ffffffffffffffff\"";
        check(Some(list), 200, BODY, "no tag in the list is current");
    }

    #[test]
    fn if_none_match_uses_weak_comparison() {
        let weak = format!("W/{}", etag(BODY));
        let why = "If-None-Match ignores the W/ of a weak tag (RFC 9110 §8.8.3.2)";
        check(Some(&weak), 304, "", why);
        let list = format!("W/\"0000000000000000\", {weak}");
        check(Some(&list), 304, "", why);
    }

    #[test]
    fn tags_are_compared_exactly() {
        let tag = etag(BODY);
        let why = "tags are opaque and compared byte for byte (RFC 9110 §8.8.3.2)";
        check(Some(&tag.to_uppercase()), 200, BODY, why);
        let unquoted = tag.trim_matches('"');
        let why = "a value without double quotes is not an entity-tag (RFC 9110 §8.8.3) and matches nothing";
        check(Some(unquoted), 200, BODY, why);
        let longer = format!("{}0\"", &tag[..tag.len() - 1]);
        check(Some(&longer), 200, BODY, "a longer tag is another tag");
    }

    #[test]
    fn repeated_if_none_match_lines_are_one_list() {
        let tag = etag(BODY);
        let other = "\"0000000000000000\"".to_string();
        for lines in [
            vec![other.clone(), tag.clone()],
            vec![tag.clone(), other.clone()],
            vec![format!("{other}, W/\"1\""), format!("W/{tag}")],
        ] {
            let req = Request {
                headers: lines
                    .iter()
                    .map(|v| ("If-None-Match".to_string(), v.clone()))
                    .collect(),
            };
            let resp = serve_get(&req, BODY, SHARED);
            assert_eq!(
                (resp.status, resp.body.as_str()),
                (304, ""),
                "a GET with the If-None-Match lines {lines:?} got the left (status, body), but \
                 should get 304 with no body: repeated lines of a list field are one list, as if \
                 joined by commas (RFC 9110 §5.3), and the current tag {tag} is in it"
            );
        }
        let lines = ["\"0000000000000000\"", "\"ffffffffffffffff\""];
        let req = Request {
            headers: lines
                .iter()
                .map(|v| ("If-None-Match".to_string(), v.to_string()))
                .collect(),
        };
        let resp = serve_get(&req, BODY, SHARED);
        assert_eq!(
            resp.status, 200,
            "a GET with the If-None-Match lines {lines:?}, none of them current, must get 200"
        );
    }

    #[test]
    fn only_spaces_and_tabs_surround_a_tag() {
        let tag = etag(BODY);
        for pad in [" ", "\t", " \t "] {
            let value = format!("{pad}{tag}{pad}");
            check(
                Some(&value),
                304,
                "",
                "spaces and tabs around a tag are optional white space",
            );
        }
        for &space in crate::generated::UNICODE_SPACES {
            let value = format!("{space}{tag}");
            let why = format!(
                "{space:?} is not HTTP white space (only SP and HTAB are, RFC 9110 §5.6.3), so \
                 `{space:?}{tag}` is not the current tag; Rust's trim() removes it, \
                 trim_matches with spaces and tabs does not"
            );
            check(Some(&value), 200, BODY, &why);
        }
    }

    /// The rule, written out: `*` alone, or a list member equal to `etag` once a
    /// `W/` is dropped from each (weak comparison), around which only SP and HTAB
    /// are white space.
    fn oracle(if_none_match: &str, etag: &str) -> bool {
        let ows: &[char] = &[' ', '\t'];
        let weak = |t: &str| -> String {
            let t = t.trim_matches(ows);
            t.strip_prefix("W/").unwrap_or(t).to_string()
        };
        if_none_match.trim_matches(ows) == "*"
            || if_none_match.split(',').any(|m| weak(m) == weak(etag))
    }

    /// One list member, often a spelling of `current`: as it is, weak, in
    /// another case, without quotes, longer; or another tag; padded with
    /// spaces, tabs or a Unicode space.
    fn member(current: String) -> impl Strategy<Value = String> {
        let tag = prop_oneof![
            3 => Just(current.clone()),
            2 => Just(format!("W/{current}")),
            1 => Just(current.to_uppercase()),
            1 => Just(current.trim_matches('"').to_string()),
            1 => Just(format!("{}0\"", &current[..current.len() - 1])),
            1 => Just(format!("w/{current}")),
            2 => "(W/)?\"[0-9a-f]{16}\"",
        ];
        let pad = || {
            prop_oneof![
                4 => Just(String::new()),
                2 => Just(" ".to_string()),
                1 => Just("\t".to_string()),
                1 => proptest::sample::select(crate::generated::UNICODE_SPACES.to_vec())
                    .prop_map(String::from),
            ]
        };
        (pad(), tag, pad()).prop_map(|(a, t, b)| format!("{a}{t}{b}"))
    }

    fn policy() -> impl Strategy<Value = (CachePolicy, String)> {
        let age = || crate::generated::edge_u64(u64::from(u32::MAX)).prop_map(|a| a as u32);
        prop_oneof![
            age().prop_map(|a| (CachePolicy::Shared { max_age: a }, format!("max-age={a}"))),
            age().prop_map(|a| (
                CachePolicy::PerUser { max_age: a },
                format!("max-age={a}, private")
            )),
            Just((CachePolicy::NoStore, "no-store".to_string())),
        ]
    }

    proptest! {
        #![proptest_config(crate::generated::config(128))]

        #[test]
        fn if_none_match_follows_weak_comparison(
            (current, list) in crate::generated::tricky_text(0, 12).prop_flat_map(|body| {
                let current = etag(&body);
                (Just(current.clone()), proptest::collection::vec(member(current), 1..4))
            }),
            star in 0..8u8,
        ) {
            let value = if star == 0 { " * ".to_string() } else { list.join(",") };
            let want = oracle(&value, &current);
            let got = if_none_match_matches(&value, &current);
            prop_assert_eq!(
                got, want,
                "if_none_match_matches({:?}, {:?}) answered {}, but should answer {}: `*` \
                 alone matches; otherwise a member matches if it equals the tag once a `W/` \
                 is dropped (weak comparison, RFC 9110 §8.8.3.2), compared byte for byte, \
                 quotes included, with only spaces and tabs around it as white space",
                value, current, got, want
            );
        }

        #[test]
        fn serve_get_reads_every_if_none_match_line(
            (body, lines) in crate::generated::tricky_text(0, 12).prop_flat_map(|body| {
                let current = etag(&body);
                let line = proptest::collection::vec(member(current), 1..3)
                    .prop_map(|m| m.join(","));
                (Just(body), proptest::collection::vec(line, 0..4))
            }),
            names in proptest::collection::vec(crate::generated::any_case("if-none-match"), 4),
            (policy, cache_control) in policy(),
        ) {
            let headers: Vec<(String, String)> = lines
                .iter()
                .zip(&names)
                .map(|(v, n)| (n.clone(), v.clone()))
                .chain([("Accept".to_string(), "*/*".to_string())])
                .collect();
            let tag = etag(&body);
            let matched = !lines.is_empty() && oracle(&lines.join(","), &tag);
            let (status, want_body) = if matched { (304, "") } else { (200, body.as_str()) };
            let resp = serve_get(&Request { headers: headers.clone() }, &body, policy);
            prop_assert_eq!(
                (resp.status, resp.body.as_str()),
                (status, want_body),
                "a GET with the headers {:?} for a body whose ETag is {} should get {}: the \
                 If-None-Match lines (names in any case) are one list (RFC 9110 §5.3), matched \
                 by weak comparison; a 304 has no body",
                headers, tag, status
            );
            let got_tag = header(&resp.headers, "ETag");
            prop_assert_eq!(
                got_tag, Some(tag.as_str()),
                "the {} answer must carry the current ETag {}", status, tag
            );
            let got_cc = header(&resp.headers, "Cache-Control");
            prop_assert_eq!(
                directives(got_cc),
                directives(Some(&cache_control)),
                "{:?} gave Cache-Control {:?} on a {}, but should give {:?} (any max-age, 0 and \
                 4294967295 too, written in full)",
                policy, got_cc, status, cache_control
            );
        }
    }

    #[test]
    fn per_user_data_is_private_not_no_store() {
        let policy = CachePolicy::PerUser { max_age: 300 };
        for (sent, status) in [(None, 200), (Some(etag(BODY)), 304)] {
            let resp = get(sent.as_deref(), policy);
            assert_eq!(resp.status, status, "PerUser data, If-None-Match {sent:?}");
            let cc = header(&resp.headers, "Cache-Control");
            assert_eq!(
                directives(cc),
                ["max-age=300", "private"],
                "CachePolicy::PerUser {{ max_age: 300 }} gave a {status} with Cache-Control {cc:?}, but should give `private, max-age=300`: the user's own browser may keep it, shared caches must not (RFC 9111 §5.2.2.7). `no-store` would forbid the browser too"
            );
        }
    }

    #[test]
    fn shared_data_may_be_kept_by_any_cache() {
        let resp = get(None, CachePolicy::Shared { max_age: 3600 });
        let cc = header(&resp.headers, "Cache-Control");
        assert_eq!(
            directives(cc),
            ["max-age=3600"],
            "CachePolicy::Shared {{ max_age: 3600 }} gave Cache-Control {cc:?}, but should give `max-age=3600`"
        );
    }

    #[test]
    fn secret_data_is_no_store() {
        let resp = get(None, CachePolicy::NoStore);
        let cc = header(&resp.headers, "Cache-Control");
        assert_eq!(
            directives(cc),
            ["no-store"],
            "CachePolicy::NoStore gave Cache-Control {cc:?}, but should give `no-store`: no cache may keep it (RFC 9111 §5.2.2.5)"
        );
    }
}
