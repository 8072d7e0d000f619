//! Messages of running containers: the stages' commands, the engine,
//! stage 7's lifecycle and what runs inside a live container, the command
//! line, errors and their hints.
//!
//! Korean: a particle that depends on the sound of a value (을/를, 이/가,
//! 은/는, 으로/로) never follows a `{placeholder}` directly; it follows a
//! noun that names the value (`{name} 컨테이너를`, `주소({addr})를`), or the
//! sentence uses one that never changes (에, 의, 에서, 만, 도).

use std::fmt::Display;

use super::Msg;

crate::messages! {
    // ---- error.rs: the errors every command can report ----

    /// A command that needs root, run without it.
    NEEDS_ROOT = "{what} needs root (it uses {why})" / "{what} 명령에는 root 권한이 필요합니다 ({why} 사용)";
    NEEDS_ROOT_HINT = "run it as root, e.g. with sudo" / "root로 실행하세요. 예: sudo 사용";
    ROOTFS_PROBLEM = "rootfs {path}: {problem}" / "루트 파일시스템(rootfs) {path}: {problem}";
    NO_SUCH_CONTAINER = "No such container: {name}" / "컨테이너가 없습니다 (No such container: {name})";
    NO_SUCH_CONTAINER_HINT = "`dockling ps -a` lists the containers" / "`dockling ps -a`로 컨테이너 목록을 볼 수 있습니다";
    INTERRUPTED = "interrupted by {signal} before the container started" / "컨테이너가 시작되기 전에 {signal} 시그널로 중단되었습니다";
    INTERRUPTED_HINT = "nothing ran, and everything dockling had made for it is removed" / "아무것도 실행되지 않았고, dockling이 그때까지 만든 것은 모두 삭제했습니다";
    FETCH_HOST_HINT = "install busybox for a complete rootfs: apt-get install busybox-static" / "완전한 rootfs를 만들려면 busybox를 설치하세요: apt-get install busybox-static";
    /// A child's failure as the parent reports it.
    IN_THE_CONTAINER = "in the container, step {step}: {message}" / "컨테이너 안, {step} 단계: {message}";

    // `Error::io(what, path)`: one message per `what` (see `io_failed`).
    IO_READ = "cannot read {path}" / "{path}: 읽을 수 없습니다";
    IO_CREATE = "cannot create {path}" / "{path}: 만들 수 없습니다";
    IO_WRITE = "cannot write {path}" / "{path}: 쓸 수 없습니다";
    IO_OPEN = "cannot open {path}" / "{path}: 열 수 없습니다";
    IO_REMOVE = "cannot remove {path}" / "{path}: 삭제할 수 없습니다";
    IO_RESOLVE = "cannot resolve {path}" / "{path}: 실제 경로를 알아낼 수 없습니다";
    IO_RENAME_INTO_PLACE = "cannot rename into place {path}" / "{path}: 제자리로 옮길(rename) 수 없습니다";
    IO_LOCK = "cannot lock {path}" / "{path}: 잠글 수 없습니다";
    IO_ARCHIVE = "cannot archive {path}" / "{path}: tar로 묶을 수 없습니다";
    IO_WRITE_JOURNAL = "cannot write the journal {path}" / "저널({path})에 쓸 수 없습니다";
    IO_STAT = "cannot stat {path}" / "{path}: 정보를 읽을 수 없습니다 (stat)";
    IO_FIND = "cannot find {path}" / "{path}: 찾을 수 없습니다";
    IO_COMPRESS = "cannot compress {path}" / "{path}: 압축할 수 없습니다";
    IO_WRITE_MAN = "cannot write man pages to {path}" / "{path}에 man 페이지를 쓸 수 없습니다";
    IO_HOST_LOCK = "cannot take the host lock {path}" / "호스트 잠금({path})을 얻을 수 없습니다";
    IO_NAME_HOST_LOCK = "cannot name the host lock {path}" / "호스트 잠금의 이름({path})을 만들 수 없습니다";
    IO_TAKE_LEASE = "cannot take the address lease {path}" / "주소 임대({path})를 얻을 수 없습니다";
    IO_GIVE_BACK_LEASE = "cannot give back the lease {path}" / "주소 임대({path})를 반납할 수 없습니다";
    IO_SYNC = "cannot sync {path}" / "{path}: 디스크에 기록(sync)할 수 없습니다";
    IO_START_MONITOR = "cannot start the monitor {path}" / "모니터 프로세스({path})를 시작할 수 없습니다";
    IO_START_VM = "cannot start the VM program {path}" / "VM 프로그램({path})을 시작할 수 없습니다";
    IO_WAIT_FOR = "cannot wait for {path}" / "{path}: 끝나기를 기다릴 수 없습니다";
    IO_START = "cannot start {path}" / "{path}: 시작할 수 없습니다";
    IO_WRITE_INITRAMFS = "cannot write the initramfs to {path}" / "initramfs를 {path}에 쓸 수 없습니다";
    IO_READ_DIR = "cannot read the directory {path}" / "디렉토리 {path}: 읽을 수 없습니다";
    IO_READ_FILE = "cannot read the file {path}" / "파일 {path}: 읽을 수 없습니다";
    IO_READ_LINK = "cannot read the link {path}" / "링크 {path}: 읽을 수 없습니다";
    IO_SAVE = "cannot save {path}" / "{path}: 저장할 수 없습니다";
    IO_RUN = "cannot run {path}" / "{path}: 실행할 수 없습니다";
    IO_RENDER = "cannot render {path}" / "{path}: 렌더링할 수 없습니다";
    IO_RENAME_ON_NETWORKS = "cannot rename the container on its networks {path}" / "네트워크에서 컨테이너 이름을 바꿀 수 없습니다: {path}";
    IO_REMOVE_RULES = "cannot remove the rules of {path}" / "{path}의 규칙을 삭제할 수 없습니다";
    IO_READ_LOG = "cannot read the log of {path}" / "{path}의 로그를 읽을 수 없습니다";
    IO_READ_MONITOR = "cannot read from the monitor of {path}" / "{path}의 모니터에서 읽을 수 없습니다";
    IO_READ_ENV_FILE = "cannot read --env-file {path}" / "--env-file {path}: 읽을 수 없습니다";
    IO_PREPARE_OVERLAY = "cannot prepare the overlay directories in {path}" / "{path} 안에 overlay 디렉토리를 준비할 수 없습니다";
    IO_OPEN_LOG = "cannot open the log {path}" / "로그 파일({path})을 열 수 없습니다";
    IO_OPEN_JOURNAL = "cannot open the journal {path}" / "저널({path})을 열 수 없습니다";
    IO_LOCK_JOURNAL = "cannot lock the journal {path}" / "저널({path})을 잠글 수 없습니다";
    IO_CREATE_JOURNAL = "cannot create the journal {path}" / "저널({path})을 만들 수 없습니다";
    IO_LISTEN = "cannot listen on {path}" / "{path}에서 연결을 받을(listen) 수 없습니다";
    IO_CREATE_STATE_DIR = "cannot create the state directory {path}" / "상태 디렉토리({path})를 만들 수 없습니다";
    IO_CREATE_RUN_DIR = "cannot create the run directory {path}" / "실행 디렉토리({path})를 만들 수 없습니다";
    IO_COMMIT_LAYER = "cannot commit the container's layer to {path}" / "컨테이너의 레이어를 {path}에 커밋할 수 없습니다";
    IO_TALK_JOINING = "cannot talk to the joining process over {path}" / "합류하는 프로세스와 통신할 수 없습니다 ({path})";
    IO_TALK_CONTAINER = "cannot talk to the container process over {path}" / "컨테이너 프로세스와 통신할 수 없습니다 ({path})";
    IO_MOVE_PROCESS_CGROUP = "cannot move the process into the container's cgroup {path}" / "프로세스를 컨테이너의 cgroup({path})에 넣을 수 없습니다";
    IO_MOVE_CONTAINER_CGROUP = "cannot move the container into its cgroup {path}" / "컨테이너를 그 cgroup({path})에 넣을 수 없습니다";
    IO_WRITE_HOSTS = "cannot write the /etc/hosts of the containers on {path}" / "{path} 네트워크에 있는 컨테이너들의 /etc/hosts 파일을 쓸 수 없습니다";
    IO_SET_UP_STDIO = "cannot set up the container's stdin, stdout and stderr {path}" / "컨테이너의 stdin, stdout, stderr를 준비할 수 없습니다 ({path})";
    /// A `what` without a message of its own (`io_failed`'s fallback).
    IO_OTHER = "cannot {what} {path}" / "{path}: 실패했습니다 ({what})";

    // ---- rootfs.rs and stages 1-4: the root filesystem, the flags ----

    ROOTFS_IS_DIR_NOT_FILE = "{path} is a directory in the container, not a file" / "{path}: 컨테이너 안에서 파일이 아니라 디렉토리입니다";
    ROOTFS_IS_FILE_NOT_DIR = "{path} is a file in the container, not a directory" / "{path}: 컨테이너 안에서 디렉토리가 아니라 파일입니다";
    ROOTFS_EXISTS_NOT_SYMLINK = "{path} exists and is not a symlink" / "{path}: 이미 있으며 심볼릭 링크가 아닙니다";
    ROOTFS_NO_DIRECTORY = "has no directory {dirs}" / "디렉토리가 없습니다: {dirs}";
    ROOTFS_NO_DIRECTORY_HINT = "a root filesystem needs them as mount points: mkdir {dirs}" / "루트 파일시스템에는 마운트 지점으로 이 디렉토리들이 있어야 합니다: mkdir {dirs}";
    ROOTFS_DOES_NOT_EXIST = "does not exist" / "존재하지 않습니다";
    ROOTFS_CHECK_PERMISSIONS = "check the path and its permissions" / "경로와 그 권한을 확인하세요";
    ROOTFS_NOT_A_DIRECTORY = "is not a directory" / "디렉토리가 아닙니다";
    ROOTFS_NOT_A_DIRECTORY_HINT = "--rootfs takes a directory holding a root filesystem" / "--rootfs에는 루트 파일시스템이 담긴 디렉토리를 지정합니다";
    ROOTFS_NO_SH = "has no /bin/sh (the default command)" / "기본 명령인 /bin/sh 파일이 없습니다";
    ROOTFS_NO_SH_HINT = "name a command that the rootfs has after --, or use a complete rootfs" / "-- 뒤에 rootfs 안에 있는 명령을 지정하거나, 완전한 rootfs를 사용하세요";
    CHECK_ROOTFS_PATH = "check the --rootfs path" / "--rootfs 경로를 확인하세요";
    MAKE_DEFAULT_ROOTFS = "make the default rootfs first: dockling rootfs fetch host" / "먼저 기본 rootfs를 만드세요: dockling rootfs fetch host";
    WORKDIR_NOT_ABSOLUTE = "-w {workdir}: the working directory must be an absolute path" / "-w {workdir}: 작업 디렉토리는 절대 경로여야 합니다";
    ROOTFS_THROUGH_SYMLINK = "goes through a symlink (it is really {real})" / "심볼릭 링크를 거칩니다 (실제 경로: {real})";
    ROOTFS_THROUGH_SYMLINK_HINT = "pass the real path: --rootfs {real}" / "실제 경로를 지정하세요: --rootfs {real}";
    BAD_HOSTNAME = "--hostname {hostname}: use 1-63 letters, digits and '-', not starting with '-'" / "--hostname {hostname}: 영문자, 숫자, '-'로 1~63자를 쓰되 '-'로 시작할 수 없습니다";
    HOSTNAME_NEEDS_UTS = "--hostname needs the uts namespace (it would rename the host)" / "--hostname에는 uts 네임스페이스가 필요합니다 (없으면 호스트의 이름이 바뀝니다)";
    BAD_SECURITY_OPT = "--security-opt {opt}: dockling knows seccomp=unconfined (turns the seccomp filter off)" / "--security-opt {opt}: dockling이 아는 값은 seccomp=unconfined(seccomp 필터 끄기)뿐입니다";
    INIT_NEEDS_PID = "--init needs the pid namespace" / "--init에는 pid 네임스페이스가 필요합니다";
    OVERLAY_NEEDS_MOUNT = "dockling overlay needs the mount namespace (--ns must include mount)" / "dockling overlay에는 mount 네임스페이스가 필요합니다 (--ns에 mount를 포함하세요)";
    LAYER_PROBLEM = "layer {layer}: {problem}" / "레이어 {layer}: {problem}";
    LAYER_HINT = "--layer takes an existing directory, e.g. one made with --commit" / "--layer에는 이미 있는 디렉토리를 지정합니다. 예: --commit으로 만든 디렉토리";
    LAYER_NOT_A_DIRECTORY = "layer {layer}: not a directory" / "레이어 {layer}: 디렉토리가 아닙니다";
    COMMIT_EXISTS = "--commit {dir}: already exists; choose a new directory" / "--commit {dir}: 이미 있습니다. 새 디렉토리를 지정하세요";

    // ---- stages/container.rs: stage 7's commands (run -d, ps, stop, rm …) ----

    RESTART_AND_RM = "conflicting options: --restart and --rm (a container removed when it ends cannot restart)" / "함께 쓸 수 없는 옵션입니다: --restart와 --rm (끝나면 삭제되는 컨테이너는 다시 시작할 수 없습니다)";
    BAD_NAME_FLAG = "--name {name}: a name is [a-zA-Z0-9][a-zA-Z0-9_.-]+" / "--name {name}: 이름은 [a-zA-Z0-9][a-zA-Z0-9_.-]+ 형식이어야 합니다";
    BAD_LABEL = "--label {label}: a label is KEY=VALUE" / "--label {label}: 라벨은 KEY=VALUE 형식입니다";
    CONTAINER_DID_NOT_START = "the container did not start" / "컨테이너가 시작되지 않았습니다";
    INVALID_SIGNAL = "invalid signal: {signal}" / "잘못된 시그널입니다: {signal}";
    CANNOT_THAW = "cannot thaw the cgroup: {error}" / "cgroup의 동결을 풀 수 없습니다: {error}";
    DOCTOR_SHOWS_CGROUPS = "`dockling doctor` shows the cgroup layout" / "`dockling doctor`에서 cgroup 구성을 볼 수 있습니다";
    DID_NOT_STOP_AFTER_SIGKILL = "container {id} did not stop after SIGKILL" / "{id} 컨테이너가 SIGKILL 뒤에도 정지하지 않았습니다";
    D_STATE_HINT = "a process in the D state (waiting on the kernel) cannot die until the wait ends" / "D 상태(커널을 기다리는 중)인 프로세스는 그 기다림이 끝나야 종료됩니다";
    START_ATTACH_MULTIPLE = "you cannot start and attach multiple containers at once" / "여러 컨테이너를 한 번에 시작하면서 연결(attach)할 수는 없습니다";
    CANNOT_ATTACH = "cannot attach to {id}: {error}" / "{id} 컨테이너에 연결(attach)할 수 없습니다: {error}";
    ATTACH_HINT = "the container must be running: `dockling start` it" / "컨테이너가 실행 중이어야 합니다: `dockling start`로 시작하세요";
    /// docker's words when the detach keys are read; kept for the search.
    READ_ESCAPE_SEQUENCE = "read escape sequence" / "분리 키를 받아 연결을 끊었습니다 (read escape sequence)";
    CANNOT_KILL_NOT_RUNNING = "cannot kill container: {name}: container {id} is not running" / "{name} 컨테이너에 시그널을 보낼 수 없습니다: {id} 컨테이너는 실행 중이 아닙니다 (is not running)";
    CANNOT_REMOVE_RUNNING = "cannot remove container \"/{name}\": container is running: stop the container before removing or force remove" / "\"/{name}\" 컨테이너를 삭제할 수 없습니다: 실행 중입니다 (container is running). 먼저 정지하거나 강제로 삭제하세요";
    RM_RUNNING_HINT = "dockling stop {name}, or dockling rm -f {name}" / "dockling stop {name} 또는 dockling rm -f {name}";
    STILL_MONITORED = "container {id} is still looked after by its monitor" / "{id} 컨테이너는 아직 모니터가 관리하고 있습니다";
    TRY_AGAIN = "try again in a moment" / "잠시 뒤에 다시 시도하세요";
    PRUNE_CONTAINERS_WARNING = "WARNING! This will remove all stopped containers.\nAre you sure you want to continue? [y/N] " / "경고! 정지한 컨테이너를 모두 삭제합니다.\n계속하시겠습니까? [y/N] ";
    DELETED_CONTAINERS = "Deleted Containers:" / "삭제한 컨테이너:";
    RECLAIMED_SPACE = "Total reclaimed space: {size}" / "확보한 공간 합계: {size}";
    BAD_FILTER_FORMAT = "bad format of filter (expected name=value): {filter}" / "필터 형식이 잘못되었습니다 (name=value 형식이어야 합니다): {filter}";
    BAD_STATUS_FILTER = "invalid filter 'status={value}': created, restarting, running, removing, paused, exited or dead" / "잘못된 필터 'status={value}': created, restarting, running, removing, paused, exited, dead 중 하나를 쓰세요";
    BAD_EXITED_FILTER = "invalid filter 'exited={value}': a number" / "잘못된 필터 'exited={value}': 숫자를 쓰세요";
    BAD_FILTER = "invalid filter '{filter}'" / "잘못된 필터입니다: '{filter}'";
    BAD_SINCE = "--since {since}: a time (2026-11-29T14:03:07Z) or a duration (10m, 1h)" / "--since {since}: 시각(2026-11-29T14:03:07Z)이나 기간(10m, 1h)을 쓰세요";
    BAD_TAIL = "--tail {tail}: a number or all" / "--tail {tail}: 숫자나 all을 쓰세요";
    ATTACH_STOPPED = "you cannot attach to a stopped container, start it first" / "정지한 컨테이너에는 연결(attach)할 수 없습니다. 먼저 시작하세요";
    START_IT_HINT = "dockling start {name}" / "먼저 시작하세요: dockling start {name}";
    BAD_NEW_NAME = "invalid container name ({name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed" / "잘못된 컨테이너 이름({name})입니다. [a-zA-Z0-9][a-zA-Z0-9_.-]만 쓸 수 있습니다";
    NO_PUBLIC_PORT = "no public port '{port}' published for {id}" / "{id} 컨테이너에는 공개된 '{port}' 포트가 없습니다";

    // ---- stages/inside.rs: exec, top, stats, pause inside a live container ----

    VERB_PAUSED = "{verb}: container {id} is paused, unpause the container before {verb}" / "{verb}: {id} 컨테이너는 일시 정지(paused) 상태입니다. {verb} 전에 unpause로 재개하세요";
    VERB_NOT_RUNNING = "{verb}: container {id} is not running" / "{verb}: {id} 컨테이너는 실행 중이 아닙니다 (is not running)";
    EXEC_DETACH_TTY = "exec -d runs in the background: -i and -t would have no terminal to use" / "exec -d는 백그라운드에서 실행되므로 -i와 -t가 쓸 터미널이 없습니다";
    EXEC_WORKDIR_NOT_ABSOLUTE = "the working directory {workdir} must be an absolute path" / "작업 디렉토리 {workdir}: 절대 경로여야 합니다";
    CANNOT_RUN_PS = "cannot run ps: {error}" / "ps 명령을 실행할 수 없습니다: {error}";
    PS_FAILED = "ps {options} failed: {error}" / "ps {options} 명령이 실패했습니다: {error}";
    PS_NO_PID = "ps {options} prints no PID column; add -o pid (or use -ef)" / "ps {options} 출력에 PID 열이 없습니다. -o pid를 더하세요 (또는 -ef 사용)";
    ALREADY_PAUSED = "cannot pause container {name}: container {id} is already paused" / "{name} 컨테이너를 일시 정지할 수 없습니다: {id} 컨테이너는 이미 일시 정지되어 있습니다 (already paused)";
    NOT_PAUSED = "cannot unpause container {name}: container {id} is not paused" / "{name} 컨테이너를 재개할 수 없습니다: {id} 컨테이너는 일시 정지 상태가 아닙니다 (is not paused)";
    PAUSE_NOT_RUNNING = "cannot {verb} container {name}: container {id} is not running" / "{name} 컨테이너에 {verb} 명령을 쓸 수 없습니다: {id} 컨테이너는 실행 중이 아닙니다 (is not running)";
    NO_CGROUP_TO_FREEZE = "cannot {verb} container {name}: it has no cgroup to freeze" / "{name} 컨테이너에 {verb} 명령을 쓸 수 없습니다: 동결할 cgroup이 없습니다";
    NO_CGROUP_TO_FREEZE_HINT = "the freezer is a cgroup's: make the container at stage 3 or later (`dockling cgroups -d`, `run -d`)" / "동결(freezer)은 cgroup의 기능입니다: 컨테이너를 3단계 이후에서 만드세요 (`dockling cgroups -d`, `run -d`)";
    CANNOT_FREEZE = "cannot freeze the cgroup: {error}" / "cgroup을 동결할 수 없습니다: {error}";
    DOCTOR_SHOWS_CONTROLLERS = "`dockling doctor` shows the cgroup layout and which controllers are usable" / "`dockling doctor`에서 cgroup 구성과 쓸 수 있는 컨트롤러를 볼 수 있습니다";

    // ---- engine/child.rs: the container's side, sent back to dockling ----

    WAITING_FOR_DOCKLING = "waiting for dockling: {error}" / "dockling을 기다리다 실패했습니다: {error}";
    FORK_THE_COMMAND = "fork the command" / "명령을 실행할 프로세스를 fork하지 못했습니다";
    CLEAR_SIGNAL_MASK = "clear the signal mask" / "시그널 마스크를 비우지 못했습니다";
    SETNS_INTO = "setns into the container's {ns} namespace" / "컨테이너의 {ns} 네임스페이스에 setns하지 못했습니다";
    CHROOT_PROC_ROOT = "chroot to /proc/PID/root" / "/proc/PID/root에 chroot하지 못했습니다";
    FORK_INTO_CONTAINER = "fork into the container" / "컨테이너 안에서 fork하지 못했습니다";
    SETGROUPS_FOR = "setgroups for {ids}" / "setgroups에 실패했습니다 (uid:gid {ids})";
    SETGID_TO = "setgid to {ids}" / "setgid에 실패했습니다 (uid:gid {ids})";
    SETUID_TO = "setuid to {ids}" / "setuid에 실패했습니다 (uid:gid {ids})";
    REPORTING_TO_DOCKLING = "reporting to dockling: {error}" / "dockling에 보고하지 못했습니다: {error}";
    SET_PDEATHSIG = "set PR_SET_PDEATHSIG" / "PR_SET_PDEATHSIG를 설정하지 못했습니다";
    DOCKLING_EXITED_EARLY = "dockling exited before the container started" / "컨테이너가 시작되기 전에 dockling이 끝났습니다";
    DUP2_ONTO = "dup2 onto {fd}" / "dup2로 {fd}번 디스크립터에 연결하지 못했습니다";
    OPEN_PTY = "open a pseudo-terminal (/dev/ptmx)" / "가상 터미널(/dev/ptmx)을 열지 못했습니다";
    MAKE_CONTROLLING_TERMINAL = "make it the controlling terminal" / "제어 터미널로 만들지 못했습니다";
    SEND_TERMINAL = "send the terminal to dockling" / "터미널을 dockling에 넘기지 못했습니다";
    OPEN_PATH = "open {path}" / "{path}: 열지 못했습니다";
    DROP_CAPS = "drop capabilities: {error}" / "케이퍼빌리티를 내려놓지 못했습니다: {error}";
    CHROOT_TO = "chroot to {path}" / "{path}에 chroot하지 못했습니다";
    CHDIR_TO = "change to the working directory {dir}" / "작업 디렉토리 {dir}에 들어가지 못했습니다";
    CHDIR_HINT = "-w names a directory inside the container; create it in the rootfs or pick another" / "-w에는 컨테이너 안의 디렉토리를 지정합니다. rootfs에 만들거나 다른 디렉토리를 고르세요";
    NO_SUCH_EXECUTABLE = "{name}: no such executable file in the container" / "{name}: 컨테이너 안에 그런 실행 파일이 없습니다";
    NO_SUCH_EXECUTABLE_HINT = "the rootfs {rootfs} has no executable {name}" / "rootfs {rootfs} 안에 {name} 실행 파일이 없습니다";
    COMMAND_NOT_FOUND = "command not found in the container: {name}" / "컨테이너 안에서 명령을 찾을 수 없습니다: {name}";
    COMMAND_NOT_FOUND_HINT = "{name} is in none of PATH={path} inside {rootfs}; see what is there with `ls` in the container" / "{rootfs} 안의 PATH={path} 어디에도 {name} 파일이 없습니다. 컨테이너 안에서 `ls`로 무엇이 있는지 보세요";
    LOADER_MISSING_HINT = "the program exists but its loader or #! interpreter is missing from the rootfs" / "프로그램은 있지만, 그 로더나 #! 인터프리터가 rootfs에 없습니다";
    NUL_IN_ARGUMENT = "argument {arg} contains a NUL byte" / "인자 {arg} 안에 NUL 바이트가 있습니다";

    // ---- engine/*: the host's side of a run ----

    ENDED_WHILE_JOINING = "the container ended while exec joined it" / "exec가 합류하는 사이에 컨테이너가 끝났습니다";
    JOINER_ENDED_SILENTLY = "the process joining the container ended without a word" / "컨테이너에 합류하던 프로세스가 아무 말 없이 끝났습니다";
    PORT_IN_USE_HINT = "choose another host port with -p HOST:CONTAINER" / "-p HOST:CONTAINER로 다른 호스트 포트를 고르세요";
    /// An undo that failed at the end of a run (after "dockling: ").
    COULD_NOT_UNDO = "warning: could not undo {resource}: {error}; it stays in the journal for `dockling cleanup`" / "경고: 되돌리지 못한 자원이 있습니다: {resource}: {error}. 저널에 남겨 두었으니 `dockling cleanup`으로 정리하세요";
    ROOT_ON_OVERLAYFS = "{path} is on overlayfs (inside a container?): an overlay upper dir cannot be on overlayfs" / "{path} 경로가 overlayfs 위에 있습니다(컨테이너 안인가요?): overlay의 upper 디렉토리는 overlayfs 위에 둘 수 없습니다";
    ROOT_ON_OVERLAYFS_HINT = "use --root on a real filesystem, e.g. mount -t tmpfs tmpfs /mnt && dockling --root /mnt …" / "실제 파일시스템 위의 --root를 쓰세요. 예: mount -t tmpfs tmpfs /mnt && dockling --root /mnt …";
    NO_OVERLAYFS = "overlayfs is not available in this kernel" / "이 커널에서는 overlayfs를 쓸 수 없습니다";
    NO_OVERLAYFS_HINT = "load it: modprobe overlay" / "모듈을 올리세요: modprobe overlay";
    UPPER_WORK_DIFFERENT_FS = "the overlay upper and work directories are on different filesystems" / "overlay의 upper 디렉토리와 work 디렉토리가 서로 다른 파일시스템에 있습니다";
    UPPER_WORK_DIFFERENT_FS_HINT = "do not mount anything inside {dir}" / "{dir} 안에는 아무것도 마운트하지 마세요";
    NET_OPEN_NETLINK = "cannot open a netlink socket: {error}" / "netlink 소켓을 열 수 없습니다: {error}";
    NET_ADD_NAT = "cannot add the network's NAT and forwarding rules: {error}" / "네트워크의 NAT 규칙과 포워딩 규칙을 추가할 수 없습니다: {error}";
    NET_ADD_PORT_RULES = "cannot add the port mapping rules: {error}" / "포트 포워딩 규칙을 추가할 수 없습니다: {error}";
    NET_FORWARDING = "cannot turn on IPv4 forwarding: {error}" / "IPv4 포워딩을 켤 수 없습니다: {error}";
    NET_CREATE_VETH = "cannot create the veth pair: {error}" / "veth 쌍을 만들 수 없습니다: {error}";
    NET_PLUG_VETH = "cannot plug the veth into the bridge: {error}" / "veth를 브리지에 연결할 수 없습니다: {error}";
    NET_CONFIGURE_INTERFACES = "cannot configure the container's interfaces: {error}" / "컨테이너의 네트워크 인터페이스들을 설정할 수 없습니다: {error}";
    NET_CONFIGURE_INTERFACE = "cannot configure the container's interface: {error}" / "컨테이너의 네트워크 인터페이스를 설정할 수 없습니다: {error}";
    NET_DELETE_INTERFACE = "cannot delete the container's interface: {error}" / "컨테이너의 네트워크 인터페이스를 삭제할 수 없습니다: {error}";
    NET_FAILED_HINT = "`dockling doctor` checks what networking needs (root, veth and bridge support, iptables)" / "`dockling doctor`가 네트워크에 필요한 것(root 권한, veth와 브리지 지원, iptables)을 점검합니다";
    NETWORK_REMOVED_MEANWHILE = "network {network} was removed while this run started" / "이 실행이 시작되는 사이에 {network} 네트워크가 삭제되었습니다";
    /// The state of net.ipv4.ip_forward, for the narration of NAT.
    NO_RULES_LOOPBACK = "(none: a loopback address is served by the proxy alone)" / "(없음: 루프백 주소는 프록시 혼자 처리합니다)";
    NO_NAMES_YET = "(none yet)" / "(아직 없음)";
    NO_NETWORK_NAMED = "no network named {network}" / "{network} 네트워크가 없습니다";
    NO_NETWORK_NAMED_HINT = "create it with `dockling network create {network}`, or `dockling network disconnect` it" / "`dockling network create {network}`로 만들거나, `dockling network disconnect`로 연결을 끊으세요";
    NO_CGROUPS_HINT = "boot with cgroup v2 (systemd.unified_cgroup_hierarchy=1) or mount the v1 controllers" / "cgroup v2로 부팅하거나(systemd.unified_cgroup_hierarchy=1) v1 컨트롤러를 마운트하세요";
    CANNOT_SET_UP_CGROUP = "cannot set up the cgroup: {error}" / "cgroup을 설정할 수 없습니다: {error}";
    CANNOT_SET_DEVICE_RULES = "cannot set the device rules of the cgroup: {error}" / "cgroup의 장치 규칙을 설정할 수 없습니다: {error}";
    PASS_SIGNAL_ON = "pass {signal} on to the container" / "컨테이너에 {signal} 시그널을 전달하지 못했습니다";
    WAIT_FOR_CONTAINER_POLL = "wait for the container (poll)" / "컨테이너를 기다리지 못했습니다 (poll)";
    WAIT_FOR_CONTAINER = "wait for the container" / "컨테이너를 기다리지 못했습니다";
    KILL_THE_CONTAINER = "kill the container" / "컨테이너를 강제 종료하지 못했습니다";
    CLONE_CONTAINER = "clone the container process" / "컨테이너 프로세스를 clone하지 못했습니다";
    CREATE_SYNC_SOCKET = "create the sync socket" / "동기화 소켓을 만들지 못했습니다";
    BLOCK_SIGNALS = "block signals" / "시그널을 블록하지 못했습니다";
    READ_SIGNALS = "read signals" / "시그널을 읽지 못했습니다";
    FORK = "fork" / "fork하지 못했습니다";
    BAD_ENV = "invalid environment variable {arg}: expected KEY=VALUE" / "잘못된 환경 변수 {arg}: KEY=VALUE 형식이어야 합니다";
    UNEXPECTED_SYNC_MESSAGE = "unexpected message from dockling" / "dockling에서 예상하지 못한 메시지가 왔습니다";

    // ---- cli.rs ----

    UNBLOCK_SIGNALS = "unblock signals" / "시그널 블록을 풀지 못했습니다";
    ROOTFS_READY = "rootfs ready: {path}" / "rootfs 준비 완료: {path}";
    CLEANUP_REPORT = "cleanup: finished {finished} run(s), removed {removed} resource(s); {alive} live run(s) left alone" / "cleanup: 실행 {finished}개 마무리, 자원 {removed}개 삭제; 살아 있는 실행 {alive}개는 그대로 둠";
    CLEANUP_COULD_NOT_UNDO = "could not undo {resource}: {error}" / "되돌리지 못했습니다: {resource}: {error}";
    NO_LESSON_NAMED = "no lesson {which}: give a number or `list`" / "{which}: 그런 레슨이 없습니다. 번호나 `list`를 주세요";
    NO_LESSON_NUMBER = "no lesson {n}; `dockling lesson list` shows them" / "{n}번 레슨은 없습니다. `dockling lesson list`로 목록을 보세요";

    // ---- container/*: the monitor, the store, restart policies, templates ----

    ALREADY_RUNNING = "container {id} is already running" / "{id} 컨테이너는 이미 실행 중입니다";
    ALREADY_RUNNING_HINT = "`dockling stop` it first, or `dockling attach` to it" / "먼저 `dockling stop`으로 정지하거나, `dockling attach`로 연결하세요";
    PIPE = "pipe" / "파이프를 만들지 못했습니다 (pipe)";
    MONITOR_ENDED_EARLY = "the monitor of container {id} ended before the container started" / "{id} 컨테이너의 모니터가 컨테이너가 시작되기 전에 끝났습니다";
    MONITOR_ENDED_EARLY_HINT = "`dockling inspect` shows its state; `dockling cleanup` removes what it left" / "`dockling inspect`로 상태를 보고, `dockling cleanup`으로 남은 것을 정리하세요";
    RESTART_COUNT_NOT_NUMBER = "--restart {text}: the count after on-failure: must be a number" / "--restart {text}: on-failure: 뒤의 횟수는 숫자여야 합니다";
    RESTART_BAD_POLICY = "--restart {text}: the policy is no, on-failure[:N], always or unless-stopped" / "--restart {text}: 정책은 no, on-failure[:N], always, unless-stopped 중 하나입니다";
    RESTART_COUNT_ONLY_ON_FAILURE = "--restart {text}: only on-failure takes a count (on-failure:N)" / "--restart {text}: 횟수는 on-failure에만 붙일 수 있습니다 (on-failure:N)";
    TEMPLATE_UNCLOSED = "template {template}: a {{ without }}" / "템플릿 {template}: {{ 뒤에 닫는 }}가 없습니다";
    TEMPLATE_NOT_A_PATH = "template {template}: {expr} is not a path like .State.Status" / "템플릿 {template}: {expr} 표현식은 .State.Status 같은 경로가 아닙니다";
    TEMPLATE_NO_FIELD = "template {template}: no field {key} in .{path}" / "템플릿 {template}: .{path} 안에 {key} 필드가 없습니다";
    STATE_UNREADABLE = "{path} cannot be read: {error}" / "{path}: 읽을 수 없습니다: {error}";
    STATE_UNREADABLE_HINT = "remove the container with `dockling rm -f`" / "`dockling rm -f`로 컨테이너를 삭제하세요";
    NAME_IN_USE = "conflict: the container name \"/{name}\" is already in use by container \"{other}\"" / "충돌: \"{other}\" 컨테이너가 이미 \"/{name}\" 이름을 쓰고 있습니다 (is already in use)";
    NAME_IN_USE_HINT = "remove (or rename) that container, or choose another --name" / "그 컨테이너를 삭제(또는 이름 변경)하거나, 다른 --name을 고르세요";
    AMBIGUOUS_PREFIX = "multiple IDs found with provided prefix: {query} ({ids})" / "접두사 {query}에 맞는 ID가 여럿입니다 ({ids}) (multiple IDs found with provided prefix)";
    AMBIGUOUS_PREFIX_HINT = "give more of the id, or the name" / "ID를 더 길게 쓰거나 이름을 쓰세요";
    CHOOSE_ANOTHER_NAME = "choose another name" / "다른 이름을 고르세요";

    // ---- cgroups/limits.rs: the flags that set limits ----

    SWAP_NEEDS_MEMORY = "--memory-swap needs --memory" / "--memory-swap에는 --memory가 필요합니다";
    /// A flag's value and why it is refused.
    FLAG_VALUE_WHY = "{flag} {value}: {why}" / "{flag} {value}: 쓸 수 없는 값입니다. {why}";
    SWAP_LESS_THAN_MEMORY = "--memory-swap {swap} is less than --memory {memory}: --memory-swap is memory plus swap, so it must be at least --memory" / "--memory-swap {swap} 값이 --memory {memory}보다 작습니다: --memory-swap은 메모리와 스왑을 더한 값이라 --memory 이상이어야 합니다";
    TWICE_MEMORY_OUT_OF_RANGE = "--memory {memory}: twice it (docker's default --memory-swap) is out of range" / "--memory {memory}: 그 두 배(docker의 기본 --memory-swap)가 범위를 벗어납니다";
    SWAP_AT_LEAST_MEMORY = "--memory-swap must be at least --memory" / "--memory-swap은 --memory 이상이어야 합니다";
    OUT_OF_RANGE = "out of range" / "범위를 벗어납니다";
    CPUS_MINIMUM = "the minimum is 0.01 (a quota of 1 ms in each 100 ms period, the least the kernel takes)" / "최솟값은 0.01입니다 (100 ms 주기마다 1 ms의 할당량, 커널이 받는 가장 작은 값)";
    NOT_A_SIZE = "{flag} {value}: not a size; use a number with b, k, m, g, t or p (e.g. 64m)" / "{flag} {value}: 크기가 아닙니다. 숫자에 b, k, m, g, t, p 중 하나를 붙여 쓰세요 (예: 64m)";
    SIZE_TOO_BIG = "{flag} {value}: more than {max}, the largest size dockling accepts here (cgroups keep at most 8 EiB and read more as no limit at all)" / "{flag} {value}: 여기서 dockling이 받는 최대 크기 {max}보다 큽니다 (cgroup은 최대 8 EiB까지 담고, 그보다 크면 제한 없음으로 읽습니다)";
    MEMORY_MINIMUM = "--memory {value}: the minimum is 6m" / "--memory {value}: 최솟값은 6m입니다";
    CPUS_NOT_A_NUMBER = "--cpus {value}: not a number (e.g. 0.5)" / "--cpus {value}: 숫자가 아닙니다 (예: 0.5)";
    CPUS_TOO_MANY = "--cpus {value}: this machine has only {available} CPUs" / "--cpus {value}: 이 머신의 CPU는 {available}개뿐입니다";
    CPUS_NOT_POSITIVE = "--cpus {value}: must be greater than 0" / "--cpus {value}: 0보다 커야 합니다";
    CPUS_TOO_PRECISE = "--cpus {value}: too precise; at most 9 decimal places (docker counts billionths of a CPU)" / "--cpus {value}: 너무 정밀합니다. 소수점 아래 9자리까지 쓸 수 있습니다 (docker는 CPU를 10억분의 1 단위로 셉니다)";
    NOT_BETWEEN = "{flag} {value}: must be between {min} and {max}" / "{flag} {value}: {min}에서 {max} 사이여야 합니다";
    NOT_WHOLE_NUMBER = "{flag} {value}: not a whole number" / "{flag} {value}: 정수가 아닙니다";
    PIDS_OUT_OF_RANGE = "{error} (pids.max takes at most PID_MAX_LIMIT, the most pids a system can have)" / "{error} (pids.max는 시스템이 가질 수 있는 최대 pid 수인 PID_MAX_LIMIT까지만 받습니다)";

    // ---- cgroups/*: devices, the BPF program, v1 and v2 ----

    DEVICE_BAD_PERMS = "--device {arg}: permissions {perms} must be letters of \"rwm\"" / "--device {arg}: 권한 {perms} 값은 \"rwm\"의 글자로만 써야 합니다";
    DEVICE_CANNOT_STAT = "--device {arg}: cannot stat {host}: {error}" / "--device {arg}: {host} 정보를 읽을 수 없습니다 (stat): {error}";
    DEVICE_NOT_A_NODE = "--device {arg}: {host} is not a device node" / "--device {arg}: {host} 파일은 장치 노드가 아닙니다";
    DEVICE_NOT_UNDER_DEV = "--device {arg}: the container path {path} must be under /dev/" / "--device {arg}: 컨테이너 안의 경로 {path} 값은 /dev/ 아래여야 합니다";
    BPF_ATTACH = "bpf(BPF_PROG_ATTACH) to {dir}: {error}" / "bpf(BPF_PROG_ATTACH)로 {dir}에 붙이지 못했습니다: {error}";
    BPF_LOAD = "bpf(BPF_PROG_LOAD) of the device program: {error}; verifier: {verifier}" / "장치 프로그램을 bpf(BPF_PROG_LOAD)로 올리지 못했습니다: {error}; 검증기(verifier): {verifier}";
    CGROUP_STATE_UNCHANGED = "{file} did not change state within 5 s" / "{file}: 5초 안에 상태가 바뀌지 않았습니다";
    NO_USABLE_CONTROLLERS = "this host has no usable memory, cpu and pids controllers (layout: {layout}; v2 offers [{offered}]); `dockling doctor` says more" / "이 호스트에는 쓸 수 있는 memory, cpu, pids 컨트롤러가 없습니다 (구성: {layout}; v2가 제공하는 것: [{offered}]). 자세한 내용은 `dockling doctor`에서 볼 수 있습니다";
    CGROUP_WRITE_FAILED = "write {value} to {file}: {error}" / "{file}에 {value} 값을 쓰지 못했습니다: {error}";
    CGROUP_STILL_HAS_PROCESSES = "{dir} still has processes after SIGKILL" / "{dir}: SIGKILL 뒤에도 프로세스가 남아 있습니다";
    V1_DEVICES_NOT_MOUNTED = "the v1 devices controller is not mounted (mount -t cgroup -o devices none /sys/fs/cgroup/devices)" / "v1 devices 컨트롤러가 마운트되어 있지 않습니다 (mount -t cgroup -o devices none /sys/fs/cgroup/devices)";
    V1_FREEZER_NOT_MOUNTED = "the v1 freezer controller is not mounted (mount -t cgroup -o freezer none /sys/fs/cgroup/freezer)" / "v1 freezer 컨트롤러가 마운트되어 있지 않습니다 (mount -t cgroup -o freezer none /sys/fs/cgroup/freezer)";
    NO_INTERNAL_PROCESSES = "{error} (the no-internal-processes rule: {dir} holds processes itself)" / "{error} (내부 프로세스 금지 규칙: {dir} 자체에 프로세스가 있습니다)";

    // ---- journal/*: what cleanup checks before it undoes an entry ----

    NOT_A_RUN_DIR = "{dir} is not a run directory of this root" / "{dir}: 이 루트의 실행 디렉토리가 아닙니다";
    NOT_RUNS_OWN_DIR = "{path} is not this run's own directory" / "{path}: 이 실행의 디렉토리가 아닙니다";
    NOT_RUNS_PIN = "{path} is not this run's pin {own}" / "{path}: 이 실행의 고정(pin) 파일이 아닙니다 (고정 파일: {own})";
    LEASE_DIR_NOT_ROOTS = "lease directory {dir} is not this root's {own}" / "임대 디렉토리 {dir}: 이 루트의 디렉토리({own})가 아닙니다";
    LEASE_OUTSIDE = "lease {path} is outside {dir}" / "임대 파일 {path}: {dir} 바깥에 있습니다";
    LEASE_NO_ADDRESS = "lease {path} names no address of {subnet}" / "임대 파일 {path}: {subnet} 대역의 주소가 아닙니다";
    NOT_A_BRIDGE_NAME = "{bridge} is not a dockling bridge name" / "{bridge}: dockling의 브리지 이름이 아닙니다";
    NOT_RUNS_VETH = "{link} is not this run's veth" / "{link}: 이 실행의 veth가 아닙니다";
    NOT_RUNS_LEASE = "the lease of run {run} is not this run's" / "실행 {run}의 임대는 이 실행의 것이 아닙니다";
    NOT_DOCKLINGS_RULE = "not a rule dockling makes: {rule}" / "dockling이 만드는 규칙이 아닙니다: {rule}";
    NOT_RUNS_CGROUP = "{path} is not {id}'s cgroup (expected …/{tail})" / "{path}: {id}의 cgroup이 아닙니다 (예상: …/{tail})";
    NOT_CLEAN_PATH = "{path} is not a clean absolute path" / "{path}: 깔끔한 절대 경로가 아닙니다";
    THROUGH_SYMLINK = "{path} passes through the symlink {link}" / "{path}: 경로 중간에 심볼릭 링크({link})가 있습니다";
    NOT_IN_RUNS_PIDNS = "process {pid} is not in the run's PID namespace" / "프로세스 {pid}: 이 실행의 PID 네임스페이스에 있지 않습니다";
    NOT_CHROOTED_INTO = "process {pid} is not chrooted into {root}" / "프로세스 {pid}: 루트가 {root} 디렉토리가 아닙니다 (chroot)";
    NOTHING_TIES_TO_RUN = "process {pid}: the entry says nothing that ties it to the run" / "프로세스 {pid}: 이 항목에는 프로세스를 이 실행과 묶어 주는 정보가 없습니다";

    // ---- mounts, overlay, journal, lock, security ----

    MAKE_ROOT_PRIVATE = "make / private (mount --make-rprivate /)" / "/의 마운트 전파를 끄지 못했습니다 (mount --make-rprivate /)";
    BIND_ONTO_ITSELF = "bind-mount {path} onto itself" / "{path}: 자기 자신 위에 바인드 마운트하지 못했습니다";
    OPEN_IN_ROOTFS = "open {path} in the rootfs" / "rootfs 안의 {path}: 열지 못했습니다";
    MOUNT_ON = "mount {what} on {path}" / "{path}에 {what} 마운트를 하지 못했습니다";
    MAKE_READ_ONLY = "make {path} read-only" / "{path}: 읽기 전용으로 만들지 못했습니다";
    OPEN_NEW_DEV = "open the new /dev" / "새 /dev 디렉토리를 열지 못했습니다";
    MAKE_PATH = "make {path}" / "{path}: 만들지 못했습니다";
    OPEN_ROOTFS = "open the rootfs" / "rootfs를 열지 못했습니다";
    BIND_CONSOLE = "bind /dev/pts/{pts} on /dev/console" / "/dev/pts/{pts} 터미널을 /dev/console에 바인드 마운트하지 못했습니다";
    MASK_PATH = "mask {path}" / "{path}: 가리지(mask) 못했습니다";
    BIND_PATH = "bind {path}" / "{path}: 바인드 마운트하지 못했습니다";
    UNMOUNT_OLD_ROOT = "unmount the old root" / "이전 루트를 언마운트하지 못했습니다";
    CHDIR_OVERLAY = "chdir to the overlay directory" / "overlay 디렉토리로 이동(chdir)하지 못했습니다";
    MOUNT_OVERLAY = "mount overlay" / "overlay 마운트를 하지 못했습니다";
    ALREADY_EXISTS = "{path} already exists" / "{path}: 이미 있습니다";
    NOT_UNDONE = "not undone: {why}" / "되돌리지 않았습니다: {why}";
    HOST_LOCK_HELD = "the host-wide lock @{name} has been held for {secs} s" / "호스트 전체 잠금 @{name}: 누군가 {secs}초째 잡고 있습니다";
    HOST_LOCK_HELD_HINT = "`ss -xlp | grep @{name}` shows which process holds it" / "어느 프로세스가 잡고 있는지 보려면: `ss -xlp | grep @{name}`";
    UNKNOWN_CAPABILITY = "unknown capability {name} (names are like NET_ADMIN or CAP_SYS_TIME; see capabilities(7))" / "알 수 없는 케이퍼빌리티 {name} (이름은 NET_ADMIN이나 CAP_SYS_TIME 같은 형식입니다. capabilities(7) 참고)";
}

