package localstore

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"runtime"
	"strings"
	"sync"

	"github.com/secops-dev/secops/pkg/findings"
)

// Import upserts list by (ProductArn, Id) in one transaction: a finding the
// store has never seen is stored as findings.Prepare makes it, one it has is
// replaced by findings.Merge of the two, so the first sighting and the
// user's triage survive. With opts.Scope, ACTIVE findings the scope covers
// that list does not contain are archived (findings.Archive).
//
// A finding that fails ValidateForImport is not stored and is reported in
// ImportResult.Failed with code InvalidInput, as Security Hub reports it;
// the others are still imported, and scope archiving still treats the
// invalid finding's Id as present, so a finding is never archived only
// because its new version was malformed. Any other error rolls the whole
// import back: nothing is written.
func (s *Store) Import(ctx context.Context, list []findings.Finding, opts findings.ImportOptions) (findings.ImportResult, error) {
	var res findings.ImportResult
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		w, err := newWriter(ctx, tx)
		if err != nil {
			return err
		}
		defer w.close()

		chunks, stop := prepareAll(list)
		defer stop()
		imported := make(map[key]bool, len(list))
		created := make(map[key]bool, len(list))
		fail := func(id string, err error) {
			res.Failed = append(res.Failed, findings.FailedFinding{Id: id, ErrorCode: findings.ErrorCodeInvalidInput, ErrorMessage: err.Error()})
		}
		for chunk := range chunks {
			stored, err := w.lookupChunk(ctx, chunk)
			if err != nil {
				return err
			}
			merged, err := mergeChunk(chunk, stored)
			if err != nil {
				return err
			}
			for i := range chunk {
				in := &chunk[i]
				// A finding the import holds twice may have been written
				// since the chunk was looked up: look again.
				again := imported[in.k]
				imported[in.k] = true
				if in.invalid != nil {
					fail(in.f.Id, in.invalid)
					continue
				}
				old, found := stored[in.k]
				m := merged[i]
				if again {
					if old, found, err = w.lookup(ctx, in.k); err != nil {
						return err
					}
					if found {
						if m, err = mergeOne(in.f, old); err != nil {
							return err
						}
					}
				}
				if !found {
					if in.rowErr != nil {
						fail(in.f.Id, in.rowErr)
						continue
					}
					if err := w.insert(ctx, in.row); err != nil {
						return err
					}
					created[in.k] = true
					res.New++
					if opts.Echo {
						in.f.Workflow = in.kept.Workflow
					}
					continue
				}
				if m.rowErr != nil {
					fail(in.f.Id, m.rowErr)
					continue
				}
				if err := w.updateMerged(ctx, old, m); err != nil {
					return err
				}
				if opts.Echo {
					in.f.TakeStored(&m.kept)
				}
				if !created[in.k] {
					res.Updated++
				}
			}
		}
		if err := w.flush(ctx); err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if opts.Scope != nil {
			n, err := s.archiveMissing(ctx, w, opts.Scope, imported)
			if err != nil {
				return err
			}
			res.Archived = n
		}
		return nil
	})
	if err != nil {
		return findings.ImportResult{}, fmt.Errorf("import findings into %s: %w (nothing was written)", s.path, err)
	}
	res.Echoed = opts.Echo
	return res, nil
}

// incoming is one finding of an import with the work that needs no
// database done ahead: validation and the row it becomes if it is new.
type incoming struct {
	f       *findings.Finding
	k       key
	invalid error
	row     row
	rowErr  error
	// kept is what the store sets on a finding it has never seen (its
	// workflow), for ImportOptions.Echo.
	kept findings.Finding
}

// chunkSize is how many findings are encoded and looked up together; with
// one chunk queued, the import holds about three chunks of encoded rows
// however many findings it is given.
const chunkSize = 256

// prepareAll validates and encodes list on all cores, chunk by chunk and in
// order, while the caller writes the chunks before. stop ends it and
// returns once it no longer reads list; call it before returning.
func prepareAll(list []findings.Finding) (<-chan []incoming, func()) {
	out := make(chan []incoming, 1)
	done := make(chan struct{})
	go func() {
		defer close(out)
		workers := max(1, runtime.GOMAXPROCS(0))
		for start := 0; start < len(list); start += chunkSize {
			chunk := make([]incoming, min(chunkSize, len(list)-start))
			var wg sync.WaitGroup
			for w := range workers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := w; i < len(chunk); i += workers {
						chunk[i] = prepareOne(&list[start+i])
					}
				}()
			}
			wg.Wait()
			select {
			case out <- chunk:
			case <-done:
				return
			}
		}
	}()
	var once sync.Once
	return out, func() {
		once.Do(func() {
			close(done)
			// Wait for the encoder to finish with list before the caller
			// gets it back.
			for range out {
			}
		})
	}
}

