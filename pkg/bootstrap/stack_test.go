package bootstrap

import (
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

func TestRegistrySelect(t *testing.T) {
	reg, err := NewRegistry(
		Stack{Name: "base", Order: 10},
		Stack{Name: "eks", Order: 25, Command: "secops deploy cluster"},
		Stack{Name: "extra", Order: 30, OptIn: true},
		Stack{Name: "app", Order: 20},
	)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(Names(reg.All()), ","); got != "base,app,eks,extra" {
		t.Errorf("order %s", got)
	}
	if got := strings.Join(Names(reg.Defaults()), ","); got != "base,app" {
		t.Errorf("defaults %s", got)
	}
	tests := []struct {
		names    []string
		anyOwner bool
		want     string
		wantErr  string
	}{
		{nil, false, "base,app", ""},
		{[]string{"all"}, false, "base,app,extra", ""},
		{[]string{"all"}, true, "base,app,eks,extra", ""},
		{[]string{"extra", "base"}, false, "base,extra", ""},
		{[]string{"eks"}, false, "", "stack eks is deployed by 'secops deploy cluster', not by bootstrap"},
		{[]string{"eks"}, true, "eks", ""},
		{[]string{"nope"}, false, "", `unknown stack "nope": choose from base, app, extra, or all`},
		{[]string{""}, false, "", "--stacks is empty"},
	}
	for _, tt := range tests {
		got, err := reg.Select(tt.names, reg.Defaults(), tt.anyOwner)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Select(%q) error = %v, want %q", tt.names, err, tt.wantErr)
			}
			continue
		}
		if err != nil || strings.Join(Names(got), ",") != tt.want {
			t.Errorf("Select(%q, %v) = %v, %v; want %s", tt.names, tt.anyOwner, Names(got), err, tt.want)
		}
	}
	for _, bad := range [][]Stack{
		{{Name: "a", Order: 1}, {Name: "a", Order: 2}},
		{{Name: "a", Order: 1}, {Name: "b", Order: 1}},
		{{Name: "Upper", Order: 1}},
	} {
		if _, err := NewRegistry(bad...); err == nil {
			t.Errorf("NewRegistry(%v) accepted", Names(bad))
		}
	}
}

// TestParamsMatchTemplates checks every declared parameter against its
// template: it exists, a flag's default equals the template's, and every
// template parameter without a default is filled in by secops.
func TestParamsMatchTemplates(t *testing.T) {
	for _, s := range Stacks().All() {
		tm, err := s.Render()
		if err != nil {
			t.Fatal(err)
		}
		var doc struct {
			Parameters map[string]struct {
				Default *string `yaml:"Default"`
			} `yaml:"Parameters"`
		}
		if err := yaml.Unmarshal(tm.Body, &doc); err != nil {
			t.Fatal(err)
		}
		filled := map[string]bool{}
		for _, p := range s.params() {
			filled[p.Key] = true
			tp, ok := doc.Parameters[p.Key]
			if !ok {
				t.Errorf("%s declares parameter %s, which its template lacks", s.Name, p.Key)
				continue
			}
			if p.Flag != "" && !p.Required && p.Resolve == nil {
				def := ""
				if tp.Default != nil {
					def = *tp.Default
				}
				if def != p.Default {
					t.Errorf("%s %s: default %q in Go, %q in the template", s.Name, p.Key, p.Default, def)
				}
			}
		}
		for k, tp := range doc.Parameters {
			if tp.Default == nil && !filled[k] {
				t.Errorf("%s: template parameter %s has no default and secops does not fill it in", s.Name, k)
			}
		}
	}
}

