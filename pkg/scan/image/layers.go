package image

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/osv-scalibr/extractor/filesystem"
)

// maxFileSize bounds one file copied out of a layer.
const maxFileSize = 256 << 20

// osReleasePaths are read so the OS extractors know the distribution.
var osReleasePaths = map[string]bool{"etc/os-release": true, "usr/lib/os-release": true}

type layerFile struct {
	data    []byte
	link    string // symlink target, when the entry is a symlink
	diffID  string
	mode    fs.FileMode
	modTime time.Time
	// history holds the earlier versions of an OS package database, the
	// oldest first, each with its layer, for per-package attribution.
	history []version
}

type version struct {
	diffID string
	data   []byte
}

// flatten applies the image's layers in order, honouring whiteouts, and
// keeps only the files an extractor wants (plus os-release), each with the
// layer that last wrote it.
func flatten(ctx context.Context, img v1.Image, exts []filesystem.Extractor) (map[string]*layerFile, error) {
	layers, err := img.Layers()
	if err != nil {
		return nil, fmt.Errorf("list layers: %w", err)
	}
	files := map[string]*layerFile{}
	for i, l := range layers {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		diff, err := l.DiffID()
		if err != nil {
			return nil, fmt.Errorf("layer %d: %w", i, err)
		}
		rc, err := l.Uncompressed()
		if err != nil {
			return nil, fmt.Errorf("layer %s: %w", diff, err)
		}
		err = applyLayer(rc, diff.String(), files, exts)
		rc.Close()
		if err != nil {
			return nil, fmt.Errorf("layer %s: %w", diff, err)
		}
	}
	return files, nil
}

func applyLayer(r io.Reader, diffID string, files map[string]*layerFile, exts []filesystem.Extractor) error {
	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		p := path.Clean(strings.TrimPrefix(path.Clean("/"+h.Name), "/"))
		dir, base := path.Split(p)
		if base == ".wh..wh..opq" {
			removeUnder(files, strings.TrimSuffix(dir, "/"))
			continue
		}
		if strings.HasPrefix(base, ".wh.") {
			target := path.Join(dir, strings.TrimPrefix(base, ".wh."))
			delete(files, target)
			removeUnder(files, target)
			continue
		}
		switch h.Typeflag {
		case tar.TypeDir:
			continue
		case tar.TypeSymlink, tar.TypeLink:
			if wanted(p, h, exts) {
				target := h.Linkname
				if h.Typeflag == tar.TypeSymlink && !path.IsAbs(target) {
					target = path.Join(dir, target)
				}
				files[p] = &layerFile{link: strings.TrimPrefix(path.Clean("/"+target), "/"), diffID: diffID}
			} else {
				delete(files, p)
			}
		case tar.TypeReg:
			if !wanted(p, h, exts) {
				delete(files, p)
				continue
			}
			if h.Size > maxFileSize {
				continue
			}
			data, err := io.ReadAll(io.LimitReader(tr, maxFileSize))
			if err != nil {
				return err
			}
			lf := &layerFile{data: data, diffID: diffID, mode: h.FileInfo().Mode().Perm(), modTime: h.ModTime}
			if old, ok := files[p]; ok && old.link == "" && isPackageDB(p) {
				lf.history = append(old.history, version{old.diffID, old.data})
			}
			files[p] = lf
		default:
			delete(files, p)
		}
	}
}

func removeUnder(files map[string]*layerFile, dir string) {
	prefix := dir + "/"
	if dir == "" || dir == "." {
		prefix = ""
	}
	for k := range files {
		if strings.HasPrefix(k, prefix) {
			delete(files, k)
		}
	}
}

func wanted(p string, h *tar.Header, exts []filesystem.Extractor) bool {
	if osReleasePaths[p] {
		return true
	}
	api := headerAPI{path: p, info: h.FileInfo()}
	for _, e := range exts {
		if e.FileRequired(api) {
			return true
		}
	}
	return false
}

type headerAPI struct {
	path string
	info fs.FileInfo
}

func (h headerAPI) Path() string               { return h.path }
func (h headerAPI) Stat() (fs.FileInfo, error) { return h.info, nil }

// materialize writes the kept files under dir (symlinks resolved within
// the image) and returns, per path, the layer that wrote it.
func materialize(files map[string]*layerFile, dir string) (map[string]string, error) {
	layerOf := map[string]string{}
	for p, f := range files {
		data, diff, ok := resolve(files, p, f)
		if !ok {
			continue
		}
		dst := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return nil, err
		}
		// Executables keep their x bits: extractors of Go binaries pick
		// files by them.
		if err := os.WriteFile(dst, data, 0o644|(f.mode&0o111)); err != nil {
			return nil, err
		}
		layerOf[p] = diff
	}
	return layerOf, nil
}

func resolve(files map[string]*layerFile, p string, f *layerFile) ([]byte, string, bool) {
	for range 16 {
		if f.link == "" {
			return f.data, f.diffID, true
		}
		next, ok := files[f.link]
		if !ok {
			return nil, "", false
		}
		f = next
	}
	return nil, "", false // symlink loop inside the image
}
