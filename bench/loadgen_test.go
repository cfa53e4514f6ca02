package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestLoadGenChild runs the load generator's child side against a stub server: it sends the
// bodies it was given with the token, and reports what it counted.
func TestLoadGenChild(t *testing.T) {
	var got, bad atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body map[string]any
		if r.Header.Get("Authorization") != "Bearer tok" || json.NewDecoder(r.Body).Decode(&body) != nil || body["matter"] != "m" {
			bad.Add(1)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		got.Add(1)
	}))
	defer srv.Close()
	env := map[string]string{envLoadURL: srv.URL, envLoadToken: "tok", envLoadClients: "2", envLoadDuration: "100ms"}
	var out bytes.Buffer
	err := LoadGen(context.Background(), func(k string) string { return env[k] }, strings.NewReader("{\"matter\":\"m\"}\n\n{\"matter\":\"m\"}\n"), &out)
	if err != nil {
		t.Fatal(err)
	}
	var st loadStats
	if err := json.Unmarshal(out.Bytes(), &st); err != nil {
		t.Fatalf("output %q: %v", out.String(), err)
	}
	if st.N == 0 || int64(st.N) != got.Load() || st.Failures != 0 || bad.Load() != 0 {
		t.Fatalf("stats %+v, server saw %d good and %d bad", st, got.Load(), bad.Load())
	}
	if err := LoadGen(context.Background(), func(string) string { return "" }, strings.NewReader(""), &out); err == nil {
		t.Fatal("LoadGen without its settings: want an error")
	}
}

// TestPacedLoadCountsFromDue: a paced run sends rate × duration requests, and a server slower
// than the rate shows in the latency, counted from when each request was due, not from when
// the only worker got to it.
func TestPacedLoadCountsFromDue(t *testing.T) {
	var got atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(50 * time.Millisecond)
		got.Add(1)
	}))
	defer srv.Close()
	// 20 requests due 10 ms apart, one worker answering one per 50 ms at best: the last is
	// answered at least 20 × 50 ms after the start, and it was due at 190 ms.
	st, err := runLoad(context.Background(), srv.URL, "tok", loadPlan{Clients: 1, Duration: 200 * time.Millisecond, Rate: 100}, [][]byte{[]byte("{}")})
	if err != nil {
		t.Fatal(err)
	}
	if st.N != 20 || got.Load() != 20 || st.Failures != 0 {
		t.Fatalf("stats %+v, server answered %d: want 20 requests", st, got.Load())
	}
	if st.P99 < 500 {
		t.Fatalf("p99 %.1f ms: want the lateness of the queued requests counted (at least 500 ms)", st.P99)
	}
}

// TestPosterReadsEveryAnswerShape: the load generator's own HTTP client reads answers with a
// length, chunked answers and answers that close the connection, and counts a non-200 answer
// as a failure — on the same connection where the server keeps it open.
func TestPosterReadsEveryAnswerShape(t *testing.T) {
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer tok" || r.ContentLength != 2 {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		switch n.Add(1) % 4 {
		case 0:
			w.Write([]byte("short"))
		case 1: // chunked: flushed before the end
			w.Write(bytes.Repeat([]byte("x"), 5000))
			w.(http.Flusher).Flush()
			w.Write([]byte("tail"))
		case 2:
			w.Header().Set("Connection", "close")
			w.Write([]byte("closing"))
		case 3:
			http.Error(w, "no", http.StatusTooManyRequests)
		}
	}))
	defer srv.Close()
	addr, reqs, err := requestBytes(srv.URL+"/api/v1/checks", "tok", [][]byte{[]byte("{}")})
	if err != nil {
		t.Fatal(err)
	}
	p := &poster{addr: addr}
	defer func() {
		if p.conn != nil {
			p.conn.Close()
		}
	}()
	ok, failed := 0, 0
	for range 12 {
		if err := p.do(context.Background(), reqs[0]); err != nil {
			if !strings.Contains(err.Error(), "status 429") {
				t.Fatalf("unexpected error: %v", err)
			}
			failed++
			continue
		}
		ok++
	}
	if ok != 9 || failed != 3 {
		t.Fatalf("ok %d, failed %d: want 9 and 3", ok, failed)
	}
	if _, _, err := requestBytes("https://example.org/x", "tok", nil); err == nil {
		t.Fatal("an https URL: want an error")
	}
}
