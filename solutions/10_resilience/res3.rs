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
    fn call<T, E>(&self, upstream: impl FnOnce() -> Result<T, E>) -> Result<T, BreakerError<E>> {
        let trial = {
            let mut state = self.state.lock().unwrap();
            match *state {
                State::Closed { .. } => false,
                State::Open { until } if self.clock.now() >= until => {
                    *state = State::HalfOpen;
                    true
                }
                State::Open { .. } | State::HalfOpen => return Err(BreakerError::Open),
            }
        }; // the lock is released here: the upstream may be slow
        let result = upstream();
        let mut state = self.state.lock().unwrap();
        let reopen = State::Open {
            until: self.clock.now() + self.cooldown,
        };
        match (&mut *state, &result) {
            (State::HalfOpen, Ok(_)) if trial => *state = State::Closed { failures: 0 },
            (State::HalfOpen, Err(_)) if trial => *state = reopen,
            (State::Closed { failures }, Ok(_)) => *failures = 0,
            (State::Closed { failures }, Err(_)) => {
                *failures += 1;
                if *failures >= self.threshold {
                    *state = reopen;
                }
            }
            // A call that started before the breaker opened changes nothing.
            _ => {}
        }
        result.map_err(BreakerError::Upstream)
    }
}

// not graded: prints a demo on the real clock; the tests call `Breaker` directly
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

