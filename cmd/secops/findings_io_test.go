package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/secops-dev/secops/pkg/importer"
	"github.com/secops-dev/secops/pkg/iostreams"
)

// TestReadInputRefusesOversizedFilesUnread: a report over the importer's
// cap is refused from its size, before reading it (which used to take
// about 1.3 GB of memory for a 600 MiB file only to refuse it).
func TestReadInputRefusesOversizedFilesUnread(t *testing.T) {
	path := filepath.Join(t.TempDir(), "huge.json")
	file, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	// Sparse: no disk space used, and unreadable so that only a size
	// check can give the expected message.
	if err := file.Truncate(importer.MaxReportBytes + 88<<20); err != nil {
		t.Fatal(err)
	}
	file.Close()
	if err := os.Chmod(path, 0o200); err != nil {
		t.Fatal(err)
	}
	io, _, _, _ := iostreams.Test()
	f := newFactory(io)
	_, err = readInput(f.IO.In, path)
	if err == nil || !strings.Contains(err.Error(), "600 MiB, larger than the 512 MiB limit") {
		t.Fatalf("readInput = %v, want the size refusal", err)
	}
}
