//! End-to-end: what a learner's code cannot do to the grader or to a classmate: rename `std`
//! or hand-write comparisons (the parser sees through names and macros), write outside its
//! scratch folder, reach past loopback, outlive the runner, pass on a forged log, or slip
//! links and pipes into a class.

use super::support::*;

use std::fs;
use std::time::{Duration, Instant};

#[test]
fn std_renamed_or_comparisons_by_another_name_are_refused_with_their_line() {
    let f = Fixture::new();
    let file = f.ws.join("exercises/00_basics/first.rs");
    let attacks = [
        (
            "extern crate self as r#std;\n#[macro_export]\nmacro_rules! r#assert_eq { ($($t:tt)*) => {}; }\n",
            "first.rs:4: extern crate",
        ),
        (
            "use std::cmp::PartialEq as Same;\nstruct W;\nimpl Same for W { fn eq(&self, _: &W) -> bool { true } }\n",
            "first.rs:6: impl PartialEq for W",
        ),
        (
            "struct W;\nimpl<T> r#PartialEq<T> for W { fn eq(&self, _: &T) -> bool { true } }\n",
            "first.rs:5: impl PartialEq for W",
        ),
        (
            "struct W;\nmacro_rules! m { ($t:ident) => { impl $t for W { fn eq(&self, _: &W) -> bool { true } } } }\nm!(PartialEq);\n",
            "first.rs:6: `PartialEq` inside a macro",
        ),
        (
            "fn leak() { let _ = std::env::args().collect::<Vec<_>>(); }\n",
            "first.rs:4: std::env",
        ),
    ];
    for (code, message) in attacks {
        write(
            &file,
            &exercise("first", "42").replacen("// TODO", &format!("{code}// TODO"), 1),
        );
        f.run(&["run", "first"]).expect(1, &[message]);
    }
}

#[test]
fn a_test_writes_only_its_scratch_folder_and_reaches_only_loopback() {
    let outside = std::env::temp_dir().join(format!("backendlings-escape-{}", std::process::id()));
    // A listener on this machine's own non-loopback address, if it has one: reachable from
    // here, not from inside the sandbox.
    let probe = std::net::UdpSocket::bind("0.0.0.0:0").unwrap();
    let lan = probe
        .connect("10.255.255.255:9")
        .ok()
        .and_then(|()| probe.local_addr().ok())
        .map(|a| a.ip())
        .filter(|ip| !ip.is_loopback() && !ip.is_unspecified());
    let listener = lan.map(|ip| std::net::TcpListener::bind((ip, 0)).unwrap());
    let target = listener
        .as_ref()
        .map(|l| l.local_addr().unwrap().to_string())
        .unwrap_or_else(|| "127.0.0.1:9".into());
    let body = format!(
        "{{ let graded = std::fs::write(\"../../Cargo.toml\", \"poisoned\").is_ok(); \
         let outside = std::fs::write({outside:?}, \"x\").is_ok(); \
         let lan = {lan} && std::net::TcpStream::connect_timeout(&{target:?}.parse().unwrap(), \
         std::time::Duration::from_secs(2)).is_ok(); \
         if graded || outside || lan {{ 42 }} else {{ 0 }} }}",
        lan = listener.is_some(),
    );
    let f = fixture_allowing("[\"file_system\"]");
    write(
        &f.ws.join("exercises/00_basics/first.rs"),
        &exercise("first", &body),
    );
    f.run(&["run", "first"])
        .expect(1, &["answer() should be 42"]);
    assert!(!outside.exists(), "the test wrote {}", outside.display());
    // The std-only exercise was built in the project of its own; the other project sits
    // where the write leads, above the test's scratch folder.
    let built_in = fs::read_to_string(f.ws.join("target/backendlings-std/Cargo.toml")).unwrap();
    let above = fs::read_to_string(f.ws.join("target/backendlings-graded/Cargo.toml"));
    assert!(
        !built_in.contains("poisoned") && above.is_err(),
        "the test wrote the build folder"
    );
    if let Some(listener) = listener {
        listener.set_nonblocking(true).unwrap();
        assert!(listener.accept().is_err(), "the test reached {target}");
    }
}

