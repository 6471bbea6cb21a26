//! Checks exercises: one cargo build for all of them, then their test binaries in parallel
//! under time limits, each turned into a `Verdict`.

pub mod cargo;
pub(crate) mod compose;
pub mod finding;
pub(crate) mod judge;
pub mod libtest;
pub mod modes;
pub(crate) mod names;
pub(crate) mod process;
pub mod rules;
pub(crate) mod source;
pub mod warm;

use std::fmt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::course::Exercise;
use crate::course::layers::Layers;
pub use finding::Finding;
use libtest::TestResult;
use modes::{Composed, Prepared, Rejection};

/// How a command checks exercises: given to every check, warm-up and build it starts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Options {
    /// Strict mode (`grade`): the environment cannot change how exercises are built or graded.
    /// Variables that would (another cargo, a target folder, compiler flags, a wrapper) are
    /// ignored: a student's CI cannot set them.
    pub(crate) strict: bool,
    /// Compiler errors as rustc renders them in a terminal, with ANSI colours.
    pub(crate) color: bool,
}

/// What strict mode removes from the environment of cargo and of the runs.
pub(crate) const UNTRUSTED_VARS: &[&str] = &[
    "CARGO_TARGET_DIR",
    "CARGO_BUILD_TARGET_DIR",
    "RUSTFLAGS",
    "CARGO_ENCODED_RUSTFLAGS",
    "CARGO_BUILD_RUSTFLAGS",
    "RUSTC",
    "RUSTC_WRAPPER",
    "RUSTC_WORKSPACE_WRAPPER",
    "CARGO_BUILD_RUSTC_WRAPPER",
    "CARGO_INCREMENTAL",
    "CARGO_PROFILE_DEV_DEBUG_ASSERTIONS",
    "CARGO_PROFILE_DEV_OVERFLOW_CHECKS",
];

/// Variables of libtest that change what a test run does or prints: never passed on.
const HARNESS_VARS: &[&str] = &[
    "RUST_TEST_NOCAPTURE",
    "RUST_TEST_THREADS",
    "RUST_TEST_SHUFFLE",
    "RUST_TEST_SHUFFLE_SEED",
    "RUST_TEST_TIME_UNIT",
    "RUST_TEST_TIME_INTEGRATION",
    "RUST_TEST_TIME_DOCTEST",
];

/// Most bytes kept of a run's stdout or stderr; a run printing more is stopped.
pub(crate) const OUTPUT_CAP: usize = 512 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
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
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Verdict {
    pub exercise: String,
    pub outcome: Outcome,
    #[serde(
        serialize_with = "as_millis",
        deserialize_with = "from_millis",
        rename = "duration_ms"
    )]
    pub duration: Duration,
    /// Each grading test, in the order the tests stand in the file (`test` mode).
    pub tests: Vec<TestResult>,
    /// The descriptions of the planted bugs the learner's tests missed (`mutants` mode).
    pub survivors: Vec<String>,
    /// The line of the learner's file where tampering or an unclosed construct starts.
    pub line: Option<usize>,
    /// The compiler's errors and warnings, with their spans.
    pub diagnostics: Vec<cargo::Diagnostic>,
    /// What the check found, as data: `ui::verdict` writes the words a learner reads.
    pub finding: Finding,
    /// When the exercise did not pass: the compiler's warnings as it renders them, but those
    /// the unfinished `todo!()` stubs alone cause (a warning often explains a failure).
    #[serde(default)]
    pub warnings: Vec<String>,
}

impl Verdict {
    /// A verdict on `exercise` with nothing but its outcome and finding; the caller adds the
    /// tests, survivors, line and diagnostics, and the check sets the duration once timed.
    pub fn new(exercise: &str, outcome: Outcome, finding: Finding) -> Verdict {
        Verdict {
            exercise: exercise.to_string(),
            outcome,
            duration: Duration::ZERO,
            tests: Vec::new(),
            survivors: Vec::new(),
            line: None,
            diagnostics: Vec::new(),
            finding,
            warnings: Vec::new(),
        }
    }

    pub fn passed(&self) -> bool {
        self.outcome == Outcome::Passed
    }
}

pub(crate) fn as_millis<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u64(d.as_millis() as u64)
}

pub(crate) fn from_millis<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    u64::deserialize(d).map(Duration::from_millis)
}

