//! One module per grading mode: how a snapshot is composed into what is built, whether cargo
//! builds a program or a test harness, and how a run is graded. The engine asks `of(mode)`
//! and never matches on a mode itself: a new mode is a new file here.

mod mutants;
mod run;
mod test;

use std::path::{Path, PathBuf};

pub(crate) use mutants::{MUTANT_VAR, YOUR_TESTS_PREFIX, learner_tests};

use super::{Target, Verdict};
use crate::course::Mode;

/// A target ready to build, or the reason it is not worth building.
pub(crate) enum Prepared {
    Ready(Composed),
    Rejected(Rejection),
}

/// A composed source: what to expect of its run.
pub(crate) struct Composed {
    /// The tests to run by full name, with their line in the learner's file: the grading
    /// tests (`test` mode) or the learner's own (`mutants` mode).
    pub(crate) tests: Vec<(String, usize)>,
    /// `mutants` mode: the token that switches each mutant on, in order, and a decoy token
    /// for the run against the correct code (every run sees a token).
    pub(crate) mutant_tokens: Vec<String>,
    pub(crate) decoy_token: String,
    /// The composed file (blanked after the build in mutants mode, unless its tokens are kept).
    pub(crate) path: PathBuf,
    /// `mutants` mode: where the tokens are kept between checks, so that a file composes to
    /// the same text each time and cargo does not rebuild what has not changed (a learner's
    /// workspace). `None` (strict mode): every check draws new tokens, and the composed file
    /// is blanked once built, so the tokens live only in the built program.
    pub(crate) tokens_kept_in: Option<PathBuf>,
    /// The line where the rules' parser gave up: if the compiler accepts the file anyway,
    /// the grader cannot vouch for it.
    pub(crate) unreadable: Option<usize>,
    /// The build layer it is built in (see `course::layers`).
    pub(crate) layer: usize,
    /// The files to write into the graded project, by path in it; the first is the root.
    pub(crate) files: Vec<(PathBuf, String)>,
}

/// Why a snapshot is not built.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum Rejection {
    /// The grading marker is gone.
    MarkerRemoved,
    /// The grading tests differ from the course's, from this line (of the original file).
    TestsChanged { line: usize, original: String },
    /// Code above the marker does not end at an item boundary: something opened at `line`.
    Unclosed { what: String, line: usize },
    /// Code above the marker redefines names the tests rely on: (line, name).
    Redefines { found: Vec<(usize, String)> },
    /// Mutants mode: the `// ---- your tests` marker is gone.
    NoTestsMarker,
    /// Mutants mode: no `#[test]` below the marker.
    NoTests,
    /// Code the exercise does not allow, or that would change what the tests mean (rules).
    Rules {
        findings: Vec<super::rules::Finding>,
    },
    /// The file is not UTF-8 text.
    NotText,
    /// The file could not be read (it is not there).
    Missing,
}

/// What a grading mode does with an exercise.
pub(crate) trait GradingMode: Sync {
    /// The files to write into the graded project for `snapshot` (the first is the root of
    /// the cargo target), or why it is not built. Fills in what to expect of the run.
    fn compose(
        &self,
        target: &Target<'_>,
        snapshot: &str,
        composed: &mut Composed,
    ) -> Result<Vec<(PathBuf, String)>, Rejection>;

    /// Cargo builds this mode's targets as programs, not as test harnesses.
    fn builds_program(&self) -> bool {
        false
    }

    /// Runs what was built and grades it.
    fn grade(
        &self,
        executable: &Path,
        build_dir: &Path,
        target: &Target<'_>,
        composed: &Composed,
    ) -> Verdict;

    /// The grading tests are the course's own, below the marker of the learner's file.
    fn course_tests(&self) -> bool {
        false
    }

    /// The learner writes the tests, below the `// ---- your tests` line.
    fn learner_writes_tests(&self) -> bool {
        false
    }

    /// A course proves its grading with wrong attempts (`wrong/`) for this mode.
    fn has_wrong_attempts(&self) -> bool {
        true
    }
}

/// The grading mode of an exercise.
pub(crate) fn of(mode: Mode) -> &'static dyn GradingMode {
    match mode {
        Mode::Test => &test::Test,
        Mode::Run => &run::Run,
        Mode::Mutants => &mutants::Mutants,
    }
}
