//! The words a learner reads about a verdict, written from what the check found
//! (`check::Finding`): the one-line summary and the details under it. Every place that shows
//! a verdict (watch, `run`, JSON lines, the reports, `dev check`) asks here.

use serde::ser::{Serialize, SerializeStruct as _, Serializer};

use crate::check::Verdict;
use crate::check::finding::{Ending, Exit, Finding};
use crate::check::judge::{count, indent_by};
use crate::check::libtest::{SKIPPED_PREFIX, TestResult, TestStatus};
use crate::check::modes::{Rejection, YOUR_TESTS_PREFIX};
use crate::check::rules::{Capability, Rule};

/// One line: "3 of 5 tests failed".
pub fn summary(verdict: &Verdict) -> String {
    summary_of(&verdict.finding, &verdict.tests, &verdict.survivors)
}

/// What to show under the summary: rustc's errors, the failing tests' messages, what was
/// tampered with; then the compiler's warnings when the exercise did not pass.
pub(crate) fn details(verdict: &Verdict) -> String {
    let details = details_of(
        &verdict.finding,
        &verdict.exercise,
        &verdict.tests,
        &verdict.survivors,
    );
    if verdict.passed() || verdict.warnings.is_empty() {
        return details;
    }
    format!(
        "{}\n\nThe compiler also warned (a warning often explains a failure):\n{}",
        details.trim_end(),
        verdict.warnings.join("\n")
    )
}

/// The summary and the details, one after the other: all a learner reads of a verdict.
pub(crate) fn shown(verdict: &Verdict) -> String {
    format!("{}\n{}", summary(verdict), details(verdict))
}

/// A verdict as protocol 1 of the JSON-lines stream sends it (docs/PROTOCOL.md): its fields,
/// with `summary` and `details` in words, and what was found as data (`finding`).
pub(crate) struct WithWords<'a>(pub &'a Verdict);

impl Serialize for WithWords<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let v = self.0;
        let mut s = serializer.serialize_struct("Verdict", 11)?;
        s.serialize_field("exercise", &v.exercise)?;
        s.serialize_field("outcome", &v.outcome)?;
        s.serialize_field("summary", &summary(v))?;
        s.serialize_field("details", &details(v))?;
        s.serialize_field("duration_ms", &(v.duration.as_millis() as u64))?;
        s.serialize_field("tests", &v.tests)?;
        s.serialize_field("survivors", &v.survivors)?;
        s.serialize_field("line", &v.line)?;
        s.serialize_field("diagnostics", &v.diagnostics)?;
        s.serialize_field("finding", &v.finding)?;
        s.serialize_field("warnings", &v.warnings)?;
        s.end()
    }
}

