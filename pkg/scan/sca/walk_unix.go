//go:build !windows

package sca

import (
	"io/fs"
	"syscall"
)

func keyOf(_ string, fi fs.FileInfo) (fileKey, bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return fileKey{}, false
	}
	return fileKey{dev: uint64(st.Dev), ino: uint64(st.Ino)}, true //nolint:unconvert // Dev is int32 or uint64 by platform
}
