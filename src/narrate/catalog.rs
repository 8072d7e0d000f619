//! Every sentence dockling says about a step, in one place.
//!
//! One [`Narration`] per [`Step`]: a title, the system call made, why it
//! matters, the shell command that does the same by hand, and what a
//! virtual machine does at this point instead. Templates name an event's
//! fields as `{field}`. A second language is a second `fn` like [`english`]
//! chosen by the renderers; mechanism code never changes for it.

use std::collections::BTreeMap;

use serde_json::Value;

use super::korean;
use super::lang::Lang;
use super::{Event, Step};

/// The text for one step, as templates.
#[derive(Debug, Clone, Copy)]
pub struct Narration {
    pub title: &'static str,
    pub syscall: &'static str,
    pub why: &'static str,
    pub shell: &'static str,
    pub vm: &'static str,
}

/// The same, with an event's values filled in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub title: String,
    pub syscall: String,
    pub why: String,
    pub shell: String,
    pub vm: String,
}

/// Every text of one language: the steps and the pieces `render`
/// chooses from an event's fields.
struct Texts {
    step: fn(Step) -> Narration,
    stage: fn(&str, bool) -> (&'static str, &'static str),
    cgroup_file: fn(&str) -> &'static str,
    devices: fn(&str) -> (&'static str, &'static str),
    undo_cgroup: fn(Option<bool>) -> (&'static str, &'static str),
    clone: fn(bool) -> &'static str,
    built: fn(bool) -> &'static str,
    summary_vm: fn(bool) -> &'static str,
    vm_kind: fn(&str) -> (&'static str, &'static str),
    vm_unusable: fn(&str) -> (&'static str, &'static str, &'static str),
}

const ENGLISH: Texts = Texts {
    step: english,
    stage: stage_text,
    cgroup_file: cgroup_file_text,
    devices: devices_text,
    undo_cgroup: undo_cgroup_text,
    clone: clone_text,
    built: built_text,
    summary_vm: summary_vm_text,
    vm_kind: vm_kind_text,
    vm_unusable: vm_unusable_text,
};

const KOREAN: Texts = Texts {
    step: korean::korean,
    stage: korean::stage_text,
    cgroup_file: korean::cgroup_file_text,
    devices: korean::devices_text,
    undo_cgroup: korean::undo_cgroup_text,
    clone: korean::clone_text,
    built: korean::built_text,
    summary_vm: korean::summary_vm_text,
    vm_kind: korean::vm_kind_text,
    vm_unusable: korean::vm_unusable_text,
};

/// The labels of a step's rows (syscall, why, by hand, in a VM), at most
/// eight columns wide each.
pub fn labels(lang: Lang) -> [&'static str; 4] {
    match lang {
        Lang::En => ["syscall", "why", "by hand", "in a VM"],
        Lang::Ko => ["시스템콜", "이유", "직접하기", "VM에서는"],
    }
}

/// Words and phrases the catalog puts into templates from an event's
/// structured fields: `(key, English, Korean)`.
const WORDS: &[(&str, &str, &str)] = &[
    (
        "no_new_namespaces",
        "none, it shares all of the host's",
        "없음, 호스트의 네임스페이스를 모두 함께 씁니다",
    ),
    ("ns_new", "new", "새로 만듦"),
    ("ns_shared", "shared", "함께 씀"),
    ("ns_host", "host", "호스트"),
    ("ns_container", "container", "컨테이너"),
    ("nothing", "(nothing)", "(바뀐 것 없음)"),
    ("forwarding_on", "was already on", "이미 켜져 있었음"),
    (
        "forwarding_off",
        "was off; dockling turned it on, and leaves it on as docker does: \
         `sysctl -w net.ipv4.ip_forward=0` turns it off",
        "꺼져 있던 것을 dockling이 켰고, docker처럼 계속 켜 둡니다. 끄는 명령: \
         `sysctl -w net.ipv4.ip_forward=0`",
    ),
    (
        "layout_unified",
        "unified (cgroup v2 only)",
        "unified(cgroup v2만 있음)",
    ),
    (
        "layout_hybrid",
        "hybrid (controllers on v1, plus a v2 tree)",
        "hybrid(컨트롤러는 v1에, v2 트리도 따로 있음)",
    ),
    ("layout_legacy", "legacy (cgroup v1)", "legacy(cgroup v1)"),
    ("layout_none", "none", "없음"),
    ("dns_dns_flag", "--dns", "--dns 옵션"),
    (
        "dns_host",
        "the host's /etc/resolv.conf",
        "호스트의 /etc/resolv.conf",
    ),
    (
        "dns_upstream",
        "/run/systemd/resolve/resolv.conf (the host's resolver is a loopback stub)",
        "/run/systemd/resolve/resolv.conf(호스트의 리졸버가 루프백 스텁이라서)",
    ),
    (
        "dns_fallback",
        "docker's fallback servers (the host has no usable nameserver)",
        "docker의 기본 서버(호스트에 쓸 수 있는 네임서버가 없어서)",
    ),
    ("source_busybox", "busybox", "busybox"),
    ("source_host programs", "host programs", "프로그램들"),
];

/// A word of [`WORDS`] in `lang`; the key itself when there is none.
pub fn word(lang: Lang, key: &str) -> String {
    WORDS
        .iter()
        .find(|(k, _, _)| *k == key)
        .map(|(_, en, ko)| match lang {
            Lang::En => en.to_string(),
            Lang::Ko => ko.to_string(),
        })
        .unwrap_or_else(|| key.to_string())
}

/// The event's text in the language of this run.
pub fn render(event: &Event) -> Rendered {
    render_in(event, super::lang::current())
}

/// The event's text in `lang`.
pub fn render_in(event: &Event, lang: Lang) -> Rendered {
    let t = match lang {
        Lang::En => &ENGLISH,
        Lang::Ko => &KOREAN,
    };
    let (stage_text, cgroup_file_text, devices_text, undo_cgroup_text, clone_text) =
        (t.stage, t.cgroup_file, t.devices, t.undo_cgroup, t.clone);
    let n = (t.step)(event.step());
    let mut event = Fields {
        step: event.step(),
        fields: event.fields(),
    };
    let w = |key: &str| word(lang, key);
    // Structured fields told in words.
    if let Some(new) = words(&event, "new_namespaces") {
        let text = match new.is_empty() {
            true => w("no_new_namespaces"),
            false => new.join(", "),
        };
        event = event.with("namespaces", text);
    }
    if let Some(ids) = event
        .fields
        .get("ns_ids")
        .and_then(|v| v.as_array())
        .cloned()
    {
        let text: Vec<String> = ids
            .iter()
            .map(|i| {
                let s = |k: &str| i[k].as_str().unwrap_or_default().to_string();
                let new = if i["new"].as_bool() == Some(true) {
                    "ns_new"
                } else {
                    "ns_shared"
                };
                format!(
                    "{}: {} {}, {} {} ({})",
                    s("ns"),
                    w("ns_host"),
                    s("host"),
                    w("ns_container"),
                    s("container"),
                    w(new)
                )
            })
            .collect();
        event = event.with("compare", text.join("; "));
    }
    if let Some(changes) = words(&event, "change_list") {
        let text = match changes.is_empty() {
            true => w("nothing"),
            false => changes.join("\n"),
        };
        event = event.with("changes", text);
    }
    if let Some(on) = event
        .fields
        .get("forwarding_was_on")
        .and_then(|v| v.as_bool())
    {
        event = event.with(
            "forwarding",
            w(if on {
                "forwarding_on"
            } else {
                "forwarding_off"
            }),
        );
    }
    if let Some(id) = event.field("layout_id") {
        event = event.with("layout", w(&format!("layout_{id}")));
    }
    if matches!(event.step, Step::NetFiles | Step::RootfsBuilt)
        && let Some(source) = event.field("source")
    {
        let key = match event.step {
            Step::NetFiles => format!("dns_{source}"),
            _ => format!("source_{source}"),
        };
        event = event.with("source", w(&key));
    }
    // A command and an environment given as lists are shown as a shell
    // would need them typed: each word quoted where it must be, so that a
    // "by hand" line pasted into a shell runs the same command.
    if let Some(args) = words(&event, "args") {
        event = event.with("command", shell_join(&args));
    }
    if event.step == Step::Start
        && let Some(ns) = words(&event, "namespaces")
    {
        event = event.with("namespaces", ns.join(", "));
    }
    if let Some(env) = words(&event, "env_list") {
        event = event.with("env_sh", shell_join(&env));
    }
    if let Some(layers) = words(&event, "layer_paths") {
        let links: Vec<String> = layers
            .iter()
            .enumerate()
            .map(|(i, l)| format!("ln -s {} l/{i}", shell_quote(l)))
            .collect();
        event = event.with("links", links.join(" && "));
    }
    if let Some(stage) = event.field("stage") {
        let mount_ns = event
            .fields
            .get("mount_ns")
            .and_then(|v| v.as_bool())
            .unwrap_or(true);
        let (adds, by_hand) = stage_text(&stage, mount_ns);
        let (adds, by_hand) = (fill(adds, &event), fill(by_hand, &event));
        event = event.with("adds", adds).with("by_hand", by_hand);
    }
    if let Some(name) = event.field("name") {
        event = event.with("about", cgroup_file_text(&name));
    }
    if event.step == Step::Devices
        && let Some(version) = event.field("version")
    {
        let (how, by_hand) = devices_text(&version);
        let by_hand = fill(by_hand, &event);
        let how = fill(how, &event);
        event = event.with("how", how).with("by_hand", by_hand);
    }
    if event.step == Step::UndoCgroup
        && let Some(how) = match event.fields.get("parent") {
            Some(_) => Some(None),
            None => event
                .fields
                .get("cgroup_kill")
                .and_then(|v| v.as_bool())
                .map(Some),
        }
    {
        let (kill, by_hand) = undo_cgroup_text(how);
        let (kill, by_hand) = (fill(kill, &event), fill(by_hand, &event));
        event = event.with("kill", kill).with("by_hand", by_hand);
    }
    if event.step == Step::Clone
        && let Some(flags) = event.field("unshare_flags")
    {
        let enter = fill(clone_text(!flags.is_empty()), &event);
        event = event.with("enter", enter);
    }
    if let Some(ms) = event.fields.get("vm_boot_ms").and_then(|v| v.as_u64()) {
        let start = super::text::duration(std::time::Duration::from_millis(ms));
        event = event.with("vm_start", start.trim());
    }
    if let Some(b) = event.fields.get("vm_memory_bytes").and_then(|v| v.as_u64()) {
        event = event.with("vm_memory", crate::cgroups::limits::human(b));
    }
    if event.step == Step::Summary {
        let line = fill((t.summary_vm)(event.fields.contains_key("vm_kind")), &event);
        event = event.with("vm_line", line);
    }
    if let Some(prebuilt) = event.fields.get("prebuilt").and_then(|v| v.as_bool()) {
        event = event.with("built", (t.built)(prebuilt));
    }
    if matches!(event.step, Step::CompareBoot | Step::CompareVmUnusable)
        && let Some(kind) = event.field("kind_id")
    {
        let (name, about) = (t.vm_kind)(&kind);
        event = event.with("kind", name).with("about", about);
    }
    if event.step == Step::CompareVmUnusable
        && let Some(problem) = event.field("problem_id")
    {
        let (problem, cause, fix) = (t.vm_unusable)(&problem);
        let (problem, cause, fix) = (
            fill(problem, &event),
            fill(cause, &event),
            fill(fix, &event),
        );
        let next = match event.field("next_id") {
            Some(next) => fill_fields(
                match lang {
                    Lang::En => "trying {next} instead",
                    Lang::Ko => "대신 시도할 VM: {next}",
                },
                &[("next", vm_kind_text(&next).0.to_string())],
            ),
            None => match lang {
                Lang::En => "no other kind of VM to try",
                Lang::Ko => "시도할 다른 VM이 없습니다",
            }
            .to_string(),
        };
        event = event
            .with("problem", problem)
            .with("cause", cause)
            .with("fix", fix)
            .with("next", next);
    }
    let fill = |t: &str| fill(t, &event);
    Rendered {
        title: fill(n.title),
        syscall: fill(n.syscall),
        why: fill(n.why),
        shell: fill(n.shell),
        vm: fill(n.vm),
    }
}

/// An event's fields by name, with the words [`render_in`] adds to
/// them; what the templates are filled from.
struct Fields {
    step: Step,
    fields: BTreeMap<String, Value>,
}

impl Fields {
    fn with(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.fields.insert(key.to_string(), value.into());
        self
    }

