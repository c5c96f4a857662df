// Package securityhub keeps findings in AWS Security Hub, behind the same
// findings.Store as the local store.
package securityhub

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	sh "github.com/aws/aws-sdk-go-v2/service/securityhub"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/secops-dev/secops/pkg/findings"
	"github.com/secops-dev/secops/pkg/wait"
)

// securityHubAPI is what the store calls of *securityhub.Client.
type securityHubAPI interface {
	GetFindings(ctx context.Context, in *sh.GetFindingsInput, optFns ...func(*sh.Options)) (*sh.GetFindingsOutput, error)
	BatchImportFindings(ctx context.Context, in *sh.BatchImportFindingsInput, optFns ...func(*sh.Options)) (*sh.BatchImportFindingsOutput, error)
	BatchUpdateFindings(ctx context.Context, in *sh.BatchUpdateFindingsInput, optFns ...func(*sh.Options)) (*sh.BatchUpdateFindingsOutput, error)
}

var _ securityHubAPI = (*sh.Client)(nil)

// stsAPI finds the caller's account.
type stsAPI interface {
	GetCallerIdentity(ctx context.Context, in *sts.GetCallerIdentityInput, optFns ...func(*sts.Options)) (*sts.GetCallerIdentityOutput, error)
}

// Defaults for Options.
const (
	DefaultMaxAttempts = 10
	DefaultMaxBackoff  = 20 * time.Second
)

// Options tunes a Store. The zero value is right for production.
type Options struct {
	// Now and Sleep are the clock and the sleeper the request pacing uses
	// (time.Now and a timer by default); tests inject simulated ones.
	Now   func() time.Time
	Sleep Sleeper
	// MaxAttempts is how often the SDK tries a throttled or failed request
	// (DefaultMaxAttempts, against the SDK's 3); MaxBackoff caps the wait
	// between attempts (DefaultMaxBackoff).
	MaxAttempts int
	MaxBackoff  time.Duration
	// Backoff replaces the SDK's exponential backoff with jitter (tests).
	Backoff retry.BackoffDelayer
	// Account skips the STS GetCallerIdentity call when the caller's
	// account is already known.
	Account string
}

// Store is Security Hub as a findings.Store, for one account and Region:
// GetFindings, BatchImportFindings and BatchUpdateFindings, paced under the
// account's quotas and retried when throttled.
type Store struct {
	api    securityHubAPI
	sts    stsAPI
	region string
	now    func() time.Time

	mu        sync.Mutex
	account   string
	partition string
}

var _ findings.Store = (*Store)(nil)

// New builds a Store on cfg's credentials and Region. Requests are paced
// under Security Hub's quotas (each attempt, retries included) and
// throttled requests retried up to opts.MaxAttempts times. The caller's
// account is looked up with STS on first need.
func New(cfg aws.Config, opts Options) *Store {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Sleep == nil {
		opts.Sleep = wait.Sleep
	}
	if opts.MaxAttempts <= 0 {
		opts.MaxAttempts = DefaultMaxAttempts
	}
	if opts.MaxBackoff <= 0 {
		opts.MaxBackoff = DefaultMaxBackoff
	}
	p := newPacer(opts.Now, opts.Sleep)
	client := sh.NewFromConfig(cfg, func(o *sh.Options) {
		o.Retryer = retry.NewStandard(func(so *retry.StandardOptions) {
			so.MaxAttempts = opts.MaxAttempts
			so.MaxBackoff = opts.MaxBackoff
			if opts.Backoff != nil {
				so.Backoff = opts.Backoff
			}
			// The pacer keeps requests under the quota; the SDK's own
			// retry budget would give up on a long push that is
			// throttled now and then.
			so.RateLimiter = ratelimit.None
		})
		o.APIOptions = append(o.APIOptions, p.addTo)
	})
	s := &Store{api: client, sts: sts.NewFromConfig(cfg), region: cfg.Region, now: opts.Now}
	if opts.Account != "" {
		s.account, s.partition = opts.Account, findings.PartitionOf(cfg.Region)
	}
	return s
}

// Backend names the store for command headers:
// "securityhub (eu-west-1, account 123456789012)".
func (s *Store) Backend() string {
	s.mu.Lock()
	account := s.account
	s.mu.Unlock()
	if account == "" {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if a, _, err := s.Account(ctx); err == nil {
			account = a
		}
	}
	if account == "" {
		return fmt.Sprintf("securityhub (%s)", s.region)
	}
	return fmt.Sprintf("securityhub (%s, account %s)", s.region, account)
}

// Region is the store's Region.
func (s *Store) Region() string { return s.region }

// Account returns the caller's account and partition, asking STS the first
// time.
func (s *Store) Account(ctx context.Context) (account, partition string, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.account != "" {
		return s.account, s.partition, nil
	}
	out, err := s.sts.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return "", "", explain("sts:GetCallerIdentity", err)
	}
	s.account = aws.ToString(out.Account)
	s.partition = findings.PartitionOf(s.region)
	if arn := strings.Split(aws.ToString(out.Arn), ":"); len(arn) > 1 && arn[0] == "arn" {
		s.partition = arn[1]
	}
	return s.account, s.partition, nil
}

// Close releases nothing: the SDK client needs no closing.
func (s *Store) Close() error { return nil }

// Restamp gives a finding made without AWS credentials (stamped with
// findings.LocalAccountID) the caller's account and Region, and its own
// product ARN, arn:PARTITION:securityhub:REGION:ACCOUNT:product/ACCOUNT/default:
// Security Hub accepts findings for the default product only from the
// account they name. Other findings come back unchanged.
func Restamp(f findings.Finding, account, region, partition string) findings.Finding {
	if f.AwsAccountId != findings.LocalAccountID {
		return f
	}
	f.AwsAccountId = account
	f.Region = region
	if isLocalProductArn(f.ProductArn) {
		f.ProductArn = findings.DefaultProductArn(partition, region, account)
	}
	// Resources that are not AWS resources (a file, an image in a tarball)
	// took the placeholder partition and Region of a local scan; they take
	// the account's. An AWS resource (an ECR image) keeps its own.
	f.Resources = slices.Clone(f.Resources)
	for i := range f.Resources {
		r := &f.Resources[i]
		if !strings.HasPrefix(r.Type, "Aws") && r.Partition == "aws" && r.Region == findings.LocalRegion {
			r.Partition, r.Region = partition, region
		}
	}
	return f
}

// isLocalProductArn reports whether arn is the default product of the
// local account, in any partition and Region.
func isLocalProductArn(arn string) bool {
	parts := strings.Split(arn, ":")
	return len(parts) == 6 && parts[0] == "arn" && parts[2] == "securityhub" &&
		parts[4] == findings.LocalAccountID && parts[5] == "product/"+findings.LocalAccountID+"/default"
}
