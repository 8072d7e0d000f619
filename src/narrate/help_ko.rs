//! 한국어 `--help`: 하위 명령과 인자의 설명을 한국어로 바꿉니다.
//!
//! The Korean command line help. dockling's help texts are the English
//! doc comments of its clap structs; when the language is Korean,
//! [`crate::cli::command_in`] passes each command through [`localize`]
//! (the deferred ones inside their `defer`, once their arguments exist),
//! which puts the Korean of [`KO`] in place of every description it has:
//! a command's `about`, an argument's help, a possible value's help. The
//! table is keyed by the English text itself, so that a text shared by
//! several commands (`run` and `create` take the same flags) is translated
//! once, and a changed English text loses its Korean loudly: the tests
//! below find every description of the tree without Hangul and every key
//! that no longer names a text.
//!
//! What clap writes itself is taken over where clap allows it: the `-h`
//! and `-V` flags and the `help` subcommand are dockling's own (with the
//! same actions), the headings come from a help template, and the
//! `[default: …]`, `[env: …]` and possible-value notes are hidden and
//! written again in Korean after the help. clap's parse errors, the words
//! of the usage line (`[OPTIONS]`, `<COMMAND>`) and the `[alias: ps]` of
//! `container ls` (clap cannot take a visible alias back) stay English.
//!
//! Conventions are [`super::korean`]'s: a command's description is a
//! 합니다체 sentence, an argument's may be a noun phrase; commands, flags,
//! file names and value names (`NAME[:TAG]`) stay as they are.

use clap::builder::StyledStr;
use clap::{Arg, ArgAction, Command};

/// The help of `-h`/`--help`, short and long.
const HELP_FLAG: (&str, &str) = (
    "도움말을 출력합니다 (자세한 설명은 --help)",
    "도움말을 출력합니다 (요약은 -h)",
);

/// The `help` subcommand's description and its argument's.
const HELP_COMMAND: (&str, &str) = (
    "이 도움말이나 하위 명령의 도움말을 출력합니다",
    "도움말을 볼 하위 명령",
);

/// The id of the argument of dockling's own `help` subcommand (clap's
/// name for it).
pub const HELP_COMMAND_ARG: &str = "subcommand";

