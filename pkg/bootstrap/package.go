package bootstrap

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"context"
	"debug/elf"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"
)

// PackageEntry is the name of the executable inside the package: the
// provided.al2023 Lambda runtime runs a file called bootstrap.
const PackageEntry = "bootstrap"

// zipEpoch is the fixed modification time in packages, so the same binary
// always gives the same bytes, the same key, and no change on re-apply.
var zipEpoch = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)

// ZipBinary packages a linux/amd64 secops binary as the Lambda and
// CodeBuild package: one executable file named bootstrap.
func ZipBinary(bin []byte) ([]byte, error) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	// Fast compression: a 40-80 MB binary packs in about a second.
	zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) {
		return flate.NewWriter(w, flate.BestSpeed)
	})
	h := &zip.FileHeader{Name: PackageEntry, Method: zip.Deflate, Modified: zipEpoch}
	h.SetMode(0o755)
	w, err := zw.CreateHeader(h)
	if err != nil {
		return nil, fmt.Errorf("package secops: %w", err)
	}
	if _, err := w.Write(bin); err != nil {
		return nil, fmt.Errorf("package secops: %w", err)
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("package secops: %w", err)
	}
	return buf.Bytes(), nil
}

// ReadPackage reads a package given with --lambda-zip: a zip that holds
// an executable named bootstrap, or the executable itself, which it zips.
// A secops binary in it must be statically linked.
func ReadPackage(path string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read --lambda-zip: %w", err)
	}
	if !bytes.HasPrefix(data, []byte("PK\x03\x04")) {
		if err := checkExecutable(path, data); err != nil {
			return nil, fmt.Errorf("--lambda-zip %s: %w", path, err)
		}
		return ZipBinary(data)
	}
	if err := checkPackage(data); err != nil {
		return nil, fmt.Errorf("--lambda-zip %s: %w", path, err)
	}
	return data, nil
}

func checkPackage(data []byte) error {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return fmt.Errorf("not a zip file: %w", err)
	}
	for _, f := range zr.File {
		if f.Name != PackageEntry {
			continue
		}
		if f.Mode()&0o111 == 0 {
			return fmt.Errorf("%s is not executable (zip it with mode 0755)", PackageEntry)
		}
		rc, err := f.Open()
		if err != nil {
			return fmt.Errorf("read %s: %w", PackageEntry, err)
		}
		defer rc.Close()
		bin, err := io.ReadAll(io.LimitReader(rc, maxBinary))
		if err != nil {
			return fmt.Errorf("read %s: %w", PackageEntry, err)
		}
		return checkExecutable(PackageEntry, bin)
	}
	return fmt.Errorf("no file named %s at the top of the zip (the provided.al2023 runtime runs ./%s)", PackageEntry, PackageEntry)
}

// maxBinary bounds what is read of a package's executable.
const maxBinary = 512 << 20

// checkExecutable accepts a statically linked ELF binary, or a script (a
// custom runtime's bootstrap may be one).
func checkExecutable(name string, data []byte) error {
	switch {
	case bytes.HasPrefix(data, []byte("#!")):
		return nil
	case bytes.HasPrefix(data, []byte("\x7fELF")):
		return CheckStatic(name, data)
	}
	return fmt.Errorf("%s is neither an ELF executable nor a script", name)
}

// CheckStatic refuses an ELF binary that is dynamically linked: one that
// names an interpreter (PT_INTERP) or carries a dynamic section. Lambda's
// provided.al2023 runtime, CodeBuild's images and the scanner host each
// have their own C library, so only a static secops runs the same on all.
func CheckStatic(name string, bin []byte) error {
	f, err := elf.NewFile(bytes.NewReader(bin))
	if err != nil {
		return fmt.Errorf("%s is not an ELF executable: %w", name, err)
	}
	defer f.Close()
	if f.Machine != elf.EM_X86_64 {
		return fmt.Errorf("%s is built for %s; Lambda, CodeBuild and the scanner host run x86_64 (GOARCH=amd64)", name, f.Machine)
	}
	how := ""
	for _, p := range f.Progs {
		switch p.Type {
		case elf.PT_INTERP:
			interp, _ := io.ReadAll(io.LimitReader(p.Open(), 256))
			how = "it names the ELF interpreter " + strings.TrimRight(string(interp), "\x00")
		case elf.PT_DYNAMIC:
			if how == "" {
				how = "it has a dynamic section"
			}
		}
	}
	if how == "" && f.Section(".dynamic") != nil {
		how = "it has a dynamic section"
	}
	if how != "" {
		return fmt.Errorf("%s is dynamically linked (%s): Lambda, CodeBuild and the scanner host need a static secops. "+
			"Build one with CGO_ENABLED=0 go build -trimpath ./cmd/secops (or apply --build-lambda from the secops source), "+
			"or take the linux/amd64 release archive, and pass it with --lambda-zip", name, how)
	}
	return nil
}

// SelfPackage packages the running secops binary when it already is a
// linux/amd64 build, which is what Lambda and CodeBuild run.
func SelfPackage() ([]byte, error) {
	if runtime.GOOS != "linux" || runtime.GOARCH != "amd64" {
		return nil, fmt.Errorf("this secops is %s/%s; the Lambda needs linux/amd64: pass --lambda-zip FILE or --build-lambda (needs Go and the secops source)", runtime.GOOS, runtime.GOARCH)
	}
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("package secops: find own executable: %w", err)
	}
	bin, err := os.ReadFile(exe)
	if err != nil {
		return nil, fmt.Errorf("package secops: %w", err)
	}
	if err := CheckStatic("this secops ("+exe+")", bin); err != nil {
		return nil, fmt.Errorf("package secops: %w", err)
	}
	return ZipBinary(bin)
}

// BuildPackage cross-compiles secops for linux/amd64 with `go build` from
// the module in srcDir and packages it. It runs only when asked
// (--build-lambda); progress of the compiler goes to logw.
func BuildPackage(ctx context.Context, srcDir string, logw io.Writer) ([]byte, error) {
	tmp, err := os.MkdirTemp("", "secops-package-")
	if err != nil {
		return nil, fmt.Errorf("build secops package: %w", err)
	}
	defer os.RemoveAll(tmp)
	out := filepath.Join(tmp, PackageEntry)
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-ldflags=-s -w", "-o", out, "./cmd/secops")
	cmd.Dir = srcDir
	cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH=amd64", "CGO_ENABLED=0")
	cmd.Stdout, cmd.Stderr = logw, logw
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("build secops package: go build ./cmd/secops in %s: %w (run it from the secops source tree, or pass --lambda-zip)", srcDir, err)
	}
	bin, err := os.ReadFile(out)
	if err != nil {
		return nil, fmt.Errorf("build secops package: %w", err)
	}
	if err := CheckStatic("the secops go build made", bin); err != nil {
		return nil, fmt.Errorf("build secops package: %w", err)
	}
	return ZipBinary(bin)
}
