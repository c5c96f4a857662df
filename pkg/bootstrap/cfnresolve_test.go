package bootstrap

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// resolved is a rendered template with CloudFormation's intrinsic
// functions evaluated for one set of parameter values, the way
// CloudFormation sees it at deploy time: conditions decided, resources of
// false conditions dropped, Ref and Fn::Sub of parameters and pseudo
// parameters replaced. A Ref to a resource becomes "ref:<LogicalId>", a
// GetAtt "<LogicalId>.<Attribute>".
type resolved struct {
	Parameters map[string]string
	Conditions map[string]bool
	Resources  map[string]map[string]any // logical id -> resource (Type, Properties, ...)
	Outputs    map[string]any
}

// Pseudo parameter values of the resolved templates.
const (
	testAccount = "123456789012"
	testRegion  = "us-east-1"
)

// noValue is what AWS::NoValue resolves to; it is removed from lists and maps.
type noValueT struct{}

var noValue = noValueT{}

// resolveStack renders a stack and resolves it with the template defaults
// overridden by params; parameters without a default get a value shaped
// like what secops passes.
func resolveStack(t testing.TB, stack string, params map[string]string) *resolved {
	t.Helper()
	s, ok := Stacks().Get(stack)
	if !ok {
		t.Fatalf("no stack %s", stack)
	}
	tm, err := s.Render()
	if err != nil {
		t.Fatal(err)
	}
	return resolveTemplate(t, stack, tm.Body, params)
}

func resolveTemplate(t testing.TB, stack string, body []byte, params map[string]string) *resolved {
	t.Helper()
	var doc yaml.Node
	if err := yaml.Unmarshal(body, &doc); err != nil {
		t.Fatal(err)
	}
	raw, ok := nodeValue(doc.Content[0]).(map[string]any)
	if !ok {
		t.Fatal("template is not a mapping")
	}
	r := &resolver{t: t, stack: stack, params: map[string]any{}, conditions: map[string]bool{}}
	out := &resolved{Parameters: map[string]string{}, Conditions: map[string]bool{}, Resources: map[string]map[string]any{}}
	decls, _ := raw["Parameters"].(map[string]any)
	for k, v := range decls {
		decl, _ := v.(map[string]any)
		val, given := params[k]
		if !given {
			if d, ok := decl["Default"]; ok {
				val = fmt.Sprint(d)
			} else {
				val = sampleParameter(k)
			}
		}
		out.Parameters[k] = val
		if decl["Type"] == "CommaDelimitedList" {
			var list []any
			if val != "" {
				for _, e := range strings.Split(val, ",") {
					list = append(list, strings.TrimSpace(e))
				}
			}
			if list == nil {
				list = []any{""}
			}
			r.params[k] = list
		} else {
			r.params[k] = val
		}
	}
	for k := range params {
		if _, ok := decls[k]; !ok {
			t.Fatalf("stack %s has no parameter %s", stack, k)
		}
	}
	conds, _ := raw["Conditions"].(map[string]any)
	r.conditionDefs = conds
	for k := range conds {
		out.Conditions[k] = r.condition(k)
	}
	resources, _ := raw["Resources"].(map[string]any)
	for id, v := range resources {
		res, _ := v.(map[string]any)
		if c, ok := res["Condition"].(string); ok && !r.condition(c) {
			continue
		}
		if res["Properties"] != nil {
			res["Properties"] = r.eval(res["Properties"])
		}
		out.Resources[id] = res
	}
	if o, ok := raw["Outputs"]; ok {
		out.Outputs, _ = r.eval(o).(map[string]any)
	}
	return out
}

// sampleParameter is a value shaped like what secops passes for a
// parameter the template gives no default.
func sampleParameter(key string) string {
	switch key {
	case "ArtifactsBucket":
		return "secops-security-artifactsbucket-1a2b3c4d5e6f"
	case "LogsKeyArn":
		return "arn:aws:kms:us-east-1:123456789012:key/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
	case "SecopsPackageKey":
		return "packages/secops-linux-amd64-0123456789abcdef.zip"
	case "SecopsPackageSha256":
		return strings.Repeat("ab", 32)
	case "SlackWebhookUrl":
		return "https://hooks.slack.com/services/T000/B000/XXXX"
	case "VpcId":
		return "vpc-0a1b2c3d4e5f60718"
	case "SubnetId":
		return "subnet-0a1b2c3d4e5f60718"
	case "ImageId":
		return "ami-0a1b2c3d4e5f60718"
	}
	return "sample-" + strings.ToLower(key)
}

