//! Composes what is built from one snapshot of each learner file, in a build project of its
//! own (the graded project), as the exercise's grading mode says (`check::modes`): this
//! module writes the files, the project's manifest and the course's support modules.

use std::fs;
use std::path::{Path, PathBuf};

use super::modes::{Composed, Prepared};
use super::source;
use super::{Options, Target};
use crate::course::layers::Layers;

/// Where graded sources are composed and built, but those of the std-only project (see
/// `Project`). Its target folder is the build project's, so the dependencies are compiled
/// once for both. The checks' scratch folders and mutants mode's tokens live here too.
pub(crate) fn project_dir(build_dir: &Path) -> PathBuf {
    build_dir.join("target").join("backendlings-graded")
}

/// The project of the exercises that need no crate at all.
pub(crate) fn std_project_dir(build_dir: &Path) -> PathBuf {
    build_dir.join("target").join("backendlings-std")
}

/// A cargo workspace where some of the layers are composed and built, with a target folder
/// and locks of its own. When the first layer needs no crate at all (the first topics of a
/// course need only std), it is a project of its own: its checks then never wait for the
/// warm-up, which meanwhile builds the crates of later topics in the other project, nor
/// stop it (a stopped build loses the crates it was compiling).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Project {
    pub(crate) dir: PathBuf,
    pub(crate) target_dir: PathBuf,
    /// The layers it builds.
    pub(crate) layers: std::ops::Range<usize>,
}

/// The projects of `build_dir`, the one of the first layer first; every layer is in one.
pub(crate) fn projects(build_dir: &Path, layers: &Layers, options: &Options) -> Vec<Project> {
    let target_dir = super::target_dir(build_dir, options);
    let main = |first| Project {
        dir: project_dir(build_dir),
        target_dir: target_dir.clone(),
        layers: first..layers.len(),
    };
    if !layers.dependencies(0).is_empty() {
        return vec![main(0)];
    }
    let std = Project {
        dir: std_project_dir(build_dir),
        target_dir: target_dir.join("backendlings-std").join("target"),
        layers: 0..1,
    };
    if layers.len() == 1 {
        vec![std]
    } else {
        vec![std, main(1)]
    }
}

/// The project that builds `layer`.
pub(crate) fn project_of(projects: &[Project], layer: usize) -> &Project {
    projects
        .iter()
        .find(|p| p.layers.contains(&layer))
        .unwrap_or(&projects[projects.len() - 1])
}

/// The folder of the graded project where mutants mode keeps each exercise's tokens.
const TOKENS: &str = "tokens";

/// Composes `target` from `snapshot`, as its grading mode says: what to write, in which
/// layer, and what to expect; or why it is not built. Nothing is written yet but a mutants
/// exercise's kept tokens (atomically: two checks at once each build what they drew).
pub(crate) fn plan(
    build_dir: &Path,
    target: &Target<'_>,
    snapshot: &str,
    layers: &Layers,
    options: &Options,
) -> Prepared {
    let mut composed = Composed {
        tests: Vec::new(),
        mutant_tokens: Vec::new(),
        decoy_token: String::new(),
        path: PathBuf::new(),
        tokens_kept_in: (!options.strict)
            .then(|| project_dir(build_dir).join(TOKENS).join(&target.bin)),
        unreadable: None,
        layer: 0,
        files: Vec::new(),
    };
    let mode = super::modes::of(target.exercise.mode);
    composed.files = match mode.compose(target, snapshot, &mut composed) {
        Ok(files) => files,
        Err(rejection) => return Prepared::Rejected(rejection),
    };
    composed.layer = composed
        .files
        .iter()
        .map(|(_, text)| layers.layer_of(text))
        .max()
        .unwrap_or(0);
    Prepared::Ready(composed)
}

/// Writes what `plan` composed into `project` (the one of its layer), and adds its
/// `[[bin]]` entry to `bins`.
pub(crate) fn place(
    project: &Path,
    target: &Target<'_>,
    composed: &mut Composed,
    bins: &mut Bins,
) -> std::io::Result<()> {
    for (path, text) in &composed.files {
        write_if_changed(&project.join(path), text)?;
    }
    if let Some((root, _)) = composed.files.first() {
        composed.path = project.join(root);
        // By absolute path: cargo then names the file to rustc relative to the project, as
        // `exercises/01_http/http1.rs`, in its messages and in panics' locations.
        let absolute = std::path::absolute(project.join(root))?;
        bins.entry(composed.layer)
            .or_default()
            .push_str(&bin_entry(&target.bin, &absolute.to_string_lossy()));
    }
    Ok(())
}

/// The `[[bin]]` entries of each layer's package, by layer.
pub(crate) type Bins = std::collections::BTreeMap<usize, String>;

fn bin_entry(name: &str, path: &str) -> String {
    let quoted = |text: &str| toml::Value::String(text.to_string()).to_string();
    format!(
        "\n[[bin]]\nname = {}\npath = {}\ntest = true\ndoctest = false\nbench = false\n",
        quoted(name),
        quoted(path)
    )
}

