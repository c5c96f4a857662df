package sca

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/google/osv-scalibr/extractor/filesystem"

	"github.com/secops-dev/secops/pkg/scan"
)

// skipDirs are never descended into: VCS metadata and installed package
// trees (whose hidden lockfiles describe the same packages again).
var skipDirs = map[string]bool{".git": true, ".hg": true, ".svn": true}

// vendoredDir reports whether the directory name in parent holds installed
// copies of dependencies rather than a project: node_modules, and vendor/
// beside a go.mod (Go modules vendoring), vendor.conf, Gopkg.toml or
// glide.yaml (the Go vendoring tools before modules), composer.json
// (Composer) or Gemfile (Bundler), or holding a modules.txt. The project's own lockfile or go.mod already lists
// what is in them; scanned as projects they would report the library
// authors' manifests (a vendored library's go line says nothing of the
// build).
func vendoredDir(parent, name string) bool {
	switch name {
	case "node_modules", "bower_components":
		return true
	case "vendor":
		for _, owner := range []string{"go.mod", "vendor.conf", "Gopkg.toml", "glide.yaml", "composer.json", "Gemfile"} {
			if _, err := os.Stat(filepath.Join(parent, owner)); err == nil {
				return true
			}
		}
		if _, err := os.Stat(filepath.Join(parent, name, "modules.txt")); err == nil {
			return true
		}
	}
	return false
}

// job is one manifest to extract, with the extractors that want it.
type job struct {
	rel  string // slash path relative to the root
	abs  string
	info fs.FileInfo
	exts []filesystem.Extractor
}

// walker finds manifests under a root without following a symlink twice
// into the same directory.
type walker struct {
	root    string
	exts    []filesystem.Extractor
	readDir func(string) ([]os.DirEntry, error)
	maxSize int64
	jobs    []job
	skipped []scan.Skipped
	// visited maps each directory walked to the path it was walked as;
	// walking holds those on the way down from the root (a link to one of
	// them is a loop).
	visited map[fileKey]string
	walking map[fileKey]bool
	// realRoot is the root with symlinks resolved: links that lead out of
	// it are not followed, so a scan never reads (or reports) files
	// outside the tree it was given.
	realRoot string
	// includeVendored walks vendored dependency trees too; otherwise
	// vendored lists the ones passed over.
	includeVendored bool
	vendored        []string
	// skipPaths leaves paths out on the user's request; excluded lists
	// those met.
	skipPaths scan.SkipPaths
	excluded  []string
	// names maps each directory (slash, relative) to the file names in it
	// that matter for unlocked manifests.
	names map[string][]string
}

// fileKey names a directory so that two paths to it (symlinks) are known
// as one: by device and inode, or where the platform has none to give, by
// its path with every link resolved. keyOf is per platform.
type fileKey struct {
	dev, ino uint64
	real     string
}

func (w *walker) skip(rel, format string, args ...any) {
	w.skipped = append(w.skipped, scan.Skipped{Path: rel, Reason: fmt.Sprintf(format, args...)})
}

func (w *walker) walk(abs, rel string) {
	ents, err := w.readDir(abs)
	if err != nil {
		w.skip(displayRel(rel), "unreadable directory: %v", unwrapPathErr(err))
		if len(ents) == 0 {
			return
		}
	}
	for _, e := range ents {
		name := e.Name()
		childAbs := filepath.Join(abs, name)
		childRel := joinRel(rel, name)
		if w.skipPaths.Match(childRel) {
			w.excluded = append(w.excluded, childRel)
			continue
		}
		mode := e.Type()
		var info fs.FileInfo
		if mode&fs.ModeSymlink != 0 {
			fi, err := os.Stat(childAbs)
			if err != nil {
				if isLoop(err) {
					w.skip(childRel, "symlink loop")
				} else {
					w.skip(childRel, "broken symlink: %v", unwrapPathErr(err))
				}
				continue
			}
			if dest, ok := w.outside(childAbs); ok {
				w.skip(childRel, "symlink to %s, outside the scan root: not followed", dest)
				continue
			}
			info = fi
			mode = fi.Mode().Type()
		}
		if mode.IsDir() {
			if skipDirs[name] {
				continue
			}
			if !w.includeVendored && vendoredDir(abs, name) {
				w.vendored = append(w.vendored, childRel)
				continue
			}
			if info == nil {
				if info, err = e.Info(); err != nil {
					w.skip(childRel, "unreadable directory: %v", unwrapPathErr(err))
					continue
				}
			}
			if k, ok := keyOf(childAbs, info); ok {
				if seen, done := w.visited[k]; done {
					if w.walking[k] {
						w.skip(childRel, "symlink loop: directory already scanned")
					} else {
						w.skip(childRel, "symlink to %s, a directory scanned already", displayRel(seen))
					}
					continue
				}
				w.visited[k] = childRel
				w.walking[k] = true
				w.walk(childAbs, childRel)
				delete(w.walking, k)
				continue
			}
			w.walk(childAbs, childRel)
			continue
		}
		if !mode.IsRegular() && mode&fs.ModeSymlink == 0 {
			continue
		}
		if lockRelevant[name] {
			if w.names == nil {
				w.names = map[string][]string{}
			}
			w.names[rel] = append(w.names[rel], name)
		}
		api := &fileAPI{path: childRel, abs: childAbs, info: info, entry: e}
		var want []filesystem.Extractor
		for _, ex := range w.exts {
			if ex.FileRequired(api) {
				want = append(want, ex)
			}
		}
		if len(want) == 0 {
			continue
		}
		fi, err := api.Stat()
		if err != nil {
			w.skip(childRel, "unreadable file: %v", unwrapPathErr(err))
			continue
		}
		if w.maxSize > 0 && fi.Size() > w.maxSize {
			w.skip(childRel, "file larger than %d MiB", w.maxSize>>20)
			continue
		}
		w.jobs = append(w.jobs, job{rel: childRel, abs: childAbs, info: fi, exts: want})
	}
}

// outside reports whether the symlink at abs leads out of the scan root,
// and where to.
func (w *walker) outside(abs string) (string, bool) {
	if w.realRoot == "" {
		return "", false
	}
	dest, err := filepath.EvalSymlinks(abs)
	if err != nil {
		return "", false
	}
	rel, err := filepath.Rel(w.realRoot, dest)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return dest, true
	}
	return "", false
}

func displayRel(rel string) string {
	if rel == "" {
		return "."
	}
	return rel
}

func joinRel(rel, name string) string {
	if rel == "" {
		return name
	}
	return rel + "/" + name
}

func isLoop(err error) bool {
	return errors.Is(err, syscall.ELOOP)
}

func unwrapPathErr(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// fileAPI gives extractors a path relative to the root and a lazy Stat.
type fileAPI struct {
	path  string
	abs   string
	info  fs.FileInfo
	entry os.DirEntry
}

func (f *fileAPI) Path() string { return f.path }

func (f *fileAPI) Stat() (fs.FileInfo, error) {
	if f.info != nil {
		return f.info, nil
	}
	fi, err := f.entry.Info()
	if err != nil {
		return nil, err
	}
	f.info = fi
	return fi, nil
}

// sniffBinary reports whether the start of a file looks binary (a NUL
// byte in the first 8 KiB): no lockfile or manifest contains one.
func sniffBinary(r io.ReaderAt) bool {
	buf := make([]byte, 8192)
	n, _ := r.ReadAt(buf, 0)
	return bytes.IndexByte(buf[:n], 0) >= 0
}
