//! Messages of running containers: the stages' commands, the engine,
//! stage 7's lifecycle and what runs inside a live container, the command
//! line, errors and their hints.

crate::messages! {
    /// A command that needs root, run without it.
    NEEDS_ROOT = "{what} needs root (it uses {why})" / "{what}에는 root 권한이 필요합니다 ({why}를 사용합니다)";
    NEEDS_ROOT_HINT = "run it as root, e.g. with sudo" / "root로 실행하세요. 예: sudo 사용";
}
