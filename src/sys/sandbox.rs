//! Runs a program a learner wrote where it cannot reach what grades anyone else: it may write
//! only a private scratch folder, read only the system's folders and its own build output,
//! reach only its own loopback interface, and it runs under limits on CPU time, memory, file
//! size and processes. It dies with the runner, even when the runner is killed outright.
//!
//! The runner starts itself as a trampoline (`backendlings __sandbox …`): a fresh,
//! single-threaded process that applies the kernel's mechanisms to itself (rlimits, a user
//! and network namespace, Landlock through the `landlock` crate, the parent-death signal) and
//! then executes the program, which inherits all of them and cannot undo them. Applying them
//! in a fresh process, not between fork and exec, keeps allocation and error reporting
//! ordinary. Each layer is applied where the kernel offers it; `probe` says which did.

use std::ffi::OsString;
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

#[cfg(target_os = "linux")]
use landlock::{
    ABI, Access, AccessFs, CompatLevel, Compatible, Ruleset, RulesetAttr, RulesetCreatedAttr,
    RulesetStatus, Scope, path_beneath_rules,
};

/// The first argument that turns the runner into the trampoline.
pub const TRAMPOLINE_ARG: &str = "__sandbox";

/// Most memory (address space) a test process may map: far above what any exercise needs,
/// far below what would push a shared grading machine into swap.
const MEMORY_BYTES: u64 = 4 << 30;
/// Largest file a test process may write.
const FILE_BYTES: u64 = 256 << 20;
/// Most processes and threads (counted per user; not enforced by the kernel for root).
const PROCESSES: u64 = 512;
/// Most open files.
const OPEN_FILES: u64 = 1024;

/// Folders every program may read and execute from: the system's libraries, loader,
/// configuration (name resolution, time zones) and the kernel's views of itself.
const SYSTEM_READABLE: &[&str] = &[
    "/usr", "/lib", "/lib64", "/lib32", "/bin", "/sbin", "/etc", "/proc", "/sys", "/dev",
];

/// What a sandboxed run may do.
#[derive(Debug, Clone)]
pub(crate) struct Policy {
    /// The only folder it may write: also its working directory, `TMPDIR` and `HOME`.
    pub(crate) scratch: PathBuf,
    /// Folders it may read and execute from besides the system's (its own build output).
    pub(crate) readable: Vec<PathBuf>,
    /// CPU seconds, all threads together; the kernel kills the process past them.
    pub(crate) cpu_secs: u64,
    /// May it reach networks other than its own loopback interface?
    pub(crate) network: bool,
}

/// A command that runs `program` under `policy`; the caller adds the program's arguments
/// and environment as for the program itself.
pub(crate) fn command(program: &Path, policy: &Policy) -> Command {
    let mut command = Command::new(trampoline());
    command.arg(TRAMPOLINE_ARG);
    command.arg("--scratch").arg(&policy.scratch);
    for dir in &policy.readable {
        command.arg("--read").arg(dir);
    }
    command.arg("--cpu").arg(policy.cpu_secs.to_string());
    if policy.network {
        command.arg("--network");
    }
    command.arg("--").arg(program);
    command.current_dir(&policy.scratch);
    command
}

/// The runner's own program, to start as the trampoline. On Linux `/proc/self/exe`, which
/// the forked child resolves to the very file this process runs, even after an upgrade
/// replaced or deleted it on disk (a watch mode left open across `cargo install`).
fn trampoline() -> PathBuf {
    let own = Path::new("/proc/self/exe");
    if own.exists() {
        return own.to_path_buf();
    }
    std::env::current_exe().unwrap_or_else(|_| PathBuf::from("backendlings"))
}

/// Which layers of isolation this machine gives, in words (for reports and `--version`-like
/// diagnostics): probed once by running the trampoline.
pub(crate) fn probe() -> &'static Isolation {
    static PROBED: OnceLock<Isolation> = OnceLock::new();
    PROBED.get_or_init(|| {
        let output = Command::new(trampoline())
            .args([TRAMPOLINE_ARG, "--probe"])
            .output();
        match output {
            Ok(out) if out.status.success() => {
                Isolation::parse(&String::from_utf8_lossy(&out.stdout))
            }
            _ => Isolation::default(),
        }
    })
}

