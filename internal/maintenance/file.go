package maintenance

import (
	"errors"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"statusedge/internal/yamlfile"
)

// Env names the maintenance file.
const Env = "STATUS_MAINTENANCE_FILE"

// Limits of the file and of the command line. A window is planned maintenance, not an
// outage: a week is past any planned stop, and a longer one is a typo in a date.
const (
	maxWindows      = 100
	MaxDuration     = 7 * 24 * time.Hour
	minDuration     = time.Minute
	maxMessageChars = 500 // a banner on the status page
)

var (
	atRule = regexp.MustCompile(`^([01][0-9]|2[0-3]):([0-5][0-9])$`)
)

// The file's shape, decoded with KnownFields so that a typo in a key is refused, not
// ignored (a window silently every day instead of on Wednesdays).
type (
	fileYAML struct {
		Windows []windowYAML `yaml:"windows"`
	}
	windowYAML struct {
		// Recurring: at, duration and time_zone, and optionally weekdays.
		Weekdays *[]string `yaml:"weekdays"`
		At       string    `yaml:"at"`
		Duration string    `yaml:"duration"`
		TimeZone string    `yaml:"time_zone"`
		// One-off: from and until.
		From  string `yaml:"from"`
		Until string `yaml:"until"`

		Message Text      `yaml:"message"`
		Worlds  *[]string `yaml:"worlds"`
	}
)

// LoadFile reads the maintenance file at path into a Schedule per world id. worlds are
// the deployment's world ids ([""] without a worlds file, where a window's worlds: key is
// refused); every one of them is in the map. An empty path is no file: no windows.
func LoadFile(path string, worlds []string) (map[string]Schedule, error) {
	if path == "" {
		return schedules(worlds), nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fileErr(path, err)
	}
	return ParseFile(path, data, worlds)
}

// ParseFile is LoadFile's validation of the file's bytes (name is used in errors).
func ParseFile(name string, data []byte, worlds []string) (map[string]Schedule, error) {
	out, err := parse(data, worlds)
	if err != nil {
		// One line: the program prints it at start.
		msg := strings.Join(strings.Fields(strings.ReplaceAll(err.Error(), "\n", " ")), " ")
		return nil, fmt.Errorf("%s %s: %s", Env, name, msg)
	}
	return out, nil
}

func schedules(worlds []string) map[string]Schedule {
	out := make(map[string]Schedule, len(worlds))
	for _, id := range worlds {
		out[id] = Schedule{}
	}
	return out
}

func parse(data []byte, worlds []string) (map[string]Schedule, error) {
	var f fileYAML
	top, err := yamlfile.Decode(data, "maintenance file", "a mapping holding windows: (a list, [] for none)", &f)
	if te := (*yaml.TypeError)(nil); errors.As(err, &te) {
		return nil, typeError(te.Errors[0], top)
	}
	if err != nil {
		return nil, err
	}
	if len(f.Windows) > maxWindows {
		return nil, fmt.Errorf("windows: %d listed, at most %d", len(f.Windows), maxWindows)
	}
	out := schedules(worlds)
	for i, y := range f.Windows {
		if err := y.add(out, worlds); err != nil {
			return nil, fmt.Errorf("window #%d: %w", i+1, err)
		}
	}
	return out, nil
}

// add validates one window of the file and adds it to the schedules of its worlds.
func (y windowYAML) add(out map[string]Schedule, worlds []string) error {
	msg, err := checkText(y.Message)
	if err != nil {
		return fmt.Errorf("message.%w", err)
	}
	ids, err := y.worldsOf(worlds)
	if err != nil {
		return err
	}
	recurring := y.At != "" || y.Duration != "" || y.TimeZone != "" || y.Weekdays != nil
	oneOff := y.From != "" || y.Until != ""
	switch {
	case recurring && oneOff:
		return errors.New("mixes from/until (one-off) with at/duration/time_zone/weekdays (recurring); want one kind")
	case oneOff:
		w, err := y.oneOff(msg)
		if err != nil {
			return err
		}
		for _, id := range ids {
			s := out[id]
			s.OneOff = append(s.OneOff, w)
			out[id] = s
		}
	case recurring:
		r, err := y.recurring(msg)
		if err != nil {
			return err
		}
		for _, id := range ids {
			s := out[id]
			s.Recurring = append(s.Recurring, r)
			out[id] = s
		}
	default:
		return errors.New("no time; want from and until (one-off) or at, duration and time_zone (recurring)")
	}
	return nil
}

