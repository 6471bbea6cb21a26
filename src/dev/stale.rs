//! Whether what `dev update` writes is out of date: the course folder's own generated
//! Cargo.toml, and `course.lock`, which must pin what info.toml's `[dependencies]` resolve to.
//!
//! The lock is judged by cargo itself: the build project's Cargo.lock, a copy of
//! `course.lock`, is resolved again by `cargo tree` (offline first), which rewrites it exactly
//! when cargo would have to change it to build (a dependency added or removed, a version
//! requirement the pinned version no longer meets, a feature that pulls in another crate), as
//! `dev update` would. The lock is stale when the two texts differ. `--locked` is not enough:
//! it lets a removed path dependency pass (cargo 1.95). Comparing dependency names by hand
//! would miss changed requirements and features. It takes about half a second, with no
//! network once the index and crates are on this machine (they are after one build).

use std::path::Path;
use std::process::{Command, Stdio};

use crate::course::{Course, layout};

/// The package name of every build project (see `layout::cargo_toml`).
const PACKAGE: &str = "backendlings-exercises";

/// How an author brings the generated files up to date.
const FIX: &str = "run `backendlings dev update` (and commit what it changes)";

/// `root/Cargo.toml`, when it is ours, as `dev update` would write it now: `None` when it is
/// not ours or up to date, else what is wrong.
pub(crate) fn manifest_problem(root: &Path, course: &Course) -> Option<String> {
    let path = root.join("Cargo.toml");
    if !layout::is_generated(&path) {
        return None;
    }
    let wanted = layout::cargo_toml(course, &layout::exercise_bins(course, ""));
    let text = std::fs::read_to_string(&path).ok()?;
    (text != wanted).then(|| {
        format!(
            "is out of date with info.toml (its exercises or dependencies changed since), and \
             watch mode, editors and cargo in this folder build from it; {FIX}"
        )
    })
}

/// Whether `course.lock` pins what the course's dependencies resolve to, judged by cargo in
/// `build_dir`, whose Cargo.lock is a copy of it. `None` when it does.
pub(crate) fn lock_problem(root: &Path, course: &Course, build_dir: &Path) -> Option<String> {
    let Ok(pinned) = std::fs::read_to_string(root.join("course.lock")) else {
        // With no dependencies there is nothing to pin.
        return (!course.dependencies.is_empty()).then(|| {
            format!(
                "is missing, so the dependencies' versions are not pinned and every learner may \
                 build other ones; {FIX}"
            )
        });
    };
    let cargo = crate::check::cargo::cargo_program(&crate::check::Options::default());
    let resolve = |offline: bool| {
        let mut command = Command::new(&cargo);
        command
            .args(["tree", "--depth", "0", "--edges", "normal"])
            .current_dir(build_dir)
            .env("CARGO_TERM_COLOR", "never")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        if offline {
            command.arg("--offline");
        }
        command.output()
    };
    // Offline first; when something is not on this machine yet, cargo fetches it (the build
    // that follows needs it anyway).
    let mut output = resolve(true).ok()?;
    if !output.status.success() {
        output = resolve(false).ok()?;
    }
    if !output.status.success() {
        return Some(format!(
            "could not be checked: cargo could not resolve the course's dependencies:\n{}",
            crate::check::judge::indent_by(
                "    ",
                String::from_utf8_lossy(&output.stderr).trim_end()
            )
        ));
    }
    let resolved = std::fs::read_to_string(build_dir.join("Cargo.lock")).ok()?;
    (resolved != pinned).then(|| {
        format!(
            "does not match info.toml's [dependencies] ({}): cargo would have to change it to \
             build the course, so it pins nothing; {FIX}",
            difference(&pinned, &resolved)
        )
    })
}

/// What cargo changed in a lock, in words: the build project's own dependencies first.
fn difference(pinned: &str, resolved: &str) -> String {
    let (pinned, resolved) = (Lock::read(pinned), Lock::read(resolved));
    let list = |what: &str, from: &[String], without: &[String]| {
        let names: Vec<&str> = from
            .iter()
            .filter(|n| !without.contains(n))
            .map(String::as_str)
            .collect();
        (!names.is_empty()).then(|| format!("{what} {}", names.join(", ")))
    };
    let mut parts: Vec<String> = [
        list("info.toml adds", &resolved.direct, &pinned.direct),
        list("info.toml no longer has", &pinned.direct, &resolved.direct),
    ]
    .into_iter()
    .flatten()
    .collect();
    if parts.is_empty() {
        parts.extend(list("cargo needs", &resolved.packages, &pinned.packages));
        parts.extend(list("nothing needs", &pinned.packages, &resolved.packages));
    }
    if parts.is_empty() {
        "cargo writes it otherwise".into()
    } else {
        parts.join("; ")
    }
}

/// What a Cargo.lock records: the build project's direct dependencies by name, and every
/// other package as `name version`.
#[derive(Default)]
struct Lock {
    direct: Vec<String>,
    packages: Vec<String>,
}

impl Lock {
    fn read(text: &str) -> Lock {
        let Ok(lock) = toml::from_str::<toml::Table>(text) else {
            return Lock::default();
        };
        let field = |p: &toml::Value, key: &str| {
            p.get(key)
                .and_then(toml::Value::as_str)
                .unwrap_or_default()
                .to_string()
        };
        let mut read = Lock::default();
        for package in lock
            .get("package")
            .and_then(toml::Value::as_array)
            .into_iter()
            .flatten()
        {
            if field(package, "name") != PACKAGE {
                read.packages.push(format!(
                    "{} {}",
                    field(package, "name"),
                    field(package, "version")
                ));
                continue;
            }
            read.direct = package
                .get("dependencies")
                .and_then(toml::Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(toml::Value::as_str)
                // "name", or "name version" when two versions of a crate are locked.
                .filter_map(|d| d.split(' ').next())
                .map(str::to_string)
                .collect();
        }
        read
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_difference_names_the_crates() {
        let lock = |direct: &str, packages: &str| {
            format!(
                "version = 4\n[[package]]\nname = \"backendlings-exercises\"\nversion = \"0.0.0\"\n\
                 dependencies = [{direct}]\n{packages}"
            )
        };
        let package = |name: &str, version: &str| {
            format!("[[package]]\nname = \"{name}\"\nversion = \"{version}\"\n")
        };
        let serde = package("serde", "1.0.1");
        let pinned = lock(
            "\"serde\", \"subtle 2.6.1\"",
            &(serde.clone() + &package("subtle", "2.6.1")),
        );
        let resolved = lock(
            "\"itoa\", \"serde\"",
            &(serde.clone() + &package("itoa", "1.0.0")),
        );
        assert_eq!(
            difference(&pinned, &resolved),
            "info.toml adds itoa; info.toml no longer has subtle"
        );
        let bumped = lock(
            "\"serde\", \"subtle 2.6.1\"",
            &(package("serde", "1.0.2") + &package("subtle", "2.6.1")),
        );
        assert_eq!(
            difference(&pinned, &bumped),
            "cargo needs serde 1.0.2; nothing needs serde 1.0.1"
        );
        assert_eq!(
            difference(&pinned, &format!("# edited\n{pinned}")),
            "cargo writes it otherwise"
        );
    }
}
