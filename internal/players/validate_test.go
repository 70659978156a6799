package players

import (
	"strings"
	"testing"
)

func TestValidate(t *testing.T) {
	tests := []struct {
		q       string
		wantErr string // substring; "" to accept
	}{
		{"SELECT COUNT(*) FROM characters WHERE online = 1", ""},
		{"  select count(*) from characters where online = 1 ;  \n", ""},
		{"SELECT COUNT(*) FROM characters;", ""},
		{"SELECT COUNT(*) FROM characters WHERE name <> 'x; DROP TABLE t'", ""},
		{"SELECT COUNT(*) FROM characters WHERE name = 'it''s into' -- for update\n", ""},
		{"SELECT COUNT(*) FROM characters WHERE note = \"for update\" # lock", ""},
		{"SELECT COUNT(*) /* into outfile */ FROM characters", ""},
		{"SELECT COUNT(`into`) FROM `for update`", ""},
		{"SELECT SUM(c.update) FROM characters c", ""}, // after '.', a reserved word is a name
		{"SELECT COUNT(*) FROM accounts WHERE name = 'a\\'; DELETE FROM x'", ""},
		{"SELECT sleep FROM characters", ""}, // a column named sleep, not the function
		{"SELECT REPLACE(name, 'a', 'b') FROM characters", ""},
		{"", "the query is empty"},
		{" ; ", "the query is empty"},
		{"DELETE FROM x", "starts with DELETE, not SELECT"},
		{"UPDATE characters SET online = 0", "starts with UPDATE"},
		{"WITH c AS (SELECT 1) SELECT * FROM c", "starts with WITH"},
		{"(SELECT 1)", `starts with "(", not SELECT`},
		{"SELECT 1; DROP TABLE t", "more than one statement"},
		{"SELECT 1;;", "more than one statement"},
		{"SELECT 1; SELECT 2;", "more than one statement"},
		{"select * from characters into outfile '/tmp/x'", "INTO writes"},
		{"SELECT COUNT(*) INTO @n FROM characters", "INTO writes"},
		{"SELECT COUNT(*) FROM characters FOR UPDATE", "FOR UPDATE locks"},
		{"SELECT COUNT(*) FROM characters for share", "FOR SHARE locks"},
		{"SELECT COUNT(*) FROM characters LOCK IN SHARE MODE", "LOCK IN SHARE MODE"},
		{"SELECT SLEEP(10)", "SLEEP() makes the query wait"},
		{"SELECT benchmark (1000000, md5('x'))", "BENCHMARK()"},
		{"SELECT GET_LOCK('x', 10)", "lock"},
		{"SELECT LENGTH(LOAD_FILE('/etc/passwd'))", "LOAD_FILE()"},
		{"SELECT NEXT VALUE FOR s", "advances a sequence"},
		{"SELECT NEXTVAL(s)", "sequence"},
		{"SELECT 1 /*!50000 INTO OUTFILE '/tmp/x' */", "executable comment"},
		{"SELECT 1 /*M! , SLEEP(5) */", "executable comment"},
		{"SELECT 1 /* open", "not closed"},
		{"SELECT 'open", "quote is not closed"},
		{"SELECT `open", "quote is not closed"},
		{"SELECT 1 FROM t PROCEDURE ANALYSE()", "PROCEDURE"},
	}
	for _, tt := range tests {
		t.Run(tt.q, func(t *testing.T) {
			err := Validate(tt.q)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tt.wantErr == "":
			case err == nil:
				t.Fatalf("accepted, want an error containing %q", tt.wantErr)
			case !strings.Contains(err.Error(), tt.wantErr):
				t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestLoadQuery(t *testing.T) {
	getenv := func(q string) func(string) string {
		return func(k string) string {
			if k == "STATUS_PLAYERS_QUERY" {
				return q
			}
			return ""
		}
	}
	if q, ok, err := LoadQuery(getenv("  ")); q != "" || ok || err != nil {
		t.Errorf("empty: %q %v %v, want no query and no error", q, ok, err)
	}
	if q, ok, err := LoadQuery(getenv(" SELECT COUNT(*) FROM characters\n")); q != "SELECT COUNT(*) FROM characters" || !ok || err != nil {
		t.Errorf("valid: %q %v %v", q, ok, err)
	}
	_, ok, err := LoadQuery(getenv("DELETE FROM characters"))
	if ok || err == nil || !strings.HasPrefix(err.Error(), "STATUS_PLAYERS_QUERY: ") {
		t.Errorf("invalid: ok %v err %v, want an error naming STATUS_PLAYERS_QUERY", ok, err)
	}
}
