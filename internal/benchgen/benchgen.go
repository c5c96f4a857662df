// Package benchgen generates a deterministic tree of lockfiles and an
// offline OSV database for benchmarks.
package benchgen

import (
	"archive/zip"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
)

// Config sizes the generated data.
type Config struct {
	Seed       uint64
	Lockfiles  int // lockfiles in the monorepo
	Packages   int // package versions over all lockfiles
	Advisories int // advisories in the database
}

// Default is the benchmark's size: 200 lockfiles, 20,000 package versions,
// 50,000 advisories.
var Default = Config{Seed: 1, Lockfiles: 200, Packages: 20000, Advisories: 50000}

type ecosystem struct {
	name     string
	lockfile string
	names    int // size of the package-name pool
}

// The lockfile formats both secops and osv-scanner read without a network.
var ecosystems = []ecosystem{
	{"npm", "package-lock.json", 6000},
	{"PyPI", "requirements.txt", 6000},
	{"Go", "go.mod", 6000},
	{"Maven", "gradle.lockfile", 6000},
	{"RubyGems", "Gemfile.lock", 6000},
	{"crates.io", "Cargo.lock", 6000},
}

func pkgName(eco string, i int) string {
	switch eco {
	case "Go":
		return fmt.Sprintf("example.com/mod%d/lib", i)
	case "Maven":
		return fmt.Sprintf("com.example.g%d:artifact-%d", i%97, i)
	case "PyPI":
		return fmt.Sprintf("py-pkg-%d", i)
	case "RubyGems":
		return fmt.Sprintf("gem-%d", i)
	case "crates.io":
		return fmt.Sprintf("crate-%d", i)
	}
	return fmt.Sprintf("npm-pkg-%d", i)
}

func version(r *rand.Rand) (int, int, int) { return r.IntN(5), r.IntN(20), r.IntN(10) }

// Generate writes <dir>/repo (the monorepo) and <dir>/db (the database,
// <dir>/db/osv-scalibr/<Ecosystem>/all.zip).
func Generate(dir string, cfg Config) error {
	r := rand.New(rand.NewPCG(cfg.Seed, cfg.Seed^0x5ec0b5))
	if err := writeDB(filepath.Join(dir, "db"), cfg, r); err != nil {
		return err
	}
	return writeRepo(filepath.Join(dir, "repo"), cfg, r)
}

type record struct {
	ID        string     `json:"id"`
	Modified  string     `json:"modified"`
	Published string     `json:"published"`
	Aliases   []string   `json:"aliases"`
	Summary   string     `json:"summary"`
	Details   string     `json:"details"`
	Severity  []sev      `json:"severity"`
	Affected  []affected `json:"affected"`
	Refs      []ref      `json:"references"`
	DBSpec    any        `json:"database_specific"`
}
type sev struct {
	Type  string `json:"type"`
	Score string `json:"score"`
}
type affected struct {
	Package struct {
		Ecosystem string `json:"ecosystem"`
		Name      string `json:"name"`
	} `json:"package"`
	Ranges []rng `json:"ranges"`
}
type rng struct {
	Type   string           `json:"type"`
	Events []map[string]any `json:"events"`
}
type ref struct {
	Type string `json:"type"`
	URL  string `json:"url"`
}

var vectors = []string{
	"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
	"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N",
	"CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:L/I:L/A:N",
	"CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:L/I:N/A:N",
}

const lorem = "An attacker who controls the input can make the library do something it should not. "

