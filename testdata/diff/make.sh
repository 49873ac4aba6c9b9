#!/bin/sh
# Regenerates the old.yaml/new.yaml fixtures of every case from base.yaml and values.yaml, by
# running `stowage post-render` twice: OLD = base + values.yaml, NEW = the case's change. Run from
# the repository root: testdata/diff/make.sh (STOWAGE=path/to/stowage to pick a binary). Then bless
# the expected reports: STOWAGE_BLESS=1 cargo test --test diff, and read the git diff.
# plain-manifests/ and claim-template/ are hand-written (no stowage involved) and not touched here.
set -eu
cd "$(dirname "$0")"
S=${STOWAGE:-../../target/debug/stowage}
render() { # render VALUES < MANIFESTS > OUT
  "$S" post-render --values "$1" 2>/dev/null
}
header() { printf '# Made by testdata/diff/make.sh: %s\n' "$1"; }
values_with() { # values_with SED-EXPR: values.yaml edited
  sed "$1" values.yaml
}
old() { { header "stowage post-render --values values.yaml < base.yaml"; render values.yaml < base.yaml; } > "$1/old.yaml"; }
new_values() { # new_values CASE SED-EXPR WHAT
  values_with "$2" > "$1/values.yaml"
  { header "stowage post-render --values $1/values.yaml < base.yaml ($3)"; render "$1/values.yaml" < base.yaml; } > "$1/new.yaml"
}
new_base() { # new_base CASE SED-EXPR WHAT
  sed "$2" base.yaml > "$1/base.yaml"
  { header "stowage post-render --values values.yaml < $1/base.yaml ($3)"; render values.yaml < "$1/base.yaml"; } > "$1/new.yaml"
  rm "$1/base.yaml"
}
for c in outputs-claim-changed outputs-path-changed hostpath-changed bucket-changed readonly-flipped \
         data-volume-removed volume-added nothing-changed workload-removed workload-renamed injection-lost; do
  mkdir -p "$c"; old "$c"
done
new_values outputs-claim-changed 's/outputs-2-pvc/outputs-3-pvc/' 'outputs2 claim outputs-2-pvc -> outputs-3-pvc'
new_values outputs-path-changed '$a\  outputsPath: "runs/{{namespace}}/{{name}}"' 'outputsPath runs/{{namespace}}/{{name}}'
new_values hostpath-changed 's|/path/to/data,|/mnt/data-v2,|' 'data1 hostPath /path/to/data -> /mnt/data-v2'
new_values bucket-changed 's|gs://data-bucket|gs://data-bucket-v2|' 'data-gcs3 bucket gs://data-bucket -> gs://data-bucket-v2'
new_values readonly-flipped 's|/path/to/data, readOnly: true|/path/to/data|; s|data-2-pvc}|data-2-pvc, readOnly: true}|' 'data1 writable, data2 read-only'
new_values data-volume-removed '/data2:/d' 'data2 removed'
new_values volume-added '/data2:/a\    data3: {mountPath: /data/3, existingClaim: data-3-pvc}' 'data3 added'
new_base nothing-changed 's|example/trainer:1.0|example/trainer:1.1|' 'only an image tag changes'
new_base workload-removed '/^# Source: trainer\/templates\/job.yaml/,/^---/{/^---/!d}' 'the Job preprocess removed'
new_base workload-renamed 's/^  name: trainer$/  name: trainer-v2/' 'Deployment trainer renamed trainer-v2'
# An S3 bucket mounted through its CSI driver: stowage adds a PersistentVolume naming the bucket
# and a claim, which the workloads mount by the claim's name; a new bucket behind the same claim
# name still moves the data.
mkdir -p s3-bucket-changed
values_with '/data2:/a\    data-s3: {store: s3, bucket: s3://ml-data, secret: s3-secret, secretKey: key.json, mount: csi, mountPath: /data/s3}' > s3-bucket-changed/values-old.yaml
{ header "stowage post-render --values s3-bucket-changed/values-old.yaml < base.yaml"; render s3-bucket-changed/values-old.yaml < base.yaml; } > s3-bucket-changed/old.yaml
new_values s3-bucket-changed '/data2:/a\    data-s3: {store: s3, bucket: s3://ml-data-v2, secret: s3-secret, secretKey: key.json, mount: csi, mountPath: /data/s3}' 'data-s3 bucket s3://ml-data -> s3://ml-data-v2'
new_base injection-lost 's|    stowage.dev/outputs: outputs1|    stowage.dev/outputs: outputs1\n    stowage.dev/inject: "false"|' 'CronJob nightly opts out with stowage.dev/inject: "false"'
# Outputs per run: the previous render kept every run of the Job and the CronJob at
# namespace/name (stowage's default before `{{run}}`); the new default adds a directory per run
# below it, which is no move.
mkdir -p outputs-per-run
values_with '$a\  outputsPath: "{{namespace}}/{{name}}"' > outputs-per-run/values-old.yaml
{ header "stowage post-render --values outputs-per-run/values-old.yaml < base.yaml"; render outputs-per-run/values-old.yaml < base.yaml; } > outputs-per-run/old.yaml
new_values outputs-per-run '' 'the default outputsPath {{namespace}}/{{name}}/{{run}}'