/// Every `what` that `Error::io` is called with, and its message.
pub const IO_WHATS: &[(&str, Msg)] = &[
    ("read", IO_READ),
    ("create", IO_CREATE),
    ("write", IO_WRITE),
    ("open", IO_OPEN),
    ("remove", IO_REMOVE),
    ("resolve", IO_RESOLVE),
    ("rename into place", IO_RENAME_INTO_PLACE),
    ("lock", IO_LOCK),
    ("archive", IO_ARCHIVE),
    ("write the journal", IO_WRITE_JOURNAL),
    ("stat", IO_STAT),
    ("find", IO_FIND),
    ("compress", IO_COMPRESS),
    ("write man pages to", IO_WRITE_MAN),
    ("take the host lock", IO_HOST_LOCK),
    ("name the host lock", IO_NAME_HOST_LOCK),
    ("take the address lease", IO_TAKE_LEASE),
    ("give back the lease", IO_GIVE_BACK_LEASE),
    ("sync", IO_SYNC),
    ("start the monitor", IO_START_MONITOR),
    ("start the VM program", IO_START_VM),
    ("wait for", IO_WAIT_FOR),
    ("start", IO_START),
    ("write the initramfs to", IO_WRITE_INITRAMFS),
    ("read the directory", IO_READ_DIR),
    ("read the file", IO_READ_FILE),
    ("read the link", IO_READ_LINK),
    ("save", IO_SAVE),
    ("run", IO_RUN),
    ("render", IO_RENDER),
    (
        "rename the container on its networks",
        IO_RENAME_ON_NETWORKS,
    ),
    ("remove the rules of", IO_REMOVE_RULES),
    ("read the log of", IO_READ_LOG),
    ("read from the monitor of", IO_READ_MONITOR),
    ("read --env-file", IO_READ_ENV_FILE),
    ("prepare the overlay directories in", IO_PREPARE_OVERLAY),
    ("open the log", IO_OPEN_LOG),
    ("open the journal", IO_OPEN_JOURNAL),
    ("lock the journal", IO_LOCK_JOURNAL),
    ("create the journal", IO_CREATE_JOURNAL),
    ("listen on", IO_LISTEN),
    ("create the state directory", IO_CREATE_STATE_DIR),
    ("create the run directory", IO_CREATE_RUN_DIR),
    ("commit the container's layer to", IO_COMMIT_LAYER),
    ("talk to the joining process over", IO_TALK_JOINING),
    ("talk to the container process over", IO_TALK_CONTAINER),
    (
        "move the process into the container's cgroup",
        IO_MOVE_PROCESS_CGROUP,
    ),
    (
        "move the container into its cgroup",
        IO_MOVE_CONTAINER_CGROUP,
    ),
    ("write the /etc/hosts of the containers on", IO_WRITE_HOSTS),
    (
        "set up the container's stdin, stdout and stderr",
        IO_SET_UP_STDIO,
    ),
];

