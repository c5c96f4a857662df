package findings

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/secops-dev/secops/internal/sharedtest"
)

func sharedDir(t testing.TB, elem ...string) string { return sharedtest.Dir(t, elem...) }

type expectedReport struct {
	Format   string         `json:"format"`
	File     string         `json:"file"`
	Findings int            `json:"findings"`
	Severity map[string]int `json:"severity"`
}

func loadExpected(t *testing.T, format string) []expectedReport {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(sharedDir(t, "reports"), "expected.json"))
	if err != nil {
		t.Fatal(err)
	}
	var all []expectedReport
	if err := json.Unmarshal(data, &all); err != nil {
		t.Fatal(err)
	}
	var out []expectedReport
	for _, e := range all {
		if e.Format == format {
			out = append(out, e)
		}
	}
	if len(out) == 0 {
		t.Fatalf("no %s reports in expected.json", format)
	}
	return out
}

// TestDecodeRealASFF reads the ASFF documents that Security Hub, Prowler,
// Trivy and Inspector wrote, checks the counts the answer key gives, and
// holds the model to losslessness: written back, each finding is the same
// JSON it was read from.
func TestDecodeRealASFF(t *testing.T) {
	for _, exp := range loadExpected(t, "asff") {
		t.Run(exp.File, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join(sharedDir(t, "reports", "asff"), exp.File))
			if err != nil {
				t.Fatal(err)
			}
			list, err := DecodeBytes(data)
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			if len(list) != exp.Findings {
				t.Fatalf("got %d findings, want %d", len(list), exp.Findings)
			}
			got := map[string]int{}
			for i := range list {
				got[list[i].SeverityLabel()]++
			}
			if !reflect.DeepEqual(got, exp.Severity) {
				t.Errorf("severity counts %v, want %v", got, exp.Severity)
			}

			originals := rawFindings(t, data)
			for i := range list {
				back, err := json.Marshal(list[i])
				if err != nil {
					t.Fatal(err)
				}
				assertSameJSON(t, "ASFF round trip of "+list[i].Id, originals[i], back)
			}
		})
	}
}

// TestSDKRoundTrip converts real findings to the SDK type BatchImportFindings
// sends and back: nothing the SDK models may be lost or altered.
func TestSDKRoundTrip(t *testing.T) {
	for _, exp := range loadExpected(t, "asff") {
		t.Run(exp.File, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join(sharedDir(t, "reports", "asff"), exp.File))
			if err != nil {
				t.Fatal(err)
			}
			list, err := DecodeBytes(data)
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range list {
				sdk, err := ToSDK(f)
				if err != nil {
					t.Fatal(err)
				}
				back, err := FromSDK(sdk)
				if err != nil {
					t.Fatal(err)
				}
				want, _ := json.Marshal(f)
				got, _ := json.Marshal(back)
				assertSameJSON(t, "SDK round trip of "+f.Id, want, got)
			}
		})
	}
}

func rawFindings(t *testing.T, data []byte) []json.RawMessage {
	t.Helper()
	var wrapped struct{ Findings []json.RawMessage }
	if err := json.Unmarshal(data, &wrapped); err == nil && wrapped.Findings != nil {
		return wrapped.Findings
	}
	var list []json.RawMessage
	if err := json.Unmarshal(data, &list); err == nil {
		return list
	}
	return []json.RawMessage{data}
}

func assertSameJSON(t *testing.T, what string, want, got []byte) {
	t.Helper()
	var w, g any
	if err := json.Unmarshal(want, &w); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if d := firstDifference("", w, g); d != "" {
		t.Fatalf("%s differs at %s", what, d)
	}
}

// firstDifference names the first JSON path where two decoded documents
// differ, with both values.
func firstDifference(path string, want, got any) string {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return fmt.Sprintf("%s: want object, got %v", path, got)
		}
		for k, wv := range w {
			gv, ok := g[k]
			if !ok {
				return fmt.Sprintf("%s.%s: missing (want %v)", path, k, wv)
			}
			if d := firstDifference(path+"."+k, wv, gv); d != "" {
				return d
			}
		}
		for k, gv := range g {
			if _, ok := w[k]; !ok {
				return fmt.Sprintf("%s.%s: unexpected %v", path, k, gv)
			}
		}
		return ""
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			return fmt.Sprintf("%s: want %v, got %v", path, want, got)
		}
		for i := range w {
			if d := firstDifference(fmt.Sprintf("%s[%d]", path, i), w[i], g[i]); d != "" {
				return d
			}
		}
		return ""
	}
	if !reflect.DeepEqual(want, got) {
		return fmt.Sprintf("%s: want %v, got %v", path, want, got)
	}
	return ""
}