type resolver struct {
	t             testing.TB
	stack         string
	params        map[string]any
	conditionDefs map[string]any
	conditions    map[string]bool
	deciding      map[string]bool
}

func (r *resolver) condition(name string) bool {
	if v, ok := r.conditions[name]; ok {
		return v
	}
	if r.deciding == nil {
		r.deciding = map[string]bool{}
	}
	if r.deciding[name] {
		r.t.Fatalf("condition %s refers to itself", name)
	}
	r.deciding[name] = true
	def, ok := r.conditionDefs[name]
	if !ok {
		r.t.Fatalf("condition %s is not declared", name)
	}
	v := r.truth(def)
	r.conditions[name] = v
	return v
}

func (r *resolver) truth(v any) bool {
	m, ok := v.(map[string]any)
	if !ok || len(m) != 1 {
		r.t.Fatalf("not a condition function: %v", v)
	}
	for fn, arg := range m {
		args, _ := arg.([]any)
		switch fn {
		case "Fn::Equals":
			a, b := r.eval(args[0]), r.eval(args[1])
			return fmt.Sprint(flatten(a)) == fmt.Sprint(flatten(b))
		case "Fn::Not":
			return !r.truth(args[0])
		case "Fn::And":
			for _, a := range args {
				if !r.truth(a) {
					return false
				}
			}
			return true
		case "Fn::Or":
			for _, a := range args {
				if r.truth(a) {
					return true
				}
			}
			return false
		case "Condition":
			return r.condition(arg.(string))
		}
		r.t.Fatalf("unknown condition function %s", fn)
	}
	return false
}

func flatten(v any) any {
	if l, ok := v.([]any); ok && len(l) == 1 {
		return l[0]
	}
	return v
}

var pseudo = map[string]string{
	"AWS::AccountId": testAccount,
	"AWS::Region":    testRegion,
	"AWS::Partition": "aws",
	"AWS::URLSuffix": "amazonaws.com",
}

func (r *resolver) ref(name string) any {
	if v, ok := r.params[name]; ok {
		return v
	}
	switch name {
	case "AWS::NoValue":
		return noValue
	case "AWS::StackName":
		return CloudFormationName(r.stack)
	case "AWS::StackId":
		return "arn:aws:cloudformation:us-east-1:123456789012:stack/" + CloudFormationName(r.stack) + "/1d0a4b30-5f2e-11ef-9c3a-0a1b2c3d4e5f"
	}
	if v, ok := pseudo[name]; ok {
		return v
	}
	return "ref:" + name
}

var subVarRE = regexp.MustCompile(`\$\{([^}!][^}]*)\}`)

func (r *resolver) sub(s string, vars map[string]any) string {
	return subVarRE.ReplaceAllStringFunc(s, func(m string) string {
		name := m[2 : len(m)-1]
		if v, ok := vars[name]; ok {
			return fmt.Sprint(r.eval(v))
		}
		if strings.Contains(name, ".") && !strings.HasPrefix(name, "AWS::") {
			return name
		}
		return fmt.Sprint(r.ref(name))
	})
}

// eval evaluates intrinsic functions in v.
func (r *resolver) eval(v any) any {
	switch x := v.(type) {
	case map[string]any:
		if len(x) == 1 {
			for fn, arg := range x {
				if out, ok := r.fn(fn, arg); ok {
					return out
				}
			}
		}
		out := map[string]any{}
		for k, e := range x {
			if ev := r.eval(e); ev != noValue {
				out[k] = ev
			}
		}
		return out
	case []any:
		out := []any{}
		for _, e := range x {
			if ev := r.eval(e); ev != noValue {
				out = append(out, ev)
			}
		}
		return out
	}
	return v
}

