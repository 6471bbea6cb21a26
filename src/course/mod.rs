//! A course: its exercises in order, read from `info.toml`, and where its files come from
//! (embedded in the binary, or a folder on disk).

mod capability;
pub(crate) mod embedded;
pub mod info;
pub(crate) mod layers;
pub(crate) mod layout;
pub(crate) mod stubs;
pub(crate) mod tests_section;

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

pub(crate) use capability::Capability;
pub(crate) use info::InfoError;

/// How an exercise is graded.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Mode {
    /// The course's tests in the file (below the marker line) must pass.
    #[default]
    Test,
    /// The program must exit 0 (and print `expected_output`, if given).
    Run,
    /// The learner's tests must pass on the solution and catch every mutant.
    Mutants,
}

/// A buggy variant of an exercise's solution, for `mutants` mode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Mutant {
    pub(crate) description: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exercise {
    pub name: String,
    /// The topic's folder below `exercises/`, e.g. `01_http`.
    pub dir: String,
    pub(crate) mode: Mode,
    pub(crate) hints: Vec<String>,
    /// Time limit for running (not building) the exercise.
    pub(crate) timeout: Duration,
    pub(crate) expected_output: Option<String>,
    pub(crate) mutants: Vec<Mutant>,
    /// What the solution may use beyond plain computation and loopback networking
    /// (`allow = ["environment"]`); anything else in the learner's code is refused.
    pub(crate) allow: Vec<Capability>,
}

impl Exercise {
    /// An exercise with no hints, mutants or capabilities, for unit tests.
    #[cfg(test)]
    pub(crate) fn fixture(name: &str, dir: &str, mode: Mode) -> Exercise {
        Exercise {
            name: name.into(),
            dir: dir.into(),
            mode,
            hints: vec![],
            timeout: Duration::from_secs(1),
            expected_output: None,
            mutants: vec![],
            allow: vec![],
        }
    }

    /// `exercises/<dir>/<name>.rs`, relative to the course or workspace root.
    pub(crate) fn path(&self) -> PathBuf {
        Path::new("exercises")
            .join(&self.dir)
            .join(format!("{}.rs", self.name))
    }

    /// `solutions/<dir>/<name>.rs`, relative to the course or workspace root.
    pub(crate) fn solution_path(&self) -> PathBuf {
        Path::new("solutions")
            .join(&self.dir)
            .join(format!("{}.rs", self.name))
    }

    /// `mutants/<dir>/<name>.rs`: for `mutants` mode, the implementation with its mutants.
    pub(crate) fn mutants_path(&self) -> PathBuf {
        Path::new("mutants")
            .join(&self.dir)
            .join(format!("{}.rs", self.name))
    }

    /// The course's implementation with its bugs, which only a `mutants` exercise has.
    pub(crate) fn mutants_file(&self) -> Option<PathBuf> {
        (self.mode == Mode::Mutants).then(|| self.mutants_path())
    }

    /// The topic, as shown to learners.
    pub(crate) fn topic(&self) -> &str {
        &self.dir
    }
}

/// The `support/*.rs` files of a course folder, as paths relative to it, sorted.
fn support_files(root: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(root.join(SUPPORT_DIR)) else {
        return Vec::new();
    };
    let mut files: Vec<String> = entries
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().to_str()?.to_string();
            name.ends_with(".rs")
                .then(|| format!("{SUPPORT_DIR}/{name}"))
        })
        .collect();
    files.sort();
    files
}

/// Where a course comes from: the one in the binary, or a course folder.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Source<'a> {
    Bundled,
    Folder(&'a Path),
}

impl Source<'_> {
    /// A file of the course, by its path relative to the course root.
    pub(crate) fn file(&self, relative: &str) -> Option<String> {
        match self {
            Source::Bundled => embedded::file(relative).map(str::to_string),
            // Regular files only, never through a link, and of a sane size.
            Source::Folder(root) => {
                crate::sys::files::read_regular(&root.join(relative), COURSE_FILE_CAP)
                    .ok()
                    .and_then(|bytes| String::from_utf8(bytes).ok())
            }
        }
    }

    /// The course, with every exercise's files checked to be there.
    pub(crate) fn course(&self) -> Result<Course, InfoError> {
        match self {
            Source::Bundled => embedded::course(),
            Source::Folder(root) => Course::load_dir(root, true),
        }
    }
}

/// Largest course file read (an exercise with its tests, a support module).
const COURSE_FILE_CAP: u64 = 4 << 20;

/// The folder of a course's support modules.
pub(crate) const SUPPORT_DIR: &str = "support";