fn summary_of(finding: &Finding, tests: &[TestResult], survivors: &[String]) -> String {
    let with = |status: TestStatus| tests.iter().filter(|r| r.status == status).count();
    let total = tests.len();
    let counted = count(total, "test", "tests");
    match finding {
        Finding::Rejected { rejection, .. } => match rejection {
            Rejection::MarkerRemoved | Rejection::TestsChanged { .. } => {
                "the grading tests were changed".into()
            }
            Rejection::Unclosed { what, line } => format!("{what} at line {line} is never closed"),
            Rejection::Redefines { .. } => "your code redefines what the tests rely on".into(),
            Rejection::Rules { findings } if tampers(findings) => {
                "your code changes what the tests mean".into()
            }
            Rejection::Rules { .. } => "your code uses what this exercise does not allow".into(),
            Rejection::NoTestsMarker | Rejection::NoTests => "no tests to grade".into(),
            Rejection::Missing => "the file is missing".into(),
            Rejection::NotText => "the file is not UTF-8 text".into(),
        },
        Finding::DidNotCompile { errors } => {
            let n = errors.len();
            format!("{n} compile error{}", if n == 1 { "" } else { "s" })
        }
        Finding::BuildFailed { .. } => "the build failed".into(),
        Finding::Unreadable { line, .. } => format!("line {line} cannot be checked by the grader"),
        Finding::NotStarted { .. } => "could not be started".into(),
        Finding::TimedOut { after_secs, .. } => format!("timed out after {after_secs} s"),
        Finding::TooMuchOutput { .. } => "stopped: too much output".into(),
        Finding::TestsPassed => match total {
            1 => "1 test passed".to_string(),
            _ => format!("all {total} tests passed"),
        },
        Finding::TestsFailed => {
            let (failed, skipped) = (with(TestStatus::Failed), with(TestStatus::Skipped));
            match skipped {
                0 => format!("{failed} of {counted} failed"),
                _ => format!("{failed} of {counted} failed, {skipped} skipped"),
            }
        }
        Finding::TestsEndedAbnormally { .. } => "the tests did not end normally".into(),
        Finding::TestsNotAllRan => format!("{} of {counted} ran", with(TestStatus::Passed)),
        Finding::TestsDidNotFinish { .. } => "the tests did not finish".into(),
        Finding::ProgramPassed { .. } => "the program ran successfully".into(),
        Finding::ProgramFailed { ending } => match ending.exit {
            None => "the program did not finish".into(),
            Some(Exit::Status(code)) => format!("the program exited with status {code}"),
            Some(Exit::Signal(_)) => "the program was killed by a signal".into(),
        },
        Finding::OutputMismatch { .. } => "the output is not the expected one".into(),
        Finding::MutantRunsNotStarted { .. } => "could not run".into(),
        Finding::FailOnCorrectCode { run, tests } => format!(
            "your tests fail on the correct code: {}",
            summary_of(run, tests, &[])
        ),
        Finding::MutantsCaught { total } => match total {
            1 => "your tests caught the bug".to_string(),
            _ => format!("your tests caught all {total} bugs"),
        },
        Finding::MutantsSurvived { total } => format!(
            "{} of {} went unnoticed",
            survivors.len(),
            count(*total, "bug", "bugs")
        ),
    }
}

