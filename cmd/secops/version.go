package main

import (
	"encoding/json"
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/secops-dev/secops/pkg/iostreams"
	"github.com/spf13/cobra"
)

// versionOptions are the flags and dependencies of `secops version`.
type versionOptions struct {
	IO     *iostreams.IOStreams
	Output string
}

func newCmdVersion(f *Factory, runF func(*versionOptions) error) *cobra.Command {
	opts := &versionOptions{IO: f.IO}
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print the secops version, commit and build date",
		Long: `Print the secops version, commit and build date, and the Go version and
platform it was built with; -o json prints them as one JSON object.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Output = f.Globals.Output
			if runF != nil {
				return runF(opts)
			}
			return versionRun(opts)
		},
	}
	acceptsOutput(cmd, "table", "json")
	return cmd
}

func versionRun(opts *versionOptions) error {
	v, c, d := buildVersion()
	if opts.Output == "json" {
		enc := json.NewEncoder(opts.IO.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(versionJSON{v, c, d, runtime.Version(), runtime.GOOS, runtime.GOARCH})
	}
	fmt.Fprintf(opts.IO.Out, "secops %s (commit %s, built %s, %s %s/%s)\n", v, c, d, runtime.Version(), runtime.GOOS, runtime.GOARCH)
	return nil
}

// versionJSON is the stable -o json shape of `secops version`.
type versionJSON struct {
	Version   string `json:"version"`
	Commit    string `json:"commit"`
	Date      string `json:"date"`
	GoVersion string `json:"go_version"`
	OS        string `json:"os"`
	Arch      string `json:"arch"`
}

// buildVersion prefers the release ldflags and falls back to what the Go
// toolchain recorded, so `go install …@v1.2.3` still reports v1.2.3.
func buildVersion() (v, c, d string) {
	v, c, d = version, commit, date
	if info, ok := debug.ReadBuildInfo(); ok {
		if v == "" && info.Main.Version != "" && info.Main.Version != "(devel)" {
			v = info.Main.Version
		}
		for _, s := range info.Settings {
			switch {
			case s.Key == "vcs.revision" && c == "":
				c = s.Value
			case s.Key == "vcs.time" && d == "":
				d = s.Value
			}
		}
	}
	if v == "" {
		v = "dev"
	}
	if c == "" {
		c = "unknown"
	}
	if d == "" {
		d = "unknown"
	}
	return v, c, d
}
