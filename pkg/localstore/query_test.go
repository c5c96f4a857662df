package localstore

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/secops-dev/secops/pkg/findings"
)

// Pools the random findings and queries draw from, with near-misses on
// purpose: case variants, LIKE wildcards, shared prefixes, offsets.
var (
	poolProducts   = []string{"secops", "Trivy", "trivy", "TRIVY", "ZAP", "Ünïcode", "üNÏCODE", ""}
	poolGenerators = []string{"secops/sca", "secops/secrets", "secops/sast/G101", "trivy", "aws-foundational-security-best-practices/v/1.0.0/S3.1"}
	poolTypes      = []string{
		"Software and Configuration Checks/Vulnerabilities/CVE",
		"Software and Configuration Checks/AWS Security Best Practices",
		"Sensitive Data Identifications/Passwords",
		"Sensitive Data Identifications/PII",
		"TTPs/Initial Access",
		"software and configuration checks/lowercase",
	}
	poolResources = []string{
		"app/go.mod:golang.org/x/net@v0.1.0", "app/package-lock.json:lodash@4.17.20", "APP/Main.java",
		"arn:aws:s3:::my_bucket", "arn:aws:s3:::my%bucket", "https://example.test/login?q=1", "other/go.mod:x@v1",
	}
	poolTitles   = []string{"CVE-2024-0001 in net", "AWS secret key", "S3 bucket is public", "Hard-coded password", "cross-site scripting", "Ärger", ""}
	poolStatuses = []string{findings.WorkflowNew, findings.WorkflowNotified, findings.WorkflowSuppressed, findings.WorkflowResolved}
	poolZones    = []*time.Location{time.UTC, time.FixedZone("KST", 9*3600), time.FixedZone("PST", -8*3600)}
)

func pick[T any](r *rand.Rand, pool []T) T { return pool[r.IntN(len(pool))] }

func randomTime(r *rand.Rand) time.Time {
	return t0.Add(time.Duration(r.IntN(96)) * time.Hour / 4).Add(time.Duration(r.IntN(1000)) * time.Millisecond)
}

func randomFinding(r *rand.Rand, i int) findings.Finding {
	f := findings.Finding{
		SchemaVersion: findings.SchemaVersion,
		Id:            fmt.Sprintf("%s/%032x", pick(r, poolGenerators), r.Uint64()),
		ProductArn:    pick(r, []string{testProduct, "arn:aws:securityhub:us-east-1::product/aquasecurity/aquasecurity"}),
		ProductName:   pick(r, poolProducts),
		GeneratorId:   pick(r, poolGenerators),
		AwsAccountId:  findings.LocalAccountID,
		Title:         pick(r, poolTitles) + pick(r, []string{"", "", fmt.Sprint(i % 3)}),
		Description:   "d",
		CreatedAt:     findings.FormatTime(t0),
	}
	if f.Title == "" {
		f.Title = "untitled"
	}
	// UpdatedAt in different offsets and precisions.
	u := randomTime(r).In(pick(r, poolZones))
	f.UpdatedAt = u.Format(pick(r, []string{time.RFC3339, time.RFC3339Nano, "2006-01-02T15:04:05.000Z07:00"}))
	for range 1 + r.IntN(3) {
		f.Types = append(f.Types, pick(r, poolTypes))
	}
	for range 1 + r.IntN(2) {
		f.Resources = append(f.Resources, findings.Resource{Type: "Other", Id: pick(r, poolResources)})
	}
	switch r.IntN(4) {
	case 0: // the deprecated Normalized score only
		n := int32(r.IntN(101))
		f.Severity = &findings.Severity{Normalized: &n}
	default:
		f.Severity = findings.NewSeverity(pick(r, findings.SeverityLabels()), "")
	}
	if r.IntN(3) > 0 {
		f.Workflow = &findings.Workflow{Status: pick(r, poolStatuses)}
	}
	f.RecordState = pick(r, []string{"", findings.RecordActive, findings.RecordArchived})
	return f
}

