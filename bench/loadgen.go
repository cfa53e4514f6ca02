package bench

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
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

// runLoad posts bodies round-robin to url from clients concurrent clients for d.
func runLoad(ctx context.Context, url, token string, clients int, d time.Duration, bodies [][]byte) (loadStats, error) {
	if len(bodies) == 0 || clients <= 0 {
		return loadStats{}, fmt.Errorf("load: no bodies or clients")
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConns: clients, MaxIdleConnsPerHost: clients}, Timeout: 30 * time.Second}
	var mu sync.Mutex
	var lat []time.Duration
	var st loadStats
	deadline := time.Now().Add(d)
	start := time.Now()
	var wg sync.WaitGroup
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []time.Duration
			bad := 0
			var ferr error
			for i := c; time.Now().Before(deadline); i += clients {
				req, _ := http.NewRequestWithContext(ctx, "POST", url, bytes.NewReader(bodies[i%len(bodies)]))
				req.Header.Set("Authorization", "Bearer "+token)
				req.Header.Set("Content-Type", "application/json")
				t := time.Now()
				resp, err := client.Do(req)
				if err == nil {
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != http.StatusOK {
						err = fmt.Errorf("status %d", resp.StatusCode)
					}
				}
				if err != nil {
					bad++
					if ferr == nil {
						ferr = err
					}
					continue
				}
				mine = append(mine, time.Since(t))
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
func spawnLoad(ctx context.Context, o *CheckOptions, url, token string, bodies [][]byte) (loadStats, error) {
	var st loadStats
	// #nosec G204 -- the command is the bench's own executable, set by the CLI
	cmd := exec.CommandContext(ctx, o.LoadGen[0], o.LoadGen[1:]...)
	cmd.Env = append(os.Environ(), envLoadURL+"="+url, envLoadToken+"="+token,
		fmt.Sprintf("%s=%d", envLoadClients, o.Clients), envLoadDuration+"="+o.Duration.String())
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
	d, err := time.ParseDuration(getenv(envLoadDuration))
	if err != nil {
		return fmt.Errorf("loadgen: %s: %w", envLoadDuration, err)
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
	st, err := runLoad(ctx, url, token, clients, d, bodies)
	if err != nil {
		return err
	}
	return json.NewEncoder(w).Encode(st)
}
