package web

import (
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/xinyong/xinyong/credit"
)

// Rate limits (访问频率限制): sign-in per address and per user name, public search per address.
// One process keeps them in memory; several servers behind a balancer each keep their own,
// which still bounds guessing (the account lockout bounds it across servers).
const (
	DefaultLoginPerMinute  = 10
	DefaultSearchPerMinute = 60
	// maxBuckets bounds the memory of one limiter: about 100 bytes a key.
	maxBuckets = 50_000
)

// eTooMany is the error code of a refusal for too many requests (HTTP 429).
const eTooMany = "too_many_requests"

// limiter is a token bucket per key: burst requests at once, refilled at rate per second.
type limiter struct {
	mu      sync.Mutex
	rate    float64 // tokens per second
	burst   float64
	max     int
	buckets map[string]*bucket
}

type bucket struct {
	tokens float64
	last   time.Time
}

// newLimiter allows perMinute requests a minute per key, all of them at once if need be.
func newLimiter(perMinute int) *limiter {
	return &limiter{rate: float64(perMinute) / 60, burst: float64(perMinute), max: maxBuckets, buckets: map[string]*bucket{}}
}

// allow takes a token for key at now, or says how long until one is available.
func (l *limiter) allow(key string, now time.Time) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.buckets[key]
	if !ok {
		if len(l.buckets) >= l.max {
			l.evict(now)
		}
		b = &bucket{tokens: l.burst, last: now}
		l.buckets[key] = b
	}
	if el := now.Sub(b.last).Seconds(); el > 0 {
		b.tokens = math.Min(l.burst, b.tokens+el*l.rate)
		b.last = now
	}
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	wait := time.Duration((1 - b.tokens) / l.rate * float64(time.Second))
	return false, wait
}

// evict forgets buckets that have refilled (they are as good as new), and when the map is
// still full, arbitrary others: a forgotten key starts afresh, which errs on the side of the
// caller but keeps memory bounded whatever the number of addresses.
func (l *limiter) evict(now time.Time) {
	full := time.Duration(l.burst / l.rate * float64(time.Second))
	for k, b := range l.buckets {
		if now.Sub(b.last) >= full {
			delete(l.buckets, k)
		}
	}
	for k := range l.buckets {
		if len(l.buckets) < l.max*9/10 {
			break
		}
		delete(l.buckets, k)
	}
}

// tooMany is the refusal of a rate limit.
func tooMany(wait time.Duration) error {
	secs := int(math.Ceil(wait.Seconds()))
	return credit.Errorf(eTooMany, "请求过于频繁，请 %d 秒后再试 / too many requests: try again in %d s", secs, secs)
}

// retryAfter sets Retry-After for a refusal that waits wait.
func retryAfter(w http.ResponseWriter, wait time.Duration) {
	w.Header().Set("Retry-After", strconv.Itoa(max(1, int(math.Ceil(wait.Seconds())))))
}

// rateLimit applies the per-address limits of the routes that have one (st.route is the
// pattern the mux will match): sign-in and public search.
func (s *Server) rateLimit(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var l *limiter
		switch state(r).route {
		case "POST /console/login", "POST /my/login", "POST /my/login/person", "POST /my/login/person/verify":
			l = s.loginByIP
		case "GET /search", "GET /api/v1/subjects":
			l = s.searchByIP
		}
		if l != nil {
			if ok, wait := l.allow(clientIP(r), time.Now()); !ok {
				s.log.Warn("rate limited", "route", state(r).route, "remote_addr", clientIP(r))
				retryAfter(w, wait)
				s.fail(w, r, tooMany(wait))
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}