    fn field(&self, key: &str) -> Option<String> {
        self.fields.get(key).map(super::event::text)
    }
}

/// Replace each `{name}` with the event's field `name`; unknown names stay.
fn fill(template: &str, event: &Fields) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.find('}') {
            Some(close)
                if after[..close]
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c == '_') =>
            {
                let key = &after[..close];
                match event.field(key) {
                    Some(v) => out.push_str(&v),
                    None => out.push_str(&rest[open..open + close + 2]),
                }
                rest = &after[close + 1..];
            }
            _ => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// An event's field that holds a list of strings.
fn words(event: &Fields, key: &str) -> Option<Vec<String>> {
    event.fields.get(key)?.as_array().map(|a| {
        a.iter()
            .map(|v| {
                v.as_str()
                    .map(str::to_string)
                    .unwrap_or_else(|| v.to_string())
            })
            .collect()
    })
}

/// One word as a POSIX shell reads it back: bare when it holds only
/// characters no shell treats specially, else in single quotes (a single
/// quote inside becomes `'\''`).
pub fn shell_quote(word: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "_@%+=:,./-".contains(c);
    if !word.is_empty() && word.chars().all(plain) {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

/// Words joined into one shell command line, each quoted as needed.
pub fn shell_join<S: AsRef<str>>(words: &[S]) -> String {
    words
        .iter()
        .map(|w| shell_quote(w.as_ref()))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The names a template refers to, for tests and for checking events.
pub fn placeholders(template: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        match after.find('}') {
            Some(close)
                if close > 0
                    && after[..close]
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c == '_') =>
            {
                out.push(&after[..close]);
                rest = &after[close + 1..];
            }
            _ => rest = after,
        }
    }
    out
}

/// What one cgroup file does, for the write that sets it.
pub fn cgroup_file_text(name: &str) -> &'static str {
    match name {
        "cgroup.subtree_control" => {
            "v2 only: lets this cgroup's children use these controllers. A cgroup that \
            hands controllers down may not hold processes itself (the no-internal-processes rule)."
        }
        "memory.max" | "memory.limit_in_bytes" => {
            "The most memory the group may use. Past it the kernel \
            reclaims what it can (page cache, swap), and when that is not enough the OOM killer kills a process \
            in the group."
        }
        "memory.swap.max" => {
            "v2: how much swap the group may use on top of memory.max (docker's --memory-swap \
            counts memory plus swap)."
        }
        "memory.memsw.limit_in_bytes" => {
            "v1: memory plus swap together (only with swap accounting on)."
        }
        "cpu.max" => {
            "v2: QUOTA PERIOD in microseconds. The group may run QUOTA µs of CPU time in every PERIOD \
            µs, summed over all CPUs; after that it is throttled until the next period."
        }
        "cpu.cfs_quota_us" | "cpu.cfs_period_us" => {
            "v1: the CFS bandwidth quota and period, in microseconds \
            (v2 joins them in cpu.max)."
        }
        "cpu.weight" => {
            "v2: the group's share of CPU when CPUs are busy, 1 to 10000 (docker's --cpu-shares, \
            converted from v1's 2 to 262144)."
        }
        "cpu.shares" => {
            "v1: the group's relative share of CPU when CPUs are busy (1024 is the default)."
        }
        "pids.max" => {
            "The most processes and threads the group may have; fork and clone fail with EAGAIN past \
            it. A fork bomb stops here."
        }
        "cgroup.procs" => {
            "Moves the process into the group. The container's process is moved before it \
            execs your command, so the command never runs unlimited."
        }
        _ => "",
    }
}

/// How the device rules reach the kernel, per cgroup version: the system
/// calls, and the same by hand.
pub fn devices_text(version: &str) -> (&'static str, &'static str) {
    match version {
        "v1" => (
            "write(\"{dir}/devices.deny\", \"a\"); write(\"{dir}/devices.allow\", \"c 1:3 rwm\") and one for each rule",
            "echo a > {dir}/devices.deny; echo 'c 1:3 rwm' > {dir}/devices.allow …; cat {dir}/devices.list",
        ),
        _ => (
            "bpf(BPF_PROG_LOAD, BPF_PROG_TYPE_CGROUP_DEVICE, {instructions} instructions); \
             bpf(BPF_PROG_ATTACH, \"{dir}\", BPF_CGROUP_DEVICE)",
            "bpftool cgroup list {dir}   # v2 has no devices.allow file: the rules are a program",
        ),
    }
}

/// How what is left in a cgroup is killed before rmdir: v2's cgroup.kill
/// file where the kernel has it (`Some(true)`), else a SIGKILL per process
/// (`Some(false)`, v1); `None` for the shared parent, which holds no
/// processes and goes only when empty.
pub fn undo_cgroup_text(cgroup_kill: Option<bool>) -> (&'static str, &'static str) {
    match cgroup_kill {
        Some(true) => (
            "write(\"{path}/cgroup.kill\", \"1\") if anything is left",
            "echo 1 > {path}/cgroup.kill; ",
        ),
        Some(false) => (
            "kill(pid, SIGKILL) for each pid left in {path}/cgroup.procs (no cgroup.kill here)",
            "for p in $(cat {path}/cgroup.procs); do kill -9 $p; done; ",
        ),
        None => (
            "the parent holds no process; it goes only when no other container's cgroup is in it",
            "",
        ),
    }
}

/// The by-hand line of `clone`: a shell to type the next steps' lines
/// in, in new namespaces when there are any.
pub fn clone_text(namespaces: bool) -> &'static str {
    if namespaces {
        "unshare --fork{unshare_flags} sh   # a shell in the new namespaces: type the next steps' lines in it"
    } else {
        "sh   # a shell forks a child for every command: type the next steps' lines in this one"
    }
}

/// The kinds of VM `dockling compare` boots: a short name, and what
/// the kind is, said plainly.
pub fn vm_kind_text(kind: &str) -> (&'static str, &'static str) {
    match kind {
        "uml" => (
            "UML",
            "user-mode Linux, a guest kernel built to run as ordinary processes of the host's (no \
             hardware virtualisation, no emulated CPU)",
        ),
        "kvm" => (
            "qemu KVM",
            "qemu with KVM, hardware virtualisation, where the guest's instructions run on the real CPU",
        ),
        _ => (
            "qemu TCG",
            "qemu emulating the CPU in software (TCG), which translates every guest instruction \
             before it runs it, many times slower than KVM",
        ),
    }
}

/// Why a kind of VM could not run, for `compare_vm_unusable`: what went
/// wrong, the likely cause, and what to try.
pub fn vm_unusable_text(problem: &str) -> (&'static str, &'static str, &'static str) {
    match problem {
        "missing" => (
            "{program} is not installed",
            "compare runs VMs with programs from Debian's packages.",
            "apt-get install {package}",
        ),
        "no_kvm" => (
            "/dev/kvm cannot be opened ({error})",
            "KVM needs the CPU's virtualisation extensions (VT-x, AMD-V) and the kvm module; inside a \
             cloud VM they are there only when the provider offers nested virtualisation.",
            "ls -l /dev/kvm; lsmod | grep kvm",
        ),
        "hung" => (
            "the guest printed nothing of its own in {seconds} s, so it was killed",
            "Nested KVM (a VM inside a cloud VM) often stops early in the guest's boot, before the \
             kernel prints anything; the same kernel boots under emulation (TCG).",
            "{command}   # by hand; Ctrl-C stops it",
        ),
        "hung_before" => (
            "it hung here before (noted in {file})",
            "A guest that hung once with this kernel would hang again, and waiting costs seconds; \
             `--vm kvm` tries it anyway.",
            "dockling compare --vm kvm",
        ),
        _ => (
            "the guest ended before running the command ({status})",
            "{last}",
            "{command}",
        ),
    }
}

/// One row of `dockling compare`'s table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompareRow {
    Heading,
    FirstInstruction,
    WallTime,
    Memory,
    Disk,
    Kernels,
    Processes,
    ExitCode,
}

/// A row's label in the first column of the table.
pub fn compare_label(row: CompareRow) -> &'static str {
    // The heading row stays in English in both languages, like docker's
    // column names; the rows' labels are read as words.
    if super::lang::current() == Lang::Ko && row != CompareRow::Heading {
        return match row {
            CompareRow::FirstInstruction => "명령 시작",
            CompareRow::WallTime => "명령 종료",
            CompareRow::Memory => "메모리 최대치",
            CompareRow::Disk => "디스크",
            CompareRow::Kernels => "실행 중인 커널",
            CompareRow::Processes => "시작된 프로세스",
            _ => "종료 코드",
        };
    }
    match row {
        CompareRow::Heading => "MEASURED",
        CompareRow::FirstInstruction => "command started",
        CompareRow::WallTime => "command ended",
        CompareRow::Memory => "memory, peak",
        CompareRow::Disk => "disk",
        CompareRow::Kernels => "kernels running",
        CompareRow::Processes => "processes started",
        CompareRow::ExitCode => "exit code",
    }
}

/// The table's column headings: the VM's (with its kind), the
/// container's, and the ratio.
pub const COMPARE_HEADINGS: [&str; 3] = ["VM ({kind})", "CONTAINER (stage 5)", "VM / CONTAINER"];

/// What each figure is, printed under the table. `{…}` are filled by
/// [`fill_fields`].
pub const COMPARE_LEGEND: &[&str] = &[
    "command started: from starting {program} (or dockling) to the line the script prints right before \
     it runs the command, timestamped when it arrived here; command ended: to the VM's or dockling's exit",
    "memory: {program}'s peak resident memory (VmHWM in /proc/PID/status; the guest was given {given}), \
     and the peak of the container's cgroup",
    "disk: the guest's kernel ({kernel}) and initramfs, and the rootfs {rootfs}, which every container \
     shares read-only",
    "kernels: the guest ran {guest_kernel} on this host's {host_kernel}; the container ran on the host's",
    "processes: pids the kernel had handed out when the command started, and when it ended; most of \
     the guest's are its kernel's own threads",
];

/// The legend in Korean.
pub const COMPARE_LEGEND_KO: &[&str] = &[
    "명령 시작: {program}(또는 dockling)을 시작한 때부터, 명령을 실행하기 바로 전에 스크립트가 찍는 줄이 \
     이곳에 도착한 때까지; 명령 종료: VM 또는 dockling이 끝날 때까지",
    "메모리: {program}의 최대 상주 메모리(/proc/PID/status의 VmHWM, 게스트에게 준 메모리는 {given})와 \
     컨테이너 cgroup의 최대치",
    "디스크: 게스트의 커널({kernel})과 initramfs, 그리고 모든 컨테이너가 읽기 전용으로 함께 쓰는 루트 \
     파일 시스템 {rootfs}",
    "커널: 게스트는 이 호스트의 {host_kernel} 위에서 {guest_kernel} 커널을 돌렸고, 컨테이너는 호스트의 \
     커널에서 실행되었습니다",
    "프로세스: 명령이 시작할 때와 끝날 때까지 커널이 나눠 준 pid 수. 게스트 쪽은 대부분 게스트 커널 \
     자신의 스레드입니다",
];

/// The legend in the run's language.
pub fn compare_legend() -> &'static [&'static str] {
    match super::lang::current() {
        Lang::En => COMPARE_LEGEND,
        Lang::Ko => COMPARE_LEGEND_KO,
    }
}

