package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/secops-dev/secops/pkg/iostreams"
)

// Exit codes, documented in `secops --help`.
const (
	exitOK          = 0
	exitFindings    = 1
	exitFailure     = 2
	exitInterrupted = 130
)

// exitError carries a chosen exit code, e.g. 1 when findings reach --fail-on.
type codedError struct {
	code int
	err  error
}

func (e *codedError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit %d", e.code)
	}
	return e.err.Error()
}

func (e *codedError) Unwrap() error { return e.err }

// failOnError is the error a gate returns when findings reach its threshold.
func failOnError(msg string) error {
	return &codedError{code: exitFindings, err: errors.New(msg)}
}

// usageError marks a mistake in the command line itself.
type usageError struct{ err error }

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

func exitCode(ctx context.Context, io *iostreams.IOStreams, err error) int {
	if err == nil {
		return exitOK
	}
	if ctx.Err() != nil || errors.Is(err, context.Canceled) {
		fmt.Fprintln(io.ErrOut, "Interrupted.")
		return exitInterrupted
	}
	var ee *codedError
	if errors.As(err, &ee) {
		if ee.err != nil {
			fmt.Fprintln(io.ErrOut, ee.err)
		}
		return ee.code
	}
	fmt.Fprintf(io.ErrOut, "Error: %v\n", err)
	var ue *usageError
	if errors.As(err, &ue) {
		fmt.Fprintln(io.ErrOut, "Run 'secops --help' or add --help to the command for usage.")
	}
	return exitFailure
}
