package scan

import (
	"bufio"
	"net/url"
	"os"
	"path/filepath"
	"strings"
)

// DescribeTarget names the tree at absRoot the same way on every machine
// that checks it out, so findings match across CI builds whose checkout
// paths differ: the git remote "origin" (credentials removed) plus the
// directory within the repository, e.g.
// "https://github.com/acme/shop.git//services/api". Outside a repository
// with a remote it is the absolute path.
func DescribeTarget(absRoot string) string {
	top, gitDir := findRepo(absRoot)
	if top == "" {
		return absRoot
	}
	remote := originURL(gitDir)
	if remote == "" {
		return absRoot
	}
	rel, err := filepath.Rel(top, absRoot)
	if err != nil || rel == "." {
		return remote
	}
	return remote + "//" + filepath.ToSlash(rel)
}

// findRepo returns the work tree top and git directory enclosing dir.
func findRepo(dir string) (top, gitDir string) {
	for d := dir; ; d = filepath.Dir(d) {
		p := filepath.Join(d, ".git")
		info, err := os.Stat(p)
		if err == nil {
			if info.IsDir() {
				return d, p
			}
			// A worktree or submodule: ".git" is a file "gitdir: PATH".
			data, err := os.ReadFile(p)
			if err != nil {
				return "", ""
			}
			g := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(string(data)), "gitdir:"))
			if !filepath.IsAbs(g) {
				g = filepath.Join(d, g)
			}
			// Worktrees keep their config in the main repository.
			// #nosec G703 -- the scanned tree's own git metadata, read only to name the target
			if common, err := os.ReadFile(filepath.Join(g, "commondir")); err == nil {
				c := strings.TrimSpace(string(common))
				if !filepath.IsAbs(c) {
					c = filepath.Join(g, c)
				}
				g = c
			}
			return d, g
		}
		if d == filepath.Dir(d) {
			return "", ""
		}
	}
}

// originURL reads remote "origin"'s url from the repository config,
// without any user name or password it carries.
func originURL(gitDir string) string {
	f, err := os.Open(filepath.Join(gitDir, "config"))
	if err != nil {
		return ""
	}
	defer f.Close()
	in := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(line, "[") {
			in = strings.ReplaceAll(line, " ", "") == `[remote"origin"]`
			continue
		}
		if !in {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if ok && strings.TrimSpace(k) == "url" {
			return stripCredentials(strings.TrimSpace(v))
		}
	}
	return ""
}

func stripCredentials(raw string) string {
	if u, err := url.Parse(raw); err == nil && u.Scheme != "" && u.Host != "" {
		u.User = nil
		return u.String()
	}
	// scp-like "git@github.com:acme/shop.git": the user is not a secret,
	// but drop it so https and ssh clones of a repository agree more often.
	if at := strings.Index(raw, "@"); at >= 0 && !strings.Contains(raw[:at], "/") {
		return raw[at+1:]
	}
	return raw
}
