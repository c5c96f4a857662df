package importer

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"testing"

	"github.com/secops-dev/secops/pkg/findings"
)

// repeatedResults are the real reports that repeat a result identically in
// every field, and how many such repeats each holds. A repeat carries
// nothing its first occurrence does not, so it is merged into it on purpose
// (counted in secops/Occurrences) instead of becoming a second finding
// that nothing could tell apart from the first. Counted from the files:
//   - dd-bash-report.sarif: 27 results, 12 distinct; the same 12 ShellCheck
//     results (same rule, file, line, message, snippet and
//     partialFingerprints) are listed up to 6 times: 15 repeats.
//   - dd-dvwa_baseline_dojo.xml: 124 instances, 117 distinct; plugin 10031
//     lists the same (URI, method, param) 2 or 3 times on 5 pages, with no
//     evidence, attack or other info: 7 repeats.
//   - dd-zap-results-first-scan.xml: 130 instances, 129 distinct; plugin
//     10031 lists GET product.jsp?prodid=10 param=prodid twice: 1 repeat.
var repeatedResults = map[string]int{
	"sarif/dd-bash-report.sarif":        15,
	"zap/dd-dvwa_baseline_dojo.xml":     7,
	"zap/dd-zap-results-first-scan.xml": 1,
}

// occurrences is how many results of the report a finding stands for.
func occurrences(t *testing.T, f *findings.Finding) int {
	t.Helper()
	s, ok := f.ProductFields[FieldOccurrences]
	if !ok {
		return 1
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 2 {
		t.Errorf("finding %s: %s = %q, want a count of at least 2", f.Id, FieldOccurrences, s)
		return 1
	}
	return n
}

// TestRealReportsDistinctIDs imports every real report and checks that the
// store would keep one finding per result: the number of distinct Ids is
// the expected finding count (less the documented identical repeats), no
// two findings share an Id (the store upserts on ProductArn+Id and would
// silently keep only the last), and every result is accounted for.
func TestRealReportsDistinctIDs(t *testing.T) {
	dir, exp := loadExpected(t)
	for _, e := range exp {
		t.Run(e.Format+"/"+e.File, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join(dir, e.Format, e.File))
			if errors.Is(err, os.ErrNotExist) {
				t.Skipf("%s/%s is absent", e.Format, e.File)
			}
			if err != nil {
				t.Fatal(err)
			}
			rep, err := ParseReport(context.Background(), Format(e.Format), data, testProv)
			if err != nil {
				t.Fatal(err)
			}
			ids := map[string]bool{}
			for i := range rep.Findings {
				ids[rep.Findings[i].ProductArn+"\x00"+rep.Findings[i].Id] = true
			}
			if e.Format == string(FormatASFF) {
				// ASFF findings keep their producer's Ids; expected.json
				// documents the files whose producer gave one Id to
				// several different findings. None of those producers is
				// managed by Security Hub, so the findings are given
				// distinct Ids, the producer's kept in FieldProducerID.
				want := e.Findings
				if n, ok := e.Extra["distinct_ProductArn_Id"].(float64); ok {
					want = int(n)
				}
				producer := map[string]bool{}
				for i := range rep.Findings {
					producer[rep.Findings[i].ProductArn+"\x00"+producerID(&rep.Findings[i])] = true
				}
				if len(producer) != want {
					t.Errorf("distinct (ProductArn, producer's Id) = %d, want %d", len(producer), want)
				}
				if len(ids) != len(rep.Findings) {
					t.Errorf("%d findings share %d (ProductArn, Id): the store would keep only %d of them", len(rep.Findings), len(ids), len(ids))
				}
				if len(rep.Findings) != e.Findings {
					t.Errorf("findings = %d, want %d", len(rep.Findings), e.Findings)
				}
				if (rep.Renamed > 0) != (want < e.Findings) || rep.Shared != 0 {
					t.Errorf("Renamed = %d, Shared = %d; %d of %d producer Ids are distinct", rep.Renamed, rep.Shared, want, e.Findings)
				}
				return
			}
			repeats := repeatedResults[e.Format+"/"+e.File]
			if want := e.Findings - repeats; len(ids) != want {
				t.Errorf("distinct Ids = %d, want %d (%d results, %d identical repeats)", len(ids), want, e.Findings, repeats)
			}
			if len(rep.Findings) != len(ids) {
				t.Errorf("%d findings share %d Ids: the store would keep only %d of them", len(rep.Findings), len(ids), len(ids))
			}
			total := 0
			for i := range rep.Findings {
				total += occurrences(t, &rep.Findings[i])
			}
			if total != e.Findings {
				t.Errorf("findings stand for %d results, want %d", total, e.Findings)
			}
			if rep.Merged != repeats {
				t.Errorf("Merged = %d, want %d", rep.Merged, repeats)
			}
			// gosec's files it could not analyse are said, not dropped.
			if n, ok := e.Extra["golang_errors_files"].(float64); ok {
				skipped := 0
				for _, s := range rep.Skipped {
					skipped += s.Count
				}
				if skipped != int(n) {
					t.Errorf("skipped %d (%v), want the %d files with Golang errors", skipped, rep.Skipped, int(n))
				}
			}
		})
	}
}