func randomQuery(r *rand.Rand) findings.Query {
	var q findings.Query
	chance := func() bool { return r.IntN(3) == 0 }
	if chance() {
		for range 1 + r.IntN(2) {
			q.Severities = append(q.Severities, pick(r, findings.SeverityLabels()))
		}
	}
	if chance() {
		q.Product = pick(r, []string{"trivy", "Trivy", "ünïcode", "zap", "nope"})
	}
	if chance() {
		t := pick(r, poolTypes)
		q.TypePrefix = t[:1+r.IntN(len(t))]
	}
	if chance() {
		res := pick(r, append(poolResources, "%", "_", "APP", "app"))
		a := r.IntN(len(res))
		q.Resource = res[a : a+1+r.IntN(len(res)-a)]
	}
	if chance() {
		q.Statuses = []string{pick(r, poolStatuses), pick(r, poolStatuses)}
	}
	if chance() {
		q.RecordState = pick(r, []string{findings.RecordActive, findings.RecordArchived})
	}
	if chance() {
		q.Since = randomTime(r).In(pick(r, poolZones))
	}
	if chance() {
		g := pick(r, poolGenerators)
		q.GeneratorPrefix = g[:1+r.IntN(len(g))]
	}
	q.Sort = pick(r, []string{"", findings.SortSeverity, findings.SortUpdated, findings.SortTitle})
	if chance() {
		q.Limit = 1 + r.IntN(20)
	}
	return q
}

// TestQueryMatchesReference holds the SQL translation of every Query field,
// sort and limit to the reference semantics: Query.Matches + SortFindings.
func TestQueryMatchesReference(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	s := openTemp(t)
	var list []findings.Finding
	for i := range 200 {
		list = append(list, randomFinding(r, i))
	}
	res := mustImport(t, s, list, findings.ImportOptions{})
	if res.New != len(list) || len(res.Failed) != 0 {
		t.Fatalf("import = %+v", res)
	}
	all := mustQuery(t, s, findings.Query{})
	if len(all) != len(list) {
		t.Fatalf("%d stored, want %d", len(all), len(list))
	}
	nonEmpty := 0
	for i := range 1000 {
		q := randomQuery(r)
		var want []findings.Finding
		for _, f := range all {
			if q.Matches(&f) {
				want = append(want, f)
			}
		}
		findings.SortFindings(want, q.Sort)
		if q.Limit > 0 && len(want) > q.Limit {
			want = want[:q.Limit]
		}
		got := mustQuery(t, s, q)
		if !slices.Equal(ids(got), ids(want)) {
			t.Fatalf("query %d %+v:\n got %d %v\nwant %d %v", i, q, len(got), ids(got), len(want), ids(want))
		}
		if len(want) > 0 {
			nonEmpty++
		}
	}
	// The test means something only if many queries select something.
	if nonEmpty < 250 {
		t.Errorf("only %d of 1000 random queries matched anything", nonEmpty)
	}
}

