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
var buildspecTemplate string

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
	return strings.ReplaceAll(buildspecTemplate, "@FAIL_ON@", failOn), nil
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
