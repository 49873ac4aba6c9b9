"""Self-tests of the python judges (validate.py, streams.py, corpus_check.py, crd_check.py).

Run: .venv/bin/python -m pytest -q tests/k8s
"""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
CORPUS = ROOT / "testdata" / "corpus"
sys.path.insert(0, str(HERE))

import kubernetes_validate.utils as kv  # noqa: E402
import crd_check  # noqa: E402
import streams  # noqa: E402
import validate  # noqa: E402


def doc(s: str) -> str:
    return textwrap.dedent(s).lstrip("\n")


DEPLOY = doc("""
    apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: web
    spec:
      selector:
        matchLabels: {app: web}
      template:
        metadata:
          labels: {app: web}
        spec:
          containers:
          - name: web
            image: nginx
            volumeMounts:
            - name: data
              mountPath: /data
          volumes:
          - name: data
            emptyDir: {}
    """)


def problems(text: str, strict: bool = True, **kw) -> list[str]:
    return validate.check_text(text, "t", strict=strict, **kw).lines


# ---------------------------------------------------------------- validate.py

def test_pinned_kube_version_is_the_newest_bundled():
    assert validate.KUBE_VERSION == validate.newest_bundled_version() == "1.37"


def test_valid_deployment_passes_strict():
    assert problems(DEPLOY) == []


def test_bad_volume_name_fails():
    bad = DEPLOY.replace("      - name: data\n        emptyDir", "      - name: X_bad\n        emptyDir")
    out = problems(bad)
    assert any("volumes[0].name" in p and "DNS-1123 label" in p for p in out), out
    assert any("volumeMounts[0].name" in p and "Not found" in p for p in out), out


def test_unknown_field_fails_only_in_strict():
    bad = DEPLOY.replace("        image: nginx\n", "        image: nginx\n        volumeMount: []\n")
    assert any("volumeMount" in p and "Additional properties" in p for p in problems(bad)), problems(bad)
    assert problems(bad, strict=False) == []


def test_yaml11_boolean_env_value_fails():
    pod = doc("""
        apiVersion: v1
        kind: Pod
        metadata: {name: p}
        spec:
          containers:
          - name: c
            image: busybox
            env:
            - name: FLAG
              value: yes
        """)
    out = problems(pod, strict=False)
    assert out and "env[0].value: True is not of type 'string'" in out[0], out
    assert problems(pod.replace("value: yes", 'value: "yes"')) == []
    # octal file modes are numbers in YAML 1.1 and valid; a string mode is not
    assert problems(pod.replace("value: yes", "value: '0644'")) == []


def test_duplicate_key_is_an_error():
    bad = DEPLOY.replace("      volumes:\n", "      volumes: []\n      volumes:\n")
    out = problems(bad)
    assert len(out) == 1 and "duplicate key 'volumes'" in out[0], out


def test_semantic_rules():
    cases = {
        "duplicate volume": (DEPLOY.replace("        emptyDir: {}\n", "        emptyDir: {}\n      - name: data\n        emptyDir: {}\n"), "Duplicate value"),
        "duplicate mountPath": (DEPLOY.replace("          mountPath: /data\n", "          mountPath: /data\n        - name: data\n          mountPath: /data\n"), "must be unique"),
        "two sources": (DEPLOY.replace("        emptyDir: {}\n", "        emptyDir: {}\n        hostPath: {path: /x}\n"), "more than 1 volume type"),
        "hostPath backsteps": (DEPLOY.replace("        emptyDir: {}\n", "        hostPath: {path: /x/../etc}\n"), "must not contain '..'"),
        "subPath absolute": (DEPLOY.replace("          mountPath: /data\n", "          mountPath: /data\n          subPath: /abs\n"), "relative path"),
        "duplicate env": (DEPLOY.replace("        image: nginx\n", "        image: nginx\n        env: [{name: A, value: x}, {name: A, value: y}]\n"), "duplicate env name"),
        "env name with =": (DEPLOY.replace("        image: nginx\n", "        image: nginx\n        env: [{name: 'A=B', value: x}]\n"), "except '='"),
        "secret key": (DEPLOY.replace("        image: nginx\n", "        image: nginx\n        env: [{name: A, valueFrom: {secretKeyRef: {name: Bad_Name, key: 'a b'}}}]\n"), "DNS-1123 subdomain"),
        "file mode": (DEPLOY.replace("        emptyDir: {}\n", "        secret: {secretName: s, defaultMode: 01000}\n"), "between 0 and 0777"),
        "claim name": (DEPLOY.replace("        emptyDir: {}\n", "        persistentVolumeClaim: {claimName: ''}\n"), "Required value"),
        "annotation key": (DEPLOY.replace("      labels: {app: web}\n    spec:\n      containers", "      labels: {app: web}\n      annotations: {'a/b/c': x}\n    spec:\n      containers"), "at most one '/'"),
        "container name": (DEPLOY.replace("      - name: web\n        image", "      - name: Web\n        image"), "DNS-1123 label"),
    }
    for what, (text, needle) in cases.items():
        assert text != DEPLOY, what
        out = problems(text)
        assert any(needle in p for p in out), (what, out)


