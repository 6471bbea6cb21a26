//! Embeds the bundled course (info.toml, course.lock, exercises/, solutions/, mutants/, support/)
//! into the binary,
//! so that `backendlings init` needs no copy of this repository.

use std::env;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

fn main() {
    let root =
        PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for name in ["info.toml", "course.lock"] {
        if root.join(name).is_file() {
            files.push(PathBuf::from(name));
        }
    }
    for dir in ["exercises", "solutions", "mutants", "support"] {
        collect(&root, Path::new(dir), &mut files);
        println!("cargo:rerun-if-changed={dir}");
    }
    println!("cargo:rerun-if-changed=info.toml");
    println!("cargo:rerun-if-changed=course.lock");
    files.sort();

    let mut out = String::from(
        "/// Every file of the bundled course: (path relative to the course root, contents).\n",
    );
    out.push_str("pub(crate) static FILES: &[(&str, &str)] = &[\n");
    for file in &files {
        let relative = file
            .to_str()
            .expect("course paths are UTF-8")
            .replace('\\', "/");
        // Relative to the package at compile time, not an absolute path: a build folder
        // shared by two copies of the source (a worktree, a moved checkout) must not embed
        // the other copy's files.
        writeln!(
            out,
            "    ({relative:?}, include_str!(concat!(env!(\"CARGO_MANIFEST_DIR\"), \"/\", {relative:?}))),"
        )
        .unwrap();
    }
    out.push_str("];\n");
    let dest =
        PathBuf::from(env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("embedded_course.rs");
    fs::write(dest, out).expect("write embedded_course.rs");
}

fn collect(root: &Path, relative: &Path, files: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(root.join(relative)) else {
        return;
    };
    for entry in entries.flatten() {
        let path = relative.join(entry.file_name());
        if entry.file_type().map(|t| t.is_dir()).unwrap_or(false) {
            collect(root, &path, files);
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
}
