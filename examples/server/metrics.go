package main

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/botsync/botsync/internal/intake"
	"github.com/botsync/botsync/workspace"
)

// metrics are the server's Prometheus collectors, registered on a private
// registry (never the global default, so several apps in one process —
// the tests — each count their own) and served at /metrics by promhttp.
type metrics struct {
	reg *prometheus.Registry

	requests        *prometheus.CounterVec   // route, code
	requestSeconds  *prometheus.HistogramVec // route
	received        *prometheus.CounterVec   // kind, outcome
	intakeSeconds   *prometheus.HistogramVec // kind
	processed       *prometheus.CounterVec   // kind, outcome
	processSeconds  *prometheus.HistogramVec // kind
	sends           *prometheus.CounterVec   // channel, outcome
	aiCalls         *prometheus.CounterVec   // task, model, outcome
	aiTokens        *prometheus.CounterVec   // model
	realtimeEvents  *prometheus.CounterVec   // path, outcome
	statsUnreadable prometheus.Counter
}

// intakeStats is what the queue-depth collector reads at scrape time.
type intakeStats func(ctx context.Context) (map[string]int, error)

func newMetrics() *metrics {
	m := &metrics{reg: prometheus.NewRegistry()}
	latency := []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "botsync_http_requests_total",
		Help: "HTTP requests by route pattern and status code."}, []string{"route", "code"})
	m.requestSeconds = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "botsync_http_request_duration_seconds",
		Help: "HTTP request latency by route pattern.", Buckets: latency}, []string{"route"})
	m.received = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "botsync_webhooks_received_total",
		Help: "Verified webhook deliveries by kind and intake outcome (stored, duplicate, error)."}, []string{"kind", "outcome"})
	m.intakeSeconds = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "botsync_webhook_intake_duration_seconds",
		Help: "Time to store and queue a verified webhook delivery, by kind.", Buckets: latency}, []string{"kind"})
	m.processed = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "botsync_webhooks_processed_total",
		Help: "Webhook processing attempts by kind and outcome (done, retry, wait, dead)."}, []string{"kind", "outcome"})
	m.processSeconds = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "botsync_webhook_processing_duration_seconds",
		Help: "Webhook processing time by kind.", Buckets: latency}, []string{"kind"})
	m.sends = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "botsync_sends_total",
		Help: "Outbound messages by channel (whatsapp, instagram, broadcast) and outcome (sent, paused, error)."}, []string{"channel", "outcome"})
	m.aiCalls = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "botsync_ai_calls_total",
		Help: "AI model calls by task, model and outcome."}, []string{"task", "model", "outcome"})
	m.aiTokens = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "botsync_ai_tokens_total",
		Help: "AI tokens used by model."}, []string{"model"})
	m.realtimeEvents = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "botsync_realtime_events_total",
		Help: "Realtime events by path (local, postgres, redis) and outcome (published, received, error)."}, []string{"path", "outcome"})
	m.statsUnreadable = prometheus.NewCounter(prometheus.CounterOpts{Name: "botsync_intake_stats_errors_total",
		Help: "Scrapes that could not read the intake queue's depth."})
	m.reg.MustRegister(m.requests, m.requestSeconds, m.received, m.intakeSeconds, m.processed, m.processSeconds,
		m.sends, m.aiCalls, m.aiTokens, m.realtimeEvents, m.statsUnreadable,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// watchQueue registers the queue-depth and dead-letter gauges, read from
// the intake store at each scrape.
func (m *metrics) watchQueue(stats intakeStats) {
	m.reg.MustRegister(&queueCollector{stats: stats, failed: m.statsUnreadable})
}

func (m *metrics) request(route string, status int, d time.Duration) {
	if route == "" {
		route = "unmatched"
	}
	m.requests.WithLabelValues(route, strconv.Itoa(status)).Inc()
	m.requestSeconds.WithLabelValues(route).Observe(d.Seconds())
}

func (m *metrics) intake(kind string, inserted bool, err error, d time.Duration) {
	outcome := "stored"
	switch {
	case err != nil:
		outcome = "error"
	case !inserted:
		outcome = "duplicate"
	}
	m.received.WithLabelValues(kind, outcome).Inc()
	m.intakeSeconds.WithLabelValues(kind).Observe(d.Seconds())
}

func (m *metrics) observeJob(kind, outcome string, d time.Duration) {
	m.processed.WithLabelValues(kind, outcome).Inc()
	m.processSeconds.WithLabelValues(kind).Observe(d.Seconds())
}

// send counts one outbound message.
func (m *metrics) send(channel string, err error) {
	outcome := "sent"
	switch {
	case errors.Is(err, workspace.ErrPaused):
		outcome = "paused"
	case err != nil:
		outcome = "error"
	}
	m.sends.WithLabelValues(channel, outcome).Inc()
}

// aiCall counts one AI call and the tokens it used.
func (m *metrics) aiCall(task, model string, tokens int, err error) {
	outcome := "ok"
	if err != nil {
		outcome = "error"
	}
	if model == "" {
		model = "unknown"
	}
	m.aiCalls.WithLabelValues(task, model, outcome).Inc()
	if tokens > 0 {
		m.aiTokens.WithLabelValues(model).Add(float64(tokens))
	}
}

// realtime counts one realtime event on a path.
func (m *metrics) realtime(path, outcome string) {
	m.realtimeEvents.WithLabelValues(path, outcome).Inc()
}

// handler serves the registry in the Prometheus exposition format.
func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

var (
	queueDesc = prometheus.NewDesc("botsync_intake_jobs", "Webhook jobs in the intake queue by state (queue depth).",
		[]string{"state"}, nil)
	deadDesc = prometheus.NewDesc("botsync_dead_letters", "Webhook jobs that exhausted their retries (dead letters).", nil, nil)
)

// queueCollector reads the intake store's counts at scrape time.
type queueCollector struct {
	stats  intakeStats
	failed prometheus.Counter
}

// Describe implements prometheus.Collector.
func (c *queueCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- queueDesc
	ch <- deadDesc
}

// Collect implements prometheus.Collector.
func (c *queueCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	st, err := c.stats(ctx)
	if err != nil {
		c.failed.Inc()
		return
	}
	for s, n := range st {
		ch <- prometheus.MustNewConstMetric(queueDesc, prometheus.GaugeValue, float64(n), s)
	}
	for _, s := range []string{intake.StateQueued, intake.StateDead} {
		if _, ok := st[s]; !ok { // always present, so alerts see a zero
			ch <- prometheus.MustNewConstMetric(queueDesc, prometheus.GaugeValue, 0, s)
		}
	}
	ch <- prometheus.MustNewConstMetric(deadDesc, prometheus.GaugeValue, float64(st[intake.StateDead]))
}

// ready reports whether the stores answer.
func (a *App) ready(ctx context.Context) error {
	_, err := a.queue.Store().Stats(ctx)
	return err
}
