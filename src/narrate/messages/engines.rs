//! Messages of the road to real engines: `save`, `system df|info|prune`,
//! `version`, `bundle`, `kube generate` (src/engines/).
//!
//! Korean follows the narration's conventions (see `narrate::korean`):
//! 합니다체; a `{placeholder}` is followed by a particle that never
//! changes, by a noun, or by nothing; commands, flags, file names and
//! docker's own fixed words stay as they are.

crate::messages! {
    // ---- save ----
    SAVE_TO_TERMINAL = "refusing to write an image archive to a terminal" / "이미지 아카이브를 터미널에 쓰지 않습니다";
    SAVE_TO_TERMINAL_HINT = "use -o FILE, or redirect: dockling save IMAGE > image.tar" / "-o FILE을 주거나 리다이렉트하세요: dockling save IMAGE > image.tar";
    SAVE_NO_SUCH_IMAGE = "no image {name} in the store to save" / "저장할 이미지가 스토어에 없습니다: {name}";
    SAVE_NO_SUCH_IMAGE_HINT = "`dockling images` lists the images there are" / "`dockling images` 명령이 있는 이미지 목록을 보여 줍니다";
    SAVE_LAYER_DAMAGED = "layer blob {digest} does not uncompress to {diff_id}" / "레이어 블롭 {digest}: 압축을 푼 내용이 diff_id {diff_id}에 맞지 않습니다";
    SAVE_LAYER_DAMAGED_HINT = "the store is damaged: remove the image and pull it again" / "스토어가 손상되었습니다: 이미지를 삭제하고 다시 pull하세요";

    // ---- system df, info, prune; version ----
    DF_NO_VOLUMES = "dockling has no named volumes (only -v HOST:CONTAINER bind mounts): that row stays 0. The build cache's row counts its entries and the size of the layers they name; those layers belong to images (and are counted there too), so pruning the cache frees only its small files." / "dockling에는 이름 있는 볼륨이 없으므로(-v HOST:CONTAINER 바인드 마운트만 있음) 그 행은 0입니다. 빌드 캐시 행은 캐시 항목의 수와 항목이 가리키는 레이어의 크기입니다. 그 레이어는 이미지의 것이므로(이미지 행에도 세어짐), 캐시를 정리해도 작은 항목 파일만 지워집니다.";
    SYSTEM_PRUNE_WARNING = "WARNING! This will remove:\n  - all stopped containers\n  - all networks not used by at least one container\n  - all dangling images (image data no name refers to)\n  - unused build cache (entries whose layer is gone)\n\nAre you sure you want to continue? [y/N] " / "경고! 다음을 삭제합니다:\n  - 멈춘 컨테이너 전부\n  - 어느 컨테이너도 쓰지 않는 네트워크 전부\n  - 댕글링 이미지 전부(어떤 이름도 가리키지 않는 이미지 데이터)\n  - 쓰지 않는 빌드 캐시(레이어가 이미 사라진 항목)\n\n계속할까요? [y/N] ";
    SYSTEM_PRUNE_WARNING_ALL = "WARNING! This will remove:\n  - all stopped containers\n  - all networks not used by at least one container\n  - all images without at least one container associated to them\n  - all build cache\n\nAre you sure you want to continue? [y/N] " / "경고! 다음을 삭제합니다:\n  - 멈춘 컨테이너 전부\n  - 어느 컨테이너도 쓰지 않는 네트워크 전부\n  - 연결된 컨테이너가 하나도 없는 이미지 전부\n  - 빌드 캐시 전부\n\n계속할까요? [y/N] ";
    PRUNE_DELETED_DATA = "deleted: {blobs} blob(s), {layers} unpacked layer(s)" / "삭제함: 블롭 {blobs}개, 풀어 둔 레이어 {layers}개";
    NO_DAEMON = "no daemon: every command reads and changes dockling's files itself" / "데몬 없음: 명령마다 dockling의 파일을 직접 읽고 바꿉니다";
    NO_API = "no daemon, so no API between client and server" / "데몬이 없으므로 클라이언트와 서버 사이의 API도 없습니다";
    STORAGE_DRIVER = "dockling's own: layers unpacked once, stacked by the kernel's overlay" / "dockling 자체 방식: 레이어는 한 번 풀어 두고, 커널의 overlay로 쌓습니다";
    LOGGING_DRIVER = "a log file per container, in its directory" / "컨테이너마다 자기 디렉토리에 로그 파일 하나";
    CAPABILITIES_DEFAULT = "docker's default set" / "docker의 기본 집합";
    SECCOMP_PROFILE = "docker's default, compiled to BPF by dockling" / "docker의 기본 프로파일을 dockling이 BPF로 컴파일한 것";
    INSECURE_LOOPBACK = "a registry on loopback is spoken to in plain http" / "루프백의 레지스트리와는 평문 http로 통신합니다";
    LIVE_RESTORE = "containers outlive any dockling command: each has its own monitor" / "컨테이너는 어떤 dockling 명령보다 오래 삽니다: 컨테이너마다 자기 모니터가 있습니다";
    CAPS_KEPT = "capabilities kept by default, as docker's" / "기본으로 남기는 capability 수, docker와 같음";
    NOT_INSTALLED = "not installed" / "설치되어 있지 않음";

    // ---- bundle ----
    BUNDLE_DIR_NOT_EMPTY = "bundle directory {dir} is not empty" / "번들 디렉토리가 비어 있지 않습니다: {dir}";
    BUNDLE_DIR_NOT_EMPTY_HINT = "give a new or empty directory: a bundle is config.json and rootfs/ alone" / "새 디렉토리나 빈 디렉토리를 주세요: 번들은 config.json과 rootfs/만으로 이루어집니다";
    BUNDLE_NO_SUCH = "no container or image named {name}" / "그런 이름의 컨테이너나 이미지가 없습니다: {name}";
    BUNDLE_NO_SUCH_HINT = "`dockling ps -a` lists containers, `dockling images` images" / "`dockling ps -a` 명령이 컨테이너 목록을, `dockling images` 명령이 이미지 목록을 보여 줍니다";
    BUNDLE_COPY_FAILED = "copying {src} into the bundle failed: {error}" / "번들에 복사하지 못했습니다: {src}: {error}";
    BUNDLE_WRITTEN = "wrote an OCI runtime bundle of {what} in {dir}: runc --root /tmp/runc run -b {dir} ID" / "{what}의 OCI 런타임 번들을 {dir}에 썼습니다: runc --root /tmp/runc run -b {dir} ID";

    // ---- kube generate ----
    KUBE_HEADER = "Save this output to a file and run it with `podman kube play FILE` or `kubectl create -f FILE`." / "이 출력을 파일로 저장해 `podman kube play FILE`이나 `kubectl create -f FILE` 명령으로 실행하세요.";
    KUBE_NO_IMAGE = "container {name}: its image {image} is no longer in the store" / "컨테이너 {name}: 이미지 {image}의 이름이 스토어에 더 이상 없습니다";
    KUBE_NO_IMAGE_HINT = "a Pod names its image by a reference a node can pull: pull the image again" / "Pod는 노드가 pull할 수 있는 참조로 이미지를 가리킵니다: 이미지를 다시 pull하세요";
    KUBE_IMAGE_NOT_PULLABLE = "warning: image {image} was loaded from a file, not pulled: a node cannot pull it (push it to a registry first)" / "경고: 이미지 {image}: pull한 것이 아니라 파일에서 load한 것이므로 노드가 pull할 수 없습니다(먼저 레지스트리에 push하세요)";
}
