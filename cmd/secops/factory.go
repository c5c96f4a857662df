package main

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/secops-dev/secops/pkg/awsconfig"
	"github.com/secops-dev/secops/pkg/iostreams"
	"github.com/secops-dev/secops/pkg/progress"
)

// globalOptions are the flags every command has.
type globalOptions struct {
	Profile     string
	Region      string
	EndpointURL string
	Output      string
	NoColor     bool
	Quiet       bool
	Verbose     bool
	ConfigPath  string
	StorePath   string
	Backend     string
}

// Factory hands commands their dependencies lazily, so --help and flag
// parsing never touch AWS or the disk.
type Factory struct {
	IO      *iostreams.IOStreams
	Globals *globalOptions
	Now     func() time.Time
	// AWSConfig resolves the SDK configuration from the global flags.
	AWSConfig func(ctx context.Context) (aws.Config, error)
}

func newFactory(io *iostreams.IOStreams) *Factory {
	f := &Factory{IO: io, Globals: &globalOptions{}, Now: time.Now}
	f.AWSConfig = func(ctx context.Context) (aws.Config, error) {
		return awsconfig.Load(ctx, awsconfig.Options{
			Profile:     f.Globals.Profile,
			Region:      f.Globals.Region,
			EndpointURL: f.Globals.EndpointURL,
		})
	}
	return f
}

// Progress returns a reporter for long work, silent under -q.
func (f *Factory) Progress() *progress.Reporter {
	return progress.New(f.IO.ErrOut, f.IO.IsStderrTTY(), !f.IO.Quiet())
}
