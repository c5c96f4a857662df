package findings

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC)

func sample(id string) Finding {
	f := Finding{
		Id:          id,
		GeneratorId: "secops/sca",
		Types:       []string{"Software and Configuration Checks/Vulnerabilities/CVE"},
		Severity:    NewSeverity(SeverityHigh, "7.5"),
		Title:       "CVE-2021-44228: log4j-core 2.14.1",
		Description: "Remote code execution through JNDI lookups.",
		Resources:   []Resource{{Type: "Other", Id: "pom.xml#log4j-core@2.14.1"}},
	}
	LocalProvenance(t0, "secops").Stamp(&f)
	return f
}

func TestValidateNamesEveryProblem(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*Finding)
		fields []string
	}{
		{"valid", func(*Finding) {}, nil},
		{"empty finding", func(f *Finding) { *f = Finding{} }, []string{
			"SchemaVersion", "Id", "ProductArn", "GeneratorId", "AwsAccountId", "Title", "Description",
			"CreatedAt", "UpdatedAt", "Types", "Severity", "Resources"}},
		{"wrong schema version", func(f *Finding) { f.SchemaVersion = "2020-01-01" }, []string{"SchemaVersion"}},
		{"bad timestamp", func(f *Finding) { f.UpdatedAt = "yesterday" }, []string{"UpdatedAt"}},
		{"unknown label", func(f *Finding) { f.Severity.Label = "SEVERE" }, []string{"Severity.Label"}},
		{"resource without id", func(f *Finding) { f.Resources[0].Id = "" }, []string{"Resources[0].Id"}},
		{"bad workflow", func(f *Finding) { f.Workflow = &Workflow{Status: "DONE"} }, []string{"Workflow.Status"}},
		{"bad record state", func(f *Finding) { f.RecordState = "DELETED" }, []string{"RecordState"}},
		{"long title", func(f *Finding) { f.Title = strings.Repeat("x", 257) }, []string{"Title"}},
		// Security Hub's limits count characters, not UTF-8 bytes:
		// Inspector's findings carry 1,024-character descriptions with
		// curly quotes.
		{"title of 256 non-ASCII characters", func(f *Finding) { f.Title = strings.Repeat("é", 256) }, nil},
		{"description of 1024 characters with quotes", func(f *Finding) { f.Description = strings.Repeat("’", 4) + strings.Repeat("x", 1020) }, nil},
		{"description of 1025 characters", func(f *Finding) { f.Description = strings.Repeat("’", 1025) }, []string{"Description"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := sample("secops/sca/1")
			tc.mutate(&f)
			err := f.Validate()
			var got []string
			var ve *ValidationError
			if errors.As(err, &ve) {
				for _, fe := range ve.Errors {
					got = append(got, fe.Field)
				}
			} else if err != nil {
				t.Fatalf("unexpected error type %T", err)
			}
			if !reflect.DeepEqual(got, tc.fields) {
				t.Errorf("fields %v, want %v (%v)", got, tc.fields, err)
			}
		})
	}
}

// TestValidateForImportKeepsWhatProducersWrite: real Prowler findings have
// no Types and Inspector's carry descriptions over 1,024 characters; an
// import keeps them (Security Hub is asked only on push), while what no
// store could hold still fails.
func TestValidateForImportKeepsWhatProducersWrite(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*Finding)
		fields []string
	}{
		{"no types", func(f *Finding) { f.Types = nil }, nil},
		{"long description", func(f *Finding) { f.Description = strings.Repeat("x", 3000) }, nil},
		{"long title", func(f *Finding) { f.Title = strings.Repeat("x", 300) }, nil},
		{"no title", func(f *Finding) { f.Title = "" }, []string{"Title"}},
		{"unknown label", func(f *Finding) { f.Severity.Label = "SEVERE" }, []string{"Severity.Label"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := sample("secops/sca/1")
			tc.mutate(&f)
			err := f.ValidateForImport()
			var got []string
			var ve *ValidationError
			if errors.As(err, &ve) {
				for _, fe := range ve.Errors {
					got = append(got, fe.Field)
				}
			} else if err != nil {
				t.Fatalf("unexpected error type %T", err)
			}
			if !reflect.DeepEqual(got, tc.fields) {
				t.Errorf("fields %v, want %v (%v)", got, tc.fields, err)
			}
			if tc.fields == nil && f.Validate() == nil {
				t.Errorf("Validate accepts the %s too: the case tests nothing", tc.name)
			}
		})
	}
}

