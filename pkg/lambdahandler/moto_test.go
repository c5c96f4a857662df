package lambdahandler

import (
	"context"
	"net/http/httptest"
	"testing"

	"github.com/secops-dev/secops/internal/motoserver"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/secops-dev/secops/pkg/eventpattern"
)

func startMoto(t *testing.T) string { return motoserver.Start(t) }

// TestMotoWebhookSecret reads the webhook from a secret stored in moto's
// Secrets Manager (JSON form) and delivers a GuardDuty event to Slack.
// (moto does not implement BatchUpdateFindings; the httptest fake covers it.)
func TestMotoWebhookSecret(t *testing.T) {
	endpoint := startMoto(t)
	sl := &slack{}
	slackSrv := httptest.NewServer(sl)
	defer slackSrv.Close()
	cfg := aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", "")}
	sm := secretsmanager.NewFromConfig(cfg, func(o *secretsmanager.Options) { o.BaseEndpoint = aws.String(endpoint) })
	ctx := context.Background()
	created, err := sm.CreateSecret(ctx, &secretsmanager.CreateSecretInput{
		Name:         aws.String("secops/slack-webhook"),
		SecretString: aws.String(`{"webhook_url": "` + slackSrv.URL + secretPath + `"}`),
	})
	if err != nil {
		t.Fatalf("moto CreateSecret: %v", err)
	}
	h, err := New(Config{SecretARN: aws.ToString(created.ARN), Secrets: sm, Pattern: eventpattern.MustCompile(routedDirectly)})
	if err != nil {
		t.Fatal(err)
	}
	out, err := h.Handle(ctx, readEvent(t, "guardduty-finding.json"))
	if err != nil || out.Sent != 1 || len(sl.payloads) != 1 {
		t.Fatalf("%+v %v, %d payloads", out, err, len(sl.payloads))
	}
	if got := sl.payloads[0].Blocks[0].Text.Text; got != "GuardDuty: UnauthorizedAccess:EC2/SSHBruteForce" {
		t.Errorf("header %q", got)
	}
}
