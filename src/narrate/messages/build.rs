//! Messages of images made here: `build` (the Dockerfile, its cache, its
//! steps), `commit`, `diff` and `image history`.
//!
//! Korean follows the narration's conventions (see `narrate::korean`):
//! 합니다체; a `{placeholder}` is followed by a particle that never
//! changes (에, 의, 만, 도 …), by a noun, or by nothing; Dockerfile
//! instructions, commands, flags and file names stay as they are.

crate::messages! {
    // ---- the Dockerfile ----
    /// Every Dockerfile error: where, then what.
    DOCKERFILE_LINE = "Dockerfile line {line}: {what}" / "Dockerfile {line}번 줄: {what}";
    UNSUPPORTED_INSTRUCTION = "unsupported instruction {instruction} (dockling builds with FROM, RUN, COPY, ADD, ENV, ARG, WORKDIR, USER, EXPOSE, LABEL, CMD, ENTRYPOINT, STOPSIGNAL)" / "지원하지 않는 명령입니다: {instruction} (dockling이 지원하는 명령: FROM, RUN, COPY, ADD, ENV, ARG, WORKDIR, USER, EXPOSE, LABEL, CMD, ENTRYPOINT, STOPSIGNAL)";
    UNKNOWN_INSTRUCTION = "unknown instruction: {instruction}" / "알 수 없는 명령입니다: {instruction}";
    UNSUPPORTED_FLAG = "{instruction} does not take the flag {flag} here" / "{instruction} 명령에는 여기서 {flag} 플래그를 쓸 수 없습니다";
    NEEDS_ARGUMENTS = "{instruction} needs arguments" / "{instruction} 명령에는 인자가 필요합니다";
    UNMATCHED_QUOTE = "unmatched quote in: {text}" / "따옴표가 닫히지 않았습니다: {text}";
    BAD_SUBSTITUTION = "bad variable substitution: {text}" / "변수 치환이 잘못되었습니다: {text}";
    NOT_KEY_VALUE = "{instruction} takes KEY=VALUE, not {word}" / "{instruction} 명령은 KEY=VALUE 형식을 받습니다. 받은 값: {word}";
    FROM_FIRST = "the first instruction must be FROM (only ARG may come before it)" / "첫 명령은 FROM이어야 합니다 (그 앞에는 ARG만 올 수 있습니다)";
    MULTI_STAGE = "a second FROM: multi-stage builds are not supported" / "두 번째 FROM입니다. 다단계(multi-stage) 빌드는 지원하지 않습니다";
    FROM_ONE_IMAGE = "FROM takes one image (FROM IMAGE; `AS NAME` and --platform are not supported)" / "FROM에는 이미지 하나만 줍니다 (FROM IMAGE; `AS NAME`과 --platform은 지원하지 않습니다)";
    BAD_PORT = "EXPOSE: {port} is not a port" / "EXPOSE: 포트 번호가 아닙니다: {port}";
    COPY_NEEDS_TWO = "{instruction} needs a source and a destination" / "{instruction} 명령에는 원본과 대상이 필요합니다";
    ADD_URL = "{instruction} {url}: downloading from a URL is not supported; download it first and copy the file" / "{instruction} {url}: URL에서 받아 오는 기능은 지원하지 않습니다. 먼저 내려받은 뒤 파일을 복사하세요";
    SOURCE_NOT_FOUND = "{instruction}: {source}: not found in the build context" / "{instruction}: 빌드 컨텍스트에 없습니다: {source}";
    SOURCE_NOT_FOUND_HINT = "paths are relative to the build context (the directory given to `dockling build`), and .dockerignore may leave files out" / "경로는 빌드 컨텍스트(`dockling build`에 준 디렉토리) 기준이고, .dockerignore가 파일을 제외했을 수도 있습니다";
    RUN_ON_SCRATCH = "RUN on an image without layers (FROM scratch) has no shell to run" / "레이어가 없는 이미지(FROM scratch)에는 RUN을 실행할 셸이 없습니다";
    RUN_FAILED = "process {command} did not complete successfully: exit code: {code}" / "프로세스 {command} 실행이 성공하지 못했습니다: 종료 코드 {code}";
    RUN_FAILED_HINT = "the command's own output above says why; nothing of this step was kept" / "이유는 위에 나온 명령의 출력에 있습니다. 이 단계에서 만든 것은 남기지 않았습니다";

    // ---- the build ----
    NO_CONTEXT = "the build context {dir} is not a directory" / "빌드 컨텍스트가 디렉토리가 아닙니다: {dir}";
    NO_DOCKERFILE = "cannot read the Dockerfile {path}: {error}" / "Dockerfile을 읽을 수 없습니다: {path}: {error}";
    NO_DOCKERFILE_HINT = "give it with -f FILE, or put a file named Dockerfile in the context" / "-f FILE로 주거나, 컨텍스트에 Dockerfile이라는 파일을 두세요";
    BASE_GONE = "the base image {image} was removed while the build started" / "빌드를 시작하는 사이 베이스 이미지가 삭제되었습니다: {image}";
    UNUSED_BUILD_ARGS = "[Warning] One or more build-args {args} were not consumed" / "[경고] 쓰이지 않은 build-arg가 있습니다: {args}";
    BUILD_FINISHED = "built in {seconds} s" / "빌드 완료: {seconds}초";
    BAD_BUILD_ARG = "--build-arg {arg}: give NAME=VALUE, or NAME to take its value from the environment" / "--build-arg {arg}: NAME=VALUE로 주거나, 환경 변수 값을 쓰려면 NAME만 주세요";

    // ---- commit, diff, history ----
    COMMIT_NO_IMAGE = "{name} was not made from an image (stages 1 to 5 have no image to add a layer to)" / "{name} 컨테이너는 이미지로 만든 것이 아닙니다 (1~5단계 컨테이너에는 레이어를 더할 이미지가 없습니다)";
    COMMIT_IMAGE_GONE = "the image {image} of {name} is no longer in the store" / "{name} 컨테이너의 이미지가 더 이상 스토어에 없습니다: {image}";
    COMMIT_IMAGE_GONE_HINT = "pull it again, then commit" / "이미지를 다시 pull한 뒤 commit하세요";
    COMMIT_NO_LAYER = "{name} has no writable layer at {dir}" / "{name} 컨테이너에는 쓰기 가능 레이어가 없습니다: {dir}";
    CHANGE_UNSUPPORTED = "--change {change}: only CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, USER, WORKDIR and STOPSIGNAL can be changed" / "--change {change}: 바꿀 수 있는 것은 CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, USER, WORKDIR, STOPSIGNAL뿐입니다";
    DIFF_NO_LAYER = "{name} has no layered root (only containers of stage 4 and later have one)" / "{name} 컨테이너에는 레이어 루트가 없습니다 (4단계 이후 컨테이너에만 있습니다)";
}
