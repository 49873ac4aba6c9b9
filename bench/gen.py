#!/usr/bin/env python3
"""Benchmark inputs for stowage (docs/performance.md). Deterministic: the same arguments give the
same bytes (seeded PRNG, no clock, no hash order).

    gen.py workloads N [--seed S] [--crds K] [--meta FILE]   Helm-like stream: N workloads, each with
        a ConfigMap and a Service; kinds cycle Deployment/StatefulSet/DaemonSet/Job/CronJob; 3-4
        containers with env, probes, resources and existing volumes/mounts; `# Source:` headers;
        K CRDs with a large openAPIV3Schema (default max(1, N // 250)). --meta writes a JSON list of
        the workloads (kind, name, pod spec pointer, containers) for the kustomize comparison.
    gen.py chart [--seed S]            a 50-document chart: 16 workloads + ConfigMaps + Services,
        a ServiceAccount and a ClusterRole (the "50-document chart" latency of docs/performance.md).
    gen.py objects N [--seed S] [--crds K]   a stream with no workloads: N ConfigMaps (large literal
        blocks), N Services and K CRDs (default max(2, N // 100)).
    gen.py corpus DIR [--expect-fail FILE]   the corpus files concatenated as one stream (skipping
        polyaxon-values/, *.md, licences and files listed in the expect-fail file).
    gen.py kustomize --meta FILE --blocks FILE --stream FILE --out DIR   a kustomization that adds,
        with JSON6902 patches, the same volumes, mounts and env to every workload as stowage does.
        --blocks is the JSON {volumes, mounts, env} stowage injected into a probe workload named
        `probe` in namespace `probe-ns` (the harness makes it); `probe` in env values is replaced by
        each workload's name and `probe-ns` by its namespace.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import sys
from pathlib import Path

KINDS = ["Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob"]
IMAGES = ["nginx:1.27", "ghcr.io/example/api:v2.3.1", "busybox:1.36", "redis:7.2-alpine",
          "quay.io/prometheus/node-exporter:v1.8.1", "registry.k8s.io/pause:3.9",
          "docker.io/bitnami/postgresql:16.3.0", "example/trainer:1.0"]
WORDS = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india",
         "juliet", "kilo", "lima", "mike", "november", "oscar", "papa", "quebec", "romeo"]


def w(out: list[str], indent: int, text: str) -> None:
    out.append(" " * indent + text + "\n")


def labels(out, indent, chart, name, rng):
    w(out, indent, "labels:")
    w(out, indent + 2, f"app.kubernetes.io/name: {name}")
    w(out, indent + 2, f"app.kubernetes.io/instance: release-{chart}")
    w(out, indent + 2, f'app.kubernetes.io/version: "{rng.randint(1, 9)}.{rng.randint(0, 30)}.0"')
    w(out, indent + 2, "app.kubernetes.io/managed-by: Helm")
    w(out, indent + 2, f"helm.sh/chart: {chart}-{rng.randint(1, 5)}.{rng.randint(0, 9)}.{rng.randint(0, 20)}")


def container(out, indent, rng, cname, has_env, has_mounts, vols):
    """A container item at `indent` (the dash column). Returns nothing; writes lines."""
    w(out, indent, f"- name: {cname}")
    i = indent + 2
    w(out, i, f'image: "{rng.choice(IMAGES)}"')
    w(out, i, "imagePullPolicy: IfNotPresent")
    if rng.random() < 0.3:
        w(out, i, f'args: ["--port={rng.randint(1000, 9999)}", "--metrics"]')
    w(out, i, "ports:")
    w(out, i, f"  - containerPort: {rng.randint(1000, 9999)}")
    if has_env:
        w(out, i, "env:")
        for e in range(rng.randint(1, 4)):
            key = f"{rng.choice(WORDS).upper()}_{e}"
            r = rng.random()
            if r < 0.6:
                w(out, i, f"  - name: {key}")
                w(out, i, f'    value: "{rng.choice(WORDS)}-{rng.randint(0, 999)}"')
            else:
                w(out, i, f"  - name: {key}")
                w(out, i, "    valueFrom:")
                w(out, i, "      secretKeyRef:")
                w(out, i, f"        name: secret-{rng.choice(WORDS)}")
                w(out, i, "        key: password")
    w(out, i, "readinessProbe:")
    w(out, i, "  httpGet: {path: /healthz, port: 8080}")
    w(out, i, "resources:")
    w(out, i, f"  limits: {{cpu: {rng.randint(100, 2000)}m, memory: {rng.randint(64, 4096)}Mi}}")
    if has_mounts:
        w(out, i, "volumeMounts:")
        for v in vols[:2]:
            w(out, i, f"  - name: {v}")
            w(out, i, f"    mountPath: /etc/{v}")
            w(out, i, "    readOnly: true")


def workload(chart, kind, name, ns, rng, meta):
    out: list[str] = []
    w(out, 0, "---")
    w(out, 0, f"# Source: {chart}/templates/{name}-{kind.lower()}.yaml")
    api = {"CronJob": "batch/v1", "Job": "batch/v1"}.get(kind, "apps/v1")
    w(out, 0, f"apiVersion: {api}")
    w(out, 0, f"kind: {kind}")
    w(out, 0, "metadata:")
    w(out, 2, f"name: {name}")
    w(out, 2, f"namespace: {ns}")
    w(out, 2, "labels:")
    w(out, 4, f"app.kubernetes.io/name: {name}")
    w(out, 2, "annotations:")
    w(out, 4, f'checksum/config: "{rng.getrandbits(128):032x}"')
    w(out, 0, "spec:")
    if kind == "CronJob":
        w(out, 2, 'schedule: "*/15 * * * *"')
        w(out, 2, "concurrencyPolicy: Forbid")
        w(out, 2, "jobTemplate:")
        w(out, 4, "spec:")
        base, ptr = 6, "/spec/jobTemplate/spec/template/spec"
    else:
        if kind in ("Deployment", "StatefulSet"):
            w(out, 2, f"replicas: {rng.randint(1, 5)}")
        if kind == "StatefulSet":
            w(out, 2, f"serviceName: {name}")
        if kind != "Job":
            w(out, 2, "selector:")
            w(out, 4, "matchLabels:")
            w(out, 6, f"app.kubernetes.io/name: {name}")
        if kind == "Job":
            w(out, 2, "backoffLimit: 4")
        base, ptr = 2, "/spec/template/spec"
    w(out, base, "template:")
    w(out, base + 2, "metadata:")
    w(out, base + 4, "labels:")
    w(out, base + 6, f"app.kubernetes.io/name: {name}")
    w(out, base + 2, "spec:")
    s = base + 4
    w(out, s, f"serviceAccountName: {chart}")
    if kind in ("Job", "CronJob"):
        w(out, s, "restartPolicy: OnFailure")
    vols = [f"config-{name}", "tmp"] + (["cache"] if rng.random() < 0.5 else [])
    containers = []
    if rng.random() < 0.3:
        w(out, s, "initContainers:")
        env, mounts = rng.random() < 0.5, rng.random() < 0.5
        container(out, s + 2, rng, "init", env, mounts, vols[:1])
        containers.append({"list": "initContainers", "index": 0, "env": env, "mounts": mounts})
    w(out, s, "containers:")
    for c in range(rng.randint(3, 4)):
        env, mounts = rng.random() < 0.85, rng.random() < 0.8
        container(out, s + 2, rng, ["main", "sidecar", "exporter", "proxy"][c], env, mounts, vols)
        containers.append({"list": "containers", "index": c, "env": env, "mounts": mounts})
    w(out, s, "volumes:")
    w(out, s, f"  - name: config-{name}")
    w(out, s, "    configMap:")
    w(out, s, f"      name: {name}-config")
    w(out, s, "  - name: tmp")
    w(out, s, "    emptyDir: {}")
    if "cache" in vols:
        w(out, s, "  - name: cache")
        w(out, s, "    emptyDir:")
        w(out, s, "      sizeLimit: 1Gi")
    meta.append({"kind": kind, "name": name, "namespace": ns, "spec": ptr,
                 "containers": containers, "volumes": True})
    return "".join(out)


def configmap(chart, name, ns, rng, big=False):
    out: list[str] = []
    w(out, 0, "---")
    w(out, 0, f"# Source: {chart}/templates/{name}-configmap.yaml")
    w(out, 0, "apiVersion: v1")
    w(out, 0, "kind: ConfigMap")
    w(out, 0, "metadata:")
    w(out, 2, f"name: {name}-config")
    w(out, 2, f"namespace: {ns}")
    labels(out, 2, chart, name, rng)
    w(out, 0, "data:")
    w(out, 2, f'LOG_LEVEL: "{rng.choice(["info", "debug", "warn"])}"')
    w(out, 2, 'ENABLED: "on"')
    w(out, 2, "config.yaml: |")
    for l in range(rng.randint(40, 120) if big else rng.randint(2, 6)):
        w(out, 4, f"{rng.choice(WORDS)}_{l}: {rng.choice(WORDS)} {rng.randint(0, 10**6)}  # {rng.choice(WORDS)}")
    return "".join(out)


def service(chart, name, ns, rng):
    out: list[str] = []
    w(out, 0, "---")
    w(out, 0, f"# Source: {chart}/templates/{name}-service.yaml")
    w(out, 0, "apiVersion: v1")
    w(out, 0, "kind: Service")
    w(out, 0, "metadata:")
    w(out, 2, f"name: {name}")
    w(out, 2, f"namespace: {ns}")
    labels(out, 2, chart, name, rng)
    w(out, 0, "spec:")
    w(out, 2, "type: ClusterIP")
    w(out, 2, "ports:")
    w(out, 4, f"- port: {rng.randint(80, 9000)}")
    w(out, 4, "  targetPort: port-0")
    w(out, 4, "  protocol: TCP")
    w(out, 4, "  name: http")
    w(out, 2, "selector:")
    w(out, 4, f"app.kubernetes.io/name: {name}")
    return "".join(out)


def schema(out, indent, rng, depth):
    w(out, indent, "type: object")
    w(out, indent, f"description: {rng.choice(WORDS).capitalize()} settings of the {rng.choice(WORDS)} resource.")
    w(out, indent, "properties:")
    for p in range(rng.randint(4, 7) if depth < 4 else rng.randint(2, 4)):
        key = f"{rng.choice(WORDS)}{p}"
        w(out, indent + 2, f"{key}:")
        if depth < 4 and rng.random() < 0.45:
            schema(out, indent + 4, rng, depth + 1)
        elif rng.random() < 0.3:
            w(out, indent + 4, "type: array")
            w(out, indent + 4, "items:")
            w(out, indent + 6, "type: string")
            w(out, indent + 6, "maxLength: 253")
        else:
            t = rng.choice(["string", "integer", "boolean"])
            w(out, indent + 4, f"type: {t}")
            w(out, indent + 4, f"description: The {rng.choice(WORDS)} of the {rng.choice(WORDS)}; defaults to {rng.choice(WORDS)}.")
            if t == "string" and rng.random() < 0.3:
                w(out, indent + 4, "enum:")
                for e in rng.sample(WORDS, 3):
                    w(out, indent + 6, f"- {e}")
            if t == "integer":
                w(out, indent + 4, "format: int32")
                w(out, indent + 4, "minimum: 0")


def crd(chart, i, rng, target_bytes):
    out: list[str] = []
    group = f"{rng.choice(WORDS)}.example.io"
    plural = f"widget{i}s"
    w(out, 0, "---")
    w(out, 0, f"# Source: {chart}/crds/{plural}.yaml")
    w(out, 0, "apiVersion: apiextensions.k8s.io/v1")
    w(out, 0, "kind: CustomResourceDefinition")
    w(out, 0, "metadata:")
    w(out, 2, f"name: {plural}.{group}")
    w(out, 2, "annotations:")
    w(out, 4, "controller-gen.kubebuilder.io/version: v0.16.1")
    w(out, 0, "spec:")
    w(out, 2, f"group: {group}")
    w(out, 2, "names:")
    w(out, 4, f"kind: Widget{i}")
    w(out, 4, f"plural: {plural}")
    w(out, 2, "scope: Namespaced")
    w(out, 2, "versions:")
    size = sum(map(len, out))
    v = 0
    while size < target_bytes:
        body: list[str] = []
        w(body, 4, f"- name: v1beta{v}")
        w(body, 4, f"  served: true")
        w(body, 4, f"  storage: {'true' if v == 0 else 'false'}")
        w(body, 4, "  schema:")
        w(body, 4, "    openAPIV3Schema:")
        schema(body, 10, rng, 0)
        out.extend(body)
        size += sum(map(len, body))
        v += 1
    return "".join(out)


def extras(chart):
    return (f"---\n# Source: {chart}/templates/serviceaccount.yaml\napiVersion: v1\nkind: ServiceAccount\n"
            f"metadata:\n  name: {chart}\n  labels:\n    app.kubernetes.io/managed-by: Helm\n"
            f"---\n# Source: {chart}/templates/clusterrole.yaml\napiVersion: rbac.authorization.k8s.io/v1\n"
            f"kind: ClusterRole\nmetadata:\n  name: {chart}\nrules:\n  - apiGroups: [\"\"]\n"
            f"    resources: [\"pods\", \"configmaps\"]\n    verbs: [\"get\", \"list\", \"watch\"]\n")


def gen_workloads(n, seed, crds, meta, with_extras=False):
    rng = random.Random(seed)
    chart = "bench"
    parts = []
    for i in range(crds):
        parts.append(crd(chart, i, rng, rng.randint(60_000, 160_000)))
    if with_extras:
        parts.append(extras(chart))
    for i in range(n):
        name = f"{rng.choice(WORDS)}-{i}"
        ns = f"team-{i % 7}"
        parts.append(configmap(chart, name, ns, rng))
        parts.append(service(chart, name, ns, rng))
        parts.append(workload(chart, KINDS[i % len(KINDS)], name, ns, rng, meta))
    return "".join(parts)


def gen_objects(n, seed, crds):
    rng = random.Random(seed)
    chart = "objects"
    parts = [crd(chart, i, rng, rng.randint(60_000, 160_000)) for i in range(crds)]
    for i in range(n):
        name = f"{rng.choice(WORDS)}-{i}"
        ns = f"team-{i % 7}"
        parts.append(configmap(chart, name, ns, rng, big=True))
        parts.append(service(chart, name, ns, rng))
    return "".join(parts)


def corpus_files(root: Path, expect_fail: set[str]) -> list[Path]:
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        rel = Path(dirpath).relative_to(root)
        if rel.parts and rel.parts[0] in ("polyaxon-values", "LICENSES"):
            dirnames[:] = []
            continue
        for f in filenames:
            if f in ("SOURCES.md", "expect-fail.txt") or f.endswith(".md") \
                    or f.upper().startswith(("LICENSE", "NOTICE")):
                continue
            p = Path(dirpath) / f
            if str(p.relative_to(root)) not in expect_fail:
                out.append(p)
    return sorted(out)


def gen_corpus(root: Path, expect_fail_file: Path | None) -> bytes:
    fail = set()
    if expect_fail_file and expect_fail_file.exists():
        for line in expect_fail_file.read_text().splitlines():
            line = line.strip()
            if line and not line.startswith("#"):
                fail.add(line.split(None, 1)[0])
    parts = []
    for p in corpus_files(root, fail):
        data = p.read_bytes()
        if data.startswith(b"\xef\xbb\xbf"):
            data = data[3:]
        if data and not data.endswith(b"\n"):
            data += b"\n"
        # Each file is its own document run: a `---` keeps a bare first document (or JSON) apart
        # from the previous file's last one.
        parts.append(b"---\n# Source: corpus/" + str(p.relative_to(root)).encode() + b"\n" + data)
    return b"".join(parts)


def gen_kustomize(meta_file: Path, blocks_file: Path, stream: Path, out: Path) -> None:
    meta = json.loads(meta_file.read_text())
    blocks = json.loads(blocks_file.read_text())
    out.mkdir(parents=True, exist_ok=True)
    (out / "stream.yaml").write_bytes(stream.read_bytes())
    lines = ["apiVersion: kustomize.config.k8s.io/v1beta1", "kind: Kustomization",
             "resources:", "- stream.yaml", "patches:"]
    for wl in meta:
        def sub(v):
            s = json.dumps(v).replace("probe-ns", wl["namespace"]).replace("probe", wl["name"])
            return json.loads(s)
        ops = []
        spec = wl["spec"]
        for v in blocks["volumes"]:
            ops.append({"op": "add", "path": f"{spec}/volumes/-", "value": v})
        for c in wl["containers"]:
            base = f"{spec}/{c['list']}/{c['index']}"
            for key, flag, items in (("volumeMounts", "mounts", blocks["mounts"]),
                                     ("env", "env", [sub(e) for e in blocks["env"]])):
                if c[flag]:
                    ops.extend({"op": "add", "path": f"{base}/{key}/-", "value": it} for it in items)
                else:
                    ops.append({"op": "add", "path": f"{base}/{key}", "value": items})
        lines.append(f"- target: {{kind: {wl['kind']}, name: {wl['name']}, namespace: {wl['namespace']}}}")
        lines.append(f"  patch: {json.dumps(json.dumps(ops))}")
    (out / "kustomization.yaml").write_text("\n".join(lines) + "\n")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    a = sub.add_parser("workloads")
    a.add_argument("n", type=int)
    a.add_argument("--seed", type=int, default=5)
    a.add_argument("--crds", type=int)
    a.add_argument("--meta", type=Path)
    a = sub.add_parser("chart")
    a.add_argument("--seed", type=int, default=50)
    a.add_argument("--meta", type=Path)
    a = sub.add_parser("objects")
    a.add_argument("n", type=int)
    a.add_argument("--seed", type=int, default=7)
    a.add_argument("--crds", type=int)
    a = sub.add_parser("corpus")
    a.add_argument("dir", type=Path)
    a.add_argument("--expect-fail", type=Path)
    a = sub.add_parser("kustomize")
    a.add_argument("--meta", type=Path, required=True)
    a.add_argument("--blocks", type=Path, required=True)
    a.add_argument("--stream", type=Path, required=True)
    a.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()

    out = sys.stdout.buffer
    if args.cmd == "workloads":
        meta: list = []
        crds = args.crds if args.crds is not None else max(1, args.n // 250)
        out.write(gen_workloads(args.n, args.seed, crds, meta).encode())
        if args.meta:
            args.meta.write_text(json.dumps(meta))
    elif args.cmd == "chart":
        meta = []
        out.write(gen_workloads(16, args.seed, 0, meta, with_extras=True).encode())
        if args.meta:
            args.meta.write_text(json.dumps(meta))
    elif args.cmd == "objects":
        crds = args.crds if args.crds is not None else max(2, args.n // 100)
        out.write(gen_objects(args.n, args.seed, crds).encode())
    elif args.cmd == "corpus":
        out.write(gen_corpus(args.dir, args.expect_fail))
    elif args.cmd == "kustomize":
        gen_kustomize(args.meta, args.blocks, args.stream, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
