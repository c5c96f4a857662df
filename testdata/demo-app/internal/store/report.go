package store

import "fmt"

// Total formats the query with Sprintf (gosec G201).
func (s *Store) Total(table string) (int, error) {
	var n int
	err := s.db.QueryRow(fmt.Sprintf("SELECT COUNT(*) FROM %s", table)).Scan(&n)
	return n, err
}
