// Command benchgen writes the SCA benchmark's monorepo and offline OSV
// database to a directory, and with -scan runs the SCA scanner on them
// and prints the (path, package, version, advisory) set it finds, so the
// same data can be scanned by osv-scanner side by side:
//
//	go run ./internal/benchgen/cmd/benchgen -out /tmp/bench
//	osv-scanner scan source -r --offline-vulnerabilities --local-db-path /tmp/bench/db /tmp/bench/repo
//	go run ./internal/benchgen/cmd/benchgen -scan /tmp/bench
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/secops-dev/secops/internal/benchgen"
	"github.com/secops-dev/secops/pkg/findings"
	"github.com/secops-dev/secops/pkg/scan/sca"
)

func main() {
	out := flag.String("out", "", "write the monorepo and database under this directory")
	scan := flag.String("scan", "", "scan <dir>/repo with <dir>/db and print the findings' keys")
	seed := flag.Uint64("seed", benchgen.Default.Seed, "random seed")
	flag.Parse()
	switch {
	case *out != "":
		cfg := benchgen.Default
		cfg.Seed = *seed
		if err := benchgen.Generate(*out, cfg); err != nil {
			fmt.Fprintln(os.Stderr, "benchgen:", err)
			os.Exit(2)
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
		for _, k := range keys {
			fmt.Println(k)
		}
		fmt.Fprintf(os.Stderr, "%d findings, %d skipped, in %s\n", len(res.Findings), len(res.Skipped), time.Since(start).Round(time.Millisecond))
	default:
		flag.Usage()
		os.Exit(2)
	}
}
