// Command secops is the DevSecOps reference architecture for AWS in one
// binary: scanners, a findings store, Security Hub, compliance and the
// provisioning that ties them together.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

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

// interruptGrace is how long a command may take to stop after Ctrl-C
// before secops exits anyway.
const interruptGrace = 2 * time.Second

// run executes the command line and returns the process exit code; errors
// become exit codes here and nowhere else.
func run(args []string) int {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	io := iostreams.System()
	signals := make(chan os.Signal, 2)
	signal.Notify(signals, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(signals)
	finished := make(chan struct{})
	defer close(finished)
	go watchInterrupts(signals, cancel, finished, interruptGrace, func() {
		fmt.Fprintln(io.ErrOut, "Interrupted.")
		os.Exit(exitInterrupted)
	})

	root := newRootCmd(newFactory(io))
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	return exitCode(ctx, io, err)
}

// watchInterrupts cancels the command's context at the first Ctrl-C (or
// SIGTERM), so that it stops cleanly: scans keep what they found, the
// store commits or rolls back. Work that does not look at the context
// (rendering a huge table, a library call) must not hold the terminal, so
// a second signal, or the grace period running out, calls exit at once.
func watchInterrupts(signals <-chan os.Signal, cancel func(), finished <-chan struct{}, grace time.Duration, exit func()) {
	select {
	case <-signals:
	case <-finished:
		return
	}
	cancel()
	timer := time.NewTimer(grace)
	defer timer.Stop()
	select {
	case <-finished:
	case <-signals:
		exit()
	case <-timer.C:
		exit()
	}
}
