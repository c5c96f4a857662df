package image

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"archive/tar"
	"io"

	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/secops-dev/secops/pkg/findings"
	"github.com/secops-dev/secops/pkg/scan/sca"
)

// TestGoBinaryGivesTheStandardLibrary: in an image, the Go that built a
// binary (its build info) is the standard library to check, and the
// finding says so.
func TestGoBinaryGivesTheStandardLibrary(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("the go command is needed to build a Go binary for the image")
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module example.com/app\n\ngo 1.21\n"), 0o600)
	os.WriteFile(filepath.Join(dir, "main.go"), []byte("package main\n\nfunc main() {}\n"), 0o600)
	bin := filepath.Join(dir, "app")
	cmd := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", bin, ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOFLAGS=", "GOPROXY=off")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	data, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	tw.WriteHeader(&tar.Header{Name: "usr/local/bin/app", Mode: 0o755, Size: int64(len(data)), Typeflag: tar.TypeReg, ModTime: testNow})
	tw.Write(data)
	tw.Close()
	b := buf.Bytes()
	layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil })
	if err != nil {
		t.Fatal(err)
	}
	img, err := mutate.AppendLayers(empty.Image, layer)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "app.tar")
	if err := tarball.WriteToFile(path, nil, img); err != nil {
		t.Fatal(err)
	}
	o := opts()
	o.DBDir = "testdata/godb"
	res, err := Scan(context.Background(), path, o)
	if err != nil {
		t.Fatal(err)
	}
	goVersion := strings.TrimPrefix(runtime.Version(), "go")
	var got []string
	for _, f := range res.Findings {
		got = append(got, f.Vulnerabilities[0].VulnerablePackages[0].Name+"@"+f.Vulnerabilities[0].VulnerablePackages[0].Version+" "+f.ProductFields[sca.FieldVersionSource])
	}
	want := "stdlib@" + goVersion + " the build info of /usr/local/bin/app"
	if len(got) != 1 || got[0] != want {
		t.Errorf("findings = %q, want [%q]", got, want)
	}
	if len(res.Findings) == 1 && res.Findings[0].ProductFields[findings.FieldRuleID] != "TEST-GO-STDLIB-1" {
		t.Errorf("rule = %s", res.Findings[0].ProductFields[findings.FieldRuleID])
	}
}
