// Package store reads orders from the database.
package store

import "database/sql"

// Store wraps the orders database.
type Store struct{ db *sql.DB }

// New returns a Store on db.
func New(db *sql.DB) *Store { return &Store{db: db} }

// OrdersFor builds its query by string concatenation (gosec G202).
func (s *Store) OrdersFor(customer string) (int, error) {
	rows, err := s.db.Query("SELECT id FROM orders WHERE customer = '" + customer + "'")
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		n++
	}
	return n, rows.Err()
}