/// The output headings in the run's language.
pub fn compare_output() -> [&'static str; 2] {
    match super::lang::current() {
        Lang::En => COMPARE_OUTPUT,
        Lang::Ko => [
            "VM 안에서 명령이 출력한 내용:",
            "컨테이너 안에서 명령이 출력한 내용:",
        ],
    }
}

/// Headings of the command's own output, when it printed any.
pub const COMPARE_OUTPUT: [&str; 2] = [
    "the command's output in the VM:",
    "the command's output in the container:",
];

/// Fill `{name}` placeholders from name-value pairs (for texts that are
/// not an event's, such as [`COMPARE_LEGEND`]).
pub fn fill_fields(template: &str, fields: &[(&str, String)]) -> String {
    let mut event = Fields {
        step: Step::CompareSaved,
        fields: BTreeMap::new(),
    };
    for (k, v) in fields {
        event = event.with(k, v.clone());
    }
    fill(template, &event)
}

/// Where the seccomp filter's program came from.
pub fn built_text(prebuilt: bool) -> &'static str {
    if prebuilt {
        "compiled once, when dockling was built"
    } else {
        "compiled before clone for this capability set"
    }
}

/// The summary's VM line: figures `dockling compare` measured on this
/// machine when there are any, else where to get them.
pub fn summary_vm_text(measured: bool) -> &'static str {
    if measured {
        "On this machine a {vm_kind} guest took {vm_start} from power-on to the same command, and \
         its VM process used {vm_memory} of memory (measured by `dockling compare`)."
    } else {
        "`dockling compare` measures a VM on this machine: it boots a guest kernel with the same files \
         and runs the same command, and from then on this line quotes its figures."
    }
}

/// What a stage adds to the one before, and how to do the same by hand.
/// `mount_ns` is false when `--ns` left out the mount namespace: then
/// there is no pivot_root and no /proc of its own, only chroot.
pub fn stage_text(stage: &str, mount_ns: bool) -> (&'static str, &'static str) {
    match (stage, mount_ns) {
        ("chroot", _) => (
            "Stage 1 changes one thing: the process's root directory. Everything else stays the host's.",
            "sudo chroot {rootfs} {command}",
        ),
        ("namespaces", true) => (
            "Stage 2 adds namespaces: its own process table, mount tree, hostname and IPC, a root made \
             with pivot_root, and fewer capabilities.",
            "sudo unshare{unshare_flags} --fork --root={rootfs} --mount-proc {command}",
        ),
        ("namespaces", false) => (
            "Stage 2 adds namespaces, here only {namespaces} (--ns). Without a mount namespace nothing is \
             mounted for it (no /proc, /sys or /dev of its own) and there is no pivot_root: the root is \
             changed with chroot, as in stage 1, and the escape of lesson 1 works again. Capabilities are \
             dropped as usual.",
            "sudo unshare{unshare_flags} --fork --root={rootfs} {command}",
        ),
        ("cgroups", _) => (
            "Stage 3 adds a cgroup: limits on memory, CPU and the number of processes, and a report of what \
             the container used.",
            "sudo systemd-run --scope -p MemoryMax=… -p CPUQuota=… unshare{unshare_flags} --fork \
             --root={rootfs} --mount-proc {command}",
        ),
        ("overlay", _) => (
            "Stage 4 adds layers: the rootfs and each --layer stay read-only under overlayfs, and everything \
             the container writes lands in a fresh upper directory.",
            "sudo mount -t overlay overlay -o lowerdir=…,upperdir=…,workdir=… merged && sudo \
             unshare{unshare_flags} --fork --root=merged --mount-proc {command}",
        ),
        ("network", _) => (
            "Stage 5 adds a network namespace: the container gets its own interfaces and routes, wired \
             to a bridge on the host by a veth pair, with NAT for outbound traffic and DNAT for published ports.",
            "sudo ip netns add c && sudo ip link add veth0 type veth peer name eth0 netns c && … (lesson 5 \
             does it step by step)",
        ),
        ("run", _) => (
            "Stage 6 runs an image: its layers, pulled from a registry, are the read-only layers of \
             stage 4, its config gives the command, environment and working directory, and stages 2, 3 \
             and 5 add namespaces, limits and the network.",
            "skopeo copy docker://IMAGE oci:dir && umoci unpack --image dir bundle && runc run -b bundle c",
        ),
        _ => ("", ""),
    }
}

