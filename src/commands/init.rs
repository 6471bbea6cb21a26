//! `init`: writes the bundled course into a new learner workspace, and starts the warm-up
//! (`backendlings warm`) in the background.

use std::fs;
use std::path::Path;
use std::process::ExitCode;

use crate::Error;
use crate::course::{Source, layout};
use crate::state::StateFile;
use crate::sys::files::write_atomically;
use crate::ui;
use crate::workspace::{DATA_DIR, slash_path};

use super::CommandResult;

pub fn init(dir: &Path, course_dir: Option<&Path>, warm: bool) -> CommandResult {
    if dir.exists() && fs::read_dir(dir).map_or(true, |mut d| d.next().is_some()) {
        return Err(Error::usage(
            format!(
                "{} already exists and is not empty; init only writes into a new or empty folder",
                dir.display()
            ),
            "choose another folder (`backendlings init OTHER_DIR`), or cd into it if it is your \
             workspace",
        ));
    }
    // A workspace inside a workspace would be a second copy of the course (and its build):
    // almost always a learner who meant to go on with the one they are in.
    let absolute = std::path::absolute(dir)?;
    if let Some(outer) = absolute
        .ancestors()
        .skip(1)
        .find(|a| crate::workspace::is_learner_workspace(a))
    {
        return Err(Error::usage(
            format!(
                "{} is inside the workspace {}; init makes a new workspace, not one inside \
                 another",
                dir.display(),
                outer.display()
            ),
            format!(
                "to go on with that one, `cd {}` and run `backendlings`; to start over, run init \
                 in a folder outside it",
                outer.display()
            ),
        ));
    }
    let source = course_dir.map_or(Source::Bundled, Source::Folder);
    if let Source::Folder(root) = source {
        // Building a course compiles and runs its code (and its dependencies' build scripts).
        crate::session::confirm_trust(root)?;
    }
    let existed = dir.exists();
    let course = match write_workspace(dir, source) {
        Ok(course) => course,
        Err(error) => {
            // A half-made workspace would only make the next `init` refuse the folder.
            if existed {
                if let Ok(entries) = fs::read_dir(dir) {
                    for entry in entries.flatten() {
                        let path = entry.path();
                        let _ = if path.is_dir() {
                            fs::remove_dir_all(&path)
                        } else {
                            fs::remove_file(&path)
                        };
                    }
                }
            } else {
                let _ = fs::remove_dir_all(dir);
            }
            let disk_full = matches!(
                &error,
                Error::Io(e) if e.kind() == std::io::ErrorKind::StorageFull
            );
            return Err(if disk_full {
                format!(
                    "the disk is full: {} could not be written, and nothing was left behind\n  \
                     fix: free some space, then run init again",
                    dir.display()
                )
                .into()
            } else {
                format!("{error}; nothing was left behind in {}", dir.display()).into()
            });
        }
    };

    println!(
        "Created {} with {}.",
        dir.display(),
        crate::check::judge::count(course.exercises.len(), "exercise", "exercises")
    );
    if warm {
        // Without cargo nothing can be checked: say so now, not in the background's log.
        crate::check::cargo::available(&crate::check::Options::default())?;
        // The first exercises need only std; the rest of the course is built while the
        // learner reads the first lesson (`backendlings warm`).
        match super::warm::start_in_background(dir) {
            Ok(()) => println!(
                "The course's dependencies are being built in the background; your first \
                 check does not wait for them."
            ),
            Err(e) => ui::warn(&format!(
                "the background build could not be started ({e}); checks build what they \
                 need as they go"
            )),
        }
    }
    let first = &course.exercises[0];
    println!(
        "\nNext:\n  cd {}\n  backendlings          # watch mode: edit {} and save",
        dir.display(),
        slash_path(&first.path())
    );
    Ok(ExitCode::SUCCESS)
}

/// Writes every file of a new workspace; the caller removes them all if one fails.
fn write_workspace(dir: &Path, source: Source<'_>) -> Result<crate::course::Course, Error> {
    let course = source.course()?;
    let write = |relative: &str, contents: &str| -> Result<(), std::io::Error> {
        write_atomically(&dir.join(relative), contents.as_bytes())
    };
    for ex in &course.exercises {
        let mut files = vec![
            (slash_path(&ex.path()), false),
            (slash_path(&ex.solution_path()), true),
        ];
        if let Some(mutants) = ex.mutants_file() {
            files.push((slash_path(&mutants), true));
        }
        for (path, hidden_only) in files {
            let text = source
                .file(&path)
                .ok_or_else(|| format!("the course lacks {path}; `backendlings dev check` in the course finds such problems"))?;
            if !hidden_only {
                write(&path, &text)?;
            }
            // A workspace holds no solution it has not earned: solutions stay in the binary
            // or the course folder. The bundled course's mutants stay in the binary too; a
            // course folder's are kept out of sight, for when the workspace leaves its folder.
            let is_solution = path == slash_path(&ex.solution_path());
            if hidden_only && (is_solution || matches!(source, Source::Bundled)) {
                continue;
            }
            // Pristine exercises (for `reset` and to tell whether the grading tests were
            // changed) and the solutions, revealed once an exercise passes.
            write(
                &format!(
                    "{DATA_DIR}/{}",
                    path.replacen("exercises/", "originals/exercises/", 1)
                ),
                &text,
            )?;
        }
    }
    // Support modules the grading tests use: readable in the workspace, graded from the originals.
    for path in &course.support {
        let text = source.file(path).unwrap_or_default();
        write(path, &text)?;
        write(&format!("{DATA_DIR}/originals/{path}"), &text)?;
    }
    write("info.toml", &source.file("info.toml").unwrap_or_default())?;
    if let Some(lock) = source.file("course.lock") {
        write("Cargo.lock", &lock)?;
    }
    let bins = layout::exercise_bins(&course, "");
    write("Cargo.toml", &layout::cargo_toml(&course, &bins))?;
    write(".gitignore", layout::GITIGNORE)?;
    write(
        ".vscode/settings.json",
        &layout::vscode_settings(&course.exercises[0].name),
    )?;
    write(
        "solutions/README.md",
        "Each exercise's solution appears here once your version passes: compare them!\n",
    )?;
    let data_dir = dir.join(DATA_DIR);
    let marker = match source {
        Source::Bundled => Some(crate::workspace::BUNDLED_MARKER.to_string()),
        // Solutions are revealed from the course folder, and while it is there, the course
        // is read from it rather than from copies here a learner could edit.
        Source::Folder(course) => fs::canonicalize(course)
            .ok()
            .filter(|course| course.to_str().is_some_and(|p| !p.contains('\n')))
            .map(|course| crate::workspace::folder_marker(&course)),
    };
    if let Some(marker) = marker {
        write(
            &format!("{DATA_DIR}/{}", crate::workspace::COURSE_MARKER),
            &marker,
        )?;
    }
    StateFile::new(&data_dir, &course).save()?;
    Ok(course)
}
