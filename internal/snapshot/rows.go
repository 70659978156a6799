package snapshot

import (
	"context"
	"database/sql"
	"fmt"
)

// Query is the one statement statusedge sends to MySQL.
const Query = "SELECT Name, Value, Description FROM constants"

// ReadRows reads every row of `constants`, up to maxBytes of names, values and
// descriptions together: past that it stops reading and refuses the whole read, so a
// widened column costs one row's memory, never a snapshot of megabytes. Value is scanned
// as text whatever its column type (VARCHAR, DOUBLE, DECIMAL), so the number parsing
// lives in one place: Build.
func ReadRows(ctx context.Context, db *sql.DB, maxBytes int) ([]Row, error) {
	// Cancelled before Close on a refusal: the driver then drops the connection instead of
	// reading the rest of the result to drain it (megabytes, to throw away).
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	rs, err := db.QueryContext(ctx, Query)
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
