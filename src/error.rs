//! The library's error: what stopped a command, one variant per kind of cause, each written
//! as a user reads it (the command line prints `error: ` and the message, and exits with 2).

use std::fmt;
use std::io;
use std::path::PathBuf;

use crate::check::CheckError;
use crate::course::InfoError;
use crate::workspace::WorkspaceError;

#[derive(Debug)]
pub enum Error {
    /// The workspace (or course folder) could not be opened or changed: not a workspace, a bad
    /// `info.toml`, a file that could not be read or written.
    Workspace(WorkspaceError),
    /// A course's `info.toml` has problems (a course given with `--course`, the bundled one).
    Course(InfoError),
    /// A check gave no verdicts: cargo missing, a full disk, a build folder not writable.
    Check(CheckError),
    /// A file, folder or terminal could not be read or written; the system's words.
    Io(io::Error),
    /// A file or folder could not be read or written: what was being done (`cannot read the
    /// class folder`), to which path, and the system's words.
    File {
        doing: &'static str,
        path: PathBuf,
        error: io::Error,
    },
    /// The exercises' folder could not be watched for saves (watch mode).
    Watch(notify::Error),
    /// A report could not be made: the JUnit XML could not be written or read back (a bug,
    /// in the words of the XML library).
    Report(String),
    /// What was asked cannot be done as asked: what is wrong, and what to do instead.
    Usage { message: String, fix: String },
    /// Any other cause, in the words of the code that stopped: what happened and, where there
    /// is one, a `fix:` line.
    Message(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Workspace(e) => e.fmt(f),
            Error::Course(e) => e.fmt(f),
            Error::Check(e) => e.fmt(f),
            Error::Io(e) => e.fmt(f),
            Error::File { doing, path, error } => {
                write!(f, "{doing} {}: {error}", path.display())
            }
            Error::Watch(e) => e.fmt(f),
            Error::Report(message) => f.write_str(message),
            Error::Usage { message, fix } => write!(f, "{message}\n  fix: {fix}"),
            Error::Message(message) => f.write_str(message),
        }
    }
}

/// Each variant's message already says its cause's words: the cause is not a `source` too,
/// but a wrapped error's own source is passed on.
impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Workspace(e) => e.source(),
            Error::Course(e) => e.source(),
            Error::Check(e) => e.source(),
            Error::Io(e) | Error::File { error: e, .. } => e.source(),
            Error::Watch(e) => e.source(),
            Error::Report(_) | Error::Usage { .. } | Error::Message(_) => None,
        }
    }
}

impl Error {
    /// A usage error: `message` says what is wrong, `fix` what to do instead.
    pub(crate) fn usage(message: impl Into<String>, fix: impl Into<String>) -> Error {
        Error::Usage {
            message: message.into(),
            fix: fix.into(),
        }
    }
}

impl From<WorkspaceError> for Error {
    fn from(e: WorkspaceError) -> Error {
        Error::Workspace(e)
    }
}

impl From<InfoError> for Error {
    fn from(e: InfoError) -> Error {
        Error::Course(e)
    }
}

impl From<CheckError> for Error {
    fn from(e: CheckError) -> Error {
        Error::Check(e)
    }
}

impl From<io::Error> for Error {
    fn from(e: io::Error) -> Error {
        Error::Io(e)
    }
}

impl From<notify::Error> for Error {
    fn from(e: notify::Error) -> Error {
        Error::Watch(e)
    }
}

impl From<String> for Error {
    fn from(message: String) -> Error {
        Error::Message(message)
    }
}

impl From<&str> for Error {
    fn from(message: &str) -> Error {
        Error::Message(message.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::Error;

    #[test]
    fn a_usage_error_says_its_fix_on_a_line_of_its_own() {
        let error = Error::usage("there is no exercise named \"htp1\"", "`backendlings list`");
        assert_eq!(
            error.to_string(),
            "there is no exercise named \"htp1\"\n  fix: `backendlings list`"
        );
    }
}
