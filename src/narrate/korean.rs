//! 한국어 내레이션: [`catalog`](super::catalog)의 영어 문장과 한 줄씩 짝을 이룹니다.
//!
//! The Korean catalog. Every function here mirrors one of `catalog.rs`
//! with the same signature and the same `{placeholders}`; the renderers
//! pick one or the other. Conventions, checked by the tests below:
//!
//! - 합니다체, short sentences: students read this while it runs.
//! - Vocabulary of the study notes (컨테이너, 이미지, 레이어, 네임스페이스,
//!   하이퍼바이저, 레지스트리, 디렉토리, 환경변수 …); system calls, file
//!   names, commands and flags stay in English. Stage N is "N단계";
//!   lesson N is "레슨 N" (`dockling lesson N`); a repository is 저장소,
//!   dockling's local image store is 스토어.
//! - `syscall` rows are code and are the English ones unchanged; by-hand
//!   lines keep their code and translate only the comment after `#` (a
//!   few English by-hand lines hold prose; here that prose becomes a
//!   comment and the code is kept).
//! - Korean particles depend on the last sound of the word before them
//!   (을/를, 이/가, 은/는, 와/과, 으로/로), and a placeholder's value is not
//!   known when the template is written. So a placeholder is followed only
//!   by a particle that never changes (에, 에서, 의, 도, 만, 부터, 까지),
//!   by a noun (`{signal} 시그널을`), or by nothing; where a particle is
//!   needed after a value, the value goes in parentheses after a noun
//!   (`주소({gateway})를`), as Korean writing does with glosses.

use super::Step;
use super::catalog::Narration;

/// What one cgroup file does, for the write that sets it.
pub fn cgroup_file_text(name: &str) -> &'static str {
    match name {
        "cgroup.subtree_control" => {
            "v2 전용: 이 cgroup의 자식들이 이 컨트롤러들을 쓸 수 있게 합니다. 컨트롤러를 \
            아래로 넘겨주는 cgroup은 직접 프로세스를 담을 수 없습니다(no-internal-processes 규칙)."
        }
        "memory.max" | "memory.limit_in_bytes" => {
            "그룹이 쓸 수 있는 메모리의 상한입니다. 이를 넘으면 커널이 회수할 수 있는 것(페이지 \
            캐시, 스왑)을 회수하고, 그래도 모자라면 OOM killer가 그룹 안의 프로세스 하나를 죽입니다."
        }
        "memory.swap.max" => {
            "v2: memory.max에 더해 그룹이 쓸 수 있는 스왑의 양입니다(docker의 --memory-swap은 \
            메모리와 스왑을 합친 값입니다)."
        }
        "memory.memsw.limit_in_bytes" => {
            "v1: 메모리와 스왑을 합친 상한입니다(스왑 어카운팅이 켜져 있을 때만 있습니다)."
        }
        "cpu.max" => {
            "v2: QUOTA PERIOD, 단위는 마이크로초입니다. 그룹은 PERIOD µs마다 모든 CPU를 합쳐 \
            QUOTA µs만큼 CPU 시간을 쓸 수 있고, 다 쓰면 다음 주기까지 스로틀링됩니다."
        }
        "cpu.cfs_quota_us" | "cpu.cfs_period_us" => {
            "v1: CFS 대역폭 제어의 quota와 period, 단위는 마이크로초입니다(v2에서는 cpu.max \
            하나로 합쳐졌습니다)."
        }
        "cpu.weight" => {
            "v2: CPU가 바쁠 때 그룹이 받는 CPU 몫, 1~10000입니다(docker의 --cpu-shares를 v1의 \
            2~262144 범위에서 변환한 값입니다)."
        }
        "cpu.shares" => "v1: CPU가 바쁠 때 그룹이 받는 상대적인 CPU 몫입니다(기본값 1024).",
        "pids.max" => {
            "그룹이 가질 수 있는 프로세스와 스레드 수의 상한입니다. 넘으면 fork와 clone이 \
            EAGAIN으로 실패합니다. fork 폭탄도 여기서 멈춥니다."
        }
        "cgroup.procs" => {
            "프로세스를 이 그룹으로 옮깁니다. 컨테이너의 프로세스는 명령을 exec하기 전에 \
            옮겨지므로, 명령은 한순간도 제한 없이 실행되지 않습니다."
        }
        _ => "",
    }
}

/// How the device rules reach the kernel, per cgroup version: the system
/// calls (code, as in English), and the same by hand.
pub fn devices_text(version: &str) -> (&'static str, &'static str) {
    match version {
        "v1" => (
            "write(\"{dir}/devices.deny\", \"a\"); write(\"{dir}/devices.allow\", \"c 1:3 rwm\") and one for each rule",
            "echo a > {dir}/devices.deny; echo 'c 1:3 rwm' > {dir}/devices.allow …; cat {dir}/devices.list",
        ),
        _ => (
            "bpf(BPF_PROG_LOAD, BPF_PROG_TYPE_CGROUP_DEVICE, {instructions} instructions); \
             bpf(BPF_PROG_ATTACH, \"{dir}\", BPF_CGROUP_DEVICE)",
            "bpftool cgroup list {dir}   # v2에는 devices.allow 파일이 없습니다: 규칙이 곧 BPF 프로그램입니다",
        ),
    }
}

/// How what is left in a cgroup is killed before rmdir (see
/// `catalog::undo_cgroup_text`). The first two are code and stay English;
/// the shared parent's line is prose.
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
            "상위 그룹에는 프로세스가 없습니다. 다른 컨테이너의 cgroup이 하나도 남지 않았을 때만 지웁니다",
            "",
        ),
    }
}

/// The by-hand line of `clone`: a shell to type the next steps' lines
/// in, in new namespaces when there are any.
pub fn clone_text(namespaces: bool) -> &'static str {
    if namespaces {
        "unshare --fork{unshare_flags} sh   # 새 네임스페이스 안의 셸입니다: 이어지는 명령들을 여기에 입력하세요"
    } else {
        "sh   # 셸은 명령마다 자식 프로세스를 fork합니다: 이어지는 명령들을 이 셸에 입력하세요"
    }
}

/// Where the seccomp filter's program came from (`render()` inlines the
/// English of this as the `built` field).
pub fn built_text(prebuilt: bool) -> &'static str {
    if prebuilt {
        "dockling을 빌드할 때 한 번 컴파일해 둔 것"
    } else {
        "이 케이퍼빌리티 조합에 맞춰 clone 전에 컴파일한 것"
    }
}

/// The summary's VM line: figures `dockling compare` measured on this
/// machine when there are any, else where to get them.
pub fn summary_vm_text(measured: bool) -> &'static str {
    if measured {
        "이 머신에서 {vm_kind} 게스트는 전원을 켠 뒤 같은 명령이 실행되기까지 {vm_start} 걸렸고, VM \
         프로세스는 메모리를 {vm_memory} 썼습니다(`dockling compare`로 측정)."
    } else {
        "`dockling compare`는 이 머신에서 VM을 측정합니다: 같은 파일로 게스트 커널을 부팅해 같은 명령을 \
         실행하고, 그 뒤로는 이 줄에 그 수치를 보여 줍니다."
    }
}

/// What a stage adds to the one before, and how to do the same by hand.
/// `mount_ns` is false when `--ns` left out the mount namespace.
pub fn stage_text(stage: &str, mount_ns: bool) -> (&'static str, &'static str) {
    match (stage, mount_ns) {
        ("chroot", _) => (
            "1단계에서 바뀌는 것은 하나, 프로세스의 루트 디렉토리뿐입니다. 나머지는 모두 호스트의 것을 \
             그대로 씁니다.",
            "sudo chroot {rootfs} {command}",
        ),
        ("namespaces", true) => (
            "2단계는 네임스페이스를 더합니다: 자기만의 프로세스 테이블, 마운트 트리, 호스트 이름, IPC를 \
             갖고, 루트는 pivot_root로 바꾸며, 케이퍼빌리티도 줄입니다.",
            "sudo unshare{unshare_flags} --fork --root={rootfs} --mount-proc {command}",
        ),
        ("namespaces", false) => (
            "2단계는 네임스페이스를 더하는데, 여기서는 {namespaces}만 씁니다(--ns). 마운트 네임스페이스가 \
             없으니 따로 마운트하는 것이 없고(자기만의 /proc, /sys, /dev 없음) pivot_root도 없습니다. \
             루트는 1단계처럼 chroot로 바꾸므로 레슨 1의 탈출이 다시 통합니다. 케이퍼빌리티는 평소처럼 \
             줄입니다.",
            "sudo unshare{unshare_flags} --fork --root={rootfs} {command}",
        ),
        ("cgroups", _) => (
            "3단계는 cgroup을 더합니다: 메모리, CPU, 프로세스 수를 제한하고, 컨테이너가 쓴 자원을 \
             보고합니다.",
            "sudo systemd-run --scope -p MemoryMax=… -p CPUQuota=… unshare{unshare_flags} --fork \
             --root={rootfs} --mount-proc {command}",
        ),
        ("overlay", _) => (
            "4단계는 레이어를 더합니다: rootfs와 각 --layer는 overlayfs 아래에서 읽기 전용으로 남고, \
             컨테이너가 쓰는 것은 모두 새 upper 디렉토리에 쌓입니다.",
            "sudo mount -t overlay overlay -o lowerdir=…,upperdir=…,workdir=… merged && sudo \
             unshare{unshare_flags} --fork --root=merged --mount-proc {command}",
        ),
        ("network", _) => (
            "5단계는 네트워크 네임스페이스를 더합니다: 컨테이너는 자기만의 인터페이스와 라우팅 테이블을 \
             갖고, veth 쌍으로 호스트의 브리지에 연결됩니다. 밖으로 나가는 트래픽은 NAT로, 공개한 \
             포트는 DNAT로 처리합니다.",
            "sudo ip netns add c && sudo ip link add veth0 type veth peer name eth0 netns c && …   \
             # 레슨 5에서 한 단계씩 직접 해 봅니다",
        ),
        ("run", _) => (
            "6단계는 이미지를 실행합니다: 레지스트리에서 받은 이미지의 레이어가 4단계의 읽기 전용 \
             레이어가 되고, 이미지의 config가 명령, 환경변수, 작업 디렉토리를 정하며, 2·3·5단계가 \
             네임스페이스, 자원 제한, 네트워크를 더합니다.",
            "skopeo copy docker://IMAGE oci:dir && umoci unpack --image dir bundle && runc run -b bundle c",
        ),
        _ => ("", ""),
    }
}