func TestQueryFields(t *testing.T) {
	s := openTemp(t)
	a := vuln(1, "HIGH", "app", t0)
	b := vuln(2, "CRITICAL", "app", t0.Add(time.Hour))
	c := vuln(3, "LOW", "web", t0.Add(2*time.Hour))
	c.ProductName = "ZAP"
	c.GeneratorId = "zap/10021"
	c.Types = []string{"Software and Configuration Checks/Industry and Regulatory Standards"}
	c.Title = "A missing header"
	mustImport(t, s, []findings.Finding{a, b, c}, findings.ImportOptions{})

	tests := []struct {
		name string
		q    findings.Query
		want []string
	}{
		{"all by severity", findings.Query{}, []string{b.Id, a.Id, c.Id}},
		{"by updated", findings.Query{Sort: findings.SortUpdated}, []string{c.Id, b.Id, a.Id}},
		{"by title", findings.Query{Sort: findings.SortTitle}, []string{c.Id, a.Id, b.Id}},
		{"severity", findings.Query{Severities: []string{"HIGH", "LOW"}}, []string{a.Id, c.Id}},
		{"product any case", findings.Query{Product: "zap"}, []string{c.Id}},
		{"type prefix", findings.Query{TypePrefix: "Software and Configuration Checks/Vuln"}, []string{b.Id, a.Id}},
		{"resource substring", findings.Query{Resource: "pkg-00002"}, []string{b.Id}},
		{"resource is case-sensitive", findings.Query{Resource: "PKG-00002"}, nil},
		{"since", findings.Query{Since: t0.Add(30 * time.Minute)}, []string{b.Id, c.Id}},
		{"since in another zone", findings.Query{Since: t0.Add(time.Hour).In(time.FixedZone("KST", 9*3600))}, []string{b.Id, c.Id}},
		{"generator prefix", findings.Query{GeneratorPrefix: "secops/"}, []string{b.Id, a.Id}},
		{"status", findings.Query{Statuses: []string{findings.WorkflowNew}}, []string{b.Id, a.Id, c.Id}},
		{"status none", findings.Query{Statuses: []string{findings.WorkflowResolved}}, nil},
		{"record state", findings.Query{RecordState: findings.RecordArchived}, nil},
		{"limit", findings.Query{Limit: 2}, []string{b.Id, a.Id}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ids(mustQuery(t, s, tt.q))
			if len(got) == 0 && len(tt.want) == 0 {
				return
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestGet(t *testing.T) {
	s := openTemp(t)
	mk := func(id string) findings.Finding {
		f := vuln(len(id), "HIGH", "app", t0)
		f.Id = id
		return f
	}
	list := []findings.Finding{
		mk("secops/sca/0a1b2c3d4e5f60718293a4b5c6d7e8f9"),
		mk("secops/secrets/0a1bffff4e5f60718293a4b5c6d7e8f9"),
		mk("arn:aws:inspector2:us-east-1:123456789012:finding/77aa88bb"),
		mk("trivy:CVE-2024-1234"),
	}
	mustImport(t, s, list, findings.ImportOptions{})
	tests := []struct {
		in, want string
		err      error
	}{
		{list[0].Id, list[0].Id, nil},
		{findings.ShortID(list[0].Id), list[0].Id, nil},
		{"0a1b2", list[0].Id, nil},
		{"0a1bf", list[1].Id, nil},
		{"0a1b", "", findings.ErrAmbiguous},
		{findings.ShortID(list[2].Id), list[2].Id, nil},
		// Ids without a long hex tail are looked up by a hash of the Id.
		{findings.ShortID(list[3].Id), list[3].Id, nil},
		{"CVE-2024", "", findings.ErrNotFound},
		{"ffff", "", findings.ErrNotFound},
		{"", "", findings.ErrNotFound},
		{"secops/sca", "", findings.ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			f, err := s.Get(context.Background(), tt.in)
			if tt.err != nil {
				if !errors.Is(err, tt.err) {
					t.Fatalf("Get(%q) error %v, want %v", tt.in, err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if f.Id != tt.want {
				t.Errorf("Get(%q) = %s, want %s", tt.in, f.Id, tt.want)
			}
		})
	}
}

// TestQueryByProductOfFindingsWithoutProductName: Prowler's ASFF output has
// no ProductName. Security Hub fills it from the product ARN; so does the
// store, so that --product matches the product the table shows.
func TestQueryByProductOfFindingsWithoutProductName(t *testing.T) {
	s := openTemp(t)
	prowler := vuln(1, "HIGH", "acct", t0)
	prowler.ProductArn = "arn:aws:securityhub:eu-west-1::product/prowler/prowler"
	prowler.ProductName, prowler.CompanyName = "", ""
	again := prowler
	again.Id = "prowler-check-2"
	mustImport(t, s, []findings.Finding{prowler}, findings.ImportOptions{})
	// The second import updates the first finding (the Merge path) and adds one.
	mustImport(t, s, []findings.Finding{prowler, again}, findings.ImportOptions{})
	for _, product := range []string{"prowler", "Prowler"} {
		got := mustQuery(t, s, findings.Query{Product: product})
		if len(got) != 2 {
			t.Errorf("--product %s: %v, want both Prowler findings", product, ids(got))
		}
		for _, f := range got {
			if f.ProductName != "prowler" || f.CompanyName != "prowler" {
				t.Errorf("%s: ProductName %q CompanyName %q, want prowler and prowler", f.Id, f.ProductName, f.CompanyName)
			}
		}
	}
}
