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

mod progress;
mod shard;

use progress::Progress;

pub use shard::Share;

use crate::Error;
use crate::check::{self, Target, Verdict, source};
use crate::course::layers::Layers;
use crate::course::{Course, Source, layout, tests_section};
use crate::report::{self, Format, Graded, Student, StudentResults};
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
    /// Grade only this share of the class, and write a shard file for `grade merge`.
    pub shard: Option<Share>,
}

/// What `grade merge` was asked for.
pub struct MergeOptions {
    pub shards: Vec<PathBuf>,
    pub format: Format,
    pub output: Option<PathBuf>,
    pub course: Option<PathBuf>,
    pub csv: Option<PathBuf>,
}

pub fn grade(options: &Options) -> Result<ExitCode, Error> {
    console::set_colors_enabled(false);
    let mut students = match &options.class {
        Some(class) => class_members(class)?,
        None => vec![this_workspace()?],
    };
    if options.shard.is_some() && options.class.is_none() {
        return Err("--shard takes a share of a class: use it with --class DIR".into());
    }
    let source = match &options.course {
        Some(dir) => {
            crate::session::confirm_trust(dir)?;
            Source::Folder(dir)
        }
        None => {
            bundled_course_of(&students, options.class.is_some())?;
            Source::Bundled
        }
    };
    let course = source.course()?;
    // A share grades its students only, but names the class by all of them.
    let class_id = shard::class_id(&students);
    if let Some(share) = options.shard {
        students.retain(|s| share.holds(&s.name));
    }
    let build_dir = match &options.build_dir {
        Some(dir) => std::path::absolute(dir)?,
        None => default_build_dir(&course),
    };
    crate::sys::files::private_build_dir(&build_dir)?;
    // Say plainly what this machine cannot isolate (docs/TRUST.md, "Platforms").
    let missing = crate::sys::sandbox::probe().missing();
    if !missing.is_empty() {
        eprintln!(
            "warning: students' tests run here without {}; see docs/TRUST.md",
            missing.join(", ")
        );
    }
    write_build_project(&build_dir, &course, source)?;
    // Strict unless trusted: the environment cannot change how students are built or graded.
    let check_options = check::Options {
        strict: !options.trust_env,
        color: false,
    };
    let results = grade_students(&build_dir, &course, source, &check_options, students)?;
    if let Some(share) = options.shard {
        let text = shard::write(share, class_id, shard::course_id(&course, source), &results);
        match &options.output {
            Some(path) => write_report(path, &text)?,
            None => print!("{text}"),
        }
        return Ok(crate::commands::exit_for(
            results.iter().all(|r| r.student.not_graded.is_none()),
        ));
    }
    let reports = Reports {
        format: options.format,
        output: options.output.as_deref(),
        csv: options.csv.as_deref(),
        class: options.class.is_some(),
    };
    reports.write(&course, &results)
}

/// `grade merge`: the shard files of a class's shares joined into one report, equal to an
/// unsharded run's but for timings.
pub fn merge(options: &MergeOptions) -> Result<ExitCode, Error> {
    console::set_colors_enabled(false);
    let source = match &options.course {
        Some(dir) => {
            crate::session::confirm_trust(dir)?;
            Source::Folder(dir)
        }
        None => Source::Bundled,
    };
    let course = source.course()?;
    let results = shard::merge(&options.shards, &course, source)?;
    let reports = Reports {
        format: options.format,
        output: options.output.as_deref(),
        csv: options.csv.as_deref(),
        class: true,
    };
    reports.write(&course, &results)
}

/// Which reports to write, and where.
struct Reports<'a> {
    format: Format,
    output: Option<&'a Path>,
    csv: Option<&'a Path>,
    class: bool,
}

