// Package sca matches the packages of lockfiles and manifests against OSV
// advisories (software composition analysis).
package sca

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/osv-scalibr/extractor"
	"github.com/google/osv-scalibr/extractor/filesystem"
	"github.com/google/osv-scalibr/extractor/filesystem/language/golang/gobinary"
	apkmeta "github.com/google/osv-scalibr/extractor/filesystem/os/apk/metadata"
	dpkgmeta "github.com/google/osv-scalibr/extractor/filesystem/os/dpkg/metadata"
	"github.com/google/osv-scalibr/extractor/filesystem/os/rpm"
	rpmmeta "github.com/google/osv-scalibr/extractor/filesystem/os/rpm/metadata"
	scalibrfs "github.com/google/osv-scalibr/fs"

	"github.com/secops-dev/secops/pkg/findings"
	"github.com/secops-dev/secops/pkg/progress"
	"github.com/secops-dev/secops/pkg/scan"
	"github.com/secops-dev/secops/pkg/scan/reach"
	"github.com/secops-dev/secops/pkg/vulndb"
)

// Scanner name and generator, as findings and --scanners spell them.
const (
	Name      = "sca"
	Generator = "secops/sca"
)

// defaultMaxFileSize bounds the manifests read (the largest real lockfiles
// are tens of megabytes).
const defaultMaxFileSize = 256 << 20

// Source finds the advisories that affect package versions: the offline
// database (*vulndb.DB) or the OSV API (*vulndb.Client).
type Source interface {
	MatchAll(ctx context.Context, queries []vulndb.PackageQuery) ([][]vulndb.Match, error)
}

// Options configure the SCA scanner.
type Options struct {
	// DBDir is the offline database directory (--db). Empty means the
	// default cache directory (vulndb.DefaultDir) when Offline is set,
	// and the OSV API otherwise.
	DBDir string
	// Offline forbids network access: advisories come from the database.
	Offline bool
	// APIBaseURL is the OSV API (default https://api.osv.dev).
	APIBaseURL string
	// HTTPClient is used for the OSV API (default http.DefaultClient).
	HTTPClient *http.Client
	// Source overrides DBDir/Offline/APIBaseURL (tests, or a database the
	// caller opened once for several scans).
	Source Source
	// Now is the clock for the database age check (default time.Now).
	Now func() time.Time
	// MaxFileSize skips larger manifests (default 256 MiB).
	MaxFileSize int64
	// Progress shows the stages of a scan on stderr; nil shows nothing.
	Progress *progress.Reporter
	// Extractors replaces the lockfile extractors (image scans add the
	// OS package extractors: ImageExtractors).
	Extractors []filesystem.Extractor
	// GoVersion is the Go toolchain that builds the Go modules scanned, for
	// the standard library's advisories, where go.mod has no toolchain
	// directive: a version ("1.22.5"), or GoVersionFromGoLine to take each
	// go.mod's go directive (the minimum language version, not a
	// toolchain). Empty: only toolchain directives (and, in images, Go
	// binaries' build info) say which standard library is used.
	GoVersion string
	// IncludeVendored also scans vendored dependency trees (vendor/,
	// node_modules/) as projects.
	IncludeVendored bool
	// Skip leaves paths out of the scan (--skip-path).
	Skip scan.SkipPaths
	// Reachability runs govulncheck on the Go modules that have Go
	// advisory findings, to mark which ones their code calls (see
	// pkg/scan/reach).
	Reachability bool

	// readDir lists a directory; tests replace it to simulate unreadable
	// directories when running as root.
	readDir func(string) ([]os.DirEntry, error)
}

// Scanner is the SCA scanner; it implements scan.Scanner.
type Scanner struct {
	opts Options
}

var _ scan.Scanner = (*Scanner)(nil)

// New returns an SCA scanner.
func New(opts Options) *Scanner {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.MaxFileSize == 0 {
		opts.MaxFileSize = defaultMaxFileSize
	}
	if opts.readDir == nil {
		opts.readDir = os.ReadDir
	}
	return &Scanner{opts: opts}
}

// Name is "sca".
func (s *Scanner) Name() string { return Name }

// GeneratorIds lists the generator of SCA findings.
func (s *Scanner) GeneratorIds() []string { return []string{Generator} }

