//! Turns a finished run into a verdict: whether every grading test passed, and what was
//! found (`Finding`), from which `ui::verdict` writes the words.

use super::Outcome;
use super::finding::{Ending, Finding, TIMED_OUT_LINES, TOO_MUCH_OUTPUT_LINES, last_lines};
use super::libtest::{TestResult, TestStatus};
use super::process::RunOutput;

/// The outcome, and what was found.
pub struct Judgement {
    pub outcome: Outcome,
    pub finding: Finding,
}

impl Judgement {
    pub fn failed(finding: Finding) -> Judgement {
        Judgement {
            outcome: Outcome::Failed,
            finding,
        }
    }
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
    // A pass needs the harness's own ending too: a run that then died, or ended with any
    // status but success, never passes on the strength of its log.
    let ended_normally = run.status.is_some_and(|s| s.success());
    if total > 0 && passed == total && !ended_normally {
        return Judgement::failed(Finding::TestsEndedAbnormally {
            ending: Ending::of(run),
        });
    }
    if total > 0 && passed == total {
        return Judgement {
            outcome: Outcome::Passed,
            finding: Finding::TestsPassed,
        };
    }
    if failed + skipped > 0 {
        return Judgement::failed(Finding::TestsFailed);
    }
    if ended_normally && total > 0 {
        return Judgement::failed(Finding::TestsNotAllRan);
    }
    Judgement::failed(Finding::TestsDidNotFinish {
        ending: Ending::of(run),
    })
}

/// Grades a `run`-mode run: exit status 0, and the expected output if one is given.
pub fn program_run(run: &RunOutput, timeout_secs: u64, expected: Option<&str>) -> Judgement {
    if let Some(limit) = limit_exceeded(run, timeout_secs) {
        return limit;
    }
    if !run.status.is_some_and(|s| s.success()) {
        return Judgement::failed(Finding::ProgramFailed {
            ending: Ending::of(run),
        });
    }
    match expected {
        Some(expected) if run.stdout.trim_end() != expected.trim_end() => {
            Judgement::failed(Finding::OutputMismatch {
                expected: expected.to_string(),
                printed: run.stdout.clone(),
            })
        }
        _ => Judgement {
            outcome: Outcome::Passed,
            finding: Finding::ProgramPassed {
                stdout: run.stdout.clone(),
            },
        },
    }
}

fn limit_exceeded(run: &RunOutput, timeout_secs: u64) -> Option<Judgement> {
    if run.timed_out {
        Some(Judgement {
            outcome: Outcome::TimedOut,
            finding: Finding::TimedOut {
                after_secs: timeout_secs,
                stdout_tail: last_lines(&run.stdout, TIMED_OUT_LINES),
            },
        })
    } else if run.output_capped {
        Some(Judgement::failed(Finding::TooMuchOutput {
            stdout_tail: last_lines(&run.stdout, TOO_MUCH_OUTPUT_LINES),
        }))
    } else {
        None
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::process::ExitStatusExt as _;
    use std::process::ExitStatus;
    use std::time::Duration;

    /// A judgement in the words a learner reads.
    struct Words {
        outcome: Outcome,
        summary: String,
        details: String,
    }

    fn words(graded: Judgement, tests: &[TestResult]) -> Words {
        let verdict = crate::check::Verdict {
            tests: tests.to_vec(),
            ..crate::check::Verdict::new("x", graded.outcome, graded.finding)
        };
        Words {
            outcome: verdict.outcome,
            summary: crate::ui::verdict::summary(&verdict),
            details: crate::ui::verdict::details(&verdict),
        }
    }

    fn test_run(run: &RunOutput, timeout_secs: u64, results: &[TestResult]) -> Words {
        words(super::test_run(run, timeout_secs, results), results)
    }

    fn program_run(run: &RunOutput, timeout_secs: u64, expected: Option<&str>) -> Words {
        words(super::program_run(run, timeout_secs, expected), &[])
    }

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
