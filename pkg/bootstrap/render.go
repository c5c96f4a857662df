// Package bootstrap provisions the secops reference architecture as
// CloudFormation stacks: a registry of stacks, each a template embedded in
// the binary with the parameters secops fills in, rendered, planned and
// deployed through change sets, watched through stack events, and removed
// again on request.
package bootstrap

import (
	"embed"
	"fmt"
	"regexp"
	"strconv"
	"strings"
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
	data := map[string]string{}
	if s.Data != nil {
		var err error
		if data, err = s.Data(); err != nil {
			return Template{}, fmt.Errorf("render stack %s: %w", s.Name, err)
		}
	}
	body, err := fill(string(raw), data)
	if err != nil {
		return Template{}, fmt.Errorf("render stack %s: %w", s.Name, err)
	}
	buf := []byte(body)
	if len(buf) > MaxTemplateBodyBytes {
		return Template{}, fmt.Errorf("render stack %s: template is %d bytes, over CloudFormation's %d-byte TemplateBody limit", s.Name, len(buf), MaxTemplateBodyBytes)
	}
	return Template{Stack: s.Name, Name: s.CloudFormationName(), Body: buf}, nil
}

// dataPlaceholder is what a template may ask of Data: {{ .Name }} or
// {{ indent N .Name }}. A template engine would do, but text/template's
// method lookup by name makes the linker keep every exported method in
// the binary (tens of megabytes of unused AWS SDK operations).
var dataPlaceholder = regexp.MustCompile(`\{\{-?\s*(?:indent\s+(\d+)\s+)?\.([A-Za-z_][A-Za-z0-9_]*)\s*-?\}\}`)

// fill replaces the placeholders of body with data. A key the data lacks,
// or any other {{ … }} (CloudFormation's own {{resolve:…}} dynamic
// references aside), is an error rather than a template sent half-made.
func fill(body string, data map[string]string) (string, error) {
	var missing []string
	out := dataPlaceholder.ReplaceAllStringFunc(body, func(m string) string {
		sub := dataPlaceholder.FindStringSubmatch(m)
		v, ok := data[sub[2]]
		if !ok {
			missing = append(missing, sub[2])
			return m
		}
		if sub[1] != "" {
			n, _ := strconv.Atoi(sub[1])
			v = indent(n, v)
		}
		return v
	})
	if len(missing) > 0 {
		return "", fmt.Errorf("no value for %s", strings.Join(missing, ", "))
	}
	for rest := body; ; {
		i := strings.Index(rest, "{{")
		if i < 0 {
			break
		}
		rest = rest[i:]
		end := strings.Index(rest, "}}")
		if end < 0 {
			return "", fmt.Errorf("unclosed %q", truncate(rest, 40))
		}
		tag := rest[:end+2]
		if !dataPlaceholder.MatchString(tag) && !strings.HasPrefix(strings.TrimSpace(tag[2:]), "resolve:") {
			return "", fmt.Errorf("unknown placeholder %s", tag)
		}
		rest = rest[end+2:]
	}
	return out, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
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
