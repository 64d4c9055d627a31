package main

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// notifyChannel is the channel realtime events travel on between
// instances, in PostgreSQL (NOTIFY) and in Redis (pub/sub).
const notifyChannel = "botsync_events"

// maxNotify is under PostgreSQL's 8000-byte NOTIFY payload limit.
const maxNotify = 7900

// errTooBig: an event that cannot fit a NOTIFY payload even without its
// message text; it is delivered on this instance only.
var errTooBig = errors.New("realtime: event too big for NOTIFY")

// notifyPayload is ev as JSON for NOTIFY: when too big, without the
// message's text, media and citations (subscribers fetch the message).
func notifyPayload(ev Event) ([]byte, error) {
	b, err := json.Marshal(ev)
	if err == nil && len(b) > maxNotify && ev.Message != nil {
		m := *ev.Message
		m.Text, m.Media = "", nil
		ev2 := ev
		ev2.Message, ev2.Citations = &m, nil
		b, err = json.Marshal(ev2)
	}
	if err == nil && len(b) > maxNotify {
		err = errTooBig
	}
	return b, err
}

// pgFanout makes the hub publish through PostgreSQL NOTIFY, so an SSE
// client connected to any instance sees events processed by every other.
func (a *App) pgFanout(pool *pgxpool.Pool) {
	a.hub.echoes = true
	a.hub.remote = func(ev Event) error {
		b, err := notifyPayload(ev)
		if err == nil {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			_, err = pool.Exec(ctx, `SELECT pg_notify($1, $2)`, notifyChannel, string(b))
		}
		if err != nil {
			a.metrics.realtime("postgres", "error")
			return err
		}
		a.metrics.realtime("postgres", "published")
		return nil
	}
}

// listen delivers other instances' events (and this one's) to local
// subscribers until ctx ends, reconnecting after failures.
func (a *App) listen(ctx context.Context, pool *pgxpool.Pool, ready chan<- struct{}) {
	wait := 100 * time.Millisecond
	for ctx.Err() == nil {
		err := func() error {
			conn, err := pool.Acquire(ctx)
			if err != nil {
				return err
			}
			defer conn.Release()
			if _, err := conn.Exec(ctx, "LISTEN "+notifyChannel); err != nil {
				return err
			}
			if ready != nil {
				close(ready)
				ready = nil
			}
			wait = 100 * time.Millisecond
			for {
				n, err := conn.Conn().WaitForNotification(ctx)
				if err != nil {
					return err
				}
				var ev Event
				if json.Unmarshal([]byte(n.Payload), &ev) == nil && ev.Workspace != "" {
					a.metrics.realtime("postgres", "received")
					a.hub.deliver(ev)
				}
			}
		}()
		if ctx.Err() != nil {
			return
		}
		a.log.Warn("realtime listener: reconnecting", "err", err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		wait = min(2*wait, 10*time.Second)
	}
}
