package vulndb

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
)

// Layout directories of osv-scanner's local database cache: v2.6 and later
// read <dir>/osv-scalibr/<Ecosystem>/all.zip, earlier versions
// <dir>/osv-scanner/<Ecosystem>/all.zip. secops writes the former and
// reads both, plus <dir>/<Ecosystem>/all.zip and <dir>/<Ecosystem>/*.json.
const (
	ScalibrDir    = "osv-scalibr"
	OSVScannerDir = "osv-scanner"
	ExportName    = "all.zip"
)

// maxRecordSize bounds one OSV record read from disk or a zip (the largest
// real records are a few hundred kilobytes).
const maxRecordSize = 16 << 20

// DB is an offline OSV database. Ecosystems are read the first time a
// query needs them, each in parallel; only what matching needs stays in
// memory, and full records are read again from disk for the advisories
// that match.
type DB struct {
	dir string

	mu    sync.Mutex
	ecos  map[string]*ecoIndex
	zips  []*zip.ReadCloser
	probs []Problem
	full  map[string]*Vulnerability
}

// Problem is a file of the database that could not be read as an OSV
// record; it was skipped.
type Problem struct {
	Path   string
	Reason string

	unreadable bool // the data could not be read back (not a parse error)
}

type ecoIndex struct {
	once   sync.Once
	byName map[string][]*entry
	count  int
	err    error
}

// entry is what matching needs of one record; the rest is read on demand.
type entry struct {
	ID        string
	Modified  string
	Withdrawn string
	Affected  []lightAffected
	ref       recordRef
	full      *Vulnerability // read again and decoded on first match
}

type lightAffected struct {
	Package  Package  `json:"package"`
	Ranges   []Range  `json:"ranges"`
	Versions []string `json:"versions"`
}

type recordRef struct {
	zf   *zip.File
	path string
}

func (r recordRef) String() string {
	if r.zf != nil {
		return r.zf.Name
	}
	return r.path
}

func (r recordRef) read() ([]byte, error) { return r.readInto(nil) }

// readInto reads the record into buf's storage when it is large enough
// (loading a database reads thousands of records that are dropped at once:
// reusing one buffer keeps that from costing their total size in
// garbage).
func (r recordRef) readInto(buf []byte) ([]byte, error) {
	var rc io.ReadCloser
	size := int64(-1)
	if r.zf != nil {
		if r.zf.UncompressedSize64 > maxRecordSize {
			return nil, fmt.Errorf("record larger than %d bytes", maxRecordSize)
		}
		f, err := r.zf.Open()
		if err != nil {
			return nil, err
		}
		rc, size = f, int64(r.zf.UncompressedSize64)
	} else {
		f, err := os.Open(r.path)
		if err != nil {
			return nil, err
		}
		if st, err := f.Stat(); err == nil && st.Mode().IsRegular() {
			size = st.Size()
		}
		rc = f
	}
	defer rc.Close()
	b := bytes.NewBuffer(buf[:0])
	if size >= 0 && size <= maxRecordSize {
		b.Grow(int(size) + bytes.MinRead)
	}
	if _, err := b.ReadFrom(io.LimitReader(rc, maxRecordSize+1)); err != nil {
		return nil, err
	}
	if b.Len() > maxRecordSize {
		return nil, fmt.Errorf("record larger than %d bytes", maxRecordSize)
	}
	return b.Bytes(), nil
}

// recordBuffers are the buffers records are read into while a database
// loads.
var recordBuffers = sync.Pool{New: func() any { return new([]byte) }}

// Open opens the database in dir. Nothing is read until a query needs an
// ecosystem.
func Open(dir string) (*DB, error) {
	st, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("open vulnerability database %s: %w (run `secops db update` or pass --db DIR)", dir, err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("open vulnerability database %s: not a directory", dir)
	}
	return &DB{dir: dir, ecos: map[string]*ecoIndex{}, full: map[string]*Vulnerability{}}, nil
}

// Dir is the database directory.
func (db *DB) Dir() string { return db.dir }

