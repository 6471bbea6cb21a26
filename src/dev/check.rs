//! `dev check`: proves a course sound. Every exercise is listed once and exists, fails as
//! shipped, and its solution passes with the same grading tests; files are formatted.
//! All exercises and solutions are built in one cargo invocation and run in parallel.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use console::style;

use super::wrong::{self, WrongAttempt};
use crate::Error;
use crate::check::judge::{self, count};
use crate::check::{self, Outcome, Target, Verdict, modes};
use crate::course::{Course, Exercise, Mode, layout, tests_section};
use crate::ui;
use crate::ui::verdict as verdict_words;
use crate::workspace::{Workspace, slash_path};

/// One thing wrong with the course.
struct Problem {
    /// Where: a file, with a line when one is known.
    place: String,
    message: String,
}

/// The folder (below the course's `target/`) where `dev check` builds exercises and solutions.
pub(crate) fn build_dir(root: &Path) -> PathBuf {
    root.join("target").join("backendlings-dev")
}

/// Bin name of an exercise's solution in the dev build project (`-` cannot be in a name).
pub(crate) fn solution_bin(ex: &Exercise) -> String {
    format!("{}-solution", ex.name)
}

/// The dev build project: every exercise and every solution as a bin (absolute paths, so that
/// the project may live in any folder).
pub(crate) fn dev_bins(root: &Path, course: &Course) -> Vec<layout::Bin> {
    let prefix = format!("{}/", slash_path(root));
    let mut bins = layout::exercise_bins(course, &prefix);
    bins.extend(course.exercises.iter().map(|ex| layout::Bin {
        name: solution_bin(ex),
        path: format!("{prefix}{}", slash_path(&ex.solution_path())),
    }));
    bins
}

/// What `dev check` was asked for.
pub struct Options {
    /// Check only these exercises (all when empty).
    pub names: Vec<String>,
    /// Show, for every wrong attempt, the message a learner would see.
    pub show_wrong: bool,
    /// Build here instead of `target/backendlings-dev` (to run several checks at once).
    pub build_dir: Option<PathBuf>,
}

/// Which side of an exercise a target builds.
enum Side<'a> {
    Exercise,
    Solution,
    Wrong(&'a WrongAttempt),
    /// A `mutants` exercise or solution compiled whole, as the learner reads and builds it
    /// (grading compiles only its tests, against the course's implementation): its path.
    AsRead(PathBuf),
}

/// Where files compiled as read are composed (apart from the same files graded).
const AS_READ: &str = "as-read";

