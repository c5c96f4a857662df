package localstore

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/secops-dev/secops/pkg/findings"
)

func TestUpdate(t *testing.T) {
	clk := &clock{t0}
	s := openTemp(t, WithClock(clk.now))
	ctx := context.Background()
	a, b := vuln(1, "HIGH", "app", t0), vuln(2, "LOW", "app", t0)
	mustImport(t, s, []findings.Finding{a, b}, findings.ImportOptions{})

	clk.t = t0.Add(time.Hour)
	res, err := s.Update(ctx, findings.Update{
		Ids:           []string{a.Id, findings.ShortID(b.Id), "deadbeef", a.Id},
		Status:        findings.WorkflowSuppressed,
		Note:          &findings.NoteUpdate{Text: "accepted risk until the migration", UpdatedBy: "bob"},
		SeverityLabel: findings.SeverityMedium,
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(res.Processed, ","); got != a.Id+","+b.Id {
		t.Errorf("Processed = %v, want [%s %s]", res.Processed, a.Id, b.Id)
	}
	if len(res.Unprocessed) != 1 || res.Unprocessed[0].Id != "deadbeef" || res.Unprocessed[0].ErrorCode != findings.ErrorCodeNotFound {
		t.Errorf("Unprocessed = %+v, want deadbeef FindingNotFound", res.Unprocessed)
	}
	stamp := findings.FormatTime(clk.t)
	for _, id := range []string{a.Id, b.Id} {
		f, err := s.Get(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if f.WorkflowStatus() != findings.WorkflowSuppressed || f.SeverityLabel() != findings.SeverityMedium || f.UpdatedAt != stamp {
			t.Errorf("%s: %s %s %s", id, f.WorkflowStatus(), f.SeverityLabel(), f.UpdatedAt)
		}
		if f.Note == nil || *f.Note != (findings.Note{Text: "accepted risk until the migration", UpdatedBy: "bob", UpdatedAt: stamp}) {
			t.Errorf("%s: note %+v", id, f.Note)
		}
	}
	// The indexed columns follow the update.
	if got := mustQuery(t, s, findings.Query{Severities: []string{"MEDIUM"}, Statuses: []string{"SUPPRESSED"}, Since: clk.t}); len(got) != 2 {
		t.Errorf("query after update: %v, want both", ids(got))
	}

	for _, bad := range []findings.Update{{Ids: []string{a.Id}, Status: "DONE"}, {Ids: []string{a.Id}, SeverityLabel: "SEVERE"}} {
		if _, err := s.Update(ctx, bad); err == nil {
			t.Errorf("Update(%+v) succeeded, want an error", bad)
		}
	}
}

func TestPending(t *testing.T) {
	s := openTemp(t)
	ctx := context.Background()
	a, b, c := vuln(1, "HIGH", "app", t0), vuln(2, "CRITICAL", "app", t0), vuln(3, "LOW", "app", t0)
	mustImport(t, s, []findings.Finding{a, b, c}, findings.ImportOptions{})
	if err := s.MarkPending(ctx, []string{a.Id, b.Id}, "ThrottlingException", "Rate exceeded"); err != nil {
		t.Fatal(err)
	}
	// Re-import does not clear it: the new version still needs uploading.
	mustImport(t, s, []findings.Finding{vuln(1, "HIGH", "app", t0.Add(time.Hour))}, findings.ImportOptions{})
	got, err := s.Pending(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Id != b.Id || got[1].Id != a.Id {
		t.Fatalf("Pending = %v, want [%s %s]", ids(got), b.Id, a.Id)
	}
	if v := got[0].ProductFields[findings.FieldPending]; v != "ThrottlingException: Rate exceeded" {
		t.Errorf("pending field = %q", v)
	}
	stripped := StripPending(got[1])
	stored, _ := s.Get(ctx, a.Id)
	if normalize(t, stripped) != normalize(t, stored) {
		t.Errorf("StripPending does not give the stored finding:\n%s\n%s", normalize(t, stripped), normalize(t, stored))
	}
	if err := s.ClearPending(ctx, []string{a.Id, c.Id}); err != nil {
		t.Fatal(err)
	}
	got, err = s.Pending(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Id != b.Id {
		t.Errorf("Pending after clear = %v, want [%s]", ids(got), b.Id)
	}
}