def test_no_source_volume_is_emptydir_default():
    assert problems(DEPLOY.replace("        emptyDir: {}\n", "")) == []


def test_statefulset_claim_templates_are_mountable():
    path = CORPUS / "istio/samples/addons/loki.yaml"
    assert validate.check_text(path.read_text(), str(path), strict=True).lines == []


def test_crd_kinds_and_null_docs_are_counted_not_failed():
    text = "---\n# only a comment\n---\napiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n---\n" + DEPLOY
    r = validate.check_text(text, "t", strict=True)
    assert r.ok and r.validated == 1 and r.empty == 1
    assert r.no_schema == {"Widget example.com/v1": 1}
    assert "skipped without a schema" in r.summary()


def test_list_items_are_validated_one_by_one():
    item = textwrap.indent(DEPLOY, "  ").replace("  apiVersion: apps/v1", "- apiVersion: apps/v1", 1)
    lst = "apiVersion: v1\nkind: List\nitems:\n" + item
    r = validate.check_text(lst, "t", strict=True)
    assert r.ok and r.validated == 1, r.lines
    bad = lst.replace("- name: data\n          emptyDir", "- name: X_bad\n          emptyDir")
    assert bad != lst
    out = validate.check_text(bad, "t", strict=True).lines
    assert out and out[0].startswith("t: document 1 item 1 Deployment/web:"), out


def test_kinds_filter():
    text = DEPLOY + "---\napiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {bogus: 1}\n"
    assert problems(text)  # the Service is bad under strict
    assert validate.check_text(text, "t", strict=True, kinds=validate.parse_kinds("workloads")).ok


def test_agrees_with_kubernetes_validate_api():
    """Our cached validator picks the same schema as kubernetes_validate.utils.validate()."""
    texts = [DEPLOY, DEPLOY.replace("        image: nginx\n", "        image: nginx\n        bogus: 1\n")]
    for path in ["istio/samples/addons/kiali.yaml", "kubernetes-examples/_archived/elasticsearch/es-rc.yaml"]:
        texts.append((CORPUS / path).read_text())
    for text in texts:
        for obj in validate.load_documents(text):
            if not obj:
                continue
            for strict in (False, True):
                ours = validate.schema_problems(obj, validate.latest_version(), strict)
                try:
                    kv.validate(obj, validate.latest_version(), strict)
                    theirs_ok = True
                except kv.ValidationError:
                    theirs_ok = False
                assert (not ours) == theirs_ok, (validate.describe(obj), strict, ours)


def test_whole_subset_corpus_is_valid_except_known_inputs():
    """Input files are real manifests; only these known problems exist in them."""
    files = [p for p in sorted(CORPUS.rglob("*")) if p.is_file() and p.suffix in {".yaml", ".json", ".txt"}
             and p.name != "expect-fail.txt" and "LICENSES" not in p.parts]
    bad = {}
    for p in files:
        r = validate.check_text(p.read_bytes().decode("utf-8"), p.relative_to(CORPUS).as_posix(), strict=True)
        if r.lines:
            bad[p.relative_to(CORPUS).as_posix()] = r.lines
    assert set(bad) == {
        "helm/pkg/cmd/testdata/output/template-with-invalid-yaml-debug.txt",  # invalid YAML
        "kyverno/test/cli/test/autogen/resources.yaml",  # partial workloads, upper-case names
    }, bad


def test_cli_exit_codes(tmp_path):
    good, bad = tmp_path / "good.yaml", tmp_path / "bad.yaml"
    good.write_text(DEPLOY)
    bad.write_text(DEPLOY.replace("image: nginx", "image: nginx\n        env: [{name: A, value: yes}]"))
    cmd = [sys.executable, str(HERE / "validate.py"), "--strict"]
    r = subprocess.run(cmd + [str(good)], capture_output=True, text=True)
    assert r.returncode == 0 and r.stdout == "" and "1 validated" in r.stderr, r
    r = subprocess.run(cmd + [str(good), str(bad)], capture_output=True, text=True)
    assert r.returncode == 1, r
    assert r.stdout.splitlines() == [
        f"{bad}: document 1 Deployment/web: spec.template.spec.containers[0].env[0].value: "
        "True is not of type 'string', 'null'"]
    r = subprocess.run(cmd, input=DEPLOY, capture_output=True, text=True)
    assert r.returncode == 0, r
    r = subprocess.run(cmd + ["--kinds", "Service"], input=DEPLOY, capture_output=True, text=True)
    assert r.returncode == 0 and "not selected by --kinds" in r.stderr, r


