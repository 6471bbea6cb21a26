//! Builds exercises with one cargo invocation and reads its JSON messages: the test
//! executables it produced and the compiler's rendered diagnostics per target.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read as _};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde::Deserialize;

use super::{CheckError, Options};

/// What to build.
pub(crate) enum Selection<'a> {
    /// One exercise's test harness (`cargo test --no-run --bin X`).
    OneTest(&'a str),
    /// One exercise's program (`cargo build --bin X`).
    OneProgram(&'a str),
    /// Every bin's test harness, and the listed programs, continuing past errors.
    All { programs: &'a [&'a str] },
    /// A program nothing else depends on, built for what it depends on: in the graded
    /// project, a layer's empty program, which builds the layer's dependencies.
    DependenciesOf(&'a str),
}

#[derive(Debug, Default)]
pub(crate) struct Build {
    /// Test harness executables, by bin name.
    pub(crate) tests: HashMap<String, PathBuf>,
    /// Program executables, by bin name.
    pub(crate) programs: HashMap<String, PathBuf>,
    /// rustc's rendered errors and warnings, by bin name.
    pub(crate) diagnostics: HashMap<String, Diagnostics>,
    /// What cargo itself printed on stderr (shown when the build failed without diagnostics).
    pub(crate) cargo_stderr: String,
    pub(crate) success: bool,
    /// The build was stopped before it ended (`Priority::Background`).
    pub(crate) stopped: bool,
}

#[derive(Debug, Default, Clone)]
pub(crate) struct Diagnostics {
    /// rustc's rendering of each error and warning, as it prints them.
    pub(crate) errors: Vec<String>,
    pub(crate) warnings: Vec<String>,
    /// The same diagnostics as data, in the order rustc reported them.
    pub(crate) items: Vec<Diagnostic>,
}

/// One compiler diagnostic: what, and where its primary span is.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, Deserialize)]
pub struct Diagnostic {
    /// `error` or `warning` (rustc's level; notes and helps are part of the rendering).
    pub level: String,
    /// The lint or error code, e.g. `E0308` or `unused_must_use`.
    pub code: Option<String>,
    pub message: String,
    /// `file:line:column` of the primary span.
    pub span: Option<String>,
    pub rendered: String,
}

#[derive(Deserialize)]
struct Message {
    reason: String,
    target: Option<Target>,
    profile: Option<Profile>,
    executable: Option<PathBuf>,
    message: Option<CompilerMessage>,
    success: Option<bool>,
}

#[derive(Deserialize)]
struct Target {
    name: String,
    kind: Vec<String>,
}

#[derive(Deserialize)]
struct Profile {
    test: bool,
}

#[derive(Deserialize)]
struct CompilerMessage {
    level: String,
    rendered: Option<String>,
    #[serde(default)]
    message: String,
    code: Option<Code>,
    #[serde(default)]
    spans: Vec<Span>,
}

#[derive(Deserialize)]
struct Code {
    code: String,
}

#[derive(Deserialize)]
struct Span {
    file_name: String,
    line_start: usize,
    column_start: usize,
    is_primary: bool,
}

impl Build {
    /// Adds what another cargo invocation built.
    pub(crate) fn merge(&mut self, other: Build) {
        self.tests.extend(other.tests);
        self.programs.extend(other.programs);
        self.diagnostics.extend(other.diagnostics);
        self.cargo_stderr.push_str(&other.cargo_stderr);
        self.success &= other.success;
        self.stopped |= other.stopped;
    }

    /// Did the build stop because the disk is full (cargo's or rustc's own words)?
    pub(crate) fn disk_full(&self) -> bool {
        const NO_SPACE: &str = "No space left on device";
        self.cargo_stderr.contains(NO_SPACE)
            || self
                .diagnostics
                .values()
                .flat_map(|d| &d.errors)
                .any(|e| e.contains(NO_SPACE))
    }

    /// Takes in one line of cargo's JSON output; returns the crate's name when a crate was
    /// compiled.
    fn read_message(&mut self, line: &str) -> Option<String> {
        let msg = serde_json::from_str::<Message>(line).ok()?;
        match msg.reason.as_str() {
            "compiler-artifact" => {
                let target = msg.target?;
                let is_bin = target.kind.iter().any(|k| k == "bin");
                if let (true, Some(exe)) = (is_bin, msg.executable) {
                    let is_test = msg.profile.is_some_and(|p| p.test);
                    let map = if is_test {
                        &mut self.tests
                    } else {
                        &mut self.programs
                    };
                    map.insert(target.name.clone(), exe);
                }
                return Some(target.name);
            }
            "compiler-message" => {
                let (target, message) = (msg.target?, msg.message?);
                let rendered = message.rendered?;
                let entry = self.diagnostics.entry(target.name).or_default();
                let list = if message.level.starts_with("error") {
                    &mut entry.errors
                } else {
                    &mut entry.warnings
                };
                // The test and the normal build of a bin report the same diagnostic twice.
                if !list.contains(&rendered) {
                    list.push(rendered.clone());
                    let span =
                        message.spans.iter().find(|s| s.is_primary).map(|s| {
                            format!("{}:{}:{}", s.file_name, s.line_start, s.column_start)
                        });
                    let level = if message.level.starts_with("error") {
                        "error"
                    } else {
                        "warning"
                    };
                    entry.items.push(Diagnostic {
                        level: level.into(),
                        code: message.code.map(|c| c.code),
                        message: message.message,
                        span,
                        rendered,
                    });
                }
            }
            "build-finished" => self.success = msg.success.unwrap_or(false),
            _ => {}
        }
        None
    }
}

/// Whom a build is for.
#[derive(Clone, Copy)]
pub(crate) enum Priority<'a> {
    /// A check: as fast as it can go, to its end.
    Check,
    /// The warm-up: below every check in CPU priority (a check the learner asks for
    /// meanwhile, in a project of its own, gets the cores first), and stopped (cargo and
    /// every compiler it started killed) as soon as the function says so: the warm-up gives
    /// way to a check in its own project that way. A stopped build has `stopped` set; what
    /// cargo finished before is kept, and the next build starts from there.
    Background(&'a (dyn Fn() -> bool + Sync)),
}

/// Runs cargo in `dir`; each crate compiled is an `Event::Compiled` to `events`.
pub(crate) fn build(
    dir: &Path,
    target_dir: Option<&Path>,
    package: Option<&str>,
    selection: Selection<'_>,
    options: &Options,
    events: &dyn super::Events,
    priority: Priority<'_>,
) -> Result<Build, CheckError> {
    let format = if options.color {
        "--message-format=json-diagnostic-rendered-ansi"
    } else {
        "--message-format=json"
    };
    let mut command = Command::new(cargo_program(options));
    match selection {
        Selection::OneTest(bin) => {
            command.args(["test", "--no-run", format, "--bin", bin]);
        }
        Selection::OneProgram(bin) => {
            command.args(["build", format, "--bin", bin]);
        }
        Selection::All { programs } => {
            command.args(["build", "--tests", "--keep-going", format]);
            for bin in programs {
                command.args(["--bin", bin]);
            }
        }
        Selection::DependenciesOf(bin) => {
            command.args(["build", format, "--bin", bin]);
        }
    }
    if let Some(package) = package {
        command.args(["--package", package]);
    }
    if options.strict {
        for var in super::UNTRUSTED_VARS {
            command.env_remove(var);
        }
    }
    // An incremental cache pays off for a file checked again and again (a learner's saves)
    // and costs 70% more time on its first build: grading, and builds of many programs at once
    // (the warm-up, check-all, dev check) do without. Cargo rebuilds a program when this
    // changes, so the warm-up and check-all build alike, and a save rebuilds one program.
    if options.strict || matches!(selection, Selection::All { .. }) {
        command.env("CARGO_INCREMENTAL", "0");
    }
    if let Some(target_dir) = target_dir {
        command.env("CARGO_TARGET_DIR", target_dir);
    }
    command
        .current_dir(dir)
        .env(
            "CARGO_TERM_COLOR",
            if options.color { "always" } else { "never" },
        )
        .env("CARGO_TERM_PROGRESS_WHEN", "never")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    // Cargo leads a process group of its own, with the compilers and build scripts it starts,
    // and dies with the runner; the guard ends the rest of the group then.
    crate::sys::processes::dies_with_starter(&mut command);
    let stop = match priority {
        Priority::Check => &|| false,
        Priority::Background(stop) => {
            crate::sys::processes::yields_cpu(&mut command);
            stop
        }
    };
    crate::sys::processes::leads_own_group(&mut command);
    let mut child = command.spawn().map_err(CheckError::CargoMissing)?;
    let pid = child.id() as crate::sys::processes::ProcessId;
    crate::sys::processes::register(pid);
    let guard = crate::sys::processes::GroupGuard::start(pid);
    let stopped = std::sync::atomic::AtomicBool::new(false);
    let result = std::thread::scope(|scope| {
        // Watches `stop` while cargo runs; hears at once when cargo is done (the sender drops).
        let (done, finished) = std::sync::mpsc::channel::<()>();
        let stopped = &stopped;
        scope.spawn(move || {
            use std::sync::mpsc::RecvTimeoutError::Timeout;
            while let Err(Timeout) = finished.recv_timeout(std::time::Duration::from_millis(50)) {
                if stop() {
                    stopped.store(true, std::sync::atomic::Ordering::SeqCst);
                    crate::sys::processes::kill_tree(pid);
                    break;
                }
            }
        });
        let result = read_build(&mut child, events);
        drop(done);
        result
    });
    crate::sys::processes::unregister(pid);
    if let Some(guard) = guard {
        guard.release();
    }
    let mut build = result?;
    build.stopped = stopped.into_inner();
    Ok(build)
}

/// Reads cargo's messages until it exits.
fn read_build(
    child: &mut std::process::Child,
    events: &dyn super::Events,
) -> Result<Build, CheckError> {
    // Drain stderr on its own thread so that a chatty cargo never blocks on a full pipe.
    let mut stderr = child.stderr.take().expect("stderr is piped");
    let stderr_reader = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    });

    let mut build = Build::default();
    let stdout = child.stdout.take().expect("stdout is piped");
    for line in BufReader::new(stdout).lines() {
        let Ok(line) = line else { break };
        if let Some(crate_name) = build.read_message(&line) {
            events.event(super::Event::Compiled(crate_name));
        }
    }
    let status = child.wait().map_err(CheckError::CargoMissing)?;
    build.cargo_stderr = stderr_reader.join().unwrap_or_default();
    build.success &= status.success();
    Ok(build)
}

