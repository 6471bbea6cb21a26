//! `mutants` mode: the learner writes the tests. They are compiled once against the course's
//! implementation, in which each mutant (a deliberate bug) is switched on by a token only the
//! implementation knows; they must pass with no mutant and fail with each one.

use std::fs;
use std::path::{Path, PathBuf};

use super::super::finding::Finding;
use super::super::judge::{self, Judgement};
use super::super::libtest::TestStatus;
use super::super::{Outcome, Target, Verdict, rules, run_harness, source, verdict_of};
use super::{Composed, GradingMode, Rejection};

/// The marker line above the learner's own tests (mutants mode) starts with this.
pub(crate) const YOUR_TESTS_PREFIX: &str = "// ---- your tests";

/// The environment variable through which a run learns its mutant token.
pub(crate) const MUTANT_VAR: &str = "BACKENDLINGS_MUTANT";

pub(crate) struct Mutants;

impl GradingMode for Mutants {
    fn compose(
        &self,
        target: &Target<'_>,
        snapshot: &str,
        composed: &mut Composed,
    ) -> Result<Vec<(PathBuf, String)>, Rejection> {
        let tests = learner_tests(snapshot).ok_or(Rejection::NoTestsMarker)?;
        // The names now, from this snapshot: the composed copy on disk may be another
        // check's by the time the tests run.
        composed.tests = source::test_names(&tests);
        if composed.tests.is_empty() {
            return Err(Rejection::NoTests);
        }
        // The learner's tests get no capability: nothing in their reach tells which code
        // runs (the token that switches a mutant on is in the environment).
        let scaffold = target
            .original
            .as_deref()
            .and_then(learner_tests)
            .unwrap_or_default();
        // Nor may they name the switch or the decoy the runner compiles in beside them.
        let internals = rules::names_starting_with(&tests, "__backendlings");
        if !internals.is_empty() {
            return Err(Rejection::Rules {
                findings: internals,
            });
        }
        match rules::check(&tests, &scaffold, &[]) {
            Ok(findings) if findings.is_empty() => {}
            Ok(findings) => return Err(Rejection::Rules { findings }),
            Err(unreadable) => composed.unreadable = Some(unreadable.line),
        }
        let implementation = target.mutants.as_deref().unwrap_or_default();
        let count = target.exercise.mutants.len();
        let mut tokens = match &composed.tokens_kept_in {
            Some(file) => kept_tokens(file, count + 1),
            None => (0..=count).map(|_| random_token()).collect(),
        };
        composed.decoy_token = tokens.remove(0);
        composed.mutant_tokens = tokens;
        let implementation = switch_mutants(implementation, &composed.mutant_tokens);
        // The root holds the implementation and includes the learner's tests, which keep
        // their path and line numbers; it is blanked once built (see `Composed::path`).
        let shown = crate::course::slash_path(&target.shown_as);
        let root = format!(
            "{}\n{implementation}\ninclude!({shown:?});\n",
            mutant_prelude(&composed.decoy_token)
        );
        Ok(vec![
            (PathBuf::from(format!("{}.root.rs", target.bin)), root),
            (target.shown_as.clone(), tests),
        ])
    }

    fn grade(
        &self,
        executable: &Path,
        build_dir: &Path,
        target: &Target<'_>,
        composed: &Composed,
    ) -> Verdict {
        let (graded, survivors) = grade(executable, build_dir, target, composed);
        let mut verdict = verdict_of(target.exercise, graded);
        verdict.survivors = survivors;
        verdict
    }

    fn learner_writes_tests(&self) -> bool {
        true
    }
}

/// What one run of the learner's tests gave.
type RunResult = std::io::Result<(
    super::super::process::RunOutput,
    Vec<super::super::libtest::TestResult>,
)>;

