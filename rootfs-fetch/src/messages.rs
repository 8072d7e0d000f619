//! rootfs-fetch's own sentences, in English and Korean: its errors (a
//! directory that exists, a download or a registry that fails, an archive
//! entry refused, a library not found) and the reasons it gives. dockling
//! shows them inside its own error lines, so they follow dockling's
//! `--lang`; the rootfs-fetch binary follows the locale.
//!
//! Korean follows dockling's conventions (see dockling's `narrate::korean`):
//! 합니다체; a `{placeholder}` is followed by a particle that never changes
//! (에, 의, 만, 도 …), by a noun, or by nothing; HTTP words, file names and
//! commands stay as they are.

crate::messages! {
    // ---- lib.rs: building a root filesystem ----
    EXISTS = "{path} already exists; remove it first or choose another directory" / "이미 있는 경로입니다: {path}. 먼저 지우거나 다른 디렉터리를 고르세요";
    DOWNLOAD_FAILED = "download of {url} failed: {reason}" / "내려받기 실패: {url}: {reason}";
    DOWNLOAD_TOO_LARGE = "larger than {max} bytes" / "{max}바이트보다 큽니다";
    CHECKSUM_MISMATCH = "checksum mismatch for {url}: expected sha256 {expected}, got {actual}; nothing was installed" / "체크섬이 맞지 않습니다: {url}: 기대한 sha256 {expected}, 실제 {actual}. 아무것도 설치하지 않았습니다";
    REGISTRY = "registry: {reason}" / "레지스트리: {reason}";

    // ---- unpack.rs: an archive, entry by entry ----
    UNPACK_DESTINATION = "cannot open the destination {path}" / "대상 디렉터리를 열 수 없습니다: {path}";
    UNPACK_READ = "cannot read the archive" / "아카이브를 읽을 수 없습니다";
    UNPACK_REFUSED = "refused archive entry {path}: {reason}" / "아카이브 항목을 거부했습니다: {path}: {reason}";
    UNPACK_WRITE = "cannot write archive entry {path}" / "아카이브 항목을 쓸 수 없습니다: {path}";
    WHY_TOO_LARGE = "file is larger than the size limit" / "파일이 크기 제한보다 큽니다";
    WHY_SYMLINK_NO_TARGET = "symlink without a target" / "대상이 없는 심볼릭 링크입니다";
    WHY_HARDLINK_NO_TARGET = "hardlink without a target" / "대상이 없는 하드 링크입니다";
    WHY_HARDLINK_ROOT = "hardlink to the root" / "루트를 가리키는 하드 링크입니다";
    WHY_SPECIAL_FILE = "a FIFO or device node, in an archive that may hold only files" / "파일만 담을 수 있는 아카이브에 든 FIFO나 장치 노드입니다";
    WHY_DOTDOT = "path contains `..`" / "경로에 `..`가 들어 있습니다";
    WHY_NUL = "name contains a NUL byte" / "이름에 NUL 바이트가 들어 있습니다";
    WHY_PARENT_NOT_DIR = "a parent directory is a symlink or not a directory" / "상위 디렉터리가 심볼릭 링크이거나 디렉터리가 아닙니다";
    WHY_BAD_WHITEOUT = "whiteout of an invalid name" / "잘못된 이름의 화이트아웃(whiteout)입니다";

    // ---- elf.rs: the libraries a host binary needs ----
    ELF_READ = "cannot read {path}" / "읽을 수 없습니다: {path}";
    ELF_PARSE = "{path} is not an ELF file this tool understands: {reason}" / "이 도구가 이해하는 ELF 파일이 아닙니다: {path}: {reason}";
    ELF_MISSING = "{binary} needs {library}, which is in none of {dirs}" / "{binary}에 필요한 라이브러리 {library}: 어느 디렉터리에도 없습니다({dirs})";

    // ---- oci/client.rs: talking to a registry ----
    NOT_FOUND = "{what} not found (404): check the name and the tag" / "{what}: 레지스트리에 없습니다(404). 이름과 태그를 확인하세요";
    ANSWERED = "the registry answered {status}" / "레지스트리의 응답: {status}";
    DIGEST_MISMATCH = "{what} {digest}: the registry sent content whose digest is {actual}" / "{what} {digest}: 레지스트리가 보낸 내용의 다이제스트는 {actual}입니다";
    STALLED = "{host} sent nothing for {secs}s (the download stalled)" / "{host}에서 {secs}초 동안 아무것도 오지 않았습니다(다운로드가 멈췄습니다)";
    LOCAL_COPY = "cannot write the copy of blob {digest}" / "blob {digest}의 사본을 쓸 수 없습니다";
    REDIRECT_WANTS_CREDENTIALS = "{host} (where {registry} redirected the request) asks for credentials; dockling sends them only to the registry and the token server it names" / "{host}(레지스트리 {registry}에서 요청을 넘겨준 곳)에서 자격 증명을 요구합니다. dockling은 자격 증명을 레지스트리와 레지스트리가 지정한 토큰 서버에만 보냅니다";
    NO_CHALLENGE = "{url}: 401 without a usable WWW-Authenticate challenge" / "{url}: 401 응답에 쓸 수 있는 WWW-Authenticate 챌린지가 없습니다";
    DENIED_WRONG_LOGIN = "{url}: {status} even with credentials (wrong user or password? `dockling login` stores them)" / "{url}: 자격 증명을 보냈는데도 {status}입니다(사용자나 비밀번호가 틀렸나요? `dockling login` 명령이 저장합니다)";
    DENIED_NO_LOGIN = "{url}: {status} even with credentials (this registry needs a login: `dockling login HOST`)" / "{url}: 자격 증명을 보냈는데도 {status}입니다(이 레지스트리는 로그인이 필요합니다: `dockling login HOST`)";
    BASIC_NEEDS_LOGIN = "{origin} wants a user and password (Basic auth): run `dockling login {host}` first" / "{origin}에는 사용자와 비밀번호가 필요합니다(Basic 인증). 먼저 `dockling login {host}` 명령을 실행하세요";
    BEARER_NO_REALM = "Bearer challenge without a realm" / "realm이 없는 Bearer 챌린지입니다";
    REALM_REFUSED = "{host}: {reason}; refused" / "{host}: {reason}. 거부했습니다";
    TOKEN_ANSWERED = "token server {realm} answered {status}" / "토큰 서버 {realm}의 응답: {status}";
    TOKEN_NONE = "token server {realm} sent no token" / "토큰 서버 {realm}에서 토큰을 보내지 않았습니다";
    AUTH_SCHEME = "unsupported auth scheme {scheme}" / "지원하지 않는 인증 방식입니다: {scheme}";
    PUSH_WANTS_CREDENTIALS = "{host} asks for credentials; dockling sends them only to the registry {registry}" / "{host}에서 자격 증명을 요구합니다. dockling은 자격 증명을 레지스트리 {registry}에만 보냅니다";
    PUSH_DENIED = "{method} {url}: {status} even with credentials (wrong user or password, or no right to push here? `dockling login` stores them)" / "{method} {url}: 자격 증명을 보냈는데도 {status}입니다(사용자나 비밀번호가 틀렸거나, 여기에 push할 권한이 없나요? `dockling login` 명령이 저장합니다)";

    // ---- oci/layer.rs: a layer's checks ----
    LAYER_DIFF_ID = "layer {blob}: uncompressed it is {actual}, but the image config says {expected}" / "레이어 {blob}: 압축을 푼 내용의 다이제스트 {actual}, 이미지 config에 적힌 값 {expected}: 서로 다릅니다";
    LAYER_TOO_BIG = "layer {blob}: uncompressed, the image's layers exceed the limit of {limit} bytes" / "레이어 {blob}: 압축을 풀면 이미지의 레이어가 제한 {limit}바이트를 넘습니다";
    LAYER_OTHER = "layer {blob}: {reason}" / "레이어 {blob}: {reason}";

    // ---- oci/reference.rs and digest.rs: names a user types ----
    BAD_REFERENCE = "invalid reference {input}: {reason}" / "잘못된 이미지 이름입니다: {input}: {reason}";
    REF_EMPTY = "it is empty" / "비어 있습니다";
    REF_BAD_TAG = "tag {tag} must be 1-128 letters, digits, '_', '.' or '-', not starting with '.' or '-'" / "태그 {tag}: 글자, 숫자, '_', '.', '-'로 된 1-128자여야 하고, '.'나 '-'로 시작할 수 없습니다";
    REF_BAD_HOST = "{host} is not a valid registry host" / "올바른 레지스트리 호스트가 아닙니다: {host}";
    REF_BAD_COMPONENT = "repository name component {component} must be lowercase letters and digits, separated by '.', '_', '__' or '-'" / "저장소 이름의 부분 {component}: 소문자와 숫자로 되어 있고 '.', '_', '__', '-'로 나뉘어야 합니다";
    REF_TOO_LONG = "the name is longer than 255 characters" / "이름이 255자보다 깁니다";
    DIGEST_SHAPE = "digest {digest} must look like sha256:<64 hex digits>" / "다이제스트 {digest}: sha256:<16진수 64자리> 꼴이어야 합니다";
    DIGEST_ALGORITHM = "digest {digest}: algorithm {algorithm} is not supported (only sha256)" / "다이제스트 {digest}: 지원하지 않는 알고리즘 {algorithm}(sha256만 지원합니다)";
    DIGEST_HEX = "digest {digest} must have 64 lowercase hex digits" / "다이제스트 {digest}: 소문자 16진수 64자리여야 합니다";
}
