//! Files: reading files that someone else controls (only regular files: never a symlink, a
//! named pipe that would block forever, or a device that never ends; never more than a cap),
//! private build folders, writes that a crash never leaves half done, and file locks.

use std::fs::{self, File};
use std::io::{self, Read as _};
use std::os::unix::fs::OpenOptionsExt as _;
use std::path::Path;

/// Why an untrusted file was not read.
#[derive(Debug)]
pub(crate) enum Refused {
    /// It is a symbolic link, a pipe, a socket or a device, not a regular file.
    NotRegular(&'static str),
    /// It is larger than the cap.
    TooLarge(u64),
    Io(std::io::Error),
}

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refused::NotRegular(kind) => write!(f, "it is {kind}, not a regular file"),
            Refused::TooLarge(size) => write!(f, "it is too large ({size} bytes)"),
            Refused::Io(e) => write!(f, "{e}"),
        }
    }
}

/// Reads `path` if it is a regular file of at most `cap` bytes. The last component is not
/// followed if it is a symlink, and opening never blocks (a named pipe is refused, not
/// waited on).
pub(crate) fn read_regular(path: &Path, cap: u64) -> Result<Vec<u8>, Refused> {
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path)
        .map_err(|e| match e.raw_os_error() {
            Some(libc::ELOOP) => Refused::NotRegular("a symbolic link"),
            _ => Refused::Io(e),
        })?;
    let metadata = file.metadata().map_err(Refused::Io)?;
    let kind = metadata.file_type();
    if !kind.is_file() {
        use std::os::unix::fs::FileTypeExt as _;
        let what = if kind.is_fifo() {
            "a named pipe"
        } else if kind.is_socket() {
            "a socket"
        } else if kind.is_block_device() || kind.is_char_device() {
            "a device"
        } else if kind.is_dir() {
            "a folder"
        } else {
            "a special file"
        };
        return Err(Refused::NotRegular(what));
    }
    if metadata.len() > cap {
        return Err(Refused::TooLarge(metadata.len()));
    }
    let mut bytes = Vec::with_capacity(metadata.len() as usize);
    // The file may grow after the check: read at most one byte past the cap to notice.
    (&file as &File)
        .take(cap + 1)
        .read_to_end(&mut bytes)
        .map_err(Refused::Io)?;
    if bytes.len() as u64 > cap {
        return Err(Refused::TooLarge(bytes.len() as u64));
    }
    Ok(bytes)
}

/// Makes `dir` (and its parents) if needed, and checks that it is safe to build in: a folder
/// owned by this user that nobody else can write, with no cargo configuration inside that
/// cargo would read when building there (a `.cargo/config.toml` can name a compiler
/// wrapper). A new folder is made private (mode 0700).
pub(crate) fn private_build_dir(dir: &Path) -> Result<(), String> {
    use std::os::unix::fs::{MetadataExt as _, PermissionsExt as _};
    let existed = dir.exists();
    std::fs::create_dir_all(dir).map_err(|e| {
        format!(
            "cannot make the build folder {}: {e}\n  fix: pass --build-dir with a folder of \
             your own",
            dir.display()
        )
    })?;
    if !existed {
        let _ = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700));
    }
    let metadata = std::fs::symlink_metadata(dir)
        .map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
    let me = rustix::process::geteuid().as_raw();
    let unsafe_reason = if metadata.file_type().is_symlink() {
        Some("it is a symbolic link")
    } else if metadata.uid() != me {
        Some("it belongs to another user")
    } else if metadata.mode() & 0o022 != 0 {
        Some("other users can write to it")
    } else {
        None
    };
    if let Some(reason) = unsafe_reason {
        return Err(format!(
            "the build folder {} is not safe to build in: {reason}\n  fix: pass --build-dir \
             with a folder of your own",
            dir.display()
        ));
    }
    for config in [
        dir.join(".cargo"),
        dir.join("target").join(".cargo"),
        dir.join("target")
            .join("backendlings-graded")
            .join(".cargo"),
        dir.join("target").join("backendlings-std").join(".cargo"),
    ] {
        if config.exists() {
            return Err(format!(
                "the build folder holds cargo configuration that no build of ours writes: {}\n  \
                 fix: delete the build folder {} (something wrote into it), or pass another \
                 --build-dir",
                config.display(),
                dir.display()
            ));
        }
    }
    Ok(())
}

/// Takes an exclusive lock on the file at `path` (created if missing), released when the
/// returned file is dropped: two processes on one workspace take turns.
pub(crate) fn lock_file(path: &Path) -> io::Result<fs::File> {
    let file = open_lock(path)?;
    // flock(2) on Unix, LockFileEx on Windows.
    file.lock()?;
    Ok(file)
}

/// Takes a shared lock on the file at `path` (created if missing): any number of holders at
/// once, but none while someone holds it exclusively.
pub(crate) fn lock_file_shared(path: &Path) -> io::Result<fs::File> {
    let file = open_lock(path)?;
    file.lock_shared()?;
    Ok(file)
}

/// Whether someone holds a lock on the file at `path` (taking it exclusively, for an instant,
/// fails).
pub(crate) fn is_locked(path: &Path) -> bool {
    open_lock(path).is_ok_and(|file| matches!(file.try_lock(), Err(fs::TryLockError::WouldBlock)))
}

fn open_lock(path: &Path) -> io::Result<fs::File> {
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir)?;
    }
    fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)
}

/// Writes through a temporary file in the same folder and a rename, so that a crash
/// never leaves half a file.
pub(crate) fn write_atomically(path: &Path, contents: &[u8]) -> io::Result<()> {
    use std::io::Write as _;
    let dir = path.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(dir)?;
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    // Keep the file's permissions; a new file gets the usual rw-r--r-- (temp files are rw-------).
    let permissions = fs::metadata(path)
        .map(|m| m.permissions())
        .unwrap_or_else(|_| std::os::unix::fs::PermissionsExt::from_mode(0o644));
    tmp.as_file().set_permissions(permissions)?;
    tmp.write_all(contents)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_regular_files_within_the_cap_are_read() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("a.rs");
        std::fs::write(&file, "fn main() {}").unwrap();
        assert_eq!(read_regular(&file, 100).unwrap(), b"fn main() {}");
        assert!(matches!(read_regular(&file, 5), Err(Refused::TooLarge(12))));

        let link = dir.path().join("link.rs");
        std::os::unix::fs::symlink(&file, &link).unwrap();
        assert!(matches!(
            read_regular(&link, 100),
            Err(Refused::NotRegular("a symbolic link"))
        ));

        let fifo = dir.path().join("fifo.rs");
        let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        // SAFETY: mkfifo(3) with a NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        // Refused at once, never waited on.
        assert!(matches!(
            read_regular(&fifo, 100),
            Err(Refused::NotRegular("a named pipe"))
        ));
        assert!(matches!(
            read_regular(Path::new("/dev/zero"), 100),
            Err(Refused::NotRegular("a device"))
        ));
    }
}
