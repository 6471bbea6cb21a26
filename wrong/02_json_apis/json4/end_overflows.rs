// wrong: offset + limit overflows for the largest offset
// expect: attempt to add with overflow
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
    let end = page.offset + page.limit;
    let next = (end < all.len()).then(|| format!("/items?limit={}&offset={end}", page.limit));
    let body = PageBody {
        items,
        total: all.len(),
        next,
    };
    let json = serde_json::to_string(&body).expect("a page serializes");
    Response::new(200, json)
}

fn main() {
    // Try it: `cargo run --bin json4`
    let all: Vec<String> = (1..=45).map(|i| format!("item-{i}")).collect();
    let resp = list_items(&all, "limit=3&offset=42");
    println!("{} {}", resp.status, resp.body);
}
