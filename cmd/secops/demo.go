package main

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/secops-dev/secops/pkg/demo"
	"github.com/secops-dev/secops/pkg/iostreams"
)

func newCmdDemo(f *Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Deliberately vulnerable demo application for trying DAST",
		Args:  cobra.NoArgs,
	}
	cmd.AddCommand(newCmdDemoServe(f, nil))
	return cmd
}

// demoServeOptions are the flags of `secops demo serve`.
type demoServeOptions struct {
	IO          *iostreams.IOStreams
	Addr        string
	AllowRemote bool
	AddrFile    string
}

func newCmdDemoServe(f *Factory, runF func(*demoServeOptions) error) *cobra.Command {
	opts := &demoServeOptions{IO: f.IO}
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve a DELIBERATELY VULNERABLE web app on loopback",
		Long: `Serve a small web application that is DELIBERATELY VULNERABLE, for trying
secops DAST (and later a WAF in front of it) on a laptop.

` + demo.Banner + `.

It has one planted instance of every check secops scan dast runs (SQL
injection, XSS, command injection, path traversal, open redirect, SSTI, SSRF,
missing headers, weak cookies, …) and, under /safe/, a safe twin of each
vulnerable page, so false positives are measurable. Its SQL database, shell
and file system are in-process fakes: nothing it does touches the real system.

It binds to 127.0.0.1:8080 by default and refuses any non-loopback address
unless you pass --allow-remote. Stop it with Ctrl-C.`,
		Example: `  secops demo serve
  secops scan dast http://127.0.0.1:8080/

  # pick a free port and write the URL to a file (scripts, CI)
  secops demo serve --addr 127.0.0.1:0 --addr-file demo.url`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(opts)
			}
			return demoServeRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Addr, "addr", "127.0.0.1:8080", "address to listen on (loopback only without --allow-remote)")
	fl.BoolVar(&opts.AllowRemote, "allow-remote", false, "allow a non-loopback --addr (exposes a vulnerable app to the network)")
	fl.StringVar(&opts.AddrFile, "addr-file", "", "write the app's URL to this file once it listens")
	return cmd
}

func demoServeRun(ctx context.Context, opts *demoServeOptions) error {
	if err := demo.CheckAddr(opts.Addr, opts.AllowRemote); err != nil {
		return &usageError{err: err}
	}
	var fileErr error
	err := demo.Serve(ctx, opts.Addr, opts.AllowRemote, func(addr string) {
		u := "http://" + addr + "/"
		fmt.Fprintf(opts.IO.ErrOut, "WARNING: %s.\n", demo.Banner)
		if !strings.HasPrefix(addr, "127.") && !strings.HasPrefix(addr, "[::1]") && !strings.HasPrefix(addr, "localhost") {
			fmt.Fprintf(opts.IO.ErrOut, "WARNING: listening on %s, reachable from the network (--allow-remote).\n", addr)
		}
		fmt.Fprintf(opts.IO.ErrOut, "Scan it with: secops scan dast %s\nStop with Ctrl-C.\n", u)
		fmt.Fprintln(opts.IO.Out, u)
		if opts.AddrFile != "" {
			if err := os.WriteFile(opts.AddrFile, []byte(u+"\n"), 0o600); err != nil {
				fileErr = fmt.Errorf("write --addr-file: %w", err)
			}
		}
	})
	if err != nil {
		return err
	}
	return fileErr
}
