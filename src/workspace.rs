//! A learner's workspace (made by `init`) or a course folder: where exercise files, their
//! originals, the solutions and the build project are.

use std::fmt;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::course::layers::Layers;
use crate::course::{Course, Exercise, InfoError, layout};

/// The runner's own folder inside a workspace: state, originals, backups.
pub(crate) const DATA_DIR: &str = ".backendlings";

#[derive(Debug)]
pub enum WorkspaceError {
    NotAWorkspace(PathBuf),
    Info(InfoError),
    Io(String, io::Error),
}

impl fmt::Display for WorkspaceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WorkspaceError::NotAWorkspace(dir) => write!(
                f,
                "{} is not a backendlings workspace (it has no info.toml)\n  \
                 fix: run `backendlings init` to create one, then `cd backendlings`",
                dir.display()
            ),
            WorkspaceError::Info(e) => e.fmt(f),
            WorkspaceError::Io(what, e) => write!(f, "{what}: {e}"),
        }
    }
}

impl std::error::Error for WorkspaceError {}

pub(crate) fn io_error(what: impl Into<String>) -> impl FnOnce(io::Error) -> WorkspaceError {
    let what = what.into();
    move |e| WorkspaceError::Io(what, e)
}

#[derive(Debug)]
pub(crate) struct Workspace {
    pub(crate) root: PathBuf,
    pub(crate) course: Course,
    /// Where cargo runs: the workspace root when its Cargo.toml is ours, otherwise a
    /// generated project under `target/backendlings/` (a course folder, such as this repository).
    pub(crate) build_dir: PathBuf,
    /// Folder holding the pristine `exercises/` tree (for `reset` and tamper checks).
    originals_root: PathBuf,
    /// Where the course as shipped is read from: for a workspace made from the bundled course
    /// or from a course folder that is still there, its originals, modes, support modules,
    /// mutants and solutions come from there, never from files a learner could edit here.
    origin: Origin,
    /// The build layers of the course: which dependencies each exercise is built with.
    pub(crate) layers: Layers,
}

/// Where a workspace's course comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Origin {
    /// The course built into this binary.
    Bundled,
    /// The course folder `init --course` was given, while it is there.
    Folder(PathBuf),
    /// The workspace's own copies: a course folder used directly, a workspace whose course
    /// folder is not on this machine (a class's template repository), or an older workspace.
    Own,
}

/// The file in the data folder that keeps the course's build layers (`Layers::of`).
const LAYERS_CACHE: &str = "layers";

/// The file in the data folder that says which course a workspace was made from.
pub(crate) const COURSE_MARKER: &str = "course";
/// Its text for the bundled course.
pub(crate) const BUNDLED_MARKER: &str = "bundled\n";
/// Its first line for a course folder; the second is the folder's absolute path.
pub(crate) const FOLDER_MARKER: &str = "folder\n";

/// The marker's text for a workspace made from the course folder `course`.
pub(crate) fn folder_marker(course: &Path) -> String {
    format!("{FOLDER_MARKER}{}\n", course.display())
}

impl Origin {
    fn of(root: &Path) -> Origin {
        if !is_learner_workspace(root) {
            return Origin::Own;
        }
        let Ok(marker) = fs::read_to_string(root.join(DATA_DIR).join(COURSE_MARKER)) else {
            return Origin::Own;
        };
        if marker == BUNDLED_MARKER {
            return Origin::Bundled;
        }
        marker
            .strip_prefix(FOLDER_MARKER)
            .and_then(|rest| rest.strip_suffix('\n'))
            .map(PathBuf::from)
            .filter(|course| course.is_absolute() && course.as_path() != root)
            .filter(|course| course.join("info.toml").is_file())
            .map_or(Origin::Own, Origin::Folder)
    }
}

