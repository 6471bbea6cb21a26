//! Instructor tools: `dev new` scaffolds a course, `dev check` proves one sound, `dev update`
//! regenerates the generated files, `dev add-wrong` stores a wrong attempt as a patch.

mod add_wrong;
mod check;
mod patch;
mod scaffold;
mod stale;
mod wrong;

use std::path::Path;
use std::process::{Command, ExitCode, Stdio};

use crate::Error;
use crate::course::layout;
use crate::workspace::Workspace;

pub use add_wrong::{add_wrong, wrong_file, wrong_to_patch};
pub use check::{Options as CheckOptions, check};
pub use scaffold::{add, new};

/// Regenerates the build projects' Cargo.toml from info.toml, resolves new dependencies
/// (keeping pinned versions), and writes the result back to `course.lock`.
pub fn update() -> Result<ExitCode, Error> {
    let root = std::env::current_dir()?;
    update_in(&root)?;
    println!("Updated Cargo.toml and course.lock from info.toml.");
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn update_in(root: &Path) -> Result<(), Error> {
    // Opening writes the build project of a course folder whose Cargo.toml is not ours.
    let ws = Workspace::open(root)?;
    if ws.build_dir == root {
        // A workspace or course folder whose Cargo.toml is ours: rewrite it in place.
        let bins = layout::exercise_bins(&ws.course, "");
        std::fs::write(
            root.join("Cargo.toml"),
            layout::cargo_toml(&ws.course, &bins),
        )?;
    }
    // `cargo metadata` resolves what the lock file lacks and keeps what it pins.
    let cargo = crate::check::cargo::cargo_program(&crate::check::Options::default());
    let status = Command::new(cargo)
        .args(["metadata", "--format-version", "1"])
        .current_dir(&ws.build_dir)
        .stdout(Stdio::null())
        .status()
        .map_err(crate::check::CheckError::CargoMissing)?;
    if !status.success() {
        return Err("cargo could not resolve the course's dependencies (see above)".into());
    }
    if ws.is_course_folder() {
        let lock = std::fs::read_to_string(ws.build_dir.join("Cargo.lock"))?;
        std::fs::write(root.join("course.lock"), lock)?;
    }
    Ok(())
}
