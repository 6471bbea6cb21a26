// wrong: the failure count read before the upstream runs is written back after it: overlapping calls lose failures, and a late result overwrites an open or half-open state
// expect: old news
// expect: overlapping calls would lose failures
//! # A circuit breaker
//!
//! When an upstream is down, every call to it fails, often only after a
//! timeout. Calling it anyway wastes your time (each request waits the full
//! timeout before failing), and it piles load on a service that is trying to
//! recover. A *circuit breaker* (Michael Nygard, "Release It!") sits in front
//! of the calls and watches them. It is named after the switch in your
//! house's electrical panel, which trips and cuts off a faulty circuit before
//! it does more damage; unlike that one, which stays off until someone resets
//! it by hand, this one tests the upstream again by itself after a cooldown:
//!
//! - **Closed**: calls go through. It counts failures *in a row*; a success
//!   resets the count. The `threshold`-th consecutive failure opens it.
//! - **Open**: calls fail at once with `BreakerError::Open`, without touching
//!   the upstream. This lasts `cooldown`, counted from the moment the failure
//!   that opened it was seen: it ends exactly at `opened_at + cooldown`.
//! - **Half-open**: once the cooldown is over, ONE trial call goes through, to
//!   test the water. While it is in flight, other callers are refused as if open
//!   (a hundred "trial" calls would be the stampede the breaker exists to
//!   prevent). The trial's success closes the breaker (count back to zero); its
//!   failure opens it again, for a fresh cooldown from that failure.
//!
//! Calls overlap, so a call can end in another state than it started in. A
//! slow call that started while closed and ends after the breaker opened, or
//! while another caller's trial is in flight, changes nothing: its outcome is
//! old news, and only the trial decides whether a half-open breaker closes.
//!
//! Two practical rules. Never hold the breaker's lock while calling the
//! upstream: the call may take seconds, and every other caller would queue
//! behind it. And read the clock when something happens: a call that fails
//! after 5 s opened the breaker when it failed, not when it started.
//!
//! The clock is passed in, so the tests can move time without sleeping.
//! Read more: https://martinfowler.com/bliki/CircuitBreaker.html and
//! https://learn.microsoft.com/en-us/azure/architecture/patterns/circuit-breaker

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

trait Clock: Send + Sync {
    fn now(&self) -> Instant;
}

struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Instant {
        Instant::now()
    }
}

#[derive(Debug, PartialEq)]
enum BreakerError<E> {
    /// Refused without calling the upstream: the breaker is open, or half-open
    /// with its trial call in flight.
    Open,
    /// The upstream was called and failed with this error.
    Upstream(E),
}

#[derive(Debug)]
enum State {
    /// Calls go through; `failures` in a row so far.
    Closed { failures: u32 },
    /// Calls are refused until `until`.
    Open { until: Instant },
    /// The cooldown is over and the one trial call is in flight.
    HalfOpen,
}

struct Breaker {
    threshold: u32,
    cooldown: Duration,
    clock: Arc<dyn Clock>,
    state: Mutex<State>,
}

impl Breaker {
    fn new(threshold: u32, cooldown: Duration, clock: Arc<dyn Clock>) -> Breaker {
        let state = Mutex::new(State::Closed { failures: 0 });
        Breaker {
            threshold,
            cooldown,
            clock,
            state,
        }
    }

    /// Calls `upstream` if the breaker lets it through, and records how it went.
    // TODO: this version calls the upstream every time and remembers nothing.
    // Make it a breaker, with `self.state`, by the lesson's rules:
    // - closed: call; count failures in a row, a success resets the count; the
    //   `threshold`-th failure in a row opens it until `now + cooldown`;
    // - open: refuse with `BreakerError::Open` without calling the upstream,
    //   until the cooldown is over; then half-open: this one call is the trial;
    // - half-open with the trial in flight: refuse the others;
    // - the trial's success closes the breaker (count 0), its failure opens it
    //   for a fresh cooldown; a call that was not the trial and ends while
    //   open or half-open changes nothing;
    // - the lock is never held while the upstream runs, and "now" is read when
    //   the outcome is known.
    fn call<T, E>(&self, upstream: impl FnOnce() -> Result<T, E>) -> Result<T, BreakerError<E>> {
        let (trial, failures) = {
            let mut state = self.state.lock().unwrap();
            match *state {
                State::Closed { failures } => (false, failures),
                State::Open { until } if self.clock.now() >= until => {
                    *state = State::HalfOpen;
                    (true, 0)
                }
                State::Open { .. } | State::HalfOpen => return Err(BreakerError::Open),
            }
        }; // the lock is released before the upstream runs
        let result = upstream();
        let now = self.clock.now();
        let mut state = self.state.lock().unwrap();
        *state = match (&result, trial) {
            (Ok(_), _) => State::Closed { failures: 0 },
            (Err(_), true) => State::Open {
                until: now + self.cooldown,
            },
            (Err(_), false) if failures + 1 >= self.threshold => State::Open {
                until: now + self.cooldown,
            },
            (Err(_), false) => State::Closed {
                failures: failures + 1,
            },
        };
        drop(state);
        result.map_err(BreakerError::Upstream)
    }
}

fn main() {
    let breaker = Breaker::new(3, Duration::from_secs(10), Arc::new(SystemClock));
    for i in 1..=5 {
        let result = breaker.call(|| {
            println!("  calling the upstream");
            Err::<(), _>("connection refused")
        });
        println!("call {i}: {result:?}");
    }
}