impl Workspace {
    /// Opens the workspace or course folder at `root`.
    pub(crate) fn open(root: &Path) -> Result<Workspace, WorkspaceError> {
        if !root.join("info.toml").is_file() {
            return Err(WorkspaceError::NotAWorkspace(root.to_path_buf()));
        }
        let origin = Origin::of(root);
        let course = match &origin {
            Origin::Bundled => crate::course::Source::Bundled.course(),
            Origin::Folder(course) => Course::load_dir(course, false),
            Origin::Own if is_learner_workspace(root) => Course::load_workspace(root),
            Origin::Own => Course::load_dir(root, false),
        }
        .map_err(WorkspaceError::Info)?;
        // A workspace made by `init` keeps pristine copies; in a course folder the
        // exercise files are the originals.
        let originals = root.join(DATA_DIR).join("originals");
        let originals_root = match &origin {
            Origin::Folder(course) => course.clone(),
            _ if originals.is_dir() => originals,
            _ => root.to_path_buf(),
        };
        let build_dir = if layout::is_generated(&root.join("Cargo.toml")) {
            root.to_path_buf()
        } else {
            // Cargo.toml is someone else's (this repository's, say): build beside it.
            root.join("target").join("backendlings")
        };
        let mut ws = Workspace {
            root: root.to_path_buf(),
            // Computed below, from the course as shipped.
            layers: Layers::of(&course, |_| vec![], &[], None, None),
            course,
            build_dir,
            originals_root,
            origin,
        };
        ws.layers = Layers::of(
            &ws.course,
            |ex| {
                [ws.original(ex), ws.solution_text(ex)]
                    .into_iter()
                    .flatten()
                    .collect()
            },
            &ws.support_files(),
            ws.course_file(Path::new("course.lock"))
                .or_else(|| fs::read_to_string(ws.root.join("Cargo.lock")).ok())
                .as_deref(),
            Some(&ws.data_dir().join(LAYERS_CACHE)),
        );
        if ws.build_dir != ws.root {
            ws.write_build_project(&layout::exercise_bins(&ws.course, "../../"))?;
        }
        ws.remove_stale_temp_files();
        Ok(ws)
    }

