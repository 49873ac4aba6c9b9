#!/usr/bin/env python3
"""A stand-in for `stowage post-render` used only to test the judges (corpus_check.py).

Modes (env FAKE_STOWAGE_MODE):
  cat       copy stdin to stdout
  inject    in every block-style workload, insert a container (quoted strings) right after the
            pod spec's `containers:` line — insert-only, valid, idempotent
  bad-bool  like inject, but the env value is an unquoted `yes` (YAML 1.1 boolean)
  dup-key   like inject, but also inserts a second `containers:` key (duplicate mapping key)
  corrupt   like inject, and also changes one byte of the first non-workload document
All modes reject input that is not valid YAML: exit 1, message on stderr, nothing on stdout.
"""
import os
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import streams  # noqa: E402

MARK = "stowage-fake"


def edit(chunk: bytes, mode: str) -> bytes:
    text = chunk.decode("utf-8")
    if MARK in text:
        return chunk
    nl = "\r\n" if "\r\n" in text else "\n"
    lines = text.splitlines(keepends=True)
    for k, line in enumerate(lines):
        m = re.match(r"^(\s*)containers:\s*$", line)
        if not m or k + 1 >= len(lines):
            continue
        nxt = re.match(r"^(\s*)- ", lines[k + 1])
        if not nxt:
            continue
        j = nxt.group(1)
        value = "yes" if mode == "bad-bool" else '"yes"'
        block = [f'{j}- name: "{MARK}"', f'{j}  image: "busybox"', f"{j}  env:",
                 f'{j}  - name: "STOWAGE"', f"{j}    value: {value}"]
        if mode == "dup-key":
            block = [f"{m.group(1)}containers:"] + block
        ins = "".join(b + nl for b in block)
        return "".join(lines[: k + 1] + [ins] + lines[k + 1:]).encode("utf-8")
    return chunk


def main() -> int:
    mode = os.environ.get("FAKE_STOWAGE_MODE", "inject")
    data = sys.stdin.buffer.read()
    try:
        list(streams.kval.load_documents(data.decode("utf-8")))
    except Exception as exc:  # noqa: BLE001
        print(f"fake-stowage: error: {' '.join(str(exc).split())}", file=sys.stderr)
        return 1
    if mode == "cat":
        sys.stdout.buffer.write(data)
        return 0
    out, corrupted = [], False
    for chunk in streams.split_chunks(data):
        obj = streams.chunk_object(chunk)
        if streams.is_workload(obj):
            chunk = edit(chunk, mode)
        elif mode == "corrupt" and not corrupted and obj is not None and b"name: " in chunk:
            chunk = chunk.replace(b"name: ", b"name:  ", 1)
            corrupted = True
        out.append(chunk)
    sys.stdout.buffer.write(b"".join(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
