package image

import (
	"io"
	"log"
	"path/filepath"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/osv-scalibr/extractor/filesystem"

	"github.com/secops-dev/secops/pkg/scan/sca"
)

func nilLogger() *log.Logger { return log.New(io.Discard, "", 0) }

func mustExtractors(t *testing.T) []filesystem.Extractor {
	t.Helper()
	exts, err := sca.ImageExtractors()
	if err != nil {
		t.Fatal(err)
	}
	return exts
}

// writeTarball saves img as a `docker save` tarball tagged ref and returns
// its path.
func writeTarball(t *testing.T, img v1.Image, ref string) string {
	t.Helper()
	tag, err := name.NewTag(ref)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "image.tar")
	if err := tarball.WriteToFile(path, tag, img); err != nil {
		t.Fatal(err)
	}
	return path
}