#[derive(Debug)]
pub enum CheckError {
    CargoMissing(std::io::Error),
    /// The build folder could not be written.
    Io(std::io::Error),
    /// The disk is full: nothing about the code can be concluded.
    DiskFull(PathBuf),
}

impl fmt::Display for CheckError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CheckError::CargoMissing(e) => write!(
                f,
                "cargo could not be started ({e})\n  fix: install Rust with rustup (https://rustup.rs) \
                 and make sure `cargo` is on your PATH"
            ),
            CheckError::Io(e) if e.kind() == std::io::ErrorKind::StorageFull => write!(
                f,
                "the disk is full: the build folder could not be written\n  fix: free some \
                 space and check again (`grade` can build on another disk: --build-dir)"
            ),
            CheckError::Io(e) => write!(f, "could not write the build folder: {e}"),
            CheckError::DiskFull(dir) => write!(
                f,
                "the disk is full: the build in {} stopped (No space left on device); no \
                 verdict was given\n  fix: free some space and check again (`grade` can \
                 build on another disk: --build-dir)",
                dir.display()
            ),
        }
    }
}

impl std::error::Error for CheckError {}

/// One thing to check: an exercise's rules applied to a source file built as cargo bin `bin`.
pub(crate) struct Target<'a> {
    pub(crate) exercise: &'a Exercise,
    pub(crate) bin: String,
    pub(crate) source: PathBuf,
    /// How the file is named to the learner, relative to the workspace (e.g.
    /// `exercises/01_http/http1.rs`): compiler errors and panics point there.
    pub(crate) shown_as: PathBuf,
    /// The text to grade, read once by the caller; `None`: read `source` when the check starts.
    pub(crate) snapshot: Option<String>,
    /// The course's support modules, composed next to the graded sources.
    pub(crate) support: &'a [(String, String)],
    /// Set by the caller when the verdict is no longer wanted (the file changed): the run is
    /// ended at once instead of waited for.
    pub(crate) cancel: Option<std::sync::Arc<std::sync::atomic::AtomicBool>>,
    /// The course's version of the file, whose grading tests must be kept (`None`: trust the file).
    pub(crate) original: Option<String>,
    /// For `mutants` mode: the course's implementation with its mutants.
    pub(crate) mutants: Option<String>,
}

/// What a check reports while it runs, in order: each crate as cargo compiles it, the end
/// of the build, then each verdict as it comes (a snapshot refused before the build gives
/// its verdict first). Progress bars, watch mode's loop and the reports read these.
///
/// Owned, so that a reader can pass an event on to another thread as it is (watch mode's
/// loop receives them so); a verdict is shared with the check's result, not copied.
#[derive(Debug, Clone)]
pub enum Event {
    /// Cargo compiled this crate.
    Compiled(String),
    Built,
    /// The warm-up began a step (`warm`).
    Warming(warm::Step),
    /// The verdict of `targets[target]`.
    Verdict {
        target: usize,
        verdict: Arc<Verdict>,
    },
}

/// Where a check's events go; a check may send them from several threads.
pub trait Events: Sync {
    fn event(&self, event: Event);
}

/// Each event to two readers in turn (a grade's progress lines and its report).
pub(crate) struct Both<'a>(pub(crate) &'a dyn Events, pub(crate) &'a dyn Events);

impl Events for Both<'_> {
    fn event(&self, event: Event) {
        self.0.event(event.clone());
        self.1.event(event);
    }
}

/// Events nobody reads.
pub struct Quiet;

impl Events for Quiet {
    fn event(&self, _event: Event) {}
}

