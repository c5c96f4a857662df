// Package awsconfig resolves the AWS SDK configuration from the global
// flags and the SDK's usual sources.
package awsconfig

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/feature/ec2/imds"
)

// Options are the global flags that shape the SDK configuration.
type Options struct {
	Profile     string
	Region      string
	EndpointURL string
	// MaxAttempts raises the SDK retryer's attempts (default 3) for calls
	// that Security Hub throttles; 0 keeps the SDK default.
	MaxAttempts int
}

// Load builds an aws.Config. The SDK's own AWS_ENDPOINT_URL is honoured when
// --endpoint-url is not given.
func Load(ctx context.Context, o Options) (aws.Config, error) {
	var opts []func(*config.LoadOptions) error
	if o.Profile != "" {
		opts = append(opts, config.WithSharedConfigProfile(o.Profile))
	}
	if o.Region != "" {
		opts = append(opts, config.WithRegion(o.Region))
	}
	if o.EndpointURL != "" {
		opts = append(opts, config.WithBaseEndpoint(o.EndpointURL))
	}
	if o.MaxAttempts > 0 {
		opts = append(opts, config.WithRetryMaxAttempts(o.MaxAttempts))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return cfg, fmt.Errorf("load AWS configuration: %w (check --profile and ~/.aws/config)", err)
	}
	return cfg, nil
}

// ErrNoCredentials means no AWS credentials could be found.
var ErrNoCredentials = errors.New("no AWS credentials found: run 'aws configure', set AWS_PROFILE, or export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY")

// Detect reports whether credentials and a Region resolve from the
// environment, the shared config files or a container credentials
// endpoint, which is what `--backend auto` needs to choose AWS over the
// local store. It does not call AWS, and never probes the EC2 instance
// metadata service: on an instance with only a role, say --backend
// securityhub. Expired credentials are found on the first real call.
func Detect(ctx context.Context, o Options) bool {
	var opts []func(*config.LoadOptions) error
	if o.Profile != "" {
		opts = append(opts, config.WithSharedConfigProfile(o.Profile))
	}
	if o.Region != "" {
		opts = append(opts, config.WithRegion(o.Region))
	}
	opts = append(opts, config.WithEC2IMDSClientEnableState(imds.ClientDisabled))
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil || cfg.Region == "" || cfg.Credentials == nil {
		return false
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	creds, err := cfg.Credentials.Retrieve(ctx)
	return err == nil && creds.HasKeys()
}

// HasCredentials reports whether cfg resolves credentials and a Region,
// for commands that need AWS and want to say so before their first call.
func HasCredentials(ctx context.Context, cfg aws.Config) bool {
	if cfg.Region == "" || cfg.Credentials == nil {
		return false
	}
	creds, err := cfg.Credentials.Retrieve(ctx)
	return err == nil && creds.HasKeys()
}
