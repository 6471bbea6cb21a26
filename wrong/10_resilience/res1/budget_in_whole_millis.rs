// wrong: the budget is cut to whole milliseconds, so the call gives up up to 1 ms early (and Duration::MAX wraps)
// expect: whole seconds or milliseconds
//! # An outbound call with a deadline
//!
//! Your service calls other services: a payment provider, a search cluster,
//! another team's API. Some day one of them will be slow: it accepts the
//! connection and then says nothing, or sends the headers and stalls in the
//! middle of the body. Without a deadline your request waits for ever, and it
//! holds what it holds while it waits: a task, a socket, memory, a database
//! connection. Enough of those and *your* service is down too. That is how one
//! slow dependency becomes an outage everywhere (a "cascading failure").
//!
//! So every outbound call gets a **deadline** for the whole exchange: connect,
//! response head and body together. A timeout around the request alone is not
//! enough: `client.request(..)` returns as soon as the head has arrived, and
//! the body is read afterwards. And it is one budget, not one per step: three
//! steps of "1 s each" can take 3 s. (A budget of `Duration::MAX` means "no
//! deadline": `Instant::now() + Duration::MAX` overflows and panics, so add
//! with `checked_add`, or let `tokio::time::timeout` do it, which copes.)
//!
//! A careful client also decides what counts as an answer. Only 2xx is
//! success: a 503 with an HTML error page is not the data you asked for. And
//! the body is capped *while it is read*, because an upstream that streams
//! gigabytes (by mistake or on purpose) must not fill your memory before you
//! check its size.
//!
//! Finally, the error says what happened, so the caller can react: a refused
//! connection (nothing was sent: safe to try elsewhere), a timeout (the
//! upstream may have done the work: careful), a status, a body too large.
//!
//! Tools: hyper-util's `Client` (the engine inside reqwest), `BodyExt::collect`
//! to read a body, `http_body_util::Limited` to cap it, `tokio::time::timeout`
//! and `timeout_at` for the deadline.
//! Read more: https://docs.rs/hyper-util/latest/hyper_util/client/legacy/,
//! https://docs.rs/tokio/latest/tokio/time/fn.timeout_at.html, and "Timeouts,
//! retries and backoff with jitter" in the Amazon Builders' Library.

use http_body_util::{BodyExt, Empty, LengthLimitError, Limited};
use hyper::Uri;
use hyper::body::Bytes;
use hyper_util::client::legacy::{Client, connect::HttpConnector};
use hyper_util::rt::TokioExecutor;
use std::time::Duration;
use tokio::time::timeout;

/// Why a call to the upstream failed.
#[derive(Debug, PartialEq)]
enum CallError {
    /// No connection could be made (refused, unreachable): nothing was sent.
    Connect,
    /// The deadline passed before the whole response, head and body, arrived.
    Timeout,
    /// The upstream answered with this status, which is not 2xx.
    Status(u16),
    /// The body is longer than `max_body` bytes.
    TooLarge,
    /// Anything else: the connection broke, the answer was not HTTP.
    Protocol,
}

/// A client for one upstream service.
struct Upstream {
    client: Client<HttpConnector, Empty<Bytes>>,
    /// The budget for a whole call: connect, response head and body.
    timeout: Duration,
    /// The most bytes of body we accept.
    max_body: usize,
}

impl Upstream {
    fn new(timeout: Duration, max_body: usize) -> Upstream {
        let client = Client::builder(TokioExecutor::new()).build_http();
        Upstream {
            client,
            timeout,
            max_body,
        }
    }

    /// GETs `uri` and returns the body of a 2xx answer.
    async fn get(&self, uri: &str) -> Result<Bytes, CallError> {
        let uri: Uri = uri.parse().map_err(|_| CallError::Protocol)?;
        // One budget for the whole call: the head and the body are read
        // inside one timeout (which copes with `Duration::MAX`).
        let call = async {
            let response = self
                .client
                .get(uri)
                .await
                .map_err(|e| match e.is_connect() {
                    true => CallError::Connect,
                    false => CallError::Protocol,
                })?;
            let status = response.status();
            if !status.is_success() {
                return Err(CallError::Status(status.as_u16()));
            }
            let body = Limited::new(response.into_body(), self.max_body);
            let collected = body
                .collect()
                .await
                .map_err(|e| match e.is::<LengthLimitError>() {
                    true => CallError::TooLarge,
                    false => CallError::Protocol,
                })?;
            Ok(collected.to_bytes())
        };
        // whole milliseconds are precise enough for a network call
        let budget = Duration::from_millis(self.timeout.as_millis() as u64);
        match timeout(budget, call).await {
            Ok(result) => result,
            Err(_elapsed) => Err(CallError::Timeout),
        }
    }
}

#[tokio::main]
async fn main() {
    // Try it: `cargo run --bin res1` with something listening on port 8080,
    // e.g. `python3 -m http.server 8080`.
    let upstream = Upstream::new(Duration::from_secs(2), 64 * 1024);
    match upstream.get("http://127.0.0.1:8080/").await {
        Ok(body) => println!("{} bytes", body.len()),
        Err(e) => println!("failed: {e:?}"),
    }
}
