package securityhub

import (
	"context"
	"encoding/json"
	"errors"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/secops-dev/secops/internal/fakehub"
	"github.com/secops-dev/secops/pkg/findings"
)

func TestRestamp(t *testing.T) {
	now := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	local := localFinding(1, "HIGH", "app", now)
	got := Restamp(local, testAccount, "eu-west-1", "aws")
	if got.AwsAccountId != testAccount || got.Region != "eu-west-1" ||
		got.ProductArn != "arn:aws:securityhub:eu-west-1:123456789012:product/123456789012/default" {
		t.Errorf("Restamp(local) = account %s region %s product %s", got.AwsAccountId, got.Region, got.ProductArn)
	}
	if got.Id != local.Id {
		t.Error("Restamp changed the Id")
	}
	// A code resource takes the account's partition and Region; an ECR
	// image keeps its own; the caller's finding is not changed.
	local.Resources = append(local.Resources, findings.Resource{Type: "AwsEcrContainerImage", Id: "arn:aws:ecr:us-east-1:123456789012:repository/app", Partition: "aws", Region: findings.LocalRegion})
	got = Restamp(local, testAccount, "cn-north-1", "aws-cn")
	if r := got.Resources[0]; r.Partition != "aws-cn" || r.Region != "cn-north-1" {
		t.Errorf("code resource after Restamp: %s %s", r.Partition, r.Region)
	}
	if r := got.Resources[1]; r.Partition != "aws" || r.Region != findings.LocalRegion {
		t.Errorf("ECR resource after Restamp: %s %s", r.Partition, r.Region)
	}
	if local.Resources[0].Partition != "aws" || local.Resources[0].Region != findings.LocalRegion {
		t.Error("Restamp changed the caller's resources")
	}
	local.Resources = local.Resources[:1]

	partner := local
	partner.ProductArn = "arn:aws:securityhub:us-east-1::product/aquasecurity/aquasecurity"
	if got := Restamp(partner, testAccount, "eu-west-1", "aws"); got.ProductArn != partner.ProductArn || got.AwsAccountId != testAccount {
		t.Errorf("partner product: %s %s", got.ProductArn, got.AwsAccountId)
	}
	other := local
	other.AwsAccountId = "999999999999"
	other.ProductArn = findings.DefaultProductArn("aws", "us-east-1", "999999999999")
	if got := Restamp(other, testAccount, "eu-west-1", "aws"); got.AwsAccountId != "999999999999" || got.ProductArn != other.ProductArn {
		t.Error("Restamp changed a finding of another account")
	}
}

func TestFilters(t *testing.T) {
	now := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	q := findings.Query{
		Severities: []string{"HIGH", "CRITICAL"}, Product: "Trivy", TypePrefix: "Software", Resource: "lodash",
		Statuses: []string{"NEW", "NOTIFIED"}, RecordState: "ACTIVE", Since: now.Add(-48 * time.Hour), GeneratorPrefix: "secops/",
	}
	b, err := json.Marshal(Filters(q, now))
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	json.Unmarshal(b, &got)
	for k, v := range got {
		if v == nil {
			delete(got, k)
		}
	}
	want := map[string]string{
		"SeverityLabel":  `[{"Comparison":"EQUALS","Value":"HIGH"},{"Comparison":"EQUALS","Value":"CRITICAL"}]`,
		"ProductName":    `[{"Comparison":"EQUALS","Value":"Trivy"},{"Comparison":"EQUALS","Value":"trivy"},{"Comparison":"EQUALS","Value":"TRIVY"}]`,
		"Type":           `[{"Comparison":"PREFIX","Value":"Software"}]`,
		"ResourceId":     `[{"Comparison":"CONTAINS","Value":"lodash"}]`,
		"WorkflowStatus": `[{"Comparison":"EQUALS","Value":"NEW"},{"Comparison":"EQUALS","Value":"NOTIFIED"}]`,
		"RecordState":    `[{"Comparison":"EQUALS","Value":"ACTIVE"}]`,
		"UpdatedAt":      `[{"DateRange":null,"End":"2026-03-02T00:00:00.000Z","Start":"2026-02-27T00:00:00.000Z"}]`,
		"GeneratorId":    `[{"Comparison":"PREFIX","Value":"secops/"}]`,
	}
	if len(got) != len(want) {
		t.Errorf("filters set: %v, want %d", got, len(want))
	}
	for k, w := range want {
		b, _ := json.Marshal(got[k])
		if string(b) != w {
			t.Errorf("%s = %s, want %s", k, b, w)
		}
	}
}

