package main

import (
	"net/http"

	"github.com/botsync/botsync/meta"
)

// routes builds the HTTP handler: webhooks, health, metrics, the sandbox
// and the /api/v1 routes.
func (a *App) routes(wh *meta.WebhookHandler, callbackSecrets [][]byte) http.Handler {
	mux := http.NewServeMux()
	webhookLimit := newLimiter(a.cfg.WebhookRate, int(a.cfg.WebhookRate)+1)
	mux.Handle("GET /webhooks/meta", a.limit(webhookLimit, wh))
	mux.Handle("POST /webhooks/meta", a.limit(webhookLimit, wh))
	if a.billing.webhook != nil {
		mux.Handle("POST /webhooks/razorpay", a.limit(webhookLimit, a.billing.webhook))
	}
	a.metaCallbacks(mux, callbackSecrets)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		if err := a.ready(r.Context()); err != nil {
			a.writeErr(w, r, apiErr(http.StatusServiceUnavailable, "not_ready", "a store does not answer"))
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ready\n"))
	})
	mux.Handle("GET /metrics", a.metrics.handler())
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		if a.sandbox != nil {
			http.Redirect(w, r, "/sandbox", http.StatusFound)
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("BotSync reference server. API: /api/v1/openapi.json\n"))
	})
	if a.sandbox != nil {
		a.sandboxRoutes(mux)
	}
	a.apiRoutes(mux)
	return a.middleware(mux)
}
