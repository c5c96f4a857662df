package importer

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/secops-dev/secops/pkg/findings"
)

// TestTableRows checks that every row of the importers table says all that
// the help and error texts need, and that no name is claimed twice.
func TestTableRows(t *testing.T) {
	names := map[string]Format{}
	for _, im := range importers {
		if im.about == "" || im.shape == "" || im.name == "" || im.parse == nil {
			t.Errorf("%s: about %q, shape %q, tool %q, parse set %v: every row needs all four", im.format, im.about, im.shape, im.name, im.parse != nil)
		}
		if im.object == nil && im.array == nil && im.xmlRoot == "" {
			t.Errorf("%s: no way to detect it", im.format)
		}
		for _, n := range append([]string{string(im.format)}, im.aliases...) {
			if other, ok := names[n]; ok {
				t.Errorf("%q names both %s and %s", n, other, im.format)
			}
			names[n] = im.format
			if got, err := ParseFormat(strings.ToUpper(n)); err != nil || got != im.format {
				t.Errorf("ParseFormat(%s) = %q, %v; want %s", n, got, err, im.format)
			}
		}
	}
}

// TestDetectorsDoNotOverlap checks that every fixture and real report is
// recognised by exactly one importer, so Detect's answer does not depend
// on the order of the table.
func TestDetectorsDoNotOverlap(t *testing.T) {
	paths, _ := filepath.Glob(filepath.Join("testdata", "reports", "*"))
	if real, err := filepath.Glob(filepath.Join(reportsDir(t), "*", "*")); err == nil {
		paths = append(paths, real...)
	}
	checked := 0
	for _, p := range paths {
		if ext := filepath.Ext(p); ext == ".md" || ext == ".tsv" || ext == ".py" {
			continue
		}
		data, err := os.ReadFile(p)
		if err != nil || isEmptyDocument(data) {
			continue
		}
		var matched []Format
		for _, im := range importers {
			if recognises(im, stripBOM(data)) {
				matched = append(matched, im.format)
			}
		}
		if want, err := Detect(data); err == nil && (len(matched) != 1 || matched[0] != want) {
			t.Errorf("%s: recognised as %v, want %s only", filepath.Base(p), matched, want)
		}
		checked++
	}
	if checked < 10 {
		t.Errorf("checked only %d reports", checked)
	}
}

func recognises(im *importer, t []byte) bool {
	switch t[0] {
	case '[':
		first, ok := firstElement(t)
		return ok && im.array != nil && im.array(first)
	case '{':
		var top keys
		if json.Unmarshal(t, &top) != nil {
			return false
		}
		return im.object != nil && im.object(top)
	case '<':
		root, err := xmlRoot(t)
		return err == nil && im.xmlRoot != "" && root.Local == im.xmlRoot
	}
	return false
}

// TestOneRowIsEnough adds a format to the table as a new importer would,
// and checks that --format, Formats, detection, parsing and the error
// texts all know it from that row alone.
func TestOneRowIsEnough(t *testing.T) {
	exampleTool := tool{format: "example", name: "Example", company: "Example Inc."}
	row := &importer{
		tool:    exampleTool,
		aliases: []string{"example-scanner"},
		about:   "Example Scanner JSON",
		shape:   `Example {"exampleFindings": [...]}`,
		object:  func(top keys) bool { return top.has("exampleFindings") },
		parse: noSkips(func(data []byte) ([]findings.Finding, error) {
			f := newFinding(exampleTool, "app.py", "3", "EX1")
			f.Title, f.Types = "Example problem", []string{typeCodeQuality}
			f.Severity = severity(findings.SeverityLow, "low")
			f.Resources = []findings.Resource{{Type: resourceFile, Id: "app.py"}}
			return []findings.Finding{f}, nil
		}),
	}
	saved := importers
	importers = append(append([]*importer(nil), saved...), row)
	t.Cleanup(func() { importers = saved })

	if got := Formats(); got[len(got)-1] != "example" {
		t.Errorf("Formats() = %v", got)
	}
	if f, err := ParseFormat("Example-Scanner"); err != nil || f != "example" {
		t.Errorf("ParseFormat = %q, %v", f, err)
	}
	doc := []byte(`{"exampleFindings": []}`)
	if f, err := Detect(doc); err != nil || f != "example" {
		t.Errorf("Detect = %q, %v", f, err)
	}
	list, err := Parse(context.Background(), "example", doc, testProv)
	if err != nil || len(list) != 1 || list[0].GeneratorId != "secops/import/example" || list[0].CompanyName != "Example Inc." {
		t.Errorf("Parse = %+v, %v", list, err)
	}
	if About("example") != "Example Scanner JSON" || Generator("example") != "secops/import/example" {
		t.Errorf("About = %q, Generator = %q", About("example"), Generator("example"))
	}
	_, err = Detect([]byte(`{}`))
	if err == nil || !strings.Contains(err.Error(), `Example {"exampleFindings": [...]}`) {
		t.Errorf("shapes: %v", err)
	}
	_, err = ParseFormat("nessus")
	if err == nil || !strings.HasSuffix(err.Error(), ", example") {
		t.Errorf("ParseFormat(nessus): %v", err)
	}
	if _, err := Detect([]byte(`<?xml version="1.0"?><html/>`)); err == nil || !strings.Contains(err.Error(), "<analysis> (Dependency-Check) or <OWASPZAPReport> (ZAP)") {
		t.Errorf("XML roots: %v", err)
	}
	if _, err := Detect([]byte("hello")); err == nil || errors.Is(err, ErrEmptyReport) || !strings.Contains(err.Error(), "example") {
		t.Errorf("text: %v", err)
	}
}
