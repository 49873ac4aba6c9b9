#!/usr/bin/env python3
"""Render packages of real manifests with the real kpt, through stowage and through /bin/cat, and
judge that stowage only inserted lines.

    kpt_check.py --bin target/release/stowage --values testdata/config/full-example.yaml \
        [--expect-fail testdata/corpus/expect-fail.txt] [--kpt kpt] DIR

Each top-level folder of DIR is one package (its manifest files, minus the expect-fail ones and
files kpt itself can't read). The package is copied twice: once with a Kptfile pipeline
`exec: /bin/cat` (the control: kpt's own reformatting), once with `exec: "BIN fn"` and
`configPath: persistence.yaml` (a Persistence object made from VALUES). Both are rendered with
`kpt fn render --allow-exec`. Then, for every file but the Kptfile:
  (a) the stowage render differs from the control only by inserted lines;
  (b) a second stowage render changes nothing.
Closing line: `kpt: N packages passed, N failed`. Exit 1 when any failed.
"""
from __future__ import annotations

import argparse
import difflib
import re
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus_check import corpus_files, read_expect_fail  # noqa: E402

TIMEOUT = 300
MANIFEST_SUFFIXES = (".yaml", ".yml")


def kptfile(function: str, config: str | None) -> str:
    lines = [
        "apiVersion: kpt.dev/v1",
        "kind: Kptfile",
        "metadata:",
        "  name: pkg",
        "  annotations:",
        "    config.kubernetes.io/local-config: \"true\"",
        "pipeline:",
        "  mutators:",
        f"    - exec: {function}",
    ]
    if config:
        lines.append(f"      configPath: {config}")
    return "\n".join(lines) + "\n"


def persistence_object(values: Path) -> str:
    spec = yaml.safe_load(values.read_text())["persistence"]
    obj = {
        "apiVersion": "stowage.dev/v1alpha1",
        "kind": "Persistence",
        "metadata": {"name": "persistence", "annotations": {"config.kubernetes.io/local-config": "true"}},
        "spec": spec,
    }
    return yaml.safe_dump(obj, sort_keys=False)


def kpt_reads(kpt: str, f: Path, work: Path) -> bool:
    """Whether kpt renders a package of this one file through /bin/cat: it refuses, for
    example, a `List` whose items have no `metadata.name`, before any function runs."""
    pkg = Path(tempfile.mkdtemp(dir=work))
    shutil.copyfile(f, pkg / f.name)
    (pkg / "Kptfile").write_text(kptfile("/bin/cat", None))
    return render(kpt, pkg).returncode == 0


def render(kpt: str, pkg: Path) -> subprocess.CompletedProcess:
    return subprocess.run([kpt, "fn", "render", "--allow-exec", str(pkg)], capture_output=True,
                          timeout=TIMEOUT)


def package_files(pkg: Path) -> dict[str, str]:
    return {str(p.relative_to(pkg)): p.read_text() for p in sorted(pkg.rglob("*"))
            if p.is_file() and p.name != "Kptfile"}


# An explicit null that stowage's value takes the place of: `env: null` -> `env:` + the items.
EXPLICIT_NULL = re.compile(r":[ \t]+(?:null|Null|NULL|~)(?=[ \t]*(?:#.*)?$)", re.M)


def only_insertions(before: str, after: str) -> list[str]:
    """The lines of `before` that `after` does not keep (empty: `after` is `before` with text
    inserted, whole lines or within a line, as in `env: []` -> `env: [{...}]`, and explicit
    nulls replaced by the value inserted below them)."""
    a, b = before.splitlines(keepends=True), after.splitlines(keepends=True)
    bad = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        old = EXPLICIT_NULL.sub(":", "".join(a[i1:i2]))
        if tag == "delete" or (tag == "replace" and not is_subsequence(old, "".join(b[j1:j2]))):
            bad.extend(f"line {n + 1}: {a[n].rstrip()}" for n in range(i1, i2))
    return bad


