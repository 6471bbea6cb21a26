//! Turns a finished run into a verdict: every grading test passed or not, and the failing
//! tests' messages the way a learner needs them (without the harness's noise).

use super::Outcome;
use super::libtest::{TestResult, TestStatus};
use super::process::RunOutput;

/// Outcome, details to show, and a one-line summary.
pub struct Judgement {
    pub outcome: Outcome,
    pub details: String,
    pub summary: String,
}

/// Judges a `test`-mode run from what the harness reported of each grading test: every one
/// of them passed.
pub fn test_run(run: &RunOutput, timeout_secs: u64, results: &[TestResult]) -> Judgement {
    if let Some(limit) = limit_exceeded(run, timeout_secs) {
        return limit;
    }
    let total = results.len();
    let with = |status: TestStatus| results.iter().filter(|r| r.status == status).count();
    let (passed, failed, skipped) = (
        with(TestStatus::Passed),
        with(TestStatus::Failed),
        with(TestStatus::Skipped),
    );
    let tests = count(total, "test", "tests");
    // A pass needs the harness's own ending too: a run that then died, or ended with any
    // status but success, never passes on the strength of its log.
    let ended_normally = run.status.is_some_and(|s| s.success());
    if total > 0 && passed == total && !ended_normally {
        return Judgement {
            outcome: Outcome::Failed,
            details: crashed_text(run),
            summary: "the tests did not end normally".into(),
        };
    }
    if total > 0 && passed == total {
        return Judgement {
            outcome: Outcome::Passed,
            details: String::new(),
            summary: match total {
                1 => "1 test passed".to_string(),
                _ => format!("all {total} tests passed"),
            },
        };
    }
    if failed + skipped > 0 {
        let summary = match skipped {
            0 => format!("{failed} of {tests} failed"),
            _ => format!("{failed} of {tests} failed, {skipped} skipped"),
        };
        return Judgement {
            outcome: Outcome::Failed,
            details: failure_text(results),
            summary,
        };
    }
    if run.status.is_some_and(|s| s.success()) && total > 0 {
        return Judgement {
            outcome: Outcome::Failed,
            details: format!(
                "Only {passed} of the {} ran to the end. Tests are only counted when the test \
                 harness reports them: do not end the program from your code (for example with \
                 `std::process::exit`).",
                count(total, "grading test", "grading tests")
            ),
            summary: format!("{passed} of {tests} ran"),
        };
    }
    Judgement {
        outcome: Outcome::Failed,
        details: crashed_text(run),
        summary: "the tests did not finish".into(),
    }
}

/// Grades a `run`-mode run: exit status 0, and the expected output if one is given.
pub fn program_run(run: &RunOutput, timeout_secs: u64, expected: Option<&str>) -> Judgement {
    if let Some(limit) = limit_exceeded(run, timeout_secs) {
        return limit;
    }
    let Some(status) = run.status else {
        return Judgement {
            outcome: Outcome::Failed,
            details: crashed_text(run),
            summary: "the program did not finish".into(),
        };
    };
    if !status.success() {
        return Judgement {
            outcome: Outcome::Failed,
            details: crashed_text(run),
            summary: match status.code() {
                Some(code) => format!("the program exited with status {code}"),
                None => "the program was killed by a signal".into(),
            },
        };
    }
    match expected {
        Some(expected) if run.stdout.trim_end() != expected.trim_end() => Judgement {
            outcome: Outcome::Failed,
            details: format!(
                "The program should print:\n{}\n\nbut printed:\n{}",
                indent(expected.trim_end()),
                indent(run.stdout.trim_end())
            ),
            summary: "the output is not the expected one".into(),
        },
        _ => Judgement {
            outcome: Outcome::Passed,
            details: run.stdout.clone(),
            summary: "the program ran successfully".into(),
        },
    }
}

