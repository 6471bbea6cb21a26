//! `mutants` mode: the learner writes the tests. They are compiled once against the course's
//! implementation, in which each mutant (a deliberate bug) is switched on at run time by
//! `BACKENDLINGS_MUTANT=k`; they must pass with no mutant and fail with each one.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use super::grade::{self, Graded};
use super::process::{self, RunOutput};
use super::{OUTPUT_CAP, Outcome, Target};
use crate::course::tests_section;

/// The environment variable that selects a mutant (unset: the correct implementation).
pub const MUTANT_VAR: &str = "BACKENDLINGS_MUTANT";

/// The marker line above the learner's own tests starts with this.
pub const YOUR_TESTS_PREFIX: &str = "// ---- your tests";

/// Where graded sources are composed and built: a project of its own whose target folder is
/// the build project's, so the dependencies are compiled once for both.
pub fn project_dir(build_dir: &Path) -> PathBuf {
    build_dir.join("target").join("backendlings-graded")
}

/// Defined for the course's implementation: `if mutant(2) { bug } else { right }`.
const PRELUDE: &str = "#[allow(dead_code)]\nfn mutant(id: u32) -> bool {\n    std::env::var(\"BACKENDLINGS_MUTANT\").ok().and_then(|v| v.parse().ok()) == Some(id)\n}\n\n";

/// The learner's tests: from the marker line to the end of their file, with the lines above
/// kept blank so that compiler errors and panics point at the learner's own line numbers.
pub fn learner_tests(source: &str) -> Option<String> {
    let mut offset = 0;
    for (index, line) in source.split_inclusive('\n').enumerate() {
        if line.trim_start().starts_with(YOUR_TESTS_PREFIX) {
            return Some("\n".repeat(index) + &source[offset..]);
        }
        offset += line.len();
    }
    None
}

/// Writes the graded project for `targets` (all in mutants mode): per target, the course's
/// implementation with its tests included from the learner's file. Returns why a target
/// cannot be graded (no marker, no tests), by index.
pub fn write_project(
    build_dir: &Path,
    targets: &[&Target<'_>],
) -> std::io::Result<Vec<Option<Graded>>> {
    let dir = project_dir(build_dir);
    fs::create_dir_all(&dir)?;
    let manifest = fs::read_to_string(build_dir.join("Cargo.toml"))?;
    // The build project's manifest up to its bins: package, dependencies and profiles.
    let mut text = manifest
        .split("\n[[bin]]")
        .next()
        .unwrap_or(&manifest)
        .to_string();
    let mut problems = Vec::new();
    for target in targets {
        let learner = fs::read_to_string(&target.source).unwrap_or_default();
        let problem = match learner_tests(&learner) {
            None => Some(format!(
                "The line `{YOUR_TESTS_PREFIX} …` is gone. Your tests go below it: put it back \
                 (`backendlings reset {}` restores the file and keeps your version as a backup).",
                target.exercise.name
            )),
            Some(tests) if tests_section::count_tests(&tests) == 0 => Some(
                "There are no tests yet. Write at least one `#[test]` function below the \
                 `// ---- your tests` line."
                    .into(),
            ),
            Some(tests) => {
                let implementation = target.mutants.as_deref().unwrap_or_default();
                let source = format!(
                    "{PRELUDE}{implementation}\ninclude!(\"{}_tests.rs\");\n",
                    target.bin
                );
                write_if_changed(&dir.join(format!("{}.rs", target.bin)), &source)?;
                write_if_changed(&dir.join(format!("{}_tests.rs", target.bin)), &tests)?;
                text.push_str(&format!(
                    "\n[[bin]]\nname = {:?}\npath = \"{}.rs\"\ntest = true\ndoctest = false\nbench = false\n",
                    target.bin, target.bin
                ));
                None
            }
        };
        problems.push(problem.map(|details| Graded {
            outcome: Outcome::Failed,
            details,
            summary: "no tests to grade".into(),
        }));
    }
    write_if_changed(&dir.join("Cargo.toml"), &text)?;
    if let Ok(lock) = fs::read_to_string(build_dir.join("Cargo.lock")) {
        write_if_changed(&dir.join("Cargo.lock"), &lock)?;
    }
    Ok(problems)
}

/// Cargo decides what to rebuild by modification time: rewrite only what changed.
fn write_if_changed(path: &Path, text: &str) -> std::io::Result<()> {
    if fs::read_to_string(path).ok().as_deref() != Some(text) {
        fs::write(path, text)?;
    }
    Ok(())
}

/// Runs the learner's tests against the correct implementation, then against each mutant.
pub fn grade(executable: &Path, build_dir: &Path, target: &Target<'_>) -> Graded {
    let ex = target.exercise;
    let timeout_secs = ex.timeout.as_secs();
    let run = |mutant: Option<usize>| -> std::io::Result<RunOutput> {
        let mut command = Command::new(executable);
        command
            .current_dir(build_dir)
            .env("RUST_BACKTRACE", "0")
            .env_remove(MUTANT_VAR)
            .args(["--color", "never"]);
        if let Some(k) = mutant {
            command.env(MUTANT_VAR, k.to_string());
        }
        process::run_limited(command, ex.timeout, OUTPUT_CAP)
    };
    let correct = match run(None) {
        Ok(output) => output,
        Err(e) => {
            return failed(
                format!("The tests could not be started: {e}"),
                "could not run",
            );
        }
    };
    let baseline = grade::grade_tests(&correct, timeout_secs, 1);
    if baseline.outcome != Outcome::Passed {
        return Graded {
            outcome: baseline.outcome,
            summary: format!("your tests fail on the correct code: {}", baseline.summary),
            details: format!(
                "Your tests must pass when the code is right. These fail on the correct implementation, \
                 so they expect something the code is not meant to do:\n\n{}",
                baseline.details
            ),
        };
    }
    let survivors: Vec<&str> = ex
        .mutants
        .iter()
        .enumerate()
        .filter(|(i, _)| {
            // A mutant is caught when a test fails (or the run crashes or hangs).
            run(Some(i + 1)).is_ok_and(|out| out.status.is_some_and(|s| s.success()))
        })
        .map(|(_, m)| m.description.as_str())
        .collect();
    let total = ex.mutants.len();
    if survivors.is_empty() {
        return Graded {
            outcome: Outcome::Passed,
            details: String::new(),
            summary: format!("your tests caught all {total} bugs"),
        };
    }
    let list: Vec<String> = survivors.iter().map(|d| format!("  - {d}")).collect();
    failed(
        format!(
            "Your tests pass on the correct code, but they would not notice {} of the {total} bugs \
             the grader planted:\n{}\n\nFor each, write a test that fails when the code has that bug.",
            survivors.len(),
            list.join("\n")
        ),
        &format!("{} of {total} bugs went unnoticed", survivors.len()),
    )
}

fn failed(details: String, summary: &str) -> Graded {
    Graded {
        outcome: Outcome::Failed,
        details,
        summary: summary.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn learner_tests_keep_their_line_numbers() {
        let source =
            "fn f() {}\n\n// ---- your tests: write them below ----\n#[cfg(test)]\nmod tests {}\n";
        let tests = learner_tests(source).unwrap();
        assert_eq!(
            tests,
            "\n\n// ---- your tests: write them below ----\n#[cfg(test)]\nmod tests {}\n"
        );
        assert_eq!(learner_tests("fn f() {}\n"), None);
    }
}
