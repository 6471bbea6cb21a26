//! End-to-end: starting without waiting. `init` starts the warm-up in the background; a
//! check never waits for it; watch mode takes it over and stops it on quit; the next start
//! resumes it; `warm` waits for it and says when everything is built.
//!
//! The course has one dependency, a local crate whose build script waits for a gate file
//! that the test opens (and leaves a file when it is done): the warm-up is still building
//! it when the first check comes, however slow or loaded the machine, without any timing
//! in the test.

use super::support::*;

use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// How long the dependency's build script waits for its gate at most, so that a test that
/// fails before opening it leaves nothing running for long.
const GATE_TIMEOUT_SECS: u64 = 300;

struct Course {
    _tmp: tempfile::TempDir,
    root: PathBuf,
    /// Written by the dependency's build script when it finishes.
    built: PathBuf,
    /// The dependency's build script finishes only once this file exists.
    gate: PathBuf,
}

impl Course {
    /// `first` needs only std; `second` uses the slow dependency.
    fn new() -> Course {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().to_path_buf();
        let built = root.join("slowdep-built");
        let gate = root.join("slowdep-gate");
        let slowdep = root.join("slowdep");
        write(
            &slowdep.join("Cargo.toml"),
            "[package]\nname = \"slowdep\"\nversion = \"0.1.0\"\nedition = \"2024\"\n",
        );
        write(
            &slowdep.join("src/lib.rs"),
            "pub fn forty() -> u32 { 40 }\n",
        );
        write(
            &slowdep.join("build.rs"),
            &format!(
                "fn main() {{\n    let start = std::time::Instant::now();\n    \
                 while !std::path::Path::new({gate:?}).exists() {{\n        \
                 assert!(start.elapsed().as_secs() < {GATE_TIMEOUT_SECS}, \"the gate never opened\");\n        \
                 std::thread::sleep(std::time::Duration::from_millis(50));\n    }}\n    \
                 std::fs::write({built:?}, \"\").unwrap();\n}}\n",
                gate = gate.display().to_string(),
                built = built.display().to_string(),
            ),
        );
        let info = format!(
            "{INFO}\n[dependencies]\nslowdep = {{ path = {:?} }}\n",
            slowdep.display().to_string()
        );
        let course = root.join("course");
        let second = |body: &str| {
            exercise("second", body).replacen("fn answer", "use slowdep::forty;\n\nfn answer", 1)
        };
        for (path, text) in [
            ("info.toml", info),
            ("exercises/00_basics/first.rs", exercise("first", "0")),
            ("solutions/00_basics/first.rs", solution("first", "42")),
            ("exercises/00_basics/second.rs", second("forty()")),
            (
                "solutions/00_basics/second.rs",
                second("forty() + 2")
                    .replace("// TODO: return the answer.", "// Returns the answer."),
            ),
            (
                "exercises/01_more/printer.rs",
                "// TODO: print 42.\nfn main() {\n    println!(\"41\");\n}\n".into(),
            ),
            (
                "solutions/01_more/printer.rs",
                "// Prints 42.\nfn main() {\n    println!(\"42\");\n}\n".into(),
            ),
        ] {
            write(&course.join(path), &text);
        }
        Course {
            _tmp: tmp,
            root,
            built,
            gate,
        }
    }

    /// Lets the dependency's build script finish.
    fn open_gate(&self) {
        write(&self.gate, "");
    }

    /// `init` as a learner runs it: the warm-up starts in the background.
    fn init(&self) -> PathBuf {
        let out = Run::from(
            command(&self.root)
                .args(["init", "ws", "--course", "course"])
                .env("BACKENDLINGS_TRUST_COURSE", "1")
                .output()
                .unwrap(),
        );
        out.expect(0, &["Created ws", "being built in the background"]);
        self.root.join("ws")
    }
}

fn run(ws: &Path, args: &[&str]) -> Run {
    Run::from(command(ws).args(args).output().unwrap())
}

