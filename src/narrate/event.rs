//! The typed record of one thing the engine did.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Every step dockling can narrate. The catalog has text for each one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    // The run as a whole.
    Start,
    Journal,
    Clone,
    // The host side, before the child runs.
    Cgroup,
    CgroupWrite,
    Devices,
    NoDeviceCgroup,
    OverlayDirs,
    NetSubnetMoved,
    NetBridge,
    NetBridgeShared,
    NetNat,
    NetNatKept,
    NetLease,
    NetFiles,
    NetPeers,
    NetVeth,
    NetPlug,
    NetLoopback,
    NetAddress,
    NetPort,
    NetConnect,
    NetDisconnect,
    // Inside the child, before exec.
    Namespaces,
    CloseFds,
    Session,
    Hostname,
    MountPrivate,
    MountOverlay,
    BindRootfs,
    MountProc,
    MountSys,
    MountDev,
    MaskPaths,
    BindFiles,
    Terminal,
    PivotRoot,
    Chroot,
    Chdir,
    DropCaps,
    NoNewPrivs,
    User,
    Signals,
    Seccomp,
    Init,
    Exec,
    // After the command.
    Forward,
    Escalate,
    Exited,
    Signaled,
    CgroupUsage,
    CgroupReport,
    OomKilled,
    OverlayDiff,
    OverlayCommit,
    OverlayKept,
    // Stage 7: containers with a life of their own.
    MonitorStart,
    StopSignal,
    StopKill,
    Setns,
    JoinRoot,
    Freeze,
    Thaw,
    // The run as a whole, once it is over.
    Summary,
    // Undoing the journal.
    UndoProcess,
    UndoCgroup,
    UndoDir,
    UndoLease,
    UndoPin,
    // `dockling rootfs fetch`.
    RootfsBuilt,
    RootfsDownloaded,
    RootfsFromImage,
    // `dockling pull` and `dockling run`.
    PullResolve,
    PullRequest,
    PullPlatform,
    PullManifest,
    PullLayer,
    PullLayerPresent,
    PullLayerBlob,
    PullTagged,
    PullPlatformKept,
    RunImage,
    // `dockling compare`: a measured VM beside a container.
    CompareInitramfs,
    CompareBoot,
    CompareVmUnusable,
    CompareContainer,
    CompareSaved,
    // `dockling push`.
    PushRequest,
    PushBlob,
    PushManifest,
    PushIndex,
    // `dockling build` and `commit`: images made here.
    BuildFrom,
    BuildConfig,
    BuildLayer,
    BuildCached,
    BuildImage,
    CommitLayer,
    // `dockling bundle`: what dockling did, as an OCI runtime bundle.
    BundleRootfs,
    BundleProcess,
    BundleLinux,
    BundleWritten,
}

impl Step {
    pub const ALL: &'static [Step] = &[
        Step::Start,
        Step::Journal,
        Step::Clone,
        Step::Cgroup,
        Step::CgroupWrite,
        Step::Devices,
        Step::NoDeviceCgroup,
        Step::OverlayDirs,
        Step::NetSubnetMoved,
        Step::NetBridge,
        Step::NetBridgeShared,
        Step::NetNat,
        Step::NetNatKept,
        Step::NetLease,
        Step::NetFiles,
        Step::NetPeers,
        Step::NetVeth,
        Step::NetPlug,
        Step::NetLoopback,
        Step::NetAddress,
        Step::NetPort,
        Step::NetConnect,
        Step::NetDisconnect,
        Step::Namespaces,
        Step::CloseFds,
        Step::Session,
        Step::Hostname,
        Step::MountPrivate,
        Step::MountOverlay,
        Step::BindRootfs,
        Step::MountProc,
        Step::MountSys,
        Step::MountDev,
        Step::MaskPaths,
        Step::BindFiles,
        Step::Terminal,
        Step::PivotRoot,
        Step::Chroot,
        Step::Chdir,
        Step::DropCaps,
        Step::NoNewPrivs,
        Step::User,
        Step::Signals,
        Step::Seccomp,
        Step::Init,
        Step::Exec,
        Step::Forward,
        Step::Escalate,
        Step::Exited,
        Step::Signaled,
        Step::CgroupUsage,
        Step::CgroupReport,
        Step::OomKilled,
        Step::OverlayDiff,
        Step::OverlayCommit,
        Step::OverlayKept,
        Step::MonitorStart,
        Step::StopSignal,
        Step::StopKill,
        Step::Setns,
        Step::JoinRoot,
        Step::Freeze,
        Step::Thaw,
        Step::Summary,
        Step::UndoProcess,
        Step::UndoCgroup,
        Step::UndoDir,
        Step::UndoLease,
        Step::UndoPin,
        Step::RootfsBuilt,
        Step::RootfsDownloaded,
        Step::RootfsFromImage,
        Step::PullResolve,
        Step::PullRequest,
        Step::PullPlatform,
        Step::PullManifest,
        Step::PullLayer,
        Step::PullLayerPresent,
        Step::PullLayerBlob,
        Step::PullTagged,
        Step::PullPlatformKept,
        Step::RunImage,
        Step::CompareInitramfs,
        Step::CompareBoot,
        Step::CompareVmUnusable,
        Step::CompareContainer,
        Step::CompareSaved,
        Step::PushRequest,
        Step::PushBlob,
        Step::PushManifest,
        Step::PushIndex,
        Step::BuildFrom,
        Step::BuildConfig,
        Step::BuildLayer,
        Step::BuildCached,
        Step::BuildImage,
        Step::CommitLayer,
        Step::BundleRootfs,
        Step::BundleProcess,
        Step::BundleLinux,
        Step::BundleWritten,
    ];

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

/// One step and the values it involved, e.g. `chroot` with `rootfs`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    pub step: Step,
    #[serde(default)]
    pub fields: BTreeMap<String, Value>,
}

impl Event {
    pub fn new(step: Step) -> Self {
        Event {
            step,
            fields: BTreeMap::new(),
        }
    }

    /// Add a value that the catalog's templates can name as `{key}`.
    pub fn with(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.fields.insert(key.to_string(), value.into());
        self
    }

    /// A field as text, for templates: strings bare, the rest as JSON.
    pub fn field(&self, key: &str) -> Option<String> {
        self.fields.get(key).map(|v| match v {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        })
    }
}
