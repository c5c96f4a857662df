// Package awstest builds SDK configurations that point real AWS SDK clients
// at local test endpoints.
package awstest

import (
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// Config returns static test credentials for region and a retryer that
// retries only broken connections, at once. Go's HTTP transport can close a
// kept-alive connection under a response that is still being read (seen as
// "use of closed network connection", aws/aws-sdk-go-v2#2737); the SDK
// retries that in production, so tests must too or they flake under load.
// Throttling, 5xx and every other error still surface on the first try, so
// tests keep seeing exactly the requests the code under test made.
func Config(region string) aws.Config {
	return aws.Config{
		Region:      region,
		Credentials: credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", ""),
		Retryer: func() aws.Retryer {
			return retry.NewStandard(func(o *retry.StandardOptions) {
				o.MaxAttempts = 3
				o.Retryables = []retry.IsErrorRetryable{retry.RetryableConnectionError{}}
				o.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return 0, nil })
				o.RateLimiter = ratelimit.None
			})
		},
	}
}
