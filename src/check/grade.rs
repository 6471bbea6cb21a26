//! Turns a finished run into a verdict: reads libtest's report, and shows the failing tests'
//! messages the way a learner needs them (without the harness's noise).

use super::Outcome;
use super::process::RunOutput;

/// Outcome, details to show, and a one-line summary.
pub struct Graded {
    pub outcome: Outcome,
    pub details: String,
    pub summary: String,
}

/// Grades a `test`-mode run: every test passed, and at least `expected_tests` of them ran.
pub fn grade_tests(run: &RunOutput, timeout_secs: u64, expected_tests: usize) -> Graded {
    if let Some(limit) = limit_exceeded(run, timeout_secs) {
        return limit;
    }
    let report = TestReport::parse(&run.stdout);
    let exited_ok = run.status.is_some_and(|s| s.success());
    match report.totals {
        Some((passed, 0)) if exited_ok && passed >= expected_tests => Graded {
            outcome: Outcome::Passed,
            details: String::new(),
            summary: format!("all {passed} tests passed"),
        },
        Some((passed, 0)) if exited_ok => Graded {
            outcome: Outcome::Failed,
            details: format!(
                "Only {passed} of the {expected_tests} grading tests ran. Tests are only counted when they \
                 run to the end: keep every test of the grading section, and do not end the program \
                 from your code (for example with `std::process::exit`)."
            ),
            summary: format!("{passed} of {expected_tests} tests ran"),
        },
        Some((passed, failed)) => Graded {
            outcome: Outcome::Failed,
            details: report.failure_text(),
            summary: format!("{failed} of {} tests failed", passed + failed),
        },
        None => Graded {
            outcome: Outcome::Failed,
            details: crashed_text(run),
            summary: "the tests did not finish".into(),
        },
    }
}

/// Grades a `run`-mode run: exit status 0, and the expected output if one is given.
pub fn grade_program(run: &RunOutput, timeout_secs: u64, expected: Option<&str>) -> Graded {
    if let Some(limit) = limit_exceeded(run, timeout_secs) {
        return limit;
    }
    let Some(status) = run.status else {
        return Graded {
            outcome: Outcome::Failed,
            details: crashed_text(run),
            summary: "the program did not finish".into(),
        };
    };
    if !status.success() {
        return Graded {
            outcome: Outcome::Failed,
            details: crashed_text(run),
            summary: match status.code() {
                Some(code) => format!("the program exited with status {code}"),
                None => "the program was killed by a signal".into(),
            },
        };
    }
    match expected {
        Some(expected) if run.stdout.trim_end() != expected.trim_end() => Graded {
            outcome: Outcome::Failed,
            details: format!(
                "The program should print:\n{}\n\nbut printed:\n{}",
                indent(expected.trim_end()),
                indent(run.stdout.trim_end())
            ),
            summary: "the output is not the expected one".into(),
        },
        _ => Graded {
            outcome: Outcome::Passed,
            details: run.stdout.clone(),
            summary: "the program ran successfully".into(),
        },
    }
}

fn limit_exceeded(run: &RunOutput, timeout_secs: u64) -> Option<Graded> {
    if run.timed_out {
        Some(Graded {
            outcome: Outcome::TimedOut,
            details: format!(
                "The tests were stopped after {timeout_secs} s. Look for a loop that never ends, or \
                 code that waits for something that never comes (a read on a socket nobody writes to, \
                 a lock that is never released).\n\nOutput before it was stopped:\n{}",
                indent(&last_lines(&run.stdout, 20))
            ),
            summary: format!("timed out after {timeout_secs} s"),
        })
    } else if run.output_capped {
        Some(Graded {
            outcome: Outcome::Failed,
            details: format!(
                "The program printed too much and was stopped. Is a `println!` inside a loop that \
                 never ends?\n\nLast lines:\n{}",
                indent(&last_lines(&run.stdout, 10))
            ),
            summary: "stopped: too much output".into(),
        })
    } else {
        None
    }
}

fn crashed_text(run: &RunOutput) -> String {
    let mut text = String::from("The program ended before it could report its results.");
    if let Some(status) = run.status {
        use std::os::unix::process::ExitStatusExt as _;
        if let Some(signal) = status.signal() {
            text.push_str(&format!(
                " It was killed by signal {signal}{}.",
                if signal == libc::SIGSEGV || signal == libc::SIGABRT {
                    " (a stack overflow, or an abort)"
                } else {
                    ""
                }
            ));
        } else if let Some(code) = status.code() {
            text.push_str(&format!(" It exited with status {code}."));
        }
    }
    for stream in [&run.stdout, &run.stderr] {
        if !stream.trim().is_empty() {
            text.push_str("\n\n");
            text.push_str(&last_lines(stream, 30));
        }
    }
    text
}

