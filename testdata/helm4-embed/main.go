// helm4-embed: a program that embeds Helm 4 (helm.sh/helm/v4/pkg/action) the way controllers and
// deploy tools do, and installs a chart client-side (no cluster) with the post-render strategy
// it is given: "combined" (what the helm CLI uses), "separate" or "nohooks" (helm v4.3.2
// pkg/action/action.go:92-117). The post-renderer is the Helm 4 plugin named by -post-renderer,
// found under HELM_PLUGINS like the CLI finds it. Prints the release manifest, then the hooks, as
// `helm template` does; exits 1 with Helm's error.
//
// Usage: helm4-embed -strategy separate [-post-renderer stowage] [-set k=v]... RELEASE CHART [post-renderer args...]
package main

import (
	"flag"
	"fmt"
	"os"
	"strings"

	"helm.sh/helm/v4/pkg/action"
	"helm.sh/helm/v4/pkg/chart/loader"
	"helm.sh/helm/v4/pkg/cli"
	"helm.sh/helm/v4/pkg/postrenderer"
	release "helm.sh/helm/v4/pkg/release/v1"
	"helm.sh/helm/v4/pkg/strvals"
)

type sets []string

func (s *sets) String() string     { return strings.Join(*s, ",") }
func (s *sets) Set(v string) error { *s = append(*s, v); return nil }

func main() {
	strategy := flag.String("strategy", "combined", "combined, separate or nohooks")
	plugin := flag.String("post-renderer", "stowage", "the postrenderer/v1 plugin's name")
	namespace := flag.String("namespace", "default", "release namespace")
	var values sets
	flag.Var(&values, "set", "a value, as helm --set (repeatable)")
	flag.Parse()
	if flag.NArg() < 2 {
		fmt.Fprintln(os.Stderr, "usage: helm4-embed [-strategy S] [-post-renderer NAME] [-set k=v]... RELEASE CHART [post-renderer args...]")
		os.Exit(2)
	}
	if err := run(*strategy, *plugin, *namespace, values, flag.Arg(0), flag.Arg(1), flag.Args()[2:]); err != nil {
		fmt.Fprintln(os.Stderr, "Error:", err)
		os.Exit(1)
	}
}

func run(strategy, plugin, namespace string, values []string, name, chartPath string, args []string) error {
	settings := cli.New()
	pr, err := postrenderer.NewPostRendererPlugin(settings, plugin, args...)
	if err != nil {
		return err
	}
	vals := map[string]any{}
	for _, v := range values {
		if err := strvals.ParseInto(v, vals); err != nil {
			return err
		}
	}
	chrt, err := loader.Load(chartPath)
	if err != nil {
		return err
	}
	install := action.NewInstall(action.NewConfiguration())
	install.DryRunStrategy = action.DryRunClient
	install.ReleaseName = name
	install.Namespace = namespace
	install.Replace = true
	install.PostRenderer = pr
	install.PostRenderStrategy = action.PostRenderStrategy(strategy)
	rel, err := install.Run(chrt, vals)
	if err != nil {
		return err
	}
	r, ok := rel.(*release.Release)
	if !ok {
		return fmt.Errorf("unexpected release type %T", rel)
	}
	fmt.Println(strings.TrimSpace(r.Manifest))
	for _, h := range r.Hooks {
		fmt.Printf("---\n# Source: %s\n%s\n", h.Path, h.Manifest)
	}
	return nil
}
