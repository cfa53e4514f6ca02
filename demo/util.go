package demo

import (
	"hash/fnv"
	"math"
	"math/rand/v2"
	"sort"
	"time"
)

// newRand returns an independent, reproducible random stream for one purpose (a label such as
// "persons" or "file/admin_penalty/sthj") derived from the seed. Streams do not depend on the
// order or concurrency in which they are used, which keeps the output byte-identical.
func newRand(seed int64, label string) *rand.Rand {
	h := fnv.New64a()
	h.Write([]byte(label))
	k := h.Sum64()
	// The seed's bits are reinterpreted, not its value: a negative seed is a seed like any other.
	// #nosec G115 G404 -- the demo city must be reproducible from its seed; nothing secret is drawn
	return rand.New(rand.NewPCG(splitmix(uint64(seed)^k), splitmix(k+0x9e3779b97f4a7c15)))
}

// splitmix is the SplitMix64 finaliser: it spreads nearby seeds over the whole state space.
func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// picker draws strings with fixed relative weights.
type picker struct {
	items []string
	cum   []int
}

func newPicker(ws []weighted) picker {
	p := picker{items: make([]string, len(ws)), cum: make([]int, len(ws))}
	total := 0
	for i, w := range ws {
		total += w.w
		p.items[i], p.cum[i] = w.s, total
	}
	return p
}

func (p picker) pick(r *rand.Rand) string { return p.items[p.index(r)] }

// index draws the index of an item.
func (p picker) index(r *rand.Rand) int {
	x := r.IntN(p.cum[len(p.cum)-1])
	return sort.SearchInts(p.cum, x+1)
}

// one returns a uniformly chosen element of xs.
func one[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

// alias is Walker's alias table: O(1) draws of an index with given weights, used to pick the
// subject of each record so that a few subjects have many records (the long tail).
type alias struct {
	prob  []float64
	alias []int32
}

func newAlias(w []float64) *alias {
	n := len(w)
	a := &alias{prob: make([]float64, n), alias: make([]int32, n)}
	sum := 0.0
	for _, x := range w {
		sum += x
	}
	small := make([]int32, 0, n)
	large := make([]int32, 0, n)
	for i, x := range w {
		a.prob[i] = x * float64(n) / sum
		if a.prob[i] < 1 {
			small = append(small, int32(i))
		} else {
			large = append(large, int32(i))
		}
	}
	for len(small) > 0 && len(large) > 0 {
		s, l := small[len(small)-1], large[len(large)-1]
		small = small[:len(small)-1]
		a.alias[s] = l
		a.prob[l] += a.prob[s] - 1
		if a.prob[l] < 1 {
			large = large[:len(large)-1]
			small = append(small, l)
		}
	}
	for _, i := range large {
		a.prob[i] = 1
	}
	for _, i := range small { // only rounding leaves anything here
		a.prob[i] = 1
	}
	return a
}

func (a *alias) draw(r *rand.Rand) int {
	i := r.IntN(len(a.prob))
	if r.Float64() < a.prob[i] {
		return i
	}
	return int(a.alias[i])
}

// lognormal returns exp(σ·N(0,1)): the heavy-tailed activity factor of a subject.
func lognormal(r *rand.Rand, sigma float64) float64 { return math.Exp(sigma * r.NormFloat64()) }

// Dates are handled as day numbers (days since 1970-01-01) so that rows are built without
// time.Time arithmetic; the conversions are Howard Hinnant's civil-calendar algorithms.
type day int32

func dayOf(t time.Time) day {
	y, m, d := t.Date()
	return civilDay(y, int(m), d)
}

func civilDay(y, m, d int) day {
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era--
	}
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return days(era*146097 + doe - 719468)
}

func (z day) civil() (y, m, d int) {
	n := int(z) + 719468
	era := n / 146097
	if n < 0 && n%146097 != 0 {
		era--
	}
	doe := n - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y = yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d = doy - (153*mp+2)/5 + 1
	m = mp + 3
	if m > 12 {
		m -= 12
	}
	if m <= 2 {
		y++
	}
	return y, m, d
}

func (z day) year() int { y, _, _ := z.civil(); return y }

// addYears moves z by n calendar years (29 February becomes 28 February).
func (z day) addYears(n int) day {
	y, m, d := z.civil()
	if m == 2 && d == 29 {
		d = 28
	}
	return civilDay(y+n, m, d)
}

// appendDate appends z as YYYY-MM-DD.
func appendDate(dst []byte, z day) []byte {
	y, m, d := z.civil()
	return append(dst, digit(y/1000), digit(y/100%10), digit(y/10%10), digit(y%10), '-',
		digit(m/10), digit(m%10), '-', digit(d/10), digit(d%10))
}

// digit returns the ASCII character of n, a single decimal digit (0–9) at every call site.
func digit(n int) byte {
	return byte('0' + n) // #nosec G115 -- callers pass one decimal digit, 0–9
}

// days converts a number of days to a day. The demo's dates lie between 1900 and 2100, a few
// tens of thousands of days from 1970, far inside int32.
func days(n int) day {
	return day(n) // #nosec G115 -- demo dates lie in 1900–2100, far inside int32
}

// appendPadded appends n with at least width digits.
func appendPadded(dst []byte, n, width int) []byte {
	var buf [20]byte
	i := len(buf)
	for n > 0 || i == len(buf) {
		i--
		buf[i] = byte('0' + n%10)
		n /= 10
	}
	for len(buf)-i < width {
		i--
		buf[i] = '0'
	}
	return append(dst, buf[i:]...)
}
