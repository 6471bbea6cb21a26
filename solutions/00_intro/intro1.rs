//! # Welcome to backendlings
//!
//! Every exercise is one small Rust file like this one. At the top there is a
//! short lesson (you are reading it); then comes code with `TODO` comments
//! that say what to change; at the bottom, below the line
//! `// ---- grading tests: read them, but do not change them ----`,
//! are the tests that grade your work.
//!
//! How it works:
//! - The runner watches this file. Edit the code above the marker and save:
//!   it compiles the file and runs the tests again, by itself.
//! - When every test passes, the exercise is done and the runner moves on.
//! - The tests belong to the course. Read them (they are the precise spec),
//!   but do not change them: the runner notices, and the exercise is then
//!   reported as "tampered", not passed.
//! - Stuck? Run `backendlings hint` for a hint; run it again for a more
//!   precise one.
//!
//! Backends are probed all day long by load balancers and orchestrators that
//! ask "are you alive?". The usual answer is an endpoint like `GET /health`
//! that replies with status 200 and a tiny body. Your first task is exactly
//! that. Read more: https://microservices.io/patterns/observability/health-check-api.html

/// The HTTP status code our service answers to `GET /health`.
fn health_status() -> u16 {
    // A healthy service answers 200 ("OK"), not 503 ("Service Unavailable").
    200
}

/// The body our service answers to `GET /health`.
fn health_body() -> String {
    // The text "ok": lowercase, nothing else.
    String::from("ok")
}

// not graded: prints a demo; the tests call the functions it calls
fn main() {
    println!("GET /health -> {} {}", health_status(), health_body());
}

// ---- grading tests: read them, but do not change them ----
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn healthy_service_answers_200() {
        assert_eq!(
            health_status(),
            200,
            "GET /health answered status {}, but a healthy service should answer 200",
            health_status()
        );
    }

    #[test]
    fn health_body_is_ok() {
        assert_eq!(
            health_body(),
            "ok",
            "GET /health answered the body {:?}, but it should answer \"ok\"",
            health_body()
        );
    }
}
