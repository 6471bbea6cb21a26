//! backendlings: small graded exercises on backend development in Rust.
//! This file parses the command line and dispatches; the work is in the modules.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::error::ErrorKind;
use clap::{Parser, Subcommand};

use backendlings::{commands, dev, grade, report, sys, ui, watch};

/// rustlings for backend development: HTTP, JSON APIs, SQL, auth, testing, caching,
/// security, observability and resilience, and a service built by stage.
///
/// Run `backendlings init`, then `cd backendlings && backendlings` to start watch mode.
///
/// Exit status: 0 success; 1 an exercise did not pass (or a check could not finish);
/// 2 invalid usage or input (a bad info.toml, not in a workspace, a refused folder), or an
/// error that stopped the command (a full disk).
#[derive(Parser)]
#[command(version, about, long_about)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Check the current exercise, re-check on every save, move on when it passes (the default)
    Watch(WatchArgs),
    /// Create a learner workspace with the bundled course, and build its dependencies in the
    /// background
    Init {
        /// Folder to create; must not exist or be empty
        #[arg(default_value = "backendlings")]
        dir: PathBuf,
        /// Do not start building the course in the background (CI: run `backendlings warm`
        /// when you want it, or let checks build what they need)
        #[arg(long, alias = "no-prebuild")]
        no_warm: bool,
        /// Use the course in this folder instead of the bundled one
        #[arg(long, value_name = "COURSE_DIR")]
        course: Option<PathBuf>,
    },
    /// Check one exercise once (the current one by default); exit 0 if it passes
    Run {
        /// Exercise name, e.g. `http1`
        name: Option<String>,
    },
    /// Show the next hint of an exercise (the current one by default)
    Hint {
        /// Exercise name, e.g. `http1`
        name: Option<String>,
    },
    /// List the exercises with topic and status (interactive in a terminal)
    List,
    /// Restore an exercise's original text, keeping your version as a backup
    Reset {
        /// Exercise name, e.g. `http1`
        name: String,
    },
    /// Check every exercise in parallel and update your progress
    CheckAll,
    /// Show progress per topic
    Progress,
    /// Build the course ahead of time: every layer's dependencies, then the exercises'
    /// programs (watch mode does this in the background; exit 0 when all is built)
    Warm,
    /// Grade a workspace (or a class of them) without changing it, for an instructor's CI
    ///
    /// Only the exercise files of a workspace are read: the tests, manifest and lock file
    /// come from the course. Exit status for one workspace: 0 when every exercise passes;
    /// for a class: 0 when every student's folder could be graded.
    #[command(args_conflicts_with_subcommands = true)]
    Grade {
        #[command(subcommand)]
        merge: Option<GradeCommand>,
        /// Grade only share K of N of the class (K from 1 to N), chosen by each student's
        /// folder name, and write a shard file for `grade merge` (CI matrices, GitLab's
        /// `parallel:`, Kubernetes Indexed Jobs)
        #[arg(long, value_name = "K/N")]
        shard: Option<grade::Share>,
        /// Report format
        #[arg(long, value_enum, default_value = "json")]
        format: report::Format,
        /// Write the report to this file instead of standard output
        #[arg(long)]
        output: Option<PathBuf>,
        /// Grade against the course in this folder instead of the bundled one (needed for a
        /// workspace made with `init --course`)
        #[arg(long, value_name = "COURSE_DIR")]
        course: Option<PathBuf>,
        /// Grade every workspace directly below this folder (one per student)
        #[arg(long, value_name = "DIR")]
        class: Option<PathBuf>,
        /// Also write a CSV summary: one row per student, one column per exercise
        #[arg(long, value_name = "FILE")]
        csv: Option<PathBuf>,
        /// Build in this folder (default: one in the system's temporary folder, reused)
        #[arg(long, value_name = "DIR")]
        build_dir: Option<PathBuf>,
        /// Let environment variables (BACKENDLINGS_CARGO, CARGO_TARGET_DIR, RUSTFLAGS, …)
        /// change the build; by default they are ignored
        #[arg(long)]
        trust_env: bool,
    },
    /// Tools for course authors
    #[command(subcommand)]
    Dev(DevCommand),
}

