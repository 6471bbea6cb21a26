//! The README's CI recipes (GitHub Actions, GitLab CI, Gradescope), run as written, with the
//! real commands and no CI service, on a class template repository made as the README says.
//! The commands are read from the README: a recipe changed there is the recipe tested here.
//!
//! What it proves: `cargo install --locked --path .backendlings-src` works inside a template
//! (whose own Cargo.toml has `[workspace]`); the template's first commit, made with the
//! README's git lines, holds the exercises but no solution and no build; each recipe's
//! `grade` writes its report in its format with the exit status the README gives (1 for the
//! template as made, 0 once every exercise is solved); grade's build folder lands where each
//! recipe's cache step looks for it; Gradescope's `setup.sh` leaves that build folder warm for
//! `run_autograder`.
//!
//! What differs from a CI runner, and why:
//! - the toolchain is this machine's: the lines of `setup.sh` that install curl,
//!   build-essential and rustup, and that source `$HOME/.cargo/env`, are skipped;
//! - the course is the small std-only fixture, graded with `--course DIR` as the README says
//!   for a course of your own (the bundled course's dependencies take many minutes);
//! - the submodule is a copy of this package's files from this working tree (what
//!   `git submodule add` would check out), so that the code under test is what is installed;
//! - cargo installs into a temporary root, and builds into one target folder kept between
//!   runs (`CARGO_TARGET_DIR`, as a cache step would keep `.backendlings-src/target/`), so
//!   only the first run compiles backendlings' dependencies in release mode;
//! - `~/.cache` is a temporary folder (`XDG_CACHE_HOME`), `/autograder` is a temporary folder.

#[path = "cli/support.rs"]
mod support;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use support::{README, block_after, with_course, yaml_commands};

/// The `sh` block of the README whose first line is `first` (`# setup.sh`).
fn sh_block(first: &str) -> String {
    let fence = format!("```sh\n{first}\n");
    let start = README
        .find(&fence)
        .unwrap_or_else(|| panic!("the README no longer has a block {first:?}"));
    let body = &README[start + "```sh\n".len()..];
    body[..body.find("```").expect("the block is closed")].to_string()
}

/// `KEY: value` pairs under `variables:`.
fn yaml_variables(yaml: &str) -> Vec<(String, String)> {
    yaml.lines()
        .skip_while(|l| l.trim() != "variables:")
        .skip(1)
        .take_while(|l| l.starts_with("    "))
        .filter_map(|l| l.trim().split_once(": "))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// The folder cargo builds test binaries below (`target/`, or `$CARGO_TARGET_DIR`).
fn target_dir() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    // target/debug/deps/recipes-<hash>
    exe.ancestors().nth(3).unwrap().to_path_buf()
}

/// Copies the folder `from` to `to`, but for the entries named in `skip` at its top.
fn copy_tree(from: &Path, to: &Path, skip: &[&str]) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        if skip.iter().any(|s| entry.file_name() == *s) {
            continue;
        }
        let (src, dst) = (entry.path(), to.join(entry.file_name()));
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&src, &dst, &[]);
        } else {
            fs::copy(&src, &dst).unwrap();
        }
    }
}

/// This package's files (its manifest's `include`, the manifest and the lock file) into `to`.
fn vendor_backendlings(to: &Path) {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    let manifest: toml::Table = fs::read_to_string(here.join("Cargo.toml"))
        .unwrap()
        .parse()
        .unwrap();
    let include = manifest["package"]["include"].as_array().unwrap();
    let mut entries = vec!["Cargo.toml", "Cargo.lock"];
    entries.extend(
        include
            .iter()
            .map(|i| i.as_str().unwrap().trim_end_matches("/**")),
    );
    for entry in entries {
        let src = here.join(entry);
        if src.is_dir() {
            copy_tree(&src, &to.join(entry), &[]);
        } else {
            fs::create_dir_all(to.join(entry).parent().unwrap()).unwrap();
            fs::copy(&src, to.join(entry)).unwrap();
        }
    }
}

struct Shell {
    /// Set for every command of a recipe.
    env: Vec<(String, String)>,
}

impl Shell {
    /// Runs `script` with `sh` in `dir`; its exit code and stderr.
    fn run(&self, dir: &Path, script: &str) -> (i32, String) {
        let out = Command::new("sh")
            .args(["-c", script])
            .current_dir(dir)
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        (out.status.code().unwrap_or(-1), stderr)
    }

