package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/botsync/botsync/secret"
)

// redisEnv names the Redis the fan-out tests use (scripts/testenv.sh
// starts one on 127.0.0.1:63790).
const redisEnv = "BOTSYNC_TEST_REDIS_URL"

func redisURL(t *testing.T) secret.Value {
	t.Helper()
	u := os.Getenv(redisEnv)
	if u == "" {
		t.Skipf("%s not set: skipping the Redis fan-out test (scripts/testenv.sh starts a Redis)", redisEnv)
	}
	return secret.New(u)
}

func TestRedisURLConfig(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := filepath.Join(dir, "redis_url")
	require.NoError(t, os.WriteFile(file, []byte("redis://:hunter2-from-file@10.0.0.5:6380/2\n"), 0o600))

	c, err := LoadConfig(env(map[string]string{"REDIS_URL": "redis://:hunter2@127.0.0.1:6379/0"}))
	require.NoError(t, err)
	require.NotContains(t, fmt.Sprintf("%v %+v", c, c), "hunter2", "the URL is a secret")
	c, err = LoadConfig(env(map[string]string{"REDIS_URL_FILE": file}))
	require.NoError(t, err)
	opts, err := redisOptions(c.RedisURL)
	require.NoError(t, err)
	require.Equal(t, "10.0.0.5:6380", opts.Addr)
	require.Equal(t, 2, opts.DB)

	for name, tc := range map[string]map[string]string{
		"bad scheme":   {"REDIS_URL": "http://user:hunter2@cache:6379"},
		"bad host":     {"REDIS_URL": "redis://:hunter2@[::1"},
		"bad database": {"REDIS_URL": "redis://:hunter2@cache:6379/notanumber"},
		"both set":     {"REDIS_URL": "redis://:hunter2@cache:6379", "REDIS_URL_FILE": file},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := LoadConfig(env(tc))
			require.Error(t, err)
			require.Contains(t, err.Error(), "REDIS_URL")
			require.NotContains(t, err.Error(), "hunter2")
		})
	}
}

// A Redis nobody listens on fails the start with an error naming
// REDIS_URL and not the password.
func TestRedisUnreachable(t *testing.T) {
	t.Parallel()
	cfg, err := LoadConfig(env(map[string]string{"REDIS_URL": "redis://:hunter2@127.0.0.1:1/0"}))
	require.NoError(t, err)
	cfg.FastPasswords, cfg.Seed = true, false
	_, err = NewApp(context.Background(), cfg, slog.New(slog.DiscardHandler))
	require.Error(t, err)
	require.Contains(t, err.Error(), "REDIS_URL")
	require.NotContains(t, err.Error(), "hunter2")
}

// Two instances on one Redis: an event published by one reaches the
// subscribers of the other, and the publisher's own subscribers get it
// exactly once (its echo from Redis is skipped by instance id).
func TestTwoInstancesShareEventsThroughRedis(t *testing.T) {
	t.Parallel()
	u := redisURL(t)
	withRedis := func(c *Config) { c.Seed, c.RedisURL = false, u }
	checkRedisFanout(t, newTestApp(t, withRedis), newTestApp(t, withRedis))
}

// On PostgreSQL with REDIS_URL set, Redis carries the realtime events
// (not NOTIFY): still exactly once on each instance.
func TestPostgresWithRedisFanout(t *testing.T) {
	t.Parallel()
	u := redisURL(t)
	set := postgresConfig(t)
	withRedis := func(c *Config) { c.Seed, c.RedisURL = false, u }
	checkRedisFanout(t, newTestApp(t, set, withRedis), newTestApp(t, set, withRedis))
}

func checkRedisFanout(t *testing.T, a, b *testApp) {
	t.Helper()
	require.False(t, a.hub.echoes, "Redis, not PostgreSQL NOTIFY")
	rb := make([]byte, 6)
	_, _ = rand.Read(rb)
	ws := "ws_redis_" + hex.EncodeToString(rb) // other runs may share the Redis

	evA, stopA := a.hub.Subscribe(ws)
	defer stopA()
	evB, stopB := b.hub.Subscribe(ws)
	defer stopB()
	next := func(ch <-chan Event, who string) Event {
		t.Helper()
		select {
		case ev := <-ch:
			return ev
		case <-time.After(10 * time.Second):
			t.Fatalf("no event reached %s", who)
			return Event{}
		}
	}
	a.hub.Publish(Event{Type: "lead.created", Workspace: ws, LeadID: "l1", At: time.Now()})
	require.Equal(t, "l1", next(evA, "the publisher's own subscriber").LeadID)
	require.Equal(t, "l1", next(evB, "the other instance").LeadID)

	b.hub.Publish(Event{Type: "lead.updated", Workspace: ws, LeadID: "l2", At: time.Now()})
	require.Equal(t, "l2", next(evB, "the publisher's own subscriber").LeadID)
	// Redis delivers in publish order: had a's echo of l1 not been
	// skipped, it would arrive here before l2.
	require.Equal(t, "l2", next(evA, "the other instance").LeadID)

	ma, mb := a.scrape(t), b.scrape(t)
	require.EqualValues(t, 1, ma.value("botsync_realtime_events_total", "path", "redis", "outcome", "published"))
	require.EqualValues(t, 1, ma.value("botsync_realtime_events_total", "path", "redis", "outcome", "received"))
	require.EqualValues(t, 1, mb.value("botsync_realtime_events_total", "path", "redis", "outcome", "received"))
	select {
	case ev := <-evA:
		t.Fatalf("unexpected extra event %+v", ev)
	case ev := <-evB:
		t.Fatalf("unexpected extra event %+v", ev)
	default:
	}
}