// Package is one dependency found in a manifest.
type Package struct {
	Ecosystem string // OSV ecosystem: Go, npm, PyPI, Maven, Debian:12, …
	Name      string
	Version   string
	Path      string // manifest path relative to the scanned root (slash)
	Line      int    // line in the manifest, 0 when unknown
	// Lines are every line where the version is installed when the
	// manifest has it more than once (npm lockfiles), ascending; Line is
	// the first of them.
	Lines     []int
	LayerHash string // image layer the package comes from (images only)
	// SourceName and SourceVersion are the source package of an OS
	// binary package (dpkg Source:, apk origin): OSV's Debian and Alpine
	// advisories name source packages. Empty for language packages.
	SourceName    string
	SourceVersion string
	// VersionSource says where the version of a package that is not in a
	// lockfile comes from: the Go standard library's, from a toolchain
	// directive, --go-version or a binary's build info.
	VersionSource string
	// Epoch and Arch are an rpm package's (Epoch "" when it has none).
	// Red Hat family advisories write versions as epoch:version-release,
	// so the epoch takes part in matching there.
	Epoch string
	Arch  string
}

// matchName and matchVersion are what advisories are looked up by.
func (p Package) matchName() string {
	if p.SourceName != "" {
		return p.SourceName
	}
	return p.Name
}

func (p Package) matchVersion() string {
	if p.SourceVersion != "" {
		return p.SourceVersion
	}
	if p.Epoch != "" && epochInVersions[vulndb.BaseEcosystem(p.Ecosystem)] {
		return p.Epoch + ":" + p.Version
	}
	return p.Version
}

// epochInVersions lists the ecosystems whose advisories give rpm versions
// with the epoch (1:3.0.7-27.el9). Without it, an installed 1:3.0.7 would
// compare as epoch 0 and look older than every fix.
var epochInVersions = map[string]bool{"Red Hat": true, "AlmaLinux": true, "Rocky Linux": true}

// Scan extracts the packages under root and reports one finding per
// package version and advisory.
func (s *Scanner) Scan(ctx context.Context, root string, prov findings.Provenance) (scan.Result, error) {
	var res scan.Result
	absRoot, err := filepath.Abs(root)
	if err != nil {
		return res, fmt.Errorf("sca: resolve %s: %w", root, err)
	}
	if st, err := os.Stat(absRoot); err != nil {
		return res, fmt.Errorf("sca: %w", err)
	} else if !st.IsDir() {
		return res, fmt.Errorf("sca: %s is not a directory", root)
	}
	s.opts.Progress.Step("sca: reading lockfiles under %s", root)
	inv, err := s.Inventory(ctx, absRoot)
	if err != nil {
		return res, err
	}
	pkgs := inv.Packages
	res.Skipped, res.Excluded = inv.Skipped, inv.Excluded
	res.Coverage.Add(inv.Manifests, "lockfile")
	res.Coverage.Add(len(pkgs), "package")
	res.Coverage.Hint = unlockedHint(inv.Unlocked)
	res.Notes = append(res.Notes, inventoryNotes(inv)...)
	if len(pkgs) == 0 {
		if res.Coverage.Hint == "" && inv.Manifests == 0 {
			res.Coverage.Hint = "no lockfile or manifest found (Go, npm, yarn, pnpm, Maven, Gradle, PyPI, RubyGems, Cargo, Composer, NuGet)"
		}
		return res, nil
	}
	src, warnings, closeSrc, err := s.AdvisorySource()
	if err != nil {
		return res, err
	}
	defer closeSrc()
	res.Warnings = append(res.Warnings, warnings...)
	uncovered, err := CoverageWarnings(src, pkgs)
	if err != nil {
		return res, err
	}
	if len(uncovered) > 0 {
		res.Warnings = append(res.Warnings, uncovered...)
		res.Incomplete = true
	}
	s.opts.Progress.Step("sca: matching %d packages against OSV advisories", len(pkgs))
	fs, warn, err := MatchPackages(ctx, src, pkgs, FindingContext{Target: absRoot, Prov: prov, Resource: ManifestResource})
	if err != nil {
		res.Incomplete = true
		return res, err
	}
	res.Findings = fs
	res.Warnings = append(res.Warnings, warn...)
	AddProblems(&res, src)
	if s.opts.Reachability {
		res.Warnings = append(res.Warnings, reach.Mark(ctx, absRoot, res.Findings, reach.Options{
			Record: goRecord(src), Offline: s.opts.Offline, Progress: s.opts.Progress,
		})...)
	}
	return res, nil
}

