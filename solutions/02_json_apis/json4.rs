//! # Pagination: never answer with everything
//!
//! `GET /items` on a table with ten million rows must not try to send ten
//! million rows. A collection endpoint returns one *page* at a time, and the
//! client asks for the page it wants:
//!
//! `GET /items?limit=20&offset=40` = "20 items, skipping the first 40"
//!
//! The server is in charge of the bounds: `limit` has a default (when the
//! client says nothing) and a maximum (so `limit=1000000` cannot make one
//! request load the whole table: OWASP API4:2023 Unrestricted Resource
//! Consumption). A `limit` or `offset` that is not a number in range is the
//! client's mistake: 400 Bad Request, with a detail naming the parameter.
//!
//! The answer tells the client how to continue with a `next` link, or `null`
//! on the last page. Clients follow `next` instead of doing arithmetic, which
//! lets the server change its paging scheme later (to cursors, for example).
//! The same link can go in a `Link: </items?...>; rel="next"` header (RFC 8288).
//! Read https://owasp.org/API-Security/editions/2023/en/0xa4-unrestricted-resource-consumption/

use serde::Serialize;

const DEFAULT_LIMIT: usize = 20;
const MAX_LIMIT: usize = 100;

#[derive(Debug, PartialEq)]
struct Page {
    limit: usize,
    offset: usize,
}

/// The JSON body of a page.
#[derive(Serialize)]
struct PageBody<'a> {
    items: Vec<&'a str>,
    total: usize,
    next: Option<String>,
}

struct Response {
    status: u16,
    body: String,
}

impl Response {
    fn new(status: u16, body: String) -> Self {
        Response { status, body }
    }
}

/// Reads `limit` and `offset` from a query string like `limit=10&offset=30`.
/// Other parameters are ignored. `Err` holds a message for the client.
fn parse_page(query: &str) -> Result<Page, String> {
    let mut page = Page {
        limit: DEFAULT_LIMIT,
        offset: 0,
    };
    for (name, value) in query.split('&').filter_map(|pair| pair.split_once('=')) {
        match name {
            "limit" => match value.parse() {
                Ok(limit @ 1..=MAX_LIMIT) => page.limit = limit,
                _ => return Err(format!("limit must be a number from 1 to {MAX_LIMIT}")),
            },
            "offset" => match value.parse() {
                Ok(offset) => page.offset = offset,
                _ => return Err("offset must be a number, 0 or more".to_string()),
            },
            _ => {}
        }
    }
    Ok(page)
}

/// Handles `GET /items?<query>`.
fn list_items(all: &[String], query: &str) -> Response {
    let page = match parse_page(query) {
        Ok(page) => page,
        Err(detail) => return Response::new(400, detail),
    };
    let items = all.iter().skip(page.offset).take(page.limit);
    let items = items.map(String::as_str).collect();
    let end = page.offset.saturating_add(page.limit);
    let next = (end < all.len()).then(|| format!("/items?limit={}&offset={end}", page.limit));
    let body = PageBody {
        items,
        total: all.len(),
        next,
    };
    let json = serde_json::to_string(&body).expect("a page serializes");
    Response::new(200, json)
}

// not graded: prints a demo; the tests call the functions it calls
fn main() {
    // Try it: `cargo run --bin json4`
    let all: Vec<String> = (1..=45).map(|i| format!("item-{i}")).collect();
    let resp = list_items(&all, "limit=3&offset=42");
    println!("{} {}", resp.status, resp.body);
}

