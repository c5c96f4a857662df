package securityhub

import (
	"fmt"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/secops-dev/secops/internal/fakehub"
	"github.com/secops-dev/secops/pkg/findings"
)

type (
	fakeClock = fakehub.Clock
	fakeHub   = fakehub.Hub
	request   = fakehub.Request
	apiError  = fakehub.APIError
)

const testAccount = fakehub.Account

func pages(reqs []request) []request { return fakehub.Pages(reqs) }

// newTestStore starts a fakeHub and a Store pointed at it through the
// real SDK client, with static credentials, simulated time and no backoff.
func newTestStore(t testing.TB) (*Store, *fakeHub, *fakeClock) {
	clock := fakehub.NewClock(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
	hub := fakehub.New(t.Errorf, clock)
	srv := httptest.NewServer(hub)
	t.Cleanup(srv.Close)
	cfg := aws.Config{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDTEST", "SECRET", ""),
		BaseEndpoint: aws.String(srv.URL),
		HTTPClient:   srv.Client(),
	}
	s := New(cfg, Options{
		Now: clock.Now, Sleep: clock.Sleep,
		Backoff: retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return 0, nil }),
	})
	return s, hub, clock
}

// localFinding is a secops finding as a scan without AWS credentials
// stamps it.
func localFinding(i int, label, target string, now time.Time) findings.Finding {
	resource := fmt.Sprintf("%s/go.mod:pkg-%05d@v1.0.0", target, i)
	rule := fmt.Sprintf("CVE-2025-%05d", i)
	f := findings.Finding{
		Id:          findings.NewID("secops/sca", resource, "", rule),
		GeneratorId: "secops/sca",
		Types:       []string{"Software and Configuration Checks/Vulnerabilities/CVE"},
		Title:       fmt.Sprintf("%s in pkg-%05d", rule, i),
		Description: "A flaw lets a remote attacker cause a denial of service.",
		Severity:    findings.NewSeverity(label, label),
		ProductFields: map[string]string{
			findings.FieldTarget: target,
		},
		Resources: []findings.Resource{{Type: "Other", Id: resource}},
	}
	findings.LocalProvenance(now, "secops").Stamp(&f)
	return f
}
