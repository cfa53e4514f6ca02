package web

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// ParseTrustedProxies reads a comma-separated list of addresses and CIDR prefixes (e.g.
// "127.0.0.1, 10.0.0.0/8") naming the reverse proxies in front of the platform.
func ParseTrustedProxies(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if p, err := netip.ParsePrefix(f); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(f)
		if err != nil {
			return nil, fmt.Errorf("可信代理地址无效 / trusted proxy %q is neither an address nor a CIDR prefix", f)
		}
		out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
	}
	return out, nil
}

type forwardedTLSKey struct{}

// fromProxy makes a request that came through a trusted reverse proxy look as it did to the
// proxy: RemoteAddr becomes the client address the proxy saw (the right-most address in
// X-Forwarded-For that is not itself a trusted proxy), and X-Forwarded-Proto: https counts as
// TLS for cookies. Rate limits, sessions and the query log then see the citizen, not the proxy.
// Headers from anyone else are ignored: a client cannot choose the address it is logged under.
func (s *Server) fromProxy(next http.Handler) http.Handler {
	if len(s.cfg.TrustedProxies) == 0 {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !s.trusted(hostAddr(r.RemoteAddr)) {
			next.ServeHTTP(w, r)
			return
		}
		r2 := r.Clone(r.Context())
		if client, ok := s.forwardedClient(r.Header.Values("X-Forwarded-For")); ok {
			r2.RemoteAddr = net.JoinHostPort(client.String(), "0")
		}
		if strings.EqualFold(strings.TrimSpace(r.Header.Get("X-Forwarded-Proto")), "https") {
			r2 = r2.WithContext(context.WithValue(r2.Context(), forwardedTLSKey{}, true))
		}
		next.ServeHTTP(w, r2)
	})
}

// forwardedClient walks X-Forwarded-For from the right, past the trusted proxies, to the first
// address a trusted proxy received the request from.
func (s *Server) forwardedClient(headers []string) (netip.Addr, bool) {
	var hops []string
	for _, h := range headers {
		hops = append(hops, strings.Split(h, ",")...)
	}
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			return netip.Addr{}, false // a malformed hop: trust nothing further left
		}
		a = a.Unmap()
		if !s.trusted(a) || i == 0 {
			return a, true
		}
	}
	return netip.Addr{}, false
}

func (s *Server) trusted(a netip.Addr) bool {
	if !a.IsValid() {
		return false
	}
	for _, p := range s.cfg.TrustedProxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// hostAddr is the IP address of a host:port, invalid when it is not one.
func hostAddr(hostport string) netip.Addr {
	host, _, err := net.SplitHostPort(hostport)
	if err != nil {
		host = hostport
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}
	}
	return a.Unmap()
}

// forwardedTLS reports whether a trusted proxy received r over TLS.
func forwardedTLS(r *http.Request) bool {
	v, _ := r.Context().Value(forwardedTLSKey{}).(bool)
	return v
}
