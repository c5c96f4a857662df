package localstore

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/secops-dev/secops/pkg/findings"
)

// The pending columns remember findings that could not be uploaded to
// Security Hub, so that nothing a failed push leaves behind is lost: they
// survive re-import, and a later push with --retry-failed sends them again.

// MarkPending records that the findings with these Ids could not be
// uploaded, with the error Security Hub (or the network) gave.
func (s *Store) MarkPending(ctx context.Context, ids []string, code, message string) error {
	if len(ids) == 0 {
		return nil
	}
	if code == "" {
		code = "Unknown"
	}
	at := findings.FormatTime(s.now())
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		st, err := tx.PrepareContext(ctx, `UPDATE findings SET pending_code = ?, pending_message = ?, pending_at = ? WHERE short_key = ? AND id = ?`)
		if err != nil {
			return err
		}
		defer st.Close()
		for _, id := range ids {
			if _, err := st.ExecContext(ctx, code, message, at, shortKey(id), id); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("mark %d findings pending upload in %s: %w", len(ids), s.path, err)
	}
	return nil
}

// ClearPending records that the findings with these Ids were uploaded.
func (s *Store) ClearPending(ctx context.Context, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		st, err := tx.PrepareContext(ctx, `UPDATE findings SET pending_code = NULL, pending_message = NULL, pending_at = NULL WHERE short_key = ? AND id = ? AND pending_code IS NOT NULL`)
		if err != nil {
			return err
		}
		defer st.Close()
		for _, id := range ids {
			if _, err := st.ExecContext(ctx, shortKey(id), id); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("clear pending uploads in %s: %w", s.path, err)
	}
	return nil
}

// Pending lists the findings waiting for upload, in the default severity
// order. Each carries its last upload error in
// ProductFields["secops/PendingUpload"] as "CODE: message" (since when in
// "secops/PendingSince"); those two keys are not stored and must be removed
// before the findings are uploaded (see StripPending).
func (s *Store) Pending(ctx context.Context) ([]findings.Finding, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT d.doc, f.pending_code, f.pending_message, f.pending_at FROM findings f JOIN docs d ON d.pk = f.pk
		WHERE f.pending_code IS NOT NULL ORDER BY f.severity_rank DESC, f.title, f.id, f.product_arn`)
	if err != nil {
		return nil, fmt.Errorf("list pending uploads in %s: %w", s.path, err)
	}
	defer rows.Close()
	var list []findings.Finding
	for rows.Next() {
		var doc []byte
		var code, message, at string
		if err := rows.Scan(&doc, &code, &message, &at); err != nil {
			return nil, err
		}
		f, err := decode(doc)
		if err != nil {
			return nil, err
		}
		fields := make(map[string]string, len(f.ProductFields)+2)
		for k, v := range f.ProductFields {
			fields[k] = v
		}
		fields[findings.FieldPending] = code + ": " + message
		fields[FieldPendingSince] = at
		f.ProductFields = fields
		list = append(list, f)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list pending uploads in %s: %w", s.path, err)
	}
	return list, nil
}

// FieldPendingSince is the ProductFields key Pending sets to the time of the
// last failed upload.
const FieldPendingSince = "secops/PendingSince"

// StripPending removes the keys Pending adds, giving the finding as stored.
func StripPending(f findings.Finding) findings.Finding {
	_, a := f.ProductFields[findings.FieldPending]
	_, b := f.ProductFields[FieldPendingSince]
	if !a && !b {
		return f
	}
	fields := make(map[string]string, len(f.ProductFields))
	for k, v := range f.ProductFields {
		if k != findings.FieldPending && k != FieldPendingSince {
			fields[k] = v
		}
	}
	if len(fields) == 0 {
		fields = nil
	}
	f.ProductFields = fields
	return f
}
