package lambdahandler

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/configservice"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/securityhub"

	"github.com/secops-dev/secops/pkg/eventpattern"
	"github.com/secops-dev/secops/pkg/notify"
)

// Environment variables the function reads.
const (
	EnvEventPattern = "SECOPS_EVENT_PATTERN"
	EnvSecretARN    = "SECOPS_WEBHOOK_SECRET_ARN"
	// EnvDedupTable names the DynamoDB table that remembers what was
	// posted; EnvDedupTTL how long (default 24h). Without a table the
	// function remembers in memory for EnvDedupWindow (default 10m).
	EnvDedupTable  = "SECOPS_DEDUP_TABLE"
	EnvDedupTTL    = "SECOPS_DEDUP_TTL"
	EnvDedupWindow = "SECOPS_DEDUP_WINDOW"
)

// ErrNotInLambda is returned when the Lambda runtime API is absent.
var ErrNotInLambda = errors.New("secops lambda runs inside AWS Lambda (runtime provided.al2023, handler binary named bootstrap); AWS_LAMBDA_RUNTIME_API is not set here")

// FromEnv builds a Handler from the function's environment and AWS config.
func FromEnv(getenv func(string) string, cfg aws.Config, log *slog.Logger) (*Handler, error) {
	c := Config{
		SecretARN:   getenv(EnvSecretARN),
		Secrets:     secretsmanager.NewFromConfig(cfg),
		SecurityHub: securityhub.NewFromConfig(cfg),
		ConfigRules: configservice.NewFromConfig(cfg),
		Log:         log,
	}
	if p := getenv(EnvEventPattern); p != "" {
		pat, err := eventpattern.Compile([]byte(p))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", EnvEventPattern, err)
		}
		c.Pattern = pat
	}
	duration := func(name, def string) (time.Duration, error) {
		v := getenv(name)
		if v == "" {
			v = def
		}
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return 0, fmt.Errorf("%s=%q: want a duration such as %s", name, v, def)
		}
		return d, nil
	}
	if table := getenv(EnvDedupTable); table != "" {
		ttl, err := duration(EnvDedupTTL, "24h")
		if err != nil {
			return nil, err
		}
		c.Dedup = &DynamoDedup{Client: dynamodb.NewFromConfig(cfg), Table: table, TTL: ttl}
	} else if getenv(EnvDedupWindow) != "" {
		w, err := duration(EnvDedupWindow, "10m")
		if err != nil {
			return nil, err
		}
		c.Dedup = notify.NewDeduper(w)
	}
	return New(c)
}

// Start hands the Handler to the Lambda runtime; it returns only on error
// before the runtime takes over.
func Start(ctx context.Context, h *Handler) error {
	if os.Getenv("AWS_LAMBDA_RUNTIME_API") == "" {
		return ErrNotInLambda
	}
	lambda.StartWithOptions(h.Handle, lambda.WithContext(ctx), lambda.WithEnableSIGTERM())
	return nil
}

// IAMActions are what the function's role needs besides CloudWatch Logs:
// read the webhook secret (scope it to the secret's ARN), mark findings and
// read failed controls, look up Config rules to name their ISMS-P
// controls, and claim and release keys in the dedup table.
func IAMActions() []string {
	return []string{"config:DescribeConfigRules", "dynamodb:DeleteItem", "dynamodb:PutItem", "secretsmanager:GetSecretValue", "securityhub:BatchUpdateFindings", "securityhub:GetFindings"}
}