// Close releases the zip files the database holds open.
func (db *DB) Close() error {
	db.mu.Lock()
	defer db.mu.Unlock()
	var errs []error
	for _, z := range db.zips {
		errs = append(errs, z.Close())
	}
	db.zips = nil
	return errors.Join(errs...)
}

// Problems lists the files skipped so far because they are not readable
// OSV records.
func (db *DB) Problems() []Problem {
	db.mu.Lock()
	defer db.mu.Unlock()
	return append([]Problem(nil), db.probs...)
}

// Source is where an ecosystem's records come from.
type Source struct {
	Ecosystem string // as the directory spells it, e.g. "Debian:12"
	Path      string // the all.zip file or the directory of JSON files
	Zip       bool
}

// Sources lists the ecosystem sources in the database directory, in every
// supported layout. Directories that hold neither all.zip nor JSON files
// (samples/, docs) are not sources.
func (db *DB) Sources() ([]Source, error) {
	var out []Source
	for _, layout := range []string{ScalibrDir, OSVScannerDir, ""} {
		base := filepath.Join(db.dir, layout)
		ents, err := os.ReadDir(base)
		if err != nil {
			if layout != "" && errors.Is(err, fs.ErrNotExist) {
				continue
			}
			return nil, fmt.Errorf("list vulnerability database %s: %w", base, err)
		}
		for _, e := range ents {
			name := e.Name()
			if !e.IsDir() || strings.HasPrefix(name, ".") || name == "samples" || (layout == "" && (name == ScalibrDir || name == OSVScannerDir)) {
				continue
			}
			dir := filepath.Join(base, name)
			if st, err := os.Stat(filepath.Join(dir, ExportName)); err == nil && st.Mode().IsRegular() {
				out = append(out, Source{Ecosystem: name, Path: filepath.Join(dir, ExportName), Zip: true})
				continue
			}
			if hasJSON(dir) {
				out = append(out, Source{Ecosystem: name, Path: dir})
			}
		}
	}
	return out, nil
}

func hasJSON(dir string) bool {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return false
	}
	for _, e := range ents {
		if !e.IsDir() && strings.HasSuffix(e.Name(), ".json") && e.Name() != metadataName {
			return true
		}
	}
	return false
}

// Ecosystems lists the ecosystems the database holds (base names).
func (db *DB) Ecosystems() ([]string, error) {
	srcs, err := db.Sources()
	if err != nil {
		return nil, err
	}
	set := map[string]bool{}
	for _, s := range srcs {
		set[BaseEcosystem(s.Ecosystem)] = true
	}
	out := make([]string, 0, len(set))
	for e := range set {
		out = append(out, e)
	}
	sort.Strings(out)
	return out, nil
}

