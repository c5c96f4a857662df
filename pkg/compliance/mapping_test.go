package compliance

import (
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

func TestEmbeddedMappingCounts(t *testing.T) {
	m, err := LoadISMSP()
	if err != nil {
		t.Fatal(err)
	}
	s := m.Stats()
	// The counts the file declares about itself, and the README's totals.
	checks := []struct {
		name                string
		got, declared, want int
	}{
		{"controls_mapped", s.ControlsMapped, m.Counts.ControlsMapped, 32},
		{"control_rule_pairs", s.ControlRulePairs, m.Counts.ControlRulePairs, 321},
		{"rules_in_pack", s.RulesInPack, m.Counts.RulesInPack, 116},
		{"rules_not_in_pack", s.RulesNotInPack, m.Counts.RulesNotInPack, 8},
		{"rules_in_pack_mapped", s.RulesInPack - countUnusedInPack(m, s), m.Counts.RulesInPackMapped, 116},
		{"conformance_pack.rule_count", s.RulesInPack, m.ConformancePack.RuleCount, 116},
		{"unmapped_controls", len(m.UnmappedControls), m.Counts.Section2ControlsTotal - m.Counts.ControlsMappedSection2, 33},
	}
	for _, c := range checks {
		if c.got != c.declared || c.got != c.want {
			t.Errorf("%s: counted %d, file declares %d, want %d", c.name, c.got, c.declared, c.want)
		}
	}
	for basis, n := range m.Counts.PairsByBasis {
		if s.PairsByBasis[basis] != n {
			t.Errorf("pairs_by_basis[%s]: counted %d, file declares %d", basis, s.PairsByBasis[basis], n)
		}
	}
	if len(s.PairsByBasis) != len(m.Counts.PairsByBasis) {
		t.Errorf("bases counted %v, declared %v", s.PairsByBasis, m.Counts.PairsByBasis)
	}
	section2 := 0
	for _, c := range m.Controls {
		if c.Section == "2" {
			section2++
		}
	}
	if section2 != m.Counts.ControlsMappedSection2 {
		t.Errorf("section-2 controls: counted %d, declared %d", section2, m.Counts.ControlsMappedSection2)
	}
	// Rule names that differ from their identifier, as the README lists.
	for ident, name := range map[string]string{
		"INCOMING_SSH_DISABLED":       "restricted-ssh",
		"RESTRICTED_INCOMING_TRAFFIC": "restricted-common-ports",
		"INSTANCES_IN_VPC":            "ec2-instances-in-vpc",
		"CLOUD_TRAIL_ENABLED":         "cloudtrail-enabled",
		"EC2_INSTANCE_MANAGED_BY_SSM": "ec2-instance-managed-by-systems-manager",
	} {
		r, ok := m.Rule(ident)
		if !ok || r.ConfigRuleName != name {
			t.Errorf("rule %s: got %+v, want config_rule_name %s", ident, r, name)
		}
	}
}

func countUnusedInPack(m *Mapping, s MappingStats) int {
	n := 0
	for _, id := range s.RulesUnused {
		if r, _ := m.Rule(id); r != nil && r.InPack {
			n++
		}
	}
	return n
}

const validMapping = `schema_version: 1
basis_legend: {aws-kisms: "x"}
controls:
  - id: "2.5.4"
    title_en: "Password Management"
    domain: "2.5"
    rule_count: 1
    rules:
      - identifier: "IAM_PASSWORD_POLICY"
        basis: "aws-kisms"
        in_pack: true
unmapped_controls:
  - id: "2.2.1"
    title_en: "Designation of Key Personnel"
    domain: "2.2"
rules:
  - identifier: "IAM_PASSWORD_POLICY"
    config_rule_name: "iam-password-policy"
    in_pack: true
    input_parameters: {MinimumPasswordLength: "14"}
    template_parameters: {MinimumPasswordLength: "IamPasswordPolicyParamMinimumPasswordLength"}
    controls: ["2.5.4"]
`

func TestParseMappingValidates(t *testing.T) {
	if _, err := ParseMapping([]byte(validMapping)); err != nil {
		t.Fatalf("valid mapping rejected: %v", err)
	}
	tests := []struct {
		name, from, to, wantErr string
	}{
		{"control without id", `id: "2.5.4"`, `id: ""`, "controls[0]: id is empty"},
		{"control without title", `title_en: "Password Management"`, `title_en: ""`, "control 2.5.4: title is empty"},
		{"control rule without identifier", `      - identifier: "IAM_PASSWORD_POLICY"`, `      - identifier: ""`, "control 2.5.4: rules[0]: identifier is empty"},
		{"catalogue rule without identifier", `  - identifier: "IAM_PASSWORD_POLICY"
    config_rule_name`, `  - identifier: ""
    config_rule_name`, "rules[0]: identifier is empty"},
		{"unknown key", `    domain: "2.5"`, `    domain: "2.5"
    domian: "2.5"`, "field domian not found"},
		{"wrong rule_count", `rule_count: 1`, `rule_count: 2`, "rule_count 2 but 1 rules"},
		{"unknown basis", `basis: "aws-kisms"`, `basis: "guess"`, `basis "guess" is not in basis_legend`},
		{"catalogue disagrees", `controls: ["2.5.4"]`, `controls: ["2.5.4", "2.5.3"]`, "catalogue lists 2 controls"},
		{"schema version", `schema_version: 1`, `schema_version: 2`, "schema_version 2"},
		{"parameter without default", `input_parameters: {MinimumPasswordLength: "14"}`, `input_parameters: {}`, "has no input_parameters default"},
		{"not yaml", `schema_version: 1`, `schema_version: [`, "parse compliance mapping"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := strings.Replace(validMapping, tt.from, tt.to, 1)
			if doc == validMapping {
				t.Fatalf("test edit %q did not apply", tt.from)
			}
			_, err := ParseMapping([]byte(doc))
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("got %v, want an error containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestConformancePackTemplate(t *testing.T) {
	body, err := ConformancePackTemplate()
	if err != nil {
		t.Fatal(err)
	}
	if len(body) > MaxTemplateBody {
		t.Fatalf("template is %d bytes, over %d", len(body), MaxTemplateBody)
	}
	t.Logf("template: %d bytes", len(body))
	var tpl struct {
		Parameters map[string]struct {
			Default string `yaml:"Default"`
			Type    string `yaml:"Type"`
		} `yaml:"Parameters"`
		Resources map[string]struct {
			Type       string `yaml:"Type"`
			Properties struct {
				ConfigRuleName  string         `yaml:"ConfigRuleName"`
				InputParameters map[string]any `yaml:"InputParameters"`
				Scope           struct {
					ComplianceResourceTypes []string `yaml:"ComplianceResourceTypes"`
				} `yaml:"Scope"`
				Source struct {
					Owner            string `yaml:"Owner"`
					SourceIdentifier string `yaml:"SourceIdentifier"`
				} `yaml:"Source"`
			} `yaml:"Properties"`
		} `yaml:"Resources"`
	}
	if err := yaml.Unmarshal([]byte(body), &tpl); err != nil {
		t.Fatalf("template is not YAML: %v", err)
	}
	m, _ := LoadISMSP()
	if len(tpl.Resources) != len(m.Rules) || len(m.Rules) != 124 {
		t.Fatalf("%d resources for %d rules, want 124", len(tpl.Resources), len(m.Rules))
	}
	byIdent := map[string]string{}
	for logical, r := range tpl.Resources {
		if r.Type != "AWS::Config::ConfigRule" || r.Properties.Source.Owner != "AWS" {
			t.Errorf("%s: type %s owner %s", logical, r.Type, r.Properties.Source.Owner)
		}
		byIdent[r.Properties.Source.SourceIdentifier] = logical
	}
	params := 0
	for _, rule := range m.Rules {
		logical, ok := byIdent[rule.Identifier]
		if !ok {
			t.Errorf("rule %s missing from the template", rule.Identifier)
			continue
		}
		got := tpl.Resources[logical].Properties
		if got.ConfigRuleName != rule.ConfigRuleName {
			t.Errorf("%s: ConfigRuleName %s, want %s", rule.Identifier, got.ConfigRuleName, rule.ConfigRuleName)
		}
		if strings.Join(got.Scope.ComplianceResourceTypes, ",") != strings.Join(rule.ResourceTypes, ",") {
			t.Errorf("%s: scope %v, want %v", rule.Identifier, got.Scope.ComplianceResourceTypes, rule.ResourceTypes)
		}
		if len(got.InputParameters) != len(rule.InputParameters) {
			t.Errorf("%s: %d input parameters, want %d", rule.Identifier, len(got.InputParameters), len(rule.InputParameters))
		}
		for key, def := range rule.InputParameters {
			tp, isParam := rule.TemplateParameters[key]
			switch v := got.InputParameters[key].(type) {
			case string:
				if isParam || v != def {
					t.Errorf("%s.%s = %q, want %q (template parameter %q)", rule.Identifier, key, v, def, tp)
				}
			case map[string]any:
				params++
				if v["Ref"] != tp || tpl.Parameters[tp].Default != def || tpl.Parameters[tp].Type != "String" {
					t.Errorf("%s.%s = %v, want Ref %s with default %q (got %+v)", rule.Identifier, key, v, tp, def, tpl.Parameters[tp])
				}
			default:
				t.Errorf("%s.%s: unexpected %T", rule.Identifier, key, v)
			}
		}
	}
	// The K-ISMS pack exposes 30 template parameters; they keep their names.
	if len(tpl.Parameters) != m.ConformancePack.TemplateParameterCount || len(tpl.Parameters) != 30 {
		t.Errorf("%d template parameters, want 30", len(tpl.Parameters))
	}
	if _, ok := tpl.Parameters["IamPasswordPolicyParamMinimumPasswordLength"]; !ok {
		t.Error("IamPasswordPolicyParamMinimumPasswordLength is not a template parameter")
	}
	if params < 30 {
		t.Errorf("only %d input parameters reference template parameters", params)
	}
	// IAM_POLICY_IN_USE comes from another pack and carries its policy ARN inline.
	r := tpl.Resources[byIdent["IAM_POLICY_IN_USE"]].Properties
	if r.InputParameters["policyARN"] != "arn:aws:iam::aws:policy/AWSSupportAccess" {
		t.Errorf("IAM_POLICY_IN_USE parameters: %v", r.InputParameters)
	}
}

func TestTemplateInPackOnly(t *testing.T) {
	m, _ := LoadISMSP()
	body, err := m.Template(TemplateOptions{InPackOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(body, "Type: AWS::Config::ConfigRule"); n != 116 {
		t.Errorf("%d rules, want the pack's 116", n)
	}
	for _, out := range []string{"SourceIdentifier: IAM_POLICY_IN_USE\n", "SourceIdentifier: INSPECTOR_EC2_SCAN_ENABLED\n", "SourceIdentifier: EC2_INSTANCE_MANAGED_BY_SSM\n"} {
		if strings.Contains(body, out) {
			t.Errorf("out-of-pack rule %q in the in-pack template", out)
		}
	}
}

func TestLogicalID(t *testing.T) {
	for in, want := range map[string]string{
		"iam-password-policy":   "IamPasswordPolicy",
		"vpc-vpn-2-tunnels-up":  "VpcVpn2TunnelsUp",
		"s3-bucket-ssl_request": "S3BucketSslRequest",
	} {
		if got := logicalID(in); got != want {
			t.Errorf("logicalID(%q) = %q, want %q", in, got, want)
		}
	}
}

func BenchmarkLoadISMSP(b *testing.B) {
	for b.Loop() {
		if _, err := LoadISMSP(); err != nil {
			b.Fatal(err)
		}
	}
}
