//! The container side of `dockling compare`: the same script as the
//! guest's init, run by `dockling network` (stage 5) as a student would
//! run it, in a process of its own, and timed the same way: its stdout is
//! a pipe whose lines are stamped as they arrive. Its narration, asked for
//! as `--trace json`, carries the cgroup's peak memory (`cgroup_report`).

use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::probe::{self, Line};
use super::vm::{read_all, read_lines};
use crate::error::Error;
use crate::msg;
use crate::narrate::Step;
use crate::narrate::messages::images as m;
use crate::paths::Paths;

/// What the container showed.
#[derive(Debug, Clone)]
pub struct Ran {
    /// From starting dockling to the start line.
    pub start: Duration,
    /// From starting dockling to its exit (the run undone).
    pub total: Duration,
    /// The cgroup's peak memory, in bytes.
    pub peak_memory: u64,
    pub start_pids: u32,
    pub end_pids: u32,
    pub kernel: String,
    pub code: i32,
    /// What the command printed on stdout and stderr.
    pub output: String,
}

/// The command line: this dockling, stage 5, the script as PID 1.
pub fn argv(paths: &Paths, rootfs: &Path, tag: &str, command: &[String]) -> Vec<String> {
    let exe = std::env::current_exe()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|_| "dockling".into());
    let mut v = vec![exe];
    if let Some(root) = &paths.root {
        v.extend(["--root".into(), root.display().to_string()]);
    }
    v.extend(
        ["--trace", "json", "network", "--rootfs"]
            .into_iter()
            .map(String::from),
    );
    v.push(rootfs.display().to_string());
    v.extend(["--", "/bin/sh", "-c"].into_iter().map(String::from));
    v.push(probe::script(tag));
    v.push("sh".into());
    v.extend(command.iter().cloned());
    v
}

pub fn run(argv: &[String], tag: &str) -> Result<Ran, Error> {
    let mut cmd = Command::new(&argv[0]);
    cmd.args(&argv[1..])
        .env_remove("DOCKLING_TRACE")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    // SAFETY: prctl(2) is async-signal-safe. If compare dies first, the
    // container's dockling gets SIGTERM, stops its container as `docker
    // stop` would and undoes the run.
    unsafe {
        cmd.pre_exec(|| {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let began = Instant::now();
    let mut child = cmd.spawn().map_err(Error::io("start", &argv[0]))?;
    let lines = read_lines(child.stdout.take().expect("piped"));
    let stderr = read_all(child.stderr.take().expect("piped"));
    let mut start = None;
    let mut end = None;
    let mut output = String::new();
    for (at, text) in lines.iter() {
        match probe::parse(tag, &text) {
            Line::Start { pids, kernel } => start = Some((at - began, pids, kernel)),
            Line::End { code, pids } => end = Some((code, pids)),
            Line::Other(l) => {
                output.push_str(&l);
                output.push('\n');
            }
        }
    }
    let status = child.wait().map_err(Error::io("wait for", &argv[0]))?;
    let total = began.elapsed();
    let stderr = stderr.join().unwrap_or_default();
    let mut peak_memory = 0;
    let mut failure = None;
    for line in stderr.lines() {
        match serde_json::from_str::<serde_json::Value>(line) {
            Ok(v) if v["step"] == Step::CgroupReport.id() => {
                peak_memory = v["fields"]["memory_peak"].as_u64().unwrap_or(0);
            }
            Ok(_) => {}
            Err(_) if line.starts_with("dockling: ") => failure = Some(line.to_string()),
            Err(_) => {
                output.push_str(line);
                output.push('\n');
            }
        }
    }
    match (start, end) {
        (Some((start, start_pids, kernel)), Some((code, end_pids))) => Ok(Ran {
            start,
            total,
            peak_memory,
            start_pids,
            end_pids,
            kernel,
            code,
            output,
        }),
        _ => Err(Error::Hinted {
            message: msg!(
                m::COMPARE_CONTAINER_FAILED,
                status = status,
                last = failure
                    .as_deref()
                    .or(output.lines().last())
                    .unwrap_or_default()
            ),
            hint: msg!(m::COMPARE_CONTAINER_FAILED_HINT),
        }),
    }
}
