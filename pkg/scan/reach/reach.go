// Package reach tells which Go advisory findings a project's code calls,
// with govulncheck's call-graph analysis (golang.org/x/vuln/scan) and the
// affected symbols of each advisory.
package reach

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	vulnscan "golang.org/x/vuln/scan"

	"github.com/secops-dev/secops/pkg/findings"
	"github.com/secops-dev/secops/pkg/goenv"
	"github.com/secops-dev/secops/pkg/progress"
	"github.com/secops-dev/secops/pkg/vulndb"
)

// Options tune Mark.
type Options struct {
	// Record returns the full OSV record of a Go advisory.
	Record func(ctx context.Context, id string) (*vulndb.Vulnerability, error)
	// Offline keeps govulncheck's package loading off the network.
	Offline  bool
	Progress *progress.Reporter
}

// Mark sets findings.FieldReachable on every Go advisory finding of list that comes from a
// go.mod under root, running govulncheck once per module. It returns what
// the user should know (modules that could not be analysed).
//
// Whether a finding applies is secops's own matching; govulncheck is asked
// only whether the code reaches the vulnerable symbols. Its database is
// made of the findings' advisories with every version marked affected, so
// that the version of Go that runs the analysis (the standard library's
// advisories) and govulncheck's own version checks cannot hide a call.
func Mark(ctx context.Context, root string, list []findings.Finding, opts Options) []string {
	byModule := map[string][]int{}
	for i := range list {
		if dir, ok := goModuleDir(&list[i]); ok {
			byModule[dir] = append(byModule[dir], i)
		}
	}
	if len(byModule) == 0 {
		return nil
	}
	dirs := make([]string, 0, len(byModule))
	for d := range byModule {
		dirs = append(dirs, d)
	}
	sort.Strings(dirs)
	var warnings, sourceless []string
	for _, dir := range dirs {
		idx := byModule[dir]
		if !hasGoSource(filepath.Join(root, filepath.FromSlash(dir))) {
			// govulncheck needs the code to build a call graph; a go.mod
			// alone (a lockfile copied out of its project) cannot answer,
			// and asking would cost a go command per module for nothing.
			for _, i := range idx {
				list[i].ProductFields[findings.FieldReachable] = findings.ReachableUnknown
			}
			sourceless = append(sourceless, displayDir(dir))
			continue
		}
		ids := map[string]bool{}
		for _, i := range idx {
			ids[advisoryID(&list[i])] = true
		}
		opts.Progress.Step("sca: govulncheck: is the code of %s calling %d advisories?", displayDir(dir), len(ids))
		called, err := analyse(ctx, filepath.Join(root, filepath.FromSlash(dir)), ids, opts)
		for _, i := range idx {
			f := &list[i]
			switch {
			case err != nil:
				f.ProductFields[findings.FieldReachable] = findings.ReachableUnknown
			case called[advisoryID(f)]:
				f.ProductFields[findings.FieldReachable] = findings.ReachableCalled
			default:
				f.ProductFields[findings.FieldReachable] = findings.ReachableNotCalled
			}
		}
		if err != nil {
			warnings = append(warnings, fmt.Sprintf("reachability of the Go advisories of %s is unknown: %v", displayDir(dir), err))
		}
	}
	if len(sourceless) > 0 {
		warnings = append(warnings, fmt.Sprintf("reachability of the Go advisories of %s is unknown: no Go source files beside go.mod", countedList(sourceless, "module", 3)))
	}
	return warnings
}

// hasGoSource reports whether the module directory holds a .go file
// anywhere below it; the walk stops at the first one.
func hasGoSource(dir string) bool {
	found := errors.New("found")
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil // an unreadable corner does not decide the answer
		}
		if !d.IsDir() && strings.HasSuffix(d.Name(), ".go") {
			return found
		}
		return nil
	})
	return err == found
}

// countedList names up to max items and counts the rest:
// "3 modules (a, b, c)" or "12 modules (a, b, c and 9 more)".
func countedList(items []string, noun string, max int) string {
	if len(items) == 1 {
		return items[0]
	}
	shown := items
	rest := ""
	if len(items) > max {
		shown = items[:max]
		rest = fmt.Sprintf(" and %d more", len(items)-max)
	}
	return fmt.Sprintf("%d %ss (%s%s)", len(items), noun, strings.Join(shown, ", "), rest)
}

