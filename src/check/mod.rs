//! Checks exercises: one cargo build for all of them, then their test binaries in parallel
//! under time limits, each turned into a `Verdict`.

pub mod cargo;
pub mod grade;
pub mod mutants;
pub mod process;

use std::fmt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::course::Exercise;
use crate::course::Mode;
use crate::course::tests_section::{self, Tampering};

/// Most bytes kept of a run's stdout or stderr; a run printing more is stopped.
pub(crate) const OUTPUT_CAP: usize = 512 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Passed,
    Failed,
    CompileError,
    TimedOut,
    Tampered,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Passed => "passed",
            Outcome::Failed => "failed",
            Outcome::CompileError => "compile error",
            Outcome::TimedOut => "timed out",
            Outcome::Tampered => "tampered",
        }
    }
}

/// The result of checking one exercise.
#[derive(Debug, Clone, Serialize)]
pub struct Verdict {
    pub exercise: String,
    pub outcome: Outcome,
    /// One line: "3 of 5 tests failed".
    pub summary: String,
    /// What to show: rustc's errors, the failing tests' messages, or what was tampered with.
    pub details: String,
    #[serde(serialize_with = "as_millis", rename = "duration_ms")]
    pub duration: Duration,
}

impl Verdict {
    pub fn passed(&self) -> bool {
        self.outcome == Outcome::Passed
    }
}

fn as_millis<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u64(d.as_millis() as u64)
}

#[derive(Debug)]
pub enum CheckError {
    CargoMissing(std::io::Error),
    /// The build folder could not be written.
    Io(std::io::Error),
}

impl fmt::Display for CheckError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CheckError::CargoMissing(e) => write!(
                f,
                "cargo could not be started ({e})\n  fix: install Rust with rustup (https://rustup.rs) \
                 and make sure `cargo` is on your PATH"
            ),
            CheckError::Io(e) => write!(f, "could not write the build folder: {e}"),
        }
    }
}

impl std::error::Error for CheckError {}

/// One thing to check: an exercise's rules applied to a source file built as cargo bin `bin`.
pub struct Target<'a> {
    pub exercise: &'a Exercise,
    pub bin: String,
    pub source: PathBuf,
    /// The course's version of the file, whose grading tests must be kept (`None`: trust the file).
    pub original: Option<String>,
    /// For `mutants` mode: the course's implementation with its mutants.
    pub mutants: Option<String>,
}

/// How a check reports progress: each compiled crate while building, then each verdict.
pub trait Progress: Sync {
    fn compiled(&self, _crate_name: &str) {}
    fn built(&self) {}
    fn verdict(&self, _verdict: &Verdict) {}
}

/// No progress reporting.
pub struct Quiet;
impl Progress for Quiet {}

