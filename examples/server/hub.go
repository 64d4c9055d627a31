package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/botsync/botsync/ai/knowledge"
	"github.com/botsync/botsync/crm"
)

// Event is one realtime update of a workspace, sent on its SSE stream.
type Event struct {
	Type           string               `json:"type"`
	Workspace      string               `json:"workspace"`
	ConversationID string               `json:"conversation_id,omitempty"`
	LeadID         string               `json:"lead_id,omitempty"`
	Message        *crm.Message         `json:"message,omitempty"`
	Citations      []knowledge.Citation `json:"citations,omitempty"`
	Reason         string               `json:"reason,omitempty"`
	At             time.Time            `json:"at"`
}

// Hub fans realtime events out to the SSE subscribers of a workspace in
// this process. A slow subscriber loses events rather than blocking the
// publisher. Safe for concurrent use.
type Hub struct {
	mu   sync.Mutex
	subs map[string]map[chan Event]struct{}
	// remote, when set, carries events to every instance (PostgreSQL
	// NOTIFY or Redis pub/sub); each instance's listener calls deliver.
	remote func(ev Event) error
	// echoes: the remote also delivers this instance's own events back
	// (PostgreSQL NOTIFY), so Publish delivers locally only when the remote
	// fails. Without echoes (Redis, which skips its own instance id),
	// Publish delivers locally first, then hands the event to the remote.
	echoes bool
}

// NewHub returns an empty hub.
func NewHub() *Hub { return &Hub{subs: map[string]map[chan Event]struct{}{}} }

// Publish sends ev to the workspace's subscribers on every instance (or on
// this one when there is no remote), without blocking for long.
func (h *Hub) Publish(ev Event) {
	switch {
	case h.remote == nil:
		h.deliver(ev)
	case h.echoes:
		if h.remote(ev) != nil {
			h.deliver(ev)
		}
	default:
		h.deliver(ev)
		_ = h.remote(ev) // counted and logged by the remote
	}
}

// deliver sends ev to this instance's subscribers without blocking.
func (h *Hub) deliver(ev Event) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for ch := range h.subs[ev.Workspace] {
		select {
		case ch <- ev:
		default:
		}
	}
}

// Subscribe returns a channel of the workspace's events and a function
// that ends the subscription.
func (h *Hub) Subscribe(workspace string) (<-chan Event, func()) {
	ch := make(chan Event, 64)
	h.mu.Lock()
	if h.subs[workspace] == nil {
		h.subs[workspace] = map[chan Event]struct{}{}
	}
	h.subs[workspace][ch] = struct{}{}
	h.mu.Unlock()
	return ch, func() {
		h.mu.Lock()
		delete(h.subs[workspace], ch)
		h.mu.Unlock()
	}
}

// serveSSE streams the workspace's events until the client goes away.
func (h *Hub) serveSSE(w http.ResponseWriter, r *http.Request, workspace string) {
	fl, ok := w.(http.Flusher)
	if !ok {
		http.Error(w, "streaming unsupported", http.StatusInternalServerError)
		return
	}
	ch, stop := h.Subscribe(workspace)
	defer stop()
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	_, _ = fmt.Fprint(w, ": connected\n\n")
	fl.Flush()
	ping := time.NewTicker(25 * time.Second)
	defer ping.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case <-ping.C:
			_, _ = fmt.Fprint(w, ": ping\n\n")
		case ev := <-ch:
			b, _ := json.Marshal(ev)
			_, _ = fmt.Fprintf(w, "event: %s\ndata: %s\n\n", ev.Type, b)
		}
		fl.Flush()
	}
}