// worldsOf is the worlds a window is for: those of its worlds: key, or every world.
func (y windowYAML) worldsOf(worlds []string) ([]string, error) {
	if y.Worlds == nil {
		return worlds, nil
	}
	if slices.Equal(worlds, []string{""}) {
		return nil, errors.New("worlds: there is no worlds file (STATUS_WORLDS_FILE); leave worlds out")
	}
	if len(*y.Worlds) == 0 {
		return nil, errors.New("worlds: empty; list world ids, or leave worlds out for every world")
	}
	for i, id := range *y.Worlds {
		if !slices.Contains(worlds, id) {
			return nil, fmt.Errorf("worlds: %q is not a world of the worlds file; want one of %s", id, strings.Join(worlds, ", "))
		}
		if slices.Contains((*y.Worlds)[:i], id) {
			return nil, fmt.Errorf("worlds: %q listed twice", id)
		}
	}
	return *y.Worlds, nil
}

func (y windowYAML) oneOff(msg Text) (Window, error) {
	from, err := rfc3339("from", y.From)
	if err != nil {
		return Window{}, err
	}
	until, err := rfc3339("until", y.Until)
	if err != nil {
		return Window{}, err
	}
	w := Window{From: from, Until: until, Message: msg}
	if err := checkSpan(w); err != nil {
		return Window{}, fmt.Errorf("until: %w", err)
	}
	return w, nil
}

func rfc3339(field, v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, fmt.Errorf("%s: missing; want an RFC 3339 time such as 2026-12-10T10:00:00+03:00", field)
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return time.Time{}, fmt.Errorf("%s %q: want an RFC 3339 time with its offset, such as 2026-12-10T10:00:00+03:00", field, v)
	}
	return t, nil
}

// checkSpan holds a one-off window to until after from and at most MaxDuration long.
func checkSpan(w Window) error {
	switch d := w.Until.Sub(w.From); {
	case d <= 0:
		return errors.New("not after from; want a window that ends after it starts")
	case d > MaxDuration:
		return fmt.Errorf("%s after from, at most %s", Human(d), Human(MaxDuration))
	}
	return nil
}

func (y windowYAML) recurring(msg Text) (Recurring, error) {
	r := Recurring{Message: msg}
	m := atRule.FindStringSubmatch(y.At)
	switch {
	case y.At == "":
		return Recurring{}, errors.New(`at: missing; want the local start time as "HH:MM"`)
	case m == nil:
		return Recurring{}, fmt.Errorf(`at %q: want "HH:MM", 00:00 to 23:59`, y.At)
	}
	r.Hour, _ = strconv.Atoi(m[1])
	r.Minute, _ = strconv.Atoi(m[2])
	if y.Duration == "" {
		return Recurring{}, errors.New("duration: missing; want a Go duration such as 2h or 90m")
	}
	d, err := time.ParseDuration(y.Duration)
	switch {
	case err != nil:
		return Recurring{}, fmt.Errorf("duration %q: want a Go duration such as 2h or 90m", y.Duration)
	case d < minDuration || d > MaxDuration:
		return Recurring{}, fmt.Errorf("duration %q: want %s to %s", y.Duration, Human(minDuration), Human(MaxDuration))
	}
	r.Duration = d
	if y.TimeZone == "" {
		return Recurring{}, errors.New("time_zone: missing; want an IANA zone such as Europe/Moscow (or UTC)")
	}
	// LoadLocation("") and "Local" are the machine's zone: a window that moves with the
	// host's TZ is not what an operator wrote.
	loc, err := time.LoadLocation(y.TimeZone)
	if err != nil || y.TimeZone == "Local" {
		return Recurring{}, fmt.Errorf("time_zone %q: not an IANA zone; want one such as Europe/Moscow (or UTC)", y.TimeZone)
	}
	r.Location = loc
	if y.Weekdays != nil {
		if len(*y.Weekdays) == 0 {
			return Recurring{}, errors.New("weekdays: empty; list days such as [wednesday], or leave weekdays out for every day")
		}
		for _, name := range *y.Weekdays {
			wd, ok := parseWeekday(name)
			if !ok {
				return Recurring{}, fmt.Errorf("weekdays: %q is not a weekday; want monday to sunday (or mon to sun)", name)
			}
			if slices.Contains(r.Weekdays, wd) {
				return Recurring{}, fmt.Errorf("weekdays: %q listed twice", name)
			}
			r.Weekdays = append(r.Weekdays, wd)
		}
	}
	// A window as long as the time to its next start never ends: the status would say
	// maintenance for good, and every outage would be hidden. The hour spares the night a
	// clock moves back (a 23 h day).
	if gap := r.shortestGap(); d > gap-time.Hour {
		return Recurring{}, fmt.Errorf("duration %q: the next start is %s later, so the window would never end; want at most %s", y.Duration, Human(gap), Human(gap-time.Hour))
	}
	return r, nil
}