/// How many failing tests are shown in full.
const SHOWN_FAILURES: usize = 3;

/// What libtest printed, read back.
struct TestReport {
    /// Passed and failed counts from `test result:` lines, summed.
    totals: Option<(usize, usize)>,
    /// Each failing test: its name and what it printed (panic message included).
    failures: Vec<(String, String)>,
}

impl TestReport {
    fn parse(stdout: &str) -> TestReport {
        let mut totals: Option<(usize, usize)> = None;
        let mut failures = Vec::new();
        let mut current: Option<(String, Vec<&str>)> = None;
        for line in stdout.lines() {
            if let Some(rest) = line.strip_prefix("test result: ") {
                let count = |word: &str| {
                    rest.split(';')
                        .find_map(|part| {
                            part.trim()
                                .strip_suffix(word)?
                                .rsplit(' ')
                                .next()?
                                .parse()
                                .ok()
                        })
                        .unwrap_or(0usize)
                };
                let (p, f) = totals.unwrap_or((0, 0));
                totals = Some((p + count(" passed"), f + count(" failed")));
                continue;
            }
            if let Some(name) = line
                .strip_prefix("---- ")
                .and_then(|l| l.strip_suffix(" stdout ----"))
            {
                failures.extend(current.take().map(finish));
                current = Some((name.to_string(), Vec::new()));
                continue;
            }
            if line == "failures:" || line.starts_with("successes:") {
                failures.extend(current.take().map(finish));
                continue;
            }
            if let Some((_, lines)) = &mut current {
                lines.push(line);
            }
        }
        failures.extend(current.take().map(finish));
        TestReport { totals, failures }
    }

    /// The first failures in full, then the names of the others: the screen shows what to
    /// fix first, and a learner fixes one thing at a time.
    fn failure_text(&self) -> String {
        let mut out = String::new();
        for (name, text) in self.failures.iter().take(SHOWN_FAILURES) {
            if !out.is_empty() {
                out.push('\n');
            }
            out.push_str(&format!("✗ {}\n{}\n", pretty_test_name(name), indent(text)));
        }
        let rest: Vec<String> = self
            .failures
            .iter()
            .skip(SHOWN_FAILURES)
            .map(|(name, _)| pretty_test_name(name))
            .collect();
        if !rest.is_empty() {
            out.push_str(&format!(
                "\n… and {} more failing: {}\n",
                rest.len(),
                rest.join(", ")
            ));
        }
        out
    }
}

/// Drops the harness's noise from a failing test's output, keeping the message and where it is.
fn finish((name, lines): (String, Vec<&str>)) -> (String, String) {
    let mut kept = Vec::new();
    for line in lines {
        if line.starts_with("note: run with `RUST_BACKTRACE=1`") {
            continue;
        }
        if let Some(rest) = line.strip_prefix("thread '") {
            // "thread 'tests::x' panicked at src/x.rs:3:5:" → "(panicked at src/x.rs:3:5)"
            if let Some(at) = rest.split_once(" panicked at ").map(|(_, at)| at) {
                kept.push(format!("(at {})", at.trim_end_matches(':')));
                continue;
            }
        }
        if line == "not yet implemented" || line.starts_with("not yet implemented: ") {
            kept.push(format!(
                "{line} (a `todo!()` was reached: that is a place to work)"
            ));
            continue;
        }
        kept.push(line.to_string());
    }
    while kept.last().is_some_and(|l| l.trim().is_empty()) {
        kept.pop();
    }
    while kept.first().is_some_and(|l| l.trim().is_empty()) {
        kept.remove(0);
    }
    // Put the location after the message: the message is what a learner reads first.
    if let Some(pos) = kept.iter().position(|l| l.starts_with("(at ")) {
        let at = kept.remove(pos);
        kept.push(at);
    }
    (name, kept.join("\n"))
}

/// `tests::unknown_user_is_404` → `unknown user is 404`.
fn pretty_test_name(name: &str) -> String {
    name.rsplit("::").next().unwrap_or(name).replace('_', " ")
}

