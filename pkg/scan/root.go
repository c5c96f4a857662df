package scan

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// checkDir tells the user plainly when the scan root is not a directory.
func checkDir(path string) error {
	info, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("scan %s: no such directory; give the path of a project to scan", path)
	case err != nil:
		return fmt.Errorf("scan %s: %w", path, err)
	case !info.IsDir():
		return fmt.Errorf("scan %s: not a directory; give the directory that holds the project", path)
	}
	return nil
}
