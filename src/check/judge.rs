//! Turns a finished run into a verdict: whether every grading test passed, and what was
//! found (`Finding`), from which `ui::verdict` writes the words.

use super::Outcome;
use super::finding::{Ending, Finding, TIMED_OUT_LINES, TOO_MUCH_OUTPUT_LINES, last_lines};
use super::libtest::{TestResult, TestStatus};
use super::process::RunOutput;

/// The outcome, and what was found.
pub(crate) struct Judgement {
    pub(crate) outcome: Outcome,
    pub(crate) finding: Finding,
}

impl Judgement {
    pub(crate) fn failed(finding: Finding) -> Judgement {
        Judgement {
            outcome: Outcome::Failed,
            finding,
        }
    }
}

/// Judges a `test`-mode run from what the harness reported of each grading test: every one
/// of them passed.
pub(crate) fn test_run(run: &RunOutput, timeout_secs: u64, results: &[TestResult]) -> Judgement {
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
pub(crate) fn program_run(run: &RunOutput, timeout_secs: u64, expected: Option<&str>) -> Judgement {
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
pub(crate) fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Every line of `text`, after `prefix`.
pub(crate) fn indent_by(prefix: &str, text: &str) -> String {
    text.lines()
        .map(|l| format!("{prefix}{l}"))
        .collect::<Vec<_>>()
        .join("\n")
}
