package image

import (
	"archive/tar"
	"bytes"
	"testing"

	"github.com/secops-dev/secops/pkg/scan/sca"
)

// FuzzApplyLayer feeds arbitrary bytes as a layer tar: whiteouts, links
// and odd names must never crash the flattening or escape the
// materialised directory.
func FuzzApplyLayer(f *testing.F) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range []struct{ name, body, link string }{
		{"var/lib/dpkg/status", dpkgStatus, ""},
		{"etc/os-release", "", "../../../../etc/passwd"},
		{"../../app/Gemfile.lock", lock, ""},
		{"app/.wh..wh..opq", "", ""},
	} {
		h := &tar.Header{Name: e.name, Mode: 0o644, Size: int64(len(e.body)), Typeflag: tar.TypeReg}
		if e.link != "" {
			h.Typeflag, h.Linkname, h.Size = tar.TypeSymlink, e.link, 0
		}
		tw.WriteHeader(h)
		tw.Write([]byte(e.body))
	}
	tw.Close()
	f.Add(buf.Bytes())
	exts, err := sca.ImageExtractors()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		files := map[string]*layerFile{}
		if err := applyLayer(bytes.NewReader(data), "sha256:0", files, exts); err != nil {
			return
		}
		dir := t.TempDir()
		if _, err := materialize(files, dir); err != nil {
			return
		}
	})
}
