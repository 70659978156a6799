package history

import (
	"errors"
	"strings"
	"testing"

	"statusedge/internal/maintenance"
)

// TestNoteRequestCheck: a note needs both languages, one printable line each, within
// the caps; a refusal is the operator's (Invalid), and a kept text is trimmed.
func TestNoteRequestCheck(t *testing.T) {
	text := func(en, ru string) *maintenance.Text { return &maintenance.Text{EN: en, RU: ru} }
	for _, tc := range []struct {
		name string
		q    NoteRequest
		err  string
	}{
		{"nothing", NoteRequest{}, "nothing to note"},
		{"half a title", NoteRequest{Title: text("Down", "")}, "title: en and ru go together"},
		{"a line break", NoteRequest{Message: text("a\nb", "б")}, "message.en: a control character or line break at byte 1"},
		{"too long", NoteRequest{Title: text(strings.Repeat("x", maxTitleChars+1), "т")}, "title.en: 201 characters, at most 200"},
		{"good", NoteRequest{Title: text(" Down ", " Недоступен "), Message: text("Back soon", "Скоро")}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.q.Check()
			if tc.err == "" {
				if err != nil {
					t.Fatal(err)
				}
				if tc.q.Title.EN != "Down" || tc.q.Title.RU != "Недоступен" {
					t.Errorf("title %+v, want trimmed", *tc.q.Title)
				}
				return
			}
			var ne *NoteError
			if !errors.As(err, &ne) || ne.Why != Invalid || !strings.Contains(err.Error(), tc.err) {
				t.Fatalf("err %v, want an Invalid NoteError saying %q", err, tc.err)
			}
		})
	}
}