func TestDecodeShapesAndErrors(t *testing.T) {
	one := `{"SchemaVersion":"2018-10-08","Id":"a","ProductArn":"arn:aws:securityhub:us-east-1:000000000000:product/000000000000/default","GeneratorId":"g","AwsAccountId":"000000000000","Types":["T"],"CreatedAt":"2026-11-01T10:00:00Z","UpdatedAt":"2026-11-01T10:00:00Z","Severity":{"Label":"LOW"},"Title":"t","Description":"d","Resources":[{"Type":"Other","Id":"r"}]}`
	tests := []struct {
		name    string
		input   string
		count   int
		wantErr string
	}{
		{"one finding", one, 1, ""},
		{"array", "[" + one + "," + strings.Replace(one, `"Id":"a"`, `"Id":"b"`, 1) + "]", 2, ""},
		{"batch import request", `{"Findings":[` + one + `]}`, 1, ""},
		{"empty array", `[]`, 0, ""},
		{"empty input", "  \n", 0, "empty input"},
		{"not json", "Id,Title\n", 0, "not JSON"},
		{"truncated", "[" + one[:40], 0, "malformed JSON"},
		{"syntax error position", "[\n{\"Id\": }]", 0, "line 2, column 8"},
		{"wrong type", `{"Findings":[{"Id": 5}]}`, 0, "field Id"},
		{"missing field named", strings.Replace(one, `"Title":"t",`, "", 1), 0, "finding #1: finding a is not valid ASFF: Title: required"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			list, err := DecodeBytes([]byte(tc.input))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want it to contain %q", err, tc.wantErr)
				}
				if list != nil {
					t.Fatalf("got findings with an error: %d", len(list))
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(list) != tc.count {
				t.Fatalf("got %d findings, want %d", len(list), tc.count)
			}
		})
	}
}

func TestReadFileRefusesDirectories(t *testing.T) {
	dir := t.TempDir()
	if _, err := ReadFile(dir); err == nil || !strings.Contains(err.Error(), "is a directory") {
		t.Fatalf("got %v", err)
	}
	if _, err := ReadFile(filepath.Join(dir, "missing.json")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("got %v", err)
	}
}

func TestNewIDIsDeterministic(t *testing.T) {
	a := NewID("secops/sca", "go.mod#golang.org/x/text", "0.3.5", "GO-2021-0113")
	b := NewID("secops/sca", "go.mod#golang.org/x/text", "0.3.5", "GO-2021-0113")
	c := NewID("secops/sca", "go.mod#golang.org/x/text", "0.3.6", "GO-2021-0113")
	// Joining parts with a separator keeps ("ab","c") apart from ("a","bc").
	d := NewID("secops/sca", "go.mod#golang.org/x/tex", "t0.3.5", "GO-2021-0113")
	if a != b || a == c || a == d {
		t.Fatalf("ids: %s %s %s %s", a, b, c, d)
	}
	if !strings.HasPrefix(a, "secops/sca/") || len(ShortID(a)) != 12 {
		t.Fatalf("id %s short %s", a, ShortID(a))
	}
}

func TestSeverityMappings(t *testing.T) {
	for _, tc := range []struct {
		score float64
		label string
	}{{0, "INFORMATIONAL"}, {0.1, "LOW"}, {3.9, "LOW"}, {4.0, "MEDIUM"}, {6.9, "MEDIUM"}, {7.0, "HIGH"}, {8.9, "HIGH"}, {9.0, "CRITICAL"}, {10, "CRITICAL"}} {
		if got := LabelForCVSS(tc.score); got != tc.label {
			t.Errorf("LabelForCVSS(%v) = %s, want %s", tc.score, got, tc.label)
		}
	}
	for _, l := range SeverityLabels() {
		if got := LabelForNormalized(NormalizedForLabel(l)); got != l {
			t.Errorf("label %s -> %d -> %s", l, NormalizedForLabel(l), got)
		}
	}
	if got := LabelsAtOrAbove("HIGH"); !reflect.DeepEqual(got, []string{"HIGH", "CRITICAL"}) {
		t.Errorf("LabelsAtOrAbove(HIGH) = %v", got)
	}
	if _, err := ParseSeverity("severe"); err == nil {
		t.Error("ParseSeverity accepted an unknown label")
	}
	if got, _ := ParseSeverity("info"); got != SeverityInformational {
		t.Errorf("ParseSeverity(info) = %s", got)
	}
}

