"""Judge helpers: split YAML streams textually and compare stowage's input with its output.

The contract checked (docs/design.md, "The lossless invariant"): documents stowage did not edit are
copied byte for byte; an edited document is the input document plus inserted text (deleting the
inserted characters gives the input back), and what was there keeps its meaning (every value of the
input is still there, same type).

Splitting is textual, on bytes, like YAML's own document markers: a document starts at a line that
begins with `---` followed by whitespace or the end of the line (column 0; YAML forbids such a line
inside any scalar), and a new one starts after a `...` line. A BOM before the first line is kept in
the first chunk. Each chunk keeps all its bytes (marker line, `# Source:` comments, CRLF, trailing
comments), so joining the chunks gives the stream back exactly.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

import validate as kval

BOM = b"\xef\xbb\xbf"
STOWAGE_CONFIG = ("stowage.dev/", "Persistence")  # in-stream config document (apiVersion prefix, kind)


def _is_marker(line: bytes, marker: bytes) -> bool:
    return line.startswith(marker) and (len(line) == 3 or line[3:4] in (b" ", b"\t", b"\r", b"\n"))


def split_chunks(data: bytes) -> list[bytes]:
    """Split a stream into document chunks; b''.join(result) == data. Empty chunks are dropped."""
    starts = {0}
    pos = 0
    first = True
    for line in data.splitlines(keepends=True):
        probe = line[3:] if first and line.startswith(BOM) else line
        if _is_marker(probe, b"---"):
            starts.add(pos)
        pos += len(line)
        if _is_marker(probe, b"..."):
            starts.add(pos)
        first = False
    bounds = sorted(starts) + [len(data)]
    chunks = [data[a:b] for a, b in zip(bounds, bounds[1:]) if b > a]
    assert b"".join(chunks) == data
    return chunks


def parse_chunk(chunk: bytes) -> list[Any]:
    """The non-empty documents of one chunk (normally 0 or 1). Raises yaml.YAMLError."""
    text = chunk.decode("utf-8")
    return [d for d in kval.load_documents(text) if d is not None]


def chunk_object(chunk: bytes) -> Any:
    """The single object of a chunk, or None (comment-only / empty chunk)."""
    docs = parse_chunk(chunk)
    if len(docs) > 1:
        raise ValueError(f"chunk holds {len(docs)} documents")
    return docs[0] if docs else None


def is_workload(obj: Any) -> bool:
    """A workload kind, or a List holding at least one workload item."""
    if not isinstance(obj, dict):
        return False
    if kval.is_workload_object(obj):
        return True
    if kval.is_list_kind(obj.get("kind")) and isinstance(obj.get("items"), list):
        return any(kval.is_workload_object(i) for i in obj["items"])
    return False


def objects_of(o: Any) -> list[Any]:
    """The items of a List (or any *List), else the object itself."""
    if isinstance(o, dict) and kval.is_list_kind(o.get("kind")) and isinstance(o.get("items"), list):
        return o["items"]
    return [o]


def is_stowage_config(obj: Any) -> bool:
    return (isinstance(obj, dict) and obj.get("kind") == STOWAGE_CONFIG[1]
            and str(obj.get("apiVersion", "")).startswith(STOWAGE_CONFIG[0]))


def is_subsequence(small: bytes, big: bytes) -> bool:
    """True when deleting some bytes of `big` gives `small` (insert-only edit)."""
    if len(small) > len(big):
        return False
    it = iter(big)
    # `b in it` advances the iterator up to and including the first match.
    return all(b in it for b in small)


def is_line_insert_only(small: bytes, big: bytes) -> bool:
    """True when deleting some whole lines of `big` gives `small`."""
    it = iter(big.splitlines(keepends=True))
    return all(line in it for line in small.splitlines(keepends=True))


def contained(a: Any, b: Any, path: str = "", null_is_wild: bool = False) -> str | None:
    """None when every value of `a` is still in `b` with the same type (dict keys may be added,
    list items may be inserted, order kept); else the path of the first difference.
    `null_is_wild`: a null in `a` may have become anything (a re-emitted `env:` null -> list)."""
    if a is None and null_is_wild:
        return None
    if isinstance(a, dict):
        if not isinstance(b, dict):
            return path or "<root>"
        for k, v in a.items():
            if k not in b:
                return f"{path}.{k}" if path else str(k)
            r = contained(v, b[k], f"{path}.{k}" if path else str(k), null_is_wild)
            if r:
                return r
        return None
    if isinstance(a, list):
        if not isinstance(b, list):
            return path or "<root>"
        j = 0
        for i, item in enumerate(a):
            while j < len(b) and contained(item, b[j], "", null_is_wild) is not None:
                j += 1
            if j == len(b):
                return f"{path}[{i}]"
            j += 1
        return None
    if type(a) is not type(b) or a != b:
        return path or "<root>"
    return None


def compose_chunk(chunk: bytes) -> Any:
    """The representation node tree of a chunk's document (or None)."""
    return yaml.compose(chunk.decode("utf-8"), Loader=kval.JudgeLoader)


