// Package scan runs the source scanners (SCA, secrets, SAST) over a
// directory, applies the ignore file and decides the CI gate. It knows the
// scanners only through Scanner, and nothing about the command line.
package scan

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"runtime/debug"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/secops-dev/secops/pkg/findings"
	"github.com/secops-dev/secops/pkg/progress"
	"github.com/secops-dev/secops/pkg/scan/ignore"
)

// Options is one scan.
type Options struct {
	// Root is the directory to scan.
	Root string
	// Scanners are the scanners available; Only picks some of them by name
	// (empty: all).
	Scanners []Scanner
	Only     []string
	// Target names what is scanned, for matching findings across scans;
	// empty means DescribeTarget of the root.
	Target string
	// IgnoreFile is the ignore file; empty means Root/.secopsignore if it
	// exists.
	IgnoreFile string
	// Provenance stamps the findings; its Now is also the clock that
	// decides whether ignore entries have expired.
	Provenance findings.Provenance
	Progress   *progress.Reporter
}

// ScannerResult is what one scanner did.
type ScannerResult struct {
	Name         string
	GeneratorIds []string
	// Found counts active findings, Ignored those an ignore entry covers.
	Found      int
	Ignored    int
	Skipped    []Skipped
	Warnings   []string
	Incomplete bool
	Err        error
	Duration   time.Duration
}

// Complete reports whether the scanner's result may archive findings it no
// longer reports.
func (r ScannerResult) Complete() bool { return r.Err == nil && !r.Incomplete }

// Outcome is the result of a scan.
type Outcome struct {
	Root string
	// Target names the scanned tree (see DescribeTarget); it is written
	// to every finding's secops/Target and is part of every finding's Id,
	// so a later scan of the same tree finds them again and two trees
	// never share findings.
	Target string
	// Findings are the active findings, most severe first; Ignored are
	// those an ignore entry covers.
	Findings []findings.Finding
	Ignored  []findings.Finding
	// IgnoredBy maps the Id of each ignored finding to the entry that
	// covers it.
	IgnoredBy map[string]ignore.Entry
	Results   []ScannerResult
	// ExpiredIgnores are ignore entries that no longer apply.
	ExpiredIgnores []ignore.Entry
	// Scope covers the scanners that completed without error; nil when
	// none did. Imports of partial results must not archive.
	Scope *findings.Scope
}

// FailOn reports whether the gate counts a finding at or above the
// severity label threshold (see Gate).
func (o *Outcome) FailOn(threshold string) bool {
	return o.Gate(threshold).Counted > 0
}

// GateResult is what the --fail-on gate saw at or above its threshold.
type GateResult struct {
	// Counted are the active findings whose workflow is NEW or NOTIFIED:
	// the ones that fail the gate.
	Counted int
	// Exempt are those a user SUPPRESSED or RESOLVED in the store.
	Exempt int
}

// Gate counts the active findings at or above the severity label
// threshold, split by whether their workflow still asks for action (NEW,
// NOTIFIED) or a user suppressed or resolved them. Call UseStored first so
// the workflow is the store's. An empty or unknown threshold counts nothing.
func (o *Outcome) Gate(threshold string) GateResult {
	var g GateResult
	min := findings.SeverityRank(threshold)
	if o == nil || min < 0 {
		return g
	}
	for i := range o.Findings {
		f := &o.Findings[i]
		if findings.SeverityRank(f.SeverityLabel()) < min {
			continue
		}
		switch f.WorkflowStatus() {
		case findings.WorkflowSuppressed, findings.WorkflowResolved:
			g.Exempt++
		default:
			g.Counted++
		}
	}
	return g
}