// TestDistinctResultsGetDistinctIDs feeds each importer two results that
// differ only in something a weak Id would leave out, and checks they stay
// two findings with Ids that are the same on every import of the report
// and do not depend on the order of the results.
func TestDistinctResultsGetDistinctIDs(t *testing.T) {
	tests := []struct {
		name   string
		format Format
		docs   []string // the same results, in different orders
		want   int      // findings
		merged int      // identical repeats
		occurs []int    // secops/Occurrences per finding, sorted; nil: all 1
	}{
		{"sarif end column", FormatSARIF, []string{
			sarifDoc(`{"ruleId":"R1","message":{"text":"m"},"locations":[{"physicalLocation":{"artifactLocation":{"uri":"a.go"},"region":{"startLine":3,"startColumn":5,"endColumn":9}}}]}`,
				`{"ruleId":"R1","message":{"text":"m"},"locations":[{"physicalLocation":{"artifactLocation":{"uri":"a.go"},"region":{"startLine":3,"startColumn":5,"endColumn":20}}}]}`),
			sarifDoc(`{"ruleId":"R1","message":{"text":"m"},"locations":[{"physicalLocation":{"artifactLocation":{"uri":"a.go"},"region":{"startLine":3,"startColumn":5,"endColumn":20}}}]}`,
				`{"ruleId":"R1","message":{"text":"m"},"locations":[{"physicalLocation":{"artifactLocation":{"uri":"a.go"},"region":{"startLine":3,"startColumn":5,"endColumn":9}}}]}`),
		}, 2, 0, nil},
		{"sarif end line", FormatSARIF, []string{
			sarifDoc(`{"ruleId":"R1","message":{"text":"m"},"locations":[{"physicalLocation":{"artifactLocation":{"uri":"a.go"},"region":{"startLine":3,"endLine":4}}}]}`,
				`{"ruleId":"R1","message":{"text":"m"},"locations":[{"physicalLocation":{"artifactLocation":{"uri":"a.go"},"region":{"startLine":3,"endLine":9}}}]}`),
		}, 2, 0, nil},
		{"sarif same fingerprint, other message", FormatSARIF, []string{
			sarifDoc(`{"ruleId":"R1","message":{"text":"uses md5"},"partialFingerprints":{"h":"1"},"locations":[{"physicalLocation":{"artifactLocation":{"uri":"a.go"},"region":{"startLine":3}}}]}`,
				`{"ruleId":"R1","message":{"text":"uses sha1"},"partialFingerprints":{"h":"1"},"locations":[{"physicalLocation":{"artifactLocation":{"uri":"a.go"},"region":{"startLine":3}}}]}`),
		}, 2, 0, nil},
		{"sarif logical locations only", FormatSARIF, []string{
			sarifDoc(`{"ruleId":"R1","message":{"text":"m"},"locations":[{"logicalLocations":[{"fullyQualifiedName":"pkg.A"}]}]}`,
				`{"ruleId":"R1","message":{"text":"m"},"locations":[{"logicalLocations":[{"fullyQualifiedName":"pkg.B"}]}]}`),
		}, 2, 0, nil},
		{"sarif two tools in one log", FormatSARIF, []string{
			`{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"A"}},"results":[{"ruleId":"R1","message":{"text":"m"},"locations":[{"physicalLocation":{"artifactLocation":{"uri":"a.go"},"region":{"startLine":3}}}]}]},` +
				`{"tool":{"driver":{"name":"B"}},"results":[{"ruleId":"R1","message":{"text":"m"},"locations":[{"physicalLocation":{"artifactLocation":{"uri":"a.go"},"region":{"startLine":3}}}]}]}]}`,
		}, 2, 0, nil},
		{"sarif identical repeat", FormatSARIF, []string{
			sarifDoc(`{"ruleId":"R1","message":{"text":"m"},"locations":[{"physicalLocation":{"artifactLocation":{"uri":"a.go"},"region":{"startLine":3}}}]}`,
				`{"ruleId":"R1","message":{"text":"m"},"locations":[{"physicalLocation":{"artifactLocation":{"uri":"a.go"},"region":{"startLine":3}}}]}`,
				`{"ruleId":"R2","message":{"text":"m"},"locations":[{"physicalLocation":{"artifactLocation":{"uri":"a.go"},"region":{"startLine":3}}}]}`),
		}, 2, 1, []int{1, 2}},
		{"zap alerts sharing a plugin id", FormatZAP, []string{
			`<OWASPZAPReport version="2.9.0"><site name="http://x"><alerts>` +
				`<alertitem><pluginid>10020</pluginid><alert>X-Frame-Options Header Not Set</alert><riskcode>2</riskcode><instances><instance><uri>http://x/</uri><method>GET</method><param>X-Frame-Options</param></instance></instances></alertitem>` +
				`<alertitem><pluginid>10020</pluginid><alert>Multiple X-Frame-Options Header Entries</alert><riskcode>2</riskcode><instances><instance><uri>http://x/</uri><method>GET</method><param>X-Frame-Options</param></instance></instances></alertitem>` +
				`</alerts></site></OWASPZAPReport>`,
		}, 2, 0, nil},
		{"zap instances told apart by their other info", FormatZAP, []string{
			`{"@version":"2.14.0","site":[{"@name":"http://x","alerts":[{"pluginid":"10031","alertRef":"10031","alert":"User Controllable HTML Element Attribute","riskdesc":"Informational (Low)","instances":[` +
				`{"uri":"http://x/p","method":"GET","param":"q","attack":"","evidence":"","otherinfo":"element a, attribute href"},` +
				`{"uri":"http://x/p","method":"GET","param":"q","attack":"","evidence":"","otherinfo":"element img, attribute src"}]}]}]}`,
		}, 2, 0, nil},
		{"zap instances on two sites", FormatZAP, []string{
			`{"@version":"2.14.0","site":[{"@name":"http://x","alerts":[{"pluginid":"10106","alert":"HTTP Only Site","riskdesc":"Medium (Medium)","instances":[{"uri":"","method":"GET"}]}]},` +
				`{"@name":"http://y","alerts":[{"pluginid":"10106","alert":"HTTP Only Site","riskdesc":"Medium (Medium)","instances":[{"uri":"","method":"GET"}]}]}]}`,
		}, 2, 0, nil},
		{"dependency-check shaded dependencies", FormatDependencyCheck, []string{
			`{"scanInfo":{"engineVersion":"9.0.0"},"dependencies":[` +
				`{"fileName":"all.jar (shaded: a:b:1)","filePath":"/app/all.jar","vulnerabilities":[{"source":"NVD","name":"CVE-2020-1","severity":"HIGH"}]},` +
				`{"fileName":"all.jar (shaded: c:d:2)","filePath":"/app/all.jar","vulnerabilities":[{"source":"NVD","name":"CVE-2020-1","severity":"HIGH"}]}]}`,
		}, 2, 0, nil},
		{"dependency-check same name from two sources", FormatDependencyCheck, []string{
			`{"scanInfo":{"engineVersion":"9.0.0"},"dependencies":[{"fileName":"x.jar","filePath":"/app/x.jar","packages":[{"id":"pkg:maven/a/x@1"}],"vulnerabilities":[` +
				`{"source":"NVD","name":"CVE-2020-1","severity":"HIGH"},{"source":"OSSINDEX","name":"CVE-2020-1","severity":"HIGH"}]}]}`,
		}, 2, 0, nil},
		{"trivy secrets on one line", FormatTrivy, []string{
			`{"SchemaVersion":2,"ArtifactName":".","ArtifactType":"filesystem","Results":[{"Target":"k.env","Class":"secret","Secrets":[` +
				`{"RuleID":"aws-access-key-id","Category":"AWS","Severity":"CRITICAL","Title":"AWS Access Key ID","StartLine":1,"EndLine":1,"Match":"A=******** B=********","Offset":2},` +
				`{"RuleID":"aws-access-key-id","Category":"AWS","Severity":"CRITICAL","Title":"AWS Access Key ID","StartLine":1,"EndLine":1,"Match":"A=******** B=********","Offset":13}]}]}`,
		}, 2, 0, nil},
		{"trivy misconfigurations without a cause", FormatTrivy, []string{
			`{"SchemaVersion":2,"ArtifactName":".","ArtifactType":"filesystem","Results":[{"Target":"deploy.yaml","Class":"config","Misconfigurations":[` +
				`{"ID":"KSV001","Title":"t","Message":"Container 'a' should set allowPrivilegeEscalation to false","Severity":"MEDIUM","Status":"FAIL"},` +
				`{"ID":"KSV001","Title":"t","Message":"Container 'b' should set allowPrivilegeEscalation to false","Severity":"MEDIUM","Status":"FAIL"}]}]}`,
		}, 2, 0, nil},
		{"trivy licenses of two copies of a package", FormatTrivy, []string{
			`{"SchemaVersion":2,"ArtifactName":".","ArtifactType":"filesystem","Results":[{"Target":"node","Class":"license","Licenses":[` +
				`{"Severity":"HIGH","Category":"restricted","PkgName":"x","FilePath":"a/node_modules/x/package.json","Name":"GPL-2.0"},` +
				`{"Severity":"HIGH","Category":"restricted","PkgName":"x","FilePath":"b/node_modules/x/package.json","Name":"GPL-2.0"}]}]}`,
		}, 2, 0, nil},
		{"gitleaks v7 two secrets on one line", FormatGitleaks, []string{
			`[{"line":"k1=AKIAAAAAAAAAAAAAAAAA k2=AKIABBBBBBBBBBBBBBBB","lineNumber":4,"offender":"AKIAAAAAAAAAAAAAAAAA","commit":"c1","rule":"AWS Access Key","file":"k.txt"},` +
				`{"line":"k1=AKIAAAAAAAAAAAAAAAAA k2=AKIABBBBBBBBBBBBBBBB","lineNumber":4,"offender":"AKIABBBBBBBBBBBBBBBB","commit":"c1","rule":"AWS Access Key","file":"k.txt"}]`,
		}, 2, 0, nil},
		{"gitleaks v8 results that differ only in their tags", FormatGitleaks, []string{
			`[` + gitleaksV8Result(`["key", "AWS"]`) + `,` + gitleaksV8Result(`["key", "AWS", "production"]`) + `,` + gitleaksV8Result(`[]`) + `]`,
			`[` + gitleaksV8Result(`[]`) + `,` + gitleaksV8Result(`["AWS", "key"]`) + `,` + gitleaksV8Result(`["key", "AWS", "production"]`) + `]`,
		}, 3, 0, nil},
		{"gosec same place, other details", FormatGosec, []string{
			`{"Issues":[{"severity":"LOW","confidence":"HIGH","rule_id":"G104","details":"Errors unhandled: a","file":"m.go","line":"3","column":"2"},` +
				`{"severity":"LOW","confidence":"HIGH","rule_id":"G104","details":"Errors unhandled: b","file":"m.go","line":"3","column":"2"}]}`,
		}, 2, 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var first []string
			for di, doc := range tt.docs {
				for round := 0; round < 2; round++ {
					rep, err := ParseReport(context.Background(), tt.format, []byte(doc), testProv)
					if err != nil {
						t.Fatal(err)
					}
					ids := map[string]bool{}
					var occ []int
					for i := range rep.Findings {
						ids[rep.Findings[i].Id] = true
						occ = append(occ, occurrences(t, &rep.Findings[i]))
					}
					if len(rep.Findings) != tt.want || len(ids) != tt.want {
						t.Fatalf("doc %d: %d findings with %d distinct Ids, want %d", di, len(rep.Findings), len(ids), tt.want)
					}
					if rep.Merged != tt.merged {
						t.Errorf("doc %d: Merged = %d, want %d", di, rep.Merged, tt.merged)
					}
					sort.Ints(occ)
					if tt.occurs != nil && !equalInts(occ, tt.occurs) {
						t.Errorf("doc %d: occurrences %v, want %v", di, occ, tt.occurs)
					}
					got := make([]string, 0, len(ids))
					for id := range ids {
						got = append(got, id)
					}
					sort.Strings(got)
					if first == nil {
						first = got
					} else if !equalStrings(first, got) {
						t.Errorf("doc %d round %d: Ids %v, want the same as the first import %v", di, round, got, first)
					}
				}
			}
		})
	}
}

// gitleaksV8Result is a gitleaks v8 result with the given Tags.
func gitleaksV8Result(tags string) string {
	return `{"RuleID":"aws-access-token","Description":"AWS","StartLine":3,"EndLine":3,"StartColumn":9,"EndColumn":28,` +
		`"Match":"key = AKIAIOSFODNN7EXAMPLE","Secret":"AKIAIOSFODNN7EXAMPLE","File":"deploy/env.sh","Commit":"","Entropy":3.7,` +
		`"Author":"","Email":"","Date":"","Message":"","Tags":` + tags + `,"Fingerprint":"deploy/env.sh:aws-access-token:3"}`
}

func sarifDoc(results ...string) string {
	s := `{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"T"}},"results":[`
	for i, r := range results {
		if i > 0 {
			s += ","
		}
		s += r
	}
	return s + `]}]}`
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