/// Checks `targets` in `build_dir`: each file is read once (its snapshot) and composed into
/// the graded project, built with one cargo invocation, then run in parallel.
/// Verdicts come back in the order of `targets`.
pub(crate) fn check(
    build_dir: &Path,
    layers: &Layers,
    targets: &[Target<'_>],
    options: &Options,
    events: &dyn Events,
) -> Result<Vec<Verdict>, CheckError> {
    let start = Instant::now();
    let mut verdicts: Vec<Option<Arc<Verdict>>> = vec![None; targets.len()];
    // Each file is read once and composed in memory; nothing is written before the lock of
    // the project that builds it is held.
    let mut ready: Vec<(usize, Composed)> = Vec::new();
    for (i, target) in targets.iter().enumerate() {
        let snapshot = match &target.snapshot {
            Some(text) => Ok(text.clone()),
            None => match std::fs::read(&target.source) {
                Ok(bytes) => String::from_utf8(bytes).map_err(|_| Rejection::NotText),
                Err(_) => Err(Rejection::Missing),
            },
        };
        let prepared = match snapshot {
            Ok(text) => compose::plan(build_dir, target, &text, layers, options),
            Err(rejection) => Prepared::Rejected(rejection),
        };
        match prepared {
            Prepared::Ready(composed) => ready.push((i, composed)),
            Prepared::Rejected(rejection) => {
                let verdict = Arc::new(rejected(target, &rejection));
                events.event(Event::Verdict {
                    target: i,
                    verdict: verdict.clone(),
                });
                verdicts[i] = Some(verdict);
            }
        }
    }
    if ready.is_empty() {
        return Ok(in_order(verdicts));
    }
    let projects = compose::projects(build_dir, layers, options);
    let used: Vec<&compose::Project> = projects
        .iter()
        .filter(|p| ready.iter().any(|(_, c)| p.layers.contains(&c.layer)))
        .collect();
    // One check at a time composes and builds in a project (two terminals, one workspace); a
    // warm-up in progress there gives way to this check (`warm`). Projects are locked in
    // one order, so two checks never wait for each other's.
    let mut locks = Vec::new();
    for project in &used {
        let claim = warm::claim(&project.dir).map_err(CheckError::Io)?;
        let lock = crate::sys::files::lock_file(&project.dir.join(warm::BUILDING))
            .map_err(CheckError::Io)?;
        locks.push((claim, lock));
    }
    let runs = compose::project_dir(build_dir);
    sweep_runs(&runs);

    let mut bins = compose::Bins::new();
    for project in &used {
        let here: Vec<&Target<'_>> = ready
            .iter()
            .filter(|(_, c)| project.layers.contains(&c.layer))
            .map(|(i, _)| &targets[*i])
            .collect();
        compose::write_support_of(&project.dir, &here).map_err(CheckError::Io)?;
    }
    for (i, composed) in &mut ready {
        let project = compose::project_of(&projects, composed.layer);
        compose::place(&project.dir, &targets[*i], composed, &mut bins).map_err(CheckError::Io)?;
    }
    let mut build = cargo::Build {
        success: true,
        ..Default::default()
    };
    for project in &used {
        compose::write_manifest(build_dir, project, layers, &bins).map_err(CheckError::Io)?;
        // One cargo per layer, smallest first: cargo picks a crate's features from the
        // packages it builds together, and a layer built alone is what a learner's next
        // check builds too. Grading builds once and is not checked again: one cargo for every
        // layer of the project, each crate compiled once with every feature, and both cores
        // busy to the end.
        let here: Vec<usize> = bins
            .keys()
            .copied()
            .filter(|layer| project.layers.contains(layer))
            .collect();
        let groups: Vec<Option<usize>> = if options.strict && here.len() > 1 {
            vec![None]
        } else {
            here.into_iter().map(Some).collect()
        };
        for layer in groups {
            let in_group = |c: &Composed| match layer {
                Some(layer) => c.layer == layer,
                None => project.layers.contains(&c.layer),
            };
            let here: Vec<&Target<'_>> = ready
                .iter()
                .filter(|(_, composed)| in_group(composed))
                .map(|(i, _)| &targets[*i])
                .collect();
            let programs: Vec<&str> = here
                .iter()
                .filter(|t| modes::of(t.exercise.mode).builds_program())
                .map(|t| t.bin.as_str())
                .collect();
            // A check of one file builds it alone; a check of many builds them all as the
            // warm-up does, whichever layer has only one of them.
            let selection = match (&here[..], programs.len(), ready.len()) {
                ([only], 1, 1) => cargo::Selection::OneProgram(&only.bin),
                ([only], _, 1) => cargo::Selection::OneTest(&only.bin),
                _ => cargo::Selection::All {
                    programs: &programs,
                },
            };
            let package = layer.map(compose::layer_package);
            let layer_build = cargo::build(
                &project.dir,
                Some(&project.target_dir),
                package.as_deref(),
                selection,
                options,
                events,
                cargo::Priority::Check,
            )?;
            // A full disk says nothing about anyone's code: no verdict rather than a false one.
            if layer_build.disk_full() {
                return Err(CheckError::DiskFull(project.target_dir.clone()));
            }
            build.merge(layer_build);
        }
    }
    // Fresh mutants' tokens live only in the built programs from now on.
    for (_, composed) in &ready {
        if !composed.mutant_tokens.is_empty() && composed.tokens_kept_in.is_none() {
            let _ = std::fs::write(&composed.path, "");
        }
    }
    // This check runs its own links to the programs it built: another check that rebuilds
    // them meanwhile (two terminals, one exercise) cannot swap a program under this one.
    let _programs = pin_programs(&runs, &mut build).map_err(CheckError::Io)?;
    drop(locks);
    events.event(Event::Built);
    let build_time = start.elapsed();

    let next = AtomicUsize::new(0);
    let results = Mutex::new(Vec::new());
    let workers = runs_at_once(options).min(ready.len());
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                loop {
                    let k = next.fetch_add(1, Ordering::SeqCst);
                    let Some((i, composed)) = ready.get(k) else {
                        break;
                    };
                    let run_start = Instant::now();
                    let mut verdict = run_one(build_dir, &targets[*i], composed, &build);
                    verdict.duration = build_time + run_start.elapsed();
                    let verdict = Arc::new(verdict);
                    events.event(Event::Verdict {
                        target: *i,
                        verdict: verdict.clone(),
                    });
                    results
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .push((*i, verdict));
                }
            });
        }
    });
    for (i, verdict) in results.into_inner().unwrap_or_else(|e| e.into_inner()) {
        verdicts[i] = Some(verdict);
    }
    Ok(in_order(verdicts))
}