/// The layers of isolation a run gets on this machine.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub(crate) struct Isolation {
    /// Writes confined to the scratch folder, reads to the system and the build output.
    pub(crate) file_system: bool,
    /// Only a private loopback interface.
    pub(crate) network: bool,
    /// Cannot signal processes outside its own sandbox.
    pub(crate) signals: bool,
    /// CPU time, memory, file size and open files limited.
    pub(crate) limits: bool,
    /// Processes limited (the kernel exempts root).
    pub(crate) processes: bool,
}

impl Isolation {
    fn parse(text: &str) -> Isolation {
        let has = |word: &str| text.split_whitespace().any(|w| w == word);
        Isolation {
            file_system: has("fs"),
            network: has("net"),
            signals: has("signals"),
            limits: has("limits"),
            processes: has("processes"),
        }
    }

    /// The layers missing on this machine, in words; empty when isolation is complete.
    pub(crate) fn missing(&self) -> Vec<&'static str> {
        let mut missing = Vec::new();
        if !self.file_system {
            missing.push("file system confinement (Landlock, Linux 5.13 or later)");
        }
        if !self.network {
            missing.push("loopback-only network (user and network namespaces)");
        }
        if !self.signals {
            missing.push("signal scoping (Landlock ABI 6, Linux 6.12 or later)");
        }
        if !self.limits {
            missing.push("resource limits");
        }
        if !self.processes {
            missing.push("a process limit (the kernel does not apply it to root)");
        }
        missing
    }
}

/// The trampoline's arguments.
struct Request {
    probe: bool,
    scratch: Option<PathBuf>,
    readable: Vec<PathBuf>,
    cpu_secs: u64,
    network: bool,
    program: Vec<OsString>,
}

fn parse_request(args: &[OsString]) -> Result<Request, String> {
    let mut request = Request {
        probe: false,
        scratch: None,
        readable: Vec::new(),
        cpu_secs: 60,
        network: false,
        program: Vec::new(),
    };
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.to_str() {
            Some("--probe") => request.probe = true,
            Some("--network") => request.network = true,
            Some("--scratch") => request.scratch = args.next().map(PathBuf::from),
            Some("--read") => request.readable.extend(args.next().map(PathBuf::from)),
            Some("--cpu") => {
                request.cpu_secs = args
                    .next()
                    .and_then(|v| v.to_str()?.parse().ok())
                    .ok_or("--cpu needs a number of seconds")?;
            }
            Some("--") => {
                request.program = args.cloned().collect();
                break;
            }
            _ => return Err(format!("unknown sandbox argument {arg:?}")),
        }
    }
    Ok(request)
}

/// The trampoline: applies the policy to this process, then becomes the program. Called by
/// `main` when the first argument is `TRAMPOLINE_ARG`; never returns.
pub fn enter(args: &[OsString]) -> ! {
    let request = match parse_request(args) {
        Ok(request) => request,
        Err(e) => {
            eprintln!("backendlings sandbox: {e}");
            std::process::exit(126);
        }
    };
    let mut applied = Vec::new();
    if die_with_parent() {
        applied.push("parent");
    }
    let is_root = kernel::is_root();
    if set_limits(request.cpu_secs) {
        applied.push("limits");
        if !is_root {
            applied.push("processes");
        }
    }
    if !request.network && private_network() {
        applied.push("net");
    }
    let scratch = request.scratch.clone().unwrap_or_else(std::env::temp_dir);
    let (fs, signals) = confine_files(&scratch, &request.readable);
    if fs {
        applied.push("fs");
    }
    if signals {
        applied.push("signals");
    }
    if request.probe {
        println!("{}", applied.join(" "));
        std::process::exit(0);
    }
    let Some((program, args)) = request.program.split_first() else {
        eprintln!("backendlings sandbox: no program to run");
        std::process::exit(126);
    };
    let error = Command::new(program)
        .args(args)
        .current_dir(&scratch)
        .env("TMPDIR", &scratch)
        .env("HOME", &scratch)
        .exec();
    eprintln!(
        "backendlings sandbox: could not start {}: {error}",
        Path::new(program).display()
    );
    std::process::exit(127);
}