pub fn check(options: &Options) -> Result<ExitCode, Error> {
    let names = &options.names;
    let root = std::env::current_dir()?;
    let course = Course::load_dir(&root, true)?;
    for name in names {
        if course.find(name).is_none() {
            return Err(format!("there is no exercise named {name:?} in info.toml").into());
        }
    }
    let selected: Vec<&Exercise> = course
        .exercises
        .iter()
        .filter(|ex| names.is_empty() || names.contains(&ex.name))
        .collect();

    let mut problems = structure_problems(&root, &course, &selected);

    // Wrong attempts are composed into the build folder, next to the build project.
    let build = match &options.build_dir {
        Some(dir) => std::path::absolute(dir)?,
        None => build_dir(&root),
    };
    let mut attempts: Vec<(&Exercise, Vec<WrongAttempt>)> = Vec::new();
    for ex in &selected {
        let text = std::fs::read_to_string(root.join(ex.path())).unwrap_or_default();
        let (found, bad) = wrong::read(&root, ex, &text);
        problems.extend(
            bad.into_iter()
                .map(|(place, message)| Problem { place, message }),
        );
        if modes::of(ex.mode).has_wrong_attempts() && found.len() < course.min_wrong_attempts {
            problems.push(Problem {
                place: slash_path(&wrong::folder(ex)),
                message: format!(
                    "holds {}; info.toml asks for at least {} per exercise (plausible mistakes, \
                     each proven to fail: see docs/COURSE_FORMAT.md)",
                    count(found.len(), "wrong attempt", "wrong attempts"),
                    course.min_wrong_attempts
                ),
            });
        }
        attempts.push((ex, found));
    }
    // A patch attempt is formatted as the full file it stands for, written to the build folder
    // (where compiler messages about it point, too).
    let mut formatted = Vec::new();
    let mut patches = Vec::new();
    for attempt in attempts.iter().flat_map(|(_, found)| found) {
        if attempt.is_patch() {
            let full = build.join(attempt.full_path());
            std::fs::create_dir_all(full.parent().unwrap_or(&build))?;
            std::fs::write(&full, &attempt.file)?;
            patches.push((full.clone(), attempt));
            formatted.push(full);
        } else {
            formatted.push(attempt.path.clone());
        }
    }
    formatted.extend(course.support.iter().map(PathBuf::from));
    for problem in format_problems(&root, &selected, &formatted) {
        let patch = patches
            .iter()
            .find(|(full, _)| root.join(&problem.place) == *full);
        problems.push(match patch {
            Some((full, attempt)) => Problem {
                place: slash_path(&attempt.path),
                message: format!(
                    "gives an attempt that is not formatted ({}); format that file and store \
                     it again with `backendlings dev add-wrong`",
                    full.display()
                ),
            },
            None => problem,
        });
    }
    let bins = dev_bins(&root, &course);

    // Build every side of every exercise with one cargo invocation.
    let ws = Workspace::open(&root)?;
    let ws = ws.with_build_dir(build.clone());
    ws.write_build_project(&bins)?;
    // What `dev update` writes must be up to date, or the course pins nothing.
    let generated = [
        ("Cargo.toml", super::stale::manifest_problem(&root, &course)),
        (
            "course.lock",
            super::stale::lock_problem(&root, &course, &ws.build_dir),
        ),
    ];
    for (place, message) in generated {
        problems.extend(message.map(|message| Problem {
            place: place.into(),
            message,
        }));
    }
    let support = ws.support_files();
    // A `mutants` file is graded by its tests alone; the code above them, which the learner
    // reads and builds with `cargo test`, is compiled whole as a plain test target too.
    let whole: Vec<Exercise> = attempts
        .iter()
        .filter(|(ex, _)| modes::of(ex.mode).learner_writes_tests())
        .map(|(ex, _)| Exercise {
            mode: Mode::Test,
            ..(*ex).clone()
        })
        .collect();
    let mut targets = Vec::new();
    let mut sides = Vec::new();
    for ex in &whole {
        for (path, bin) in [
            (ex.path(), format!("{}-as-read", ex.name)),
            (ex.solution_path(), format!("{}-as-read", solution_bin(ex))),
        ] {
            sides.push(Side::AsRead(path.clone()));
            targets.push(Target {
                exercise: ex,
                bin,
                source: root.join(&path),
                shown_as: Path::new(AS_READ).join(&path),
                snapshot: None,
                support: &support,
                cancel: None,
                original: None,
                mutants: None,
            });
        }
    }
    for (ex, found) in &attempts {
        let ex = *ex;
        sides.push(Side::Exercise);
        targets.push(Target {
            exercise: ex,
            bin: ex.name.clone(),
            source: root.join(ex.path()),
            shown_as: ex.path(),
            snapshot: None,
            support: &support,
            cancel: None,
            original: None,
            mutants: ws.mutants_impl(ex),
        });
        sides.push(Side::Solution);
        targets.push(Target {
            exercise: ex,
            bin: solution_bin(ex),
            source: root.join(ex.solution_path()),
            shown_as: ex.solution_path(),
            snapshot: None,
            support: &support,
            cancel: None,
            // The solution must keep the exercise's grading tests, and pass all of them.
            original: std::fs::read_to_string(root.join(ex.path())).ok(),
            mutants: ws.mutants_impl(ex),
        });
        for attempt in found {
            sides.push(Side::Wrong(attempt));
            targets.push(Target {
                exercise: ex,
                bin: wrong::bin(ex, attempt),
                source: if attempt.is_patch() {
                    build.join(attempt.full_path())
                } else {
                    root.join(&attempt.path)
                },
                shown_as: attempt.full_path(),
                snapshot: Some(attempt.source.clone()),
                support: &support,
                cancel: None,
                original: std::fs::read_to_string(root.join(ex.path())).ok(),
                mutants: ws.mutants_impl(ex),
            });
        }
    }
    let bar = ui::progress_bar(targets.len(), "");
    bar.set_message("building");
    let verdicts = check::check(
        &ws.build_dir,
        &ws.layers,
        &targets,
        &check::Options {
            strict: false,
            color: ui::colors(),
        },
        &ui::CheckBar(bar.clone()),
    )?;
    bar.finish_and_clear();
    let mut wrong_count = 0;
    for ((target, verdict), side) in targets.iter().zip(&verdicts).zip(&sides) {
        match side {
            Side::Wrong(attempt) => {
                wrong_count += 1;
                if options.show_wrong {
                    show_wrong(attempt, verdict);
                }
                problems.extend(wrong_problem(attempt, verdict));
            }
            Side::AsRead(path) => problems.extend(as_read_problem(path, verdict)),
            _ => problems.extend(verdict_problem(target, verdict)),
        }
    }

    if problems.is_empty() {
        let each = match selected.len() {
            1 => "it fails as shipped, its solution passes",
            _ => "each fails as shipped, its solution passes",
        };
        let attempts = match wrong_count {
            0 => "there are no wrong attempts".to_string(),
            1 => "the 1 wrong attempt fails with the message it expects".to_string(),
            n => format!("the {n} wrong attempts fail with the messages they expect"),
        };
        println!(
            "{} {} checked: {each}, {attempts}, hints and formatting are in order.",
            style("✓").green().bold(),
            count(selected.len(), "exercise", "exercises"),
        );
        Ok(ExitCode::SUCCESS)
    } else {
        for p in &problems {
            println!("{} {}: {}", style("✗").red().bold(), p.place, p.message);
        }
        println!(
            "\n{} in the course.",
            count(problems.len(), "problem", "problems")
        );
        Ok(ExitCode::from(1))
    }
}