func TestQueryPaginatesAndFilters(t *testing.T) {
	s, hub, clock := newTestStore(t)
	ctx := context.Background()
	labels := []string{"HIGH", "LOW", "MEDIUM", "HIGH", "CRITICAL"}
	var list []findings.Finding
	for i := range 600 {
		list = append(list, localFinding(i, labels[i%len(labels)], "app", clock.Now()))
	}
	res, err := s.Import(ctx, list, findings.ImportOptions{})
	if err != nil || res.New != 600 || len(res.Failed) != 0 {
		t.Fatalf("import: %+v %v", res, err)
	}

	before := len(hub.RequestsOf("GetFindings"))
	got, err := s.Query(ctx, findings.Query{Severities: []string{"HIGH"}})
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, f := range list {
		if f.SeverityLabel() == "HIGH" {
			want = append(want, f.Id)
		}
	}
	if gotIDs := ids(got); !sameSet(gotIDs, want) {
		t.Fatalf("--severity HIGH: %d findings, want the %d HIGH ones", len(gotIDs), len(want))
	}
	reqs := pages(hub.RequestsOf("GetFindings")[before:])
	if len(reqs) != 3 {
		t.Errorf("%d GetFindings pages, want 3 pages of ≤100 for 240 findings", len(reqs))
	}
	for _, r := range reqs {
		if r.MaxResults != 100 {
			t.Errorf("MaxResults %d, want 100", r.MaxResults)
		}
		if string(r.Filters["SeverityLabel"]) != `[{"Comparison":"EQUALS","Value":"HIGH"}]` || len(r.Filters) != 1 {
			t.Errorf("filters %v", r.Filters)
		}
		if len(r.Sort) != 1 || r.Sort[0]["Field"] != "SeverityNormalized" || r.Sort[0]["SortOrder"] != "desc" {
			t.Errorf("sort %v", r.Sort)
		}
	}
	// Sorted like the local store.
	sorted := slices.Clone(got)
	findings.SortFindings(sorted, findings.SortSeverity)
	if !slices.Equal(ids(got), ids(sorted)) {
		t.Error("results are not in SortFindings order")
	}

	// A limit stops early and asks for no more than needed.
	before = len(hub.RequestsOf("GetFindings"))
	got, err = s.Query(ctx, findings.Query{Severities: []string{"CRITICAL", "HIGH"}, Limit: 130})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 130 {
		t.Errorf("limit 130: %d findings", len(got))
	}
	for _, f := range got[:120] {
		if f.SeverityLabel() != "CRITICAL" {
			t.Fatalf("the first 120 should be the CRITICAL ones, got %s", f.SeverityLabel())
		}
	}
	reqs = pages(hub.RequestsOf("GetFindings")[before:])
	if len(reqs) != 2 || reqs[0].MaxResults != 100 || reqs[1].MaxResults != 30 {
		t.Errorf("limit 130: requests %+v", reqs)
	}
}

