// Command secops is the DevSecOps reference architecture for AWS in one
// binary: scanners, a findings store, Security Hub, compliance and the
// provisioning that ties them together.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/secops-dev/secops/pkg/iostreams"
)

// Set by the release build through -ldflags "-X main.version=…".
var (
	version = ""
	commit  = ""
	date    = ""
)

func main() {
	os.Exit(run(lambdaBootstrapArgs(os.Args[0], os.Args[1:], os.Getenv)))
}

// run executes the command line and returns the process exit code; errors
// become exit codes here and nowhere else.
func run(args []string) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	io := iostreams.System()
	root := newRootCmd(newFactory(io))
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	return exitCode(ctx, io, err)
}
