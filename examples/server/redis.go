package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/botsync/botsync/secret"
)

// redisEnvelope is one realtime event on the Redis channel, with the id of
// the instance that published it (which skips its own echoes: it already
// delivered the event to its own subscribers).
type redisEnvelope struct {
	From  string `json:"from"`
	Event Event  `json:"event"`
}

// redisOptions parses REDIS_URL. Its errors never include the URL, which
// may carry a password.
func redisOptions(u secret.Value) (*redis.Options, error) {
	opts, err := redis.ParseURL(u.Reveal())
	if err != nil {
		return nil, fmt.Errorf("config: REDIS_URL: want redis://[user:password@]host[:port][/db] or rediss://… (the value does not parse)")
	}
	return opts, nil
}

// redisFanout connects to Redis and makes the hub publish through its
// pub/sub channel: every instance subscribes and delivers other instances'
// events to its local SSE clients. go-redis's PubSub reconnects and
// resubscribes after a lost connection (checked by its health pings).
// It returns once the subscription is confirmed.
func (a *App) redisFanout(ctx context.Context, u secret.Value) error {
	opts, err := redisOptions(u)
	if err != nil {
		return err
	}
	client := redis.NewClient(opts)
	idb := make([]byte, 8)
	_, _ = rand.Read(idb)
	id := hex.EncodeToString(idb)
	start, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	ps := client.Subscribe(start, notifyChannel)
	if _, err := ps.Receive(start); err != nil { // the subscription's confirmation
		_ = ps.Close()
		_ = client.Close()
		return fmt.Errorf("server: REDIS_URL: cannot subscribe to %s: %w", notifyChannel, redactErr(err, u))
	}
	msgs := ps.Channel(redis.WithChannelSize(256))
	done := make(chan struct{})
	go func() {
		defer close(done)
		for m := range msgs {
			var env redisEnvelope
			if json.Unmarshal([]byte(m.Payload), &env) != nil || env.Event.Workspace == "" || env.From == id {
				continue
			}
			a.metrics.realtime("redis", "received")
			a.hub.deliver(env.Event)
		}
	}()
	a.closers = append(a.closers, func() {
		_ = ps.Close() // closes msgs
		<-done
		_ = client.Close()
	})
	a.hub.echoes = false
	a.hub.remote = func(ev Event) error {
		b, err := json.Marshal(redisEnvelope{From: id, Event: ev})
		if err == nil {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			err = client.Publish(ctx, notifyChannel, b).Err()
		}
		if err != nil {
			a.metrics.realtime("redis", "error")
			a.log.Warn("realtime: publish to Redis failed; delivered on this instance only", "err", redactErr(err, u))
			return err
		}
		a.metrics.realtime("redis", "published")
		return nil
	}
	return nil
}

// redactErr hides the Redis password should an error ever quote it.
func redactErr(err error, u secret.Value) error {
	opts, perr := redis.ParseURL(u.Reveal())
	if perr != nil || opts.Password == "" {
		return err
	}
	if s := err.Error(); strings.Contains(s, opts.Password) {
		return errors.New(strings.ReplaceAll(s, opts.Password, "[REDACTED]"))
	}
	return err
}
