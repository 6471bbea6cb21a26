//! Composes what is built from one snapshot of each learner file, in a build project of its
//! own (the graded project), as the exercise's grading mode says (`check::modes`): this
//! module writes the files, the project's manifest and the course's support modules.

use std::fs;
use std::path::{Path, PathBuf};

use super::Target;
use super::modes::{Composed, Prepared};
use super::source;

/// Where graded sources are composed and built. Its target folder is the build project's, so
/// the dependencies are compiled once for both.
pub fn project_dir(build_dir: &Path) -> PathBuf {
    build_dir.join("target").join("backendlings-graded")
}

/// Composes `target` from `snapshot` into the graded project, as its grading mode says;
/// returns what to expect, or why it is not built. `bins` collects the `[[bin]]` entries of
/// the project's manifest.
pub fn prepare(
    project: &Path,
    target: &Target<'_>,
    snapshot: &str,
    bins: &mut String,
) -> std::io::Result<Prepared> {
    let mut composed = Composed {
        tests: Vec::new(),
        mutant_tokens: Vec::new(),
        decoy_token: String::new(),
        path: PathBuf::new(),
        unreadable: None,
    };
    let mode = super::modes::of(target.exercise.mode);
    let files = match mode.compose(target, snapshot, &mut composed) {
        Ok(files) => files,
        Err(rejection) => return Ok(Prepared::Rejected(rejection)),
    };
    for (path, text) in &files {
        write_if_changed(&project.join(path), text)?;
    }
    if let Some((root, _)) = files.first() {
        composed.path = project.join(root);
        bins.push_str(&bin_entry(&target.bin, &crate::course::slash_path(root)));
    }
    Ok(Prepared::Ready(composed))
}

fn bin_entry(name: &str, path: &str) -> String {
    format!(
        "\n[[bin]]\nname = {name:?}\npath = {path:?}\ntest = true\ndoctest = false\nbench = false\n"
    )
}

/// Writes the course's support modules into the graded project, their std macros pinned like
/// the grading tests' (a module declared after the learner's code is in reach of its macros).
pub fn write_support(project: &Path, support: &[(String, String)]) -> std::io::Result<()> {
    for (path, text) in support {
        write_if_changed(&project.join(path), &source::pin_std_macros(text))?;
    }
    Ok(())
}

/// The package of a build project (see `layout::cargo_toml`), and of the graded project.
const WORKSPACE_PACKAGE: &str = "name = \"backendlings-exercises\"";
const GRADED_PACKAGE: &str = "name = \"backendlings-graded\"";

/// Writes the graded project's manifest: the build project's package, dependencies and
/// profiles, with `bins`; and its lock file.
pub fn write_manifest(build_dir: &Path, bins: &str) -> std::io::Result<()> {
    let project = project_dir(build_dir);
    fs::create_dir_all(&project)?;
    let manifest = fs::read_to_string(build_dir.join("Cargo.toml"))?;
    // A package of its own name: cargo tells units apart by package, so the graded builds and
    // a `cargo test` in the workspace never take each other's fingerprints or binaries.
    let mut text = manifest
        .split("\n[[bin]]")
        .next()
        .unwrap_or(&manifest)
        .replacen(WORKSPACE_PACKAGE, GRADED_PACKAGE, 1);
    text.push_str(bins);
    write_if_changed(&project.join("Cargo.toml"), &text)?;
    if let Ok(lock) = fs::read_to_string(build_dir.join("Cargo.lock")) {
        let lock = lock.replacen(WORKSPACE_PACKAGE, GRADED_PACKAGE, 1);
        write_if_changed(&project.join("Cargo.lock"), &lock)?;
    }
    Ok(())
}

/// Cargo decides what to rebuild by modification time: rewrite only what changed.
pub fn write_if_changed(path: &Path, text: &str) -> std::io::Result<()> {
    if fs::read_to_string(path).ok().as_deref() != Some(text) {
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent)?;
        }
        fs::write(path, text)?;
    }
    Ok(())
}