# ---------------------------------------------------------------- streams.py

@pytest.mark.parametrize("data", [
    b"",
    b"a: 1\n",
    b"---\na: 1\n---\nb: 2",
    b"\xef\xbb\xbf---\r\na: 1\r\n--- \r\nb: 2\r\n",
    b"# c\n---\n# Source: x\n---\na: |\n  ---x\n  --- not a marker inside a scalar (indented)\n...\n---\nb: 1\n",
    b"a: 1\n...\n# trailing\n",
    b"--- {a: 1}\n--- [1, 2]\n---\n",
    b'{"kind": "Pod"}',
])
def test_split_roundtrip(data):
    chunks = streams.split_chunks(data)
    assert b"".join(chunks) == data
    for c in chunks:
        assert len(streams.parse_chunk(c)) <= 1, c


def test_split_boundaries():
    data = b"---\n# Source: a\nkind: A\n---\n# Source: b\n...\n---\nkind: B\n"
    assert streams.split_chunks(data) == [b"---\n# Source: a\nkind: A\n", b"---\n# Source: b\n...\n",
                                           b"---\nkind: B\n"]
    assert streams.split_chunks(b"---x: 1\n") == [b"---x: 1\n"]  # not a marker


def test_split_matches_pyyaml_on_corpus():
    for p in sorted(CORPUS.rglob("*")):
        if not p.is_file() or p.suffix not in {".yaml", ".json", ".txt"} or "LICENSES" in p.parts \
                or p.name == "expect-fail.txt" or "invalid-yaml" in p.name:
            continue
        data = p.read_bytes()
        n = sum(len(streams.parse_chunk(c)) for c in streams.split_chunks(data))
        assert n == sum(1 for d in validate.load_documents(data.decode()) if d is not None), p
        assert streams.compare_streams(data, data).ok


def test_subsequence_and_containment():
    assert streams.is_subsequence(b"ace", b"abcde") and not streams.is_subsequence(b"aec", b"abcde")
    assert streams.is_line_insert_only(b"a\nc\n", b"a\nb\nc\n")
    assert streams.contained({"a": [1, {"b": "x"}]}, {"a": [0, 1, {"b": "x", "c": 2}], "d": 1}) is None
    assert streams.contained({"v": "yes"}, {"v": True}) == "v"
    assert streams.contained({"m": 420}, {"m": "0644"}) == "m"
    assert streams.contained({"l": [1, 2]}, {"l": [2, 1]}) == "l[1]"


INPUT = (b"---\n# Source: c/templates/cm.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm}\n"
         b"data: {a: 'yes'}\n---\n# Source: c/templates/deploy.yaml\n" + DEPLOY.encode())


def _edit(inp: bytes, old: bytes, new: bytes) -> bytes:
    assert old in inp
    return inp.replace(old, new, 1)


def test_compare_accepts_insert_only_edit():
    out = _edit(INPUT, b"      volumes:\n", b"      volumes:\n      - name: \"outputs\"\n        hostPath: {path: \"/o\"}\n")
    r = streams.compare_streams(INPUT, out)
    assert r.ok and r.equal == 1 and r.edited == [(1, 1)], r.problems


def test_compare_accepts_flow_style_edit():
    inp = INPUT.replace(b"      volumes:\n      - name: data\n        emptyDir: {}\n",
                        b"      volumes: [{name: data, emptyDir: {}}]\n")
    out = _edit(inp, b"emptyDir: {}}]", b"emptyDir: {}}, {name: \"o\", emptyDir: {}}]")
    r = streams.compare_streams(inp, out)
    assert r.ok and r.char_level_edits == 1, r.problems


def test_compare_rejects_changed_non_workload():
    out = _edit(INPUT, b"data: {a: 'yes'}", b"data: {a: \"yes\"}")  # same meaning, other bytes
    r = streams.compare_streams(INPUT, out)
    assert not r.ok and "not a workload but not copied byte for byte" in r.problems[0]


