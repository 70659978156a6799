package snapshot

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"
)

func ptr(s string) *string { return &s }

var now = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

func TestBuild(t *testing.T) {
	full := []Row{
		{"ServerStatus", ptr("0"), ptr("Сервер онлайн")},
		{"RateExp", ptr("2.5"), ptr("XP rate")},
		{"RatePvp", ptr(" 1.5 "), nil},
		{"RatePve", ptr("3"), ptr("")},
		{"RateColorMob", ptr("1.25"), ptr("m")},
		{"RateSkill", ptr("2"), ptr("s")},
		{"CLIENT_STATUS", ptr("512"), ptr("c")},
		{"Unrelated", ptr("x"), ptr("extra row")},
	}
	tests := []struct {
		name      string
		rows      []Row
		want      Snapshot
		fallbacks []Fallback
	}{
		{
			name: "all present",
			rows: full,
			want: Snapshot{ServerStatus: 0, Rates: Rates{2.5, 1.5, 3, 1.25, 2}, ClientStatus: 512},
		},
		{
			name: "empty table takes every default",
			rows: nil,
			want: Snapshot{ServerStatus: 1, Rates: Rates{1, 1, 1, 1, 1}, ClientStatus: 256},
			fallbacks: []Fallback{{"ServerStatus", "missing"}, {"RateExp", "missing"}, {"RatePvp", "missing"},
				{"RatePve", "missing"}, {"RateColorMob", "missing"}, {"RateSkill", "missing"}, {"CLIENT_STATUS", "missing"}},
		},
		{
			name: "bad values fall back one by one",
			rows: []Row{
				{"ServerStatus", nil, nil},
				{"RateExp", ptr("fast"), nil},
				{"RatePvp", ptr("NaN"), nil},
				{"RatePve", ptr("Inf"), nil},
				{"RateColorMob", ptr(""), nil},
				{"RateSkill", ptr("1e3"), nil},
				{"CLIENT_STATUS", ptr("0x10"), nil},
			},
			want: Snapshot{ServerStatus: 1, Rates: Rates{1, 1, 1, 1, 1000}, ClientStatus: 256},
			fallbacks: []Fallback{{"ServerStatus", "NULL"}, {"RateExp", `not a number: "fast"`}, {"RatePvp", `not a number: "NaN"`},
				{"RatePve", `not a number: "Inf"`}, {"RateColorMob", `not a number: ""`}, {"CLIENT_STATUS", `not a number: "0x10"`}},
		},
		{
			// Issue 27: ParseFloat reads "0x1p4" as 16, and a negative rate was published.
			name: "hexadecimal and negative rates fall back",
			rows: []Row{
				{"ServerStatus", ptr(" 1 "), nil},
				{"RateExp", ptr("0x1p4"), nil},
				{"RatePvp", ptr("-2"), nil},
				{"RatePve", ptr("-0.5e1"), nil},
				{"RateColorMob", ptr("0X1.8P1"), nil},
				{"RateSkill", ptr("+2.50"), nil},
				{"CLIENT_STATUS", ptr("-1"), nil},
			},
			want: Snapshot{ServerStatus: 1, Rates: Rates{1, 1, 1, 1, 2.5}, ClientStatus: -1},
			fallbacks: []Fallback{{"RateExp", `not a number: "0x1p4"`}, {"RatePvp", "a negative rate: -2"},
				{"RatePve", "a negative rate: -5"}, {"RateColorMob", `not a number: "0X1.8P1"`}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, fb := Build(tt.rows, now.Add(300*time.Millisecond), 15*time.Minute)
			if got.ServerStatus != tt.want.ServerStatus || got.Rates != tt.want.Rates || got.ClientStatus != tt.want.ClientStatus {
				t.Errorf("values = %v %+v %v, want %v %+v %v", got.ServerStatus, got.Rates, got.ClientStatus,
					tt.want.ServerStatus, tt.want.Rates, tt.want.ClientStatus)
			}
			if !reflect.DeepEqual(fb, tt.fallbacks) {
				t.Errorf("fallbacks = %q, want %q", fb, tt.fallbacks)
			}
			if !got.UpdatedAt.Equal(now) || !got.FreshUntil.Equal(now.Add(15*time.Minute)) {
				t.Errorf("updated_at %v fresh_until %v", got.UpdatedAt, got.FreshUntil)
			}
			if len(got.Meta) != len(tt.rows) {
				t.Errorf("_meta has %d names, want one per row (%d)", len(got.Meta), len(tt.rows))
			}
		})
	}
}

