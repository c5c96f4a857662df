package vulndb

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/secops-dev/secops/internal/sharedtest"
)

func sharedOSV(t testing.TB) string { return sharedtest.Dir(t, "osv") }

type keyRow struct {
	pkg, eco, vulnerable, fixed string
	ids                         []string
	record                      string
}

// readAnswerKey parses the "one row per record" table of the README.
func readAnswerKey(t *testing.T, dir string) []keyRow {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var rows []keyRow
	in := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "## Answer key") {
			in = true
			continue
		}
		if in && strings.HasPrefix(line, "## ") {
			break
		}
		if !in || !strings.HasPrefix(line, "| `") {
			continue
		}
		cells := strings.Split(strings.Trim(line, "|"), "|")
		if len(cells) != 6 {
			t.Fatalf("answer key row with %d cells: %s", len(cells), line)
		}
		clean := func(s string) string { return strings.Trim(strings.TrimSpace(s), "`") }
		var ids []string
		for _, id := range strings.Split(cells[4], ",") {
			ids = append(ids, strings.TrimSpace(id))
		}
		slices.Sort(ids)
		rows = append(rows, keyRow{clean(cells[0]), clean(cells[1]), clean(cells[2]), clean(cells[3]), ids, clean(cells[5])})
	}
	if len(rows) < 80 {
		t.Fatalf("read only %d answer key rows", len(rows))
	}
	return rows
}

// TestAnswerKey checks every row of the shared answer key: the vulnerable
// version matches exactly the listed advisories of this database, and the
// row's own record does not match its fixed version.
func TestAnswerKey(t *testing.T) {
	dir := sharedOSV(t)
	db, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	for _, r := range readAnswerKey(t, dir) {
		t.Run(r.pkg+"@"+r.vulnerable+"/"+r.record, func(t *testing.T) {
			got, err := db.Query(ctx, r.eco, r.pkg, ParseVersion(r.eco, r.vulnerable))
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, r.ids) {
				t.Errorf("Query(%s, %s, %s) = %v, want %v", r.eco, r.pkg, r.vulnerable, got, r.ids)
			}
			if r.fixed == "none published" {
				return
			}
			atFix, err := db.Query(ctx, r.eco, r.pkg, ParseVersion(r.eco, r.fixed))
			if err != nil {
				t.Fatal(err)
			}
			if slices.Contains(atFix, r.record) {
				t.Errorf("%s matches %s at its fixed version %s", r.record, r.pkg, r.fixed)
			}
		})
	}
	if p := db.Problems(); len(p) != 0 {
		t.Errorf("problems loading the shared database: %v", p)
	}
	counts := map[string]int{"Go": 22, "npm": 15, "Maven": 7, "PyPI": 21, "RubyGems": 8, "crates.io": 7}
	for eco, want := range counts {
		if n, err := db.Count(ctx, eco); err != nil || n != want {
			t.Errorf("Count(%s) = %d, %v; want %d", eco, n, err, want)
		}
	}
}
