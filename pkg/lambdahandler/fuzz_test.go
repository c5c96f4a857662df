package lambdahandler

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

type noSecrets struct{}

func (noSecrets) GetSecretValue(context.Context, *secretsmanager.GetSecretValueInput, ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error) {
	return nil, errors.New("no secrets in the fuzzer")
}

// FuzzHandle feeds arbitrary events to the handler: it must never panic,
// whatever EventBridge (or an attacker with events:PutEvents) sends.
func FuzzHandle(f *testing.F) {
	for _, name := range []string{"securityhub-findings-imported.json", "guardduty-finding.json", "config-compliance-change.json"} {
		f.Add(readEvent(f, name))
	}
	f.Add([]byte(`{"detail-type":"Security Hub Findings - Imported","source":"aws.securityhub","detail":{"findings":[1,null,{"Severity":{"Label":"HIGH"},"Workflow":{"Status":"NEW"},"RecordState":"ACTIVE","Id":7}]}}`))
	h, err := New(Config{SecretARN: "arn:aws:secretsmanager:us-east-1:111122223333:secret:x", Secrets: noSecrets{}})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, event []byte) {
		h.Handle(context.Background(), event)
	})
}

func FuzzWebhookFromSecret(f *testing.F) {
	f.Add(`{"webhook_url": "https://hooks.slack.com/services/a"}`)
	f.Add("https://hooks.slack.com/services/a")
	f.Fuzz(func(t *testing.T, s string) {
		webhookFromSecret(s)
	})
}
