package main

import "testing"

func TestParseWrk(t *testing.T) {
	out := `Running 2s test @ http://127.0.0.1:8090/status.json
  2 threads and 64 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     1.10ms  300.00us   9.00ms   90.00%
    Req/Sec    28.00k     1.00k   30.00k    70.00%
  Latency Distribution
     50%  850.00us
     75%    1.20ms
     90%    1.60ms
     99%    2.50ms
  112000 requests in 2.00s, 80.00MB read
  Non-2xx or 3xx responses: 12
Requests/sec:  55987.65
Transfer/sec:     40.00MB
`
	r, err := parseWrk(out)
	if err != nil {
		t.Fatal(err)
	}
	if r.RPS != 55987.65 || r.P50ms != 0.85 || r.P99ms != 2.5 || r.Requests != 112000 || r.Non2xx != 12 {
		t.Errorf("parsed %+v", r)
	}
	if _, err := parseWrk("wrk: connection refused"); err == nil {
		t.Error("garbage output parsed")
	}
}
