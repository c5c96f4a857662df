package bootstrap

import (
	_ "embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

//go:embed templates/buildspec.yml
var buildspecHeader string

// scanPhases are the install and build phases of the scan gate, shared by
// the pipeline stack's Scan stage and `secops init buildspec`.
//
//go:embed templates/scan-phases.yml
var scanPhases string

// ScanBuildspec is the buildspec of the pipeline stack's Scan stage: the
// gate's severity comes from the project's FAIL_ON variable.
func ScanBuildspec() string { return "version: 0.2\n\n" + scanPhases }

// BuildspecName is the file the pipeline's Scan stage runs.
const BuildspecName = "buildspec.yml"

// ErrBuildspecExists means the file is there and --force was not given.
var ErrBuildspecExists = errors.New("buildspec exists")

// Buildspec returns the buildspec.yml with the scan gate at failOn.
func Buildspec(failOn string) (string, error) {
	failOn = strings.ToUpper(strings.TrimSpace(failOn))
	switch failOn {
	case "CRITICAL", "HIGH", "MEDIUM", "LOW", "INFORMATIONAL":
	default:
		return "", fmt.Errorf("--fail-on %q: use CRITICAL, HIGH, MEDIUM, LOW or INFORMATIONAL", failOn)
	}
	return strings.ReplaceAll(buildspecHeader, "@FAIL_ON@", failOn) + scanPhases, nil
}

// WriteBuildspec writes buildspec.yml into dir, refusing to replace an
// existing file unless force is set. It returns the path written.
func WriteBuildspec(dir, failOn string, force bool) (string, error) {
	body, err := Buildspec(failOn)
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, BuildspecName)
	flags := os.O_WRONLY | os.O_CREATE | os.O_EXCL
	if force {
		flags = os.O_WRONLY | os.O_CREATE | os.O_TRUNC
	}
	f, err := os.OpenFile(path, flags, 0o644)
	if err != nil {
		if errors.Is(err, fs.ErrExist) {
			return path, fmt.Errorf("%s already exists; pass --force to overwrite it: %w", path, ErrBuildspecExists)
		}
		return path, fmt.Errorf("write %s: %w", path, err)
	}
	if _, err := f.WriteString(body); err != nil {
		f.Close()
		return path, fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return path, fmt.Errorf("write %s: %w", path, err)
	}
	return path, nil
}
