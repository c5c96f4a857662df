package bootstrap

import (
	"archive/zip"
	"bytes"
	"debug/elf"
	"encoding/binary"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestZipBinaryIsDeterministicAndValid(t *testing.T) {
	bin := minimalELF(elf.EM_X86_64, "")
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
			w.Write([]byte("#!/bin/sh\n"))
		}
		zw.Close()
		p := filepath.Join(dir, name)
		if files == nil {
			os.WriteFile(p, []byte("PK\x03\x04 truncated"), 0o644)
			return p
		}
		os.WriteFile(p, buf.Bytes(), 0o644)
		return p
	}
	writeBin := func(name string, bin []byte) string {
		z, _ := ZipBinary(bin)
		p := filepath.Join(dir, name)
		os.WriteFile(p, z, 0o644)
		return p
	}
	notZip := filepath.Join(dir, "plain.txt")
	os.WriteFile(notZip, []byte("hello"), 0o644)
	dynamic := filepath.Join(dir, "secops-dynamic")
	os.WriteFile(dynamic, minimalELF(elf.EM_X86_64, "/lib64/ld-linux-x86-64.so.2"), 0o755)
	arm := filepath.Join(dir, "secops-arm64")
	os.WriteFile(arm, minimalELF(elf.EM_AARCH64, ""), 0o755)
	tests := []struct {
		path, want string
	}{
		{filepath.Join(dir, "missing.zip"), "no such file"},
		{notZip, "neither an ELF executable nor a script"},
		{write("broken.zip", nil), "not a zip file"},
		{dynamic, "dynamically linked (it names the ELF interpreter /lib64/ld-linux-x86-64.so.2): Lambda, CodeBuild and the scanner host need a static secops. Build one with CGO_ENABLED=0"},
		{writeBin("dynamic.zip", minimalELF(elf.EM_X86_64, "/lib64/ld-linux-x86-64.so.2")), "bootstrap is dynamically linked"},
		{arm, "built for EM_AARCH64"},
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
	// A static binary given as it is gets zipped.
	static := filepath.Join(dir, "secops")
	os.WriteFile(static, minimalELF(elf.EM_X86_64, ""), 0o755)
	z, err := ReadPackage(static)
	if err != nil {
		t.Fatalf("ReadPackage(static binary) = %v", err)
	}
	if want, _ := ZipBinary(minimalELF(elf.EM_X86_64, "")); !bytes.Equal(z, want) {
		t.Error("a binary given as it is was not zipped as ZipBinary does")
	}
}

// minimalELF is the smallest ELF64 executable debug/elf reads: a header
// and one PT_LOAD, plus a PT_INTERP naming interp when it is not empty.
func minimalELF(machine elf.Machine, interp string) []byte {
	var b bytes.Buffer
	phnum := 1
	if interp != "" {
		phnum = 2
	}
	le := binary.LittleEndian
	hdr := make([]byte, 64)
	copy(hdr, "\x7fELF")
	hdr[4], hdr[5], hdr[6] = byte(elf.ELFCLASS64), byte(elf.ELFDATA2LSB), byte(elf.EV_CURRENT)
	le.PutUint16(hdr[16:], uint16(elf.ET_EXEC))
	le.PutUint16(hdr[18:], uint16(machine))
	le.PutUint32(hdr[20:], uint32(elf.EV_CURRENT))
	le.PutUint64(hdr[32:], 64) // program headers right after
	le.PutUint16(hdr[52:], 64)
	le.PutUint16(hdr[54:], 56)
	le.PutUint16(hdr[56:], uint16(phnum))
	le.PutUint16(hdr[58:], 64)
	b.Write(hdr)
	dataOff := uint64(64 + 56*phnum)
	ph := func(typ elf.ProgType, off, size uint64) {
		p := make([]byte, 56)
		le.PutUint32(p[0:], uint32(typ))
		le.PutUint64(p[8:], off)
		le.PutUint64(p[32:], size)
		le.PutUint64(p[40:], size)
		b.Write(p)
	}
	ph(elf.PT_LOAD, 0, dataOff+uint64(len(interp)+1))
	if interp != "" {
		ph(elf.PT_INTERP, dataOff, uint64(len(interp)+1))
		b.WriteString(interp + "\x00")
	}
	return b.Bytes()
}

func FuzzCheckPackage(f *testing.F) {
	good, _ := ZipBinary([]byte("bin"))
	f.Add(good)
	static, _ := ZipBinary(minimalELF(elf.EM_X86_64, ""))
	f.Add(static)
	dynamic, _ := ZipBinary(minimalELF(elf.EM_X86_64, "/lib64/ld-linux-x86-64.so.2"))
	f.Add(dynamic)
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
