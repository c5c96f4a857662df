package vulndb

import (
	"archive/zip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/secops-dev/secops/pkg/progress"
	"github.com/secops-dev/secops/pkg/wait"
)

// DefaultExportURL is where OSV publishes one zip of every record per
// ecosystem: <base>/<Ecosystem>/all.zip.
const DefaultExportURL = "https://osv-vulnerabilities.storage.googleapis.com"

// StaleAfter is the age past which a downloaded ecosystem is stale.
const StaleAfter = 7 * 24 * time.Hour

// metadataName is the file next to each all.zip that records the download.
const metadataName = "secops-metadata.json"

// DefaultEcosystems are downloaded by `secops db update` when no
// --ecosystems are given: those of the lockfiles secops reads.
var DefaultEcosystems = []string{"Go", "npm", "PyPI", "Maven", "RubyGems", "crates.io", "Packagist", "NuGet"}

// DefaultDir is $XDG_CACHE_HOME/secops/osv (or the OS cache directory).
func DefaultDir() (string, error) {
	base := os.Getenv("XDG_CACHE_HOME")
	if base == "" {
		d, err := os.UserCacheDir()
		if err != nil {
			return "", fmt.Errorf("find the cache directory: %w (set XDG_CACHE_HOME or pass --db DIR)", err)
		}
		base = d
	}
	return filepath.Join(base, "secops", "osv"), nil
}

// Metadata records one ecosystem's download.
type Metadata struct {
	Ecosystem    string    `json:"ecosystem"`
	Count        int       `json:"count"`
	DownloadedAt time.Time `json:"downloaded_at"`
	ETag         string    `json:"etag,omitempty"`
	LastModified string    `json:"last_modified,omitempty"`
	URL          string    `json:"url"`
	Size         int64     `json:"size"`
}

// Updater downloads OSV's ecosystem exports into a database directory in
// osv-scanner's layout (<dir>/osv-scalibr/<Ecosystem>/all.zip), so that
// secops and osv-scanner can share it.
type Updater struct {
	Dir      string
	BaseURL  string // default DefaultExportURL
	HTTP     *http.Client
	Now      func() time.Time
	Progress *progress.Reporter
	// StallTimeout ends a download that receives nothing for this long
	// (default 60 s); a slow but moving download is never cut.
	StallTimeout time.Duration
	// Sleep waits between attempts after a 429 or 5xx (default: a timer
	// that ctx cancels).
	Sleep func(ctx context.Context, d time.Duration) error
}

// downloadAttempts is how often an export is asked for when the bucket
// answers 429 or 5xx.
const downloadAttempts = 3

// Update downloads each ecosystem; an export that fails to download or is
// not a readable zip leaves the previous copy in place. It returns the new
// metadata of every ecosystem that was updated and an error naming those
// that were not.
func (u *Updater) Update(ctx context.Context, ecosystems []string) ([]Metadata, error) {
	if len(ecosystems) == 0 {
		ecosystems = DefaultEcosystems
	}
	var done []Metadata
	var errs []error
	for _, eco := range ecosystems {
		if err := ValidEcosystemName(eco); err != nil {
			errs = append(errs, err)
			continue
		}
		m, err := u.updateOne(ctx, eco)
		if err != nil {
			errs = append(errs, fmt.Errorf("update %s: %w", eco, err))
			if ctx.Err() != nil {
				break
			}
			continue
		}
		done = append(done, m)
	}
	return done, errors.Join(errs...)
}

