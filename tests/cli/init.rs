//! End-to-end: init, help, a broken info.toml, trust in a course folder.

use super::support::*;

use std::fs;

#[test]
fn init_writes_a_workspace_and_refuses_a_non_empty_folder() {
    let f = Fixture::new();
    for file in [
        "Cargo.toml",
        "Cargo.toml",
        "exercises/00_basics/first.rs",
        ".vscode/settings.json",
        ".backendlings/state.toml",
    ] {
        assert!(f.ws.join(file).is_file(), "{file} missing");
    }
    assert!(
        !f.ws.join("solutions/00_basics/first.rs").exists(),
        "solutions stay hidden until earned"
    );
    assert!(f.state().contains("current = \"first\""));
    f.run_in(
        f.ws.parent().unwrap(),
        &["init", "ws", "--no-warm", "--course", "course"],
    )
    .expect(2, &[])
    .stderr_has(&["already exists and is not empty", "fix:"]);
}

#[test]
fn init_with_the_bundled_course() {
    let tmp = tempfile::tempdir().unwrap();
    let out = Run::from(
        command(tmp.path())
            .args(["init", "--no-warm"])
            .output()
            .unwrap(),
    );
    out.expect(0, &["Created backendlings with", "cd backendlings"]);
    let ws = tmp.path().join("backendlings");
    assert!(ws.join("exercises/00_intro/intro1.rs").is_file());
    assert!(
        ws.join("Cargo.lock").is_file(),
        "the course's lock file pins the dependencies"
    );
    let list = Run::from(command(&ws).arg("list").output().unwrap());
    list.expect(0, &["> intro1", "00_intro", "http1"]);
}

#[test]
fn a_broken_info_toml_names_file_line_field_and_fix() {
    let f = Fixture::new();
    // The workspace reads its course from the course folder while that is there.
    let info = INFO.replace("name = \"second\"", "name = \"second\"\nhint = \"typo\"");
    write(&f.course.join("info.toml"), &info);
    f.run(&["run"]).expect(2, &[]).stderr_has(&[
        "info.toml:12:1: hint: unknown field `hint`",
        "fix: remove the key",
    ]);
    let duplicate = INFO
        .replace("name = \"second\"", "name = \"first\"")
        .replace("dir = \"01_more\"", "dir = \"../up\"");
    write(&f.course.join("info.toml"), &duplicate);
    f.run(&["list"]).expect(2, &[]).stderr_has(&[
        "has 2 problems",
        "info.toml:11:8: exercises[1].name: \"first\" is already the name of the exercise on line 6",
        "exercises[2].dir: \"../up\" is not a valid folder name",
    ]);
}

#[test]
fn outside_a_workspace_says_what_to_do() {
    let tmp = tempfile::tempdir().unwrap();
    Run::from(command(tmp.path()).arg("run").output().unwrap())
        .expect(2, &[])
        .stderr_has(&["is not a backendlings workspace", "backendlings init"]);
}

#[test]
fn help_exists_for_every_command() {
    let tmp = tempfile::tempdir().unwrap();
    for cmd in [
        &["--help"][..],
        &["watch", "--help"],
        &["init", "--help"],
        &["dev", "check", "--help"],
        &["grade", "--help"],
    ] {
        Run::from(command(tmp.path()).args(cmd).output().unwrap()).expect(0, &["Usage:"]);
    }
}

#[test]
fn a_course_folder_not_seen_before_asks_before_running_code() {
    let f = Fixture::new();
    f.run_in(&f.course, &["run"]).expect(2, &[]).stderr_has(&[
        "has not run before",
        "Only continue if you trust its author",
        "BACKENDLINGS_TRUST_COURSE=1",
    ]);
    let out = Run::from(
        command(&f.course)
            .arg("run")
            .env("BACKENDLINGS_TRUST_COURSE", "1")
            .output()
            .unwrap(),
    );
    out.expect(1, &["first failed"]);
    assert!(
        !out.stderr.contains("no progress file"),
        "a course folder starts without one: {}",
        out.stderr
    );
    // Making a workspace from an unknown course folder asks the same question.
    let other = f.course.parent().unwrap().join("other");
    fs::create_dir_all(&other).unwrap();
    copy_course(&f.course, &other);
    f.run_in(
        other.parent().unwrap(),
        &["init", "ws2", "--course", "other"],
    )
    .expect(2, &[])
    .stderr_has(&["has not run before", "BACKENDLINGS_TRUST_COURSE=1"]);
    assert!(!other.parent().unwrap().join("ws2").exists());
}

#[test]
fn init_without_cargo_says_what_to_do() {
    let tmp = tempfile::tempdir().unwrap();
    let out = Run::from(
        command(tmp.path())
            .args(["init", "ws"])
            .env("BACKENDLINGS_CARGO", "/nonexistent/cargo")
            .output()
            .unwrap(),
    );
    out.expect(2, &["Created ws"])
        .stderr_has(&["cargo could not be started", "https://rustup.rs"]);
}
