//! `grade`: grades one learner workspace, or a whole class of them, for an instructor's CI.
//! It trusts nothing in a workspace but its exercise files: the grading tests, the manifest,
//! the lock file, the mutants and the support modules come from the course (the bundled one,
//! or `--course DIR`), and nothing is written into a workspace. A class is graded with one
//! build of the dependencies, and an exercise file that several students share (an exercise
//! not started yet, say) is built and run once.

use std::collections::HashMap;
use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::check::{self, Target, Verdict, source};
use crate::course::{Course, Source, layout, tests_section};
use crate::report::{self, Format};
use crate::session::Error;
use crate::ui;
use crate::workspace::slash_path;

/// What `grade` was asked for.
pub struct Options {
    pub format: Format,
    pub output: Option<PathBuf>,
    /// A course folder to grade against, instead of the bundled course.
    pub course: Option<PathBuf>,
    /// Grade every workspace directly below this folder.
    pub class: Option<PathBuf>,
    /// Also write a CSV summary (one row per student, one column per exercise) here.
    pub csv: Option<PathBuf>,
    /// Where to build (default: a folder in the system's temporary folder, kept for reuse).
    pub build_dir: Option<PathBuf>,
    /// Let environment variables (BACKENDLINGS_CARGO, CARGO_TARGET_DIR) change the grading.
    pub trust_env: bool,
}

/// A student's workspace: a name for the report, and where it is.
pub struct Student {
    pub name: String,
    pub root: PathBuf,
}

/// One exercise of one student, graded.
pub struct Graded {
    pub verdict: Verdict,
    /// The course's version of the exercise (for the source of its tests in reports).
    pub original: Option<String>,
    /// Constructs an instructor should look at: (line, what).
    pub needs_review: Vec<(usize, String)>,
}

/// A student's results, in course order.
pub struct StudentResults {
    pub student: Student,
    pub exercises: Vec<Graded>,
}

pub fn grade(options: &Options) -> Result<ExitCode, Error> {
    console::set_colors_enabled(false);
    check::set_strict(!options.trust_env);
    let source = match &options.course {
        Some(dir) => {
            crate::session::confirm_trust(dir)?;
            Source::Folder(dir)
        }
        None => Source::Bundled,
    };
    let course = source.course()?;
    let students = match &options.class {
        Some(class) => class_members(class)?,
        None => {
            let here = std::env::current_dir()?;
            let root = crate::workspace::find_root(&here).unwrap_or(here);
            let name = root
                .file_name()
                .map_or("workspace".into(), |n| n.to_string_lossy().into_owned());
            vec![Student { name, root }]
        }
    };
    let build_dir = match &options.build_dir {
        Some(dir) => std::path::absolute(dir)?,
        None => default_build_dir(&course),
    };
    write_build_project(&build_dir, &course, source)?;
    let results = grade_students(&build_dir, &course, source, students)?;

    let text = match (options.format, options.class.is_some()) {
        (Format::Json, false) => report::json(&course, &results[0]),
        (Format::Json, true) => report::json_class(&course, &results),
        (Format::Junit, _) => report::junit(&course, &results)?,
        (Format::Gradescope, false) => report::gradescope(&course, &results[0]),
        (Format::Gradescope, true) => {
            return Err(
                "the Gradescope format is per student: grade each submission \
                        on its own (Gradescope runs one autograder per submission)"
                    .into(),
            );
        }
    };
    match &options.output {
        Some(path) => std::fs::write(path, text)?,
        None => print!("{text}"),
    }
    if let Some(path) = &options.csv {
        std::fs::write(path, report::csv(&course, &results))?;
    }
    // One workspace: its exit status says whether everything passed. A class: the report
    // is the result.
    let all_passed = results
        .iter()
        .all(|r| r.exercises.iter().all(|g| g.verdict.passed()));
    Ok(if options.class.is_some() {
        ExitCode::SUCCESS
    } else {
        crate::commands::exit_for(all_passed)
    })
}

/// Every folder directly below `class` that holds an `exercises/` folder, by name.
fn class_members(class: &Path) -> Result<Vec<Student>, Error> {
    let entries = std::fs::read_dir(class)
        .map_err(|e| format!("cannot read the class folder {}: {e}", class.display()))?;
    let mut students: Vec<Student> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.join("exercises").is_dir())
        .map(|root| Student {
            name: root
                .file_name()
                .map_or(String::new(), |n| n.to_string_lossy().into_owned()),
            root,
        })
        .collect();
    students.sort_by(|a, b| a.name.cmp(&b.name));
    if students.is_empty() {
        return Err(format!(
            "no workspace below {}\n  fix: --class takes the folder that holds one folder per \
             student, each with its exercises/ folder",
            class.display()
        )
        .into());
    }
    Ok(students)
}

/// A build folder per course, outside every workspace, kept between runs so that a second
/// grading reuses the first one's dependencies.
fn default_build_dir(course: &Course) -> PathBuf {
    let mut hasher = DefaultHasher::new();
    for ex in &course.exercises {
        ex.name.hash(&mut hasher);
    }
    format!("{:?}", course.dependencies).hash(&mut hasher);
    std::env::temp_dir().join(format!("backendlings-grade-{:016x}", hasher.finish()))
}

