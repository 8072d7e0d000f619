//! The typed record of one thing the engine did.
//!
//! [`events!`] lists every step once, with the values it involves and
//! their types; from that list come [`Step`] (the ids, [`Step::ALL`]) and
//! [`Event`], one variant per step with its fields, so that a field that
//! is misspelt, missing or of the wrong type is a compile error where the
//! mechanism emits it. A field that only some runs have is an `Option`,
//! absent when `None`. Renderers read the fields by name
//! ([`Event::fields`], [`Event::field`]), as the catalog's `{key}`
//! templates name them; on the wire (the pipe from the container's
//! process, the monitor's socket) an event is that map:
//! `{"step": "chroot", "fields": {"rootfs": "/r"}}`.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

/// One namespace's inode number on the host and in the container
/// (`namespaces`' `ns_ids`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NsId {
    pub ns: String,
    pub host: String,
    pub container: String,
    /// A namespace of the container's own, not the host's shared.
    pub new: bool,
}

/// A type an event's field can have: how it goes into the map the
/// renderers read (an `Option` only when it is `Some`) and comes back.
pub trait Field: Sized {
    fn put(&self, key: &str, map: &mut BTreeMap<String, Value>);
    fn take(map: &mut BTreeMap<String, Value>, key: &str) -> Result<Self, String>;
    /// A value for tests, never empty.
    #[cfg(test)]
    fn sample() -> Self;
}

macro_rules! field_types {
    ($($ty:ty => $sample:expr),* $(,)?) => {$(
        impl Field for $ty {
            fn put(&self, key: &str, map: &mut BTreeMap<String, Value>) {
                map.insert(key.to_string(), serde_json::to_value(self).unwrap_or(Value::Null));
            }
            fn take(map: &mut BTreeMap<String, Value>, key: &str) -> Result<Self, String> {
                let v = map.remove(key).ok_or_else(|| format!("no field {key}"))?;
                serde_json::from_value(v).map_err(|e| format!("field {key}: {e}"))
            }
            #[cfg(test)]
            fn sample() -> Self {
                $sample
            }
        }
        impl Field for Option<$ty> {
            fn put(&self, key: &str, map: &mut BTreeMap<String, Value>) {
                if let Some(v) = self {
                    v.put(key, map);
                }
            }
            fn take(map: &mut BTreeMap<String, Value>, key: &str) -> Result<Self, String> {
                match map.contains_key(key) {
                    true => <$ty>::take(map, key).map(Some),
                    false => Ok(None),
                }
            }
            #[cfg(test)]
            fn sample() -> Self {
                Some($sample)
            }
        }
    )*};
}

field_types! {
    String => "X".to_string(),
    bool => true,
    u8 => 1,
    u16 => 1,
    u32 => 1,
    u64 => 1,
    usize => 1,
    i32 => 1,
    i64 => 1,
    Vec<String> => vec!["X".to_string()],
    Vec<NsId> => vec![NsId {
        ns: "pid".into(),
        host: "pid:[1]".into(),
        container: "pid:[2]".into(),
        new: true,
    }],
}

