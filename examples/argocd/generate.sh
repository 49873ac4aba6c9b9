#!/bin/sh
# The generate command of the stowage Config Management Plugin (plugin.yaml runs this same text with
# `sh -c`; tests/plugins.rs checks they match). Runs in the Application's source directory, as
# Argo CD's own Helm would render it, then through stowage:
#   helm template RELEASE . --include-crds [--namespace NS] [--kube-version V] [--api-versions A]...
#     $HELM_ARGS
#     | stowage post-render [--namespace NS] [--values "$STOWAGE_VALUES"]
# RELEASE is the Application's name: Argo CD gives ARGOCD_APP_NAME as <app namespace>_<name> for
# Applications outside its own namespace, and Helm refuses `_`. NS is the destination namespace,
# which may be empty (then neither gets --namespace). KUBE_VERSION and KUBE_API_VERSIONS (comma-
# separated) are the cluster's. HELM_ARGS and STOWAGE_VALUES come from the Application's plugin env
# (ARGOCD_ENV_*) or parameters (PARAM_*). Without STOWAGE_VALUES the config is the chart's
# in-stream Persistence document.
set -eu
set -f  # HELM_ARGS is split on whitespace and never globbed
# Argo CD passes the Application's plugin env as ARGOCD_ENV_<name>, its parameters as PARAM_<NAME>.
helm_args=${ARGOCD_ENV_HELM_ARGS:-${PARAM_HELM_ARGS:-}}
stowage_values=${ARGOCD_ENV_STOWAGE_VALUES:-${PARAM_STOWAGE_VALUES:-}}
namespace=${ARGOCD_APP_NAMESPACE:-}
set -- template "${ARGOCD_APP_NAME##*_}" . --include-crds
[ -z "$namespace" ] || set -- "$@" --namespace "$namespace"
[ -z "${KUBE_VERSION:-}" ] || set -- "$@" --kube-version "$KUBE_VERSION"
old_ifs=$IFS
IFS=,
for api in ${KUBE_API_VERSIONS:-}; do set -- "$@" --api-versions "$api"; done
IFS=$old_ifs
# No pipe (POSIX sh has no pipefail): each step writes a file and stops the script when it fails, so
# a failed render never reaches stdout. Blank output with `prune: true` would delete the whole app.
tmp=$(mktemp -d "${TMPDIR:-/tmp}/stowage-cmp.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
helm "$@" $helm_args >"$tmp/rendered.yaml"
stowage post-render ${namespace:+--namespace "$namespace"} ${stowage_values:+--values "$stowage_values"} <"$tmp/rendered.yaml" >"$tmp/injected.yaml"
# The output must hold an object: a chart that renders nothing, or only the in-stream config
# (which stowage removes), would hand Argo CD an empty app.
if ! grep -v -e '^[[:space:]]*#' -e '^---' -e '^\.\.\.' "$tmp/injected.yaml" | grep -q '[^[:space:]]'; then
  echo "stowage-cmp: error: the render holds no Kubernetes objects; refusing to hand Argo CD an empty app" >&2
  exit 1
fi
cat "$tmp/injected.yaml"