// inventoryNotes says what the inventory left out on purpose: vendored
// trees, and standard libraries of unknown version.
func inventoryNotes(inv Inventory) []string {
	var notes []string
	if n := len(inv.Vendored); n > 0 {
		notes = append(notes, fmt.Sprintf("passed over %d vendored dependency %s (%s): the lockfile or go.mod beside each lists what it holds; --include-vendored scans them as projects",
			n, map[bool]string{true: "tree", false: "trees"}[n == 1], firstFew(inv.Vendored)))
	}
	if n := len(inv.StdlibUnchecked); n > 0 {
		notes = append(notes, fmt.Sprintf("the Go standard library was not checked for %s: no toolchain directive says which Go builds it; pass --go-version with that version (e.g. --go-version 1.22.5), or --go-version go.mod to take the go lines",
			firstFew(inv.StdlibUnchecked)))
	}
	return notes
}

// firstFew lists up to three names, and how many more.
func firstFew(names []string) string {
	s := strings.Join(names[:min(3, len(names))], ", ")
	if len(names) > 3 {
		s += fmt.Sprintf(" and %d more", len(names)-3)
	}
	return s
}

// unlockedHint says which manifests have no lockfile and how to make one.
func unlockedHint(list []Unlocked) string {
	if len(list) == 0 {
		return ""
	}
	names := make([]string, 0, 3)
	for _, u := range list[:min(3, len(list))] {
		names = append(names, u.Path)
	}
	more := ""
	if len(list) > 3 {
		more = fmt.Sprintf(" and %d more", len(list)-3)
	}
	return fmt.Sprintf("%s%s without a lockfile: versions are ranges, not checked; %s", strings.Join(names, ", "), more, list[0].Fix)
}

// AddProblems reports the records of an offline database that could not
// be read: advisories they hold were not checked, so the result is
// incomplete and archives nothing.
func AddProblems(res *scan.Result, src Source) {
	db, ok := src.(*vulndb.DB)
	if !ok {
		return
	}
	ps := db.Problems()
	if len(ps) == 0 {
		return
	}
	res.Warnings = append(res.Warnings, fmt.Sprintf("vulnerability database %s: %d record(s) could not be read, so their advisories were not checked (first: %s: %s); `secops db status --db %s` lists them", db.Dir(), len(ps), ps[0].Path, ps[0].Reason, db.Dir()))
	res.Incomplete = true
}

// AdvisorySource picks the advisory source: the caller's, the offline
// database, or the OSV API. Warnings say when the offline database is
// stale; the returned function releases the source.
func (s *Scanner) AdvisorySource() (Source, []string, func(), error) {
	if s.opts.Source != nil {
		return s.opts.Source, nil, func() {}, nil
	}
	dir := s.opts.DBDir
	if dir == "" && s.opts.Offline {
		d, err := vulndb.DefaultDir()
		if err != nil {
			return nil, nil, nil, err
		}
		dir = d
	}
	if dir == "" {
		c := vulndb.NewClient(s.opts.APIBaseURL, s.opts.HTTPClient)
		return c, nil, func() {}, nil
	}
	db, err := vulndb.Open(dir)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("sca: %w", err)
	}
	var warnings []string
	if st, err := vulndb.ReadStatus(dir, s.opts.Now()); err == nil {
		for _, e := range st {
			if e.Stale {
				warnings = append(warnings, fmt.Sprintf("vulnerability database %s for %s is %s old: run `secops db update`", dir, e.Ecosystem, vulndb.FormatAge(e.Age)))
			}
		}
	}
	return db, warnings, func() { db.Close() }, nil
}

// Packages extracts the dependencies of every manifest under root. Files
// that cannot be read or parsed are returned as skipped.
func (s *Scanner) Packages(ctx context.Context, absRoot string) ([]Package, []scan.Skipped, error) {
	inv, err := s.Inventory(ctx, absRoot)
	return inv.Packages, inv.Skipped, err
}

// Inventory is what the manifests under a root hold.
type Inventory struct {
	Packages []Package
	// Skipped are the files that could not be read or parsed.
	Skipped []scan.Skipped
	// Manifests counts the lockfiles and manifests read.
	Manifests int
	// Unlocked are manifests without a lockfile: version ranges, which
	// SCA cannot match exactly.
	Unlocked []Unlocked
	// Vendored are the vendored dependency trees passed over.
	Vendored []string
	// Excluded are the paths left out by Options.Skip.
	Excluded []string
	// StdlibUnchecked lists the go.mod files whose standard library was
	// not checked: no toolchain directive, and no --go-version.
	StdlibUnchecked []string
}