/// The Korean text for one step. `syscall` is always the English one
/// (code), and so is `shell` unless it has a comment or prose to translate.
pub fn korean(step: Step) -> Narration {
    let en = super::catalog::english(step);
    match step {
        Step::Start => Narration {
            title: "`{command}` 실행, 루트는 {rootfs} ({stage})",
            why: "컨테이너는 평범한 호스트 프로세스입니다. 다만 커널이 그 프로세스에게 머신을 다르게 \
                  보여 줄 뿐입니다. {adds}",
            vm: "VM이라면 먼저 게스트 전체를 부팅해야 합니다: 펌웨어, 부트 로더, 자체 커널, init. 몇 초가 \
                 걸립니다. 프로세스 하나를 시작하는 데는 1밀리초 정도면 됩니다.",
            ..en
        },
        Step::Journal => Narration {
            title: "이번 실행을 {dir}에 기록",
            why: "dockling이 호스트에 만드는 것은 모두, 만들기 전에 먼저 이 저널에 적습니다. 그래서 정상 \
                  종료, 오류, Ctrl-C 때 되돌릴 수 있고, dockling 자체가 강제 종료되더라도 `dockling \
                  cleanup`이 뒷정리를 마칠 수 있습니다.",
            vm: "하이퍼바이저는 VM마다 상태(디스크, NIC, 메모리)를 관리하고, VM을 삭제하면 전부 \
                 해제합니다.",
            ..en
        },
        Step::Clone => Narration {
            title: "컨테이너가 될 프로세스 시작",
            why: "모든 프로세스는 다른 프로세스를 복사해서 만들어집니다. 자식은 dockling의 메모리와 열린 \
                  파일의 복사본을 가진 채 스스로 준비를 마치고, 실행할 명령을 exec합니다. 새 네임스페이스: \
                  {namespaces}.",
            vm: "하이퍼바이저는 가상 CPU를 만들고 그 위에 게스트 커널을 부팅합니다. 여기에는 게스트 커널이 \
                 없습니다: pid {pid}도 호스트 커널 위의 프로세스 하나일 뿐입니다(`ps`로 찾아보세요).",
            ..en
        },
        Step::Cgroup => Narration {
            title: "컨테이너의 cgroup 생성 (cgroup {version})",
            why: "이 호스트의 cgroup 구성: {layout}. dockling은 v2 트리에 memory, cpu, pids 컨트롤러가 \
                  있으면 v2를, 없으면 v1을 씁니다. 그룹은 루트 바로 아래의 `dockling` 상위 그룹 밑에 \
                  둡니다. 그 자리에서는 systemd가 자기가 만들지 않은 cgroup을 관리하지 않습니다.",
            vm: "하이퍼바이저는 부팅할 때 VM에 vCPU와 RAM을 줍니다. 게스트 커널은 받은 것 이상을 쓸 수 \
                 없습니다. 실행 중에 바꿀 수도 있지만(balloon 드라이버, CPU·메모리 핫플러그, `virsh \
                 setmem --live`) 게스트가 협조해야 하고, 게스트가 쥔 RAM은 공유되지 않습니다.",
            ..en
        },
        Step::CgroupWrite => Narration {
            title: "{name} 파일에 {value} 쓰기",
            why: "{about}",
            vm: "VM의 제한은 하이퍼바이저의 설정입니다: 부팅 때 준 vCPU와 RAM이고, 실행 중에는 게스트를 \
                 거쳐야만(balloon, 핫플러그) 바꿀 수 있습니다.",
            ..en
        },
        Step::Devices => Narration {
            title: "컨테이너가 자기 장치만 열 수 있게 제한 (규칙 {count}개, cgroup {version})",
            why: "CAP_MKNOD가 있으면 root는 어떤 장치 번호로든 노드를 만들 수 있고, 커널은 장치를 경로가 \
                  아니라 번호로 엽니다: /dev/kvm, 호스트의 디스크, /dev/kmsg. cgroup의 장치 규칙은 어떤 \
                  번호를 열어도 되는지 정합니다. 노드를 만드는 것은 허용하고(해가 없으니까요), 열 수 있는 \
                  것은 {rules}뿐입니다.",
            vm: "VM은 하이퍼바이저가 에뮬레이션하는 장치만 봅니다. 호스트의 장치는 일부러 \
                 패스스루(vfio)해야만 VM에 닿습니다.",
            ..en
        },
        Step::NoDeviceCgroup => Narration {
            title: "이 단계에는 장치 규칙이 없으므로 CAP_MKNOD도 제거",
            why: "장치 규칙은 cgroup에 속하는데, 이 단계에는 cgroup이 없습니다. 규칙이 없으면 mknod로 만든 \
                  노드로 호스트의 어떤 장치든 열 수 있으므로, 2단계는 CAP_MKNOD도 버립니다. docker처럼 \
                  3단계에서 규칙과 함께 되돌려 줍니다.",
            shell: "mknod /tmp/kvm c 10 232   # 컨테이너 안에서: Operation not permitted",
            vm: "게스트는 mknod를 마음대로 해도 됩니다: 그 번호들은 게스트 자신의 가상 장치를 가리킵니다.",
            ..en
        },
        Step::OverlayDirs => Narration {
            title: "{dir}에 컨테이너의 쓰기 가능 레이어 만들기",
            why: "upper는 컨테이너가 만드는 모든 변경을 받습니다. work는 overlayfs의 작업 공간으로, upper와 \
                  같은 파일 시스템에 있어야 합니다. merged는 합쳐진 트리가 나타나는 곳입니다. 읽기 전용 \
                  레이어 {layers}개는 맨 아래 {bottom}부터 차례로 l/ 밑에 짧은 이름을 받습니다. 그래야 \
                  레이어가 백 개라도 마운트 옵션이 한 페이지에 들어갑니다.",
            vm: "VM이라면 베이스 이미지를 backing file로 삼는 새 qcow2 파일을 만듭니다: 쓰기는 새 파일로 \
                 가고, 베이스는 절대 바뀌지 않습니다.",
            ..en
        },
        Step::MountOverlay => Narration {
            title: "레이어들을 {merged}에 하나의 트리로 마운트",
            why: "overlayfs는 이름을 먼저 upper에서 찾고, 없으면 lower 레이어를 위에서부터 차례로 찾습니다. \
                  lower에 있는 파일에 쓰면 먼저 upper로 복사합니다(Copy-on-Write). 파일을 지우면 upper에 \
                  whiteout이 남습니다. 마운트는 컨테이너의 마운트 네임스페이스 안에서 하므로 호스트에는 \
                  보이지 않고, 컨테이너와 함께 사라집니다.",
            vm: "하이퍼바이저는 qcow2 체인을 엽니다: 읽기는 backing file까지 내려가고, 쓰기는 맨 위에 \
                 쌓입니다.",
            ..en
        },
        Step::NetSubnetMoved => Narration {
            title: "네트워크 {network}의 서브넷 변경: {old} → {subnet} (호스트가 지금 {old} 대역을 사용 중)",
            why: "주소는 상태 루트 하나가 아니라 호스트 전체의 것입니다. {network} 네트워크를 정의한 뒤로 \
                  다른 무언가(다른 dockling 루트의 브리지, VPN, LAN)가 {old} 대역을 가져갔습니다. 이 \
                  서브넷은 dockling이 직접 고른 것이므로, 이미 다른 곳으로 이어지는 주소를 나눠 주는 대신 \
                  다음 빈 서브넷으로 옮깁니다. --subnet으로 지정한 서브넷은 절대 옮기지 않습니다: 그때는 \
                  실행을 거부합니다.",
            vm: "libvirt도 호스트가 이미 라우팅하고 있는 서브넷의 네트워크는 시작하지 않습니다.",
            ..en
        },
        Step::NetBridge => Narration {
            title: "네트워크 {network}의 브리지 {bridge} 생성, 게이트웨이 {gateway}/{prefix}",
            why: "브리지는 소프트웨어로 만든 스위치입니다: {network} 네트워크의 컨테이너는 모두 여기에 \
                  연결됩니다. 브리지가 네트워크의 첫 주소({gateway})를 가지므로 호스트가 컨테이너들의 \
                  라우터(기본 게이트웨이)가 됩니다. 브리지는 네트워크에 첫 컨테이너가 들어올 때 만들어지고, \
                  `dockling network rm`으로 네트워크를 지울 때까지 남습니다. 인터페이스 이름과 주소는 호스트 \
                  전체의 것이므로, 별칭(alias)에 주인을 적어 두고(`ip link`로 보입니다), 서브넷은 호스트의 \
                  모든 라우팅 경로와 주소에 겹치지 않는지 확인했으며, 다른 상태 루트의 네트워크는 자기 \
                  브리지를 따로 갖습니다.",
            vm: "하이퍼바이저 호스트에도 같은 것이 있습니다: VM의 tap 장치가 연결되는 브리지(virbr0, \
                 vmbr0).",
            ..en
        },
        Step::NetBridgeShared => Narration {
            title: "브리지 {bridge} 이미 동작 중 (다른 컨테이너 {others}개 연결됨)",
            why: "한 네트워크의 컨테이너들은 브리지 하나를 함께 씁니다. 스위치 하나에 꽂힌 컴퓨터들처럼요. \
                  그래서 서로 통신할 수 있습니다.",
            vm: "한 호스트 브리지에 연결된 VM들도 똑같이 브리지를 공유합니다.",
            ..en
        },
        Step::NetNat => Narration {
            title: "{subnet} 대역 컨테이너의 라우팅과 NAT",
            why: "이 서브넷은 사설 대역이라 바깥에서 돌아올 경로가 없습니다. IPv4 포워딩을 켜면 호스트가 \
                  인터페이스 사이에서 패킷을 라우팅합니다(포워딩 상태: {forwarding}). MASQUERADE는 나가는 \
                  패킷마다 출발지 주소를 호스트 자신의 주소로 바꾸고, 응답은 다시 되돌려 바꿉니다. FORWARD \
                  규칙은 DROP 정책 아래에서도 컨테이너가 밖으로 나가게 하고(이 호스트의 FORWARD 정책: \
                  {policy}), 같은 네트워크의 컨테이너끼리 통신하게 하며, 다른 dockling 네트워크로 가는 \
                  트래픽은 버립니다:\n{rules}",
            shell: "sysctl -w net.ipv4.ip_forward=1   # 이어서 위의 iptables 명령들",
            vm: "libvirt의 기본 네트워크도 VM들을 위해 정확히 이렇게 합니다: 브리지, ip_forward, \
                 MASQUERADE 규칙.",
            ..en
        },
        Step::NetNatKept => Narration {
            title: "{subnet} 대역의 라우팅·NAT 규칙 유지 (브리지 {bridge} 생성 때 추가됨)",
            why: "네트워크의 NAT·포워딩 규칙은 docker처럼 네트워크에 속합니다: 브리지가 생길 때 추가되고 \
                  `dockling network rm`까지 남습니다. 기록 파일이 그 사실을 알려 주고, 파일을 읽는 데는 몇 \
                  마이크로초면 됩니다. iptables에 물어보면 프로세스를 하나 띄워야 합니다(약 10 ms). 그래서 \
                  포트를 공개하지 않는 컨테이너는 방화벽을 건드리지 않고 시작합니다.",
            vm: "libvirt도 네트워크 규칙을 VM마다가 아니라 네트워크를 시작할 때 추가합니다.",
            ..en
        },
        Step::NetLease => Narration {
            title: "네트워크 {network}({subnet})에서 주소 {ip} 임대",
            why: "컨테이너마다 자기 주소가 필요합니다. 임대는 잠금을 잡은 채 만드는 파일이므로, 같은 순간에 \
                  시작한 두 컨테이너가 같은 주소를 받는 일은 없습니다. 컨테이너가 끝나면 임대를 \
                  반납합니다.",
            vm: "VM은 보통 호스트의 DHCP 서버(virbr0의 dnsmasq)에 주소를 요청합니다.",
            ..en
        },
        Step::NetFiles => Narration {
            title: "컨테이너의 /etc/hosts, /etc/resolv.conf, /etc/hostname 작성",
            why: "hosts는 이름 {names}에 {ip} 주소를 대응시킵니다(--add-host 항목 {extra}개 추가). \
                  resolv.conf에 적는 DNS 서버는 {source}에서 가져온 {servers}입니다. 이 파일들은 이미지의 \
                  원래 파일 위에 바인드 마운트되므로 이미지는 바뀌지 않습니다.",
            vm: "VM의 게스트는 DHCP로 리졸버 정보를 받아 이 파일들을 직접 씁니다.",
            ..en
        },
        Step::NetPeers => Narration {
            title: "네트워크 {network}의 이름: {hosts}에 {names} 등록, 다른 컨테이너 {others}개도 이 \
                    컨테이너의 이름을 알게 됨",
            why: "직접 만든 네트워크에서는 docker처럼 컨테이너끼리 이름(--name, --network-alias)으로 서로를 \
                  찾습니다. docker는 각 컨테이너 안의 127.0.0.11에 내장 DNS 서버를 두고, 컨테이너가 도는 \
                  동안 데몬이 그 이름에 답합니다. dockling에는 데몬이 없으므로, 대신 모든 멤버의 /etc/hosts를 \
                  최신으로 유지합니다: 컨테이너가 네트워크에 들어오거나 나갈 때마다 각 파일을 제자리에서 \
                  다시 씁니다(바인드 마운트가 inode를 고정하기 때문입니다). 이름은 네트워크를 넘어가지 않고, \
                  기본 네트워크는 docker와 마찬가지로 이름을 하나도 풀어 주지 않습니다.",
            vm: "VM도 DNS 서버에 물어봅니다: libvirt의 dnsmasq가 자기 DHCP 서버가 나눠 준 이름에 \
                 답합니다.",
            ..en
        },
        Step::NetConnect => Narration {
            title: "네트워크 {network}에 {inside} 연결: 브리지 {bridge}에 {host}, 주소 {ip}/{prefix}",
            why: "컨테이너는 여러 네트워크에 동시에 속할 수 있습니다: 네트워크마다 veth 쌍이 하나씩 \
                  늘어납니다. 컨테이너 네임스페이스 쪽 끝의 이름은 eth1, eth2 …이고, 다른 쪽 끝은 그 \
                  네트워크의 브리지에 꽂히며, 주소도 그 네트워크에서 임대합니다. 새 인터페이스는 기본 \
                  라우트를 받지 않습니다(기본 라우트는 eth0에 그대로 있습니다). 그래서 트래픽은 첫 \
                  네트워크로 나가고, 이 네트워크의 서브넷으로 가는 것만 새 인터페이스로 직접 나갑니다. 컨테이너가 실행 중이어도 연결할 수 있는 것은, \
                  컨테이너의 네임스페이스에 밖에서 닿을 수 있기 때문입니다.",
            vm: "실행 중인 VM에 두 번째 가상 NIC를 핫플러그하는 것과 같습니다(`virsh attach-interface`): \
                 게스트에는 새 장치가 나타납니다.",
            ..en
        },
        Step::NetDisconnect => Narration {
            title: "네트워크 {network}에서 {inside} 분리: {host} 삭제, 주소 {ip} 반납",
            why: "veth 쌍은 한쪽 끝을 지우면 다른 쪽도 지워지므로, 실행 중인 컨테이너에서 {inside} \
                  인터페이스가 사라집니다. 임대는 반납하고, {network} 네트워크의 다른 컨테이너들은 이 \
                  컨테이너의 이름을 잊습니다.",
            vm: "VM의 NIC를 핫언플러그하는 것과 같습니다(`virsh detach-interface`).",
            ..en
        },
        Step::NetVeth => Narration {
            title: "veth 쌍 생성: 호스트 쪽 {host}, 컨테이너 쪽 {inside}",
            why: "veth 쌍은 가상 케이블입니다: 한쪽 끝에 보낸 패킷이 다른 쪽 끝으로 나옵니다. 한쪽 끝은 \
                  처음부터 컨테이너의 네트워크 네임스페이스(pid {pid}의 것) 안에 만들어지고, 거기서는 lo를 \
                  빼면 유일한 인터페이스입니다.",
            vm: "하이퍼바이저는 VM에 가상 NIC(virtio-net)를 주고, 호스트에서는 tap 장치가 그 뒤를 \
                 받칩니다.",
            ..en
        },
        Step::NetPlug => Narration {
            title: "브리지 {bridge}에 {host} 연결",
            why: "케이블의 호스트 쪽 끝을 스위치에 꽂습니다. 이제 컨테이너의 패킷은 브리지에 닿고, 브리지를 \
                  거쳐 다른 컨테이너와 호스트에 닿습니다.",
            vm: "VM의 tap 장치도 같은 방식으로 호스트 브리지에 추가됩니다.",
            ..en
        },
        Step::NetLoopback => Narration {
            title: "컨테이너 안의 lo 올리기",
            why: "새 네트워크 네임스페이스에는 루프백 인터페이스 하나뿐이고, 그마저 내려가 있습니다: \
                  올리기 전에는 127.0.0.1도 동작하지 않습니다. dockling은 컨테이너 안을 밖에서 설정합니다. \
                  컨테이너의 네임스페이스 안에서 연 netlink 소켓을 통해서입니다.",
            vm: "게스트 커널은 부팅할 때 자기 루프백을 직접 올립니다.",
            ..en
        },
        Step::NetAddress => Narration {
            title: "{inside}에 주소 {ip}/{prefix} 부여, 기본 라우트는 {gateway} 경유",
            why: "브리지 서브넷의 주소가 있으면 컨테이너는 이웃과 직접 통신할 수 있습니다. 나머지는 모두 \
                  게이트웨이, 즉 호스트에 있는 브리지의 주소로 보내고, 그다음은 호스트가 라우팅합니다.",
            vm: "게스트는 NIC를 직접 설정합니다. 보통 DHCP를 씁니다.",
            ..en
        },
        Step::NetPort => Narration {
            title: "{map} 공개: 호스트 포트 {host_port}/{proto} → {target}",
            why: "호스트 밖에서는 아무도 컨테이너의 주소로 찾아올 수 없으므로, 호스트가 포트를 빌려줍니다. \
                  다른 머신에서 온 패킷은 도착할 때 DNAT로 주소가 바뀝니다. 127.0.0.1을 포함해 호스트 \
                  자신의 주소로 오는 연결은 {listen}:{host_port}에서 대기하는 dockling 프록시가 받아, \
                  바이트를 그대로 {target}에 전달합니다(docker의 docker-proxy도 같은 일을 합니다). \
                  규칙:\n{rules}",
            shell: "socat TCP-LISTEN:{host_port},fork TCP:{target}   # 예시: 위의 iptables 명령들과 함께",
            vm: "NAT 뒤의 VM에도 같은 포트 포워딩이 필요합니다(예: QEMU의 hostfwd=tcp::{host_port}-:…).",
            ..en
        },
        Step::BindFiles => Narration {
            title: "실행 디렉토리에서 {targets} 바인드 마운트",
            why: "바인드 마운트는 파일을 두 번째 위치에도 보이게 합니다. 컨테이너는 이 경로들에서 이번 \
                  실행의 파일을 봅니다. rootfs에 있던 파일은 가려질 뿐 바뀌지 않습니다.",
            vm: "VM은 공유 폴더(virtiofs, 9p)를 설정하지 않으면 호스트와 공유하는 파일이 없습니다.",
            ..en
        },
        Step::Namespaces => Narration {
            title: "컨테이너의 네임스페이스와 호스트의 네임스페이스 비교",
            why: "링크 하나가 네임스페이스 하나를 가리킵니다. 번호가 다르면 별개의 테이블입니다. {compare}",
            vm: "VM에는 비교할 이런 링크가 없습니다: 커널 자체가 완전히 다른 커널입니다.",
            ..en
        },
        Step::CloseFds => Narration {
            title: "stdin, stdout, stderr만 남기고 열린 파일 모두 닫기",
            why: "자식은 부모의 열린 파일을 모두 물려받습니다. dockling을 부른 셸이 열어 둔 디스크립터(`exec \
                  9</`), 소켓, dockling 자신의 실행 저널이 컨테이너로 넘어가면, /proc/self/fd/9를 통해 \
                  호스트의 파일로 되돌아가는 길이 생깁니다. 0, 1, 2만 넘깁니다.",
            shell: "ls -l /proc/$$/fd   # 셸이 물려주는 것들입니다. `exec 9<&-`로 하나를 닫습니다",
            vm: "VM은 호스트와 열린 파일을 공유하지 않습니다: 디스크와 네트워크는 하이퍼바이저가 \
                 에뮬레이션하는 장치입니다.",
            ..en
        },
        Step::Session => Narration {
            title: "제어 터미널 없는 새 세션 시작",
            why: "dockling을 시작한 셸의 터미널이 컨테이너의 터미널이 되면 안 됩니다. 어떤 터미널을 제어 \
                  터미널로 가진 프로세스는 그 터미널에 키 입력을 밀어 넣을 수 있고(ioctl TIOCSTI), \
                  dockling이 끝난 뒤 호스트 셸이 그 입력을 실행하게 됩니다. 자기만의 세션에 있는 \
                  컨테이너에는 제어 터미널이 없습니다. 출력은 파이프를 거쳐, -t를 주면 컨테이너 전용 \
                  터미널을 거쳐 여러분의 터미널에 닿습니다.",
            vm: "VM의 콘솔은 가상 시리얼 포트나 화면입니다. 호스트의 터미널을 쥐는 일은 없습니다.",
            ..en
        },
        Step::Terminal => Narration {
            title: "컨테이너에 전용 터미널 {pts} 할당",
            why: "-t: 컨테이너 자신의 devpts에서 의사 터미널 쌍을 만듭니다. 컨테이너는 slave 쪽을 제어 \
                  터미널이자 stdin, stdout, stderr로 씁니다(`tty`의 출력: {pts}). master 쪽은 동기화 \
                  소켓으로 dockling에 넘어가고, dockling은 이것과 여러분의 터미널 사이에서 입출력을 \
                  복사합니다. 여러분의 터미널은 raw 모드로 바꿔서 Ctrl-C, Tab, 화살표 키가 컨테이너에 \
                  그대로 닿게 합니다.",
            shell: "script -q -c '<command>' /dev/null   # 새 pty에서 명령을 실행합니다",
            vm: "VM의 콘솔은 가상 시리얼 포트이고, 하이퍼바이저가 이를 호스트의 pty에 연결합니다.",
            ..en
        },
        Step::Hostname => Narration {
            title: "호스트 이름 설정: {hostname}",
            why: "자기 UTS 네임스페이스 안에서는 컨테이너가 호스트 이름을 바꿀 수 있습니다. 호스트의 이름은 \
                  그대로입니다(호스트에서 `hostname`을 실행해 보세요).",
            vm: "VM의 호스트 이름은 게스트 커널의 것입니다.",
            ..en
        },
        Step::MountPrivate => Narration {
            title: "모든 마운트를 private으로 설정",
            why: "새 마운트 네임스페이스는 호스트의 복사본으로 시작하고, 기본적으로 둘 사이에 마운트가 \
                  전파될 수 있습니다(shared subtree). private으로 바꾸면 여기서 마운트한 것은 호스트에 \
                  나타나지 않고, 나중에 호스트가 마운트한 것도 여기에 나타나지 않습니다.",
            vm: "게스트 커널은 처음부터 자기 마운트 테이블을 가집니다. 호스트의 마운트는 닿지 않습니다.",
            ..en
        },
        Step::BindRootfs => Narration {
            title: "rootfs를 자기 자신 위에 바인드 마운트",
            why: "pivot_root(2)는 새 루트가 마운트 지점이어야 합니다. 디렉토리를 자기 자신 위에 바인드 \
                  마운트하면 마운트 지점이 됩니다.",
            vm: "VM의 루트는 별도의 (가상) 디스크이고, 처음부터 독립된 파일 시스템입니다.",
            ..en
        },
        Step::MountProc => Narration {
            title: "새 /proc 마운트",
            why: "procfs는 자신이 마운트된 PID 네임스페이스의 프로세스를 보여 줍니다: 안에서 `ps`를 \
                  실행하면 컨테이너의 프로세스만 나오고, 명령은 PID 1입니다.",
            vm: "게스트 커널에는 게스트의 프로세스만 보여 주는 자체 /proc이 있습니다.",
            ..en
        },
        Step::MountSys => Narration {
            title: "/sys를 읽기 전용으로 마운트",
            why: "프로그램은 장치와 커널 정보를 /sys에서 읽습니다. 읽기 전용이면 /sys를 통해 호스트 커널의 \
                  설정을 바꿀 수 없습니다.",
            vm: "게스트의 /sys는 게스트의 가상 하드웨어를 보여 줍니다.",
            ..en
        },
        Step::MountDev => Narration {
            title: "작은 /dev 만들기: {devices}",
            why: "호스트의 /dev에는 디스크를 비롯한 모든 장치가 있습니다. 컨테이너는 해가 없는 장치 몇 개와 \
                  자기 의사 터미널(새 devpts 인스턴스), 자기 /dev/shm만 받습니다.",
            vm: "VM은 하이퍼바이저가 에뮬레이션하는 가상 장치만 봅니다.",
            ..en
        },
        Step::MaskPaths => Narration {
            title: "/proc과 /sys에서 호스트 커널에 닿는 것 가리기",
            why: "/proc의 일부는 여전히 호스트 커널에 닿습니다: /proc/kcore는 커널의 메모리이고, \
                  /proc/sysrq-trigger로는 커널을 재부팅할 수 있으며, /proc/sys로는 커널을 조정합니다. \
                  dockling은 runc처럼 /proc/kcore, /proc/keys 같은 파일은 /dev/null로, /proc/acpi 같은 \
                  디렉토리는 빈 tmpfs로 덮고, /proc/sys, /proc/sysrq-trigger, /proc/irq, /proc/bus는 읽기 \
                  전용으로 만듭니다(이 커널에 있는 것만).",
            vm: "게스트의 /proc/kcore는 호스트가 아니라 게스트의 메모리입니다.",
            ..en
        },
        Step::PivotRoot => Narration {
            title: "루트를 {rootfs} 디렉토리로 바꾸고 호스트의 루트 분리",
            why: "chroot와 달리 pivot_root는 마운트 네임스페이스 전체의 루트를 바꿉니다. 옛 루트를 \
                  언마운트하고 나면 호스트의 파일로 돌아가는 경로가 하나도 남지 않습니다: 레슨 1의 chroot \
                  탈출은 컨테이너 자신의 /에서 막힙니다.",
            vm: "VM에는 처음부터 호스트의 파일 시스템이 마운트된 적이 없습니다.",
            ..en
        },
        Step::Chroot => Narration {
            title: "{rootfs} 디렉토리를 프로세스의 루트 디렉토리로 지정",
            why: "이제부터 /로 시작하는 모든 경로는 {rootfs} 안에서 찾습니다: 그 안의 /bin/sh, 그 안의 \
                  /etc. 커널, 프로세스 테이블, 네트워크, 마운트는 여전히 호스트의 것입니다. 바뀐 것은 경로 \
                  탐색뿐입니다(root가 어떻게 빠져나가는지는 레슨 1에서 봅니다).",
            vm: "VM은 자기 가상 디스크와 그 위의 파일 시스템을 갖고, 자기 커널이 그것을 /로 마운트합니다. \
                 안에서는 호스트의 파일에 아예 닿을 수 없습니다.",
            ..en
        },
        Step::Chdir => Narration {
            title: "작업 디렉토리로 이동: {dir}",
            why: "chroot는 현재 디렉토리를 옮기지 않습니다: 바꾸기 전까지 현재 디렉토리는 여전히 호스트의 \
                  트리를 가리킵니다. 새 루트 안의 디렉토리로 이동해야 그 틈이 닫힙니다.",
            vm: "게스트의 init은 게스트 자신의 /에서 시작합니다. 호스트의 디렉토리는 거기 존재하지 \
                 않습니다.",
            ..en
        },
        Step::DropCaps => Narration {
            title: "케이퍼빌리티를 {kept_count}개만 남기고 모두 제거",
            why: "프로세스는 여전히 uid 0이지만, root의 권한은 케이퍼빌리티로 나뉘어 있습니다. 남기는 \
                  것(docker의 기본 세트): {kept}. 버리는 것 중 일부: CAP_SYS_ADMIN(mount), \
                  CAP_SYS_MODULE(커널 코드 적재), CAP_NET_ADMIN, CAP_SYS_PTRACE. inheritable 세트도 \
                  비웁니다(CVE-2022-24769 이후의 docker처럼). 그래서 어떤 프로그램의 파일 케이퍼빌리티도 \
                  exec할 때 여기에 권한을 더할 수 없습니다.",
            vm: "VM 안의 root는 전능하지만, 그 힘은 하이퍼바이저가 가둬 둔 게스트 커널에만 미칩니다.",
            ..en
        },
        Step::NoNewPrivs => Narration {
            title: "no_new_privs 설정",
            why: "이제부터 어떤 execve도 권한을 더할 수 없습니다: setuid 바이너리와 파일 케이퍼빌리티가 더는 \
                  권한을 올리지 못합니다.",
            vm: "VM에서는 필요 없습니다: 게스트 커널이 경계입니다.",
            ..en
        },
        Step::User => Narration {
            title: "사용자 전환: uid {uid}, gid {gid}",
            why: "--user: 명령이 root가 아니라 이 사용자로 실행됩니다. uid 0에서 다른 uid로 setuid하면 \
                  effective와 permitted 케이퍼빌리티도 비워지므로, 앞에서 남긴 것들도 사라집니다: \
                  프로세스는 파일의 소유자와 권한 모드가 uid {uid}에 허락하는 것만 건드릴 수 있습니다. \
                  번호가 어떤 사용자인지는 rootfs의 /etc/passwd가 정할 일이고, 커널은 번호만 압니다.",
            vm: "게스트의 사용자는 게스트 커널의 것입니다. VM 안의 uid {uid} 사용자는 호스트의 uid {uid} \
                 사용자와 아무 관계가 없습니다.",
            ..en
        },
        Step::Signals => Narration {
            title: "모든 시그널을 기본 동작으로 되돌리기",
            why: "execve는 프로세스가 처리하던 시그널은 초기화하지만, 무시하던 시그널과 시그널 마스크는 \
                  그대로 둡니다. dockling은 다른 Rust 프로그램처럼 SIGPIPE를 무시하고, 자기가 기다리는 \
                  시그널들을 블록해 둡니다(시그널 마스크). 컨테이너가 이를 물려받으면 닫힌 파이프에 \
                  써도, Ctrl-C를 눌러도 죽지 않게 됩니다.",
            shell: "grep -E 'SigBlk|SigIgn' /proc/self/status   # 컨테이너 안에서는 둘 다 0",
            vm: "게스트의 프로세스는 게스트 자신의 init에서 시작합니다. 호스트에서 물려받는 것은 \
                 없습니다.",
            ..en
        },
        Step::Seccomp => Narration {
            title: "docker의 seccomp 필터 설치: 시스템 콜 {allowed}개 허용, 나머지는 EPERM으로 실패",
            why: "케이퍼빌리티는 root가 시스템 콜로 무엇을 할 수 있는지 정하고, seccomp는 어떤 시스템 콜을 \
                  부를 수 있는지부터 정합니다. keyctl(커널 키링은 네임스페이스로 나뉘지 않아서 호스트 \
                  root의 키링이 곧 컨테이너의 키링이 됩니다), 사용자 네임스페이스를 만드는 unshare(모든 \
                  케이퍼빌리티를 되돌려 줍니다), bpf, perf_event_open, userfaultfd, io_uring, 모듈 적재는 \
                  거부되고, 네임스페이스 플래그를 준 clone도 거부됩니다. 필터는 모든 자식에게 상속되고 \
                  절대 제거할 수 없습니다. `--security-opt seccomp=unconfined`를 주면 필터를 설치하지 \
                  않습니다.",
            shell: "grep Seccomp /proc/self/status   # 2: 필터가 설치되어 있음",
            vm: "VM에는 시스템 콜 필터가 필요 없습니다: 게스트의 시스템 콜은 게스트 자신의 커널로 가고, \
                 호스트에 닿는 것은 하이퍼바이저의 작은 장치 인터페이스뿐입니다.",
            ..en
        },
        Step::Init => Narration {
            title: "최소한의 init을 PID 1로 시작, 명령은 PID {command_pid}",
            why: "PID 1은 자기 네임스페이스의 고아 프로세스를 모두 입양하고, 이들을 거둬야(reap) 합니다. \
                  그러지 않으면 좀비로 남습니다. 대부분의 프로그램은 이 일을 하지 않습니다. init은 \
                  시그널을 명령에 전달하고, 명령의 종료 코드로 종료합니다.",
            vm: "VM은 완전한 init 시스템(systemd)을 PID 1로 부팅합니다.",
            ..en
        },
        Step::Exec => Narration {
            title: "자식 프로세스를 {path} 프로그램으로 교체",
            why: "execve는 프로세스(같은 pid, 같은 루트, 같은 네임스페이스)는 그대로 두고 새 프로그램을 \
                  불러옵니다. 이제 여러분의 명령이 컨테이너의 메인 프로세스이고, dockling은 그것을 \
                  기다립니다. 환경변수는 호스트의 것이 아니라 깨끗한 기본값입니다.",
            vm: "VM은 여러 서비스를 띄우는 init 시스템까지 부팅합니다. 컨테이너는 곧바로 여러분의 \
                 프로그램 하나로 시작합니다.",
            ..en
        },
        Step::Forward => Narration {
            title: "{signal} 시그널을 컨테이너에 전달",
            why: "dockling이 {signal} 시그널을 받았습니다(Ctrl-C, `kill`, 시스템 종료). 이를 어떻게 \
                  처리할지는 컨테이너의 프로세스가 정합니다. dockling은 나중에 뒷정리를 할 수 있도록 계속 \
                  기다립니다.",
            vm: "VM은 ACPI 전원 버튼 이벤트를 받고, 게스트 커널이 이를 자기 프로세스들에 보낼 시그널로 \
                 바꿉니다.",
            ..en
        },
        Step::Escalate => Narration {
            title: "컨테이너가 멈추지 않음: SIGKILL",
            why: "종료를 요청한 뒤 {grace}초 안에 메인 프로세스가 끝나지 않았습니다(또는 dockling이 종료 \
                  요청을 두 번 받았습니다). 핸들러가 없는 PID 1은 SIGTERM을 무시하므로, dockling은 `docker \
                  stop`처럼 무시할 수 없는 SIGKILL로 끝냅니다.",
            vm: "ACPI 전원 버튼을 무시하는 VM은 하이퍼바이저가 강제로 전원을 끕니다.",
            ..en
        },
        Step::Exited => Narration {
            title: "명령 종료, 종료 코드 {code}",
            why: "dockling도 같은 코드로 종료하므로, docker run처럼 `dockling … ; echo $?`가 동작합니다.",
            vm: "VM은 프로그램 하나가 끝나도 계속 실행됩니다. 컨테이너는 메인 프로세스가 살아 있는 동안만 \
                 존재합니다.",
            ..en
        },
        Step::Signaled => Narration {
            title: "명령이 {signal} 시그널로 강제 종료됨",
            why: "시그널로 죽은 프로세스에는 종료 코드가 없습니다. dockling은 셸이나 docker와 같은 규칙으로 \
                  종료 코드를 정합니다: 128 + {number} = {code}.",
            vm: "VM은 프로그램 하나가 죽어도 계속 실행됩니다. 컨테이너는 메인 프로세스가 살아 있는 동안만 \
                 존재합니다.",
            ..en
        },
        Step::CgroupUsage => Narration {
            title: "아직 실행 중: 지금까지 메모리 {memory}, CPU {cpu_ms} ms",
            why: "커널은 페이지 하나, CPU 시간 1마이크로초까지 쓰는 즉시 cgroup에 집계합니다. 그 파일을 \
                  읽는 데는 비용이 거의 들지 않습니다.",
            vm: "VM 밖에서는 하이퍼바이저가 준 자원만 보일 뿐, 게스트가 그것으로 무엇을 하는지는 보이지 \
                 않습니다.",
            ..en
        },
        Step::CgroupReport => Narration {
            title: "컨테이너가 사용한 자원",
            why: "cgroup을 지우기 전에 그 파일들(cgroup {version})에서 읽은 값입니다: 최대 메모리, OOM kill \
                  횟수, CPU 시간, CPU 제한 때문에 스로틀링된 횟수, pids.max 때문에 거부된 fork 수.",
            vm: "VM의 사용량은 밖에서 전체로만 보입니다(`virsh domstats`).",
            ..en
        },
        Step::OomKilled => Narration {
            title: "메모리 부족으로 강제 종료, 제한 {limit}",
            why: "명령이 cgroup이 허용하는 메모리를 모두 써서, 커널의 OOM killer가 SIGKILL로 끝냈습니다. \
                  그래서 종료 코드는 docker와 같이 128 + 9 = 137입니다.",
            vm: "VM에서는 게스트 커널의 OOM killer가 게스트 안에서 동작합니다. 기준은 하이퍼바이저가 \
                 게스트에 준 RAM입니다.",
            ..en
        },
        Step::OverlayDiff => Narration {
            title: "컨테이너가 바꾼 것 {count}개 (`docker diff`와 같은 형식)",
            why: "upper 디렉토리 {upper}에서 읽었습니다: A는 새로 생긴 파일, C는 레이어에 있던 것을 바꾼 \
                  파일(copy-up됨), D는 지운 파일(whiteout: 0/0 문자 장치)입니다. 아래 레이어는 그대로입니다.",
            vm: "`virt-diff`는 두 디스크 이미지 사이에서 다른 파일을 나열합니다(`qemu-img compare`는 블록만 \
                 비교합니다).",
            ..en
        },
        Step::OverlayCommit => Narration {
            title: "컨테이너의 변경 사항을 새 레이어로 저장: {dest}",
            why: "레이어는 변경 사항을 담은 디렉토리일 뿐입니다. 다음 실행에서 --layer로 쌓으면, 이 레이어를 \
                  쓰는 모든 컨테이너에 변경 사항이 읽기 전용으로 들어 있습니다: 이미지는 이렇게 레이어를 \
                  하나씩 쌓아 만듭니다(Dockerfile의 명령 한 줄이 레이어 하나).",
            vm: "`qemu-img create -f qcow2 -b base.qcow2 -F qcow2 next.qcow2`는 디스크 위에 새 오버레이를 \
                 쌓습니다(`qemu-img commit`은 반대로 오버레이를 backing file에 써 넣어 베이스를 \
                 바꿉니다).",
            ..en
        },
        Step::OverlayKept => Narration {
            title: "쓰기 가능 레이어를 {upper}에 남김",
            why: "--keep을 주면 upper 디렉토리를 지우지 않으므로, 컨테이너가 쓴 것을 살펴볼 수 \
                  있습니다(whiteout도 보입니다: `ls -l`에서 문자 장치 0, 0으로 나옵니다). 다 본 뒤에는 \
                  직접 지우세요.",
            vm: "VM이 꺼진 뒤 오버레이 디스크를 남겨 두는 것과 같습니다.",
            ..en
        },
        Step::MonitorStart => Narration {
            title: "컨테이너 {id} ({name})의 모니터를 시작하고 컨테이너 실행을 맡김",
            why: "분리(detached) 모드 컨테이너는 이 명령보다 오래 살기 때문에, 다른 무언가가 컨테이너를 \
                  기다리고, 출력을 보관하고, 어떻게 끝났는지 기록하고, 실행이 만든 것을 되돌려야 합니다. \
                  그 일을 하는 작은 프로세스가 모니터이고, 자기만의 세션에서 실행됩니다(터미널 \
                  없음, 여러분 셸의 자식 아님). 모니터는 모든 단계와 같은 엔진을 돌리고, 살아 있는 동안 컨테이너의 \
                  잠금을 쥡니다. 다른 명령(`ps`, `stop`, `logs`)은 모두 잠깐 실행되는 클라이언트입니다. \
                  컨테이너의 출력은 {log}에 쌓입니다.",
            vm: "VM에도 같은 것이 있습니다: 게스트마다 하이퍼바이저 프로세스(qemu)가 하나씩 있고, libvirt \
                 같은 관리자가 이를 시작하며, VM을 요청한 명령보다 오래 삽니다. docker에서는 \
                 containerd-shim, podman에서는 conmon이 이 역할을 합니다.",
            ..en
        },
        Step::StopSignal => Narration {
            title: "컨테이너의 PID 1(호스트 pid {pid})에 {signal} 전송, 최대 {timeout}초 대기",
            why: "`stop`은 먼저 요청합니다: 컨테이너의 메인 프로세스는 이미지의 stop 시그널을 받고, 정리한 \
                  뒤 종료할 수 있습니다. 핸들러가 없는 PID 1은 SIGTERM을 무시하므로(커널이 네임스페이스의 \
                  init을 보호합니다), 많은 컨테이너는 이어지는 SIGKILL에서야 끝납니다. stop 이후에는 재시작 \
                  정책이 적용되지 않습니다.",
            vm: "`virsh shutdown`은 게스트에 ACPI 전원 버튼 누름을 보내고, 게스트 OS가 꺼질 때까지 \
                 기다립니다.",
            ..en
        },
        Step::StopKill => Narration {
            title: "{timeout}초가 지나도 실행 중: 호스트 pid {pid}에 SIGKILL",
            why: "SIGKILL은 잡거나 무시할 수 없습니다. 네임스페이스 밖에서 보낸 것이라면 네임스페이스의 \
                  PID 1이라도 마찬가지입니다: 커널이 프로세스를 끝내고, PID 1이 끝나면 컨테이너의 모든 \
                  프로세스가 함께 끝납니다. 그래서 stop한 컨테이너는 흔히 Exited (137)로 표시됩니다: \
                  128 + 9.",
            vm: "`virsh destroy`: 하이퍼바이저가 게스트의 vCPU를 즉시 멈춥니다. 전원 플러그를 뽑는 것과 \
                 같습니다.",
            ..en
        },
        Step::Setns => Narration {
            title: "컨테이너의 {ns} 네임스페이스에 참여",
            why: "네임스페이스는 프로세스(또는 열린 파일)가 붙잡고 있는 동안 살아 있고, /proc/PID/ns/에는 \
                  프로세스마다 그 네임스페이스들이 있습니다. setns(2)는 호출한 프로세스를 그중 하나로 \
                  옮깁니다. 그래서 컨테이너가 아무것도 하지 않아도 새 프로세스가 컨테이너와 같은 시야를 \
                  가질 수 있습니다: `exec`는 이것이 전부입니다.",
            vm: "VM의 게스트 커널에는 밖에서 들어갈 수 없습니다: 명령을 하나 더 실행하려면 네트워크로 \
                 로그인하거나(ssh) 게스트 안의 에이전트에 부탁해야 합니다(qemu-guest-agent의 guest-exec).",
            ..en
        },
        Step::JoinRoot => Narration {
            title: "컨테이너의 루트 디렉토리를 가져온 뒤, 그 PID 네임스페이스 안으로 fork",
            why: "/proc/PID/root는 커널이 쥐고 있는 그 프로세스의 루트입니다. 파일들의 호스트 경로가 \
                  무엇이든 상관없습니다. PID 네임스페이스에 들어가도 바뀌는 것은 호출한 프로세스의 자식이 \
                  갈 곳뿐이므로, 참여하는 프로세스는 한 번 더 fork합니다. 자식은 컨테이너 안에서 다음 빈 \
                  pid를 받고, dockling이 기다릴 수 있도록 dockling의 자식이 됩니다. 그다음 컨테이너의 첫 \
                  프로세스와 똑같이 케이퍼빌리티를 버리고 같은 seccomp 필터를 적재합니다.",
            vm: "VM이라면 명령은 게스트 커널 안에서, 게스트 자신의 init이나 sshd로부터 시작됩니다.",
            ..en
        },
        Step::Freeze => Narration {
            title: "컨테이너의 모든 프로세스 동결",
            why: "cgroup freezer는 cgroup 안의 모든 태스크를 그 자리에서 멈춥니다. 프로세스가 보거나 잡을 \
                  수 있는 시그널은 쓰지 않습니다: 프로세스는 메모리와 열린 파일을 그대로 가진 채 CPU를 쓰지 \
                  않습니다. `ps`에서는 D나 S 상태로 보이고, 컨테이너의 시계는 계속 흐릅니다.",
            vm: "`virsh suspend`: 하이퍼바이저가 게스트의 vCPU 스케줄링을 멈춥니다. RAM은 할당된 채로 \
                 남습니다.",
            ..en
        },
        Step::Thaw => Narration {
            title: "컨테이너의 프로세스 동결 해제",
            why: "같은 파일에 다시 실행 상태를 씁니다: 각 프로세스는 멈췄던 곳에서 이어서 실행됩니다.",
            vm: "`virsh resume`: vCPU가 다시 돌기 시작합니다.",
            ..en
        },
        Step::UndoCgroup => Narration {
            title: "cgroup {path} 제거",
            why: "cgroup은 안에 프로세스가 하나도 없을 때만 지울 수 있습니다. 컨테이너가 남겨 둔 프로세스는 \
                  먼저 종료시킵니다.",
            vm: "VM을 멈추면 vCPU와 RAM이 해제됩니다.",
            ..en
        },
        Step::UndoProcess => Narration {
            title: "실행 후 남은 프로세스 {pid} 종료",
            why: "컨테이너의 프로세스가 자신을 시작한 dockling보다 오래 살아남았습니다(dockling이 강제 \
                  종료됨). 그대로 두면 보이지 않는 곳에서 계속 실행됩니다.",
            vm: "VM의 전원을 끄면 그 안의 모든 것이 한꺼번에 멈춥니다.",
            ..en
        },
        Step::UndoDir => Narration {
            title: "{path} 삭제",
            why: "저널을 가장 최근 항목부터 되돌리면 호스트는 실행 전 상태로 돌아갑니다. 저널을 담고 있던 \
                  실행 디렉토리는 맨 마지막에 지웁니다.",
            vm: "VM을 삭제하면 디스크 이미지와 설정이 지워집니다.",
            ..en
        },
        Step::UndoLease => Narration {
            title: "주소 {ip} 반납, 컨테이너의 규칙 제거 ({link} 인터페이스는 네임스페이스와 함께 사라짐)",
            why: "veth 쌍은 한쪽 끝을 가진 네트워크 네임스페이스가 살아 있는 동안만 존재합니다. 컨테이너의 \
                  마지막 프로세스가 끝났으므로 커널이 백그라운드에서 네임스페이스를 정리하고, {link} \
                  인터페이스도 함께 사라집니다(여기서 직접 지우면 커널의 RCU grace period 때문에 10-30 ms를 \
                  기다려야 합니다. 다른 무언가가 네임스페이스를 붙잡고 있으면 veth도 딱 그동안 남습니다). \
                  컨테이너의 포트 매핑 {ports}개도 함께 끝납니다. 네트워크의 NAT·포워딩 규칙과 \
                  브리지({bridge})는 docker0의 것처럼 다음 컨테이너를 위해 `dockling network rm` 전까지 \
                  남습니다.",
            shell: "rm LEASE; iptables -t nat -D …   # 컨테이너가 추가한 포트 규칙마다",
            vm: "삭제된 VM의 DHCP 임대는 만료됩니다.",
            ..en
        },
        Step::UndoPin => Narration {
            title: "이미지 레이어 고정 해제: {path} 삭제",
            why: "컨테이너가 도는 동안 잠금이 걸린 이 파일이 이미지의 레이어를 가리키고 있어서, `dockling rmi`와 \
                  `image prune`이 그 레이어를 지우지 않았습니다(lower 디렉토리가 밑에서 바뀌는 overlay의 \
                  동작은 정의되어 있지 않고, lower가 지워지면 컨테이너의 /bin이 텅 빕니다). 컨테이너가 \
                  사라졌으니 이제 이 레이어들은 이미지만의 것입니다.",
            vm: "하이퍼바이저는 실행 중인 VM이 열어 둔 디스크 이미지를 지우지 않습니다.",
            ..en
        },
        Step::PullResolve => Narration {
            title: "{input}의 뜻: {reference}",
            why: "참조(reference)는 레지스트리({registry}), 그 안의 저장소({repository}), 그리고 태그나 \
                  다이제스트를 가리킵니다. docker처럼 레지스트리가 없는 이름은 Docker Hub를, 한 단어짜리 \
                  이름은 공식 이미지가 모인 `library/` 저장소를 뜻합니다. 태그는 옮겨 붙일 수 있는 \
                  라벨이고, 다이제스트는 정확한 바이트를 가리킵니다.",
            vm: "VM 이미지 다운로드도 URL에서 시작하지만, 여러 조각이 아니라 큰 파일 하나를 가리킵니다.",
            ..en
        },
        Step::PullRequest => Narration {
            title: "{method} {url} -> 응답 {status}",
            why: "레지스트리 API는 평범한 HTTP입니다: 매니페스트와 blob은 GET 요청으로 받습니다. 401 응답에는 \
                  토큰을 어디서 받을지 알려 주는 WWW-Authenticate 챌린지가 담겨 있고, 307 응답은 blob \
                  다운로드를 다른 곳으로 보냅니다. 이때 Authorization 헤더는 다른 호스트로 따라가지 \
                  않습니다.",
            vm: "VM 이미지 다운로드는 파일 하나에 대한 HTTP GET 한 번입니다.",
            ..en
        },
        Step::PullPlatform => Narration {
            title: "인덱스에 이미지 {count}개, {platform} 선택",
            why: "태그 하나가 플랫폼마다 이미지를 하나씩 가질 수 있습니다(OCI 인덱스, docker 매니페스트 \
                  리스트). 컨테이너는 호스트의 커널과 CPU 위에서 돌기 때문에 {platform} 이미지가 \
                  필요합니다. (VM은 다른 CPU를 에뮬레이션할 수 있고, 컨테이너의 프로그램도 binfmt_misc와 \
                  qemu-user로 할 수 있지만 훨씬 느립니다: `--platform linux/arm64`를 주면 다른 플랫폼의 \
                  이미지를 받습니다.)",
            vm: "VM 이미지도 CPU 아키텍처 하나에 맞춰 만들어집니다.",
            ..en
        },
        Step::PullPlatformKept => Narration {
            title: "{platform} 보관: 매니페스트 {short}, 레이어 {layers}개, 압축된 크기 {size}바이트, 압축은 풀지 않음",
            why: "--all-platforms는 인덱스 전체를 보관합니다. 이 플랫폼의 매니페스트, config, 압축된 \
                  레이어를 받은 그대로 다이제스트를 확인한 뒤 스토어에 넣지만 압축은 풀지 않습니다. 이 \
                  머신의 커널과 CPU는 자기 플랫폼의 프로그램만 실행하기 때문입니다. 그래도 보관하는 \
                  이유는 push할 때 이미지를 통째로, 인덱스 다이제스트를 바꾸지 않고 보내기 위해서입니다.",
            vm: "다른 CPU용 VM 이미지라면 파일이 하나 더 있는 셈이고, VM은 그 CPU를 에뮬레이션해서 실행할 수 있습니다.",
            ..en
        },
        Step::PullManifest => Narration {
            title: "매니페스트 {digest}: config 하나와 레이어 {layers}개, 압축 상태로 {size}바이트",
            why: "매니페스트는 이미지의 구성 요소를 다이제스트로 나열합니다: config(기본 명령, 환경변수, \
                  레이어들의 diff_id)와 레이어들(맨 아래부터). 여기에 적힌 것은 모두 도착하는 대로 이 \
                  다이제스트와 대조합니다.",
            vm: "VM 디스크 이미지에는 구성 요소가 없습니다: 속을 알 수 없는 파일 하나이고, 검사한다 해도 \
                 체크섬 하나로 끝입니다.",
            ..en
        },
        Step::PullLayer => Narration {
            title: "레이어 {n}/{of} {digest}: {size}바이트 -> 파일 {files}개, 풀면 {bytes}바이트",
            why: "한 번에 처리합니다: 바이트가 도착하는 대로 해시를 계산하고(blob 다이제스트), 압축을 풀어 \
                  다시 해시를 계산하고(config의 diff_id), 항목 하나씩 풀어 놓습니다. 심볼릭 링크나 `..`를 \
                  거쳐 쓰는 일은 절대 없습니다. whiteout은 overlayfs의 whiteout이 됩니다. 두 다이제스트가 \
                  모두 맞을 때만 디렉토리를 제자리로 옮기므로(rename), 변조되거나 중간에 끊긴 다운로드는 \
                  아무것도 남기지 않습니다.",
            vm: "VM 이미지는 통째로 받은 뒤 부팅합니다. 두 VM이 베이스를 공유하려면 두 디스크를 같은 \
                 backing file의 qcow2 오버레이로 만들어야 합니다(레슨 4).",
            ..en
        },
        Step::PullLayerPresent => Narration {
            title: "레이어 {n}/{of} {digest}: 이미 스토어에 있음",
            why: "레이어는 다이제스트별로 저장되고 공유됩니다: 이미 가진 이미지와 같은 베이스로 만든 \
                  이미지는 다른 부분만 다운로드합니다.",
            vm: "같은 베이스에서 받은 VM 이미지 두 개는 통째로 된 파일 두 개입니다. 베이스를 공유하려면 \
                 qcow2 backing file을 직접 설정해야 합니다(레슨 4).",
            ..en
        },
        Step::PullLayerBlob => Narration {
            title: "레이어 {n}/{of} {digest}: 이미 풀려 있음, blob만 보관 ({size}바이트)",
            why: "다른 이미지에 내용(diff_id)은 같고 압축만 다른 레이어가 있어서, 풀어 둔 디렉토리({dir})를 \
                  함께 씁니다. 이 이미지의 매니페스트는 이 blob을 가리키고, OCI 레이아웃은 매니페스트가 \
                  가리키는 blob을 모두 갖고 있어야 하므로(skopeo와 umoci가 읽습니다), 다시 풀지는 않고 \
                  다운로드해서 검사만 합니다.",
            vm: "같은 베이스에서 받은 VM 이미지 두 개는 통째로 된 파일 두 개입니다. 베이스를 공유하려면 \
                 qcow2 backing file을 직접 설정해야 합니다(레슨 4).",
            ..en
        },
        Step::PullTagged => Narration {
            title: "{reference} → 이미지 {id} (레이어 {layers}개)",
            why: "스토어는 OCI 이미지 레이아웃입니다: index.json이 각 이미지에 이름을 붙이고, blobs/sha256에 \
                  매니페스트, config, 레이어가 다이제스트별로 들어 있습니다. 그래서 skopeo와 umoci도 읽을 수 \
                  있습니다. 이미지 ID는 config의 다이제스트입니다.",
            vm: "다운로드한 디스크 이미지에 이름을 붙여 저장합니다.",
            ..en
        },
        Step::RunImage => Narration {
            title: "{reference} 실행: 레이어 {layers}개, 명령 {command}",
            why: "docker의 규칙을 따릅니다: 명령은 이미지의 Entrypoint 뒤에 Cmd를 붙인 것입니다. 이미지 \
                  이름 뒤의 인자는 Cmd를 대신하고, --entrypoint는 Entrypoint를 대신합니다(Cmd는 버립니다). \
                  -e는 이미지의 Env에 추가하거나 덮어쓰고, -w는 WorkingDir을 덮어씁니다.",
            shell: "# 앞 단계들의 명령과 같고, 이미지의 레이어를 lowerdir로 씁니다",
            vm: "받은 VM 이미지를 부팅하면 init이 시작하는 것들이 돌아갈 뿐, 정해진 명령 하나는 \
                 없습니다.",
            ..en
        },
        Step::RootfsBuilt => Narration {
            title: "{path}에 루트 파일 시스템 생성 (재료: 이 호스트의 {source})",
            why: "루트 파일 시스템은 디렉토리 트리일 뿐입니다: 프로그램들(BusyBox는 sh, ls, ps 등 수백 가지 \
                  역할을 하는 바이너리 하나입니다), 그 프로그램들이 불러오는 공유 라이브러리, 그리고 /etc의 \
                  파일 몇 개.",
            vm: "VM에는 이 파일들 말고도 파티션 테이블, 부트 로더, 커널까지 담긴 디스크 이미지 전체가 \
                 필요합니다.",
            ..en
        },
        Step::RootfsDownloaded => Narration {
            title: "Alpine {version} ({arch}) 다운로드, {path}에 풀기",
            why: "Alpine의 minirootfs는 Docker Hub의 `alpine` 이미지에 든 것과 같은 트리입니다. 체크섬은 \
                  받는 동안 검증했고, 검증이 끝나기 전에는 아무것도 남기지 않았습니다.",
            vm: "VM은 수백 MB짜리 설치 ISO나 클라우드 디스크 이미지를 받습니다.",
            ..en
        },
        Step::Summary => Narration {
            title: "dockling 시작부터 명령 실행까지 {started}, 만든 것을 모두 정리하기까지 {total}",
            vm: "{vm_line}",
            ..en
        },
        Step::RootfsFromImage => Narration {
            title: "{reference} 이미지(레이어 {layers}개, 항목 {files}개)를 {path}에 풀기",
            why: "이미지는 레이어로 나뉜 rootfs입니다. 레이어를 한 디렉토리에 차례로 적용하면서 whiteout이 \
                  가리키는 것을 지우면, 그 이미지의 컨테이너가 보는 것과 같은 트리가 나옵니다. 앞 단계들의 \
                  --rootfs에 쓸 수 있는 평범한 디렉토리로요.",
            vm: "VM은 수백 MB짜리 설치 ISO나 클라우드 디스크 이미지를 받습니다.",
            ..en
        },
        Step::CompareInitramfs => Narration {
            title: "{rootfs}의 파일로 게스트용 initramfs 만들기",
            why: "VM은 호스트의 디렉토리를 열 수 없습니다: 게스트가 실행할 것은 모두 게스트 커널에 건네야 \
                  합니다. initramfs는 커널이 부팅할 때 RAM 파일시스템에 푸는 cpio 아카이브입니다. 여기에는 \
                  컨테이너가 받는 것과 같은 busybox 파일들과, 양쪽이 실행할 스크립트 /dockling-init이 \
                  들어 있습니다.",
            vm: "실제 VM은 배포판 전체가 든 디스크 이미지로 부팅합니다. initramfs는 커널이 부팅할 수 있는 \
                 가장 작은 것입니다.",
            ..en
        },
        Step::CompareBoot => Narration {
            title: "{kind} 부팅: {about}",
            why: "게스트 커널이 부팅하고 initramfs를 풀어 /dockling-init을 PID 1로 실행합니다. 스크립트는 \
                  명령을 실행하기 직전에 한 줄, 명령이 끝난 뒤에 한 줄을 출력합니다: 첫 줄까지의 시간이 \
                  명령의 첫 명령어(instruction)까지의 시간입니다.",
            shell: "{command}   # 게스트의 init으로 셸이 뜹니다: 명령을 입력하고, `poweroff -f`로 끝냅니다",
            vm: "이것이 VM입니다: 게스트가 쓰든 안 쓰든 부팅할 때 RAM을 {memory} 받고, 자기 커널을 \
                 가집니다.",
            ..en
        },
        Step::CompareVmUnusable => Narration {
            title: "여기서 실행할 수 없는 VM: {kind} — {problem}; {next}",
            vm: "어떤 VM을 실행할 수 있는지는 CPU와, 그 머신 자체가 VM인지에 달려 있습니다: 클라우드 VM에는 \
                 쓸 수 있는 중첩 KVM이 없는 경우가 많고, 그러면 에뮬레이션(TCG)만 남습니다.",
            ..en
        },
        Step::CompareContainer => Narration {
            title: "같은 스크립트를 컨테이너에서 실행 (5단계: 네임스페이스, cgroup, 오버레이, 네트워크)",
            why: "같은 busybox 파일과 같은 스크립트를, 이번에는 컨테이너의 PID 1로 실행합니다: dockling이 \
                  1~5단계의 네임스페이스, cgroup, 오버레이, 네트워크를 만들고 exec합니다. 부팅하는 커널은 \
                  없습니다: 스크립트의 첫 줄은 호스트의 프로세스 하나에서 나옵니다.",
            vm: "위의 VM은 첫 줄 전에 커널을 부팅해야 했습니다. 컨테이너의 첫 줄은 준비 단계들만 \
                 기다립니다.",
            ..en
        },
        Step::BundleRootfs => Narration {
            title: "레이어 {layers}개를 {rootfs}에 하나로 펼침",
            why: "dockling이 한 일을 모든 런타임이 알아듣는 말로 옮긴 것입니다. 런타임은 레이어 더미가 아니라 \
                  디렉토리 하나를 컨테이너의 루트로 받습니다: 레이어를 쌓는 것은 그 위의 엔진(docker, podman, \
                  containerd)의 일입니다. 여기서는 커널이 레이어를 한 번 더 읽기 전용으로 쌓되, 이 프로세스만의 \
                  마운트 네임스페이스 안에서 쌓으므로 마운트는 프로세스와 함께 사라집니다. 합쳐진 모습을 \
                  복사하면 whiteout이 적용되고, 파일마다 가장 위의 것이 남습니다.",
            vm: "VM의 디스크 이미지는 이미 평평한 파일시스템 하나입니다: qcow2 체인은 `qemu-img convert`로 \
                 하나로 합칩니다.",
            ..en
        },
        Step::BundleProcess => Narration {
            title: "process: 명령 {args}, uid {uid}, gid {gid}, 작업 디렉토리 {cwd}, 바운딩 집합의 capability {caps}개",
            why: "dockling이 한 일을 모든 런타임이 알아듣는 말로 옮긴 것입니다: `process`는 dockling의 자식이 \
                  execve에 넘기는 argv, 환경변수, 작업 디렉토리, 사용자이고, dockling이 남겨 두는 그대로의 \
                  다섯 capability 집합입니다(bounding, effective, permitted는 남긴 집합이고, 사용자를 바꾼 뒤 \
                  effective에 남는 것은 {effective}개, inheritable과 ambient는 비어 있음). noNewPrivileges 값: \
                  {no_new_privs}.",
            vm: "VM에는 이런 목록이 없습니다: 게스트 커널은 init을 게스트 안의 모든 권한을 가진 root로 시작합니다.",
            ..en
        },
        Step::BundleLinux => Narration {
            title: "linux: 네임스페이스 {namespaces}, cgroup 제한, seccomp가 허용하는 시스템 콜 {syscalls}개",
            why: "dockling이 한 일을 모든 런타임이 알아듣는 말로 옮긴 것입니다: dockling이 clone하는 \
                  네임스페이스, 쓰는 cgroup 제한(resources: {resources}), dockling이 BPF로 컴파일하는 것과 같은 \
                  표에서 만든 docker의 기본 seccomp 프로파일, /proc와 /sys에서 가리는 경로 {masked}개와 읽기 \
                  전용 경로 {read_only}개입니다. 네트워크는 여기에 없습니다: 런타임은 빈 네트워크 \
                  네임스페이스를 만들 뿐이고, 연결은 그 위의 엔진이 합니다(docker의 libnetwork, podman의 \
                  netavark, CNI).",
            vm: "VM의 제한은 하이퍼바이저의 옵션(-m, -smp)이고, 장치는 하이퍼바이저가 에뮬레이션하는 것입니다.",
            ..en
        },
        Step::BundleWritten => Narration {
            title: "{config} 파일을 씀: `runc run -b {dir} ID` 명령으로 실행합니다",
            why: "번들은 OCI runtime-spec의 단위입니다: config.json과 rootfs/. runc, crun, youki 모두 이것을 \
                  받습니다. docker와 podman도 컨테이너를 시작할 때마다 번들을 하나 써서 이런 런타임에 \
                  넘깁니다.",
            vm: "VM에서 가장 가까운 것은 디스크 이미지 옆에 두는 libvirt 도메인 XML입니다.",
            ..en
        },
        Step::CompareSaved => Narration {
            title: "이 수치를 {file}에 보관",
            why: "이제 모든 실행의 설명이, VM이 이 머신에서 얼마나 걸렸는지를 주장하는 대신 측정값으로 \
                  인용할 수 있습니다.",
            vm: "수치는 머신마다 다르고, 하드웨어 가상화(KVM)와 에뮬레이션(TCG) 사이에서 가장 크게 \
                 다릅니다: 둘 중 하나를 바꾸면 `dockling compare`를 다시 실행하세요.",
            ..en
        },
        Step::PushRequest => Narration {
            title: "{method} {url} -> 응답 {status}",
            why: "push는 레지스트리 API의 쓰기 쪽이고, 역시 평범한 HTTP입니다: HEAD는 blob이 있는지 묻고, \
                  POST는 업로드를 열며(또는 다른 저장소의 blob을 마운트하며), PATCH는 조각 하나를 보내고, \
                  ?digest=를 붙인 PUT이 업로드를 닫고, 매니페스트의 PUT이 이미지에 이름을 붙입니다. 401 \
                  응답에는 챌린지가 담겨 있고, push에는 저장소의 `pull,push` 토큰이 필요합니다.",
            vm: "VM 이미지를 공개하는 것은 큰 파일 하나를 한 번 업로드하는 것입니다.",
            ..en
        },
        Step::PushBlob => Narration {
            title: "blob {n}/{of} {digest}의 결과: {outcome}",
            why: "blob은 다이제스트로 이름이 붙기 때문에 레지스트리는 자기에게 이미 무엇이 있는지 압니다: \
                  먼저 HEAD로 묻고, 이미 있는 blob은 보내지 않습니다(\"Layer already exists\"). 다른 \
                  저장소에 있는 blob은 마운트합니다: 복사하지 않고 연결만 합니다. 나머지만 업로드하고, \
                  레지스트리는 보관하기 전에 다이제스트를 확인합니다.",
            vm: "VM 디스크 이미지에는 나눠 쓸 부분이 없습니다: 업로드할 때마다 디스크 전체를 다시 보냅니다.",
            ..en
        },
        Step::PushManifest => Narration {
            title: "{tag}: 매니페스트 {digest}({size}바이트), 이름 {target}",
            why: "매니페스트는 마지막에 보냅니다: 레지스트리는 없는 blob을 가리키는 매니페스트를 거부하므로, \
                  태그가 나타날 때에는 필요한 것이 모두 있습니다. 다이제스트는 매니페스트 바이트의 \
                  다이제스트라서, 같은 이미지는 어디에 push해도 다이제스트가 같습니다.",
            vm: "VM 이미지는 파일 이름으로 공개되고, 이름과 바이트가 맞는지 확인하는 것은 없습니다.",
            ..en
        },
        Step::PushIndex => Narration {
            title: "{tag}: 플랫폼 {count}개의 인덱스 {digest}, 이름 {target}",
            why: "이미지를 통째로 pull했으므로 플랫폼마다 매니페스트를 다이제스트로 먼저 보냈고, 이제 그것들을 \
                  나열하는 인덱스를 태그로 보냅니다. pull한 바이트 그대로 보내므로 다이제스트는 원래 \
                  레지스트리와 같습니다. 이 태그를 pull하는 머신은 여전히 자기 플랫폼의 이미지만 받습니다.",
            vm: "다른 CPU용 VM 이미지는 별개의 파일이고, 한 릴리스의 파일들을 묶어 주는 것은 없습니다.",
            ..en
        },
        Step::BuildFrom => Narration {
            title: "FROM {image}: 이 이미지의 레이어 {layers}개와 config에서 시작",
            why: "빌드는 빈 곳에서 시작하지 않습니다: 새 이미지는 베이스 이미지 위에 레이어를 더 쌓은 \
                  것입니다. 베이스의 config(Env, Cmd, WorkingDir …)가 출발점이고, 뒤의 명령이 그것을 \
                  바꿉니다.",
            vm: "템플릿 VM 디스크를 복제한 뒤 그 위에 더 설치하는 것과 같습니다.",
            ..en
        },
        Step::BuildConfig => Narration {
            title: "{instruction}: config를 바꿈 ({field}), 레이어 없음",
            why: "ENV, CMD, ENTRYPOINT, USER, EXPOSE, LABEL, ARG는 파일을 바꾸지 않습니다: `run`이 \
                  컨테이너를 시작할 때 쓰는 설정만 바꿉니다. 레이어는 생기지 않지만 history에 한 줄이 \
                  남고, `dockling image history`가 크기 0B로 보여 줍니다.",
            vm: "디스크는 그대로 두고 VM의 설정(부팅 명령줄)만 바꾸는 것과 같습니다.",
            ..en
        },
        Step::BuildLayer => Narration {
            title: "{instruction}: 레이어 {layer}",
            why: "RUN, COPY, ADD 하나가 레이어 하나를 만듭니다: 바뀐 파일을 담은 tar입니다. 레이어의 \
                  이름은 tar의 sha256(diff_id)이고, 키(앞 단계 + 명령 + 복사하는 파일)가 이미 캐시에 \
                  있는 단계는 다시 실행하지 않고 그 레이어를 다시 씁니다.",
            vm: "VM 디스크에 설치하고 단계마다 스냅샷을 찍는 것과 같습니다(qemu-img create -b …).",
            ..en
        },
        Step::BuildCached => Narration {
            title: "{instruction}: 캐시에 있던 레이어 {layer} 재사용 (실행하지 않음)",
            why: "단계의 키는 바로 앞 단계, 변수를 채운 명령, 그리고 복사하는 파일 전부의 다이제스트입니다. \
                  셋 다 예전 빌드 때와 같으므로 이 단계가 만들 파일도 같습니다: 그때 만든 레이어가 이번 \
                  단계의 레이어입니다. 복사하는 파일 하나를 바꾸면 그 단계부터 뒤의 단계가 모두 다시 \
                  실행됩니다. 키마다 앞 단계의 키가 들어 있기 때문입니다.",
            vm: "다시 설치하는 대신, 지난번 이 단계 뒤에 찍어 둔 VM 스냅샷으로 되돌리는 것과 같습니다.",
            ..en
        },
        Step::BuildImage => Narration {
            title: "이미지 {id}: 레이어 {layers}개, 이름 {reference}",
            why: "이미지는 블롭을 가리키는 JSON일 뿐입니다: config와 레이어를 다이제스트로 나열한 \
                  매니페스트입니다. 빌드가 쓴 것은 새 레이어와 이 작은 파일 두 개뿐입니다.",
            vm: "완성한 VM 디스크에 이름을 붙여 저장하는 것과 같습니다.",
            ..en
        },
        Step::CommitLayer => Narration {
            title: "commit {container}: upper 디렉토리(항목 {entries}개)가 레이어 {layer}",
            why: "컨테이너가 바꾼 것은 모두 오버레이의 upper 디렉토리에 있습니다. 이미지 스펙은 삭제를 \
                  빈 .wh. 파일로, overlayfs는 0/0 문자 장치로 적습니다: commit은 한쪽을 다른 쪽으로 \
                  옮겨 적고, 그 tar를 컨테이너 이미지 위의 레이어로 더한 뒤 새 config와 매니페스트를 \
                  씁니다.",
            vm: "VM의 오버레이 디스크를 새 backing 이미지로 저장하는 것과 같습니다.",
            ..en
        },
    }
}

