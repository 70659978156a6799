package snapshot_test

import (
	"context"
	"database/sql"
	"testing"
	"time"

	_ "github.com/go-sql-driver/mysql"

	"statusedge/internal/config"
	"statusedge/internal/harness/harnesstest"
	"statusedge/internal/snapshot"
)

// TestReadRowsColumnShapes runs the real query against the table shapes seen in the wild.
func TestReadRowsColumnShapes(t *testing.T) {
	m := harnesstest.MariaDB(t)
	tests := []struct {
		name, ddl, insert string
		want              snapshot.Rates
		fallbacks         map[string]string
	}{
		{
			name:   "varchar",
			ddl:    "Value VARCHAR(255) NULL, Description VARCHAR(255) NULL",
			insert: "('RateExp','2.5','Опыт'),('RatePvp','abc','PvP'),('RatePve',NULL,NULL),('Extra','x','лишняя строка')",
			want:   snapshot.Rates{Exp: 2.5, PvP: 1, PvE: 1, ColorMob: 1, Skill: 1},
			fallbacks: map[string]string{"RatePvp": `not a number: "abc"`, "RatePve": "NULL", "RateColorMob": "missing",
				"RateSkill": "missing", "ServerStatus": "missing", "CLIENT_STATUS": "missing"},
		},
		{
			name:      "double",
			ddl:       "Value DOUBLE NULL, Description TEXT NULL",
			insert:    "('RateExp',2.5,'Опыт'),('RatePvp',1.5,NULL),('RatePve',3,''),('RateColorMob',1.25,'m'),('RateSkill',NULL,'s'),('ServerStatus',0,'off'),('CLIENT_STATUS',256,'c')",
			want:      snapshot.Rates{Exp: 2.5, PvP: 1.5, PvE: 3, ColorMob: 1.25, Skill: 1},
			fallbacks: map[string]string{"RateSkill": "NULL"},
		},
		{
			name:      "decimal",
			ddl:       "Value DECIMAL(10,3) NULL, Description VARCHAR(64) NULL",
			insert:    "('RateExp',2.500,'Опыт'),('RatePvp',1.5,'p'),('RatePve',3,'e'),('RateColorMob',1.25,'m'),('RateSkill',2,'s'),('ServerStatus',1,'on'),('CLIENT_STATUS',256,'c')",
			want:      snapshot.Rates{Exp: 2.5, PvP: 1.5, PvE: 3, ColorMob: 1.25, Skill: 2},
			fallbacks: map[string]string{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := harnesstest.DB(t, m, "shape_"+tt.name,
				"CREATE TABLE constants (Name VARCHAR(64) NOT NULL, "+tt.ddl+") DEFAULT CHARSET=utf8mb4;"+
					"INSERT INTO constants VALUES "+tt.insert)
			cfg := config.Config{DBHost: m.Host, DBPort: m.Port, DBUser: "root", DBName: db}
			conn, err := sql.Open("mysql", cfg.DSN(5*time.Second))
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			rows, err := snapshot.ReadRows(ctx, conn, config.DefaultMaxSnapshot)
			if err != nil {
				t.Fatal(err)
			}
			s, fb := snapshot.Build(rows, time.Now(), time.Minute)
			if s.Rates != tt.want {
				t.Errorf("rates = %+v, want %+v", s.Rates, tt.want)
			}
			got := map[string]string{}
			for _, f := range fb {
				got[f.Name] = f.Reason
			}
			if len(got) != len(tt.fallbacks) {
				t.Errorf("fallbacks = %v, want %v", got, tt.fallbacks)
			}
			for k, v := range tt.fallbacks {
				if got[k] != v {
					t.Errorf("fallback %s = %q, want %q", k, got[k], v)
				}
			}
			if s.Meta["RateExp"] != "Опыт" {
				t.Errorf("Cyrillic description = %q, want Опыт", s.Meta["RateExp"])
			}
		})
	}
}
