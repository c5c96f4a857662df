package localstore

import (
	"context"
	stdjson "encoding/json"
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/secops-dev/secops/pkg/findings"
)

func TestImportUpsertKeepsFirstSightingAndTriage(t *testing.T) {
	clk := &clock{t0}
	s := openTemp(t, WithClock(clk.now))
	ctx := context.Background()

	first := []findings.Finding{vuln(1, "HIGH", "app", t0), vuln(2, "LOW", "app", t0), vuln(3, "MEDIUM", "app", t0)}
	res := mustImport(t, s, first, findings.ImportOptions{})
	if res.New != 3 || res.Updated != 0 || len(res.Failed) != 0 {
		t.Fatalf("first import = %+v, want 3 new", res)
	}
	got, err := s.Get(ctx, first[0].Id)
	if err != nil {
		t.Fatal(err)
	}
	if got.WorkflowStatus() != findings.WorkflowNew || got.RecordState != findings.RecordActive {
		t.Errorf("new finding: workflow %s record %s, want NEW ACTIVE", got.WorkflowStatus(), got.RecordState)
	}

	for _, u := range []findings.Update{
		{Ids: []string{first[0].Id}, Status: findings.WorkflowSuppressed, Note: &findings.NoteUpdate{Text: "test fixture", UpdatedBy: "alice"}},
		{Ids: []string{first[1].Id}, Status: findings.WorkflowNotified},
		{Ids: []string{first[2].Id}, Status: findings.WorkflowResolved},
	} {
		if _, err := s.Update(ctx, u); err != nil {
			t.Fatal(err)
		}
	}

	t1 := t0.Add(24 * time.Hour)
	again := []findings.Finding{vuln(1, "HIGH", "app", t1), vuln(2, "LOW", "app", t1), vuln(3, "MEDIUM", "app", t1), vuln(4, "CRITICAL", "app", t1)}
	res = mustImport(t, s, again, findings.ImportOptions{})
	if res.New != 1 || res.Updated != 3 {
		t.Fatalf("second import = %+v, want 1 new 3 updated", res)
	}
	wantStatus := map[string]string{
		first[0].Id: findings.WorkflowSuppressed, first[1].Id: findings.WorkflowNotified,
		first[2].Id: findings.WorkflowResolved, again[3].Id: findings.WorkflowNew,
	}
	for id, want := range wantStatus {
		f, err := s.Get(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if f.WorkflowStatus() != want {
			t.Errorf("%s: workflow %s, want %s", id, f.WorkflowStatus(), want)
		}
		if id == again[3].Id {
			continue
		}
		if f.CreatedAt != findings.FormatTime(t0) || f.FirstObservedAt != findings.FormatTime(t0) {
			t.Errorf("%s: CreatedAt %s FirstObservedAt %s, want both %s", id, f.CreatedAt, f.FirstObservedAt, findings.FormatTime(t0))
		}
		if f.UpdatedAt != findings.FormatTime(t1) || f.LastObservedAt != findings.FormatTime(t1) {
			t.Errorf("%s: UpdatedAt %s LastObservedAt %s, want both %s", id, f.UpdatedAt, f.LastObservedAt, findings.FormatTime(t1))
		}
	}
	f, _ := s.Get(ctx, first[0].Id)
	if f.Note == nil || f.Note.Text != "test fixture" || f.Note.UpdatedBy != "alice" {
		t.Errorf("note after re-import = %+v, want alice's note kept", f.Note)
	}
}

func TestImportIsLossless(t *testing.T) {
	s := openTemp(t)
	in := vuln(7, "CRITICAL", "app", t0)
	in.Extra = map[string]stdjson.RawMessage{"Network": []byte(`{"Direction":"IN","SourcePort":443}`)}
	in.Resources[0].Details = []byte(`{"Other":{"k":"v"}}`)
	mustImport(t, s, []findings.Finding{in}, findings.ImportOptions{})
	got, err := s.Get(context.Background(), in.Id)
	if err != nil {
		t.Fatal(err)
	}
	want := findings.Prepare(in)
	if !reflect.DeepEqual(normalize(t, got), normalize(t, want)) {
		t.Errorf("stored finding differs:\n got %s\nwant %s", normalize(t, got), normalize(t, want))
	}
}

func TestImportScopeArchivesMissing(t *testing.T) {
	clk := &clock{t0}
	s := openTemp(t, WithClock(clk.now))
	ctx := context.Background()
	app := []findings.Finding{vuln(1, "HIGH", "app", t0), vuln(2, "LOW", "app", t0), vuln(3, "LOW", "app", t0)}
	other := vuln(4, "HIGH", "other", t0) // another target
	secret := vuln(5, "HIGH", "app", t0)  // another generator
	secret.GeneratorId = "secops/secrets"
	foreign := vuln(6, "HIGH", "app", t0) // another product
	foreign.ProductArn = "arn:aws:securityhub:us-east-1::product/aquasecurity/aquasecurity"
	mustImport(t, s, append(append([]findings.Finding{}, app...), other, secret, foreign), findings.ImportOptions{})
	if _, err := s.Update(ctx, findings.Update{Ids: []string{app[2].Id}, Status: findings.WorkflowSuppressed}); err != nil {
		t.Fatal(err)
	}

	clk.t = t0.Add(time.Hour)
	scope := &findings.Scope{ProductArn: testProduct, Target: "app", GeneratorIds: []string{"secops/sca"}}
	res := mustImport(t, s, []findings.Finding{vuln(1, "HIGH", "app", clk.t)}, findings.ImportOptions{Scope: scope})
	if res.Archived != 2 || res.Updated != 1 || res.New != 0 {
		t.Fatalf("scoped import = %+v, want 1 updated 2 archived", res)
	}
	want := map[string][2]string{
		app[0].Id:  {findings.RecordActive, findings.WorkflowNew},
		app[1].Id:  {findings.RecordArchived, findings.WorkflowResolved},
		app[2].Id:  {findings.RecordArchived, findings.WorkflowResolved},
		other.Id:   {findings.RecordActive, findings.WorkflowNew},
		secret.Id:  {findings.RecordActive, findings.WorkflowNew},
		foreign.Id: {findings.RecordActive, findings.WorkflowNew},
	}
	for _, f := range mustQuery(t, s, findings.Query{}) {
		if got := [2]string{f.RecordState, f.WorkflowStatus()}; got != want[f.Id] {
			t.Errorf("%s (%s): %v, want %v", f.Title, f.ProductArn, got, want[f.Id])
		}
		if f.Id == app[1].Id && f.UpdatedAt != findings.FormatTime(clk.t) {
			t.Errorf("archived UpdatedAt %s, want %s", f.UpdatedAt, findings.FormatTime(clk.t))
		}
	}
	if got := mustQuery(t, s, findings.Query{RecordState: findings.RecordActive, Resource: "app/"}); len(got) != 3 {
		t.Errorf("active findings on app: %v, want 3", ids(got))
	}

	// A fixed finding that comes back is NEW and ACTIVE again.
	clk.t = t0.Add(2 * time.Hour)
	res = mustImport(t, s, []findings.Finding{vuln(1, "HIGH", "app", clk.t), vuln(2, "LOW", "app", clk.t)}, findings.ImportOptions{Scope: scope})
	if res.Archived != 0 || res.Updated != 2 {
		t.Fatalf("third import = %+v, want 2 updated", res)
	}
	f, _ := s.Get(ctx, app[1].Id)
	if f.RecordState != findings.RecordActive || f.WorkflowStatus() != findings.WorkflowNew {
		t.Errorf("reopened finding: %s %s, want ACTIVE NEW", f.RecordState, f.WorkflowStatus())
	}
}

func TestImportInvalidFindingsFail(t *testing.T) {
	s := openTemp(t)
	good := vuln(1, "HIGH", "app", t0)
	bad := vuln(2, "HIGH", "app", t0)
	bad.Title = ""
	badSeverity := vuln(3, "HIGH", "app", t0)
	badSeverity.Severity.Label = "SEVERE"
	res := mustImport(t, s, []findings.Finding{good, bad, badSeverity}, findings.ImportOptions{})
	if res.New != 1 || len(res.Failed) != 2 {
		t.Fatalf("import = %+v, want 1 new 2 failed", res)
	}
	for i, want := range []struct{ id, msg string }{{bad.Id, "Title: required"}, {badSeverity.Id, `"SEVERE" is not one of`}} {
		fl := res.Failed[i]
		if fl.Id != want.id || fl.ErrorCode != findings.ErrorCodeInvalidInput || !strings.Contains(fl.ErrorMessage, want.msg) {
			t.Errorf("Failed[%d] = %+v, want %s InvalidInput %q", i, fl, want.id, want.msg)
		}
	}
	if got := ids(mustQuery(t, s, findings.Query{})); !reflect.DeepEqual(got, []string{good.Id}) {
		t.Errorf("stored %v, want only %s", got, good.Id)
	}
}

// TestImportKeepsWhatProducersWrite: the local store holds findings that
// real producers write although Security Hub's stricter checks would refuse
// them on push (Prowler's empty Types, Inspector's long descriptions), as
// findings.DecodeBytes reads them; otherwise 'findings import' of such a
// report fails at the store after reading it fine.
func TestImportKeepsWhatProducersWrite(t *testing.T) {
	s := openTemp(t)
	noTypes := vuln(1, "HIGH", "app", t0)
	noTypes.Types = nil
	long := vuln(2, "HIGH", "app", t0)
	long.Description = strings.Repeat("A long advisory text. ", 100)
	res := mustImport(t, s, []findings.Finding{noTypes, long}, findings.ImportOptions{})
	if res.New != 2 || len(res.Failed) != 0 {
		t.Fatalf("import = %+v, want 2 new", res)
	}
	got, err := s.Get(context.Background(), long.Id)
	if err != nil || got.Description != long.Description {
		t.Errorf("stored description %d characters (%v), want %d", len(got.Description), err, len(long.Description))
	}
}

// TestImportIsAtomic makes SQLite fail in the middle of an import (a
// trigger aborts the insert of one finding) and checks that nothing of the
// import, including the upserts before the failure and scope archiving,
// was written.
func TestImportIsAtomic(t *testing.T) {
	s := openTemp(t)
	ctx := context.Background()
	base := []findings.Finding{vuln(1, "HIGH", "app", t0), vuln(2, "LOW", "app", t0)}
	mustImport(t, s, base, findings.ImportOptions{})
	before := mustQuery(t, s, findings.Query{})

	boom := vuln(3, "HIGH", "app", t0)
	if _, err := s.db.Exec(fmt.Sprintf(`CREATE TRIGGER boom BEFORE INSERT ON findings WHEN NEW.id = '%s'
		BEGIN SELECT RAISE(ABORT, 'disk on fire'); END`, boom.Id)); err != nil {
		t.Fatal(err)
	}
	t1 := t0.Add(time.Hour)
	batch := []findings.Finding{vuln(1, "CRITICAL", "app", t1), vuln(4, "HIGH", "app", t1), boom, vuln(5, "HIGH", "app", t1)}
	scope := &findings.Scope{ProductArn: testProduct, Target: "app", GeneratorIds: []string{"secops/sca"}}
	res, err := s.Import(ctx, batch, findings.ImportOptions{Scope: scope})
	if err == nil {
		t.Fatalf("import succeeded (%+v), want the trigger's error", res)
	}
	for _, w := range []string{"disk on fire", "nothing was written"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not mention %q", err, w)
		}
	}
	after := mustQuery(t, s, findings.Query{})
	if !reflect.DeepEqual(normalizeAll(t, after), normalizeAll(t, before)) {
		t.Errorf("store changed by a failed import:\nbefore %v\nafter  %v", ids(before), ids(after))
	}
	var sides int
	if err := s.db.QueryRow("SELECT (SELECT count(*) FROM finding_types) + (SELECT count(*) FROM finding_resources)").Scan(&sides); err != nil {
		t.Fatal(err)
	}
	if sides != 4 {
		t.Errorf("%d side rows, want 4 (2 findings × 1 type + 1 resource)", sides)
	}

	// A cancelled context writes nothing either.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := s.Import(cctx, []findings.Finding{vuln(9, "HIGH", "app", t1)}, findings.ImportOptions{}); err == nil {
		t.Error("import with a cancelled context succeeded")
	}
	if got := mustQuery(t, s, findings.Query{}); len(got) != 2 {
		t.Errorf("%d findings after cancelled import, want 2", len(got))
	}
}

