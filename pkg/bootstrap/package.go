package bootstrap

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
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

// ReadPackage reads a package given with --lambda-zip and checks that it
// holds an executable named bootstrap.
func ReadPackage(path string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read --lambda-zip: %w", err)
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
		if f.Name == PackageEntry {
			if f.Mode()&0o111 == 0 {
				return fmt.Errorf("%s is not executable (zip it with mode 0755)", PackageEntry)
			}
			return nil
		}
	}
	return fmt.Errorf("no file named %s at the top of the zip (the provided.al2023 runtime runs ./%s)", PackageEntry, PackageEntry)
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
	return ZipBinary(bin)
}
