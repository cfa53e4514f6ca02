package app_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/xinyong/xinyong/app"
	"github.com/xinyong/xinyong/credit"
	"github.com/xinyong/xinyong/exchange"
	"github.com/xinyong/xinyong/store"
	"github.com/xinyong/xinyong/store/sqlite"
)

// benchApp is an app over a SQLite file in a temporary directory.
func benchApp(b *testing.B) *app.App {
	b.Helper()
	st, err := sqlite.Open(context.Background(), b.TempDir()+"/x.db")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	sealer, _ := credit.NewSealer(bytes.Repeat([]byte{1}, 32))
	a, err := app.New(context.Background(), st, sealer, nil, nil)
	if err != nil {
		b.Fatal(err)
	}
	return a
}

// writeChanges commits n status changes, 100 to a transaction, each with two tasks.
func writeChanges(b *testing.B, a *app.App, n int) {
	b.Helper()
	ctx := context.Background()
	for done := 0; done < n; {
		err := a.Store.Update(ctx, func(tx store.Tx) error {
			for i := 0; i < 100 && done+i < n; i++ {
				if err := a.StatusChanged(ctx, tx, change(credit.ChangeListEnter, "fgw", "scjg")); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		done += 100
	}
}

// BenchmarkStatusChanged measures writing changes (tasks, outbox, audit) on SQLite.
func BenchmarkStatusChanged(b *testing.B) {
	a := benchApp(b)
	n := 0
	for b.Loop() {
		writeChanges(b, a, 100)
		n += 100
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "changes/s")
}

// BenchmarkRelayJetStream measures the outbox relay: messages per second from a SQLite outbox
// to a JetStream stream on the real server (acknowledged, marked sent). Each iteration relays
// 1,000 messages written beforehand (not timed).
func BenchmarkRelayJetStream(b *testing.B) {
	url := os.Getenv("XINYONG_TEST_NATS")
	if url == "" {
		b.Skip("XINYONG_TEST_NATS not set: no NATS server to benchmark against")
	}
	a := benchApp(b)
	ctx := context.Background()
	name := fmt.Sprintf("XYBENCH_%d", time.Now().UnixNano())
	b.Cleanup(func() { _ = exchange.DeleteStream(context.Background(), url, name) })
	js, err := exchange.DialJetStream(ctx, exchange.JetStreamConfig{URL: url, Stream: name, Prefix: strings.ToLower(name)})
	if err != nil {
		b.Fatal(err)
	}
	defer js.Close()
	sent := 0
	for b.Loop() {
		b.StopTimer()
		writeChanges(b, a, 1000)
		b.StartTimer()
		for {
			res, err := a.RelayOutbox(ctx, js, 500)
			if err != nil {
				b.Fatal(err)
			}
			sent += res.Sent
			if res.Sent < 500 {
				break
			}
		}
	}
	b.ReportMetric(float64(sent)/b.Elapsed().Seconds(), "msgs/s")
}
