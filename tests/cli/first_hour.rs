//! End-to-end: a new learner's first hour: the stumbles, each fixed.

use super::support::*;

use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};

#[test]
fn commands_work_from_a_subfolder_and_init_refuses_a_workspace_inside_one() {
    let f = Fixture::new();
    let topic = f.ws.join("exercises/00_basics");
    f.run_in(&topic, &["list"]).expect(0, &["first", "second"]);
    f.run_in(&topic, &["hint"])
        .expect(0, &["Hint 1 of 3 for first"]);
    f.run_in(&topic, &["init", "nested", "--no-warm"])
        .expect(2, &[])
        .stderr_has(&["is inside the workspace", "cd "]);
    assert!(!topic.join("nested").exists());
}

#[test]
fn passing_another_exercise_keeps_the_current_one_and_reset_undoes_done() {
    let f = Fixture::new();
    f.solve("exercises/00_basics/second.rs");
    f.run(&["run", "second"]).expect(0, &["second passed"]);
    assert!(f.state().contains("current = \"first\""), "{}", f.state());
    assert_eq!(done_line(&f.state()), "done = [\"second\"]");
    f.run(&["reset", "second"]).expect(0, &["Restored"]);
    assert_eq!(done_line(&f.state()), "done = []");
    // In the course's own folder there is nothing to restore from.
    let out = Run::from(
        command(&f.course)
            .args(["reset", "first"])
            .env("BACKENDLINGS_TRUST_COURSE", "1")
            .output()
            .unwrap(),
    );
    out.expect(2, &[])
        .stderr_has(&["is a course folder", "init --course"]);
}