/// The build project, from the course alone: its manifest and its lock file.
fn write_build_project(build_dir: &Path, course: &Course, source: Source) -> Result<(), Error> {
    std::fs::create_dir_all(build_dir)?;
    let manifest = layout::cargo_toml(course, &[]);
    check::compose::write_if_changed(&build_dir.join("Cargo.toml"), &manifest)?;
    if let Some(lock) = source.file("course.lock") {
        check::compose::write_if_changed(&build_dir.join("Cargo.lock"), &lock)?;
    }
    Ok(())
}

/// What is graded for one student's exercise: the file's bytes, or nothing if it is missing.
fn snapshot_of(root: &Path, relative: &Path) -> Option<Vec<u8>> {
    std::fs::read(root.join(relative)).ok()
}

fn grade_students(
    build_dir: &Path,
    course: &Course,
    source: Source,
    students: Vec<Student>,
) -> Result<Vec<StudentResults>, Error> {
    let originals: Vec<Option<String>> = course
        .exercises
        .iter()
        .map(|ex| source.file(&slash_path(&ex.path())))
        .collect();
    let mutants: Vec<Option<String>> = course
        .exercises
        .iter()
        .map(|ex| source.file(&slash_path(&ex.mutants_path())))
        .collect();
    let support: Vec<(String, String)> = course
        .support
        .iter()
        .filter_map(|path| Some((path.clone(), source.file(path)?)))
        .collect();

    // One target per distinct (exercise, file content): students who share a file share its
    // build and its verdict.
    struct Unique {
        exercise: usize,
        key: u64,
        snapshot: Option<String>,
        source: PathBuf,
    }
    let mut unique: Vec<Unique> = Vec::new();
    let mut index: HashMap<(usize, u64), usize> = HashMap::new();
    let mut assignment: Vec<Vec<(usize, Option<Vec<u8>>)>> = Vec::new();
    for student in &students {
        let mut row = Vec::new();
        for (e, ex) in course.exercises.iter().enumerate() {
            let bytes = snapshot_of(&student.root, &ex.path());
            let mut hasher = DefaultHasher::new();
            bytes.hash(&mut hasher);
            let key = hasher.finish();
            let u = *index.entry((e, key)).or_insert_with(|| {
                unique.push(Unique {
                    exercise: e,
                    key,
                    snapshot: bytes.clone().and_then(|b| String::from_utf8(b).ok()),
                    source: student.root.join(ex.path()),
                });
                unique.len() - 1
            });
            row.push((u, bytes));
        }
        assignment.push(row);
    }
    let targets: Vec<Target> = unique
        .iter()
        .map(|u| {
            let ex = &course.exercises[u.exercise];
            Target {
                exercise: ex,
                bin: format!("{}-{:016x}", ex.name, u.key),
                source: u.source.clone(),
                shown_as: Path::new("g")
                    .join(format!("{:016x}", u.key))
                    .join(ex.path()),
                snapshot: u.snapshot.clone(),
                support: &support,
                cancel: None,
                original: originals[u.exercise].clone(),
                mutants: mutants[u.exercise].clone(),
            }
        })
        .collect();
    let bar = ui::progress_bar(targets.len(), "");
    bar.set_message(format!(
        "grading {} students: {} distinct exercise files",
        students.len(),
        targets.len()
    ));
    let verdicts = check::check(build_dir, &targets, false, &ui::CheckBar(bar.clone()))?;
    bar.finish_and_clear();

    let mut results = Vec::new();
    for (student, row) in students.into_iter().zip(assignment) {
        let exercises = row
            .into_iter()
            .enumerate()
            .map(|(e, (u, bytes))| {
                let prefix = format!("g/{:016x}/", unique[u].key);
                let verdict = without_prefix(&verdicts[u], &prefix);
                let learner = bytes
                    .map(|b| String::from_utf8_lossy(&b).into_owned())
                    .unwrap_or_default();
                let original = originals[e].clone().unwrap_or_default();
                let needs_review = source::needs_review(
                    tests_section::learner_part(&learner),
                    tests_section::learner_part(&original),
                );
                Graded {
                    verdict,
                    original: originals[e].clone(),
                    needs_review,
                }
            })
            .collect();
        results.push(StudentResults { student, exercises });
    }
    Ok(results)
}

/// A verdict with the build's folder prefix taken out of every path it shows, so that it
/// names the learner's own file (`exercises/01_http/http1.rs`).
fn without_prefix(verdict: &Verdict, prefix: &str) -> Verdict {
    let mut v = verdict.clone();
    v.details = v.details.replace(prefix, "");
    for test in &mut v.tests {
        test.location = test.location.as_ref().map(|l| l.replace(prefix, ""));
        test.message = test.message.as_ref().map(|m| m.replace(prefix, ""));
    }
    for d in &mut v.diagnostics {
        d.span = d.span.as_ref().map(|s| s.replace(prefix, ""));
        d.rendered = d.rendered.replace(prefix, "");
    }
    v
}