// TestAnotherCommandDeploysItsStack drives a stack that another command
// owns through the Deployer's exported API: the same validation, change
// sets, events and results as bootstrap's own stacks.
func TestAnotherCommandDeploysItsStack(t *testing.T) {
	reg, err := NewRegistry(Stack{
		Name: "eks", Order: 25, Command: "secops deploy cluster", Summary: "an EKS cluster",
		Params: []Param{
			{Key: "ClusterName", Flag: "name", Required: true, Usage: "cluster name"},
			{Key: "KubernetesVersion", Flag: "kubernetes-version", Default: "1.31", Usage: "Kubernetes version"},
		},
		body: "Parameters:\n  ClusterName: {Type: String}\n  KubernetesVersion: {Type: String, Default: \"1.31\"}\nResources:\n  Cluster:\n    Type: AWS::EKS::Cluster\n    Properties:\n      Name: !Ref ClusterName\n      Version: !Ref KubernetesVersion\n",
	})
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t)
	e.d.Stacks = reg
	ctx := t.Context()
	if _, err := e.d.Apply(ctx, []string{"eks"}, Inputs{}); err == nil || err.Error() != "stack secops-eks needs --name: cluster name; pass --name" {
		t.Errorf("apply without the cluster name: %v", err)
	}
	if len(e.cfn.requestsFor("CreateChangeSet")) != 0 {
		t.Error("a change set was created before the inputs were checked")
	}
	res, err := e.d.Apply(ctx, []string{"eks"}, Inputs{Values: Values{"ClusterName": "prod"}})
	if err != nil {
		t.Fatalf("apply: %v\n%s", err, e.rec)
	}
	if actionsOf(res) != "eks=created" || len(res.Stacks[0].Changes) != 1 {
		t.Errorf("apply: %+v", res)
	}
	if p := paramMap(e.cfn.requestsFor("CreateChangeSet")[0]); p["ClusterName"] != "prod" || p["KubernetesVersion"] != "1.31" {
		t.Errorf("parameters %v", p)
	}
	if !strings.Contains(e.rec.String(), "secops-eks: CREATE_COMPLETE Cluster (AWS::EKS::Cluster)") {
		t.Errorf("events not streamed:\n%s", e.rec)
	}
	rows, err := e.d.Plan(ctx, []string{"eks"}, Inputs{})
	if err != nil || len(rows) != 1 || rows[0].Action != "none" {
		t.Errorf("plan after apply: %+v, %v", rows, err)
	}
	st, err := e.d.Status(ctx, []string{"eks"}, false)
	if err != nil || st[0].Status != "CREATE_COMPLETE" {
		t.Errorf("status: %+v, %v", st, err)
	}
	dres, err := e.d.Destroy(ctx, []string{"eks"}, DestroyOptions{})
	if err != nil || strings.Join(dres.Deleted, ",") != "secops-eks" {
		t.Errorf("destroy: %+v, %v", dres, err)
	}
}

// TestScannerNetworkValues: the VPC follows the subnet, and the public IP
// the subnet's kind unless it is given.
func TestScannerNetworkValues(t *testing.T) {
	tests := []struct {
		values          Values
		vpc, subnet, ip string
	}{
		{Values{}, "vpc-0default00000000", "subnet-0default000000001", "true"},
		{Values{"SubnetId": "subnet-0a1b2c3d4e5f60718"}, "vpc-0a1b2c3d4e5f60718", "subnet-0a1b2c3d4e5f60718", "false"},
		{Values{"SubnetId": "subnet-0a1b2c3d4e5f60718", "AssociatePublicIp": "true"}, "vpc-0a1b2c3d4e5f60718", "subnet-0a1b2c3d4e5f60718", "true"},
		{Values{"AssociatePublicIp": "false"}, "vpc-0default00000000", "subnet-0default000000001", "false"},
	}
	for _, tt := range tests {
		e := newEnv(t)
		if _, err := e.d.Plan(t.Context(), []string{StackScanner}, Inputs{Values: tt.values}); err != nil {
			t.Fatal(err)
		}
		p := paramMap(e.cfn.requestsFor("CreateChangeSet")[0])
		if p["VpcId"] != tt.vpc || p["SubnetId"] != tt.subnet || p["AssociatePublicIp"] != tt.ip {
			t.Errorf("%v: VpcId %s SubnetId %s AssociatePublicIp %s; want %s %s %s", tt.values, p["VpcId"], p["SubnetId"], p["AssociatePublicIp"], tt.vpc, tt.subnet, tt.ip)
		}
	}
}