/// Defines [`Step`] and [`Event`] from one list: `Name { field: Type, … }`.
macro_rules! events {
    ($($(#[$meta:meta])* $name:ident { $($field:ident: $ty:ty),* $(,)? }),* $(,)?) => {
        /// Every step dockling can narrate. The catalog has text for each one.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum Step {
            $($(#[$meta])* $name,)*
        }

        impl Step {
            pub const ALL: &'static [Step] = &[$(Step::$name),*];
        }

        /// One step and the values it involved, e.g. `chroot` with `rootfs`.
        #[derive(Debug, Clone, PartialEq)]
        pub enum Event {
            $($(#[$meta])* $name { $($field: $ty),* },)*
        }

        impl Event {
            /// Which step this is.
            pub fn step(&self) -> Step {
                match self {
                    $(Event::$name { .. } => Step::$name,)*
                }
            }

            /// The fields by name, as the catalog's templates name them
            /// (`{key}`) and `--trace json` prints them.
            pub fn fields(&self) -> BTreeMap<String, Value> {
                let mut map = BTreeMap::new();
                match self {
                    $(Event::$name { $($field),* } => {
                        $(Field::put($field, stringify!($field), &mut map);)*
                    })*
                }
                map
            }

            /// The event of `step` with these fields; an error names a
            /// field missing, of the wrong type, or not the step's.
            pub fn from_fields(
                step: Step,
                mut map: BTreeMap<String, Value>,
            ) -> Result<Event, String> {
                let event = match step {
                    $(Step::$name => Event::$name {
                        $($field: Field::take(&mut map, stringify!($field))
                            .map_err(|e| format!("{}: {e}", step.id()))?,)*
                    },)*
                };
                match map.keys().next() {
                    Some(k) => Err(format!("{}: no field {k}", step.id())),
                    None => Ok(event),
                }
            }

            /// An event of `step` with every field set, `Option`s too.
            #[cfg(test)]
            pub fn sample(step: Step) -> Event {
                match step {
                    $(Step::$name => Event::$name { $($field: Field::sample()),* },)*
                }
            }
        }
    };
}

events! {
    // The run as a whole.
    Start {
        stage: String,
        stage_n: u8,
        rootfs: String,
        command: String,
        args: Vec<String>,
        unshare_flags: String,
        namespaces: Vec<String>,
        mount_ns: bool,
    },
    Journal { dir: String },
    Clone {
        flags: String,
        pid: i32,
        new_namespaces: Vec<String>,
        unshare_flags: String,
    },
    // The host side, before the child runs.
    Cgroup { version: String, layout_id: String, dir: String },
    CgroupWrite { file: String, name: String, value: String },
    Devices {
        version: String,
        count: usize,
        rules: String,
        dir: String,
        // v2's: the device program's length.
        instructions: Option<usize>,
    },
    NoDeviceCgroup {},
    OverlayDirs {
        dir: String,
        layers: usize,
        bottom: String,
        layer_paths: Vec<String>,
    },
    NetSubnetMoved { network: String, old: String, subnet: String },
    NetBridge {
        bridge: String,
        network: String,
        alias: String,
        gateway: String,
        prefix: u8,
        mtu: u32,
    },
    NetBridgeShared { bridge: String, others: usize },
    NetNat {
        subnet: String,
        bridge: String,
        forwarding_was_on: bool,
        policy: String,
        rules: String,
    },
    NetNatKept { subnet: String, bridge: String, record: String },
    NetLease { ip: String, network: String, subnet: String, lease: String },
    NetFiles {
        dir: String,
        names: String,
        ip: String,
        servers: String,
        source: String,
        extra: usize,
    },
    NetPeers { network: String, hosts: String, others: usize, names: String },
    NetVeth { host: String, inside: String, pid: i32, mtu: u32 },
    NetPlug { host: String, bridge: String },
    NetLoopback { pid: i32 },
    NetAddress { pid: i32, inside: String, ip: String, prefix: u8, gateway: String },
    NetPort {
        map: String,
        host_port: u16,
        proto: String,
        listen: String,
        target: String,
        rules: String,
    },
    NetConnect {
        network: String,
        bridge: String,
        host: String,
        inside: String,
        pid: i32,
        ip: String,
        prefix: u8,
        mtu: u32,
    },
    NetDisconnect { network: String, ip: String, host: String, inside: String },
    // Inside the child, before exec.
    Namespaces { pid: i32, ns_ids: Vec<NsId> },
    CloseFds {},
    Session { sid: i32 },
    Hostname { hostname: String },
    MountPrivate {},
    MountOverlay { dir: String, merged: String, options: String },
    BindRootfs { rootfs: String },
    MountProc { rootfs: String },
    MountSys { rootfs: String },
    MountDev { rootfs: String, devices: String },
    MaskPaths { rootfs: String, masked: usize, read_only: usize },
    BindFiles {
        targets: String,
        dir: String,
        rootfs: String,
        first_source: String,
        first_target: String,
    },
    Terminal { pts: String, fd: i32 },
    PivotRoot { rootfs: String },
    Chroot { rootfs: String },
    Chdir { dir: String },
    DropCaps { kept: String, kept_count: usize, dropped: usize },
    NoNewPrivs {},
    User { uid: u32, gid: u32 },
    Signals { ignored: usize },
    Seccomp { instructions: usize, allowed: usize, prebuilt: bool },
    Init { command_pid: i32 },
    Exec {
        path: String,
        argv: String,
        env: String,
        env_list: Vec<String>,
        command: String,
        args: Vec<String>,
    },
    // After the command.
    Forward { signal: String, pid: i32 },
    Escalate { pid: i32, grace: u64 },
    Exited { pid: i32, code: i32 },
    Signaled { signal: String, number: i32, pid: i32, code: i32 },
    CgroupUsage {
        dir: String,
        version: String,
        memory_file: String,
        cpu_file: String,
        memory: String,
        memory_bytes: u64,
        cpu_ms: u64,
        cpu_usec: u64,
    },
    CgroupReport {
        dir: String,
        version: String,
        files: String,
        memory_peak: u64,
        oom_kills: u64,
        cpu_usec: u64,
        nr_periods: u64,
        nr_throttled: u64,
        throttled_usec: u64,
        pids_refused: u64,
    },
    OomKilled { limit: String, oom_file: String, oom_kills: u64 },
    OverlayDiff { change_list: Vec<String>, count: usize, upper: String },
    OverlayCommit { dest: String, upper: String },
    OverlayKept { upper: String },
    // Stage 7: containers with a life of their own.
    MonitorStart { id: String, name: String, log: String },
    StopSignal { signal: String, pid: i32, timeout: u64 },
    StopKill { pid: i32, timeout: u64 },
    Setns { ns: String, flag: String, option: String, pid: i32 },
    JoinRoot { pid: i32 },
    Freeze { file: String, value: String },
    Thaw { file: String, value: String },
    // The run as a whole, once it is over.
    Summary {
        stage: String,
        args: Vec<String>,
        // What `dockling compare` measured, when it has run here.
        vm_kind: Option<String>,
        vm_boot_ms: Option<u64>,
        vm_memory_bytes: Option<u64>,
        // Set by the text renderer, which keeps the times: when the
        // command started and when all was gone, since dockling started.
        started: Option<String>,
        total: Option<String>,
    },
    // Undoing the journal.
    UndoProcess { pid: i32 },
    UndoCgroup {
        path: String,
        // Whether the kernel has cgroup.kill here; none for the parent.
        cgroup_kill: Option<bool>,
        // The shared parent of the containers' cgroups.
        parent: Option<bool>,
    },
    UndoDir { path: String },
    UndoLease { ip: String, bridge: String, ports: usize, link: String },
    UndoPin { path: String },
    // `dockling rootfs fetch`.
    RootfsBuilt { path: String, source: String, programs: usize, libraries: usize },
    RootfsDownloaded {
        path: String,
        version: String,
        arch: String,
        url: String,
        sha256: String,
    },
    RootfsFromImage { path: String, reference: String, layers: usize, files: u64 },
    // `dockling pull` and `dockling run`.
    PullResolve {
        input: String,
        reference: String,
        registry: String,
        repository: String,
        manifest_ref: String,
        origin: String,
    },
    PullRequest { method: String, url: String, status: u16, notes: String },
    PullPlatform { count: usize, platform: String, digest: String, reference: String },
    PullManifest { digest: String, layers: usize, size: u64, reference: String },
    PullLayer {
        n: usize,
        of: usize,
        digest: String,
        size: u64,
        files: u64,
        bytes: u64,
        dir: String,
    },
    PullLayerPresent { n: usize, of: usize, digest: String, dir: String, bytes: u64 },
    PullLayerBlob {
        n: usize,
        of: usize,
        digest: String,
        size: u64,
        dir: String,
        blob: String,
    },
    PullTagged { reference: String, id: String, layers: usize, store: String },
    PullPlatformKept {
        platform: String,
        digest: String,
        short: String,
        blob: String,
        layers: usize,
        size: u64,
        store: String,
    },
    RunImage { reference: String, layers: usize, command: String },
    // `dockling compare`: a measured VM beside a container.
    CompareInitramfs {
        rootfs: String,
        name: String,
        entries: usize,
        size: String,
        path: String,
    },
    CompareBoot {
        kind_id: String,
        program: String,
        memory: String,
        argv: Vec<String>,
        args: Vec<String>,
    },
    CompareVmUnusable {
        kind_id: String,
        // missing, no_kvm, hung_before, hung, crashed.
        problem_id: String,
        program: String,
        package: String,
        next_id: Option<String>,
        detail: String,
        // Each problem's own: no_kvm's error, hung_before's file, hung's
        // seconds, crashed's status and last line; hung's and crashed's
        // command.
        error: Option<String>,
        file: Option<String>,
        seconds: Option<u64>,
        status: Option<String>,
        last: Option<String>,
        command: Option<String>,
    },
    CompareContainer { program: String, args: Vec<String> },
    CompareSaved { file: String },
    // `dockling push`.
    PushRequest { method: String, url: String, status: u16, notes: String },
    PushBlob {
        n: usize,
        of: usize,
        digest: String,
        outcome: String,
        how: String,
        store: String,
        reference: String,
        target: String,
    },
    PushManifest {
        tag: String,
        digest: String,
        size: usize,
        repository: String,
        target: String,
    },
    PushIndex {
        tag: String,
        digest: String,
        count: usize,
        size: usize,
        repository: String,
        target: String,
    },
    // `dockling build` and `commit`: images made here.
    BuildFrom { image: String, layers: usize },
    BuildConfig { instruction: String, field: String },
    BuildLayer { instruction: String, layer: String },
    BuildCached { instruction: String, layer: String },
    BuildImage { id: String, layers: usize, reference: String },
    CommitLayer { container: String, entries: usize, layer: String, upper: String },
    // `dockling bundle`: what dockling did, as an OCI runtime bundle.
    BundleRootfs { rootfs: String, layers: usize, lowerdir: String },
    BundleProcess {
        args: String,
        uid: u64,
        gid: u64,
        cwd: String,
        caps: usize,
        effective: usize,
        no_new_privs: bool,
    },
    BundleLinux {
        namespaces: String,
        resources: String,
        syscalls: usize,
        masked: usize,
        read_only: usize,
    },
    BundleWritten { config: String, dir: String },
}

impl Step {
    /// The stage whose lesson introduces this step: 1 chroot, 2
    /// namespaces, 3 cgroups, 4 overlay, 5 network, 6 images, 7 containers
    /// with a life of their own; 0 for the steps every stage has in full
    /// (how the run starts and ends). The default narration shows a
    /// step in full when it belongs to the stage being run, else as one
    /// line: what an earlier lesson explained is not explained again.
    pub fn stage(self) -> u8 {
        use Step::*;
        match self {
            // compare is no stage: its steps are always told in full.
            Start | Summary | CompareInitramfs | CompareBoot | CompareVmUnusable
            | CompareContainer | CompareSaved => 0,
            // Building images is no stage of its own: told in full.
            BuildFrom | BuildConfig | BuildLayer | BuildCached | BuildImage | CommitLayer => 0,
            // Nor is writing a bundle.
            BundleRootfs | BundleProcess | BundleLinux | BundleWritten => 0,
            Journal | Clone | CloseFds | Session | Terminal | Chroot | Chdir | User | Signals
            | Exec | Forward | Escalate | Exited | Signaled | UndoProcess | UndoDir
            | RootfsBuilt | RootfsDownloaded => 1,
            Namespaces | Hostname | MountPrivate | BindRootfs | MountProc | MountSys | MountDev
            | MaskPaths | BindFiles | PivotRoot | DropCaps | NoNewPrivs | Seccomp | Init
            | NoDeviceCgroup => 2,
            Cgroup | CgroupWrite | Devices | CgroupUsage | CgroupReport | OomKilled
            | UndoCgroup => 3,
            OverlayDirs | MountOverlay | OverlayDiff | OverlayCommit | OverlayKept => 4,
            NetSubnetMoved | NetBridge | NetBridgeShared | NetNat | NetNatKept | NetLease
            | NetFiles | NetPeers | NetVeth | NetPlug | NetLoopback | NetAddress | NetPort
            | NetConnect | NetDisconnect | UndoLease => 5,
            PullResolve | PullRequest | PullPlatform | PullManifest | PullLayer
            | PullLayerPresent | PullLayerBlob | PullTagged | PullPlatformKept | RunImage
            | RootfsFromImage | UndoPin | PushRequest | PushBlob | PushManifest | PushIndex => 6,
            MonitorStart | StopSignal | StopKill | Setns | JoinRoot | Freeze | Thaw => 7,
        }
    }

    /// The snake_case id used in JSON and in the catalog.
    pub fn id(self) -> String {
        match serde_json::to_value(self) {
            Ok(Value::String(s)) => s,
            _ => format!("{self:?}"),
        }
    }
}

impl Event {
    /// A field as text, for templates: strings bare, the rest as JSON.
    pub fn field(&self, key: &str) -> Option<String> {
        self.fields().get(key).map(text)
    }
}

/// A field's value as a template shows it: a string bare, the rest as JSON.
pub fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// How an event crosses a pipe: its step and its fields by name.
#[derive(Serialize, Deserialize)]
struct Wire {
    step: Step,
    #[serde(default)]
    fields: BTreeMap<String, Value>,
}

impl Serialize for Event {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        Wire {
            step: self.step(),
            fields: self.fields(),
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for Event {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let w = Wire::deserialize(d)?;
        Event::from_fields(w.step, w.fields).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// An event as the string-keyed map of before: `{"step", "fields"}`.
    fn old(step: &str, fields: Value) -> Value {
        json!({ "step": step, "fields": fields })
    }

    #[test]
    fn every_step_has_a_sample_and_crosses_a_pipe_unchanged() {
        for &step in Step::ALL {
            let e = Event::sample(step);
            assert_eq!(e.step(), step);
            let line = serde_json::to_string(&e).unwrap();
            let back: Event = serde_json::from_str(&line).unwrap();
            assert_eq!(back, e, "{line}");
            // The wire form is the map the renderers read.
            let v: Value = serde_json::from_str(&line).unwrap();
            assert_eq!(v, old(&step.id(), json!(e.fields())), "{line}");
        }
    }

    #[test]
    fn json_is_the_string_keyed_map_of_before() {
        let cases = [
            (
                Event::Exited { pid: 42, code: 7 },
                old("exited", json!({"pid": 42, "code": 7})),
            ),
            (
                Event::Chroot {
                    rootfs: "/r".into(),
                },
                old("chroot", json!({"rootfs": "/r"})),
            ),
            (
                Event::CloseFds {},
                json!({"step": "close_fds", "fields": {}}),
            ),
            // An Option is absent when None, there when Some.
            (
                Event::Devices {
                    version: "v1".into(),
                    count: 3,
                    rules: "c 1:3 rwm".into(),
                    dir: "/sys/fs/cgroup/devices/x".into(),
                    instructions: None,
                },
                old(
                    "devices",
                    json!({"version": "v1", "count": 3, "rules": "c 1:3 rwm",
                           "dir": "/sys/fs/cgroup/devices/x"}),
                ),
            ),
            (
                Event::UndoCgroup {
                    path: "/c".into(),
                    cgroup_kill: None,
                    parent: Some(true),
                },
                old("undo_cgroup", json!({"path": "/c", "parent": true})),
            ),
            (
                Event::Namespaces {
                    pid: 9,
                    ns_ids: vec![NsId {
                        ns: "uts".into(),
                        host: "uts:[1]".into(),
                        container: "uts:[2]".into(),
                        new: true,
                    }],
                },
                old(
                    "namespaces",
                    json!({"pid": 9, "ns_ids": [{"ns": "uts", "host": "uts:[1]",
                           "container": "uts:[2]", "new": true}]}),
                ),
            ),
            (
                Event::PullRequest {
                    method: "GET".into(),
                    url: "http://r/v2/".into(),
                    status: 401,
                    notes: "".into(),
                },
                old(
                    "pull_request",
                    json!({"method": "GET", "url": "http://r/v2/", "status": 401, "notes": ""}),
                ),
            ),
        ];
        for (e, want) in cases {
            assert_eq!(serde_json::to_value(&e).unwrap(), want);
            assert_eq!(serde_json::from_value::<Event>(want).unwrap(), e);
        }
        // Bytes too: keys in order, as a BTreeMap gave them.
        assert_eq!(
            serde_json::to_string(&Event::Exited { pid: 42, code: 7 }).unwrap(),
            r#"{"step":"exited","fields":{"code":7,"pid":42}}"#
        );
    }

    #[test]
    fn a_field_missing_unknown_or_of_the_wrong_type_is_refused() {
        let refused = |v: Value| serde_json::from_value::<Event>(v).unwrap_err().to_string();
        assert!(refused(old("chroot", json!({}))).contains("rootfs"));
        assert!(refused(old("chroot", json!({"rootfs": "/r", "n": 1}))).contains("no field n"));
        assert!(refused(old("exited", json!({"pid": "x", "code": 1}))).contains("pid"));
        // Fields may be left out where the step has none.
        assert_eq!(
            serde_json::from_value::<Event>(json!({"step": "close_fds"})).unwrap(),
            Event::CloseFds {}
        );
    }

    #[test]
    fn field_gives_strings_bare_and_the_rest_as_json() {
        let e = Event::Exited { pid: 42, code: 7 };
        assert_eq!(e.field("code").as_deref(), Some("7"));
        assert_eq!(e.field("signal"), None);
        let e = Event::Chroot {
            rootfs: "/r".into(),
        };
        assert_eq!(e.field("rootfs").as_deref(), Some("/r"));
    }
}
