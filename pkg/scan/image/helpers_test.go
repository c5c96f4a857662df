package image

import (
	"io"
	"log"
	"testing"

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