/// Every line of `text`, after `prefix`.
pub fn indent_by(prefix: &str, text: &str) -> String {
    text.lines()
        .map(|l| format!("{prefix}{l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn indent(text: &str) -> String {
    indent_by("  ", text)
}

fn last_lines(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::process::ExitStatusExt as _;
    use std::process::ExitStatus;

    const FAILING: &str = "
running 2 tests
test tests::passes ... ok
test tests::unknown_user_is_404 ... FAILED

failures:

---- tests::unknown_user_is_404 stdout ----

thread 'tests::unknown_user_is_404' panicked at exercises/01_http/http6.rs:80:9:
assertion `left == right` failed: GET /users/7 should answer 404, but answered 200
  left: 200
 right: 404
note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace


failures:
    tests::unknown_user_is_404

test result: FAILED. 1 passed; 1 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.00s
";

    fn run(stdout: &str, code: i32) -> RunOutput {
        RunOutput {
            status: Some(ExitStatus::from_raw(code << 8)),
            stdout: stdout.into(),
            stderr: String::new(),
            timed_out: false,
            output_capped: false,
        }
    }

    #[test]
    fn failing_test_shows_its_message_then_where() {
        let graded = grade_tests(&run(FAILING, 101), 10, 2);
        assert_eq!(graded.outcome, Outcome::Failed);
        assert_eq!(graded.summary, "1 of 2 tests failed");
        assert_eq!(
            graded.details,
            "✗ unknown user is 404\n  assertion `left == right` failed: GET /users/7 should answer 404, but answered 200\n    left: 200\n   right: 404\n  (at exercises/01_http/http6.rs:80:9)\n"
        );
    }

    #[test]
    fn a_reached_todo_says_where_to_work() {
        let out = "---- tests::a stdout ----\n\nthread 'tests::a' panicked at x.rs:3:5:\nnot yet implemented\n\nfailures:\n\ntest result: FAILED. 0 passed; 1 failed; 0 ignored\n";
        let graded = grade_tests(&run(out, 101), 10, 1);
        assert_eq!(
            graded.details,
            "✗ a\n  not yet implemented (a `todo!()` was reached: that is a place to work)\n  (at x.rs:3:5)\n"
        );
    }

    #[test]
    fn many_failures_show_the_first_in_full_and_name_the_rest() {
        let mut out = String::new();
        for name in ["a", "b", "c", "d", "e"] {
            out.push_str(&format!("---- tests::{name} stdout ----\nboom {name}\n\n"));
        }
        out.push_str("failures:\n\ntest result: FAILED. 0 passed; 5 failed; 0 ignored\n");
        let details = grade_tests(&run(&out, 101), 10, 5).details;
        assert!(details.contains("✗ c\n  boom c"), "{details}");
        assert!(!details.contains("boom d"), "{details}");
        assert!(
            details.ends_with("… and 2 more failing: d, e\n"),
            "{details}"
        );
    }

    #[test]
    fn all_passing_is_a_pass() {
        let out = "running 2 tests\ntest result: ok. 2 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.00s\n";
        assert_eq!(grade_tests(&run(out, 0), 10, 2).outcome, Outcome::Passed);
    }

    #[test]
    fn fewer_tests_than_the_course_wrote_is_not_a_pass() {
        let out = "test result: ok. 1 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out\n";
        let graded = grade_tests(&run(out, 0), 10, 2);
        assert_eq!(graded.outcome, Outcome::Failed);
        assert!(graded.details.contains("Only 1 of the 2"));
    }

    #[test]
    fn exit_zero_without_a_report_is_not_a_pass() {
        // e.g. the learner's code called std::process::exit(0) in the middle of a test
        let graded = grade_tests(&run("running 2 tests\n", 0), 10, 2);
        assert_eq!(graded.outcome, Outcome::Failed);
        assert!(
            graded.details.contains("exited with status 0"),
            "{}",
            graded.details
        );
    }

    #[test]
    fn timeout_says_how_long() {
        let mut r = run("", 0);
        r.status = None;
        r.timed_out = true;
        let graded = grade_tests(&r, 7, 1);
        assert_eq!(graded.outcome, Outcome::TimedOut);
        assert_eq!(graded.summary, "timed out after 7 s");
    }

    #[test]
    fn program_output_must_match_when_expected() {
        let graded = grade_program(&run("hello\n", 0), 10, Some("hello world"));
        assert_eq!(graded.outcome, Outcome::Failed);
        assert!(graded.details.contains("but printed:\n  hello"));
        assert_eq!(
            grade_program(&run("hello\n", 0), 10, Some("hello")).outcome,
            Outcome::Passed
        );
        assert_eq!(
            grade_program(&run("", 1), 10, None).outcome,
            Outcome::Failed
        );
    }
}
