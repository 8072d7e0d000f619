//! The script both sides run, and the lines it prints.
//!
//! The same few lines of shell run as the guest's PID 1 (`/dockling-init`
//! in the initramfs) and as the container's PID 1 (`sh -c`). They mount
//! what the guest's kernel has not mounted yet (the container has it from
//! dockling), print a *start* line right before they run the command, and
//! an *end* line with its exit code after. Both lines carry a random tag so
//! that no output of the command is taken for them, the last pid the kernel
//! handed out (field 5 of /proc/loadavg, per PID namespace: so the number
//! of processes and threads started in that world so far), and the start
//! line the kernel's release as the command sees it. The host timestamps
//! each line when it arrives: the time to the start line is the time to
//! the command's first instruction, measured the same way on both sides.
//!
//! Man pages: proc(5) (/proc/loadavg, /proc/sys/kernel/osrelease).

use crate::narrate::catalog::shell_join;

/// The PATH both sides run with (dockling's default for containers).
const PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// Where the guest's kernel finds the script in the initramfs (`rdinit=`).
pub const GUEST_INIT: &str = "dockling-init";

/// The script, for `sh -c SCRIPT sh CMD…`: the command is `"$@"`. `read`
/// and `echo` are built into busybox's shell, so printing a line starts no
/// process; `mount` does, in the guest only.
pub fn script(tag: &str) -> String {
    format!(
        "[ -r /proc/loadavg ] || mount -t proc proc /proc; \
         [ -c /dev/null ] || mount -t devtmpfs devtmpfs /dev; \
         [ -d /sys/kernel ] || mount -t sysfs sysfs /sys; \
         read -r _ _ _ _ pids < /proc/loadavg; \
         read -r kernel < /proc/sys/kernel/osrelease; \
         echo \"{tag} start $pids $kernel\"; \
         \"$@\"; \
         code=$?; \
         read -r _ _ _ _ pids < /proc/loadavg; \
         echo \"{tag} end $code $pids\""
    )
}

/// The guest's /dockling-init: the script with the command set in it,
/// then a power-off (PID 1 must not exit: the kernel would panic).
pub fn guest_init(tag: &str, command: &[String]) -> String {
    format!(
        "#!/bin/sh\n\
         export PATH={PATH} HOME=/root\n\
         set -- {}\n\
         {}\n\
         poweroff -f\n",
        shell_join(command),
        script(tag)
    )
}

/// A fresh tag: no command prints it by chance.
pub fn tag() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!(
        "dockling-compare-{:08x}",
        nanos ^ std::process::id().rotate_left(16)
    )
}

/// One line from either side.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Line {
    /// Right before the command: pids handed out so far, the kernel's release.
    Start { pids: u32, kernel: String },
    /// After it: its exit code, pids handed out by then.
    End { code: i32, pids: u32 },
    /// Anything else: the command's output, or the guest kernel's.
    Other(String),
}

/// Read one line. The tag may follow other bytes on a serial console
/// (firmware output without a newline), so it is looked for anywhere.
pub fn parse(tag: &str, line: &str) -> Line {
    let line = line.trim_end_matches(['\r', '\n']);
    let Some(at) = line.find(tag) else {
        return Line::Other(line.to_string());
    };
    let mut words = line[at + tag.len()..].split_whitespace();
    let parsed = match words.next() {
        Some("start") => words
            .next()
            .and_then(|p| p.parse().ok())
            .map(|pids| Line::Start {
                pids,
                kernel: words.next().unwrap_or_default().to_string(),
            }),
        Some("end") => match (words.next(), words.next()) {
            (Some(c), Some(p)) => c
                .parse()
                .ok()
                .zip(p.parse().ok())
                .map(|(code, pids)| Line::End { code, pids }),
            _ => None,
        },
        _ => None,
    };
    parsed.unwrap_or_else(|| Line::Other(line.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_found_after_console_noise_and_others_pass_through() {
        let t = "dockling-compare-0000beef";
        assert_eq!(
            parse(t, &format!("\u{1b}[2J{t} start 81 6.1.0-57-amd64\r\n")),
            Line::Start {
                pids: 81,
                kernel: "6.1.0-57-amd64".into()
            }
        );
        assert_eq!(
            parse(t, &format!("{t} end 3 84")),
            Line::End { code: 3, pids: 84 }
        );
        assert_eq!(parse(t, "hello\r"), Line::Other("hello".into()));
        assert_eq!(
            parse(t, &format!("{t} end x")),
            Line::Other(format!("{t} end x"))
        );
    }

    #[test]
    fn the_guest_runs_the_same_script_with_the_command_set_in_it() {
        let init = guest_init("T", &["sh".into(), "-c".into(), "echo $$; true".into()]);
        assert!(init.starts_with("#!/bin/sh\n"));
        assert!(init.contains("set -- sh -c 'echo $$; true'\n"), "{init}");
        assert!(init.contains(&script("T")));
        assert!(init.ends_with("poweroff -f\n"));
    }

    /// The script itself, run by this host's shell: the lines come out
    /// and the command's exit code is kept.
    #[test]
    fn the_script_prints_start_and_end_around_the_command() {
        let out = std::process::Command::new("sh")
            .args(["-c", &script("T"), "sh", "sh", "-c", "echo hi; exit 3"])
            .output()
            .unwrap();
        let text = String::from_utf8(out.stdout).unwrap();
        let lines: Vec<Line> = text.lines().map(|l| parse("T", l)).collect();
        assert!(matches!(lines[0], Line::Start { .. }), "{text}");
        assert_eq!(lines[1], Line::Other("hi".into()));
        assert!(matches!(lines[2], Line::End { code: 3, .. }), "{text}");
    }
}