/// Checks `targets` in `build_dir`: one cargo invocation, then the runs in parallel.
/// Verdicts come back in the order of `targets`.
pub fn check(
    build_dir: &Path,
    targets: &[Target<'_>],
    color: bool,
    progress: &dyn Progress,
) -> Result<Vec<Verdict>, CheckError> {
    let start = Instant::now();
    let mut verdicts: Vec<Option<Verdict>> = vec![None; targets.len()];

    // Tampered files are not worth building.
    let mut to_build = Vec::new();
    for (i, target) in targets.iter().enumerate() {
        match tampering(target) {
            Some(verdict) => {
                progress.verdict(&verdict);
                verdicts[i] = Some(verdict);
            }
            None => to_build.push(i),
        }
    }
    if to_build.is_empty() {
        return Ok(verdicts.into_iter().flatten().collect());
    }

    // Mutants-mode targets are built in a project of their own (see `mutants`).
    let (graded, plain): (Vec<usize>, Vec<usize>) = to_build
        .iter()
        .partition(|&&i| targets[i].exercise.mode == Mode::Mutants);
    let mut to_run = Vec::new();
    let mut builds = Vec::new();
    if !plain.is_empty() {
        let programs: Vec<&str> = plain
            .iter()
            .map(|&i| &targets[i])
            .filter(|t| t.exercise.mode == Mode::Run)
            .map(|t| t.bin.as_str())
            .collect();
        let selection = match (&plain[..], programs.len()) {
            ([only], 1) => cargo::Selection::OneProgram(&targets[*only].bin),
            ([only], _) => cargo::Selection::OneTest(&targets[*only].bin),
            _ => cargo::Selection::All {
                programs: &programs,
            },
        };
        let build = cargo::build(build_dir, None, selection, color, &mut |name| {
            progress.compiled(name)
        })?;
        builds.push(build);
        to_run.extend(plain.iter().map(|&i| (i, builds.len() - 1)));
    }
    if !graded.is_empty() {
        let refs: Vec<&Target> = graded.iter().map(|&i| &targets[i]).collect();
        let problems = mutants::write_project(build_dir, &refs).map_err(CheckError::Io)?;
        let mut ready = Vec::new();
        for (&i, problem) in graded.iter().zip(problems) {
            match problem {
                Some(graded) => {
                    let verdict = verdict_of(targets[i].exercise, graded, Duration::ZERO);
                    progress.verdict(&verdict);
                    verdicts[i] = Some(verdict);
                }
                None => ready.push(i),
            }
        }
        if !ready.is_empty() {
            let selection = match &ready[..] {
                [only] => cargo::Selection::OneTest(&targets[*only].bin),
                _ => cargo::Selection::All { programs: &[] },
            };
            let target_dir = build_dir.join("target");
            let build = cargo::build(
                &mutants::project_dir(build_dir),
                Some(&target_dir),
                selection,
                color,
                &mut |name| progress.compiled(name),
            )?;
            builds.push(build);
            to_run.extend(ready.iter().map(|&i| (i, builds.len() - 1)));
        }
    }
    progress.built();
    let build_time = start.elapsed();

    let next = AtomicUsize::new(0);
    let results = Mutex::new(Vec::new());
    let workers = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .min(to_run.len());
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                loop {
                    let k = next.fetch_add(1, Ordering::SeqCst);
                    let Some(&(i, b)) = to_run.get(k) else { break };
                    let run_start = Instant::now();
                    let mut verdict = run_one(build_dir, &targets[i], &builds[b]);
                    verdict.duration = build_time + run_start.elapsed();
                    progress.verdict(&verdict);
                    results
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .push((i, verdict));
                }
            });
        }
    });
    for (i, verdict) in results.into_inner().unwrap_or_else(|e| e.into_inner()) {
        verdicts[i] = Some(verdict);
    }
    Ok(verdicts.into_iter().flatten().collect())
}

fn tampering(target: &Target<'_>) -> Option<Verdict> {
    if target.exercise.mode != Mode::Test {
        return None;
    }
    let original = target.original.as_deref()?;
    let learner = std::fs::read_to_string(&target.source).unwrap_or_default();
    let name = &target.exercise.name;
    let reset = format!(
        "(`backendlings reset {name}` restores the file and keeps your version as a backup.)"
    );
    let details = match tests_section::find_tampering(original, &learner)? {
        Tampering::MarkerRemoved => format!(
            "The line `// ---- grading tests …` and the tests below it are gone. The grader only \
             counts the course's own tests: put them back.\n{reset}"
        ),
        Tampering::Changed {
            original_line,
            original,
        } => format!(
            "The grading tests were changed. The grader only counts the course's own tests, so undo \
             your changes below the `// ---- grading tests` line.\nThe first difference is at line \
             {original_line}, which should read:\n  {original}\n{reset}"
        ),
    };
    let graded = grade::Graded {
        outcome: Outcome::Tampered,
        summary: "the grading tests were changed".into(),
        details,
    };
    Some(verdict_of(target.exercise, graded, Duration::ZERO))
}

