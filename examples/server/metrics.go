package main

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
)

// metrics are the server's Prometheus metrics, written in the text
// exposition format at /metrics: requests by route and status with
// latency, webhook intake by kind and outcome, processing outcomes, queue
// depth and dead letters.
type metrics struct {
	mu       sync.Mutex
	counters map[string]float64 // full series name with labels → value
	sums     map[string]float64
	requests map[reqKey]*reqStat // hot path: formatted only when scraped
}

type reqKey struct {
	route string
	code  int
}

type reqStat struct {
	n   float64
	sum float64
}

func newMetrics() *metrics {
	return &metrics{counters: map[string]float64{}, sums: map[string]float64{}, requests: map[reqKey]*reqStat{}}
}

func (m *metrics) add(series string, v float64) {
	m.mu.Lock()
	m.counters[series] += v
	m.mu.Unlock()
}

func (m *metrics) request(route string, status int, d time.Duration) {
	if route == "" {
		route = "unmatched"
	}
	k := reqKey{route, status}
	m.mu.Lock()
	st := m.requests[k]
	if st == nil {
		st = &reqStat{}
		m.requests[k] = st
	}
	st.n++
	st.sum += d.Seconds()
	m.mu.Unlock()
}

func (m *metrics) intake(kind string, inserted bool, err error) {
	outcome := "stored"
	switch {
	case err != nil:
		outcome = "error"
	case !inserted:
		outcome = "duplicate"
	}
	m.add(fmt.Sprintf("botsync_webhooks_received_total{kind=%q,outcome=%q}", kind, outcome), 1)
}

func (m *metrics) observeJob(kind, outcome string, d time.Duration) {
	m.add(fmt.Sprintf("botsync_webhooks_processed_total{kind=%q,outcome=%q}", kind, outcome), 1)
	m.mu.Lock()
	m.sums[fmt.Sprintf("botsync_webhook_processing_seconds_sum{kind=%q}", kind)] += d.Seconds()
	m.sums[fmt.Sprintf("botsync_webhook_processing_seconds_count{kind=%q}", kind)]++
	m.mu.Unlock()
}

func (a *App) serveMetrics(w http.ResponseWriter, r *http.Request) {
	var b strings.Builder
	a.metrics.mu.Lock()
	keys := make([]string, 0, len(a.metrics.counters)+len(a.metrics.sums))
	vals := map[string]float64{}
	for k, v := range a.metrics.counters {
		keys, vals[k] = append(keys, k), v
	}
	for k, v := range a.metrics.sums {
		keys, vals[k] = append(keys, k), v
	}
	routeSums := map[string]*reqStat{}
	for k, st := range a.metrics.requests {
		name := fmt.Sprintf("botsync_http_requests_total{route=%q,code=\"%d\"}", k.route, k.code)
		keys, vals[name] = append(keys, name), st.n
		rs := routeSums[k.route]
		if rs == nil {
			rs = &reqStat{}
			routeSums[k.route] = rs
		}
		rs.n += st.n
		rs.sum += st.sum
	}
	for route, rs := range routeSums {
		sum := fmt.Sprintf("botsync_http_request_seconds_sum{route=%q}", route)
		cnt := fmt.Sprintf("botsync_http_request_seconds_count{route=%q}", route)
		keys, vals[sum] = append(keys, sum), rs.sum
		keys, vals[cnt] = append(keys, cnt), rs.n
	}
	a.metrics.mu.Unlock()
	sort.Strings(keys)
	typed := map[string]bool{}
	for _, k := range keys {
		name := k[:strings.IndexByte(k+"{", '{')]
		base := strings.TrimSuffix(strings.TrimSuffix(name, "_sum"), "_count")
		if !typed[base] {
			typed[base] = true
			kind := "counter"
			if base != name {
				kind = "summary"
			}
			fmt.Fprintf(&b, "# TYPE %s %s\n", base, kind)
		}
		fmt.Fprintf(&b, "%s %g\n", k, vals[k])
	}
	st, err := a.queue.Store().Stats(r.Context())
	if err == nil {
		fmt.Fprintf(&b, "# TYPE botsync_intake_jobs gauge\n")
		states := make([]string, 0, len(st))
		for s := range st {
			states = append(states, s)
		}
		slices.Sort(states)
		for _, s := range states {
			fmt.Fprintf(&b, "botsync_intake_jobs{state=%q} %d\n", s, st[s])
		}
	}
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	_, _ = w.Write([]byte(b.String()))
}

// ready reports whether the stores answer.
func (a *App) ready(ctx context.Context) error {
	_, err := a.queue.Store().Stats(ctx)
	return err
}
