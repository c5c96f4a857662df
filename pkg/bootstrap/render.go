// Package bootstrap provisions the secops reference architecture as
// CloudFormation stacks: a registry of stacks, each a template embedded in
// the binary with the parameters secops fills in, rendered, planned and
// deployed through change sets, watched through stack events, and removed
// again on request.
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

// Render renders the templates of the given stacks. It needs no AWS access.
func Render(stacks []Stack) ([]Template, error) {
	var out []Template
	for _, s := range stacks {
		t, err := s.Render()
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}

// Render renders the stack's template.
func (s Stack) Render() (Template, error) {
	raw := []byte(s.body)
	if s.body == "" {
		var err error
		if raw, err = templateFS.ReadFile("templates/" + s.Name + ".yaml"); err != nil {
			return Template{}, fmt.Errorf("render stack %s: no template: %w", s.Name, err)
		}
	}
	var err error
	data := map[string]any{}
	if s.Data != nil {
		if data, err = s.Data(); err != nil {
			return Template{}, fmt.Errorf("render stack %s: %w", s.Name, err)
		}
	}
	t, err := template.New(s.Name).Funcs(template.FuncMap{"indent": indent}).Option("missingkey=error").Parse(string(raw))
	if err != nil {
		return Template{}, fmt.Errorf("render stack %s: %w", s.Name, err)
	}
	var buf bytes.Buffer
	if err := t.Execute(&buf, data); err != nil {
		return Template{}, fmt.Errorf("render stack %s: %w", s.Name, err)
	}
	if buf.Len() > MaxTemplateBodyBytes {
		return Template{}, fmt.Errorf("render stack %s: template is %d bytes, over CloudFormation's %d-byte TemplateBody limit", s.Name, buf.Len(), MaxTemplateBodyBytes)
	}
	return Template{Stack: s.Name, Name: s.CloudFormationName(), Body: buf.Bytes()}, nil
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

// joinAnd joins words as "a, b and c".
func joinAnd(words []string) string {
	switch len(words) {
	case 0:
		return ""
	case 1:
		return words[0]
	}
	return strings.Join(words[:len(words)-1], ", ") + " and " + words[len(words)-1]
}