/// English description → Korean description.
pub const KO: &[(&str, &str)] = &[
    // ---- dockling and its global flags ----
    (
        "Learn how containers work by building one, stage by stage",
        "컨테이너를 한 단계씩 직접 만들어 보며 그 원리를 배웁니다",
    ),
    (
        "Keep all state under DIR instead of /var/lib/dockling and /run/dockling",
        "모든 상태를 /var/lib/dockling과 /run/dockling 대신 DIR 아래에 둡니다",
    ),
    (
        "How much to explain: explain (this stage in full), full, plain, json or quiet",
        "얼마나 설명할지: explain(이번 단계를 자세히), full, plain, json, quiet",
    ),
    (
        "The language to explain in: en or ko (default: DOCKLING_LANG, else ko when the locale is Korean, e.g. LANG=ko_KR.UTF-8)",
        "설명할 언어: en 또는 ko (기본값: DOCKLING_LANG, 없으면 로캘이 한국어일 때 ko, 예: LANG=ko_KR.UTF-8)",
    ),
    ("English", "영어"),
    ("Print version", "버전을 출력합니다"),
    (
        "The stage being run step by step, with why, the shell equivalent and the VM comparison; steps of earlier stages one line each. Wrapped to the terminal, coloured on one unless NO_COLOR is set",
        "실행 중인 단계가 하는 일을 하나하나, 그 이유와 같은 일을 하는 셸 명령, 가상 머신과의 비교까지 보여 줍니다. 앞 단계들이 하는 일은 한 줄씩입니다. 터미널 폭에 맞춰 줄을 바꾸고, 터미널이면 색을 입힙니다(NO_COLOR가 있으면 입히지 않습니다)",
    ),
    (
        "Every step of every stage in full, wrapped, coloured as explain",
        "모든 단계가 하는 일을 전부 자세히, explain처럼 줄을 바꾸고 색을 입혀서",
    ),
    (
        "Every step in full, one line per row, never coloured: for tools",
        "하는 일을 전부 자세히, 한 행에 한 줄, 색 없이: 다른 도구가 읽기 좋게",
    ),
    (
        "One JSON object per step, one per line",
        "하는 일마다 JSON 객체 하나, 한 줄에 하나씩",
    ),
    (
        "Nothing but the contained program's own output",
        "컨테이너 안 프로그램 자신의 출력만",
    ),
    // ---- stages 1 to 5 ----
    (
        "Stage 1: run a command with a directory as its root (chroot only)",
        "1단계: 디렉토리 하나를 루트로 삼아 명령을 실행합니다 (chroot만 씁니다)",
    ),
    (
        "Stage 2: chroot plus PID, mount, UTS and IPC namespaces, pivot_root, fewer capabilities",
        "2단계: chroot에 PID, 마운트, UTS, IPC 네임스페이스와 pivot_root를 더하고 캐퍼빌리티를 줄입니다",
    ),
    (
        "Stage 3: namespaces plus a cgroup: --memory, --cpus, --cpu-shares, --pids-limit",
        "3단계: 네임스페이스에 cgroup을 더합니다: --memory, --cpus, --cpu-shares, --pids-limit",
    ),
    (
        "Stage 4: cgroups plus a layered root: read-only layers under a writable one (overlayfs)",
        "4단계: cgroup에 레이어로 쌓은 루트를 더합니다: 읽기 전용 레이어들 위에 쓰기 가능한 레이어 하나 (overlayfs)",
    ),
    (
        "Stage 5: overlay plus a network namespace: veth, bridge, NAT, -p ports, DNS files; also `network create|ls|inspect|rm`",
        "5단계: overlay에 네트워크 네임스페이스를 더합니다: veth, 브리지, NAT, -p 포트, DNS 파일. `network create|ls|inspect|rm`도 여기 있습니다",
    ),
    (
        "The directory to use as the container's root filesystem [default: <root>/rootfs/default, made by `dockling rootfs fetch host`]",
        "컨테이너의 루트 파일 시스템으로 쓸 디렉토리 [기본값: <root>/rootfs/default, `dockling rootfs fetch host`로 만듭니다]",
    ),
    (
        "Set an environment variable in the container (KEY=VALUE, or KEY to copy dockling's)",
        "컨테이너의 환경변수를 설정합니다 (KEY=VALUE, dockling의 값을 그대로 넘기려면 KEY만)",
    ),
    (
        "The working directory inside the container [default: /]",
        "컨테이너 안의 작업 디렉토리 [기본값: /]",
    ),
    (
        "Give the container a terminal of its own (a pseudo-terminal), as `docker run -t`",
        "컨테이너에 자기만의 터미널(의사 터미널)을 줍니다. `docker run -t`와 같습니다",
    ),
    (
        "Keep stdin open and pass it to the container (else it reads /dev/null)",
        "stdin을 열어 둔 채 컨테이너에 넘깁니다 (주지 않으면 컨테이너는 /dev/null을 읽습니다)",
    ),
    (
        "Run it in the background and print its id: a container with a life of its own (`dockling ps`, `logs`, `stop`)",
        "백그라운드에서 실행하고 id를 출력합니다: 스스로 살아가는 컨테이너가 됩니다 (`dockling ps`, `logs`, `stop`)",
    ),
    (
        "A name for the container (also makes it one with a life of its own; at stage 5 also in its /etc/hosts)",
        "컨테이너의 이름 (이름을 주어도 스스로 살아가는 컨테이너가 됩니다. 5단계에서는 컨테이너의 /etc/hosts에도 들어갑니다)",
    ),
    (
        "Restart policy: no, on-failure[:N], always, unless-stopped",
        "재시작 정책: no, on-failure[:N], always, unless-stopped",
    ),
    (
        "Remove the container when it ends",
        "컨테이너가 끝나면 삭제합니다",
    ),
    (
        "A label, KEY=VALUE (repeat); `ps -f label=KEY=VALUE` finds it",
        "레이블 KEY=VALUE (여러 번 쓸 수 있습니다). `ps -f label=KEY=VALUE`로 찾습니다",
    ),
    (
        "The signal `stop` sends first [default: the image's StopSignal, else SIGTERM]",
        "`stop`이 먼저 보내는 시그널 [기본값: 이미지의 StopSignal, 없으면 SIGTERM]",
    ),
    (
        "Seconds `stop` waits before SIGKILL [default: 10]",
        "`stop`이 SIGKILL을 보내기 전에 기다리는 초 [기본값: 10]",
    ),
    (
        "The command to run and its arguments, after the flags (or after --) [default: /bin/sh; for `run`, the image's]",
        "실행할 명령과 그 인자, 플래그 뒤에 (또는 -- 뒤에) 씁니다 [기본값: /bin/sh, `run`에서는 이미지에 적힌 명령]",
    ),
    (
        "The container's hostname [default: the run id]",
        "컨테이너의 호스트 이름 [기본값: 실행 id]",
    ),
    (
        "Which namespaces to create, for experiments (comma-separated)",
        "만들 네임스페이스, 실험용 (쉼표로 구분)",
    ),
    (
        "Keep a capability docker drops (e.g. NET_ADMIN, or ALL)",
        "docker라면 빼는 캐퍼빌리티를 남깁니다 (예: NET_ADMIN, 또는 ALL)",
    ),
    (
        "Drop a capability docker keeps (e.g. CHOWN, or ALL)",
        "docker라면 남기는 캐퍼빌리티를 뺍니다 (예: CHOWN, 또는 ALL)",
    ),
    (
        "Run a minimal init as PID 1 that reaps orphans and forwards signals",
        "고아 프로세스를 거두고 시그널을 전달하는 작은 init을 PID 1로 실행합니다",
    ),
    (
        "Turn a defence off, for experiments: seccomp=unconfined",
        "실험용으로 방어 하나를 끕니다: seccomp=unconfined",
    ),
    (
        "Memory limit, e.g. 64m or 1g (6m to 1024p)",
        "메모리 상한, 예: 64m, 1g (6m부터 1024p까지)",
    ),
    (
        "Memory plus swap, e.g. 128m; -1 for unlimited swap",
        "메모리와 스왑을 합친 상한, 예: 128m. 스왑을 무제한으로 하려면 -1",
    ),
    (
        "How much CPU time, in CPUs, e.g. 0.5",
        "쓸 수 있는 CPU 시간, CPU 개수로, 예: 0.5",
    ),
    (
        "Relative CPU weight when CPUs are busy (2-262144, default 1024)",
        "CPU가 바쁠 때의 상대적인 CPU 가중치 (2-262144, 기본값 1024)",
    ),
    (
        "The most processes and threads, e.g. 64 (1-4194304)",
        "프로세스와 스레드 수의 상한, 예: 64 (1-4194304)",
    ),
    (
        "Give the container a host device: HOST[:CONTAINER[:rwm]], e.g. /dev/fuse",
        "호스트의 장치를 컨테이너에 줍니다: HOST[:CONTAINER[:rwm]], 예: /dev/fuse",
    ),
    (
        "A read-only layer on top of the rootfs (repeat: the first is lowest)",
        "rootfs 위에 얹을 읽기 전용 레이어 (여러 번 쓸 수 있고, 처음 것이 가장 아래입니다)",
    ),
    (
        "Keep the writable upper layer afterwards and print where it is",
        "쓰기 가능한 위 레이어를 끝난 뒤에도 남기고 그 위치를 출력합니다",
    ),
    (
        "Save what the container changed as a new layer directory DIR",
        "컨테이너가 바꾼 내용을 새 레이어 디렉토리 DIR로 저장합니다",
    ),
    (
        "The network to join [default: dockling0, made on first use]",
        "참여할 네트워크 [기본값: dockling0, 처음 쓸 때 만들어집니다]",
    ),
    (
        "Publish a container port on the host (repeat)",
        "컨테이너의 포트를 호스트에 공개합니다 (여러 번 쓸 수 있습니다)",
    ),
    (
        "A DNS server for the container's resolv.conf (repeat) [default: the host's]",
        "컨테이너의 resolv.conf에 넣을 DNS 서버 (여러 번 쓸 수 있습니다) [기본값: 호스트의 DNS 서버]",
    ),
    (
        "Another name the container is known by on its (user-defined) network (repeat)",
        "(사용자 정의) 네트워크 안에서 컨테이너를 부를 또 다른 이름 (여러 번 쓸 수 있습니다)",
    ),
    (
        "Add NAME to the container's /etc/hosts (repeat)",
        "컨테이너의 /etc/hosts에 NAME을 추가합니다 (여러 번 쓸 수 있습니다)",
    ),
    // ---- network ----
    (
        "Define a network (its bridge comes up when a container joins)",
        "네트워크를 정의합니다 (브리지는 컨테이너가 처음 참여할 때 만들어집니다)",
    ),
    ("List networks", "네트워크 목록을 보여 줍니다"),
    (
        "Show a network and the containers on it, as JSON",
        "네트워크와 거기 연결된 컨테이너를 JSON으로 보여 줍니다",
    ),
    (
        "Remove networks (each refused while a container uses it)",
        "네트워크를 삭제합니다 (컨테이너가 쓰고 있는 네트워크는 거절합니다)",
    ),
    (
        "Connect a container to one more network (a running one at once, on eth1 …)",
        "컨테이너를 네트워크 하나에 더 연결합니다 (실행 중인 컨테이너는 바로, eth1 … 인터페이스로)",
    ),
    (
        "Disconnect a container from a network it was connected to",
        "컨테이너를 연결되어 있던 네트워크에서 분리합니다",
    ),
    (
        "The network's IPv4 subnet, /8 to /30 [default: the first free 10.147.N.0/24]",
        "네트워크의 IPv4 서브넷, /8부터 /30까지 [기본값: 비어 있는 첫 10.147.N.0/24]",
    ),
    (
        "The address to take there [default: the lowest free one]",
        "그 네트워크에서 쓸 주소 [기본값: 비어 있는 가장 낮은 주소]",
    ),
    (
        "Another name the container is known by on that network (repeat)",
        "그 네트워크 안에서 컨테이너를 부를 또 다른 이름 (여러 번 쓸 수 있습니다)",
    ),
    (
        "Also when its interface or lease there is gone already",
        "그 네트워크의 인터페이스나 임대가 이미 없어졌어도 분리합니다",
    ),
    // ---- stage 6: images ----
    (
        "Stage 6: download an image from a registry (OCI distribution API)",
        "6단계: 레지스트리에서 이미지를 내려받습니다 (OCI distribution API)",
    ),
    (
        "Stage 6: run an image with every earlier stage: `run [OPTIONS] IMAGE [CMD…]`",
        "6단계: 앞의 모든 단계를 거쳐 이미지를 실행합니다: `run [OPTIONS] IMAGE [CMD…]`",
    ),
    (
        "The image: NAME[:TAG], NAME@sha256:DIGEST, REGISTRY/NAME…",
        "이미지: NAME[:TAG], NAME@sha256:DIGEST, REGISTRY/NAME…",
    ),
    (
        "Keep every platform of a multi-platform image (unpacking only this machine's), so that a push sends it whole",
        "멀티 플랫폼 이미지의 플랫폼을 모두 보관합니다(압축은 이 머신의 것만 풉니다). push하면 통째로 보냅니다",
    ),
    (
        "The platform to take from a multi-platform image [default: this machine's]",
        "멀티 플랫폼 이미지에서 가져올 플랫폼 [기본값: 이 머신의 플랫폼]",
    ),
    (
        "Allow plain http to this registry even though it is not on loopback",
        "루프백이 아닌 레지스트리라도 암호화하지 않은 http를 허용합니다",
    ),
    (
        "The image to run (pulled first if it is not in the store)",
        "실행할 이미지 (스토어에 없으면 먼저 내려받습니다)",
    ),
    (
        "Replace the image's Entrypoint (\"\" clears it)",
        "이미지의 Entrypoint를 바꿉니다 (\"\"이면 비웁니다)",
    ),
    (
        "Read environment variables from a file of KEY=VALUE lines (docker's rules)",
        "KEY=VALUE 줄로 된 파일에서 환경변수를 읽습니다 (docker와 같은 규칙)",
    ),
    (
        "Bind-mount a host path: HOST:CONTAINER[:ro] (repeat)",
        "호스트 경로를 바인드 마운트합니다: HOST:CONTAINER[:ro] (여러 번 쓸 수 있습니다)",
    ),
    (
        "Run as USER[:GROUP] (names or numbers) [default: the image's User, else root]",
        "USER[:GROUP] 사용자로 실행합니다 (이름이나 번호) [기본값: 이미지의 User, 없으면 root]",
    ),
    (
        "List the images in the store",
        "스토어에 있는 이미지 목록을 보여 줍니다",
    ),
    ("Inspect or prune images", "이미지를 살펴보거나 정리합니다"),
    (
        "Show an image's manifest digest, config and layers, as JSON",
        "이미지의 매니페스트 다이제스트, 설정, 레이어를 JSON으로 보여 줍니다",
    ),
    (
        "Remove layers and blobs that no image and no running container uses, and leftovers of interrupted pulls",
        "어떤 이미지도, 실행 중인 어떤 컨테이너도 쓰지 않는 레이어와 블롭, 그리고 중단된 pull이 남긴 것을 지웁니다",
    ),
    (
        "Give an image another name: `image tag SOURCE TARGET`",
        "이미지에 이름을 하나 더 붙입니다: `image tag SOURCE TARGET`",
    ),
    (
        "Send an image to a registry: `image push REGISTRY/NAME[:TAG]`",
        "이미지를 레지스트리로 올립니다: `image push REGISTRY/NAME[:TAG]`",
    ),
    (
        "Show the steps an image was made of",
        "이미지가 어떤 단계를 거쳐 만들어졌는지 보여 줍니다",
    ),
    (
        "Save images to a tar archive (docker archive and OCI layout in one)",
        "이미지를 tar 아카이브로 저장합니다 (docker archive 형식과 OCI 레이아웃을 한 파일에)",
    ),
    (
        "The image: a name in the store, or its id",
        "이미지: 스토어에 있는 이름이나 id",
    ),
    (
        "The new name: [REGISTRY/]NAME[:TAG]",
        "새 이름: [REGISTRY/]NAME[:TAG]",
    ),
    (
        "The image's name in the store, which names the registry: REGISTRY/NAME[:TAG]",
        "스토어에 있는 이미지의 이름, 올릴 레지스트리도 이 이름으로 정해집니다: REGISTRY/NAME[:TAG]",
    ),
    ("Don't truncate CREATED BY", "CREATED BY를 자르지 않습니다"),
    ("Only the image ids", "이미지 id만 출력합니다"),
    (
        "Write to FILE instead of standard output",
        "표준 출력 대신 FILE에 씁니다",
    ),
    (
        "The images to save (names or ids)",
        "저장할 이미지 (이름이나 id)",
    ),
    (
        "Remove images (and the layers no other image uses)",
        "이미지를 삭제합니다 (다른 이미지가 쓰지 않는 레이어도 함께)",
    ),
    (
        "Remove the name even if a running container uses the image (its layers stay until it ends)",
        "실행 중인 컨테이너가 쓰는 이미지라도 이름을 지웁니다 (레이어는 그 컨테이너가 끝날 때까지 남습니다)",
    ),
    (
        "Import images from a `docker save` tarball or an OCI layout directory",
        "`docker save`로 만든 tar 파일이나 OCI 레이아웃 디렉토리에서 이미지를 가져옵니다",
    ),
    (
        "Store a user and password for a registry",
        "레지스트리의 사용자 이름과 비밀번호를 저장합니다",
    ),
    (
        "The registry host, e.g. 127.0.0.1:5000",
        "레지스트리 호스트, 예: 127.0.0.1:5000",
    ),
    (
        "Read the password from standard input",
        "비밀번호를 표준 입력에서 읽습니다",
    ),
    (
        "Forget the stored credentials of a registry",
        "저장해 둔 레지스트리 인증 정보를 지웁니다",
    ),
    // ---- rootfs ----
    (
        "Make or download a base root filesystem",
        "기본 루트 파일 시스템을 만들거나 내려받습니다",
    ),
    (
        "Fetch a rootfs: `host` builds one from this machine's busybox, `alpine` downloads Alpine's",
        "rootfs를 마련합니다: `host`는 이 머신의 busybox로 만들고, `alpine`은 Alpine의 것을 내려받습니다",
    ),
    ("Where it comes from", "어디서 가져올지"),
    (
        "An image's layers from an OCI registry (--image REF)",
        "OCI 레지스트리에 있는 이미지의 레이어 (--image REF)",
    ),
    (
        "Where to put it [default: <root>/rootfs/default]",
        "rootfs를 둘 디렉토리 [기본값: <root>/rootfs/default]",
    ),
    ("Alpine version", "Alpine 버전"),
    ("Alpine mirror base URL", "Alpine 미러의 base URL"),
    (
        "Expected sha256 of the tarball, for versions that are not pinned",
        "tar 파일이 가져야 할 sha256 (dockling에 고정된 값이 없는 버전일 때)",
    ),
    (
        "For `registry`: the image whose layers make the rootfs",
        "`registry`일 때: 레이어를 풀어 rootfs를 만들 이미지",
    ),
    (
        "For `registry`: the platform to take [default: this machine's]",
        "`registry`일 때: 가져올 플랫폼 [기본값: 이 머신의 플랫폼]",
    ),
    (
        "For `registry`: allow plain http to a registry not on loopback",
        "`registry`일 때: 루프백이 아닌 레지스트리에도 암호화하지 않은 http를 허용합니다",
    ),
    // ---- the classroom ----
    (
        "Finish undoing runs whose dockling was killed (e.g. by SIGKILL)",
        "강제로 종료된(SIGKILL 등) dockling이 남긴 실행을 마저 되돌립니다",
    ),
    (
        "Check that this machine has what every stage needs",
        "이 머신에 모든 단계에 필요한 것이 갖춰져 있는지 검사합니다",
    ),
    (
        "Boot a real VM and run a container beside it, and print what each took, measured",
        "실제 가상 머신을 부팅하고 그 옆에서 컨테이너를 실행해, 각각에 든 시간과 자원을 재어 출력합니다",
    ),
    ("The kind of VM", "가상 머신의 종류"),
    (
        "qemu with KVM (hardware virtualisation); TCG if KVM cannot run here",
        "KVM(하드웨어 가상화)을 쓰는 qemu. 여기서 KVM을 쓸 수 없으면 TCG",
    ),
    (
        "qemu with KVM where it works, else qemu emulating the CPU (TCG)",
        "KVM을 쓸 수 있으면 KVM으로, 아니면 CPU를 에뮬레이션하는(TCG) qemu",
    ),
    (
        "qemu emulating the CPU in software",
        "CPU를 소프트웨어로 에뮬레이션하는 qemu",
    ),
    (
        "user-mode Linux: a guest kernel run as host processes; TCG if it cannot run here",
        "user-mode Linux: 게스트 커널을 호스트의 프로세스로 실행합니다. 여기서 실행할 수 없으면 TCG",
    ),
    (
        "The guest kernel qemu boots [default: <root>/guest/vmlinuz, else /boot/vmlinuz-$(uname -r)]",
        "qemu가 부팅할 게스트 커널 [기본값: <root>/guest/vmlinuz, 없으면 /boot/vmlinuz-$(uname -r)]",
    ),
    (
        "The rootfs both run [default: <root>/rootfs/default]",
        "둘이 함께 쓰는 rootfs [기본값: <root>/rootfs/default]",
    ),
    (
        "The command both run, after -- [default: true]",
        "둘 다 실행할 명령, -- 뒤에 씁니다 [기본값: true]",
    ),
    (
        "The main job: every lesson in order, running its demos with narration",
        "dockling의 핵심: 모든 레슨을 순서대로 진행하며 데모를 실행하고 설명합니다",
    ),
    (
        "Pause before each command: Enter runs it, s skips it, r runs the previous one again, q quits (on a terminal)",
        "명령마다 멈춥니다: Enter는 실행, s는 건너뛰기, r은 이전 명령 다시 실행, q는 끝내기 (터미널에서)",
    ),
    ("Start at lesson N", "레슨 N부터 시작합니다"),
    ("Only lesson N", "레슨 N만 진행합니다"),
    (
        "Clear the screen before each lesson",
        "레슨마다 먼저 화면을 지웁니다",
    ),
    (
        "Print a lesson: `dockling lesson list`, `dockling lesson 1`",
        "레슨 하나를 출력합니다: `dockling lesson list`, `dockling lesson 1`",
    ),
    ("`list`, or a lesson number", "`list`, 또는 레슨 번호"),
    (
        "Print a shell completion script: `dockling completions bash > /etc/bash_completion.d/dockling`",
        "셸 자동 완성 스크립트를 출력합니다: `dockling completions bash > /etc/bash_completion.d/dockling`",
    ),
    ("The shell to complete for", "자동 완성을 쓸 셸"),
    (
        "Print the man page dockling(1); `--dir DIR` writes one per subcommand too",
        "man 페이지 dockling(1)을 출력합니다. `--dir DIR`을 주면 하위 명령마다 한 페이지씩 파일로도 씁니다",
    ),
    (
        "Also write one page per subcommand into DIR (dockling-run.1 …)",
        "하위 명령마다 한 페이지씩 DIR에도 씁니다 (dockling-run.1 …)",
    ),
    // ---- stage 7: containers ----
    (
        "Stage 7: create a container from an image, without starting it",
        "7단계: 이미지로 컨테이너를 만들기만 하고 시작하지는 않습니다",
    ),
    (
        "Stage 7: start stopped containers",
        "7단계: 멈춘 컨테이너를 시작합니다",
    ),
    (
        "Stage 7: stop running containers (stop signal, then SIGKILL)",
        "7단계: 실행 중인 컨테이너를 멈춥니다 (정지 시그널, 그래도 안 멈추면 SIGKILL)",
    ),
    (
        "Stage 7: stop and start containers",
        "7단계: 컨테이너를 멈췄다가 다시 시작합니다",
    ),
    (
        "Stage 7: send a signal to containers (default SIGKILL)",
        "7단계: 컨테이너에 시그널을 보냅니다 (기본값 SIGKILL)",
    ),
    ("Stage 7: remove containers", "7단계: 컨테이너를 삭제합니다"),
    (
        "Stage 7: list containers",
        "7단계: 컨테이너 목록을 보여 줍니다",
    ),
    (
        "Stage 7: show a container's output",
        "7단계: 컨테이너의 출력을 보여 줍니다",
    ),
    (
        "Stage 7: connect to a running container's stdin, stdout and stderr",
        "7단계: 실행 중인 컨테이너의 stdin, stdout, stderr에 연결합니다",
    ),
    (
        "Stage 7: wait for containers to end and print their exit codes",
        "7단계: 컨테이너가 끝나기를 기다렸다가 종료 코드를 출력합니다",
    ),
    (
        "Stage 7: show containers' configuration and state, as JSON",
        "7단계: 컨테이너의 설정과 상태를 JSON으로 보여 줍니다",
    ),
    (
        "Stage 7: rename a container",
        "7단계: 컨테이너의 이름을 바꿉니다",
    ),
    (
        "Stage 7: list a container's published ports",
        "7단계: 컨테이너가 공개한 포트 목록을 보여 줍니다",
    ),
    (
        "Stage 7: run a command in a running container",
        "7단계: 실행 중인 컨테이너 안에서 명령을 실행합니다",
    ),
    (
        "Stage 7: a container's processes, with host and container pids",
        "7단계: 컨테이너의 프로세스를 호스트의 pid와 컨테이너 안의 pid로 함께 보여 줍니다",
    ),
    (
        "Stage 7: what containers use: CPU, memory, network, block I/O, processes",
        "7단계: 컨테이너가 쓰는 자원을 보여 줍니다: CPU, 메모리, 네트워크, 블록 I/O, 프로세스",
    ),
    (
        "Stage 7: freeze every process of containers (the cgroup freezer)",
        "7단계: 컨테이너의 모든 프로세스를 얼립니다 (cgroup freezer)",
    ),
    (
        "Stage 7: thaw paused containers",
        "7단계: 일시 중지한 컨테이너를 다시 실행합니다",
    ),
    (
        "Stage 7: manage containers (`dockling container ls`, `container rm` …)",
        "7단계: 컨테이너를 관리합니다 (`dockling container ls`, `container rm` …)",
    ),
    (
        "Create a container from an image, without starting it",
        "이미지로 컨테이너를 만들기만 하고 시작하지는 않습니다",
    ),
    (
        "Create and run a container from an image",
        "이미지로 컨테이너를 만들어 실행합니다",
    ),
    ("Start stopped containers", "멈춘 컨테이너를 시작합니다"),
    (
        "Stop running containers (stop signal, then SIGKILL)",
        "실행 중인 컨테이너를 멈춥니다 (정지 시그널, 그래도 안 멈추면 SIGKILL)",
    ),
    (
        "Stop and start containers",
        "컨테이너를 멈췄다가 다시 시작합니다",
    ),
    (
        "Send a signal to containers (default SIGKILL)",
        "컨테이너에 시그널을 보냅니다 (기본값 SIGKILL)",
    ),
    ("Remove containers", "컨테이너를 삭제합니다"),
    (
        "Remove all stopped containers",
        "멈춘 컨테이너를 모두 삭제합니다",
    ),
    ("List containers", "컨테이너 목록을 보여 줍니다"),
    ("Show a container's output", "컨테이너의 출력을 보여 줍니다"),
    (
        "Connect to a running container's stdin, stdout and stderr",
        "실행 중인 컨테이너의 stdin, stdout, stderr에 연결합니다",
    ),
    (
        "Wait for containers to end and print their exit codes",
        "컨테이너가 끝나기를 기다렸다가 종료 코드를 출력합니다",
    ),
    (
        "Show containers' configuration and state, as JSON",
        "컨테이너의 설정과 상태를 JSON으로 보여 줍니다",
    ),
    ("Rename a container", "컨테이너의 이름을 바꿉니다"),
    (
        "List a container's published ports",
        "컨테이너가 공개한 포트 목록을 보여 줍니다",
    ),
    (
        "Run a command in a running container",
        "실행 중인 컨테이너 안에서 명령을 실행합니다",
    ),
    (
        "A container's processes, with host and container pids",
        "컨테이너의 프로세스를 호스트의 pid와 컨테이너 안의 pid로 함께 보여 줍니다",
    ),
    (
        "What containers use: CPU, memory, network, block I/O, processes",
        "컨테이너가 쓰는 자원을 보여 줍니다: CPU, 메모리, 네트워크, 블록 I/O, 프로세스",
    ),
    (
        "Freeze every process of containers",
        "컨테이너의 모든 프로세스를 얼립니다",
    ),
    (
        "Thaw paused containers",
        "일시 중지한 컨테이너를 다시 실행합니다",
    ),
    (
        "The monitor of a detached container (started by `run -d` and `start`)",
        "백그라운드 컨테이너의 모니터 (`run -d`와 `start`가 시작합니다)",
    ),
    (
        "A restart handed over: wait the restart delay first",
        "넘겨받은 재시작: 먼저 재시작 지연 시간만큼 기다립니다",
    ),
    (
        "Send the start's narration to the client",
        "시작하며 하는 설명을 클라이언트에 보냅니다",
    ),
    (
        "Attach to its output (and wait for it to end)",
        "컨테이너의 출력에 연결합니다 (그리고 끝날 때까지 기다립니다)",
    ),
    ("Attach its stdin", "stdin도 연결합니다"),
    (
        "Seconds to wait for it to stop before killing it [default: 10]",
        "강제로 죽이기 전에 멈추기를 기다리는 초 [기본값: 10]",
    ),
    (
        "The signal to send [default: SIGKILL]",
        "보낼 시그널 [기본값: SIGKILL]",
    ),
    (
        "Stop it first (SIGKILL) if it runs",
        "실행 중이면 먼저 멈춥니다 (SIGKILL)",
    ),
    (
        "Remove its anonymous volumes too (dockling makes none)",
        "익명 볼륨도 삭제합니다 (dockling은 익명 볼륨을 만들지 않습니다)",
    ),
    (
        "Show all containers (by default only running ones)",
        "모든 컨테이너를 보여 줍니다 (기본은 실행 중인 것만)",
    ),
    ("Only the ids", "id만 출력합니다"),
    (
        "The N last created (all states)",
        "마지막으로 만든 N개 (상태와 상관없이)",
    ),
    (
        "The last created (all states)",
        "마지막으로 만든 하나 (상태와 상관없이)",
    ),
    (
        "The size of each container's writable layer",
        "컨테이너마다 쓰기 가능한 레이어의 크기도 보여 줍니다",
    ),
    (
        "Do not shorten ids and commands",
        "id와 명령을 줄이지 않습니다",
    ),
    (
        "Filter: name=, status=, exited=, ancestor=, id=, label=",
        "필터: name=, status=, exited=, ancestor=, id=, label=",
    ),
    (
        "Print each with this template: {{.ID}} {{.Names}} {{.Status}} {{.State}} {{.Image}} …",
        "컨테이너마다 이 템플릿으로 출력합니다: {{.ID}} {{.Names}} {{.Status}} {{.State}} {{.Image}} …",
    ),
    (
        "Follow the log until the container ends",
        "컨테이너가 끝날 때까지 로그를 계속 따라갑니다",
    ),
    ("Only the last N lines", "마지막 N줄만"),
    ("Show each line's time", "줄마다 시각을 붙입니다"),
    (
        "Only lines since a time (RFC 3339) or a duration ago (10m, 1h30m)",
        "어떤 시각(RFC 3339) 이후, 또는 지금부터 얼마 전(10m, 1h30m) 이후의 줄만",
    ),
    ("Do not attach stdin", "stdin은 연결하지 않습니다"),
    (
        "Print this for each, `{{.State.Status}}`-style paths filled in",
        "컨테이너마다 이 형식으로 출력합니다. `{{.State.Status}}` 같은 경로는 값으로 채워집니다",
    ),
    ("Only this port: PORT[/PROTO]", "이 포트만: PORT[/PROTO]"),
    (
        "Run it in the background and return at once",
        "백그라운드에서 실행하고 바로 돌아옵니다",
    ),
    (
        "Keep stdin open and pass it to the command",
        "stdin을 열어 둔 채 명령에 넘깁니다",
    ),
    (
        "Give it a terminal of its own (from the container's /dev/pts)",
        "명령에 자기만의 터미널을 줍니다 (컨테이너의 /dev/pts에서)",
    ),
    (
        "Set an environment variable (KEY=VALUE, or KEY to copy dockling's)",
        "환경변수를 설정합니다 (KEY=VALUE, dockling의 값을 그대로 넘기려면 KEY만)",
    ),
    (
        "Read environment variables from a file of KEY=VALUE lines",
        "KEY=VALUE 줄로 된 파일에서 환경변수를 읽습니다",
    ),
    (
        "The working directory inside the container [default: the container's]",
        "컨테이너 안의 작업 디렉토리 [기본값: 컨테이너의 작업 디렉토리]",
    ),
    (
        "Run as USER[:GROUP] (names from the container's /etc/passwd, or numbers)",
        "USER[:GROUP] 사용자로 실행합니다 (컨테이너의 /etc/passwd에 있는 이름이나 번호)",
    ),
    (
        "Options for ps(1) instead of dockling's own columns (docker runs ps too)",
        "dockling의 기본 열 대신 ps(1)에 넘길 옵션 (docker도 ps를 실행합니다)",
    ),
    (
        "Show every container (default: the running ones)",
        "모든 컨테이너를 보여 줍니다 (기본값: 실행 중인 것만)",
    ),
    (
        "Print one reading and end (the default when stdout is not a terminal)",
        "한 번만 재어 출력하고 끝냅니다 (stdout이 터미널이 아니면 이것이 기본)",
    ),
    ("Do not truncate ids", "id를 자르지 않습니다"),
    ("Do not ask for confirmation", "확인을 묻지 않습니다"),
    // ---- push ----
    (
        "Give an image another name: `tag SOURCE TARGET`",
        "이미지에 이름을 하나 더 붙입니다: `tag SOURCE TARGET`",
    ),
    (
        "Send an image to a registry: `push REGISTRY/NAME[:TAG]`",
        "이미지를 레지스트리로 올립니다: `push REGISTRY/NAME[:TAG]`",
    ),
    (
        "Find images at a registry (Docker Hub's search API, or a registry's catalog)",
        "레지스트리에서 이미지를 찾습니다 (Docker Hub의 검색 API, 또는 레지스트리의 카탈로그)",
    ),
    ("What the name contains", "이미지 이름에서 찾을 말"),
    (
        "At most this many results",
        "결과를 최대 몇 개까지 보여 줄지",
    ),
    (
        "Keep only some results: stars=N, is-official=true|false (repeat)",
        "조건에 맞는 결과만 남깁니다: stars=N, is-official=true|false (여러 번 쓸 수 있습니다)",
    ),
    (
        "The registry to ask [default: Docker Hub]",
        "물어볼 레지스트리 [기본값: Docker Hub]",
    ),
    (
        "Show whole descriptions",
        "설명을 자르지 않고 다 보여 줍니다",
    ),
    // ---- build ----
    (
        "Build an image from a Dockerfile: `build -t NAME[:TAG] CONTEXT`",
        "Dockerfile로 이미지를 빌드합니다: `build -t NAME[:TAG] CONTEXT`",
    ),
    (
        "Name the image NAME[:TAG]",
        "이미지에 NAME[:TAG] 이름을 붙입니다",
    ),
    (
        "The Dockerfile [default: CONTEXT/Dockerfile]",
        "Dockerfile [기본값: CONTEXT/Dockerfile]",
    ),
    (
        "Set a build argument an ARG declares: NAME=VALUE, or NAME to take it from the environment (repeat)",
        "ARG로 선언한 빌드 인자를 설정합니다: NAME=VALUE, 환경변수에서 가져오려면 NAME만 (여러 번 쓸 수 있습니다)",
    ),
    (
        "Run every step, using no cached one",
        "캐시된 단계를 쓰지 않고 모든 단계를 다시 실행합니다",
    ),
    (
        "The build context: the directory COPY and ADD take files from",
        "빌드 컨텍스트: COPY와 ADD가 파일을 가져오는 디렉토리",
    ),
    (
        "Make a new image from a container's changes",
        "컨테이너에서 바뀐 내용으로 새 이미지를 만듭니다",
    ),
    (
        "Commit message (the history entry's comment)",
        "커밋 메시지 (history 항목의 설명)",
    ),
    ("Author", "작성자"),
    (
        "Apply a Dockerfile instruction to the config: CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, USER, WORKDIR, STOPSIGNAL (repeat)",
        "설정에 Dockerfile 명령어를 적용합니다: CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, USER, WORKDIR, STOPSIGNAL (여러 번 쓸 수 있습니다)",
    ),
    (
        "Freeze a running container while its layer is read (--pause=false to not)",
        "레이어를 읽는 동안 실행 중인 컨테이너를 얼립니다 (얼리지 않으려면 --pause=false)",
    ),
    (
        "Show what a container changed: A added, C changed, D deleted",
        "컨테이너에서 바뀐 파일을 보여 줍니다: A 추가, C 변경, D 삭제",
    ),
    // ---- engines ----
    (
        "Disk usage, system-wide information, pruning: `system df|info|prune`",
        "디스크 사용량, 시스템 전체 정보, 정리: `system df|info|prune`",
    ),
    (
        "Show disk usage: images, containers, local volumes, build cache",
        "디스크 사용량을 보여 줍니다: 이미지, 컨테이너, 로컬 볼륨, 빌드 캐시",
    ),
    (
        "Show one line per image and per container",
        "이미지마다, 컨테이너마다 한 줄씩 보여 줍니다",
    ),
    (
        "Show system-wide information (as `docker info`)",
        "시스템 전체 정보를 보여 줍니다 (`docker info`처럼)",
    ),
    (
        "Remove stopped containers, unused networks, dangling images and build cache",
        "멈춘 컨테이너, 쓰지 않는 네트워크, 이름 없는(dangling) 이미지, 빌드 캐시를 지웁니다",
    ),
    (
        "Remove every image no container uses, not only dangling data",
        "이름 없는 데이터만이 아니라 어떤 컨테이너도 쓰지 않는 이미지를 모두 지웁니다",
    ),
    (
        "Show dockling's version, build and the kernel features it uses",
        "dockling의 버전과 빌드, 그리고 dockling이 쓰는 커널 기능을 보여 줍니다",
    ),
    (
        "Write a container or an image as an OCI runtime bundle (DIR/config.json, DIR/rootfs)",
        "컨테이너나 이미지를 OCI 런타임 번들로 씁니다 (DIR/config.json, DIR/rootfs)",
    ),
    (
        "A container (name or id), or an image to make one of with the defaults",
        "컨테이너(이름이나 id), 또는 기본 설정으로 컨테이너를 만들 이미지",
    ),
    (
        "The bundle's directory (made if missing; must be empty)",
        "번들을 둘 디렉토리 (없으면 만들고, 있으면 비어 있어야 합니다)",
    ),
    (
        "Kubernetes YAML for containers: `kube generate CONTAINER…`",
        "컨테이너에 맞는 Kubernetes YAML을 만듭니다: `kube generate CONTAINER…`",
    ),
    (
        "Print a Kubernetes Pod (and a Service for published ports) for containers",
        "컨테이너로 Kubernetes Pod를 출력합니다 (공개한 포트가 있으면 Service도)",
    ),
    ("The containers (names or ids)", "컨테이너 (이름이나 id)"),
    (
        "Also write a Service for published ports [default: when there are any]",
        "공개한 포트를 위한 Service도 씁니다 [기본값: 공개한 포트가 있을 때]",
    ),
];

