//! The words a learner reads for a run as `check::judge` judges it: from a harness's or a
//! program's run to the summary and details `ui::verdict` writes.

use std::os::unix::process::ExitStatusExt as _;
use std::process::ExitStatus;
use std::time::Duration;

use crate::check::judge::{self, Judgement};
use crate::check::libtest::{TestResult, TestStatus};
use crate::check::process::RunOutput;
use crate::check::{Outcome, Verdict};

/// A judgement in the words a learner reads.
struct Words {
    outcome: Outcome,
    summary: String,
    details: String,
}

fn words(graded: Judgement, tests: &[TestResult]) -> Words {
    let verdict = Verdict {
        tests: tests.to_vec(),
        ..Verdict::new("x", graded.outcome, graded.finding)
    };
    Words {
        outcome: verdict.outcome,
        summary: super::summary(&verdict),
        details: super::details(&verdict),
    }
}

fn test_run(run: &RunOutput, timeout_secs: u64, results: &[TestResult]) -> Words {
    words(judge::test_run(run, timeout_secs, results), results)
}

fn program_run(run: &RunOutput, timeout_secs: u64, expected: Option<&str>) -> Words {
    words(judge::program_run(run, timeout_secs, expected), &[])
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
        "✗ unknown user is 404\n  assertion `left == right` failed: GET /users/7 should answer 404, but answered 200\n    left: 200\n   right: 404\n  (at exercises/01_http/http6.rs:80:9)"
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
            .ends_with("\n⊘ routes — skipped: the server did not start (see server_starts)"),
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
        "✗ a\n  not yet implemented (a `todo!()` was reached: that is a place to work)\n  (at exercises/01_http/http6.rs:80:9)"
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
    assert!(details.ends_with("… and 2 more failing: d, e"), "{details}");
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