def test_compare_rejects_requoting_inside_workload():
    inp = _edit(INPUT, b"image: nginx", b"image: 'nginx'")
    out = _edit(inp, b"image: 'nginx'", b"image: \"nginx\"")
    r = streams.compare_streams(inp, out)
    assert not r.ok and "not insert-only" in r.problems[0], r.problems


def test_compare_rejects_changed_meaning_even_if_insert_only():
    inp = _edit(INPUT, b"image: nginx", b"image: nginx\n        args: [o, n]")
    out = _edit(inp, b"args: [o, n]", b"args: [o, n, \"x\"]")
    assert streams.compare_streams(inp, out).ok
    out = _edit(inp, b"args: [o, n]", b"args: [o, n]\n        env: [{name: A, value: \"1\"}]")
    assert streams.compare_streams(inp, out).ok
    for changed in (b"args: [oo, n]", b"args: [on, n]", b"args: [o, n, o]\n"):
        out = _edit(inp, b"args: [o, n]", changed)
        r = streams.compare_streams(inp, out)
        # [o, n, o] keeps o and n in order: a legitimate insertion
        if changed.startswith(b"args: [o, n, o]"):
            assert r.ok, r.problems
        else:
            assert not r.ok and "changed or lost what was there" in r.problems[0], r.problems


def test_compare_missing_extra_added_consumed():
    a, b = streams.split_chunks(INPUT)
    assert "missing from the output" in streams.compare_streams(INPUT, a).problems[0]
    extra = b"---\napiVersion: v1\nkind: Service\nmetadata: {name: s}\n"
    assert "extra document" in streams.compare_streams(INPUT, INPUT + extra).problems[0]
    pvc = b"---\napiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: p}\nspec: {}\n"
    r = streams.compare_streams(INPUT, pvc + INPUT)
    assert r.ok and r.added == [0]
    cfg = b"---\napiVersion: stowage.dev/v1alpha1\nkind: Persistence\nspec: {}\n"
    r = streams.compare_streams(cfg + INPUT, INPUT)
    assert r.ok and r.consumed == [0]


def test_new_problems_only_reports_what_the_edit_introduced():
    before = next(validate.load_documents(DEPLOY.replace("        image: nginx\n", "        image: nginx\n        bogus: 1\n")))
    after = next(validate.load_documents(DEPLOY.replace("        image: nginx\n", "        image: nginx\n        bogus: 1\n        env: [{name: A, value: yes}]\n")))
    out = streams.new_problems(before, after)
    assert len(out) == 1 and "env[0].value" in out[0], out


# ---------------------------------------------------------------- corpus_check.py with a fake binary

@pytest.fixture(scope="module")
def fake_bin(tmp_path_factory):
    d = tmp_path_factory.mktemp("fake")
    b = d / "stowage"
    b.write_text(f"#!/bin/sh\nexec '{sys.executable}' '{HERE / 'fake_stowage.py'}'\n")
    b.chmod(0o755)
    values = d / "values.yaml"
    values.write_text("persistence: {}\n")
    return b, values


def _corpus_check(fake_bin, mode: str, files: list[str], tmp_path) -> subprocess.CompletedProcess:
    corpus = tmp_path / "corpus"
    for f in files:
        (corpus / f).parent.mkdir(parents=True, exist_ok=True)
        (corpus / f).write_bytes((CORPUS / f).read_bytes())
    b, values = fake_bin
    return subprocess.run(
        [sys.executable, str(HERE / "corpus_check.py"), "--bin", str(b), "--values", str(values),
         "--expect-fail", str(CORPUS / "expect-fail.txt"), str(corpus)],
        capture_output=True, text=True, env={**os.environ, "FAKE_STOWAGE_MODE": mode})


FEW = ["helm/pkg/cmd/testdata/output/template-with-crds.txt",
       "helm/pkg/cmd/testdata/output/template-with-invalid-yaml-debug.txt",
       "kubernetes-examples/_archived/sysdig-cloud/sysdig-daemonset.yaml",  # CRLF
       "istio/pkg/kube/inject/testdata/inject/list.yaml",
       "istio/samples/addons/kiali.yaml"]


@pytest.mark.parametrize("mode,ok,needle", [
    ("cat", True, "corpus: 5 passed, 0 failed"),
    ("inject", True, "corpus: 5 passed, 0 failed"),
    ("bad-bool", False, "True is not of type 'string'"),
    ("dup-key", False, "found duplicate key 'containers'"),
    ("corrupt", False, "not copied byte for byte"),
])
def test_corpus_check_modes(fake_bin, tmp_path, mode, ok, needle):
    r = _corpus_check(fake_bin, mode, FEW, tmp_path)
    assert (r.returncode == 0) == ok, r.stdout + r.stderr
    assert needle in r.stdout, r.stdout


