package lambdahandler

import (
	"context"
	"fmt"
	"net"
	"net/http/httptest"
	"os/exec"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

func startMoto(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("moto interop skipped in -short mode")
	}
	bin, err := exec.LookPath("moto_server")
	if err != nil {
		t.Skip("moto_server is not on PATH (pip install 'moto[server]' to run the interop tests)")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	cmd := exec.Command(bin, "-H", "127.0.0.1", "-p", fmt.Sprint(port))
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return "http://" + addr
		}
	}
	t.Fatal("moto_server did not start")
	return ""
}

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
	h, err := New(Config{SecretARN: aws.ToString(created.ARN), Secrets: sm})
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
