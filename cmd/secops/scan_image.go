package main

import (
	"context"
	"fmt"
	"slices"

	"github.com/spf13/cobra"

	"github.com/secops-dev/secops/pkg/findings"
	"github.com/secops-dev/secops/pkg/report"
	"github.com/secops-dev/secops/pkg/scan"
	"github.com/secops-dev/secops/pkg/scan/image"
)

// scanImageOptions are the flags of `secops scan image`.
type scanImageOptions struct {
	Ref        string
	DBDir      string
	Offline    bool
	APIBaseURL string
	FailOn     string
	NoStore    bool
	Upload     bool
}

// newCmdScanImage is `secops scan image REF`; the scan command attaches it.
func newCmdScanImage(f *Factory) *cobra.Command {
	return newCmdScanImageWith(f, nil)
}

func newCmdScanImageWith(f *Factory, runF func(context.Context, *scanImageOptions) error) *cobra.Command {
	opts := &scanImageOptions{}
	cmd := &cobra.Command{
		Use:   "image REF",
		Short: "Scan a container image for vulnerable OS and language packages",
		Long: `Scan a container image: a 'docker save' tarball, an OCI image layout directory,
or an image in a registry (Amazon ECR included: credentials come from the Docker
config and its credential helpers, e.g. docker-credential-ecr-login).

Debian/Ubuntu (dpkg), Alpine (apk) and Red Hat-family (rpm) packages and the
lockfiles found in the layers are matched against OSV advisories: offline from
the database that 'secops db update' downloads (--offline, --db DIR), or through
the OSV API.
Findings name the image digest and the layer of each package database.`,
		Example: `  secops scan image app.tar --offline
  secops scan image ./oci-layout --db ./osv-db -o json
  secops scan image 123456789012.dkr.ecr.eu-west-1.amazonaws.com/app:1.4 --fail-on HIGH`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Ref = args[0]
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return scanImageRun(cmd.Context(), f, opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.DBDir, "db", "", "offline vulnerability database directory (see 'secops db')")
	fl.BoolVar(&opts.Offline, "offline", false, "use only the offline database, never the network for advisories")
	fl.StringVar(&opts.APIBaseURL, "osv-api-url", "", "OSV API base URL (default https://api.osv.dev)")
	fl.StringVar(&opts.FailOn, "fail-on", "", "exit 1 when a finding is at or above this severity: LOW, MEDIUM, HIGH, CRITICAL; findings SUPPRESSED or RESOLVED in the local store do not count")
	fl.BoolVar(&opts.NoStore, "no-store", false, "print the findings without saving them in the findings store")
	fl.BoolVar(&opts.Upload, "upload", false, "also send the findings to AWS Security Hub (failures stay pending locally; see findings push)")
	return cmd
}

func scanImageRun(ctx context.Context, f *Factory, opts *scanImageOptions) error {
	format, err := outputFormat(f, report.Table)
	if err != nil {
		return err
	}
	var failOn string
	if opts.FailOn != "" {
		if failOn, err = findings.ParseSeverity(opts.FailOn); err != nil {
			return &usageError{err: fmt.Errorf("--fail-on: %w", err)}
		}
	}
	rep := f.Progress()
	res, err := image.Scan(ctx, opts.Ref, image.Options{
		DBDir:      opts.DBDir,
		Offline:    opts.Offline,
		APIBaseURL: opts.APIBaseURL,
		Now:        f.Now,
		Progress:   rep,
		Provenance: findings.LocalProvenance(f.Now(), "secops"),
	})
	rep.Done("")
	if err != nil {
		return fmt.Errorf("scan image: %w", err)
	}
	reportScanNotes(f, res)
	header := fmt.Sprintf("image %s: %d finding(s)", opts.Ref, len(res.Findings))
	var scope *findings.Scope
	if !res.Incomplete && len(res.Findings) > 0 {
		scope = &findings.Scope{ProductArn: res.Findings[0].ProductArn, Target: opts.Ref, GeneratorIds: []string{image.Generator}}
	}
	// What is uploaded is the scan's own findings; what is shown and gated
	// is what the store kept (a finding a user suppressed stays so).
	fresh := slices.Clone(res.Findings)
	var store findings.Store
	var reader storedReader
	if !opts.NoStore {
		store, err = f.ScanStore(ctx)
		if err != nil {
			return fmt.Errorf("open the findings store: %w", err)
		}
		defer store.Close()
		reader = store
		ir, err := store.Import(ctx, res.Findings, findings.ImportOptions{Scope: scope})
		if err != nil {
			return fmt.Errorf("store image findings: %w", err)
		}
		if err := reportImport(f, store.Backend(), ir); err != nil {
			return err
		}
	}
	gate, err := storedGate(ctx, reader, res.Findings, failOn)
	if err != nil {
		return err
	}
	if err := f.writeFindings(format, res.Findings, header); err != nil {
		return err
	}
	if !f.IO.Quiet() {
		writeGateNote(f.IO.ErrOut, failOn, gate)
	}
	if opts.Upload {
		if err := f.uploadScan(ctx, fresh, scope); err != nil {
			return err
		}
	}
	if gate.Counted > 0 {
		return failOnError(fmt.Sprintf("%d findings at or above %s in %s (--fail-on %s)", gate.Counted, failOn, opts.Ref, failOn))
	}
	return nil
}

// reportScanNotes prints a scan's warnings and skipped paths on stderr.
func reportScanNotes(f *Factory, res scan.Result) {
	for _, w := range res.Warnings {
		fmt.Fprintf(f.IO.ErrOut, "warning: %s\n", w)
	}
	for _, s := range res.Skipped {
		f.IO.Notef("skipped %s: %s", s.Path, s.Reason)
	}
}
