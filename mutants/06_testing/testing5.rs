use std::collections::HashMap;
use std::time::{SystemTime, UNIX_EPOCH};

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

    fn login(&mut self, user: &str) -> String {
        // mutant(5): every session gets the same id.
        if !mutant(5) {
            self.issued += 1;
        }
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

    fn user(&mut self, id: &str) -> Option<String> {
        let now = self.clock.now();
        let session = self.by_id.get_mut(id)?;
        if mutant(1) {
            // The activity is recorded before the check: nothing ever goes idle.
            session.last_seen = now;
        }
        let idle_secs = now.saturating_sub(session.last_seen);
        // mutant(2): exactly 30 idle minutes is still valid.
        let idle = if mutant(2) {
            idle_secs > IDLE_TIMEOUT_SECS
        } else {
            idle_secs >= IDLE_TIMEOUT_SECS
        };
        // mutant(4): the absolute timeout is not enforced.
        let age = now.saturating_sub(session.created_at);
        // mutant(6): a session exactly 8 hours old is still valid.
        let too_old = if mutant(6) {
            age > ABSOLUTE_TIMEOUT_SECS
        } else {
            age >= ABSOLUTE_TIMEOUT_SECS && !mutant(4)
        };
        if idle || too_old {
            self.by_id.remove(id);
            return None;
        }
        // mutant(3): a use does not restart the idle timeout.
        if !mutant(3) {
            session.last_seen = now;
        }
        Some(session.user.clone())
    }
}

fn main() {
    let mut sessions = Sessions::new(&SystemClock);
    let id = sessions.login("alice");
    println!("{id} belongs to {:?}", sessions.user(&id));
}
