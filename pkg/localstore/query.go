package localstore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/secops-dev/secops/pkg/findings"
)

// Query lists the findings matching q, filtered, sorted and limited in SQL
// with exactly the meaning of q.Matches and findings.SortFindings.
func (s *Store) Query(ctx context.Context, q findings.Query) ([]findings.Finding, error) {
	list, err := s.query(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("query findings in %s: %w", s.path, err)
	}
	return list, nil
}

// query selects the keys of the matching findings first, on the small
// rows of the findings table, and reads the documents of only those, in
// one read transaction so both steps see the same store.
func (s *Store) query(ctx context.Context, q findings.Query) ([]findings.Finding, error) {
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	stmt, args := buildQuery(q)
	rows, err := tx.QueryContext(ctx, stmt, args...)
	if err != nil {
		return nil, err
	}
	var pks []int64
	for rows.Next() {
		var pk int64
		if err := rows.Scan(&pk); err != nil {
			rows.Close()
			return nil, err
		}
		pks = append(pks, pk)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	docStmt, err := tx.PrepareContext(ctx, "SELECT doc FROM docs WHERE pk = ?")
	if err != nil {
		return nil, err
	}
	defer docStmt.Close()
	list := make([]findings.Finding, 0, len(pks))
	var doc []byte
	for _, pk := range pks {
		if err := docStmt.QueryRowContext(ctx, pk).Scan(&doc); err != nil {
			return nil, fmt.Errorf("read finding %d: %w", pk, err)
		}
		f, err := decode(doc)
		if err != nil {
			return nil, err
		}
		list = append(list, f)
	}
	return list, nil
}

// buildQuery translates q into one SELECT of primary keys.
func buildQuery(q findings.Query) (string, []any) {
	var where []string
	var args []any
	in := func(column string, values []string) {
		where = append(where, column+" IN ("+placeholders(len(values))+")")
		for _, v := range values {
			args = append(args, v)
		}
	}
	if len(q.Severities) > 0 {
		// The rank lets SQLite seek in findings_by_severity; the label
		// keeps the exact meaning for labels outside the five.
		where = append(where, "f.severity_rank IN ("+placeholders(len(q.Severities))+")")
		for _, l := range q.Severities {
			args = append(args, findings.SeverityRank(l))
		}
		in("f.severity_label", q.Severities)
	}
	if q.Product != "" {
		where = append(where, "f.product_lower = ?")
		args = append(args, strings.ToLower(q.Product))
	}
	if q.TypePrefix != "" {
		where = append(where, "EXISTS (SELECT 1 FROM finding_types t WHERE t.finding = f.pk AND t.type >= ? AND t.type < ?)")
		args = append(args, q.TypePrefix, prefixUpper(q.TypePrefix))
	}
	if q.Resource != "" {
		// instr is a byte-exact substring test, as strings.Contains (LIKE
		// would fold ASCII case and give % and _ a meaning).
		where = append(where, "EXISTS (SELECT 1 FROM finding_resources r WHERE r.finding = f.pk AND instr(r.resource_id, ?) > 0)")
		args = append(args, q.Resource)
	}
	if len(q.Statuses) > 0 {
		in("f.workflow_status", q.Statuses)
	}
	if q.RecordState != "" {
		where = append(where, "f.record_state = ?")
		args = append(args, q.RecordState)
	}
	if !q.Since.IsZero() {
		switch y := q.Since.UTC().Year(); {
		case y < 0:
			where = append(where, "f.updated_utc IS NOT NULL")
		case y > 9999:
			where = append(where, "0")
		default:
			where = append(where, "f.updated_utc >= ?")
			args = append(args, utcText(q.Since))
		}
	}
	if q.GeneratorPrefix != "" {
		where = append(where, "f.generator_id >= ? AND f.generator_id < ?")
		args = append(args, q.GeneratorPrefix, prefixUpper(q.GeneratorPrefix))
	}
	if q.Target != "" {
		where = append(where, "f.target = ?")
		args = append(args, q.Target)
	}

	var b strings.Builder
	b.WriteString("SELECT f.pk FROM findings f")
	if len(where) > 0 {
		b.WriteString(" WHERE " + strings.Join(where, " AND "))
	}
	// The same orders and tie-breaks as findings.SortFindings; product_arn
	// last only makes equal Ids of different products come out stably.
	switch q.Sort {
	case findings.SortUpdated:
		b.WriteString(" ORDER BY f.updated_at DESC, f.id, f.pk")
	case findings.SortTitle:
		b.WriteString(" ORDER BY f.title, f.id, f.pk")
	default:
		b.WriteString(" ORDER BY f.severity_rank DESC, f.title, f.id, f.pk")
	}
	if q.Limit > 0 {
		b.WriteString(" LIMIT ?")
		args = append(args, q.Limit)
	}
	return b.String(), args
}

// Get returns the finding with Id id, or the one whose short key (what
// findings.ShortID shows) starts with id.
func (s *Store) Get(ctx context.Context, id string) (findings.Finding, error) {
	f, _, err := s.resolve(ctx, s.db, id)
	return f, err
}

// queryer is what Get needs from a *sql.DB or a *sql.Tx.
type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// resolve finds one finding by full Id or unique short-key prefix and
// returns it with its primary key.
func (s *Store) resolve(ctx context.Context, db queryer, id string) (findings.Finding, int64, error) {
	if id == "" {
		return findings.Finding{}, 0, fmt.Errorf("finding %q: %w", id, findings.ErrNotFound)
	}
	for _, lookup := range []struct {
		where string
		args  []any
	}{
		{"f.short_key = ? AND f.id = ?", []any{shortKey(id), id}},
		{"f.short_key >= ? AND f.short_key < ?", []any{id, prefixUpper(id)}},
	} {
		docs, pks, err := queryDocsPK(ctx, db, "SELECT d.doc, f.pk FROM findings f JOIN docs d ON d.pk = f.pk WHERE "+lookup.where+" LIMIT 2", lookup.args...)
		if err != nil {
			return findings.Finding{}, 0, fmt.Errorf("get finding %s from %s: %w", id, s.path, err)
		}
		switch len(docs) {
		case 0:
			continue
		case 1:
			return docs[0], pks[0], nil
		default:
			return findings.Finding{}, 0, fmt.Errorf("finding %q: %w: give more of the Id", id, findings.ErrAmbiguous)
		}
	}
	return findings.Finding{}, 0, fmt.Errorf("finding %q: %w in %s", id, findings.ErrNotFound, s.path)
}

func queryDocsPK(ctx context.Context, db queryer, stmt string, args ...any) ([]findings.Finding, []int64, error) {
	rows, err := db.QueryContext(ctx, stmt, args...)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	var list []findings.Finding
	var pks []int64
	for rows.Next() {
		var doc []byte
		var pk int64
		if err := rows.Scan(&doc, &pk); err != nil {
			return nil, nil, err
		}
		f, err := decode(doc)
		if err != nil {
			return nil, nil, err
		}
		list = append(list, f)
		pks = append(pks, pk)
	}
	return list, pks, rows.Err()
}

// lookupChunk is how many findings one Lookup statement reads.
const lookupChunk = 500

// Lookup returns the store's copy of each finding of list that it holds,
// matched by ProductArn and Id, in list's order; findings it does not hold
// are left out. A command that has just imported findings reads them back
// with it to show and judge them with the triage the store kept (workflow,
// note, first sighting), as Security Hub keeps them on re-import.
func (s *Store) Lookup(ctx context.Context, list []findings.Finding) ([]findings.Finding, error) {
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("read findings from %s: %w", s.path, err)
	}
	defer tx.Rollback()
	byKey := make(map[key]findings.Finding, len(list))
	for start := 0; start < len(list); start += lookupChunk {
		chunk := list[start:min(start+lookupChunk, len(list))]
		args := make([]any, len(chunk))
		for i := range chunk {
			args[i] = shortKey(chunk[i].Id)
		}
		rows, err := tx.QueryContext(ctx, `SELECT f.id, f.product_arn, d.doc FROM findings f JOIN docs d ON d.pk = f.pk
			WHERE f.short_key IN (`+placeholders(len(chunk))+`)`, args...)
		if err != nil {
			return nil, fmt.Errorf("read findings from %s: %w", s.path, err)
		}
		for rows.Next() {
			var k key
			var doc []byte
			if err := rows.Scan(&k.id, &k.productArn, &doc); err != nil {
				rows.Close()
				return nil, fmt.Errorf("read findings from %s: %w", s.path, err)
			}
			f, err := decode(doc)
			if err != nil {
				rows.Close()
				return nil, fmt.Errorf("read finding %s from %s: %w", k.id, s.path, err)
			}
			byKey[k] = f
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, fmt.Errorf("read findings from %s: %w", s.path, err)
		}
	}
	out := make([]findings.Finding, 0, len(list))
	for i := range list {
		if f, ok := byKey[key{list[i].ProductArn, list[i].Id}]; ok {
			out = append(out, f)
		}
	}
	return out, nil
}
