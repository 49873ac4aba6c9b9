#!/usr/bin/env python3
"""Validate custom resources against the published CRDs of their kinds, as the API server would.

Usage: crd_check.py --crds DIR FILE...

DIR holds CustomResourceDefinitions (apiextensions.k8s.io/v1; `scripts/setup-tools` copies the
projects' own into .tools/crds). Every YAML document of every FILE (`-`: stdin; multi-document
streams; null/empty documents skipped; items of `List`/`*List` documents one by one) whose group
and kind a CRD defines is checked against that CRD's `schema.openAPIV3Schema` for the document's
version, the way kube-apiserver's custom resource handler does on create with
`kubectl apply --validate=strict` (fieldValidation=Strict). Sources below are
k8s.io/apiextensions-apiserver v0.37.2 (`pkg/apiserver/...`) and k8s.io/kube-openapi
v0.0.0-20260721132016-d427ff9ee9ad (`pkg/validation/...`), Helm v4.3.2's dependencies, so in the
Go module cache once `scripts/setup-tools` has built Helm 4:

  1. Unknown fields are errors. A structural schema prunes, not rejects, a field that an object
     node neither lists in `properties` nor allows by `additionalProperties` or
     `x-kubernetes-preserve-unknown-fields: true` (`schema/pruning/algorithm.go` `prune`; a
     `type: object` node with no properties prunes every field). Strict field validation turns
     each pruned path into the error `unknown field "spec.x"` (`customresource_handler.go:1334-1336`,
     `returnUnknownFieldPaths` when the serializer is strict, `:1186-1188`). Here that walk is
     run on the structural part of the schema (properties, additionalProperties, items, not the
     value validations in allOf/anyOf/oneOf/not): the same as `additionalProperties: false` on
     every object node that has neither additionalProperties nor preserve-unknown-fields. Under a
     preserve-unknown-fields node, listed properties are still checked (`skipPrune`). At the root
     (and in `x-kubernetes-embedded-resource` nodes) apiVersion, kind and metadata are not.
     `spec.preserveUnknownFields: true` on the CRD turns the walk off, as on the server.
  2. Then the server drops a null whose field is not `nullable` and has no `default`
     (`schema/defaulting/prunenulls.go`, `customresource_handler.go:1435`): that is not an
     error; it is printed as a note on stderr. A null list item is not dropped.
  3. Then defaults are applied (`schema/defaulting/algorithm.go` `Default`, via the codec), so
     a `required` field that has a default is not missing.
  4. The defaulted object is validated against the schema as kube-openapi does
     (`validation/validation.go:253-412` converts the CRD schema): `nullable: true` allows null,
     and null is checked only for type and enum (`validate/schema.go` `Validate`);
     `x-kubernetes-int-or-string: true` makes the type integer or string; a float with an
     integral value is an integer (`validate/type.go`); `pattern` is a Go regexp (unanchored;
     `$` is the end of the text, not before a final newline; `\\d` is ASCII); `format` is
     checked for strings only and only for the formats the server knows that are implemented
     here (`date-time`/`datetime` as strfmt.IsDateTime, `byte` as govalidator.IsBase64); other
     formats (int32, int64, and any unknown name) are ignored, as the server ignores unknown ones
     (`validation/formats.go`).
  5. `x-kubernetes-list-type: set` items and `map` keys (`x-kubernetes-list-map-keys`) must be
     unique (`schema/listtype/validation.go`).
  6. `metadata` of the object is not described by a CRD schema (the server validates it as
     ObjectMeta): it is only checked to be a mapping.

Not checked: `x-kubernetes-validations` (CEL rules; their number in the schemas used is in the
summary), ObjectMeta rules (name syntax and the like), admission webhooks.

A document of a CRD's group and kind in a version that CRD does not serve is an error (the API
server has no such resource). Documents of other kinds are counted, not checked.

Output: one line per failure on stdout, `FILE: document N KIND/NAME: PATH: message` (`document N
item M` for List items; N counts every YAML document from 1, empty ones included); notes and a
summary on stderr. Exit status: 0 all good; 1 any failure, or no document checked at all; 2 usage
errors, including a --crds directory with no CRDs or with a file that is not a v1 CRD.
"""
from __future__ import annotations

import argparse
import ast
import copy
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

try:
    import jsonschema
    from jsonschema import Draft7Validator, ValidationError
