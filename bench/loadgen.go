package bench

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"sync"
	"time"
)

// The HTTP load of `xinyong bench check` can run in a separate process (`xinyong bench
// loadgen`), as the target is stated: a load generator against the server, not sharing its
// process (its goroutines, heap and garbage collector). The parent starts the child with the
// URL, the client count and the duration in the environment and the request bodies on stdin
// (one JSON body a line); the child prints one JSON line of loadStats.

// Environment of the load-generator child.
const (
	envLoadURL      = "XINYONG_LOADGEN_URL"
	envLoadToken    = "XINYONG_LOADGEN_TOKEN" // #nosec G101 -- the name of a variable, not a credential
	envLoadClients  = "XINYONG_LOADGEN_CLIENTS"
	envLoadDuration = "XINYONG_LOADGEN_DURATION"
	envLoadRate     = "XINYONG_LOADGEN_RATE" // requests per second of a paced run; unset or 0: closed loop
)

// loadStats is what a load run measured.
type loadStats struct {
	N          int     `json:"n"` // successful requests
	Failures   int     `json:"failures"`
	FirstError string  `json:"first_error,omitempty"`
	Seconds    float64 `json:"seconds"`
	P50        float64 `json:"p50_ms"`
	P99        float64 `json:"p99_ms"`
	// ClientCPU is the CPU time the load generator used (its whole process when it runs apart).
	ClientCPU time.Duration `json:"-"`
}

// loadPlan is the shape of a load run. With Rate 0 it is a closed loop: Clients clients each
// send their next request when the last one is answered, for Duration, which measures the
// most the server can do (and the latency when it is saturated). With Rate > 0 it is paced
// (an open loop): Rate×Duration requests are due at even intervals from the start, whatever
// the answers, sent by up to Clients workers, and each latency counts from when its request
// was due, not from when a worker got to it — a server that falls behind shows it in the
// latency instead of being given time by a waiting client (coordinated omission).
type loadPlan struct {
	Clients  int
	Duration time.Duration
	Rate     int
}

// runLoad posts bodies round-robin to url as the plan says.
func runLoad(ctx context.Context, url, token string, p loadPlan, bodies [][]byte) (loadStats, error) {
	if len(bodies) == 0 || p.Clients <= 0 {
		return loadStats{}, fmt.Errorf("load: no bodies or clients")
	}
	addr, reqs, err := requestBytes(url, token, bodies)
	if err != nil {
		return loadStats{}, err
	}
	start := time.Now()
	// next hands worker w its k-th request and the time it counts from; false: no more.
	var next func(w, k int) (int, time.Time, bool)
	if p.Rate > 0 {
		n := max(1, int(float64(p.Rate)*p.Duration.Seconds()))
		interval := time.Second / time.Duration(p.Rate)
		due := func(i int) time.Time { return start.Add(time.Duration(i) * interval) }
		jobs := make(chan int, n)
		go func() {
			defer close(jobs)
			t := time.NewTimer(0)
			defer t.Stop()
			<-t.C
			for i := range n {
				if w := time.Until(due(i)); w > 0 {
					t.Reset(w)
					select {
					case <-t.C:
					case <-ctx.Done():
						return
					}
				}
				jobs <- i
			}
		}()
		next = func(int, int) (int, time.Time, bool) {
			i, ok := <-jobs
			return i, due(i), ok
		}
	} else {
		deadline := start.Add(p.Duration)
		next = func(w, k int) (int, time.Time, bool) {
			now := time.Now()
			return w + k*p.Clients, now, now.Before(deadline)
		}
	}
	var mu sync.Mutex
	var lat []time.Duration
	var st loadStats
	var wg sync.WaitGroup
	for w := range p.Clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []time.Duration
			conn := &poster{addr: addr}
			defer func() {
				if conn.conn != nil {
					conn.conn.Close()
				}
			}()
			bad := 0
			var ferr error
			for k := 0; ; k++ {
				i, from, ok := next(w, k)
				if !ok {
					break
				}
				if err := conn.do(ctx, reqs[i%len(reqs)]); err != nil {
					bad++
					if ferr == nil {
						ferr = err
					}
					continue
				}
				mine = append(mine, time.Since(from))
			}
			mu.Lock()
			lat = append(lat, mine...)
			st.Failures += bad
			if st.FirstError == "" && ferr != nil {
				st.FirstError = ferr.Error()
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	st.Seconds = time.Since(start).Seconds()
	slices.Sort(lat)
	if st.N = len(lat); st.N > 0 {
		st.P50, st.P99 = ms(lat[st.N/2]), ms(lat[st.N*99/100])
	}
	return st, nil
}

// spawnLoad runs the load in a child process (o.LoadGen) and reads its figures.
func spawnLoad(ctx context.Context, o *CheckOptions, p loadPlan, url, token string, bodies [][]byte) (loadStats, error) {
	var st loadStats
	// #nosec G204 -- the command is the bench's own executable, set by the CLI
	cmd := exec.CommandContext(ctx, o.LoadGen[0], o.LoadGen[1:]...)
	cmd.Env = append(os.Environ(), envLoadURL+"="+url, envLoadToken+"="+token,
		fmt.Sprintf("%s=%d", envLoadClients, p.Clients), envLoadDuration+"="+p.Duration.String(), fmt.Sprintf("%s=%d", envLoadRate, p.Rate))
	var in bytes.Buffer
	for _, b := range bodies {
		in.Write(b)
		in.WriteByte('\n')
	}
	cmd.Stdin = &in
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, o.Log
	if err := cmd.Run(); err != nil {
		return st, fmt.Errorf("load generator: %w", err)
	}
	if err := json.Unmarshal(bytes.TrimSpace(out.Bytes()), &st); err != nil {
		return st, fmt.Errorf("load generator output: %w", err)
	}
	st.ClientCPU = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	return st, nil
}

// LoadGen is the child side of the separate load generator: it reads its settings from
// getenv and the request bodies from r, runs the load and writes its figures to w.
func LoadGen(ctx context.Context, getenv func(string) string, r io.Reader, w io.Writer) error {
	url, token := getenv(envLoadURL), getenv(envLoadToken)
	var clients int
	if _, err := fmt.Sscan(getenv(envLoadClients), &clients); err != nil || url == "" || token == "" {
		return fmt.Errorf("loadgen: %s, %s and %s must be set (it is started by `xinyong bench check`)", envLoadURL, envLoadToken, envLoadClients)
	}
	p := loadPlan{Clients: clients}
	var err error
	if p.Duration, err = time.ParseDuration(getenv(envLoadDuration)); err != nil {
		return fmt.Errorf("loadgen: %s: %w", envLoadDuration, err)
	}
	if v := getenv(envLoadRate); v != "" {
		if _, err := fmt.Sscan(v, &p.Rate); err != nil || p.Rate < 0 {
			return fmt.Errorf("loadgen: %s: want a number of requests per second, got %q", envLoadRate, v)
		}
	}
	var bodies [][]byte
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for sc.Scan() {
		if b := bytes.TrimSpace(sc.Bytes()); len(b) > 0 {
			bodies = append(bodies, bytes.Clone(b))
		}
	}
	if err := sc.Err(); err != nil {
		return err
	}
	st, err := runLoad(ctx, url, token, p, bodies)
	if err != nil {
		return err
	}
	return json.NewEncoder(w).Encode(st)
}
