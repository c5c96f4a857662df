package bootstrap

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/secops-dev/secops/pkg/compliance"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata/")

func TestRenderGolden(t *testing.T) {
	tmpls, err := renderNames(allStacks...)
	if err != nil {
		t.Fatal(err)
	}
	if len(tmpls) != len(allStacks) {
		t.Fatalf("rendered %d stacks, want %d", len(tmpls), len(allStacks))
	}
	for _, tm := range tmpls {
		t.Run(tm.Stack, func(t *testing.T) {
			golden := filepath.Join("testdata", tm.Stack+".golden.yaml")
			if *update {
				if err := os.WriteFile(golden, tm.Body, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./pkg/bootstrap -update)", err)
			}
			if !bytes.Equal(tm.Body, want) {
				t.Errorf("%s differs from %s; run go test ./pkg/bootstrap -run TestRenderGolden -update and review the diff", tm.Stack, golden)
			}
		})
	}
}

func TestRenderedTemplatesPassLint(t *testing.T) {
	tmpls, err := renderNames(allStacks...)
	if err != nil {
		t.Fatal(err)
	}
	for _, tm := range tmpls {
		t.Run(tm.Stack, func(t *testing.T) {
			if probs := Lint(tm.Body); len(probs) > 0 {
				t.Errorf("lint problems:\n%s", strings.Join(probs, "\n"))
			}
			if len(tm.Body) > MaxTemplateBodyBytes {
				t.Errorf("%d bytes, over %d", len(tm.Body), MaxTemplateBodyBytes)
			}
			types, err := ResourceTypes(tm.Body)
			if err != nil {
				t.Fatal(err)
			}
			if len(types) == 0 {
				t.Error("no resources")
			}
		})
	}
}

// TestLintCatchesProblems makes sure each check can fail.
func TestLintCatchesProblems(t *testing.T) {
	tests := []struct {
		name, body, want string
	}{
		{"bad yaml", "Resources: [", "not valid YAML"},
		{"no resources", "Parameters: {}\n", "no Resources"},
		{"unknown type", "Resources:\n  X:\n    Type: AWS::Foo::Bar\n", "unknown type AWS::Foo::Bar"},
		{"dangling ref", "Resources:\n  B:\n    Type: AWS::S3::BucketPolicy\n    Properties:\n      Bucket: !Ref Nope\n", "Ref Nope"},
		{"dangling long ref", "Resources:\n  B:\n    Type: AWS::S3::BucketPolicy\n    Properties:\n      Bucket: {Ref: Nope}\n", "Ref Nope"},
		{"dangling getatt", "Resources:\n  B:\n    Type: AWS::S3::BucketPolicy\n    Properties:\n      Bucket: !GetAtt Gone.Arn\n", "GetAtt Gone.Arn"},
		{"dangling sub", "Resources:\n  B:\n    Type: AWS::S3::BucketPolicy\n    Properties:\n      Bucket: !Sub arn:${AWS::Partition}:s3:::${Missing}\n", "Ref Missing"},
		{"dangling sub attr", "Resources:\n  B:\n    Type: AWS::S3::BucketPolicy\n    Properties:\n      Bucket: !Sub ${Gone.Arn}/x\n", "GetAtt Gone.Arn"},
		{"dangling depends", "Resources:\n  B:\n    Type: AWS::S3::Bucket\n    DependsOn: Ghost\n", "DependsOn Ghost"},
		{"dangling condition", "Resources:\n  B:\n    Type: AWS::S3::Bucket\n    Condition: Maybe\n", "Condition Maybe"},
		{"statement without comment", "Resources:\n  R:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument:\n        Statement:\n          - Effect: Allow\n            Action: sts:AssumeRole\n", "no comment"},
		{"wildcard without reason", "Resources:\n  R:\n    Type: AWS::IAM::Role\n    Properties:\n      Policies:\n        - PolicyDocument:\n            Statement:\n              # Why: reads things.\n              - Effect: Allow\n                Action: s3:*\n                Resource: x\n", "wildcard action s3:*"},
		{"pack with foreign type", "Resources:\n  P:\n    Type: AWS::Config::ConformancePack\n    Properties:\n      TemplateBody: |\n        Resources:\n          B:\n            Type: AWS::S3::Bucket\n", "P TemplateBody: resource B: unknown type AWS::S3::Bucket"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			probs := Lint([]byte(tt.body))
			if !strings.Contains(strings.Join(probs, "\n"), tt.want) {
				t.Errorf("problems %q do not mention %q", probs, tt.want)
			}
		})
	}
	ok := "Parameters:\n  P: {Type: String}\nResources:\n  R:\n    Type: AWS::IAM::Role\n    Properties:\n      Policies:\n        - PolicyDocument:\n            Statement:\n              # Why: deny all but TLS; wildcard on purpose.\n              - Effect: Deny\n                Action: s3:*\n                Resource: !Sub ${R.Arn}/${P}/${AWS::Region}/${!Literal}\n"
	if probs := Lint([]byte(ok)); len(probs) > 0 {
		t.Errorf("clean template flagged: %q", probs)
	}
}

