package replica

import (
	"context"
	"database/sql"

	"statusedge/internal/players"
	"statusedge/internal/snapshot"
)

// Source is where a world's refresher reads: its pool, the `constants` table, the size cap
// of one read, and STATUS_PLAYERS_QUERY or the world's ("" for none). The reads it makes
// are this package's own, so that a snapshot's walk from MySQL to nginx runs downward.
type Source struct {
	DB           *sql.DB
	Table        string
	MaxSnapshot  int
	PlayersQuery string
}

// readers are the refresher's read and players functions over src; players is nil
// without a query.
func (src Source) readers() (read func(context.Context) ([]snapshot.Row, error), count func(context.Context) (int64, error)) {
	read = func(ctx context.Context) ([]snapshot.Row, error) {
		return snapshot.ReadTable(ctx, src.DB, src.Table, src.MaxSnapshot)
	}
	if src.PlayersQuery != "" {
		q := src.PlayersQuery
		count = func(ctx context.Context) (int64, error) { return players.Read(ctx, src.DB, q) }
	}
	return read, count
}