#[test]
fn a_closed_output_loses_no_progress_and_does_not_panic() {
    let f = Fixture::new();
    f.solve("exercises/00_basics/first.rs");
    let mut child = command(&f.ws)
        .args(["run", "first"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(done_line(&f.state()), "done = [\"first\"]");
}

#[test]
fn a_file_that_is_not_utf8_is_named_so_and_reset_keeps_its_bytes() {
    let f = Fixture::new();
    let path = f.ws.join("exercises/00_basics/first.rs");
    let mut bytes = exercise("first", "42").into_bytes();
    bytes.splice(0..0, b"// caf\xe9\n".iter().copied());
    fs::write(&path, &bytes).unwrap();
    f.run(&["run", "first"])
        .expect(1, &["could not be read as UTF-8 text"]);
    let out = f.run(&["reset", "first"]);
    out.expect(0, &["Your version is saved as"]);
    let backup = out
        .stdout
        .lines()
        .find_map(|l| l.strip_prefix("Your version is saved as "))
        .unwrap();
    assert_eq!(fs::read(backup.trim()).unwrap(), bytes);
}

#[test]
fn a_state_file_it_cannot_read_is_kept_and_unknown_keys_are_not_fatal() {
    let f = Fixture::new();
    let state = f.ws.join(".backendlings/state.toml");
    write(
        &state,
        "current = \"second\"\ndone = [\"first\"]\nfrom_a_newer_version = 1\n",
    );
    f.run(&["list"]).expect(0, &["> second"]);
    assert_eq!(done_line(&f.state()), "done = [\"first\"]");
    fs::write(&state, b"current = \"\xff\"\n").unwrap();
    f.run(&["list"])
        .expect(0, &[])
        .stderr_has(&["a copy is kept as"]);
    let kept = fs::read_dir(f.ws.join(".backendlings"))
        .unwrap()
        .flatten()
        .any(|e| e.file_name().to_string_lossy().contains("unreadable"));
    assert!(kept);
}

#[test]
fn a_deleted_exercise_is_named_and_reset_brings_it_back() {
    let f = Fixture::new();
    let path = f.ws.join("exercises/00_basics/first.rs");
    fs::remove_file(&path).unwrap();
    f.run(&["list"]).expect(0, &["first"]);
    f.run(&["run", "first"])
        .expect(1, &["does not exist", "reset first"]);
    f.run(&["reset", "first"]).expect(0, &["Restored"]);
    assert_eq!(fs::read_to_string(&path).unwrap(), exercise("first", "0"));
}

#[test]
fn names_are_suggested_whatever_their_case() {
    let f = Fixture::new();
    f.run(&["run", "FIRST"])
        .expect(2, &[])
        .stderr_has(&["did you mean \"first\""]);
}

#[test]
fn stale_temporary_files_of_a_killed_write_are_removed() {
    let f = Fixture::new();
    let stale = f.ws.join(".backendlings/.tmpAb12Cd");
    let fresh = f.ws.join(".backendlings/.tmpXy34Zw");
    write(&stale, "half a state file");
    write(&fresh, "being written right now");
    Command::new("touch")
        .args(["-d", "2 hours ago"])
        .arg(&stale)
        .status()
        .unwrap();
    f.run(&["list"]).expect(0, &[]);
    assert!(!stale.exists());
    assert!(
        fresh.exists(),
        "a temp file that may still be written is kept"
    );
}

#[test]
fn the_readme_commands_exist() {
    let readme =
        fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    assert!(readme.contains("cargo install --locked --path backendlings-src"));
    assert!(
        !readme.contains("example.org"),
        "a placeholder address in the README"
    );
    // Commands in code blocks (`backendlings init`), in CI steps (`- run: backendlings ...`)
    // and in the text (`` `backendlings run [NAME]` ``).
    let mut commands: Vec<String> = Vec::new();
    let mut in_code = false;
    for line in readme.lines() {
        if line.starts_with("```") {
            in_code = !in_code;
            continue;
        }
        let trimmed = line.trim_start().trim_start_matches("- run: ");
        if (in_code || line.trim_start().starts_with("- run: "))
            && let Some(rest) = trimmed.strip_prefix("backendlings ")
        {
            commands.push(rest.to_string());
        }
        for (k, piece) in line.split('`').enumerate() {
            if k % 2 == 1
                && let Some(rest) = piece.strip_prefix("backendlings ")
            {
                commands.push(rest.to_string());
            }
        }
    }
    let mut checked = 0;
    for rest in &commands {
        // The whole command up to a comment, a pipe or a `&&`, with `--help` appended: clap
        // checks every subcommand, option and value before it prints the help.
        let words: Vec<&str> = rest
            .split_whitespace()
            .take_while(|w| !matches!(*w, "#" | "|" | "||" | "&&" | ";"))
            .filter(|w| !w.starts_with('[') && !w.ends_with(']'))
            .collect();
        if words.is_empty() || words[0].contains('|') {
            continue;
        }
        // `json|junit` (a choice, its `|` escaped in a table) is checked by its first value;
        // a CI's variable (`$CI_NODE_INDEX/$CI_NODE_TOTAL`) by the value 1.
        let words: Vec<String> = words
            .iter()
            .map(|w| {
                let w = w.replace('\\', "");
                let w = w.split('|').next().unwrap_or(&w).to_string();
                shell_variables_as_one(&w)
            })
            .collect();
        let out = Run::from(
            command(Path::new(env!("CARGO_MANIFEST_DIR")))
                .args(&words)
                .arg("--help")
                .output()
                .unwrap(),
        );
        assert_eq!(
            out.code, 0,
            "README: `backendlings {rest}` is not a valid command: {}",
            out.stderr
        );
        checked += 1;
    }
    assert!(checked >= 10, "only {checked} commands found in the README");
}

/// Issue 18, 15: Quick start gets the code (a clone step), names the Rust it needs (the
/// `rust-version` of Cargo.toml) and how long setup takes; the key table lists every key
/// watch mode's footer offers.
#[test]
fn the_quick_start_says_what_it_needs_and_the_keys_are_all_listed() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = fs::read_to_string(root.join("README.md")).unwrap();
    let manifest = fs::read_to_string(root.join("Cargo.toml")).unwrap();
    let quick_start = &readme[readme.find("## Quick start").unwrap()..];
    let quick_start = &quick_start[..quick_start.find("### Watch mode keys").unwrap()];
    let rust_version = manifest
        .lines()
        .find_map(|l| l.strip_prefix("rust-version = "))
        .unwrap()
        .trim_matches('"');
    assert!(
        quick_start.contains(&format!("Rust {rust_version} or newer")),
        "{quick_start}"
    );
    assert!(quick_start.contains("2024 edition"), "{quick_start}");
    assert!(quick_start.contains("git clone "), "{quick_start}");
    assert!(quick_start.contains("minutes"), "{quick_start}");

    // The keys the footer offers, as a learner's terminal shows them.
    let f = Fixture::new();
    let mut pty = Pty::start(&f.ws, "watch", &[]);
    pty.wait_for("q quit");
    let footer = pty
        .seen
        .lines()
        .rev()
        .find(|l| l.contains("q quit"))
        .unwrap()
        .to_string();
    pty.keys(b"q");
    let table = &readme[readme.find("### Watch mode keys").unwrap()..];
    let table = &table[..table.find("A save that").unwrap()];
    for key in footer
        .split(" · ")
        .filter_map(|k| k.trim().split(' ').next())
    {
        assert!(
            table.contains(&format!("| `{key}` |")),
            "README's key table lacks `{key}` ({footer})"
        );
    }
}

/// `word` with each shell variable in it (`$NAME`, `${NAME}`) replaced by 1.
fn shell_variables_as_one(word: &str) -> String {
    let mut out = String::new();
    let mut chars = word.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '$' {
            out.push(c);
            continue;
        }
        let braced = chars.peek() == Some(&'{');
        if braced {
            chars.next();
        }
        while chars
            .peek()
            .is_some_and(|c| c.is_ascii_alphanumeric() || *c == '_')
        {
            chars.next();
        }
        if braced && chars.peek() == Some(&'}') {
            chars.next();
        }
        out.push('1');
    }
    out
}
