package players

import (
	"context"
	"strings"
	"testing"
	"time"

	"statusedge/internal/harness/harnesstest"
)

const seed = `
CREATE TABLE characters (
	id INT UNSIGNED PRIMARY KEY,
	name VARCHAR(32) NOT NULL,
	online TINYINT NOT NULL DEFAULT 0,
	level INT NOT NULL
);
INSERT INTO characters VALUES (1, 'Алёна', 1, 10), (2, 'bob', 0, 20), (3, 'carol', 1, 31), (4, 'dave', 1, 40);
`

// TestRead runs player-count queries against a real MariaDB started for the test.
func TestRead(t *testing.T) {
	m := harnesstest.MariaDB(t)
	harnesstest.DB(t, m, "players", seed)
	db, err := m.Root("players")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })

	tests := []struct {
		name    string
		q       string
		want    int64
		wantErr string // substring; "" for success
	}{
		{"count of online characters", "SELECT COUNT(*) FROM characters WHERE online = 1", 3, ""},
		{"trailing semicolon", "select count(*) from characters where online = 1;\n", 3, ""},
		{"zero", "SELECT COUNT(*) FROM characters WHERE level > 100", 0, ""},
		{"SUM is a whole DECIMAL", "SELECT SUM(online) FROM characters", 3, ""},
		{"whole decimal with a scale", "SELECT CAST(42 AS DECIMAL(10,2))", 42, ""},
		{"unsigned integer", "SELECT MAX(id) FROM characters", 4, ""},
		{"fractional decimal", "SELECT AVG(level) FROM characters", 0, "want a whole number"},
		{"text", "SELECT name FROM characters WHERE id = 2", 0, `returned a VARCHAR column ("bob"), want a number`},
		{"digits as text", "SELECT '42'", 0, "VARCHAR column"},
		{"two columns", "SELECT COUNT(*), MAX(level) FROM characters", 0, "returned 2 columns"},
		{"two rows", "SELECT online FROM characters", 0, "more than one row"},
		{"no rows", "SELECT id FROM characters WHERE id = 999", 0, "no rows"},
		{"NULL", "SELECT MAX(level) FROM characters WHERE id = 999", 0, "returned NULL"},
		{"bare NULL", "SELECT NULL", 0, "returned NULL"},
		{"negative", "SELECT -5", 0, "want a count of 0 or more"},
		{"server error", "SELECT COUNT(*) FROM no_such_table", 0, "players query: Error 1146"},
		{"refused before the server", "DELETE FROM characters", 0, "starts with DELETE"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
			defer cancel()
			got, err := Read(ctx, db, tt.q)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Read = %d, %v; want an error containing %q", got, err, tt.wantErr)
				}
				t.Log(err)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("Read = %d, want %d", got, tt.want)
			}
		})
	}

	// The refused DELETE never reached the server: every character is still there.
	var n int
	if err := db.QueryRowContext(t.Context(), "SELECT COUNT(*) FROM characters").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 4 {
		t.Errorf("%d characters left, want 4", n)
	}
	deletes, err := m.Status(t.Context(), "Com_delete")
	if err != nil {
		t.Fatal(err)
	}
	if deletes != 0 {
		t.Errorf("the server counted %d DELETE statements, want 0", deletes)
	}
}