// UseStored gives each active finding what the store kept of it after the
// import, matched by ProductArn and Id, as Security Hub keeps it on
// re-import: the first sighting (CreatedAt, FirstObservedAt) and what only
// a user sets (Workflow, Note, UserDefinedFields, VerificationState). The
// rest stays the scan's own. Findings the store does not hold (it refused
// them) stay as the scan made them: NEW.
func (o *Outcome) UseStored(stored []findings.Finding) {
	type key struct{ productArn, id string }
	byKey := make(map[key]*findings.Finding, len(stored))
	for i := range stored {
		byKey[key{stored[i].ProductArn, stored[i].Id}] = &stored[i]
	}
	for i := range o.Findings {
		f := &o.Findings[i]
		s, ok := byKey[key{f.ProductArn, f.Id}]
		if !ok {
			continue
		}
		f.CreatedAt = s.CreatedAt
		f.FirstObservedAt = s.FirstObservedAt
		f.Workflow = s.Workflow
		f.WorkflowState = s.WorkflowState
		f.Note = s.Note
		f.UserDefinedFields = s.UserDefinedFields
		f.VerificationState = s.VerificationState
	}
}

// Err joins the errors of the scanners that failed, nil when none did.
func (o *Outcome) Err() error {
	var errs []error
	for _, r := range o.Results {
		if r.Err != nil {
			errs = append(errs, fmt.Errorf("%s scanner: %w", r.Name, r.Err))
		}
	}
	return errors.Join(errs...)
}

