//! A lesson's sessions: shell transcripts that the tour and the tests run.
//!
//! Some demos need a shell, not one `dockling` command: a job in the
//! background, `curl` from the host, `iptables`, a registry of one's own. A
//! session is a fenced block marked `console session`: its `$ ` lines are
//! commands, in order, each followed by exactly what it prints. The commands
//! run as one `sh` script, in one shell (so `&`, `$!` and `wait` work as a
//! student typing them sees), with `dockling` the running binary with the
//! run's state root and `sudo` a no-op (the tour and the tests run as root).
//! Before each command the script prints its `$ ` line, so the whole block
//! is what a student's terminal shows. Output that varies from run to run
//! goes through the same filter as the `console` transcripts; a command
//! whose output is measured shows a stable fact about it, not the figures.
//!
//! The ports and addresses a session names are the lesson's; [`Places`]
//! puts the run's own in their place (another registry port, a free port
//! when the lesson's is taken, another state root) and back in the output.

use std::path::Path;

/// The word after `console` on a session's fence.
pub const FENCE: &str = "session";

/// The host ports lessons' sessions listen on (5 publishes 8080, 6 runs a
/// registry of its own on 5000): when one is taken, the run uses a free one.
pub const PORTS: &[&str] = &["8080", "5000"];

/// The state root the lessons name.
pub const ROOT: &str = "/var/lib/dockling";

/// The commands of a `console session` block, its `$ ` lines, in order.
pub fn commands(body: &[&str]) -> Vec<String> {
    body.iter()
        .filter_map(|l| l.strip_prefix("$ "))
        .map(str::to_string)
        .collect()
}

/// What a run puts in place of what the lesson names: `(lesson, run)`.
#[derive(Debug, Clone, Default)]
pub struct Places {
    /// Replaced in the commands and back in their output.
    both: Vec<(String, String)>,
    /// Replaced in the commands only (a state root: the output's paths
    /// are the tests' filter's business).
    commands_only: Vec<(String, String)>,
}

impl Places {
    /// The run's registry address, its state root (None: the lessons'
    /// own), and for each of [`PORTS`] the port itself when it is free,
    /// else a free one.
    pub fn new(registry: &str, root: Option<&Path>) -> Places {
        let mut both = vec![(
            crate::image::local_registry::ADDR.to_string(),
            registry.to_string(),
        )];
        for port in PORTS {
            if std::net::TcpListener::bind(format!("0.0.0.0:{port}")).is_err()
                && let Ok(free) = std::net::TcpListener::bind("127.0.0.1:0")
                    .and_then(|l| l.local_addr())
                    .map(|a| a.port().to_string())
            {
                both.push((port.to_string(), free));
            }
        }
        let commands_only = root
            .map(|r| vec![(ROOT.to_string(), r.display().to_string())])
            .unwrap_or_default();
        Places {
            both,
            commands_only,
        }
    }

    /// A lesson's command as this run runs it.
    pub fn command(&self, lesson: &str) -> String {
        self.both
            .iter()
            .chain(&self.commands_only)
            .filter(|(l, r)| l != r)
            .fold(lesson.to_string(), |t, (l, r)| t.replace(l, r))
    }

    /// Output of this run as the lesson shows it.
    pub fn output(&self, run: &str) -> String {
        self.both
            .iter()
            .filter(|(l, r)| l != r)
            .fold(run.to_string(), |t, (l, r)| t.replace(r, l))
    }
}

/// `text` in single quotes, for sh.
fn quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

/// The sh script of a session: `dockling` is `exe`, `sudo` runs its
/// arguments, and each command, as this run runs it, is printed after `$ `
/// before it runs.
pub fn script(commands: &[String], exe: &Path, places: &Places) -> String {
    let mut s = format!(
        "dockling() {{ {} \"$@\"; }}\nsudo() {{ \"$@\"; }}\n",
        quote(&exe.display().to_string())
    );
    for c in commands {
        let c = places.command(c);
        s.push_str(&format!(
            "printf '%s\\n' {}\n{c}\n",
            quote(&format!("$ {c}"))
        ));
    }
    s
}

/// The output of a session's script cut at its `$ ` lines: for each
/// command, what it printed. `commands` are as the run ran them.
pub fn split(output: &str, commands: &[String]) -> Vec<String> {
    let mut parts = vec![String::new(); commands.len()];
    let mut at: Option<usize> = None;
    for line in output.split_inclusive('\n') {
        let next = at.map_or(0, |i| i + 1);
        if next < commands.len() && line.trim_end_matches('\n') == format!("$ {}", commands[next]) {
            at = Some(next);
            continue;
        }
        // Anything before the first `$ ` line (nothing, normally) counts
        // as the first command's.
        parts[at.unwrap_or(0)].push_str(line);
    }
    parts
}

/// Run a session's script with `sh` in its own process group, whose
/// background jobs are ended (SIGTERM, then SIGKILL) when the script is
/// done, as a terminal's are when it closes; `cmd` is `sh` set up with the
/// environment and output the caller wants. Its exit status.
pub fn run(
    mut cmd: std::process::Command,
    script: &str,
) -> std::io::Result<std::process::ExitStatus> {
    use std::os::unix::process::CommandExt;
    // Nothing in a session reads a terminal: the tour's prompt keeps it.
    cmd.arg("-c")
        .arg(script)
        .stdin(std::process::Stdio::null())
        .process_group(0);
    let mut child = cmd.spawn()?;
    let pgid = nix::unistd::Pid::from_raw(child.id() as i32);
    let status = child.wait();
    end_group(pgid);
    status
}

/// End what is left of a process group: SIGTERM, up to 2 s, then SIGKILL.
fn end_group(pgid: nix::unistd::Pid) {
    use nix::sys::signal::{Signal, killpg};
    if killpg(pgid, Signal::SIGTERM).is_err() {
        return;
    }
    let until = std::time::Instant::now() + std::time::Duration::from_secs(2);
    while killpg(pgid, None).is_ok() && std::time::Instant::now() < until {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let _ = killpg(pgid, Signal::SIGKILL);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_are_the_dollar_lines() {
        let body = ["$ a &", "out", "$ b 'c d'", "more", "lines"];
        assert_eq!(commands(&body), ["a &", "b 'c d'"]);
    }

    #[test]
    fn the_script_prints_each_command_then_runs_it() {
        let places = Places::default();
        let s = script(&["echo 'it''s'".into()], Path::new("/x/dockling"), &places);
        assert!(
            s.starts_with("dockling() { '/x/dockling' \"$@\"; }\n"),
            "{s}"
        );
        assert!(
            s.ends_with("printf '%s\\n' '$ echo '\\''it'\\'''\\''s'\\'''\necho 'it''s'\n"),
            "{s}"
        );
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(&s)
            .output()
            .unwrap();
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            "$ echo 'it''s'\nits\n"
        );
    }

    #[test]
    fn output_is_split_at_the_commands_lines() {
        let cmds = vec!["a".to_string(), "b".to_string()];
        let parts = split("$ a\n1\n$ b\n$ a\n2\n", &cmds);
        assert_eq!(parts, ["1\n", "$ a\n2\n"]);
    }

    #[test]
    fn places_go_into_commands_and_back_out_of_output() {
        let p = Places {
            both: vec![("8080".into(), "41000".into())],
            commands_only: vec![(ROOT.into(), "/tmp/r".into())],
        };
        assert_eq!(
            p.command("curl :8080 /var/lib/dockling/images"),
            "curl :41000 /tmp/r/images"
        );
        assert_eq!(p.output("--dport 41000 /tmp/r"), "--dport 8080 /tmp/r");
    }
}