def is_subsequence(small: str, big: str) -> bool:
    it = iter(big)
    return all(c in it for c in small)


def copy_package(files: list[Path], source_root: Path, dest: Path, values: Path) -> None:
    for f in files:
        target = dest / f.relative_to(source_root)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(f, target)
    (dest / "persistence.yaml").write_text(persistence_object(values))


def check_package(name: str, files: list[Path], root: Path, args, work: Path) -> list[str]:
    """Problems of one package (empty when it passed)."""
    ctl, stw = work / name / "control", work / name / "stowage"
    stowage_fn = kptfile(f"{args.bin} fn", "persistence.yaml")
    for pkg, pipeline in ((ctl, kptfile("/bin/cat", None)), (stw, stowage_fn)):
        copy_package(files, root / name, pkg, args.values)
        (pkg / "Kptfile").write_text(pipeline)
        r = render(args.kpt, pkg)
        if r.returncode != 0:
            return [f"the {pkg.name} render failed: {r.stderr.decode(errors='replace')[-800:]}"]
    problems = []
    control, first = package_files(ctl), package_files(stw)
    if control.keys() != first.keys():
        problems.append(f"files differ: {sorted(control.keys() ^ first.keys())}")
    inserted = 0
    for path in sorted(control.keys() & first.keys()):
        bad = only_insertions(control[path], first[path])
        if bad:
            problems.append(f"{path}: not only insertions: " + "; ".join(bad[:5]))
        inserted += len(first[path].splitlines()) - len(control[path].splitlines())
    # A second render through stowage does what a render through /bin/cat does to the same
    # files: stowage adds nothing the second time (kpt itself may move comments each time).
    again, cat_again = work / name / "again", work / name / "cat-again"
    for pkg, pipeline in ((again, stowage_fn), (cat_again, kptfile("/bin/cat", None))):
        shutil.copytree(stw, pkg)
        (pkg / "Kptfile").write_text(pipeline)
        r = render(args.kpt, pkg)
        if r.returncode != 0:
            problems.append(f"the second render ({pkg.name}) failed: {r.stderr.decode(errors='replace')[-800:]}")
    second, cat_second = package_files(again), package_files(cat_again)
    if second != cat_second:
        changed = [p for p in second if cat_second.get(p) != second[p]]
        problems.append(f"a second render through stowage changed {changed}")
    if args.verbose:
        print(f"  {name}: {len(files)} files, {inserted} lines inserted")
    return problems


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("dir", type=Path)
    ap.add_argument("--bin", required=True)
    ap.add_argument("--values", required=True, type=Path)
    ap.add_argument("--expect-fail", type=Path, default=None)
    ap.add_argument("--kpt", default="kpt")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args(argv)
    args.bin = str(Path(args.bin).resolve())
    if shutil.which(args.kpt) is None:
        print(f"kpt_check: error: `{args.kpt}` not found (kpt is on the machine image; "
              "see the README's test set-up)", file=sys.stderr)
        return 2
    root = args.dir.resolve()
    expect_fail = read_expect_fail(args.expect_fail)
    packages: dict[str, list[Path]] = {}
    for f in corpus_files(root):
        rel = f.relative_to(root)
        if len(rel.parts) < 2 or str(rel) in expect_fail or not f.name.endswith(MANIFEST_SUFFIXES):
            continue
        packages.setdefault(rel.parts[0], []).append(f)
    passed = failed = 0
    with tempfile.TemporaryDirectory(prefix="stowage-kpt-") as tmp:
        for name in list(packages):
            packages[name] = [f for f in packages[name] if kpt_reads(args.kpt, f, Path(tmp))]
            if not packages[name]:
                del packages[name]
        for name, files in sorted(packages.items()):
            problems = check_package(name, files, root, args, Path(tmp))
            if problems:
                failed += 1
                print(f"FAIL {name}")
                for p in problems:
                    print(f"  {p}")
            else:
                passed += 1
    print(f"kpt: {passed} packages passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
