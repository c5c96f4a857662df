package main

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/secops-dev/secops/pkg/findings"
	"github.com/secops-dev/secops/pkg/iostreams"
	"github.com/secops-dev/secops/pkg/localstore"
)

func TestScanImageFlags(t *testing.T) {
	io, _, _, _ := iostreams.Test()
	var got *scanImageOptions
	cmd := newCmdScanImage(newFactory(io), func(o *scanImageOptions) error { got = o; return nil })
	cmd.SetArgs([]string{"app.tar", "--db", "d", "--offline", "--fail-on", "high", "--no-store"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	// --fail-on is read as every scan command reads it: as a label.
	want := struct {
		Ref, DBDir, FailOn string
		Offline, NoStore   bool
	}{Ref: "app.tar", DBDir: "d", Offline: true, FailOn: "HIGH", NoStore: true}
	if got.Ref != want.Ref || got.DBDir != want.DBDir || got.Offline != want.Offline || got.FailOn != want.FailOn || got.NoStore != want.NoStore {
		t.Errorf("options = %+v, want %+v", *got, want)
	}
	cmd = newCmdScanImage(newFactory(io), func(*scanImageOptions) error { return nil })
	cmd.SetArgs([]string{})
	cmd.SetErr(io.ErrOut)
	cmd.SetOut(io.Out)
	if err := cmd.Execute(); err == nil {
		t.Error("no REF accepted")
	}
}

// imageTarball writes a one-layer Debian 12 image with libssl3 from
// openssl 3.0.9-1, which the image package's own test database marks
// vulnerable (HIGH).
func imageTarball(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "app.tar")
	if err := writeImage(path, debianImage("3.0.9-1")); err != nil {
		t.Fatal(err)
	}
	return path
}

// imageOpts are the options of `secops scan image REF --db DB --offline
// [--fail-on F]` with the factory's streams and store.
func imageOpts(f *Factory, ref, db, failOn string) *scanImageOptions {
	o := &scanImageOptions{scanCommon: scanCommon{scanDeps: newScanDeps(f)}, Ref: ref}
	o.DBDir, o.Offline, o.FailOn = db, true, failOn
	o.Output, o.Verbose = f.Globals.Output, f.Globals.Verbose
	return o
}

func TestScanImageRun(t *testing.T) {
	path := imageTarball(t)
	io, _, out, errOut := iostreams.Test()
	f := newFactory(io)
	f.Now = func() time.Time { return time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC) }
	f.Globals.StorePath = filepath.Join(t.TempDir(), "findings.db")
	f.Globals.Output = "json"
	db := filepath.Join(repoRoot(t), "pkg", "scan", "image", "testdata", "db")
	err := scanImageRun(context.Background(), imageOpts(f, path, db, "HIGH"))
	var ce *codedError
	if !errors.As(err, &ce) || ce.code != exitFindings {
		t.Fatalf("err = %v, want the --fail-on exit", err)
	}
	if !strings.Contains(out.String(), `"Title": "CVE-2099-1000: libssl3 3.0.9-1 (fixed in 3.0.11-1~deb12u2)"`) {
		t.Errorf("stdout = %s", out.String())
	}
	if !strings.Contains(errOut.String(), "1 new, 0 updated, 0 archived") {
		t.Errorf("stderr = %s", errOut.String())
	}
	// A second scan updates the same finding.
	out.Reset()
	errOut.Reset()
	if err := scanImageRun(context.Background(), imageOpts(f, path, db, "")); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(errOut.String(), "0 new, 1 updated, 0 archived") {
		t.Errorf("stderr = %s", errOut.String())
	}
	// Suppressed in the store, the finding is shown so and no longer fails
	// the gate, which says what it passed over.
	st, err := localstore.Open(context.Background(), f.Globals.StorePath)
	if err != nil {
		t.Fatal(err)
	}
	list, err := st.Query(context.Background(), findings.Query{})
	if err != nil || len(list) != 1 {
		t.Fatalf("stored %d findings, err %v", len(list), err)
	}
	if _, err := st.Update(context.Background(), findings.Update{Ids: []string{list[0].Id}, Status: findings.WorkflowSuppressed}); err != nil {
		t.Fatal(err)
	}
	st.Close()
	out.Reset()
	errOut.Reset()
	if err := scanImageRun(context.Background(), imageOpts(f, path, db, "HIGH")); err != nil {
		t.Fatalf("suppressed finding failed the gate: %v", err)
	}
	if !strings.Contains(out.String(), `"Status": "SUPPRESSED"`) {
		t.Errorf("stdout does not show the stored status: %s", out.String())
	}
	if !strings.Contains(errOut.String(), "Gate: 1 finding at or above HIGH not counted") {
		t.Errorf("stderr = %s", errOut.String())
	}
}
