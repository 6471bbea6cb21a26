//! The terminal's key mode for watch mode, through rustix's termios (POSIX: Linux and macOS
//! alike). Windows would use the console API's input modes instead.

use std::sync::Mutex;

use rustix::termios::{LocalModes, OptionalActions, SpecialCodeIndex, Termios};

/// Puts the terminal in a mode where keys arrive one at a time without echo; the previous
/// mode comes back when this is dropped (on quit, Ctrl-C included, since Ctrl-C is a key here).
pub(crate) struct RawTerminal {
    saved: Termios,
}

/// The terminal's mode before watch mode changed it, for a signal that ends the process.
static SAVED: Mutex<Option<Termios>> = Mutex::new(None);

impl RawTerminal {
    /// `None` when standard input is not a terminal.
    pub(crate) fn enable() -> Option<RawTerminal> {
        let stdin = std::io::stdin();
        let saved = rustix::termios::tcgetattr(&stdin).ok()?;
        let mut raw = saved.clone();
        raw.local_modes
            .remove(LocalModes::ICANON | LocalModes::ECHO | LocalModes::ISIG);
        raw.special_codes[SpecialCodeIndex::VMIN] = 1;
        raw.special_codes[SpecialCodeIndex::VTIME] = 0;
        rustix::termios::tcsetattr(&stdin, OptionalActions::Now, &raw).ok()?;
        *SAVED.lock().unwrap_or_else(|e| e.into_inner()) = Some(saved.clone());
        Some(RawTerminal { saved })
    }
}

/// Gives the terminal its mode back (after SIGTERM or SIGHUP, which skip destructors).
pub fn restore_terminal() {
    if let Some(saved) = SAVED.lock().unwrap_or_else(|e| e.into_inner()).as_ref() {
        let _ = rustix::termios::tcsetattr(std::io::stdin(), OptionalActions::Now, saved);
    }
}

impl Drop for RawTerminal {
    fn drop(&mut self) {
        let _ = rustix::termios::tcsetattr(std::io::stdin(), OptionalActions::Now, &self.saved);
    }
}