func TestMergeFollowsSecurityHub(t *testing.T) {
	later := t0.Add(24 * time.Hour)
	tests := []struct {
		name         string
		existing     func(*Finding)
		incoming     func(*Finding)
		wantStatus   string
		wantRecord   string
		wantCreated  string
		wantUpdated  string
		wantNoteText string
	}{
		{
			name:        "re-import keeps first sighting and advances the last",
			existing:    func(f *Finding) {},
			incoming:    func(f *Finding) { f.CreatedAt, f.UpdatedAt = FormatTime(later), FormatTime(later) },
			wantStatus:  WorkflowNew,
			wantRecord:  RecordActive,
			wantCreated: FormatTime(t0), wantUpdated: FormatTime(later),
		},
		{
			name: "user status and note survive",
			existing: func(f *Finding) {
				f.Workflow = &Workflow{Status: WorkflowSuppressed}
				f.Note = &Note{Text: "accepted risk"}
			},
			incoming:    func(f *Finding) { f.Workflow = &Workflow{Status: WorkflowNew} },
			wantStatus:  WorkflowSuppressed,
			wantRecord:  RecordActive,
			wantCreated: FormatTime(t0), wantUpdated: FormatTime(t0), wantNoteText: "accepted risk",
		},
		{
			name:        "archived finding that returns is NEW again",
			existing:    func(f *Finding) { f.RecordState = RecordArchived; f.Workflow = &Workflow{Status: WorkflowResolved} },
			incoming:    func(f *Finding) {},
			wantStatus:  WorkflowNew,
			wantRecord:  RecordActive,
			wantCreated: FormatTime(t0), wantUpdated: FormatTime(t0),
		},
		{
			name:        "suppressed stays suppressed when it returns",
			existing:    func(f *Finding) { f.RecordState = RecordArchived; f.Workflow = &Workflow{Status: WorkflowSuppressed} },
			incoming:    func(f *Finding) {},
			wantStatus:  WorkflowSuppressed,
			wantRecord:  RecordActive,
			wantCreated: FormatTime(t0), wantUpdated: FormatTime(t0),
		},
		{
			name: "control failing again after passing is NEW",
			existing: func(f *Finding) {
				f.Compliance = &Compliance{Status: "PASSED"}
				f.Workflow = &Workflow{Status: WorkflowResolved}
			},
			incoming:    func(f *Finding) { f.Compliance = &Compliance{Status: "FAILED"} },
			wantStatus:  WorkflowNew,
			wantRecord:  RecordActive,
			wantCreated: FormatTime(t0), wantUpdated: FormatTime(t0),
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ex, in := Prepare(sample("x")), sample("x")
			tc.existing(&ex)
			tc.incoming(&in)
			got := Merge(ex, in)
			if got.WorkflowStatus() != tc.wantStatus || got.RecordState != tc.wantRecord ||
				got.CreatedAt != tc.wantCreated || got.UpdatedAt != tc.wantUpdated {
				t.Errorf("status %s record %s created %s updated %s", got.WorkflowStatus(), got.RecordState, got.CreatedAt, got.UpdatedAt)
			}
			if tc.wantNoteText != "" && (got.Note == nil || got.Note.Text != tc.wantNoteText) {
				t.Errorf("note %+v", got.Note)
			}
		})
	}
}

func TestArchiveAndUpdate(t *testing.T) {
	now := t0.Add(time.Hour)
	a := Archive(Prepare(sample("x")), now)
	if a.RecordState != RecordArchived || a.WorkflowStatus() != WorkflowResolved || a.UpdatedAt != FormatTime(now) {
		t.Fatalf("archived: %+v %+v %s", a.RecordState, a.Workflow, a.UpdatedAt)
	}
	u := ApplyUpdate(sample("x"), Update{Status: WorkflowSuppressed, Note: &NoteUpdate{Text: "false positive", UpdatedBy: "alice"}}, now)
	if u.WorkflowStatus() != WorkflowSuppressed || u.Note.Text != "false positive" || u.Note.UpdatedBy != "alice" || u.Note.UpdatedAt != FormatTime(now) || u.UpdatedAt != FormatTime(now) {
		t.Fatalf("updated: %+v %+v", u.Workflow, u.Note)
	}
}