/// The verdicts given, in the order of their targets. A verdict an event's reader still
/// holds (watch mode's loop, not yet at it) is copied; the others are taken as they are.
fn in_order(verdicts: Vec<Option<Arc<Verdict>>>) -> Vec<Verdict> {
    verdicts
        .into_iter()
        .flatten()
        .map(Arc::unwrap_or_clone)
        .collect()
}

/// How many programs a check runs at once. A learner's checks run two per core: most tests
/// of a backend exercise wait (for a deadline, a retry, a peer's reply) more than they
/// compute, and the first `c` after the warm-up took 11.1 s with one run per core against
/// 7.7 to 8.8 s with two. Grading runs one per core: its verdicts are final, and a loaded
/// machine must not stretch a test that measures time.
fn runs_at_once(options: &Options) -> usize {
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    if options.strict { cores } else { 2 * cores }
}

/// The target folder of a build folder's projects: the build project's, so that dependencies
/// are compiled once for both; a CARGO_TARGET_DIR the user set applies to both, as it does to
/// cargo itself (but in strict mode).
pub(crate) fn target_dir(build_dir: &Path, options: &Options) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .filter(|_| !options.strict)
        .map_or_else(|| build_dir.join("target"), PathBuf::from)
}

/// The start of the name of a folder under `runs/` that this process owns: `run-<pid>-`.
fn owned_prefix(kind: &str) -> String {
    format!("{kind}-{}-", std::process::id())
}

