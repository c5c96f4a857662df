package main

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/secops-dev/secops/pkg/scan/image"
)

// scanImageOptions are the flags and dependencies of `secops scan image`.
type scanImageOptions struct {
	scanCommon
	advisoryFlags
	Ref string
}

// newCmdScanImage is `secops scan image REF`; the scan command attaches it.
func newCmdScanImage(f *Factory, runF func(*scanImageOptions) error) *cobra.Command {
	opts := &scanImageOptions{scanCommon: scanCommon{scanDeps: newScanDeps(f)}}
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
Findings name the image digest and the layer of each package database.

` + scanCommonHelp,
		Example: `  secops scan image app.tar --offline
  secops scan image ./oci-layout --db ./osv-db -o json
  secops scan image 123456789012.dkr.ecr.eu-west-1.amazonaws.com/app:1.4 --fail-on HIGH`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Ref = args[0]
			if err := opts.parse(f); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return scanImageRun(cmd.Context(), opts)
		},
	}
	acceptsOutput(cmd, findingFormats()...)
	opts.scanFlags.register(cmd.Flags(), "./.secopsignore")
	opts.advisoryFlags.register(cmd.Flags())
	return cmd
}

func scanImageRun(ctx context.Context, opts *scanImageOptions) error {
	opts.scanCommon.offline = opts.Offline
	return runScan(ctx, &opts.scanCommon, &image.Source{Ref: opts.Ref, Options: image.Options{
		DBDir:      opts.DBDir,
		Offline:    opts.Offline,
		APIBaseURL: opts.APIBaseURL,
		Now:        opts.Now,
	}})
}
