package bootstrap

import (
	"fmt"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/secops-dev/secops/pkg/lambdahandler"
)

// roleGrants reads the inline policies of every IAM role in a rendered
// stack: role -> action -> the resources granted (as written).
func roleGrants(t *testing.T, stack string) map[string]map[string][]string {
	t.Helper()
	tmpls, err := renderNames(stack)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Resources map[string]struct {
			Type       string `yaml:"Type"`
			Properties struct {
				Policies []struct {
					PolicyDocument struct {
						Statement []any `yaml:"Statement"`
					} `yaml:"PolicyDocument"`
				} `yaml:"Policies"`
			} `yaml:"Properties"`
		} `yaml:"Resources"`
	}
	if err := yaml.Unmarshal(tmpls[0].Body, &doc); err != nil {
		t.Fatal(err)
	}
	list := func(v any) []string {
		switch v := v.(type) {
		case string:
			return []string{v}
		case []any:
			var out []string
			for _, e := range v {
				out = append(out, fmt.Sprint(e))
			}
			return out
		}
		return nil
	}
	out := map[string]map[string][]string{}
	for name, r := range doc.Resources {
		if r.Type != "AWS::IAM::Role" {
			continue
		}
		out[name] = map[string][]string{}
		for _, p := range r.Properties.Policies {
			for _, raw := range p.PolicyDocument.Statement {
				// Conditional statements (!If) are left out.
				st, ok := raw.(map[string]any)
				if !ok || st["Effect"] != "Allow" {
					continue
				}
				for _, a := range list(st["Action"]) {
					out[name][a] = append(out[name][a], list(st["Resource"])...)
				}
			}
		}
	}
	return out
}

// TestRolesGrantWhatCommandsCall compares each role with the AWS calls the
// secops commands run under it make: a missing action fails the pipeline
// stage, the scan on the scanner host, or the notifier, on every run.
func TestRolesGrantWhatCommandsCall(t *testing.T) {
	// secops scan --upload and findings push (pkg/securityhub Upload and
	// Push): BatchImportFindings sends the findings; a complete scan then
	// lists the Security Hub findings of its target with GetFindings to
	// archive the ones it no longer reports.
	upload := []string{"securityhub:BatchImportFindings", "securityhub:GetFindings"}
	// secops scan image on the pushed ECR image.
	pull := []string{"ecr:GetAuthorizationToken", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"}
	tests := []struct {
		stack, role string
		actions     []string
	}{
		{StackPipeline, "BuildRole", append(append([]string{"s3:GetObject", "eks:DescribeCluster"}, upload...), pull...)},
		{StackScanner, "ScannerRole", append([]string{"s3:GetObject"}, upload...)},
		{StackAlerts, "NotifierRole", lambdahandler.IAMActions()},
	}
	for _, tt := range tests {
		grants := roleGrants(t, tt.stack)[tt.role]
		if grants == nil {
			t.Fatalf("%s: no role %s", tt.stack, tt.role)
		}
		for _, a := range tt.actions {
			res, ok := grants[a]
			if !ok {
				t.Errorf("%s %s does not grant %s", tt.stack, tt.role, a)
				continue
			}
			// Security Hub authorizes the finding calls on the hub (GetFindings,
			// BatchUpdateFindings) or the product (BatchImportFindings).
			want := map[string]string{
				"securityhub:GetFindings":         ":hub/default",
				"securityhub:BatchUpdateFindings": ":hub/default",
				"securityhub:BatchImportFindings": ":product/",
			}[a]
			if want != "" && !strings.Contains(strings.Join(res, " "), want) {
				t.Errorf("%s %s grants %s on %v, want a resource with %q", tt.stack, tt.role, a, res, want)
			}
		}
	}
}
