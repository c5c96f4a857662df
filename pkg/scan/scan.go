// Package scan is the one pipeline every scan goes through, from a Source's
// findings to the stored, gated outcome.
package scan

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"runtime/debug"
	"slices"
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
	// Source is what is scanned. Nil means the directory Root with
	// Scanners (the sources of `secops scan`), of which Only picks some by
	// name (empty: all).
	Source   Source
	Root     string
	Scanners []Scanner
	Only     []string
	// Target names what is scanned, for matching findings across scans;
	// empty means the source's own name for it (DescribeTarget of a
	// directory, an image reference, a URL).
	Target string
	// IgnoreFile is the ignore file; empty means .secopsignore in the
	// source's IgnoreDir, if it exists.
	IgnoreFile string
	// Provenance stamps the findings; its Now is also the clock that
	// decides whether ignore entries have expired.
	Provenance findings.Provenance
	Progress   *progress.Reporter
	// Store keeps the findings (see Outcome.Keep); nil keeps nothing.
	Store Store
}

// Store is what the pipeline needs of a findings store: the local store
// and Security Hub both are one.
type Store interface {
	Backend() string
	Import(ctx context.Context, list []findings.Finding, opts findings.ImportOptions) (findings.ImportResult, error)
	Get(ctx context.Context, id string) (findings.Finding, error)
}

// ScannerResult is what one scanner did.
type ScannerResult struct {
	Name         string
	GeneratorIds []string
	// Found counts active findings, Ignored those an ignore entry covers.
	Found      int
	Ignored    int
	Coverage   Coverage
	Skipped    []Skipped
	Warnings   []string
	Notes      []string
	Excluded   []string
	Incomplete bool
	// Narrowed says why a complete result may still not archive (see Part).
	Narrowed string
	// Kept counts active findings of earlier scans located in files this
	// scan skipped: they stay, and are shown and gated with the others.
	Kept     int
	Err      error
	Duration time.Duration
}

// Complete reports whether the scanner examined everything it was meant
// to, without error.
func (r ScannerResult) Complete() bool { return r.Err == nil && !r.Incomplete }

// Archives reports whether the result may archive findings it no longer
// reports: complete, and not narrowed by the user.
func (r ScannerResult) Archives() bool { return r.Complete() && r.Narrowed == "" }

// Examined reports whether the scanner looked at anything at all.
func (r ScannerResult) Examined() bool {
	return r.Coverage.Examined() || r.Found > 0 || r.Ignored > 0
}

// Status is the word the summary shows: failed, incomplete, "nothing to
// scan", partial (narrowed by the user) or ok.
func (r ScannerResult) Status() string {
	switch {
	case r.Err != nil:
		return "failed"
	case r.Incomplete:
		return "incomplete"
	case !r.Examined():
		return "nothing to scan"
	case r.Narrowed != "":
		return "partial"
	}
	return "ok"
}

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
	// Notes are further summary lines from the source.
	Notes []string

	// Stored is true when the findings went to a store (Options.Store):
	// then Findings show what the store keeps of each (see UseStored),
	// Fresh the scan's own findings when asked for (KeepOptions.Fresh: what
	// an upload sends), Imported what
	// the import did and Backend names the store.
	Stored   bool
	Backend  string
	Fresh    []findings.Finding
	Imported findings.ImportResult
	// StoreErr is set when the store could not take the findings at all;
	// they are still in Findings, for the report.
	StoreErr error
	// Warnings are problems of the pipeline itself the user should know.
	Warnings []string
}

// Incomplete reports whether any scanner failed or was incomplete.
func (o *Outcome) Incomplete() bool {
	for _, r := range o.Results {
		if !r.Complete() {
			return true
		}
	}
	return false
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
	// Unknown are NEW or NOTIFIED findings whose source gave no severity,
	// left out because GateOptions.Unknown was not set.
	Unknown int
	// NotCalled are NEW or NOTIFIED Go advisory findings at or above the
	// threshold whose vulnerable code the project does not call, left out
	// because GateOptions.ReachableOnly was set.
	NotCalled int
}

// GateOptions say what the gate counts.
type GateOptions struct {
	// Threshold is the severity label at and above which findings count;
	// empty counts nothing.
	Threshold string
	// Unknown also counts findings whose source gave no severity
	// (--fail-on-unknown); otherwise they are counted in Unknown only.
	Unknown bool
	// ReachableOnly leaves out Go advisory findings that govulncheck
	// found not called (--reachable-only); one of unknown reachability
	// still counts.
	ReachableOnly bool
}

// Gate counts the active findings at or above the severity label
// threshold (see GateWith).
func (o *Outcome) Gate(threshold string) GateResult {
	return o.GateWith(GateOptions{Threshold: threshold})
}

