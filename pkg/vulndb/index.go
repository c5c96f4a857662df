package vulndb

import (
	"archive/zip"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// indexName is the file next to an all.zip that maps package names to the
// records about them, so a scan decompresses only the records of the
// packages it looks up. `secops db update` writes it; a database without
// it (or with one older than its zip) is read in full.
const indexName = "secops-index.json"

type zipIndex struct {
	Version int                 `json:"version"`
	Size    int64               `json:"zip_size"`
	ModTime int64               `json:"zip_mtime_ns"`
	Names   map[string][]string `json:"names"` // normalised name → zip entries
}

const zipIndexVersion = 1

// BuildIndex writes the name index of one ecosystem's all.zip.
func BuildIndex(ctx context.Context, zipPath string) error {
	idx, _, err := checkZip(ctx, zipPath)
	if err != nil {
		return fmt.Errorf("index %s: %w", zipPath, err)
	}
	return writeIndex(filepath.Dir(zipPath), idx)
}

// checkZip reads every record of an OSV export, so that damaged data (a
// bad checksum or compressed stream behind an intact directory) is an
// error, and returns the name index of the file and its record count.
// Entries that are not OSV records are skipped, not errors. Size and
// modification time come from the file that was read.
func checkZip(ctx context.Context, zipPath string) (*zipIndex, int, error) {
	f, err := os.Open(zipPath)
	if err != nil {
		return nil, 0, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, 0, err
	}
	z, err := zip.NewReader(f, st.Size())
	if err != nil {
		return nil, 0, err
	}
	var refs []recordRef
	for _, zf := range z.File {
		if strings.HasSuffix(zf.Name, ".json") && !zf.FileInfo().IsDir() {
			refs = append(refs, recordRef{zf: zf})
		}
	}
	entries, probs, err := parseEntries(ctx, refs, "", nil)
	if err != nil {
		return nil, 0, err
	}
	for _, p := range probs {
		if p.unreadable {
			return nil, 0, fmt.Errorf("%s: %s", p.Path, p.Reason)
		}
	}
	idx := &zipIndex{Version: zipIndexVersion, Size: st.Size(), ModTime: st.ModTime().UnixNano(), Names: map[string][]string{}}
	for _, e := range entries {
		seen := map[string]bool{}
		for _, a := range e.Affected {
			n := NormalizeName(a.Package.Ecosystem, a.Package.Name)
			if !seen[n] {
				seen[n] = true
				idx.Names[n] = append(idx.Names[n], e.ref.zf.Name)
			}
		}
	}
	for _, l := range idx.Names {
		sort.Strings(l)
	}
	return idx, len(entries), nil
}

func writeIndex(dir string, idx *zipIndex) error {
	data, err := json.Marshal(idx)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, "."+indexName+"-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), filepath.Join(dir, indexName))
}

// readIndex returns the name index of zipPath when it describes this very
// file (same size and modification time).
func readIndex(zipPath string) (*zipIndex, bool) {
	st, err := os.Stat(zipPath)
	if err != nil {
		return nil, false
	}
	data, err := os.ReadFile(filepath.Join(filepath.Dir(zipPath), indexName))
	if err != nil {
		return nil, false
	}
	var idx zipIndex
	if err := json.Unmarshal(data, &idx); err != nil {
		return nil, false
	}
	if idx.Version != zipIndexVersion || idx.Size != st.Size() || idx.ModTime != st.ModTime().UnixNano() {
		return nil, false
	}
	return &idx, true
}