def test_corpus_check_expect_fail_must_fail(fake_bin, tmp_path):
    """A file listed in expect-fail.txt that stowage accepts is a failure."""
    corpus = tmp_path / "corpus"
    (corpus / "helm/pkg/cmd/testdata/output").mkdir(parents=True)
    (corpus / "helm/pkg/cmd/testdata/output/template-with-invalid-yaml-debug.txt").write_text("a: 1\n")
    b, values = fake_bin
    r = subprocess.run([sys.executable, str(HERE / "corpus_check.py"), "--bin", str(b), "--values", str(values),
                        "--expect-fail", str(CORPUS / "expect-fail.txt"), str(corpus)],
                       capture_output=True, text=True, env={**os.environ, "FAKE_STOWAGE_MODE": "cat"})
    assert r.returncode == 1 and "expected exit 1" in r.stdout, r.stdout


def test_compare_reemitted_document_needs_stowages_note():
    inp = _edit(INPUT, b"image: nginx", b"image: nginx\n        env:")
    out = _edit(inp, b"image: nginx\n        env:",
                b'image: "nginx"\n        env:\n        - name: "A"\n          value: "1"')
    out = _edit(out, b"matchLabels: {app: web}", b"matchLabels:\n      app: web")
    start = inp.count(b"\n", 0, inp.index(b"---\n# Source: c/templates/deploy.yaml")) + 1
    r = streams.compare_streams(inp, out)
    assert not r.ok and "did not say it re-emitted" in r.problems[0], r.problems
    r = streams.compare_streams(inp, out, frozenset({start}))
    assert r.ok and r.reemitted == [1], r.problems
    bad = out.replace(b'image: "nginx"', b'image: "nginx2"')
    r = streams.compare_streams(inp, bad, frozenset({start}))
    assert not r.ok and "re-emitted document changed or lost a value" in r.problems[0], r.problems
    import corpus_check
    assert corpus_check.reemitted_lines(
        b"note: document 2 (line %d), Deployment/web: `env` is null; this document was re-emitted\n" % start
    ) == {start}


def test_compare_rejects_style_changes_inside_an_edited_workload():
    """Quoting an existing scalar is insert-only text, but it re-emits what was there."""
    out = _edit(INPUT, b"image: nginx", b'image: "nginx"')
    out = _edit(out, b"      volumes:\n", b"      volumes:\n      - {name: o, emptyDir: {}}\n")
    r = streams.compare_streams(INPUT, out)
    assert not r.ok and "scalar style of 'nginx' changed" in r.problems[0], r.problems
    # a scalar that becomes a different type
    inp = _edit(INPUT, b"image: nginx", b"image: nginx\n        args: [on]")
    out = _edit(inp, b"args: [on]", b'args: ["on", x]')
    r = streams.compare_streams(inp, out)
    assert not r.ok, r.problems


def test_node_contained_flow_to_block_is_a_change():
    a = streams.compose_chunk(b"a: {b: 1}\n")
    assert "collection style" in streams.node_contained(a, streams.compose_chunk(b"a:\n  b: 1\n"))
    assert streams.node_contained(a, streams.compose_chunk(b"a: {b: 1, c: 2}\nd: 3\n")) is None


# --- kpt_check.py -------------------------------------------------------------------------------

def test_kpt_check_accepts_insertions_only():
    import kpt_check
    before = "a:\n  env: []\n  b: 1\n"
    assert kpt_check.only_insertions(before, "a:\n  env: [{x: 1}]\n  b: 1\n  c: 2\n") == []
    assert kpt_check.only_insertions(before, "a:\n  env: []\n  b: 2\n") == ["line 3:   b: 1"]
    assert kpt_check.only_insertions(before, "a:\n  b: 1\n") == ["line 2:   env: []"]


# --- crd_check.py -------------------------------------------------------------------------------

