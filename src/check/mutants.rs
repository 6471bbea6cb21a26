//! `mutants` mode: the learner writes the tests. They are compiled once against the course's
//! implementation, in which each mutant (a deliberate bug) is switched on by a token only the
//! implementation knows; they must pass with no mutant and fail with each one.

use std::path::Path;

use super::compose::Composed;
use super::grade::{self, Graded};
use super::libtest::TestStatus;
use super::{Outcome, Target, run_harness};

/// What one run of the learner's tests gave.
type RunResult = std::io::Result<(super::process::RunOutput, Vec<super::libtest::TestResult>)>;

/// Runs the learner's tests against the correct implementation and against each mutant.
/// Returns the grade and the descriptions of the mutants no test caught.
pub fn grade(
    executable: &Path,
    build_dir: &Path,
    target: &Target<'_>,
    composed: &Composed,
) -> (Graded, Vec<String>) {
    let ex = target.exercise;
    let timeout_secs = ex.timeout.as_secs();
    let tests = &composed.tests;
    // Every run is independent: the correct code (the decoy token) and each mutant run side
    // by side, and the verdict is decided when all are in.
    let tokens: Vec<&str> = std::iter::once(composed.decoy_token.as_str())
        .chain(composed.mutant_tokens.iter().map(String::as_str))
        .collect();
    let runs: Vec<std::sync::Mutex<Option<RunResult>>> =
        tokens.iter().map(|_| std::sync::Mutex::new(None)).collect();
    let next = std::sync::atomic::AtomicUsize::new(0);
    let workers = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .min(tokens.len());
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                loop {
                    let k = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    let Some(token) = tokens.get(k) else {
                        break;
                    };
                    let result = run_harness(executable, build_dir, target, tests, Some(token));
                    *runs[k].lock().unwrap_or_else(|e| e.into_inner()) = Some(result);
                }
            });
        }
    });
    let mut runs: Vec<RunResult> = runs
        .into_iter()
        .map(|r| {
            r.into_inner()
                .unwrap_or_else(|e| e.into_inner())
                .unwrap_or_else(|| Err(std::io::Error::other("not run")))
        })
        .collect();
    let correct = match runs.remove(0) {
        Ok(run) => run,
        Err(e) => {
            return (
                failed(
                    format!("The tests could not be started: {e}"),
                    "could not run",
                ),
                Vec::new(),
            );
        }
    };
    let baseline = grade::grade_tests(&correct.0, timeout_secs, &correct.1);
    if baseline.outcome != Outcome::Passed {
        let graded = Graded {
            outcome: baseline.outcome,
            summary: format!("your tests fail on the correct code: {}", baseline.summary),
            details: format!(
                "Your tests must pass when the code is right. These fail on the correct implementation, \
                 so they expect something the code is not meant to do:\n\n{}",
                baseline.details
            ),
        };
        return (graded, Vec::new());
    }
    // A mutant is caught when a test fails (or the run crashes or hangs).
    let caught: Vec<bool> = runs
        .iter()
        .map(|run| {
            !run.as_ref().is_ok_and(|(run, results)| {
                !run.timed_out && results.iter().all(|r| r.status == TestStatus::Passed)
            })
        })
        .collect();
    let survivors: Vec<String> = ex
        .mutants
        .iter()
        .zip(&caught)
        .filter(|(_, caught)| !**caught)
        .map(|(m, _)| m.description.clone())
        .collect();
    let total = ex.mutants.len();
    if survivors.is_empty() {
        let graded = Graded {
            outcome: Outcome::Passed,
            details: String::new(),
            summary: match total {
                1 => "your tests caught the bug".to_string(),
                _ => format!("your tests caught all {total} bugs"),
            },
        };
        return (graded, survivors);
    }
    let list: Vec<String> = survivors.iter().map(|d| format!("  - {d}")).collect();
    let graded = failed(
        format!(
            "Your tests pass on the correct code, but they would not notice {} of the {} \
             the grader planted:\n{}\n\nFor each, write a test that fails when the code has that bug.",
            survivors.len(),
            grade::count(total, "bug", "bugs"),
            list.join("\n")
        ),
        &format!(
            "{} of {} went unnoticed",
            survivors.len(),
            grade::count(total, "bug", "bugs")
        ),
    );
    (graded, survivors)
}

fn failed(details: String, summary: &str) -> Graded {
    Graded {
        outcome: Outcome::Failed,
        details,
        summary: summary.to_string(),
    }
}
