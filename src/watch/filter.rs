//! Which file events mean "the learner saved a file": a pure function, so it can be tested
//! without a file system.

use std::path::{Path, PathBuf};

use notify::event::{AccessKind, AccessMode, EventKind, MetadataKind, ModifyKind, RenameMode};

/// How soon a relevant event should start a check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Urgency {
    /// The writer may not be done (a write without a close): wait a moment for more.
    Soon,
    /// The file is complete (closed after writing, or renamed into place): check now.
    Now,
}

/// Whether `event` may have changed a file's content, and how soon to act on it.
pub(crate) fn classify(kind: &EventKind) -> Option<Urgency> {
    match kind {
        EventKind::Access(AccessKind::Close(AccessMode::Write)) => Some(Urgency::Now),
        EventKind::Access(_) => None,
        // The polling watcher reports a changed modification time this way.
        EventKind::Modify(ModifyKind::Metadata(MetadataKind::WriteTime)) => Some(Urgency::Soon),
        EventKind::Modify(ModifyKind::Metadata(_)) => None,
        EventKind::Modify(ModifyKind::Name(RenameMode::From)) => None,
        EventKind::Modify(ModifyKind::Name(_)) => Some(Urgency::Now),
        EventKind::Modify(_) | EventKind::Create(_) | EventKind::Any => Some(Urgency::Soon),
        EventKind::Remove(_) | EventKind::Other => None,
    }
}

/// The paths of an event that are source files worth checking: `.rs` files below `root`
/// (the watched folder) that are not editor swap or backup files, and nothing below a
/// `target` folder inside it. Only the part below `root` is looked at: a workspace may
/// itself live below a folder named `target`.
pub(crate) fn relevant_paths<'a>(
    root: &'a Path,
    paths: &'a [PathBuf],
) -> impl Iterator<Item = &'a PathBuf> {
    paths.iter().filter(move |p| is_source_file(root, p))
}

fn is_source_file(root: &Path, path: &Path) -> bool {
    let Ok(inside) = path.strip_prefix(root) else {
        return false;
    };
    if inside.components().any(|c| c.as_os_str() == "target") {
        return false;
    }
    let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
        return false;
    };
    let editor_droppings =
        name.starts_with('.') || name.starts_with('#') || name.ends_with('~') || name == "4913";
    !editor_droppings && name.ends_with(".rs")
}

#[cfg(test)]
mod tests {
    use super::*;
    use notify::event::{CreateKind, DataChange, MetadataKind, RemoveKind};

    #[test]
    fn close_after_write_and_rename_into_place_check_now() {
        assert_eq!(
            classify(&EventKind::Access(AccessKind::Close(AccessMode::Write))),
            Some(Urgency::Now)
        );
        assert_eq!(
            classify(&EventKind::Modify(ModifyKind::Name(RenameMode::To))),
            Some(Urgency::Now)
        );
        assert_eq!(
            classify(&EventKind::Modify(ModifyKind::Name(RenameMode::Both))),
            Some(Urgency::Now)
        );
    }

    #[test]
    fn writes_and_creates_wait_for_more() {
        assert_eq!(
            classify(&EventKind::Modify(ModifyKind::Data(DataChange::Content))),
            Some(Urgency::Soon)
        );
        assert_eq!(
            classify(&EventKind::Create(CreateKind::File)),
            Some(Urgency::Soon)
        );
    }

    #[test]
    fn a_new_modification_time_from_the_polling_watcher_counts() {
        assert_eq!(
            classify(&EventKind::Modify(ModifyKind::Metadata(
                MetadataKind::WriteTime
            ))),
            Some(Urgency::Soon)
        );
    }

    #[test]
    fn reads_metadata_and_removals_are_ignored() {
        for kind in [
            EventKind::Access(AccessKind::Read),
            EventKind::Access(AccessKind::Close(AccessMode::Read)),
            EventKind::Modify(ModifyKind::Metadata(MetadataKind::Permissions)),
            EventKind::Modify(ModifyKind::Name(RenameMode::From)),
            EventKind::Remove(RemoveKind::File),
        ] {
            assert_eq!(classify(&kind), None, "{kind:?}");
        }
    }

    #[test]
    fn swap_files_backups_and_target_are_ignored() {
        let paths: Vec<PathBuf> = [
            "/w/exercises/01_http/http1.rs",
            "/w/exercises/01_http/.http1.rs.swp",
            "/w/exercises/01_http/http1.rs~",
            "/w/exercises/01_http/4913",
            "/w/exercises/01_http/#http1.rs#",
            "/w/exercises/01_http/.#http1.rs",
            "/w/target/debug/build/x.rs",
            "/w/exercises/01_http/notes.txt",
        ]
        .iter()
        .map(PathBuf::from)
        .collect();
        let root = Path::new("/w/exercises");
        let kept: Vec<&PathBuf> = relevant_paths(root, &paths).collect();
        assert_eq!(kept, [&PathBuf::from("/w/exercises/01_http/http1.rs")]);
        // A workspace below a folder named `target` is watched like any other.
        let root = Path::new("/srv/target/ws/exercises");
        let inside = [PathBuf::from("/srv/target/ws/exercises/01_http/http1.rs")];
        assert_eq!(relevant_paths(root, &inside).count(), 1);
        let build = [PathBuf::from("/srv/target/ws/exercises/target/x.rs")];
        assert_eq!(relevant_paths(root, &build).count(), 0);
    }
}
