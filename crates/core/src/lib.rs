//! stowage-core: inject Polyaxon-style data and outputs volumes into rendered Kubernetes
//! manifests, inserting text and changing nothing else.
//!
//! The pipeline, one module per stage, data flowing one way:
//!
//! ```text
//! stream (split into documents) ─┐
//! config (load, schema, rules) ──┴─> filter, per object: workload (find pod specs)
//!                                      → plan (entries, blocks, conflicts) → render (templates)
//!                                      → edit (text insertions: Splices) ─> the adapter writes
//! ```
//!
//! The adapters are readers and writers around the one filter: [`post_render`] (a manifest
//! stream, for Helm and the legacy kustomize plugin), [`krm`] (a ResourceList, for kustomize and
//! kpt). [`diff`] reads the workloads of two streams and compares their volumes. [`parallel`] is
//! the only thread code. `yaml` is the span-keeping YAML reader (the `stowage-yaml` crate);
//! [`k8s`] holds Kubernetes' validation rules; [`kinds`] the workload kinds; [`report`] the
//! diagnostics every stage returns.

pub mod config;
pub mod diff;
pub mod edit;
pub mod filter;
pub mod generate;
pub mod k8s;
pub mod kinds;
pub mod krm;
pub mod parallel;
pub mod plan;
pub mod post_render;
pub mod render;
pub mod report;
pub mod stream;
pub mod workload;

pub use stowage_yaml as yaml;