fn run_one(build_dir: &Path, target: &Target<'_>, build: &cargo::Build) -> Verdict {
    let ex = target.exercise;
    let executable = match ex.mode {
        Mode::Run => build.programs.get(&target.bin),
        Mode::Test | Mode::Mutants => build.tests.get(&target.bin),
    };
    let graded = match executable {
        None => compile_failure(target, build),
        Some(exe) if ex.mode == Mode::Mutants => mutants::grade(exe, build_dir, target),
        Some(exe) => run_and_grade(exe, build_dir, target),
    };
    let mut verdict = verdict_of(ex, graded, Duration::ZERO);
    if ex.mode == Mode::Mutants {
        // The learner's tests were compiled from a copy: point at their own file.
        let cwd = std::env::current_dir().unwrap_or_default();
        let learner = target
            .source
            .strip_prefix(&cwd)
            .unwrap_or(&target.source)
            .display()
            .to_string();
        verdict.details = replace_path_ending(
            &verdict.details,
            &format!("{}_tests.rs", target.bin),
            &learner,
        );
    }
    verdict
}

fn run_and_grade(executable: &Path, build_dir: &Path, target: &Target<'_>) -> grade::Graded {
    let ex = target.exercise;
    let mut command = Command::new(executable);
    command.current_dir(build_dir).env("RUST_BACKTRACE", "0");
    if ex.mode != Mode::Run {
        command.args(["--color", "never"]);
    }
    let timeout_secs = ex.timeout.as_secs();
    let run = match process::run_limited(command, ex.timeout, OUTPUT_CAP) {
        Ok(run) => run,
        Err(e) => {
            return grade::Graded {
                outcome: Outcome::Failed,
                summary: "could not be started".into(),
                details: format!("The compiled exercise could not be started: {e}"),
            };
        }
    };
    if ex.mode == Mode::Run {
        return grade::grade_program(&run, timeout_secs, ex.expected_output.as_deref());
    }
    let expected = target
        .original
        .as_deref()
        .and_then(tests_section::grading_section)
        .map_or(1, tests_section::count_tests)
        .max(1);
    grade::grade_tests(&run, timeout_secs, expected)
}

fn verdict_of(ex: &Exercise, graded: grade::Graded, duration: Duration) -> Verdict {
    Verdict {
        exercise: ex.name.clone(),
        outcome: graded.outcome,
        summary: graded.summary,
        details: graded.details,
        duration,
    }
}

/// Replaces every path (a run of non-space characters) ending in `ending` with `with`.
fn replace_path_ending(text: &str, ending: &str, with: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(ending) {
        let start = rest[..at]
            .rfind(|c: char| c.is_whitespace() || c == '(' || c == '\'')
            .map_or(0, |i| i + 1);
        out.push_str(&rest[..start]);
        out.push_str(with);
        rest = &rest[at + ending.len()..];
    }
    out.push_str(rest);
    out
}

fn compile_failure(target: &Target<'_>, build: &cargo::Build) -> grade::Graded {
    let diagnostics = build.diagnostics.get(&target.bin);
    match diagnostics {
        Some(d) if !d.errors.is_empty() => {
            let count = d
                .errors
                .iter()
                .filter(|e| !e.contains("aborting due to"))
                .count();
            let mut details = d.errors.join("\n");
            if !d.warnings.is_empty() {
                details.push('\n');
                details.push_str(&d.warnings.join("\n"));
            }
            grade::Graded {
                outcome: Outcome::CompileError,
                summary: format!("{count} compile error{}", if count == 1 { "" } else { "s" }),
                details: details.trim_end().to_string(),
            }
        }
        _ => grade::Graded {
            outcome: Outcome::CompileError,
            summary: "the build failed".into(),
            details: format!(
                "cargo could not build the exercise:\n{}",
                build.cargo_stderr.trim_end()
            ),
        },
    }
}
