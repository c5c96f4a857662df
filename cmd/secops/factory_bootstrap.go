package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/inspector2"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"golang.org/x/term"

	"github.com/secops-dev/secops/pkg/awsconfig"
	"github.com/secops-dev/secops/pkg/bootstrap"
	"github.com/secops-dev/secops/pkg/tableprinter"
)

// Deployer builds the CloudFormation deployer of `secops bootstrap` (and of
// any command that deploys a registered stack) from the global AWS flags.
// A missing Region or missing credentials are reported before the first
// call, the way every other command reports them.
func (f *Factory) Deployer(ctx context.Context) (*bootstrap.Deployer, error) {
	cfg, err := f.AWSConfig(ctx)
	if err != nil {
		return nil, err
	}
	if cfg.Region == "" {
		return nil, &usageError{err: errors.New("no AWS Region: pass --region or set AWS_REGION (CloudFormation stacks are regional)")}
	}
	if !awsconfig.HasCredentials(ctx, cfg) {
		return nil, fmt.Errorf("%w (or pass --profile, or run 'aws sso login'); 'secops bootstrap plan --dry-run' needs none", awsconfig.ErrNoCredentials)
	}
	v, _, _ := buildVersion()
	return &bootstrap.Deployer{
		CFN:       cloudformation.NewFromConfig(cfg),
		S3:        s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = f.Globals.EndpointURL != "" }),
		ECR:       ecr.NewFromConfig(cfg),
		KMS:       kms.NewFromConfig(cfg),
		IAM:       iam.NewFromConfig(cfg),
		SSM:       ssm.NewFromConfig(cfg),
		EC2:       &bootstrap.EC2QueryClient{Config: cfg},
		Inspector: inspector2.NewFromConfig(cfg),
		STS:       sts.NewFromConfig(cfg),
		Region:    cfg.Region,
		Progress:  f.Progress(),
		Version:   v,
		Now:       f.Now,
	}, nil
}

// newDeployer is Factory.Deployer for the scan commands.
func newDeployer(ctx context.Context, f *Factory) (*bootstrap.Deployer, error) {
	return f.Deployer(ctx)
}

// TableOptions says how tables print on stdout: fitted to the terminal, or
// whole values on a pipe.
func (f *Factory) TableOptions() tableprinter.Options {
	return tableprinter.Options{TTY: f.IO.IsStdoutTTY(), Width: f.IO.TerminalWidth()}
}

// stdinTerminal returns stdin's descriptor when it is a terminal.
func (f *Factory) stdinTerminal() (int, bool) {
	file, ok := f.IO.In.(*os.File)
	if !ok || !term.IsTerminal(int(file.Fd())) {
		return 0, false
	}
	return int(file.Fd()), true
}

// ErrNoTerminal means a question could not be asked: stdin is not a
// terminal.
var ErrNoTerminal = errors.New("stdin is not a terminal")

// PromptSecret reads a value without echo on a terminal; it never prints
// the value.
func (f *Factory) PromptSecret(prompt string) (string, error) {
	fd, ok := f.stdinTerminal()
	if !ok {
		return "", ErrNoTerminal
	}
	fmt.Fprint(f.IO.ErrOut, prompt)
	b, err := term.ReadPassword(fd)
	fmt.Fprintln(f.IO.ErrOut)
	if err != nil {
		return "", fmt.Errorf("read %s: %w", strings.TrimSpace(strings.TrimSuffix(prompt, ": ")), err)
	}
	return strings.TrimSpace(string(b)), nil
}

// Confirm asks a yes/no question on a terminal; without one it returns
// ErrNoTerminal, so CI must answer with a flag.
func (f *Factory) Confirm(question string) (bool, error) {
	if _, ok := f.stdinTerminal(); !ok {
		return false, ErrNoTerminal
	}
	fmt.Fprint(f.IO.ErrOut, question)
	line, err := bufio.NewReader(f.IO.In).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return false, err
	}
	ans := strings.ToLower(strings.TrimSpace(line))
	return ans == "y" || ans == "yes", nil
}