#[derive(Debug, Clone)]
pub struct Course {
    pub(crate) welcome_message: String,
    pub(crate) final_message: String,
    /// The exercises' `[dependencies]`, copied into the generated Cargo.toml.
    pub(crate) dependencies: toml::Table,
    /// Crates compiled with optimisations even in the dev profile (hashing that must be fast).
    pub(crate) optimize_dependencies: Vec<String>,
    /// How many wrong attempts (`wrong/<dir>/<name>/`) `dev check` demands of each exercise
    /// graded by tests or mutants: the course's proof that plausible mistakes fail.
    pub(crate) min_wrong_attempts: usize,
    pub exercises: Vec<Exercise>,
    /// The course's support modules (`support/<name>.rs`), which grading tests may use with
    /// `#[path = "../../support/<name>.rs"] mod <name>;`. Owned by the course like the tests.
    pub(crate) support: Vec<String>,
}

impl Course {
    pub(crate) fn find(&self, name: &str) -> Option<&Exercise> {
        self.exercises.iter().find(|e| e.name == name)
    }

    pub(crate) fn index_of(&self, name: &str) -> Option<usize> {
        self.exercises.iter().position(|e| e.name == name)
    }

    /// Topics in course order, each with its exercises.
    pub(crate) fn topics(&self) -> Vec<(&str, Vec<&Exercise>)> {
        let mut topics: Vec<(&str, Vec<&Exercise>)> = Vec::new();
        for ex in &self.exercises {
            match topics.iter_mut().find(|(t, _)| *t == ex.topic()) {
                Some((_, list)) => list.push(ex),
                None => topics.push((ex.topic(), vec![ex])),
            }
        }
        topics
    }

    /// Loads `info.toml` from a learner's workspace, where a missing exercise file is the
    /// learner's to bring back (`reset` does), not a broken course.
    pub(crate) fn load_workspace(root: &Path) -> Result<Course, InfoError> {
        let (course, _) = Self::read_info(root)?;
        Ok(course)
    }

    fn read_info(root: &Path) -> Result<(Course, String), InfoError> {
        let info_path = root.join("info.toml");
        let file = info_path.display().to_string();
        let text = std::fs::read_to_string(&info_path).map_err(|e| InfoError {
            file: file.clone(),
            problems: vec![info::Problem {
                line: 1,
                column: 1,
                field: "(file)".into(),
                message: format!("cannot be read: {e}"),
                fix: "run backendlings in a course folder or workspace (one with info.toml), or run `backendlings init`".into(),
            }],
        })?;
        let mut course = info::parse(&file, &text)?;
        course.support = support_files(root);
        Ok((course, text))
    }

    /// Loads `info.toml` from a folder and checks that every exercise file exists
    /// (and every solution, when `require_solutions`).
    pub(crate) fn load_dir(root: &Path, require_solutions: bool) -> Result<Course, InfoError> {
        let (course, text) = Self::read_info(root)?;
        let file = root.join("info.toml").display().to_string();
        let mut problems = Vec::new();
        for ex in &course.exercises {
            let mut wanted = vec![("name", ex.path(), "exercise")];
            if require_solutions {
                wanted.push(("name", ex.solution_path(), "solution"));
                if let Some(mutants) = ex.mutants_file() {
                    wanted.push(("mode", mutants, "mutants"));
                }
            }
            for (field, path, kind) in wanted {
                let full = root.join(&path);
                // A course's files are read as they are: a link could carry any file of the
                // machine (/etc/passwd) into every learner's workspace.
                let link = full.symlink_metadata().is_ok_and(|m| !m.is_file());
                if link || !full.is_file() {
                    let (line, column) = info::locate_exercise_field(&text, &ex.name, field);
                    let (message, fix) = if link {
                        (
                            format!(
                                "the {kind} file {} is a symbolic link or a special file, not a regular file",
                                path.display()
                            ),
                            format!("put the file itself at {}, not a link", path.display()),
                        )
                    } else {
                        (
                            format!("the {kind} file {} does not exist", path.display()),
                            format!("create {} or correct `name`/`dir`", path.display()),
                        )
                    };
                    problems.push(info::Problem {
                        line,
                        column,
                        field: format!("exercise {:?}", ex.name),
                        message,
                        fix,
                    });
                }
            }
        }
        if problems.is_empty() {
            Ok(course)
        } else {
            Err(InfoError { file, problems })
        }
    }
}

/// Paths in the embedded course use `/` on every platform.
pub(crate) fn slash_path(path: &Path) -> String {
    path.to_string_lossy().replace('\\', "/")
}