func TestEncodeMatchesContract(t *testing.T) {
	s, _ := Build([]Row{{"ServerStatus", ptr("1"), ptr("Сервер <онлайн>")}, {"RateExp", ptr("2.5"), ptr("XP rate")}}, now, 15*time.Minute)
	s.Status = StatusOnline // the word a publish gives it (worldstate.Published)
	got := string(s.Encode())
	want := `{"server_status":1,"rates":{"exp":2.5,"pvp":1,"pve":1,"color_mob":1,"skill":1},"client_status":256,` +
		`"updated_at":"2026-11-26T12:00:00Z","fresh_until":"2026-11-26T12:15:00Z",` +
		`"online":true,"players":null,"checked_at":"2026-11-26T12:00:00Z","seq":1795694400000,"probe":[],` +
		`"status":"online","maintenance":null,"next_maintenance":null,"_meta":{"RateExp":"XP rate","ServerStatus":"Сервер <онлайн>"}}`
	if got != want {
		t.Errorf("Encode =\n%s\nwant\n%s", got, want)
	}
	back, err := Parse([]byte(got))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, s) {
		t.Errorf("Parse(Encode(s)) = %+v, want %+v", back, s)
	}
}

func TestParseRejectsWrongShapes(t *testing.T) {
	for _, in := range []string{
		``, `not json`, `[1,2]`, `{}`, `{"foo":1}`, `null`,
		`{"server_status":1,"rates":{},"client_status":256}`,
		`{"server_status":1,"rates":{},"client_status":256,"updated_at":"2026-11-26T12:00:00Z","fresh_until":"2026-11-26T11:00:00Z"}`,
		`{"server_status":"1","rates":{},"client_status":256,"updated_at":"2026-11-26T12:00:00Z","fresh_until":"2026-11-26T13:00:00Z"}`,
	} {
		if _, err := Parse([]byte(in)); err == nil {
			t.Errorf("Parse(%q) accepted a value that is not a snapshot", in)
		}
	}
}

func TestAgeAndFresh(t *testing.T) {
	s, _ := Build(nil, now, 900*time.Second)
	if got := s.Age(now.Add(899 * time.Second)); got != 899 {
		t.Errorf("Age = %d", got)
	}
	if got := s.Age(now.Add(-time.Minute)); got != 0 {
		t.Errorf("Age before updated_at = %d, want 0", got)
	}
	if !s.Fresh(now.Add(899*time.Second)) || s.Fresh(now.Add(900*time.Second)) {
		t.Error("fresh for exactly TTL seconds")
	}
}

// FuzzBuild: whatever the table holds, a refresh never panics and always yields valid JSON
// that Parse accepts.
func FuzzBuild(f *testing.F) {
	f.Add("RateExp", "2.5", "опыт", false, false)
	f.Add("CLIENT_STATUS", "NaN", "\xff\xfe", true, false)
	f.Add("ServerStatus", "1e400", "<b>", false, true)
	f.Fuzz(func(t *testing.T, name, value, desc string, nullValue, nullDesc bool) {
		r := Row{Name: name, Value: &value, Description: &desc}
		if nullValue {
			r.Value = nil
		}
		if nullDesc {
			r.Description = nil
		}
		s, _ := Build([]Row{r, {"RatePvp", &value, &desc}}, now, time.Minute)
		b := s.Encode()
		if !json.Valid(b) {
			t.Fatalf("invalid JSON: %s", b)
		}
		if _, err := Parse(b); err != nil {
			t.Fatalf("Parse(Encode) = %v for %s", err, b)
		}
		if strings.Contains(string(b), "\n") {
			t.Fatalf("snapshot spans lines: %s", b)
		}
	})
}
