#!/usr/bin/env python3
"""Run stowage over a corpus of real manifests and judge every output.

    corpus_check.py --bin target/release/stowage --values testdata/config/full-example.yaml \
        [--expect-fail testdata/corpus/expect-fail.txt] [--kube-version X.Y] [--no-idempotence] \
        [--crds .tools/crds] DIR

For every manifest file under DIR (not *.md, not expect-fail.txt, LICENSE/NOTICE, polyaxon-values/):
  `BIN post-render --values VALUES < FILE`, then
  (a) exit status 0 and, when the input has any object, non-empty stdout;
  (b) documents stowage did not edit are byte-identical; edited ones are workloads, insert-only,
      with every input value kept (tests/k8s/streams.py) -- or, when stowage's stderr says
      `(line L) ... re-emitted` for that document, re-emitted with every value kept; added
      ones are PV/PVC;
  (c) every edited workload (and added object) passes validate.py --strict, except problems the
      input document already had (reported as notes); with --crds DIR, an edited workload of a
      CRD kind (validate.CRD_WORKLOAD_KINDS) passes crd_check.py against the CRDs in DIR, except
      problems its input had;
  (d) stowage on its own output changes nothing (idempotence, docs/design.md).
Files listed in the expect-fail file (`relative/path  reason`) must instead exit 1 with empty stdout.

Closing line: `corpus: N passed, N failed`. Exit 1 when any file failed.
"""
from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import crd_check  # noqa: E402
import streams  # noqa: E402
import validate as kval  # noqa: E402

SKIP_NAMES = {"SOURCES.md", "expect-fail.txt"}
SKIP_DIRS = {"polyaxon-values", "LICENSES"}
TIMEOUT = 120


def corpus_files(root: Path) -> list[Path]:
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        rel_dir = Path(dirpath).relative_to(root)
        if rel_dir.parts and rel_dir.parts[0] in SKIP_DIRS:
            dirnames[:] = []
            continue
        dirnames.sort()
        for f in sorted(filenames):
            if f in SKIP_NAMES or f.endswith(".md") or f.upper().startswith(("LICENSE", "NOTICE")):
                continue
            out.append(Path(dirpath) / f)
    return sorted(out)