    /// Runs each command in order, as a CI job's steps: the exit codes.
    fn steps(&self, dir: &Path, commands: &[String]) -> Vec<i32> {
        commands
            .iter()
            .map(|command| {
                let (code, stderr) = self.run(dir, command);
                eprintln!("$ {command}\n{stderr}(exit {code})");
                code
            })
            .collect()
    }
}

/// A recipe's environment: cargo installs into `root`, builds into the shared target folder.
fn shell(tmp: &Path, root: &str, cache: &Path) -> Shell {
    let root = tmp.join(root);
    let path = format!(
        "{}:{}",
        root.join("bin").display(),
        std::env::var("PATH").unwrap_or_default()
    );
    Shell {
        env: vec![
            ("PATH".into(), path),
            ("CARGO_INSTALL_ROOT".into(), root.display().to_string()),
            (
                "CARGO_TARGET_DIR".into(),
                target_dir().join("recipes").display().to_string(),
            ),
            ("XDG_CACHE_HOME".into(), cache.display().to_string()),
            ("BACKENDLINGS_TRUST_COURSE".into(), "1".into()),
            ("NO_COLOR".into(), "1".into()),
        ],
    }
}

/// A build folder of grade's below `cache` that holds compiled code.
fn has_grade_build(cache: &Path) -> bool {
    let Ok(entries) = fs::read_dir(cache.join("backendlings")) else {
        return false;
    };
    // The target folder of the graded projects: the std-only one sits inside the other.
    entries.flatten().any(|e| {
        let target = e.path().join("target");
        [
            target.clone(),
            target.join("backendlings-std").join("target"),
        ]
        .iter()
        .any(|t| t.join("debug").join("deps").is_dir())
    })
}