# A tiny CRD (so these tests need no .tools): one served version, one unserved.
WIDGET_CRD = doc("""
    apiVersion: apiextensions.k8s.io/v1
    kind: CustomResourceDefinition
    metadata: {name: widgets.example.com}
    spec:
      group: example.com
      names: {kind: Widget, listKind: WidgetList, plural: widgets, singular: widget}
      scope: Namespaced
      versions:
      - name: v1
        served: true
        storage: true
        schema:
          openAPIV3Schema:
            type: object
            properties:
              apiVersion: {type: string}
              kind: {type: string}
              metadata: {type: object}
              spec:
                type: object
                required: [size, mode]
                properties:
                  size: {type: integer, minimum: 1}
                  mode: {type: string, enum: [fast, slow], default: fast}
                  note: {type: string, nullable: true}
                  label: {type: string}
                  port:
                    x-kubernetes-int-or-string: true
                    anyOf: [{type: integer}, {type: string}]
                  extra:
                    type: object
                    x-kubernetes-preserve-unknown-fields: true
                    properties:
                      known: {type: integer}
                  tags:
                    type: array
                    x-kubernetes-list-type: set
                    items: {type: string}
                  ports:
                    type: array
                    x-kubernetes-list-type: map
                    x-kubernetes-list-map-keys: [port, protocol]
                    items:
                      type: object
                      required: [port]
                      properties:
                        port: {type: integer}
                        protocol: {type: string, default: TCP}
                  since: {type: string, format: date-time}
                  id: {type: string, pattern: '^[a-z]+$'}
                  marker: {type: object}
      - name: v1beta1
        served: false
        storage: false
        schema:
          openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}
    """)

WIDGET = doc("""
    apiVersion: example.com/v1
    kind: Widget
    metadata:
      name: w
      labels: {app: w}
    spec:
      size: 3
      note: null
      port: 8080
      extra: {anything: [1, 2], known: 2}
      tags: [a, b]
      ports: [{port: 80}, {port: 80, protocol: UDP}]
      since: "2024-05-06T07:08:09Z"
      id: abc
      marker: {}
    """)


@pytest.fixture
def widget_crds(tmp_path):
    d = tmp_path / "crds"
    d.mkdir()
    (d / "example.com_widgets.yaml").write_text(WIDGET_CRD)
    return d


def _crd_check(crds, *texts: str, files: list | None = None) -> subprocess.CompletedProcess:
    paths = list(files or [])
    for i, t in enumerate(texts):
        p = crds.parent / f"in{i}.yaml"
        p.write_text(t)
        paths.append(str(p))
    return subprocess.run([sys.executable, str(HERE / "crd_check.py"), "--crds", str(crds), *paths],
                          capture_output=True, text=True)


def _widget_problems(crds, text: str) -> tuple[list[str], list[str]]:
    """(failure lines without the file/document prefix, notes) for one Widget document."""
    r = crd_check.check_text(text, "t", crd_check.load_crds(crds))
    assert r.checked == 1, r
    assert all(line.startswith("t: document 1 Widget/") for line in r.lines + r.notes), r.lines
    return [line.split(": ", 2)[2] for line in r.lines], [n.split(": ", 2)[2] for n in r.notes]


def test_crd_check_valid_object_passes(widget_crds):
    r = _crd_check(widget_crds, WIDGET + "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n---\n")
    assert r.returncode == 0 and r.stdout == "", r
    assert r.stderr.startswith("crd_check: 1 object valid against 1 CRD schema "
                               "(1 document of other kinds not checked: ConfigMap v1×1; 1 empty)"), r.stderr
    # `mode` is required but has a default: the server defaults it before validating
    assert "mode:" not in WIDGET


def test_crd_check_unknown_fields_are_refused(widget_crds):
    bad = WIDGET.replace("  size: 3\n", "  size: 3\n  sise: 4\n").replace("marker: {}", "marker: {x: 1}")
    bad = bad.replace("{port: 80}", "{port: 80, hostPort: 8}") + "status: {}\n"
    out, _ = _widget_problems(widget_crds, bad)
    assert out == ['spec.marker.x: unknown field "spec.marker.x"',
                   'spec.ports[0].hostPort: unknown field "spec.ports[0].hostPort"',
                   'spec.sise: unknown field "spec.sise"',
                   'status: unknown field "status"'], out
    r = _crd_check(widget_crds, WIDGET, bad)
    assert r.returncode == 1 and r.stdout.splitlines()[0].endswith(
        'in1.yaml: document 1 Widget/w: spec.marker.x: unknown field "spec.marker.x"'), r.stdout
    assert "crd_check: 1 of 2 objects invalid" in r.stderr, r.stderr


