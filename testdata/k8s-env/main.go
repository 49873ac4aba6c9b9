// k8s-env prints the environment the kubelet gives each container of a pod, computed with the
// kubelet's own code: the `$(VAR)` expansion (third_party/forked/golang/expansion) and the
// downward API field extraction (pkg/fieldpath) of k8s.io/kubernetes v1.32.0. The loop is
// makeEnvironmentVariables (pkg/kubelet/kubelet_pods.go:821-905): each variable in order, a
// `value` expanded against the variables defined before it, a `fieldRef` read from the pod.
// Other sources (secrets, config maps, resources, envFrom) need a cluster and are refused.
//
// Usage: k8s-env < pod.yaml (a Pod, its metadata as the controller would set it); prints
// {"<container>": {"<VAR>": "<value>", ...}, ...} for init containers and containers.
package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"

	v1 "k8s.io/api/core/v1"
	"k8s.io/kubernetes/pkg/fieldpath"
	"k8s.io/kubernetes/third_party/forked/golang/expansion"
	"sigs.k8s.io/yaml"
)

func main() {
	in, err := io.ReadAll(os.Stdin)
	if err != nil {
		fail(err)
	}
	var pod v1.Pod
	if err := yaml.UnmarshalStrict(in, &pod); err != nil {
		fail(err)
	}
	out := map[string]map[string]string{}
	for _, c := range append(pod.Spec.InitContainers, pod.Spec.Containers...) {
		env, err := environment(&pod, &c)
		if err != nil {
			fail(fmt.Errorf("container %s: %w", c.Name, err))
		}
		out[c.Name] = env
	}
	if err := json.NewEncoder(os.Stdout).Encode(out); err != nil {
		fail(err)
	}
}

func environment(pod *v1.Pod, c *v1.Container) (map[string]string, error) {
	tmpEnv := map[string]string{}
	if len(c.EnvFrom) > 0 {
		return nil, fmt.Errorf("envFrom needs a cluster")
	}
	mappingFunc := expansion.MappingFuncFor(tmpEnv)
	for _, envVar := range c.Env {
		runtimeVal := envVar.Value
		if runtimeVal != "" {
			runtimeVal = expansion.Expand(runtimeVal, mappingFunc)
		} else if envVar.ValueFrom != nil {
			if envVar.ValueFrom.FieldRef == nil {
				return nil, fmt.Errorf("%s: only fieldRef sources are computed here", envVar.Name)
			}
			v, err := fieldpath.ExtractFieldPathAsString(pod, envVar.ValueFrom.FieldRef.FieldPath)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", envVar.Name, err)
			}
			runtimeVal = v
		}
		tmpEnv[envVar.Name] = runtimeVal
	}
	return tmpEnv, nil
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "k8s-env:", err)
	os.Exit(1)
}
