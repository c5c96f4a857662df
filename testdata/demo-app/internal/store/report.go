package store

import "fmt"

// CountByStatus formats the query with Sprintf (gosec G201).
func (s *Store) CountByStatus(status string) (int, error) {
	var n int
	q := fmt.Sprintf("SELECT COUNT(*) FROM orders WHERE status = '%s'", status)
	err := s.db.QueryRow(q).Scan(&n)
	return n, err
}
