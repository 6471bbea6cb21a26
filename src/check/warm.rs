//! The warm-up: builds, before anyone asks, what checks will need, in the order the course
//! needs it. First each layer's dependencies, smallest layer first (the next topics' crates
//! before the last topics'), then the exercises' programs, layer by layer.
//!
//! A check always goes first. One of an exercise that needs no crate builds in a project of
//! its own (`compose::Project`), beside the warm-up, whose builds run at a lower CPU
//! priority. Any other holds its project's `WANTED` lock (shared) from before it waits for
//! the build lock until its build is over; the warm-up looks at that lock while cargo runs,
//! stops its cargo at once when a check wants the project, and waits until the check's
//! build is done. Cargo keeps every crate it finished, so a stopped step resumes where it
//! stopped: in the next step, the next warm-up, or the check itself.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

use super::modes::Prepared;
use super::{CheckError, Event, Events, Options, Target, cargo, compose};
use crate::course::layers::Layers;
use crate::sys::files::{is_locked, lock_file, lock_file_shared};

/// Held (shared) by every check from before it waits for the build lock until its build is
/// done; the warm-up gives way while anyone holds it.
pub(crate) const WANTED: &str = ".wanted";
/// Held by the build in progress, check or warm-up: one build at a time per project.
pub(crate) const BUILDING: &str = ".lock";

/// One step of the warm-up, for a progress line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Step {
    /// From 1.
    pub number: usize,
    pub of: usize,
    pub layer: usize,
    /// `false`: the layer's dependencies; `true`: its exercises' programs.
    pub programs: bool,
}

/// How a warm-up ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Warmed {
    /// Everything is built (what does not compile is left for its check to show).
    Done,
    /// `stop` was set.
    Stopped,
}

/// A check's claim on the project: the warm-up gives way until it is dropped.
pub(crate) struct Claim(#[allow(dead_code)] std::fs::File);

/// Claims `project` for a check (see the module's comment).
pub(crate) fn claim(project: &Path) -> std::io::Result<Claim> {
    lock_file_shared(&project.join(WANTED)).map(Claim)
}

/// Builds the dependencies of every layer, then the programs of `targets` (read now from
/// their files), unless `stop` is set first. Each step is an `Event::Warming`, and each crate
/// an `Event::Compiled`.
pub(crate) fn warm(
    build_dir: &Path,
    layers: &Layers,
    targets: &[Target<'_>],
    options: &Options,
    events: &dyn Events,
    stop: &AtomicBool,
) -> Result<Warmed, CheckError> {
    let projects = compose::projects(build_dir, layers, options);
    let placed = place(layers, targets);
    let mut with_programs: Vec<usize> = placed.iter().map(|&(_, layer)| layer).collect();
    with_programs.sort_unstable();
    with_programs.dedup();
    let steps: Vec<Step> = (0..layers.len())
        .map(|layer| (layer, false))
        .chain(with_programs.iter().map(|&layer| (layer, true)))
        .enumerate()
        .map(|(i, (layer, programs))| Step {
            number: i + 1,
            of: layers.len() + with_programs.len(),
            layer,
            programs,
        })
        .collect();
    for step in steps {
        events.event(Event::Warming(step));
        let project = compose::project_of(&projects, step.layer);
        loop {
            if stop.load(Ordering::SeqCst) {
                return Ok(Warmed::Stopped);
            }
            // Wait while a check has the project, then build with the lock held.
            drop(lock_file(&project.dir.join(WANTED)).map_err(CheckError::Io)?);
            let _building = lock_file(&project.dir.join(BUILDING)).map_err(CheckError::Io)?;
            let give_way = || stop.load(Ordering::SeqCst) || is_locked(&project.dir.join(WANTED));
            let build = if step.programs {
                let here: Vec<&Target<'_>> = placed
                    .iter()
                    .filter(|&&(_, layer)| layer == step.layer)
                    .map(|&(i, _)| &targets[i])
                    .collect();
                build_programs(
                    build_dir, project, layers, &here, step.layer, options, events, &give_way,
                )?
            } else {
                // Each layer's package must exist: the manifests are written as a check would.
                compose::write_manifest(build_dir, project, layers, &compose::Bins::new())
                    .map_err(CheckError::Io)?;
                cargo::build(
                    &project.dir,
                    Some(&project.target_dir),
                    Some(&compose::layer_package(step.layer)),
                    cargo::Selection::DependenciesOf(&compose::layer_program(step.layer)),
                    options,
                    events,
                    cargo::Priority::Background(&give_way),
                )?
            };
            if build.disk_full() {
                return Err(CheckError::DiskFull(project.target_dir.clone()));
            }
            if !build.stopped {
                break;
            }
        }
    }
    Ok(Warmed::Done)
}

/// The targets a warm-up builds (by index), each with the layer it is built in: the one its
/// file and its grading tests need (layers nest, so the larger of the two). Read, not
/// composed: composing writes what a check builds, which only a build under the lock may.
/// A mutants exercise's program is built too: a learner's workspace keeps its tokens, so a
/// check composes it to the same text (in strict mode nothing warms up).
fn place(layers: &Layers, targets: &[Target<'_>]) -> Vec<(usize, usize)> {
    targets
        .iter()
        .enumerate()
        .filter_map(|(i, target)| {
            let text = std::fs::read_to_string(&target.source).ok()?;
            let tests = target.original.as_deref().map_or(0, |o| layers.layer_of(o));
            Some((i, layers.layer_of(&text).max(tests)))
        })
        .collect()
}

/// Builds the test programs of `targets`, which were placed in `layer` (one the learner
/// changed since is built where it now belongs, by its own check).
#[allow(clippy::too_many_arguments)]
fn build_programs(
    build_dir: &Path,
    project: &compose::Project,
    layers: &Layers,
    targets: &[&Target<'_>],
    layer: usize,
    options: &Options,
    events: &dyn Events,
    give_way: &(dyn Fn() -> bool + Sync),
) -> Result<cargo::Build, CheckError> {
    let mut bins = compose::Bins::new();
    let mut programs = Vec::new();
    for &target in targets {
        // Composed from the file as it is now; one its check would refuse is left to it.
        let Some(text) = std::fs::read(&target.source)
            .ok()
            .and_then(|bytes| String::from_utf8(bytes).ok())
        else {
            continue;
        };
        let Prepared::Ready(mut composed) =
            compose::plan(build_dir, target, &text, layers, options)
        else {
            continue;
        };
        if composed.layer != layer {
            continue;
        }
        if !target.support.is_empty() {
            compose::write_support_of(&project.dir, &[target]).map_err(CheckError::Io)?;
        }
        compose::place(&project.dir, target, &mut composed, &mut bins).map_err(CheckError::Io)?;
        if super::modes::of(target.exercise.mode).builds_program() {
            programs.push(target.bin.as_str());
        }
    }
    compose::write_manifest(build_dir, project, layers, &bins).map_err(CheckError::Io)?;
    cargo::build(
        &project.dir,
        Some(&project.target_dir),
        Some(&compose::layer_package(layer)),
        cargo::Selection::All {
            programs: &programs,
        },
        options,
        events,
        cargo::Priority::Background(give_way),
    )
}
