package main

import (
	"net/http"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/require"
)

// scrape fetches /metrics and parses it as the Prometheus text format.
func (ta *testApp) scrape(t *testing.T) scraped {
	t.Helper()
	res, err := ta.srv.Client().Get(ta.srv.URL + "/metrics")
	require.NoError(t, err)
	defer res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode)
	require.True(t, strings.HasPrefix(res.Header.Get("Content-Type"), "text/plain"), res.Header.Get("Content-Type"))
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(res.Body)
	require.NoError(t, err)
	return fams
}

type scraped map[string]*dto.MetricFamily

// value is the series' value (a counter's or gauge's, a histogram's
// count), 0 when absent; labels are name, value pairs.
func (s scraped) value(name string, labels ...string) float64 {
	f := s[name]
	if f == nil {
		return 0
	}
next:
	for _, m := range f.GetMetric() {
		have := map[string]string{}
		for _, l := range m.GetLabel() {
			have[l.GetName()] = l.GetValue()
		}
		for i := 0; i+1 < len(labels); i += 2 {
			if have[labels[i]] != labels[i+1] {
				continue next
			}
		}
		switch {
		case m.Counter != nil:
			return m.Counter.GetValue()
		case m.Gauge != nil:
			return m.Gauge.GetValue()
		case m.Histogram != nil:
			return float64(m.Histogram.GetSampleCount())
		}
	}
	return 0
}

// Traffic through the sandbox moves every family the issue names: intake
// rate and latency, processing, queue depth, sends by outcome, AI calls by
// model, requests by route and code with latency histograms.
func TestMetricsCountTraffic(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	before := ta.scrape(t)
	require.Contains(t, before, "go_goroutines", "runtime collectors are registered")
	require.Contains(t, before, "botsync_dead_letters")
	require.Zero(t, before.value("botsync_intake_jobs", "state", "queued"))

	for _, text := range []string{"What is the fee for NEET?", "Can I pay in bitcoin?"} {
		require.Equal(t, http.StatusAccepted, ta.do(t, http.MethodPost, "/sandbox/send",
			map[string]string{"channel": "whatsapp", "from": "919800011122", "name": "Asha", "text": text}, nil))
	}
	mid := ta.scrape(t)
	require.EqualValues(t, 2, mid.value("botsync_intake_jobs", "state", "queued"), "stored, not yet processed")
	require.EqualValues(t, 2, mid.value("botsync_webhooks_received_total", "kind", "meta", "outcome", "stored")-
		before.value("botsync_webhooks_received_total", "kind", "meta", "outcome", "stored"))
	require.EqualValues(t, 2, mid.value("botsync_webhook_intake_duration_seconds", "kind", "meta")-
		before.value("botsync_webhook_intake_duration_seconds", "kind", "meta"))
	ta.drain(t)

	after := ta.scrape(t)
	require.Zero(t, after.value("botsync_intake_jobs", "state", "queued"))
	require.EqualValues(t, 2, after.value("botsync_webhooks_processed_total", "kind", "meta", "outcome", "done")-
		before.value("botsync_webhooks_processed_total", "kind", "meta", "outcome", "done"))
	require.EqualValues(t, 2, after.value("botsync_webhook_processing_duration_seconds", "kind", "meta")-
		before.value("botsync_webhook_processing_duration_seconds", "kind", "meta"))
	require.GreaterOrEqual(t, after.value("botsync_sends_total", "channel", "whatsapp", "outcome", "sent")-
		before.value("botsync_sends_total", "channel", "whatsapp", "outcome", "sent"), 1.0, "the answer was sent")
	require.EqualValues(t, len(ta.sandbox.wa.Sent()), after.value("botsync_sends_total", "channel", "whatsapp", "outcome", "sent"))
	require.GreaterOrEqual(t, after.value("botsync_ai_calls_total", "task", "knowledge_answer", "model", "sandbox-extractive", "outcome", "ok")-
		before.value("botsync_ai_calls_total", "task", "knowledge_answer", "model", "sandbox-extractive", "outcome", "ok"), 1.0, "the knowledge model answered")
	require.EqualValues(t, 2, after.value("botsync_http_requests_total", "route", "POST /sandbox/send", "code", "202"))
	require.EqualValues(t, 2, after.value("botsync_http_request_duration_seconds", "route", "POST /sandbox/send"))
	require.EqualValues(t, 2, after.value("botsync_http_requests_total", "route", "GET /metrics", "code", "200"), "earlier scrapes are counted")
	require.Zero(t, after.value("botsync_dead_letters"))
}