impl Reports<'_> {
    /// Writes the report (and the CSV), and returns the exit status: for one workspace,
    /// whether everything passed; for a class, whether every student's folder was graded.
    fn write(&self, course: &Course, results: &[StudentResults]) -> Result<ExitCode, Error> {
        let text = match (self.format, self.class) {
            (Format::Json, false) => report::json(course, &results[0]),
            (Format::Json, true) => report::json_class(course, results),
            (Format::Junit, _) => report::junit(course, results)?,
            (Format::Html, _) => report::html(course, results),
            (Format::Gradescope, false) => report::gradescope(course, &results[0]),
            (Format::Gradescope, true) => {
                return Err(
                    "the Gradescope format is per student: grade each submission \
                            on its own (Gradescope runs one autograder per submission)"
                        .into(),
                );
            }
        };
        match self.output {
            Some(path) => write_report(path, &text)?,
            None => print!("{text}"),
        }
        if let Some(path) = self.csv {
            write_report(path, &report::csv(course, results))?;
        }
        // One workspace: its exit status says whether everything passed. A class: the report
        // is the result, unless a student's folder could not be graded at all.
        let all_passed = results
            .iter()
            .all(|r| r.exercises.iter().all(|g| g.verdict.passed()));
        Ok(if self.class {
            crate::commands::exit_for(results.iter().all(|r| r.student.not_graded.is_none()))
        } else {
            crate::commands::exit_for(all_passed)
        })
    }
}

/// Reports are written whole or not at all: a failed write (a full disk) leaves the previous
/// report in place, never a truncated one.
fn write_report(path: &Path, contents: &str) -> Result<(), Error> {
    crate::sys::files::write_atomically(path, contents.as_bytes()).map_err(|e| {
        let what = if e.kind() == std::io::ErrorKind::StorageFull {
            "the disk is full".to_string()
        } else {
            e.to_string()
        };
        format!(
            "could not write the report {}: {what}; nothing was written",
            path.display()
        )
        .into()
    })
}

/// The workspace the current folder is in: the nearest folder, from here upward, with an
/// `info.toml`.
fn this_workspace() -> Result<Student, Error> {
    let here = std::env::current_dir()?;
    let Some(root) = crate::workspace::find_root(&here) else {
        return Err(Error::usage(
            format!(
                "there is no backendlings workspace here: neither {} nor a folder above it has \
                 an info.toml, so there is nothing to grade",
                here.display()
            ),
            "run `backendlings grade` in a learner's workspace (the folder with info.toml and \
             exercises/), or grade a folder that holds one workspace per student with \
             `backendlings grade --class DIR`",
        ));
    };
    let name = root
        .file_name()
        .map_or("workspace".into(), |n| n.to_string_lossy().into_owned());
    Ok(Student {
        name,
        root,
        not_graded: None,
    })
}

/// With no `--course`, the workspaces are graded against the bundled course: refused, naming
/// `--course`, unless they were made from it (its marker, or its very info.toml). A
/// workspace made from a course folder is never graded against a course it names itself:
/// the student could name a copy with weakened tests.
fn bundled_course_of(students: &[Student], class: bool) -> Result<(), Error> {
    use crate::workspace::{BUNDLED_MARKER, COURSE_MARKER, DATA_DIR};
    let bundled_info = Source::Bundled.file("info.toml").unwrap_or_default();
    let is_bundled = |root: &Path| {
        std::fs::read_to_string(root.join(DATA_DIR).join(COURSE_MARKER))
            .is_ok_and(|m| m == BUNDLED_MARKER)
            || std::fs::read_to_string(root.join("info.toml")).is_ok_and(|i| i == bundled_info)
    };
    // A class: one workspace of the bundled course is enough to tell which course it is.
    let mut graded = students.iter().filter(|s| s.not_graded.is_none());
    let Some(first) = graded.clone().next() else {
        return Ok(());
    };
    if graded.any(|s| is_bundled(&s.root)) {
        return Ok(());
    }
    let (what, folder) = if class {
        ("no workspace in the class was", "the class's course folder")
    } else {
        (
            "this workspace was not",
            "the course folder it was made from",
        )
    };
    Err(Error::usage(
        format!(
            "{what} made from the course built into backendlings: {} is another course's, as \
             `backendlings init --course DIR` makes them, and grading against the built-in \
             course would report every exercise missing",
            first.root.join("info.toml").display()
        ),
        format!(
            "grade against its own course: `backendlings grade --course DIR`, with DIR {folder}"
        ),
    ))
}