func TestConformancePackCoversMapping(t *testing.T) {
	m, err := compliance.LoadISMSP()
	if err != nil {
		t.Fatal(err)
	}
	rules := m.Rules
	body, err := ConformancePackTemplate()
	if err != nil {
		t.Fatal(err)
	}
	if len(body) > MaxConformancePackBytes {
		t.Fatalf("pack is %d bytes, over %d", len(body), MaxConformancePackBytes)
	}
	var pack struct {
		Parameters map[string]struct {
			Default string `yaml:"Default"`
		} `yaml:"Parameters"`
		Resources map[string]struct {
			Type       string `yaml:"Type"`
			Properties struct {
				ConfigRuleName  string         `yaml:"ConfigRuleName"`
				InputParameters map[string]any `yaml:"InputParameters"`
				Source          struct {
					Owner            string `yaml:"Owner"`
					SourceIdentifier string `yaml:"SourceIdentifier"`
				} `yaml:"Source"`
			} `yaml:"Properties"`
		} `yaml:"Resources"`
	}
	if err := yaml.Unmarshal(body, &pack); err != nil {
		t.Fatal(err)
	}
	// The mapping's catalogue: 116 rules of AWS's K-ISMS pack plus 8 that
	// evidence controls the pack cannot reach (README counts).
	if len(rules) != 124 || len(pack.Resources) != 124 {
		t.Fatalf("mapping has %d rules, pack %d resources; want 124 each", len(rules), len(pack.Resources))
	}
	byName := map[string]string{}
	for id, r := range pack.Resources {
		if r.Type != "AWS::Config::ConfigRule" || r.Properties.Source.Owner != "AWS" {
			t.Errorf("%s: type %s owner %s", id, r.Type, r.Properties.Source.Owner)
		}
		byName[r.Properties.ConfigRuleName] = r.Properties.Source.SourceIdentifier
		// Each parameter must be the mapping's value, directly or as the
		// default of the referenced template parameter.
		for _, mr := range rules {
			if mr.ConfigRuleName != r.Properties.ConfigRuleName {
				continue
			}
			if len(r.Properties.InputParameters) != len(mr.InputParameters) {
				t.Errorf("%s: %d input parameters, mapping has %d", id, len(r.Properties.InputParameters), len(mr.InputParameters))
			}
			for k, want := range mr.InputParameters {
				got := ""
				switch v := r.Properties.InputParameters[k].(type) {
				case string:
					got = v
				case map[string]any:
					got = pack.Parameters[v["Ref"].(string)].Default
				}
				if got != want {
					t.Errorf("%s %s = %q, mapping says %q", id, k, got, want)
				}
			}
		}
	}
	for _, r := range rules {
		if byName[r.ConfigRuleName] != r.Identifier {
			t.Errorf("rule %s (%s) missing from the pack", r.ConfigRuleName, r.Identifier)
		}
	}
	// The compact form holds exactly what pkg/compliance generates.
	full, err := compliance.ConformancePackTemplate()
	if err != nil {
		t.Fatal(err)
	}
	var a, b map[string]any
	if err := yaml.Unmarshal([]byte(full), &a); err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(body, &b); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(a, b) {
		t.Error("compact pack differs from pkg/compliance's ConformancePackTemplate")
	}
	// Spot-check two rules whose parameters matter.
	if byName["restricted-ssh"] != "INCOMING_SSH_DISABLED" || byName["iam-policy-in-use"] != "IAM_POLICY_IN_USE" {
		t.Errorf("restricted-ssh=%q iam-policy-in-use=%q", byName["restricted-ssh"], byName["iam-policy-in-use"])
	}
	if pack.Parameters["IamPasswordPolicyParamMinimumPasswordLength"].Default != "12" {
		t.Errorf("IamPasswordPolicyParamMinimumPasswordLength default = %q", pack.Parameters["IamPasswordPolicyParamMinimumPasswordLength"].Default)
	}
}

func TestSelectStacks(t *testing.T) {
	tests := []struct {
		in      []string
		want    string
		wantErr string
	}{
		{nil, "security,compliance,alerts,pipeline", ""},
		{[]string{"scanner", "security"}, "security,scanner", ""},
		{[]string{"all"}, strings.Join(Names(Stacks().Owned("")), ","), ""},
		{[]string{"bogus"}, "", `unknown stack "bogus"`},
		{[]string{" "}, "", "--stacks is empty"},
	}
	for _, tt := range tests {
		sel, err := Stacks().Select(tt.in, Stacks().Defaults(), false)
		got := Names(sel)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("SelectStacks(%q) error = %v, want %q", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil || strings.Join(got, ",") != tt.want {
			t.Errorf("SelectStacks(%q) = %v, %v; want %s", tt.in, got, err, tt.want)
		}
	}
}

// BenchmarkRender measures rendering every stack, including generating the
// conformance pack from the mapping; plan --dry-run is this plus printing.
func BenchmarkRender(b *testing.B) {
	for b.Loop() {
		if _, err := renderNames(allStacks...); err != nil {
			b.Fatal(err)
		}
	}
}

func TestFill(t *testing.T) {
	data := map[string]string{"Name": "pack", "Body": "a: 1\n\nb: 2\n"}
	for _, tc := range []struct {
		body, want, err string
	}{
		{body: "Name: {{ .Name }}\n", want: "Name: pack\n"},
		{body: "X:\n{{ indent 4 .Body }}\n", want: "X:\n    a: 1\n\n    b: 2\n"},
		{body: "P: '{{resolve:ssm:/secops/key}}'\n", want: "P: '{{resolve:ssm:/secops/key}}'\n"},
		{body: "{{ .Missing }} {{ .Other }}", err: "no value for Missing, Other"},
		{body: "{{ if .Name }}x{{ end }}", err: "unknown placeholder {{ if .Name }}"},
		{body: "Name: {{ .Name", err: `unclosed "{{ .Name"`},
	} {
		got, err := fill(tc.body, data)
		if tc.err != "" {
			if err == nil || err.Error() != tc.err {
				t.Errorf("fill(%q) error = %v, want %q", tc.body, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("fill(%q) = %q, %v; want %q", tc.body, got, err, tc.want)
		}
	}
}