/// The kinds of VM `dockling compare` boots, in Korean.
pub fn vm_kind_text(kind: &str) -> (&'static str, &'static str) {
    let (name, _) = super::catalog::vm_kind_text(kind);
    let about = match kind {
        "uml" => {
            "user-mode Linux, 호스트의 평범한 프로세스로 실행되도록 빌드된 게스트 커널 (하드웨어 \
             가상화도, 에뮬레이션한 CPU도 없음)"
        }
        "kvm" => "KVM을 쓰는 qemu, 게스트의 명령어가 실제 CPU에서 실행되는 하드웨어 가상화",
        _ => {
            "CPU를 소프트웨어로 에뮬레이션하는 qemu (TCG), 게스트의 명령어를 모두 번역한 뒤 실행하므로 \
             KVM보다 몇 배나 느림"
        }
    };
    (name, about)
}

/// Why a kind of VM could not run, in Korean (see the English one).
pub fn vm_unusable_text(problem: &str) -> (&'static str, &'static str, &'static str) {
    match problem {
        "missing" => (
            "설치되지 않은 프로그램: {program}",
            "compare는 Debian 패키지의 프로그램으로 VM을 실행합니다.",
            "apt-get install {package}",
        ),
        "no_kvm" => (
            "/dev/kvm을 열 수 없습니다 ({error})",
            "KVM에는 CPU의 가상화 확장(VT-x, AMD-V)과 kvm 모듈이 필요합니다. 클라우드 VM 안에서는 \
             제공자가 중첩 가상화를 제공할 때만 있습니다.",
            "ls -l /dev/kvm; lsmod | grep kvm",
        ),
        "hung" => (
            "게스트가 {seconds}초 동안 아무것도 출력하지 않아 종료시켰습니다",
            "중첩 KVM(클라우드 VM 안의 VM)은 게스트 부팅 초기에, 커널이 무언가 출력하기도 전에 멈추는 \
             일이 많습니다. 같은 커널이 에뮬레이션(TCG)으로는 부팅됩니다.",
            "{command}   # 직접 실행; Ctrl-C로 멈춥니다",
        ),
        "hung_before" => (
            "전에 여기서 멈췄습니다 ({file}에 기록됨)",
            "이 커널로 한 번 멈춘 게스트는 또 멈추고, 기다리는 데 몇 초가 듭니다. `--vm kvm`은 그래도 \
             시도합니다.",
            "dockling compare --vm kvm",
        ),
        _ => (
            "게스트가 명령을 실행하기 전에 끝났습니다 ({status})",
            "{last}",
            "{command}",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::narrate::catalog::{self, placeholders};
    use std::collections::BTreeSet;

    /// One text in both languages: where it is, the English, the Korean,
    /// and whether it is prose (must hold Hangul) or code.
    struct Pair {
        what: String,
        en: &'static str,
        ko: &'static str,
        prose: bool,
    }

    /// Every cgroup file `cgroup_file_text` knows, and one it does not.
    const CGROUP_FILES: &[&str] = &[
        "cgroup.subtree_control",
        "memory.max",
        "memory.limit_in_bytes",
        "memory.swap.max",
        "memory.memsw.limit_in_bytes",
        "cpu.max",
        "cpu.cfs_quota_us",
        "cpu.cfs_period_us",
        "cpu.weight",
        "cpu.shares",
        "pids.max",
        "cgroup.procs",
        "cgroup.freeze",
    ];

    /// Every stage `stage_text` knows, and one it does not.
    const STAGES: &[&str] = &[
        "chroot",
        "namespaces",
        "cgroups",
        "overlay",
        "network",
        "run",
        "lifecycle",
    ];

    /// English by-hand lines that hold prose, not only code: the Korean
    /// keeps their code and turns the prose into a comment.
    const PROSE_SHELL: &[&str] = &[
        "NetNat.shell",
        "NetPort.shell",
        "UndoLease.shell",
        "RunImage.shell",
        "stage_text(network, true).by_hand",
        "stage_text(network, false).by_hand",
    ];

    fn pairs() -> Vec<Pair> {
        let mut out = Vec::new();
        let mut add = |what: String, en: &'static str, ko: &'static str, prose: bool| {
            out.push(Pair {
                what,
                en,
                ko,
                prose,
            })
        };
        for &step in Step::ALL {
            let (en, ko) = (catalog::english(step), korean(step));
            add(format!("{step:?}.title"), en.title, ko.title, true);
            add(format!("{step:?}.syscall"), en.syscall, ko.syscall, false);
            add(format!("{step:?}.why"), en.why, ko.why, true);
            add(format!("{step:?}.shell"), en.shell, ko.shell, false);
            add(format!("{step:?}.vm"), en.vm, ko.vm, true);
        }
        for &name in CGROUP_FILES {
            let (en, ko) = (catalog::cgroup_file_text(name), cgroup_file_text(name));
            add(format!("cgroup_file_text({name})"), en, ko, true);
        }
        for version in ["v1", "v2"] {
            let (en, ko) = (catalog::devices_text(version), devices_text(version));
            add(format!("devices_text({version}).how"), en.0, ko.0, false);
            add(
                format!("devices_text({version}).by_hand"),
                en.1,
                ko.1,
                false,
            );
        }
        for how in [Some(true), Some(false), None] {
            let (en, ko) = (catalog::undo_cgroup_text(how), undo_cgroup_text(how));
            // The shared parent's "kill" line is a sentence, not a call.
            add(
                format!("undo_cgroup_text({how:?}).kill"),
                en.0,
                ko.0,
                how.is_none(),
            );
            add(
                format!("undo_cgroup_text({how:?}).by_hand"),
                en.1,
                ko.1,
                false,
            );
        }
        for ns in [true, false] {
            add(
                format!("clone_text({ns})"),
                catalog::clone_text(ns),
                clone_text(ns),
                false,
            );
        }
        for prebuilt in [true, false] {
            add(
                format!("built_text({prebuilt})"),
                english_built(prebuilt),
                built_text(prebuilt),
                true,
            );
        }
        for measured in [true, false] {
            let (en, ko) = (
                catalog::summary_vm_text(measured),
                summary_vm_text(measured),
            );
            add(format!("summary_vm_text({measured})"), en, ko, true);
        }
        for &stage in STAGES {
            for mount_ns in [true, false] {
                let (en, ko) = (
                    catalog::stage_text(stage, mount_ns),
                    stage_text(stage, mount_ns),
                );
                add(
                    format!("stage_text({stage}, {mount_ns}).adds"),
                    en.0,
                    ko.0,
                    true,
                );
                add(
                    format!("stage_text({stage}, {mount_ns}).by_hand"),
                    en.1,
                    ko.1,
                    false,
                );
            }
        }
        out
    }

    /// The English `built` texts, which `catalog::render` inlines: taken
    /// from a rendered seccomp step so that a change there shows here.
    fn english_built(prebuilt: bool) -> &'static str {
        let r = catalog::render(&crate::narrate::Event::Seccomp {
            instructions: 1,
            allowed: 1,
            prebuilt,
        });
        let en = if prebuilt {
            "compiled once, when dockling was built"
        } else {
            "compiled before clone for this capability set"
        };
        assert!(r.syscall.ends_with(en), "render() changed: {}", r.syscall);
        en
    }

    fn set(t: &str) -> BTreeSet<&str> {
        placeholders(t).into_iter().collect()
    }

    fn hangul(t: &str) -> bool {
        t.chars().any(|c| ('\u{AC00}'..='\u{D7A3}').contains(&c))
    }

    /// A shell line without its trailing comment.
    fn code(t: &str) -> &str {
        t.split('#').next().unwrap_or("").trim_end()
    }

    #[test]
    fn korean_names_the_same_placeholders_as_english() {
        for p in pairs() {
            assert_eq!(set(p.ko), set(p.en), "{}: {}", p.what, p.ko);
        }
    }

    #[test]
    fn korean_prose_is_in_hangul() {
        for p in pairs().iter().filter(|p| p.prose && !p.ko.is_empty()) {
            // A field that is only a placeholder (`{about}`) gets its text
            // from a helper, which is checked on its own.
            let mut own = p.ko.to_string();
            for name in placeholders(p.ko) {
                own = own.replace(&format!("{{{name}}}"), "");
            }
            if own.trim().is_empty() {
                continue;
            }
            assert!(hangul(p.ko), "{} has no Hangul: {}", p.what, p.ko);
        }
    }

    #[test]
    fn korean_is_empty_exactly_where_english_is() {
        for p in pairs() {
            assert_eq!(
                p.ko.trim().is_empty(),
                p.en.trim().is_empty(),
                "{}: {:?} / {:?}",
                p.what,
                p.en,
                p.ko
            );
        }
    }

    #[test]
    fn code_is_kept_and_only_comments_are_translated() {
        for p in pairs().iter().filter(|p| !p.prose) {
            if p.what.ends_with(".syscall") || p.what.ends_with(".how") || p.what.ends_with(".kill")
            {
                assert_eq!(p.ko, p.en, "{} is code", p.what);
                continue;
            }
            let (en, ko) = (code(p.en), code(p.ko));
            if PROSE_SHELL.contains(&p.what.as_str()) {
                assert!(
                    en.contains(ko.trim()),
                    "{}: {ko:?} is not in {en:?}",
                    p.what
                );
                assert!(hangul(p.ko), "{}: its prose is not translated", p.what);
            } else {
                assert_eq!(ko, en, "{}: the code differs", p.what);
                assert_eq!(
                    p.en.contains('#'),
                    p.ko.contains('#'),
                    "{}: a comment is missing or added",
                    p.what
                );
            }
        }
    }

    /// 을/를, 이/가, 은/는, 와/과, (으)로, (이)었 follow the sound a value ends in,
    /// which a template cannot know: none may stick to a placeholder.
    #[test]
    fn no_changing_particle_sticks_to_a_placeholder() {
        const PARTICLES: &[char] = &[
            '을', '를', '이', '가', '은', '는', '와', '과', '으', '로', '였',
        ];
        for p in pairs() {
            for name in placeholders(p.ko) {
                let field = format!("{{{name}}}");
                for (at, _) in p.ko.match_indices(&field) {
                    let next = p.ko[at + field.len()..].chars().next();
                    assert!(
                        !next.is_some_and(|c| PARTICLES.contains(&c)),
                        "{}: {field}{} in {}",
                        p.what,
                        next.unwrap_or(' '),
                        p.ko
                    );
                }
            }
        }
    }

    /// Multi-line fields indent their continuation lines to the text
    /// column, as the English ones do; the Korean must keep that layout.
    #[test]
    fn line_breaks_match_english() {
        for p in pairs() {
            assert_eq!(
                p.ko.matches('\n').count(),
                p.en.matches('\n').count(),
                "{}",
                p.what
            );
        }
    }
}
