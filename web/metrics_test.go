package web

import (
	"net/http/httptest"
	"strings"
	"testing"
)

func TestMetrics(t *testing.T) {
	m := NewMetrics()
	e := newEnv(t, Config{Metrics: m})
	for _, target := range []string{"/", "/subjects/" + e.f.CodeA, "/subjects/" + e.f.CodeA, "/no/such/page"} {
		e.get(target)
	}
	w := e.get("/api/v1/stats")
	if w.Code != 200 {
		t.Fatal(w.Code)
	}
	rec := newRecorderFor(t, m)
	for _, want := range []string{
		`xinyong_http_requests_total{code="200",method="GET",route="/subjects/{code}"} 2`,
		`xinyong_http_requests_total{code="404",method="GET",route="/"} 1`,
		`xinyong_http_request_duration_seconds_count{method="GET",route="/api/v1/stats"} 1`,
		`xinyong_store_count{name="records"}`,
		`go_goroutines`,
	} {
		if !strings.Contains(rec, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	// A code in the path (it may be a resident ID) never becomes a label.
	if strings.Contains(rec, e.f.CodeA) {
		t.Error("a subject code leaked into the metrics")
	}
}

func newRecorderFor(t *testing.T, m *Metrics) string {
	t.Helper()
	w := httptest.NewRecorder()
	m.Handler().ServeHTTP(w, httptest.NewRequest("GET", "/metrics", nil))
	if w.Code != 200 {
		t.Fatalf("metrics: %d %s", w.Code, w.Body)
	}
	return w.Body.String()
}
