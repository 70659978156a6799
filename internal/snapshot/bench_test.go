package snapshot

import (
	"testing"
	"time"
)

func benchRows() []Row {
	rows := []Row{
		{"ServerStatus", ptr("1"), ptr("Сервер онлайн")}, {"RateExp", ptr("2.5"), ptr("Множитель опыта")},
		{"RatePvp", ptr("1.5"), ptr("PvP")}, {"RatePve", ptr("3"), ptr("PvE")},
		{"RateColorMob", ptr("1.25"), ptr("Цветные мобы")}, {"RateSkill", ptr("2"), ptr("Умения")},
		{"CLIENT_STATUS", ptr("256"), ptr("Статус клиента")},
	}
	for range 40 { // a real `constants` table holds many unrelated rows
		rows = append(rows, Row{"Other", ptr("x"), ptr("описание")})
	}
	return rows
}

func BenchmarkBuildEncode(b *testing.B) {
	rows := benchRows()
	now := time.Now()
	b.ReportAllocs()
	for b.Loop() {
		s, _ := Build(rows, now, 15*time.Minute)
		_ = s.Encode()
	}
}

func BenchmarkParse(b *testing.B) {
	s, _ := Build(benchRows(), time.Now(), 15*time.Minute)
	data := s.Encode()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(data); err != nil {
			b.Fatal(err)
		}
	}
}