func prepareOne(f *findings.Finding) incoming {
	in := incoming{f: f, k: key{f.ProductArn, f.Id}}
	if in.invalid = f.ValidateForImport(); in.invalid == nil {
		p := findings.Prepare(*f)
		in.row, in.rowErr = rowOf(&p)
		in.kept.Workflow = p.Workflow
	}
	return in
}

// archiveMissing archives the ACTIVE findings in scope that the import did
// not contain.
func (s *Store) archiveMissing(ctx context.Context, w *writer, scope *findings.Scope, imported map[key]bool) (int, error) {
	if len(scope.GeneratorIds) == 0 {
		return 0, nil
	}
	// Keys first: most findings in scope are the ones just imported, and
	// only the others need their document read and decoded.
	q := `SELECT f.pk, f.product_arn, f.id FROM findings f
		WHERE f.product_arn = ? AND f.target = ? AND f.record_state = ? AND f.generator_id IN (` + placeholders(len(scope.GeneratorIds)) + `)`
	args := []any{scope.ProductArn, scope.Target, findings.RecordActive}
	for _, g := range scope.GeneratorIds {
		args = append(args, g)
	}
	rows, err := w.tx.QueryContext(ctx, q, args...)
	if err != nil {
		return 0, fmt.Errorf("list findings in scope: %w", err)
	}
	var missing []int64
	for rows.Next() {
		var pk int64
		var k key
		if err := rows.Scan(&pk, &k.productArn, &k.id); err != nil {
			rows.Close()
			return 0, err
		}
		if !imported[k] {
			missing = append(missing, pk)
		}
	}
	if err := rows.Close(); err != nil {
		return 0, err
	}
	if err := rows.Err(); err != nil {
		return 0, err
	}
	type stale struct {
		pk int64
		f  findings.Finding
	}
	var todo []stale
	for _, pk := range missing {
		var doc []byte
		if err := w.tx.QueryRowContext(ctx, `SELECT doc FROM docs WHERE pk = ?`, pk).Scan(&doc); err != nil {
			return 0, fmt.Errorf("read finding %d: %w", pk, err)
		}
		f, err := decode(doc)
		if err != nil {
			return 0, err
		}
		if scope.InScope(&f) {
			todo = append(todo, stale{pk, f})
		}
	}
	now := s.now()
	for _, st := range todo {
		r, err := rowOf(ptr(findings.Archive(st.f, now)))
		if err != nil {
			return 0, err
		}
		if err := w.update(ctx, st.pk, r, false); err != nil {
			return 0, err
		}
	}
	return len(todo), nil
}

// key identifies a finding, as Security Hub does.
type key struct{ productArn, id string }

func ptr(f findings.Finding) *findings.Finding { return &f }

// writer holds the prepared statements of one write transaction and the
// inserts not yet sent. New findings get their primary keys here (the
// transaction holds the write lock) so that they can be inserted many rows
// per statement.
type writer struct {
	tx                     *sql.Tx
	nextPK                 int64
	lookupOne, lookupMany  *sql.Stmt
	updFinding, updDoc     *sql.Stmt
	updUnindexed           *sql.Stmt
	delTypes, delResources *sql.Stmt
	insFindings, insDocs   *batcher
	insTypes, insResources *batcher
	buffered               int
}

const findingColumns = `product_arn, id, short_key, severity_label, severity_rank, product_lower,
	generator_id, record_state, workflow_status, updated_at, updated_utc, title, target`

const findingColumnCount = 13

// batchRows is how many rows one INSERT statement carries.
const batchRows = 64

const lookupColumns = `SELECT f.pk, f.id, f.product_arn, d.doc,
	f.severity_rank, f.title, f.target, f.generator_id, f.record_state
	FROM findings f JOIN docs d ON d.pk = f.pk`