// Inventory extracts the dependencies of every manifest under root.
func (s *Scanner) Inventory(ctx context.Context, absRoot string) (Inventory, error) {
	exts := s.opts.Extractors
	if exts == nil {
		var err error
		if exts, err = LockfileExtractors(); err != nil {
			return Inventory{}, fmt.Errorf("sca: set up extractors: %w", err)
		}
	}
	w := &walker{root: absRoot, exts: exts, readDir: s.opts.readDir, maxSize: s.opts.MaxFileSize,
		visited: map[fileKey]string{}, walking: map[fileKey]bool{}, includeVendored: s.opts.IncludeVendored,
		skipPaths: s.opts.Skip}
	if real, err := filepath.EvalSymlinks(absRoot); err == nil {
		w.realRoot = real
	}
	if st, err := os.Stat(absRoot); err == nil {
		if k, ok := keyOf(absRoot, st); ok {
			w.visited[k], w.walking[k] = "", true
		}
	}
	w.walk(absRoot, "")
	if err := ctx.Err(); err != nil {
		return Inventory{}, err
	}
	fsys := scalibrfs.DirFS(absRoot)
	results := make([][]Package, len(w.jobs))
	skips := make([][]string, len(w.jobs))
	var wg sync.WaitGroup
	next := make(chan int)
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				results[i], skips[i] = extractOne(ctx, fsys, absRoot, w.jobs[i])
			}
		}()
	}
	for i := range w.jobs {
		if ctx.Err() != nil {
			break
		}
		next <- i
	}
	close(next)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return Inventory{}, err
	}
	inv := Inventory{Skipped: w.skipped, Unlocked: unlocked(w.names), Vendored: w.vendored, Excluded: w.excluded}
	for i := range w.jobs {
		inv.Packages = append(inv.Packages, results[i]...)
		if len(skips[i]) == 0 {
			inv.Manifests++
		}
		for _, reason := range skips[i] {
			inv.Skipped = append(inv.Skipped, scan.Skipped{Path: w.jobs[i].rel, Reason: reason})
		}
	}
	sort.SliceStable(inv.Skipped, func(i, j int) bool { return inv.Skipped[i].Path < inv.Skipped[j].Path })
	s.placeStdlib(&inv, absRoot)
	return inv, nil
}

// toolchainDirective finds a go.mod's toolchain line (modfile.ParseLax, the
// parser for other modules' go.mod files, leaves it out).
var toolchainDirective = regexp.MustCompile(`(?m)^[ \t]*toolchain[ \t]+go\S+`)

// goRecord reads Go advisories in full from the source: the offline
// database, or the OSV API.
func goRecord(src Source) func(ctx context.Context, id string) (*vulndb.Vulnerability, error) {
	return func(ctx context.Context, id string) (*vulndb.Vulnerability, error) {
		switch s := src.(type) {
		case *vulndb.Client:
			return s.Vuln(ctx, id)
		case recordSource:
			return s.Record(ctx, "Go", id)
		}
		return nil, fmt.Errorf("the advisory source cannot read %s", id)
	}
}

// GoVersionFromGoLine, as Options.GoVersion, takes the standard library's
// version from each go.mod's go directive.
const GoVersionFromGoLine = "go.mod"

// placeStdlib keeps the Go standard library of a go.mod only when it is
// known which toolchain builds the module: its toolchain directive, or
// --go-version. The go directive is the minimum language version, not a
// toolchain: taken as one, it reported every standard library advisory
// since that version for every module (and every vendored library).
func (s *Scanner) placeStdlib(inv *Inventory, absRoot string) {
	kept := inv.Packages[:0]
	for _, p := range inv.Packages {
		if p.Ecosystem != "Go" || p.Name != "stdlib" {
			kept = append(kept, p)
			continue
		}
		if path.Base(p.Path) != "go.mod" {
			p.VersionSource = "the build info of /" + strings.TrimPrefix(p.Path, "/")
			kept = append(kept, p)
			continue
		}
		hasToolchain := false
		if data, err := os.ReadFile(filepath.Join(absRoot, filepath.FromSlash(p.Path))); err == nil {
			hasToolchain = toolchainDirective.Match(data)
		}
		switch {
		case hasToolchain:
			// osv-scalibr already took the toolchain over the go line.
			p.VersionSource = "the toolchain directive of " + p.Path
		case s.opts.GoVersion == GoVersionFromGoLine:
			p.VersionSource = "the go directive of " + p.Path + " (--go-version go.mod)"
		case s.opts.GoVersion != "":
			p.Version = strings.TrimPrefix(s.opts.GoVersion, "go")
			p.VersionSource = "--go-version " + s.opts.GoVersion
		default:
			inv.StdlibUnchecked = append(inv.StdlibUnchecked, p.Path)
			continue
		}
		kept = append(kept, p)
	}
	inv.Packages = kept
}

