package compliance

import (
	"archive/zip"
	"bytes"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

// demoDir holds the demo snapshots and checklist shipped in the repository.
var demoDir = filepath.Join("..", "..", "testdata", "compliance")

var demoGenerated = time.Date(2026, 11, 30, 2, 0, 0, 0, time.UTC)

// demoReport is the report the README shows: the demo snapshot, its
// manual checklist, compared with the earlier snapshot.
func demoReport(t *testing.T) *Report {
	t.Helper()
	cur, err := ReadSnapshot(filepath.Join(demoDir, "isms-p-snapshot.json"))
	if err != nil {
		t.Fatal(err)
	}
	prev, err := ReadSnapshot(filepath.Join(demoDir, "isms-p-snapshot-2026-05.json"))
	if err != nil {
		t.Fatal(err)
	}
	manual, err := ReadChecklist(filepath.Join(demoDir, "isms-p-manual.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	manual.File = "testdata/compliance/isms-p-manual.yaml"
	rep, err := BuildReport(cur, ReportOptions{Manual: manual, Previous: prev, GeneratedAt: demoGenerated,
		SnapshotFile: "testdata/compliance/isms-p-snapshot.json"})
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func TestReportGolden(t *testing.T) {
	rep := demoReport(t)
	for _, tt := range []struct {
		file  string
		write func(*bytes.Buffer) error
	}{
		{"report.json", func(b *bytes.Buffer) error { return WriteReportJSON(b, rep) }},
		{"report.ko.html", func(b *bytes.Buffer) error { return WriteReportHTML(b, rep, LangKorean) }},
		{"report.ko.md", func(b *bytes.Buffer) error { return WriteReportMarkdown(b, rep, LangKorean) }},
		{"report.en.md", func(b *bytes.Buffer) error { return WriteReportMarkdown(b, rep, LangEnglish) }},
		// The workbook is compared as excelize reads it back.
		{"report.ko.xlsx.txt", func(b *bytes.Buffer) error { return dumpXLSX(t, rep, LangKorean, b) }},
		{"report.en.xlsx.txt", func(b *bytes.Buffer) error { return dumpXLSX(t, rep, LangEnglish, b) }},
	} {
		t.Run(tt.file, func(t *testing.T) {
			var buf bytes.Buffer
			if err := tt.write(&buf); err != nil {
				t.Fatal(err)
			}
			golden(t, filepath.Join("testdata", "golden", tt.file), buf.Bytes())
		})
	}
}

// dumpXLSX writes the report as a workbook, reads it back with excelize
// and prints every sheet's cells, one row a line; it also checks what a
// cell dump does not show: filters, frozen headers, the chart and the
// verdict list.
func dumpXLSX(t *testing.T, rep *Report, lang string, out *bytes.Buffer) error {
	var buf bytes.Buffer
	if err := WriteReportXLSX(&buf, rep, lang); err != nil {
		return err
	}
	f, err := excelize.OpenReader(bytes.NewReader(buf.Bytes()))
	if err != nil {
		return err
	}
	defer f.Close()
	sheets := f.GetSheetList()
	filters := map[string]bool{}
	for _, dn := range f.GetDefinedName() {
		if dn.Name == "_xlnm._FilterDatabase" {
			filters[dn.Scope] = true
		}
	}
	for i, sheet := range sheets {
		rows, err := f.GetRows(sheet)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "== %s ==\n", sheet)
		for _, r := range rows {
			for j, c := range r {
				r[j] = strings.ReplaceAll(c, "\n", " ⏎ ")
			}
			fmt.Fprintln(out, strings.TrimRight(strings.Join(r, " | "), " |"))
		}
		// Every sheet but the last (sources) is a filtered table.
		if i < len(sheets)-1 && !filters[sheet] {
			t.Errorf("%s: sheet %q has no filter", lang, sheet)
		}
	}
	if len(sheets) != 8 {
		t.Errorf("%s: sheets %v, want summary, 3 domains, checklist, findings, changes, sources", lang, sheets)
	}
	panes, err := f.GetPanes(sheets[1])
	if err != nil || !panes.Freeze || panes.YSplit != 1 {
		t.Errorf("%s: domain sheet panes %+v, %v: want the header frozen", lang, panes, err)
	}
	zr, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		return err
	}
	charts := 0
	for _, zf := range zr.File {
		if strings.HasPrefix(zf.Name, "xl/charts/chart") {
			charts++
		}
	}
	if charts != 1 {
		t.Errorf("%s: %d charts in the workbook, want 1 on the summary", lang, charts)
	}
	dvs, err := f.GetDataValidations(sheets[4])
	if err != nil || len(dvs) != 1 || !strings.Contains(dvs[0].Formula1, "not-applicable") {
		t.Errorf("%s: checklist validations %+v, %v", lang, dvs, err)
	}
	return nil
}

// TestReportsEscapeUntrustedText puts markup where AWS, the findings and
// the checklist supply text, and checks no format lets it through.
func TestReportsEscapeUntrustedText(t *testing.T) {
	evil := `<script>alert(1)</script>|**x**`
	snap := &Snapshot{Kind: SnapshotKind, SchemaVersion: SnapshotVersion, TakenAt: demoTaken, Region: "ap-northeast-2", Account: evil,
		Rules: []SnapshotRule{{Name: evil, Identifier: "IAM_PASSWORD_POLICY", Status: StatusNonCompliant,
			NonCompliant: []Resource{{Type: "AWS::::Account", ID: evil, Annotation: evil}}}},
		Findings: &FindingsSummary{Backend: evil, Kinds: []FindingGroup{{Kind: "secrets", Open: 1, BySeverity: map[string]int{"HIGH": 1},
			Products: map[string]int{evil: 1}, Top: []FindingRef{{Title: evil, Severity: "HIGH", Resource: evil}}}}},
	}
	manual := &Checklist{File: evil, Controls: []ManualEntry{{ID: "1.1.1", Owner: evil, Status: ManualCompliant, Evidence: []string{evil}, Notes: evil}}}
	rep, err := BuildReport(snap, ReportOptions{Manual: manual, GeneratedAt: demoGenerated})
	if err != nil {
		t.Fatal(err)
	}
	var html, md bytes.Buffer
	if err := WriteReportHTML(&html, rep, LangEnglish); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(html.String(), "<script>") || !strings.Contains(html.String(), "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Error("HTML lets markup through")
	}
	if err := WriteReportMarkdown(&md, rep, LangEnglish); err != nil {
		t.Fatal(err)
	}
	for i, line := range strings.Split(md.String(), "\n") {
		if strings.Contains(line, "<script>") || strings.Contains(line, "|**x**") {
			t.Errorf("Markdown line %d lets markup through: %s", i+1, line)
		}
	}
}

// TestHTMLIsSelfContained checks the page needs nothing at view time, is
// UTF-8, names Korean fonts with fallbacks, and has a row for every control.
func TestHTMLIsSelfContained(t *testing.T) {
	rep := demoReport(t)
	var buf bytes.Buffer
	if err := WriteReportHTML(&buf, rep, LangKorean); err != nil {
		t.Fatal(err)
	}
	page := buf.String()
	for _, bad := range []string{"<script", "<link", "@import", "url(", `src="http`, `src="//`, "<img", "<iframe"} {
		if strings.Contains(page, bad) {
			t.Errorf("page contains %q", bad)
		}
	}
	for _, want := range []string{
		`<meta charset="utf-8">`, `<html lang="ko">`,
		`content="default-src 'none'; style-src 'unsafe-inline'; img-src data:"`,
		`font-family: "Noto Sans KR", "Noto Sans CJK KR", "Apple SD Gothic Neo", "Malgun Gothic", "맑은 고딕"`,
		"<svg viewBox=", `<rect class="s-NON_COMPLIANT"`, "비밀번호 관리", "정보주체에 대한 통지",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	cat, _ := LoadCatalogue()
	for _, c := range cat.Controls() {
		if !strings.Contains(page, `<tr id="control-`+c.ID+`"`) {
			t.Errorf("no row for control %s", c.ID)
		}
	}
}