func newWriter(ctx context.Context, tx *sql.Tx) (*writer, error) {
	w := &writer{tx: tx}
	if err := tx.QueryRowContext(ctx, "SELECT coalesce(max(pk), 0) + 1 FROM findings").Scan(&w.nextPK); err != nil {
		return nil, err
	}
	stmts := []struct {
		dst **sql.Stmt
		sql string
	}{
		{&w.lookupOne, lookupColumns + ` WHERE f.short_key = ? AND f.id = ? AND f.product_arn = ?`},
		{&w.lookupMany, lookupColumns + ` WHERE f.short_key IN (` + placeholders(chunkSize) + `)`},
		{&w.updFinding, `UPDATE findings SET (` + findingColumns + `) = (` + placeholders(findingColumnCount) + `) WHERE pk = ?`},
		{&w.updDoc, `UPDATE docs SET doc = ? WHERE pk = ?`},
		{&w.updUnindexed, `UPDATE findings SET severity_label = ?, product_lower = ?, workflow_status = ?, updated_at = ?, updated_utc = ? WHERE pk = ?`},
		{&w.delTypes, `DELETE FROM finding_types WHERE finding = ?`},
		{&w.delResources, `DELETE FROM finding_resources WHERE finding = ?`},
	}
	for _, st := range stmts {
		p, err := tx.PrepareContext(ctx, st.sql)
		if err != nil {
			w.close()
			return nil, fmt.Errorf("prepare %q: %w", strings.Fields(st.sql)[0], err)
		}
		*st.dst = p
	}
	for _, b := range []struct {
		dst        **batcher
		head       string
		cols, rows int
	}{
		// One row per statement for findings: a multi-row insert into a
		// table with a UNIQUE index makes SQLite keep a statement journal,
		// which costs more than the statements it saves.
		{&w.insFindings, `INSERT INTO findings (pk, ` + findingColumns + `) VALUES `, 1 + findingColumnCount, 1},
		{&w.insDocs, `INSERT OR FAIL INTO docs (pk, doc) VALUES `, 2, batchRows},
		{&w.insTypes, `INSERT OR FAIL INTO finding_types (finding, seq, type) VALUES `, 3, batchRows},
		{&w.insResources, `INSERT OR FAIL INTO finding_resources (finding, seq, resource_id) VALUES `, 3, batchRows},
	} {
		bt, err := newBatcher(ctx, tx, b.head, b.cols, b.rows)
		if err != nil {
			w.close()
			return nil, fmt.Errorf("prepare insert: %w", err)
		}
		*b.dst = bt
	}
	return w, nil
}

func (w *writer) close() {
	for _, st := range []*sql.Stmt{w.lookupOne, w.lookupMany, w.updFinding, w.updDoc, w.updUnindexed, w.delTypes, w.delResources} {
		if st != nil {
			st.Close()
		}
	}
	for _, b := range []*batcher{w.insFindings, w.insDocs, w.insTypes, w.insResources} {
		if b != nil {
			b.close()
		}
	}
}

// storedFinding is a finding the store holds, as far as an import needs it.
type storedFinding struct {
	pk  int64
	doc []byte
	// the indexed columns that an upsert may change
	severityRank                            int
	title, target, generatorID, recordState string
}

// lookupChunk reads the stored findings that have the Ids of chunk, in
// one statement. It may return others that share a short key.
func (w *writer) lookupChunk(ctx context.Context, chunk []incoming) (map[key]storedFinding, error) {
	args := make([]any, chunkSize)
	for i := range args {
		args[i] = "" // no finding has an empty Id
		if i < len(chunk) {
			args[i] = shortKey(chunk[i].k.id)
		}
	}
	return w.scanStored(w.lookupMany.QueryContext(ctx, args...))
}

// lookup reads the stored finding with key k, after sending the buffered
// inserts, which may hold it.
func (w *writer) lookup(ctx context.Context, k key) (storedFinding, bool, error) {
	if err := w.flush(ctx); err != nil {
		return storedFinding{}, false, err
	}
	found, err := w.scanStored(w.lookupOne.QueryContext(ctx, shortKey(k.id), k.id, k.productArn))
	if err != nil {
		return storedFinding{}, false, err
	}
	old, ok := found[k]
	return old, ok, nil
}

func (w *writer) scanStored(rows *sql.Rows, err error) (map[key]storedFinding, error) {
	if err != nil {
		return nil, fmt.Errorf("look up stored findings: %w", err)
	}
	defer rows.Close()
	out := make(map[key]storedFinding)
	var doc sql.RawBytes
	for rows.Next() {
		var sf storedFinding
		var k key
		if err := rows.Scan(&sf.pk, &k.id, &k.productArn, &doc, &sf.severityRank, &sf.title, &sf.target, &sf.generatorID, &sf.recordState); err != nil {
			return nil, fmt.Errorf("look up stored findings: %w", err)
		}
		sf.doc = bytes.Clone(doc)
		out[k] = sf
	}
	return out, rows.Err()
}

func (r row) args() []any {
	return []any{r.productArn, r.id, r.shortKey, r.severityLabel, r.severityRank, r.productLower,
		r.generatorID, r.recordState, r.workflowStatus, r.updatedAt, r.updatedUTC, r.title, r.target}
}

// insert buffers a new finding; flush sends it.
func (w *writer) insert(ctx context.Context, r row) error {
	pk := w.nextPK
	w.nextPK++
	w.insFindings.add(append([]any{pk}, r.args()...)...)
	w.insDocs.add(pk, r.doc)
	for i, t := range r.types {
		w.insTypes.add(pk, i, t)
	}
	for i, id := range r.resources {
		w.insResources.add(pk, i, id)
	}
	w.buffered++
	if w.buffered >= batchRows {
		return w.flush(ctx)
	}
	return nil
}

