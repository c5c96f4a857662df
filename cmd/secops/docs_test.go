package main

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/spf13/cobra/doc"

	"github.com/secops-dev/secops/pkg/iostreams"
)

var updateDocs = flag.Bool("update", false, "rewrite docs/cli from the command tree")

// TestCLIDocsUpToDate regenerates docs/cli/*.md from the cobra tree and
// fails when the checked-in pages differ: the reference is never written
// twice, and never stale. Refresh with: go test ./cmd/secops -run TestCLIDocsUpToDate -update
func TestCLIDocsUpToDate(t *testing.T) {
	io, _, _, _ := iostreams.Test()
	root := newRootCmd(newFactory(io))
	root.DisableAutoGenTag = true
	root.InitDefaultCompletionCmd()

	generated := t.TempDir()
	if err := doc.GenMarkdownTree(root, generated); err != nil {
		t.Fatal(err)
	}
	docs := filepath.Join(repoRoot(t), "docs", "cli")
	if *updateDocs {
		if err := os.RemoveAll(docs); err != nil {
			t.Fatal(err)
		}
		if err := os.CopyFS(docs, os.DirFS(generated)); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, _ := filepath.Glob(filepath.Join(generated, "*.md"))
	have, _ := filepath.Glob(filepath.Join(docs, "*.md"))
	if len(want) != len(have) {
		t.Errorf("docs/cli has %d pages, the command tree %d: run go test ./cmd/secops -run TestCLIDocsUpToDate -update", len(have), len(want))
	}
	for _, g := range want {
		name := filepath.Base(g)
		a, _ := os.ReadFile(g)
		b, err := os.ReadFile(filepath.Join(docs, name))
		if err != nil || !bytes.Equal(a, b) {
			t.Errorf("docs/cli/%s is stale: run go test ./cmd/secops -run TestCLIDocsUpToDate -update", name)
		}
	}
}