except ImportError as exc:  # pragma: no cover - environment problem
    sys.exit(f"crd_check.py: {exc}; run scripts/setup-python and use .venv/bin/python")

# --------------------------------------------------------------------------------------------
# YAML, read the way Kubernetes' Go decoders read it (as validate.py's JudgeLoader does)

_Base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _no_timestamps(base: type) -> dict:
    # Go (sigs.k8s.io/yaml on yaml.v2) decodes timestamp-like scalars into strings.
    return {k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:timestamp"]
            for k, v in base.yaml_implicit_resolvers.items()}


class CrdLoader(_Base):  # type: ignore[misc, valid-type]
    """For the CRD files: libyaml, timestamps kept as strings."""


CrdLoader.yaml_implicit_resolvers = _no_timestamps(_Base)


# The checked files: timestamps kept as strings, duplicate keys an error (strict field validation
# rejects duplicate fields), the `=` value tag read as a string: validate.py's judge loader.
sys.path.insert(0, str(Path(__file__).resolve().parent))
from validate import JudgeLoader as ManifestLoader  # noqa: E402


# --------------------------------------------------------------------------------------------
# Go regexps and formats

class UsageError(Exception):
    """A problem with the CRDs or the command line: exit 2."""


_GO_REGEXPS: dict[str, re.Pattern] = {}


def go_regexp(pattern: str) -> re.Pattern:
    """Compile a Go (RE2) regexp for `re.search` with Go's meaning: `$` and `\\z` are the end
    of the text (Python's `$` also matches before a final newline), `\\d \\w \\s \\b` are ASCII."""
    rx = _GO_REGEXPS.get(pattern)
    if rx is not None:
        return rx
    out, i, in_class = [], 0, False
    while i < len(pattern):
        c = pattern[i]
        if c == "\\" and i + 1 < len(pattern):
            nxt = pattern[i + 1]
            out.append("\\Z" if nxt == "z" and not in_class else c + nxt)
            i += 2
            continue
        if in_class:
            if c == "]":
                in_class = False
        elif c == "[":
            in_class = True
            out.append(c)
            i += 1
            # a `]` first in a class (or after `^`) is a literal
            if pattern[i:i + 1] == "^":
                out.append("^")
                i += 1
            if pattern[i:i + 1] == "]":
                out.append("]")
                i += 1
            continue
        elif c == "$":
            c = "\\Z"
        out.append(c)
        i += 1
    try:
        rx = re.compile("".join(out), re.ASCII)
    except re.error as exc:
        raise UsageError(f"pattern {pattern!r} is not a regexp Python can run ({exc})") from None
    _GO_REGEXPS[pattern] = rx
    return rx


_DATE_TIME_REST = re.compile(r"^([0-9]{2}):([0-9]{2}):([0-9]{2})(.[0-9]+)?(z|([+-][0-9]{2}:[0-9]{2}))$")
_FULL_DATE = re.compile(r"^([0-9]{4})-([0-9]{2})-([0-9]{2})$")
_BASE64 = re.compile(r"^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{4})$")


def _is_date(s: str) -> bool:
    """Go time.Parse("2006-01-02", s)."""
    import datetime
    m = _FULL_DATE.match(s)
    if not m:
        return False
    try:
        datetime.date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        return False
    return True


def is_date_time(s: str) -> bool:
    """kube-openapi strfmt.IsDateTime (validation/strfmt/time.go:30-46)."""
    if len(s) < 4:
        return False
    parts = s.lower().split("t")
    if len(parts) < 2 or not _is_date(parts[0]):
        return False
    m = _DATE_TIME_REST.search(parts[1])
    return bool(m) and m[1] <= "23" and m[2] <= "59" and m[3] <= "59"


# format name (dashes removed, as strfmt normalises them) -> check; names the server knows but
# that are not implemented here pass, like unknown ones (said in the module docstring).
_FORMATS = {"datetime": is_date_time, "byte": lambda s: bool(_BASE64.match(s))}


# --------------------------------------------------------------------------------------------
# CRD schema -> JSON Schema (draft 7) for the value validations

_COPIED = ("required", "enum", "minLength", "maxLength", "minItems", "maxItems", "uniqueItems",
           "minProperties", "maxProperties", "multipleOf")