/// "cannot {what} {path}" in the run's language.
pub fn io_failed(what: &str, path: &dyn Display) -> String {
    match IO_WHATS.iter().find(|(w, _)| *w == what) {
        Some((_, m)) => crate::msg!(m, path = path),
        None => crate::msg!(IO_OTHER, what = what, path = path),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::narrate::lang::Lang;
    use crate::narrate::messages::fill;

    /// Each verb's English is "cannot {what} {path}", as before.
    #[test]
    fn io_messages_keep_the_english_of_cannot_what_path() {
        for (what, m) in IO_WHATS {
            assert_eq!(m.text(Lang::En), format!("cannot {what} {{path}}"));
        }
    }

    /// Every `Error::io("…"` in the sources has a message of its own.
    #[test]
    fn every_io_what_in_the_sources_has_a_message() {
        let mut missing = Vec::new();
        let mut stack = vec![std::path::PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/src"
        ))];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.ends_with("messages/containers.rs") {
                    continue;
                }
                if path.is_dir() {
                    stack.push(path);
                    continue;
                }
                let text = std::fs::read_to_string(&path).unwrap_or_default();
                for (i, _) in text.match_indices("Error::io(") {
                    let rest = text[i + "Error::io(".len()..].trim_start();
                    let Some(rest) = rest.strip_prefix('"') else {
                        continue;
                    };
                    let what = &rest[..rest.find('"').unwrap()];
                    if !IO_WHATS.iter().any(|(w, _)| *w == what) {
                        missing.push(format!("{}: {what}", path.display()));
                    }
                }
            }
        }
        assert!(missing.is_empty(), "no message for: {missing:?}");
        assert_eq!(
            fill(IO_OTHER.en, &[("what", &"x"), ("path", &"/p")]),
            "cannot x /p"
        );
    }
}