fn limit_exceeded(run: &RunOutput, timeout_secs: u64) -> Option<Judgement> {
    if run.timed_out {
        Some(Judgement {
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
        Some(Judgement {
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
                match signal {
                    libc::SIGSEGV | libc::SIGABRT => " (a stack overflow, or an abort)",
                    libc::SIGXCPU => " (it used up its CPU time: a loop that never ends?)",
                    libc::SIGXFSZ => " (it wrote a file larger than the limit)",
                    libc::SIGKILL => " (a limit was exceeded, or it was killed)",
                    _ => "",
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

/// The first failures in full (in the order the tests stand in the file), then the names of
/// the others: the screen shows what to fix first, and a learner fixes one thing at a time.
fn failure_text(results: &[TestResult]) -> String {
    let failures: Vec<&TestResult> = results
        .iter()
        .filter(|r| r.status == TestStatus::Failed)
        .collect();
    let mut out = String::new();
    for result in failures.iter().take(SHOWN_FAILURES) {
        if !out.is_empty() {
            out.push('\n');
        }
        let mut lines = Vec::new();
        if !result.output.is_empty() {
            lines.push(result.output.clone());
        }
        match result.message.as_deref() {
            Some(m) if m == "not yet implemented" || m.starts_with("not yet implemented: ") => {
                lines.push(format!(
                    "{m} (a `todo!()` was reached: that is a place to work)"
                ));
            }
            Some(m) => lines.push(m.to_string()),
            None => lines.push("(the test failed without a message)".into()),
        }
        if let Some(at) = &result.location {
            lines.push(format!("(at {at})"));
        }
        out.push_str(&format!(
            "✗ {}\n{}\n",
            pretty_test_name(&result.name),
            indent(&lines.join("\n"))
        ));
    }
    let rest: Vec<String> = failures
        .iter()
        .skip(SHOWN_FAILURES)
        .map(|r| pretty_test_name(&r.name))
        .collect();
    if !rest.is_empty() {
        out.push_str(&format!(
            "\n… and {} more failing: {}\n",
            rest.len(),
            rest.join(", ")
        ));
    }
    // Tests that only failed because one they depend on did: named, not repeated.
    for result in results.iter().filter(|r| r.status == TestStatus::Skipped) {
        let why = result.message.as_deref().unwrap_or_default();
        let why = why
            .trim_start_matches(super::libtest::SKIPPED_PREFIX)
            .trim();
        out.push_str(&format!(
            "\n⊘ {} — skipped: {}\n",
            pretty_test_name(&result.name),
            why.lines().next().unwrap_or_default()
        ));
    }
    out
}

/// `tests::unknown_user_is_404` → `unknown user is 404`.
fn pretty_test_name(name: &str) -> String {
    name.rsplit("::").next().unwrap_or(name).replace('_', " ")
}

/// `n` with its noun, singular or plural: "1 test", "2 tests", "0 tests".
pub fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
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
    use std::time::Duration;

    fn run(stdout: &str, code: i32) -> RunOutput {
        RunOutput {
            status: Some(ExitStatus::from_raw(code << 8)),
            stdout: stdout.into(),
            stderr: String::new(),
            timed_out: false,
            output_capped: false,
        }
    }

    fn result(name: &str, status: TestStatus, message: Option<&str>) -> TestResult {
        TestResult {
            name: format!("tests::{name}"),
            status,
            message: message.map(String::from),
            location: message.map(|_| "exercises/01_http/http6.rs:80:9".into()),
            line: 1,
            duration: Duration::ZERO,
            output: String::new(),
        }
    }

    #[test]
    fn failing_test_shows_its_message_then_where() {
        let results = [
            result("passes", TestStatus::Passed, None),
            result(
                "unknown_user_is_404",
                TestStatus::Failed,
                Some(
                    "assertion `left == right` failed: GET /users/7 should answer 404, but answered 200\n  left: 200\n right: 404",
                ),
            ),
        ];
        let graded = test_run(&run("", 101), 10, &results);
        assert_eq!(graded.outcome, Outcome::Failed);
        assert_eq!(graded.summary, "1 of 2 tests failed");
        assert_eq!(
            graded.details,
            "✗ unknown user is 404\n  assertion `left == right` failed: GET /users/7 should answer 404, but answered 200\n    left: 200\n   right: 404\n  (at exercises/01_http/http6.rs:80:9)\n"
        );
    }

    #[test]
    fn tests_that_depend_on_a_failure_are_named_as_skipped() {
        let results = [
            result(
                "server_starts",
                TestStatus::Failed,
                Some("the server did not start"),
            ),
            result(
                "routes",
                TestStatus::Skipped,
                Some("skipped: the server did not start (see server_starts)"),
            ),
        ];
        let graded = test_run(&run("", 101), 10, &results);
        assert_eq!(graded.summary, "1 of 2 tests failed, 1 skipped");
        assert!(
            graded
                .details
                .ends_with("\n⊘ routes — skipped: the server did not start (see server_starts)\n"),
            "{}",
            graded.details
        );
        assert_eq!(graded.details.matches('✗').count(), 1, "{}", graded.details);
    }

    #[test]
    fn a_reached_todo_says_where_to_work() {
        let results = [result("a", TestStatus::Failed, Some("not yet implemented"))];
        let graded = test_run(&run("", 101), 10, &results);
        assert_eq!(
            graded.details,
            "✗ a\n  not yet implemented (a `todo!()` was reached: that is a place to work)\n  (at exercises/01_http/http6.rs:80:9)\n"
        );
    }

    #[test]
    fn many_failures_show_the_first_in_full_and_name_the_rest() {
        let results: Vec<TestResult> = ["a", "b", "c", "d", "e"]
            .iter()
            .map(|n| result(n, TestStatus::Failed, Some(&format!("boom {n}"))))
            .collect();
        let details = test_run(&run("", 101), 10, &results).details;
        assert!(details.contains("✗ c\n  boom c"), "{details}");
        assert!(!details.contains("boom d"), "{details}");
        assert!(
            details.ends_with("… and 2 more failing: d, e\n"),
            "{details}"
        );
    }

    #[test]
    fn all_passing_is_a_pass_and_no_tests_is_not() {
        let results = [result("a", TestStatus::Passed, None)];
        assert_eq!(test_run(&run("", 0), 10, &results).outcome, Outcome::Passed);
        assert_eq!(test_run(&run("", 0), 10, &[]).outcome, Outcome::Failed);
    }

    #[test]
    fn tests_that_never_reported_are_not_a_pass() {
        // e.g. the learner's code called std::process::exit(0) in the middle of a test, after
        // printing a summary line of its own.
        let results = [
            result("a", TestStatus::Passed, None),
            result("b", TestStatus::NotRun, None),
        ];
        let printed = "test result: ok. 2 passed; 0 failed\n";
        let graded = test_run(&run(printed, 0), 10, &results);
        assert_eq!(graded.outcome, Outcome::Failed);
        assert!(
            graded.details.contains("Only 1 of the 2"),
            "{}",
            graded.details
        );
        let crashed = test_run(&run("", 3), 10, &results);
        assert!(
            crashed.details.contains("exited with status 3"),
            "{}",
            crashed.details
        );
    }

    #[test]
    fn timeout_says_how_long() {
        let mut r = run("", 0);
        r.status = None;
        r.timed_out = true;
        let graded = test_run(&r, 7, &[]);
        assert_eq!(graded.outcome, Outcome::TimedOut);
        assert_eq!(graded.summary, "timed out after 7 s");
    }

    #[test]
    fn program_output_must_match_when_expected() {
        let graded = program_run(&run("hello\n", 0), 10, Some("hello world"));
        assert_eq!(graded.outcome, Outcome::Failed);
        assert!(graded.details.contains("but printed:\n  hello"));
        assert_eq!(
            program_run(&run("hello\n", 0), 10, Some("hello")).outcome,
            Outcome::Passed
        );
        assert_eq!(program_run(&run("", 1), 10, None).outcome, Outcome::Failed);
    }
}
