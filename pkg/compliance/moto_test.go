package compliance

import (
	"context"
	"encoding/json"
	"sort"
	"testing"

	"github.com/secops-dev/secops/internal/motoserver"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/configservice"
	"github.com/aws/aws-sdk-go-v2/service/configservice/types"
)

func startMoto(t *testing.T) string { return motoserver.Start(t) }

// TestMotoConfigRuleIdentifiers joins rules to the mapping through moto's
// DescribeConfigRules: names in batches of 25 and the unfiltered listing.
// moto checks each managed rule's required parameters, so this also checks
// the mapping's input parameters against moto's managed-rule catalogue.
// (moto does not implement the conformance-pack and compliance queries.)
func TestMotoConfigRuleIdentifiers(t *testing.T) {
	endpoint := startMoto(t)
	cfg := aws.Config{Region: "ap-northeast-2", Credentials: credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", "")}
	api := configservice.NewFromConfig(cfg, func(o *configservice.Options) { o.BaseEndpoint = aws.String(endpoint) })
	ctx := context.Background()
	m, err := LoadISMSP()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	want := map[string]string{}
	for _, r := range m.Rules {
		name := r.ConfigRuleName + "-conformance-pack-x7k2q9wmz"
		if len(name) > 64 {
			name = name[:64]
		}
		rule := &types.ConfigRule{
			ConfigRuleName: aws.String(name),
			Source:         &types.Source{Owner: types.OwnerAws, SourceIdentifier: aws.String(r.Identifier)},
		}
		if len(r.InputParameters) > 0 {
			params, _ := json.Marshal(r.InputParameters)
			rule.InputParameters = aws.String(string(params))
		}
		if len(r.ResourceTypes) > 0 {
			rule.Scope = &types.Scope{ComplianceResourceTypes: r.ResourceTypes}
		}
		_, err := api.PutConfigRule(ctx, &configservice.PutConfigRuleInput{ConfigRule: rule})
		if err != nil {
			t.Fatalf("moto PutConfigRule %s: %v", name, err)
		}
		names = append(names, name)
		want[name] = r.Identifier
	}
	c := New(api, "ap-northeast-2")
	for _, tc := range []struct {
		name  string
		names []string
	}{{"by name", names}, {"all", nil}} {
		got, err := c.ConfigRules(ctx, tc.names)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if len(got) != len(want) {
			t.Fatalf("%s: %d rules, want %d", tc.name, len(got), len(want))
		}
		sort.Slice(got, func(i, j int) bool { return got[i].Name < got[j].Name })
		for _, r := range got {
			if want[r.Name] != r.Identifier || r.Owner != "AWS" {
				t.Errorf("%s: %s → %s (%s), want %s", tc.name, r.Name, r.Identifier, r.Owner, want[r.Name])
			}
			if _, ok := m.Rule(r.Identifier); !ok {
				t.Errorf("%s: %s does not join the mapping", tc.name, r.Identifier)
			}
		}
	}
}
