//! Messages of images and networks: pull, load, the store, the local
//! registry, networks and their rules, and of the classroom tools: doctor,
//! the tour, lessons, completions.
//!
//! Korean follows the narration's conventions (see `narrate::korean`):
//! 합니다체; a `{placeholder}` is followed by a particle that never
//! changes (에, 의, 만, 도 …), by a noun, or by nothing; commands, flags,
//! file names and docker's own fixed words stay as they are.

crate::messages! {
    // ---- the tour ----
    /// The tour's opening line.
    TOUR_BEGINS = "the tour of dockling's lessons begins" / "dockling 레슨 둘러보기를 시작합니다";
    TOUR_NO_LESSON = "there is no lesson {n}" / "없는 레슨 번호입니다: {n}";
    TOUR_NO_LESSON_HINT = "`dockling lesson list` lists them" / "`dockling lesson list` 명령이 레슨 목록을 보여 줍니다";
    TOUR_BUILDING_ROOTFS = "== The lessons need a root filesystem; building one from this host's busybox\n" / "== 레슨에는 루트 파일시스템이 필요합니다. 이 호스트의 busybox로 하나 만듭니다\n";
    TOUR_STARTING_REGISTRY = "== Starting a local registry (docker-registry) on {addr} with the image {image}\n" / "== 로컬 레지스트리(docker-registry)를 {addr}에서 시작합니다. 들어 있는 이미지: {image}\n";
    TOUR_READING_ONLY = "(reading only: `dockling lesson {n}` prints it)" / "(읽기만 하는 레슨입니다. `dockling lesson {n}` 명령으로 봅니다)";
    /// The `--step` prompt before each command.
    /// Before --step's prompt, what a shell session will run (it prints each command as it runs it).
    TOUR_SESSION_AHEAD = "(a shell session of {n} command(s), from `{first}`)" / "(셸 세션, 명령 {n}개, 첫 명령 `{first}`)";
    TOUR_PROMPT = "  [Enter] run it, s skip it, r run the previous one again, q quit: " / "  [Enter] 실행, s 건너뛰기, r 이전 명령 다시 실행, q 끝내기: ";
    TOUR_UNEXPECTED_EXIT = "lesson {n}: dockling {command} exited {status}, expected {exit}" / "레슨 {n}: dockling {command}: 기대한 종료 코드 {exit}, 실제 결과 {status}";
    TOUR_SESSION_UNEXPECTED_EXIT = "lesson {n}: the shell session ending in `{command}` exited {status}, expected {exit}" / "레슨 {n}: `{command}`(으)로 끝나는 셸 세션: 기대한 종료 코드 {exit}, 실제 결과 {status}";
    TOUR_NETWORK_NOT_REMOVED = "removing the network {name} the tour made: {error}" / "둘러보기가 만든 네트워크 {name} 삭제 실패: {error}";
    TOUR_CONTAINER_NOT_REMOVED = "removing the container {id} the tour made" / "둘러보기가 만든 컨테이너 {id} 삭제 실패";
    TOUR_IMAGE_NOT_REMOVED = "removing the image {reference} the tour pulled" / "둘러보기가 pull한 이미지 {reference} 삭제 실패";
    TOUR_FAILURES = "dockling: the tour had failures:\n  {failures}" / "dockling: 둘러보기 중 실패한 것이 있습니다:\n  {failures}";
    TOUR_STOPPED = "== Tour stopped in lesson {n}; `dockling tour --from {n}` starts there again." / "== 레슨 {n}에서 둘러보기를 멈췄습니다. `dockling tour --from {n}` 명령으로 거기서 다시 시작합니다.";
    TOUR_COMPLETE = "== Tour complete. Read on with `dockling lesson N`, and try the exercises in each lesson." / "== 둘러보기를 마쳤습니다. `dockling lesson N` 명령으로 레슨을 읽고, 레슨마다 있는 연습 문제를 풀어 보세요.";
    TOUR_IP_FORWARD_STAYS = "   (IP forwarding, which lesson 5 turned on for containers to reach out, stays on: `sysctl net.ipv4.ip_forward=0` turns it off.)" / "   (레슨 5가 컨테이너의 외부 통신을 위해 켠 IP 포워딩은 켜진 채로 남습니다. `sysctl net.ipv4.ip_forward=0` 명령으로 끕니다.)";

    // ---- stage 6's commands: images, rmi, prune, login, volumes ----
    NO_SUCH_IMAGE = "no image {name} in the store" / "스토어에 없는 이미지입니다: {name}";
    NO_SUCH_IMAGE_HINT = "`dockling images` lists them; `dockling pull NAME` fetches one" / "`dockling images` 명령이 이미지 목록을 보여 주고, `dockling pull NAME` 명령이 이미지를 받아 옵니다";
    PRUNED = "removed {blobs} blob(s) and {layers} layer(s) no image uses" / "어느 이미지도 쓰지 않는 블롭 {blobs}개와 레이어 {layers}개를 삭제했습니다";
    HELD_LAYERS = "kept {n} layer(s) no image names: a running container or a pull in progress uses them (`dockling image prune` removes them once it has ended)" / "이미지 이름이 가리키지 않는 레이어 {n}개는 남겨 두었습니다. 실행 중인 컨테이너나 진행 중인 pull이 쓰고 있습니다(그것이 끝난 뒤 `dockling image prune` 명령으로 삭제합니다)";
    DELETED_LAYERS = "Deleted {n} layer(s) no other image uses" / "다른 이미지가 쓰지 않는 레이어 {n}개를 삭제했습니다";
    /// After docker's own refusal (kept in docker's words).
    RMI_CONFLICT_HINT = "remove the container first (`dockling rm -f {container}`), or `dockling rmi -f {name}` to remove the name anyway (the layers stay until the container is removed)" / "먼저 컨테이너를 삭제하거나(`dockling rm -f {container}`), `dockling rmi -f {name}` 명령으로 이름만이라도 지우세요(레이어는 컨테이너가 삭제될 때까지 남습니다)";
    LOGIN_NO_PASSWORD = "give the password with -p or --password-stdin" / "비밀번호를 -p나 --password-stdin으로 주세요";
    LOGIN_BAD_REGISTRY = "registry {registry}: {error}" / "레지스트리 {registry}: {error}";
    LOGIN_FAILED = "login to {registry} failed: {error}" / "레지스트리 {registry}에 로그인하지 못했습니다: {error}";
    LOGIN_FAILED_HINT = "check the user and password" / "사용자 이름과 비밀번호를 확인하세요";
    /// docker's "Login Succeeded", then where dockling keeps it.
    LOGIN_SUCCEEDED = "Login Succeeded (stored in {path}, readable by root only)" / "Login Succeeded (로그인 정보는 {path}에 저장했고, root만 읽을 수 있습니다)";
    LOGGED_OUT = "Removed login credentials for {registry}" / "레지스트리 {registry}의 로그인 정보를 삭제했습니다";
    NOT_LOGGED_IN = "not logged in to {registry}" / "레지스트리 {registry}에 로그인되어 있지 않습니다";
    VOLUME_FORMAT = "-v {v}: expected HOST:CONTAINER[:ro], e.g. -v /srv/data:/data:ro" / "-v {v}: HOST:CONTAINER[:ro] 형식이어야 합니다. 예: -v /srv/data:/data:ro";
    VOLUME_RELATIVE = "-v {v}: both paths must be absolute" / "-v {v}: 두 경로 모두 절대 경로여야 합니다";
    VOLUME_DOTDOT = "-v {v}: the container path may not contain .." / "-v {v}: 컨테이너 쪽 경로에는 ..가 들어갈 수 없습니다";
    VOLUME_OVER_DEV = "-v {v}: /dev is the kernel's: a volume may not cover /dev itself" / "-v {v}: /dev는 커널이 채우는 곳입니다. 볼륨으로 /dev 자체를 덮을 수는 없습니다";
    VOLUME_OVER_KERNEL = "-v {v}: /{top} is the kernel's: a volume may not cover /{top} or anything in it" / "-v {v}: /{top} 디렉토리는 커널이 채우는 곳입니다. 볼륨으로 /{top} 디렉토리나 그 안의 경로를 덮을 수 없습니다";
    VOLUME_NO_HOST_PATH_HINT = "the host path must exist" / "호스트 쪽 경로가 있어야 합니다";
    IMAGE_REMOVED_WHILE_PULLED = "image {reference} was removed as it was pulled" / "이미지 {reference}: pull하는 사이에 삭제되었습니다";
    RUN_AGAIN_HINT = "run it again" / "다시 실행하세요";
    LAYER_MISSING = "image {reference}: layer {path} is missing from the store" / "이미지 {reference}: 스토어에 없는 레이어입니다: {path}";
    PULL_AGAIN_HINT = "pull it again: dockling pull {reference}" / "다시 pull하세요: dockling pull {reference}";
    IMAGE_WITHOUT_LAYERS = "image {reference} has no layers" / "이미지 {reference}에는 레이어가 없습니다";

    // ---- stage 5's commands: networks, connect, disconnect ----
    NO_IPTABLES = "iptables-restore is not installed; stage 5 needs it for NAT and port mapping" / "iptables-restore가 설치되어 있지 않습니다. 5단계는 NAT와 포트 포워딩에 이것을 씁니다";
    NO_IPTABLES_HINT = "apt-get install iptables (or dnf install iptables-nft)" / "apt-get install iptables 명령으로 설치하세요 (또는 dnf install iptables-nft)";
    BAD_CONTAINER_NAME = "--name {name}: a name is [a-zA-Z0-9][a-zA-Z0-9_.-]+" / "--name {name}: 이름은 [a-zA-Z0-9][a-zA-Z0-9_.-]+ 형식이어야 합니다";
    ALIASES_NEED_USER_NETWORK = "network-scoped aliases are supported only for containers on user-defined networks, not {network}" / "네트워크 별칭(alias)은 사용자가 만든 네트워크의 컨테이너에만 쓸 수 있습니다. {network} 네트워크에서는 쓸 수 없습니다";
    BAD_ALIAS = "alias {alias}: a host name is letters, digits, '-' and '.'" / "별칭 {alias}: 호스트 이름에는 영문자, 숫자, '-', '.'만 쓸 수 있습니다";
    NO_NETWORK_OF_ITS_OWN = "container {container} has no network of its own: it was made by a stage before 5" / "컨테이너 {container}에는 자기 네트워크가 없습니다. 5단계 이전의 단계로 만든 컨테이너입니다";
    NO_NETWORK_OF_ITS_OWN_HINT = "only containers of `dockling network` or `dockling run` can join networks" / "네트워크에 연결할 수 있는 것은 `dockling network`나 `dockling run`으로 만든 컨테이너뿐입니다";
    NETWORK_NOT_FOUND = "network {network} not found" / "네트워크 {network}: 찾을 수 없습니다";
    NETWORK_NOT_FOUND_HINT = "`dockling network ls` lists the networks" / "`dockling network ls` 명령이 네트워크 목록을 보여 줍니다";
    ALREADY_CONNECTED = "endpoint with name {name} already exists in network {network}" / "네트워크 {network}에 이미 {name} 이름의 엔드포인트가 있습니다";
    TOO_MANY_NETWORKS = "container {container} is on {n} networks already, the most dockling gives one" / "컨테이너 {container}: 이미 네트워크 {n}개에 연결되어 있습니다. dockling이 컨테이너 하나에 허용하는 최대 개수입니다";
    TOO_MANY_NETWORKS_HINT = "disconnect it from one first" / "먼저 네트워크 하나에서 연결을 끊으세요";
    FIRST_NETWORK = "container {container} was started on network {network}: dockling cannot take its first network (eth0, its default route) away" / "컨테이너 {container}: 네트워크 {network}에서 시작된 컨테이너입니다. dockling은 첫 네트워크(eth0, 기본 경로)를 떼어 낼 수 없습니다";
    FIRST_NETWORK_HINT = "disconnect only networks joined with `dockling network connect`" / "`dockling network connect`로 연결한 네트워크만 끊을 수 있습니다";
    NOT_CONNECTED = "container {container} is not connected to network {network}" / "컨테이너 {container}: 네트워크 {network}에 연결되어 있지 않습니다";
    NO_ADDRESS_ON_NETWORK = "container {container} holds no address on network {network} (its run lost it)" / "컨테이너 {container}: 네트워크 {network}의 주소가 없습니다 (실행 중에 잃었습니다)";
    NO_ADDRESS_ON_NETWORK_HINT = "`dockling network disconnect -f` forgets the connection anyway" / "`dockling network disconnect -f` 명령은 그래도 연결 기록을 지웁니다";
    BAD_SUBNET_HINT = "a subnet from /8 to /30 in a private range (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16), e.g. --subnet 10.147.200.0/24" / "사설 대역(10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16) 안에서 /8부터 /30까지의 서브넷을 주세요. 예: --subnet 10.147.200.0/24";
    NETWORK_CREATED = "{name} {subnet} (gateway {gateway}, bridge {bridge})" / "{name} {subnet} (게이트웨이 {gateway}, 브리지 {bridge})";
    NO_NETWORK_NAMED = "no network named {name}" / "그런 이름의 네트워크가 없습니다: {name}";

    // ---- pull: failures, their hints, progress ----
    PULL_FAILED = "pull failed: {error}" / "pull하지 못했습니다: {error}";
    PULL_AUTH_HINT = "`dockling login REGISTRY` stores a user and password" / "`dockling login REGISTRY` 명령으로 사용자 이름과 비밀번호를 저장하세요";
    PULL_REFUSED_HINT = "dockling sends credentials only to the registry and the token server it names, over https or on loopback (or with --insecure-registry)" / "dockling은 로그인 정보를 레지스트리와 레지스트리가 지정한 토큰 서버에만, https나 루프백으로만 보냅니다(--insecure-registry를 주면 예외)";
    PULL_DIGEST_HINT = "the registry's copy is damaged or was tampered with; nothing was stored" / "레지스트리에 있는 사본이 손상되었거나 변조되었습니다. 아무것도 저장하지 않았습니다";
    PULL_HTTP_HINT = "check the name and that the registry is reachable" / "이미지 이름이 맞는지, 레지스트리에 접속할 수 있는지 확인하세요";
    PULL_INVALID_HINT = "the registry sent something dockling cannot use" / "레지스트리가 dockling이 쓸 수 없는 응답을 보냈습니다";
    PULL_NO_PLATFORM_HINT = "choose one with --platform OS/ARCH" / "--platform OS/ARCH로 플랫폼을 고르세요";
    PULL_STALLED_HINT = "nothing was stored; try again, or allow longer pauses with {env}=SECONDS" / "아무것도 저장하지 않았습니다. 다시 시도하거나, {env}=SECONDS로 더 긴 멈춤을 허용하세요";
    PULL_LOCAL_HINT = "nothing was stored; check the store's disk" / "아무것도 저장하지 않았습니다. 스토어가 있는 디스크를 확인하세요";
    PULL_NO_ROOM = "no room for the image in {dir}: {reason}" / "{dir}에 이미지를 둘 공간이 없습니다: {reason}";
    PULL_NO_ROOM_HINT = "nothing was downloaded; free some space there, or keep dockling's state elsewhere with --root DIR" / "아무것도 내려받지 않았습니다. 그곳의 공간을 비우거나, --root DIR로 dockling의 상태를 다른 곳에 두세요";
    PULL_OVER_ENV_LIMIT = "refused: {what} takes the image past {env}={limit} unpacked" / "거부했습니다: {what} 때문에 압축을 푼 이미지가 {env}={limit} 한도를 넘습니다";
    PULL_OVER_ENV_LIMIT_HINT = "nothing was stored; if the image is genuine, raise {env}" / "아무것도 저장하지 않았습니다. 정상적인 이미지라면 {env} 값을 올리세요";
    PULL_OVER_FREE_SPACE = "refused: {what} unpacks to more than the {limit} the store can take ({dir} has {free} free, {margin} of it kept free)" / "거부했습니다: {what}의 압축을 풀면 스토어가 받을 수 있는 {limit}보다 커집니다 ({dir}의 여유 공간 {free}, 그중 {margin}만큼은 비워 둡니다)";
    PULL_OVER_FREE_SPACE_HINT = "nothing was stored; free some space there, or set {env} (e.g. 8g)" / "아무것도 저장하지 않았습니다. 그곳의 공간을 비우거나 {env} 값을 정하세요 (예: 8g)";
    /// What a size limit was going over: one layer.
    PULL_LAYER = "layer {digest}" / "레이어 {digest}";
    PULL_INTERRUPTED = "dockling: pull interrupted; its partial downloads were removed" / "dockling: pull이 중단되었습니다. 내려받던 조각은 삭제했습니다";
    PULL_INTERRUPTED_LEFTOVERS = "dockling: pull interrupted; some partial downloads are left (`dockling cleanup` removes them): {error}" / "dockling: pull이 중단되었습니다. 내려받던 조각 일부가 남았습니다(`dockling cleanup` 명령으로 삭제합니다): {error}";
    /// A progress bar's label.
    PULL_BAR = "layer {n}/{of} {digest}" / "레이어 {n}/{of} {digest}";
    /// An index kept by `pull --all-platforms` that cannot be used.
    WHOLE_BAD = "the multi-platform index {digest}: {error}" / "멀티 플랫폼 인덱스 {digest}: {error}";
    WHOLE_NESTED = "{digest}: an index inside an index" / "{digest}: 인덱스 안에 인덱스가 있습니다";
    WHOLE_OTHER_DIGEST = "{digest}: the bytes have another digest" / "{digest}: 바이트의 다이제스트가 다릅니다";
    PULL_LAYER_UNFINISHED = "a layer download did not finish" / "레이어 하나의 다운로드가 끝나지 않았습니다";
    /// A progress bar that has not moved.
    PULL_STALLED = "stalled {seconds}s" / "{seconds}초째 멈춤";
    WARNING = "dockling: warning: {warning}" / "dockling: 경고: {warning}";
    CANNOT_REMOVE = "cannot remove {path}: {error}" / "{path}: 삭제할 수 없습니다: {error}";
    PULL_LAYER_UNUSABLE_HINT = "nothing was stored; this copy of the layer is unusable" / "아무것도 저장하지 않았습니다. 이 레이어 사본은 쓸 수 없습니다";

    // ---- the image store, pins, credentials ----
    FREE_SPACE = "{size} free" / "여유 공간 {size}";
    FREE_SPACE_UNKNOWN = "free space unknown" / "여유 공간을 알 수 없음";
    DISK_FULL = "the disk is full: no space left on the filesystem of {dir} ({free})" / "디스크가 가득 찼습니다: {dir}의 파일시스템에 남은 공간이 없습니다 ({free})";
    DISK_FULL_HINT = "nothing was stored; free some space there (`dockling image prune` removes layers no image uses), or keep dockling's state elsewhere with --root DIR" / "아무것도 저장하지 않았습니다. 그곳의 공간을 비우거나(`dockling image prune` 명령이 어느 이미지도 쓰지 않는 레이어를 삭제합니다), --root DIR로 dockling의 상태를 다른 곳에 두세요";
    SIZE_LIMIT_ZERO = "{env} {value}: must be more than 0" / "{env} {value}: 0보다 커야 합니다";
    SIZE_LIMIT_NO_ROOM = "the image's layers are {compressed} compressed, and the store's filesystem has {free} free (less {margin} kept free)" / "이미지의 레이어는 압축된 상태로 {compressed}인데, 스토어의 파일시스템에는 여유 공간이 {free}뿐입니다 (그중 {margin}만큼은 비워 둡니다)";
    BLOB_DAMAGED = "blob {digest} in the store is damaged" / "스토어의 블롭 {digest}: 손상되었습니다";
    REMOVE_AND_PULL_AGAIN_HINT = "remove the image with `dockling rmi` and pull it again" / "`dockling rmi` 명령으로 이미지를 삭제하고 다시 pull하세요";
    BAD_INDEX = "{path} is not a valid index: {error}" / "{path}: 올바른 인덱스가 아닙니다: {error}";
    BAD_INDEX_HINT = "it is dockling's image list; restore or remove it" / "dockling의 이미지 목록 파일입니다. 복구하거나 삭제하세요";
    STORED_MANIFEST_UNREADABLE = "the manifest of {digest} in the store cannot be read: {error}" / "스토어에 있는 {digest}의 매니페스트를 읽을 수 없습니다: {error}";
    STORED_CONFIG_UNREADABLE = "the config of {digest} in the store cannot be read: {error}" / "스토어에 있는 {digest}의 설정(config)을 읽을 수 없습니다: {error}";
    PIN_UNREADABLE = "pin {path} cannot be read: {error}" / "핀 파일 {path}: 읽을 수 없습니다: {error}";
    PIN_UNREADABLE_HINT = "a live dockling holds it; nothing was removed while it is unreadable" / "실행 중인 dockling이 잡고 있는 핀입니다. 읽을 수 없는 동안에는 아무것도 삭제하지 않았습니다";
    PIN_NOT_REMOVED = "cannot remove {path}: {error}; `dockling image prune` will" / "{path}: 삭제할 수 없습니다: {error}. `dockling image prune` 명령이 나중에 삭제합니다";
    CREDENTIALS_INVALID = "{path} is not valid JSON: {error}" / "{path}: 올바른 JSON이 아닙니다: {error}";
    CREDENTIALS_INVALID_HINT = "remove it and `dockling login` again" / "그 파일을 삭제하고 다시 `dockling login` 하세요";

    // ---- an image's config: command, working directory, user ----
    NO_COMMAND = "the image has no Entrypoint or Cmd: give a command after the image name" / "이미지에 Entrypoint도 Cmd도 없습니다. 이미지 이름 뒤에 명령을 주세요";
    WORKDIR_RELATIVE = "working directory {dir} must be an absolute path" / "작업 디렉토리 {dir}: 절대 경로여야 합니다";
    USER_NOT_IN_PASSWD = "user {user} is not in {whose} /etc/passwd" / "사용자 {user}: {whose} /etc/passwd에 없습니다";
    GROUP_NOT_IN_GROUP = "group {group} is not in {whose} /etc/group" / "그룹 {group}: {whose} /etc/group에 없습니다";
    WHOSE_IMAGE = "the image's" / "이미지의";
    WHOSE_CONTAINER = "the container's" / "컨테이너의";

    // ---- load ----
    LOAD_NOT_AN_ARCHIVE_HINT = "load takes a `docker save` tarball or an OCI layout directory" / "load에는 `docker save`로 만든 tar 파일이나 OCI 레이아웃 디렉토리를 주세요";
    LOAD_NEITHER = "{dir}: neither an OCI layout (index.json) nor a docker save archive (manifest.json)" / "{dir}: OCI 레이아웃(index.json)도 docker save 아카이브(manifest.json)도 아닙니다";
    LOAD_NEITHER_HINT = "make one with `skopeo copy docker://IMAGE oci:DIR:TAG` or `docker save IMAGE -o FILE`" / "`skopeo copy docker://IMAGE oci:DIR:TAG`나 `docker save IMAGE -o FILE` 명령으로 만드세요";
    LOAD_FAILED = "load failed: {what}" / "load하지 못했습니다: {what}";
    LOAD_FAILED_HINT = "nothing was stored for this image" / "이 이미지에 대해서는 아무것도 저장하지 않았습니다";
    LOAD_SYMLINK = "{path}: a symlink, not a file" / "{path}: 파일이 아니라 심볼릭 링크입니다";
    LOAD_NOT_REGULAR = "{path} is {what}; an image holds regular files only" / "{path}: {what}입니다. 이미지에는 일반 파일만 들어 있어야 합니다";
    KIND_FIFO = "a FIFO" / "FIFO(이름 있는 파이프)";
    KIND_SOCKET = "a socket" / "소켓";
    KIND_DEVICE = "a device" / "장치 파일";
    KIND_DIRECTORY = "a directory" / "디렉토리";
    KIND_OTHER = "not a regular file" / "일반 파일이 아닌 것";
    LOAD_TOO_BIG = "{path}: more than {cap} bytes" / "{path}: {cap}바이트를 넘습니다";
    LOAD_UNNAMED = "{digest}: an image without a name (ref.name annotation)" / "{digest}: 이름(ref.name 어노테이션)이 없는 이미지입니다";
    LOAD_OUTSIDE = "manifest.json names {path}, outside the archive" / "manifest.json이 아카이브 바깥의 경로를 가리킵니다: {path}";

    // ---- lesson 6's local registry, push ----
    REGISTRY_NEEDS_ROOTFS = "lesson 6's image is made from {path}, which is missing" / "레슨 6의 이미지는 {path}에서 만드는데, 그 경로가 없습니다";
    REGISTRY_CANNOT_START = "cannot start docker-registry: {error}" / "docker-registry를 시작할 수 없습니다: {error}";
    REGISTRY_CANNOT_START_HINT = "apt-get install docker-registry (lesson 6 pulls from a registry on this machine)" / "apt-get install docker-registry 명령으로 설치하세요 (레슨 6은 이 머신의 레지스트리에서 pull합니다)";
    REGISTRY_NOT_LISTENING = "docker-registry did not start listening on {addr}" / "docker-registry가 {addr}에서 연결을 받기 시작하지 않았습니다";
    REGISTRY_NOT_LISTENING_HINT = "is the port taken? `ss -ltnp | grep {port}`" / "포트를 이미 누가 쓰고 있지 않나요? `ss -ltnp | grep {port}`";
    PUSH_FAILED_HINT = "is the registry running and writable?" / "레지스트리가 실행 중이고 쓰기가 가능한지 확인하세요";

    // ---- --env-file, with docker's rules ----
    ENVFILE_LINE_TOO_LONG = "line {n} is longer than {max} bytes (docker's limit, bufio.MaxScanTokenSize)" / "{n}번째 줄: {max}바이트보다 깁니다 (docker의 한도, bufio.MaxScanTokenSize)";
    ENVFILE_NOT_UTF8 = "line {n} is not valid UTF-8 (byte {byte} of the line)" / "{n}번째 줄: 올바른 UTF-8이 아닙니다 (줄의 {byte}번째 바이트)";
    ENVFILE_NO_NAME = "line {n}: no variable name on line '{line}' (it starts with '=')" / "{n}번째 줄: '{line}' 줄에 변수 이름이 없습니다 ('='로 시작합니다)";
    ENVFILE_WHITESPACE = "line {n}: variable '{key}' contains whitespaces" / "{n}번째 줄: 변수 '{key}'의 이름에 공백이 있습니다";
    ENVFILE_NUL = "line {n}: variable '{key}' contains a NUL byte, which no environment can hold" / "{n}번째 줄: 변수 '{key}'에 NUL 바이트가 있습니다. 환경변수에는 NUL 바이트를 담을 수 없습니다";

    // ---- networks: definitions, addresses, bridges ----
    BAD_NETWORK_NAME = "network name {name}: use 1-{max} letters, digits, '_', '.' or '-', starting with a letter or digit (the bridge is named {prefix}NAME and interface names have at most 15 characters)" / "네트워크 이름 {name}: 영문자나 숫자로 시작하는 1~{max}자의 영문자, 숫자, '_', '.', '-'를 쓰세요 (브리지 이름이 {prefix}NAME이고, 인터페이스 이름은 15자까지입니다)";
    NETWORK_FILE_HINT = "remove the file, or fix it by hand" / "파일을 삭제하거나 직접 고치세요";
    NO_NETWORK_NAMED_HINT = "create it with `dockling network create {name}`, or see `dockling network ls`" / "`dockling network create {name}` 명령으로 만들거나, `dockling network ls`로 목록을 보세요";
    NETWORK_EXISTS = "network {name} already exists" / "네트워크 {name}: 이미 있습니다";
    SUBNET_TAKEN = "subnet {subnet} cannot be used: {why}" / "서브넷 {subnet}: 쓸 수 없습니다: {why}";
    SUBNET_TAKEN_HINT = "choose a private subnet nothing on this host uses, e.g. --subnet 10.147.200.0/24 (`ip route` and `ip addr` list the host's routes and addresses)" / "이 호스트에서 아무도 쓰지 않는 사설 서브넷을 고르세요. 예: --subnet 10.147.200.0/24 (`ip route`와 `ip addr`가 호스트의 경로와 주소를 보여 줍니다)";
    OVERLAPS_NETWORK = "it overlaps network {name} ({subnet})" / "네트워크 {name}의 서브넷({subnet})과 겹칩니다";
    NO_FREE_SUBNET = "no free subnet left in 10.147.0.0/16" / "10.147.0.0/16 안에 남은 서브넷이 없습니다";
    NO_FREE_SUBNET_HINT = "give one with --subnet" / "--subnet으로 서브넷을 주세요";
    /// docker's words for a network in use.
    NETWORK_IN_USE = "error while removing network: network {name} has active endpoints" / "네트워크를 삭제하는 중 오류: 네트워크 {name}에 연결된 엔드포인트가 있습니다";
    NETWORK_IN_USE_HINT = "{n} container(s) on it: {containers}; stop them or `dockling network disconnect {name} CONTAINER` (or `dockling cleanup` if they were killed)" / "연결된 컨테이너 {n}개: {containers}. 컨테이너를 멈추거나 `dockling network disconnect {name} CONTAINER` 명령으로 끊으세요 (강제로 종료된 컨테이너라면 `dockling cleanup`)";
    /// A container on a network known only by its run.
    LEASE_OF_RUN = "run {run} ({ip})" / "실행 {run} ({ip})";
    NETWORK_RULES_NOT_REMOVED = "cannot remove the rules of network {name}: {error}" / "네트워크 {name}의 규칙을 삭제할 수 없습니다: {error}";
    NETWORK_RULES_NOT_REMOVED_HINT = "`iptables-save | grep dockling` lists them; `dockling network rm` again retries" / "`iptables-save | grep dockling` 명령이 그 규칙들을 보여 줍니다. `dockling network rm`을 다시 하면 다시 시도합니다";
    NETWORK_FULL = "network {name} ({subnet}) has no free address left" / "네트워크 {name}({subnet})에 남은 주소가 없습니다";
    NETWORK_FULL_HINT = "create a network with a larger subnet" / "더 큰 서브넷으로 네트워크를 만드세요";
    IP_NOT_GIVEN_BY_NETWORK = "--ip {ip}: not an address network {name} ({subnet}) gives to containers (the gateway {gateway} is the host's)" / "--ip {ip}: 네트워크 {name}({subnet})가 컨테이너에 주는 주소가 아닙니다 (게이트웨이({gateway})는 호스트의 주소입니다)";
    /// docker's words for an address taken.
    IP_IN_USE = "Address already in use: {ip} on network {name}" / "이미 사용 중인 주소입니다: 네트워크 {name}의 {ip}";
    IP_IN_USE_HINT = "choose another --ip, or leave it out for the lowest free one" / "다른 --ip를 고르거나, 빼면 비어 있는 가장 낮은 주소를 씁니다";
    OVERLAPS_HOST_ROUTE = "it overlaps the host's route {subnet} on {device}" / "{device}에 있는 호스트의 경로({subnet})와 겹칩니다";
    OVERLAPS_HOST_ADDRESS = "it overlaps the address {address} on {device}" / "{device}에 있는 주소({address})와 겹칩니다";
    NET_CANNOT = "cannot {what}: {error}" / "{what}에 실패했습니다: {error}";
    NET_CANNOT_HINT = "`dockling doctor` checks what networking needs (root, veth and bridge support, iptables)" / "`dockling doctor` 명령이 네트워크에 필요한 것(root 권한, veth와 브리지 지원, iptables)을 점검합니다";
    NET_LOOK_UP_BRIDGE = "look up the bridge" / "브리지 찾기";
    NET_BRIDGE_ADDRESS = "give the bridge its address" / "브리지에 주소 주기";
    NET_BRIDGE_UP = "bring the bridge up" / "브리지 켜기";
    NET_READ_HOST_ADDRESSES = "read the host's addresses" / "호스트의 주소 읽기";
    NET_CREATE_BRIDGE = "create the bridge (ip link add type bridge)" / "브리지 만들기(ip link add type bridge)";
    NET_BRIDGE_ALIAS = "set the bridge's alias" / "브리지 별칭 설정";
    NET_OPEN_NETLINK = "open a netlink socket" / "netlink 소켓 열기";
    BRIDGE_ALIAS_OTHER = "its alias says it is {found}, not {ours}" / "별칭(alias)이 {found}입니다. 이 네트워크의 별칭은 {ours}입니다";
    BRIDGE_NO_ALIAS = "it has no alias, so it may belong to another state root or an older dockling" / "별칭(alias)이 없습니다. 다른 상태 루트나 예전 dockling의 것일 수 있습니다";
    BRIDGE_NOT_OURS = "network {name}: the host already has a link {bridge} that is not this network's bridge: {whose}" / "네트워크 {name}: 호스트에 이미 {bridge} 링크가 있는데, 이 네트워크의 브리지가 아닙니다: {whose}";
    BRIDGE_NOT_OURS_HINT = "dockling does not adopt another's bridge; if nothing uses it, `ip link del {bridge}` removes it" / "dockling은 남의 브리지를 가져다 쓰지 않습니다. 아무도 쓰지 않는다면 `ip link del {bridge}` 명령으로 삭제하세요";
    SUBNET_TAKEN_NOW = "network {name}: its subnet {subnet} is taken on this host now: {why}" / "네트워크 {name}: 서브넷 {subnet}: 지금은 이 호스트에서 쓰이고 있습니다: {why}";
    SUBNET_TAKEN_NOW_HINT = "remove it (`dockling network rm {name}`) and create it again with a free --subnet" / "네트워크를 삭제하고(`dockling network rm {name}`) 비어 있는 --subnet으로 다시 만드세요";
    HALF_MADE_BRIDGE = "{error}; and removing the half-made bridge {bridge} failed: {cause}" / "{error}. 그리고 만들다 만 브리지 {bridge}도 삭제하지 못했습니다: {cause}";
    REMOVE_BY_HAND_HINT = "`ip link del {bridge}` removes it by hand" / "`ip link del {bridge}` 명령으로 직접 삭제하세요";
    BRIDGE_NOT_REMOVED = "cannot remove the bridge {bridge}: {error}" / "브리지 {bridge}: 삭제할 수 없습니다: {error}";

    // ---- subnets: why one cannot be a network's ----
    PREFIX_OUT_OF_RANGE = "prefix /{prefix} is out of range: an IPv4 prefix has 0 to 32 bits (use /{min} to /{max})" / "프리픽스 /{prefix}: 범위를 벗어났습니다. IPv4 프리픽스는 0~32비트입니다 (/{min}부터 /{max}까지 쓰세요)";
    SUBNET_RESERVED = "it overlaps {range}, the {name} range: {why}" / "{range}({name} 대역)과 겹칩니다: {why}";
    PREFIX_TOO_LARGE = "prefix /{prefix} is too large a network: use /{min} to /{max} (a /24 holds 253 containers)" / "프리픽스 /{prefix}: 너무 큰 네트워크입니다. /{min}부터 /{max}까지 쓰세요 (/24에는 컨테이너 253개가 들어갑니다)";
    PREFIX_TOO_SMALL = "a /{prefix} is too small: it has no room for the gateway and one container besides the network and broadcast addresses; use /{max} or larger (a /24 holds 253 containers)" / "/{prefix} 서브넷은 너무 작습니다: 네트워크 주소와 브로드캐스트 주소 말고 게이트웨이와 컨테이너 하나가 들어갈 자리가 없습니다. /{max}나 그보다 큰 서브넷을 쓰세요 (/24에는 컨테이너 253개가 들어갑니다)";
    HOST_BITS_SET = "{addr}/{prefix} has host bits set: the network is {network}/{prefix}" / "{addr}/{prefix}: 호스트 부분의 비트가 켜져 있습니다. 네트워크 주소는 {network}/{prefix}입니다";
    CIDR_EXPECTED = "expected ADDRESS/PREFIX, e.g. 10.147.5.0/24" / "ADDRESS/PREFIX 형식이어야 합니다. 예: 10.147.5.0/24";
    NOT_AN_IPV4_ADDRESS = "{addr} is not an IPv4 address" / "{addr}: IPv4 주소가 아닙니다";
    NOT_A_PREFIX_LENGTH = "{prefix} is not a prefix length" / "{prefix}: 프리픽스 길이가 아닙니다";
    RESERVED_THIS_NETWORK = "\"this network\" (RFC 1122)" / "\"이 네트워크\"(RFC 1122)";
    RESERVED_THIS_NETWORK_WHY = "its addresses mean \"this host\" and are only ever a source, never a destination" / "이 대역의 주소는 \"이 호스트\"를 뜻하며, 출발지로만 쓰이고 목적지가 되는 일은 없습니다";
    RESERVED_LOOPBACK = "loopback" / "루프백";
    RESERVED_LOOPBACK_WHY = "packets to it never leave a host's own lo interface, so no bridge could carry them" / "이 대역으로 가는 패킷은 호스트의 lo 인터페이스를 벗어나지 않으므로, 어떤 브리지도 실어 나를 수 없습니다";
    RESERVED_LINK_LOCAL = "link-local (RFC 3927)" / "링크 로컬(RFC 3927)";
    RESERVED_LINK_LOCAL_WHY = "it is never routed beyond one link, so NAT could not take the containers out (and clouds serve instance metadata at 169.254.169.254)" / "링크 하나를 넘어 라우팅되는 일이 없으므로, NAT로 컨테이너를 밖으로 내보낼 수 없습니다 (게다가 클라우드는 169.254.169.254에서 인스턴스 메타데이터를 제공합니다)";
    RESERVED_MULTICAST = "multicast" / "멀티캐스트";
    RESERVED_MULTICAST_WHY = "its addresses name groups of receivers, not hosts" / "이 대역의 주소는 호스트가 아니라 수신자 그룹을 가리킵니다";
    RESERVED_FUTURE = "reserved (RFC 1112) and broadcast" / "예약(RFC 1112)과 브로드캐스트";
    RESERVED_FUTURE_WHY = "it was set aside for future use and ends with the limited broadcast address 255.255.255.255; the kernel will not route to it" / "앞으로 쓰려고 남겨 둔 대역으로, 제한 브로드캐스트 주소 255.255.255.255로 끝납니다. 커널은 이 대역으로 라우팅하지 않습니다";

    // ---- -p and --add-host ----
    PORT_NOT_A_NUMBER = "{which} port {port} is not a number" / "{which} 포트 {port}: 숫자가 아닙니다";
    PORT_OUT_OF_RANGE = "{which} port {port} is out of range (1-65535)" / "{which} 포트 {port}: 범위(1-65535)를 벗어났습니다";
    /// Which side of `-p`.
    PORT_HOST = "host" / "호스트";
    PORT_CONTAINER = "container" / "컨테이너";
    BAD_PROTOCOL = "protocol {proto} is not tcp or udp" / "프로토콜 {proto}: tcp나 udp가 아닙니다";
    PUBLISH_FORMAT = "expected [IP:]HOST_PORT:CONTAINER_PORT[/udp], e.g. -p 8080:80" / "[IP:]HOST_PORT:CONTAINER_PORT[/udp] 형식이어야 합니다. 예: -p 8080:80";
    PORT_IN_USE = "host port {port}/{proto} is already in use on {ip} (`ss -lntup` shows by what)" / "호스트 포트 {port}/{proto}: {ip}에서 이미 쓰이고 있습니다 (`ss -lntup` 명령으로 누가 쓰는지 봅니다)";
    NOT_A_HOST_ADDRESS = "-p {publish}: {ip} is not an address of this host" / "-p {publish}: {ip}: 이 호스트의 주소가 아닙니다";
    CANNOT_LISTEN = "cannot listen on {addr}/{proto}: {error}" / "{addr}/{proto}에서 연결을 받을 수 없습니다: {error}";
    ADD_HOST_FORMAT = "--add-host {arg}: expected NAME:IP" / "--add-host {arg}: NAME:IP 형식이어야 합니다";
    ADD_HOST_BAD_NAME = "--add-host {arg}: {name} is not a host name" / "--add-host {arg}: {name}: 호스트 이름이 아닙니다";
    ADD_HOST_BAD_IP = "--add-host {arg}: {ip} is not an IPv4 address" / "--add-host {arg}: {ip}: IPv4 주소가 아닙니다";

    // ---- doctor: the status column (four columns wide in both) ----
    // ---- dockling compare ----
    COMPARE_KERNEL_HINT = "give one with --kernel PATH, or fetch Debian's: scripts/guest-kernel {dir} (in dockling's source)" / "--kernel PATH로 주거나 Debian의 커널을 받으세요: scripts/guest-kernel {dir} (dockling 소스에서)";
    COMPARE_NO_KERNEL_AT = "no guest kernel at {path} (--kernel)" / "게스트 커널이 없습니다: {path} (--kernel)";
    COMPARE_NO_KERNEL = "no guest kernel for qemu: neither {first} nor {second} exists" / "qemu에 쓸 게스트 커널이 없습니다: {first}도 {second}도 없습니다";
    COMPARE_NOT_INSTALLED = "{program} is not installed: compare needs it to boot a VM" / "{program} 프로그램이 설치되어 있지 않습니다. compare가 VM을 부팅하려면 필요합니다";
    COMPARE_INSTALL_HINT = "apt-get install {package}" / "apt-get install {package} 명령으로 설치하세요";
    COMPARE_NO_VM = "no kind of VM could run here" / "여기서는 어떤 종류의 VM도 실행할 수 없었습니다";
    COMPARE_NO_VM_HINT = "the narration above says why for each; `dockling compare --vm tcg` needs only qemu" / "위의 설명에 종류마다 이유가 있습니다. `dockling compare --vm tcg`에는 qemu만 있으면 됩니다";
    COMPARE_VM_ENDED = "the VM ended while the command ran ({status}): {last}" / "명령을 실행하는 동안 VM이 끝났습니다({status}): {last}";
    COMPARE_VM_ENDED_HINT = "run it by hand with the command line compare narrates" / "compare가 설명에 보여 주는 명령줄로 직접 실행해 보세요";
    COMPARE_CONTAINER_FAILED = "the container did not run the command ({status}): {last}" / "컨테이너가 명령을 실행하지 못했습니다({status}): {last}";
    COMPARE_CONTAINER_FAILED_HINT = "try the same stage by hand: dockling network -- true" / "같은 단계를 직접 해 보세요: dockling network -- true";
    COMPARE_NAME_NOT_UTF8 = "{path}: a name that is not UTF-8 cannot go into the initramfs" / "{path}: UTF-8이 아닌 이름은 initramfs에 넣을 수 없습니다";
    CHECK_COMPARE_VM = "VM for compare" / "compare용 VM";
    DOCTOR_COMPARE_NO_QEMU = "qemu is not installed; lesson 0's `dockling compare` needs it" / "qemu가 설치되어 있지 않습니다. 레슨 0의 `dockling compare`에 필요합니다";
    DOCTOR_COMPARE_OK = "qemu, guest kernel {kernel}" / "qemu, 게스트 커널 {kernel}";
    DOCTOR_COMPARE_MISSING = "{error} (lesson 0's `dockling compare`)" / "{error} (레슨 0의 `dockling compare`에 필요)";
    DOCTOR_OK = "ok  " / "정상";
    DOCTOR_WARN = "warn" / "주의";
    DOCTOR_FAIL = "FAIL" / "실패";
    /// The label before a check's advice.
    DOCTOR_FIX = "fix:" / "해결:";

    // ---- doctor: check names (the English one is also the json `check`) ----
    CHECK_ROOT = "root" / "root 권한";
    CHECK_KERNEL = "kernel" / "커널";
    CHECK_NAMESPACE = "namespace {ns}" / "네임스페이스 {ns}";
    CHECK_USERNS = "user namespaces" / "사용자 네임스페이스";
    CHECK_CGROUP_LAYOUT = "cgroup layout" / "cgroup 구성";
    CHECK_CGROUP_CONTROLLER = "cgroup {ctrl}" / "cgroup {ctrl} 컨트롤러";
    CHECK_CGROUP_DELEGATION = "cgroup v2 delegation" / "cgroup v2 위임";
    CHECK_DEVICE_RULES = "device rules" / "장치 규칙";
    CHECK_SECCOMP = "seccomp" / "seccomp 필터";
    CHECK_OVERLAYFS = "overlayfs" / "overlayfs 파일시스템";
    CHECK_STATE_DIR = "state directory" / "상태 디렉토리";
    CHECK_NET_DEVICES = "veth and bridge" / "veth와 브리지";
    CHECK_FIREWALL = "iptables or nft" / "iptables 또는 nft";
    CHECK_IP_FORWARD = "ip_forward" / "ip_forward 설정";
    CHECK_FORWARD_POLICY = "FORWARD policy" / "FORWARD 정책";
    CHECK_RESOLV_CONF = "resolv.conf" / "resolv.conf 설정";
    CHECK_REGISTRY = "local registry" / "로컬 레지스트리";
    CHECK_DEFAULT_ROOTFS = "default rootfs" / "기본 rootfs";

    // ---- doctor: what each check found, and what to do ----
    /// Which lesson needs a namespace (`{n}` is its number).
    DOCTOR_LESSON = "lesson {n}" / "레슨 {n}";
    DOCTOR_USER_NS_NOT_NEEDED = "not needed as root" / "root로 실행하면 필요 없음";
    DOCTOR_ROOT_OK = "running as root" / "root로 실행 중입니다";
    DOCTOR_ROOT_FAIL = "not running as root; the stages need it" / "root로 실행 중이 아닙니다. 각 단계에는 root 권한이 필요합니다";
    DOCTOR_ROOT_FIX = "run dockling with sudo" / "dockling을 sudo로 실행하세요";
    DOCTOR_KERNEL_OLD = "Linux {release} is older than 5.4" / "Linux {release}: 5.4보다 오래된 커널입니다";
    DOCTOR_KERNEL_OLD_FIX = "some lessons may differ; use a newer VM image" / "일부 레슨의 결과가 다를 수 있습니다. 더 새로운 VM 이미지를 쓰세요";
    DOCTOR_NS_AVAILABLE = "available ({needed})" / "사용 가능 ({needed})";
    DOCTOR_NS_MISSING = "missing ({needed})" / "없음 ({needed})";
    DOCTOR_NS_FIX = "use a kernel built with CONFIG_{option}_NS" / "CONFIG_{option}_NS로 빌드된 커널을 쓰세요";
    DOCTOR_USERNS_FREE = "unprivileged user namespaces are not restricted" / "비특권 사용자 네임스페이스에 제한이 없습니다";
    DOCTOR_USERNS_RESTRICTED = "restricted for unprivileged users ({notes}); dockling runs as root, so it is not affected" / "비특권 사용자에게는 제한되어 있습니다({notes}). dockling은 root로 실행되므로 영향이 없습니다";
    DOCTOR_CGROUP_UNIFIED = "cgroup v2 (unified)" / "cgroup v2 (단일 계층)";
    DOCTOR_CGROUP_HYBRID = "hybrid: controllers on cgroup v1, plus a v2 tree at /sys/fs/cgroup/unified" / "혼합(hybrid): 컨트롤러는 cgroup v1에 있고, /sys/fs/cgroup/unified에 v2 트리도 있습니다";
    DOCTOR_CGROUP_LEGACY = "cgroup v1" / "cgroup v1 (기존 방식)";
    DOCTOR_CGROUP_NONE = "no cgroup filesystem at /sys/fs/cgroup" / "/sys/fs/cgroup에 cgroup 파일시스템이 없습니다";
    DOCTOR_CGROUP_NONE_FIX = "mount cgroup2 at /sys/fs/cgroup (mount -t cgroup2 none /sys/fs/cgroup)" / "/sys/fs/cgroup에 cgroup2를 마운트하세요 (mount -t cgroup2 none /sys/fs/cgroup)";
    DOCTOR_CTRL_V2 = "on cgroup v2 (lesson 3 uses v2)" / "cgroup v2에 있음 (레슨 3은 v2를 씁니다)";
    DOCTOR_CTRL_V1 = "on cgroup v1 (lesson 3 uses v1)" / "cgroup v1에 있음 (레슨 3은 v1을 씁니다)";
    DOCTOR_CTRL_MISSING = "not available on v1 or v2 (lesson 3)" / "v1에도 v2에도 없습니다 (레슨 3)";
    DOCTOR_CTRL_FIX = "boot with the {ctrl} controller enabled" / "{ctrl} 컨트롤러를 켜고 부팅하세요";
    DOCTOR_DELEGATION_SPLIT = "the v2 tree has controllers [{controllers}]; the others are bound to v1" / "v2 트리에는 [{controllers}] 컨트롤러만 있고, 나머지는 v1에 묶여 있습니다";
    DOCTOR_DELEGATION_EMPTY = "root subtree_control is empty; dockling enables what it needs for its own cgroups" / "루트의 subtree_control이 비어 있습니다. dockling이 자기 cgroup에 필요한 컨트롤러를 켭니다";
    DOCTOR_DELEGATION = "root subtree_control: {controllers}" / "루트의 subtree_control: {controllers}";
    DOCTOR_DEVICES_BPF = "cgroup v2: a BPF device program per container (lessons 2 and 3)" / "cgroup v2: 컨테이너마다 BPF 장치 프로그램 하나 (레슨 2, 3)";
    DOCTOR_DEVICES_BPF_REFUSED = "cgroup v2, but the kernel refuses a BPF device program: {error}" / "cgroup v2이지만 커널이 BPF 장치 프로그램을 거부합니다: {error}";
    DOCTOR_DEVICES_BPF_FIX = "a kernel with CONFIG_CGROUP_BPF=y (every distribution kernel has it)" / "CONFIG_CGROUP_BPF=y인 커널이 필요합니다 (배포판 커널에는 모두 있습니다)";
    DOCTOR_DEVICES_V1 = "cgroup v1 devices controller (lessons 2 and 3)" / "cgroup v1의 devices 컨트롤러 (레슨 2, 3)";
    DOCTOR_DEVICES_V1_MISSING = "no devices controller on cgroup v1 (stages 3 to 6 need it)" / "cgroup v1에 devices 컨트롤러가 없습니다 (3~6단계에 필요합니다)";
    DOCTOR_SECCOMP_OK = "filters available (lesson 2: docker's default profile)" / "필터 사용 가능 (레슨 2: docker의 기본 프로필)";
    DOCTOR_SECCOMP_MISSING = "this kernel has no seccomp filters (stage 2 installs docker's)" / "이 커널에는 seccomp 필터가 없습니다 (2단계가 docker의 필터를 설치합니다)";
    DOCTOR_SECCOMP_FIX = "a kernel with CONFIG_SECCOMP_FILTER=y (every distribution kernel has it)" / "CONFIG_SECCOMP_FILTER=y인 커널이 필요합니다 (배포판 커널에는 모두 있습니다)";
    DOCTOR_OVERLAY_OK = "available (lesson 4)" / "사용 가능 (레슨 4)";
    DOCTOR_OVERLAY_MODULE = "available as a module, loaded on first use (lesson 4)" / "모듈로 사용 가능, 처음 쓸 때 로드됩니다 (레슨 4)";
    DOCTOR_OVERLAY_MISSING = "not available (lesson 4)" / "사용할 수 없습니다 (레슨 4)";
    DOCTOR_STATE_ON_OVERLAY = "{path} is on overlayfs (inside a container?): overlay on overlay fails" / "{path} 경로가 overlayfs 위에 있습니다(컨테이너 안인가요?). overlay 위에 overlay는 만들 수 없습니다";
    DOCTOR_STATE_ON_OVERLAY_FIX = "use --root on a real filesystem, e.g. a tmpfs: mount -t tmpfs tmpfs /mnt && dockling --root /mnt …" / "실제 파일시스템을 --root로 지정하세요. 예: tmpfs: mount -t tmpfs tmpfs /mnt && dockling --root /mnt …";
    DOCTOR_STATE_OK = "{path} is not on overlayfs" / "{path} 경로는 overlayfs 위에 있지 않습니다";
    DOCTOR_STATE_STATFS = "cannot statfs {path}: {error}" / "{path} 경로에 statfs를 할 수 없습니다: {error}";
    DOCTOR_NET_OK = "available (lesson 5)" / "사용 가능 (레슨 5)";
    DOCTOR_NET_UNCONFIRMED = "could not confirm {missing} (lesson 5)" / "{missing}: 있는지 확인하지 못했습니다 (레슨 5)";
    DOCTOR_NET_MISSING = "missing: {missing} (lesson 5)" / "없음: {missing} (레슨 5)";
    DOCTOR_FIREWALL_OK = "{path} (lesson 5)" / "{path} (레슨 5)";
    DOCTOR_FIREWALL_MISSING = "iptables-restore not found (lesson 5)" / "iptables-restore가 없습니다 (레슨 5)";
    DOCTOR_REGISTRY_OK = "{path} (lesson 6 pulls from it, offline)" / "{path} (레슨 6이 여기서 오프라인으로 pull합니다)";
    DOCTOR_REGISTRY_MISSING = "docker-registry not found: the tour's lesson 6 needs a registry on this machine" / "docker-registry가 없습니다. tour의 레슨 6에는 이 머신의 레지스트리가 필요합니다";
    DOCTOR_IP_FORWARD_ON = "on" / "켜짐";
    DOCTOR_IP_FORWARD_OFF = "off; lesson 5 turns it on and leaves it on, as docker does (`sysctl -w net.ipv4.ip_forward=0` turns it off)" / "꺼짐. 레슨 5가 docker처럼 켜고 그대로 둡니다(`sysctl -w net.ipv4.ip_forward=0`으로 끕니다)";
    DOCTOR_FORWARD_NO_IPTABLES = "cannot check without iptables" / "iptables가 없어 확인할 수 없습니다";
    DOCTOR_FORWARD_DROP = "DROP (docker sets this): lesson 5 adds accept rules for its own bridge" / "DROP (docker가 설정한 값): 레슨 5가 자기 브리지에 대한 ACCEPT 규칙을 추가합니다";
    DOCTOR_FORWARD_ACCEPT = "ACCEPT" / "ACCEPT (허용)";
    DOCTOR_FORWARD_UNREADABLE = "could not read the FORWARD chain" / "FORWARD 체인을 읽지 못했습니다";
    DOCTOR_RESOLV_STUB = "points at systemd-resolved's stub 127.0.0.53, unreachable from a container" / "systemd-resolved의 스텁 127.0.0.53을 가리킵니다. 컨테이너에서는 닿지 않는 주소입니다";
    DOCTOR_RESOLV_STUB_FIX = "lesson 5 uses the upstream servers from /run/systemd/resolve/resolv.conf, or --dns" / "레슨 5는 /run/systemd/resolve/resolv.conf의 업스트림 서버나 --dns로 준 서버를 씁니다";
    DOCTOR_RESOLV_OK = "no 127.0.0.53 stub" / "127.0.0.53 스텁이 없습니다";
    DOCTOR_ROOTFS_MISSING = "{path} is missing" / "{path} 경로가 없습니다";
}
