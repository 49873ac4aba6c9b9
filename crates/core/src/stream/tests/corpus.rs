//! Real streams: fixtures from the corpus, checked by hand and against serde-saphyr.

use super::*;

// ---- fixtures copied from the corpus (testdata/stream/SOURCES.md) --------------------------

#[test]
fn corpus_fixtures() {
    let docs = check(&fixture("helm-template-with-crds.txt"));
    assert_eq!(docs.len(), 9);
    assert!(
        docs.iter()
            .all(|d| d.certain && d.source.is_some() && d.class == Class::Object)
    );
    assert_eq!(docs[0].kind.as_deref(), Some("CustomResourceDefinition"));
    assert_eq!(docs[0].source.as_deref(), Some("subchart/crds/crdA.yaml"));
    assert_eq!(
        docs.iter()
            .filter(|d| d
                .kind
                .as_deref()
                .is_some_and(crate::kinds::is_workload_kind))
            .count(),
        1
    );

    let docs = check(&fixture("helm-issue-9027.txt"));
    assert_eq!(kinds(&docs), [None, None]);
    assert!(docs.iter().all(|d| d.certain && d.class == Class::Object));
    assert_eq!(
        docs[1].source.as_deref(),
        Some("issue-9027/templates/values.yaml")
    );

    let docs = check(&fixture("helm-template-with-invalid-yaml-debug.txt"));
    assert_eq!(docs.len(), 1);
    assert_eq!(
        (docs[0].kind.as_deref(), docs[0].certain),
        (Some("Pod"), false)
    );

    let docs = check(&fixture("argo-cd-weird-list.yaml"));
    assert_eq!(kinds(&docs), [Some("NotAList"), Some("ServiceAccount")]);
    assert!(docs.iter().all(|d| d.certain));
    assert_eq!(docs[1].start_line, 6);

    let docs = check(&fixture("istio-kiali.yaml"));
    assert_eq!(docs.len(), 6);
    assert!(
        docs.iter()
            .all(|d| d.has_end_marker() && d.certain && d.source.is_some())
    );
    assert_eq!(
        kinds(&docs),
        [
            Some("ServiceAccount"),
            Some("ConfigMap"),
            Some("ClusterRole"),
            Some("ClusterRoleBinding"),
            Some("Service"),
            Some("Deployment")
        ]
    );

    let docs = check(&fixture("kubernetes-examples-sysdig-daemonset.yaml"));
    assert_eq!(docs.len(), 1);
    assert!(docs[0].crlf && docs[0].certain);
    assert_eq!(docs[0].kind.as_deref(), Some("DaemonSet"));
    assert_eq!(docs[0].api_version.as_deref(), Some("apps/v1"));

    let docs = check(&fixture("kubernetes-examples-mongo-pod.json"));
    assert_eq!(
        (docs.len(), docs[0].kind.as_deref(), docs[0].certain),
        (1, None, false)
    );
}

// ---- against a real parser -----------------------------------------------------------------

#[derive(Default, Debug)]
pub(super) struct Stats {
    files: usize,
    bytes: usize,
    docs: usize,
    empty: usize,
    certain: usize,
    uncertain: usize,
    uncertain_kind_right: usize,
    parse_errors: usize,
    stream_mismatch: usize,
    pub(super) mismatches: Vec<String>,
}

fn parse_value(text: &str) -> Result<serde_json::Value, serde_saphyr::Error> {
    serde_saphyr::from_str_with_options(text, serde_saphyr::options! { budget: None })
}