/// A wrong attempt must fail, by its tests (not by the compiler), with the expected words.
fn wrong_problem(attempt: &WrongAttempt, verdict: &Verdict) -> Option<Problem> {
    let place = slash_path(&attempt.path);
    let message = match verdict.outcome {
        Outcome::Passed => format!(
            "passes, but it is wrong ({}): add a test that catches this mistake",
            attempt.what
        ),
        Outcome::CompileError => format!(
            "does not compile, so it proves nothing about the tests; make it compile \
             ({})\n{}",
            verdict_words::summary(verdict),
            judge::indent_by("    ", &verdict_words::details(verdict))
        ),
        Outcome::Tampered => format!(
            "changes the grading tests; leave the marker out and the tests are appended for you\n{}",
            judge::indent_by("    ", &verdict_words::details(verdict))
        ),
        Outcome::Failed | Outcome::TimedOut => {
            let shown = verdict_words::shown(verdict);
            let missing: Vec<&String> = attempt
                .expect
                .iter()
                .filter(|e| !shown.contains(e.as_str()))
                .collect();
            if missing.is_empty() {
                return None;
            }
            format!(
                "fails, but the learner is not told {missing:?}; they would read:\n{}",
                judge::indent_by("    ", shown.trim_end())
            )
        }
    };
    Some(Problem { place, message })
}

/// A file compiled whole must compile; what its tests do is graded elsewhere.
fn as_read_problem(path: &Path, verdict: &Verdict) -> Option<Problem> {
    (verdict.outcome == Outcome::CompileError).then(|| Problem {
        place: slash_path(path),
        message: format!(
            "does not compile as the learner reads and builds it (grading compiles only its \
             tests, so this is found nowhere else): {}\n{}",
            verdict_words::summary(verdict),
            judge::indent_by(
                "    ",
                &verdict_words::details(verdict).replace(&format!("{AS_READ}/"), "")
            )
        ),
    })
}

/// A solution is revealed as it is, but only the exercise's grading section is compiled with
/// it: its own must be the same text, or what follows the tests (notes, an unclosed item) is
/// read by the learner and never checked. (Changed tests are the verdict's to report.)
fn grading_section_problem(root: &Path, ex: &Exercise, exercise: &str) -> Option<Problem> {
    let solution = std::fs::read_to_string(root.join(ex.solution_path())).ok()?;
    let wanted = tests_section::grading_section(exercise)?;
    let found = tests_section::grading_section(&solution)?;
    if found == wanted || tests_section::find_tampering(exercise, &solution).is_some() {
        return None;
    }
    let above = solution[..solution.len() - found.len()]
        .matches('\n')
        .count();
    let mut wanted_lines = wanted.lines();
    let differs = found
        .lines()
        .position(|line| wanted_lines.next() != Some(line))
        .unwrap_or(found.lines().count());
    Some(Problem {
        place: format!(
            "{}:{}",
            slash_path(&ex.solution_path()),
            above + differs + 1
        ),
        message: "differs here from the exercise's grading section. Only the exercise's \
                  grading tests are compiled with a solution, so this text is never checked, \
                  yet the learner reads it when the solution is revealed: the section must be \
                  the exercise's, byte for byte (put notes above the marker)"
            .into(),
    })
}