pub fn english(step: Step) -> Narration {
    match step {
        Step::Start => Narration {
            title: "run `{command}` with {rootfs} as its root ({stage})",
            syscall: "",
            why: "A container is an ordinary host process that the kernel shows a different view of the \
                  machine. {adds}",
            shell: "{by_hand}",
            vm: "A VM would first boot a whole guest: firmware, boot loader, its own kernel, init. That \
                 takes seconds; starting a process takes about a millisecond.",
        },
        Step::Journal => Narration {
            title: "record this run in {dir}",
            syscall: "mkdir(\"{dir}\"); open(\"{dir}/journal\"); flock(LOCK_EX)",
            why: "Everything dockling creates on the host is written to this journal before it is created, \
                  so it is undone at exit, on error and on Ctrl-C, and `dockling cleanup` can finish the \
                  job if dockling itself is killed.",
            shell: "mkdir -p {dir}",
            vm: "A hypervisor keeps the state of each VM (disk, NIC, memory) and releases it all when the \
                 VM is deleted.",
        },
        Step::Clone => Narration {
            title: "start the process that will become the container",
            syscall: "clone(flags={flags}) = {pid}",
            why: "Every process is made by copying another. The child has a copy of dockling's memory and \
                  open files; it prepares itself and then execs your command. New namespaces: {namespaces}.",
            shell: "{enter}",
            vm: "A hypervisor creates virtual CPUs and boots a guest kernel on them. Here there is no \
                 guest kernel: pid {pid} is one more process on the host's kernel (find it with `ps`).",
        },
        Step::Cgroup => Narration {
            title: "create the container's cgroup (cgroup {version})",
            syscall: "mkdir(\"{dir}\")",
            why: "This host's cgroup layout is {layout}. dockling uses v2 when the v2 tree offers the memory, \
                  cpu and pids controllers, and v1 otherwise. The group lives under a `dockling` parent directly \
                  below the root, where systemd does not manage cgroups it did not make.",
            shell: "mkdir {dir}",
            vm: "A hypervisor gives a VM vCPUs and RAM when it boots; the guest kernel cannot use more than it \
                 was given. They can change while it runs (a balloon driver, CPU and memory hotplug, `virsh \
                 setmem --live`), but only with the guest's help, and RAM the guest holds is not shared.",
        },
        Step::CgroupWrite => Narration {
            title: "write {value} to {name}",
            syscall: "open(\"{file}\", O_WRONLY); write(…, \"{value}\")",
            why: "{about}",
            shell: "echo {value} > {file}",
            vm: "A VM's limits are settings of the hypervisor: vCPUs and RAM given at boot, changed live only \
                 through the guest (balloon, hotplug).",
        },
        Step::Devices => Narration {
            title: "let the container open only its own devices ({count} rules, cgroup {version})",
            syscall: "{how}",
            why: "CAP_MKNOD lets root make a node for any device number, and the kernel opens a device by its \
                  number, not its path: /dev/kvm, the host's disks, /dev/kmsg. The cgroup's device rules say \
                  which numbers may be opened: making a node is allowed (it is harmless), opening only {rules}.",
            shell: "{by_hand}",
            vm: "A VM sees only the devices its hypervisor emulates; a host device reaches it only when passed \
                 through on purpose (vfio).",
        },
        Step::NoDeviceCgroup => Narration {
            title: "no device rules at this stage, so CAP_MKNOD is dropped too",
            syscall: "(no cgroup until stage 3)",
            why: "Device rules belong to a cgroup, and this stage has none. Without them a node made with mknod \
                  would open any device of the host, so stage 2 also drops CAP_MKNOD; stage 3 gives it back \
                  together with the rules, as docker has it.",
            shell: "mknod /tmp/kvm c 10 232   # inside: Operation not permitted",
            vm: "A guest may mknod all it likes: the numbers name its own virtual devices.",
        },
        Step::OverlayDirs => Narration {
            title: "make the container's writable layer in {dir}",
            syscall: "mkdir(\"{dir}/upper\"), mkdir(\"{dir}/work\"), mkdir(\"{dir}/merged\"); \
                      symlink(layer, \"{dir}/l/N\") for each layer ({layers} in all)",
            why: "upper receives every change the container makes; work is overlayfs's scratch space and must be \
                  on the same filesystem as upper; merged is where the combined tree appears. The {layers} \
                  read-only layers, bottom first from {bottom}, get short names under l/ so that even a hundred \
                  of them fit in one page of mount options.",
            shell: "mkdir -p {dir} && cd {dir} && mkdir -p upper work merged l && {links}",
            vm: "A VM would get a new qcow2 file whose backing file is the base image: writes go to the new file, \
                 the base is never changed.",
        },
        Step::MountOverlay => Narration {
            title: "mount the layers as one tree at {merged}",
            syscall: "chdir(\"{dir}\"); mount(\"overlay\", \"merged\", \"overlay\", 0, \"{options}\")",
            why: "overlayfs looks a name up in upper first, then in each lower layer from the top down. A write to a \
                  lower file copies it up first (copy-on-write); a delete leaves a whiteout in upper. The mount is \
                  made inside the container's mount namespace, so the host never sees it and it vanishes with the \
                  container.",
            shell: "cd {dir} && mount -t overlay overlay -o {options} merged",
            vm: "The hypervisor opens the qcow2 chain: reads fall through to the backing file, writes land on top.",
        },
        Step::NetSubnetMoved => Narration {
            title: "network {network} moves from {old} to {subnet}: the host uses {old} now",
            syscall: "netlink RTM_GETADDR (dump); read(\"/proc/net/route\")",
            why: "Addresses belong to the whole host, not to one state root: since {network} was defined, \
                  something else (another dockling root's bridge, a VPN, a LAN) took {old}. dockling chose that \
                  subnet itself, so it takes the next free one rather than hand out addresses that already \
                  lead somewhere else. A subnet given with --subnet is never moved: that run is refused.",
            shell: "ip route; ip -4 addr",
            vm: "libvirt refuses to start a network whose subnet the host already routes.",
        },
        Step::NetBridge => Narration {
            title: "create the bridge {bridge} for network {network}, gateway {gateway}/{prefix}",
            syscall: "netlink RTM_NEWLINK kind=bridge; RTM_NEWLINK IFLA_IFALIAS; RTM_NEWADDR {gateway}/{prefix}; \
                      RTM_NEWLINK flags=IFF_UP",
            why: "A bridge is a switch made of software: every container on network {network} plugs into it. \
                  It holds the network's first address, {gateway}, so the host is the containers' router \
                  (their default gateway). It is made when the network's first container joins and stays until \
                  `dockling network rm` removes the network. Interface names and addresses belong to the whole \
                  host, so its alias says whose it is (`ip link` shows it), the subnet was checked against every \
                  route and address on the host, and another state root's networks get bridges of their own.",
            shell: "ip link add {bridge} mtu {mtu} type bridge && ip link set {bridge} alias '{alias}' \
                    && ip addr add {gateway}/{prefix} dev {bridge} && ip link set {bridge} up",
            vm: "A hypervisor host has the same thing: a bridge (virbr0, vmbr0) that the VMs' tap devices \
                 plug into.",
        },
        Step::NetBridgeShared => Narration {
            title: "the bridge {bridge} is up already ({others} other container(s) on it)",
            syscall: "netlink RTM_GETLINK {bridge}",
            why: "Containers on one network share one bridge, like computers plugged into one switch; that \
                  is why they can reach each other.",
            shell: "ip link show {bridge}",
            vm: "VMs on one host bridge share it the same way.",
        },
        Step::NetNat => Narration {
            title: "route and NAT the containers of {subnet}",
            syscall: "write(\"/proc/sys/net/ipv4/ip_forward\", \"1\"); iptables-restore --noflush",
            why: "The subnet is private: the outside world has no route back to it. IPv4 forwarding lets the \
                  host route packets between interfaces (it {forwarding}); MASQUERADE rewrites each outgoing \
                  packet's source to the host's own address and rewrites the replies back. The FORWARD rules \
                  let the containers out even under a DROP policy (this host's FORWARD policy is {policy}), \
                  let containers on the same network talk, and drop traffic to other dockling networks:\n{rules}",
            shell: "sysctl -w net.ipv4.ip_forward=1; then the iptables commands above",
            vm: "libvirt's default network does exactly this for its VMs: a bridge, ip_forward and a \
                 MASQUERADE rule.",
        },
        Step::NetNatKept => Narration {
            title: "the rules that route and NAT {subnet} are in place since {bridge} came up",
            syscall: "read(\"{record}\")",
            why: "A network's NAT and forwarding rules belong to the network, as docker's do: they were added \
                  when its bridge came up and stay until `dockling network rm`. The record says so, and \
                  reading it costs a few microseconds, where asking iptables costs a process (about 10 ms). \
                  So a container that publishes no port starts without touching the firewall.",
            shell: "cat {record}; iptables-save | grep -- '-i {bridge}'",
            vm: "libvirt likewise adds a network's rules when the network starts, not for each VM.",
        },
        Step::NetLease => Narration {
            title: "lease the address {ip} on network {network} ({subnet})",
            syscall: "flock(lock); open(\"{lease}\", O_CREAT|O_EXCL)",
            why: "Every container needs its own address. Leases are files taken under a lock, so two \
                  containers started at the same moment never get the same one; the lease is given back when \
                  the container ends.",
            shell: "touch {lease}",
            vm: "A VM usually asks the host's DHCP server (dnsmasq on virbr0) for its address.",
        },
        Step::NetFiles => Narration {
            title: "write the container's /etc/hosts, /etc/resolv.conf and /etc/hostname",
            syscall: "write(\"{dir}/hosts\"), write(\"{dir}/resolv.conf\"), write(\"{dir}/hostname\")",
            why: "hosts maps {names} to {ip} (plus {extra} --add-host entries); resolv.conf names the DNS \
                  servers {servers}, taken from {source}. They are bind-mounted over the image's own files, \
                  so the image is never changed.",
            shell: "cat {dir}/hosts {dir}/resolv.conf",
            vm: "A VM's guest gets its resolver from DHCP and writes these files itself.",
        },
        Step::NetPeers => Narration {
            title: "names on network {network}: {hosts} lists {names}; {others} other container(s) learn this one's",
            syscall: "flock(lock); for each container on {network}: open(hosts, O_WRONLY|O_NOFOLLOW), pwrite(0), ftruncate",
            why: "On a network you made, containers find each other by name (--name, --network-alias), as \
                  docker's do. docker answers those names from an embedded DNS server at 127.0.0.11 inside each \
                  container, served by its daemon for as long as the containers run; dockling has no daemon, so \
                  it keeps every member's /etc/hosts current instead: each file is written again, in place \
                  (the bind mount pins its inode), whenever a container joins or leaves the network. Names never \
                  cross networks, and the default network resolves none, as docker's does.",
            shell: "cat {hosts}",
            vm: "VMs would ask a DNS server too: libvirt's dnsmasq answers the names its DHCP server handed out.",
        },
        Step::NetConnect => Narration {
            title: "connect {inside} to network {network}: {host} on the bridge {bridge}, address {ip}/{prefix}",
            syscall: "netlink RTM_NEWLINK kind=veth name={host} peer={inside} IFLA_NET_NS_PID={pid}; RTM_NEWLINK {host} IFLA_MASTER={bridge}; in the container: RTM_NEWADDR {ip}/{prefix}, RTM_NEWLINK {inside} IFF_UP",
            why: "A container can be on several networks: each is one more veth pair, with its end in the \
                  container's namespace named eth1, eth2 …, plugged into that network's bridge, with an address \
                  leased there. It gets no default route: eth0 keeps that, so traffic leaves by the first \
                  network and reaches this one's subnet directly. It can be done while the container runs \
                  because its namespace is there to be reached from outside.",
            shell: "ip link add {host} mtu {mtu} type veth peer name {inside} netns {pid} && ip link set {host} master {bridge} up && nsenter --net=/proc/{pid}/ns/net sh -c 'ip addr add {ip}/{prefix} dev {inside} && ip link set {inside} up'",
            vm: "Hot-plugging a second virtual NIC into a running VM (`virsh attach-interface`): the guest sees a new device appear.",
        },
        Step::NetDisconnect => Narration {
            title: "disconnect {inside} from network {network}: delete {host}, give back {ip}",
            syscall: "netlink RTM_DELLINK {host}; flock(lock); unlink(lease)",
            why: "Deleting one end of a veth pair deletes the other, so {inside} disappears from the running \
                  container. The lease goes back, and the other containers on {network} forget its names.",
            shell: "ip link del {host}",
            vm: "Hot-unplugging a VM's NIC (`virsh detach-interface`).",
        },
        Step::NetVeth => Narration {
            title: "create a veth pair: {host} on the host, {inside} in the container",
            syscall: "netlink RTM_NEWLINK kind=veth name={host} peer={inside} IFLA_NET_NS_PID={pid}",
            why: "A veth pair is a virtual cable: a packet sent into one end comes out of the other. One end \
                  is created straight inside the container's network namespace (that of pid {pid}), where \
                  it is the only interface besides lo.",
            shell: "ip link add {host} mtu {mtu} type veth peer name {inside} netns {pid}",
            vm: "A hypervisor gives a VM a virtual NIC (virtio-net) backed by a tap device on the host.",
        },
        Step::NetPlug => Narration {
            title: "plug {host} into the bridge {bridge}",
            syscall: "netlink RTM_NEWLINK {host} IFLA_MASTER={bridge} flags=IFF_UP",
            why: "The host end of the cable goes into the switch. The container's packets now reach the \
                  bridge, and through it the other containers and the host.",
            shell: "ip link set {host} master {bridge} up",
            vm: "The VM's tap device is added to the host bridge the same way.",
        },
        Step::NetLoopback => Narration {
            title: "bring up lo inside the container",
            syscall: "setns(/proc/{pid}/ns/net) on a helper thread; netlink RTM_NEWLINK lo flags=IFF_UP",
            why: "A new network namespace has only a loopback interface, and it is down: even 127.0.0.1 does \
                  not work until it is up. dockling configures the inside from outside, through a netlink \
                  socket opened in the container's namespace.",
            shell: "nsenter --net=/proc/{pid}/ns/net ip link set lo up",
            vm: "A guest kernel brings up its own loopback at boot.",
        },
        Step::NetAddress => Narration {
            title: "give {inside} the address {ip}/{prefix}, default route via {gateway}",
            syscall: "netlink RTM_NEWADDR {ip}/{prefix} dev {inside}; RTM_NEWLINK up; RTM_NEWROUTE default via {gateway}",
            why: "With an address on the bridge's subnet the container can talk to its neighbours directly; \
                  everything else goes to the gateway, the bridge's address on the host, which routes it on.",
            shell: "nsenter --net=/proc/{pid}/ns/net sh -c 'ip addr add {ip}/{prefix} dev {inside} && ip link set \
                    {inside} up && ip route add default via {gateway}'",
            vm: "The guest configures its NIC itself, usually by DHCP.",
        },
        Step::NetPort => Narration {
            title: "publish {map}: host port {host_port}/{proto} to {target}",
            syscall: "socket(); bind({listen}:{host_port}); listen(); iptables-restore --noflush",
            why: "Nobody outside the host can address the container, so the host lends it a port. Packets \
                  from other machines are rewritten by DNAT as they arrive; connections to the host's own \
                  addresses, 127.0.0.1 included, reach dockling's proxy listening on {listen}:{host_port}, \
                  which copies the bytes to {target} (docker's docker-proxy does the same). Rules:\n{rules}",
            shell: "the iptables commands above, and e.g. socat TCP-LISTEN:{host_port},fork TCP:{target}",
            vm: "A VM behind NAT needs the same port forwarding (e.g. QEMU's hostfwd=tcp::{host_port}-:…).",
        },
        Step::BindFiles => Narration {
            title: "bind-mount {targets} from the run directory",
            syscall: "mount(\"{first_source}\", \"{rootfs}{first_target}\", NULL, MS_BIND, NULL) and the others",
            why: "A bind mount makes a file appear at a second place. The container sees the run's own \
                  files at these paths; the rootfs's copies are hidden, not changed.",
            shell: "mount --bind {first_source} {rootfs}{first_target}",
            vm: "A VM has no shared files unless a shared folder (virtiofs, 9p) is set up.",
        },
        Step::Namespaces => Narration {
            title: "the container's namespaces next to the host's",
            syscall: "readlink(\"/proc/self/ns/*\") and readlink(\"/proc/{pid}/ns/*\")",
            why: "Each link names one namespace; a different number means a separate table. {compare}",
            shell: "sudo ls -l /proc/self/ns /proc/{pid}/ns",
            vm: "A VM has no such links to compare: its kernel is a different kernel altogether.",
        },
        Step::CloseFds => Narration {
            title: "close every open file but stdin, stdout and stderr",
            syscall: "close_range(3, ~0U, 0), around the line to dockling (it closes itself at exec)",
            why: "A child inherits every open file of its parent. A descriptor the calling shell left open \
                  (`exec 9</`), a socket, or dockling's own run journal would reach the container, and through \
                  /proc/self/fd/9 lead back into the host's files. Only 0, 1 and 2 go in.",
            shell: "ls -l /proc/$$/fd   # what a shell hands on; `exec 9<&-` closes one",
            vm: "A VM shares no open files with the host: its disk and network are devices the hypervisor \
                 emulates.",
        },
        Step::Session => Narration {
            title: "start a new session, with no controlling terminal",
            syscall: "setsid() = {sid}",
            why: "The terminal of the shell that started dockling must not become the container's: a process \
                  whose controlling terminal it is can push keystrokes into it (ioctl TIOCSTI), and the host \
                  shell would run them after dockling exits. In a session of its own the container has no \
                  controlling terminal; its output reaches yours through a pipe, or through a terminal of its \
                  own with -t.",
            shell: "setsid --fork <command>",
            vm: "A VM's console is a virtual serial port or screen; it never holds the host's terminal.",
        },
        Step::Terminal => Narration {
            title: "give the container its own terminal, {pts}",
            syscall: "open(\"/dev/ptmx\"); ioctl(TIOCGPTPEER); ioctl(slave, TIOCSCTTY); dup2(slave, 0, 1, 2); \
                      sendmsg(SCM_RIGHTS, master)",
            why: "-t: a pseudo-terminal pair from the container's own devpts. The container keeps the slave end \
                  as its controlling terminal, stdin, stdout and stderr (`tty` prints {pts}); the master end \
                  goes to dockling over the sync socket, and dockling copies it to and from your terminal, which \
                  it puts in raw mode so that Ctrl-C, Tab and the arrow keys reach the container.",
            shell: "script -q -c '<command>' /dev/null   # runs a command on a new pty",
            vm: "A VM's console is a virtual serial port that the hypervisor connects to a pty on the host.",
        },
        Step::Hostname => Narration {
            title: "set the hostname to {hostname}",
            syscall: "sethostname(\"{hostname}\")",
            why: "In its own UTS namespace the container can change its hostname; the host's stays as it \
                  was (run `hostname` on the host).",
            shell: "hostname {hostname}",
            vm: "A VM's hostname belongs to its own kernel.",
        },
        Step::MountPrivate => Narration {
            title: "make every mount private",
            syscall: "mount(NULL, \"/\", NULL, MS_REC|MS_PRIVATE, NULL)",
            why: "The new mount namespace starts as a copy of the host's, and by default mounts can \
                  propagate between them (shared subtrees). Private means: nothing mounted in here appears on \
                  the host, and nothing the host mounts later appears in here.",
            shell: "mount --make-rprivate /",
            vm: "A guest kernel has its own mount table from the start; the host's mounts never reach it.",
        },
        Step::BindRootfs => Narration {
            title: "bind-mount the rootfs onto itself",
            syscall: "mount(\"{rootfs}\", \"{rootfs}\", NULL, MS_BIND|MS_REC, NULL)",
            why: "pivot_root(2) needs the new root to be a mount point; a bind mount of a directory onto \
                  itself makes it one.",
            shell: "mount --rbind {rootfs} {rootfs}",
            vm: "A VM's root is a separate (virtual) disk, already a filesystem of its own.",
        },
        Step::MountProc => Narration {
            title: "mount a fresh /proc",
            syscall: "mount(\"proc\", \"{rootfs}/proc\", \"proc\", MS_NOSUID|MS_NOEXEC|MS_NODEV, NULL)",
            why: "A procfs shows the processes of the PID namespace it was mounted in: inside, `ps` lists \
                  only the container's processes, and the command is PID 1.",
            shell: "mount -t proc proc {rootfs}/proc",
            vm: "A guest kernel has its own /proc listing only the guest's processes.",
        },
        Step::MountSys => Narration {
            title: "mount /sys read-only",
            syscall: "mount(\"sysfs\", \"{rootfs}/sys\", \"sysfs\", MS_RDONLY|MS_NOSUID|MS_NOEXEC|MS_NODEV, NULL)",
            why: "Programs read /sys for device and kernel facts; read-only, they cannot change the host's \
                  kernel settings through it.",
            shell: "mount -t sysfs -o ro sysfs {rootfs}/sys",
            vm: "A guest's /sys describes its virtual hardware.",
        },
        Step::MountDev => Narration {
            title: "make a small /dev: {devices}",
            syscall: "mount(\"tmpfs\", \"{rootfs}/dev\", \"tmpfs\", …); mknod(…, S_IFCHR, …) for each; \
                      mount(\"devpts\", …, \"newinstance,ptmxmode=0666\")",
            why: "The host's /dev holds its disks and every other device. The container gets only harmless \
                  ones, its own pseudo-terminals (a new devpts instance) and its own /dev/shm.",
            shell: "mount -t tmpfs tmpfs {rootfs}/dev && mknod -m 666 {rootfs}/dev/null c 1 3 …",
            vm: "A VM sees only the virtual devices the hypervisor emulates.",
        },
        Step::MaskPaths => Narration {
            title: "hide what in /proc and /sys reaches the host's kernel",
            syscall: "mount(\"/dev/null\", \"/proc/kcore\", NULL, MS_BIND, NULL) …; \
                      mount(…, \"/proc/sys\", NULL, MS_BIND|MS_REMOUNT|MS_RDONLY, NULL) …",
            why: "Some of /proc still reaches the host kernel: /proc/kcore is its memory, /proc/sysrq-trigger \
                  can reboot it, /proc/sys tunes it. Like runc, dockling covers files such as /proc/kcore and \
                  /proc/keys with /dev/null, directories such as /proc/acpi with an empty tmpfs, and makes \
                  /proc/sys, /proc/sysrq-trigger, /proc/irq and /proc/bus read-only (those this kernel has).",
            shell: "mount --bind /dev/null {rootfs}/proc/kcore; mount -o bind,remount,ro {rootfs}/proc/sys",
            vm: "A guest's /proc/kcore is the guest's memory, not the host's.",
        },
        Step::PivotRoot => Narration {
            title: "switch the root to {rootfs} and detach the host's",
            syscall: "chdir(\"{rootfs}\"); pivot_root(\".\", \".\"); umount2(\".\", MNT_DETACH); chdir(\"/\")",
            why: "Unlike chroot, pivot_root changes the root of the whole mount namespace, and after the old \
                  root is unmounted no path leads back to the host's files: the chroot escape of lesson 1 \
                  ends at the container's own /.",
            shell: "cd {rootfs} && pivot_root . . && umount -l .",
            vm: "A VM never had the host's filesystem mounted in the first place.",
        },
        Step::Chroot => Narration {
            title: "make {rootfs} the process's root directory",
            syscall: "chroot(\"{rootfs}\")",
            why: "From now on every path that starts with / is looked up inside {rootfs}: its /bin/sh, its \
                  /etc. The kernel, the process table, the network and the mounts are still the host's; \
                  only path lookup changed (lesson 1 shows how root gets out).",
            shell: "chroot {rootfs} /bin/sh",
            vm: "A VM has its own virtual disk, with its own filesystem, that its own kernel mounts as /; \
                 the host's files are not reachable from inside at all.",
        },
        Step::Chdir => Narration {
            title: "change to the working directory {dir}",
            syscall: "chdir(\"{dir}\")",
            why: "chroot does not move the current directory: until it changes, it still points into the \
                  host's tree. Changing into a directory inside the new root closes that gap.",
            shell: "cd {dir}",
            vm: "The guest's init starts in the guest's own /; the host's directories do not exist there.",
        },
        Step::DropCaps => Narration {
            title: "drop all capabilities but {kept_count}",
            syscall: "prctl(PR_CAPBSET_DROP, cap) for every other capability; capset(effective, permitted: the \
                      {kept_count} kept; inheritable: none)",
            why: "The process is still uid 0, but root's powers are split into capabilities. Kept (docker's \
                  default set): {kept}. Gone, among others: CAP_SYS_ADMIN (mount), CAP_SYS_MODULE (load kernel \
                  code), CAP_NET_ADMIN, CAP_SYS_PTRACE. The inheritable set is emptied too (as docker since \
                  CVE-2022-24769), so no program's file capabilities can add to these at exec.",
            shell: "capsh --drop=cap_sys_admin,cap_sys_module,… --",
            vm: "Root in a VM is all-powerful, but only over the guest's kernel, which the hypervisor confines.",
        },
        Step::NoNewPrivs => Narration {
            title: "set no_new_privs",
            syscall: "prctl(PR_SET_NO_NEW_PRIVS, 1)",
            why: "From now on no execve can add privileges: setuid binaries and file capabilities no \
                  longer raise them.",
            shell: "setpriv --no-new-privs <command>",
            vm: "Not needed in a VM: the guest kernel is the boundary.",
        },
        Step::User => Narration {
            title: "become uid {uid}, gid {gid}",
            syscall: "setgroups([{gid}]); setgid({gid}); setuid({uid})",
            why: "--user: the command runs as this user, not as root. A setuid away from uid 0 also empties \
                  the effective and permitted capabilities, so the ones kept above are gone too: the process \
                  may touch only what the files' owners and modes allow uid {uid}. Which user a number means \
                  is the rootfs's /etc/passwd's business; the kernel knows only numbers.",
            shell: "setpriv --reuid={uid} --regid={gid} --groups={gid} <command>",
            vm: "A guest's users belong to the guest's kernel; uid {uid} in a VM has nothing to do with uid \
                 {uid} on the host.",
        },
        Step::Signals => Narration {
            title: "reset every signal to its default action",
            syscall: "rt_sigaction(N, SIG_DFL) for each signal; rt_sigprocmask(SIG_SETMASK, empty) just before \
                      execve",
            why: "execve resets the signals a process handles, but keeps the ignored ones and the mask. dockling, \
                  like every Rust program, ignores SIGPIPE and blocks the signals it waits for; a container that \
                  inherited that would not die of a write to a closed pipe, nor of Ctrl-C.",
            shell: "grep -E 'SigBlk|SigIgn' /proc/self/status   # both 0 inside",
            vm: "A guest's processes start from the guest's own init; nothing is inherited from the host.",
        },
        Step::Seccomp => Narration {
            title: "install docker's seccomp filter: {allowed} system calls allowed, the rest fail with EPERM",
            syscall: "seccomp(SECCOMP_SET_MODE_FILTER, 0, a program of {instructions} BPF instructions), {built}",
            why: "Capabilities decide what root may do with a system call; seccomp decides which calls may be \
                  made at all. keyctl (the kernel's keyrings are not namespaced: the host root's would be the \
                  container's), unshare of a user namespace (it hands back every capability), bpf, \
                  perf_event_open, userfaultfd, io_uring and module loading are refused, and clone with \
                  namespace flags. The filter is inherited by every child and can never be removed. \
                  `--security-opt seccomp=unconfined` leaves it out.",
            shell: "grep Seccomp /proc/self/status   # 2: a filter is installed",
            vm: "A VM needs no system call filter: the guest's calls go to the guest's own kernel; only the \
                 hypervisor's small device interface reaches the host.",
        },
        Step::Init => Narration {
            title: "start a minimal init as PID 1; the command becomes PID {command_pid}",
            syscall: "clone(SIGCHLD); then sigwait() and waitpid(-1, WNOHANG) in a loop",
            why: "PID 1 adopts every orphaned process in its namespace and must reap them, or they stay \
                  zombies. Most programs do not do that. The init passes signals on to the command and \
                  exits with its exit code.",
            shell: "docker run --init … (tini)",
            vm: "A VM boots a full init system (systemd) as PID 1.",
        },
        Step::Exec => Narration {
            title: "replace the child with {path}",
            syscall: "execve(\"{path}\", {argv}, [{env}])",
            why: "execve keeps the process (same pid, same root, same namespaces) and loads a new program \
                  into it. Your command is now the container's main process; dockling waits for it. The \
                  environment is a clean default, not the host's.",
            shell: "exec env -i {env_sh} {command}",
            vm: "A VM boots to an init system that starts many services; a container starts straight at \
                 your one program.",
        },
        Step::Forward => Narration {
            title: "pass {signal} on to the container",
            syscall: "kill({pid}, {signal})",
            why: "dockling received {signal} (Ctrl-C, `kill`, a shutdown). The container's process decides \
                  what to do with it; dockling keeps waiting so that it can clean up afterwards.",
            shell: "kill -s {signal} {pid}",
            vm: "A VM receives an ACPI power-button event, and its own kernel turns that into signals for \
                 its processes.",
        },
        Step::Escalate => Narration {
            title: "the container did not stop: SIGKILL",
            syscall: "kill({pid}, SIGKILL)",
            why: "Its main process did not exit within {grace} s of being asked to (or dockling was asked \
                  twice). A PID 1 without a handler ignores SIGTERM, so, like `docker stop`, dockling ends it \
                  with SIGKILL, which cannot be ignored.",
            shell: "kill -s KILL {pid}",
            vm: "A VM that ignores the ACPI power button is powered off hard by the hypervisor.",
        },
        Step::Exited => Narration {
            title: "the command exited with code {code}",
            syscall: "wait4({pid}) = exited({code})",
            why: "dockling exits with the same code, so `dockling … ; echo $?` works as it does with docker \
                  run.",
            shell: "echo $?",
            vm: "A VM keeps running when one program ends; a container lives exactly as long as its main \
                 process.",
        },
        Step::Signaled => Narration {
            title: "the command was killed by {signal}",
            syscall: "wait4({pid}) = killed by signal {number}",
            why: "A process killed by a signal has no exit code. Like a shell, and like docker, dockling \
                  exits with 128 + {number} = {code}.",
            shell: "echo $?   # {code}",
            vm: "A VM keeps running when one program dies; a container lives exactly as long as its main \
                 process.",
        },
        Step::CgroupUsage => Narration {
            title: "still running: memory {memory}, CPU {cpu_ms} ms so far",
            syscall: "read(\"{memory_file}\") = {memory_bytes}; read(\"{cpu_file}\"): {cpu_usec} µs of CPU",
            why: "The kernel accounts every page and every CPU microsecond to the cgroup as they are used; \
                  reading the files costs nothing.",
            shell: "cat {memory_file} {cpu_file}",
            vm: "From outside a VM you see only what the hypervisor gave it, not what the guest does with it.",
        },
        Step::CgroupReport => Narration {
            title: "what the container used",
            syscall: "peak memory = {memory_peak} bytes; OOM kills = {oom_kills}; CPU time = {cpu_usec} µs; \
                      periods = {nr_periods}; throttled periods = {nr_throttled}; throttled time = {throttled_usec} \
                      µs; forks refused = {pids_refused}",
            why: "Read from the cgroup's files (cgroup {version}) before it is removed: the peak memory, the OOM \
                  kills, the CPU time and how often the CPU limit throttled it, and the forks pids.max refused.",
            shell: "cat {files}",
            vm: "A VM's usage is seen from outside only as a whole (`virsh domstats`).",
        },
        Step::OomKilled => Narration {
            title: "killed: out of memory, limit {limit}",
            syscall: "{oom_file}: oom_kill {oom_kills}",
            why: "The command used all the memory its cgroup allows and the kernel's OOM killer ended it with \
                  SIGKILL, so the exit code is 128 + 9 = 137, as with docker.",
            shell: "dmesg | grep -i 'memory cgroup out of memory'",
            vm: "In a VM, the guest kernel's own OOM killer acts inside the guest, on the RAM the hypervisor gave the guest.",
        },
        Step::OverlayDiff => Narration {
            title: "what the container changed ({count}), like `docker diff`",
            syscall: "{changes}",
            why: "Read from the upper directory {upper}: A is a file that is new, C one that exists in a layer and \
                  was changed (copied up), D one that was deleted (a whiteout: a 0/0 character device). The layers \
                  below are untouched.",
            shell: "find {upper} -printf '%y %p\\n'",
            vm: "`virt-diff` lists the files that differ between two disk images (`qemu-img compare` \
                 only compares their blocks).",
        },
        Step::OverlayCommit => Narration {
            title: "saved the container's changes as a new layer: {dest}",
            syscall: "copy {upper} to {dest}, keeping whiteouts, opaque markers, modes and owners",
            why: "A layer is just a directory of changes. Stack it with --layer on the next run and the changes \
                  are there, read-only, for every container that uses it: this is how an image is built one layer \
                  at a time (a Dockerfile's steps).",
            shell: "cp -a {upper} {dest}",
            vm: "`qemu-img create -f qcow2 -b base.qcow2 -F qcow2 next.qcow2` stacks a new overlay on a \
                 disk (`qemu-img commit` would instead write the overlay into its backing file, changing \
                 the base).",
        },
        Step::OverlayKept => Narration {
            title: "kept the writable layer at {upper}",
            syscall: "",
            why: "With --keep the upper directory is not removed, so you can look at what the container wrote \
                  (including whiteouts: `ls -l` shows them as character devices 0, 0). Remove it yourself when done.",
            shell: "ls -laR {upper}",
            vm: "Keeping a VM's overlay disk after it shut down.",
        },
        Step::MonitorStart => Narration {
            title: "start a monitor for container {id} ({name}) and let it run the container",
            syscall: "fork(); setsid(); execve(\"/proc/self/exe\", [\"dockling\", \"__monitor\", …])",
            why: "A detached container outlives this command, so something else must wait for it, keep its \
                  output, record how it ended and undo what its run made: a small process of its own, the \
                  monitor, in a session of its own (no terminal, not a child of your shell). It runs the same \
                  engine as every stage and holds the container's lock while it lives; every other command \
                  (`ps`, `stop`, `logs`) is a short client. The container's output goes to {log}.",
            shell: "setsid dockling __monitor {id} &",
            vm: "A VM has the same: one hypervisor process per guest (qemu), started by a manager such as \
                 libvirt, which outlives the command that asked for the VM. docker's is containerd-shim, \
                 podman's conmon.",
        },
        Step::StopSignal => Narration {
            title: "send {signal} to the container's PID 1 (host pid {pid}), wait up to {timeout} s",
            syscall: "kill({pid}, {signal})",
            why: "`stop` asks first: the container's main process gets the image's stop signal and may clean up \
                  and exit. A PID 1 without a handler ignores SIGTERM (the kernel protects a namespace's init), \
                  so many containers only end at the next step. The restart policy does not apply after stop.",
            shell: "kill -s {signal} {pid}",
            vm: "`virsh shutdown` sends the guest an ACPI power-button press and waits for its OS to shut down.",
        },
        Step::StopKill => Narration {
            title: "still running after {timeout} s: SIGKILL to host pid {pid}",
            syscall: "kill({pid}, SIGKILL)",
            why: "SIGKILL cannot be caught or ignored, not even by a namespace's PID 1 when it comes from outside \
                  the namespace: the kernel ends the process, and with PID 1 every process of the container. \
                  That is why a stopped container often says Exited (137): 128 + 9.",
            shell: "kill -s KILL {pid}",
            vm: "`virsh destroy`: the hypervisor stops the guest's vCPUs at once, as pulling the plug.",
        },
        Step::Setns => Narration {
            title: "join the container's {ns} namespace",
            syscall: "setns(open(\"/proc/{pid}/ns/{ns}\"), {flag})",
            why: "A namespace lives as long as a process (or an open file) holds it, and /proc/PID/ns/ names the \
                  ones of each process. setns(2) moves the caller into one, so a new process can share the \
                  container's view without the container doing anything: this is all `exec` is.",
            shell: "nsenter {option} --target {pid}",
            vm: "A VM's guest kernel cannot be entered from outside: to run one more command in it you log in \
                 over the network (ssh) or ask an agent inside the guest (qemu-guest-agent's guest-exec).",
        },
        Step::JoinRoot => Narration {
            title: "take the container's root directory, then fork into its PID namespace",
            syscall: "fchdir(open(\"/proc/{pid}/root\", O_PATH)); chroot(\".\"); clone(CLONE_PARENT)",
            why: "/proc/PID/root is the process's root as the kernel holds it, whatever the host path of its \
                  files. Entering a PID namespace changes only where the caller's children go, so the joining \
                  process forks once more; the child gets the next free pid in the container, and is dockling's \
                  child so that dockling waits for it. It then drops the same capabilities and loads the same \
                  seccomp filter as the container's first process.",
            shell: "nsenter --root=/proc/{pid}/root --target {pid}",
            vm: "In a VM the command would start from the guest's own init or sshd, inside the guest kernel.",
        },
        Step::Freeze => Narration {
            title: "freeze every process of the container",
            syscall: "write(\"{file}\", \"{value}\")",
            why: "The cgroup freezer stops every task in the cgroup where it stands, without a signal the \
                  processes could see or catch: they keep their memory and open files and use no CPU. `ps` \
                  shows them in state D or S; the container's clock keeps going.",
            shell: "echo {value} > {file}",
            vm: "`virsh suspend`: the hypervisor stops scheduling the guest's vCPUs; its RAM stays allocated.",
        },
        Step::Thaw => Narration {
            title: "thaw the container's processes",
            syscall: "write(\"{file}\", \"{value}\")",
            why: "The same file, back to running: each process goes on from where it was stopped.",
            shell: "echo {value} > {file}",
            vm: "`virsh resume`: the vCPUs run again.",
        },
        Step::UndoCgroup => Narration {
            title: "remove cgroup {path}",
            syscall: "{kill}; rmdir(\"{path}\")",
            why: "A cgroup can only be removed when no process is in it; anything the container left running is \
                  killed first.",
            shell: "{by_hand}rmdir {path}",
            vm: "Stopping a VM frees its vCPUs and RAM.",
        },
        Step::UndoProcess => Narration {
            title: "stop process {pid}, left over from the run",
            syscall: "kill({pid}, SIGKILL)",
            why: "The container's process outlived the dockling that started it (dockling was killed). \
                  Left alone it would keep running unseen.",
            shell: "kill -s KILL {pid}",
            vm: "Powering a VM off stops everything inside it at once.",
        },
        Step::UndoDir => Narration {
            title: "remove {path}",
            syscall: "unlinkat(…) for each entry, then rmdir(\"{path}\")",
            why: "Undoing the journal newest entry first leaves the host as it was before the run; the \
                  run's own directory, which held the journal, goes last.",
            shell: "rm -r {path}",
            vm: "Deleting a VM removes its disk image and its configuration.",
        },
        Step::UndoLease => Narration {
            title: "give back the address {ip}, remove the container's rules; {link} goes with its namespace",
            syscall: "flock(lock); unlink(lease); netlink RTM_GETLINK {link}; iptables-restore --noflush (-D …) only for -p",
            why: "A veth pair lives as long as the network namespace holding one end: the container's last \
                  process has ended, so the kernel tears its namespace down in the background, {link} with it \
                  (deleting it here would wait 10-30 ms for the kernel's RCU grace periods; if something else \
                  holds the namespace open, the veth stays exactly as long as it does). The container's {ports} port mapping(s) \
                  end with it. The network's NAT and forwarding rules and its bridge {bridge} stay, for the \
                  next container, until `dockling network rm`, as docker0's do.",
            shell: "rm LEASE; iptables -t nat -D … for each port rule the container added",
            vm: "The DHCP lease of a deleted VM expires.",
        },
        Step::UndoPin => Narration {
            title: "unpin the image's layers: remove {path}",
            syscall: "unlink(\"{path}\")",
            why: "While the container ran, this locked file named its image's layers, so `dockling rmi` and \
                  `image prune` kept them (an overlay whose lower directory changes under it is undefined \
                  behaviour, and a deleted one empties the container's /bin). The container is gone; \
                  those layers are now the images' alone.",
            shell: "rm {path}",
            vm: "A hypervisor will not delete a disk image that a running VM has open.",
        },
        Step::PullResolve => Narration {
            title: "{input} means {reference}",
            syscall: "GET {origin}/v2/{repository}/manifests/{manifest_ref}",
            why: "A reference names a registry ({registry}), a repository in it ({repository}) and a tag or \
                  a digest. Like docker, a name without a registry means Docker Hub, and a single-word name \
                  means the `library/` repository of official images. A tag is a movable label; a digest \
                  names exact bytes.",
            shell: "skopeo inspect --raw docker://{reference}",
            vm: "Downloading a VM image starts from a URL too, but names one big file rather than parts.",
        },
        Step::PullRequest => Narration {
            title: "{method} {url} -> {status}",
            syscall: "{notes}",
            why: "The registry API is plain HTTP: manifests and blobs are GET requests. A 401 carries a \
                  WWW-Authenticate challenge that says where to get a token; a 307 sends a blob download \
                  elsewhere, and the Authorization header is not sent along to another host.",
            shell: "curl -si {url}",
            vm: "A VM image download is one HTTP GET of one file.",
        },
        Step::PullPlatform => Narration {
            title: "the index lists {count} image(s); taking {platform}",
            syscall: "manifest {digest}",
            why: "One tag can hold an image per platform (an OCI index, a docker manifest list). A \
                  container runs on the host's kernel and CPU, so it needs the {platform} image. (A VM can \
                  emulate another CPU; so can a container's programs, through binfmt_misc and qemu-user, \
                  much more slowly: `--platform linux/arm64` takes another platform's image.)",
            shell: "skopeo inspect --raw docker://{reference} | jq '.manifests[].platform'",
            vm: "A VM image is built for one CPU architecture as well.",
        },
        Step::PullPlatformKept => Narration {
            title: "kept {platform}: manifest {short}, {layers} layer(s), {size} bytes compressed, not unpacked",
            syscall: "GET /v2/…/manifests/{short}…, its config and layers → {store}/blobs/sha256/",
            why: "--all-platforms keeps the whole index: this platform's manifest, config and compressed \
                  layers go into the store as they came, each checked against its digest, but are not \
                  unpacked, because this machine's kernel and CPU run only its own platform's programs. \
                  They are kept so that a push sends the image whole, with the index's digest unchanged.",
            shell: "jq .layers {blob}",
            vm: "A VM image for another CPU would be a second file; a VM could emulate that CPU to run it.",
        },
        Step::PullManifest => Narration {
            title: "manifest {digest}: a config and {layers} layer(s), {size} bytes compressed",
            syscall: "sha256(manifest) == {digest}",
            why: "The manifest lists the image's parts by digest: the config (the default command, \
                  environment, and the diff_ids of the layers) and the layers, bottom first. Everything it \
                  names is checked against these digests as it arrives.",
            shell: "skopeo inspect --raw docker://{reference}",
            vm: "A VM disk image has no parts: it is one opaque file, checked (if at all) by one checksum.",
        },
        Step::PullLayer => Narration {
            title: "layer {n}/{of} {digest}: {size} bytes -> {files} files, {bytes} bytes unpacked",
            syscall: "GET …/blobs/{digest} | sha256 | gunzip | sha256 | unpack into {dir}",
            why: "One pass: the bytes are hashed as they arrive (the blob digest), decompressed, hashed again \
                  (the diff_id in the config) and unpacked entry by entry, never through a symlink or `..`. \
                  Whiteouts become overlayfs whiteouts. The directory is renamed into place only when both \
                  digests match, so a tampered or cut-off download leaves nothing.",
            shell: "curl -sL …/blobs/{digest} | tar -xz -C {dir}",
            vm: "A VM image is downloaded whole, then booted; two VMs share a base only when their disks \
                 are made as qcow2 overlays of one backing file (lesson 4).",
        },
        Step::PullLayerPresent => Narration {
            title: "layer {n}/{of} {digest}: already in the store",
            syscall: "stat(\"{dir}\")",
            why: "Layers are stored by digest and shared: an image built on the same base as one you have \
                  downloads only what differs.",
            shell: "ls {dir}",
            vm: "Two VM images downloaded from the same base are two whole files; sharing the base takes a \
                 qcow2 backing file, set up by hand (lesson 4).",
        },
        Step::PullLayerBlob => Narration {
            title: "layer {n}/{of} {digest}: unpacked already; kept its blob ({size} bytes)",
            syscall: "GET …/blobs/{digest} | sha256 | gunzip | sha256 > {blob} (nothing unpacked)",
            why: "Another image has a layer with the same content (diff_id) compressed differently, so the \
                  unpacked directory {dir} is shared. This image's manifest names this blob, and an OCI \
                  layout holds every blob its manifests name (skopeo and umoci read them), so it is \
                  downloaded and checked, not unpacked again.",
            shell: "curl -sL …/blobs/{digest} > {blob}",
            vm: "Two VM images downloaded from the same base are two whole files; sharing the base takes a \
                 qcow2 backing file, set up by hand (lesson 4).",
        },
        Step::PullTagged => Narration {
            title: "{reference} is image {id} ({layers} layer(s))",
            syscall: "write(\"{store}/index.json\")",
            why: "The store is an OCI image layout: index.json names each image, blobs/sha256 holds the \
                  manifest, config and layers by digest, so skopeo and umoci can read it too. The image id is \
                  the digest of its config.",
            shell: "skopeo inspect oci:{store}:{reference}",
            vm: "The downloaded disk image is saved under a name.",
        },
        Step::RunImage => Narration {
            title: "run {reference}: {layers} layer(s), command {command}",
            syscall: "lowerdir = the image's layers, top first; env, workdir and user from its config",
            why: "docker's rules: the command is the image's Entrypoint followed by the Cmd; arguments after \
                  the image name replace the Cmd, --entrypoint replaces the Entrypoint (and drops the Cmd); \
                  -e adds to or overrides the image's Env; -w overrides its WorkingDir.",
            shell: "the earlier stages' steps, with the layers as lowerdir",
            vm: "Booting a downloaded VM image runs whatever its init starts; there is no one command.",
        },
        Step::CompareInitramfs => Narration {
            title: "pack {rootfs} into an initramfs for the guest",
            syscall: "read every file of {rootfs}; write a cpio \"newc\" archive into memfd_create(\"{name}\") \
                      ({entries} entries, {size}), given to the VM as {path}",
            why: "A VM cannot open the host's directories: whatever the guest runs must reach its kernel. An \
                  initramfs is a cpio archive the kernel unpacks into a RAM filesystem at boot; this one holds \
                  the same busybox files the container gets, plus /dockling-init, the script both will run.",
            shell: "cd {rootfs} && find . | cpio -o -H newc > /tmp/initramfs.cpio",
            vm: "A real VM boots from a disk image with a whole distribution on it; an initramfs is the \
                 smallest thing a kernel can boot.",
        },
        Step::CompareBoot => Narration {
            title: "boot {kind}: {about}",
            syscall: "clone(); execve(\"{program}\", …) with {memory} of RAM; its serial console is a pipe, \
                      read here, each line timestamped as it arrives",
            why: "The guest kernel boots, unpacks the initramfs and runs /dockling-init as its PID 1. The \
                  script prints one line right before it runs your command and one when the command has \
                  ended: the time to the first line is the time to the command's first instruction.",
            shell: "{command}   # with a shell as the guest's init: type in it, `poweroff -f` ends it",
            vm: "This is the VM: {memory} of RAM given at boot, whether the guest uses it or not, and a \
                 kernel of its own.",
        },
        Step::CompareVmUnusable => Narration {
            title: "{kind} cannot run here: {problem}; {next}",
            syscall: "{detail}",
            why: "{cause}",
            shell: "{fix}",
            vm: "Which VM a machine can run depends on its CPU and on whether it is itself a VM: a cloud \
                 VM often has no usable nested KVM, and then only emulation (TCG) is left.",
        },
        Step::CompareContainer => Narration {
            title: "run the same script in a container (stage 5: namespaces, cgroup, overlay, network)",
            syscall: "clone(); execve(\"{program}\", …); its stdout is a pipe, read here, each line \
                      timestamped as it arrives; its --trace json gives the cgroup's peak memory",
            why: "The same busybox files and the same script, now as PID 1 of a container: dockling makes \
                  the namespaces, the cgroup, the overlay and the network of stages 1 to 5 and execs it. \
                  No kernel boots: the script's first line comes from one more process of the host's.",
            shell: "{command}",
            vm: "The VM above had to boot a kernel before its first line; the container's first line \
                 waits only for the setup steps.",
        },
        Step::CompareSaved => Narration {
            title: "keep these figures in {file}",
            syscall: "write(\"{file}.tmp\"); rename(\"{file}.tmp\", \"{file}\")",
            why: "The narration of every run can then quote what a VM took on this machine, measured, \
                  instead of claiming it.",
            shell: "cat {file}",
            vm: "The figures differ from machine to machine, most between hardware virtualisation (KVM) \
                 and emulation (TCG): run `dockling compare` again after changing either.",
        },
        Step::BuildFrom => Narration {
            title: "FROM {image}: start from its {layers} layer(s) and its config",
            syscall: "read(\"images/index.json\"); read(\"blobs/sha256/MANIFEST\"); read(\"blobs/sha256/CONFIG\")",
            why: "A build never starts from nothing: the new image is the base image plus layers on top. Its \
                  config (Env, Cmd, WorkingDir …) is the starting point that later instructions change.",
            shell: "skopeo inspect --config oci:/var/lib/dockling/images:{image}",
            vm: "Cloning a template VM disk before installing more on it.",
        },
        Step::BuildConfig => Narration {
            title: "{instruction}: changes the config ({field}), no layer",
            syscall: "config[\"config\"][\"{field}\"] = …; config[\"history\"] += {\"empty_layer\": true}",
            why: "ENV, CMD, ENTRYPOINT, USER, EXPOSE, LABEL and ARG change no file: they only change the \
                  settings `run` starts the container with. No layer is made, but the history keeps a line \
                  for it, which `dockling image history` shows with size 0B.",
            shell: "jq '.config' config.json",
            vm: "Changing a VM's settings (its boot command line) without touching its disk.",
        },
        Step::BuildLayer => Narration {
            title: "{instruction}: layer {layer}",
            syscall: "RUN: clone(); mount(\"overlay\", …); execve(\"/bin/sh\", [\"-c\", …]); COPY/ADD: read(CONTEXT/…); \
                      write(\"blobs/sha256/DIGEST\"); mkdir(\"layers/DIFF_ID\")",
            why: "Each RUN, COPY, ADD makes one layer: the files it changed, as a tar. A layer is named by the \
                  sha256 of its tar (the diff_id), and a step whose key (the step before + the instruction + \
                  the files it copies) is already in the cache reuses its layer instead of running again.",
            shell: "tar -C upper -cf - . | gzip > layer.tar.gz; sha256sum layer.tar.gz",
            vm: "Installing on a VM disk and snapshotting it after each step (qemu-img create -b …).",
        },
        Step::BuildCached => Narration {
            title: "{instruction}: layer {layer} again, from the cache (nothing ran)",
            syscall: "read(\"/var/lib/dockling/build-cache/KEY\") -> the layer's blob and diff_id; no clone(), no write()",
            why: "The step's key is the step before it, the instruction after substitution and a digest of \
                  every file it copies. All three are as they were in an earlier build, so this step would \
                  make the same files: the layer made then is this step's layer. Change one copied file, \
                  and that step and every step after it run again, because each key includes the one before.",
            shell: "ls /var/lib/dockling/build-cache/",
            vm: "Reverting a VM to the snapshot taken after this step last time, instead of installing again.",
        },
        Step::BuildImage => Narration {
            title: "image {id}: {layers} layer(s), named {reference}",
            syscall: "write(\"blobs/sha256/CONFIG\"); write(\"blobs/sha256/MANIFEST\"); rename(\"index.json.tmp\", \"images/index.json\")",
            why: "The image is only JSON that points at blobs: a manifest listing the config and the layers \
                  by digest. Building it wrote no more than the new layers and these two small files.",
            shell: "cat /var/lib/dockling/images/index.json",
            vm: "Saving the finished VM disk under a name.",
        },
        Step::CommitLayer => Narration {
            title: "commit {container}: its upper dir ({entries} entries) becomes layer {layer}",
            syscall: "readdir(\"{upper}\") …; mknod(0/0) -> \".wh.NAME\"; \"trusted.overlay.opaque\" -> \".wh..wh..opq\"; write(\"blobs/sha256/DIGEST\")",
            why: "A container's changes are all in the upper directory of its overlay. The image spec writes \
                  deletions as empty .wh. files, overlayfs as 0/0 character devices: commit translates one \
                  into the other, adds the tar as a layer on top of the container's image, and writes a new \
                  config and manifest.",
            shell: "find {upper} -printf '%y %p\\n'",
            vm: "Saving a VM's overlay disk as a new backing image.",
        },
        Step::BundleRootfs => Narration {
            title: "flatten {layers} layer(s) into {rootfs}",
            syscall: "unshare(CLONE_NEWNS); mount(\"overlay\", TMP, \"overlay\", MS_RDONLY, \"lowerdir={lowerdir}\"); cp -a TMP/. {rootfs}",
            why: "This is what dockling did, in the words every runtime understands. A runtime takes one \
                  directory as the container's root, not a stack of layers: the engine above it (docker, \
                  podman, containerd) stacks the layers. Here the kernel stacks them once more, read-only, in \
                  a mount namespace of this process's own (so the mount vanishes with it), and the merged \
                  view is copied: whiteouts are applied, the topmost copy of each file wins.",
            shell: "mount -t overlay overlay -o ro,lowerdir={lowerdir} /mnt && cp -a /mnt/. {rootfs}",
            vm: "A VM's disk image is already one flat file system: a qcow2 chain is flattened with \
                 `qemu-img convert`.",
        },
        Step::BundleProcess => Narration {
            title: "process: {args} as uid {uid} gid {gid} in {cwd}, {caps} capabilities in the bounding set",
            syscall: "",
            why: "This is what dockling did, in the words every runtime understands: `process` is the \
                  argv, environment, working directory and user that dockling's child passes to execve, and \
                  the five capability sets as dockling leaves them (bounding, effective and permitted the \
                  kept set, {effective} of them effective after the change of user; inheritable and \
                  ambient empty), with noNewPrivileges {no_new_privs}.",
            shell: "jq .process config.json",
            vm: "A VM has no such list: its guest kernel starts init as root with every power inside the guest.",
        },
        Step::BundleLinux => Narration {
            title: "linux: namespaces {namespaces}; cgroup limits; {syscalls} system calls allowed by seccomp",
            syscall: "",
            why: "This is what dockling did, in the words every runtime understands: the namespaces it \
                  clones, the cgroup limits it writes (resources: {resources}), docker's default seccomp \
                  profile from the same tables dockling compiles to BPF, and the {masked} masked and \
                  {read_only} read-only paths of /proc and /sys. The network is not here: a runtime makes an \
                  empty network namespace, and the engine above it wires it (docker's libnetwork, podman's \
                  netavark, CNI).",
            shell: "jq .linux config.json",
            vm: "A VM's limits are the hypervisor's flags (-m, -smp) and its devices the ones it emulates.",
        },
        Step::BundleWritten => Narration {
            title: "wrote {config}: run it with `runc run -b {dir} ID`",
            syscall: "write(\"{config}\")",
            why: "A bundle is the OCI runtime-spec's unit: config.json and rootfs/. runc, crun and youki all \
                  take it; docker and podman write one for every container they start and hand it to such a \
                  runtime.",
            shell: "runc --root /tmp/runc run -b {dir} mycontainer",
            vm: "The nearest thing for a VM is a libvirt domain XML beside its disk image.",
        },
        Step::RootfsBuilt => Narration {
            title: "built a root filesystem in {path} from this host's {source}",
            syscall: "copy {programs} programs and {libraries} shared libraries; write /etc/passwd, \
                      /etc/group, /etc/hostname, /etc/hosts, /etc/resolv.conf, /etc/os-release",
            why: "A root filesystem is only a directory tree: programs (BusyBox is one binary that acts as \
                  sh, ls, ps and hundreds more), the shared libraries they load, and a few files in /etc.",
            shell: "rootfs-fetch host {path}",
            vm: "A VM needs a whole disk image: a partition table, a boot loader and a kernel besides \
                 these files.",
        },
        Step::RootfsDownloaded => Narration {
            title: "downloaded Alpine {version} ({arch}) into {path}",
            syscall: "GET {url}; sha256 = {sha256} (matches the pinned value); untar entry by entry",
            why: "Alpine's minirootfs is the same tree the `alpine` image on Docker Hub holds. Its checksum \
                  was verified while it streamed, before anything was kept.",
            shell: "curl -LO {url} && sha256sum -c && tar -xzf alpine-minirootfs-*.tar.gz -C {path}",
            vm: "A VM downloads an installer ISO or a cloud disk image of hundreds of MB.",
        },
        Step::Summary => Narration {
            title: "your command started {started} after dockling did; all it made was gone at {total}",
            syscall: "",
            why: "",
            shell: "",
            vm: "{vm_line}",
        },
        Step::RootfsFromImage => Narration {
            title: "unpacked {reference} ({layers} layer(s), {files} entries) into {path}",
            syscall: "GET …/manifests/…, GET …/blobs/… for each layer; verify; untar each layer on top of the last",
            why: "An image is a rootfs in layers. Applied one after another into one directory, with each \
                  whiteout deleting what it names, they give the same tree a container of that image sees, \
                  as a plain directory for the earlier stages' --rootfs.",
            shell: "skopeo copy docker://{reference} oci:img && umoci unpack --image img bundle && mv bundle/rootfs {path}",
            vm: "A VM downloads an installer ISO or a cloud disk image of hundreds of MB.",
        },
        Step::PushRequest => Narration {
            title: "{method} {url} -> {status}",
            syscall: "{notes}",
            why: "Pushing is the registry API's write side, plain HTTP too: HEAD asks whether a blob is \
                  there, POST opens an upload (or mounts a blob from another repository), PATCH sends a \
                  chunk, PUT with ?digest= closes the upload, and PUT of the manifest names the image. A \
                  401 carries the challenge; a push needs a token for `pull,push` on the repository.",
            shell: "curl -si -X {method} {url}",
            vm: "Publishing a VM image is one upload of one big file.",
        },
        Step::PushBlob => Narration {
            title: "blob {n}/{of} {digest}: {outcome}",
            syscall: "{how}",
            why: "A blob is named by its digest, so the registry can tell what it already has: HEAD first, \
                  and nothing is sent for a blob it has (\"Layer already exists\"). A blob it holds in another \
                  repository is mounted: linked, not copied. Only the rest is uploaded, and the registry \
                  checks its digest before keeping it.",
            shell: "skopeo copy oci:{store}:{reference} docker://{target}",
            vm: "A VM disk image has no parts to share: every upload sends the whole disk again.",
        },
        Step::PushManifest => Narration {
            title: "{tag}: manifest {digest} ({size} bytes) named {target}",
            syscall: "PUT /v2/{repository}/manifests/{tag}",
            why: "The manifest goes last: the registry refuses one that names a blob it lacks, so when the \
                  tag appears, everything it needs is there. Its digest is that of its bytes: the same \
                  image pushed anywhere has the same digest.",
            shell: "skopeo inspect docker://{target}",
            vm: "A VM image is published under a file name; nothing checks that the name and the bytes agree.",
        },
        Step::PushIndex => Narration {
            title: "{tag}: index {digest} of {count} platform(s) named {target}",
            syscall: "PUT /v2/{repository}/manifests/{tag}",
            why: "The image was pulled whole, so every platform's manifest went first, each by its digest, \
                  and now the index that lists them is put by tag: byte for byte as it was pulled, so its \
                  digest is the same here as at the registry it came from. A machine that pulls the tag \
                  still takes only its own platform's image.",
            shell: "skopeo inspect --raw docker://{target} | jq '.manifests[].platform'",
            vm: "A VM image for another CPU is another file; nothing ties the files of one release together.",
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_step_has_a_title_why_shell_and_vm() {
        for &step in Step::ALL {
            let n = english(step);
            for (what, text) in [
                ("title", n.title),
                ("why", n.why),
                ("shell", n.shell),
                ("vm", n.vm),
            ] {
                // The summary is its title and the VM's figures.
                if step == Step::Summary && matches!(what, "why" | "shell") {
                    continue;
                }
                assert!(!text.trim().is_empty(), "{step:?} has no {what}");
            }
        }
    }

    /// Samples of `step`'s event: every field set, then each value
    /// render() chooses a text by (a stage, a cgroup version, a problem
    /// …), so that every text it may choose is filled.
    fn samples(step: Step) -> Vec<Event> {
        let base = Event::sample(step);
        let mut out = vec![base.clone()];
        let mut vary = |f: &dyn Fn(&mut Event)| {
            let mut e = base.clone();
            f(&mut e);
            out.push(e);
        };
        let stages = [
            "chroot",
            "namespaces",
            "cgroups",
            "overlay",
            "network",
            "run",
        ];
        for s in stages {
            for m in [true, false] {
                vary(&|e| match e {
                    Event::Start {
                        stage, mount_ns, ..
                    } => (*stage, *mount_ns) = (s.into(), m),
                    Event::Summary { stage, vm_kind, .. } => {
                        *stage = s.into();
                        if !m {
                            *vm_kind = None;
                        }
                    }
                    _ => {}
                });
            }
        }
        for v in ["v1", "v2"] {
            vary(&|e| {
                if let Event::Devices { version, .. } = e {
                    *version = v.into();
                }
            });
        }
        for (kill, parent) in [(Some(true), None), (Some(false), None), (None, Some(true))] {
            vary(&|e| {
                if let Event::UndoCgroup {
                    cgroup_kill,
                    parent: p,
                    ..
                } = e
                {
                    (*cgroup_kill, *p) = (kill, parent);
                }
            });
        }
        for flags in ["", " --pid"] {
            vary(&|e| {
                if let Event::Clone { unshare_flags, .. } = e {
                    *unshare_flags = flags.into();
                }
            });
        }
        for kind in ["uml", "kvm", "tcg"] {
            for problem in ["missing", "no_kvm", "hung", "hung_before", "crashed"] {
                for next in [Some("tcg"), None] {
                    vary(&|e| match e {
                        Event::CompareVmUnusable {
                            kind_id,
                            problem_id,
                            next_id,
                            ..
                        } => {
                            *kind_id = kind.into();
                            *problem_id = problem.into();
                            *next_id = next.map(str::to_string);
                        }
                        Event::CompareBoot { kind_id, .. } => *kind_id = kind.into(),
                        _ => {}
                    });
                }
            }
        }
        out
    }

    #[test]
    fn every_placeholder_of_every_step_is_filled_from_its_typed_event() {
        for &step in Step::ALL {
            for event in samples(step) {
                for lang in [Lang::En, Lang::Ko] {
                    let r = render_in(&event, lang);
                    for text in [r.title, r.syscall, r.why, r.shell, r.vm] {
                        assert!(
                            placeholders(&text).is_empty(),
                            "{step:?} ({lang:?}) names a field its event lacks: {text}\n{event:?}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn shell_quote_keeps_plain_words_and_quotes_the_rest() {
        assert_eq!(shell_quote("/etc/os-release"), "/etc/os-release");
        assert_eq!(shell_quote("PATH=/bin:/sbin"), "PATH=/bin:/sbin");
        assert_eq!(shell_quote(""), "''");
        assert_eq!(shell_quote("ls /; echo $$"), "'ls /; echo $$'");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
        assert_eq!(
            shell_join(&["sh", "-c", "echo \"a  b\" > /x"]),
            r#"sh -c 'echo "a  b" > /x'"#
        );
    }

    #[test]
    fn by_hand_lines_quote_the_command_and_follow_the_namespaces() {
        let words = |w: &[&str]| w.iter().map(|w| w.to_string()).collect::<Vec<_>>();
        let start = |mount: bool, ns: &[&str], flags: &str| {
            render(&Event::Start {
                stage: "namespaces".into(),
                stage_n: 2,
                rootfs: "/r".into(),
                command: "sh -c ls /; echo $$".into(),
                args: words(&["sh", "-c", "ls /; echo $$"]),
                unshare_flags: flags.into(),
                namespaces: words(ns),
                mount_ns: mount,
            })
        };
        let full = start(
            true,
            &["pid", "mnt", "uts", "ipc"],
            " --pid --mount --uts --ipc",
        );
        assert_eq!(
            full.shell,
            "sudo unshare --pid --mount --uts --ipc --fork --root=/r --mount-proc sh -c 'ls /; echo $$'"
        );
        assert!(full.why.contains("pivot_root"), "{}", full.why);
        let some = start(false, &["pid", "uts"], " --pid --uts");
        assert_eq!(
            some.shell,
            "sudo unshare --pid --uts --fork --root=/r sh -c 'ls /; echo $$'"
        );
        assert!(some.why.contains("only pid, uts (--ns)"), "{}", some.why);
        assert!(!some.why.contains("IPC"), "{}", some.why);
        let exec = render(&Event::Exec {
            path: "/bin/sh".into(),
            argv: "".into(),
            env: "".into(),
            env_list: words(&["GREETING=hello world", "HOME=/root"]),
            command: "".into(),
            args: words(&["sh", "-c", "echo $GREETING"]),
        });
        assert_eq!(
            exec.shell,
            "exec env -i 'GREETING=hello world' HOME=/root sh -c 'echo $GREETING'"
        );
    }

    #[test]
    fn compares_legend_has_both_languages_with_the_same_placeholders() {
        assert_eq!(COMPARE_LEGEND.len(), COMPARE_LEGEND_KO.len());
        for (en, ko) in COMPARE_LEGEND.iter().zip(COMPARE_LEGEND_KO) {
            let (mut a, mut b) = (placeholders(en), placeholders(ko));
            a.sort();
            b.sort();
            assert_eq!(a, b, "{ko}");
            assert!(super::super::lang::has_hangul(ko));
        }
    }

    #[test]
    fn every_word_has_both_languages() {
        for (key, en, ko) in WORDS {
            assert!(!en.is_empty(), "{key}");
            assert!(
                super::super::lang::has_hangul(ko) || ko == en || key.starts_with("layout_"),
                "{key}: {ko}"
            );
        }
    }

    #[test]
    fn fill_leaves_unknown_names_and_braces_alone() {
        let e = Fields {
            step: Step::Chroot,
            fields: BTreeMap::new(),
        }
        .with("rootfs", "/r")
        .with("n", 3);
        assert_eq!(
            fill("chroot(\"{rootfs}\") {n} {missing} {a b}", &e),
            "chroot(\"/r\") 3 {missing} {a b}"
        );
    }
}
