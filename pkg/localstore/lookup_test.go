package localstore

import (
	"context"
	"slices"
	"testing"

	"github.com/secops-dev/secops/pkg/findings"
)

// TestLookup reads back, after a re-import, the triage and first sighting
// the store kept, for more findings than one statement carries, and leaves
// out what the store does not hold (another Id, another product).
func TestLookup(t *testing.T) {
	ctx := context.Background()
	c := &clock{t: t0}
	s := openTemp(t, WithClock(c.now))
	var first []findings.Finding
	for i := range lookupChunk + 7 {
		first = append(first, vuln(i, "HIGH", "app", t0))
	}
	mustImport(t, s, first, findings.ImportOptions{})
	if _, err := s.Update(ctx, findings.Update{Ids: []string{first[3].Id, first[lookupChunk+2].Id}, Status: findings.WorkflowSuppressed}); err != nil {
		t.Fatal(err)
	}

	later := t0.Add(48 * 3600e9)
	var again []findings.Finding
	for i := range first {
		again = append(again, vuln(i, "HIGH", "app", later))
	}
	mustImport(t, s, again, findings.ImportOptions{})
	unknown := vuln(99999, "LOW", "app", later)
	otherProduct := again[0]
	otherProduct.ProductArn = "arn:aws:securityhub:us-east-1:000000000000:product/000000000000/other"
	ask := append([]findings.Finding{unknown, otherProduct}, again...)

	got, err := s.Lookup(ctx, ask)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(ids(got), ids(again)) {
		t.Fatalf("Lookup returned %d findings, want the %d stored ones in order", len(got), len(again))
	}
	var suppressed []string
	for i := range got {
		if got[i].WorkflowStatus() == findings.WorkflowSuppressed {
			suppressed = append(suppressed, got[i].Id)
		}
		if got[i].CreatedAt != findings.FormatTime(t0) || got[i].FirstObservedAt != first[i].FirstObservedAt {
			t.Fatalf("finding %d: CreatedAt %s, FirstObservedAt %s: want the first sighting %s", i, got[i].CreatedAt, got[i].FirstObservedAt, findings.FormatTime(t0))
		}
		if got[i].UpdatedAt != findings.FormatTime(later) {
			t.Fatalf("finding %d: UpdatedAt %s, want %s", i, got[i].UpdatedAt, findings.FormatTime(later))
		}
	}
	if want := []string{first[3].Id, first[lookupChunk+2].Id}; !slices.Equal(suppressed, want) {
		t.Errorf("suppressed = %v, want %v", suppressed, want)
	}

	if got, err := s.Lookup(ctx, nil); err != nil || len(got) != 0 {
		t.Errorf("Lookup(nil) = %v, %v", got, err)
	}
}
