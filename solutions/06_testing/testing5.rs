//! # Time in tests: a fake clock instead of sleeping
//!
//! A login session must end: after 30 minutes without a request (the *idle*
//! timeout) and 8 hours after login however busy it is (the *absolute*
//! timeout), so that a stolen or forgotten session is worth little (OWASP
//! Session Management Cheat Sheet, "Session Expiration":
//! https://cheatsheetseries.owasp.org/cheatsheets/Session_Management_Cheat_Sheet.html).
//!
//! Testing that with `std::thread::sleep` would take half an hour per test,
//! and tests that depend on the real time are *flaky*: a slow machine adds a
//! second, and the test on the boundary fails once in a while. So the code
//! below never reads the system time itself; it asks a `&dyn Clock`.
//! Production passes `SystemClock`. A test passes a *fake clock* whose time
//! moves only when the test says so: `clock.advance(30 * 60)`, and thirty
//! minutes pass instantly and exactly, to the second.
//!
//! `Sessions` holds a shared reference to the clock while the test still
//! wants to move it, so the fake keeps its time in a `Cell<u64>`: `get()`
//! reads it and `set()` changes it through `&self`
//! (https://doc.rust-lang.org/std/cell/struct.Cell.html).

use std::collections::HashMap;
use std::time::{SystemTime, UNIX_EPOCH};

/// Tells the time in whole seconds since 1970 (Unix time).
trait Clock {
    fn now(&self) -> u64;
}

struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> u64 {
        let since_1970 = SystemTime::now().duration_since(UNIX_EPOCH);
        since_1970.map_or(0, |elapsed| elapsed.as_secs())
    }
}

const IDLE_TIMEOUT_SECS: u64 = 30 * 60;
const ABSOLUTE_TIMEOUT_SECS: u64 = 8 * 60 * 60;

struct Session {
    user: String,
    created_at: u64,
    last_seen: u64,
}

struct Sessions<'a> {
    clock: &'a dyn Clock,
    by_id: HashMap<String, Session>,
    issued: u64,
}

impl<'a> Sessions<'a> {
    fn new(clock: &'a dyn Clock) -> Self {
        Sessions {
            clock,
            by_id: HashMap::new(),
            issued: 0,
        }
    }

    /// Starts a session for `user` and returns its id. (Real session ids are
    /// 128 random bits; a counter keeps this exercise short.)
    fn login(&mut self, user: &str) -> String {
        self.issued += 1;
        let id = format!("session-{}", self.issued);
        let now = self.clock.now();
        let session = Session {
            user: user.to_string(),
            created_at: now,
            last_seen: now,
        };
        self.by_id.insert(id.clone(), session);
        id
    }

    /// The user of session `id` while it is valid. A session expires once it
    /// has been idle for 30 minutes, or 8 hours after login. Each successful
    /// use counts as activity and restarts the idle timeout.
    fn user(&mut self, id: &str) -> Option<String> {
        let now = self.clock.now();
        let session = self.by_id.get_mut(id)?;
        let idle = now.saturating_sub(session.last_seen) >= IDLE_TIMEOUT_SECS;
        let too_old = now.saturating_sub(session.created_at) >= ABSOLUTE_TIMEOUT_SECS;
        if idle || too_old {
            self.by_id.remove(id);
            return None;
        }
        session.last_seen = now;
        Some(session.user.clone())
    }
}

// not graded: a demo on the real clock; the learner's tests inject a fake clock
fn main() {
    let mut sessions = Sessions::new(&SystemClock);
    let id = sessions.login("alice");
    println!("{id} belongs to {:?}", sessions.user(&id));
}

// ---- your tests: write them below ----
#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    struct FakeClock {
        now: Cell<u64>,
    }

    impl FakeClock {
        fn new() -> Self {
            FakeClock {
                now: Cell::new(1_700_000_000),
            }
        }
        fn advance(&self, secs: u64) {
            self.now.set(self.now.get() + secs);
        }
    }

    impl Clock for FakeClock {
        fn now(&self) -> u64 {
            self.now.get()
        }
    }

    const MINUTE: u64 = 60;

    #[test]
    fn session_belongs_to_its_user() {
        let clock = FakeClock::new();
        let mut sessions = Sessions::new(&clock);
        let alice = sessions.login("alice");
        let bob = sessions.login("bob");
        for (id, user) in [(&alice, "alice"), (&bob, "bob")] {
            assert_eq!(
                sessions.user(id).as_deref(),
                Some(user),
                "a fresh session of {user} should give {user}"
            );
        }
        assert_eq!(
            sessions.user("session-99"),
            None,
            "an unknown id has no user"
        );
    }

    #[test]
    fn session_expires_after_exactly_30_idle_minutes() {
        let clock = FakeClock::new();
        let mut sessions = Sessions::new(&clock);
        let (used, idle) = (sessions.login("alice"), sessions.login("bob"));
        clock.advance(30 * MINUTE - 1);
        let user = sessions.user(&used);
        assert_eq!(
            user.as_deref(),
            Some("alice"),
            "after 29:59 idle the session should still be valid"
        );
        clock.advance(1);
        let user = sessions.user(&idle);
        assert_eq!(
            user, None,
            "after exactly 30:00 idle the session should have expired"
        );
    }

    #[test]
    fn session_idle_for_45_minutes_stays_expired() {
        let clock = FakeClock::new();
        let mut sessions = Sessions::new(&clock);
        let id = sessions.login("alice");
        clock.advance(45 * MINUTE);
        assert_eq!(
            sessions.user(&id),
            None,
            "a session idle for 45 minutes should be expired"
        );
        assert_eq!(
            sessions.user(&id),
            None,
            "an expired session should stay expired"
        );
    }

    #[test]
    fn using_a_session_restarts_the_idle_timeout() {
        let clock = FakeClock::new();
        let mut sessions = Sessions::new(&clock);
        let id = sessions.login("alice");
        for minute in [20, 40, 60] {
            clock.advance(20 * MINUTE);
            let user = sessions.user(&id);
            let message =
                format!("used every 20 minutes, the session should be valid at minute {minute}");
            assert_eq!(user.as_deref(), Some("alice"), "{message}");
        }
    }

    #[test]
    fn busy_session_expires_8_hours_after_login() {
        let clock = FakeClock::new();
        let mut sessions = Sessions::new(&clock);
        let id = sessions.login("alice");
        for minute in (20..8 * 60).step_by(20) {
            clock.advance(20 * MINUTE);
            let user = sessions.user(&id);
            assert!(
                user.is_some(),
                "a busy session should be valid at minute {minute}"
            );
        }
        clock.advance(20 * MINUTE);
        let user = sessions.user(&id);
        assert_eq!(
            user, None,
            "8 hours after login the session should end, busy or not"
        );
    }
}