/// A solution is read once the exercise is solved: a TODO in it tells the learner of work
/// that is done. (The grading section is the exercise's, and checked with it.)
fn solution_todo_problem(root: &Path, ex: &Exercise) -> Option<Problem> {
    let text = std::fs::read_to_string(root.join(ex.solution_path())).ok()?;
    let lines = todo_lines(tests_section::learner_part(&text));
    let first = lines.first()?;
    let listed: Vec<String> = lines.iter().map(usize::to_string).collect();
    Some(Problem {
        place: format!("{}:{first}", slash_path(&ex.solution_path())),
        message: format!(
            "has {} ({} {}): the learner reads a solution once the exercise passes, when \
             nothing is left to do; say what the code does instead, or delete it",
            count(lines.len(), "TODO comment", "TODO comments"),
            if lines.len() == 1 { "line" } else { "lines" },
            listed.join(", ")
        ),
    })
}

/// The lines (from 1) with a comment that starts with `TODO`. Doc comments are not TODO
/// comments: a lesson may speak of the exercise's TODOs.
fn todo_lines(text: &str) -> Vec<usize> {
    let is_todo = |line: &str| {
        ["//", "/*"].iter().any(|opener| {
            line.match_indices(opener).any(|(at, _)| {
                let rest = &line[at + 2..];
                let doc = rest.starts_with(['/', '!', '*']) || line[..at].ends_with('/');
                !doc && rest.trim_start().starts_with("TODO")
            })
        })
    };
    text.lines()
        .enumerate()
        .filter(|(_, line)| is_todo(line))
        .map(|(i, _)| i + 1)
        .collect()
}

/// What a learner who made this mistake reads.
fn show_wrong(attempt: &WrongAttempt, verdict: &Verdict) {
    println!(
        "{} {} ({})\n    {}: {}\n{}\n",
        style("•").dim(),
        slash_path(&attempt.path),
        attempt.what,
        verdict.outcome.as_str(),
        verdict_words::summary(verdict),
        judge::indent_by("    ", verdict_words::details(verdict).trim_end())
    );
}

fn verdict_problem(target: &Target<'_>, verdict: &Verdict) -> Option<Problem> {
    let ex = target.exercise;
    let is_solution = target.bin != ex.name;
    let place = slash_path(&if is_solution {
        ex.solution_path()
    } else {
        ex.path()
    });
    let message = match (is_solution, verdict.outcome) {
        (false, Outcome::Passed) => {
            "passes as shipped; an exercise must fail until the learner has done the work"
                .to_string()
        }
        (false, Outcome::TimedOut) => format!(
            "times out as shipped ({}); it should fail quickly so the learner sees why",
            verdict_words::summary(verdict)
        ),
        (false, _) => return None,
        (true, Outcome::Passed) => return None,
        (true, Outcome::Tampered) => format!(
            "the solution's grading tests differ from the exercise's; they must be identical\n{}",
            judge::indent_by("    ", &verdict_words::details(verdict))
        ),
        (true, _) => format!(
            "the solution does not pass: {}\n{}",
            verdict_words::summary(verdict),
            judge::indent_by("    ", &verdict_words::details(verdict))
        ),
    };
    Some(Problem { place, message })
}