def read_expect_fail(path: Path | None) -> dict[str, str]:
    out: dict[str, str] = {}
    if path is None or not path.exists():
        return out
    for n, line in enumerate(path.read_text().splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split(None, 1)
        out[parts[0]] = parts[1] if len(parts) > 1 else ""
    return out


def run(bin_: str, values: str, data: bytes) -> subprocess.CompletedProcess:
    return subprocess.run([bin_, "post-render", "--values", values], input=data,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=TIMEOUT)


REEMIT = re.compile(r"\(line (\d+)\).*re-emitted")


def reemitted_lines(stderr: bytes) -> frozenset[int]:
    """Input line numbers of documents stowage says it re-emitted: a stderr line holding
    `(line L)` (the document's first line) and the word `re-emitted`."""
    return frozenset(int(m.group(1)) for m in REEMIT.finditer(stderr.decode("utf-8", "replace")))


def tail(b: bytes, n: int = 15) -> str:
    lines = b.decode("utf-8", "replace").rstrip().splitlines()
    more = [f"... ({len(lines) - n} more lines)"] if len(lines) > n else []
    return "\n".join("      | " + line for line in lines[:n] + more)


def check_file(path: Path, rel: str, args, expect_fail: dict[str, str]) -> tuple[list[str], list[str], str]:
    """Returns (problems, notes, stats)."""
    data = path.read_bytes()
    try:
        proc = run(args.bin, args.values, data)
    except subprocess.TimeoutExpired:
        return [f"timed out after {TIMEOUT}s"], [], ""
    problems: list[str] = []
    notes: list[str] = []

    if rel in expect_fail:
        if proc.returncode != 1:
            problems.append(f"expected exit 1 ({expect_fail[rel]}), got {proc.returncode}")
        if proc.stdout:
            problems.append(f"expected empty stdout on failure, got {len(proc.stdout)} bytes")
        if not proc.stderr.strip():
            problems.append("failed without saying why on stderr")
        return problems, notes, "rejected as expected"

    if proc.returncode != 0:
        return [f"exit {proc.returncode}, stderr:\n{tail(proc.stderr)}"], notes, ""
    out = proc.stdout
    try:
        has_objects = any(d is not None for d in kval.load_documents(data.decode("utf-8")))
    except Exception:  # noqa: BLE001
        has_objects = True
    if has_objects and not out.strip():
        return ["empty output for an input with objects (Helm 3 would deploy nothing)"], notes, ""

    cmp = streams.compare_streams(data, out, reemitted_lines(proc.stderr))
    problems += cmp.problems
    a, b = streams.split_chunks(data), streams.split_chunks(out)
    for i, j in cmp.edited:
        before, after = streams.chunk_object(a[i]), streams.chunk_object(b[j])
        for p in streams.new_problems(before, after, args.kube_version, strict=True):
            problems.append(f"output document {j + 1}: invalid after edit: {p}")
        old = []
        try:
            old = [str(p) for p in kval.problems_for_object(before, args.kube_version, True)] \
                if isinstance(before, dict) and not kval.is_list_kind(before.get("kind")) else []
        except kval.NoSchema:
            notes.append(f"input document {i + 1} {kval.describe(before)}: no schema, not validated")
        for p in old:
            notes.append(f"input document {i + 1} {kval.describe(before)} already had: {p}")
        for p in crd_problems(args, before, after):
            problems.append(f"output document {j + 1}: invalid against its CRD after edit: {p}")
    for j in cmp.added:
        obj = streams.chunk_object(b[j])
        try:
            for p in kval.problems_for_object(obj, args.kube_version, strict=True):
                problems.append(f"output document {j + 1} (added) {kval.describe(obj)}: {p}")
        except kval.NoSchema as exc:
            problems.append(f"output document {j + 1} (added): {exc}")
    if cmp.unedited_workloads:
        notes.append("workloads left unedited: " + ", ".join(
            f"document {i + 1} {kval.describe(streams.chunk_object(a[i]))}" for i in cmp.unedited_workloads))

    if args.idempotence and not problems:
        try:
            again = run(args.bin, args.values, out)
        except subprocess.TimeoutExpired:
            again = None
        if again is None or again.returncode != 0:
            problems.append("second run on its own output failed"
                            + (f":\n{tail(again.stderr)}" if again is not None else " (timeout)"))
        elif again.stdout != out:
            cmp2 = streams.compare_streams(out, again.stdout)
            detail = "; ".join(cmp2.problems[:3]) or f"{len(cmp2.edited)} documents edited again"
            problems.append(f"not idempotent: a second run changed the output ({detail})")

    stats = (f"{len(a)} chunks: {len(cmp.edited)} edited, {cmp.equal} copied, {len(cmp.added)} added"
             + (f", {len(cmp.consumed)} consumed" if cmp.consumed else "")
             + (f", {cmp.char_level_edits} flow-style edits" if cmp.char_level_edits else "")
             + (f", {len(cmp.reemitted)} re-emitted" if cmp.reemitted else ""))
    if proc.stderr.strip() and args.verbose:
        notes.append("stderr:\n" + tail(proc.stderr, 8))
    return problems, notes, stats


def crd_problems(args, before, after) -> list[str]:
    """Problems of the edited CRD workloads in `after` against their CRDs that `before` lacked."""
    if args.crds is None:
        return []
    out = []
    for b, a in zip(streams.objects_of(before), streams.objects_of(after)):
        gv = crd_check.split_api_version(a.get("apiVersion")) if isinstance(a, dict) else None
        if gv is None or (gv[0], a.get("kind")) not in kval.CRD_WORKLOAD_KINDS:
            continue
        if args.crd_set is None:
            args.crd_set = crd_check.load_crds(args.crds)
        version = args.crd_set.versions.get((gv[0], gv[1], a.get("kind")))
        if version is None:
            continue  # a version stowage leaves alone (with a note)
        old = set(crd_check.object_problems(b, version)[0]) if isinstance(b, dict) else set()
        out += [f"{crd_check.describe(a)} {path}: {msg}"
                for path, msg in crd_check.object_problems(a, version)[0] if (path, msg) not in old]
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("dir", type=Path)
    ap.add_argument("--bin", required=True)
    ap.add_argument("--values", required=True)
    ap.add_argument("--expect-fail", type=Path, default=None)
    ap.add_argument("--kube-version", default=None)
    ap.add_argument("--no-idempotence", dest="idempotence", action="store_false")
    ap.add_argument("--crds", type=Path, default=None,
                    help="validate edited CRD workloads against the CRDs here (scripts/setup-tools: .tools/crds)")
    ap.add_argument("-v", "--verbose", action="store_true", help="print notes and stowage's stderr")
    args = ap.parse_args(argv)
    args.crd_set = None
    args.kube_version = args.kube_version or kval.latest_version()

    for what, p in (("binary", args.bin), ("values file", args.values), ("corpus dir", args.dir)):
        if not Path(p).exists():
            print(f"corpus_check.py: {what} {p} does not exist", file=sys.stderr)
            return 2
    expect_fail = read_expect_fail(args.expect_fail)
    files = corpus_files(args.dir)
    if not files:
        print(f"corpus_check.py: no manifest files under {args.dir}", file=sys.stderr)
        return 2
    rels = {f.relative_to(args.dir).as_posix() for f in files}
    for rel in sorted(set(expect_fail) - rels):
        print(f"note: expect-fail entry {rel} is not in {args.dir}")

    passed = failed = 0
    t0 = time.monotonic()
    for f in files:
        rel = f.relative_to(args.dir).as_posix()
        try:
            problems, notes, stats = check_file(f, rel, args, expect_fail)
        except Exception as exc:  # noqa: BLE001 - a judge bug must fail the file, loudly
            problems, notes, stats = [f"corpus_check.py crashed: {type(exc).__name__}: {exc}"], [], ""
        if problems:
            failed += 1
            print(f"FAIL {rel}")
            for p in problems[:25]:
                print(f"    {p}")
            if len(problems) > 25:
                print(f"    ... {len(problems) - 25} more")
        else:
            passed += 1
            print(f"ok   {rel} ({stats})")
        if args.verbose or problems:
            for n in notes[:10]:
                print(f"    note: {n}")
    print(f"corpus {args.dir} with {args.values}: {len(files)} files in {time.monotonic() - t0:.1f}s")
    print(f"corpus: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
