//! `mutants` mode: the learner writes the tests. They are compiled once against the course's
//! implementation, in which each mutant (a deliberate bug) is switched on by a token only the
//! implementation knows; they must pass with no mutant and fail with each one.

use std::path::Path;

use super::compose::Composed;
use super::grade::{self, Graded};
use super::libtest::TestStatus;
use super::{Outcome, Target, run_harness, source};

/// Runs the learner's tests against the correct implementation, then against each mutant.
/// Returns the grade and the descriptions of the mutants no test caught.
pub fn grade(
    executable: &Path,
    build_dir: &Path,
    target: &Target<'_>,
    composed: &Composed,
) -> (Graded, Vec<String>) {
    let ex = target.exercise;
    let timeout_secs = ex.timeout.as_secs();
    let tests = learner_test_names(build_dir, target);
    let correct = match run_harness(
        executable,
        build_dir,
        target,
        &tests,
        Some(&composed.decoy_token),
    ) {
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
    // The runs against the mutants are independent: run them side by side.
    let caught: Vec<std::sync::atomic::AtomicBool> = composed
        .mutant_tokens
        .iter()
        .map(|_| std::sync::atomic::AtomicBool::new(true))
        .collect();
    let next = std::sync::atomic::AtomicUsize::new(0);
    let workers = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .min(composed.mutant_tokens.len());
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                loop {
                    let k = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    let Some(token) = composed.mutant_tokens.get(k) else {
                        break;
                    };
                    // A mutant is caught when a test fails (or the run crashes or hangs).
                    let survived = run_harness(executable, build_dir, target, &tests, Some(token))
                        .is_ok_and(|(run, results)| {
                            !run.timed_out && results.iter().all(|r| r.status == TestStatus::Passed)
                        });
                    caught[k].store(!survived, std::sync::atomic::Ordering::SeqCst);
                }
            });
        }
    });
    let survivors: Vec<String> = ex
        .mutants
        .iter()
        .zip(&caught)
        .filter(|(_, caught)| !caught.load(std::sync::atomic::Ordering::SeqCst))
        .map(|(m, _)| m.description.clone())
        .collect();
    let total = ex.mutants.len();
    if survivors.is_empty() {
        let graded = Graded {
            outcome: Outcome::Passed,
            details: String::new(),
            summary: format!("your tests caught all {total} bugs"),
        };
        return (graded, survivors);
    }
    let list: Vec<String> = survivors.iter().map(|d| format!("  - {d}")).collect();
    let graded = failed(
        format!(
            "Your tests pass on the correct code, but they would not notice {} of the {total} bugs \
             the grader planted:\n{}\n\nFor each, write a test that fails when the code has that bug.",
            survivors.len(),
            list.join("\n")
        ),
        &format!("{} of {total} bugs went unnoticed", survivors.len()),
    );
    (graded, survivors)
}

/// The learner's tests by name, read from the composed copy of their tests.
fn learner_test_names(build_dir: &Path, target: &Target<'_>) -> Vec<(String, usize)> {
    let copy = super::compose::project_dir(build_dir).join(&target.shown_as);
    let text = std::fs::read_to_string(copy).unwrap_or_default();
    source::test_names(&text)
}

fn failed(details: String, summary: &str) -> Graded {
    Graded {
        outcome: Outcome::Failed,
        details,
        summary: summary.to_string(),
    }
}
