package bootstrap

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// pseudoParameters are the names Ref and Sub resolve without a declaration.
var pseudoParameters = map[string]bool{
	"AWS::AccountId": true, "AWS::NotificationARNs": true, "AWS::NoValue": true,
	"AWS::Partition": true, "AWS::Region": true, "AWS::StackId": true,
	"AWS::StackName": true, "AWS::URLSuffix": true,
}

// Lint checks a rendered template's structure: it is YAML, its resource
// types are known, every Ref, GetAtt, Sub variable, DependsOn and Condition
// resolves, every IAM policy statement carries a comment saying why, a
// wildcard action's comment says it is a wildcard on purpose, and an
// embedded conformance pack passes the same checks.
func Lint(body []byte) []string {
	return lint(body, func(t string) bool { return KnownResourceType(t) }, "")
}

func lint(body []byte, known func(string) bool, where string) []string {
	var doc yaml.Node
	if err := yaml.Unmarshal(body, &doc); err != nil {
		return []string{where + "not valid YAML: " + err.Error()}
	}
	if len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return []string{where + "template is not a mapping"}
	}
	root := doc.Content[0]
	l := &linter{where: where, params: map[string]bool{}, resources: map[string]bool{}, conditions: map[string]bool{}}
	for _, k := range keys(get(root, "Parameters")) {
		l.params[k] = true
	}
	for _, k := range keys(get(root, "Conditions")) {
		l.conditions[k] = true
	}
	res := get(root, "Resources")
	if res == nil || len(res.Content) == 0 {
		l.add("no Resources")
		return l.problems
	}
	for _, k := range keys(res) {
		l.resources[k] = true
	}
	for i := 0; i+1 < len(res.Content); i += 2 {
		name, r := res.Content[i].Value, res.Content[i+1]
		t := get(r, "Type")
		if t == nil {
			l.add("resource %s has no Type", name)
			continue
		}
		if !known(t.Value) {
			l.add("resource %s: unknown type %s", name, t.Value)
		}
		if d := get(r, "DependsOn"); d != nil {
			for _, n := range scalars(d) {
				if !l.resources[n] {
					l.add("resource %s: DependsOn %s is not a resource", name, n)
				}
			}
		}
		if c := get(r, "Condition"); c != nil && !l.conditions[c.Value] {
			l.add("resource %s: Condition %s is not declared", name, c.Value)
		}
		if t != nil && t.Value == "AWS::Config::ConformancePack" {
			if b := get(get(r, "Properties"), "TemplateBody"); b != nil {
				if len(b.Value) > MaxConformancePackBytes {
					l.add("resource %s: TemplateBody is %d bytes, over %d", name, len(b.Value), MaxConformancePackBytes)
				}
				inner := lint([]byte(b.Value), func(t string) bool { return conformancePackResourceTypes[t] }, l.where+name+" TemplateBody: ")
				l.problems = append(l.problems, inner...)
			}
		}
		l.walk(name, r)
	}
	if o := get(root, "Outputs"); o != nil {
		l.walk("Outputs", o)
	}
	return l.problems
}

type linter struct {
	where      string
	params     map[string]bool
	resources  map[string]bool
	conditions map[string]bool
	problems   []string
}

func (l *linter) add(format string, args ...any) {
	l.problems = append(l.problems, l.where+fmt.Sprintf(format, args...))
}

func (l *linter) ref(ctx, name string) {
	if !l.params[name] && !l.resources[name] && !pseudoParameters[name] {
		l.add("%s: Ref %s resolves to no parameter, resource or pseudo parameter", ctx, name)
	}
}

func (l *linter) getAtt(ctx, target string) {
	res, _, _ := strings.Cut(target, ".")
	if !l.resources[res] {
		l.add("%s: GetAtt %s names no resource", ctx, target)
	}
}

var subVar = regexp.MustCompile(`\$\{([^}]*)\}`)

func (l *linter) sub(ctx string, s string, local map[string]bool) {
	for _, m := range subVar.FindAllStringSubmatch(s, -1) {
		v := m[1]
		if strings.HasPrefix(v, "!") || local[v] {
			continue // ${!Literal} is not a variable
		}
		if strings.Contains(v, ".") && !strings.HasPrefix(v, "AWS::") {
			l.getAtt(ctx, v)
			continue
		}
		l.ref(ctx, v)
	}
}

func (l *linter) condition(ctx, name string) {
	if !l.conditions[name] {
		l.add("%s: condition %s is not declared", ctx, name)
	}
}

