//! The `stowage` command: a thin shell over `stowage-core` (crates/core).

mod args;
mod cli;
mod input;
mod kustomize;
mod messages;

fn main() {
    std::process::exit(cli::run());
}