def test_crd_check_wrong_types_and_values_are_refused(widget_crds):
    cases = {
        "size: 3": ("size: '3'", "spec.size: '3' is not of type 'integer'"),
        "size: 3\n": ("size: 0\n", "spec.size: 0 is less than the minimum of 1"),
        "  size: 3\n": ("", "spec.size: Required value"),  # `mode` is required too, but defaulted
        "tags: [a, b]": ("tags: a", "spec.tags: 'a' is not of type 'array'"),
        "id: abc": ("id: \"abc\\n\"", "spec.id: 'abc\\n' does not match '^[a-z]+$'"),  # Go's `$`
        'since: "2024-05-06T07:08:09Z"': ("since: yesterday", "spec.since: 'yesterday' is not a valid datetime"),
        "note: null": ("mode: medium", "spec.mode: 'medium' is not one of ['fast', 'slow']"),
        "metadata:\n  name: w\n  labels: {app: w}\n": ("metadata: [w]\n", "metadata: must be a mapping, not list"),
    }
    for old, (new, want) in cases.items():
        assert old in WIDGET, old
        out, _ = _widget_problems(widget_crds, WIDGET.replace(old, new))
        assert len(out) == 1 and out[0].startswith(want), (new, out)
    # YAML 1.1 like the Go decoders: `yes` is a boolean, a date a string, 2.0 an integer
    out, _ = _widget_problems(widget_crds, WIDGET.replace("id: abc", "label: yes"))
    assert out == ["spec.label: True is not of type 'string'"], out
    assert _widget_problems(widget_crds, WIDGET.replace("size: 3", "size: 2.0").replace(
        "note: null", "label: 2024-05-06"))[0] == []


def test_crd_check_nullable_and_int_or_string(widget_crds):
    assert _widget_problems(widget_crds, WIDGET) == ([], [])  # note: null is nullable
    # a null the schema does not allow: the server drops it from a mapping (a note), keeps it in
    # a list (an error)
    out, notes = _widget_problems(widget_crds, WIDGET.replace("note: null", "label: null"))
    assert out == [] and notes == ["spec.label: null for a field that is not nullable and has no default; "
                                   "the API server drops it"], (out, notes)
    out, _ = _widget_problems(widget_crds, WIDGET.replace("tags: [a, b]", "tags: [a, null]"))
    assert out == ["spec.tags[1]: None is not of type 'string'"], out
    for ok in ("port: http", "port: 0", "port: '8080'"):
        assert _widget_problems(widget_crds, WIDGET.replace("port: 8080", ok))[0] == [], ok
    for bad in ("port: 1.5", "port: true", "port: [1]"):
        out, _ = _widget_problems(widget_crds, WIDGET.replace("port: 8080", bad))
        # the type, and the anyOf of both types (kube-openapi also reports both)
        assert out[0] == f"spec.port: {bad[6:].replace('true', 'True')} is not of type 'integer', 'string'", (bad, out)
    out, _ = _widget_problems(widget_crds, WIDGET.replace("  port: 8080", "  size2: 1\n  port: null"))
    assert out == ['spec.size2: unknown field "spec.size2"'], out


def test_crd_check_preserve_unknown_fields(widget_crds):
    """Extras are kept under x-kubernetes-preserve-unknown-fields; listed fields are still checked."""
    extra = WIDGET.replace("extra: {anything: [1, 2], known: 2}", "extra: {a: {b: {c: 1}}, known: 2, z: null}")
    assert _widget_problems(widget_crds, extra) == ([], [])
    out, _ = _widget_problems(widget_crds, WIDGET.replace("known: 2", "known: two"))
    assert out == ["spec.extra.known: 'two' is not of type 'integer'"], out


def test_crd_check_list_types(widget_crds):
    out, _ = _widget_problems(widget_crds, WIDGET.replace("tags: [a, b]", "tags: [a, b, a]"))
    assert out == ['spec.tags[2]: Duplicate value: "a"'], out
    # the default protocol (TCP) makes the two entries the same key
    out, _ = _widget_problems(widget_crds, WIDGET.replace("protocol: UDP", "protocol: TCP"))
    assert out == ['spec.ports[1]: Duplicate value: {"port": 80, "protocol": "TCP"}'], out


def test_crd_check_unknown_or_unserved_version_is_refused(widget_crds):
    for version in ("v2", "v1beta1"):
        r = _crd_check(widget_crds, WIDGET.replace("example.com/v1", f"example.com/{version}"))
        assert r.returncode == 1, r
        assert r.stdout.endswith(f"document 1 Widget/w: apiVersion: example.com/{version} is not a served "
                                 "version of Widget.example.com (served: v1)\n"), r.stdout
    # another kind of the same group is not this CRD's business
    r = _crd_check(widget_crds, WIDGET, WIDGET.replace("kind: Widget", "kind: Gadget"))
    assert r.returncode == 0 and "Gadget example.com/v1×1" in r.stderr, r