// extractOne runs the extractors that want one file. It returns the
// packages and, for a file that could not be used, why.
func extractOne(ctx context.Context, fsys scalibrfs.FS, absRoot string, j job) ([]Package, []string) {
	f, err := os.Open(j.abs)
	if err != nil {
		return nil, []string{fmt.Sprintf("unreadable file: %v", unwrapPathErr(err))}
	}
	defer f.Close()
	if !readsBinary(j.exts) && sniffBinary(f) {
		return nil, []string{"binary file, not a lockfile or manifest"}
	}
	var pkgs []Package
	var reasons []string
	for _, ex := range j.exts {
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return nil, []string{fmt.Sprintf("unreadable file: %v", err)}
		}
		inv, err := safeExtract(ctx, ex, &filesystem.ScanInput{FS: fsys, Path: j.rel, Root: absRoot, Info: j.info, Reader: f})
		if err != nil {
			reasons = append(reasons, fmt.Sprintf("malformed %s (%s): %v", filepath.Base(j.rel), ex.Name(), err))
			continue
		}
		for _, p := range inv.Packages {
			if pkg, ok := toPackage(p, j.rel); ok {
				pkgs = append(pkgs, pkg)
			}
		}
	}
	if isNpmLock(j.rel) && len(pkgs) > 0 {
		placeNpmPackages(f, pkgs)
	}
	return pkgs, reasons
}

func isNpmLock(rel string) bool {
	base := path.Base(rel)
	return base == "package-lock.json" || base == "npm-shrinkwrap.json"
}

// placeNpmPackages gives each package of an npm lockfile every line it is
// installed at (see npmLockLines).
func placeNpmPackages(f *os.File, pkgs []Package) {
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return
	}
	data, err := io.ReadAll(f)
	if err != nil {
		return
	}
	lines := npmLockLines(data)
	for i := range pkgs {
		if ls := lines[pkgs[i].Name+"@"+pkgs[i].Version]; len(ls) > 0 {
			pkgs[i].Line, pkgs[i].Lines = ls[0], ls
		}
	}
}

// readsBinary reports whether one of the extractors reads a binary
// database (rpm's Berkeley DB, NDB or SQLite), which the binary-file guard
// must let through.
func readsBinary(exts []filesystem.Extractor) bool {
	for _, ex := range exts {
		if ex.Name() == rpm.Name || ex.Name() == gobinary.Name {
			return true
		}
	}
	return false
}

// safeExtract turns an extractor's panic on hostile input into an error.
func safeExtract(ctx context.Context, ex filesystem.Extractor, in *filesystem.ScanInput) (inv inventoryResult, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("extractor failed: %v", r)
		}
	}()
	got, err := ex.Extract(ctx, in)
	return inventoryResult{Packages: got.Packages}, err
}

type inventoryResult struct{ Packages []*extractor.Package }

func toPackage(p *extractor.Package, rel string) (Package, bool) {
	eco := p.Ecosystem().String()
	if eco == "" || p.Name == "" || p.Version == "" {
		return Package{}, false
	}
	pkg := Package{Ecosystem: eco, Name: p.Name, Version: p.Version, Path: rel}
	if eco == "Go" && p.Name == "go" {
		// A Go binary's build info names its Go "go"; OSV names the
		// standard library "stdlib".
		pkg.Name = "stdlib"
	}
	if d := p.Location.Descriptor; d != nil && d.File != nil {
		pkg.Line = d.File.LineNumber
		if d.File.Path != "" {
			pkg.Path = strings.TrimPrefix(filepath.ToSlash(d.File.Path), "/")
		}
	}
	switch m := p.Metadata.(type) {
	case *dpkgmeta.Metadata:
		pkg.SourceName, pkg.SourceVersion = m.SourceName, m.SourceVersion
	case *apkmeta.Metadata:
		pkg.SourceName = m.OriginName
	case *rpmmeta.Metadata:
		if m.Epoch > 0 {
			pkg.Epoch = strconv.Itoa(m.Epoch)
		}
		pkg.Arch = m.Architecture
	}
	return pkg, true
}