/// Whether cargo can be started at all (`cargo --version`).
pub(crate) fn available(options: &Options) -> Result<(), CheckError> {
    Command::new(cargo_program(options))
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map(|_| ())
        .map_err(CheckError::CargoMissing)
}

/// The cargo to run: `$BACKENDLINGS_CARGO` if set (a wrapper, a toolchain) but in strict
/// mode, else from PATH.
pub(crate) fn cargo_program(options: &Options) -> String {
    std::env::var("BACKENDLINGS_CARGO")
        .ok()
        .filter(|_| !options.strict)
        .unwrap_or_else(|| "cargo".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(lines: &[&str]) -> (Build, Vec<String>) {
        let mut build = Build::default();
        let compiled = lines.iter().filter_map(|l| build.read_message(l)).collect();
        (build, compiled)
    }

    #[test]
    fn test_and_program_executables_are_told_apart() {
        let (build, compiled) = read(&[
            r#"{"reason":"compiler-artifact","target":{"name":"serde","kind":["lib"]},"profile":{"test":false},"executable":null}"#,
            r#"{"reason":"compiler-artifact","target":{"name":"http1","kind":["bin"]},"profile":{"test":true},"executable":"/t/http1-abc"}"#,
            r#"{"reason":"compiler-artifact","target":{"name":"run1","kind":["bin"]},"profile":{"test":false},"executable":"/t/run1"}"#,
            r#"{"reason":"build-finished","success":true}"#,
        ]);
        assert_eq!(compiled, ["serde", "http1", "run1"]);
        assert_eq!(build.tests["http1"], PathBuf::from("/t/http1-abc"));
        assert_eq!(build.programs["run1"], PathBuf::from("/t/run1"));
        assert!(build.success);
    }

    #[test]
    fn a_full_disk_is_told_from_a_compile_error() {
        let full = r#"{"reason":"compiler-message","target":{"name":"http1","kind":["bin"]},"message":{"level":"error","rendered":"error: could not write output to http1.o: No space left on device (os error 28)"}}"#;
        let (build, _) = read(&[full]);
        assert!(build.disk_full());
        let error = r#"{"reason":"compiler-message","target":{"name":"http1","kind":["bin"]},"message":{"level":"error","rendered":"error[E0308]: mismatched types"}}"#;
        let (build, _) = read(&[error]);
        assert!(!build.disk_full());
    }

    #[test]
    fn diagnostics_are_kept_per_target_once_each() {
        let error = r#"{"reason":"compiler-message","target":{"name":"http1","kind":["bin"]},"message":{"level":"error","rendered":"error[E0308]: mismatched types","message":"mismatched types","code":{"code":"E0308"},"spans":[{"file_name":"exercises/01_http/http1.rs","line_start":3,"column_start":5,"is_primary":true}]}}"#;
        let warning = r#"{"reason":"compiler-message","target":{"name":"http1","kind":["bin"]},"message":{"level":"warning","rendered":"warning: unused variable"}}"#;
        let (build, _) = read(&[
            error,
            warning,
            error,
            "test output that is not JSON",
            r#"{"reason":"build-finished","success":false}"#,
        ]);
        let d = &build.diagnostics["http1"];
        assert_eq!(d.errors, ["error[E0308]: mismatched types"]);
        assert_eq!(d.warnings, ["warning: unused variable"]);
        assert_eq!(d.items.len(), 2);
        assert_eq!(d.items[0].code.as_deref(), Some("E0308"));
        assert_eq!(
            d.items[0].span.as_deref(),
            Some("exercises/01_http/http1.rs:3:5")
        );
        assert_eq!(d.items[1].level, "warning");
        assert!(!build.success);
    }
}
