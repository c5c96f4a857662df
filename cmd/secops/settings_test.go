package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/spf13/cobra"

	"github.com/secops-dev/secops/pkg/iostreams"
)

func TestSettingsPrecedence(t *testing.T) {
	tests := []struct {
		name  string
		flag  string // --output on the command line
		env   string // SECOPS_OUTPUT
		file  string // output: in the config file
		want  string
		slice []string
	}{
		{name: "default", want: ""},
		{name: "file", file: "csv", want: "csv"},
		{name: "env beats file", env: "json", file: "csv", want: "json"},
		{name: "flag beats env and file", flag: "sarif", env: "json", file: "csv", want: "sarif"},
		{name: "flag beats file", flag: "asff", file: "csv", want: "asff"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			cfg := filepath.Join(dir, "config.yaml")
			content := "scanners: [sca, secrets]\n"
			if tc.file != "" {
				content += "output: " + tc.file + "\n"
			}
			if err := os.WriteFile(cfg, []byte(content), 0o600); err != nil {
				t.Fatal(err)
			}
			t.Setenv("SECOPS_CONFIG", cfg)
			if tc.env != "" {
				t.Setenv("SECOPS_OUTPUT", tc.env)
			}

			io, _, _, _ := iostreams.Test()
			f := newFactory(io)
			root := newRootCmd(f)
			var scanners []string
			probe := &cobra.Command{Use: "probe", RunE: func(*cobra.Command, []string) error { return nil }}
			probe.Flags().StringSliceVar(&scanners, "scanners", nil, "")
			root.AddCommand(probe)
			args := []string{"probe"}
			if tc.flag != "" {
				args = append(args, "--output", tc.flag)
			}
			root.SetArgs(args)
			if err := root.Execute(); err != nil {
				t.Fatal(err)
			}
			if f.Globals.Output != tc.want {
				t.Errorf("output = %q, want %q", f.Globals.Output, tc.want)
			}
			if len(scanners) != 2 || scanners[0] != "sca" || scanners[1] != "secrets" {
				t.Errorf("list from config file = %v", scanners)
			}
		})
	}
}

func TestEnvName(t *testing.T) {
	for flag, want := range map[string]string{"fail-on": "SECOPS_FAIL_ON", "output": "SECOPS_OUTPUT", "endpoint-url": "SECOPS_ENDPOINT_URL"} {
		if got := envName(flag); got != want {
			t.Errorf("envName(%q) = %q, want %q", flag, got, want)
		}
	}
}

func TestClosestFlag(t *testing.T) {
	known := map[string]bool{"output": true, "fail-on": true, "backend": true, "region": true, "db": true, "store": true, "quiet": true}
	tests := []struct{ key, want string }{
		{"outptu", "output"},
		{"Output", "output"},
		{"fail_on", "fail-on"},
		{"FAIL_ON", "fail-on"},
		{"failon", "fail-on"},
		{"regoin", "region"},
		{"backends", "backend"},
		{"dbs", "db"},
		{"xy", ""},     // two edits of two letters is no guess
		{"colour", ""}, // nothing close
		{"webhook-url", ""},
	}
	for _, tt := range tests {
		if got := closestFlag(tt.key, known); got != tt.want {
			t.Errorf("closestFlag(%q) = %q, want %q", tt.key, got, tt.want)
		}
	}
}
