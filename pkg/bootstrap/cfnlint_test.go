package bootstrap

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"gopkg.in/yaml.v3"
)

// TestTemplatesPassCfnLint runs cfn-lint, the CloudFormation linter AWS
// maintains, on every rendered template, on the ISMS-P conformance pack
// the compliance stack embeds, and on each stack with the parameter sets
// that switch its conditions (its defaults and its Variants, with the
// values secops passes for parameters without a default). Clean means no
// error and no warning.
func TestTemplatesPassCfnLint(t *testing.T) {
	bin, err := exec.LookPath("cfn-lint")
	if err != nil {
		t.Skip("cfn-lint is not installed (pip install cfn-lint): the rendered templates were not linted")
	}
	dir := t.TempDir()
	var plain, deployments []string
	for _, s := range Stacks().All() {
		tm, err := s.Render()
		if err != nil {
			t.Fatal(err)
		}
		file := filepath.Join(dir, s.Name+".yaml")
		if err := os.WriteFile(file, tm.Body, 0o644); err != nil {
			t.Fatal(err)
		}
		plain = append(plain, file)
		types, err := ParameterTypes(tm.Body)
		if err != nil {
			t.Fatal(err)
		}
		defaults := map[string]bool{}
		var doc struct {
			Parameters map[string]map[string]any `yaml:"Parameters"`
		}
		_ = yaml.Unmarshal(tm.Body, &doc)
		for k, p := range doc.Parameters {
			_, defaults[k] = p["Default"]
		}
		for i, variant := range append([]map[string]string{{}}, s.Variants...) {
			params := map[string]string{}
			for k := range types {
				if !defaults[k] {
					params[k] = sampleParameter(k)
				}
			}
			for k, v := range variant {
				if _, ok := types[k]; !ok {
					t.Errorf("%s variant %d sets %s, which the template lacks", s.Name, i, k)
				}
				params[k] = v
			}
			if len(params) == 0 {
				continue // the plain run lints the defaults
			}
			var b strings.Builder
			fmt.Fprintf(&b, "template-file-path: %s\nparameters:\n", file)
			keys := sortedKeys(params)
			sort.Strings(keys)
			for _, k := range keys {
				fmt.Fprintf(&b, "  %s: %q\n", k, params[k])
			}
			dep := filepath.Join(dir, fmt.Sprintf("%s-%d.deploy.yaml", s.Name, i))
			if err := os.WriteFile(dep, []byte(b.String()), 0o644); err != nil {
				t.Fatal(err)
			}
			deployments = append(deployments, dep)
		}
		if s.Name == StackCompliance {
			pack, err := ConformancePackTemplate()
			if err != nil {
				t.Fatal(err)
			}
			file := filepath.Join(dir, "isms-p-conformance-pack.yaml")
			if err := os.WriteFile(file, pack, 0o644); err != nil {
				t.Fatal(err)
			}
			plain = append(plain, file)
		}
	}
	// Two cfn-lint processes, side by side: each spends most of its time
	// loading the resource schemas.
	var wg sync.WaitGroup
	run := func(what string, args ...string) {
		defer wg.Done()
		cmd := exec.Command(bin, append([]string{"--regions", "us-east-1", "--format", "parseable"}, args...)...)
		out, err := cmd.CombinedOutput()
		if err != nil || len(strings.TrimSpace(string(out))) > 0 {
			t.Errorf("cfn-lint on %s: %v\n%s", what, err, strings.ReplaceAll(string(out), dir+"/", ""))
		}
	}
	wg.Add(2)
	go run("the templates and the conformance pack", append([]string{"--"}, plain...)...)
	go run(fmt.Sprintf("%d parameter sets", len(deployments)), append([]string{"--deployment-files"}, deployments...)...)
	wg.Wait()
}
