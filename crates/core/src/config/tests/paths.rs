//! mountPath, subPath, hostPath and sensitive host paths.

use super::*;

#[test]
fn mount_paths() {
    only_error_at(
        "data: {d: {existingClaim: c}}",
        "persistence.data.d.mountPath",
        "required",
    );
    only_error_at(
        "data: {d: {existingClaim: c, mountPath: data/1}}",
        "persistence.data.d.mountPath",
        "absolute",
    );
    only_error_at(
        "data: {d: {existingClaim: c, mountPath: '/data:1'}}",
        "persistence.data.d.mountPath",
        "`:`",
    );
    only_error_at(
        "data: {d: {existingClaim: c, mountPath: /data/../etc}}",
        "persistence.data.d.mountPath",
        "`..`",
    );
    only_error_at(
        "data: {d: {existingClaim: c, mountPath: /data/./1}}",
        "persistence.data.d.mountPath",
        "`.` element",
    );
    only_error_at(
        "data: {d: {existingClaim: c, mountPath: /}}",
        "persistence.data.d.mountPath",
        "must not be `/`",
    );
    only_error_at(
        "data: {d: {existingClaim: c, mountPath: /var/run/secrets/stowage/x}}",
        "persistence.data.d.mountPath",
        "reserved",
    );
    let (config, diags) = ok("data: {d: {existingClaim: c, mountPath: /data//1/}}");
    assert_eq!(config.data[0].mount_path.as_deref(), Some("/data/1"));
    find(
        &diags,
        Severity::Note,
        "persistence.data.d.mountPath",
        "normalised to `/data/1`",
    );
}

#[test]
fn entries_mounted_together_on_one_path_are_a_warning() {
    // Each workload may pick just one of them; the planner refuses one that would get both.
    let (_, diags) = ok(
        "data: {d: {existingClaim: c, mountPath: /shared/}}\noutputs: {o: {existingClaim: c, mountPath: /shared}}",
    );
    let w = find(
        &diags,
        Severity::Warning,
        "persistence.outputs.o.mountPath",
        "also the mountPath of `persistence.data.d`: a workload that gets both entries will be refused",
    );
    assert!(
        w.hint.as_deref().unwrap().contains("stowage.dev/outputs"),
        "{w}"
    );
    // Outputs entries are alternatives: a workload gets one of them.
    let (_, diags) = ok(
        "outputs: {a: {existingClaim: a, mountPath: /outputs}, b: {existingClaim: b, mountPath: /outputs/}}",
    );
    assert!(
        !diags
            .iter()
            .any(|d| d.message.contains("mountPath `/outputs`")),
        "{}",
        list(&diags)
    );
    // The persistence of Polyaxon's own CI values: three data entries at /tmp/data, three
    // outputs entries at /tmp/outputs. Each later data entry is named once, with the first.
    let (config, diags) = ok(
        "data:\n  data1: {mountPath: /tmp/data, hostPath: /tmp/data}\n  data2: {mountPath: /tmp/data, existingClaim: data-2-pvc}\n  data3: {mountPath: /tmp/data, existingClaim: data-3-pvc, readOnly: true}\noutputs:\n  outputs1: {mountPath: /tmp/outputs, hostPath: /tmp/outputs}\n  outputs2: {mountPath: /tmp/outputs, existingClaim: outputs-2-pvc}\n  outputs3: {mountPath: /tmp/outputs, existingClaim: outputs-3-pvc}\n",
    );
    assert_eq!(config.data.len(), 3);
    for later in ["data2", "data3"] {
        let w = find(
            &diags,
            Severity::Warning,
            &format!("persistence.data.{later}.mountPath"),
            "also the mountPath of `persistence.data.data1`",
        );
        assert!(
            w.hint.as_deref().unwrap().contains("persistence.workloads"),
            "{w}"
        );
    }
    let shared: Vec<_> = diags
        .iter()
        .filter(|d| d.message.contains("also the mountPath"))
        .collect();
    assert_eq!(shared.len(), 2, "{}", list(&diags));
    let (_, diags) = ok(
        "data: {d: {existingClaim: c, mountPath: /data}, e: {existingClaim: c, mountPath: /data/e}, f: {existingClaim: c, mountPath: /database}}",
    );
    find(
        &diags,
        Severity::Warning,
        "persistence.data.e.mountPath",
        "nested",
    );
    assert!(
        !diags
            .iter()
            .any(|d| d.place.config_path.as_deref() == Some("persistence.data.f.mountPath"))
    );
}

