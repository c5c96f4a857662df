package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/secops-dev/secops/internal/readonly"
	"github.com/secops-dev/secops/pkg/findings"
	"github.com/secops-dev/secops/pkg/iostreams"
	"github.com/secops-dev/secops/pkg/localstore"
)

// TestReadOnlyStore: the commands that only read list, show, summarise
// and export a findings store this user may not write; those that write
// say why they cannot.
func TestReadOnlyStore(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "findings.db")
	st, err := localstore.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	list, err := findings.DecodeBytes(mustRead(t, filepath.Join(repoRoot(t), "testdata", "findings", "sample-findings.json")))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Import(ctx, list, findings.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	st.Close()
	readonly.Make(t, path)

	tests := []struct {
		args     []string
		wantCode int
		wantOut  string
		wantErr  string
	}{
		{args: []string{"findings"}, wantOut: "backend: local (" + path + ", read-only)"},
		{args: []string{"findings", "-o", "csv", "--severity", "CRITICAL"}, wantOut: "CRITICAL"},
		{args: []string{"findings", "summary"}, wantOut: "read-only"},
		{args: []string{"findings", "export", "-o", "json"}, wantOut: `"SchemaVersion": "2018-10-08"`},
		{args: []string{"findings", "show", list[0].Id, "-o", "json"}, wantOut: list[0].Id},
		{args: []string{"findings", "update", list[0].Id, "--status", "SUPPRESSED"}, wantCode: exitFailure, wantErr: "permission denied (make the file and"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			ios, _, stdout, stderr := iostreams.Test()
			f := newFactory(ios)
			f.Globals.Backend = backendLocal
			root := newRootCmd(f)
			root.SetArgs(append(tt.args, "--store", path, "--backend", "local"))
			root.SetOut(ios.ErrOut)
			root.SetErr(ios.ErrOut)
			err := root.ExecuteContext(ctx)
			if code := exitCode(ctx, ios, err); code != tt.wantCode {
				t.Fatalf("exit %d (%v), want %d\n%s", code, err, tt.wantCode, stderr)
			}
			if !strings.Contains(stdout.String()+stderr.String(), tt.wantOut) || !strings.Contains(stderr.String(), tt.wantErr) {
				t.Errorf("stdout:\n%s\nstderr:\n%s\nwant %q and %q", stdout, stderr, tt.wantOut, tt.wantErr)
			}
		})
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return bytes.Clone(data)
}
