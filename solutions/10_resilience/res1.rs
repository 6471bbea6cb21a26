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
        match timeout(self.timeout, call).await {
            Ok(result) => result,
            Err(_elapsed) => Err(CallError::Timeout),
        }
    }
}

// not graded: a demo request to port 8080; the tests call `Upstream::get` against their own servers
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

// ---- grading tests: read them, but do not change them ----
#[cfg(test)]
#[path = "../../support/generated.rs"]
mod generated;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generated::{duration_up_to, edge_u64};
    use proptest::prelude::*;
    use tokio::net::{TcpListener, TcpStream};
    use tokio::time::Instant;

    const SECOND: Duration = Duration::from_secs(1);

    /// What the fake upstream does after it has read a request head.
    #[derive(Clone)]
    struct Script {
        /// Wait this long (on tokio's clock) before answering.
        delay: Duration,
        /// Then send these bytes...
        send: Vec<u8>,
        /// ...then wait this long and send these bytes...
        rest_delay: Duration,
        rest: Vec<u8>,
        /// ...and keep the connection open without another byte (or close it).
        stall: bool,
    }

    fn answer(send: &str) -> Script {
        let send = send.as_bytes().to_vec();
        let delay = Duration::ZERO;
        Script {
            delay,
            send,
            rest_delay: Duration::ZERO,
            rest: Vec::new(),
            stall: false,
        }
    }

    fn stalls_after(send: &str) -> Script {
        Script {
            stall: true,
            ..answer(send)
        }
    }

    /// Starts a fake upstream on 127.0.0.1 that follows `script` on every connection.
    async fn fake(script: Script) -> String {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(serve(stream, script.clone()));
            }
        });
        format!("http://{addr}/data")
    }

    async fn serve(stream: TcpStream, script: Script) {
        let (mut head, mut buf) = (Vec::new(), [0; 1024]);
        while !head.windows(4).any(|w| w == b"\r\n\r\n") {
            let _ = stream.readable().await;
            match stream.try_read(&mut buf) {
                Ok(0) => return,
                Ok(n) => head.extend_from_slice(&buf[..n]),
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => continue,
                Err(_) => return,
            }
        }
        tokio::time::sleep(script.delay).await;
        let mut send = &script.send[..];
        while !send.is_empty() {
            let _ = stream.writable().await;
            match stream.try_write(send) {
                Ok(n) => send = &send[n..],
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => continue,
                Err(_) => return,
            }
        }
        if !script.rest.is_empty() {
            tokio::time::sleep(script.rest_delay).await;
            let mut rest = &script.rest[..];
            while !rest.is_empty() {
                let _ = stream.writable().await;
                match stream.try_write(rest) {
                    Ok(n) => rest = &rest[n..],
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => continue,
                    Err(_) => return,
                }
            }
        }
        if script.stall {
            std::future::pending::<()>().await;
        }
    }

    /// Calls `get` and gives up (with a failure) after `limit` of tokio's clock.
    async fn call(upstream: &Upstream, uri: &str, limit: Duration, what: &str) -> CallResult {
        let start = Instant::now();
        let result = tokio::time::timeout(limit, upstream.get(uri)).await;
        let elapsed = start.elapsed();
        let Ok(result) = result else {
            panic!(
                "{what}: `get` had not returned after {limit:?}, although its timeout is {:?}. \
                 The deadline must cover the whole call: connect, head AND body",
                upstream.timeout
            );
        };
        CallResult { result, elapsed }
    }

    struct CallResult {
        result: Result<Bytes, CallError>,
        elapsed: Duration,
    }

    fn ok(body: &str) -> Result<Bytes, CallError> {
        Ok(Bytes::from(body.to_string()))
    }

    #[tokio::test]
    async fn a_2xx_answer_returns_its_body() {
        let upstream = Upstream::new(5 * SECOND, 1024);
        let cases = [
            (
                "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello",
                ok("hello"),
            ),
            (
                "HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nid",
                ok("id"),
            ),
            ("HTTP/1.1 204 No Content\r\n\r\n", ok("")),
        ];
        for (send, want) in cases {
            let uri = fake(answer(send)).await;
            let got = call(&upstream, &uri, 5 * SECOND, "a quick answer").await;
            let status = send.lines().next().unwrap();
            assert_eq!(
                got.result, want,
                "the upstream answered `{status}`: a 2xx answer is a success, and `get` \
                 returns its body"
            );
        }
    }

    #[tokio::test]
    async fn a_status_that_is_not_2xx_is_an_error() {
        let upstream = Upstream::new(5 * SECOND, 1024);
        for code in [503, 500, 404, 400, 429, 302] {
            let send = format!("HTTP/1.1 {code} Whatever\r\nContent-Length: 4\r\n\r\noops");
            let uri = fake(answer(&send)).await;
            let got = call(&upstream, &uri, 5 * SECOND, "a quick answer").await;
            assert_eq!(
                got.result,
                Err(CallError::Status(code)),
                "the upstream answered `HTTP/1.1 {code}` with the body \"oops\": only 2xx is \
                 success, anything else is `Err(CallError::Status({code}))`, not the error \
                 page as if it were data"
            );
        }
    }

    #[tokio::test]
    async fn a_refused_connection_is_a_connect_error() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        drop(listener); // nobody listens on this port any more
        let upstream = Upstream::new(5 * SECOND, 1024);
        let uri = format!("http://{addr}/data");
        let got = call(&upstream, &uri, 5 * SECOND, "a refused connection").await;
        assert_eq!(
            got.result,
            Err(CallError::Connect),
            "nobody listens on {addr}, so the connection is refused at once: that is \
             `CallError::Connect` (nothing was sent), not a timeout or a protocol error; \
             hyper-util's error tells you with `is_connect()`"
        );
    }

    #[tokio::test]
    async fn a_connection_that_breaks_mid_body_is_a_protocol_error() {
        let upstream = Upstream::new(5 * SECOND, 1024);
        let send = "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly ten b";
        let uri = fake(answer(send)).await;
        let got = call(&upstream, &uri, 5 * SECOND, "a broken body").await;
        assert_eq!(
            got.result,
            Err(CallError::Protocol),
            "the upstream promised 100 bytes (Content-Length: 100), sent 10 and closed the \
             connection: a truncated body is an error, not a success"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn an_upstream_that_never_answers_times_out_at_the_deadline() {
        let silent = Script {
            delay: 3600 * SECOND,
            ..stalls_after("")
        };
        let uri = fake(silent).await;
        let upstream = Upstream::new(2 * SECOND, 1024);
        let got = call(&upstream, &uri, 10 * SECOND, "a silent upstream").await;
        assert_eq!(
            got.result,
            Err(CallError::Timeout),
            "the upstream accepted the connection and never answered: after the timeout \
             (2 s) `get` must give up with `CallError::Timeout`"
        );
        assert!(
            got.elapsed >= 2 * SECOND && got.elapsed < 2 * SECOND + SECOND / 10,
            "the timeout is 2 s, but `get` gave up after {:?}",
            got.elapsed
        );
    }

    #[tokio::test(start_paused = true)]
    async fn the_deadline_covers_a_stalled_body() {
        let send = "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly ten b";
        let uri = fake(stalls_after(send)).await;
        let upstream = Upstream::new(2 * SECOND, 1024);
        let what = "an upstream that sent its head and 10 of 100 bytes, then nothing";
        let got = call(&upstream, &uri, 10 * SECOND, what).await;
        assert_eq!(
            got.result,
            Err(CallError::Timeout),
            "{what}: after the timeout (2 s) `get` must give up with `CallError::Timeout`"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn the_timeout_is_one_budget_for_the_whole_call() {
        let send = "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly ten b";
        let late = Script {
            delay: 1500 * Duration::from_millis(1),
            ..stalls_after(send)
        };
        let uri = fake(late).await;
        let upstream = Upstream::new(2 * SECOND, 1024);
        let what = "an upstream that sent its head after 1.5 s, then stalled in the body";
        let got = call(&upstream, &uri, 10 * SECOND, what).await;
        assert_eq!(got.result, Err(CallError::Timeout), "{what}");
        assert!(
            got.elapsed < 2 * SECOND + SECOND / 10,
            "{what}: `get` gave up after {:?}, but its timeout is 2 s for the WHOLE call. \
             Compute one deadline at the start and let every step wait only until it \
             (`tokio::time::timeout_at`), instead of a fresh 2 s for the body",
            got.elapsed
        );
    }

    #[tokio::test]
    async fn the_body_is_capped_at_max_body_bytes() {
        let upstream = Upstream::new(2 * SECOND, 1024);
        let sized = |n: usize| {
            format!(
                "HTTP/1.1 200 OK\r\nContent-Length: {n}\r\n\r\n{}",
                "x".repeat(n)
            )
        };
        let uri = fake(answer(&sized(1024))).await;
        let got = call(&upstream, &uri, 5 * SECOND, "a body of 1024 bytes").await;
        assert_eq!(
            got.result.map(|b| b.len()),
            Ok(1024),
            "a body of exactly max_body (1024) bytes is allowed"
        );
        let uri = fake(answer(&sized(1025))).await;
        let got = call(&upstream, &uri, 5 * SECOND, "a body of 1025 bytes").await;
        assert_eq!(
            got.result,
            Err(CallError::TooLarge),
            "a body of 1025 bytes is one over max_body (1024): `CallError::TooLarge`"
        );
        let chunk = format!("190\r\n{}\r\n", "x".repeat(400));
        let three = format!(
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n{chunk}{chunk}{chunk}0\r\n\r\n"
        );
        let uri = fake(answer(&three)).await;
        let got = call(&upstream, &uri, 5 * SECOND, "three chunks of 400 bytes").await;
        assert_eq!(
            got.result,
            Err(CallError::TooLarge),
            "a chunked body of 3 x 400 = 1200 bytes is over max_body (1024): count the \
             bytes of the whole body, not of each piece"
        );
    }

    #[tokio::test]
    async fn an_endless_body_is_stopped_at_the_cap() {
        let upstream = Upstream::new(2 * SECOND, 1024);
        let chunk = format!("7d0\r\n{}\r\n", "x".repeat(2000));
        let send = format!("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n{chunk}");
        let uri = fake(stalls_after(&send)).await;
        let what = "an upstream that streams a body without end (2000 bytes so far)";
        let got = call(&upstream, &uri, 3 * SECOND, what).await;
        assert_eq!(
            got.result,
            Err(CallError::TooLarge),
            "{what}: with max_body 1024, `get` must stop reading as soon as the body passes \
             1024 bytes and return `CallError::TooLarge`. Check the size WHILE reading \
             (`http_body_util::Limited`), not after: the end may never come"
        );
    }

    /// Lets every task and the sockets make progress while the clock stands
    /// still: a busy runtime never advances a paused clock by itself.
    async fn settle() {
        for _ in 0..400 {
            tokio::task::yield_now().await;
        }
    }

    /// Calls `get` in a task of its own and moves the paused clock by hand,
    /// from one `stop` to the next (the moments when something is due), letting
    /// the sockets settle at each: answers (result, how long `get` took).
    async fn call_at_stops(
        upstream: Upstream,
        uri: String,
        mut stops: Vec<Duration>,
        what: &str,
    ) -> Result<CallResult, TestCaseError> {
        let task = tokio::spawn(async move {
            let start = Instant::now();
            let result = upstream.get(&uri).await;
            (result, start.elapsed())
        });
        stops.sort();
        stops.dedup();
        let mut now = Duration::ZERO;
        settle().await;
        for stop in stops {
            if task.is_finished() {
                break;
            }
            tokio::time::advance(stop - now).await;
            now = stop;
            settle().await;
        }
        prop_assert!(
            task.is_finished(),
            "{}: `get` had not returned after {:?} (on a paused clock)",
            what,
            now
        );
        let (result, elapsed) = task.await.map_err(|e| {
            TestCaseError::fail(format!(
                "{what}: `get` panicked ({e}). A budget of Duration::MAX means no deadline: \
                 `Instant::now() + Duration::MAX` overflows, so add with `checked_add` or use \
                 `tokio::time::timeout`, which copes"
            ))
        })?;
        Ok(CallResult { result, elapsed })
    }

    /// Where tokio's timer fires for a wait of `d`: at the next whole
    /// millisecond.
    fn tick(d: Duration) -> u128 {
        d.as_nanos().div_ceil(1_000_000)
    }

    fn budget() -> impl Strategy<Value = Duration> {
        prop_oneof![
            1 => Just(Duration::ZERO),
            1 => Just(Duration::from_nanos(1)),
            6 => duration_up_to(4 * SECOND),
            1 => Just(Duration::MAX),
            1 => Just(Duration::from_secs(u64::MAX / 2)),
        ]
    }

    proptest! {
        // A socket per case: few shrinking steps, so that a failure is shown fast.
        #![proptest_config(ProptestConfig {
            max_shrink_iters: 48,
            ..crate::generated::config(48)
        })]

        /// Any budget (zero, a nanosecond, sub-millisecond parts, Duration::MAX),
        /// a head that arrives after any delay, and a body whose second half
        /// arrives after another: the call succeeds when the whole answer
        /// arrives within the budget, and gives up with Timeout exactly when
        /// the budget runs out otherwise.
        #[test]
        fn one_budget_for_head_and_body(
            budget in budget(),
            head_after in prop_oneof![1 => Just(Duration::ZERO), 3 => duration_up_to(3 * SECOND)],
            rest_after in prop_oneof![1 => Just(Duration::ZERO), 3 => duration_up_to(3 * SECOND)],
        ) {
            let arrives = tick(head_after) + tick(rest_after);
            let finite = budget <= 4 * SECOND;
            prop_assume!(!finite || arrives != tick(budget), "the same timer tick: a tie");
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .start_paused(true)
                .build()
                .unwrap();
            runtime.block_on(async {
                let script = Script {
                    delay: head_after,
                    rest_delay: rest_after,
                    rest: b"world".to_vec(),
                    ..answer("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhello")
                };
                let uri = fake(script).await;
                let upstream = Upstream::new(budget, 1024);
                let what = format!(
                    "a budget of {budget:?}; the upstream sent its head and half the body after \
                     {head_after:?}, the other half {rest_after:?} later"
                );
                let ms = Duration::from_millis(1);
                let mut due = vec![ms * tick(head_after) as u32, ms * arrives as u32];
                if finite {
                    due.push(ms * tick(budget) as u32);
                }
                let mut stops: Vec<Duration> = due.iter().flat_map(|&t| [t.saturating_sub(ms), t]).collect();
                stops.push(ms * arrives as u32 + 10 * ms);
                let got = call_at_stops(upstream, uri, stops, &what).await?;
                if !finite || arrives < tick(budget) {
                    prop_assert_eq!(
                        got.result, ok("helloworld"),
                        "{}: the whole answer arrived within the budget, so `get` should return \
                         its body (one budget for the whole call, not cut to whole seconds or \
                         milliseconds; Duration::MAX never runs out)",
                        what
                    );
                } else {
                    prop_assert_eq!(
                        &got.result, &Err(CallError::Timeout),
                        "{}: the budget ran out before the whole answer arrived: \
                         `CallError::Timeout`. The budget covers head AND body together",
                        what
                    );
                    prop_assert!(
                        got.elapsed >= budget && got.elapsed <= budget + Duration::from_millis(1),
                        "{}: `get` gave up after {:?}; it should give up when the budget ({:?}) \
                         runs out, not before (a budget cut to whole seconds or milliseconds \
                         ends early), not later",
                        what, got.elapsed, budget
                    );
                }
                Ok::<(), TestCaseError>(())
            })?;
        }

        /// Any status from 200 to 599, any cap (0, 1, up to usize::MAX), a body
        /// of any bytes around the cap, sent whole or in chunks of any sizes.
        #[test]
        fn status_and_cap_hold_for_any_answer(
            code in prop_oneof![3 => 200u16..=299, 2 => 300u16..=599],
            max_body in prop_oneof![4 => edge_u64(600).prop_map(|n| n as usize), 1 => Just(usize::MAX)],
            length in prop_oneof![
                1 => Just(-1i64), 1 => Just(0i64), 1 => Just(1i64), 3 => -3i64..=3, 1 => -600i64..=600,
            ],
            fill in any::<u8>(),
            chunks in proptest::option::of(proptest::collection::vec(1usize..=300, 1..8)),
        ) {
            let base = max_body.min(600) as i64;
            let mut length = (base + length).clamp(0, 1200) as usize;
            if matches!(code, 204 | 205 | 304) {
                length = 0;
            }
            let body: Vec<u8> = (0..length).map(|i| fill.wrapping_add(i as u8)).collect();
            let mut send = format!("HTTP/1.1 {code} Whatever\r\n").into_bytes();
            let framing = match &chunks {
                Some(sizes) if length > 0 => {
                    send.extend_from_slice(b"Transfer-Encoding: chunked\r\n\r\n");
                    let (mut at, mut sizes) = (0, sizes.iter().cycle());
                    let mut pieces = 0;
                    while at < length {
                        let n = (*sizes.next().unwrap()).min(length - at);
                        send.extend_from_slice(format!("{n:x}\r\n").as_bytes());
                        send.extend_from_slice(&body[at..at + n]);
                        send.extend_from_slice(b"\r\n");
                        (at, pieces) = (at + n, pieces + 1);
                    }
                    send.extend_from_slice(b"0\r\n\r\n");
                    format!("in {pieces} chunks")
                }
                _ => {
                    send.extend_from_slice(format!("Content-Length: {length}\r\n\r\n").as_bytes());
                    send.extend_from_slice(&body);
                    "with a Content-Length".to_string()
                }
            };
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async {
                let script = Script { send, ..answer("") };
                let uri = fake(script).await;
                let upstream = Upstream::new(5 * SECOND, max_body);
                let what = format!(
                    "the upstream answered {code} with a body of {length} bytes ({framing}); \
                     max_body is {max_body}"
                );
                let got = call(&upstream, &uri, 5 * SECOND, &what).await;
                let (want, rule) = if !(200..=299).contains(&code) {
                    (Err(CallError::Status(code)), "only 2xx is success: anything else is `CallError::Status(code)`")
                } else if length <= max_body {
                    (Ok(Bytes::from(body)), "a 2xx answer whose body is at most max_body bytes returns that body, byte for byte")
                } else {
                    (Err(CallError::TooLarge), "a body longer than max_body bytes (counted over the whole body, not per chunk) is `CallError::TooLarge`")
                };
                prop_assert!(
                    got.result == want,
                    "{}: `get` returned {:?}, but {}",
                    what,
                    got.result.as_ref().map(|b| format!("Ok({} bytes)", b.len())),
                    rule
                );
                Ok::<(), TestCaseError>(())
            })?;
        }
    }
}
