//go:build windows

package sca

import (
	"io/fs"
	"path/filepath"
	"strings"
)

// keyOf names the directory by its real path: a FileInfo on Windows
// carries no file index to compare.
func keyOf(abs string, _ fs.FileInfo) (fileKey, bool) {
	real, err := filepath.EvalSymlinks(abs)
	if err != nil {
		return fileKey{}, false
	}
	return fileKey{real: strings.ToLower(real)}, true
}