// Load reads the named ecosystems now, in parallel, instead of on first
// query. Unknown ecosystems load as empty.
func (db *DB) Load(ctx context.Context, ecosystems ...string) error {
	var wg sync.WaitGroup
	errs := make([]error, len(ecosystems))
	for i, e := range ecosystems {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = db.index(ctx, e)
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// Count is the number of records loaded for an ecosystem (loading it).
func (db *DB) Count(ctx context.Context, ecosystem string) (int, error) {
	idx, err := db.index(ctx, ecosystem)
	if err != nil {
		return 0, err
	}
	return idx.count, nil
}

func (db *DB) index(ctx context.Context, ecosystem string) (*ecoIndex, error) {
	base := BaseEcosystem(ecosystem)
	db.mu.Lock()
	idx, ok := db.ecos[base]
	if !ok {
		idx = &ecoIndex{}
		db.ecos[base] = idx
	}
	db.mu.Unlock()
	idx.once.Do(func() { idx.err = db.loadEcosystem(ctx, base, idx, nil) })
	return idx, idx.err
}

// loadEcosystem reads every record of one ecosystem into idx. With want
// (normalised names), only records about those packages are kept, and
// they are kept whole, so that matching reads each record only once.
func (db *DB) loadEcosystem(ctx context.Context, base string, idx *ecoIndex, want map[string]bool) error {
	srcs, err := db.Sources()
	if err != nil {
		return err
	}
	var refs []recordRef
	for _, s := range srcs {
		if BaseEcosystem(s.Ecosystem) != base {
			continue
		}
		if s.Zip {
			z, err := zip.OpenReader(s.Path)
			if err != nil {
				return fmt.Errorf("read OSV export %s: %w (run `secops db update` to download it again)", s.Path, err)
			}
			db.mu.Lock()
			db.zips = append(db.zips, z)
			db.mu.Unlock()
			if zi, ok := readIndex(s.Path); ok && want != nil {
				byName := make(map[string]*zip.File, len(z.File))
				for _, f := range z.File {
					byName[f.Name] = f
				}
				picked := map[string]bool{}
				for n := range want {
					for _, name := range zi.Names[n] {
						if f := byName[name]; f != nil && !picked[name] {
							picked[name] = true
							refs = append(refs, recordRef{zf: f})
						}
					}
				}
				continue
			}
			for _, f := range z.File {
				if strings.HasSuffix(f.Name, ".json") && !f.FileInfo().IsDir() {
					refs = append(refs, recordRef{zf: f})
				}
			}
			continue
		}
		ents, err := os.ReadDir(s.Path)
		if err != nil {
			return fmt.Errorf("read OSV directory %s: %w", s.Path, err)
		}
		for _, e := range ents {
			if e.Type().IsRegular() && strings.HasSuffix(e.Name(), ".json") && e.Name() != metadataName {
				refs = append(refs, recordRef{path: filepath.Join(s.Path, e.Name())})
			}
		}
	}
	entries, probs, err := parseEntries(ctx, refs, base, want)
	if err != nil {
		return err
	}
	idx.byName = map[string][]*entry{}
	seen := make(map[string]*entry, len(entries))
	for _, e := range entries {
		if old, ok := seen[e.ID]; ok {
			// The same record in two layouts or two release directories:
			// keep the newer.
			if old.Modified >= e.Modified {
				continue
			}
			*old = *e
			continue
		}
		seen[e.ID] = e
	}
	for _, e := range seen {
		names := map[string]bool{}
		for _, a := range e.Affected {
			if BaseEcosystem(a.Package.Ecosystem) != base {
				continue
			}
			n := NormalizeName(a.Package.Ecosystem, a.Package.Name)
			if !names[n] {
				names[n] = true
				idx.byName[n] = append(idx.byName[n], e)
			}
		}
	}
	idx.count = len(seen)
	if len(probs) > 0 {
		db.mu.Lock()
		db.probs = append(db.probs, probs...)
		db.mu.Unlock()
	}
	return nil
}

// parseEntries decodes records on every core; with want, it drops records
// about other packages and decodes the rest in full.
func parseEntries(ctx context.Context, refs []recordRef, base string, want map[string]bool) ([]*entry, []Problem, error) {
	workers := runtime.GOMAXPROCS(0)
	out := make([]*entry, len(refs))
	probs := make([]*Problem, len(refs))
	var wg sync.WaitGroup
	next := make(chan int, workers*4)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				e, err := readEntry(refs[i], base, want)
				if err != nil {
					var ue unreadableError
					probs[i] = &Problem{Path: refs[i].String(), Reason: err.Error(), unreadable: errors.As(err, &ue)}
					continue
				}
				out[i] = e
			}
		}()
	}
	var ctxErr error
	for i := range refs {
		if ctxErr = ctx.Err(); ctxErr != nil {
			break
		}
		next <- i
	}
	close(next)
	wg.Wait()
	if ctxErr != nil {
		return nil, nil, ctxErr
	}
	entries := out[:0]
	for _, e := range out {
		if e != nil {
			entries = append(entries, e)
		}
	}
	var ps []Problem
	for _, p := range probs {
		if p != nil {
			ps = append(ps, *p)
		}
	}
	return entries, ps, nil
}

// unreadableError is a record whose bytes could not be read back: a
// damaged zip rather than a file that is not an OSV record.
type unreadableError struct{ error }

func (e unreadableError) Unwrap() error { return e.error }

