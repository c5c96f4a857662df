package report

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/secops-dev/secops/pkg/findings"
	"github.com/secops-dev/secops/pkg/tableprinter"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// golden compares got with testdata/name.golden, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./pkg/report -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (go test ./pkg/report -update rewrites it)\n--- got:\n%s\n--- want:\n%s", path, got, want)
	}
}

var ansiEscape = regexp.MustCompile(`\x1b\[[0-9;]*m`)

func stripANSI(s string) string { return ansiEscape.ReplaceAllString(s, "") }

const header = "backend: local (/home/dev/.local/share/secops/findings.db) · filter: record-state=ACTIVE"

func TestParseFormat(t *testing.T) {
	tests := []struct {
		in      string
		want    Format
		wantErr string
	}{
		{"", Table, ""},
		{"table", Table, ""},
		{"JSON", JSON, ""},
		{" csv ", CSV, ""},
		{"sarif", SARIF, ""},
		{"asff", ASFF, ""},
		{"yaml", "", `unknown output format "yaml": use one of table, json, csv, sarif, asff`},
	}
	for _, tt := range tests {
		got, err := ParseFormat(tt.in)
		if tt.wantErr != "" {
			if err == nil || err.Error() != tt.wantErr {
				t.Errorf("ParseFormat(%q) error = %v, want %q", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParseFormat(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

func TestFixturesAreValidASFF(t *testing.T) {
	for _, f := range sampleFindings() {
		if err := f.Validate(); err != nil {
			t.Errorf("fixture %s: %v", f.Title, err)
		}
	}
}

func TestWriteGolden(t *testing.T) {
	sample := sampleFindings()
	tests := []struct {
		name   string
		format Format
		list   []findings.Finding
		opts   Options
	}{
		{"table_plain", Table, sample, Options{Header: header}},
		{"table_plain_no_header", Table, sample, Options{}},
		{"table_tty_color_200", Table, sample, Options{Color: true, TTY: true, Width: 200, Header: header}},
		{"table_tty_color_80", Table, sample, Options{Color: true, TTY: true, Width: 80, Header: header}},
		{"table_tty_80", Table, sample, Options{TTY: true, Width: 80, Header: header}},
		{"table_tty_40", Table, sample, Options{TTY: true, Width: 40, Header: header}},
		{"table_tty_100", Table, sample, Options{TTY: true, Width: 100}},
		{"table_tty_120", Table, sample, Options{TTY: true, Width: 120}},
		{"table_tty_color_40", Table, sample, Options{Color: true, TTY: true, Width: 40}},
		{"table_tty_200", Table, sample, Options{TTY: true, Width: 200}},
		{"table_empty", Table, nil, Options{Header: header}},
		{"table_empty_tty_color", Table, []findings.Finding{}, Options{Color: true, TTY: true, Width: 80}},
		{"table_one", Table, []findings.Finding{scaFinding()}, Options{}},
		{"json", JSON, sample, Options{Header: header}},
		{"json_empty", JSON, nil, Options{}},
		{"csv", CSV, sample, Options{Header: header}},
		{"csv_empty", CSV, nil, Options{}},
		{"asff", ASFF, sample, Options{Header: header}},
		{"asff_empty", ASFF, nil, Options{}},
		{"sarif", SARIF, sample, Options{ToolName: "secops", ToolVersion: "1.2.3", Header: header}},
		{"sarif_empty", SARIF, nil, Options{ToolName: "secops", ToolVersion: "1.2.3"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := Write(&buf, tt.format, tt.list, tt.opts); err != nil {
				t.Fatal(err)
			}
			golden(t, tt.name, buf.Bytes())
			if tt.format != Table && strings.Contains(buf.String(), "backend:") {
				t.Errorf("%s output contains the table header line", tt.format)
			}
		})
	}
}

func TestTableFitsTerminal(t *testing.T) {
	sample := sampleFindings()
	long := scaFinding()
	long.Title = strings.Repeat("very long title with a lot of words ", 10)
	long.Resources[0].Id = "arn:aws:ecr:ap-northeast-2:123456789012:repository/" + strings.Repeat("deep/", 20) + "image"
	long.Vulnerabilities = nil
	sample = append(sample, long)
	for _, width := range []int{20, 40, 60, 80, 100, 120, 200} {
		for _, color := range []bool{false, true} {
			var buf bytes.Buffer
			if err := Write(&buf, Table, sample, Options{TTY: true, Color: color, Width: width}); err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
			for _, l := range lines[:len(lines)-1] { // the count line may wrap
				if w := displayWidth(stripANSI(l)); w > max(width, minTableWidth) {
					t.Errorf("width %d colour %v: line is %d wide: %q", width, color, w, l)
				}
			}
			if width >= 60 && !strings.Contains(buf.String(), "very long title") {
				t.Errorf("width %d: title column lost:\n%s", width, buf.String())
			}
			if width < 200 && !strings.Contains(buf.String(), "…") {
				t.Errorf("width %d: nothing truncated:\n%s", width, buf.String())
			}
			if got := strings.Contains(buf.String(), "\x1b["); got != color {
				t.Errorf("width %d: colour codes present = %v, want %v", width, got, color)
			}
		}
	}
}

func TestTableOffTerminalKeepsEverything(t *testing.T) {
	long := scaFinding()
	long.Title = strings.Repeat("x", 300)
	var buf bytes.Buffer
	if err := Write(&buf, Table, []findings.Finding{long}, Options{Width: 40, Color: false}); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if !strings.Contains(out, long.Title) || strings.Contains(out, "…") || strings.Contains(out, "\x1b") {
		t.Errorf("non-TTY table truncated or coloured:\n%s", out)
	}
	for _, l := range strings.Split(out, "\n") {
		if strings.HasSuffix(l, " ") {
			t.Errorf("trailing space in %q", l)
		}
	}
}

func TestTableNeutralisesTerminalEscapes(t *testing.T) {
	evil := sastFinding()
	evil.Title = "\x1b]0;pwned\x07\x1b[2Jcleared\nnext line\u202egnp.exe"
	evil.ProductFields[findings.FieldPath] = "src/\x1b[31mred.go"
	for _, o := range []Options{{}, {TTY: true, Color: true, Width: 120}} {
		var buf bytes.Buffer
		if err := Write(&buf, Table, []findings.Finding{evil}, o); err != nil {
			t.Fatal(err)
		}
		out := stripANSI(buf.String())
		for _, bad := range []string{"\x1b", "\x07", "\u202e", "cleared\nnext"} {
			if strings.Contains(out, bad) {
				t.Errorf("options %+v: output contains %q:\n%q", o, bad, out)
			}
		}
		if !strings.Contains(out, "]0;pwned[2Jcleared next linegnp.exe") {
			t.Errorf("title text lost: %q", out)
		}
		buf.Reset()
		if err := WriteFinding(&buf, evil, o); err != nil {
			t.Fatal(err)
		}
		if out := stripANSI(buf.String()); strings.Contains(out, "\x1b") || strings.Contains(out, "\u202e") {
			t.Errorf("show: output contains an escape: %q", out)
		}
	}
}

func TestCountLine(t *testing.T) {
	list := []findings.Finding{scaFinding(), scaFinding(), secretFinding(), dastFinding()}
	got := countLine(list, newPalette(Options{}))
	if want := "4 findings: 1 CRITICAL, 2 HIGH, 1 LOW"; got != want {
		t.Errorf("countLine = %q, want %q", got, want)
	}
	if got := countLine(list[:1], newPalette(Options{})); got != "1 finding: 1 HIGH" {
		t.Errorf("countLine one = %q", got)
	}
}

func TestTruncate(t *testing.T) {
	tests := []struct {
		in    string
		width int
		right string
		left  string
	}{
		{"hello", 10, "hello", "hello"},
		{"hello world", 8, "hello w…", "…o world"},
		{"漢字漢字漢字", 7, "漢字漢…", "…字漢字"},
		{"e\u0301e\u0301e\u0301e\u0301", 3, "e\u0301e\u0301…", "…e\u0301e\u0301"},
		{"abc", 1, "…", "…"},
		{"abc", 0, "", ""},
	}
	for _, tt := range tests {
		if got := truncateRight(tt.in, tt.width); got != tt.right {
			t.Errorf("truncateRight(%q, %d) = %q, want %q", tt.in, tt.width, got, tt.right)
		}
		if got := truncateLeft(tt.in, tt.width); got != tt.left {
			t.Errorf("truncateLeft(%q, %d) = %q, want %q", tt.in, tt.width, got, tt.left)
		}
		if w := displayWidth(truncateRight(tt.in, tt.width)); w > max(tt.width, 0) {
			t.Errorf("truncateRight(%q, %d) is %d wide", tt.in, tt.width, w)
		}
	}
}

func TestResourceCell(t *testing.T) {
	tests := []struct {
		f    findings.Finding
		want string
	}{
		{sastFinding(), "internal/store/users.go:41-43"},
		{secretFinding(), "config/settings.py:14"},
		{scaFinding(), "lodash@4.17.20"},
		{dastFinding(), "http://127.0.0.1:8080/login"},
		{importedFinding(), "arn:aws:s3:::shop-logs-123456789012"},
	}
	for _, tt := range tests {
		if got := resourceCell(&tt.f); got != tt.want {
			t.Errorf("resourceCell(%s) = %q, want %q", tt.f.Title, got, tt.want)
		}
	}
	if got := statusCell(ptr(archivedFinding())); got != "RESOLVED, ARCHIVED" {
		t.Errorf("statusCell(archived) = %q", got)
	}
	if got := productLabel(ptr(importedFinding())); got != "aws/securityhub" {
		t.Errorf("productLabel(imported) = %q", got)
	}
}

func TestCSVGuardsFormulas(t *testing.T) {
	f := sastFinding()
	f.Title = "=HYPERLINK(\"http://evil.example\",\"click\")"
	f.Resources[0].Id = "+cmd|' /C calc'!A0"
	f.ProductFields[findings.FieldPath] = "@SUM(1+1)"
	f.Types = []string{"-2+3", "Software and Configuration Checks"}
	var buf bytes.Buffer
	if err := Write(&buf, CSV, []findings.Finding{f, scaFinding()}, Options{}); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 {
		t.Fatalf("got %d rows, want header + 2", len(rows))
	}
	col := map[string]int{}
	for i, name := range rows[0] {
		col[name] = i
	}
	checks := map[string]string{
		"Title":            `'=HYPERLINK("http://evil.example","click")`,
		"ResourceId":       "'+cmd|' /C calc'!A0",
		"Path":             "'@SUM(1+1)",
		"Types":            "'-2+3;Software and Configuration Checks",
		"StartLine":        "41",
		"WorkflowStatus":   "NEW",
		"RecordState":      "ACTIVE",
		"VulnerabilityIds": "",
	}
	for name, want := range checks {
		if got := rows[1][col[name]]; got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	if got := rows[2][col["VulnerabilityIds"]]; got != "CVE-2021-23337" {
		t.Errorf("VulnerabilityIds = %q", got)
	}
}

// richFindingJSON is a finding with attributes secops does not model
// (Network, Process, Action, Severity.Extra …), as Security Hub returns them.
const richFindingJSON = `{
  "SchemaVersion": "2018-10-08",
  "Id": "arn:aws:guardduty:ap-northeast-2:123456789012:detector/12abc34d567e8fa901bc2d34e56789f0/finding/5ea5a9d6f3b0c3e4b8f9a2c1d0e7f6a5",
  "ProductArn": "arn:aws:securityhub:ap-northeast-2::product/aws/guardduty",
  "ProductName": "GuardDuty",
  "CompanyName": "Amazon",
  "Region": "ap-northeast-2",
  "GeneratorId": "arn:aws:guardduty:ap-northeast-2:123456789012:detector/12abc34d567e8fa901bc2d34e56789f0",
  "AwsAccountId": "123456789012",
  "Types": ["TTPs/Command and Control/Backdoor:EC2-C&CActivity.B!DNS"],
  "FirstObservedAt": "2026-11-18T01:02:03.456Z",
  "LastObservedAt": "2026-11-19T01:02:03.456Z",
  "CreatedAt": "2026-11-18T01:05:00.000Z",
  "UpdatedAt": "2026-11-19T01:05:00.000Z",
  "Severity": {"Label": "HIGH", "Normalized": 70, "Original": "8", "Product": 8, "Unmodeled": {"x": [1, 2]}},
  "Confidence": 90,
  "Criticality": 50,
  "Title": "EC2 instance i-0abc querying a domain associated with C&C <server>",
  "Description": "The instance is querying evil.example.",
  "Remediation": {"Recommendation": {"Text": "Isolate the instance.", "Url": "https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_remediate.html"}},
  "SourceUrl": "https://console.aws.amazon.com/guardduty/home",
  "ProductFields": {"aws/guardduty/service/count": "3", "secops/Path": "infra/main.tf"},
  "UserDefinedFields": {"team": "platform"},
  "Resources": [{
    "Type": "AwsEc2Instance",
    "Id": "arn:aws:ec2:ap-northeast-2:123456789012:instance/i-0abc",
    "Partition": "aws",
    "Region": "ap-northeast-2",
    "Tags": {"Name": "web-1"},
    "Details": {"AwsEc2Instance": {"Type": "t3.micro", "ImageId": "ami-0123", "IpV4Addresses": ["10.0.1.5"]}},
    "DataClassification": {"Status": {"Code": "COMPLETE"}}
  }],
  "Compliance": {"Status": "WARNING", "StatusReasons": [{"ReasonCode": "CONFIG_ACCESS_DENIED"}]},
  "VerificationState": "TRUE_POSITIVE",
  "WorkflowState": "NEW",
  "Workflow": {"Status": "NOTIFIED"},
  "RecordState": "ACTIVE",
  "Note": {"Text": "paged on-call", "UpdatedBy": "bob", "UpdatedAt": "2026-11-19T02:00:00.000Z"},
  "Vulnerabilities": [{
    "Id": "CVE-2024-3094",
    "VulnerablePackages": [{"Name": "xz", "Version": "5.6.0", "PackageManager": "OS", "FixedInVersion": "5.6.1"}],
    "Cvss": [{"Version": "3.1", "BaseScore": 10, "BaseVector": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H", "Source": "NVD", "Adjustments": [{"Metric": "AV", "Reason": "internal"}]}],
    "EpssScore": 0.84,
    "FixAvailable": "YES",
    "ExploitAvailable": "YES"
  }],
  "FindingProviderFields": {"Severity": {"Label": "HIGH", "Original": "8"}, "Types": ["TTPs/Command and Control"], "RelatedFindings": []},
  "Network": {"Direction": "OUT", "Protocol": "UDP", "DestinationDomain": "evil.example", "DestinationPort": 53},
  "Action": {"ActionType": "DNS_REQUEST", "DnsRequestAction": {"Domain": "evil.example", "Protocol": "UDP", "Blocked": false}},
  "Sample": false
}`

func TestASFFRoundTrip(t *testing.T) {
	in, err := findings.DecodeBytes([]byte(richFindingJSON))
	if err != nil {
		t.Fatal(err)
	}
	if len(in[0].Extra) == 0 || len(in[0].Resources[0].Extra) == 0 {
		t.Fatal("fixture lost its extra attributes on decode")
	}
	for _, format := range []Format{ASFF, JSON} {
		var buf bytes.Buffer
		if err := Write(&buf, format, in, Options{}); err != nil {
			t.Fatal(err)
		}
		out, err := findings.DecodeBytes(buf.Bytes())
		if err != nil {
			t.Fatalf("%s output does not decode: %v", format, err)
		}
		if len(out) != 1 {
			t.Fatalf("%s: got %d findings back, want 1", format, len(out))
		}
		gotJSON, err := json.Marshal(out[0])
		if err != nil {
			t.Fatal(err)
		}
		if !sameJSON(t, gotJSON, []byte(richFindingJSON)) {
			t.Errorf("%s round trip changed the finding:\n got %s\nwant %s", format, gotJSON, richFindingJSON)
		}
	}
}

func TestASFFShape(t *testing.T) {
	var buf bytes.Buffer
	if err := Write(&buf, ASFF, sampleFindings(), Options{}); err != nil {
		t.Fatal(err)
	}
	var doc map[string][]json.RawMessage
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc) != 1 || len(doc["Findings"]) != len(sampleFindings()) {
		t.Errorf("want exactly {\"Findings\": [%d findings]}, got keys %v", len(sampleFindings()), len(doc))
	}
	back, err := findings.DecodeBytes(buf.Bytes())
	if err != nil || len(back) != len(sampleFindings()) {
		t.Errorf("decode back: %d findings, %v", len(back), err)
	}
}

// sameJSON compares two documents ignoring key order and whitespace.
func sameJSON(t *testing.T, a, b []byte) bool {
	t.Helper()
	var va, vb any
	if err := json.Unmarshal(a, &va); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &vb); err != nil {
		t.Fatal(err)
	}
	ca, _ := json.Marshal(va)
	cb, _ := json.Marshal(vb)
	return bytes.Equal(ca, cb)
}

func TestWriteUnknownFormat(t *testing.T) {
	err := Write(&bytes.Buffer{}, Format("xml"), nil, Options{})
	if err == nil || !strings.Contains(err.Error(), "table, json, csv, sarif, asff") {
		t.Errorf("Write(xml) error = %v", err)
	}
}

// A report can carry a title of any size; the table stays bounded and
// says what it cut instead of padding every row to the longest value.
func TestTableCapsHugeValues(t *testing.T) {
	huge := scaFinding()
	huge.Title = strings.Repeat("A", 1<<20)
	list := []findings.Finding{huge}
	for range 50 {
		list = append(list, scaFinding())
	}
	var buf bytes.Buffer
	if err := Write(&buf, Table, list, Options{Width: 80}); err != nil {
		t.Fatal(err)
	}
	if buf.Len() > 51*(tableprinter.MaxCellWidth+200) {
		t.Errorf("table of 51 findings is %d bytes", buf.Len())
	}
	if !strings.Contains(buf.String(), "1 value cut at 1024 characters; -o json has them whole.") {
		t.Errorf("no note about the cut value:\n%.300s", buf.String())
	}
}