fn details_of(
    finding: &Finding,
    exercise: &str,
    tests: &[TestResult],
    survivors: &[String],
) -> String {
    let reset = format!(
        "(`backendlings reset {exercise}` restores the file and keeps your version as a backup.)"
    );
    match finding {
        Finding::Rejected { file, rejection } => match rejection {
            Rejection::MarkerRemoved => format!(
                "The line `// ---- grading tests …` and the tests below it are gone. The grader \
                 only runs the course's own tests: put them back.\n{reset}"
            ),
            Rejection::TestsChanged { line, original } => format!(
                "The grader runs the course's own tests, so changes below the \
                 `// ---- grading tests` line have no effect: undo them. The first difference is \
                 at line {line}, which should read:\n  {original}\n{reset}"
            ),
            Rejection::Unclosed { what, line } => format!(
                "{file}:{line}: {what} is opened here and never closed before the grading tests, \
                 so it would swallow or change them. Close it (or delete it) above the \
                 `// ---- grading tests` line."
            ),
            Rejection::Redefines { found } => {
                let list: Vec<String> = found
                    .iter()
                    .map(|(line, what)| format!("  {file}:{line}: `{what}`"))
                    .collect();
                format!(
                    "The grading tests use these from Rust's standard library, and your code \
                     defines its own, which would change what the tests check:\n{}\nRename or \
                     remove them; solutions never need to.",
                    list.join("\n")
                )
            }
            Rejection::Rules { findings } => {
                let list: Vec<String> = findings
                    .iter()
                    .map(|f| format!("  {file}:{}: {} ({})", f.line, f.what, rule_reason(&f.rule)))
                    .collect();
                format!(
                    "The grader refuses these lines:\n{}\nA solution to this exercise needs none \
                     of them: remove them and solve it with what the lesson shows.",
                    list.join("\n")
                )
            }
            Rejection::NoTestsMarker => format!(
                "The line `{YOUR_TESTS_PREFIX} …` is gone. Your tests go below it: put it \
                 back.\n{reset}"
            ),
            Rejection::NoTests => "There are no tests yet. Write at least one `#[test]` \
                                   function below the `// ---- your tests` line."
                .to_string(),
            Rejection::Missing => format!(
                "{file} does not exist (deleted or renamed?). `backendlings reset {exercise}` \
                 brings back the course's version."
            ),
            Rejection::NotText => format!(
                "{file} could not be read as UTF-8 text (Rust source must be UTF-8). Save it \
                 with UTF-8 encoding in your editor."
            ),
        },
        Finding::DidNotCompile { errors } => {
            let mut details: Vec<String> = errors
                .iter()
                .take(SHOWN_ERRORS)
                .map(|e| e.trim_end().to_string())
                .collect();
            let n = errors.len();
            if n > SHOWN_ERRORS {
                details.push(format!(
                    "… and {} more error{} (fix the first ones first: later errors often \
                     follow from them; `cargo build --bin {exercise}` shows them all)",
                    n - SHOWN_ERRORS,
                    if n - SHOWN_ERRORS == 1 { "" } else { "s" },
                ));
            }
            details.join("\n\n")
        }
        Finding::BuildFailed { cargo_stderr } => format!(
            "cargo could not build the exercise:\n{}",
            cargo_stderr.trim_end()
        ),
        Finding::Unreadable { file, line } => format!(
            "{file}:{line}: the compiler accepts this code, but the grader's parser cannot read \
             it, so it cannot vouch for it. Write it in plainer Rust."
        ),
        Finding::NotStarted { error } => {
            format!("The compiled exercise could not be started: {error}")
        }
        Finding::TimedOut {
            after_secs,
            stdout_tail,
        } => format!(
            "The tests were stopped after {after_secs} s. Look for a loop that never ends, or \
             code that waits for something that never comes (a read on a socket nobody writes \
             to, a lock that is never released).\n\nOutput before it was stopped:\n{}",
            indent(stdout_tail)
        ),
        Finding::TooMuchOutput { stdout_tail } => format!(
            "The program printed too much and was stopped. Is a `println!` inside a loop that \
             never ends?\n\nLast lines:\n{}",
            indent(stdout_tail)
        ),
        Finding::TestsPassed | Finding::MutantsCaught { .. } => String::new(),
        Finding::TestsFailed => failure_text(tests),
        Finding::TestsEndedAbnormally { ending }
        | Finding::TestsDidNotFinish { ending }
        | Finding::ProgramFailed { ending } => crashed_text(ending),
        Finding::TestsNotAllRan => format!(
            "Only {} of the {} ran to the end. Tests are only counted when the test harness \
             reports them: do not end the program from your code (for example with \
             `std::process::exit`).",
            tests
                .iter()
                .filter(|t| t.status == TestStatus::Passed)
                .count(),
            count(tests.len(), "grading test", "grading tests")
        ),
        Finding::ProgramPassed { stdout } => stdout.clone(),
        Finding::OutputMismatch { expected, printed } => format!(
            "The program should print:\n{}\n\nbut printed:\n{}",
            indent(expected.trim_end()),
            indent(printed.trim_end())
        ),
        Finding::MutantRunsNotStarted { error } => {
            format!("The tests could not be started: {error}")
        }
        Finding::FailOnCorrectCode { run, tests } => format!(
            "Your tests must pass when the code is right. These fail on the correct \
             implementation, so they expect something the code is not meant to do:\n\n{}",
            details_of(run, exercise, tests, &[])
        ),
        Finding::MutantsSurvived { total } => {
            let list: Vec<String> = survivors.iter().map(|d| format!("  - {d}")).collect();
            let missed = if *total == 1 {
                "would not notice the bug".to_string()
            } else if survivors.len() == *total {
                format!("would notice none of the {total} bugs")
            } else {
                format!(
                    "would not notice {} of the {}",
                    survivors.len(),
                    count(*total, "bug", "bugs")
                )
            };
            format!(
                "Your tests pass on the correct code, but they {missed} the grader planted:\n{}\n\n\
                 For each, write a test that fails when the code has that bug.",
                list.join("\n")
            )
        }
    }
}

/// How many compiler errors are shown in full: a screen of errors hides the first one, which
/// is the one to fix (later errors often follow from it).
const SHOWN_ERRORS: usize = 3;

/// How many failing tests are shown in full.
const SHOWN_FAILURES: usize = 3;

fn tampers(findings: &[crate::check::rules::Finding]) -> bool {
    findings.iter().any(|f| f.rule == Rule::Tampers)
}

