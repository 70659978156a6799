package snapshot

import (
	"context"
	"database/sql"
	"fmt"
)

// Query is the one statement statusedge sends to MySQL.
const Query = "SELECT Name, Value, Description FROM constants"

// ReadRows reads every row of `constants`. Value is scanned as text whatever its column
// type (VARCHAR, DOUBLE, DECIMAL), so the number parsing lives in one place: Build.
func ReadRows(ctx context.Context, db *sql.DB) ([]Row, error) {
	rs, err := db.QueryContext(ctx, Query)
	if err != nil {
		return nil, fmt.Errorf("read constants: %w", err)
	}
	defer rs.Close()
	var rows []Row
	for rs.Next() {
		var name sql.NullString
		var value, desc sql.NullString
		if err := rs.Scan(&name, &value, &desc); err != nil {
			return nil, fmt.Errorf("read constants: %w", err)
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
