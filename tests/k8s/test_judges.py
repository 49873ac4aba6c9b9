"""Self-tests of the python judges (validate.py, streams.py, corpus_check.py).

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
