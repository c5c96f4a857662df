// Package sharedtest finds the real-world test data kept beside the
// repository in ../shared, or skips the test.
package sharedtest

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// Dir returns ../shared/<elem…> next to the repository root, or skips the
// test, saying where it looked, when that path does not exist.
func Dir(t testing.TB, elem ...string) string {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	root := filepath.Join(filepath.Dir(file), "..", "..", "..", "shared")
	dir := filepath.Join(append([]string{root}, elem...)...)
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("shared test data not available (%s): %v", dir, err)
	}
	return dir
}
