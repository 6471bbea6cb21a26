//! End-to-end: the command line itself: help, version and usage errors, and their exit
//! statuses (0 for help asked for, 2 for invalid usage: main.rs documents them).

use super::support::*;

/// Issue 18: `--help` gave status 0 for invalid input. clap stops at `--help` and ignores
/// what follows; the runner gives help only for a command line that is valid otherwise.
#[test]
fn help_is_status_0_and_invalid_usage_is_status_2_even_beside_help() {
    let tmp = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| Run::from(command(tmp.path()).args(args).output().unwrap());
    let help: &[&[&str]] = &[
        &["--help"],
        &["-h"],
        &["help"],
        &["help", "run"],
        &["help", "dev", "check"],
        &["run", "--help"],
        &["run", "intro1", "--help"],
        &["reset", "--help"],
        &["dev", "--help"],
        &["dev", "check", "--help"],
        &["dev", "add", "01_http", "--help"],
        &["grade", "--format", "junit", "--help"],
        &["watch", "--json", "-h"],
    ];
    for args in help {
        let out = run(args);
        assert_eq!(out.code, 0, "{args:?}: {}", out.stderr);
        assert!(out.stdout.contains("Usage:"), "{args:?}: {}", out.stdout);
    }
    let version = run(&["--version"]);
    assert_eq!(version.code, 0);
    assert!(
        version.stdout.starts_with("backendlings "),
        "{}",
        version.stdout
    );
    let invalid: &[(&[&str], &str)] = &[
        (&["bogus"], "unrecognized subcommand 'bogus'"),
        (&["--bogus"], "unexpected argument '--bogus'"),
        (&["run", "a", "b"], "unexpected argument 'b'"),
        (&["list", "extra"], "unexpected argument 'extra'"),
        (&["--help", "bogus"], "unrecognized subcommand 'bogus'"),
        (&["run", "--help", "a", "b"], "unexpected argument 'b'"),
        (
            &["run", "--help", "--bogus"],
            "unexpected argument '--bogus'",
        ),
        (
            &["grade", "--help", "--format", "bogus"],
            "invalid value 'bogus' for '--format <FORMAT>'",
        ),
        (
            &["dev", "bogus", "--help"],
            "unrecognized subcommand 'bogus'",
        ),
        (
            &["dev", "check", "-h", "--bogus"],
            "unexpected argument '--bogus'",
        ),
        (&["--version", "--bogus"], "unexpected argument '--bogus'"),
        (
            &["watch", "--edit", "--edit-cmd", "vi", "--help"],
            "cannot be used with",
        ),
        // A subcommand group without its subcommand: its help, on standard error.
        (&["dev"], "Usage: backendlings dev <COMMAND>"),
    ];
    for (args, said) in invalid {
        let out = run(args);
        assert_eq!(out.code, 2, "{args:?}: {}", out.stdout);
        out.stderr_has(&[said]);
        assert!(out.stdout.is_empty(), "{args:?}: {}", out.stdout);
    }
}
