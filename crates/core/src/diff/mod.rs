//! Flag volume changes against the previous render.
//!
//! [`read_plan`] reads the *volume plan* of every workload from a manifest stream — any stream,
//! whether stowage produced it or not (`helm get manifest RELEASE` works): per pod spec the volumes
//! and their sources, per container the mounts and the `POLYAXON_RUN_OUTPUTS_PATH` /
//! `POLYAXON_RUN_DATA_PATHS` values. [`compare()`] matches workloads by kind, namespace and name and
//! classifies each change as danger, warning or info; [`human`], [`json`] and [`markdown`] render the
//! report.
//!
//! Severities:
//! - danger: the source (claim, hostPath, bucket, CSI volume, subPath) behind an existing mount
//!   changes; the outputs path changes or goes away; a mount disappears from a workload that still
//!   exists (other than a removed data volume's);
//! - warning: readOnly flips; a data volume is removed; a data path moves; a workload loses all
//!   injection; a workload that had injected volumes is removed;
//! - info: additions (workloads, containers, mounts, data volumes, outputs path), a workload without
//!   injection removed, a workload renamed with the same volumes.
//!
//! The modules, by job: `volumes` (the volume plan: what a workload's volumes, mounts and
//! injected env are), `read` (reading it from a stream), `compare` and `changes` (matching
//! workloads and classifying their changes), `format` (the human, JSON and Markdown reports).

mod changes;
mod compare;
mod format;
mod read;
mod volumes;

pub use compare::{Change, Level, Report, WorkloadReport, compare};
pub use format::{Style, human, json, markdown};
pub use read::{ReadOptions, read_plan};
pub use volumes::{
    Container, DATA_PATHS_ENV, Mount, OUTPUTS_PATH_ENV, Source, VolumePlan, WorkloadVolumes,
};

#[cfg(test)]
mod tests;
