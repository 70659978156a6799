package probe

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestLoadConfig(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		want    Config
		enabled bool
		wantErr string // substring; "" for no error
	}{
		{name: "nothing set: no probe", env: nil, enabled: false,
			want: Config{Kind: TCP, Interval: 15 * time.Second, Timeout: 3 * time.Second, Failures: 2}},
		{name: "defaults", env: map[string]string{"GAME_SERVER_ADDR": "127.0.0.1:7777"}, enabled: true,
			want: Config{Targets: []string{"127.0.0.1:7777"}, Kind: TCP, Interval: 15 * time.Second, Timeout: 3 * time.Second, Failures: 2}},
		{name: "everything set", enabled: true, env: map[string]string{
			"GAME_SERVER_ADDR": " game.example:7777 , [::1]:7778", "GAME_SERVER_PROBE": "Banner",
			"STATUS_PROBE_INTERVAL": "30", "STATUS_PROBE_TIMEOUT": "5", "STATUS_PROBE_FAILURES": "3"},
			want: Config{Targets: []string{"game.example:7777", "[::1]:7778"}, Kind: Banner, Interval: 30 * time.Second, Timeout: 5 * time.Second, Failures: 3}},
		{name: "bad kind", env: map[string]string{"GAME_SERVER_ADDR": "h:1", "GAME_SERVER_PROBE": "udp"}, wantErr: `GAME_SERVER_PROBE="udp"`},
		{name: "interval not a number", env: map[string]string{"STATUS_PROBE_INTERVAL": "15s"}, wantErr: `STATUS_PROBE_INTERVAL="15s"`},
		{name: "interval zero", env: map[string]string{"STATUS_PROBE_INTERVAL": "0"}, wantErr: "STATUS_PROBE_INTERVAL"},
		{name: "timeout negative", env: map[string]string{"STATUS_PROBE_TIMEOUT": "-1"}, wantErr: "STATUS_PROBE_TIMEOUT"},
		{name: "timeout above interval", env: map[string]string{"STATUS_PROBE_INTERVAL": "5", "STATUS_PROBE_TIMEOUT": "6"},
			wantErr: "STATUS_PROBE_TIMEOUT=6 must not exceed STATUS_PROBE_INTERVAL=5"},
		{name: "timeout equal to interval (1 s each)", enabled: true, env: map[string]string{"GAME_SERVER_ADDR": "h:1", "STATUS_PROBE_INTERVAL": "1", "STATUS_PROBE_TIMEOUT": "1"},
			want: Config{Targets: []string{"h:1"}, Kind: TCP, Interval: time.Second, Timeout: time.Second, Failures: 2}},
		{name: "failures zero", env: map[string]string{"STATUS_PROBE_FAILURES": "0"}, wantErr: `STATUS_PROBE_FAILURES="0"`},
		{name: "failures not a number", env: map[string]string{"STATUS_PROBE_FAILURES": "two"}, wantErr: "STATUS_PROBE_FAILURES"},
		{name: "bad value checked without a probe", env: map[string]string{"STATUS_PROBE_TIMEOUT": "x"}, wantErr: "STATUS_PROBE_TIMEOUT"},
		{name: "addr without port", env: map[string]string{"GAME_SERVER_ADDR": "127.0.0.1"}, wantErr: "GAME_SERVER_ADDR"},
		{name: "addr without host", env: map[string]string{"GAME_SERVER_ADDR": ":7777"}, wantErr: "missing host"},
		{name: "addr port out of range", env: map[string]string{"GAME_SERVER_ADDR": "h:70000"}, wantErr: "port number"},
		{name: "addr named port", env: map[string]string{"GAME_SERVER_ADDR": "h:http"}, wantErr: "port number"},
		{name: "empty entry", env: map[string]string{"GAME_SERVER_ADDR": "h:1,,h:2"}, wantErr: "empty entry"},
		{name: "duplicate", env: map[string]string{"GAME_SERVER_ADDR": "h:1, h:1"}, wantErr: "listed twice"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, enabled, err := LoadConfig(env(tt.env))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
				}
				if strings.Count(err.Error(), "\n") != 0 {
					t.Errorf("error spans several lines: %q", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if enabled != tt.enabled {
				t.Errorf("enabled = %v, want %v", enabled, tt.enabled)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("config = %+v, want %+v", got, tt.want)
			}
		})
	}
}
