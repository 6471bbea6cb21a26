//! End-to-end: faults named for what they are, and nothing half-written left behind.

use super::support::*;

use std::fs;

/// Runs the binary with a file-size limit of 512 bytes (and SIGXFSZ ignored, so that a
/// write past it fails with an error instead of killing the process): a stand-in for a disk
/// that fills up in the middle of a write.
fn with_tiny_file_limit(dir: &std::path::Path, args: &[&str]) -> Run {
    let mut sh = std::process::Command::new("sh");
    sh.current_dir(dir)
        .env("NO_COLOR", "1")
        .env("BACKENDLINGS_TRUST_COURSE", "1")
        .arg("-c")
        .arg("ulimit -f 1; trap '' XFSZ; exec \"$0\" \"$@\"")
        .arg(env!("CARGO_BIN_EXE_backendlings"))
        .args(args);
    Run::from(sh.output().unwrap())
}

#[test]
fn a_report_that_cannot_be_written_leaves_the_previous_one_whole() {
    let f = Fixture::new();
    let report = f.ws.join("report.json");
    let build = f.ws.parent().unwrap().join("build");
    let build = build.to_str().unwrap();
    let course = f.course.to_str().unwrap();
    let args = [
        "grade",
        "--output",
        "report.json",
        "--build-dir",
        build,
        "--course",
        course,
    ];
    command(&f.ws)
        .args(args)
        .env("BACKENDLINGS_TRUST_COURSE", "1")
        .status()
        .unwrap();
    let before = fs::read_to_string(&report).unwrap();
    assert!(before.len() > 512, "the report is too small to test with");
    let out = with_tiny_file_limit(&f.ws, &args);
    assert_ne!(out.code, 0, "{}", out.stderr);
    out.stderr_has(&["could not write the report", "nothing was written"]);
    assert_eq!(fs::read_to_string(&report).unwrap(), before);
}

#[test]
fn a_failed_init_leaves_nothing_behind() {
    let f = Fixture::new();
    let parent = f.ws.parent().unwrap();
    let out = with_tiny_file_limit(
        parent,
        &["init", "second", "--no-warm", "--course", "course"],
    );
    assert_eq!(out.code, 2, "{}", out.stderr);
    out.stderr_has(&["nothing was left behind"]);
    assert!(!parent.join("second").exists());
    // And the folder is free for the next try (`--no-prebuild`, the flag's old name, still works).
    let out = Run::from(
        command(parent)
            .args(["init", "second", "--no-prebuild", "--course", "course"])
            .env("BACKENDLINGS_TRUST_COURSE", "1")
            .output()
            .unwrap(),
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
}

#[test]
fn two_checks_of_one_mutants_exercise_at_once_both_get_the_right_verdict() {
    let tests = |n: u32| {
        format!(
            "#[cfg(test)]\nmod tests {{\n    use super::*;\n\n    #[test]\n    fn boundary_{n}() {{\n        assert_eq!(shipping(49), 5);\n        assert_eq!(shipping(50), 0);\n    }}\n}}\n"
        )
    };
    let f = mutants_fixture(&tests(0));
    // A second workspace on the same build folder would be another setup; two terminals on
    // one workspace is the case: each check grades its own snapshot, and the second one
    // rebuilds the program while the first still runs it against its mutants.
    let file = f.ws.join("exercises/02_testing/shipping.rs");
    for round in 1..=3 {
        write(&file, &format!("{SHIPPING}{}", tests(round)));
        let first = command(&f.ws)
            .args(["run", "shipping"])
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(150));
        write(&file, &format!("{SHIPPING}{}", tests(round + 100)));
        let second = command(&f.ws).args(["run", "shipping"]).output().unwrap();
        let first = first.wait_with_output().unwrap();
        for (which, out) in [("first", first), ("second", second)] {
            let stdout = String::from_utf8_lossy(&out.stdout);
            assert!(
                out.status.success() && stdout.contains("caught all 2 bugs"),
                "round {round}, {which} check: {stdout}"
            );
        }
    }
    let state = f.state();
    assert!(state.contains("shipping"), "{state}");
}