// TestConcurrentWriters runs two stores on one file, as two secops
// processes would, each importing and updating while the other does.
func TestConcurrentWriters(t *testing.T) {
	path := filepath.Join(t.TempDir(), "findings.db")
	ctx := context.Background()
	var stores [2]*Store
	for i := range stores {
		s, err := Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		stores[i] = s
	}
	const rounds, perRound = 20, 50
	var wg sync.WaitGroup
	errs := make(chan error, 2*rounds)
	for w, s := range stores {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := 0; r < rounds; r++ {
				var batch []findings.Finding
				for i := 0; i < perRound; i++ {
					batch = append(batch, vuln(w*100000+r*perRound+i, "HIGH", fmt.Sprintf("target-%d", w), t0))
				}
				res, err := s.Import(ctx, batch, findings.ImportOptions{})
				if err != nil {
					errs <- err
					return
				}
				if res.New != perRound {
					errs <- fmt.Errorf("writer %d round %d: %+v", w, r, res)
				}
				if _, err := s.Update(ctx, findings.Update{Ids: []string{batch[0].Id}, Status: findings.WorkflowNotified}); err != nil {
					errs <- err
				}
				if _, err := s.Query(ctx, findings.Query{Severities: []string{"HIGH"}, Limit: 10}); err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	for _, s := range stores {
		if got := len(mustQuery(t, s, findings.Query{})); got != 2*rounds*perRound {
			t.Errorf("%d findings, want %d", got, 2*rounds*perRound)
		}
		if got := len(mustQuery(t, s, findings.Query{Statuses: []string{findings.WorkflowNotified}})); got != 2*rounds {
			t.Errorf("%d notified, want %d", got, 2*rounds)
		}
	}
}

// TestReimportUpdatesColumns re-imports findings whose indexed and
// side-table attributes changed, and ones where nothing indexed changed,
// and checks that every query sees the new values.
func TestReimportUpdatesColumns(t *testing.T) {
	s := openTemp(t)
	a, b := vuln(1, "LOW", "app", t0), vuln(2, "LOW", "app", t0)
	mustImport(t, s, []findings.Finding{a, b}, findings.ImportOptions{})

	t1 := t0.Add(time.Hour)
	a2 := vuln(1, "CRITICAL", "app", t1)
	a2.Title = "Renamed"
	a2.Types = []string{"TTPs/Initial Access"}
	a2.Resources = append(a2.Resources, findings.Resource{Type: "Other", Id: "extra-resource"})
	b2 := vuln(2, "LOW", "app", t1)
	b2.ProductName = "Trivy"
	res := mustImport(t, s, []findings.Finding{a2, b2}, findings.ImportOptions{})
	if res.Updated != 2 {
		t.Fatalf("re-import = %+v", res)
	}
	tests := []struct {
		q    findings.Query
		want []string
	}{
		{findings.Query{Severities: []string{"CRITICAL"}}, []string{a.Id}},
		{findings.Query{Severities: []string{"LOW"}}, []string{b.Id}},
		{findings.Query{TypePrefix: "TTPs/"}, []string{a.Id}},
		{findings.Query{Resource: "extra-resource"}, []string{a.Id}},
		{findings.Query{Product: "trivy"}, []string{b.Id}},
		{findings.Query{Since: t1}, []string{a.Id, b.Id}},
		{findings.Query{Sort: findings.SortTitle}, []string{b.Id, a.Id}},
	}
	for _, tt := range tests {
		if got := ids(mustQuery(t, s, tt.q)); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%+v: got %v, want %v", tt.q, got, tt.want)
		}
	}
}

// TestImportEchoIsWhatLookupReads: with Echo, the findings come back from
// Import with exactly what reading them back would give them — a new
// finding its NEW workflow, a known one its first sighting and the user's
// triage — so a scan need not read them back.
func TestImportEchoIsWhatLookupReads(t *testing.T) {
	ctx := context.Background()
	c := &clock{t: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)}
	s := openTemp(t, WithClock(c.now))
	first := []findings.Finding{vuln(1, "HIGH", "app", c.t), vuln(2, "LOW", "app", c.t)}
	mustImport(t, s, first, findings.ImportOptions{})
	if _, err := s.Update(ctx, findings.Update{Ids: []string{first[0].Id}, Status: findings.WorkflowSuppressed,
		Note: &findings.NoteUpdate{Text: "accepted", UpdatedBy: "me"}}); err != nil {
		t.Fatal(err)
	}
	c.t = c.t.Add(72 * time.Hour)
	again := []findings.Finding{vuln(1, "HIGH", "app", c.t), vuln(2, "LOW", "app", c.t), vuln(3, "MEDIUM", "app", c.t), vuln(3, "MEDIUM", "app", c.t)}
	res := mustImport(t, s, again, findings.ImportOptions{Echo: true})
	if !res.Echoed {
		t.Fatal("Echoed is false")
	}
	read, err := s.Lookup(ctx, again)
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]findings.Finding{}
	for _, f := range read {
		byID[f.Id] = f
	}
	for i := range again {
		want := again[i]
		stored := byID[want.Id]
		want.TakeStored(&stored)
		if got, w := normalize(t, again[i]), normalize(t, want); got != w {
			t.Errorf("finding %d echoed:\n%s\nread back:\n%s", i, got, w)
		}
	}
	if again[0].WorkflowStatus() != findings.WorkflowSuppressed || again[0].Note == nil || again[0].CreatedAt != findings.FormatTime(time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("the triaged finding came back as %+v", again[0])
	}
	if again[2].WorkflowStatus() != findings.WorkflowNew {
		t.Errorf("the new finding came back %s", again[2].WorkflowStatus())
	}
}
