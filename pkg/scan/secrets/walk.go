package secrets

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"

	"github.com/go-git/go-git/v5/plumbing/format/gitignore"
	"github.com/zricethezav/gitleaks/v8/detect"
	"github.com/zricethezav/gitleaks/v8/report"

	"github.com/secops-dev/secops/pkg/scan"
)

// sniffSize is how much of a file is read to tell text from binary, as git does.
const sniffSize = 8000

// walk lists the regular files under root that are worth scanning, with
// paths relative to root: .git and what .gitignore excludes are left out,
// binary, huge and unreadable files are reported as skipped. Symlinks are
// not followed; broken ones and loops are reported.
//
// Inside a git work tree, git itself says what is ignored, so a file that
// matches .gitignore but was committed anyway (git add -f) is scanned: it
// is a committed credential. Elsewhere the .gitignore files under root are
// read.
func walk(ctx context.Context, root string, maxSize int64, skip scan.SkipPaths) (files []string, skipped []scan.Skipped, excluded []string, err error) {
	var patterns []gitignore.Pattern
	gitIgn, useGit := gitIgnored(ctx, root)
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, werr error) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		if path != root && skip.Match(rel) {
			excluded = append(excluded, rel)
			if d != nil && d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if werr != nil {
			if path == root {
				return werr
			}
			skipped = append(skipped, scan.Skipped{Path: rel, Reason: "cannot read: " + reason(werr)})
			if d != nil && d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		parts := strings.Split(rel, "/")
		ignored := false
		switch {
		case path == root:
		case useGit:
			ignored = gitIgn[rel] || (d.IsDir() && gitIgn[rel+"/"])
		default:
			ignored = gitignore.NewMatcher(patterns).Match(parts, d.IsDir())
		}
		if ignored {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		switch {
		case d.IsDir():
			if d.Name() == ".git" && path != root {
				return filepath.SkipDir
			}
			if useGit {
				return nil
			}
			ps, err := readGitignore(path, parts, path == root)
			if err != nil {
				skipped = append(skipped, scan.Skipped{Path: rel + "/.gitignore", Reason: "cannot read: " + reason(err)})
			}
			patterns = append(patterns, ps...)
			return nil
		case d.Type()&fs.ModeSymlink != 0:
			if _, err := os.Stat(path); err != nil {
				skipped = append(skipped, scan.Skipped{Path: rel, Reason: symlinkReason(err)})
			}
			return nil
		case !d.Type().IsRegular():
			return nil
		}
		info, err := d.Info()
		if err != nil {
			skipped = append(skipped, scan.Skipped{Path: rel, Reason: "cannot read: " + reason(err)})
			return nil
		}
		if info.Size() > maxSize {
			skipped = append(skipped, scan.Skipped{Path: rel, Reason: "larger than " + formatSize(maxSize)})
			return nil
		}
		if info.Size() == 0 {
			return nil
		}
		files = append(files, rel)
		return nil
	})
	if err != nil {
		return nil, nil, nil, fmt.Errorf("walk %s: %w", root, err)
	}
	return files, skipped, excluded, nil
}

// gitIgnored lists the untracked paths under root that git ignores,
// relative to root (directories wholly ignored end in "/"). ok is false
// when git is not on PATH, root is not in a work tree, or root itself is
// ignored: the caller then reads the .gitignore files itself.
func gitIgnored(ctx context.Context, root string) (map[string]bool, bool) {
	if _, err := exec.LookPath("git"); err != nil {
		return nil, false
	}
	cmd := exec.CommandContext(ctx, "git", "-C", root, "ls-files", "-z", "--others", "--ignored", "--exclude-standard", "--directory")
	cmd.Env = append(os.Environ(), "GIT_OPTIONAL_LOCKS=0")
	out, err := cmd.Output()
	if err != nil {
		return nil, false
	}
	set := map[string]bool{}
	for _, p := range strings.Split(string(out), "\x00") {
		if p == "" {
			continue
		}
		if p == "./" {
			return nil, false
		}
		set[p] = true
	}
	return set, true
}

// readGitignore reads dir/.gitignore, with patterns scoped to dir. At the
// root, .git/info/exclude counts too.
func readGitignore(dir string, domain []string, isRoot bool) ([]gitignore.Pattern, error) {
	if isRoot {
		domain = nil
	}
	var out []gitignore.Pattern
	names := []string{".gitignore"}
	if isRoot {
		names = append(names, filepath.Join(".git", "info", "exclude"))
	}
	for _, name := range names {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) {
			continue
		}
		if err != nil {
			return out, err
		}
		for _, line := range strings.Split(string(data), "\n") {
			line = strings.TrimRight(line, "\r")
			if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
				continue
			}
			out = append(out, gitignore.ParsePattern(line, domain))
		}
	}
	return out, nil
}

func symlinkReason(err error) string {
	if errors.Is(err, syscall.ELOOP) {
		return "symlink loop"
	}
	if errors.Is(err, fs.ErrNotExist) {
		return "broken symlink"
	}
	return "symlink: " + reason(err)
}

func reason(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// scanFiles runs the detector over files with a few workers. Binary files
// found on reading are reported as skipped.
func scanFiles(ctx context.Context, d *detect.Detector, root string, files []string, workers int) ([]report.Finding, []scan.Skipped) {
	var (
		mu      sync.Mutex
		found   []report.Finding
		skipped []scan.Skipped
		wg      sync.WaitGroup
	)
	jobs := make(chan string)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for rel := range jobs {
				fs, skip := scanFile(ctx, d, root, rel)
				mu.Lock()
				found = append(found, fs...)
				if skip != nil {
					skipped = append(skipped, *skip)
				}
				mu.Unlock()
			}
		}()
	}
	for _, f := range files {
		if ctx.Err() != nil {
			break
		}
		jobs <- f
	}
	close(jobs)
	wg.Wait()
	return found, skipped
}

func scanFile(ctx context.Context, d *detect.Detector, root, rel string) ([]report.Finding, *scan.Skipped) {
	data, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(rel)))
	if err != nil {
		return nil, &scan.Skipped{Path: rel, Reason: "cannot read: " + reason(err)}
	}
	if bytes.IndexByte(data[:min(len(data), sniffSize)], 0) >= 0 {
		return nil, &scan.Skipped{Path: rel, Reason: "binary file"}
	}
	return d.DetectContext(ctx, detect.Fragment{Raw: string(data), FilePath: rel, StartLine: 1}), nil
}

// formatSize writes a byte count for people: 10 MB, 512 KB, 100 bytes.
func formatSize(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}
