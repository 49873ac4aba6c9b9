//! stowage: inject Polyaxon-style data and outputs volumes into rendered Kubernetes manifests.
//!
//! The pipeline (design.md §10), one module per stage, data flowing one way:
//! `stream` (split the input into documents) → `config` (load and validate the persistence config)
//! → `plan` (per workload: which volumes, mounts and env) → `render` (templates → validated blocks)
//! → `edit` (lossless insertion into the document text) → `report` (diagnostics).
//! `yaml` is the span-keeping YAML reader the stages share; `k8s` holds Kubernetes' validation rules.

pub mod config;
pub mod diff;
pub mod edit;
pub mod inject;
pub mod k8s;
pub mod kinds;
pub mod krm;
pub mod plan;
pub mod render;
pub mod report;
pub mod stream;

pub use stowage_yaml as yaml;