// flush sends the buffered inserts, findings first as the others refer
// to them.
func (w *writer) flush(ctx context.Context) error {
	if w.buffered == 0 {
		return nil
	}
	for _, b := range []*batcher{w.insFindings, w.insDocs, w.insTypes, w.insResources} {
		if err := b.flush(ctx); err != nil {
			return fmt.Errorf("store findings: %w", err)
		}
	}
	w.buffered = 0
	return nil
}

// updateMerged writes a re-imported finding. When no indexed column
// changes, which is the usual rescan, it leaves the indexes alone.
func (w *writer) updateMerged(ctx context.Context, old storedFinding, m merged) error {
	r := m.row
	if r.severityRank != old.severityRank || r.title != old.title || r.target != old.target ||
		r.generatorID != old.generatorID || r.recordState != old.recordState {
		return w.update(ctx, old.pk, r, !m.sameSides)
	}
	if err := w.flush(ctx); err != nil {
		return err
	}
	if _, err := w.updUnindexed.ExecContext(ctx, r.severityLabel, r.productLower, r.workflowStatus, r.updatedAt, r.updatedUTC, old.pk); err != nil {
		return fmt.Errorf("update finding %s: %w", r.id, err)
	}
	if _, err := w.updDoc.ExecContext(ctx, r.doc, old.pk); err != nil {
		return fmt.Errorf("update finding %s: %w", r.id, err)
	}
	if m.sameSides {
		return nil
	}
	return w.replaceSides(ctx, old.pk, r)
}

// update rewrites the finding with primary key pk, and its types and
// resources when sides says they changed.
func (w *writer) update(ctx context.Context, pk int64, r row, sides bool) error {
	if err := w.flush(ctx); err != nil {
		return err
	}
	if _, err := w.updFinding.ExecContext(ctx, append(r.args(), pk)...); err != nil {
		return fmt.Errorf("update finding %s: %w", r.id, err)
	}
	if _, err := w.updDoc.ExecContext(ctx, r.doc, pk); err != nil {
		return fmt.Errorf("update finding %s: %w", r.id, err)
	}
	if !sides {
		return nil
	}
	return w.replaceSides(ctx, pk, r)
}

func (w *writer) replaceSides(ctx context.Context, pk int64, r row) error {
	if _, err := w.delTypes.ExecContext(ctx, pk); err != nil {
		return err
	}
	if _, err := w.delResources.ExecContext(ctx, pk); err != nil {
		return err
	}
	for i, t := range r.types {
		w.insTypes.add(pk, i, t)
	}
	for i, id := range r.resources {
		w.insResources.add(pk, i, id)
	}
	if err := w.insTypes.flush(ctx); err != nil {
		return err
	}
	return w.insResources.flush(ctx)
}

// batcher inserts rows into one table, rows rows per statement and the
// rest one by one. The statements are INSERT OR FAIL: a failure
// fails the whole import transaction anyway, and SQLite needs no statement
// journal to undo a multi-row statement half-way.
type batcher struct {
	cols, rows int
	full, one  *sql.Stmt
	args       []any
}

func newBatcher(ctx context.Context, tx *sql.Tx, head string, cols, rows int) (*batcher, error) {
	row := "(" + placeholders(cols) + ")"
	full, err := tx.PrepareContext(ctx, head+strings.TrimSuffix(strings.Repeat(row+", ", rows), ", "))
	if err != nil {
		return nil, err
	}
	one, err := tx.PrepareContext(ctx, head+row)
	if err != nil {
		full.Close()
		return nil, err
	}
	return &batcher{cols: cols, rows: rows, full: full, one: one}, nil
}

func (b *batcher) add(values ...any) { b.args = append(b.args, values...) }

func (b *batcher) flush(ctx context.Context) error {
	per := b.cols * b.rows
	i := 0
	for ; len(b.args)-i >= per; i += per {
		if _, err := b.full.ExecContext(ctx, b.args[i:i+per]...); err != nil {
			return err
		}
	}
	for ; i < len(b.args); i += b.cols {
		if _, err := b.one.ExecContext(ctx, b.args[i:i+b.cols]...); err != nil {
			return err
		}
	}
	b.args = b.args[:0]
	return nil
}

func (b *batcher) close() {
	b.full.Close()
	b.one.Close()
}

// inTx runs fn in one write transaction (BEGIN IMMEDIATE: it waits for
// other writers instead of failing) and commits only if fn succeeds.
func (s *Store) inTx(ctx context.Context, fn func(*sql.Tx) error) error {
	if s.readOnly {
		return s.errReadOnly()
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

func placeholders(n int) string {
	if n <= 0 {
		return ""
	}
	return strings.Repeat("?, ", n-1) + "?"
}