_HANDLED = {"description", "default", "example", "title", "externalDocs", "nullable", "type",
            "format", "pattern", "x-kubernetes-int-or-string", "x-kubernetes-preserve-unknown-fields",
            "x-kubernetes-embedded-resource", "x-kubernetes-list-type", "x-kubernetes-list-map-keys",
            "x-kubernetes-map-type", "x-kubernetes-validations", "properties", "additionalProperties",
            "items", "allOf", "anyOf", "oneOf", "not", "maximum", "minimum", "exclusiveMaximum",
            "exclusiveMinimum", "patternProperties", "dependencies"}


def effective_types(node: dict) -> list[str]:
    """The node's types as kube-openapi sees them (validation.go:261-267)."""
    if node.get("x-kubernetes-int-or-string"):
        return ["integer", "string"]
    t = node.get("type")
    return [t] if isinstance(t, str) and t else []


def translate(node: Any, where: str, root: bool = False) -> Any:
    if not isinstance(node, dict):
        raise UsageError(f"{where}: a schema must be a mapping, not {type(node).__name__}")
    unknown = sorted(k for k in node if k not in _HANDLED and k not in _COPIED)
    if unknown:
        raise UsageError(f"{where}: schema keyword(s) {', '.join(unknown)} not supported by crd_check")
    out: dict[str, Any] = {}
    types = effective_types(node)
    nullable = bool(node.get("nullable"))
    if types:
        out["type"] = types + (["null"] if nullable else []) if len(types) > 1 or nullable else types[0]
    for k in _COPIED:
        if k in node:
            out[k] = node[k]
    if "pattern" in node:
        go_regexp(node["pattern"])  # fails now, not in the middle of a run
        out["pattern"] = node["pattern"]
    fmt = node.get("format")
    # formats.go `StripUnsupportedFormatsPostProcessorForVersion`: a string format counts where the
    # type is string or not a single one (int-or-string included).
    if isinstance(fmt, str) and fmt.replace("-", "") in _FORMATS and (len(types) != 1 or types == ["string"]):
        out["format"] = fmt.replace("-", "")
    for bound, excl in (("maximum", "exclusiveMaximum"), ("minimum", "exclusiveMinimum")):
        if bound in node:
            # OpenAPI 3.0 (draft 4): exclusive* are booleans on maximum/minimum.
            out[excl if node.get(excl) is True else bound] = node[bound]
    props = node.get("properties")
    if props is not None:
        out["properties"] = {k: translate(v, f"{where}.properties.{k}") for k, v in props.items()
                             if not (root and k == "metadata")}
    for k in ("patternProperties",):
        if k in node:
            out[k] = {p: translate(v, f"{where}.{k}.{p}") for p, v in node[k].items()}
    if "dependencies" in node:
        out["dependencies"] = {k: (v if isinstance(v, list) else translate(v, f"{where}.dependencies.{k}"))
                               for k, v in node["dependencies"].items()}
    ap = node.get("additionalProperties")
    if isinstance(ap, bool):
        out["additionalProperties"] = ap
    elif ap is not None:
        out["additionalProperties"] = translate(ap, f"{where}.additionalProperties")
    items = node.get("items")
    if isinstance(items, list):
        out["items"] = [translate(v, f"{where}.items[{i}]") for i, v in enumerate(items)]
    elif items is not None:
        out["items"] = translate(items, f"{where}.items")
    for k in ("allOf", "anyOf", "oneOf"):
        if k in node:
            out[k] = [translate(v, f"{where}.{k}[{i}]") for i, v in enumerate(node[k])]
    if "not" in node:
        out["not"] = translate(node["not"], f"{where}.not")
    if root:
        out["required"] = [r for r in out.get("required", []) if r != "metadata"]
        if not out["required"]:
            del out["required"]
    # kube-openapi checks a null for type and enum only (validate/schema.go `Validate` runs
    # validators[0] and [6] for nil data); JSON Schema would also run allOf/anyOf/oneOf/not on it.
    if any(k in out for k in ("allOf", "anyOf", "oneOf", "not")):
        then = {k: out[k] for k in ("type", "enum") if k in out}
        return {"if": {"type": "null"}, "then": then, "else": out}
    return out