func TestQueryMatchesAndSort(t *testing.T) {
	high, low, crit := sample("h"), sample("l"), sample("c")
	low.Severity = NewSeverity(SeverityLow, "")
	crit.Severity = NewSeverity(SeverityCritical, "")
	crit.Workflow = &Workflow{Status: WorkflowSuppressed}
	low.RecordState = RecordArchived
	list := []Finding{low, high, crit}

	if got := filterIDs(list, Query{Severities: []string{"HIGH", "CRITICAL"}}); !reflect.DeepEqual(got, []string{"h", "c"}) {
		t.Errorf("severities: %v", got)
	}
	if got := filterIDs(list, Query{RecordState: RecordActive}); !reflect.DeepEqual(got, []string{"h", "c"}) {
		t.Errorf("record state: %v", got)
	}
	if got := filterIDs(list, Query{Statuses: []string{WorkflowNew}}); !reflect.DeepEqual(got, []string{"l", "h"}) {
		t.Errorf("statuses: %v", got)
	}
	if got := filterIDs(list, Query{Resource: "log4j", TypePrefix: "Software", Product: "SECOPS"}); len(got) != 3 {
		t.Errorf("resource/type/product: %v", got)
	}
	if got := filterIDs(list, Query{Since: t0.Add(time.Second)}); len(got) != 0 {
		t.Errorf("since: %v", got)
	}
	SortFindings(list, SortSeverity)
	if list[0].Id != "c" || list[2].Id != "l" {
		t.Errorf("sorted: %s %s %s", list[0].Id, list[1].Id, list[2].Id)
	}
}

func filterIDs(list []Finding, q Query) []string {
	var ids []string
	for i := range list {
		if q.Matches(&list[i]) {
			ids = append(ids, list[i].Id)
		}
	}
	return ids
}

func TestReadFileRefusesHugeFiles(t *testing.T) {
	path := filepath.Join(t.TempDir(), "huge.json")
	file, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	// A sparse file: several GB on paper, nothing on disk.
	if err := file.Truncate(3 << 30); err != nil {
		t.Skipf("cannot make a sparse file here: %v", err)
	}
	file.Close()
	_, err = ReadFile(path)
	if err == nil || !strings.Contains(err.Error(), "3072 MiB, larger than the 1024 MiB") {
		t.Fatalf("got %v", err)
	}
}

func TestShortIDTellsOtherProducersApart(t *testing.T) {
	prowlerA := "prowler-accessanalyzer_enabled-123456789012-ap-northeast-1-fb33278bd"
	prowlerB := "prowler-accessanalyzer_enabled-123456789012-eu-west-1-fb33278bd"
	inspector := "arn:aws:inspector2:us-east-1:123456789012:finding/c830773636319eaf8313475ae5876490"
	if ShortID(prowlerA) == ShortID(prowlerB) {
		t.Errorf("prowler ids share short id %s", ShortID(prowlerA))
	}
	if got := ShortID(inspector); got != "c83077363631" {
		t.Errorf("inspector short id %s", got)
	}
	if got := ShortID("secops/sca/5f0c2b8e1a7d4c3b9e6f0a1b2c3d4e5f"); got != "5f0c2b8e1a7d" {
		t.Errorf("secops short id %s", got)
	}
}

func TestPrepareNamesTheProductFromItsArn(t *testing.T) {
	tests := []struct {
		arn, name, company    string
		wantName, wantCompany string
	}{
		{"arn:aws:securityhub:eu-west-1::product/prowler/prowler", "", "", "prowler", "prowler"},
		{"arn:aws:securityhub:us-east-1::product/aquasecurity/aquasecurity", "", "", "aquasecurity", "aquasecurity"},
		{"arn:aws:securityhub:us-east-1:123456789012:product/123456789012/default", "", "", "default", "123456789012"},
		{"arn:aws:securityhub:us-east-1::product/aws/inspector", "Inspector", "Amazon", "Inspector", "Amazon"},
		{"not-an-arn", "", "", "", ""},
	}
	for _, tc := range tests {
		f := sample("x/1")
		f.ProductArn, f.ProductName, f.CompanyName = tc.arn, tc.name, tc.company
		for what, got := range map[string]Finding{"Prepare": Prepare(f), "Merge": Merge(f, f)} {
			if got.ProductName != tc.wantName || got.CompanyName != tc.wantCompany {
				t.Errorf("%s(%s) = %q, %q; want %q, %q", what, tc.arn, got.ProductName, got.CompanyName, tc.wantName, tc.wantCompany)
			}
		}
	}
}
