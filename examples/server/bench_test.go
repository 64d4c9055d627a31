package main

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/botsync/botsync/meta"
	"github.com/botsync/botsync/meta/metatest"
)

// benchIntake posts signed ~1 KiB WhatsApp webhooks over loopback to the
// server's /webhooks/meta (verify, store with dedup key, queue, 200) and
// reports throughput and latency percentiles. Processing is not running:
// this measures what Meta waits for.
func benchIntake(b *testing.B, ta *testApp) {
	secret := []byte(ta.sandbox.wa.AppSecret().Reveal())
	pad := strings.Repeat("x", 700)
	bodies := make([][]byte, b.N)
	sigs := make([]string, b.N)
	for i := range bodies {
		bodies[i] = ta.sandbox.wa.InboundText(fmt.Sprintf("9198%08d", i), "", "Load", pad+fmt.Sprint(i))
		sigs[i] = metatest.Sign(secret, bodies[i])
	}
	tr := &http.Transport{MaxIdleConnsPerHost: 64}
	client := &http.Client{Transport: tr}
	defer tr.CloseIdleConnections()
	var next atomic.Int64
	lat := make([]time.Duration, b.N)
	var failed atomic.Int64
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	for range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= b.N {
					return
				}
				req, _ := http.NewRequest(http.MethodPost, ta.srv.URL+"/webhooks/meta", bytes.NewReader(bodies[i]))
				req.Header.Set(meta.SignatureHeader, sigs[i])
				req.Header.Set("Content-Type", "application/json")
				t0 := time.Now()
				res, err := client.Do(req)
				if err != nil {
					failed.Add(1)
					continue
				}
				_, _ = io.Copy(io.Discard, res.Body)
				res.Body.Close()
				lat[i] = time.Since(t0)
				if res.StatusCode != http.StatusOK {
					failed.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	if n := failed.Load(); n > 0 {
		b.Fatalf("%d requests failed", n)
	}
	slices.Sort(lat)
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "req/s")
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
	b.ReportMetric(float64(len(bodies[0])), "body-bytes")
}

func BenchmarkIntakeEmbedded(b *testing.B) {
	ta := newTestApp(b, func(c *Config) { c.Seed = false; c.WebhookRate = 1e9 })
	benchIntake(b, ta)
}

func BenchmarkIntakePostgres(b *testing.B) {
	ta := newTestApp(b, postgresConfig(b), func(c *Config) { c.Seed = false; c.WebhookRate = 1e9 })
	benchIntake(b, ta)
}

// BenchmarkProcessEmbedded measures webhook processing behind the intake:
// decode, lead and conversation upsert, knowledge answer (hash embedder,
// extractive model), send to the fake Cloud API over loopback, realtime
// event — four workers, each inbound message from its own customer.
func BenchmarkProcessEmbedded(b *testing.B) { benchProcess(b, newTestApp(b)) }

// BenchmarkProcessPostgres is the same with every store on PostgreSQL
// (knowledge in memory) and events fanned out through NOTIFY.
func BenchmarkProcessPostgres(b *testing.B) {
	ta := newTestApp(b, postgresConfig(b), func(c *Config) { c.Seed = false })
	ta.seedForBench(b)
	benchProcess(b, ta)
}

func benchProcess(b *testing.B, ta *testApp) {
	ctx := b.Context()
	for i := range b.N {
		body := ta.sandbox.wa.InboundText(fmt.Sprintf("9196%08d", i), "", "Bench", "What is the fee for the NEET programme?")
		if _, _, err := ta.queue.Accept(ctx, "meta", fmt.Sprint(i), body); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := ta.queue.RunOnce(ctx); err != nil {
				b.Error(err)
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	st, _ := ta.queue.Store().Stats(ctx)
	if st["done"] != b.N {
		b.Fatalf("processed %d of %d (%v)", st["done"], b.N, st)
	}
	if len(ta.sandbox.wa.Sent()) != b.N {
		b.Fatalf("%d replies for %d messages", len(ta.sandbox.wa.Sent()), b.N)
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "msgs/s")
}
