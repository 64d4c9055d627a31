package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/botsync/botsync/whatsapp/whatsapptest"
)

// TestCrashChild is the server process of TestCrashPostgres (it runs only
// when that test starts it).
func TestCrashChild(t *testing.T) {
	if os.Getenv("BOTSYNC_CRASH_CHILD") != "1" {
		t.Skip("started by TestCrashPostgres")
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	if err := run(ctx, slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})), os.Getenv, os.Stdout, nil); err != nil {
		t.Fatal(err)
	}
}

// TestCrashPostgres posts signed webhooks over loopback while the server
// process is killed with SIGKILL and restarted, twice; afterwards every
// webhook that got a 200 was processed exactly once and none was lost.
func TestCrashPostgres(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	set := postgresConfig(t)
	var cfg Config
	set(&cfg)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	ln.Close()

	start := func(seed bool) *exec.Cmd {
		cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
		cmd.Env = append(os.Environ(), "BOTSYNC_CRASH_CHILD=1", "ADDR="+addr, "DATABASE_URL="+cfg.DatabaseURL,
			"KNOWLEDGE_DATABASE_URL=memory", "BOTSYNC_ENCRYPTION_SECRET="+cfg.EncryptionSecret.Reveal(),
			"BOTSYNC_SANDBOX=true", fmt.Sprintf("BOTSYNC_SEED=%v", seed), "BOTSYNC_TEST_FAST_PASSWORDS=1", "INTAKE_LEASE=2s")
		cmd.Stderr = os.Stderr
		require.NoError(t, cmd.Start())
		deadline := time.Now().Add(30 * time.Second)
		for {
			res, err := http.Get("http://" + addr + "/readyz")
			if err == nil {
				res.Body.Close()
				if res.StatusCode == http.StatusOK {
					return cmd
				}
			}
			require.True(t, time.Now().Before(deadline), "server did not start")
			time.Sleep(20 * time.Millisecond) // polling a real process: no fake clock reaches it
		}
	}
	cmd := start(true)
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })

	fake := whatsapptest.New(t) // same default app secret as the server's sandbox
	const total, workers = 1500, 8
	var mu sync.Mutex
	acked := map[string]bool{}
	var next int
	var wg sync.WaitGroup
	client := &http.Client{Timeout: 5 * time.Second}
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				mu.Lock()
				i := next
				next++
				mu.Unlock()
				if i >= total {
					return
				}
				body := fake.InboundText(fmt.Sprintf("9197%08d", i%50), "", "Crash", fmt.Sprintf("message %d", i))
				var env struct {
					Entry []struct {
						Changes []struct {
							Value struct {
								Messages []struct{ ID string } `json:"messages"`
							} `json:"value"`
						} `json:"changes"`
					} `json:"entry"`
				}
				if json.Unmarshal(body, &env) != nil {
					continue
				}
				wamid := env.Entry[0].Changes[0].Value.Messages[0].ID
				res, err := client.Do(fake.WebhookRequest("http://"+addr+"/webhooks/meta", body))
				if err != nil {
					continue // not acknowledged: Meta would deliver again
				}
				res.Body.Close()
				if res.StatusCode == http.StatusOK {
					mu.Lock()
					acked[wamid] = true
					mu.Unlock()
				}
			}
		}()
	}
	// Kill -9 twice while the load runs, restarting each time.
	for _, at := range []int{total / 3, 2 * total / 3} {
		for {
			mu.Lock()
			n := next
			mu.Unlock()
			if n >= at {
				break
			}
			time.Sleep(5 * time.Millisecond)
		}
		require.NoError(t, cmd.Process.Signal(syscall.SIGKILL))
		_ = cmd.Wait()
		cmd = start(false)
	}
	wg.Wait()

	pool, err := pgxpool.New(context.Background(), cfg.DatabaseURL)
	require.NoError(t, err)
	defer pool.Close()
	ctx := context.Background()
	deadline := time.Now().Add(60 * time.Second)
	for {
		var queued int
		require.NoError(t, pool.QueryRow(ctx, `SELECT count(*) FROM intake_jobs WHERE state = 'queued'`).Scan(&queued))
		if queued == 0 {
			break
		}
		require.True(t, time.Now().Before(deadline), "%d jobs still queued", queued)
		time.Sleep(50 * time.Millisecond)
	}
	var dead int
	require.NoError(t, pool.QueryRow(ctx, `SELECT count(*) FROM intake_jobs WHERE state = 'dead'`).Scan(&dead))
	require.Zero(t, dead)
	rows, err := pool.Query(ctx, `SELECT provider_id, count(*) FROM crm_messages WHERE direction = 'in' GROUP BY provider_id`)
	require.NoError(t, err)
	stored := map[string]int{}
	for rows.Next() {
		var id string
		var n int
		require.NoError(t, rows.Scan(&id, &n))
		stored[id] = n
	}
	require.NoError(t, rows.Err())
	require.Greater(t, len(acked), total/5, "a good share of requests was acknowledged")
	for id := range acked {
		require.Equal(t, 1, stored[id], "acknowledged message %s processed exactly once", id)
	}
	t.Logf("%d acknowledged, %d stored, 2 SIGKILLs", len(acked), len(stored))
}