#[test]
fn sub_paths() {
    only_error_at(
        "data: {d: {existingClaim: c, mountPath: /d, subPath: /abs}}",
        "persistence.data.d.subPath",
        "relative",
    );
    only_error_at(
        "data: {d: {existingClaim: c, mountPath: /d, subPath: a/../../b}}",
        "persistence.data.d.subPath",
        "'..'",
    );
    let (config, _) = ok("data: {d: {existingClaim: c, mountPath: /d, subPath: team-a/x}}");
    assert_eq!(config.data[0].sub_path.as_deref(), Some("team-a/x"));
}

#[test]
fn host_paths() {
    only_error_at(
        "data: {d: {hostPath: srv/data, mountPath: /d, readOnly: true}}",
        "persistence.data.d.hostPath",
        "absolute",
    );
    only_error_at(
        "data: {d: {hostPath: /srv/../etc, mountPath: /d, readOnly: true}}",
        "persistence.data.d.hostPath",
        "`..`",
    );
    only_error_at(
        "data: {d: {hostPath: \"/srv/a\\nb\", mountPath: /d, readOnly: true}}",
        "persistence.data.d.hostPath",
        "line break",
    );
    let (config, diags) = ok("data: {d: {hostPath: /srv/data, mountPath: /d}}");
    assert_eq!(
        config.data[0].source,
        Source::HostPath {
            path: "/srv/data".into(),
            kind: None
        }
    );
    find(
        &diags,
        Severity::Warning,
        "persistence.data.d.hostPath",
        "Pod Security `baseline`",
    );
    find(
        &diags,
        Severity::Warning,
        "persistence.data.d.hostPath",
        "readOnly: true",
    );
    let (_, diags) = ok("data: {d: {hostPath: /srv/data, mountPath: /d, readOnly: true}}");
    assert!(!diags.iter().any(|d| d.message.contains("writable")));
}

#[test]
fn sensitive_host_paths_are_refused_unless_allowed() {
    for path in [
        "/",
        "/etc",
        "/etc/kubernetes/pki",
        "/proc",
        "/sys/fs",
        "/dev",
        "/var/run",
        "/run",
        "/var/lib/kubelet/pods",
        "/root",
        "/home",
        "/var/run/docker.sock",
        "/run/containerd/containerd.sock",
        "/var/run/crio/crio.sock",
        "/var",
        "/run/containerd",
        "/etc/",
    ] {
        let text = format!("data: {{d: {{hostPath: '{path}', mountPath: /d, readOnly: true}}}}");
        let diags = error_at(&text, "persistence.data.d.hostPath", "allowHostPaths");
        assert_eq!(errors(&diags).len(), 1, "{path}: {}", list(&diags));
    }
    for path in [
        "/home/alice/datasets",
        "/srv/data",
        "/mnt/data",
        "/var/data",
        "/tmp/logs",
    ] {
        ok(&format!(
            "data: {{d: {{hostPath: '{path}', mountPath: /d, readOnly: true}}}}"
        ));
    }
    let (config, _) = ok(
        "allowHostPaths: [/var/run/docker.sock, /etc/ssl/]\ndata:\n  d: {hostPath: /var/run/docker.sock, hostPathType: Socket, mountPath: /var/run/docker.sock}\n  e: {hostPath: /etc/ssl/certs, mountPath: /certs, readOnly: true}",
    );
    assert_eq!(
        config.allow_host_paths,
        ["/var/run/docker.sock", "/etc/ssl"]
    );
    only_error_at(
        "allowHostPaths: [etc]",
        "persistence.allowHostPaths[0]",
        "absolute",
    );
}

#[test]
fn host_path_types() {
    let (config, _) =
        ok("data: {d: {hostPath: /srv/d, hostPathType: Directory, mountPath: /d, readOnly: true}}");
    assert_eq!(
        config.data[0].source,
        Source::HostPath {
            path: "/srv/d".into(),
            kind: Some("Directory".into())
        }
    );
    only_error_at(
        "data: {d: {hostPath: /srv/d, hostPathType: Dir, mountPath: /d}}",
        "persistence.data.d.hostPathType",
        "`Directory`",
    );
    let (_, diags) = ok(
        "data: {d: {hostPath: /srv/d, hostPathType: DirectoryOrCreate, mountPath: /d, readOnly: true}}",
    );
    find(
        &diags,
        Severity::Warning,
        "persistence.data.d.hostPathType",
        "root-owned",
    );
}
