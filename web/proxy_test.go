package web

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestParseTrustedProxies(t *testing.T) {
	ps, err := ParseTrustedProxies(" 127.0.0.1, 10.0.0.0/8 ,::1,")
	if err != nil || len(ps) != 3 {
		t.Fatalf("got %v, %v", ps, err)
	}
	for _, bad := range []string{"example.com", "10.0.0.0/33", "1.2.3"} {
		if _, err := ParseTrustedProxies(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestFromProxy(t *testing.T) {
	ps, err := ParseTrustedProxies("10.0.0.0/8")
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{cfg: Config{TrustedProxies: ps}}
	var got string
	var tls bool
	h := s.fromProxy(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, tls = clientIP(r), forwardedTLS(r)
	}))
	cases := []struct {
		name, peer, xff, proto string
		want                   string
		wantTLS                bool
	}{
		{"direct client, header ignored", "203.0.113.9:5000", "1.2.3.4", "https", "203.0.113.9", false},
		{"through the proxy", "10.0.0.2:5000", "198.51.100.7", "https", "198.51.100.7", true},
		{"client-supplied hops left of the proxy's are not believed", "10.0.0.2:5000", "6.6.6.6, 198.51.100.7", "", "198.51.100.7", false},
		{"two trusted proxies", "10.0.0.2:5000", "198.51.100.7, 10.0.0.3", "", "198.51.100.7", false},
		{"only proxies", "10.0.0.2:5000", "10.0.0.4, 10.0.0.3", "", "10.0.0.4", false},
		{"malformed hop", "10.0.0.2:5000", "not-an-ip", "", "10.0.0.2", false},
		{"no header", "10.0.0.2:5000", "", "", "10.0.0.2", false},
	}
	for _, c := range cases {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = c.peer
		if c.xff != "" {
			r.Header.Set("X-Forwarded-For", c.xff)
		}
		if c.proto != "" {
			r.Header.Set("X-Forwarded-Proto", c.proto)
		}
		h.ServeHTTP(httptest.NewRecorder(), r)
		if got != c.want || tls != c.wantTLS {
			t.Errorf("%s: client %q tls %v, want %q %v", c.name, got, tls, c.want, c.wantTLS)
		}
	}
}