/// Runs the learner's tests against the correct implementation and against each mutant.
/// Returns the grade and the descriptions of the mutants no test caught.
fn grade(
    executable: &Path,
    build_dir: &Path,
    target: &Target<'_>,
    composed: &Composed,
) -> (Judgement, Vec<String>) {
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
            let finding = Finding::MutantRunsNotStarted {
                error: e.to_string(),
            };
            return (Judgement::failed(finding), Vec::new());
        }
    };
    let baseline = judge::test_run(&correct.0, timeout_secs, &correct.1);
    if baseline.outcome != Outcome::Passed {
        let graded = Judgement {
            outcome: baseline.outcome,
            finding: Finding::FailOnCorrectCode {
                run: Box::new(baseline.finding),
                tests: correct.1,
            },
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
    let graded = match survivors.is_empty() {
        true => Judgement {
            outcome: Outcome::Passed,
            finding: Finding::MutantsCaught { total },
        },
        false => Judgement::failed(Finding::MutantsSurvived { total }),
    };
    (graded, survivors)
}

/// The learner's tests (mutants mode): from the marker line to the end of their file, with the
/// lines above kept blank so that errors and panics point at the learner's own line numbers.
pub(crate) fn learner_tests(source: &str) -> Option<String> {
    let mut offset = 0;
    for (index, line) in source.split_inclusive('\n').enumerate() {
        if line.trim_start().starts_with(YOUR_TESTS_PREFIX) {
            return Some("\n".repeat(index) + &source[offset..]);
        }
        offset += line.len();
    }
    None
}

/// Defines the switch the course's implementation calls. Every run, the one against the
/// correct code included, sees a random token; only the implementation knows which token
/// means which mutant, and the decoy is compiled in too, so nothing tells the runs apart.
fn mutant_prelude(decoy: &str) -> String {
    format!(
        "#[allow(dead_code)]\nfn __backendlings_switch(token: &str) -> bool {{\n    \
         std::env::var({MUTANT_VAR:?}).is_ok_and(|v| v == token)\n}}\n\
         #[used]\nstatic __BACKENDLINGS_DECOY: &str = {decoy:?};\n"
    )
}

/// Replaces each `mutant(k)` call with the switch for the k-th token.
fn switch_mutants(implementation: &str, tokens: &[String]) -> String {
    let mut out = String::with_capacity(implementation.len());
    let mut rest = implementation;
    while let Some(at) = rest.find("mutant(") {
        let is_call = !rest[..at]
            .chars()
            .next_back()
            .is_some_and(|c| c.is_alphanumeric() || c == '_');
        let after = &rest[at + "mutant(".len()..];
        let digits: String = after.chars().take_while(char::is_ascii_digit).collect();
        let closes = after[digits.len()..].starts_with(')');
        let token = digits
            .parse::<usize>()
            .ok()
            .and_then(|k| tokens.get(k.checked_sub(1)?));
        match token {
            Some(token) if is_call && closes => {
                out.push_str(&rest[..at]);
                out.push_str(&format!("__backendlings_switch({token:?})"));
                rest = &after[digits.len() + 1..];
            }
            _ => {
                out.push_str(&rest[..at + "mutant(".len()]);
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// `count` tokens kept in `file` (one per line), drawn and written there the first time, or
/// again when the file is not what it should be (a kill while it was written, a course that
/// changed the number of mutants). The build folder is the owner's alone (`private_build_dir`).
fn kept_tokens(file: &Path, count: usize) -> Vec<String> {
    let is_token = |line: &str| line.len() == 32 && line.bytes().all(|b| b.is_ascii_hexdigit());
    if let Ok(text) = fs::read_to_string(file) {
        let kept: Vec<String> = text.lines().map(str::to_string).collect();
        if kept.len() == count && kept.iter().all(|t| is_token(t)) {
            return kept;
        }
    }
    let tokens: Vec<String> = (0..count).map(|_| random_token()).collect();
    // Not kept is not wrong: the next check draws new ones and rebuilds.
    let _ = crate::sys::files::write_atomically(file, (tokens.join("\n") + "\n").as_bytes());
    tokens
}

/// 128 random bits as hex, from the operating system.
fn random_token() -> String {
    use std::io::Read as _;
    let mut bytes = [0u8; 16];
    let read = fs::File::open("/dev/urandom").and_then(|mut f| f.read_exact(&mut bytes));
    if read.is_err() {
        // No /dev/urandom: the clock and the process id are still unknown to the tests.
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let mixed = nanos ^ (u128::from(std::process::id()) << 64);
        bytes = mixed.to_le_bytes();
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mutant_switches_take_tokens() {
        let tokens = vec!["aa".to_string(), "bb".to_string()];
        let text = "if mutant(1) { x } else if mutant(2) { y }\n// mutant(3): not a switch\nfn my_mutant(1) {}";
        assert_eq!(
            switch_mutants(text, &tokens),
            "if __backendlings_switch(\"aa\") { x } else if __backendlings_switch(\"bb\") { y }\n// mutant(3): not a switch\nfn my_mutant(1) {}"
        );
        assert_ne!(random_token(), random_token());
        assert_eq!(random_token().len(), 32);
    }

    #[test]
    fn kept_tokens_stay_until_they_no_longer_fit() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("tokens").join("testing1");
        let first = kept_tokens(&file, 3);
        assert_eq!(first.len(), 3);
        assert_eq!(kept_tokens(&file, 3), first, "kept between checks");
        let more = kept_tokens(&file, 4);
        assert_eq!(more.len(), 4);
        assert!(
            more.iter().all(|t| !first.contains(t)),
            "a new count draws anew"
        );
        std::fs::write(&file, "not a token\n").unwrap();
        let mended = kept_tokens(&file, 4);
        assert!(mended.iter().all(|t| t.len() == 32 && !more.contains(t)));
    }

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