// walk visits every node under n, resolving intrinsic functions in both the
// short (!Ref) and the long (Ref:, Fn::GetAtt:) form, and checking IAM
// policy statements.
func (l *linter) walk(ctx string, n *yaml.Node) {
	switch n.Tag {
	case "!Ref":
		l.ref(ctx, n.Value)
	case "!GetAtt":
		if n.Kind == yaml.ScalarNode {
			l.getAtt(ctx, n.Value)
		} else if len(n.Content) > 0 {
			l.getAtt(ctx, n.Content[0].Value)
		}
	case "!Sub":
		l.subNode(ctx, n)
	case "!If":
		if n.Kind == yaml.SequenceNode && len(n.Content) > 0 {
			l.condition(ctx, n.Content[0].Value)
		}
	case "!Condition":
		l.condition(ctx, n.Value)
	}
	if n.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i].Value, n.Content[i+1]
			switch k {
			case "Ref":
				l.ref(ctx, v.Value)
			case "Fn::GetAtt":
				if v.Kind == yaml.SequenceNode && len(v.Content) > 0 {
					l.getAtt(ctx, v.Content[0].Value)
				} else {
					l.getAtt(ctx, v.Value)
				}
			case "Fn::Sub":
				l.subNode(ctx, v)
			case "Fn::If":
				if v.Kind == yaml.SequenceNode && len(v.Content) > 0 {
					l.condition(ctx, v.Content[0].Value)
				}
			case "Statement":
				l.statements(ctx, v)
			case "TemplateBody":
				continue // linted as its own template
			}
			l.walk(ctx, v)
		}
		return
	}
	for _, c := range n.Content {
		l.walk(ctx, c)
	}
}

func (l *linter) subNode(ctx string, n *yaml.Node) {
	if n.Kind == yaml.ScalarNode {
		l.sub(ctx, n.Value, nil)
		return
	}
	if n.Kind == yaml.SequenceNode && len(n.Content) == 2 {
		local := map[string]bool{}
		for _, k := range keys(n.Content[1]) {
			local[k] = true
		}
		l.sub(ctx, n.Content[0].Value, local)
	}
}

// statements checks the comment on each IAM policy statement.
func (l *linter) statements(ctx string, seq *yaml.Node) {
	if seq.Kind != yaml.SequenceNode {
		return
	}
	for i, st := range seq.Content {
		comment := nodeComment(st)
		body := st
		if st.Tag == "!If" && len(st.Content) > 1 {
			body = st.Content[1]
		}
		if strings.TrimSpace(comment) == "" {
			l.add("%s: IAM statement %d has no comment saying why", ctx, i+1)
		}
		for _, a := range scalars(get(body, "Action")) {
			if strings.Contains(a, "*") && !strings.Contains(strings.ToLower(comment), "wildcard") {
				l.add("%s: IAM statement %d uses wildcard action %s without a comment saying why a wildcard", ctx, i+1, a)
			}
		}
	}
}

// nodeComment is the comment written above a sequence item; yaml.v3 keeps
// it on the item or on the item's first child (a key, or the condition
// name of a block-style !If).
func nodeComment(n *yaml.Node) string {
	c := n.HeadComment
	if len(n.Content) > 0 {
		c += n.Content[0].HeadComment
	}
	return c
}

func get(m *yaml.Node, key string) *yaml.Node {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

func keys(m *yaml.Node) []string {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	var out []string
	for i := 0; i+1 < len(m.Content); i += 2 {
		out = append(out, m.Content[i].Value)
	}
	return out
}

func scalars(n *yaml.Node) []string {
	if n == nil {
		return nil
	}
	if n.Kind == yaml.ScalarNode {
		return []string{n.Value}
	}
	var out []string
	for _, c := range n.Content {
		if c.Kind == yaml.ScalarNode {
			out = append(out, c.Value)
		}
	}
	return out
}

// ResourceTypes returns the resource types a template declares, sorted.
func ResourceTypes(body []byte) ([]string, error) {
	var doc struct {
		Resources map[string]struct {
			Type string `yaml:"Type"`
		} `yaml:"Resources"`
	}
	if err := yaml.Unmarshal(body, &doc); err != nil {
		return nil, err
	}
	set := map[string]bool{}
	for _, r := range doc.Resources {
		set[r.Type] = true
	}
	out := make([]string, 0, len(set))
	for t := range set {
		out = append(out, t)
	}
	sort.Strings(out)
	return out, nil
}

// Resources returns a template's resources as (logical id, type) pairs in
// template order.
func Resources(body []byte) ([][2]string, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(body, &doc); err != nil {
		return nil, fmt.Errorf("parse template: %w", err)
	}
	if len(doc.Content) == 0 {
		return nil, fmt.Errorf("parse template: empty")
	}
	res := get(doc.Content[0], "Resources")
	var out [][2]string
	for i := 0; res != nil && i+1 < len(res.Content); i += 2 {
		t := ""
		if n := get(res.Content[i+1], "Type"); n != nil {
			t = n.Value
		}
		out = append(out, [2]string{res.Content[i].Value, t})
	}
	return out, nil
}

// ParameterTypes returns a template's parameter types by name.
func ParameterTypes(body []byte) (map[string]string, error) {
	var doc struct {
		Parameters map[string]struct {
			Type string `yaml:"Type"`
		} `yaml:"Parameters"`
	}
	if err := yaml.Unmarshal(body, &doc); err != nil {
		return nil, fmt.Errorf("parse template: %w", err)
	}
	out := map[string]string{}
	for k, p := range doc.Parameters {
		out[k] = p.Type
	}
	return out, nil
}
