package bootstrap

import (
	"archive/zip"
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestZipBinaryIsDeterministicAndValid(t *testing.T) {
	bin := []byte("\x7fELF pretend binary")
	a, err := ZipBinary(bin)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := ZipBinary(bin)
	if !bytes.Equal(a, b) || PackageKey(a) != PackageKey(b) {
		t.Error("same binary, different package")
	}
	c, _ := ZipBinary(append(bin, '!'))
	if PackageKey(a) == PackageKey(c) {
		t.Error("different binaries share a key")
	}
	if !strings.HasPrefix(PackageKey(a), "packages/secops-linux-amd64-") {
		t.Errorf("key %s", PackageKey(a))
	}
	zr, err := zip.NewReader(bytes.NewReader(a), int64(len(a)))
	if err != nil {
		t.Fatal(err)
	}
	if len(zr.File) != 1 || zr.File[0].Name != "bootstrap" || zr.File[0].Mode().Perm() != 0o755 {
		t.Fatalf("zip entries %v", zr.File)
	}
	rc, _ := zr.File[0].Open()
	got, _ := io.ReadAll(rc)
	if !bytes.Equal(got, bin) {
		t.Error("content differs")
	}
	if err := checkPackage(a); err != nil {
		t.Error(err)
	}
}

func TestReadPackageRejects(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, files map[string]os.FileMode) string {
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		for n, mode := range files {
			h := &zip.FileHeader{Name: n}
			h.SetMode(mode)
			w, _ := zw.CreateHeader(h)
			w.Write([]byte("x"))
		}
		zw.Close()
		p := filepath.Join(dir, name)
		os.WriteFile(p, buf.Bytes(), 0o644)
		return p
	}
	notZip := filepath.Join(dir, "plain.txt")
	os.WriteFile(notZip, []byte("hello"), 0o644)
	tests := []struct {
		path, want string
	}{
		{filepath.Join(dir, "missing.zip"), "no such file"},
		{notZip, "not a zip file"},
		{write("nested.zip", map[string]os.FileMode{"dist/bootstrap": 0o755}), "no file named bootstrap"},
		{write("noexec.zip", map[string]os.FileMode{"bootstrap": 0o644}), "not executable"},
	}
	for _, tt := range tests {
		if _, err := ReadPackage(tt.path); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("ReadPackage(%s) = %v, want %q", filepath.Base(tt.path), err, tt.want)
		}
	}
	ok := write("ok.zip", map[string]os.FileMode{"bootstrap": 0o755})
	if _, err := ReadPackage(ok); err != nil {
		t.Errorf("ReadPackage(ok.zip) = %v", err)
	}
}

func FuzzCheckPackage(f *testing.F) {
	good, _ := ZipBinary([]byte("bin"))
	f.Add(good)
	f.Add([]byte("PK\x03\x04"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		_ = checkPackage(data) // must not panic on any input
	})
}

func FuzzLint(f *testing.F) {
	tmpls, _ := renderNames(StackAlerts, StackScanner)
	for _, tm := range tmpls {
		f.Add(tm.Body)
	}
	f.Add([]byte("Resources:\n  X: !Sub [a, b]\n"))
	f.Add([]byte("Resources: {A: {Type: AWS::IAM::Role, Properties: {Policies: [{PolicyDocument: {Statement: [!If [C]]}}]}}}"))
	f.Fuzz(func(t *testing.T, data []byte) {
		_ = Lint(data) // must not panic on any input
		_, _ = Resources(data)
	})
}

func TestWriteBuildspec(t *testing.T) {
	dir := t.TempDir()
	p, err := WriteBuildspec(dir, "high", false)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := os.ReadFile(p)
	if !strings.Contains(string(body), `FAIL_ON: "HIGH"`) || strings.Contains(string(body), "@FAIL_ON@") {
		t.Errorf("buildspec:\n%s", body)
	}
	if _, err := WriteBuildspec(dir, "HIGH", false); err == nil || !strings.Contains(err.Error(), "--force") {
		t.Errorf("second write: %v", err)
	}
	if _, err := WriteBuildspec(dir, "LOW", true); err != nil {
		t.Errorf("forced write: %v", err)
	}
	body, _ = os.ReadFile(p)
	if !strings.Contains(string(body), `FAIL_ON: "LOW"`) {
		t.Error("force did not replace the file")
	}
}
