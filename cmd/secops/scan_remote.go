package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/secops-dev/secops/pkg/scan/remote"
)

// remoteLocalFlags point at this machine (files, credentials, endpoints)
// and mean nothing on the scanner host, which has its own role.
var remoteLocalFlags = map[string]bool{
	"remote": true, "config": true, "store": true, "output-file": true, "output-file-format": true,
	"profile": true, "endpoint-url": true, "backend": true,
}

// remoteScanArgs rebuilds the scan for the scanner host: the path and every
// flag in effect (given, from SECOPS_* or the config file), but those that
// only make sense here.
func remoteScanArgs(cmd *cobra.Command, args []string) []string {
	out := []string{"scan"}
	cmd.Flags().Visit(func(fl *pflag.Flag) {
		if remoteLocalFlags[fl.Name] {
			return
		}
		value := fl.Value.String()
		if sv, ok := fl.Value.(pflag.SliceValue); ok {
			value = strings.Join(sv.GetSlice(), ",")
		}
		out = append(out, "--"+fl.Name+"="+value)
	})
	return append(out, args...)
}

// runRemoteScan sends the scan to the scanner host of `secops bootstrap
// apply --stacks scanner` with SSM Run Command and streams its output; the
// host's exit code becomes ours.
func runRemoteScan(ctx context.Context, f *Factory, scanArgs []string) error {
	deployer, err := newDeployer(ctx, f)
	if err != nil {
		return err
	}
	instance, err := deployer.ScannerInstance(ctx)
	if err != nil {
		return fmt.Errorf("find the scanner host: %w", err)
	}
	cfg, err := f.AWSConfig(ctx)
	if err != nil {
		return err
	}
	f.IO.Notef("backend: remote scanner %s (%s) via SSM", instance, cfg.Region)
	runner := &remote.Runner{SSM: ssm.NewFromConfig(cfg)}
	res, err := runner.Run(ctx, instance, []string{remote.ScanCommand(scanArgs)}, f.IO.Out, f.IO.ErrOut)
	if err != nil {
		return fmt.Errorf("remote scan on %s: %w", instance, err)
	}
	if res.Truncated {
		f.IO.Notef("The remote output was cut at %d bytes by SSM.", remote.OutputLimit)
	}
	switch res.ExitCode {
	case exitOK:
		return nil
	case exitFindings:
		return &codedError{code: exitFindings, err: fmt.Errorf("remote scan found findings at or above --fail-on (command %s)", res.CommandID)}
	}
	return &codedError{code: exitFailure, err: fmt.Errorf("remote scan ended %s with exit code %d (command %s)", res.Status, res.ExitCode, res.CommandID)}
}
