//! `dev add-wrong`, `dev wrong-file` and `dev wrong-to-patch`: an author's commands over the
//! wrong attempts a course stores as patches (`wrong/<dir>/<name>/<slug>.patch`).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use super::{patch, wrong};
use crate::Error;
use crate::check::judge::count;
use crate::course::info::is_identifier;
use crate::course::{Course, Exercise};
use crate::workspace::slash_path;

/// `dev add-wrong <name> <file>`: stores a full-copy attempt of exercise `name` as
/// `wrong/<dir>/<name>/<slug>.patch` (the slug is the file's name unless given), replacing a
/// patch or full copy of that slug.
pub fn add_wrong(name: &str, file: &Path, slug: Option<&str>) -> Result<ExitCode, Error> {
    let root = std::env::current_dir()?;
    let course = Course::load_dir(&root, true)?;
    let ex = course
        .find(name)
        .ok_or_else(|| format!("there is no exercise named {name:?} in info.toml"))?;
    let slug = match slug {
        Some(slug) => slug.to_string(),
        None => file
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default()
            .to_string(),
    };
    if !is_identifier(&slug) {
        return Err(Error::usage(
            format!("{slug:?} is not a valid slug for a wrong attempt"),
            "name the file `<slug>.rs` with only lowercase ASCII letters, digits and `_`, or \
             pass --slug",
        ));
    }
    let text = std::fs::read_to_string(file)
        .map_err(|e| format!("cannot read {}: {e}", file.display()))?;
    let stored = store(&root, ex, &slug, &text)
        .map_err(|message| format!("{}: {message}", file.display()))?;
    // A full copy of the same slug is what the patch replaces.
    let full_copy = root.join(wrong::folder(ex)).join(format!("{slug}.rs"));
    if full_copy.exists() {
        std::fs::remove_file(&full_copy)?;
        if std::path::absolute(file)? != full_copy {
            println!(
                "Removed {}: the patch replaces it.",
                slug_path(ex, &slug, "rs")
            );
        }
    }
    let lines = std::fs::read_to_string(root.join(&stored))?.lines().count();
    println!(
        "Wrote {} ({}); check it with `backendlings dev check {name}`.",
        slash_path(&stored),
        count(lines, "line", "lines")
    );
    Ok(ExitCode::SUCCESS)
}

/// `dev wrong-file <patch>`: prints a patch attempt as the full file it stands for (to edit
/// it and add it again), applied to the course's solution or to `solution`.
pub fn wrong_file(patch_file: &Path, solution: Option<&Path>) -> Result<ExitCode, Error> {
    let root = std::env::current_dir()?;
    let course = Course::load_dir(&root, true)?;
    let ex = patch_file
        .parent()
        .and_then(Path::file_name)
        .and_then(|n| n.to_str())
        .and_then(|name| course.find(name))
        .ok_or_else(|| {
            format!(
                "{} is not in the folder of an exercise (wrong/<dir>/<name>/<slug>.patch)",
                patch_file.display()
            )
        })?;
    let read = |path: &Path| {
        std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
    };
    let text = read(patch_file)?;
    let solution =
        read(&solution.map_or_else(|| root.join(ex.solution_path()), Path::to_path_buf))?;
    let full = wrong::full_file(&text, &patch::base(ex, &solution), ex).map_err(|message| {
        format!(
            "{} {message}\n  to get the attempt back, apply it to the solution it was made \
             from: `git show <commit>:{} > /tmp/solution.rs` and --solution /tmp/solution.rs",
            patch_file.display(),
            slash_path(&ex.solution_path())
        )
    })?;
    print!("{full}");
    Ok(ExitCode::SUCCESS)
}

/// `dev wrong-to-patch [names]`: turns every full-copy attempt (`wrong/**/<slug>.rs`) of the
/// course, or of the named exercises, into a `.patch` that gives it back exactly.
pub fn wrong_to_patch(names: &[String]) -> Result<ExitCode, Error> {
    let root = std::env::current_dir()?;
    let course = Course::load_dir(&root, true)?;
    for name in names {
        if course.find(name).is_none() {
            return Err(format!("there is no exercise named {name:?} in info.toml").into());
        }
    }
    let (mut converted, mut failed) = (0, 0);
    for ex in course
        .exercises
        .iter()
        .filter(|ex| names.is_empty() || names.contains(&ex.name))
    {
        let Ok(entries) = std::fs::read_dir(root.join(wrong::folder(ex))) else {
            continue;
        };
        let mut files: Vec<PathBuf> = entries
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "rs"))
            .collect();
        files.sort();
        for file in files {
            let slug = file.file_stem().and_then(|s| s.to_str()).unwrap_or("");
            let result = std::fs::read_to_string(&file)
                .map_err(|e| e.to_string())
                .and_then(|text| store(&root, ex, slug, &text));
            match result {
                Ok(_) => {
                    std::fs::remove_file(&file)?;
                    converted += 1;
                }
                Err(message) => {
                    println!("{}: {message}", slug_path(ex, slug, "rs"));
                    failed += 1;
                }
            }
        }
    }
    println!(
        "Converted {} to patches; {failed} left as {}.",
        count(converted, "wrong attempt", "wrong attempts"),
        if failed == 1 { "it was" } else { "they were" }
    );
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// Writes `attempt` as `wrong/<dir>/<name>/<slug>.patch`; returns that path, relative.
fn store(root: &Path, ex: &Exercise, slug: &str, attempt: &str) -> Result<PathBuf, String> {
    let read = |path: PathBuf| {
        std::fs::read_to_string(root.join(&path))
            .map_err(|e| format!("cannot read {}: {e}", slash_path(&path)))
    };
    let solution = read(ex.solution_path())?;
    let exercise_text = read(ex.path())?;
    let relative = wrong::folder(ex).join(format!("{slug}.patch"));
    let text = wrong::from_full_copy(ex, &solution, &exercise_text, attempt, &relative)?;
    let path = root.join(&relative);
    std::fs::create_dir_all(path.parent().unwrap_or(root))
        .and_then(|()| std::fs::write(&path, text))
        .map_err(|e| format!("cannot write {}: {e}", slash_path(&relative)))?;
    Ok(relative)
}

fn slug_path(ex: &Exercise, slug: &str, extension: &str) -> String {
    slash_path(&wrong::folder(ex).join(format!("{slug}.{extension}")))
}
