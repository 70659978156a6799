package snapshot

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// Query is the one statement statusedge sends to MySQL (for a world's own table, its
// name in place of constants).
const Query = "SELECT Name, Value, Description FROM " + DefaultTable

// DefaultTable is the constants table's name.
const DefaultTable = "constants"

// ReadRows reads the rows of `constants` (ReadTable).
func ReadRows(ctx context.Context, db *sql.DB, maxBytes int) ([]Row, error) {
	return ReadTable(ctx, db, DefaultTable, maxBytes)
}

// ReadTable reads every row of the constants table, up to maxBytes of names, values and
// descriptions together: past that it stops reading and refuses the whole read, so a
// widened column costs one row's memory, never a snapshot of megabytes. Value is scanned
// as text whatever its column type (VARCHAR, DOUBLE, DECIMAL), so the number parsing
// lives in one place: Build.
// table is a validated name ([A-Za-z0-9_], the worlds file's rule), quoted all the same.
func ReadTable(ctx context.Context, db *sql.DB, table string, maxBytes int) ([]Row, error) {
	query := Query
	if table != DefaultTable {
		query = "SELECT Name, Value, Description FROM `" + strings.ReplaceAll(table, "`", "``") + "`"
	}
	// Cancelled before Close on a refusal: the driver then drops the connection instead of
	// reading the rest of the result to drain it (megabytes, to throw away).
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	rs, err := db.QueryContext(ctx, query)
	if err != nil {
		return nil, fmt.Errorf("read constants: %w", err)
	}
	defer rs.Close()
	var rows []Row
	total := 0
	for rs.Next() {
		var name sql.NullString
		var value, desc sql.NullString
		if err := rs.Scan(&name, &value, &desc); err != nil {
			return nil, fmt.Errorf("read constants: %w", err)
		}
		if total += len(name.String) + len(value.String) + len(desc.String); total > maxBytes {
			cancel()
			return nil, fmt.Errorf("read constants: over %d bytes of names, values and descriptions (STATUS_MAX_SNAPSHOT_BYTES) at row %d (%q): refused, the last snapshot stays", maxBytes, len(rows)+1, name.String)
		}
		r := Row{Name: name.String}
		if value.Valid {
			r.Value = &value.String
		}
		if desc.Valid {
			r.Description = &desc.String
		}
		rows = append(rows, r)
	}
	if err := rs.Err(); err != nil {
		return nil, fmt.Errorf("read constants: %w", err)
	}
	return rows, nil
}
