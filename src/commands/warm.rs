//! `warm`: builds the course ahead of time, in the order it needs it (`check::warm`). `init`
//! runs it in the background; CI runs it in a cache step.

use std::process::ExitCode;
use std::sync::atomic::AtomicBool;

use crate::check::{self, warm::Warmed};
use crate::session::Session;
use crate::ui;
use crate::warm_up;

use super::CommandResult;

pub(crate) use crate::warm_up::start_in_background;

pub fn warm() -> CommandResult {
    let session = Session::open()?;
    // One warm-up at a time: wait for the one running (started by init, or in watch mode),
    // then make sure that everything is built.
    let data_dir = session.ws.data_dir();
    let Some(_owner) = warm_up::take(&data_dir, true, false).or_else(|| {
        println!("Waiting for the warm-up already running in this workspace…");
        warm_up::take(&data_dir, true, true)
    }) else {
        return Err(format!(
            "the warm-up's lock in {} cannot be taken\n  fix: check that the folder is writable",
            data_dir.display()
        )
        .into());
    };
    let bar = ui::progress_bar(1, "");
    let ended = warm_up::run(&session, &WarmBar(&bar), &AtomicBool::new(false))?;
    bar.finish_and_clear();
    match ended {
        Warmed::Done => println!("The course is built: every check starts warm."),
        Warmed::Stopped => println!("The warm-up stopped; the next one resumes it."),
    }
    Ok(ExitCode::SUCCESS)
}

/// The warm-up on a bar; where none is drawn (the background log, CI), a line per step.
struct WarmBar<'a>(&'a indicatif::ProgressBar);

impl check::Events for WarmBar<'_> {
    fn event(&self, event: check::Event) {
        match event {
            check::Event::Warming(step) => {
                self.0.set_length(step.of as u64);
                self.0.set_position(step.number as u64 - 1);
                let line = ui::warm_step(&step);
                if self.0.is_hidden() {
                    ui::output::error_line(&format!("backendlings: {line}"));
                }
                self.0.set_message(line);
            }
            check::Event::Compiled(name) => self.0.set_message(format!("building {name}")),
            _ => {}
        }
    }
}
