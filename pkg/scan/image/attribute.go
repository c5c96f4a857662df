package image

import (
	"bufio"
	"bytes"
	"path"
	"strings"
)

// isPackageDB reports the OS package databases whose earlier versions are
// kept: each apt or apk run rewrites the whole file, so the layer that
// wrote it last is not the layer that installed each package.
func isPackageDB(p string) bool {
	return p == "var/lib/dpkg/status" || p == "lib/apk/db/installed" || strings.HasPrefix(p, "var/lib/dpkg/status.d/")
}

// installedIn returns the layer that installed name at version: the oldest
// layer from which every later version of the database lists it. It falls
// back to the layer of the current version.
func installedIn(f *layerFile, p, name, version string) string {
	if len(f.history) == 0 {
		return f.diffID
	}
	layer := f.diffID
	for i := len(f.history) - 1; i >= 0; i-- {
		if !lists(f.history[i].data, p, name, version) {
			break
		}
		layer = f.history[i].diffID
	}
	return layer
}

// lists reports whether a dpkg status or apk installed file has a stanza
// for name at version.
func lists(data []byte, p, name, version string) bool {
	nameKey, versionKey := "Package: ", "Version: "
	if path.Base(p) == "installed" {
		nameKey, versionKey = "P:", "V:"
	}
	var curName, curVersion string
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64*1024), 4<<20)
	flush := func() bool {
		ok := curName == name && curVersion == version
		curName, curVersion = "", ""
		return ok
	}
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.TrimSpace(line) == "":
			if flush() {
				return true
			}
		case strings.HasPrefix(line, nameKey):
			curName = strings.TrimSpace(line[len(nameKey):])
		case strings.HasPrefix(line, versionKey):
			curVersion = strings.TrimSpace(line[len(versionKey):])
		}
	}
	return flush()
}
