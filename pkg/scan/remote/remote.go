// Package remote runs secops on the bootstrap scanner host through AWS
// Systems Manager Run Command.
package remote

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"github.com/aws/smithy-go"

	"github.com/secops-dev/secops/pkg/wait"
)

// ssmAPI is the part of the SSM client a remote run uses.
type ssmAPI interface {
	SendCommand(ctx context.Context, in *ssm.SendCommandInput, optFns ...func(*ssm.Options)) (*ssm.SendCommandOutput, error)
	GetCommandInvocation(ctx context.Context, in *ssm.GetCommandInvocationInput, optFns ...func(*ssm.Options)) (*ssm.GetCommandInvocationOutput, error)
}

// OutputLimit is how much of stdout and of stderr GetCommandInvocation
// returns; longer output is cut there (send it to S3 to keep all of it).
const OutputLimit = 24000

// Runner sends commands to an instance and streams their output.
type Runner struct {
	SSM ssmAPI
	// OutputS3Bucket, when set, makes SSM keep the full output in S3.
	OutputS3Bucket string
	// Timeout bounds the command on the host (SSM executionTimeout) and
	// the wait here. Default 1 hour.
	Timeout      time.Duration
	PollInterval time.Duration
	Sleep        func(ctx context.Context, d time.Duration) error
	Now          func() time.Time
}

// Result is how a remote command ended.
type Result struct {
	CommandID string `json:"commandId"`
	Status    string `json:"status"`
	// ExitCode is the command's exit code on the host (secops: 0 clean,
	// 1 findings at or above --fail-on, 2 error); -1 when it never ran.
	ExitCode  int  `json:"exitCode"`
	Truncated bool `json:"truncated,omitempty"`
	// OutputURL is where the full output is when OutputS3Bucket is set.
	OutputURL string `json:"outputUrl,omitempty"`
}

// ScanCommand is the shell command that runs `secops <args>` on the host,
// each argument single-quoted so nothing is interpreted by the shell.
func ScanCommand(args []string) string {
	parts := []string{"secops"}
	for _, a := range args {
		parts = append(parts, shellQuote(a))
	}
	return strings.Join(parts, " ")
}

func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'"'"'`) + "'"
}