    /// Removes the temporary files an atomic write left behind when its process was killed
    /// (`.tmpXXXXXX` next to the file it was writing), once they are old enough that no
    /// process can still be writing them.
    fn remove_stale_temp_files(&self) {
        let mut dirs = vec![
            self.root.clone(),
            self.data_dir(),
            self.root.join(".vscode"),
        ];
        for parent in ["exercises", "solutions"] {
            if let Ok(entries) = fs::read_dir(self.root.join(parent)) {
                dirs.extend(entries.flatten().map(|e| e.path()).filter(|p| p.is_dir()));
            }
        }
        let old = |path: &Path| {
            fs::metadata(path)
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| t.elapsed().ok())
                .is_some_and(|age| age > std::time::Duration::from_secs(600))
        };
        for dir in dirs {
            let Ok(entries) = fs::read_dir(&dir) else {
                continue;
            };
            for entry in entries.flatten() {
                let name = entry.file_name();
                let name = name.to_string_lossy();
                let is_temp = name.len() == 10
                    && name.starts_with(".tmp")
                    && name[4..].chars().all(|c| c.is_ascii_alphanumeric());
                if is_temp && entry.path().is_file() && old(&entry.path()) {
                    let _ = fs::remove_file(entry.path());
                }
            }
        }
    }

    /// Writes the generated Cargo.toml (only if it changed: cargo re-resolves on any
    /// rewrite) and the lock file of a build project outside the workspace root.
    pub(crate) fn write_build_project(&self, bins: &[layout::Bin]) -> Result<(), WorkspaceError> {
        fs::create_dir_all(&self.build_dir).map_err(io_error("cannot create the build folder"))?;
        let manifest = self.build_dir.join("Cargo.toml");
        let text = layout::cargo_toml(&self.course, bins);
        if fs::read_to_string(&manifest).ok().as_deref() != Some(text.as_str()) {
            fs::write(&manifest, text).map_err(io_error("cannot write the build Cargo.toml"))?;
        }
        // The course's lock file pins the versions; keep the build project's copy in step.
        if let Ok(pinned) = fs::read_to_string(self.root.join("course.lock")) {
            let lock = self.build_dir.join("Cargo.lock");
            if fs::read_to_string(&lock).ok().as_deref() != Some(pinned.as_str()) {
                fs::write(&lock, pinned).map_err(io_error("cannot copy course.lock"))?;
            }
        }
        Ok(())
    }

    /// The same workspace, built in another folder (`dev check` builds solutions too).
    pub(crate) fn with_build_dir(self, build_dir: PathBuf) -> Workspace {
        Workspace { build_dir, ..self }
    }

    /// A course folder used directly (not a workspace made by `init`): its code is someone
    /// else's until the learner says otherwise.
    pub(crate) fn is_course_folder(&self) -> bool {
        self.originals_root == self.root
    }

    pub(crate) fn data_dir(&self) -> PathBuf {
        self.root.join(DATA_DIR)
    }

    /// Absolute path of the learner's file for an exercise.
    pub(crate) fn exercise_file(&self, ex: &Exercise) -> PathBuf {
        self.root.join(ex.path())
    }

    /// The exercise as the course shipped it.
    pub(crate) fn original(&self, ex: &Exercise) -> Option<String> {
        self.course_file(&ex.path())
    }

    /// A file of the course as shipped: from the binary or the course folder, else the
    /// pristine copy `init` kept.
    fn course_file(&self, relative: &Path) -> Option<String> {
        match &self.origin {
            Origin::Bundled => crate::course::Source::Bundled.file(&slash_path(relative)),
            Origin::Folder(course) => {
                crate::course::Source::Folder(course).file(&slash_path(relative))
            }
            Origin::Own => fs::read_to_string(self.originals_root.join(relative)).ok(),
        }
    }

    /// The course's support modules as shipped: (path relative to the course, text).
    pub(crate) fn support_files(&self) -> Vec<(String, String)> {
        self.course
            .support
            .iter()
            .filter_map(|path| Some((path.clone(), self.course_file(Path::new(path))?)))
            .collect()
    }

    /// For `mutants` mode: the course's implementation with its mutants, kept out of the
    /// learner's way by `init` (or in the course folder's `mutants/`).
    pub(crate) fn mutants_impl(&self, ex: &Exercise) -> Option<String> {
        let mutants = ex.mutants_file()?;
        if self.origin != Origin::Own {
            return self.course_file(&mutants);
        }
        fs::read_to_string(self.data_dir().join(&mutants))
            .or_else(|_| fs::read_to_string(self.root.join(&mutants)))
            .ok()
    }

    /// Writes the solution into `solutions/` once the exercise passed; returns its path,
    /// or `None` when there is no solution to reveal (or it is already there).
    pub(crate) fn reveal_solution(&self, ex: &Exercise) -> Result<Option<PathBuf>, WorkspaceError> {
        let path = self.root.join(ex.solution_path());
        if path.exists() {
            return Ok(Some(path));
        }
        let Some(text) = self.solution_text(ex) else {
            return Ok(None);
        };
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).map_err(io_error("cannot create solutions/"))?;
        }
        fs::write(&path, text).map_err(io_error(format!("cannot write {}", path.display())))?;
        Ok(Some(path))
    }

    /// The course's solution to `ex`. Solutions stay in the binary or the course folder until
    /// earned; a workspace made by an older version keeps them out of sight in its data folder.
    fn solution_text(&self, ex: &Exercise) -> Option<String> {
        match self.origin {
            Origin::Own => fs::read_to_string(self.data_dir().join(ex.solution_path()))
                .or_else(|_| fs::read_to_string(self.originals_root.join(ex.solution_path())))
                .ok(),
            _ => self.course_file(&ex.solution_path()),
        }
    }

    /// Restores the original exercise, first copying the learner's version to a backup.
    /// Returns the backup's path (`None` when the file was missing or unchanged).
    pub(crate) fn reset(&self, ex: &Exercise) -> Result<Option<PathBuf>, WorkspaceError> {
        let original = self.original(ex).ok_or_else(|| {
            WorkspaceError::Io(
                format!("no original of {} is known", ex.name),
                io::Error::from(io::ErrorKind::NotFound),
            )
        })?;
        let path = self.exercise_file(ex);
        // Bytes, not text: a file that is not valid UTF-8 is backed up too.
        let current = fs::read(&path).ok();
        let backup = match current {
            Some(text) if text != original.as_bytes() => {
                let dir = self.data_dir().join("backups");
                fs::create_dir_all(&dir).map_err(io_error("cannot create the backup folder"))?;
                let stamp = SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .map_or(0, |d| d.as_secs());
                let backup = unique_path(&dir, &format!("{}-{stamp}", ex.name), "rs");
                fs::write(&backup, text).map_err(io_error("cannot write the backup"))?;
                Some(backup)
            }
            _ => None,
        };
        crate::sys::files::write_atomically(&path, original.as_bytes())
            .map_err(io_error(format!("cannot write {}", path.display())))?;
        Ok(backup)
    }
}

/// `path/name.ext`, or `path/name-2.ext` … if it exists.
fn unique_path(dir: &Path, stem: &str, ext: &str) -> PathBuf {
    let mut candidate = dir.join(format!("{stem}.{ext}"));
    let mut n = 2;
    while candidate.exists() {
        candidate = dir.join(format!("{stem}-{n}.{ext}"));
        n += 1;
    }
    candidate
}

pub(crate) use crate::course::slash_path;

/// The workspace or course folder that `start` is in: the nearest folder, from `start`
/// upward, that holds an `info.toml` (as cargo looks for Cargo.toml).
pub(crate) fn find_root(start: &Path) -> Option<PathBuf> {
    start
        .ancestors()
        .find(|dir| dir.join("info.toml").is_file())
        .map(Path::to_path_buf)
}

/// Whether `dir` is a learner's workspace made by `init` (not a course folder).
pub(crate) fn is_learner_workspace(dir: &Path) -> bool {
    dir.join("info.toml").is_file() && dir.join(DATA_DIR).join("originals").is_dir()
}
