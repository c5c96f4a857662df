package securityhub

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/smithy-go"

	"github.com/secops-dev/secops/pkg/findings"
	"github.com/secops-dev/secops/pkg/localstore"
)

func newLocal(t *testing.T, n int, now time.Time) (*localstore.Store, []findings.Finding) {
	t.Helper()
	local, err := localstore.Open(context.Background(), filepath.Join(t.TempDir(), "findings.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { local.Close() })
	labels := []string{"LOW", "MEDIUM", "HIGH", "CRITICAL"}
	list := make([]findings.Finding, n)
	for i := range list {
		list[i] = localFinding(i, labels[i%len(labels)], "app", now)
	}
	if _, err := local.Import(context.Background(), list, findings.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	return local, list
}

// TestPushLosesNothing pushes 10,000 findings to a Security Hub that
// throttles often, refuses some findings and keeps throttling one batch
// until the SDK gives up: every finding must end up either received exactly
// once or pending in the local store with its error, within the request
// limits and the pace Security Hub allows. A second push with RetryFailed
// then delivers the rest.
func TestPushLosesNothing(t *testing.T) {
	remote, hub, clock := newTestStore(t)
	ctx := context.Background()
	local, list := newLocal(t, 10_000, clock.Now())

	doomed := list[5000].Id // its batch is throttled on every attempt
	hub.throttle = func(op string, n int, body []byte) string {
		switch {
		case op != "BatchImportFindings":
			return ""
		case bytes.Contains(body, []byte(doomed)):
			return "ThrottlingException"
		case n%7 == 3:
			return "TooManyRequestsException"
		}
		return ""
	}
	refused := map[string]bool{}
	for i := 13; i < len(list); i += 997 {
		refused[list[i].Id] = true
	}
	hub.refuse = func(id string) (string, string, bool) {
		return "InvalidInput", "Finding failed validation: Resources[0].Details", refused[id]
	}

	start := clock.Now()
	res, err := Push(ctx, local, remote, PushOptions{})
	if err != nil {
		t.Fatal(err)
	}
	elapsed := clock.Now().Sub(start)

	pending, err := local.Pending(ctx)
	if err != nil {
		t.Fatal(err)
	}
	pendingBy := map[string]string{}
	for _, f := range pending {
		pendingBy[f.Id] = f.ProductFields[findings.FieldPending]
	}
	throttledBatch := 0
	for _, f := range list {
		got, why := hub.received[f.Id], pendingBy[f.Id]
		switch {
		case got == 1 && why == "":
		case got == 0 && refused[f.Id]:
			if why != "InvalidInput: Finding failed validation: Resources[0].Details" {
				t.Errorf("refused %s pending as %q", f.Id, why)
			}
		case got == 0 && strings.HasPrefix(why, "ThrottlingException: "):
			throttledBatch++
		default:
			t.Errorf("finding %s received %d times, pending %q", f.Id, got, why)
		}
	}
	if throttledBatch != 100 {
		t.Errorf("%d findings pending after throttling, want the doomed batch of 100", throttledBatch)
	}
	if res.Total != 10_000 || res.Sent != 10_000-100-len(refused) || len(res.Failed) != 100+len(refused) || len(pending) != len(res.Failed) {
		t.Errorf("PushResult total %d sent %d failed %d; %d pending", res.Total, res.Sent, len(res.Failed), len(pending))
	}

	reqs := hub.requestsOf("BatchImportFindings")
	for _, r := range reqs {
		if r.batch > 100 || r.bodyBytes > maxRequestBytes {
			t.Errorf("request of %d findings and %d bytes", r.batch, r.bodyBytes)
		}
	}
	checkPacing(t, reqs, 10, 30)
	perSecond := map[int64]int{}
	for _, r := range reqs {
		perSecond[r.at.Sub(start).Milliseconds()/1000]++
	}
	busiest := 0
	for _, n := range perSecond {
		busiest = max(busiest, n)
	}
	if busiest > 40 {
		t.Errorf("%d requests in one simulated second", busiest)
	}
	throttled := 0
	for _, r := range reqs {
		if r.status == 429 {
			throttled++
		}
	}
	t.Logf("push of %d findings: %d requests (%d throttled), %s simulated, busiest second %d requests; %.0f findings/s = %.0f%% of the 10 TPS x 100 findings quota",
		res.Total, len(reqs), throttled, elapsed, busiest, float64(res.Sent)/elapsed.Seconds(), 100*float64(res.Sent)/elapsed.Seconds()/1000)

	// Fixed: the retry sends exactly the pending ones.
	hub.throttle, hub.refuse = nil, nil
	before := len(hub.requestsOf("BatchImportFindings"))
	res, err = Push(ctx, local, remote, PushOptions{RetryFailed: true})
	if err != nil {
		t.Fatal(err)
	}
	if res.Total != 100+len(refused) || res.Sent != res.Total || len(res.Failed) != 0 {
		t.Errorf("retry: %+v", res)
	}
	if n := len(hub.requestsOf("BatchImportFindings")) - before; n != 2 {
		t.Errorf("retry took %d requests, want 2", n)
	}
	for _, f := range list {
		if hub.received[f.Id] != 1 {
			t.Fatalf("after retry %s received %d times", f.Id, hub.received[f.Id])
		}
	}
	if pending, _ := local.Pending(ctx); len(pending) != 0 {
		t.Errorf("%d still pending", len(pending))
	}
	// What was sent carries the caller's account, not the local one.
	got, err := remote.Get(ctx, list[0].Id)
	if err != nil || got.AwsAccountId != testAccount || got.ProductArn != findings.DefaultProductArn("aws", "us-east-1", testAccount) {
		t.Errorf("stored %s %s %v", got.AwsAccountId, got.ProductArn, err)
	}
}

// TestPushStopsOnFatalError: with no permission to import, the push stops
// at the first request and every finding stays pending with the reason.
func TestPushStopsOnFatalError(t *testing.T) {
	remote, hub, clock := newTestStore(t)
	ctx := context.Background()
	local, list := newLocal(t, 250, clock.Now())
	hub.fail["BatchImportFindings"] = apiError{403, "AccessDeniedException", "User: arn:aws:iam::123456789012:user/ci is not authorized to perform: securityhub:BatchImportFindings"}

	res, err := Push(ctx, local, remote, PushOptions{})
	var apiErr smithy.APIError
	if err == nil || !errors.As(err, &apiErr) || apiErr.ErrorCode() != "AccessDeniedException" {
		t.Fatalf("Push error %v, want AccessDeniedException", err)
	}
	if !strings.Contains(err.Error(), "allow the IAM action securityhub:BatchImportFindings") || !strings.Contains(err.Error(), "--retry-failed") {
		t.Errorf("error does not say what to do: %v", err)
	}
	if n := len(hub.requestsOf("BatchImportFindings")); n != 1 {
		t.Errorf("%d requests after a fatal error, want 1", n)
	}
	pending, _ := local.Pending(ctx)
	if res.Sent != 0 || len(res.Failed) != len(list) || len(pending) != len(list) {
		t.Errorf("sent %d failed %d pending %d, want 0/%d/%d", res.Sent, len(res.Failed), len(pending), len(list), len(list))
	}
	for _, f := range pending {
		if !strings.HasPrefix(f.ProductFields[findings.FieldPending], "AccessDeniedException: ") {
			t.Errorf("pending reason %q", f.ProductFields[findings.FieldPending])
			break
		}
	}
}

// TestUpload sends one scan's findings with scope archiving and keeps the
// one Security Hub refuses pending locally.
func TestUpload(t *testing.T) {
	remote, hub, clock := newTestStore(t)
	ctx := context.Background()
	local, list := newLocal(t, 5, clock.Now())
	if _, err := remote.Import(ctx, list, findings.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	// The next scan no longer reports list[4]; Security Hub refuses list[3].
	clock.Sleep(ctx, time.Hour)
	scan := make([]findings.Finding, 4)
	for i := range scan {
		scan[i] = localFinding(i, "HIGH", "app", clock.Now())
	}
	hub.refuse = func(id string) (string, string, bool) { return "InvalidInput", "bad", id == scan[3].Id }
	scope := &findings.Scope{ProductArn: scan[0].ProductArn, Target: "app", GeneratorIds: []string{"secops/sca"}}
	res, err := Upload(ctx, local, remote, scan, scope)
	if err != nil {
		t.Fatal(err)
	}
	if res.Total != 4 || res.Sent != 3 || res.Archived != 1 || len(res.Failed) != 1 || res.Failed[0].Id != scan[3].Id {
		t.Errorf("Upload = %+v", res)
	}
	pending, _ := local.Pending(ctx)
	if len(pending) != 1 || pending[0].Id != scan[3].Id || pending[0].ProductFields[findings.FieldPending] != "InvalidInput: bad" {
		t.Errorf("pending after upload: %v", pending)
	}
	active, err := remote.Query(ctx, findings.Query{RecordState: findings.RecordActive})
	if err != nil {
		t.Fatal(err)
	}
	if !sameSet(ids(active), ids(list[:4])) {
		t.Errorf("active in Security Hub: %v", ids(active))
	}
}
