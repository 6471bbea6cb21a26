//! Standard output or error that cannot be written (a full disk, an I/O error). std's print
//! macros panic then, wherever they are called; the runner instead stops the command, says
//! what happened, and exits with status 2 like any other error. A closed pipe still ends the
//! process quietly (SIGPIPE), as for any Unix tool; a closed descriptor is /dev/null (std
//! opens it at start-up).

use std::any::Any;
use std::io::Write as _;
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};

/// How std's print macros panic when a write fails: `failed printing to stdout: {error}`.
const PRINT_FAILURE: &str = "failed printing to ";

/// The payload of `write_failed`'s panic: the error to report.
struct WriteFailed(String);

/// A print failed somewhere, perhaps in another thread.
static FAILED: AtomicBool = AtomicBool::new(false);

/// Keeps the panic message of a failed print off the screen (the command's error says it);
/// every other panic is reported as before.
pub fn install() {
    let default = panic::take_hook();
    panic::set_hook(Box::new(move |info| {
        if print_failure(info.payload()).is_some() {
            FAILED.store(true, Ordering::SeqCst);
        } else {
            default(info);
        }
    }));
}

/// Runs a command; a print that failed in it ends it with an error instead of a panic (what
/// it already did, saving progress included, stays done).
/// `E` is the commands' error (`crate::Error`), left open so that `ui` does not depend on it.
pub fn guarded<T, E: From<String>>(command: impl FnOnce() -> Result<T, E>) -> Result<T, E> {
    match panic::catch_unwind(AssertUnwindSafe(command)) {
        Ok(result) => result,
        Err(payload) => match print_failure(&*payload) {
            Some(message) => Err(message.into()),
            // A thread's print failed, and the thread that waited for it passed it on.
            None if FAILED.load(Ordering::SeqCst) => {
                Err(String::from("cannot write to standard output or error").into())
            }
            None => panic::resume_unwind(payload),
        },
    }
}

/// Ends the command as a failed print of std's macros does, for output written another way.
pub(crate) fn write_failed(stream: &str, error: &std::io::Error) -> ! {
    panic::panic_any(WriteFailed(write_error(stream, &error.to_string())))
}

/// The error for a panic of std's print macros (or `write_failed`); `None` for any other.
fn print_failure(payload: &(dyn Any + Send)) -> Option<String> {
    if let Some(WriteFailed(message)) = payload.downcast_ref() {
        return Some(message.clone());
    }
    let text = payload
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| payload.downcast_ref::<&str>().copied())?;
    let (stream, error) = text.strip_prefix(PRINT_FAILURE)?.split_once(": ")?;
    let stream = match stream {
        "stdout" => "output",
        "stderr" => "error",
        _ => return None,
    };
    Some(write_error(stream, error))
}

/// What to say when standard `stream` ("output" or "error") refused a write with `error`.
pub fn write_error(stream: &str, error: &str) -> String {
    let full = format!(" (os error {})", libc::ENOSPC);
    match error.strip_suffix(&full) {
        Some(said) => format!(
            "cannot write to standard {stream}: the disk is full ({said})\n  fix: free some \
             space, or send the output to another disk"
        ),
        None => format!("cannot write to standard {stream}: {error}"),
    }
}

/// Writes a line to standard error, or nothing if it cannot be written (there is then nowhere
/// left to say so; the exit status still does).
pub fn error_line(text: &str) {
    let _ = writeln!(std::io::stderr(), "{text}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_print_is_an_error_and_other_panics_are_not() {
        let full = std::io::Error::from_raw_os_error(libc::ENOSPC);
        let payload: Box<dyn Any + Send> = Box::new(format!("failed printing to stdout: {full}"));
        let message = print_failure(&*payload).unwrap();
        assert!(
            message.starts_with(
                "cannot write to standard output: the disk is full (No space left on device)\n"
            ),
            "{message}"
        );
        let other: Box<dyn Any + Send> = Box::new("index out of bounds");
        assert_eq!(print_failure(&*other), None);
        let eio = std::io::Error::from_raw_os_error(libc::EIO);
        let payload: Box<dyn Any + Send> =
            Box::new(WriteFailed(write_error("output", &eio.to_string())));
        assert_eq!(
            print_failure(&*payload).unwrap(),
            format!("cannot write to standard output: {eio}")
        );
    }
}
