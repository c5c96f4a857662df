// Package readonly makes files impossible for the test process to write,
// root included.
package readonly

import (
	"os"
	"os/exec"
	"testing"
)

// Make makes path impossible to write for this process until the test
// ends: by its mode, or, for root (whom modes do not stop), with the
// immutable attribute. It skips the test when neither works here.
func Make(t testing.TB, path string) {
	t.Helper()
	if os.Geteuid() != 0 {
		info, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(path, info.Mode().Perm()&^0o222); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.Chmod(path, info.Mode().Perm()) })
		return
	}
	if out, err := exec.Command("chattr", "+i", path).CombinedOutput(); err != nil {
		t.Skipf("running as root and cannot make %s immutable (chattr +i: %v %s): nothing here is read-only for root", path, err, out)
	}
	t.Cleanup(func() { exec.Command("chattr", "-i", path).Run() })
}