/// Why a rule refuses a line, in words.
fn rule_reason(rule: &Rule) -> &'static str {
    match rule {
        Rule::Tampers => "it would change what the course's tests mean",
        Rule::Uses(Capability::FileSystem) => "files are out of this exercise's bounds",
        Rule::Uses(Capability::Processes) => {
            "starting or ending processes is out of this exercise's bounds"
        }
        Rule::Uses(Capability::Environment) => {
            "the environment and the program's arguments are out of this exercise's bounds"
        }
        Rule::Uses(Capability::Unsafe) => "unsafe code is out of this exercise's bounds",
        Rule::Uses(Capability::Ffi) => "foreign functions are out of this exercise's bounds",
        Rule::Uses(Capability::Network) => {
            "networks beyond loopback are out of this exercise's bounds"
        }
    }
}

fn crashed_text(ending: &Ending) -> String {
    let mut text = String::from("The program ended before it could report its results.");
    match ending.exit {
        Some(Exit::Signal(signal)) => text.push_str(&format!(
            " It was killed by signal {signal}{}.",
            match signal {
                libc::SIGSEGV | libc::SIGABRT => " (a stack overflow, or an abort)",
                libc::SIGXCPU => " (it used up its CPU time: a loop that never ends?)",
                libc::SIGXFSZ => " (it wrote a file larger than the limit)",
                libc::SIGKILL => " (a limit was exceeded, or it was killed)",
                _ => "",
            }
        )),
        Some(Exit::Status(code)) => text.push_str(&format!(" It exited with status {code}.")),
        None => {}
    }
    for tail in [&ending.stdout_tail, &ending.stderr_tail] {
        if !tail.is_empty() {
            text.push_str("\n\n");
            text.push_str(tail);
        }
    }
    text
}

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
        let why = why.trim_start_matches(SKIPPED_PREFIX).trim();
        out.push_str(&format!(
            "\n⊘ {} — skipped: {}\n",
            pretty_test_name(&result.name),
            why.lines().next().unwrap_or_default()
        ));
    }
    // Like every other finding's words, these end without a line break: the screen spaces them.
    out.truncate(out.trim_end_matches('\n').len());
    out
}

/// `tests::unknown_user_is_404` → `unknown user is 404`.
fn pretty_test_name(name: &str) -> String {
    name.rsplit("::").next().unwrap_or(name).replace('_', " ")
}

fn indent(text: &str) -> String {
    indent_by("  ", text)
}