// shortestGap is the least time between two starts of r by the calendar: a day for a
// daily window, else the fewest days from one listed weekday to the next.
func (r Recurring) shortestGap() time.Duration {
	if len(r.Weekdays) == 0 {
		return 24 * time.Hour
	}
	days := 7
	for _, a := range r.Weekdays {
		for _, b := range r.Weekdays {
			if gap := (int(b) - int(a) + 7) % 7; gap > 0 {
				days = min(days, gap)
			}
		}
	}
	return time.Duration(days) * 24 * time.Hour
}

// parseWeekday reads an English weekday, whole or its first three letters, in any case.
func parseWeekday(s string) (time.Weekday, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	for d := time.Sunday; d <= time.Saturday; d++ {
		name := strings.ToLower(d.String())
		if s == name || s == name[:3] {
			return d, true
		}
	}
	return 0, false
}

// checkText trims t and holds both languages to a present, printable message of at most
// maxMessageChars characters. Its errors start with the language ("en: ...").
func checkText(t Text) (Text, error) {
	t = Text{EN: strings.TrimSpace(t.EN), RU: strings.TrimSpace(t.RU)}
	for _, m := range []struct{ lang, v string }{{"en", t.EN}, {"ru", t.RU}} {
		if m.v == "" {
			return Text{}, fmt.Errorf("%s: missing; want the message in English (en) and Russian (ru)", m.lang)
		}
		if n := utf8.RuneCountInString(m.v); n > maxMessageChars {
			return Text{}, fmt.Errorf("%s: %d characters, at most %d", m.lang, n, maxMessageChars)
		}
		for _, r := range m.v {
			// One line: it is a banner and a webhook message.
			if !unicode.IsPrint(r) {
				return Text{}, fmt.Errorf("%s: holds the unprintable character %U", m.lang, r)
			}
		}
	}
	return t, nil
}

// typeError turns the first of yaml's decoding errors ("line N: field x not found in
// type maintenance.windowYAML") into one that names the window and the field. doc is the
// file's top mapping.
func typeError(msg string, doc *yaml.Node) error {
	line, what, _ := yamlfile.Explain(msg, []yamlfile.Section{{V: fileYAML{}}, {V: windowYAML{}}, {Name: "message", V: Text{}}},
		"deploy/maintenance.example.yml", false)
	if i := windowAt(doc, line); i >= 0 {
		return fmt.Errorf("window #%d: %s", i+1, what)
	}
	return errors.New(what)
}

// windowAt is the index of the entry of windows: that holds line, or -1.
func windowAt(doc *yaml.Node, line int) int {
	for k := 0; k+1 < len(doc.Content); k += 2 {
		if doc.Content[k].Value != "windows" || doc.Content[k+1].Kind != yaml.SequenceNode {
			continue
		}
		found, at := -1, (*yaml.Node)(nil)
		for i, w := range doc.Content[k+1].Content {
			if w.Line <= line {
				found, at = i, w
			}
		}
		if at != nil && line <= lastLine(at) {
			return found
		}
	}
	return -1
}

// lastLine is the last line n or anything inside it starts on.
func lastLine(n *yaml.Node) int {
	last := n.Line
	for _, c := range n.Content {
		last = max(last, lastLine(c))
	}
	return last
}
