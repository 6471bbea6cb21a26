//! What a check found, as data: which tests ran and how, how a run ended, which planted bugs
//! survived, why a file was refused or did not build. The words a learner reads are written
//! from it in one place, `ui::verdict`.

use serde::{Deserialize, Serialize};

use super::libtest::TestResult;
use super::modes::Rejection;
use super::process::RunOutput;

/// How many of the last lines a run printed are kept when it ended before reporting.
pub(crate) const ENDING_LINES: usize = 30;
/// How many of the last lines a run printed are kept when it was stopped at its time limit.
pub(crate) const TIMED_OUT_LINES: usize = 20;
/// How many of the last lines a run printed are kept when it printed too much.
pub(crate) const TOO_MUCH_OUTPUT_LINES: usize = 10;

/// What happened when an exercise was checked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Finding {
    /// The snapshot was refused before it was built.
    Rejected {
        /// The learner's file, as they name it (`exercises/01_http/http1.rs`).
        file: String,
        rejection: Rejection,
    },
    /// The compiler refused the code: its errors as it renders them, in order.
    DidNotCompile { errors: Vec<String> },
    /// The build failed without a compiler error (cargo's own failure).
    BuildFailed { cargo_stderr: String },
    /// The compiler accepts the code, but the grader's parser cannot read it from `line`.
    Unreadable { file: String, line: usize },
    /// The compiled exercise could not be started.
    NotStarted { error: String },
    /// A run was stopped at its time limit, with the last lines it printed.
    TimedOut {
        after_secs: u64,
        stdout_tail: String,
    },
    /// A run printed more than the cap and was stopped, with the last lines it printed.
    TooMuchOutput { stdout_tail: String },
    /// Every grading test passed (the tests are the verdict's `tests`).
    TestsPassed,
    /// Some grading tests failed or were skipped (the tests are the verdict's `tests`).
    TestsFailed,
    /// Every grading test passed, but the harness did not end normally afterwards.
    TestsEndedAbnormally { ending: Ending },
    /// The harness ended normally, but not every grading test was reported.
    TestsNotAllRan,
    /// The harness ended before it reported its tests.
    TestsDidNotFinish { ending: Ending },
    /// `run` mode: the program ran and exited with status 0; what it printed.
    ProgramPassed { stdout: String },
    /// `run` mode: the program did not exit with status 0 (or did not exit at all).
    ProgramFailed { ending: Ending },
    /// `run` mode: the program printed something other than the expected output.
    OutputMismatch { expected: String, printed: String },
    /// `mutants` mode: the learner's tests could not be started.
    MutantRunsNotStarted { error: String },
    /// `mutants` mode: the learner's tests fail on the correct implementation; how (`run`)
    /// and their results there.
    FailOnCorrectCode {
        run: Box<Finding>,
        tests: Vec<TestResult>,
    },
    /// `mutants` mode: the learner's tests caught each of the `total` planted bugs.
    MutantsCaught { total: usize },
    /// `mutants` mode: some of the `total` planted bugs went unnoticed (the verdict's
    /// `survivors`).
    MutantsSurvived { total: usize },
}

/// How a run that did not report its results ended.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ending {
    /// `None`: it did not exit (it was stopped).
    pub(crate) exit: Option<Exit>,
    /// The last lines it printed on stdout and stderr (`ENDING_LINES` at most).
    pub(crate) stdout_tail: String,
    pub(crate) stderr_tail: String,
}

/// How a process exited.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Exit {
    /// It exited with this status.
    Status(i32),
    /// It was killed by this signal.
    Signal(i32),
}

impl Ending {
    pub(crate) fn of(run: &RunOutput) -> Ending {
        let tail = |stream: &str| match stream.trim().is_empty() {
            true => String::new(),
            false => last_lines(stream, ENDING_LINES),
        };
        Ending {
            exit: run.status.map(exit_of),
            stdout_tail: tail(&run.stdout),
            stderr_tail: tail(&run.stderr),
        }
    }
}

fn exit_of(status: std::process::ExitStatus) -> Exit {
    use std::os::unix::process::ExitStatusExt as _;
    match (status.code(), status.signal()) {
        (Some(code), _) => Exit::Status(code),
        (None, signal) => Exit::Signal(signal.unwrap_or_default()),
    }
}

/// The last `n` lines of `text`.
pub(crate) fn last_lines(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

impl Finding {
    /// Every text the finding holds that may name a path (file names, compiler errors,
    /// output): for a caller that rewrites paths, like `grade` taking out its build prefix.
    pub(crate) fn texts_mut(&mut self) -> Vec<&mut String> {
        match self {
            Finding::Rejected { file, rejection } => {
                let mut texts = vec![file];
                if let Rejection::TestsChanged { original, .. } = rejection {
                    texts.push(original);
                }
                texts
            }
            Finding::DidNotCompile { errors } => errors.iter_mut().collect(),
            Finding::BuildFailed { cargo_stderr } => vec![cargo_stderr],
            Finding::Unreadable { file, .. } => vec![file],
            Finding::NotStarted { error } | Finding::MutantRunsNotStarted { error } => vec![error],
            Finding::TimedOut { stdout_tail, .. } | Finding::TooMuchOutput { stdout_tail } => {
                vec![stdout_tail]
            }
            Finding::TestsEndedAbnormally { ending }
            | Finding::TestsDidNotFinish { ending }
            | Finding::ProgramFailed { ending } => {
                vec![&mut ending.stdout_tail, &mut ending.stderr_tail]
            }
            Finding::ProgramPassed { stdout } => vec![stdout],
            Finding::OutputMismatch { expected, printed } => vec![expected, printed],
            Finding::FailOnCorrectCode { run, tests } => {
                let mut texts = run.texts_mut();
                for test in tests {
                    texts.extend(test.location.as_mut());
                    texts.extend(test.message.as_mut());
                    texts.push(&mut test.output);
                }
                texts
            }
            Finding::TestsPassed
            | Finding::TestsFailed
            | Finding::TestsNotAllRan
            | Finding::MutantsCaught { .. }
            | Finding::MutantsSurvived { .. } => Vec::new(),
        }
    }
}