/// The Korean of one English description, if the table has it.
pub fn korean(en: &str) -> Option<&'static str> {
    KO.iter().find(|(e, _)| *e == en).map(|(_, k)| *k)
}

/// The top of the Korean tree: clap's own `-h`, `-V` and `help` replaced by
/// dockling's with Korean help (same actions), then [`localize`].
pub fn localize_top(cmd: Command) -> Command {
    let cmd = cmd
        .disable_help_flag(true)
        .disable_version_flag(true)
        .disable_help_subcommand(true)
        .arg(
            // Global, as clap's is on every command; display order 999 is
            // clap's own, which puts it last.
            Arg::new("help")
                .short('h')
                .long("help")
                .action(ArgAction::Help)
                .global(true)
                .display_order(999)
                .help(HELP_FLAG.0)
                .long_help(HELP_FLAG.1),
        )
        .arg(
            Arg::new("version")
                .short('V')
                .long("version")
                .action(ArgAction::Version)
                .display_order(999)
                .help(korean("Print version").unwrap_or_default()),
        );
    localize(cmd)
}

/// One command in Korean: its description, its arguments', its
/// subcommands' (recursively, those built so far), a `help` subcommand
/// where it has subcommands, and Korean headings. Applying it twice
/// changes nothing more.
pub fn localize(mut cmd: Command) -> Command {
    if let Some(ko) = cmd.get_about().and_then(|a| korean(&a.to_string())) {
        cmd = cmd.about(ko);
    }
    if let Some(ko) = cmd.get_long_about().and_then(|a| korean(&a.to_string())) {
        cmd = cmd.long_about(ko);
    }
    let ids: Vec<clap::Id> = cmd.get_arguments().map(|a| a.get_id().clone()).collect();
    for id in ids {
        cmd = cmd.mut_arg(id, localize_arg);
    }
    let names: Vec<String> = cmd
        .get_subcommands()
        .map(|s| s.get_name().to_string())
        .collect();
    for name in &names {
        cmd = cmd.mut_subcommand(name, localize);
    }
    if !names.is_empty() && cmd.find_subcommand("help").is_none() {
        let help = Command::new("help").about(HELP_COMMAND.0).arg(
            Arg::new(HELP_COMMAND_ARG)
                .action(ArgAction::Append)
                .num_args(..)
                .value_name("COMMAND")
                .help(HELP_COMMAND.1),
        );
        let template = template(&help);
        cmd = cmd.subcommand(help.help_template(template));
    }
    let template = template(&cmd);
    cmd.help_template(template)
}

