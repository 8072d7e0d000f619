//! The `dockling` binary: everything happens in [`dockling::cli`].

fn main() {
    std::process::exit(dockling::cli::main());
}