/// Every folder directly below `class`, by name: each one that holds an `exercises/` folder
/// is a student to grade; the others are students who are not graded, with the reason (named
/// on standard error too). Hidden folders (`.git`) and files are not students.
fn class_members(class: &Path) -> Result<Vec<Student>, Error> {
    let entries = std::fs::read_dir(class).map_err(|error| Error::File {
        doing: "cannot read the class folder",
        path: class.to_path_buf(),
        error,
    })?;
    let mut students: Vec<Student> = Vec::new();
    for entry in entries.flatten() {
        let root = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        // The entry itself, not what a link points to: a link to a classmate's folder
        // would grade their work under another name.
        let kind = entry.file_type().ok();
        let is_link = kind.is_some_and(|k| k.is_symlink()) && root.is_dir();
        if name.starts_with('.') || !(is_link || kind.is_some_and(|k| k.is_dir())) {
            continue;
        }
        let not_graded = if is_link {
            Some("it is a symbolic link, not a student's folder".to_string())
        } else if root.join("exercises").is_dir() {
            None
        } else {
            Some(why_no_workspace(&root, &name))
        };
        if let Some(reason) = &not_graded {
            eprintln!("warning: {name} is not graded: {reason}");
        }
        students.push(Student {
            name,
            root,
            not_graded,
        });
    }
    students.sort_by(|a, b| a.name.cmp(&b.name));
    if students.iter().all(|s| s.not_graded.is_some()) {
        return Err(Error::usage(
            format!("no workspace below {}", class.display()),
            "--class takes the folder that holds one folder per student, each with its \
             exercises/ folder",
        ));
    }
    Ok(students)
}

/// Why the student folder `root` (named `name`) holds no workspace: empty, a workspace one
/// level too deep, or something else.
fn why_no_workspace(root: &Path, name: &str) -> String {
    let entries: Vec<std::fs::DirEntry> = std::fs::read_dir(root)
        .into_iter()
        .flatten()
        .flatten()
        .collect();
    if entries.is_empty() {
        return "it holds no workspace: the folder is empty (no submission found)".into();
    }
    match entries.iter().find(|e| e.path().join("exercises").is_dir()) {
        Some(inner) => format!(
            "its workspace is one level too deep, in {name}/{}/ (move its contents up into \
             {name}/)",
            inner.file_name().to_string_lossy()
        ),
        None => "it holds no workspace (no exercises/ folder)".into(),
    }
}

/// A build folder per course, outside every workspace, kept between runs so that a second
/// grading reuses the first one's dependencies.
fn default_build_dir(course: &Course) -> PathBuf {
    let mut hasher = DefaultHasher::new();
    for ex in &course.exercises {
        ex.name.hash(&mut hasher);
    }
    format!("{:?}", course.dependencies).hash(&mut hasher);
    // In the user's own cache folder: a name in the shared temporary folder could be made
    // first, or written, by another user.
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .unwrap_or_else(std::env::temp_dir);
    cache
        .join("backendlings")
        .join(format!("grade-{:016x}", hasher.finish()))
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

/// Largest exercise file graded: far above any solution, far below what could slow a class.
const MAX_EXERCISE_BYTES: u64 = 1 << 20;

/// What is graded for one student's exercise: the file's bytes; `Ok(None)` if it is missing;
/// why it was refused if it is not a regular file of a sane size (a symlink to a classmate's
/// file, a named pipe that would hang the class, a device).
fn snapshot_of(root: &Path, relative: &Path) -> Result<Option<Vec<u8>>, String> {
    use crate::sys::files::{Refused, read_regular};
    match read_regular(&root.join(relative), MAX_EXERCISE_BYTES) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(Refused::Io(e)) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(refused) => Err(format!(
            "not graded: {} could not be read safely: {refused}",
            slash_path(relative)
        )),
    }
}

