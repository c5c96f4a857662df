package scan

import (
	"os"
	"path/filepath"
	"testing"
)

func TestDescribeTarget(t *testing.T) {
	mk := func(t *testing.T, files map[string]string) string {
		root := t.TempDir()
		for name, content := range files {
			p := filepath.Join(root, name)
			os.MkdirAll(filepath.Dir(p), 0o755)
			if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return root
	}
	config := "[core]\n\tbare = false\n[remote \"upstream\"]\n\turl = https://example.com/other.git\n[remote \"origin\"]\n\turl = https://ci-bot:ghp_secret@github.com/acme/shop.git\n\tfetch = +refs/heads/*:refs/remotes/origin/*\n"

	t.Run("remote and subdirectory", func(t *testing.T) {
		root := mk(t, map[string]string{".git/config": config, "services/api/go.mod": ""})
		if got := DescribeTarget(filepath.Join(root, "services", "api")); got != "https://github.com/acme/shop.git//services/api" {
			t.Errorf("got %q", got)
		}
		if got := DescribeTarget(root); got != "https://github.com/acme/shop.git" {
			t.Errorf("top: got %q", got)
		}
	})
	t.Run("scp-like remote", func(t *testing.T) {
		root := mk(t, map[string]string{".git/config": "[remote \"origin\"]\n\turl = git@github.com:acme/shop.git\n"})
		if got := DescribeTarget(root); got != "github.com:acme/shop.git" {
			t.Errorf("got %q", got)
		}
	})
	t.Run("worktree", func(t *testing.T) {
		main := mk(t, map[string]string{".git/config": config, ".git/worktrees/wt/commondir": "../..\n"})
		wt := mk(t, map[string]string{".git": "gitdir: " + filepath.Join(main, ".git", "worktrees", "wt") + "\n"})
		if got := DescribeTarget(wt); got != "https://github.com/acme/shop.git" {
			t.Errorf("got %q", got)
		}
	})
	t.Run("no remote", func(t *testing.T) {
		root := mk(t, map[string]string{".git/config": "[core]\n\tbare = false\n"})
		if got := DescribeTarget(root); got != root {
			t.Errorf("got %q, want the path", got)
		}
	})
	t.Run("not a repository", func(t *testing.T) {
		root := t.TempDir()
		if got := DescribeTarget(root); got != root {
			t.Errorf("got %q, want the path", got)
		}
	})
}