func readEntry(ref recordRef, base string, want map[string]bool) (*entry, error) {
	bp := recordBuffers.Get().(*[]byte)
	defer recordBuffers.Put(bp)
	data, err := ref.readInto(*bp)
	if err != nil {
		return nil, unreadableError{err}
	}
	*bp = data // keep the grown storage for the next record
	// A record that is not JSON at all would pass for "about another
	// package" below and vanish without a word: a database of Git LFS
	// pointers must read as broken, not as free of advisories.
	if err := checkJSONObject(data); err != nil {
		return nil, err
	}
	if want != nil && !mayName(data, base, want) {
		return nil, nil
	}
	e, err := parseEntry(data, ref)
	if err != nil || want == nil {
		return e, err
	}
	wanted := false
	for _, a := range e.Affected {
		if BaseEcosystem(a.Package.Ecosystem) == base && want[NormalizeName(a.Package.Ecosystem, a.Package.Name)] {
			wanted = true
			break
		}
	}
	if !wanted {
		return nil, nil
	}
	// The record is read again on its first match: keeping the bytes of
	// every wanted record until then cost more than that.
	return e, nil
}

// mayName is a quick look, before any JSON decoding, for a "name" member
// whose value is one of the wanted package names. It errs on the side of
// yes (escaped strings, odd spacing), never of no, so only records about
// other packages are skipped without decoding.
func mayName(data []byte, base string, want map[string]bool) bool {
	key := []byte(`"name"`)
	rest := data
	for {
		i := bytes.Index(rest, key)
		if i < 0 {
			return false
		}
		rest = rest[i+len(key):]
		j := 0
		for j < len(rest) && (rest[j] == ' ' || rest[j] == '\t' || rest[j] == '\n' || rest[j] == '\r') {
			j++
		}
		if j >= len(rest) || rest[j] != ':' {
			continue
		}
		j++
		for j < len(rest) && (rest[j] == ' ' || rest[j] == '\t' || rest[j] == '\n' || rest[j] == '\r') {
			j++
		}
		if j >= len(rest) || rest[j] != '"' {
			continue
		}
		j++
		end := bytes.IndexByte(rest[j:], '"')
		if end < 0 {
			return true
		}
		val := rest[j : j+end]
		if bytes.IndexByte(val, '\\') >= 0 || want[NormalizeName(base, string(val))] {
			return true
		}
		rest = rest[j+end:]
	}
}

// lfsPointer starts a Git LFS pointer file, what a clone without git-lfs
// holds in place of large files.
var lfsPointer = []byte("version https://git-lfs.github.com/spec/")

// checkJSONObject refuses data that cannot be an OSV record: anything but
// a JSON object, naming the usual cause.
func checkJSONObject(data []byte) error {
	trimmed := bytes.TrimLeft(data, " \t\r\n\ufeff")
	switch {
	case bytes.HasPrefix(trimmed, lfsPointer):
		return errors.New("not an OSV record: a Git LFS pointer (run `git lfs pull` where the database was cloned)")
	case len(trimmed) == 0:
		return errors.New("not an OSV record: empty file")
	case trimmed[0] != '{':
		return errors.New("not an OSV record: not a JSON object")
	}
	return nil
}

func parseEntry(data []byte, ref recordRef) (*entry, error) {
	e := &entry{ref: ref}
	if err := jsonUnmarshal(data, e); err != nil {
		return nil, fmt.Errorf("not an OSV record: %w", err)
	}
	if strings.TrimSpace(e.ID) == "" {
		return nil, errors.New("not an OSV record: no \"id\"")
	}
	if e.Modified == "" && len(e.Affected) == 0 {
		return nil, errors.New("not an OSV record: neither \"modified\" nor \"affected\"")
	}
	return e, nil
}

// Query returns the IDs of the advisories affecting name at version in
// ecosystem, sorted. It loads the ecosystem on first use.
func (db *DB) Query(ctx context.Context, ecosystem, name string, version Version) ([]string, error) {
	idx, err := db.index(ctx, ecosystem)
	if err != nil {
		return nil, err
	}
	norm := NormalizeName(ecosystem, name)
	var ids []string
	for _, e := range idx.byName[norm] {
		if e.affects(ecosystem, norm, version) {
			ids = append(ids, e.ID)
		}
	}
	sort.Strings(ids)
	return ids, nil
}