def _scalar_key(n: Any) -> Any:
    return (n.tag, n.value) if isinstance(n, yaml.ScalarNode) else id(n)


def node_contained(a: Any, b: Any, path: str = "") -> str | None:
    """Like contained(), on node trees, and stricter: every scalar keeps its tag, value and
    style (plain/quoted/block), every collection its flow/block style. None when all is kept,
    else `path: what changed`."""
    here = path or "<root>"
    if a is None or b is None:
        return None if a is b else f"{here}: document became empty or appeared"
    if type(a) is not type(b):
        return f"{here}: {a.id} became {b.id}"
    if isinstance(a, yaml.ScalarNode):
        if a.tag != b.tag or a.value != b.value:
            return f"{here}: {a.value!r} ({a.tag}) became {b.value!r} ({b.tag})"
        if (a.style or "") != (b.style or ""):
            return f"{here}: scalar style of {a.value!r} changed ({a.style or 'plain'!r} -> {b.style or 'plain'!r})"
        return None
    if a.tag != b.tag:
        return f"{here}: tag {a.tag} became {b.tag}"
    if bool(a.flow_style) != bool(b.flow_style):
        return f"{here}: collection style changed (flow -> block or back)"
    if isinstance(a, yaml.MappingNode):
        index = {_scalar_key(k): (k, v) for k, v in b.value}
        for k, v in a.value:
            label = f"{path}.{k.value}" if path and isinstance(k, yaml.ScalarNode) else (
                str(k.value) if isinstance(k, yaml.ScalarNode) else f"{here}.<key>")
            hit = index.get(_scalar_key(k))
            if hit is None:
                return f"{label}: key missing"
            r = node_contained(k, hit[0], label + "<key>") or node_contained(v, hit[1], label)
            if r:
                return r
        return None
    # sequence: input items must appear in order
    j = 0
    for i, item in enumerate(a.value):
        first_err = None
        while j < len(b.value):
            r = node_contained(item, b.value[j], f"{path}[{i}]")
            j += 1
            if r is None:
                break
            first_err = first_err or r
        else:
            return first_err or f"{path}[{i}]: item missing"
    return None


@dataclass
class Comparison:
    equal: int = 0                    # chunks copied byte for byte
    edited: list[tuple[int, int]] = field(default_factory=list)   # (input idx, output idx)
    reemitted: list[int] = field(default_factory=list)             # input idx, subset of edited
    added: list[int] = field(default_factory=list)                 # output idx of added objects
    consumed: list[int] = field(default_factory=list)              # input idx of stowage config docs
    unedited_workloads: list[int] = field(default_factory=list)    # input idx
    char_level_edits: int = 0         # edited chunks that are not line-insert-only (flow style)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _label(chunks: list[bytes], i: int, side: str) -> str:
    try:
        obj = chunk_object(chunks[i])
        what = kval.describe(obj) if obj is not None else "(no object)"
    except Exception:  # noqa: BLE001 - only a label
        what = "(unparsable)"
    return f"{side} document {i + 1} {what}"


def _first_diff(a: bytes, b: bytes) -> str:
    n = next((k for k in range(min(len(a), len(b))) if a[k] != b[k]), min(len(a), len(b)))
    line = a.count(b"\n", 0, n) + 1
    return f"first difference at byte {n} (line {line} of the chunk): " \
           f"{a[n:n + 40]!r} vs {b[n:n + 40]!r}"


