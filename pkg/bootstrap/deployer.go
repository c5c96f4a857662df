package bootstrap

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/smithy-go"

	"github.com/secops-dev/secops/pkg/wait"
)

// cloudFormationAPI is the part of the CloudFormation client bootstrap uses.
type cloudFormationAPI interface {
	CreateChangeSet(ctx context.Context, in *cloudformation.CreateChangeSetInput, optFns ...func(*cloudformation.Options)) (*cloudformation.CreateChangeSetOutput, error)
	DescribeChangeSet(ctx context.Context, in *cloudformation.DescribeChangeSetInput, optFns ...func(*cloudformation.Options)) (*cloudformation.DescribeChangeSetOutput, error)
	ExecuteChangeSet(ctx context.Context, in *cloudformation.ExecuteChangeSetInput, optFns ...func(*cloudformation.Options)) (*cloudformation.ExecuteChangeSetOutput, error)
	DeleteChangeSet(ctx context.Context, in *cloudformation.DeleteChangeSetInput, optFns ...func(*cloudformation.Options)) (*cloudformation.DeleteChangeSetOutput, error)
	DescribeStacks(ctx context.Context, in *cloudformation.DescribeStacksInput, optFns ...func(*cloudformation.Options)) (*cloudformation.DescribeStacksOutput, error)
	DescribeStackEvents(ctx context.Context, in *cloudformation.DescribeStackEventsInput, optFns ...func(*cloudformation.Options)) (*cloudformation.DescribeStackEventsOutput, error)
	DeleteStack(ctx context.Context, in *cloudformation.DeleteStackInput, optFns ...func(*cloudformation.Options)) (*cloudformation.DeleteStackOutput, error)
	ListStacks(ctx context.Context, in *cloudformation.ListStacksInput, optFns ...func(*cloudformation.Options)) (*cloudformation.ListStacksOutput, error)
	ListStackResources(ctx context.Context, in *cloudformation.ListStackResourcesInput, optFns ...func(*cloudformation.Options)) (*cloudformation.ListStackResourcesOutput, error)
	DetectStackDrift(ctx context.Context, in *cloudformation.DetectStackDriftInput, optFns ...func(*cloudformation.Options)) (*cloudformation.DetectStackDriftOutput, error)
	DescribeStackDriftDetectionStatus(ctx context.Context, in *cloudformation.DescribeStackDriftDetectionStatusInput, optFns ...func(*cloudformation.Options)) (*cloudformation.DescribeStackDriftDetectionStatusOutput, error)
}

// Reporter shows progress of long work (pkg/progress satisfies it).
type Reporter interface {
	Step(format string, args ...any)
	Done(format string, args ...any)
}

type nopReporter struct{}

func (nopReporter) Step(string, ...any) {}
func (nopReporter) Done(string, ...any) {}

// Deployer plans, applies, inspects and destroys the registered stacks.
// Commands call Plan, Apply, Status and Destroy with stack names and
// parameter values; every stack goes through the same change sets, event
// streaming and failure reporting.
type Deployer struct {
	// Stacks is the registry the names refer to; nil is the package's.
	Stacks    *Registry
	CFN       cloudFormationAPI
	S3        s3API             // package upload and --delete-data; may be nil for plan and status
	ECR       ecrAPI            // --delete-data
	KMS       kmsAPI            // --delete-data
	IAM       iamAPI            // the Config service-linked role; may be nil when it exists
	Inspector inspectorAPI      // may be nil: Inspector is then not enabled
	STS       stsAPI            // account id for Inspector
	SSM       parameterStoreAPI // the scanner's AMI; may be nil when --image-id is given
	EC2       ec2API            // the scanner's subnet and VPC
	// Progress shows the waits (stderr); results are returned, not printed.
	Progress Reporter
	// Region is where the stacks live, for messages.
	Region string
	// Version is written to every stack's secops:version tag.
	Version string
	// Now and Sleep are injected so waits are testable.
	Now          func() time.Time
	Sleep        func(ctx context.Context, d time.Duration) error
	PollInterval time.Duration
	// Timeout bounds each wait (a stack create, a change set, drift).
	Timeout time.Duration
}

func (d *Deployer) now() time.Time {
	if d.Now != nil {
		return d.Now()
	}
	return time.Now()
}

func (d *Deployer) sleep(ctx context.Context) error {
	iv := d.PollInterval
	if iv == 0 {
		iv = 5 * time.Second
	}
	if d.Sleep != nil {
		return d.Sleep(ctx, iv)
	}
	return wait.Sleep(ctx, iv)
}

func (d *Deployer) registry() *Registry {
	if d.Stacks == nil {
		return Stacks()
	}
	return d.Stacks
}

func (d *Deployer) progress() Reporter {
	if d.Progress == nil {
		return nopReporter{}
	}
	return d.Progress
}

func (d *Deployer) timeout() time.Duration {
	if d.Timeout == 0 {
		return 60 * time.Minute
	}
	return d.Timeout
}

// stackTags are put on every stack; CloudFormation propagates them to every
// resource that supports tags.
func (d *Deployer) stackTags(stack string) []types.Tag {
	v := d.Version
	if v == "" {
		v = "dev"
	}
	return []types.Tag{
		{Key: aws.String("secops:stack"), Value: aws.String(stack)},
		{Key: aws.String("secops:version"), Value: aws.String(v)},
	}
}

// describeStack returns the stack, or nil when it does not exist.
func (d *Deployer) describeStack(ctx context.Context, name string) (*types.Stack, error) {
	out, err := d.CFN.DescribeStacks(ctx, &cloudformation.DescribeStacksInput{StackName: aws.String(name)})
	if err != nil {
		if isNotExist(err) {
			return nil, nil
		}
		return nil, fmt.Errorf("describe stack %s: %w", name, err)
	}
	if len(out.Stacks) == 0 {
		return nil, nil
	}
	s := out.Stacks[0]
	if s.StackStatus == types.StackStatusDeleteComplete {
		return nil, nil
	}
	return &s, nil
}

// isNotExist recognises CloudFormation's "Stack with id X does not exist".
func isNotExist(err error) bool {
	var ae smithy.APIError
	return errors.As(err, &ae) && ae.ErrorCode() == "ValidationError" && strings.Contains(ae.ErrorMessage(), "does not exist")
}

// isNoChanges recognises the two ways CloudFormation says an update changes
// nothing.
func isNoChanges(reason string) bool {
	return strings.Contains(reason, "didn't contain changes") ||
		strings.Contains(reason, "No updates are to be performed")
}

func outputs(s *types.Stack) map[string]string {
	m := map[string]string{}
	if s == nil {
		return m
	}
	for _, o := range s.Outputs {
		m[aws.ToString(o.OutputKey)] = aws.ToString(o.OutputValue)
	}
	return m
}

func statusInProgress(s types.StackStatus) bool {
	return strings.HasSuffix(string(s), "_IN_PROGRESS")
}

// statusFailed is a terminal state that means the last operation failed.
func statusFailed(s types.StackStatus) bool {
	return strings.HasSuffix(string(s), "_FAILED") || strings.Contains(string(s), "ROLLBACK_COMPLETE")
}
