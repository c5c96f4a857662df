package findings

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// FuzzDecode feeds arbitrary documents to the ASFF reader: it must never
// panic, and whatever it accepts must survive a write and re-read unchanged.
func FuzzDecode(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join("..", "..", "testdata", "findings", "*.json"))
	for _, s := range seeds {
		if data, err := os.ReadFile(s); err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte(`{"Findings":[]}`))
	f.Add([]byte(`[{"Id":1}]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		list, err := DecodeBytes(data)
		if err != nil {
			return
		}
		out, err := json.Marshal(list)
		if err != nil {
			t.Fatalf("accepted findings do not encode: %v", err)
		}
		again, err := DecodeBytes(out)
		if err != nil {
			t.Fatalf("re-reading written findings: %v", err)
		}
		if len(again) != len(list) {
			t.Fatalf("count changed: %d -> %d", len(list), len(again))
		}
	})
}