def _pattern(validator, pattern, instance, schema):
    if validator.is_type(instance, "string") and not go_regexp(pattern).search(instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


def _format(validator, fmt, instance, schema):
    check = _FORMATS.get(fmt)
    if check and isinstance(instance, str) and not check(instance):
        yield ValidationError(f"{instance!r} is not a valid {fmt} (format {fmt!r})")


KubeValidator = jsonschema.validators.extend(Draft7Validator, {"pattern": _pattern, "format": _format})


# --------------------------------------------------------------------------------------------
# The API server's walks over the structural schema

META_FIELDS = ("apiVersion", "kind", "metadata")


def _sub(node: dict | None, key: str) -> tuple[bool, dict | None]:
    """(known, schema) of a field: a property, else additionalProperties (a bool gives None)."""
    if node is None:
        return False, None
    props = node.get("properties") or {}
    if key in props:
        return True, props[key]
    if "additionalProperties" in node:
        ap = node["additionalProperties"]
        return True, ap if isinstance(ap, dict) else None
    return False, None


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def prune(x: Any, s: dict | None, path: str, unknown: list[str], root: bool = False,
          skip: bool = False) -> None:
    """pruning/algorithm.go `prune`, and `skipPrune` (`skip`, where the schema preserves unknown
    fields: they are kept, known ones still pruned); records unknown field paths (the object is
    not changed)."""
    skip = skip or bool(s and s.get("x-kubernetes-preserve-unknown-fields"))
    if skip and s is None:
        return
    embedded = root or bool(s and s.get("x-kubernetes-embedded-resource"))
    if isinstance(x, dict):
        for k, v in x.items():
            if embedded and k in META_FIELDS:
                continue
            known, sub = _sub(s, k)
            if known:
                prune(v, sub, _join(path, str(k)), unknown)
            elif not skip:
                unknown.append(_join(path, str(k)))
    elif isinstance(x, list):
        for i, v in enumerate(x):
            prune(v, s.get("items") if s is not None else None, f"{path}[{i}]", unknown, skip=skip)


def prune_nulls(x: Any, s: dict | None, path: str, dropped: list[str], root: bool = False) -> None:
    """defaulting/prunenulls.go `PruneNonNullableNullsWithoutDefaults` (changes x)."""
    if isinstance(x, dict):
        for k in list(x):
            if root and k in META_FIELDS:
                continue
            _, sub = _sub(s, k)
            if x[k] is None and sub is not None and not sub.get("nullable") and sub.get("default") is None:
                del x[k]
                dropped.append(_join(path, str(k)))
            else:
                prune_nulls(x[k], sub, _join(path, str(k)), dropped)
    elif isinstance(x, list):
        for i, v in enumerate(x):
            prune_nulls(v, s.get("items") if s is not None else None, f"{path}[{i}]", dropped)


def _non_nullable_null(x: Any, s: dict | None) -> bool:
    return x is None and s is not None and not s.get("nullable")


def apply_defaults(x: Any, s: dict | None, root: bool = False) -> None:
    """defaulting/algorithm.go `Default` (changes x)."""
    if s is None:
        return
    if isinstance(x, dict):
        for k, prop in (s.get("properties") or {}).items():
            if root and k in META_FIELDS or prop.get("default") is None:
                continue
            if k not in x or _non_nullable_null(x[k], prop):
                x[k] = copy.deepcopy(prop["default"])
        ap = s.get("additionalProperties")
        for k in list(x):
            if root and k in META_FIELDS:
                continue
            if k in (s.get("properties") or {}):
                apply_defaults(x[k], s["properties"][k])
            elif isinstance(ap, dict):
                if _non_nullable_null(x[k], ap) and ap.get("default") is not None:
                    x[k] = copy.deepcopy(ap["default"])
                apply_defaults(x[k], ap)
    elif isinstance(x, list):
        items = s.get("items")
        if isinstance(items, dict):
            for i in range(len(x)):
                if _non_nullable_null(x[i], items) and items.get("default") is not None:
                    x[i] = copy.deepcopy(items["default"])
                apply_defaults(x[i], items)


def _set_key(x: Any) -> Any:
    """Go map-key equality of a JSON value (validateListSet): int 1, float 1.0 and true differ."""
    if isinstance(x, (dict, list)):
        return ("json", json.dumps(x, sort_keys=True, separators=(",", ":")))
    return (type(x).__name__, x)


def list_types(x: Any, s: dict | None, path: str, out: list[tuple[str, str]], root: bool = False) -> None:
    """listtype/validation.go `ValidateListSetsAndMaps`."""
    if s is None:
        return
    if isinstance(x, dict):
        ap = s.get("additionalProperties")
        props = s.get("properties") or {}
        for k, v in x.items():
            if root and k in META_FIELDS:
                continue
            if isinstance(ap, dict):
                list_types(v, ap, _join(path, str(k)), out)
            if k in props:
                list_types(v, props[k], _join(path, str(k)), out)
    elif isinstance(x, list):
        lt = s.get("x-kubernetes-list-type")
        if lt == "set":
            for i in _non_unique([_set_key(v) for v in x]):
                out.append((f"{path}[{i}]", f"Duplicate value: {json.dumps(x[i])}"))
        elif lt == "map":
            keys_of = s.get("x-kubernetes-list-map-keys") or []
            bad = next((i for i, v in enumerate(x) if v is not None and not isinstance(v, dict)), None)
            if bad is not None:
                out.append((f"{path}[{bad}]", "Invalid value: must be an object for an array of list-type map"))
            else:
                keys = []
                for v in x:
                    if len(keys_of) == 1:
                        k = keys_of[0]
                        keys.append(("unspecified",) if v is None or k not in v else _set_key(v[k]))
                    else:
                        keys.append(_set_key({k: v[k] for k in keys_of if v is not None and k in v}))
                for i in _non_unique(keys):
                    shown = {k: x[i][k] for k in keys_of if isinstance(x[i], dict) and k in x[i]}
                    out.append((f"{path}[{i}]", f"Duplicate value: {json.dumps(shown)}"))
        items = s.get("items")
        if isinstance(items, dict):
            for i, v in enumerate(x):
                list_types(v, items, f"{path}[{i}]", out)


def _non_unique(keys: list) -> list[int]:
    """The index of each value's second appearance (validateListSet)."""
    seen: dict[Any, int] = {}
    out = []
    for i, k in enumerate(keys):
        seen[k] = seen.get(k, 0) + 1
        if seen[k] == 2:
            out.append(i)
    return out


def count_cel_rules(node: Any) -> int:
    if not isinstance(node, dict):
        return 0
    n = len(node.get("x-kubernetes-validations") or [])
    for k in ("properties", "patternProperties"):
        n += sum(count_cel_rules(v) for v in (node.get(k) or {}).values())
    for k in ("items", "additionalProperties", "not"):
        n += count_cel_rules(node.get(k))
    for k in ("allOf", "anyOf", "oneOf"):
        n += sum(count_cel_rules(v) for v in node.get(k) or [])
    return n


# --------------------------------------------------------------------------------------------
# CRDs

@dataclass
class Version:
    group: str
    kind: str
    name: str
    schema: dict
    preserve_unknown_fields: bool   # the CRD's spec.preserveUnknownFields
    source: str
    _validator: Any = None

    @property
    def validator(self):
        if self._validator is None:
            self._validator = KubeValidator(translate(self.schema, f"{self.source} {self.name}", root=True))
        return self._validator

    @property
    def gvk(self) -> str:
        return f"{self.kind}.{self.group}/{self.name}"


@dataclass
class Crds:
    directory: str
    files: int = 0
    versions: dict[tuple[str, str, str], Version] = field(default_factory=dict)   # (group, version, kind)
    kinds: dict[tuple[str, str], list[str]] = field(default_factory=dict)          # (group, kind) -> served versions


def load_crds(directory: str | Path) -> Crds:
    d = Path(directory)
    if not d.is_dir():
        raise UsageError(f"--crds {d}: not a directory (run scripts/setup-tools for .tools/crds)")
    crds = Crds(str(d))
    seen: dict[tuple[str, str], str] = {}
    for f in sorted(d.iterdir()):
        if f.name.startswith(".") or f.suffix not in (".yaml", ".yml", ".json") or not f.is_file():
            continue
        try:
            docs = [x for x in yaml.load_all(f.read_bytes(), Loader=CrdLoader) if x is not None]
        except yaml.YAMLError as exc:
            raise UsageError(f"{f}: YAML error: {' '.join(str(exc).split())}") from None
        if not docs:
            raise UsageError(f"{f}: no document")
        crds.files += 1
        for i, crd in enumerate(docs, 1):
            where = f"{f.name} document {i}"
            if not (isinstance(crd, dict) and crd.get("kind") == "CustomResourceDefinition"
                    and crd.get("apiVersion") == "apiextensions.k8s.io/v1"):
                what = f"{crd.get('apiVersion')} {crd.get('kind')}" if isinstance(crd, dict) else type(crd).__name__
                raise UsageError(f"{where}: {what} is not an apiextensions.k8s.io/v1 CustomResourceDefinition")
            spec = crd.get("spec") or {}
            group, kind = spec.get("group"), (spec.get("names") or {}).get("kind")
            if not isinstance(group, str) or not isinstance(kind, str):
                raise UsageError(f"{where}: spec.group or spec.names.kind missing")
            if (group, kind) in seen:
                raise UsageError(f"{where}: {kind}.{group} is also defined in {seen[group, kind]}")
            seen[group, kind] = where
            served = crds.kinds.setdefault((group, kind), [])
            for v in spec.get("versions") or []:
                if not v.get("served"):
                    continue
                schema = (v.get("schema") or {}).get("openAPIV3Schema")
                if not isinstance(schema, dict):
                    raise UsageError(f"{where}: served version {v.get('name')} has no openAPIV3Schema")
                served.append(v["name"])
                crds.versions[group, v["name"], kind] = Version(
                    group, kind, v["name"], schema, bool(spec.get("preserveUnknownFields")), f.name)
    if not crds.versions:
        raise UsageError(f"--crds {d}: no CustomResourceDefinition with a served version "
                         "(run scripts/setup-tools for .tools/crds)")
    return crds


# --------------------------------------------------------------------------------------------
# Checking

_REQUIRED = re.compile(r"""^('.*'|".*") is a required property$""")


def _error_path(err: ValidationError) -> str:
    out = ""
    for p in err.absolute_path:
        out = f"{out}[{p}]" if isinstance(p, int) else _join(out, str(p))
    return out


def object_problems(obj: dict, version: Version) -> tuple[list[tuple[str, str]], list[str]]:
    """(failures as (path, message), notes) for one object of a known group/version/kind."""
    out: list[tuple[str, str]] = []
    notes: list[str] = []
    meta = obj.get("metadata")
    if not isinstance(meta, dict):
        out.append(("metadata", "Required value" if meta is None else
                    f"must be a mapping, not {type(meta).__name__}"))
    x = copy.deepcopy(obj)
    if not version.preserve_unknown_fields:
        unknown: list[str] = []
        prune(x, version.schema, "", unknown, root=True)
        out += [(p, f'unknown field "{p}"') for p in sorted(unknown)]
        dropped: list[str] = []
        prune_nulls(x, version.schema, "", dropped, root=True)
        notes += [f"{p}: null for a field that is not nullable and has no default; the API server drops it"
                  for p in dropped]
    apply_defaults(x, version.schema, root=True)
    x.pop("metadata", None)
    errors = []
    for err in version.validator.iter_errors(x):
        path, msg = _error_path(err), err.message
        missing = _REQUIRED.match(msg) if err.validator == "required" else None
        if missing:  # the path of the missing field, as the server says it
            path, msg = _join(path, ast.literal_eval(missing[1])), "Required value"
        errors.append((path or ".", msg))
    out += sorted(errors)
    list_types(x, version.schema, "", out, root=True)
    return out, notes


def describe(obj: Any) -> str:
    if not isinstance(obj, dict):
        return f"<{type(obj).__name__}>"
    meta = obj.get("metadata") if isinstance(obj.get("metadata"), dict) else {}
    name = meta.get("name") or meta.get("generateName") or "<no name>"
    return f"{obj.get('kind') or '<no kind>'}/{name}"


def split_api_version(api_version: Any) -> tuple[str, str] | None:
    """(group, version) as schema.ParseGroupVersion; None if it is not one."""
    if not isinstance(api_version, str) or not api_version:
        return None
    parts = api_version.split("/")
    if len(parts) == 1:
        return "", parts[0]
    if len(parts) == 2 and parts[0] and parts[1]:
        return parts[0], parts[1]
    return None


def _n(n: int, what: str) -> str:
    return f"{n} {what}{'' if n == 1 else 's'}"


@dataclass
class Report:
    documents: int = 0
    empty: int = 0
    checked: int = 0
    invalid: int = 0
    other: dict[str, int] = field(default_factory=dict)
    used: set[tuple[str, str, str]] = field(default_factory=set)
    lines: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    other_failures: int = 0       # YAML errors, non-mapping documents, unreadable files

    @property
    def ok(self) -> bool:
        return not self.lines and self.checked > 0

    def summary(self, crds: Crds) -> str:
        schemas = len(self.used)
        cel = sum(count_cel_rules(crds.versions[k].schema) for k in self.used)
        head = (f"{_n(self.checked, 'object')} valid" if not self.lines
                else f"{self.invalid} of {_n(self.checked, 'object')} invalid")
        s = f"crd_check: {head} against {_n(schemas, 'CRD schema')}"
        n = sum(self.other.values())
        extra = [f"{_n(n, 'document')} of other kinds not checked"
                 + (": " + ", ".join(f"{k}×{v}" for k, v in sorted(self.other.items(),
                                                                   key=lambda kv: (-kv[1], kv[0]))) if n else "")]
        if self.empty:
            extra.append(f"{self.empty} empty")
        if self.other_failures:
            extra.append(f"{self.other_failures} unreadable")
        s += f" ({'; '.join(extra)})"
        s += (f"; {_n(len(crds.versions), 'served version')} of {_n(len(crds.kinds), 'kind')} from "
              f"{_n(crds.files, 'file')} in {crds.directory}")
        if cel:
            s += f"; {_n(cel, 'x-kubernetes-validations (CEL) rule')} in the schemas used not evaluated"
        if self.checked == 0:
            s += "; nothing was checked: no document of a kind these CRDs define"
        return s


def check_object(obj: Any, where: str, crds: Crds, report: Report) -> None:
    if not isinstance(obj, dict):
        report.other_failures += 1
        report.lines.append(f"{where}: not a mapping ({type(obj).__name__})")
        return
    kind = obj.get("kind")
    if isinstance(kind, str) and (kind == "List" or kind.endswith("List")) and "items" in obj:
        items = obj.get("items")
        if items is not None and not isinstance(items, list):
            report.other_failures += 1
            report.lines.append(f"{where} {describe(obj)}: items: must be a list")
            return
        for i, item in enumerate(items or []):
            check_object(item, f"{where} item {i + 1}", crds, report)
        return
    gv = split_api_version(obj.get("apiVersion"))
    served = crds.kinds.get((gv[0], kind)) if gv and isinstance(kind, str) else None
    if served is None:
        key = f"{kind if isinstance(kind, str) else '<no kind>'} {obj.get('apiVersion') or '<no apiVersion>'}"
        report.other[key] = report.other.get(key, 0) + 1
        return
    report.checked += 1
    version = crds.versions.get((gv[0], gv[1], kind))
    if version is None:
        report.invalid += 1
        report.lines.append(f"{where} {describe(obj)}: apiVersion: {obj.get('apiVersion')} is not a served "
                            f"version of {kind}.{gv[0]} (served: {', '.join(served) or 'none'})")
        return
    report.used.add((gv[0], gv[1], kind))
    probs, notes = object_problems(obj, version)
    if probs:
        report.invalid += 1
    for path, msg in probs:
        report.lines.append(f"{where} {describe(obj)}: {path}: {msg}")
    for n in notes:
        report.notes.append(f"{where} {describe(obj)}: {n}")


def check_text(text: str, name: str, crds: Crds, report: Report | None = None) -> Report:
    report = report or Report()
    n = 0
    try:
        for doc in yaml.load_all(text, Loader=ManifestLoader):
            n += 1
            report.documents += 1
            if doc is None:
                report.empty += 1
                continue
            check_object(doc, f"{name}: document {n}", crds, report)
    except yaml.YAMLError as exc:
        report.other_failures += 1
        report.lines.append(f"{name}: document {n + 1}: YAML error: {' '.join(str(exc).split())}")
    return report


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="crd_check.py", description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--crds", required=True, metavar="DIR",
                    help="directory of apiextensions.k8s.io/v1 CRDs (.tools/crds, scripts/setup-tools)")
    ap.add_argument("files", nargs="+", metavar="FILE", help="manifest files; '-' for stdin")
    args = ap.parse_args(argv)
    try:
        crds = load_crds(args.crds)
        report = Report()
        for f in args.files:
            if f == "-":
                name, data = "<stdin>", sys.stdin.buffer.read()
            else:
                name = f
                try:
                    data = Path(f).read_bytes()
                except OSError as exc:
                    raise UsageError(f"{f}: {exc.strerror}") from None
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError as exc:
                report.other_failures += 1
                report.lines.append(f"{name}: not UTF-8: {exc}")
                continue
            check_text(text, name, crds, report)
    except UsageError as exc:
        print(f"crd_check: error: {exc}", file=sys.stderr)
        return 2
    for line in report.lines:
        print(line)
    for note in report.notes:
        print(f"note: {note}", file=sys.stderr)
    print(report.summary(crds), file=sys.stderr)
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
