package vulndb

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

func addRecordSeeds(f *testing.F) {
	paths, _ := filepath.Glob("testdata/db/*/*.json")
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"id":"X","modified":"2020-01-01T00:00:00Z","affected":[{"package":{"ecosystem":"PyPI","name":"a"},"ranges":[{"type":"ECOSYSTEM","events":[{"fixed":"1"},{"introduced":"0"},{"last_affected":"2"},{"limit":"*"}]}],"versions":["1.0"]}]}`))
}

// FuzzParseRecord feeds arbitrary bytes to the OSV record parser and, for
// what parses, to the matcher of every ecosystem the record names.
func FuzzParseRecord(f *testing.F) {
	addRecordSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := ParseRecord(data)
		if err != nil {
			return
		}
		for _, a := range v.Affected {
			for _, ver := range []string{"0", "1.0.0", "2.2.3.1", "1.0a1", "v0.0.0-20200101000000-abcdef012345", ""} {
				pv := ParseVersion(a.Package.Ecosystem, ver)
				v.Affects(a.Package.Ecosystem, a.Package.Name, pv)
				v.Fixed(a.Package.Ecosystem, a.Package.Name, ver)
			}
			v.Rate(a.Package.Ecosystem, a.Package.Name)
		}
		if _, err := parseEntry(data, recordRef{}); err != nil {
			t.Errorf("ParseRecord accepted what the index rejects: %v", err)
		}
	})
}

// FuzzLoadZip writes arbitrary bytes as an ecosystem's all.zip and loads
// and queries it: a broken export must be an error, never a crash.
func FuzzLoadZip(f *testing.F) {
	f.Add(zipOf(f, map[string]string{"TEST-GEM-1.json": readTestRecord(f, "RubyGems/TEST-GEM-1.json")}))
	f.Add(zipOf(f, map[string]string{"a.json": "{", "b/": "", "c.json": `{"id":"C","modified":"x"}`}))
	f.Add([]byte("PK\x05\x06" + string(make([]byte, 18))))
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		p := filepath.Join(dir, ScalibrDir, "RubyGems")
		if err := os.MkdirAll(p, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(p, ExportName), data, 0o644); err != nil {
			t.Fatal(err)
		}
		db, err := Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if _, err := db.MatchAll(context.Background(), []PackageQuery{{Ecosystem: "RubyGems", Name: "demo-gem", Version: "2.2.3"}}); err != nil {
			return
		}
		ReadStatus(dir, fixedNow)
	})
}