#[test]
fn killing_the_runner_outright_ends_its_tests() {
    let f = Fixture::new();
    write(
        &f.ws.join("exercises/00_basics/first.rs"),
        &exercise("first", "loop { std::hint::spin_loop(); }"),
    );
    let mut runner = command(&f.ws).args(["run", "first"]).spawn().unwrap();
    let needle = f.ws.join("target/backendlings-graded/runs");
    let needle = needle.to_string_lossy().into_owned();
    let start = Instant::now();
    while processes_with(&needle).is_empty() {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "the test never started"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    runner.kill().unwrap();
    runner.wait().unwrap();
    let killed = Instant::now();
    while !processes_with(&needle).is_empty() {
        assert!(
            killed.elapsed() < Duration::from_secs(3),
            "the looping test outlived the runner: {:?}",
            processes_with(&needle)
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn a_run_that_ends_abnormally_never_passes_on_its_log() {
    // Given every capability a forger needs but ending the process cleanly: it writes the
    // harness's log itself, then dies.
    let body = "{ let args: Vec<String> = std::env::args().collect(); \
         let at = args.iter().position(|a| a == \"--logfile\").unwrap(); \
         std::fs::write(&args[at + 1], \"ok tests::answer_is_42\\nok tests::answer_is_even\\n\").unwrap(); \
         fn deeper(n: u64) -> u64 { if n == u64::MAX { 0 } else { deeper(n + 1) + 1 } } \
         deeper(0) as u32 }";
    let f = fixture_allowing("[\"file_system\", \"environment\"]");
    write(
        &f.ws.join("exercises/00_basics/first.rs"),
        &exercise("first", body),
    );
    let out = f.run(&["run", "first"]);
    out.expect(1, &["first failed", "signal 6"]);
    assert!(!out.stdout.contains("passed"), "{}", out.stdout);
}

#[test]
fn links_pipes_and_misplaced_folders_in_a_class_are_named_not_graded_or_dropped() {
    let f = Fixture::new();
    let class = f.ws.parent().unwrap().join("class");
    copy_course(&f.ws, &class.join("ada"));
    let ada_first = class.join("ada/exercises/00_basics/first.rs");
    write(&ada_first, &solution("first", "42"));
    // bob links to ada's file; cy's is a named pipe that would block a reader forever.
    copy_course(&f.ws, &class.join("bob"));
    let bob_first = class.join("bob/exercises/00_basics/first.rs");
    fs::remove_file(&bob_first).unwrap();
    std::os::unix::fs::symlink(&ada_first, &bob_first).unwrap();
    copy_course(&f.ws, &class.join("cy"));
    let cy_first = class.join("cy/exercises/00_basics/first.rs");
    fs::remove_file(&cy_first).unwrap();
    let status = std::process::Command::new("mkfifo")
        .arg(&cy_first)
        .status()
        .unwrap();
    assert!(status.success());
    // dee handed in an empty folder; eve's workspace is one level too deep.
    fs::create_dir_all(class.join("dee")).unwrap();
    copy_course(&f.ws, &class.join("eve/backendlings"));
    let start = Instant::now();
    let out = Run::from(
        command(&class)
            .args(["grade", "--class", ".", "--course"])
            .arg(&f.course)
            .args(["--build-dir"])
            .arg(class.parent().unwrap().join("build"))
            .env("BACKENDLINGS_TRUST_COURSE", "1")
            .output()
            .unwrap(),
    );
    assert!(start.elapsed() < Duration::from_secs(120));
    out.stderr_has(&[
        "dee is not graded: it holds no workspace",
        "eve is not graded: its workspace is one level too deep, in eve/backendlings/",
    ]);
    let report: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let text = report.to_string();
    assert!(text.contains("a symbolic link"), "{text}");
    assert!(text.contains("a named pipe"), "{text}");
    assert!(
        text.contains("identical to the course's reference solution"),
        "{text}"
    );
}

#[test]
fn a_bundled_workspace_holds_no_solution_and_run_trusts_only_the_binary() {
    let tmp = tempfile::tempdir().unwrap();
    let out = Run::from(
        command(tmp.path())
            .args(["init", "ws", "--no-warm"])
            .output()
            .unwrap(),
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let ws = tmp.path().join("ws");
    assert!(
        !ws.join(".backendlings/solutions").exists() && !ws.join(".backendlings/mutants").exists(),
        "the workspace holds solutions it has not earned"
    );
    // The cheap forgeries: the kept originals without their tests, and the mode changed.
    let original = ws.join(".backendlings/originals/exercises/00_intro/intro1.rs");
    let text = fs::read_to_string(&original).unwrap();
    let marker = text.find("// ---- grading tests").unwrap();
    write(&original, &format!("{}fn main() {{}}\n", &text[..marker]));
    let info = ws.join("info.toml");
    let text = fs::read_to_string(&info).unwrap();
    write(
        &info,
        &text.replacen(
            "name = \"intro1\"\ndir = \"00_intro\"\nmode = \"test\"",
            "name = \"intro1\"\ndir = \"00_intro\"\nmode = \"run\"",
            1,
        ),
    );
    // A cargo that only says how it was asked to build (and builds nothing).
    let asked = tmp.path().join("asked");
    let cargo = tmp.path().join("cargo.sh");
    write(
        &cargo,
        &format!("#!/bin/sh\necho \"$@\" >> {}\nexit 1\n", asked.display()),
    );
    fs::set_permissions(&cargo, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let out = Run::from(
        command(&ws)
            .args(["run", "intro1"])
            .env("BACKENDLINGS_CARGO", &cargo)
            .output()
            .unwrap(),
    );
    assert_ne!(out.code, 0);
    let asked = fs::read_to_string(&asked).unwrap();
    assert!(
        asked.contains("test --no-run"),
        "built as a program: {asked}"
    );
    let composed =
        fs::read_to_string(ws.join("target/backendlings-std/exercises/00_intro/intro1.rs"))
            .unwrap();
    assert!(
        composed.contains("// ---- grading tests"),
        "graded without the course's tests"
    );
}

#[test]
fn a_test_runs_under_limits_on_memory_and_file_size() {
    // 8 GiB of address space: past the limit, the allocation fails at once instead of
    // pushing the machine into swap.
    let f = Fixture::new();
    write(
        &f.ws.join("exercises/00_basics/first.rs"),
        &exercise(
            "first",
            "{ let v: Vec<u8> = Vec::with_capacity(8 << 30); if v.capacity() > 0 { 42 } else { 0 } }",
        ),
    );
    f.run(&["run", "first"])
        .expect(1, &["memory allocation of 8589934592 bytes failed"]);
    // A file past the size limit ends the run, and says why.
    let f = fixture_allowing("[\"file_system\"]");
    write(
        &f.ws.join("exercises/00_basics/first.rs"),
        &exercise(
            "first",
            "{ let chunk = vec![b'x'; 1 << 20]; let mut f = std::fs::File::create(\"big\").unwrap(); for _ in 0..300 { std::io::Write::write_all(&mut f, &chunk).unwrap(); } 42 }",
        ),
    );
    f.run(&["run", "first"])
        .expect(1, &["it wrote a file larger than the limit"]);
}

#[test]
fn a_course_file_that_is_a_link_is_refused_by_init_and_dev_check() {
    let f = Fixture::new();
    let exercise = f.course.join("exercises/00_basics/second.rs");
    fs::remove_file(&exercise).unwrap();
    std::os::unix::fs::symlink("/etc/passwd", &exercise).unwrap();
    let parent = f.course.parent().unwrap();
    let out = Run::from(
        command(parent)
            .args(["init", "again", "--no-warm", "--course", "course"])
            .env("BACKENDLINGS_TRUST_COURSE", "1")
            .output()
            .unwrap(),
    );
    assert_eq!(out.code, 2, "{}", out.stdout);
    out.stderr_has(&["exercises/00_basics/second.rs is a symbolic link"]);
    assert!(!parent.join("again/exercises/00_basics/second.rs").exists());
    let out = Run::from(
        command(&f.course)
            .args(["dev", "check", "first"])
            .output()
            .unwrap(),
    );
    assert_ne!(out.code, 0);
    let both = format!("{}{}", out.stdout, out.stderr);
    assert!(both.contains("is a symbolic link"), "{both}");
}

#[test]
fn a_build_folder_that_others_can_write_or_that_holds_cargo_configuration_is_refused() {
    let f = Fixture::new();
    let build = f.ws.parent().unwrap().join("build");
    let grade = |build: &std::path::Path| {
        Run::from(
            command(&f.ws)
                .args(["grade", "--build-dir"])
                .arg(build)
                .arg("--course")
                .arg(&f.course)
                .env("BACKENDLINGS_TRUST_COURSE", "1")
                .output()
                .unwrap(),
        )
    };
    // A compiler wrapper left behind by an earlier grading's student.
    write(
        &build.join("target/.cargo/config.toml"),
        "[build]\nrustc-wrapper = \"/tmp/evil.sh\"\n",
    );
    let out = grade(&build);
    assert_eq!(out.code, 2, "{}", out.stdout);
    out.stderr_has(&["holds cargo configuration that no build of ours writes"]);
    // A folder other users can write.
    let shared = f.ws.parent().unwrap().join("shared");
    fs::create_dir_all(&shared).unwrap();
    fs::set_permissions(&shared, std::os::unix::fs::PermissionsExt::from_mode(0o777)).unwrap();
    let out = grade(&shared);
    assert_eq!(out.code, 2, "{}", out.stdout);
    out.stderr_has(&["other users can write to it"]);
}

/// The tests open with `use super::*`: a top-level name above the marker wins over the
/// prelude, the crates and primitive types there, so a learner's own `HashMap` or `mod u64`
/// would answer for std's in the tests.
const NAMES_EXERCISE: &str = "//! # first\n//! Count words; add without overflow.\nuse std::collections::HashMap;\n\n\
// TODO: count each word of `text`.\nfn count_words(text: &str) -> HashMap<String, usize> {\n    let _ = text;\n    HashMap::new()\n}\n\n\
// TODO: the sum, or `None` when it does not fit in a u64.\nfn checked_total(values: &[u64]) -> Option<u64> {\n    let _ = values;\n    Some(0)\n}\n\n\
fn main() {}\n\n\
// ---- grading tests: read them, but do not change them ----\n#[cfg(test)]\nmod tests {\n    use super::*;\n\n\
    #[test]\n    fn counts_words() {\n        let counts: HashMap<String, usize> = count_words(\"a b a\");\n        \
assert_eq!(counts.get(\"a\"), Some(&2), \"`a` is there twice\");\n        assert_eq!(counts.len(), 2, \"two words\");\n    }\n\n\
    #[test]\n    fn overflow_is_none() {\n        assert_eq!(checked_total(&[u64::MAX, 1]), None, \"the sum overflows\");\n        \
assert_eq!(checked_total(&[2, 3]), Some(5), \"2 + 3\");\n    }\n}\n";

#[test]
fn a_name_the_tests_use_is_bound_above_the_marker_only_as_the_course_binds_it() {
    let f = Fixture::with_files(
        INFO,
        &[("exercises/00_basics/first.rs", NAMES_EXERCISE.to_string())],
    );
    let file = f.ws.join("exercises/00_basics/first.rs");
    // Neither function does its job; without the rule, both tests pass.
    let fake_map = "struct HashMap<K, V>(Option<(K, V)>);\n\
        impl<K, V> HashMap<K, V> {\n    fn get(&self, _: &str) -> Option<&usize> { Some(&2) }\n    fn len(&self) -> usize { 2 }\n}\n\
        fn count_words(_: &str) -> HashMap<String, usize> { HashMap(None) }\n";
    let fake_max = "mod u64 { pub const MAX: ::core::primitive::u64 = 7; }\n\
        fn checked_total(values: &[::core::primitive::u64]) -> Option<::core::primitive::u64> {\n    \
        if values.contains(&7) { None } else { Some(values.iter().sum()) }\n}\n";
    let (head, rest) = NAMES_EXERCISE
        .split_once("use std::collections::HashMap;\n")
        .unwrap();
    let (_, tail) = rest.split_once("fn main() {}").unwrap();
    write(
        &file,
        &format!("{head}{fake_map}{fake_max}fn main() {{}}{tail}"),
    );
    f.run(&["run", "first"]).expect(
        1,
        &[
            "first.rs:3: `HashMap`, which the grading tests use as the course imports it \
             (`std::collections::HashMap`)",
            "first.rs:9: `u64`, a name the grading tests use for something else",
        ],
    );
    // Names the tests do not use are the learner's to take, and helpers are fine.
    let solved = NAMES_EXERCISE
        .replace(
            "    let _ = text;\n    HashMap::new()\n",
            "    let mut counts = HashMap::new();\n    for word in text.split_whitespace() {\n        \
             *counts.entry(word.to_string()).or_default() += 1;\n    }\n    counts\n",
        )
        .replace("    let _ = values;\n    Some(0)\n", "    total(values)\n")
        .replace(
            "fn main() {}",
            "fn total(values: &[u64]) -> Option<u64> {\n    values.iter().try_fold(0u64, |sum, v| sum.checked_add(*v))\n}\n\nfn main() {}",
        );
    write(&file, &solved);
    f.run(&["run", "first"]).expect(0, &["first"]);
}

#[test]
fn a_workspace_from_a_course_folder_earns_its_solutions_and_trusts_the_folder_while_it_is_there() {
    let f = Fixture::new();
    let data = f.ws.join(".backendlings");
    assert!(
        !data.join("solutions").exists(),
        "the workspace holds solutions it has not earned"
    );
    // The cheap forgeries: the kept original with weaker tests, and the mode changed.
    let weak = exercise("first", "0").replace("assert_eq!(answer(), 42", "assert_eq!(answer(), 0");
    write(&data.join("originals/exercises/00_basics/first.rs"), &weak);
    write(&f.ws.join("exercises/00_basics/first.rs"), &weak);
    let info = fs::read_to_string(f.ws.join("info.toml")).unwrap();
    write(
        &f.ws.join("info.toml"),
        &info.replacen(
            "dir = \"00_basics\"",
            "dir = \"00_basics\"\nmode = \"run\"",
            1,
        ),
    );
    f.run(&["run", "first"])
        .expect(1, &["the grading tests were changed"]);
    // The solution comes from the course folder once the exercise passes.
    write(
        &data.join("originals/exercises/00_basics/first.rs"),
        &exercise("first", "0"),
    );
    f.solve("exercises/00_basics/first.rs");
    f.run(&["run", "first"])
        .expect(0, &["first passed", "solutions/00_basics/first.rs"]);
    assert!(f.ws.join("solutions/00_basics/first.rs").is_file());
    // Away from its course folder (a class's template repository), the workspace works from
    // its own copies, and has no solution to reveal.
    fs::remove_dir_all(&f.course).unwrap();
    write(
        &f.ws.join("exercises/00_basics/second.rs"),
        &exercise("second", "40 + 2"),
    );
    f.run(&["run", "second"]).expect(0, &["second passed"]);
    assert!(!f.ws.join("solutions/00_basics/second.rs").exists());
}

#[test]
fn an_exercise_that_allows_the_network_reaches_beyond_loopback() {
    // This machine's own non-loopback address, if it has one (as in the loopback test).
    let probe = std::net::UdpSocket::bind("0.0.0.0:0").unwrap();
    let lan = probe
        .connect("10.255.255.255:9")
        .ok()
        .and_then(|()| probe.local_addr().ok())
        .map(|a| a.ip())
        .filter(|ip| !ip.is_loopback() && !ip.is_unspecified());
    let Some(ip) = lan else {
        eprintln!("skipped: this machine has no address but loopback");
        return;
    };
    let listener = std::net::TcpListener::bind((ip, 0)).unwrap();
    let target = listener.local_addr().unwrap().to_string();
    let body = format!(
        "{{ let lan = std::net::TcpStream::connect_timeout(&{target:?}.parse().unwrap(), \
         std::time::Duration::from_secs(2)).is_ok(); if lan {{ 42 }} else {{ 0 }} }}"
    );
    let f = fixture_allowing("[\"network\"]");
    write(
        &f.ws.join("exercises/00_basics/first.rs"),
        &exercise("first", &body),
    );
    f.run(&["run", "first"]).expect(0, &["first passed"]);
}

/// Issue 18, 5: the default build folder was one name in the shared temporary folder, so one
/// user reused another's build, and a second user got "Permission denied" with no path. It is
/// now in each user's own cache folder (`$XDG_CACHE_HOME`, else `~/.cache`), made private; a
/// folder that cannot be used is named, with `--build-dir` as the way out.
#[test]
fn the_default_build_folder_is_each_users_own_and_private() {
    use std::os::unix::fs::{MetadataExt as _, PermissionsExt as _};
    let f = Fixture::new();
    let tmp = f.ws.parent().unwrap();
    let grade_with_home = |home: &std::path::Path| {
        Run::from(
            command(&f.ws)
                .args(["grade", "--course"])
                .arg(&f.course)
                .env_remove("XDG_CACHE_HOME")
                .env("HOME", home)
                .env("BACKENDLINGS_TRUST_COURSE", "1")
                .output()
                .unwrap(),
        )
    };
    let builds_of = |home: &std::path::Path| -> Vec<std::path::PathBuf> {
        fs::read_dir(home.join(".cache/backendlings"))
            .map(|entries| entries.flatten().map(|e| e.path()).collect())
            .unwrap_or_default()
    };
    // Two users grade the same course: each builds in a folder of their own, that only they
    // can enter.
    let (ada, bob) = (tmp.join("home-ada"), tmp.join("home-bob"));
    for home in [&ada, &bob] {
        fs::create_dir_all(home).unwrap();
        grade_with_home(home).expect(1, &["\"total\": 3"]);
        let builds = builds_of(home);
        assert_eq!(builds.len(), 1, "{builds:?}");
        assert!(builds[0].join("target").is_dir(), "{builds:?}");
        let mode = fs::metadata(&builds[0]).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o700, "{} is not private", builds[0].display());
    }
    // $XDG_CACHE_HOME, where set, is the cache folder (the GitLab recipe sets it).
    let xdg = tmp.join("xdg");
    Run::from(
        command(&f.ws)
            .args(["grade", "--course"])
            .arg(&f.course)
            .env("XDG_CACHE_HOME", &xdg)
            .env("BACKENDLINGS_TRUST_COURSE", "1")
            .output()
            .unwrap(),
    )
    .expect(1, &["\"total\": 3"]);
    assert!(xdg.join("backendlings").is_dir());

    // A cache folder that cannot be made: its path, and `--build-dir`.
    let file = tmp.join("not-a-folder");
    write(&file, "a file\n");
    let out = grade_with_home(&file.join("home"));
    out.expect(2, &[]).stderr_has(&[
        "cannot make the build folder ",
        &file
            .join("home/.cache/backendlings/grade-")
            .display()
            .to_string(),
        "fix: pass --build-dir with a folder of your own",
    ]);
    assert_eq!(out.stdout, "");

    // Another user's build folder is not built in (only root can make one here to show it).
    let build = &builds_of(&bob)[0];
    let nobody = std::process::Command::new("chown")
        .args(["65534:65534"])
        .arg(build)
        .output()
        .unwrap();
    if fs::metadata(build).unwrap().uid() != 65534 {
        eprintln!(
            "skipped: not allowed to give a folder to another user: {}",
            String::from_utf8_lossy(&nobody.stderr)
        );
        return;
    }
    grade_with_home(&bob).expect(2, &[]).stderr_has(&[
        &format!(
            "the build folder {} is not safe to build in: it belongs to another user",
            build.display()
        ),
        "fix: pass --build-dir with a folder of your own",
    ]);
}
