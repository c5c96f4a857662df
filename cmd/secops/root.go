package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/secops-dev/secops/pkg/report"
)

const rootLong = `secops gives a team the DevSecOps reference architecture for AWS in one binary:
scanners (SCA, secrets, SAST, container images, DAST), findings in AWS Security
Finding Format kept locally or in AWS Security Hub, compliance through AWS Config,
and the CloudFormation stacks that wire it all together.

Without AWS credentials every command works on the embedded local backend: a
SQLite findings store in your data directory and local scanners.

Every flag can also be set as SECOPS_<FLAG> (e.g. SECOPS_OUTPUT=json) or as a key
in the config file; a flag beats the environment, which beats the file.

Exit codes:
  0    success
  1    findings at or above --fail-on
  2    usage or runtime error (the message says what to do)
  130  interrupted`

func newRootCmd(f *Factory) *cobra.Command {
	g := f.Globals
	cmd := &cobra.Command{
		Use:           "secops",
		Short:         "DevSecOps for AWS: scan, triage findings, check compliance, provision",
		Long:          rootLong,
		SilenceErrors: true,
		SilenceUsage:  true,
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error {
			if err := applySettings(cmd, f); err != nil {
				return err
			}
			f.IO.SetColorDisabled(g.NoColor)
			f.IO.SetQuiet(g.Quiet)
			return checkOutputFor(cmd, g.Output)
		},
	}
	cmd.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return &usageError{err: err}
	})

	pf := cmd.PersistentFlags()
	pf.StringVar(&g.Profile, "profile", "", "AWS shared config profile")
	pf.StringVar(&g.Region, "region", "", "AWS Region")
	pf.StringVar(&g.EndpointURL, "endpoint-url", "", "AWS-compatible endpoint URL (AWS_ENDPOINT_URL also works)")
	pf.StringVarP(&g.Output, "output", "o", "", "output format: table, json, csv, sarif or asff where the command lists findings")
	pf.BoolVar(&g.NoColor, "no-color", false, "disable colour (NO_COLOR is honoured too)")
	pf.BoolVarP(&g.Quiet, "quiet", "q", false, "print results and errors only")
	pf.BoolVarP(&g.Verbose, "verbose", "v", false, "print more detail about what secops does")
	pf.StringVar(&g.ConfigPath, "config", "", "config file (default $XDG_CONFIG_HOME/secops/config.yaml)")
	pf.StringVar(&g.StorePath, "store", "", "local findings store (default $XDG_DATA_HOME/secops/findings.db)")
	pf.StringVar(&g.Backend, "backend", backendAuto, "findings backend: local, securityhub, or auto (Security Hub when AWS credentials and a Region resolve)")

	cmd.AddCommand(
		newCmdFindings(f, nil),
		newCmdDB(f),
		newCmdVersion(f, nil),
		newCmdScan(f),
		newCmdDemo(f),
		newCmdCompliance(f, nil),
		newNotifyCmd(f, nil),
		newLambdaCmd(f),
	)
	cmd.AddCommand(newBootstrapCmd(f))
	cmd.AddCommand(newInitCmd(f))
	cmd.InitDefaultCompletionCmd()
	rejectUnknownSubcommands(cmd)
	return cmd
}

// rejectUnknownSubcommands makes every command group (a command that only
// holds subcommands) fail on an argument that names none of them. Cobra
// would print the group's help and exit 0, so `secops db updte` in a CI
// step would pass without doing anything. A group given no argument still
// prints its help.
func rejectUnknownSubcommands(cmd *cobra.Command) {
	for _, c := range cmd.Commands() {
		rejectUnknownSubcommands(c)
	}
	if !cmd.HasParent() || !cmd.HasSubCommands() || cmd.Runnable() {
		return
	}
	cmd.Args = cobra.ArbitraryArgs
	if cmd.SuggestionsMinimumDistance <= 0 {
		cmd.SuggestionsMinimumDistance = 2
	}
	cmd.RunE = func(c *cobra.Command, args []string) error {
		if len(args) == 0 {
			return c.Help()
		}
		msg := fmt.Sprintf("unknown command %q for %q", args[0], c.CommandPath())
		if s := c.SuggestionsFor(args[0]); len(s) > 0 {
			msg += "\n\nDid you mean this?\n\t" + strings.Join(s, "\n\t")
		}
		return &usageError{err: errors.New(msg)}
	}
}

// outputsAnnotation lists the -o values a command accepts; the root
// command checks -o against it before any command runs.
const outputsAnnotation = "secops/outputs"

// acceptsOutput declares the -o values cmd accepts.
func acceptsOutput(cmd *cobra.Command, formats ...string) {
	if cmd.Annotations == nil {
		cmd.Annotations = map[string]string{}
	}
	cmd.Annotations[outputsAnnotation] = strings.Join(formats, ",")
}

// findingFormats are the -o values of every command that lists findings.
func findingFormats() []string {
	var out []string
	for _, f := range report.Formats() {
		out = append(out, string(f))
	}
	return out
}

// checkOutputFor is the one check of -o: a command that declared its
// formats (acceptsOutput) refuses others.
func checkOutputFor(cmd *cobra.Command, value string) error {
	allowed, ok := cmd.Annotations[outputsAnnotation]
	if !ok || value == "" {
		return nil
	}
	return checkOutput(value, strings.Split(allowed, ",")...)
}

// checkOutput rejects an -o value the command cannot write.
func checkOutput(value string, allowed ...string) error {
	if value == "" {
		return nil
	}
	for _, a := range allowed {
		if strings.EqualFold(value, a) {
			return nil
		}
	}
	return &usageError{err: fmt.Errorf("--output %q is not supported here; use one of %s", value, strings.Join(allowed, ", "))}
}
