// Command benchgen writes the SCA benchmark's monorepo and offline OSV
// database to a directory, and with -scan runs the SCA scanner on them
// and prints the (path, package, version, advisory) set it finds, so the
// same data can be scanned by osv-scanner side by side:
//
//	go run ./internal/benchgen/cmd/benchgen -out /tmp/bench
//	osv-scanner scan source -r --offline-vulnerabilities --local-db-path /tmp/bench/db /tmp/bench/repo
//	go run ./internal/benchgen/cmd/benchgen -scan /tmp/bench
//
// With -osv-json FILE (osv-scanner's --format json output on the same
// data) it compares the two sets and exits 1 when they differ.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/secops-dev/secops/internal/benchgen"
	"github.com/secops-dev/secops/pkg/findings"
	"github.com/secops-dev/secops/pkg/scan/sca"
	"github.com/secops-dev/secops/pkg/vulndb"
)

func main() {
	out := flag.String("out", "", "write the monorepo and database under this directory")
	scan := flag.String("scan", "", "scan <dir>/repo with <dir>/db and print the findings' keys")
	seed := flag.Uint64("seed", benchgen.Default.Seed, "random seed")
	osvJSON := flag.String("osv-json", "", "with -scan: compare with this osv-scanner --format json output")
	index := flag.Bool("index", false, "with -out: also write the name index `secops db update` writes")
	flag.Parse()
	switch {
	case *out != "":
		cfg := benchgen.Default
		cfg.Seed = *seed
		if err := benchgen.Generate(*out, cfg); err != nil {
			fmt.Fprintln(os.Stderr, "benchgen:", err)
			os.Exit(2)
		}
		if *index {
			zips, _ := filepath.Glob(filepath.Join(*out, "db", "osv-scalibr", "*", "all.zip"))
			for _, z := range zips {
				if err := vulndb.BuildIndex(context.Background(), z); err != nil {
					fmt.Fprintln(os.Stderr, "benchgen:", err)
					os.Exit(2)
				}
			}
		}
	case *scan != "":
		start := time.Now()
		s := sca.New(sca.Options{DBDir: filepath.Join(*scan, "db"), Offline: true})
		res, err := s.Scan(context.Background(), filepath.Join(*scan, "repo"), findings.LocalProvenance(time.Now(), "secops"))
		if err != nil {
			fmt.Fprintln(os.Stderr, "benchgen:", err)
			os.Exit(2)
		}
		var keys []string
		for _, f := range res.Findings {
			p := f.Vulnerabilities[0].VulnerablePackages[0]
			keys = append(keys, fmt.Sprintf("%s\t%s\t%s\t%s", p.FilePath, p.Name, p.Version, f.Vulnerabilities[0].Id))
		}
		sort.Strings(keys)
		fmt.Fprintf(os.Stderr, "%d findings, %d skipped, in %s\n", len(res.Findings), len(res.Skipped), time.Since(start).Round(time.Millisecond))
		if *osvJSON == "" {
			for _, k := range keys {
				fmt.Println(k)
			}
			return
		}
		theirs, err := osvKeys(*osvJSON, filepath.Join(*scan, "repo"))
		if err != nil {
			fmt.Fprintln(os.Stderr, "benchgen:", err)
			os.Exit(2)
		}
		if !compare(keys, theirs) {
			os.Exit(1)
		}
	default:
		flag.Usage()
		os.Exit(2)
	}
}

// osvKeys reads osv-scanner's JSON output as (path, package, version,
// advisory) keys, paths relative to root.
func osvKeys(file, root string) ([]string, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	var out struct {
		Results []struct {
			Source   struct{ Path string }
			Packages []struct {
				Package struct {
					Name, Version string
				}
				Vulnerabilities []struct{ ID string }
			}
		}
	}
	if err := json.Unmarshal(data, &out); err != nil {
		return nil, fmt.Errorf("read %s: %w", file, err)
	}
	absRoot, _ := filepath.Abs(root)
	seen := map[string]bool{}
	var keys []string
	for _, r := range out.Results {
		rel, err := filepath.Rel(absRoot, r.Source.Path)
		if err != nil {
			rel = r.Source.Path
		}
		for _, p := range r.Packages {
			for _, v := range p.Vulnerabilities {
				k := fmt.Sprintf("%s\t%s\t%s\t%s", filepath.ToSlash(rel), p.Package.Name, p.Package.Version, v.ID)
				if !seen[k] {
					seen[k] = true
					keys = append(keys, k)
				}
			}
		}
	}
	sort.Strings(keys)
	return keys, nil
}

func compare(ours, theirs []string) bool {
	in := func(l []string) map[string]bool {
		m := map[string]bool{}
		for _, k := range l {
			m[k] = true
		}
		return m
	}
	o, t := in(ours), in(theirs)
	same := true
	for _, k := range ours {
		if !t[k] {
			fmt.Println("only secops:\t" + k)
			same = false
		}
	}
	for _, k := range theirs {
		if !o[k] {
			fmt.Println("only osv-scanner:\t" + k)
			same = false
		}
	}
	fmt.Fprintf(os.Stderr, "secops %d, osv-scanner %d findings; identical: %v\n", len(ours), len(theirs), same)
	return same
}