def compare_streams(inp: bytes, out: bytes, reemitted_lines: frozenset[int] = frozenset()) -> Comparison:
    """Pair the input's chunks with the output's and check the lossless-output contract.

    `reemitted_lines`: first-line numbers (1-based, in the input) of workload documents that
    stowage said it re-emitted from their value (docs/design.md: an edit point it can't reach
    textually); those need not be insert-only, but must keep every input value (a null may
    have become a value)."""
    res = Comparison()
    a, b = split_chunks(inp), split_chunks(out)
    a_line = [1]
    for c in a:
        a_line.append(a_line[-1] + c.count(b"\n"))
    i = j = 0
    while i < len(a) or j < len(b):
        if i < len(a) and j < len(b) and a[i] == b[j]:
            res.equal += 1
            try:
                if a[i].count(b"kind") and is_workload(chunk_object(a[i])):
                    res.unedited_workloads.append(i)
            except Exception:  # noqa: BLE001 - unparsable input copied verbatim is fine here
                pass
            i += 1
            j += 1
            continue
        a_obj = b_obj = None
        a_err = b_err = None
        if i < len(a):
            try:
                a_obj = chunk_object(a[i])
            except Exception as exc:  # noqa: BLE001
                a_err = exc
        if j < len(b):
            try:
                b_obj = chunk_object(b[j])
            except Exception as exc:  # noqa: BLE001
                b_err = exc
        if i < len(a) and a_err is None and is_stowage_config(a_obj):
            res.consumed.append(i)
            i += 1
            continue
        if j < len(b) and b_err is None and isinstance(b_obj, dict) \
                and b_obj.get("kind") in kval.ADDED_KINDS \
                and (i >= len(a) or not is_subsequence(a[i], b[j])):
            res.added.append(j)
            j += 1
            continue
        if i >= len(a):
            res.problems.append(f"{_label(b, j, 'output')}: extra document not in the input")
            j += 1
            continue
        if j >= len(b):
            res.problems.append(f"{_label(a, i, 'input')}: missing from the output")
            i += 1
            continue
        # a[i] != b[j]: must be an edited workload
        where = (f"input document {i + 1} (line {a_line[i]}) "
                 f"{kval.describe(a_obj) if a_err is None else '(unparsable)'}")
        if a_err is not None or not is_workload(a_obj):
            res.problems.append(f"{where}: not a workload but not copied byte for byte; "
                                + _first_diff(a[i], b[j]))
        elif b_err is not None:
            res.problems.append(f"{where}: edited output does not parse: {' '.join(str(b_err).split())}")
        elif not (is_line_insert_only(a[i], b[j]) or is_subsequence(a[i], b[j])):
            reemitted = a_line[i] in reemitted_lines
            lost = contained(a_obj, b_obj, null_is_wild=True) if reemitted else "-"
            if not reemitted:
                res.problems.append(f"{where}: edit is not insert-only (deleting the inserted text does "
                                    f"not give the input back) and stowage did not say it re-emitted "
                                    f"it; " + _first_diff(a[i], b[j]))
            elif lost is not None:
                res.problems.append(f"{where}: re-emitted document changed or lost a value at {lost}")
            else:
                res.edited.append((i, j))
                res.reemitted.append(i)
        else:
            lost = node_contained(compose_chunk(a[i]), compose_chunk(b[j]))
            if lost is not None:
                res.problems.append(f"{where}: edit changed or lost what was there: {lost}")
            else:
                res.edited.append((i, j))
                if not is_line_insert_only(a[i], b[j]):
                    res.char_level_edits += 1
        i += 1
        j += 1
    return res


def new_problems(before: Any, after: Any, version: str | None = None,
                 strict: bool = True) -> list[str]:
    """Validation problems of `after` (an edited workload or List) that `before` did not have."""
    def probs(o: Any) -> dict[tuple[str, str], kval.Problem]:
        if not isinstance(o, dict):
            return {}
        try:
            return {p.key: p for p in kval.problems_for_object(o, version, strict)}
        except kval.NoSchema:
            return {}

    out: list[str] = []
    b_items, a_items = objects_of(before), objects_of(after)
    for k, item in enumerate(a_items):
        old = probs(b_items[k]) if k < len(b_items) else {}
        prefix = "" if item is after else f"item {k + 1} "
        for key, p in probs(item).items():
            if key not in old:
                out.append(f"{prefix}{kval.describe(item)}: {p}")
    return out
