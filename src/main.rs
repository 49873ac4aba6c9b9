//! The `stowage` command: a thin shell over `stowage-core` (crates/core).

mod cli;
mod input;
mod kustomize;

fn main() {
    std::process::exit(cli::run());
}