/// Splits `input`, parses every document with serde-saphyr, and checks that `certain`
/// documents have the parser's kind and apiVersion, and that the per-document values equal
/// a whole-stream parse.
pub(super) fn verify_with_parser(name: &str, input: &[u8], st: &mut Stats) {
    let docs = check(input);
    st.files += 1;
    st.bytes += input.len();
    let Ok(text) = std::str::from_utf8(input) else {
        st.mismatches.push(format!("{name}: not UTF-8"));
        return;
    };
    let mut values = Vec::new();
    let mut all_parsed = true;
    for (i, d) in docs.iter().enumerate() {
        st.docs += 1;
        let v = match parse_value(&text[d.parse_range()]) {
            Ok(v) => v,
            Err(e) => {
                st.parse_errors += 1;
                all_parsed = false;
                let first = e.to_string().lines().next().unwrap_or("").to_string();
                eprintln!(
                    "{name} doc {} (line {}): parse error: {first}",
                    i + 1,
                    d.start_line
                );
                continue;
            }
        };
        if d.class == Class::Empty {
            st.empty += 1;
            if !v.is_null() {
                st.mismatches
                    .push(format!("{name} doc {}: Empty but parses to {v}", i + 1));
            }
            continue;
        }
        let get = |k: &str| v.get(k).and_then(|x| x.as_str()).map(str::to_string);
        let (kind, api) = (get("kind"), get("apiVersion"));
        let non_string = v.get("kind").is_some_and(|k| !k.is_string());
        if d.certain {
            st.certain += 1;
            if kind != d.kind || api != d.api_version || non_string {
                st.mismatches.push(format!(
                    "{name} doc {} (line {}): scan {:?}/{:?}, parser {:?}/{:?}",
                    i + 1,
                    d.start_line,
                    d.api_version,
                    d.kind,
                    api,
                    kind
                ));
            }
        } else {
            st.uncertain += 1;
            if kind == d.kind {
                st.uncertain_kind_right += 1;
            }
        }
        if !v.is_null() {
            values.push(v);
        }
    }
    if all_parsed {
        let whole: Result<Vec<serde_json::Value>, _> =
            serde_saphyr::from_multiple_with_options(text, serde_saphyr::options! { budget: None });
        match whole {
            Ok(w) if w == values => {}
            Ok(w) => {
                st.stream_mismatch += 1;
                st.mismatches.push(format!(
                    "{name}: whole-stream parse gives {} documents, split {}",
                    w.len(),
                    values.len()
                ));
            }
            Err(e) => {
                st.stream_mismatch += 1;
                eprintln!("{name}: whole stream does not parse but every document does: {e}");
            }
        }
    }
}

#[test]
fn fixtures_agree_with_serde_saphyr() {
    let mut st = Stats::default();
    let files = fixture_files();
    assert!(files.len() >= 7);
    for p in &files {
        let bytes = std::fs::read(p).unwrap();
        verify_with_parser(&p.display().to_string(), &bytes, &mut st);
    }
    assert!(st.mismatches.is_empty(), "{:#?}", st.mismatches);
    assert_eq!(
        st.parse_errors, 1,
        "only the invalid-yaml fixture fails to parse"
    );
}

/// Set `STOWAGE_CORPUS` to a directory to check every manifest under it; prints the counts
/// and the split throughput (meaningful in a release build).
#[test]
fn corpus_from_env() {
    let Some(dir) = std::env::var_os("STOWAGE_CORPUS") else {
        return;
    };
    let mut files = Vec::new();
    walk(std::path::Path::new(&dir), &mut files);
    let mut st = Stats::default();
    let mut all = Vec::new();
    for p in &files {
        let bytes = std::fs::read(p).unwrap();
        verify_with_parser(&p.display().to_string(), &bytes, &mut st);
        all.extend_from_slice(&bytes);
        if !all.ends_with(b"\n") {
            all.push(b'\n');
        }
        all.extend_from_slice(b"---\n");
    }
    eprintln!("{st:#?}");
    let runs = 20;
    let t = std::time::Instant::now();
    let mut n = 0;
    for _ in 0..runs {
        n += split(std::hint::black_box(&all)).unwrap().len();
    }
    let secs = t.elapsed().as_secs_f64() / runs as f64;
    eprintln!(
        "split: {} bytes, {} documents, {:.2} ms per run, {:.0} MiB/s",
        all.len(),
        n / runs,
        secs * 1e3,
        all.len() as f64 / secs / (1024.0 * 1024.0)
    );
    assert!(st.mismatches.is_empty(), "{:#?}", st.mismatches);
}
