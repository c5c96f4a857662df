package localstore

import (
	"context"
	"database/sql"
	"fmt"
)

// migrations bring a store's schema up to date. migrations[i] moves a
// database from PRAGMA user_version i to i+1. Never edit a released entry:
// append a new one.
var migrations = []string{
	// 1: findings: the columns queries filter and sort on, pulled out of the
	// ASFF document; the documents; side tables for the list-valued
	// attributes. Indexes serve lookups by key and Id prefix, the default
	// order (so a --limit stops early) and scope archiving; the other
	// filters and orders scan the small rows. Each index costs every insert,
	// so there are no more (BenchmarkImport100k).
	`
CREATE TABLE findings (
	pk              INTEGER PRIMARY KEY,
	product_arn     TEXT NOT NULL,
	id              TEXT NOT NULL,
	-- the part of the Id after its last '/' or ':', which findings.ShortID shows
	short_key       TEXT NOT NULL,
	severity_label  TEXT NOT NULL,
	-- findings.SeverityRank of the label: -1 unknown … 4 CRITICAL
	severity_rank   INTEGER NOT NULL,
	-- strings.ToLower(ProductName)
	product_lower   TEXT NOT NULL,
	generator_id    TEXT NOT NULL,
	record_state    TEXT NOT NULL,
	workflow_status TEXT NOT NULL,
	-- UpdatedAt as written (sorts like findings.SortFindings) and as fixed-width
	-- UTC text (compares as time; NULL when it does not parse)
	updated_at      TEXT NOT NULL,
	updated_utc     TEXT,
	title           TEXT NOT NULL,
	-- ProductFields["secops/Target"], for complete-scan archiving
	target          TEXT NOT NULL,
	-- set when an upload to Security Hub failed, cleared when one succeeds
	pending_code    TEXT,
	pending_message TEXT,
	pending_at      TEXT,
	-- short_key is a function of id, so this is the (ProductArn, Id) key and
	-- also serves lookups by Id and by short-Id prefix.
	UNIQUE (short_key, id, product_arn)
);
CREATE INDEX findings_by_severity ON findings (severity_rank DESC, title, id);
CREATE INDEX findings_scope ON findings (product_arn, target, generator_id, record_state);
CREATE INDEX findings_pending ON findings (pk) WHERE pending_code IS NOT NULL;

-- The ASFF documents (UTF-8 JSON, stored as blobs to spare a copy), apart so
-- that the rows scanned by filters stay small. docs.pk and the side tables'
-- finding column are findings.pk. They carry no foreign-key clause: only
-- the import writer adds or changes these rows, findings are never deleted,
-- and checking every side row would cost each insert a lookup.
CREATE TABLE docs (
	pk  INTEGER PRIMARY KEY,
	doc BLOB NOT NULL
);

CREATE TABLE finding_types (
	finding INTEGER NOT NULL,
	seq     INTEGER NOT NULL,
	type    TEXT NOT NULL,
	PRIMARY KEY (finding, seq)
) WITHOUT ROWID;

CREATE TABLE finding_resources (
	finding     INTEGER NOT NULL,
	seq         INTEGER NOT NULL,
	resource_id TEXT NOT NULL,
	PRIMARY KEY (finding, seq)
) WITHOUT ROWID;
`,
}

// schemaVersion is the user_version of an up-to-date store.
var schemaVersion = len(migrations)

// pageSize is the page size of new stores: findings documents are 1-2 KB,
// and larger pages mean fewer pages and writes per import.
const pageSize = 16384

// setUp readies a store on one connection: page size (new stores only),
// schema migrations, then WAL mode, which the file remembers.
func setUp(ctx context.Context, db *sql.DB) error {
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, fmt.Sprintf("PRAGMA page_size = %d", pageSize)); err != nil {
		return err
	}
	if err := migrate(ctx, conn); err != nil {
		return err
	}
	var mode string
	if err := conn.QueryRowContext(ctx, "PRAGMA journal_mode = WAL").Scan(&mode); err != nil {
		return err
	}
	if mode != "wal" {
		return fmt.Errorf("cannot switch the database to WAL mode (journal mode is %q)", mode)
	}
	return nil
}

// migrate applies the migrations a store lacks, each in its own
// transaction together with its user_version bump, so a crash leaves the
// store at a known version.
func migrate(ctx context.Context, db *sql.Conn) error {
	var version int
	if err := db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil {
		return err
	}
	if version > schemaVersion {
		return fmt.Errorf("the store has schema version %d but this secops knows only up to %d: upgrade secops", version, schemaVersion)
	}
	if version == 0 {
		var tables int
		if err := db.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_schema WHERE type = 'table'").Scan(&tables); err != nil {
			return err
		}
		if tables > 0 {
			return fmt.Errorf("the file is a SQLite database of another program, not a secops findings store")
		}
	}
	for v := version; v < schemaVersion; v++ {
		if err := applyMigration(ctx, db, v); err != nil {
			return fmt.Errorf("migrate the schema to version %d: %w", v+1, err)
		}
	}
	return nil
}

func applyMigration(ctx context.Context, db *sql.Conn, from int) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	// Another process may have migrated while this one waited for the lock.
	var version int
	if err := tx.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil {
		return err
	}
	if version > from {
		return nil
	}
	if _, err := tx.ExecContext(ctx, migrations[from]); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", from+1)); err != nil {
		return err
	}
	return tx.Commit()
}