/// clap's default help template with Korean headings, and only the
/// sections this command has (clap's `{all-args}` leaves out empty ones
/// the same way). Options are always there: `-h` is.
fn template(cmd: &Command) -> StyledStr {
    let styles = cmd.get_styles();
    let (h, u) = (styles.get_header(), styles.get_usage());
    let mut t = format!("{{before-help}}{{about-with-newline}}\n{u}사용법:{u:#} {{usage}}\n");
    if cmd.get_subcommands().any(|s| !s.is_hide_set()) {
        t += &format!("\n{h}명령:{h:#}\n{{subcommands}}\n");
    }
    if cmd.get_positionals().any(|a| !a.is_hide_set()) {
        t += &format!("\n{h}인자:{h:#}\n{{positionals}}\n");
    }
    t += &format!("\n{h}옵션:{h:#}\n{{options}}{{after-help}}");
    StyledStr::from(t)
}

/// One argument in Korean: its help, and clap's notes after it
/// (`[env: …]`, `[default: …]`, possible values), which clap would write
/// in English, hidden and written again in Korean in the same places.
fn localize_arg(arg: Arg) -> Arg {
    let Some(en) = arg.get_help().map(|h| h.to_string()) else {
        return arg;
    };
    // Already Korean (a global flag met again below), or not in the table.
    let Some(ko) = korean(&en) else {
        return arg;
    };
    let mut notes = Vec::new();
    let mut arg = arg;
    if let Some(env) = arg.get_env() {
        // With its value now, as clap's (which reads it when the Arg is made).
        let value = match arg.is_hide_env_values_set() {
            true => String::new(),
            false => format!("={}", std::env::var_os(env).unwrap_or_default().display()),
        };
        notes.push(format!("[환경변수: {}{value}]", env.display()));
        arg = arg.hide_env(true);
    }
    let defaults = arg.get_default_values();
    if arg.get_action().takes_values() && !defaults.is_empty() {
        let d: Vec<_> = defaults.iter().map(|d| d.to_string_lossy()).collect();
        notes.push(format!("[기본값: {}]", d.join(" ")));
        arg = arg.hide_default_value(true);
    }
    // (A flag's values, true and false, are never shown.)
    let values: Vec<_> = arg
        .get_possible_values()
        .into_iter()
        .filter(|v| !v.is_hide_set() && arg.get_action().takes_values())
        .collect();
    if !values.is_empty() {
        // The short help has them on its line, as clap's -h.
        let names: Vec<&str> = values.iter().map(|v| v.get_name()).collect();
        let listed = format!("[가능한 값: {}]", names.join(", "));
        let short_help = [ko.to_string()]
            .into_iter()
            .chain(notes.iter().cloned())
            .chain([listed.clone()])
            .collect::<Vec<_>>()
            .join(" ");
        let long_help = if values.iter().any(|v| v.get_help().is_some()) {
            // As clap's long help lists them: one a line, helps aligned.
            let width = names.iter().map(|n| n.chars().count()).max().unwrap_or(0);
            let mut list = "\n\n가능한 값:".to_string();
            for v in &values {
                let help = v.get_help().map(|h| h.to_string()).unwrap_or_default();
                let help = korean(&help).map(str::to_string).unwrap_or(help);
                let pad = width - v.get_name().chars().count();
                list += &format!("\n- {}: {:pad$}{help}", v.get_name(), "");
            }
            format!("{ko}{list}{}", notes_block(&notes))
        } else {
            long_with_notes(ko, &notes, Some(&listed))
        };
        return arg
            .hide_possible_values(true)
            .help(short_help)
            .long_help(long_help);
    }
    if notes.is_empty() {
        return arg.help(ko);
    }
    let short_help = format!("{ko} {}", notes.join(" "));
    arg.help(short_help)
        .long_help(long_with_notes(ko, &notes, None))
}