#[derive(Subcommand)]
enum GradeCommand {
    /// Join the shard files of a class graded in shares (`grade --class DIR --shard K/N`)
    /// into one report, the one an unsharded run gives but for timings
    Merge {
        /// The shard files, one per share
        #[arg(required = true, value_name = "SHARD_FILE")]
        shards: Vec<PathBuf>,
        /// Report format
        #[arg(long, value_enum, default_value = "json")]
        format: report::Format,
        /// Write the report to this file instead of standard output
        #[arg(long)]
        output: Option<PathBuf>,
        /// The course the shards were graded with (none for the bundled one)
        #[arg(long, value_name = "COURSE_DIR")]
        course: Option<PathBuf>,
        /// Also write a CSV summary: one row per student, one column per exercise
        #[arg(long, value_name = "FILE")]
        csv: Option<PathBuf>,
    },
}

#[derive(clap::Args, Default)]
pub(crate) struct WatchArgs {
    /// Print events as JSON lines and read commands (next, hint, run, list, check-all, quit)
    /// as lines on standard input: for editors, tests and benchmarks
    #[arg(long)]
    json: bool,
    /// Poll the exercise files instead of using the system's file watcher (for network,
    /// container and WSL mounts that deliver no events)
    #[arg(long)]
    poll: bool,
    /// Open the current exercise with this command whenever watch mode moves to a new one
    /// (default: none; `$VISUAL` or `$EDITOR` with `--edit`)
    #[arg(long, value_name = "CMD")]
    edit_cmd: Option<String>,
    /// Open exercises in `$VISUAL` or `$EDITOR` when moving to a new one
    #[arg(long, conflicts_with = "edit_cmd")]
    edit: bool,
}

#[derive(Subcommand)]
enum DevCommand {
    /// Create a new course folder that `dev check` passes
    New {
        /// Folder to create
        dir: PathBuf,
    },
    /// Prove the course in the current folder sound: every exercise fails as shipped, every
    /// solution passes, hints exist, files are formatted
    Check {
        /// Check only these exercises
        names: Vec<String>,
        /// Show, for every wrong attempt, the message a learner who made that mistake reads
        #[arg(long)]
        show_wrong: bool,
        /// Build in this folder instead of target/backendlings-dev (to run checks side by side)
        #[arg(long, value_name = "DIR")]
        build_dir: Option<PathBuf>,
    },
    /// Regenerate generated files (Cargo.toml, lock file) after info.toml changed
    Update,
    /// Add an exercise (exercise, solution, info.toml entry) to the course in this folder
    Add {
        /// Topic folder below exercises/, e.g. `01_http`
        topic: String,
        /// Exercise name, e.g. `routing2`
        name: String,
    },
    /// Store a wrong attempt, written as a full file (`// wrong:` header, then the code), as a
    /// patch against the solution: wrong/<dir>/<name>/<slug>.patch (replaces one of that slug)
    AddWrong {
        /// The exercise, e.g. `http4`
        name: String,
        /// The attempt as a full file; its name gives the slug
        file: PathBuf,
        /// The slug (`[a-z0-9_]+`) instead of the file's name
        #[arg(long)]
        slug: Option<String>,
    },
    /// Print a wrong attempt stored as a patch as the full file it stands for (to edit it and
    /// store it again with add-wrong)
    WrongFile {
        /// wrong/<dir>/<name>/<slug>.patch
        patch: PathBuf,
        /// Apply it to this file instead of the exercise's solution (the solution as it was when
        /// the patch was made, to refresh a patch that no longer applies)
        #[arg(long, value_name = "FILE")]
        solution: Option<PathBuf>,
    },
    /// Turn every full-copy wrong attempt (wrong/**/*.rs) into a patch
    #[command(hide = true)]
    WrongToPatch {
        /// Only these exercises' attempts
        names: Vec<String>,
    },
}

fn main() -> ExitCode {
    // The runner starts itself as the sandbox's trampoline for every program a learner wrote.
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if args
        .get(1)
        .is_some_and(|a| a == sys::sandbox::TRAMPOLINE_ARG)
    {
        sys::sandbox::enter(&args[2..]);
    }
    sys::processes::default_sigpipe();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => return usage(&error),
    };
    ui::init_colors();
    sys::processes::install(watch::restore_terminal);
    ui::output::install();
    let command = cli.command.unwrap_or(Command::Watch(WatchArgs::default()));
    let result = ui::output::guarded(|| dispatch(command));
    // Quitting (watch mode's q included) ends whatever a check still runs.
    sys::processes::end_descendants();
    match result {
        Ok(code) => code,
        Err(error) => {
            print_error(&error);
            ExitCode::from(2)
        }
    }
}