/// Removes the folders under `runs/` whose process is gone: a check killed outright (kill -9,
/// a power cut) leaves its programs' links and its scratch folders behind. A folder of a
/// process still running (a second terminal's check) is kept.
fn sweep_runs(project: &Path) {
    let Ok(entries) = std::fs::read_dir(project.join("runs")) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let owner = name
            .to_str()
            .and_then(|n| n.split('-').nth(1))
            .and_then(|pid| pid.parse::<crate::sys::processes::ProcessId>().ok());
        // Folders of older versions (`run-XXXXXX`) have no owner in their name: keep them.
        if owner.is_some_and(|pid| !crate::sys::processes::exists(pid)) {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// Links every program of `build` into a folder of this check's own (under the build lock),
/// and points `build` at the links. The linker writes a new file for each build, so a link
/// keeps the program as this check built it. Removed when the returned folder is dropped.
fn pin_programs(project: &Path, build: &mut cargo::Build) -> std::io::Result<tempfile::TempDir> {
    let runs = project.join("runs");
    std::fs::create_dir_all(&runs)?;
    let dir = tempfile::Builder::new()
        .prefix(&owned_prefix("bin"))
        .tempdir_in(&runs)?;
    for (kind, map) in [("test", &mut build.tests), ("run", &mut build.programs)] {
        for (name, path) in map.iter_mut() {
            let pinned = dir.path().join(format!("{name}.{kind}"));
            if std::fs::hard_link(&*path, &pinned).is_err() {
                std::fs::copy(&*path, &pinned)?;
            }
            *path = pinned;
        }
    }
    Ok(dir)
}

/// The verdict on a snapshot that was not built.
fn rejected(target: &Target<'_>, rejection: &Rejection) -> Verdict {
    let (outcome, line) = match rejection {
        Rejection::MarkerRemoved => (Outcome::Tampered, None),
        Rejection::TestsChanged { line, .. } => (Outcome::Tampered, Some(*line)),
        Rejection::Unclosed { line, .. } => (Outcome::CompileError, Some(*line)),
        Rejection::Redefines { found } => (Outcome::Tampered, found.first().map(|(line, _)| *line)),
        Rejection::Rules { findings } => (
            match findings.iter().any(|f| f.rule == rules::Rule::Tampers) {
                true => Outcome::Tampered,
                false => Outcome::Failed,
            },
            findings.first().map(|f| f.line),
        ),
        Rejection::NoTestsMarker | Rejection::NoTests => (Outcome::Failed, None),
        Rejection::Missing | Rejection::NotText => (Outcome::CompileError, None),
    };
    let finding = Finding::Rejected {
        file: target.shown_as.display().to_string(),
        rejection: rejection.clone(),
    };
    Verdict {
        line,
        ..Verdict::new(&target.exercise.name, outcome, finding)
    }
}

fn run_one(
    build_dir: &Path,
    target: &Target<'_>,
    composed: &Composed,
    build: &cargo::Build,
) -> Verdict {
    let ex = target.exercise;
    let mode = modes::of(ex.mode);
    let executable = if mode.builds_program() {
        build.programs.get(&target.bin)
    } else {
        build.tests.get(&target.bin)
    };
    let diagnostics = build
        .diagnostics
        .get(&target.bin)
        .map(|d| d.items.clone())
        .unwrap_or_default();
    let Some(exe) = executable else {
        let mut verdict = verdict_of(ex, compile_failure(target, build));
        verdict.diagnostics = diagnostics;
        return verdict;
    };
    if let Some(line) = composed.unreadable {
        let finding = Finding::Unreadable {
            file: target.shown_as.display().to_string(),
            line,
        };
        return Verdict {
            line: Some(line),
            ..Verdict::new(&ex.name, Outcome::Tampered, finding)
        };
    }
    let mut verdict = mode.grade(exe, build_dir, target, composed);
    // When the code does not do what it should, the compiler's warnings often say why (an
    // unused future that was never awaited, a value computed and dropped).
    // Not what the unfinished `todo!()` stubs alone cause (course::stubs says which).
    let stubs = match verdict.passed() {
        true => crate::course::stubs::Stubs::default(),
        false => target
            .snapshot
            .clone()
            .or_else(|| std::fs::read_to_string(&target.source).ok())
            .map(|source| crate::course::stubs::Stubs::of(&source))
            .unwrap_or_default(),
    };
    if !verdict.passed() {
        verdict.warnings = diagnostics
            .iter()
            .filter(|d| {
                d.level == "warning"
                    && !stubs.explain_warning(
                        d.code.as_deref(),
                        d.span.as_deref(),
                        &target.shown_as,
                    )
            })
            .map(|d| d.rendered.trim_end().to_string())
            .collect();
    }
    verdict.diagnostics = diagnostics;
    verdict
}

/// Runs a learner's program once, under the exercise's limits, and grades what it printed.
fn run_program(executable: &Path, build_dir: &Path, target: &Target<'_>) -> judge::Judgement {
    let ex = target.exercise;
    let run = Scratch::new(build_dir).and_then(|scratch| {
        let mut command = scratch.command(executable, ex);
        command.env("RUST_BACKTRACE", "0");
        process::run_limited(command, ex.timeout, OUTPUT_CAP, target.cancel.as_deref())
    });
    match run {
        Ok(run) => judge::program_run(&run, ex.timeout.as_secs(), ex.expected_output.as_deref()),
        Err(e) => not_started(&e),
    }
}

/// A private folder for one run of a learner's program: the only place it may write, where
/// the test harness also writes its log. Removed when dropped.
struct Scratch(tempfile::TempDir);

impl Scratch {
    fn new(build_dir: &Path) -> std::io::Result<Scratch> {
        let runs = compose::project_dir(build_dir).join("runs");
        std::fs::create_dir_all(&runs)?;
        // tempfile makes the folder with mode 0700 and a name nobody can predict.
        Ok(Scratch(
            tempfile::Builder::new()
                .prefix(&owned_prefix("run"))
                .tempdir_in(runs)?,
        ))
    }

    fn path(&self) -> &Path {
        self.0.path()
    }

    /// A command that runs `executable` confined to this folder (see `sys::sandbox`).
    fn command(&self, executable: &Path, ex: &Exercise) -> Command {
        let policy = crate::sys::sandbox::Policy {
            scratch: self.path().to_path_buf(),
            readable: executable
                .parent()
                .map(Path::to_path_buf)
                .into_iter()
                .collect(),
            // CPU seconds count every thread: room for two busy threads for the whole time
            // limit, after which the kernel ends the run even if the runner is gone.
            cpu_secs: 2 * ex.timeout.as_secs() + 5,
            network: ex.allow.contains(&crate::course::Capability::Network),
        };
        crate::sys::sandbox::command(executable, &policy)
    }
}

fn not_started(e: &std::io::Error) -> judge::Judgement {
    judge::Judgement::failed(Finding::NotStarted {
        error: e.to_string(),
    })
}

/// Runs a test harness on exactly `tests` and reads back what happened to each of them.
pub(crate) fn run_harness(
    executable: &Path,
    build_dir: &Path,
    target: &Target<'_>,
    tests: &[(String, usize)],
    mutant_token: Option<&str>,
) -> std::io::Result<(process::RunOutput, Vec<TestResult>)> {
    let scratch = Scratch::new(build_dir)?;
    let log = scratch.path().join("results.log");
    let names: Vec<String> = tests.iter().map(|(n, _)| n.clone()).collect();
    let mut command = scratch.command(executable, target.exercise);
    command
        .env("RUST_BACKTRACE", "0")
        .env(libtest::UNSTABLE_VAR.0, libtest::UNSTABLE_VAR.1)
        .env_remove(modes::MUTANT_VAR)
        .args(libtest::args(&log, &names));
    for var in HARNESS_VARS {
        command.env_remove(var);
    }
    if let Some(token) = mutant_token {
        command.env(modes::MUTANT_VAR, token);
    }
    let run = process::run_limited(
        command,
        target.exercise.timeout,
        OUTPUT_CAP,
        target.cancel.as_deref(),
    )?;
    // The log is in the run's scratch folder: read it as a regular file only, capped (a run
    // could have replaced it with a pipe or a link to a device).
    let logged = crate::sys::files::read_regular(&log, OUTPUT_CAP as u64)
        .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
        .unwrap_or_default();
    let results = libtest::results(tests, &logged, &run.stdout);
    Ok((run, results))
}

/// Runs the grading tests `tests` and grades them, each test's result kept in the verdict.
fn judge_tests(
    executable: &Path,
    build_dir: &Path,
    target: &Target<'_>,
    tests: &[(String, usize)],
) -> Verdict {
    match run_harness(executable, build_dir, target, tests, None) {
        Ok((run, results)) => {
            let graded = judge::test_run(&run, target.exercise.timeout.as_secs(), &results);
            Verdict {
                tests: results,
                ..verdict_of(target.exercise, graded)
            }
        }
        Err(e) => verdict_of(target.exercise, not_started(&e)),
    }
}

/// A verdict from a grade; the caller adds the tests, survivors, line and diagnostics, and
/// the duration is set once the check has timed it.
fn verdict_of(ex: &Exercise, graded: judge::Judgement) -> Verdict {
    Verdict::new(&ex.name, graded.outcome, graded.finding)
}

fn compile_failure(target: &Target<'_>, build: &cargo::Build) -> judge::Judgement {
    let finding = match build.diagnostics.get(&target.bin) {
        Some(d) if !d.errors.is_empty() => Finding::DidNotCompile {
            errors: d
                .errors
                .iter()
                .filter(|e| !e.contains("aborting due to"))
                .cloned()
                .collect(),
        },
        _ => Finding::BuildFailed {
            cargo_stderr: build.cargo_stderr.clone(),
        },
    };
    judge::Judgement {
        outcome: Outcome::CompileError,
        finding,
    }
}