func TestGetAndUpdate(t *testing.T) {
	s, hub, clock := newTestStore(t)
	ctx := context.Background()
	a, b := localFinding(1, "HIGH", "app", clock.Now()), localFinding(2, "LOW", "app", clock.Now())
	if _, err := s.Import(ctx, []findings.Finding{a, b}, findings.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{a.Id, findings.ShortID(a.Id), findings.ShortID(a.Id)[:6]} {
		f, err := s.Get(ctx, id)
		if err != nil || f.Id != a.Id {
			t.Errorf("Get(%q) = %s, %v", id, f.Id, err)
		}
		if f.AwsAccountId != testAccount {
			t.Errorf("stored account %s", f.AwsAccountId)
		}
	}
	if _, err := s.Get(ctx, "ffffffffff"); !errors.Is(err, findings.ErrNotFound) {
		t.Errorf("Get(unknown) error %v", err)
	}

	gets := len(hub.RequestsOf("GetFindings"))
	res, err := s.Update(ctx, findings.Update{
		Ids:    []string{findings.ShortID(a.Id), b.Id, "nope"},
		Status: findings.WorkflowSuppressed, Note: &findings.NoteUpdate{Text: "accepted", UpdatedBy: "alice"}, SeverityLabel: "MEDIUM",
	})
	if err != nil {
		t.Fatal(err)
	}
	if !sameSet(res.Processed, []string{a.Id, b.Id}) || len(res.Unprocessed) != 1 || res.Unprocessed[0].Id != "nope" || res.Unprocessed[0].ErrorCode != findings.ErrorCodeNotFound {
		t.Errorf("Update = %+v", res)
	}
	// One GetFindings for the whole Ids together, then one per short id
	// (the whole Id lookup is not repeated for them).
	if n := len(hub.RequestsOf("GetFindings")) - gets; n != 3 {
		t.Errorf("Update made %d GetFindings requests, want 3", n)
	}
	got, err := s.Query(ctx, findings.Query{Statuses: []string{"SUPPRESSED"}, Severities: []string{"MEDIUM"}})
	if err != nil || len(got) != 2 || got[0].Note == nil || got[0].Note.UpdatedBy != "alice" {
		t.Errorf("after update: %+v %v", got, err)
	}
	// Re-import keeps the workflow the user set.
	if _, err := s.Import(ctx, []findings.Finding{localFinding(1, "HIGH", "app", clock.Now().Add(time.Hour))}, findings.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	if f, _ := s.Get(ctx, a.Id); f.WorkflowStatus() != "SUPPRESSED" {
		t.Errorf("workflow after re-import: %s", f.WorkflowStatus())
	}
	// Security Hub's own UnprocessedFindings are reported: the fake forgets
	// b's key, so GetFindings still finds b but BatchUpdateFindings does not.
	hub.Forget(findings.DefaultProductArn("aws", "us-east-1", testAccount), b.Id)
	res, err = s.Update(ctx, findings.Update{Ids: []string{a.Id, b.Id}, Status: findings.WorkflowResolved})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(res.Processed, []string{a.Id}) || len(res.Unprocessed) != 1 ||
		res.Unprocessed[0] != (findings.FailedFinding{Id: b.Id, ErrorCode: "FindingNotFound", ErrorMessage: "Finding Not Found"}) {
		t.Errorf("Update with one unprocessed = %+v", res)
	}
	reqs := hub.RequestsOf("BatchUpdateFindings")
	if len(reqs) != 2 {
		t.Errorf("%d BatchUpdateFindings requests, want 2", len(reqs))
	}
}

func TestImportLimitsAndFailures(t *testing.T) {
	s, hub, clock := newTestStore(t)
	ctx := context.Background()
	var list []findings.Finding
	for i := range 250 {
		list = append(list, localFinding(i, "HIGH", "app", clock.Now()))
	}
	// Findings of about 100 KB: 6 MB fits ~55 of them.
	for i := range 120 {
		f := localFinding(1000+i, "LOW", "app", clock.Now())
		f.Resources[0].Details = json.RawMessage(`{"Other":{"blob":"` + strings.Repeat("x", 100*1024) + `"}}`)
		list = append(list, f)
	}
	huge := localFinding(5000, "LOW", "app", clock.Now())
	huge.Resources[0].Details = json.RawMessage(`{"Other":{"blob":"` + strings.Repeat("y", 250*1024) + `"}}`)
	invalid := localFinding(5001, "LOW", "app", clock.Now())
	invalid.Title = ""
	refused := list[7].Id
	hub.Refuse = func(id string) (string, string, bool) {
		return "InvalidInput", "Finding has an invalid field", id == refused
	}
	list = append(list, huge, invalid)

	res, err := s.Import(ctx, list, findings.ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if res.New != 369 {
		t.Errorf("New = %d, want 369", res.New)
	}
	wantFailed := map[string]string{refused: "InvalidInput", huge.Id: ErrorCodeFindingTooLarge, invalid.Id: findings.ErrorCodeInvalidInput}
	if len(res.Failed) != 3 {
		t.Errorf("Failed = %+v", res.Failed)
	}
	for _, f := range res.Failed {
		if wantFailed[f.Id] != f.ErrorCode || f.ErrorMessage == "" {
			t.Errorf("failed %+v", f)
		}
	}
	for _, r := range hub.RequestsOf("BatchImportFindings") {
		if r.Batch > 100 || r.BodyBytes > maxRequestBytes {
			t.Errorf("request of %d findings, %d bytes", r.Batch, r.BodyBytes)
		}
	}
	if hub.Received[huge.Id] != 0 || hub.Received[invalid.Id] != 0 {
		t.Error("the too-large or invalid finding was sent")
	}
}

func TestScopeArchivesMissing(t *testing.T) {
	s, hub, clock := newTestStore(t)
	ctx := context.Background()
	app := []findings.Finding{localFinding(1, "HIGH", "app", clock.Now()), localFinding(2, "LOW", "app", clock.Now()), localFinding(3, "LOW", "app", clock.Now())}
	other := localFinding(4, "HIGH", "web", clock.Now())
	if _, err := s.Import(ctx, append(slices.Clone(app), other), findings.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	clock.Sleep(ctx, time.Hour)
	scope := &findings.Scope{ProductArn: app[0].ProductArn, Target: "app", GeneratorIds: []string{"secops/sca"}}
	res, err := s.Import(ctx, []findings.Finding{localFinding(1, "HIGH", "app", clock.Now())}, findings.ImportOptions{Scope: scope})
	if err != nil {
		t.Fatal(err)
	}
	if res.New != 1 || res.Archived != 2 {
		t.Errorf("scoped import = %+v, want 1 sent 2 archived", res)
	}
	reqs := hub.RequestsOf("GetFindings")
	last := reqs[len(reqs)-1]
	wantFilters := map[string]string{
		"ProductArn":    `[{"Comparison":"EQUALS","Value":"arn:aws:securityhub:us-east-1:123456789012:product/123456789012/default"}]`,
		"GeneratorId":   `[{"Comparison":"EQUALS","Value":"secops/sca"}]`,
		"RecordState":   `[{"Comparison":"EQUALS","Value":"ACTIVE"}]`,
		"ProductFields": `[{"Comparison":"EQUALS","Key":"secops/Target","Value":"app"}]`,
	}
	if len(last.Filters) != len(wantFilters) {
		t.Errorf("scope filters %v", last.Filters)
	}
	for k, w := range wantFilters {
		if got := string(last.Filters[k]); got != w {
			t.Errorf("scope filter %s = %s, want %s", k, got, w)
		}
	}
	active, err := s.Query(ctx, findings.Query{RecordState: "ACTIVE"})
	if err != nil {
		t.Fatal(err)
	}
	if !sameSet(ids(active), []string{app[0].Id, other.Id}) {
		t.Errorf("active after scoped import: %v", ids(active))
	}
}

func TestErrorsExplained(t *testing.T) {
	tests := []struct {
		code, msg string
		status    int
		want      []string
	}{
		{"AccessDeniedException", "User is not authorized to perform: securityhub:GetFindings", 403, []string{"allow the IAM action securityhub:GetFindings"}},
		{"InvalidAccessException", "Account 123456789012 is not subscribed to AWS Security Hub", 401, []string{"aws securityhub enable-security-hub", "secops bootstrap apply --stacks security"}},
		{"ExpiredTokenException", "The security token included in the request is expired", 403, []string{"credentials have expired", "aws sso login"}},
	}
	for _, tt := range tests {
		t.Run(tt.code, func(t *testing.T) {
			s, hub, _ := newTestStore(t)
			hub.Fail["GetFindings"] = apiError{Status: tt.status, Code: tt.code, Msg: tt.msg}
			_, err := s.Query(context.Background(), findings.Query{})
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
			if n := len(hub.RequestsOf("GetFindings")); n != 1 {
				t.Errorf("%d attempts, want 1 (not retryable)", n)
			}
		})
	}
}

func TestThrottledRequestsAreRetried(t *testing.T) {
	s, hub, clock := newTestStore(t)
	ctx := context.Background()
	if _, err := s.Import(ctx, []findings.Finding{localFinding(1, "HIGH", "app", clock.Now())}, findings.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	hub.Throttle = func(op string, n int, _ []byte) string {
		if op == "GetFindings" && n < 4 {
			return []string{"ThrottlingException", "TooManyRequestsException"}[n%2]
		}
		return ""
	}
	got, err := s.Query(ctx, findings.Query{})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 {
		t.Errorf("%d findings after retries", len(got))
	}
	if n := len(hub.RequestsOf("GetFindings")); n != 5 {
		t.Errorf("%d GetFindings attempts, want 4 throttled + 1", n)
	}
	// GetFindings is paced at 3 a second after a burst of 6.
	reqs := hub.RequestsOf("GetFindings")
	if d := reqs[4].At.Sub(reqs[0].At); d != 0 {
		t.Errorf("5 attempts within the burst took %s of simulated time", d)
	}
	for range 10 {
		s.Query(ctx, findings.Query{})
	}
	reqs = hub.RequestsOf("GetFindings")
	checkPacing(t, reqs, 3, 6)
}

// checkPacing asserts that no window of simulated time saw more requests
// than a token bucket of rate and burst allows.
func checkPacing(t *testing.T, reqs []request, rate float64, burst int) {
	t.Helper()
	for i := range reqs {
		for j := i; j < len(reqs); j++ {
			n := j - i + 1
			allowed := float64(burst) + rate*reqs[j].At.Sub(reqs[i].At).Seconds() + 1e-6
			if float64(n) > allowed {
				t.Fatalf("%d requests between %s and %s: more than burst %d + %.0f/s allows", n, reqs[i].At.Format(time.StampMilli), reqs[j].At.Format(time.StampMilli), burst, rate)
			}
		}
	}
}

func ids(list []findings.Finding) []string {
	out := make([]string, len(list))
	for i, f := range list {
		out[i] = f.Id
	}
	return out
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

// --product is case-insensitive (Query.Product), while Security Hub's
// ProductName EQUALS is not: the filter must still find the findings
// whatever case the user typed.
func TestQueryProductIgnoresCase(t *testing.T) {
	s, _, clock := newTestStore(t)
	ctx := context.Background()
	names := []string{"Trivy", "Security Hub", "GuardDuty", "ZAP", "secops"}
	var list []findings.Finding
	for i, name := range names {
		f := localFinding(i, "HIGH", "app", clock.Now())
		f.ProductName = name
		list = append(list, f)
	}
	if _, err := s.Import(ctx, list, findings.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		product string
		want    string
	}{
		{"Trivy", list[0].Id},
		{"trivy", list[0].Id},
		{"TRIVY", list[0].Id},
		{"security hub", list[1].Id},
		{"guardduty", list[2].Id},
		{"zap", list[3].Id},
		{"SecOps", list[4].Id},
	}
	for _, tt := range tests {
		got, err := s.Query(ctx, findings.Query{Product: tt.product})
		if err != nil {
			t.Fatalf("--product %s: %v", tt.product, err)
		}
		if !slices.Equal(ids(got), []string{tt.want}) {
			t.Errorf("--product %q: %d findings, want the one of %s", tt.product, len(got), tt.want)
		}
	}
}

// A BatchUpdateFindings request that fails for good (throttled past every
// retry) must not lose track of the findings: what earlier requests
// processed is reported, the findings of the failed request are
// Unprocessed with the error, and the later requests are still sent.
func TestUpdateReportsAFailedRequest(t *testing.T) {
	s, hub, clock := newTestStore(t)
	ctx := context.Background()
	var list []findings.Finding
	for i := range 250 {
		list = append(list, localFinding(i, "HIGH", "app", clock.Now()))
	}
	if _, err := s.Import(ctx, list, findings.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	second := map[string]bool{}
	for _, f := range list[100:200] {
		second[f.Id] = true
	}
	hub.Throttle = func(op string, _ int, body []byte) string {
		if op == "BatchUpdateFindings" && strings.Contains(string(body), list[150].Id) {
			return "TooManyRequestsException"
		}
		return ""
	}
	res, err := s.Update(ctx, findings.Update{Ids: ids(list), Status: findings.WorkflowResolved})
	if err != nil {
		t.Fatalf("Update: %v (res %d processed, %d unprocessed)", err, len(res.Processed), len(res.Unprocessed))
	}
	if len(res.Processed) != 150 {
		t.Errorf("%d processed, want the 150 of the first and third requests", len(res.Processed))
	}
	if len(res.Unprocessed) != 100 {
		t.Fatalf("%d unprocessed, want the 100 of the throttled request", len(res.Unprocessed))
	}
	for _, u := range res.Unprocessed {
		if !second[u.Id] || u.ErrorCode != "TooManyRequestsException" || !strings.Contains(u.ErrorMessage, "throttling") {
			t.Errorf("unprocessed %+v", u)
		}
	}
}

// A fatal error (expired credentials) stops the update, and the findings
// not updated are still listed as Unprocessed next to the error.
func TestUpdateStopsOnFatalError(t *testing.T) {
	s, hub, clock := newTestStore(t)
	ctx := context.Background()
	var list []findings.Finding
	for i := range 150 {
		list = append(list, localFinding(i, "HIGH", "app", clock.Now()))
	}
	if _, err := s.Import(ctx, list, findings.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	hub.Fail["BatchUpdateFindings"] = apiError{Status: 403, Code: "ExpiredTokenException", Msg: "The security token included in the request is expired"}
	res, err := s.Update(ctx, findings.Update{Ids: ids(list), Status: findings.WorkflowResolved})
	if err == nil || !strings.Contains(err.Error(), "credentials have expired") {
		t.Fatalf("Update error %v", err)
	}
	if len(res.Unprocessed) != 150 || res.Unprocessed[0].ErrorCode != "ExpiredTokenException" {
		t.Errorf("%d unprocessed (%+v), want all 150", len(res.Unprocessed), res.Unprocessed[:min(1, len(res.Unprocessed))])
	}
	if n := len(hub.RequestsOf("BatchUpdateFindings")); n != 1 {
		t.Errorf("%d BatchUpdateFindings requests after a fatal error, want 1", n)
	}
}

// When the SDK cannot get credentials at all (an expired SSO session, no
// profile, no instance role), the error must say so and how to fix it,
// not send the user to check the network; and a push stops at once.
func TestCredentialErrorsExplained(t *testing.T) {
	tests := []struct {
		name  string
		cause string
	}{
		{"sso expired", "the SSO session has expired or is invalid: open /home/ci/.aws/sso/cache/x.json: no such file or directory"},
		{"no credentials", "failed to refresh cached credentials, no EC2 IMDS role found, operation error ec2imds: GetMetadata, request canceled, context deadline exceeded"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hub := fakehub.New(t.Errorf, nil)
			srv := httptest.NewServer(hub)
			defer srv.Close()
			cfg := aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL), HTTPClient: srv.Client(),
				Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
					return aws.Credentials{}, errors.New(tt.cause)
				})}
			s := New(cfg, Options{Account: testAccount})
			ctx := context.Background()
			_, qerr := s.Query(ctx, findings.Query{})
			list := make([]findings.Finding, 250)
			for i := range list {
				list[i] = localFinding(i, "HIGH", "app", time.Now())
			}
			res, ierr := s.Import(ctx, list, findings.ImportOptions{})
			for _, err := range []error{qerr, ierr} {
				if err == nil {
					t.Fatal("no error")
				}
				msg := err.Error()
				if strings.Contains(msg, "check the network") || !strings.Contains(msg, "no usable AWS credentials") ||
					!strings.Contains(msg, "aws sso login") || !strings.Contains(msg, tt.cause) {
					t.Errorf("error %q", msg)
				}
			}
			if len(res.Failed) != 250 || res.Failed[0].ErrorCode != "NoCredentials" {
				t.Errorf("%d failed, first %+v", len(res.Failed), res.Failed[0])
			}
			if n := len(hub.RequestsOf("BatchImportFindings")); n != 0 {
				t.Errorf("%d requests reached Security Hub", n)
			}
		})
	}
}