/// Waits until `done` holds, for at most two minutes.
fn wait_until(what: &str, done: impl Fn() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "still not {what}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The process id of the dependency's build script, while it runs.
fn build_script(needle: &str) -> Option<String> {
    fs::read_dir("/proc").unwrap().flatten().find_map(|entry| {
        let cmdline = fs::read(entry.path().join("cmdline")).ok()?;
        let cmdline = String::from_utf8_lossy(&cmdline);
        (cmdline.contains(needle) && cmdline.contains("build-script-build"))
            .then(|| entry.file_name().to_string_lossy().into_owned())
    })
}

#[test]
fn a_check_after_init_does_not_wait_for_the_warm_up_and_warm_waits_for_it() {
    let course = Course::new();
    let ws = course.init();
    // The std-only exercise is checked while the dependency is still being built, and the
    // build goes on: a std-only exercise is built in a project of its own.
    let needle = course.root.display().to_string();
    wait_until("building", || build_script(&needle).is_some());
    let building = build_script(&needle);
    run(&ws, &["run", "first"]).expect(1, &["answer() should be 42"]);
    assert!(
        !course.built.exists(),
        "the check waited for the warm-up's dependency build"
    );
    assert_eq!(
        build_script(&needle),
        building,
        "the check of a std-only exercise stopped the warm-up's build"
    );
    // `warm` waits for the warm-up init started, then finds everything built.
    course.open_gate();
    run(&ws, &["warm"]).expect(0, &["The course is built"]);
    assert!(course.built.exists());
    let log = fs::read_to_string(ws.join(".backendlings/warm.log")).unwrap();
    assert!(log.contains("warming up (1 of"), "{log}");
    // The exercise that uses the dependency is checked in its own layer, already warm.
    fs::write(
        ws.join("exercises/00_basics/second.rs"),
        fs::read_to_string(course.root.join("course/solutions/00_basics/second.rs")).unwrap(),
    )
    .unwrap();
    run(&ws, &["run", "second"]).expect(0, &["passed"]);
    let needle = course.root.display().to_string();
    let left = processes_with(&needle);
    assert!(left.is_empty(), "a warm-up outlived its work: {left:?}");
}

#[test]
fn watch_takes_the_warm_up_over_stops_it_on_quit_and_the_next_start_resumes_it() {
    let course = Course::new();
    let ws = course.init();
    let mut first = Watcher::start(&ws);
    assert_eq!(first.next("verdict")["exercise"], "first");
    first.next("warming_up");
    assert!(
        !course.built.exists(),
        "the first verdict waited for the dependency build"
    );
    // A second terminal on the same workspace checks too, and leaves the warm-up to the first.
    let second = Watcher::start(&ws);
    assert_eq!(second.next("verdict")["outcome"], "failed");
    let seen = second.events_for(Duration::from_secs(2));
    assert!(
        !seen.iter().any(|e| e["event"] == "warming_up"),
        "two warm-ups at once: {seen:?}"
    );
    drop(second);

    // Quitting stops the warm-up: no build of it is left running.
    first.send("quit");
    let _ = first.child.wait();
    let needle = course.root.display().to_string();
    wait_until("stopped", || {
        processes_with(&needle)
            .iter()
            .all(|p| !p.contains("build-script") && !p.contains("rustc"))
    });
    assert!(!course.built.exists(), "the warm-up was not stopped");

    // The next start resumes it, to the end.
    course.open_gate();
    let again = Watcher::start(&ws);
    again.next("warming_up");
    let start = Instant::now();
    loop {
        let event = again
            .lines
            .recv_timeout(Duration::from_secs(120))
            .expect("no warmed_up event");
        if event["event"] == "warmed_up" {
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(120));
    }
    assert!(course.built.exists());
}

#[test]
fn a_check_that_needs_a_crate_not_built_yet_shows_it_being_built() {
    let course = Course::new();
    let out = Run::from(
        command(&course.root)
            .args(["init", "ws", "--no-warm", "--course", "course"])
            .env("BACKENDLINGS_TRUST_COURSE", "1")
            .output()
            .unwrap(),
    );
    out.expect(0, &["Created ws"]);
    course.open_gate();
    let mut w = Watcher::start(&course.root.join("ws"));
    assert_eq!(w.next("verdict")["exercise"], "first");
    w.send(r#"{"cmd":"check","exercise":"second"}"#);
    let building = w.next("building");
    assert_eq!(building["exercise"], "second", "{building}");
    let mut crates = vec![building["crate"].as_str().unwrap().to_string()];
    let verdict = loop {
        let event = w
            .lines
            .recv_timeout(Duration::from_secs(120))
            .expect("no verdict");
        match event["event"].as_str() {
            Some("building") => crates.push(event["crate"].as_str().unwrap().to_string()),
            Some("verdict") => break event,
            _ => {}
        }
    };
    assert!(crates.iter().any(|c| c == "slowdep"), "{crates:?}");
    assert_eq!(
        (verdict["exercise"].as_str(), verdict["outcome"].as_str()),
        (Some("second"), Some("failed"))
    );
}

#[test]
fn a_warm_up_killed_outright_leaves_no_cargo_behind() {
    let course = Course::new();
    let ws = course.init();
    // Cargo's command line names no path: it runs in the workspace's graded project.
    let cargo_running = || {
        fs::read_dir("/proc").unwrap().flatten().any(|e| {
            fs::read_to_string(e.path().join("comm")).is_ok_and(|c| c.trim() == "cargo")
                && fs::read_link(e.path().join("cwd")).is_ok_and(|cwd| cwd.starts_with(&ws))
        })
    };
    // Killed while the dependency's build script waits at its gate: cargo has nothing to
    // write meanwhile, so it does not learn from a closed pipe that nobody reads it any more.
    let needle = course.root.display().to_string();
    wait_until("building", || {
        processes_with(&needle)
            .iter()
            .any(|p| p.contains("build-script-build"))
    });
    assert!(cargo_running());
    let warm: Vec<i32> = fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|e| {
            let cmdline = fs::read(e.path().join("cmdline")).ok()?;
            let cmdline = String::from_utf8_lossy(&cmdline).replace('\0', " ");
            let pid = e.file_name().to_str()?.parse().ok()?;
            let cwd = fs::read_link(e.path().join("cwd")).ok()?;
            (cmdline.starts_with(BIN) && cmdline.contains(" warm") && cwd == ws).then_some(pid)
        })
        .collect();
    assert_eq!(warm.len(), 1, "one warm-up: {warm:?}");
    // kill -9: nothing of the runner's own runs after it, its cargo included.
    std::process::Command::new("kill")
        .args(["-9", &warm[0].to_string()])
        .status()
        .unwrap();
    wait_until("gone", || !cargo_running());
    // The build script cargo had started goes too, or it would finish the build once the
    // gate opens.
    wait_until("no build script left", || {
        !processes_with(&needle)
            .iter()
            .any(|p| p.contains("build-script-build"))
    });
    course.open_gate();
    std::thread::sleep(Duration::from_millis(500));
    assert!(
        !course.built.exists(),
        "the build went on to its end instead of stopping"
    );
}

/// Every file cargo wrote under the workspace's target folder, with when it was written (the
/// composed sources and the checks' scratch folders left out: they are not compiled code).
fn compiled(ws: &Path) -> Vec<(PathBuf, std::time::SystemTime)> {
    let mut files = Vec::new();
    let mut stack = vec![ws.join("target")];
    while let Some(dir) = stack.pop() {
        for entry in fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if entry.file_name() == "backendlings-graded" {
                continue;
            }
            if path.is_dir() {
                stack.push(path);
            } else {
                let written = entry.metadata().unwrap().modified().unwrap();
                files.push((path, written));
            }
        }
    }
    files.sort();
    files
}