// ---- grading tests: read them, but do not change them ----
#[cfg(test)]
#[path = "../../support/generated.rs"]
mod generated;

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::Value;

    fn all_items() -> Vec<String> {
        (1..=45).map(|i| format!("item-{i}")).collect()
    }

    /// Asks for `/items?{query}`, expects 200 and returns the JSON body.
    #[track_caller]
    fn get_page(query: &str) -> Value {
        let resp = list_items(&all_items(), query);
        let why = format!(
            "GET /items?{query} should be 200, got {}: {}",
            resp.status, resp.body
        );
        assert_eq!(resp.status, 200, "{why}");
        serde_json::from_str(&resp.body).expect("a page should be JSON")
    }

    fn names(page: &Value) -> Vec<String> {
        let items = page["items"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default();
        items
            .iter()
            .map(|v| v.as_str().unwrap_or_default().to_string())
            .collect()
    }

    #[test]
    fn parses_limit_and_offset_with_defaults() {
        for (query, limit, offset) in [
            ("", 20, 0),
            ("offset=5", 20, 5),
            ("limit=100&offset=3", 100, 3),
            ("limit=1", 1, 0),
            ("sort=name&limit=5", 5, 0),
            ("page_limit=500&offset=1", 20, 1),
        ] {
            assert_eq!(
                parse_page(query),
                Ok(Page { limit, offset }),
                "parse_page({query:?}): limit may be 1 to {MAX_LIMIT} (both included), \
                 20 when absent; offset 0 or more, 0 when absent; other parameters \
                 (even `page_limit`) are ignored"
            );
        }
    }

    #[test]
    fn bad_values_are_400_naming_the_parameter() {
        for query in [
            "limit=0",
            "limit=101",
            "limit=100000",
            "limit=-1",
            "limit=ten",
            "limit=2.5",
            "limit=",
            "offset=-3",
            "offset=",
            "offset=two",
        ] {
            let resp = list_items(&all_items(), query);
            assert_eq!(
                resp.status, 400,
                "GET /items?{query} should be 400 (limit must be a whole number from 1 to \
                 {MAX_LIMIT}, offset a whole number 0 or more; out of range is the \
                 client's mistake, not something to fix silently), got {}: {}",
                resp.status, resp.body
            );
            let param = query.split('=').next().unwrap();
            let why = format!("the 400 for {query} should name `{param}`: {:?}", resp.body);
            assert!(resp.body.contains(param), "{why}");
        }
    }

    #[test]
    fn first_page_has_default_size_and_a_next_link() {
        let page = get_page("");
        let expected: Vec<String> = all_items().into_iter().take(DEFAULT_LIMIT).collect();
        assert_eq!(
            names(&page),
            expected,
            "without limit/offset: the first {DEFAULT_LIMIT} items"
        );
        assert_eq!(page["total"], 45, "`total` counts all items: {page}");
        let next = "/items?limit=20&offset=20";
        assert_eq!(
            page["next"], next,
            "`next` should link the second page: {page}"
        );
    }

    #[test]
    fn last_page_and_beyond_have_next_null() {
        for (query, expected) in [
            ("limit=10&offset=40", 5),
            ("limit=5&offset=40", 5),
            ("limit=45", 45),
            ("offset=45", 0),
            ("offset=18446744073709551615", 0),
        ] {
            let page = get_page(query);
            assert_eq!(
                names(&page).len(),
                expected,
                "GET /items?{query}: wrong item count: {page}"
            );
            assert!(
                page["next"].is_null(),
                "GET /items?{query}: there are 45 items and this page reaches the end, \
                 so there is no next page and `next` should be null (a link to an \
                 empty page is not a next page): {page}"
            );
        }
    }

    #[test]
    fn following_next_visits_every_item_exactly_once() {
        let (mut seen, mut query) = (Vec::new(), "limit=7".to_string());
        for _ in 0..10 {
            let page = get_page(&query);
            seen.extend(names(&page));
            let Some((_, next_query)) = page["next"].as_str().and_then(|n| n.split_once('?'))
            else {
                break;
            };
            query = next_query.to_string();
        }
        assert_eq!(
            seen,
            all_items(),
            "following `next` from limit=7 should visit every item once, in order"
        );
    }

    proptest! {
        #![proptest_config(crate::generated::config(128))]

        /// Any collection size and any valid limit: following `next` from the
        /// first page visits every item exactly once, in order, and the last
        /// page has no `next`.
        #[test]
        fn following_next_visits_every_item_once(
            total in crate::generated::edge_u64(250).prop_map(|n| n as usize),
            limit in crate::generated::edge_u64(MAX_LIMIT as u64 - 1).prop_map(|l| l as usize + 1),
        ) {
            let all: Vec<String> = (0..total).map(|i| format!("item-{i}")).collect();
            let mut query = format!("limit={limit}");
            let mut seen = Vec::new();
            let mut trail = Vec::new();
            for _ in 0..=total + 1 {
                let resp = list_items(&all, &query);
                prop_assert_eq!(resp.status, 200, "GET /items?{} answered {}: {}", query, resp.status, resp.body);
                let page: Value = serde_json::from_str(&resp.body).expect("a page should be JSON");
                seen.extend(names(&page));
                prop_assert_eq!(
                    &page["total"], &Value::from(total),
                    "GET /items?{} gave total {}, but the collection has {} items", query, page["total"], total
                );
                trail.push(query.clone());
                match page["next"].as_str() {
                    Some(next) => {
                        let next = next.strip_prefix("/items?");
                        prop_assert!(next.is_some(), "next should be a link to /items?…, but was {}", page["next"]);
                        query = next.unwrap_or_default().to_string();
                    }
                    None => break,
                }
            }
            prop_assert_eq!(
                &seen, &all,
                "with {} items and limit={}, following next through {:?} gave the items on the \
                 left, but should give each item exactly once, in order, ending with a page \
                 whose next is null",
                total, limit, trail
            );
        }

        /// Any limit and offset, valid or not, at and around the edges.
        #[test]
        fn any_limit_and_offset_get_the_right_page(
            total in crate::generated::edge_u64(150).prop_map(|n| n as usize),
            limit in proptest::option::of(crate::generated::edge_u64(MAX_LIMIT as u64 + 1)),
            offset in proptest::option::of(prop_oneof![
                crate::generated::edge_u64(160),
                Just(usize::MAX as u64),
            ]),
        ) {
            let all: Vec<String> = (0..total).map(|i| format!("item-{i}")).collect();
            let mut parts = Vec::new();
            if let Some(offset) = offset {
                parts.push(format!("offset={offset}"));
            }
            if let Some(limit) = limit {
                parts.push(format!("limit={limit}"));
            }
            let query = parts.join("&");
            let resp = list_items(&all, &query);
            let l = limit.map_or(DEFAULT_LIMIT, |l| l as usize);
            let o = offset.unwrap_or(0) as usize;
            if !(1..=MAX_LIMIT).contains(&l) {
                prop_assert_eq!(
                    resp.status, 400,
                    "GET /items?{} answered {}, but a limit outside 1..={} is a 400, never \
                     clamped", query, resp.status, MAX_LIMIT
                );
                return Ok(());
            }
            let items: Vec<&str> = all.iter().skip(o).take(l).map(String::as_str).collect();
            let end = o.saturating_add(l);
            let next = (end < total).then(|| format!("/items?limit={l}&offset={end}"));
            let want = serde_json::json!({ "items": items, "total": total, "next": next });
            let got: Value = serde_json::from_str(&resp.body).unwrap_or(Value::Null);
            prop_assert!(
                resp.status == 200 && got == want,
                "GET /items?{} on {} items answered {} {}, but should answer 200 {}: items \
                 offset..offset+limit (none past the end, no overflow at the largest offset), \
                 and next only while items remain",
                query, total, resp.status, resp.body, want
            );
        }
    }
}