def test_crd_check_list_items_and_documents_are_numbered(widget_crds):
    items = textwrap.indent(WIDGET, "  ").replace("  apiVersion: example.com/v1", "- apiVersion: example.com/v1", 1)
    lst = "---\n# nothing\n---\napiVersion: v1\nkind: List\nitems:\n" + items
    r = _crd_check(widget_crds, lst.replace("size: 3", "size: x"))
    assert r.returncode == 1 and r.stdout.splitlines() == [
        f"{widget_crds.parent / 'in0.yaml'}: document 2 item 1 Widget/w: spec.size: 'x' is not of type 'integer'"
    ], r.stdout


def test_crd_check_fails_loudly_when_nothing_is_checked(widget_crds, tmp_path):
    cmd = [sys.executable, str(HERE / "crd_check.py"), "--crds", str(widget_crds)]
    r = subprocess.run(cmd, capture_output=True, text=True)  # no FILE at all
    assert r.returncode == 2 and "FILE" in r.stderr, r
    r = _crd_check(widget_crds, "")  # an empty file
    assert r.returncode == 1 and "nothing was checked" in r.stderr, r
    r = _crd_check(widget_crds, DEPLOY)  # only other kinds
    assert r.returncode == 1 and "nothing was checked" in r.stderr, r
    r = _crd_check(widget_crds, WIDGET, files=[str(tmp_path / "missing.yaml")])
    assert r.returncode == 2 and "missing.yaml" in r.stderr, r
    r = _crd_check(widget_crds, WIDGET + "---\na: 1\na: 2\n")  # strict validation refuses duplicates
    assert r.returncode == 1 and "found duplicate key 'a'" in r.stdout, r


def test_crd_check_needs_crds(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    r = _crd_check(empty, WIDGET)
    assert r.returncode == 2 and "no CustomResourceDefinition" in r.stderr, r
    r = _crd_check(tmp_path / "absent", WIDGET)
    assert r.returncode == 2 and "not a directory" in r.stderr, r
    (empty / "x.yaml").write_text(DEPLOY)
    r = _crd_check(empty, WIDGET)
    assert r.returncode == 2 and "is not an apiextensions.k8s.io/v1 CustomResourceDefinition" in r.stderr, r


def test_crd_check_go_regexps():
    rx = crd_check.go_regexp
    assert not rx("^a$").search("a\n") and rx("^a$").search("a")
    assert rx("[$]").search("$") and rx(r"\$").search("$") and not rx(r"^\d$").search("٣")
    assert crd_check.is_date_time("2024-01-02t03:04:05.1+01:00") and not crd_check.is_date_time("2024-02-30T00:00:00Z")


# The real CRDs (scripts/setup-tools copies them into .tools/crds) on the real examples.

KINDS = ROOT / "testdata" / "kinds"


@pytest.fixture(scope="module")
def real_crds():
    d = ROOT / ".tools" / "crds"
    assert d.is_dir(), f"{d} missing: run scripts/setup-tools"
    return crd_check.load_crds(d)


def test_crd_check_upstream_examples_are_valid(real_crds):
    """Every example in testdata/kinds (the projects' own) is valid against its project's CRD."""
    files = sorted(f for f in KINDS.glob("*/*.yaml") if f.parent.name not in ("expected", "LICENSES"))
    assert len(files) >= 32, files
    used = set()
    for f in files:
        r = crd_check.check_text(f.read_text(), f.relative_to(KINDS).as_posix(), real_crds)
        assert r.checked >= 1 and r.lines == [] and r.notes == [], (f, r.lines, r.notes)
        used |= r.used
    assert {(g, k) for g, _, k in used} == set(real_crds.kinds), used  # every kind has an example


def test_crd_check_real_crds_catch_a_bad_pod_template(real_crds):
    text = (KINDS / "kubeflow-training/pytorchjob-simple.yaml").read_text()
    bad = text.replace("imagePullPolicy: Always", "imagePullPolicy: Always\n              volumeMount: []", 1)
    bad = bad.replace("replicas: 1", "replicas: '1'", 1)
    r = crd_check.check_text(bad, "p", real_crds)
    assert r.lines == [
        "p: document 1 PyTorchJob/pytorch-simple: spec.pytorchReplicaSpecs.Master.template.spec.containers[0]."
        'volumeMount: unknown field "spec.pytorchReplicaSpecs.Master.template.spec.containers[0].volumeMount"',
        "p: document 1 PyTorchJob/pytorch-simple: spec.pytorchReplicaSpecs.Master.replicas: "
        "'1' is not of type 'integer'"], r.lines
