//! backendlings as a library: open a session on a workspace, check exercises and receive
//! their verdicts as data (see `check::Verdict`), as the command line and editor plug-ins do.
//!
//! ```no_run
//! let session = backendlings::session::Session::open_at(std::path::Path::new("my-workspace"))?;
//! if let Some(question) = session.trust_question() {
//!     // An unseen course folder: its code would run here. Ask the user, then:
//!     eprintln!("{question}");
//!     session.trust()?;
//! }
//! let ex = session.exercise(Some("http1"))?;
//! let verdicts = session.check(&[ex], &backendlings::check::Quiet)?;
//! // What was found, as data; and in the words a learner reads.
//! println!("{:?} {:?}", verdicts[0].outcome, verdicts[0].finding);
//! println!("{}", backendlings::ui::verdict::summary(&verdicts[0]));
//! # Ok::<(), backendlings::Error>(())
//! ```
//!
//! The public surface is this: `session`, `check` (its events, verdicts and findings), the
//! commands `src/main.rs` dispatches to, and `Error`. Everything else is `pub(crate)`, and
//! `unreachable_pub` keeps a `pub` from appearing where nobody outside can reach it.
//!
//! Nothing here reads standard input: consent to run a course folder's code is a question
//! the caller answers (`Session::trust_question`, `Session::trust`).

#![warn(unreachable_pub)]

pub mod check;
pub mod commands;
pub mod course;
pub mod dev;
pub(crate) mod error;
pub mod grade;
pub mod report;
pub mod session;
pub(crate) mod state;
pub mod sys;
pub mod ui;
pub(crate) mod warm_up;
pub mod watch;
pub(crate) mod workspace;

pub use error::Error;
pub use workspace::WorkspaceError;