fn dispatch(command: Command) -> Result<ExitCode, backendlings::Error> {
    match command {
        Command::Watch(args) => watch::run(args.into()),
        Command::Init {
            dir,
            no_warm,
            course,
        } => commands::init(&dir, course.as_deref(), !no_warm),
        Command::Run { name } => commands::run(name.as_deref()),
        Command::Hint { name } => commands::hint(name.as_deref()),
        Command::List => commands::list(),
        Command::Reset { name } => commands::reset(&name),
        Command::CheckAll => commands::check_all(),
        Command::Progress => commands::progress(),
        Command::Warm => commands::warm(),
        Command::Grade {
            merge:
                Some(GradeCommand::Merge {
                    shards,
                    format,
                    output,
                    course,
                    csv,
                }),
            ..
        } => grade::merge(&grade::MergeOptions {
            shards,
            format,
            output,
            course,
            csv,
        }),
        Command::Grade {
            merge: None,
            shard,
            format,
            output,
            course,
            class,
            csv,
            build_dir,
            trust_env,
        } => grade::grade(&grade::Options {
            format,
            output,
            course,
            class,
            csv,
            build_dir,
            trust_env,
            shard,
        }),
        Command::Dev(DevCommand::New { dir }) => dev::new(&dir),
        Command::Dev(DevCommand::Check {
            names,
            show_wrong,
            build_dir,
        }) => dev::check(&dev::CheckOptions {
            names,
            show_wrong,
            build_dir,
        }),
        Command::Dev(DevCommand::Update) => dev::update(),
        Command::Dev(DevCommand::Add { topic, name }) => dev::add(&topic, &name),
        Command::Dev(DevCommand::AddWrong { name, file, slug }) => {
            dev::add_wrong(&name, &file, slug.as_deref())
        }
        Command::Dev(DevCommand::WrongFile { patch, solution }) => {
            dev::wrong_file(&patch, solution.as_deref())
        }
        Command::Dev(DevCommand::WrongToPatch { names }) => dev::wrong_to_patch(&names),
    }
}

/// `error: …` on standard error (if it can be written).
fn print_error(message: &dyn std::fmt::Display) {
    let label = console::style("error:").red().bold();
    ui::output::error_line(&format!("{label} {message}"));
}

/// clap's help, version and usage errors. Help is given only for a command line that is
/// valid otherwise: clap stops at `--help` and exits 0 whatever follows it, so that
/// `run --help a b` would pass where `run a b` is invalid usage (status 2).
fn usage(error: &clap::Error) -> ExitCode {
    let asked = matches!(
        error.kind(),
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion
    );
    let invalid = asked.then(invalid_beside_help).flatten();
    let error = invalid.as_ref().unwrap_or(error);
    let printed = error.print();
    if let Err(e) = printed
        && !error.use_stderr()
    {
        print_error(&ui::output::write_error("output", &e.to_string()));
        return ExitCode::from(2);
    }
    ExitCode::from(u8::try_from(error.exit_code()).unwrap_or(2))
}

/// The usage error of the command line without its help and version flags, unless asking
/// for help excuses it (an argument left out).
fn invalid_beside_help() -> Option<clap::Error> {
    let mut flags_end = false;
    let args = std::env::args_os().filter(|arg| {
        flags_end |= arg == "--";
        flags_end || !["--help", "-h", "--version", "-V"].iter().any(|f| arg == f)
    });
    let error = Cli::try_parse_from(args).err()?;
    match error.kind() {
        ErrorKind::DisplayHelp
        | ErrorKind::DisplayVersion
        | ErrorKind::MissingRequiredArgument
        | ErrorKind::MissingSubcommand
        | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => None,
        _ => Some(error),
    }
}

impl From<WatchArgs> for watch::Options {
    fn from(args: WatchArgs) -> Self {
        let edit_cmd = args.edit_cmd.or_else(|| {
            args.edit
                .then(|| {
                    ["VISUAL", "EDITOR"]
                        .into_iter()
                        .find_map(|var| std::env::var(var).ok().filter(|v| !v.trim().is_empty()))
                })
                .flatten()
        });
        watch::Options {
            json: args.json,
            poll: args.poll,
            no_editor: args.edit && edit_cmd.is_none(),
            edit_cmd,
        }
    }
}
