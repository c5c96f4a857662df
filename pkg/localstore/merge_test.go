package localstore

import (
	"encoding/json"
	"math/rand/v2"
	"testing"

	"github.com/secops-dev/secops/pkg/findings"
)

// TestMergeBaseIsEnough checks that merging with the few attributes
// mergeBase decodes gives the same finding as merging with the whole stored
// finding, for stored findings that differ from the incoming one in every
// attribute, so a change to findings.Merge that reads more fails here.
func TestMergeBaseIsEnough(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for i := range 500 {
		stored := findings.Prepare(randomFinding(r, i))
		incoming := randomFinding(r, i+1)
		incoming.Id, incoming.ProductArn = stored.Id, stored.ProductArn
		if r.IntN(2) == 0 {
			stored.Note = &findings.Note{Text: "n", UpdatedBy: "u", UpdatedAt: stored.UpdatedAt}
			stored.UserDefinedFields = map[string]string{"ticket": "SEC-1"}
			stored.VerificationState = "TRUE_POSITIVE"
			stored.WorkflowState = "ASSIGNED"
		}
		if r.IntN(2) == 0 {
			stored.Compliance = &findings.Compliance{Status: pick(r, []string{"PASSED", "FAILED"}), SecurityControlId: "S3.1"}
			incoming.Compliance = &findings.Compliance{Status: pick(r, []string{"PASSED", "FAILED", "WARNING"})}
		}
		stored.Extra = map[string]json.RawMessage{"Network": json.RawMessage(`{"Direction":"IN"}`)}
		doc, err := json.Marshal(stored)
		if err != nil {
			t.Fatal(err)
		}
		base, err := decodeMergeBase(doc)
		if err != nil {
			t.Fatal(err)
		}
		want := normalize(t, findings.Merge(stored, incoming))
		if got := normalize(t, findings.Merge(base.finding(), incoming)); got != want {
			t.Fatalf("merge with mergeBase differs:\n got %s\nwant %s", got, want)
		}
	}
}