/// Issue 18, 13: the first `c` took 99 s, because no exercise's program had been built. The
/// warm-up builds each exercise's program too (a mutants exercise's included), as its file
/// is: once it is over, checking everything compiles nothing.
#[test]
fn after_the_warm_up_checking_every_exercise_compiles_nothing() {
    // The learner has written tests for the mutants exercise (they catch both bugs).
    let f = mutants_fixture(
        "#[cfg(test)]\nmod tests {\n    use super::*;\n\n    #[test]\n    fn boundary() {\n        assert_eq!(shipping(49), 5);\n        assert_eq!(shipping(50), 0);\n    }\n}\n",
    );
    run(&f.ws, &["warm"]).expect(0, &["The course is built"]);
    let built = compiled(&f.ws);
    for program in ["first", "second", "printer", "shipping"] {
        assert!(
            built.iter().any(|(p, _)| p
                .file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with(&format!("{program}-"))),
            "the warm-up did not build {program}: {built:?}"
        );
    }
    run(&f.ws, &["check-all"]).expect(1, &["1 of 4 exercises pass"]);
    let after = compiled(&f.ws);
    let rebuilt: Vec<_> = after.iter().filter(|file| !built.contains(file)).collect();
    assert!(rebuilt.is_empty(), "check-all compiled: {rebuilt:?}");
}