fn grade_students(
    build_dir: &Path,
    course: &Course,
    source: Source,
    options: &check::Options,
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
    let solutions: Vec<Option<String>> = course
        .exercises
        .iter()
        .map(|ex| source.file(&slash_path(&ex.solution_path())))
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
    // Per student, per exercise: the distinct target, the bytes, and why a file was refused.
    type Assigned = (usize, Option<Vec<u8>>, Option<String>);
    let mut assignment: Vec<Vec<Assigned>> = Vec::new();
    for student in &students {
        let mut row = Vec::new();
        if student.not_graded.is_some() {
            assignment.push(row);
            continue;
        }
        for (e, ex) in course.exercises.iter().enumerate() {
            let (bytes, refused) = match snapshot_of(&student.root, &ex.path()) {
                Ok(bytes) => (bytes, None),
                Err(reason) => (None, Some(reason)),
            };
            let mut hasher = DefaultHasher::new();
            bytes.hash(&mut hasher);
            let key = hasher.finish();
            let u = *index.entry((e, key)).or_insert_with(|| {
                unique.push(Unique {
                    exercise: e,
                    key,
                    snapshot: bytes.clone().and_then(|b| String::from_utf8(b).ok()),
                    // Never read again by path: a missing or refused file stays missing.
                    source: PathBuf::new(),
                });
                unique.len() - 1
            });
            row.push((u, bytes, refused));
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
    let mut owners: Vec<Vec<usize>> = vec![Vec::new(); unique.len()];
    for (student, row) in assignment.iter().enumerate() {
        for (u, _, _) in row {
            owners[*u].push(student);
        }
    }
    let names = students.iter().map(|s| s.name.clone()).collect();
    let progress = Progress::new(targets.len(), owners, names, course.exercises.len());
    let layers = Layers::of_source(course, &source);
    // The report reads the check's event stream, as the progress lines do.
    let filed = Filed(std::sync::Mutex::new(vec![None; targets.len()]));
    check::check(
        build_dir,
        &layers,
        &targets,
        options,
        &check::Both(&progress, &filed),
    )?;
    progress.finish();
    let verdicts = filed.into_verdicts(&targets)?;

    let mut results = Vec::new();
    for (student, row) in students.into_iter().zip(assignment) {
        let exercises = row
            .into_iter()
            .enumerate()
            .map(|(e, (u, bytes, refused))| {
                let prefix = format!("g/{:016x}/", unique[u].key);
                let verdict = without_prefix(&verdicts[u], &prefix);
                let learner = bytes
                    .map(|b| String::from_utf8_lossy(&b).into_owned())
                    .unwrap_or_default();
                let original = originals[e].clone().unwrap_or_default();
                let mut needs_review = source::needs_review(
                    tests_section::learner_part(&learner),
                    tests_section::learner_part(&original),
                );
                needs_review.extend(refused.map(|reason| (0, reason)));
                if let Some(solution) = &solutions[e]
                    && !learner.is_empty()
                    && tests_section::squash(&learner) == tests_section::squash(solution)
                {
                    needs_review.push((0, "identical to the course's reference solution".into()));
                }
                Graded {
                    verdict,
                    started: !learner.is_empty() && learner != original,
                    original: originals[e].clone(),
                    needs_review,
                }
            })
            .collect();
        results.push(StudentResults { student, exercises });
    }
    Ok(results)
}

/// Each verdict of a grade filed under the file it is for, as the check reports it.
struct Filed(std::sync::Mutex<Vec<Option<std::sync::Arc<Verdict>>>>);

impl check::Events for Filed {
    fn event(&self, event: check::Event) {
        if let check::Event::Verdict { target, verdict } = event {
            let mut filed = self.0.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(slot) = filed.get_mut(target) {
                *slot = Some(verdict);
            }
        }
    }
}

impl Filed {
    /// The verdicts in the order of `targets`: a check reports one for each.
    fn into_verdicts(self, targets: &[Target<'_>]) -> Result<Vec<std::sync::Arc<Verdict>>, Error> {
        let filed = self.0.into_inner().unwrap_or_else(|e| e.into_inner());
        filed
            .into_iter()
            .zip(targets)
            .map(|(verdict, target)| {
                verdict.ok_or_else(|| {
                    Error::Message(format!("the check reported no verdict for {}", target.bin))
                })
            })
            .collect()
    }
}

/// A verdict with the build's folder prefix taken out of every path it shows, so that it
/// names the learner's own file (`exercises/01_http/http1.rs`).
fn without_prefix(verdict: &Verdict, prefix: &str) -> Verdict {
    let mut v = verdict.clone();
    for text in v.finding.texts_mut().into_iter().chain(&mut v.warnings) {
        *text = text.replace(prefix, "");
    }
    for test in &mut v.tests {
        test.location = test.location.as_ref().map(|l| l.replace(prefix, ""));
        test.message = test.message.as_ref().map(|m| m.replace(prefix, ""));
        test.output = test.output.replace(prefix, "");
    }
    for d in &mut v.diagnostics {
        d.span = d.span.as_ref().map(|s| s.replace(prefix, ""));
        d.rendered = d.rendered.replace(prefix, "");
    }
    v
}
