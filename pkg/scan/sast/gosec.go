package sast

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"log"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"

	"github.com/securego/gosec/v2"
	"github.com/securego/gosec/v2/analyzers"
	"github.com/securego/gosec/v2/issue"
	"github.com/securego/gosec/v2/rules"

	"github.com/secops-dev/secops/pkg/findings"
	"github.com/secops-dev/secops/pkg/scan"
)

// skipDirs are directories that never hold the project's own Go code.
var skipDirs = map[string]bool{".git": true, "vendor": true, "node_modules": true, "testdata": true}

// goModule is one go.mod and the package directories that belong to it.
type goModule struct {
	dir      string
	packages []string
}

// findModules lists the Go modules under root and, for each, the
// directories holding its .go files (nested modules are their own). Go
// files under root that no go.mod below it claims belong to root: to the
// module enclosing it (a scan of a sub-directory of a module), or to no
// module at all, which gosec loads as loose files.
func findModules(ctx context.Context, root string, skip scan.SkipPaths, res *scan.Result) ([]goModule, error) {
	mods := map[string]*goModule{root: {dir: root}}
	order := []string{root}
	owner := func(dir string) *goModule {
		for d := dir; ; d = filepath.Dir(d) {
			if m, ok := mods[d]; ok {
				return m
			}
			if d == root || d == filepath.Dir(d) {
				return nil
			}
		}
	}
	pkgSeen := map[string]bool{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err != nil {
			if path == root {
				return err
			}
			rel, _ := filepath.Rel(root, path)
			res.Skipped = append(res.Skipped, scan.Skipped{Path: filepath.ToSlash(rel), Reason: "cannot read: " + err.Error()})
			if d != nil && d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if path != root {
			if rel, err := filepath.Rel(root, path); err == nil && skip.Match(filepath.ToSlash(rel)) {
				res.Excluded = append(res.Excluded, filepath.ToSlash(rel))
				if d.IsDir() {
					return filepath.SkipDir
				}
				return nil
			}
		}
		if d.IsDir() {
			if path != root && (skipDirs[d.Name()] || strings.HasPrefix(d.Name(), ".") || strings.HasPrefix(d.Name(), "_")) {
				return filepath.SkipDir
			}
			if _, err := os.Stat(filepath.Join(path, "go.mod")); err == nil && path != root {
				mods[path] = &goModule{dir: path}
				order = append(order, path)
			}
			return nil
		}
		if !d.Type().IsRegular() || !strings.HasSuffix(d.Name(), ".go") {
			return nil
		}
		dir := filepath.Dir(path)
		if m := owner(dir); m != nil && !pkgSeen[dir] {
			pkgSeen[dir] = true
			m.packages = append(m.packages, dir)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("find Go modules in %s: %w", root, err)
	}
	var out []goModule
	for _, dir := range order {
		if m := mods[dir]; len(m.packages) > 0 {
			sort.Strings(m.packages)
			out = append(out, *m)
		}
	}
	return out, nil
}

// scanGo runs gosec's rules and analyzers over every Go module, loading
// packages the way the gosec command does. A module whose packages cannot
// be loaded (missing dependencies, syntax errors) is reported as skipped
// and makes the result incomplete, so its older findings are not archived.
func scanGo(ctx context.Context, root string, lookPath func(string) (string, error), skip scan.SkipPaths, res *scan.Result) error {
	mods, err := findModules(ctx, root, skip, res)
	if err != nil {
		return err
	}
	pkgs := 0
	for _, m := range mods {
		pkgs += len(m.packages)
	}
	res.Coverage.Add(pkgs, "Go package")
	if len(mods) == 0 {
		return nil
	}
	if _, err := lookPath("go"); err != nil {
		res.Warnings = append(res.Warnings, "gosec needs the go command to load packages; install Go or put it on PATH (Go code was not analysed)")
		res.Incomplete = true
		return nil
	}
	for _, m := range mods {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		issues, loadErrs := runGosec(m)
		relMod := rel(root, m.dir)
		for _, le := range loadErrs {
			res.Skipped = append(res.Skipped, scan.Skipped{Path: le.path(root, relMod), Reason: "gosec could not load: " + le.msg})
			res.Incomplete = true
		}
		for _, is := range issues {
			res.Findings = append(res.Findings, gosecFinding(root, is))
		}
	}
	return nil
}

type loadError struct{ file, msg string }

func (e loadError) path(root, relMod string) string {
	if e.file == "" {
		return relMod
	}
	if filepath.IsAbs(e.file) {
		return rel(root, e.file)
	}
	return filepath.ToSlash(filepath.Join(relMod, e.file))
}

func runGosec(m goModule) ([]*issue.Issue, []loadError) {
	logger := log.New(io.Discard, "", 0)
	conf := gosec.NewConfig()
	analyzer := gosec.NewAnalyzer(conf, false, true, false, max(1, runtime.GOMAXPROCS(0)/2), logger)
	ruleList := rules.Generate(false)
	analyzer.LoadRules(ruleList.RulesInfo())
	analyzer.LoadAnalyzers(analyzers.Generate(false).AnalyzersInfo())
	var errs []loadError
	if err := analyzer.Process(nil, m.packages...); err != nil {
		errs = append(errs, loadError{msg: err.Error()})
	}
	issues, _, perFile := analyzer.Report()
	files := make([]string, 0, len(perFile))
	for f := range perFile {
		files = append(files, f)
	}
	sort.Strings(files)
	for _, f := range files {
		var msgs []string
		for _, e := range perFile[f] {
			msgs = append(msgs, e.Err)
		}
		errs = append(errs, loadError{file: f, msg: strings.Join(msgs, "; ")})
	}
	return issues, dropCovered(errs)
}

// dropCovered leaves out errors about whole package directories when
// errors about files say the same more precisely.
func dropCovered(errs []loadError) []loadError {
	var dirs, files []loadError
	for _, e := range errs {
		if info, err := os.Stat(e.file); e.file == "" || (err == nil && info.IsDir()) {
			dirs = append(dirs, e)
		} else {
			files = append(files, e)
		}
	}
	if len(files) > 0 {
		return files
	}
	return dirs
}

func rel(root, path string) string {
	r, err := filepath.Rel(root, path)
	if err != nil || strings.HasPrefix(r, "..") {
		return filepath.ToSlash(path)
	}
	return filepath.ToSlash(r)
}

func scoreLabel(s issue.Score) string {
	switch s {
	case issue.High:
		return findings.SeverityHigh
	case issue.Medium:
		return findings.SeverityMedium
	}
	return findings.SeverityLow
}

func confidence(s issue.Score) int32 {
	switch s {
	case issue.High:
		return 90
	case issue.Medium:
		return 60
	}
	return 30
}

func gosecFinding(root string, is *issue.Issue) findings.Finding {
	path := rel(root, is.File)
	start, end := lineRange(is.Line)
	sev := scoreLabel(is.Severity)
	conf := confidence(is.Confidence)
	cweID := ""
	if is.Cwe != nil {
		cweID = is.Cwe.SprintID()
	}
	title := fmt.Sprintf("%s: %s", is.RuleID, is.What)
	desc := fmt.Sprintf("gosec rule %s (%s) at %s line %s: %s", is.RuleID, cweID, path, is.Line, is.What)
	f := findings.Finding{
		Id:          findings.NewID(GeneratorGosec, path, is.Line+":"+is.Col, is.RuleID),
		GeneratorId: GeneratorGosec,
		Types:       []string{"Software and Configuration Checks/Vulnerabilities"},
		Title:       findings.Truncate(title, 256),
		Description: findings.Truncate(desc, 1024),
		Severity:    findings.NewSeverity(sev, sev),
		Confidence:  &conf,
		Resources:   []findings.Resource{{Type: "Other", Id: path}},
		ProductFields: map[string]string{
			findings.FieldPath:      path,
			findings.FieldStartLine: start,
			findings.FieldEndLine:   end,
			findings.FieldRuleID:    is.RuleID,
			findings.FieldScanner:   "gosec",
			"secops/Column":         is.Col,
		},
	}
	if cweID != "" {
		f.ProductFields["secops/CWE"] = cweID
		f.Remediation = &findings.Remediation{Recommendation: &findings.Recommendation{
			Text: findings.Truncate("See "+cweID+" and the gosec rule "+is.RuleID+" for the safe pattern.", 512),
			Url:  is.Cwe.SprintURL(),
		}}
	}
	return f
}

// lineRange reads gosec's "12" or "12-14".
func lineRange(s string) (start, end string) {
	if a, b, ok := strings.Cut(s, "-"); ok {
		return a, b
	}
	return s, s
}
