// Package players reads the number of players online with the operator's
// STATUS_PLAYERS_QUERY. The query is checked to be one read-only SELECT before it ever
// reaches the database. That check catches mistakes and keeps a query from writing,
// locking or sleeping on the game's database; it is not the security boundary: the
// snapshotter's MySQL user should hold only SELECT on the tables it reads.
package players

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
)

// Env is the variable that holds the query.
const Env = "STATUS_PLAYERS_QUERY"

// LoadQuery reads STATUS_PLAYERS_QUERY. The bool is false when it is empty (no player
// count); a query that does not validate is an error naming the variable.
func LoadQuery(getenv func(string) string) (string, bool, error) {
	q := strings.TrimSpace(getenv(Env))
	if q == "" {
		return "", false, nil
	}
	if err := Validate(q); err != nil {
		return "", false, fmt.Errorf("%s: %w", Env, err)
	}
	return q, true, nil
}

// Validate accepts exactly one read-only SELECT statement, optionally ending in ';' and
// whitespace. It refuses anything else with an error that says why: another kind of
// statement, a second statement, SELECT ... INTO (writes a file or variables), FOR
// UPDATE / LOCK IN SHARE MODE (locks rows the game server writes), and the few functions
// that sleep, lock, read server files or advance sequences.
func Validate(q string) error {
	toks, err := lex(q)
	if err != nil {
		return refuse(err.Error())
	}
	// One optional ';' at the end; any other ';' separates statements.
	if n := len(toks); n > 0 && toks[n-1].text == ";" {
		toks = toks[:n-1]
	}
	if len(toks) == 0 {
		return refuse("the query is empty")
	}
	for _, t := range toks {
		if t.text == ";" {
			return refuse("it holds more than one statement (a ';' before the end)")
		}
	}
	if first := toks[0]; first.kind != word || first.text != "SELECT" {
		return refuse(fmt.Sprintf("it starts with %s, not SELECT", first.show()))
	}
	for i, t := range toks {
		if t.kind != word || (i > 0 && toks[i-1].text == ".") {
			continue // after a '.', a reserved word is a column or table name
		}
		next := ""
		if i+1 < len(toks) {
			next = toks[i+1].text
		}
		prev := ""
		if i > 0 {
			prev = toks[i-1].text
		}
		switch {
		case t.text == "INTO":
			return refuse("SELECT ... INTO writes to a file, a table or variables")
		case t.text == "FOR" && (next == "UPDATE" || next == "SHARE"):
			return refuse("FOR " + next + " locks the rows it reads")
		case t.text == "LOCK":
			return refuse("LOCK IN SHARE MODE locks the rows it reads")
		case t.text == "PROCEDURE":
			return refuse("SELECT ... PROCEDURE runs a procedure")
		case t.text == "FOR" && prev == "VALUE":
			return refuse("NEXT VALUE FOR advances a sequence")
		case next == "(" && sideEffect(t.text) != "":
			return refuse(fmt.Sprintf("%s() %s", t.text, sideEffect(t.text)))
		}
	}
	return nil
}

// sideEffect says why a player count has no business calling function fn, or "" when it may.
func sideEffect(fn string) string {
	switch fn {
	case "SLEEP":
		return "makes the query wait"
	case "BENCHMARK":
		return "burns database CPU on purpose"
	case "GET_LOCK", "RELEASE_LOCK", "RELEASE_ALL_LOCKS":
		return "takes or releases a lock"
	case "LOAD_FILE":
		return "reads a file on the database server"
	case "NEXTVAL", "SETVAL":
		return "changes a sequence"
	case "MASTER_POS_WAIT", "MASTER_GTID_WAIT":
		return "waits for replication"
	}
	return ""
}

func refuse(why string) error {
	return fmt.Errorf("want exactly one read-only SELECT statement: %s", why)
}

type kind int8

const (
	word   kind = iota // keyword or bare identifier, upper-cased
	quoted             // string literal or `identifier`: never a keyword
	punct              // one character of punctuation
)

type token struct {
	kind kind
	text string
}

func (t token) show() string {
	if t.kind == word {
		return t.text
	}
	return fmt.Sprintf("%q", t.text)
}

// lex splits q into MySQL/MariaDB tokens, dropping whitespace and comments, so that a
// keyword inside a string, a quoted name or a comment is not mistaken for one that runs.
func lex(q string) ([]token, error) {
	var toks []token
	r := []rune(q)
	for i := 0; i < len(r); {
		c := r[i]
		switch {
		case unicode.IsSpace(c):
			i++
		case c == '#' || (c == '-' && i+1 < len(r) && r[i+1] == '-' && (i+2 == len(r) || unicode.IsSpace(r[i+2]))):
			for i < len(r) && r[i] != '\n' {
				i++
			}
		case c == '/' && i+1 < len(r) && r[i+1] == '*':
			body := string(r[i+2:])
			// MySQL runs the text of /*! ... */ and MariaDB also of /*M! ... */ as SQL.
			if strings.HasPrefix(body, "!") || strings.HasPrefix(body, "M!") {
				return nil, errors.New("it has an executable comment (/*! ... */), which the server runs as SQL")
			}
			end := strings.Index(body, "*/")
			if end < 0 {
				return nil, errors.New("a /* comment is not closed")
			}
			i += 2 + len([]rune(body[:end])) + 2
		case c == '\'' || c == '"' || c == '`':
			j, err := closeQuote(r, i)
			if err != nil {
				return nil, err
			}
			toks = append(toks, token{quoted, string(r[i:j])})
			i = j
		case isWordRune(c):
			j := i
			for j < len(r) && isWordRune(r[j]) {
				j++
			}
			toks = append(toks, token{word, strings.ToUpper(string(r[i:j]))})
			i = j
		default:
			toks = append(toks, token{punct, string(c)})
			i++
		}
	}
	return toks, nil
}

// closeQuote returns the index just past the quote that closes the one at r[i]. A
// doubled quote stands for itself; in strings (not `names`) a backslash escapes.
func closeQuote(r []rune, i int) (int, error) {
	q := r[i]
	for j := i + 1; j < len(r); j++ {
		switch {
		case r[j] == '\\' && q != '`':
			j++
		case r[j] == q && j+1 < len(r) && r[j+1] == q:
			j++
		case r[j] == q:
			return j + 1, nil
		}
	}
	return 0, fmt.Errorf("a %c quote is not closed", q)
}

func isWordRune(c rune) bool {
	return c == '_' || c == '$' || unicode.IsLetter(c) || unicode.IsDigit(c)
}