/// The kernel kills this process (and, after exec, the program) when the runner's thread
/// that started it ends, however it ends.
#[cfg(target_os = "linux")]
fn die_with_parent() -> bool {
    let parent = kernel::parent_pid();
    if !kernel::set_parent_death_signal() {
        return false;
    }
    // The runner may have died between the fork and the call above.
    if kernel::parent_pid() != parent {
        std::process::exit(137);
    }
    true
}

/// macOS has no parent-death signal: the CPU limit and the runner's own handling end a test
/// whose runner died.
#[cfg(not(target_os = "linux"))]
fn die_with_parent() -> bool {
    false
}

fn set_limits(cpu_secs: u64) -> bool {
    use kernel::Limit;
    let mut all = true;
    for (limit, value) in [
        (Limit::Cpu, cpu_secs.max(1)),
        (Limit::AddressSpace, MEMORY_BYTES),
        (Limit::FileSize, FILE_BYTES),
        (Limit::Processes, PROCESSES),
        (Limit::OpenFiles, OPEN_FILES),
        (Limit::CoreDump, 0),
    ] {
        all &= kernel::set_limit(limit, value);
    }
    all
}

/// A network namespace of its own, owned by a user namespace of its own (so that it works
/// without privileges, and so that root inside it has no power over the real machine), with
/// its loopback interface up and nothing else.
#[cfg(target_os = "linux")]
fn private_network() -> bool {
    let (uid, gid) = (kernel::uid(), kernel::gid());
    if kernel::unshare_user_and_network() {
        let mapped = std::fs::write("/proc/self/setgroups", "deny").is_ok()
            && std::fs::write("/proc/self/uid_map", format!("{uid} {uid} 1")).is_ok()
            && std::fs::write("/proc/self/gid_map", format!("{gid} {gid} 1")).is_ok();
        return mapped && kernel::loopback_up();
    }
    // Where user namespaces are off but we are privileged (root in a container).
    kernel::unshare_network() && kernel::loopback_up()
}

/// Landlock: reads only from the system's folders and `readable`, writes only to `scratch`
/// (and /dev/null), no signals to processes outside. Returns (files confined, signals
/// scoped).
#[cfg(target_os = "linux")]
fn confine_files(scratch: &Path, readable: &[PathBuf]) -> (bool, bool) {
    let abi = ABI::V6;
    let build = || -> Result<(RulesetStatus, bool), landlock::RulesetError> {
        let read = AccessFs::from_read(abi);
        let all = AccessFs::from_all(abi);
        let system: Vec<&Path> = SYSTEM_READABLE
            .iter()
            .map(Path::new)
            .filter(|p| p.exists())
            .collect();
        let status = Ruleset::default()
            .set_compatibility(CompatLevel::BestEffort)
            .handle_access(all)?
            .scope(Scope::from_all(abi))?
            .create()?
            .add_rules(path_beneath_rules(&system, read))?
            .add_rules(path_beneath_rules(readable, read))?
            .add_rules(path_beneath_rules([scratch], all))?
            .add_rules(path_beneath_rules(
                [Path::new("/dev/null")],
                AccessFs::ReadFile | AccessFs::WriteFile,
            ))?
            .restrict_self()?;
        let signals = status.ruleset == RulesetStatus::FullyEnforced;
        Ok((status.ruleset, signals))
    };
    match build() {
        Ok((RulesetStatus::NotEnforced, _)) | Err(_) => (false, false),
        Ok((_, signals)) => (true, signals),
    }
}

/// Namespaces and Landlock are Linux's; elsewhere those layers are absent, and `probe` and
/// `grade` say so (macOS's own sandbox, Seatbelt, has no supported API for this).
#[cfg(not(target_os = "linux"))]
fn private_network() -> bool {
    false
}

#[cfg(not(target_os = "linux"))]
fn confine_files(_scratch: &Path, _readable: &[PathBuf]) -> (bool, bool) {
    (false, false)
}

/// The few system calls the crates above do not wrap: thin, commented calls into libc.
mod kernel {
    pub(crate) enum Limit {
        Cpu,
        AddressSpace,
        FileSize,
        Processes,
        OpenFiles,
        CoreDump,
    }