/// Files without an entry, entries whose tests cannot be told apart, missing markers.
fn structure_problems(root: &Path, course: &Course, selected: &[&Exercise]) -> Vec<Problem> {
    let mut problems = Vec::new();
    let listed: BTreeSet<String> = course
        .exercises
        .iter()
        .flat_map(|ex| [ex.path(), ex.solution_path(), ex.mutants_path()].map(|p| slash_path(&p)))
        .collect();
    for folder in ["exercises", "solutions", "mutants"] {
        for file in rust_files(&root.join(folder)) {
            let relative = slash_path(file.strip_prefix(root).unwrap_or(&file));
            if !listed.contains(&relative) {
                problems.push(Problem {
                    place: relative,
                    message: "is not listed in info.toml; add an `[[exercises]]` entry for it or delete it"
                        .into(),
                });
            }
        }
    }
    for ex in selected {
        let text = std::fs::read_to_string(root.join(ex.path())).unwrap_or_default();
        let place = slash_path(&ex.path());
        if modes::of(ex.mode).course_tests() {
            match tests_section::grading_section(&text) {
                None => problems.push(Problem {
                    place,
                    message: format!(
                        "has no `{}` line; test-mode exercises keep their grading tests below it",
                        tests_section::MARKER_PREFIX
                    ),
                }),
                Some(section) if check::source::test_names(section).is_empty() => {
                    problems.push(Problem {
                        place,
                        message: "has no `#[test]` below the grading marker".into(),
                    })
                }
                Some(_) => {}
            }
        }
        if modes::of(ex.mode).course_tests() {
            problems.extend(grading_section_problem(root, ex, &text));
        }
        problems.extend(solution_todo_problem(root, ex));
        if modes::of(ex.mode).learner_writes_tests() {
            problems.extend(mutants_problems(root, ex, &text));
        }
        if !text.contains("TODO") {
            problems.push(Problem {
                place: slash_path(&ex.path()),
                message: "has no `TODO` comment showing the learner where to work".into(),
            });
        }
    }
    problems
}

/// A mutants exercise needs the learner's marker in both files, and a switch per mutant.
fn mutants_problems(root: &Path, ex: &Exercise, exercise_text: &str) -> Vec<Problem> {
    let mut problems = Vec::new();
    let solution = std::fs::read_to_string(root.join(ex.solution_path())).unwrap_or_default();
    for (path, text) in [
        (ex.path(), exercise_text),
        (ex.solution_path(), solution.as_str()),
    ] {
        if crate::check::modes::learner_tests(text).is_none() {
            problems.push(Problem {
                place: slash_path(&path),
                message: format!(
                    "has no `{}` line above the tests",
                    crate::check::modes::YOUR_TESTS_PREFIX
                ),
            });
        }
    }
    let implementation = std::fs::read_to_string(root.join(ex.mutants_path())).unwrap_or_default();
    for k in 1..=ex.mutants.len() {
        if !implementation.contains(&format!("mutant({k})")) {
            problems.push(Problem {
                place: slash_path(&ex.mutants_path()),
                message: format!(
                    "never calls `mutant({k})`, so the mutant {:?} is never switched on",
                    ex.mutants[k - 1].description
                ),
            });
        }
    }
    problems
}

/// `rustfmt --check` over every exercise, solution and wrong attempt, in one invocation.
fn format_problems(root: &Path, selected: &[&Exercise], extra: &[PathBuf]) -> Vec<Problem> {
    let mut files: Vec<PathBuf> = selected
        .iter()
        .flat_map(|ex| {
            let mut files = vec![ex.path(), ex.solution_path()];
            files.extend(ex.mutants_file());
            files
        })
        .collect();
    files.extend_from_slice(extra);
    let output = Command::new("rustfmt")
        .args(["--check", "--edition", "2024", "-l"])
        .args(&files)
        .current_dir(root)
        .output();
    match output {
        Ok(out) if out.status.success() => Vec::new(),
        Ok(out) if out.status.code() == Some(1) => String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter(|l| l.ends_with(".rs"))
            .map(|file| Problem {
                place: file
                    .trim_start_matches(&format!("{}/", root.display()))
                    .to_string(),
                message: "is not formatted; run `rustfmt --edition 2024` on it".into(),
            })
            .collect(),
        Ok(out) => vec![Problem {
            place: "rustfmt".into(),
            message: format!(
                "could not check formatting: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            ),
        }],
        Err(e) => vec![Problem {
            place: "rustfmt".into(),
            message: format!(
                "could not be started ({e}); install it with `rustup component add rustfmt`"
            ),
        }],
    }
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return files;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    files.sort();
    files
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn todo_comments_are_found_and_doc_comments_are_not() {
        let text = "//! The lesson's `TODO` comments show where to work.\n\
                    /// TODO in a doc comment: lesson text\n\
                    fn f() {\n    // TODO: return 1.\n    1 // TODO later\n}\n\
                    /* TODO: a block */\n/** TODO doc */\nlet url = \"http://x\"; // not a todo\n";
        assert_eq!(todo_lines(text), [4, 5, 7]);
    }
}
