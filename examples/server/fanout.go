package main

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// notifyChannel is the PostgreSQL channel realtime events travel on
// between instances.
const notifyChannel = "botsync_events"

// pgFanout makes the hub publish through PostgreSQL NOTIFY, so an SSE
// client connected to any instance sees events processed by every other.
func (a *App) pgFanout(pool *pgxpool.Pool) {
	a.hub.remote = func(payload []byte) error {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_, err := pool.Exec(ctx, `SELECT pg_notify($1, $2)`, notifyChannel, string(payload))
		return err
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
				a.hub.deliverJSON([]byte(n.Payload))
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