// Run uses SendCommand with the AWS-RunShellScript document, then polls
// GetCommandInvocation, streaming the output back: the host has no SSH and
// no inbound ports.
//
// Run sends commands to the instance and copies their stdout and stderr
// to the writers as they arrive, polling until the command finishes.
func (r *Runner) Run(ctx context.Context, instanceID string, commands []string, stdout, stderr io.Writer) (*Result, error) {
	if instanceID == "" {
		return nil, errors.New("remote run: no instance id (deploy the scanner with 'secops bootstrap apply --stacks scanner')")
	}
	timeout := r.timeout()
	in := &ssm.SendCommandInput{
		DocumentName: aws.String("AWS-RunShellScript"),
		InstanceIds:  []string{instanceID},
		Comment:      aws.String("secops scan --remote"),
		Parameters: map[string][]string{
			"commands":         commands,
			"executionTimeout": {fmt.Sprint(int(timeout.Seconds()))},
		},
		TimeoutSeconds: aws.Int32(600), // how long the host may take to pick the command up
	}
	if r.OutputS3Bucket != "" {
		in.OutputS3BucketName = aws.String(r.OutputS3Bucket)
		in.OutputS3KeyPrefix = aws.String("secops/remote")
	}
	out, err := r.SSM.SendCommand(ctx, in)
	if err != nil {
		return nil, sendError(instanceID, err)
	}
	if out.Command == nil || aws.ToString(out.Command.CommandId) == "" {
		return nil, fmt.Errorf("send command to %s: no command id in the reply", instanceID)
	}
	res := &Result{CommandID: aws.ToString(out.Command.CommandId), ExitCode: -1}

	var outSeen, errSeen int
	deadline := r.now().Add(timeout + 10*time.Minute)
	for {
		inv, err := r.SSM.GetCommandInvocation(ctx, &ssm.GetCommandInvocationInput{
			CommandId: aws.String(res.CommandID), InstanceId: aws.String(instanceID),
		})
		var notYet *types.InvocationDoesNotExist
		switch {
		case errors.As(err, &notYet):
			// The invocation appears a moment after SendCommand returns.
		case err != nil:
			return res, fmt.Errorf("read command %s on %s: %w", res.CommandID, instanceID, err)
		default:
			outSeen = copyNew(stdout, aws.ToString(inv.StandardOutputContent), outSeen)
			errSeen = copyNew(stderr, aws.ToString(inv.StandardErrorContent), errSeen)
			res.Status = string(inv.Status)
			if terminal(inv.Status) {
				if inv.Status == types.CommandInvocationStatusSuccess || inv.Status == types.CommandInvocationStatusFailed {
					res.ExitCode = int(inv.ResponseCode)
				}
				res.Truncated = outSeen >= OutputLimit || errSeen >= OutputLimit
				res.OutputURL = aws.ToString(inv.StandardOutputUrl)
				if inv.Status != types.CommandInvocationStatusSuccess && inv.Status != types.CommandInvocationStatusFailed {
					return res, fmt.Errorf("command %s on %s ended %s: %s", res.CommandID, instanceID, inv.Status, aws.ToString(inv.StatusDetails))
				}
				return res, nil
			}
		}
		if r.now().After(deadline) {
			return res, fmt.Errorf("command %s on %s still %s after %s; follow it with 'aws ssm get-command-invocation --command-id %s --instance-id %s'", res.CommandID, instanceID, res.Status, timeout, res.CommandID, instanceID)
		}
		if err := r.sleep(ctx); err != nil {
			return res, err
		}
	}
}

// sendError says what to do about a SendCommand error.
func sendError(instanceID string, err error) error {
	var apiErr smithy.APIError
	code := ""
	if errors.As(err, &apiErr) {
		code = apiErr.ErrorCode()
	}
	switch code {
	case "InvalidInstanceId":
		return fmt.Errorf("send command: instance %s is not reachable through SSM: it is stopped or terminated, in another Region, or its SSM agent is offline "+
			"(start it, or check 'aws ssm describe-instance-information --filters Key=InstanceIds,Values=%s' and that its role has AmazonSSMManagedInstanceCore): %w", instanceID, instanceID, err)
	case "AccessDeniedException", "AccessDenied":
		return fmt.Errorf("send command to %s: access denied: allow ssm:SendCommand on the instance and the AWS-RunShellScript document, and ssm:GetCommandInvocation, for these credentials: %w", instanceID, err)
	}
	return fmt.Errorf("send command to %s: %w", instanceID, err)
}

// copyNew writes the part of content past seen and returns the new length.
// SSM returns the output so far, not a delta.
func copyNew(w io.Writer, content string, seen int) int {
	if w == nil || len(content) <= seen {
		return max(seen, len(content))
	}
	io.WriteString(w, content[seen:])
	return len(content)
}

func terminal(s types.CommandInvocationStatus) bool {
	switch s {
	case types.CommandInvocationStatusSuccess, types.CommandInvocationStatusFailed,
		types.CommandInvocationStatusCancelled, types.CommandInvocationStatusTimedOut:
		return true
	}
	return false
}

func (r *Runner) timeout() time.Duration {
	if r.Timeout <= 0 {
		return time.Hour
	}
	return r.Timeout
}

func (r *Runner) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

func (r *Runner) sleep(ctx context.Context) error {
	iv := r.PollInterval
	if iv == 0 {
		iv = 2 * time.Second
	}
	if r.Sleep != nil {
		return r.Sleep(ctx, iv)
	}
	return wait.Sleep(ctx, iv)
}