// ---- grading tests: read them, but do not change them ----
#[cfg(test)]
#[path = "../../support/generated.rs"]
mod generated;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generated::{duration_up_to, edge_u64};
    use proptest::prelude::*;
    use std::cell::Cell;
    use std::sync::mpsc;
    use std::thread;

    const MS: Duration = Duration::from_millis(1);
    const WAIT: Duration = Duration::from_secs(5);

    /// A clock that moves only when the test moves it.
    struct FakeClock {
        now: Mutex<Instant>,
    }

    impl Clock for FakeClock {
        fn now(&self) -> Instant {
            *self.now.lock().unwrap()
        }
    }

    impl FakeClock {
        fn advance(&self, by: Duration) {
            *self.now.lock().unwrap() += by;
        }
    }

    /// A breaker (threshold 3, cooldown 10 s) and a fake upstream that counts its calls.
    struct Setup {
        clock: Arc<FakeClock>,
        breaker: Breaker,
        calls: Cell<u32>,
        /// How long each upstream call takes (the clock moves while it runs).
        takes: Cell<Duration>,
    }

    type Got = Result<&'static str, BreakerError<&'static str>>;

    impl Setup {
        fn new() -> Setup {
            let now = Mutex::new(Instant::now());
            let clock = Arc::new(FakeClock { now });
            let breaker = Breaker::new(3, 10_000 * MS, clock.clone());
            let (calls, takes) = (Cell::new(0), Cell::new(Duration::ZERO));
            Setup {
                clock,
                breaker,
                calls,
                takes,
            }
        }

        /// One call through the breaker, to an upstream that succeeds or fails.
        fn call(&self, succeeds: bool) -> (Got, bool) {
            let before = self.calls.get();
            let got = self.breaker.call(|| {
                self.calls.set(self.calls.get() + 1);
                self.clock.advance(self.takes.get());
                if succeeds { Ok("ok") } else { Err("boom") }
            });
            (got, self.calls.get() > before)
        }

        fn expect_through(&self, succeeds: bool, story: &str) {
            let (got, reached) = self.call(succeeds);
            let want = if succeeds {
                Ok("ok")
            } else {
                Err(BreakerError::Upstream("boom"))
            };
            assert!(
                reached && got == want,
                "{story}: the next call should reach the upstream and return {want:?}, but it \
                 {} and returned {got:?}",
                if reached {
                    "reached it"
                } else {
                    "did NOT reach it"
                }
            );
        }

        fn expect_refused(&self, story: &str) {
            let (got, reached) = self.call(true);
            assert!(
                !reached && got == Err(BreakerError::Open),
                "{story}: the next call should be refused at once with Err(BreakerError::Open), \
                 without touching the upstream, but it {} and returned {got:?}",
                if reached {
                    "reached the upstream"
                } else {
                    "did not reach it"
                }
            );
        }

        /// One call, whatever comes of it.
        fn run(&self, succeeds: bool) {
            let _ = self.call(succeeds);
        }

        /// Three failures in a row: the breaker opens.
        fn open_it(&self) {
            for _ in 0..3 {
                self.run(false);
            }
        }
    }

    #[test]
    fn closed_lets_calls_and_their_results_through() {
        let s = Setup::new();
        s.expect_through(true, "a new breaker is closed");
        s.expect_through(false, "a closed breaker passes on the upstream's error");
        s.expect_through(true, "after one failure (threshold 3) it is still closed");
    }

    #[test]
    fn the_threshold_th_failure_in_a_row_opens_it() {
        let s = Setup::new();
        s.run(false);
        s.run(false);
        s.expect_through(
            false,
            "after 2 failures in a row (threshold 3) it is still closed",
        );
        s.expect_refused("the 3rd failure in a row (threshold 3) opens the breaker");
        assert_eq!(
            s.calls.get(),
            3,
            "the upstream should have been called 3 times"
        );
    }

    #[test]
    fn a_success_resets_the_count() {
        let s = Setup::new();
        for succeeds in [false, false, true, false, false] {
            s.run(succeeds);
        }
        s.expect_through(
            true,
            "failure, failure, success, failure, failure: never 3 failures IN A ROW, so it \
             is still closed (a success resets the count)",
        );
    }

    #[test]
    fn open_fails_fast_until_the_cooldown_is_over() {
        let s = Setup::new();
        s.open_it();
        for (step, story) in [
            (Duration::ZERO, "just opened"),
            (5_000 * MS, "5 s after it opened (cooldown 10 s)"),
            (4_999 * MS, "9.999 s after it opened (cooldown 10 s)"),
        ] {
            s.clock.advance(step);
            s.expect_refused(story);
        }
        assert_eq!(
            s.calls.get(),
            3,
            "an open breaker must not call the upstream"
        );
    }

    #[test]
    fn the_cooldown_starts_when_the_failure_is_seen() {
        let s = Setup::new();
        s.run(false);
        s.run(false);
        s.takes.set(2_000 * MS);
        s.run(false); // fails after 2 s: the breaker opens at t = 2 s
        s.takes.set(Duration::ZERO);
        s.clock.advance(9_999 * MS);
        s.expect_refused(
            "the 3rd failure took 2 s and opened the breaker when it FAILED; 9.999 s later \
             the cooldown (10 s) is not over (read the clock after the call)",
        );
        s.clock.advance(MS);
        s.expect_through(
            true,
            "exactly 10 s (the cooldown) after the breaker opened, one trial call goes through",
        );
    }

    #[test]
    fn a_successful_trial_closes_it() {
        let s = Setup::new();
        s.open_it();
        s.clock.advance(10_000 * MS);
        s.expect_through(true, "after the cooldown the trial call goes through");
        s.expect_through(true, "the trial succeeded, so the breaker is closed");
        s.run(false);
        s.run(false);
        s.expect_through(
            true,
            "closed again, its count starts from zero: 2 failures (threshold 3) do not open it",
        );
    }

    #[test]
    fn a_failed_trial_opens_it_for_a_fresh_cooldown() {
        let s = Setup::new();
        s.open_it();
        s.clock.advance(10_000 * MS);
        s.takes.set(1_000 * MS);
        s.expect_through(false, "after the cooldown the trial call goes through");
        s.takes.set(Duration::ZERO);
        s.expect_refused("the trial failed (after 1 s): the breaker is open again");
        s.clock.advance(9_999 * MS);
        s.expect_refused(
            "9.999 s after the trial failed: a fresh cooldown of 10 s runs from that failure",
        );
        s.clock.advance(MS);
        s.expect_through(
            true,
            "10 s after the failed trial, a new trial goes through",
        );
    }

    #[test]
    fn half_open_lets_exactly_one_trial_through() {
        let s = Setup::new();
        s.open_it();
        s.clock.advance(10_000 * MS);
        let breaker = Arc::new(s.breaker);
        let (started, trial_started) = mpsc::channel();
        let (release, released) = mpsc::channel::<()>();
        let trial = thread::spawn({
            let breaker = breaker.clone();
            move || {
                breaker.call(|| {
                    started.send(()).unwrap();
                    let _ = released.recv_timeout(WAIT);
                    Ok::<_, &str>("trial")
                })
            }
        });
        let reached = trial_started.recv_timeout(WAIT).is_ok();
        assert!(
            reached,
            "after the cooldown, the trial call did not reach the upstream"
        );
        for caller in 1..=3 {
            let (done, result) = mpsc::channel();
            thread::spawn({
                let breaker = breaker.clone();
                move || {
                    let mut reached = false;
                    let got = breaker.call(|| {
                        reached = true;
                        Ok::<_, &str>("other")
                    });
                    let _ = done.send((got, reached));
                }
            });
            let Ok((got, reached)) = result.recv_timeout(WAIT / 2) else {
                panic!(
                    "while the trial call was in flight, caller {caller} waited instead of \
                     being refused at once: do not hold the lock while calling the upstream"
                );
            };
            assert!(
                !reached && got == Err(BreakerError::Open),
                "while the trial call was in flight, caller {caller} {} and got {got:?}: \
                 half-open lets exactly ONE call through and refuses the others with \
                 Err(BreakerError::Open)",
                if reached {
                    "reached the upstream"
                } else {
                    "did not reach the upstream"
                }
            );
        }
        release.send(()).unwrap();
        let trial = trial.join().unwrap();
        assert_eq!(
            trial,
            Ok("trial"),
            "the trial call should return its result"
        );
        let got = breaker.call(|| Ok::<_, &str>("after"));
        assert_eq!(
            got,
            Ok("after"),
            "the trial succeeded: the breaker is closed"
        );
    }

    #[test]
    fn closed_calls_run_side_by_side() {
        let breaker = Arc::new(Breaker::new(3, 10_000 * MS, Arc::new(SystemClock)));
        let (started, slow_started) = mpsc::channel();
        let (release, released) = mpsc::channel::<()>();
        let slow = thread::spawn({
            let breaker = breaker.clone();
            move || {
                breaker.call(|| {
                    started.send(()).unwrap();
                    let _ = released.recv_timeout(WAIT);
                    Ok::<_, &str>("slow")
                })
            }
        });
        slow_started.recv_timeout(WAIT).unwrap();
        let (done, result) = mpsc::channel();
        thread::spawn({
            let breaker = breaker.clone();
            move || done.send(breaker.call(|| Ok::<_, &str>("fast")))
        });
        let fast = result.recv_timeout(WAIT / 2);
        release.send(()).unwrap();
        assert_eq!(
            fast.ok(),
            Some(Ok("fast")),
            "while one slow call was in flight, a second call through the closed breaker did \
             not return: never hold the breaker's lock while the upstream runs"
        );
        assert_eq!(slow.join().unwrap(), Ok("slow"));
    }

    #[test]
    fn a_slow_call_that_ends_after_the_breaker_opened_changes_nothing() {
        // The slow call starts while closed; while it runs, three other calls
        // fail and open the breaker; then it succeeds.
        let s = Setup::new();
        let got = s.breaker.call(|| {
            s.open_it();
            Ok::<_, &str>("slow")
        });
        assert_eq!(got, Ok("slow"), "the slow call should return its result");
        s.expect_refused(
            "a slow call started while closed; while it ran, 3 other calls failed and opened \
             the breaker; then it succeeded. Its success is old news: the breaker stays open",
        );
        // The same, with a slow failure 5 s after the breaker opened.
        let s = Setup::new();
        let _ = s.breaker.call(|| {
            s.open_it();
            s.clock.advance(5_000 * MS);
            Err::<(), _>("slow boom")
        });
        s.clock.advance(5_000 * MS);
        s.expect_through(
            true,
            "a slow call started while closed and failed 5 s after 3 other failures opened the \
             breaker: its failure does not restart the cooldown, so 10 s after the breaker \
             opened the trial goes through",
        );
    }

    /// Starts a call on another thread whose upstream waits for the test;
    /// answers (started, release, the call's result).
    fn in_flight(
        breaker: &Arc<Breaker>,
    ) -> (
        bool,
        mpsc::Sender<Result<&'static str, &'static str>>,
        thread::JoinHandle<Got>,
    ) {
        let (started, call_started) = mpsc::channel();
        let (release, released) = mpsc::channel();
        let call = thread::spawn({
            let breaker = breaker.clone();
            move || {
                breaker.call(|| {
                    started.send(()).unwrap();
                    released.recv_timeout(WAIT).unwrap_or(Err("never released"))
                })
            }
        });
        let reached = call_started.recv_timeout(WAIT / 2).is_ok();
        (reached, release, call)
    }

    fn call_now(breaker: &Breaker, succeeds: bool) -> (Got, bool) {
        let mut reached = false;
        let got = breaker.call(|| {
            reached = true;
            if succeeds { Ok("ok") } else { Err("boom") }
        });
        (got, reached)
    }

    #[test]
    fn only_the_trial_decides_a_half_open_breaker() {
        for slow_succeeds in [true, false] {
            let s = Setup::new();
            let breaker = Arc::new(s.breaker);
            let outcome = if slow_succeeds { "succeeded" } else { "failed" };
            let story = format!(
                "a slow call started while closed; while it ran, 3 calls failed (the breaker \
                 opened), the cooldown passed and a trial call started; then the slow call \
                 {outcome}, while the trial was still in flight"
            );
            let (reached, slow_release, slow) = in_flight(&breaker);
            assert!(
                reached,
                "a call through a new breaker should reach the upstream"
            );
            for _ in 0..3 {
                let _ = call_now(&breaker, false);
            }
            s.clock.advance(10_000 * MS);
            let (reached, trial_release, trial) = in_flight(&breaker);
            assert!(
                reached,
                "after the cooldown, the trial call should reach the upstream"
            );
            slow_release
                .send(if slow_succeeds {
                    Ok("slow")
                } else {
                    Err("slow boom")
                })
                .unwrap();
            let slow = slow.join().unwrap();
            let want = if slow_succeeds {
                Ok("slow")
            } else {
                Err(BreakerError::Upstream("slow boom"))
            };
            assert_eq!(
                slow, want,
                "{story}: the slow call should return its own result"
            );
            let (got, reached) = call_now(&breaker, true);
            assert!(
                !reached && got == Err(BreakerError::Open),
                "{story}. The next call {} and got {got:?}: the slow call was not the trial, \
                 so it changes nothing, and while the trial is in flight every other call is \
                 refused with Err(BreakerError::Open)",
                if reached {
                    "reached the upstream"
                } else {
                    "did not reach it"
                }
            );
            trial_release.send(Ok("trial")).unwrap();
            assert_eq!(trial.join().unwrap(), Ok("trial"));
            let (got, reached) = call_now(&breaker, true);
            assert!(
                reached && got == Ok("ok"),
                "{story}. Then the trial succeeded, so the breaker should be closed, but the \
                 next call {} and got {got:?}: only the trial decides whether a half-open \
                 breaker closes",
                if reached {
                    "reached the upstream"
                } else {
                    "did not reach it"
                }
            );
        }
    }

    /// One call whose upstream first makes the calls in `rest`, one inside the
    /// other; records for each call whether it reached the upstream.
    fn nested(breaker: &Breaker, outcomes: &[bool], reached: &mut Vec<bool>) {
        let Some((&succeeds, rest)) = outcomes.split_first() else {
            return;
        };
        let index = reached.len();
        reached.push(false);
        let _ = breaker.call(|| {
            reached[index] = true;
            nested(breaker, rest, reached);
            if succeeds { Ok("ok") } else { Err("boom") }
        });
    }

    /// One step of a generated story: the clock moves, then one call is made
    /// to an upstream that takes some time and succeeds or fails.
    #[derive(Debug, Clone)]
    struct Step {
        wait: Duration,
        takes: Duration,
        succeeds: bool,
    }

    /// The lesson's rules written again, as the oracle, for calls one at a
    /// time: for each step, whether the call reaches the upstream.
    fn oracle(threshold: u32, cooldown: Duration, steps: &[Step]) -> Vec<bool> {
        let mut now = Duration::ZERO;
        let (mut failures, mut open_until) = (0u32, None::<Duration>);
        let mut reached = Vec::new();
        for step in steps {
            now += step.wait;
            let trial = match open_until {
                Some(until) if now < until => {
                    reached.push(false);
                    continue;
                }
                Some(_) => true,
                None => false,
            };
            reached.push(true);
            now += step.takes;
            if step.succeeds {
                (failures, open_until) = (0, None);
            } else if trial {
                open_until = Some(now + cooldown);
            } else {
                failures += 1;
                if failures >= threshold {
                    open_until = Some(now + cooldown);
                }
            }
        }
        reached
    }

    fn step() -> impl Strategy<Value = Step> {
        let wait = prop_oneof![
            2 => Just(Duration::ZERO),
            3 => duration_up_to(Duration::from_secs(12)),
        ];
        let takes = prop_oneof![
            3 => Just(Duration::ZERO),
            1 => duration_up_to(Duration::from_secs(3)),
        ];
        (wait, takes, prop::bool::weighted(0.3)).prop_map(|(wait, takes, succeeds)| Step {
            wait,
            takes,
            succeeds,
        })
    }

    proptest! {
        #![proptest_config(crate::generated::config(128))]

        /// Calls that overlap while closed: each call's upstream starts the
        /// next call, so all of them start before any ends, and they end in
        /// the reverse order. Failures in a row are counted as calls END.
        #[test]
        fn overlapping_calls_count_every_failure(
            threshold in edge_u64(6).prop_map(|n| n.max(1) as u32),
            outcomes in proptest::collection::vec(prop::bool::weighted(0.25), 1..9),
        ) {
            let clock = Arc::new(FakeClock { now: Mutex::new(Instant::now()) });
            let breaker = Breaker::new(threshold, 10_000 * MS, clock);
            let mut reached = Vec::new();
            nested(&breaker, &outcomes, &mut reached);
            let ended: Vec<&str> = outcomes
                .iter()
                .rev()
                .map(|&ok| if ok { "success" } else { "failure" })
                .collect();
            let story = format!(
                "threshold {threshold}: {} calls started one inside the other while the \
                 breaker was closed, and they ended in this order: {}",
                outcomes.len(),
                ended.join(", ")
            );
            prop_assert!(
                reached.iter().all(|&r| r),
                "{}: every one of them started while closed, so each should have reached the \
                 upstream", story
            );
            // The oracle: failures counted in the order the calls ended.
            let mut failures = Some(0u32);
            for &ok in outcomes.iter().rev() {
                failures = match failures {
                    Some(_) if ok => Some(0),
                    Some(f) if f + 1 >= threshold => None,
                    Some(f) => Some(f + 1),
                    None => None,
                };
            }
            match failures {
                None => {
                    let (got, reached) = call_now(&breaker, true);
                    prop_assert!(
                        !reached && got == Err(BreakerError::Open),
                        "{}: that is {} failure(s) in a row as the calls ended, so the breaker \
                         is open, but the next call {} and got {:?}. Count a failure in the \
                         state as it is when the call ends, not in a count read before the \
                         call started (overlapping calls would lose failures)",
                        story, threshold,
                        if reached { "reached the upstream" } else { "did not reach it" },
                        got
                    );
                }
                Some(f) => {
                    for more in 1..=threshold - f {
                        let (got, reached) = call_now(&breaker, false);
                        prop_assert!(
                            reached && got == Err(BreakerError::Upstream("boom")),
                            "{}: that leaves {} failure(s) in a row, so after {} more failure(s) \
                             the breaker should still be closed, but the next call {} and got \
                             {:?}. Failures in a row are counted as the calls end",
                            story, f, more - 1,
                            if reached { "reached the upstream" } else { "did not reach it" },
                            got
                        );
                    }
                    let (got, reached) = call_now(&breaker, true);
                    prop_assert!(
                        !reached && got == Err(BreakerError::Open),
                        "{}: that leaves {} failure(s) in a row; {} more failure(s) one at a \
                         time make {}, the threshold, so the breaker should be open, but the \
                         next call {} and got {:?}. Count a failure in the state as it is when \
                         the call ends, not in a count read before the call started \
                         (overlapping calls would lose failures)",
                        story, f, threshold - f, threshold,
                        if reached { "reached the upstream" } else { "did not reach it" },
                        got
                    );
                }
            }
        }

        /// Any threshold (1 up), any cooldown (sub-millisecond parts, zero),
        /// any story of waits, slow calls, successes and failures.
        #[test]
        fn every_rule_holds_for_any_story(
            threshold in edge_u64(6).prop_map(|n| n.max(1) as u32),
            cooldown in duration_up_to(Duration::from_secs(10)),
            steps in proptest::collection::vec(step(), 1..24),
        ) {
            let start = Instant::now();
            let clock = Arc::new(FakeClock { now: Mutex::new(start) });
            let breaker = Breaker::new(threshold, cooldown, clock.clone());
            let want = oracle(threshold, cooldown, &steps);
            for (n, (step, want)) in steps.iter().zip(want).enumerate() {
                clock.advance(step.wait);
                let mut reached = false;
                let got = breaker.call(|| {
                    reached = true;
                    clock.advance(step.takes);
                    if step.succeeds { Ok("ok") } else { Err("boom") }
                });
                let expected = match (want, step.succeeds) {
                    (false, _) => Err(BreakerError::Open),
                    (true, true) => Ok("ok"),
                    (true, false) => Err(BreakerError::Upstream("boom")),
                };
                prop_assert!(
                    reached == want && got == expected,
                    "threshold {}, cooldown {:?}, the steps (wait, then a call that takes so \
                     long and succeeds or not) {:?}: call {} (at {:?} on the clock) should {} \
                     the upstream and return {:?}, but it {} and returned {:?}. Closed counts \
                     failures in a row; the threshold-th opens it until exactly cooldown after \
                     that failure was seen; then one trial decides",
                    threshold, cooldown, &steps[..=n], n + 1,
                    clock.now() - start,
                    if want { "reach" } else { "be refused without reaching" },
                    expected,
                    if reached { "reached it" } else { "did not reach it" },
                    got
                );
            }
        }
    }
}