#[test]
fn the_three_ci_recipes_run_as_written_on_a_template_made_as_the_readme_says() {
    let fixture = support::Fixture::new();
    let course = &fixture.course;
    let tmp = tempfile::tempdir().unwrap();
    let tmp = tmp.path();

    // The template, as the README makes it; it is also what the autograder zip holds.
    let making = block_after("A class's template repository is");
    let init = making.lines().next().unwrap();
    let init = with_course(init.split(" #").next().unwrap().trim(), course);
    assert!(init.starts_with("backendlings init"), "{init}");
    let source = tmp.join("autograder").join("source");
    fs::create_dir_all(&source).unwrap();
    let made = Command::new(support::BIN)
        .args(init.split_whitespace().skip(1))
        .current_dir(&source)
        .env("BACKENDLINGS_TRUST_COURSE", "1")
        .output()
        .unwrap();
    assert!(made.status.success(), "{made:?}");
    assert!(making.contains("git submodule add <your copy of backendlings> .backendlings-src"));
    let template = source.join("class-template");
    vendor_backendlings(&template.join(".backendlings-src"));
    // The README's git lines, but the submodule's (a copy stands in for it, above).
    let git = Shell {
        env: ["AUTHOR", "COMMITTER"]
            .iter()
            .flat_map(|who| {
                [
                    (format!("GIT_{who}_NAME"), "Instructor".to_string()),
                    (
                        format!("GIT_{who}_EMAIL"),
                        "instructor@localhost".to_string(),
                    ),
                ]
            })
            .collect(),
    };
    let lines: Vec<&str> = making.lines().collect();
    assert_eq!(lines[1], "cd class-template && git init", "{making}");
    assert!(lines[4].starts_with("git add . && git commit"), "{making}");
    assert_eq!(git.steps(&source, &[lines[1].to_string()]), [0]);
    assert_eq!(git.steps(&template, &[lines[4].to_string()]), [0]);
    let committed = Command::new("git")
        .args(["ls-files"])
        .current_dir(&template)
        .output()
        .unwrap();
    let committed = String::from_utf8_lossy(&committed.stdout).into_owned();
    assert!(
        committed.contains("exercises/00_basics/first.rs\n"),
        "{committed}"
    );
    assert!(
        !committed.lines().any(
            |f| (f.starts_with("solutions/") && f.ends_with(".rs")) || f.starts_with("target/")
        ),
        "the template's commit holds a solution or a build: {committed}"
    );

    // GitHub Actions, on the template as made: nothing solved yet, so grade exits 1.
    let github = block_after("GitHub Actions (`.github/workflows/grade.yml`");
    assert!(github.contains("uses: actions/cache@v4"), "{github}");
    assert!(github.contains(".backendlings-src/target/"), "{github}");
    assert!(github.contains("~/.cache/backendlings/"), "{github}");
    let runs = yaml_commands(&github, "run", course);
    assert_eq!(runs.len(), 2, "{runs:?}");
    let home_cache = tmp.join("home-cache");
    let gh = shell(tmp, "root-github", &home_cache);
    assert_eq!(gh.steps(&template, &runs), [0, 1]);
    let report = fs::read_to_string(template.join("report.xml")).unwrap();
    assert!(report.contains("<testsuites"), "{report}");
    assert!(report.contains("<failure"), "{report}");
    assert!(
        has_grade_build(&home_cache),
        "grade's build folder is in ~/.cache/backendlings/, which the cache step keeps"
    );

    // GitLab CI, on a student's push with every exercise solved: grade exits 0.
    for ex in [
        "00_basics/first.rs",
        "00_basics/second.rs",
        "01_more/printer.rs",
    ] {
        let solution = fs::read(course.join("solutions").join(ex)).unwrap();
        fs::write(template.join("exercises").join(ex), solution).unwrap();
    }
    let gitlab = block_after("GitLab CI (`.gitlab-ci.yml`");
    assert!(gitlab.contains("cache:"), "{gitlab}");
    let script = yaml_commands(&gitlab, "script", course);
    assert_eq!(script.len(), 2, "{script:?}");
    let project = template.display().to_string();
    let mut gl = shell(tmp, "root-gitlab", &tmp.join("unused"));
    for (key, value) in yaml_variables(&gitlab) {
        gl.env.retain(|(k, _)| *k != key);
        gl.env
            .push((key, value.replace("$CI_PROJECT_DIR", &project)));
    }
    assert_eq!(gl.steps(&template, &script), [0, 0]);
    let report = fs::read_to_string(template.join("report.xml")).unwrap();
    assert!(report.contains("<testsuites"), "{report}");
    assert!(!report.contains("<failure"), "{report}");
    assert!(
        gitlab.contains("- .cache/backendlings/") && has_grade_build(&template.join(".cache")),
        "grade's build folder is in the project's .cache/backendlings/, which GitLab caches"
    );

    // Gradescope: setup.sh once (it warms grade's build folder), then run_autograder on the
    // solved submission.
    let skipped = |line: &&str| {
        line.starts_with("apt-get ")
            || line.starts_with("curl ")
            || line.contains("$HOME/.cargo/env")
    };
    let autograder = tmp.join("autograder");
    let as_written = |block: &str| {
        block
            .lines()
            .filter(|line| !skipped(line))
            .map(|line| with_course(line, course))
            .collect::<Vec<_>>()
            .join("\n")
            .replace("/autograder", &autograder.display().to_string())
    };
    let setup = as_written(&sh_block("# setup.sh"));
    let run_autograder = as_written(&sh_block("# run_autograder"));
    // The zip holds the template's `.backendlings-src` folder at /autograder/source.
    fs::rename(
        template.join(".backendlings-src"),
        source.join(".backendlings-src"),
    )
    .unwrap();
    let gradescope_cache = tmp.join("gradescope-cache");
    let gs = shell(tmp, "root-gradescope", &gradescope_cache);
    let (code, stderr) = gs.run(&autograder, &setup);
    assert_eq!(code, 0, "setup.sh:\n{setup}\n{stderr}");
    assert!(setup.contains("cargo install --locked"), "{setup}");
    assert!(
        has_grade_build(&gradescope_cache),
        "setup.sh leaves grade's build folder warm:\n{setup}\n{stderr}"
    );
    let submission = autograder.join("submission");
    // What the student pushed: the template with its exercises solved.
    copy_tree(&template, &submission, &[".cache", "report.xml", "target"]);
    fs::create_dir_all(autograder.join("results")).unwrap();
    let (code, stderr) = gs.run(&autograder, &run_autograder);
    assert_eq!(code, 0, "run_autograder:\n{run_autograder}\n{stderr}");
    let results: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(autograder.join("results/results.json")).unwrap())
            .unwrap();
    assert_eq!(results["score"], 3.0, "{results}");
    let tests = results["tests"].as_array().unwrap();
    assert_eq!(tests.len(), 3, "{results}");
    assert!(tests.iter().all(|t| t["status"] == "passed"), "{results}");
}