func writeDB(dir string, cfg Config, r *rand.Rand) error {
	per := cfg.Advisories / len(ecosystems)
	n := 0
	for ei, e := range ecosystems {
		count := per
		if ei == len(ecosystems)-1 {
			count = cfg.Advisories - per*(len(ecosystems)-1)
		}
		p := filepath.Join(dir, "osv-scalibr", e.name)
		if err := os.MkdirAll(p, 0o755); err != nil {
			return err
		}
		f, err := os.Create(filepath.Join(p, "all.zip"))
		if err != nil {
			return err
		}
		zw := zip.NewWriter(f)
		for range count {
			n++
			id := fmt.Sprintf("BENCH-%06d", n)
			rec := record{
				ID:        id,
				Modified:  "2026-01-01T00:00:00Z",
				Published: "2025-06-01T00:00:00Z",
				Aliases:   []string{fmt.Sprintf("CVE-2099-%06d", n)},
				Summary:   "Generated advisory " + id,
				Details:   strings.Repeat(lorem, 8+r.IntN(16)),
				Severity:  []sev{{"CVSS_V3", vectors[r.IntN(len(vectors))]}},
				Refs:      []ref{{"WEB", "https://example.invalid/advisories/" + id}, {"PACKAGE", "https://example.invalid/pkg"}},
				DBSpec:    map[string]any{"severity": "HIGH", "cwe_ids": []string{"CWE-79"}},
			}
			var a affected
			a.Package.Ecosystem = e.name
			a.Package.Name = pkgName(e.name, r.IntN(e.names))
			major, minor, _ := version(r)
			if e.name == "Go" {
				major %= 2 // go.mod accepts only v0 and v1 without a /vN path
			}
			typ := "ECOSYSTEM"
			if e.name == "Go" || e.name == "npm" || e.name == "crates.io" {
				typ = "SEMVER"
			}
			intro := "0"
			if r.IntN(2) == 0 {
				intro = fmt.Sprintf("%d.0.0", major)
			}
			events := []map[string]any{{"introduced": intro}}
			if r.IntN(8) == 0 {
				events = append(events, map[string]any{"last_affected": fmt.Sprintf("%d.%d.5", major, minor)})
			} else {
				events = append(events, map[string]any{"fixed": fmt.Sprintf("%d.%d.%d", major, minor, 1+r.IntN(9))})
			}
			a.Ranges = []rng{{Type: typ, Events: events}}
			rec.Affected = []affected{a}
			w, err := zw.Create(id + ".json")
			if err != nil {
				return err
			}
			enc := json.NewEncoder(w)
			enc.SetIndent("", "  ")
			if err := enc.Encode(rec); err != nil {
				return err
			}
		}
		if err := zw.Close(); err != nil {
			return err
		}
		if err := f.Close(); err != nil {
			return err
		}
	}
	return nil
}

func writeRepo(dir string, cfg Config, r *rand.Rand) error {
	per := cfg.Packages / cfg.Lockfiles
	for i := range cfg.Lockfiles {
		e := ecosystems[i%len(ecosystems)]
		count := per
		if i == cfg.Lockfiles-1 {
			count = cfg.Packages - per*(cfg.Lockfiles-1)
		}
		seen := map[string]bool{}
		type pv struct{ name, version string }
		var pkgs []pv
		for len(pkgs) < count {
			name := pkgName(e.name, r.IntN(e.names))
			if seen[name] {
				continue
			}
			seen[name] = true
			ma, mi, pa := version(r)
			if e.name == "Go" {
				ma %= 2
			}
			pkgs = append(pkgs, pv{name, fmt.Sprintf("%d.%d.%d", ma, mi, pa)})
		}
		var b strings.Builder
		switch e.name {
		case "npm":
			b.WriteString("{\n  \"name\": \"svc\",\n  \"version\": \"1.0.0\",\n  \"lockfileVersion\": 3,\n  \"requires\": true,\n  \"packages\": {\n    \"\": {\"name\": \"svc\", \"version\": \"1.0.0\"}")
			for _, p := range pkgs {
				fmt.Fprintf(&b, ",\n    \"node_modules/%s\": {\"version\": \"%s\", \"resolved\": \"https://registry.npmjs.org/%s/-/%s-%s.tgz\"}", p.name, p.version, p.name, p.name, p.version)
			}
			b.WriteString("\n  }\n}\n")
		case "PyPI":
			for _, p := range pkgs {
				fmt.Fprintf(&b, "%s==%s\n", p.name, p.version)
			}
		case "Go":
			fmt.Fprintf(&b, "module example.com/svc%d\n\ngo 1.22.1\n\nrequire (\n", i)
			for _, p := range pkgs {
				fmt.Fprintf(&b, "\t%s v%s\n", p.name, p.version)
			}
			b.WriteString(")\n")
		case "Maven":
			b.WriteString("# This is a Gradle generated file for dependency locking.\n# Manual edits can break the build and are not advised.\n# This file is expected to be part of source control.\n")
			for _, p := range pkgs {
				fmt.Fprintf(&b, "%s:%s=compileClasspath,runtimeClasspath\n", p.name, p.version)
			}
			b.WriteString("empty=\n")
		case "RubyGems":
			b.WriteString("GEM\n  remote: https://rubygems.org/\n  specs:\n")
			for _, p := range pkgs {
				fmt.Fprintf(&b, "    %s (%s)\n", p.name, p.version)
			}
			b.WriteString("\nPLATFORMS\n  ruby\n\nDEPENDENCIES\n")
			for _, p := range pkgs {
				fmt.Fprintf(&b, "  %s\n", p.name)
			}
			b.WriteString("\nBUNDLED WITH\n   2.4.10\n")
		case "crates.io":
			b.WriteString("version = 3\n")
			for _, p := range pkgs {
				fmt.Fprintf(&b, "\n[[package]]\nname = \"%s\"\nversion = \"%s\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\n", p.name, p.version)
			}
		}
		p := filepath.Join(dir, fmt.Sprintf("services/svc-%03d", i), e.lockfile)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
			return err
		}
	}
	return nil
}