func (e *entry) affects(ecosystem, norm string, v Version) bool {
	if strings.TrimSpace(e.Withdrawn) != "" {
		return false
	}
	for i := range e.Affected {
		a := &e.Affected[i]
		full := Affected{Package: a.Package, Ranges: a.Ranges, Versions: a.Versions}
		if full.covers(ecosystem, norm) && full.affects(v) {
			return true
		}
	}
	return false
}

// Record reads the full record of an advisory the database holds (after
// its ecosystem was loaded by a query).
func (db *DB) Record(ctx context.Context, ecosystem, id string) (*Vulnerability, error) {
	db.mu.Lock()
	if v, ok := db.full[id]; ok {
		db.mu.Unlock()
		return v, nil
	}
	db.mu.Unlock()
	idx, err := db.index(ctx, ecosystem)
	if err != nil {
		return nil, err
	}
	var ref *recordRef
	for _, es := range idx.byName {
		for _, e := range es {
			if e.ID == id {
				ref = &e.ref
				break
			}
		}
		if ref != nil {
			break
		}
	}
	if ref == nil {
		return nil, fmt.Errorf("advisory %s is not in the %s database", id, ecosystem)
	}
	return db.readFull(id, *ref)
}

func (db *DB) readFull(id string, ref recordRef) (*Vulnerability, error) {
	data, err := ref.read()
	if err != nil {
		return nil, fmt.Errorf("read advisory %s from %s: %w", id, ref, err)
	}
	v, err := ParseRecord(data)
	if err != nil {
		return nil, fmt.Errorf("read advisory %s from %s: %w", id, ref, err)
	}
	db.mu.Lock()
	db.full[id] = v
	db.mu.Unlock()
	return v, nil
}

// Match is one advisory affecting one package version, with the full
// record.
type Match struct {
	Vuln  *Vulnerability
	Fixed string // lowest fixed version above the package's, "" when none
}

// PackageQuery is one package version to look up.
type PackageQuery struct {
	Ecosystem string
	Name      string
	Version   string
}

// MatchAll looks up every package (loading the ecosystems they need in
// parallel) and returns, per query, the advisories that affect it sorted by
// ID, with their full records.
func (db *DB) MatchAll(ctx context.Context, queries []PackageQuery) ([][]Match, error) {
	want := map[string]map[string]bool{}
	for _, q := range queries {
		base := BaseEcosystem(q.Ecosystem)
		if want[base] == nil {
			want[base] = map[string]bool{}
		}
		want[base][NormalizeName(q.Ecosystem, q.Name)] = true
	}
	idxs := map[string]*ecoIndex{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	var errs []error
	for base, names := range want {
		wg.Add(1)
		go func() {
			defer wg.Done()
			idx := &ecoIndex{}
			err := db.loadEcosystem(ctx, base, idx, names)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, err)
				return
			}
			idxs[base] = idx
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	out := make([][]Match, len(queries))
	for i, q := range queries {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		norm := NormalizeName(q.Ecosystem, q.Name)
		cands := idxs[BaseEcosystem(q.Ecosystem)].byName[norm]
		if len(cands) == 0 {
			continue
		}
		v := ParseVersion(q.Ecosystem, q.Version)
		for _, e := range cands {
			if !e.affects(q.Ecosystem, norm, v) {
				continue
			}
			if e.full == nil {
				data, err := e.ref.read()
				if err != nil {
					return nil, fmt.Errorf("read advisory %s from %s: %w", e.ID, e.ref, err)
				}
				full, err := ParseRecord(data)
				if err != nil {
					return nil, fmt.Errorf("read advisory %s from %s: %w", e.ID, e.ref, err)
				}
				e.full = full
			}
			out[i] = append(out[i], Match{Vuln: e.full, Fixed: e.full.Fixed(q.Ecosystem, q.Name, v.Raw)})
		}
		sort.Slice(out[i], func(a, b int) bool { return out[i][a].Vuln.ID < out[i][b].Vuln.ID })
	}
	return out, nil
}
