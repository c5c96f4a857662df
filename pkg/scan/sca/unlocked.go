package sca

import (
	"path"
	"slices"
	"sort"
)

// unlockedRule is a manifest that names version ranges, the lockfiles
// that pin them, and how to make one.
type unlockedRule struct {
	manifest string
	locks    []string
	fix      string
}

// unlockedRules: a manifest with none of its lockfiles in its directory or
// a parent (a workspace root) gives SCA nothing exact to match.
var unlockedRules = []unlockedRule{
	{"package.json", []string{"package-lock.json", "npm-shrinkwrap.json", "yarn.lock", "pnpm-lock.yaml"}, "run `npm install --package-lock-only` (or yarn/pnpm install) and commit the lockfile"},
	{"Gemfile", []string{"Gemfile.lock"}, "run `bundle lock` and commit Gemfile.lock"},
	{"Cargo.toml", []string{"Cargo.lock"}, "run `cargo generate-lockfile` and commit Cargo.lock"},
	{"composer.json", []string{"composer.lock"}, "run `composer update --lock` and commit composer.lock"},
	{"pyproject.toml", []string{"poetry.lock", "uv.lock", "Pipfile.lock", "requirements.txt"}, "run `poetry lock` or `uv lock` (or pin requirements.txt) and commit the lockfile"},
	{"Pipfile", []string{"Pipfile.lock"}, "run `pipenv lock` and commit Pipfile.lock"},
}

// lockRelevant are the file names the walker records for unlockedRules.
var lockRelevant = func() map[string]bool {
	m := map[string]bool{}
	for _, r := range unlockedRules {
		m[r.manifest] = true
		for _, l := range r.locks {
			m[l] = true
		}
	}
	return m
}()

// Unlocked is a manifest that has no lockfile.
type Unlocked struct {
	Path string // slash path relative to the scan root
	Fix  string
}

// unlocked lists the manifests in names (directory → file names) that no
// lockfile in their directory or a parent directory pins.
func unlocked(names map[string][]string) []Unlocked {
	has := func(dir, file string) bool {
		for {
			if slices.Contains(names[dir], file) {
				return true
			}
			if dir == "" {
				return false
			}
			if dir = path.Dir(dir); dir == "." {
				dir = ""
			}
		}
	}
	var out []Unlocked
	for dir, files := range names {
		for _, r := range unlockedRules {
			if !slices.Contains(files, r.manifest) {
				continue
			}
			locked := false
			for _, l := range r.locks {
				if has(dir, l) {
					locked = true
					break
				}
			}
			if !locked {
				out = append(out, Unlocked{Path: path.Join(dir, r.manifest), Fix: r.fix})
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}
