// Package bootstrap provisions the secops reference architecture as
// CloudFormation stacks: templates embedded in the binary, rendered, planned
// and deployed through change sets, watched through stack events, and
// removed again on request.
package bootstrap

import (
	"bytes"
	"embed"
	"fmt"
	"strings"
	"text/template"
)

//go:embed templates/*.yaml
var templateFS embed.FS

// Stack names, in deployment order.
const (
	StackSecurity = "security"
	StackAlerts   = "alerts"
	StackPipeline = "pipeline"
	StackScanner  = "scanner"
)

// AllStacks lists every stack in the order apply creates them (destroy
// removes them in reverse).
var AllStacks = []string{StackSecurity, StackAlerts, StackPipeline, StackScanner}

// DefaultStacks are deployed when --stacks is not given; the scanner host
// costs money while it runs, so it is opt-in.
var DefaultStacks = []string{StackSecurity, StackAlerts, StackPipeline}

// StackNamePrefix prefixes every CloudFormation stack secops owns.
const StackNamePrefix = "secops-"

// CloudFormationName is the CloudFormation stack name of a secops stack.
func CloudFormationName(stack string) string { return StackNamePrefix + stack }

// Template is one rendered stack template.
type Template struct {
	Stack string // security, alerts, ...
	Name  string // CloudFormation stack name
	Body  []byte
}

// SelectStacks validates a --stacks list and returns it in deployment
// order; an empty list means DefaultStacks.
func SelectStacks(names []string) ([]string, error) {
	if len(names) == 0 {
		return append([]string(nil), DefaultStacks...), nil
	}
	want := map[string]bool{}
	for _, n := range names {
		n = strings.TrimSpace(n)
		if n == "" {
			continue
		}
		if n == "all" {
			return append([]string(nil), AllStacks...), nil
		}
		known := false
		for _, s := range AllStacks {
			if s == n {
				known = true
			}
		}
		if !known {
			return nil, fmt.Errorf("unknown stack %q: choose from %s, or all", n, strings.Join(AllStacks, ", "))
		}
		want[n] = true
	}
	var out []string
	for _, s := range AllStacks {
		if want[s] {
			out = append(out, s)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("--stacks is empty: choose from %s, or all", strings.Join(AllStacks, ", "))
	}
	return out, nil
}

// Render renders the templates of the given stacks. It needs no AWS access.
func Render(stacks []string) ([]Template, error) {
	pack, err := ConformancePackTemplate()
	if err != nil {
		return nil, err
	}
	data := struct {
		ConformancePackName string
		ConformancePack     string
	}{ConformancePackName, string(pack)}
	funcs := template.FuncMap{"indent": indent}
	var out []Template
	for _, s := range stacks {
		raw, err := templateFS.ReadFile("templates/" + s + ".yaml")
		if err != nil {
			return nil, fmt.Errorf("render stack %s: no template: %w", s, err)
		}
		t, err := template.New(s).Funcs(funcs).Option("missingkey=error").Parse(string(raw))
		if err != nil {
			return nil, fmt.Errorf("render stack %s: %w", s, err)
		}
		var buf bytes.Buffer
		if err := t.Execute(&buf, data); err != nil {
			return nil, fmt.Errorf("render stack %s: %w", s, err)
		}
		if buf.Len() > MaxTemplateBodyBytes {
			return nil, fmt.Errorf("render stack %s: template is %d bytes, over CloudFormation's %d-byte TemplateBody limit", s, buf.Len(), MaxTemplateBodyBytes)
		}
		out = append(out, Template{Stack: s, Name: CloudFormationName(s), Body: buf.Bytes()})
	}
	return out, nil
}

// MaxTemplateBodyBytes is CloudFormation's limit on a TemplateBody passed
// inline (larger templates need TemplateURL and an S3 bucket).
const MaxTemplateBodyBytes = 51200

// indent prefixes every non-empty line of s with n spaces.
func indent(n int, s string) string {
	pad := strings.Repeat(" ", n)
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i, l := range lines {
		if l != "" {
			lines[i] = pad + l
		}
	}
	return strings.Join(lines, "\n")
}
