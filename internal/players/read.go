package players

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Read runs q (which must pass Validate) and returns the one number it selects. The
// result must be exactly one row with one cell, an integer or a decimal with no
// fraction, not NULL and not negative; anything else is an error that says what the
// query returned instead. ctx bounds it: the snapshotter gives the count -db-timeout,
// as it gives the constants read.
func Read(ctx context.Context, db *sql.DB, q string) (int64, error) {
	if err := Validate(q); err != nil {
		return 0, err
	}
	rows, err := db.QueryContext(ctx, q)
	if err != nil {
		return 0, fmt.Errorf("players query: %w", err)
	}
	defer rows.Close()
	cols, err := rows.ColumnTypes()
	if err != nil {
		return 0, fmt.Errorf("players query columns: %w", err)
	}
	if len(cols) != 1 {
		names := make([]string, len(cols))
		for i, c := range cols {
			names[i] = c.Name()
		}
		return 0, fmt.Errorf("players query returned %d columns (%s), want 1", len(cols), strings.Join(names, ", "))
	}
	typ := cols[0].DatabaseTypeName()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return 0, fmt.Errorf("players query: %w", err)
		}
		return 0, errors.New("players query returned no rows, want 1")
	}
	var cell sql.NullString
	if err := rows.Scan(&cell); err != nil {
		return 0, fmt.Errorf("players query scan: %w", err)
	}
	if rows.Next() {
		return 0, errors.New("players query returned more than one row, want 1")
	}
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("players query: %w", err)
	}
	if !cell.Valid {
		return 0, errors.New("players query returned NULL, want a number")
	}
	return parseCount(typ, cell.String)
}

// parseCount reads the cell by its column type: a text column holding digits is still
// refused, because it means the query is not the count the operator thinks it is.
func parseCount(typ, v string) (int64, error) {
	switch strings.TrimPrefix(typ, "UNSIGNED ") {
	case "TINYINT", "SMALLINT", "MEDIUMINT", "INT", "BIGINT":
	case "DECIMAL", "DOUBLE", "FLOAT":
		// SUM() of an integer column is a DECIMAL in MySQL: accept it when whole.
		whole, frac, found := strings.Cut(v, ".")
		if found && strings.Trim(frac, "0") != "" {
			return 0, fmt.Errorf("players query returned %s, want a whole number", v)
		}
		if strings.ContainsAny(whole, "eE") {
			return 0, fmt.Errorf("players query returned %s, want a whole number without an exponent", v)
		}
		v = whole
	default:
		return 0, fmt.Errorf("players query returned a %s column (%q), want a number", typ, v)
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("players query returned %s: %w", v, err)
	}
	if n < 0 {
		return 0, fmt.Errorf("players query returned %d, want a count of 0 or more", n)
	}
	return n, nil
}
