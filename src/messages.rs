//! Where stowage's messages go: stderr, and the places a user can see them when the program
//! running stowage hides its stderr.
//!
//! Helm 4 gives a `postrenderer/v1` plugin's stderr to a buffer it never prints, on success and
//! on failure alike (docs/real-clients.md): a Helm 4 user would see `plugin "stowage" exited
//! with error` and never why, nor any warning. So when stowage runs as Helm 4's `stowage` plugin
//! (`HELM_PLUGIN_NAME=stowage`, which Helm 4 sets), every message also goes to the terminal
//! (`/dev/tty`) when there is one. `STOWAGE_LOG=FILE` appends every message to FILE under any
//! client, for CI, where there is no terminal.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::sync::OnceLock;

/// Write a message (one or more lines, each ending in a newline) to stderr and the other sinks.
pub fn write(text: &str) {
    let _ = std::io::stderr().lock().write_all(text.as_bytes());
    for mut sink in sinks() {
        let _ = sink.write_all(text.as_bytes());
    }
}

/// `say!("...", args)`: a formatted message line.
macro_rules! say {
    ($($arg:tt)*) => {
        $crate::messages::write(&format!("{}\n", format_args!($($arg)*)))
    };
}
pub(crate) use say;

fn sinks() -> &'static [File] {
    static SINKS: OnceLock<Vec<File>> = OnceLock::new();
    SINKS.get_or_init(|| {
        let mut sinks = Vec::new();
        if std::env::var_os("HELM_PLUGIN_NAME").is_some_and(|n| n == "stowage")
            && let Ok(tty) = OpenOptions::new().write(true).open("/dev/tty")
        {
            sinks.push(tty);
        }
        if let Some(path) = std::env::var_os("STOWAGE_LOG").filter(|p| !p.is_empty()) {
            match OpenOptions::new().create(true).append(true).open(&path) {
                Ok(log) => sinks.push(log),
                Err(e) => {
                    let _ = writeln!(
                        std::io::stderr(),
                        "warning: cannot open STOWAGE_LOG={}: {e}",
                        std::path::Path::new(&path).display()
                    );
                }
            }
        }
        sinks
    })
}