/// Writes the support modules `targets` use. They are declared
/// `#[path = "../../support/<name>.rs"]`, relative to the composed file's folder: they are
/// written where that path leads for every target (a wrong attempt or a class's file sits
/// deeper than an exercise).
pub(crate) fn write_support_of(project: &Path, targets: &[&Target<'_>]) -> std::io::Result<()> {
    let mut roots = std::collections::BTreeSet::new();
    for target in targets.iter().filter(|t| !t.support.is_empty()) {
        let base = target
            .shown_as
            .parent()
            .and_then(Path::parent)
            .and_then(Path::parent)
            .unwrap_or(Path::new(""));
        if roots.insert(base.to_path_buf()) {
            write_support(&project.join(base), target.support)?;
        }
    }
    Ok(())
}

/// Writes the course's support modules into the graded project, their std macros pinned like
/// the grading tests' (a module declared after the learner's code is in reach of its macros).
pub(crate) fn write_support(project: &Path, support: &[(String, String)]) -> std::io::Result<()> {
    for (path, text) in support {
        write_if_changed(&project.join(path), &source::pin_std_macros(text))?;
    }
    Ok(())
}

/// The cargo package of layer `index` in the graded project.
pub(crate) fn layer_package(index: usize) -> String {
    format!("graded-{index}")
}

/// The empty program of layer `index`, whose build builds the layer's dependencies.
pub(crate) fn layer_program(index: usize) -> String {
    format!("layer-{index}")
}

/// Writes the manifests of a graded project: a cargo workspace with one package per layer
/// it builds, each with that layer's dependencies (as the build project's manifest declares
/// them) and its `bins`; the build project's profiles; and the lock file the course pins.
pub(crate) fn write_manifest(
    build_dir: &Path,
    project: &Project,
    layers: &Layers,
    bins: &Bins,
) -> std::io::Result<()> {
    let (project, built) = (&project.dir, project.layers.clone());
    fs::create_dir_all(project)?;
    let manifest = fs::read_to_string(build_dir.join("Cargo.toml"))?;
    let manifest: toml::Table = manifest
        .parse()
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))?;
    let dependencies = manifest
        .get("dependencies")
        .and_then(toml::Value::as_table)
        .cloned()
        .unwrap_or_default();
    let members: Vec<String> = built.clone().map(|i| format!("layer-{i}")).collect();
    let mut root = toml::Table::new();
    let mut workspace = toml::Table::new();
    workspace.insert("resolver".into(), "3".into());
    workspace.insert("members".into(), members.clone().into());
    root.insert("workspace".into(), workspace.into());
    if let Some(profile) = manifest.get("profile") {
        root.insert("profile".into(), profile.clone());
    }
    write_if_changed(
        &project.join("Cargo.toml"),
        &format!(
            "{GENERATED}\n{}",
            toml::to_string(&root).unwrap_or_default()
        ),
    )?;
    // Each layer has an empty program: building it builds the layer's dependencies (the
    // warm-up does that first), and it gives a layer with no exercise a target. A program,
    // not a library, because every program of a package depends on its library: one
    // rebuilt would rebuild them all.
    write_if_changed(
        &project.join("layer.rs"),
        "//! Empty: building it builds a layer's dependencies.\nfn main() {}\n",
    )?;
    for (index, member) in built.clone().zip(&members) {
        let mut package = toml::Table::new();
        package.insert("name".into(), layer_package(index).into());
        package.insert("version".into(), "0.0.0".into());
        package.insert("edition".into(), "2024".into());
        package.insert("publish".into(), false.into());
        for auto in ["autobins", "autoexamples", "autotests", "autobenches"] {
            package.insert(auto.into(), false.into());
        }
        let mut table = toml::Table::new();
        table.insert("package".into(), package.into());
        let deps: toml::Table = layers
            .dependencies(index)
            .iter()
            .filter_map(|name| Some((name.clone(), dependencies.get(name)?.clone())))
            .collect();
        table.insert("dependencies".into(), deps.into());
        let text = format!(
            "{GENERATED}\n{}\n[[bin]]\nname = \"{}\"\npath = \"../layer.rs\"\ntest = false\n{}",
            toml::to_string(&table).unwrap_or_default(),
            layer_program(index),
            bins.get(&index).map_or("", String::as_str)
        );
        write_if_changed(&project.join(member).join("Cargo.toml"), &text)?;
    }
    // The course's lock file pins the versions. Cargo adds the layers' packages to the
    // project's copy; it is replaced only when the course's own changes. (A project with no
    // dependency needs none: cargo writes its own.)
    let needs_crates = built.clone().any(|i| !layers.dependencies(i).is_empty());
    if needs_crates && let Ok(lock) = fs::read_to_string(build_dir.join("Cargo.lock")) {
        let pinned = project.join("course.lock");
        if fs::read_to_string(&pinned).ok().as_deref() != Some(lock.as_str()) {
            fs::write(project.join("Cargo.lock"), &lock)?;
            fs::write(&pinned, &lock)?;
        }
    }
    Ok(())
}

const GENERATED: &str = "# Generated by backendlings for each check: edits are lost.";

/// Cargo decides what to rebuild by modification time: rewrite only what changed.
pub(crate) fn write_if_changed(path: &Path, text: &str) -> std::io::Result<()> {
    if fs::read_to_string(path).ok().as_deref() != Some(text) {
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent)?;
        }
        fs::write(path, text)?;
    }
    Ok(())
}