// ValidEcosystemName rejects names that are not a single path element.
func ValidEcosystemName(eco string) error {
	if eco == "" || eco == "." || eco == ".." || strings.ContainsAny(eco, `/\`) {
		return fmt.Errorf("%q is not an OSV ecosystem name (e.g. Go, npm, PyPI, Maven, Debian:12)", eco)
	}
	return nil
}

func (u *Updater) updateOne(ctx context.Context, eco string) (Metadata, error) {
	base := u.BaseURL
	if base == "" {
		base = DefaultExportURL
	}
	client := u.HTTP
	if client == nil {
		client = http.DefaultClient
	}
	now := time.Now
	if u.Now != nil {
		now = u.Now
	}
	dir := filepath.Join(u.Dir, ScalibrDir, eco)
	url := strings.TrimSuffix(base, "/") + "/" + pathEscape(eco) + "/" + ExportName
	// The watchdog cancels the request when no byte arrives for
	// StallTimeout, in the headers' wait as in the body.
	reqCtx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	stall := u.stallTimeout()
	errStalled := fmt.Errorf("no data for %s: the download stalled", stall)
	watchdog := time.AfterFunc(stall, func() { cancel(errStalled) })
	defer watchdog.Stop()
	resp, err := u.get(reqCtx, client, url, watchdog)
	if err != nil {
		if cause := context.Cause(reqCtx); errors.Is(cause, errStalled) {
			err = cause
		}
		return Metadata{}, fmt.Errorf("download %s: %w (check the network or a proxy; an existing database stays usable with --offline)", url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNotFound {
		if s := SuggestEcosystem(eco); s != "" {
			return Metadata{}, fmt.Errorf("download %s: no OSV export for %q: did you mean %q? (HTTP %s)", url, eco, s, resp.Status)
		}
		return Metadata{}, fmt.Errorf("download %s: no OSV export for %q (HTTP %s): the names are listed at %s/ecosystems.txt", url, eco, resp.Status, strings.TrimSuffix(base, "/"))
	}
	if resp.StatusCode != http.StatusOK {
		return Metadata{}, fmt.Errorf("download %s: HTTP %s", url, resp.Status)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return Metadata{}, fmt.Errorf("create the database directory: %w", err)
	}
	tmp, err := os.CreateTemp(dir, ".all.zip-*")
	if err != nil {
		return Metadata{}, err
	}
	defer os.Remove(tmp.Name())
	pr := &progressReader{r: resp.Body, total: resp.ContentLength, eco: eco, rep: u.Progress, step: 8 << 20,
		onRead: func() { watchdog.Reset(stall) }}
	n, err := io.Copy(tmp, pr)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		if cause := context.Cause(reqCtx); errors.Is(cause, errStalled) {
			err = cause
		}
		return Metadata{}, fmt.Errorf("download %s: %w; kept the previous copy", url, err)
	}
	watchdog.Stop()
	u.Progress.Step("%s: checking and indexing the download", eco)
	idx, count, err := checkZip(ctx, tmp.Name())
	if err != nil {
		if ctx.Err() != nil {
			return Metadata{}, ctx.Err()
		}
		return Metadata{}, fmt.Errorf("download %s: not a readable zip, kept the previous copy: %w", url, err)
	}
	if count == 0 {
		return Metadata{}, fmt.Errorf("download %s: the zip holds no OSV records, kept the previous copy", url)
	}
	if err := os.Rename(tmp.Name(), filepath.Join(dir, ExportName)); err != nil {
		return Metadata{}, err
	}
	m := Metadata{
		Ecosystem:    eco,
		Count:        count,
		DownloadedAt: now().UTC(),
		ETag:         resp.Header.Get("ETag"),
		LastModified: resp.Header.Get("Last-Modified"),
		URL:          url,
		Size:         n,
	}
	if err := writeMetadata(dir, m); err != nil {
		return Metadata{}, err
	}
	// The index describes the file checked above (size and modification
	// time): should another update replace the zip meanwhile, scans see
	// the mismatch and read that zip in full.
	if err := writeIndex(dir, idx); err != nil {
		// Scans still work without the index, only slower.
		u.Progress.Step("%s: no index: %v", eco, err)
	}
	u.Progress.Step("%s: %d advisories (%s)", eco, count, formatBytes(n))
	return m, nil
}

// get asks for url, again after a 429 or 5xx (honouring Retry-After in
// seconds), up to downloadAttempts times. The last answer is returned
// whatever its status.
func (u *Updater) get(ctx context.Context, client *http.Client, url string, watchdog *time.Timer) (*http.Response, error) {
	for attempt := 1; ; attempt++ {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return nil, err
		}
		resp, err := client.Do(req)
		if err != nil {
			return nil, err
		}
		retryable := resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500
		if !retryable || attempt == downloadAttempts {
			return resp, nil
		}
		wait := time.Duration(attempt) * time.Second
		if secs, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && secs >= 0 {
			wait = min(time.Duration(secs)*time.Second, 30*time.Second)
		}
		resp.Body.Close()
		u.Progress.Step("download %s: HTTP %s, trying again in %s", url, resp.Status, wait)
		watchdog.Stop()
		if err := u.sleep(ctx, wait); err != nil {
			return nil, err
		}
		watchdog.Reset(u.stallTimeout())
	}
}

func (u *Updater) stallTimeout() time.Duration {
	if u.StallTimeout > 0 {
		return u.StallTimeout
	}
	return 60 * time.Second
}

func (u *Updater) sleep(ctx context.Context, d time.Duration) error {
	if u.Sleep != nil {
		return u.Sleep(ctx, d)
	}
	return wait.Sleep(ctx, d)
}

func pathEscape(eco string) string {
	return strings.ReplaceAll(strings.ReplaceAll(eco, " ", "%20"), ":", "%3A")
}

func countZipRecords(path string) (int, error) {
	z, err := zip.OpenReader(path)
	if err != nil {
		return 0, err
	}
	defer z.Close()
	n := 0
	for _, f := range z.File {
		if strings.HasSuffix(f.Name, ".json") {
			n++
		}
	}
	return n, nil
}

func writeMetadata(dir string, m Metadata) error {
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, "."+metadataName+"-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(append(data, '\n')); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), filepath.Join(dir, metadataName))
}

type progressReader struct {
	r        io.Reader
	total    int64
	read     int64
	reported int64
	step     int64
	eco      string
	rep      *progress.Reporter
	onRead   func() // called when bytes arrive
}

func (p *progressReader) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	if n > 0 && p.onRead != nil {
		p.onRead()
	}
	p.read += int64(n)
	if p.read-p.reported >= p.step || (err == io.EOF && p.reported == 0) {
		p.reported = p.read
		if p.total > 0 {
			p.rep.Step("%s: downloaded %s of %s", p.eco, formatBytes(p.read), formatBytes(p.total))
		} else {
			p.rep.Step("%s: downloaded %s", p.eco, formatBytes(p.read))
		}
	}
	return n, err
}

func formatBytes(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

// EcosystemStatus is the state of one ecosystem of a database.
type EcosystemStatus struct {
	Ecosystem string        `json:"ecosystem"`
	Path      string        `json:"path"`
	Count     int           `json:"count"`
	Updated   time.Time     `json:"updated"` // download time, or the file's modification time
	Age       time.Duration `json:"age_seconds"`
	Stale     bool          `json:"stale"`
	// Downloaded is true when secops downloaded it (metadata present).
	Downloaded bool `json:"downloaded"`
	// Problem says why the ecosystem cannot be read (a damaged all.zip);
	// Count and Updated are then zero and Stale false.
	Problem string `json:"problem,omitempty"`
	// Invalid counts the records that do not read as OSV records (Git LFS
	// pointers, truncated files); FirstInvalid names one and why. An
	// ecosystem with any is not usable as is: scans against it are
	// incomplete.
	Invalid      int    `json:"invalid,omitempty"`
	FirstInvalid string `json:"first_invalid,omitempty"`
}

// ReadStatus reports each ecosystem of the database in dir: advisory
// count, age, and whether it is older than StaleAfter. Counts come from the
// download metadata when present, else from the files. An ecosystem whose
// files cannot be read is reported with its Problem.
func ReadStatus(dir string, now time.Time) ([]EcosystemStatus, error) {
	db, err := Open(dir)
	if err != nil {
		return nil, err
	}
	srcs, err := db.Sources()
	if err != nil {
		return nil, err
	}
	var out []EcosystemStatus
	for _, s := range srcs {
		st := EcosystemStatus{Ecosystem: s.Ecosystem, Path: s.Path}
		metaDir := s.Path
		if s.Zip {
			metaDir = filepath.Dir(s.Path)
		}
		if m, err := readMetadata(metaDir); err == nil && metadataDescribes(m, s) {
			// Downloads are checked record by record before they replace
			// the old copy (see Update).
			st.Count, st.Updated, st.Downloaded = m.Count, m.DownloadedAt, true
		} else {
			st.Count, st.Updated, err = countSource(s)
			if err == nil {
				err = verifySource(db, s, &st)
			}
			if err != nil {
				// One damaged ecosystem does not hide the others.
				st.Count, st.Updated, st.Problem = 0, time.Time{}, err.Error()
				out = append(out, st)
				continue
			}
		}
		st.Age = now.Sub(st.Updated)
		if st.Age < 0 {
			st.Age = 0
		}
		st.Stale = st.Age > StaleAfter
		out = append(out, st)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Ecosystem < out[j].Ecosystem })
	return out, nil
}

// metadataDescribes reports whether the download metadata is about the
// zip that is there now (osv-scanner may have replaced it since).
func metadataDescribes(m Metadata, s Source) bool {
	if !s.Zip {
		return false
	}
	st, err := os.Stat(s.Path)
	return err == nil && st.Size() == m.Size
}

func readMetadata(dir string) (Metadata, error) {
	var m Metadata
	data, err := os.ReadFile(filepath.Join(dir, metadataName))
	if err != nil {
		return m, err
	}
	if err := json.Unmarshal(data, &m); err != nil {
		return m, err
	}
	return m, nil
}

// verifySource reads every record of a source that secops did not download
// itself, and counts those that are not OSV records: a directory of Git
// LFS pointers has the right file names and no advisory in it.
func verifySource(db *DB, s Source, st *EcosystemStatus) error {
	before := len(db.Problems())
	n, err := db.Count(context.Background(), s.Ecosystem)
	if err != nil {
		return err
	}
	st.Count = n
	for _, p := range db.Problems()[before:] {
		if !strings.HasPrefix(p.Path, s.Path) && !s.Zip {
			continue
		}
		st.Invalid++
		if st.FirstInvalid == "" {
			st.FirstInvalid = p.Path + ": " + p.Reason
		}
	}
	return nil
}

// countSource counts records without parsing them and returns the newest
// file modification time.
func countSource(s Source) (int, time.Time, error) {
	if s.Zip {
		st, err := os.Stat(s.Path)
		if err != nil {
			return 0, time.Time{}, err
		}
		n, err := countZipRecords(s.Path)
		return n, st.ModTime(), err
	}
	ents, err := os.ReadDir(s.Path)
	if err != nil {
		return 0, time.Time{}, err
	}
	var newest time.Time
	n := 0
	for _, e := range ents {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".json") || e.Name() == metadataName {
			continue
		}
		n++
		if fi, err := e.Info(); err == nil && fi.ModTime().After(newest) {
			newest = fi.ModTime()
		}
	}
	return n, newest, nil
}

// FormatAge prints an age the way `secops db status` shows it.
func FormatAge(d time.Duration) string {
	switch {
	case d >= 48*time.Hour:
		return fmt.Sprintf("%d days", int(d.Hours()/24))
	case d >= time.Hour:
		return fmt.Sprintf("%d hours", int(d.Hours()))
	case d >= time.Minute:
		return fmt.Sprintf("%d minutes", int(d.Minutes()))
	}
	return "less than a minute"
}