/// The long help of an argument with notes: as clap's, the notes on
/// their own lines after a blank one.
fn long_with_notes(ko: &str, notes: &[String], values: Option<&str>) -> String {
    let mut all: Vec<String> = notes.to_vec();
    all.extend(values.map(str::to_string));
    format!("{ko}{}", notes_block(&all))
}

fn notes_block(notes: &[String]) -> String {
    if notes.is_empty() {
        String::new()
    } else {
        format!("\n\n{}", notes.join("\n"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::command_in;
    use crate::narrate::lang::{Lang, has_hangul};

    /// Every command of the tree, built (the deferred ones too), with its
    /// path: `dockling image inspect`.
    fn all_commands(lang: Lang) -> Vec<(String, Command)> {
        fn walk(cmd: &Command, path: String, out: &mut Vec<(String, Command)>) {
            for sub in cmd.get_subcommands() {
                walk(sub, format!("{path} {}", sub.get_name()), out);
            }
            out.push((path, cmd.clone()));
        }
        let mut top = command_in(lang);
        top.build();
        let mut out = Vec::new();
        walk(&top, "dockling".into(), &mut out);
        out
    }

    /// The descriptions of a command and of its arguments and their
    /// values: (where, text).
    fn descriptions(path: &str, cmd: &Command) -> Vec<(String, String)> {
        let mut out = Vec::new();
        for about in [cmd.get_about(), cmd.get_long_about()]
            .into_iter()
            .flatten()
        {
            out.push((path.to_string(), about.to_string()));
        }
        for arg in cmd.get_arguments().filter(|a| !a.is_hide_set()) {
            let at = format!("{path} {}", arg.get_id());
            for help in [arg.get_help(), arg.get_long_help()].into_iter().flatten() {
                out.push((at.clone(), help.to_string()));
            }
            if arg.get_action().takes_values() {
                for v in arg.get_possible_values() {
                    if let Some(help) = v.get_help() {
                        // Hidden by localize_arg, which writes their
                        // Korean into the long help instead.
                        let help = help.to_string();
                        let shown = match korean(&help) {
                            Some(ko) if arg.is_hide_possible_values_set() => ko.to_string(),
                            _ => help,
                        };
                        out.push((format!("{at}={}", v.get_name()), shown));
                    }
                }
            }
        }
        out
    }

    #[test]
    fn every_visible_description_is_korean() {
        let mut missing = Vec::new();
        let mut count = 0;
        for (path, cmd) in all_commands(Lang::Ko) {
            if cmd.is_hide_set() {
                continue;
            }
            if cmd.get_about().is_none() {
                missing.push(format!("{path}: no description"));
            }
            for (at, text) in descriptions(&path, &cmd) {
                count += 1;
                if !has_hangul(&text) {
                    missing.push(format!("{at}: {text}"));
                }
            }
        }
        assert!(count > 300, "only {count} descriptions found");
        assert!(
            missing.is_empty(),
            "{} descriptions without Korean, the first ones:\n{}",
            missing.len(),
            missing[..missing.len().min(10)].join("\n")
        );
    }

    /// What clap would write in English itself: none of it is left in
    /// any help page, short or long.
    #[test]
    fn no_help_page_has_clap_english() {
        let english = [
            "Usage:",
            "Commands:",
            "Arguments:",
            "Options:",
            "Print help",
            "Print version",
            "[default:",
            "[env:",
            "[possible values:",
            "Possible values:",
        ];
        let mut found = Vec::new();
        for (path, mut cmd) in all_commands(Lang::Ko) {
            if cmd.is_hide_set() {
                continue;
            }
            for page in [cmd.render_help(), cmd.render_long_help()] {
                let page = page.to_string();
                for e in english.iter().filter(|e| page.contains(*e)) {
                    found.push(format!("{path}: {e}"));
                }
            }
        }
        found.dedup();
        assert!(found.is_empty(), "English left:\n{}", found.join("\n"));
    }

    /// Every key of the table is an English description dockling has: a
    /// changed doc comment must take its Korean along.
    #[test]
    fn every_key_names_an_english_description() {
        let texts: std::collections::HashSet<String> = all_commands(Lang::En)
            .iter()
            .flat_map(|(path, cmd)| descriptions(path, cmd))
            .map(|(_, text)| text)
            .collect();
        let stale: Vec<&str> = KO
            .iter()
            .map(|(en, _)| *en)
            .filter(|en| !texts.contains(*en))
            .collect();
        assert!(stale.is_empty(), "not in dockling's help: {stale:#?}");
        let mut keys: Vec<&str> = KO.iter().map(|(en, _)| *en).collect();
        keys.sort();
        let before = keys.len();
        keys.dedup();
        assert_eq!(keys.len(), before, "a key is in the table twice");
        for (en, ko) in KO {
            assert!(has_hangul(ko), "{en}: no Hangul in {ko}");
        }
    }

    /// The English tree is untouched: clap's own help flag and headings.
    #[test]
    fn english_keeps_clap_own_texts() {
        let mut top = command_in(Lang::En);
        let page = top.render_help().to_string();
        assert!(page.contains("Usage: dockling"), "{page}");
        assert!(page.contains("Print help"), "{page}");
        assert!(!has_hangul(&page.replace("한국어 (Korean)", "")), "{page}");
    }
}