// Select returns the scanners named in only (all when only is empty), in
// the order given by available. An unknown name is an error listing the
// known ones.
func Select(available []Scanner, only []string) ([]Scanner, error) {
	if len(only) == 0 {
		return available, nil
	}
	want := map[string]bool{}
	for _, n := range only {
		n = strings.ToLower(strings.TrimSpace(n))
		if n == "" {
			continue
		}
		found := false
		for _, s := range available {
			if s.Name() == n {
				found = true
			}
		}
		if !found {
			return nil, fmt.Errorf("unknown scanner %q: use %s", n, strings.Join(Names(available), ", "))
		}
		want[n] = true
	}
	var out []Scanner
	for _, s := range available {
		if want[s.Name()] {
			out = append(out, s)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no scanner selected: use %s", strings.Join(Names(available), ", "))
	}
	return out, nil
}

// Names lists the scanners' names.
func Names(list []Scanner) []string {
	out := make([]string, len(list))
	for i, s := range list {
		out[i] = s.Name()
	}
	return out
}

// Run scans opts.Root with the selected scanners concurrently. A scanner
// that fails does not stop the others: its error is in its result and in
// Outcome.Err. The error returned is only for problems that stop the whole
// scan (no such directory, an invalid ignore file, an unknown scanner).
func Run(ctx context.Context, opts Options) (*Outcome, error) {
	selected, err := Select(opts.Scanners, opts.Only)
	if err != nil {
		return nil, err
	}
	absRoot, err := filepath.Abs(opts.Root)
	if err != nil {
		return nil, fmt.Errorf("scan %s: %w", opts.Root, err)
	}
	if err := checkDir(absRoot); err != nil {
		return nil, err
	}
	target := opts.Target
	if target == "" {
		target = DescribeTarget(absRoot)
	}
	ignorePath, optional := opts.IgnoreFile, false
	if ignorePath == "" {
		ignorePath, optional = filepath.Join(absRoot, ignore.DefaultName), true
	}
	ign, err := ignore.Load(ignorePath, optional)
	if err != nil {
		return nil, err
	}
	now := opts.Provenance.Now
	if now.IsZero() {
		return nil, errors.New("scan: Provenance.Now is not set")
	}
	activeIgnores, expired := ign.Split(now)

	out := &Outcome{Root: opts.Root, Target: target, ExpiredIgnores: expired, IgnoredBy: map[string]ignore.Entry{}}
	out.Results = make([]ScannerResult, len(selected))
	raw := make([][]findings.Finding, len(selected))

	var mu sync.Mutex // serialises progress lines
	step := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		opts.Progress.Step(format, args...)
	}
	step("scanning %s with %s", opts.Root, strings.Join(Names(selected), ", "))
	var wg sync.WaitGroup
	for i, s := range selected {
		wg.Add(1)
		go func() {
			defer wg.Done()
			start := time.Now()
			res, err := runOne(ctx, s, absRoot, opts.Provenance)
			r := ScannerResult{
				Name:         s.Name(),
				GeneratorIds: s.GeneratorIds(),
				Skipped:      res.Skipped,
				Warnings:     res.Warnings,
				Incomplete:   res.Incomplete,
				Err:          err,
			}
			list, invalid := prepare(res.Findings, target, opts.Provenance)
			if invalid != nil {
				r.Err = errors.Join(r.Err, invalid)
			}
			r.Duration = time.Since(start)
			out.Results[i], raw[i] = r, list
			if r.Err != nil {
				step("%s failed after %.1fs", s.Name(), r.Duration.Seconds())
			} else {
				step("%s: %d findings, %d skipped (%.1fs)", s.Name(), len(list), len(r.Skipped), r.Duration.Seconds())
			}
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}

	seen := map[string]bool{}
	var complete []string
	for i := range out.Results {
		r := &out.Results[i]
		var mine []findings.Finding
		for _, f := range raw[i] {
			if seen[f.Id] {
				continue
			}
			seen[f.Id] = true
			mine = append(mine, f)
		}
		kept, ignored := ignore.Apply(mine, activeIgnores)
		for i := range ignored {
			out.IgnoredBy[ignored[i].Id], _ = ignore.Match(&ignored[i], activeIgnores)
		}
		r.Found, r.Ignored = len(kept), len(ignored)
		out.Findings = append(out.Findings, kept...)
		out.Ignored = append(out.Ignored, ignored...)
		if r.Complete() {
			complete = append(complete, r.GeneratorIds...)
		}
	}
	Sort(out.Findings)
	Sort(out.Ignored)
	if len(complete) > 0 {
		p := opts.Provenance
		region, account := p.Region, p.AwsAccountId
		if region == "" {
			region = findings.LocalRegion
		}
		if account == "" {
			account = findings.LocalAccountID
		}
		out.Scope = &findings.Scope{
			ProductArn:   findings.DefaultProductArn(p.Partition, region, account),
			Target:       target,
			GeneratorIds: complete,
		}
	}
	return out, nil
}

// runOne runs a scanner and turns a panic into an error, so one broken
// scanner cannot take the others down.
func runOne(ctx context.Context, s Scanner, root string, prov findings.Provenance) (res Result, err error) {
	defer func() {
		if p := recover(); p != nil {
			res = Result{}
			err = fmt.Errorf("internal error: %v\n%s", p, debug.Stack())
		}
	}()
	return s.Scan(ctx, root, prov)
}

// prepare stamps each finding, writes the scan target into it, makes its
// Id unique to the target, and keeps only valid ASFF; invalid findings are
// reported, never silently dropped.
func prepare(list []findings.Finding, target string, prov findings.Provenance) ([]findings.Finding, error) {
	var out []findings.Finding
	var errs []error
	for _, f := range list {
		if f.ProductFields == nil {
			f.ProductFields = map[string]string{}
		}
		f.ProductFields[findings.FieldTarget] = target
		if f.Id != "" && f.GeneratorId != "" {
			// Scanners name findings by paths relative to the root; the
			// same lockfile in two projects must still be two findings.
			f.Id = findings.NewID(f.GeneratorId, target, "", f.Id)
		}
		prov.Stamp(&f)
		if err := f.Validate(); err != nil {
			errs = append(errs, err)
			continue
		}
		out = append(out, f)
	}
	if len(errs) > 0 {
		return out, fmt.Errorf("%d findings dropped: %w", len(errs), errors.Join(errs...))
	}
	return out, nil
}

// Sort orders findings most severe first, then by file, line and Id.
func Sort(list []findings.Finding) {
	sort.SliceStable(list, func(i, j int) bool {
		a, b := &list[i], &list[j]
		if ra, rb := findings.SeverityRank(a.SeverityLabel()), findings.SeverityRank(b.SeverityLabel()); ra != rb {
			return ra > rb
		}
		if pa, pb := location(a), location(b); pa != pb {
			return pa < pb
		}
		la, _ := strconv.Atoi(a.ProductFields[findings.FieldStartLine])
		lb, _ := strconv.Atoi(b.ProductFields[findings.FieldStartLine])
		if la != lb {
			return la < lb
		}
		return a.Id < b.Id
	})
}

func location(f *findings.Finding) string {
	if p := f.ProductFields[findings.FieldPath]; p != "" {
		return p
	}
	for _, v := range f.Vulnerabilities {
		for _, p := range v.VulnerablePackages {
			if p.FilePath != "" {
				return p.FilePath
			}
		}
	}
	return ""
}