#[cfg(test)]
mod judged;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::Outcome;
    use crate::check::rules::Finding as RuleHit;
    use std::time::Duration;

    fn test(name: &str, status: TestStatus, message: Option<&str>) -> TestResult {
        TestResult {
            name: format!("tests::{name}"),
            status,
            message: message.map(String::from),
            location: (status == TestStatus::Failed)
                .then(|| "exercises/01_http/http6.rs:80:9".into()),
            line: 70,
            duration: Duration::ZERO,
            output: String::new(),
        }
    }

    /// A few grading tests: one passed, four failed (one of them at a `todo!()`), one skipped.
    fn some_failing() -> Vec<TestResult> {
        let mut tests = vec![
            test("health_is_200", TestStatus::Passed, None),
            test(
                "unknown_user_is_404",
                TestStatus::Failed,
                Some(
                    "assertion `left == right` failed: GET /users/7 should answer 404\n  left: 200\n right: 404",
                ),
            ),
            test(
                "lists_users",
                TestStatus::Failed,
                Some("not yet implemented"),
            ),
            test("creates_a_user", TestStatus::Failed, None),
            test("deletes_a_user", TestStatus::Failed, Some("boom")),
            test(
                "routes",
                TestStatus::Skipped,
                Some("skipped: the server did not start (see server_starts)"),
            ),
        ];
        tests[1].output = "GET /users/7 -> 200\n".into();
        tests
    }

    fn ending(exit: Option<Exit>) -> Ending {
        Ending {
            exit,
            stdout_tail: "running 2 tests".into(),
            stderr_tail: "thread 'main' has overflowed its stack".into(),
        }
    }

    /// A name, then a verdict's outcome, finding, tests and survivors.
    type Example = (&'static str, Outcome, Finding, Vec<TestResult>, Vec<String>);

    /// One small finding of each kind, with the tests and survivors its verdict carries.
    fn one_of_each() -> Vec<Example> {
        let file = "exercises/01_http/http6.rs".to_string();
        let rejected = |rejection| Finding::Rejected {
            file: file.clone(),
            rejection,
        };
        let hit = |line, rule, what: &str| RuleHit {
            line,
            rule,
            what: what.into(),
        };
        let passed = vec![
            test("a", TestStatus::Passed, None),
            test("b", TestStatus::Passed, None),
        ];
        let not_all = vec![
            test("a", TestStatus::Passed, None),
            test("b", TestStatus::NotRun, None),
        ];
        let bugs = vec!["a 404 answered as 200".to_string()];
        use Outcome::*;
        vec![
            (
                "rejected_marker_removed",
                Tampered,
                rejected(Rejection::MarkerRemoved),
                vec![],
                vec![],
            ),
            (
                "rejected_tests_changed",
                Tampered,
                rejected(Rejection::TestsChanged {
                    line: 42,
                    original: "assert_eq!(status, 404);".into(),
                }),
                vec![],
                vec![],
            ),
            (
                "rejected_unclosed",
                CompileError,
                rejected(Rejection::Unclosed {
                    what: "a block comment `/*`".into(),
                    line: 12,
                }),
                vec![],
                vec![],
            ),
            (
                "rejected_redefines",
                Tampered,
                rejected(Rejection::Redefines {
                    found: vec![(3, "assert_eq!".into()), (9, "Option".into())],
                }),
                vec![],
                vec![],
            ),
            (
                "rejected_rules_uses",
                Failed,
                rejected(Rejection::Rules {
                    findings: vec![
                        hit(5, Rule::Uses(Capability::FileSystem), "std::fs::write"),
                        hit(8, Rule::Uses(Capability::Network), "TcpStream::connect"),
                    ],
                }),
                vec![],
                vec![],
            ),
            (
                "rejected_rules_tampers",
                Tampered,
                rejected(Rejection::Rules {
                    findings: vec![hit(4, Rule::Tampers, "impl PartialEq")],
                }),
                vec![],
                vec![],
            ),
            (
                "rejected_no_tests_marker",
                Failed,
                rejected(Rejection::NoTestsMarker),
                vec![],
                vec![],
            ),
            (
                "rejected_no_tests",
                Failed,
                rejected(Rejection::NoTests),
                vec![],
                vec![],
            ),
            (
                "rejected_not_text",
                CompileError,
                rejected(Rejection::NotText),
                vec![],
                vec![],
            ),
            (
                "rejected_missing",
                CompileError,
                rejected(Rejection::Missing),
                vec![],
                vec![],
            ),
            (
                "did_not_compile",
                CompileError,
                Finding::DidNotCompile {
                    errors: (1..=5)
                        .map(|n| format!("error[E0308]: mismatched types\n --> {file}:{n}:5\n"))
                        .collect(),
                },
                vec![],
                vec![],
            ),
            (
                "build_failed",
                CompileError,
                Finding::BuildFailed {
                    cargo_stderr: "error: failed to parse manifest\n".into(),
                },
                vec![],
                vec![],
            ),
            (
                "unreadable",
                Tampered,
                Finding::Unreadable {
                    file: file.clone(),
                    line: 7,
                },
                vec![],
                vec![],
            ),
            (
                "not_started",
                Failed,
                Finding::NotStarted {
                    error: "Permission denied (os error 13)".into(),
                },
                vec![],
                vec![],
            ),
            (
                "timed_out",
                TimedOut,
                Finding::TimedOut {
                    after_secs: 10,
                    stdout_tail: "waiting for a connection".into(),
                },
                vec![],
                vec![],
            ),
            (
                "too_much_output",
                Failed,
                Finding::TooMuchOutput {
                    stdout_tail: "tick\ntick".into(),
                },
                vec![],
                vec![],
            ),
            (
                "tests_passed",
                Passed,
                Finding::TestsPassed,
                passed.clone(),
                vec![],
            ),
            (
                "tests_failed",
                Failed,
                Finding::TestsFailed,
                some_failing(),
                vec![],
            ),
            (
                "tests_ended_abnormally",
                Failed,
                Finding::TestsEndedAbnormally {
                    ending: ending(Some(Exit::Signal(libc::SIGSEGV))),
                },
                passed.clone(),
                vec![],
            ),
            (
                "tests_not_all_ran",
                Failed,
                Finding::TestsNotAllRan,
                not_all,
                vec![],
            ),
            (
                "tests_did_not_finish",
                Failed,
                Finding::TestsDidNotFinish {
                    ending: ending(Some(Exit::Status(3))),
                },
                vec![],
                vec![],
            ),
            (
                "program_passed",
                Passed,
                Finding::ProgramPassed {
                    stdout: "listening on 127.0.0.1:8080\n".into(),
                },
                vec![],
                vec![],
            ),
            (
                "program_failed",
                Failed,
                Finding::ProgramFailed {
                    ending: ending(Some(Exit::Status(101))),
                },
                vec![],
                vec![],
            ),
            (
                "output_mismatch",
                Failed,
                Finding::OutputMismatch {
                    expected: "200 OK\n".into(),
                    printed: "404 Not Found\n".into(),
                },
                vec![],
                vec![],
            ),
            (
                "mutant_runs_not_started",
                Failed,
                Finding::MutantRunsNotStarted {
                    error: "Permission denied (os error 13)".into(),
                },
                vec![],
                vec![],
            ),
            (
                "fail_on_correct_code",
                Failed,
                Finding::FailOnCorrectCode {
                    run: Box::new(Finding::TestsFailed),
                    tests: some_failing(),
                },
                vec![],
                vec![],
            ),
            (
                "mutants_caught",
                Passed,
                Finding::MutantsCaught { total: 3 },
                vec![],
                vec![],
            ),
            (
                "mutants_survived",
                Failed,
                Finding::MutantsSurvived { total: 3 },
                vec![],
                bugs,
            ),
        ]
    }

    /// The kind of a finding, matched exhaustively: a new kind does not compile until it is
    /// given an example above (and so a snapshot of its words).
    fn kind(finding: &Finding) -> &'static str {
        match finding {
            Finding::Rejected { .. } => "rejected",
            Finding::DidNotCompile { .. } => "did_not_compile",
            Finding::BuildFailed { .. } => "build_failed",
            Finding::Unreadable { .. } => "unreadable",
            Finding::NotStarted { .. } => "not_started",
            Finding::TimedOut { .. } => "timed_out",
            Finding::TooMuchOutput { .. } => "too_much_output",
            Finding::TestsPassed => "tests_passed",
            Finding::TestsFailed => "tests_failed",
            Finding::TestsEndedAbnormally { .. } => "tests_ended_abnormally",
            Finding::TestsNotAllRan => "tests_not_all_ran",
            Finding::TestsDidNotFinish { .. } => "tests_did_not_finish",
            Finding::ProgramPassed { .. } => "program_passed",
            Finding::ProgramFailed { .. } => "program_failed",
            Finding::OutputMismatch { .. } => "output_mismatch",
            Finding::MutantRunsNotStarted { .. } => "mutant_runs_not_started",
            Finding::FailOnCorrectCode { .. } => "fail_on_correct_code",
            Finding::MutantsCaught { .. } => "mutants_caught",
            Finding::MutantsSurvived { .. } => "mutants_survived",
        }
    }

    #[test]
    fn the_words_of_each_kind_of_finding() {
        let doc = include_str!("../../docs/PROTOCOL.md");
        for (name, outcome, finding, tests, survivors) in one_of_each() {
            let kind = kind(&finding);
            assert!(name.starts_with(kind), "{name} is an example of {kind}");
            assert!(
                doc.contains(&format!("`{kind}`")),
                "docs/PROTOCOL.md lacks `{kind}`"
            );
            let verdict = Verdict {
                tests,
                survivors,
                ..Verdict::new("http6", outcome, finding)
            };
            let json = serde_json::to_string(&verdict).unwrap();
            let read: Verdict = serde_json::from_str(&json).unwrap();
            assert_eq!(read.finding, verdict.finding, "{json}");
            insta::assert_snapshot!(name, shown(&verdict));
        }
    }

    #[test]
    fn a_failure_ends_with_the_compilers_warnings() {
        let verdict = Verdict {
            tests: some_failing(),
            warnings: vec!["warning: unused variable: `x`".into()],
            ..Verdict::new("http6", Outcome::Failed, Finding::TestsFailed)
        };
        insta::assert_snapshot!(details(&verdict));
        let passed = Verdict {
            warnings: vec!["warning: unused variable: `x`".into()],
            ..Verdict::new("http6", Outcome::Passed, Finding::TestsPassed)
        };
        assert_eq!(details(&passed), "");
    }
}