/// Issue 18: output to a full device panicked (`run intro1 >/dev/full`). Every command
/// stops with "the disk is full" and status 2, as for any error; with standard error full
/// too there is nowhere to say so, and the status alone tells.
#[test]
fn output_to_a_full_device_is_an_error_not_a_panic() {
    let f = Fixture::new();
    let full = || {
        fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .unwrap()
    };
    let course: &[&[&str]] = &[&["dev", "check", "first"]];
    let workspace: &[&[&str]] = &[
        &["run", "first"],
        &["list"],
        &["progress"],
        &["hint", "first"],
        &["check-all"],
        &["reset", "second"],
        &["watch", "--json"],
        &["--help"],
        &["run", "--help"],
        &["--version"],
    ];
    for (dir, args) in course
        .iter()
        .map(|a| (&f.course, a))
        .chain(workspace.iter().map(|a| (&f.ws, a)))
    {
        let out = Run::from(
            command(dir)
                .args(*args)
                .env("BACKENDLINGS_TRUST_COURSE", "1")
                .stdin(std::process::Stdio::null())
                .stdout(full())
                .output()
                .unwrap(),
        );
        assert_eq!(out.code, 2, "{args:?}: {}", out.stderr);
        out.stderr_has(&[
            "error: cannot write to standard output: the disk is full (No space left on device)",
            "fix: free some space",
        ]);
        assert!(!out.stderr.contains("panicked"), "{args:?}: {}", out.stderr);
    }
    // Both full: an error that cannot be told keeps its status.
    let out = Run::from(
        command(&f.ws)
            .args(["run", "nosuch"])
            .stdout(full())
            .stderr(full())
            .output()
            .unwrap(),
    );
    assert_eq!(out.code, 2);
}

/// Issue 18: `.tmp*` copies of the state stayed after a kill. A save killed between writing
/// its temporary copy and the rename leaves `.backendlings/.tmpXXXXXX` (seen with strace
/// holding the rename and kill -9); the next save, under the state's lock, removes it
/// whatever its age (the workspace's sweep keeps only files older than 10 minutes).
#[test]
fn copies_of_the_state_left_by_a_killed_save_are_removed_by_the_next_save() {
    let f = Fixture::new();
    let data = f.ws.join(".backendlings");
    let state = fs::read_to_string(data.join("state.toml")).unwrap();
    for leftover in [".tmpAb12Cd", ".tmpzzzzzz"] {
        write(&data.join(leftover), &state);
    }
    // Not a temporary copy by its name: kept.
    write(&data.join(".tmp-notes"), "mine\n");
    f.run(&["hint", "first"]).expect(0, &["Hint 1 of 3"]);
    let left: Vec<String> = fs::read_dir(&data)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".tmp"))
        .collect();
    assert_eq!(left, [".tmp-notes"]);
}

#[test]
fn folders_a_killed_check_left_under_runs_are_swept_by_the_next_check() {
    let f = Fixture::new();
    f.run(&["run", "first"]).expect(1, &[]);
    let runs = f.ws.join("target/backendlings-graded/runs");
    // A process that is gone, as a check killed with kill -9 is.
    let mut gone = std::process::Command::new("true").spawn().unwrap();
    gone.wait().unwrap();
    let dead = gone.id();
    let left = [
        runs.join(format!("run-{dead}-a1b2c3")),
        runs.join(format!("bin-{dead}-d4e5f6")),
    ];
    // A check still running in another terminal (this test's own process stands in).
    let alive = runs.join(format!("run-{}-g7h8i9", std::process::id()));
    for dir in left.iter().chain([&alive]) {
        write(&dir.join("results.log"), "ok tests::x\n");
    }
    f.run(&["run", "first"]).expect(1, &[]);
    for dir in &left {
        assert!(!dir.exists(), "{} was left", dir.display());
    }
    assert!(alive.exists(), "a running check's folder was removed");
    // What checks leave behind themselves is gone too: nothing but the live folder stays.
    let rest: Vec<_> = std::fs::read_dir(&runs)
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert_eq!(rest.len(), 1, "{rest:?}");
}

/// A build that fills the disk is called a full disk, gives no verdict and records nothing.
/// The disk is a 256 KiB tmpfs over the workspace's target folder, mounted in a user and
/// mount namespace of the runner's own (where the kernel allows one; said and skipped where
/// it does not).
#[test]
fn a_build_that_fills_the_disk_is_called_a_full_disk_and_gives_no_verdict() {
    let f = Fixture::new();
    fs::create_dir_all(f.ws.join("target")).unwrap();
    let allowed = std::process::Command::new("unshare")
        .args(["-rm", "true"])
        .status()
        .is_ok_and(|s| s.success());
    if !allowed {
        eprintln!("skipped: no user and mount namespace here");
        return;
    }
    let state = fs::read_to_string(f.ws.join(".backendlings/state.toml")).unwrap();
    let out = Run::from(
        std::process::Command::new("unshare")
            .current_dir(&f.ws)
            .env("NO_COLOR", "1")
            .args(["-rm", "sh", "-c"])
            .arg("mount -t tmpfs -o size=256k,mode=0755 tmpfs target && exec \"$0\" run first")
            .arg(env!("CARGO_BIN_EXE_backendlings"))
            .output()
            .unwrap(),
    );
    out.expect(2, &[]).stderr_has(&[
        "error: the disk is full: the build in",
        "target/backendlings-std/target stopped (No space left on device); no verdict was given",
        "fix: free some space and check again",
    ]);
    assert_eq!(
        fs::read_to_string(f.ws.join(".backendlings/state.toml")).unwrap(),
        state,
        "a check that gave no verdict changed the state"
    );
}