// goModuleDir is the module directory (slash, relative to the root) of a
// finding about a Go module or the standard library in a go.mod.
func goModuleDir(f *findings.Finding) (string, bool) {
	if len(f.Vulnerabilities) == 0 || len(f.Vulnerabilities[0].VulnerablePackages) == 0 {
		return "", false
	}
	p := f.Vulnerabilities[0].VulnerablePackages[0]
	if p.PackageManager != "Go" || path.Base(p.FilePath) != "go.mod" || f.ProductFields[findings.FieldRuleID] == "" {
		return "", false
	}
	return path.Dir(p.FilePath), true
}

// advisoryID is the advisory govulncheck is asked about: the Go
// vulnerability database's record (GO-…), which lists the vulnerable
// symbols, where the finding's group has one.
func advisoryID(f *findings.Finding) string {
	id := f.ProductFields[findings.FieldRuleID]
	if strings.HasPrefix(id, "GO-") {
		return id
	}
	for _, r := range f.Vulnerabilities[0].RelatedVulnerabilities {
		if strings.HasPrefix(r, "GO-") {
			return r
		}
	}
	return id
}

func displayDir(dir string) string {
	if dir == "." {
		return "the root module"
	}
	return dir
}

// analyse runs govulncheck in source mode on the module in dir with a
// database of the advisories ids, and returns those it reports as called.
func analyse(ctx context.Context, dir string, ids map[string]bool, opts Options) (map[string]bool, error) {
	db, err := os.MkdirTemp("", "secops-vulndb-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(db)
	for id := range ids {
		v, err := opts.Record(ctx, id)
		if err != nil {
			return nil, fmt.Errorf("advisory %s: %w", id, err)
		}
		data, err := json.Marshal(allVersions(v))
		if err != nil {
			return nil, err
		}
		if err := os.WriteFile(filepath.Join(db, id+".json"), data, 0o600); err != nil {
			return nil, err
		}
	}
	var stdout, stderr bytes.Buffer
	cmd := vulnscan.Command(ctx, "-C", dir, "-db", "file://"+filepath.ToSlash(db), "-format", "json", "./...")
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.Env = os.Environ()
	if opts.Offline {
		cmd.Env = append(cmd.Env, goenv.Offline()...)
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	if err := cmd.Wait(); err != nil {
		return nil, fmt.Errorf("govulncheck: %v: %s", err, lastLine(stderr.String()))
	}
	return calledIDs(stdout.Bytes())
}

// allVersions is the record with every range of its Go packages opened to
// all versions, symbols kept.
func allVersions(v *vulndb.Vulnerability) *vulndb.Vulnerability {
	c := *v
	c.Affected = make([]vulndb.Affected, len(v.Affected))
	for i, a := range v.Affected {
		a.Ranges = []vulndb.Range{{Type: "SEMVER", Events: []vulndb.Event{{Introduced: "0"}}}}
		a.Versions = nil
		c.Affected[i] = a
	}
	return &c
}

// calledIDs reads govulncheck's JSON stream: a finding whose first frame
// names a function is a call of a vulnerable symbol.
func calledIDs(out []byte) (map[string]bool, error) {
	called := map[string]bool{}
	dec := json.NewDecoder(bytes.NewReader(out))
	for dec.More() {
		var msg struct {
			Finding *struct {
				OSV   string `json:"osv"`
				Trace []struct {
					Function string `json:"function"`
				} `json:"trace"`
			} `json:"finding"`
		}
		if err := dec.Decode(&msg); err != nil {
			return nil, fmt.Errorf("read govulncheck's output: %w", err)
		}
		if f := msg.Finding; f != nil && len(f.Trace) > 0 && f.Trace[0].Function != "" {
			called[f.OSV] = true
		}
	}
	return called, nil
}

func lastLine(s string) string {
	var last string
	sc := bufio.NewScanner(strings.NewReader(s))
	for sc.Scan() {
		if t := strings.TrimSpace(sc.Text()); t != "" {
			last = t
		}
	}
	return last
}