// GateWith counts the active findings the gate judges, split by whether
// their workflow still asks for action (NEW, NOTIFIED) or a user
// suppressed or resolved them. Call UseStored first so the workflow is the
// store's. An empty or unknown threshold counts nothing.
func (o *Outcome) GateWith(opts GateOptions) GateResult {
	var g GateResult
	min := findings.SeverityRank(opts.Threshold)
	if o == nil || min < 0 {
		return g
	}
	for i := range o.Findings {
		f := &o.Findings[i]
		unknown := f.HasUnknownSeverity()
		if !unknown && findings.SeverityRank(f.SeverityLabel()) < min {
			continue
		}
		switch {
		case f.WorkflowStatus() == findings.WorkflowSuppressed, f.WorkflowStatus() == findings.WorkflowResolved:
			if !unknown || opts.Unknown {
				g.Exempt++
			}
		case unknown && !opts.Unknown:
			g.Unknown++
		case opts.ReachableOnly && f.ProductFields[findings.FieldReachable] == findings.ReachableNotCalled:
			g.NotCalled++
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
		f.TakeStored(s)
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

// Run scans with opts.Source (by default the directory opts.Root), applies
// the ignore file, stores the findings and gives them what the store kept
// (a user's workflow, the first sighting). A scanner that fails does not
// stop the others: its error is in its result and in Outcome.Err. The
// error returned is only for problems that stop the whole scan (nothing
// to scan there, an invalid ignore file, an unknown scanner).
func Run(ctx context.Context, opts Options) (*Outcome, error) {
	src := opts.Source
	if src == nil {
		d, err := NewDirectory(opts.Root, opts.Scanners, opts.Only)
		if err != nil {
			return nil, err
		}
		src = d
	}
	ignorePath, optional := opts.IgnoreFile, false
	if ignorePath == "" {
		ignorePath, optional = filepath.Join(src.IgnoreDir(), ignore.DefaultName), true
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

	scanned, err := src.Scan(ctx, Env{Provenance: opts.Provenance, Progress: opts.Progress, Target: opts.Target})
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	out := &Outcome{Root: opts.Root, Target: scanned.Target, Notes: scanned.Notes, ExpiredIgnores: expired, IgnoredBy: map[string]ignore.Entry{}}
	out.collect(scanned.Parts, activeIgnores, opts.Provenance)
	if opts.Store != nil {
		out.Keep(ctx, opts.Store, KeepOptions{})
	}
	return out, nil
}

// collect keeps each finding once, applies the ignore entries, counts per
// scanner and scopes the archive to the scanners that may archive.
func (o *Outcome) collect(parts []Part, entries []ignore.Entry, prov findings.Provenance) {
	seen := map[string]bool{}
	var archiving, keep []string
	o.Results = make([]ScannerResult, len(parts))
	for i := range parts {
		p := &parts[i]
		r := ScannerResult{
			Name: p.Name, GeneratorIds: p.GeneratorIds, Coverage: p.Coverage, Skipped: p.Skipped, Warnings: p.Warnings, Notes: p.Notes, Excluded: p.Excluded,
			Incomplete: p.Incomplete, Narrowed: p.Narrowed, Err: p.Err, Duration: p.Duration,
		}
		// Filtered in place: the parts are not read again, and a copy of
		// every finding per step would cost the scan's size each time.
		kept := p.Findings[:0]
		for _, f := range p.Findings {
			if seen[f.Id] {
				continue
			}
			seen[f.Id] = true
			if e, ok := ignore.Match(&f, entries); ok {
				o.IgnoredBy[f.Id] = e
				o.Ignored = append(o.Ignored, f)
				r.Ignored++
				continue
			}
			kept = append(kept, f)
		}
		clear(p.Findings[len(kept):])
		p.Findings = nil
		r.Found = len(kept)
		if o.Findings == nil {
			o.Findings = kept
		} else {
			o.Findings = append(o.Findings, kept...)
		}
		if r.Archives() {
			archiving = append(archiving, r.GeneratorIds...)
			// What the scanner could not read may still hold what it found
			// there before: keep those findings.
			for _, sk := range r.Skipped {
				keep = append(keep, sk.Path)
			}
			keep = append(keep, r.Excluded...)
		}
		o.Results[i] = r
	}
	Sort(o.Findings)
	Sort(o.Ignored)
	if len(archiving) > 0 {
		region, account := prov.Region, prov.AwsAccountId
		if region == "" {
			region = findings.LocalRegion
		}
		if account == "" {
			account = findings.LocalAccountID
		}
		o.Scope = &findings.Scope{
			ProductArn:   findings.DefaultProductArn(prov.Partition, region, account),
			Target:       o.Target,
			GeneratorIds: archiving,
			Keep:         keep,
		}
	}
}

// Keep imports the findings into st, then gives each what the store kept
// of it (see UseStored); a store that fails is recorded in StoreErr.
func (o *Outcome) Keep(ctx context.Context, st Store, opts KeepOptions) {
	o.Stored, o.Backend = true, st.Backend()
	if opts.Fresh {
		// What is uploaded is the scan's own findings: Security Hub keeps
		// the workflow and first sighting it holds, as the local store does.
		o.Fresh = slices.Clone(o.Findings)
	}
	res, err := st.Import(ctx, o.Findings, findings.ImportOptions{Scope: o.Scope, Echo: true})
	if err != nil {
		o.StoreErr = fmt.Errorf("store findings: %w", err)
		return
	}
	o.Imported = res
	if !res.Echoed {
		stored, err := Lookup(ctx, st, o.Findings)
		if err != nil {
			o.StoreErr = fmt.Errorf("read back the stored findings: %w", err)
			return
		}
		o.UseStored(stored)
	}
	if err := o.addKept(ctx, st); err != nil {
		o.Warnings = append(o.Warnings, fmt.Sprintf("could not read the earlier findings of the skipped files (%v): they are kept in the store but not shown or gated", err))
	}
}

// KeepOptions tune Outcome.Keep.
type KeepOptions struct {
	// Fresh keeps a copy of the scan's own findings in Outcome.Fresh
	// before the store's workflow replaces theirs (an upload sends them).
	Fresh bool
}

// addKept adds to the outcome the active findings of earlier scans that
// sit in files this scan skipped: the scan could not tell whether they are
// fixed, so they are shown and gated as if found again.
func (o *Outcome) addKept(ctx context.Context, st Store) error {
	q, ok := st.(interface {
		Query(ctx context.Context, q findings.Query) ([]findings.Finding, error)
	})
	if !ok || o.Scope == nil || len(o.Scope.Keep) == 0 {
		return nil
	}
	list, err := q.Query(ctx, findings.Query{Target: o.Target, RecordState: findings.RecordActive})
	if err != nil {
		return err
	}
	present := make(map[string]bool, len(o.Findings))
	for i := range o.Findings {
		present[o.Findings[i].Id] = true
	}
	for i := range list {
		f := &list[i]
		if present[f.Id] || f.ProductArn != o.Scope.ProductArn || !slices.Contains(o.Scope.GeneratorIds, f.GeneratorId) || !o.Scope.Keeps(f) {
			continue
		}
		o.Findings = append(o.Findings, *f)
		for j := range o.Results {
			if slices.Contains(o.Results[j].GeneratorIds, f.GeneratorId) {
				o.Results[j].Kept++
				break
			}
		}
	}
	Sort(o.Findings)
	return nil
}

// Lookup returns the store's copies of list's findings; a finding the
// store does not hold is left out. A store that can read many findings at
// once (the local store) is asked once.
func Lookup(ctx context.Context, st Store, list []findings.Finding) ([]findings.Finding, error) {
	if l, ok := st.(interface {
		Lookup(ctx context.Context, list []findings.Finding) ([]findings.Finding, error)
	}); ok {
		return l.Lookup(ctx, list)
	}
	var out []findings.Finding
	for i := range list {
		f, err := st.Get(ctx, list[i].Id)
		if errors.Is(err, findings.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, nil
}

// Directory is the source of `secops scan`: a directory tree scanned by
// the source scanners (SCA, secrets, SAST) at once.
type Directory struct {
	root     string
	abs      string
	scanners []Scanner
}

// NewDirectory checks that root is a directory and picks the scanners
// named in only (all when empty).
func NewDirectory(root string, available []Scanner, only []string) (*Directory, error) {
	selected, err := Select(available, only)
	if err != nil {
		return nil, err
	}
	abs, err := filepath.Abs(root)
	if err != nil {
		return nil, fmt.Errorf("scan %s: %w", root, err)
	}
	if err := checkDir(abs); err != nil {
		return nil, err
	}
	return &Directory{root: root, abs: abs, scanners: selected}, nil
}

// IgnoreDir is the scan root.
func (d *Directory) IgnoreDir() string { return d.abs }

// Scan runs the scanners concurrently.
func (d *Directory) Scan(ctx context.Context, env Env) (*Scanned, error) {
	target := env.Target
	if target == "" {
		target = DescribeTarget(d.abs)
	}
	parts := make([]Part, len(d.scanners))
	var mu sync.Mutex // serialises progress lines
	step := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		env.Progress.Step(format, args...)
	}
	step("scanning %s with %s", d.root, strings.Join(Names(d.scanners), ", "))
	var wg sync.WaitGroup
	for i, s := range d.scanners {
		wg.Add(1)
		go func() {
			defer wg.Done()
			start := time.Now()
			res, err := runOne(ctx, s, d.abs, env.Provenance)
			p := Part{Name: s.Name(), GeneratorIds: s.GeneratorIds(), Result: res, Err: err}
			list, invalid := prepare(res.Findings, target, env.Provenance)
			if invalid != nil {
				p.Err = errors.Join(p.Err, invalid)
			}
			p.Findings = list
			p.Duration = time.Since(start)
			parts[i] = p
			if p.Err != nil {
				step("%s failed after %.1fs", s.Name(), p.Duration.Seconds())
			} else {
				step("%s: %d findings, %d skipped (%.1fs)", s.Name(), len(list), len(p.Skipped), p.Duration.Seconds())
			}
		}()
	}
	wg.Wait()
	return &Scanned{Target: target, Parts: parts}, nil
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
	out := list[:0] // in place: the scanner's list is not read again
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
	clear(list[len(out):])
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
	if p := findings.Paths(f); len(p) > 0 {
		return p[0]
	}
	return ""
}