    pub(crate) fn set_limit(limit: Limit, value: u64) -> bool {
        use rustix::process::{Resource, Rlimit, getrlimit, setrlimit};
        let resource = match limit {
            Limit::Cpu => Resource::Cpu,
            Limit::AddressSpace => Resource::As,
            Limit::FileSize => Resource::Fsize,
            Limit::Processes => Resource::Nproc,
            Limit::OpenFiles => Resource::Nofile,
            Limit::CoreDump => Resource::Core,
        };
        // Never raise a limit someone set lower already (`None` is no limit).
        let value = getrlimit(resource)
            .maximum
            .map_or(value, |max| value.min(max));
        let new = Rlimit {
            current: Some(value),
            maximum: Some(value),
        };
        setrlimit(resource, new).is_ok()
    }

    #[cfg(target_os = "linux")]
    pub(crate) fn set_parent_death_signal() -> bool {
        // SAFETY: prctl(PR_SET_PDEATHSIG) only sets which signal this process gets.
        unsafe { libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL, 0, 0, 0) == 0 }
    }

    pub(crate) fn parent_pid() -> i32 {
        rustix::process::Pid::as_raw(rustix::process::getppid())
    }

    pub(crate) fn is_root() -> bool {
        uid() == 0
    }

    pub(crate) fn uid() -> u32 {
        rustix::process::geteuid().as_raw()
    }

    pub(crate) fn gid() -> u32 {
        rustix::process::getegid().as_raw()
    }

    #[cfg(target_os = "linux")]
    pub(crate) fn unshare_user_and_network() -> bool {
        // SAFETY: unshare(2) with namespace flags; this process is single-threaded.
        unsafe { libc::unshare(libc::CLONE_NEWUSER | libc::CLONE_NEWNET) == 0 }
    }

    #[cfg(target_os = "linux")]
    pub(crate) fn unshare_network() -> bool {
        // SAFETY: as above.
        unsafe { libc::unshare(libc::CLONE_NEWNET) == 0 }
    }

    #[cfg(target_os = "linux")]
    /// Sets the loopback interface up (a new network namespace starts with it down).
    pub(crate) fn loopback_up() -> bool {
        // SAFETY: a datagram socket for the interface ioctls, a zeroed ifreq naming "lo",
        // and close(2); no memory outside these locals is touched.
        unsafe {
            let socket = libc::socket(libc::AF_INET, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, 0);
            if socket < 0 {
                return false;
            }
            let mut request: libc::ifreq = std::mem::zeroed();
            for (slot, byte) in request.ifr_name.iter_mut().zip(b"lo\0") {
                *slot = *byte as libc::c_char;
            }
            let mut ok = libc::ioctl(socket, libc::SIOCGIFFLAGS, &mut request) == 0;
            if ok {
                request.ifr_ifru.ifru_flags |= (libc::IFF_UP | libc::IFF_RUNNING) as libc::c_short;
                ok = libc::ioctl(socket, libc::SIOCSIFFLAGS, &request) == 0;
            }
            libc::close(socket);
            ok
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_parsed_up_to_the_program() {
        let args: Vec<OsString> = [
            "--scratch",
            "/s",
            "--read",
            "/r",
            "--cpu",
            "7",
            "--",
            "/bin/prog",
            "--cpu",
            "x",
        ]
        .iter()
        .map(OsString::from)
        .collect();
        let request = parse_request(&args).unwrap();
        assert_eq!(request.scratch, Some(PathBuf::from("/s")));
        assert_eq!(request.readable, [PathBuf::from("/r")]);
        assert_eq!(request.cpu_secs, 7);
        assert!(!request.network && !request.probe);
        assert_eq!(request.program, ["/bin/prog", "--cpu", "x"]);
        assert!(parse_request(&[OsString::from("--bogus")]).is_err());
    }

    #[test]
    fn missing_layers_are_named() {
        let none = Isolation::default();
        assert_eq!(none.missing().len(), 5);
        let all = Isolation::parse("parent limits processes net fs signals");
        assert!(all.missing().is_empty(), "{:?}", all.missing());
    }
}