func (r *resolver) fn(fn string, arg any) (any, bool) {
	args, _ := arg.([]any)
	switch fn {
	case "Ref":
		return r.ref(arg.(string)), true
	case "Fn::GetAtt":
		if s, ok := arg.(string); ok {
			return s, true
		}
		return fmt.Sprint(args[0]) + "." + fmt.Sprint(args[1]), true
	case "Fn::Sub":
		if s, ok := arg.(string); ok {
			return r.sub(s, nil), true
		}
		vars, _ := args[1].(map[string]any)
		return r.sub(args[0].(string), vars), true
	case "Fn::If":
		if r.condition(args[0].(string)) {
			return r.eval(args[1]), true
		}
		return r.eval(args[2]), true
	case "Fn::Join":
		var parts []string
		for _, p := range r.eval(args[1]).([]any) {
			parts = append(parts, fmt.Sprint(p))
		}
		return strings.Join(parts, args[0].(string)), true
	case "Fn::Split":
		var out []any
		for _, p := range strings.Split(fmt.Sprint(r.eval(args[1])), args[0].(string)) {
			out = append(out, p)
		}
		return out, true
	case "Fn::Select":
		i, _ := strconv.Atoi(fmt.Sprint(r.eval(args[0])))
		return r.eval(args[1]).([]any)[i], true
	case "Fn::Base64":
		return r.eval(arg), true
	case "Fn::Equals", "Fn::Not", "Fn::And", "Fn::Or":
		return r.truth(map[string]any{fn: arg}), true
	}
	return nil, false
}

// nodeValue turns a YAML node into plain values, with CloudFormation's
// short-form tags (!Ref, !Sub, …) in their long form.
func nodeValue(n *yaml.Node) any {
	var v any
	switch n.Kind {
	case yaml.MappingNode:
		m := map[string]any{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			m[n.Content[i].Value] = nodeValue(n.Content[i+1])
		}
		v = m
	case yaml.SequenceNode:
		l := []any{}
		for _, c := range n.Content {
			l = append(l, nodeValue(c))
		}
		v = l
	case yaml.ScalarNode:
		switch n.Tag {
		case "!!int", "!!float", "!!bool":
			var x any
			_ = n.Decode(&x)
			v = x
		default:
			v = n.Value
		}
	case yaml.AliasNode:
		return nodeValue(n.Alias)
	}
	if strings.HasPrefix(n.Tag, "!") && !strings.HasPrefix(n.Tag, "!!") {
		name := strings.TrimPrefix(n.Tag, "!")
		switch name {
		case "Ref", "Condition":
			return map[string]any{name: n.Value}
		case "GetAtt":
			if n.Kind == yaml.ScalarNode {
				a, b, _ := strings.Cut(n.Value, ".")
				return map[string]any{"Fn::GetAtt": []any{a, b}}
			}
		}
		return map[string]any{"Fn::" + name: v}
	}
	return v
}

// TestResolver checks the resolver itself on the constructs the templates
// use.
func TestResolver(t *testing.T) {
	body := []byte(`
Parameters:
  Level: {Type: String, Default: HIGH}
  Extra: {Type: CommaDelimitedList, Default: ""}
Conditions:
  IsHigh: !Equals [!Ref Level, HIGH]
  HasExtra: !Not [!Equals [!Join ["", !Ref Extra], ""]]
Resources:
  Gone:
    Type: AWS::SNS::Topic
    Condition: HasExtra
  Kept:
    Type: AWS::SNS::Topic
    Properties:
      A: !If [IsHigh, [HIGH, CRITICAL], [LOW]]
      B: !Sub arn:${AWS::Partition}:sns:${AWS::Region}:${AWS::AccountId}:${Level}
      C: !Sub ["${X}-${Kept.Arn}", {X: !Ref Level}]
      D: !If [HasExtra, yes, !Ref AWS::NoValue]
      E: !Select [2, !Split ["/", "a/b/c/d"]]
      F: !GetAtt Kept.TopicName
`)
	got := resolveTemplate(t, "x", body, nil)
	p := got.Resources["Kept"]["Properties"].(map[string]any)
	want := "map[A:[HIGH CRITICAL] B:arn:aws:sns:us-east-1:123456789012:HIGH C:HIGH-Kept.Arn E:c F:Kept.TopicName]"
	if fmt.Sprint(p) != want || got.Resources["Gone"] != nil {
		t.Errorf("resolved %v, Gone=%v; want %s", p, got.Resources["Gone"], want)
	}
	got = resolveTemplate(t, "x", body, map[string]string{"Level": "LOW", "Extra": "a,b"})
	p = got.Resources["Kept"]["Properties"].(map[string]any)
	if fmt.Sprint(p["A"]) != "[LOW]" || p["D"] != "yes" || got.Resources["Gone"] == nil {
		t.Errorf("with parameters: %v", p)
	}
}

// sortedKeys returns a map's keys in order.
func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
