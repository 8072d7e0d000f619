//! Messages of images going out: `dockling tag`, `push` and `search`.
//!
//! docker's own fixed words (`Layer already exists`, `Pushed`, `Mounted
//! from`, `digest: … size: …`) stay as docker prints them, so that what a
//! student reads matches docker's output and the registry's documentation;
//! the Korean adds what they mean in parentheses. Korean follows the
//! narration's conventions (see `narrate::korean`): 합니다체; a
//! `{placeholder}` is followed by a particle that never changes (에, 의,
//! 만, 도 …), by a noun, or by nothing.

crate::messages! {
    // ---- tag ----
    TAG_BAD_TARGET = "{target} is not a valid image name: {error}" / "올바른 이미지 이름이 아닙니다: {target} ({error})";
    TAG_DIGEST = "{target}: a tag names an image by a tag, not by a digest" / "{target}: 태그는 다이제스트가 아니라 태그로 이미지에 이름을 붙입니다";
    TAG_DIGEST_HINT = "give a tag, e.g. {name}:v1" / "{name}:v1처럼 태그를 주세요";

    // ---- push ----
    /// docker's first line.
    PUSH_REFERS = "The push refers to repository [{name}]" / "The push refers to repository [{name}] (push 대상 저장소)";
    PUSH_PUSHED = "{digest}: Pushed" / "{digest}: Pushed (업로드했습니다)";
    PUSH_EXISTS = "{digest}: Layer already exists" / "{digest}: Layer already exists (레지스트리에 이미 있어 보내지 않았습니다)";
    PUSH_MOUNTED = "{digest}: Mounted from {from}" / "{digest}: Mounted from {from} (업로드 없이 연결했습니다)";
    /// docker's last line.
    PUSH_DONE = "{tag}: digest: {digest} size: {size}" / "{tag}: digest: {digest} size: {size} (매니페스트의 다이제스트와 크기)";
    PUSH_BAR = "push {n}/{of} {digest}" / "업로드 {n}/{of} {digest}";
    PUSH_BY_DIGEST = "{name}: push takes a tag, not a digest" / "{name}: push에는 다이제스트가 아니라 태그를 줍니다";
    PUSH_BY_DIGEST_HINT = "name the image with a tag first: `dockling tag {name} REGISTRY/NAME:TAG`" / "먼저 태그로 이름을 붙이세요: `dockling tag {name} REGISTRY/NAME:TAG`";
    PUSH_NO_SUCH_IMAGE = "no image {name} in the store to push" / "push할 이미지가 스토어에 없습니다: {name}";
    PUSH_NO_SUCH_IMAGE_HINT = "`dockling images` lists the images; `dockling tag IMAGE {name}` gives one this name first" / "`dockling images` 명령이 이미지 목록을 보여 줍니다. 먼저 `dockling tag IMAGE {name}` 명령으로 이 이름을 붙이세요";
    PUSH_FAILED = "push of {reference} failed: {error}" / "{reference}의 push 실패: {error}";
    PUSH_AUTH_HINT = "`dockling login {registry}` stores a user and password: check them, and that this user may push to {repository}" / "`dockling login {registry}` 명령이 사용자와 비밀번호를 저장합니다. 그 값과, 이 사용자에게 {repository}에 push할 권한이 있는지 확인하세요";
    PUSH_REFUSED_HINT = "dockling sends credentials only to the registry and to the https (or loopback) token server it names; `--insecure-registry` allows plain http" / "dockling은 자격 증명을 레지스트리와, 레지스트리가 알려 준 https(또는 루프백) 토큰 서버에만 보냅니다. `--insecure-registry`를 주면 평범한 http도 허용합니다";
    PUSH_HTTP_HINT = "is a registry listening at {registry}? `curl -si http://{registry}/v2/` asks it directly" / "{registry}에서 레지스트리가 동작하고 있습니까? `curl -si http://{registry}/v2/` 명령으로 직접 물어볼 수 있습니다";
    PUSH_OTHER_HINT = "`--trace full` shows each request and the registry's answer" / "`--trace full`을 주면 요청 하나하나와 레지스트리의 응답을 보여 줍니다";
    PUSH_STORE_HINT = "the store's copy is damaged: `dockling rmi {name}` and pull it again" / "스토어의 사본이 손상되었습니다: `dockling rmi {name}` 명령 뒤에 다시 pull하세요";
    PUSH_BAD_ENV = "{env}={value}: {error}" / "{env}={value}: 잘못된 값입니다 ({error})";
    PUSH_UNFINISHED = "a layer upload ended without a result" / "결과 없이 끝난 레이어 업로드가 있습니다";
    /// The outcomes of one blob, as the narration says them.
    PUSH_OUTCOME_EXISTS = "already at the registry (HEAD 200), nothing sent" / "레지스트리에 이미 있음(HEAD 200), 보낸 것 없음";
    PUSH_OUTCOME_MOUNTED = "mounted from {from}, nothing sent" / "{from}에서 마운트, 보낸 것 없음";
    PUSH_OUTCOME_ONE_PUT = "uploaded, {size} bytes in one PUT" / "업로드, {size}바이트를 PUT 한 번으로";
    PUSH_OUTCOME_CHUNKS = "uploaded, {size} bytes in {chunks} PATCH chunks" / "업로드, {size}바이트를 PATCH 조각 {chunks}개로";

    // ---- search ----
    SEARCH_FROM_V1 = "(results of {url}: the registry's search API)" / "({url}의 결과: 레지스트리의 검색 API)";
    SEARCH_FROM_CATALOG = "(from {url}: this registry has no search API; its repositories whose name contains {term}, with their tags)" / "({url}에서 가져옴: 이 레지스트리에는 검색 API가 없어, 이름에 {term} 문자열이 들어간 저장소와 그 태그를 보여 줍니다)";
    SEARCH_UNSUPPORTED = "{registry} answers neither a search API (/v1/search: {v1}) nor a catalog (/v2/_catalog: {catalog})" / "{registry}에는 검색 API(/v1/search: {v1})도 카탈로그(/v2/_catalog: {catalog})도 없습니다";
    SEARCH_UNSUPPORTED_HINT = "Docker Hub answers /v1/search; registry:2 (docker-registry) answers /v2/_catalog; other registries may answer neither" / "Docker Hub는 /v1/search에, registry:2(docker-registry)는 /v2/_catalog에 답합니다. 둘 다 답하지 않는 레지스트리도 있습니다";
    SEARCH_BAD_FILTER = "--filter {filter}: expected stars=N or is-official=true|false" / "--filter {filter}: stars=N 또는 is-official=true|false 형식이어야 합니다";
    SEARCH_FAILED = "search at {registry} failed: {error}" / "{registry}에서 검색 실패: {error}";
    SEARCH_BAD_ANSWER = "{url} answered something that is not a search result: {error}" / "{url}의 응답이 검색 결과가 아닙니다: {error}";
}
